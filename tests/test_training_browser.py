"""Training pages in a real browser (Debian's Chromium driven by playwright, as in test_web_browser.py): take a
three-question quiz with the keyboard and the mouse and read the score; export the records from the records
page and read the CSV; a role play checked live as one types. Screenshots are kept as artefacts under pytest's
tmp folder, never compared. Synthetic text only."""
from __future__ import annotations

import csv

import pytest

pytest.importorskip("flask")

from phiscan.config import Config  # noqa: E402
from phiscan.training.bank import load_bank  # noqa: E402
from phiscan.training.quiz import tokens  # noqa: E402
from phiscan.web import create_app  # noqa: E402

from test_web import Server  # noqa: E402
from test_web_browser import ARGS, CHROMIUM  # noqa: E402


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return tmp_path_factory.mktemp("training-browser") / "records.sqlite3"


@pytest.fixture(scope="module")
def server(db):
    s = Server(create_app(Config(training_db=str(db), training_quiz_size=3)))
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


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    return tmp_path_factory.mktemp("training-shots")


def _context(browser, js=True):
    ctx = browser.new_context(java_script_enabled=js, accept_downloads=True)
    page = ctx.new_page()
    seen = []
    page.on("request", lambda r: seen.append(r.url))
    return ctx, page, seen


def test_take_a_three_question_quiz_and_read_the_score(browser, server, db, shots):
    bank = load_bank()
    ctx, page, seen = _context(browser, js=False)  # the quiz is a plain form: no JavaScript needed
    try:
        page.goto(server.url + "/training")
        page.click("#take-quiz")
        page.wait_for_selector("#quiz-form")
        ids = [s.get_attribute("data-case") for s in page.query_selector_all("section.question")]
        assert len(ids) == 3 and len(set(ids)) == 3
        page.fill("#trainee", "rn-4001")
        for q, cid in enumerate(ids):
            case = bank.cases[cid]
            last = q == 2
            for t in tokens(case.post):  # tick the words over each identifier (by keyboard on the first post)
                if any(t.start < d.end and d.start < t.end for d in case.identifiers) and not last:
                    box = page.locator(f"#q{q} input[name=m{q}][value='{t.index}']")
                    if q == 0:
                        box.focus()
                        page.keyboard.press("Space")
                    else:
                        box.check()
            # the right verdict on the first two posts; the last one is answered the wrong way, nothing ticked
            right = "safe" if case.kind == "safe" else "phi"
            wrong = "phi" if right == "safe" else "safe"
            page.check(f"#q{q} input[name=v{q}][value={wrong if last else right}]")
        page.screenshot(path=str(shots / "quiz.png"), full_page=True)
        page.locator("#quiz-form button[type=submit]").press("Enter")
        page.wait_for_selector("#total")
        # last item: a safe post called PHI with nothing ticked keeps the half for the marks; a PHI post called
        # safe with nothing ticked scores 0
        last_score = 0.5 if bank.cases[ids[2]].kind == "safe" else 0.0
        expected = round(100 * (2 + last_score) / 3, 1)
        assert page.inner_text("#score") == f"{expected:.1f}%"
        assert page.inner_text("#passed") == ("Passed" if expected >= 80 else "Not passed")
        assert [e.inner_text() for e in page.query_selector_all(".item-score")] == ["1.00", "1.00", f"{last_score:.2f}"]
        assert bank.cases[ids[0]].explanation in page.inner_text("#items")
        page.screenshot(path=str(shots / "quiz-result.png"), full_page=True)
        assert all(u.startswith(server.url + "/") for u in seen), seen
    finally:
        ctx.close()


def test_export_the_records_and_read_the_csv(browser, server, db, shots, tmp_path):
    from phiscan.training.records import Records

    Records(db).record("md-4002", "quiz:names", 62.5, False, 80, 8)
    ctx, page, _ = _context(browser)
    try:
        page.goto(server.url + "/training/records")
        cells = [[td.inner_text() for td in tr.query_selector_all("td")] for tr in page.query_selector_all("#records tbody tr")]
        assert ["md-4002", "quiz:names", "1", "62.5%", "no"] in [c[:5] for c in cells]
        page.screenshot(path=str(shots / "records.png"), full_page=True)
        with page.expect_download() as dl:
            page.click("#export-csv")
        path = tmp_path / "export.csv"
        dl.value.save_as(str(path))
        assert dl.value.suggested_filename == "phiscan-training-records.csv"
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        assert list(rows[0]) == ["trainee_id", "module", "score", "passed", "pass_mark", "items", "completed_at"]
        mine = [r for r in rows if r["trainee_id"] == "md-4002"]
        assert [(r["module"], r["score"], r["passed"], r["pass_mark"], r["items"]) for r in mine] == [("quiz:names", "62.5", "no", "80", "8")]
        assert len(rows) == len(Records(db).all())
    finally:
        ctx.close()


def test_role_play_checked_live_as_one_types(browser, server, shots):
    ctx, page, seen = _context(browser)
    try:
        page.goto(server.url + "/training/roleplay/rp-father-stay")
        assert page.inner_text("#comment").startswith("My dad was on your 5th floor")
        page.fill("#text", "So glad your dad Bartholomew Quince enjoyed his stay in room 512!")
        page.wait_for_selector("#post mark", timeout=90_000)
        marks = {m.inner_text(): m.get_attribute("data-rules") for m in page.query_selector_all("#post mark")}
        assert marks.get("Bartholomew Quince") == "PHI101" and marks.get("room 512") == "PHI105"
        page.screenshot(path=str(shots / "roleplay-live.png"), full_page=True)
        page.fill("#text", "Thank you so much for these kind words! We will share them with our nursing teams.")
        page.wait_for_selector("#verdict.ok", timeout=90_000)
        page.fill("#trainee", "rn-4003")
        page.click("#check-form button[type=submit]")
        page.wait_for_selector("#roleplay-verdict")
        assert page.inner_text("#roleplay-verdict") == "Passed: nothing in your answer identifies a patient"
        assert all(u.startswith(server.url + "/") for u in seen), seen
    finally:
        ctx.close()
