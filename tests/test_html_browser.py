"""The HTML report in a real browser: Debian's headless Chromium, from a file:// URL, offline.

Two drivers, each skipped with its reason when its tool is missing:
- playwright (the Python package, driving /usr/bin/chromium over CDP; its own browser downloads are never used):
  select boxes, the URL fragment, the counter, which cards are visible, that the script ran under the CSP,
  and that the page requests nothing but itself;
- `chromium --headless --dump-dom` (no Python dependency): a filtered view opened from its bookmark fragment.

Setup: `apt-get install -y chromium` and `pip install playwright` (no `playwright install`).
"""
from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest

from phiscan.model import ScanResult, report_key
from phiscan.reporters import get_reporter
from phiscan.sources.generic import post_from_record

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)"
)

# Synthetic posts: two accounts, high and medium findings of several rules, a post with a script tag.
RECORDS = [
    {"id": "b1", "platform": "x", "account": "lakeside_care", "url": "https://social.example/lakeside_care/status/b1",
     "created_at": "2025-05-02T15:00:00Z",
     "text": "So proud of my pt Cornelius Abernathy, walked the whole hallway today after his hip surgery. MRN 66104729"},
    {"id": "b2", "platform": "x", "account": "lakeside_care",
     "text": "Blood drive this Friday in the main lobby, 8am to 2pm. Walk-ins welcome!"},
    {"id": "c1", "platform": "instagram", "account": "lakeside_kids", "created_at": "2025-05-03T02:00:00Z",
     "text": "Prayers for little Philippa in PICU tonight <script>alert(1)</script>"},
]


@pytest.fixture(scope="module")
def findings_and_html(scanner, ruleset, tmp_path_factory):
    result = ScanResult(sources=1)
    posts = [post_from_record(rec, "feed.jsonl", i, i + 1) for i, rec in enumerate(RECORDS)]
    for post, fs in scanner.scan(posts):
        result.add(post, fs)
    buf = io.StringIO()
    get_reporter("html").render(result, ruleset, buf)
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return sorted(result.findings, key=report_key), path


def _expect(findings, **want) -> list[str]:
    """Fingerprints of the findings a filter should show, in page order."""
    return [
        f.fingerprint for f in findings
        if all((str(f.severity) if k == "severity" else getattr(f, k)) == v for k, v in want.items())
    ]


def test_the_posts_give_findings_of_both_severities_and_accounts(findings_and_html):
    findings, _ = findings_and_html
    assert {str(f.severity) for f in findings} == {"high", "medium"}
    assert {f.account for f in findings} == {"lakeside_care", "lakeside_kids"}
    assert len({f.rule for f in findings if f.severity.name == "HIGH"}) >= 2


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (pip install playwright)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, timeout=60_000)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, findings_and_html):
    _, path = findings_and_html
    context = browser.new_context(java_script_enabled=True)
    page = context.new_page()
    seen = {"problems": [], "requests": [], "dialogs": []}
    # console errors (a CSP violation would show here), uncaught exceptions, requests, alert() dialogs
    page.on("console", lambda m: seen["problems"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["problems"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.seen = seen
    yield page
    context.close()


def visible(page) -> list[str]:
    """Fingerprints of the finding cards that are shown (hidden attribute unset and actually displayed)."""
    return page.eval_on_selector_all(
        "article.finding",
        "cards => cards.filter(c => !c.hidden && c.getClientRects().length > 0).map(c => c.dataset.fingerprint)",
    )


def counter(page) -> str:
    return page.text_content("#counter")


def test_filters_by_severity_rule_and_account(page, findings_and_html):
    findings, path = findings_and_html
    n = len(findings)
    page.goto(path.as_uri())
    everything = [f.fingerprint for f in findings]
    assert visible(page) == everything and counter(page) == f"{n} of {n} findings shown"

    page.select_option("#filter-severity", "high")
    high = _expect(findings, severity="high")
    assert 0 < len(high) < n
    assert visible(page) == high and counter(page) == f"{len(high)} of {n} findings shown"
    assert page.evaluate("location.hash") == "#severity=high"  # the view can be bookmarked
    hidden = page.eval_on_selector_all("article.finding[hidden]", "cs => cs.map(c => c.dataset.severity)")
    assert hidden and set(hidden) == {"medium"}

    page.select_option("#filter-rule", "PHI106")
    assert visible(page) == _expect(findings, severity="high", rule="PHI106")
    assert counter(page) == f"1 of {n} findings shown"
    assert page.evaluate("location.hash") == "#severity=high&rule=PHI106"
    # the post with no finding left shown is hidden as a whole
    assert page.eval_on_selector_all("section.post", "ps => ps.map(p => p.hidden)") == [False, True]

    page.select_option("#filter-severity", "medium")
    assert visible(page) == [] and counter(page) == f"0 of {n} findings shown"

    page.click("#filter-reset")
    assert visible(page) == everything and counter(page) == f"{n} of {n} findings shown"
    assert page.evaluate("location.hash") == ""

    page.select_option("#filter-account", "lakeside_kids")
    kids = _expect(findings, account="lakeside_kids")
    assert visible(page) == kids and counter(page) == f"{len(kids)} of {n} findings shown"

    assert page.seen["problems"] == []
    assert page.seen["requests"] == [path.as_uri()]  # nothing but the file itself


def test_filters_read_from_the_url_fragment(page, findings_and_html):
    findings, path = findings_and_html
    n = len(findings)
    page.goto(path.as_uri() + "#severity=medium&account=lakeside_care")
    want = _expect(findings, severity="medium", account="lakeside_care")
    assert len(want) >= 1
    assert visible(page) == want and counter(page) == f"{len(want)} of {n} findings shown"
    assert page.input_value("#filter-severity") == "medium"
    assert page.input_value("#filter-account") == "lakeside_care"
    assert page.input_value("#filter-rule") == ""

    # following a summary link changes the filter in place
    page.click('#by-rule a[href="#rule=PHI101"]')
    _wait_for_value(page, "#filter-rule", "PHI101")
    assert visible(page) == _expect(findings, rule="PHI101")
    assert page.input_value("#filter-severity") == ""

    # an unknown value is ignored rather than hiding everything
    page.evaluate("location.hash = 'severity=urgent'")
    _wait_for_value(page, "#filter-rule", "")
    assert visible(page) == [f.fingerprint for f in findings]
    assert page.seen["problems"] == []


def test_post_text_is_shown_as_text(page, findings_and_html):
    _, path = findings_and_html
    page.goto(path.as_uri())
    assert page.eval_on_selector_all("script", "s => s.length") == 1
    quotes = page.eval_on_selector_all("blockquote.context", "qs => qs.map(q => q.textContent)")
    assert "Prayers for little Philippa in PICU tonight <script>alert(1)</script>" in quotes
    marks = page.eval_on_selector_all("blockquote.context mark", "ms => ms.map(m => m.textContent)")
    assert "Cornelius Abernathy" in marks and "66104729" in marks
    assert page.seen["dialogs"] == []  # the post's alert(1) never ran


@needs_chromium
def test_dump_dom_of_a_bookmarked_filter(findings_and_html, tmp_path):
    """Without playwright: Chromium's own --dump-dom of the page opened at a filter fragment."""
    findings, path = findings_and_html
    cmd = [str(CHROMIUM), *ARGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", path.as_uri() + "#severity=high"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    cards = re.findall(r"<article ([^>]*)>", dom)
    assert len(cards) == len(findings)
    shown = [re.search(r'data-fingerprint="([0-9a-f]+)"', c).group(1) for c in cards if not re.search(r"\shidden(=|\s|$)", c)]
    high = _expect(findings, severity="high")
    assert shown == high
    assert f'<p id="counter" aria-live="polite">{len(high)} of {len(findings)} findings shown</p>' in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom


def test_each_post_is_quoted_once_and_hidden_findings_are_dimmed(page, findings_and_html):
    """Findings grouped by post: a post's text once, every finding highlighted in it; a filter dims the
    highlights of the findings it hides and hides the posts left without a finding shown."""
    findings, path = findings_and_html
    page.goto(path.as_uri())
    quotes = page.eval_on_selector_all("section.post", "ps => ps.map(p => p.querySelectorAll('blockquote.context').length)")
    assert quotes == [1, 1]  # b1 and c1, each with several findings
    assert page.eval_on_selector_all("article.finding blockquote", "qs => qs.length") == 0
    lit = "ms => ms.filter(m => !m.classList.contains('dim')).map(m => m.textContent)"
    assert page.eval_on_selector_all("blockquote.context mark", lit) == [f.evidence for f in findings]
    page.select_option("#filter-rule", "PHI106")
    assert page.eval_on_selector_all("blockquote.context mark", lit) == ["66104729"]
    assert page.eval_on_selector_all("section.post", "ps => ps.map(p => p.hidden)") == [False, True]
    assert page.seen["problems"] == []


# The same posts with findings a person accepted: the status filter.
@pytest.fixture(scope="module")
def status_html(scanner, ruleset, tmp_path_factory):
    from dataclasses import replace
    from types import SimpleNamespace

    posts = [post_from_record(rec, "feed.jsonl", i, i + 1) for i, rec in enumerate(RECORDS)]
    result = ScanResult(sources=1, accepted={})
    for post, fs in scanner.scan(posts):
        out = []
        for f in fs:
            if f.rule == "PHI106":
                f = replace(f, status="suppressed", justification="consent form CF-12 on file")
            elif f.rule == "PHI101" and f.post_id == "c1":
                result.accepted[f.fingerprint] = SimpleNamespace(reason="reviewed, ticket PO-77")
            elif f.rule == "PHI101":
                f = replace(f, status="authorized")
            out.append(f)
        result.add(post, out)
    buf = io.StringIO()
    get_reporter("html").render(result, ruleset, buf)
    path = tmp_path_factory.mktemp("html-status") / "report.html"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return sorted([*result.findings, *result.suppressed, *result.baselined], key=report_key), path


def _wait_for_value(page, selector, value, timeout=30.0):
    """Wait until a form field shows `value` (polled from here: the page's CSP forbids the eval that
    `wait_for_function` needs)."""
    import time

    end = time.monotonic() + timeout
    while page.input_value(selector) != value:
        assert time.monotonic() < end, f"{selector} never showed {value!r}"
        page.wait_for_timeout(50)


def test_status_filter(page, status_html):
    findings, path = status_html
    n = len(findings)
    page.goto(path.as_uri())
    assert visible(page) == [f.fingerprint for f in findings] and counter(page) == f"{n} of {n} findings shown"
    for status in ("open", "authorized", "suppressed", "baselined"):
        page.select_option("#filter-status", status)
        want = _expect(findings, status=status)
        assert len(want) >= 1, status
        assert visible(page) == want and counter(page) == f"{len(want)} of {n} findings shown"
        assert page.evaluate("location.hash") == f"#status={status}"
    page.select_option("#filter-status", "suppressed")
    assert page.eval_on_selector_all("section.post", "ps => ps.map(p => p.hidden)") == [False, True]
    page.goto(path.as_uri() + "#status=open&severity=high")
    _wait_for_value(page, "#filter-status", "open")
    assert visible(page) == _expect(findings, status="open", severity="high")
    page.click('#by-status a[href="#status=baselined"]')
    _wait_for_value(page, "#filter-status", "baselined")
    assert visible(page) == _expect(findings, status="baselined")
    assert page.seen["problems"] == [] and set(page.seen["requests"]) == {path.as_uri()}  # nothing but the file
