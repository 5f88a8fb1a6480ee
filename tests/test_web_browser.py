"""`phiscan serve` in a real browser: Debian's headless Chromium driven by playwright (its own browser downloads
are never used). Live highlighting as one types (the script runs under the page's CSP), the form post without
JavaScript, and that the page asks for nothing but its own origin. Screenshots are kept as artefacts under
pytest's tmp folder, never compared. Synthetic text only."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("flask")

from phiscan.config import Config  # noqa: E402
from phiscan.web import create_app  # noqa: E402

from test_web import EVENT, PATIENT, Server  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def server():
    s = Server(create_app(Config.load(None)))
    yield s
    s.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (pip install playwright)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, timeout=60_000)
        yield b
        b.close()


def _page(browser, server, js=True):
    ctx = browser.new_context(java_script_enabled=js)
    page = ctx.new_page()
    seen, errors = [], []
    page.on("request", lambda r: seen.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server.url + "/")
    return ctx, page, seen, errors


def _marks(page):
    return {m.inner_text(): m.get_attribute("data-rules") for m in page.query_selector_all("#post mark")}


def test_live_highlighting_as_one_types(browser, server, tmp_path_factory):
    ctx, page, seen, errors = _page(browser, server)
    try:
        page.fill("#created_at", "2025-05-02T15:00")
        page.fill("#text", PATIENT)
        page.wait_for_selector("#post mark", timeout=90_000)
        # the identifiers are marked with their rules; the clause the judgment ties to the patient may be marked
        # beside them as a low note (PHI120: its score is a judgment, no identifier), and then only that clause
        marks = _marks(page)
        ids = {"Cornelius Abernathy": "PHI101", "room 412": "PHI105"}
        assert marks in (ids, dict(ids, **{"after his hip surgery": "PHI120"}))
        assert page.inner_text("#verdict") == "PHI found: do not post as written"
        rewrite = "So proud of a patient in <ROOM>, walked the whole hallway"
        assert page.input_value("#rewrite") == (rewrite + " <DETAIL>." if "after his hip surgery" in marks else rewrite + " after his hip surgery.")
        page.screenshot(path=str(tmp_path_factory.mktemp("web-shots") / "live-patient.png"), full_page=True)
        page.fill("#text", EVENT)
        page.wait_for_selector("#verdict.ok", timeout=90_000)  # (wait_for_function would need 'unsafe-eval')
        assert page.inner_text("#verdict") == "No PHI found"
        assert page.query_selector_all("#post mark") == []
        assert all(u.startswith(server.url + "/") for u in seen), seen
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        ctx.close()


def test_form_post_without_javascript(browser, server):
    ctx, page, seen, _ = _page(browser, server, js=False)
    try:
        page.fill("#text", PATIENT + " <b>bold</b>")
        page.click("button[type=submit]")
        page.wait_for_selector("#verdict")
        marks = _marks(page)
        assert marks["Cornelius Abernathy"] == "PHI101" and marks["room 412"] == "PHI105"
        assert "<b>bold</b>" in page.inner_text("#post") and page.query_selector("#post b") is None
        assert all(u.startswith(server.url + "/") for u in seen), seen
    finally:
        ctx.close()
