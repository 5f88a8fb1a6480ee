"""Training (issue 15): the case bank, quiz scoring, records in SQLite, `phiscan training quiz | export |
validate`, and the /training pages (CSRF, role plays, nothing typed kept). All text is synthetic."""
from __future__ import annotations

import csv
import io
import re
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from phiscan.cli import main
from phiscan.config import Config
from phiscan.errors import ConfigError
from phiscan.training.bank import BUILTIN_DIR, load_bank
from phiscan.training.quiz import draw, score_item, score_quiz, tokens
from phiscan.training.records import CSV_COLUMNS, Records, RecordsError, default_db_path

RULES = Path(__file__).resolve().parents[1] / "rules"
CODES = sorted(p.stem for p in RULES.glob("PHI*.yaml"))

MINI_BANK = """\
version: 1
modules:
  - {id: ward, title: Our ward, summary: Cases from our own ward., rules: [PHI101, PHI105]}
cases:
  - id: ward-name
    kind: phi
    module: ward
    title: Name and bed
    scenario: A nurse posts about a patient.
    post: "Best of luck to Odalys Brennecke in bed 9 today!"
    identifiers:
      - {text: "Odalys Brennecke", rule: PHI101, why: "Her name."}
      - {text: "bed 9", rule: PHI105, why: "Her bed."}
    better: "Best of luck to everyone starting rehab this week!"
  - id: ward-event
    kind: safe
    module: ward
    title: Bake sale
    scenario: The ward's bake sale.
    post: "Bake sale on Ward 7 tomorrow, all proceeds to the family room."
    why_safe: "An event, no patient."
  - id: ward-rp
    kind: roleplay
    module: ward
    title: Thank a visitor
    prompt: "Write a thank-you post for the bake sale."
    model_answer: "Thank you to everyone who baked and bought!"
"""


def _case(bank, cid):
    return bank.cases[cid]


# -- the bank ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bank():
    return load_bank(rule_codes=CODES)


def test_packaged_bank_validates_with_enough_cases_of_each_kind(bank):
    kinds = {k: len(bank.of_kind(k)) for k in ("phi", "safe", "roleplay")}
    assert len(bank.cases) >= 40
    assert kinds["safe"] >= kinds["phi"] >= 15 and kinds["roleplay"] >= 6
    assert sorted(bank.modules) == ["dates", "names", "numbers", "photos", "places", "replies", "stories"]
    assert {c.module for c in bank.cases.values()} == set(bank.modules)
    assert sorted(p.name for p in BUILTIN_DIR.glob("*.yaml"))[0] == "dates.yaml"


def test_every_identifier_is_an_exact_substring_of_its_post_with_a_known_rule(bank):
    n = 0
    for c in bank.of_kind("phi"):
        assert c.identifiers, c.id
        assert c.better and c.better != c.post
        for i in c.identifiers:
            assert c.post[i.start:i.end] == i.text, (c.id, i.text)
            assert i.rule in CODES and i.why
            n += 1
    for c in bank.of_kind("safe"):
        assert c.identifiers == () and c.why_safe
    for c in bank.of_kind("roleplay"):
        assert c.prompt and c.model_answer and not c.post
    assert n >= 30


def test_a_case_with_an_identifier_missing_from_its_post_names_file_case_and_identifier(tmp_path):
    f = tmp_path / "ours.yaml"
    f.write_text(MINI_BANK.replace('{text: "bed 9"', '{text: "bed 19"'), encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_bank([f], builtin=False)
    assert str(e.value) == f"{f}: case 'ward-name': identifiers.1: 'bed 19' is not in the post"


@pytest.mark.parametrize("edit, message", [
    (("kind: safe", "kind: safe\n    identifiers: [{text: Ward, rule: PHI105, why: x}]"), "key 'cases.1': "),
    (("module: ward\n    title: Bake", "module: kitchen\n    title: Bake"), "case 'ward-event': unknown module 'kitchen' (known: ward)"),
    (("rule: PHI105, why: \"Her bed.\"", "rule: PHI999, why: \"Her bed.\""), "case 'ward-name': identifiers.1: unknown rule PHI999"),
    (("id: ward-event", "id: ward-name"), "case 'ward-name': this id is already used in"),
    (("    better: ", "    colour: blue\n    better: "), "key 'cases.0': Additional properties are not allowed ('colour' was unexpected)"),
])
def test_bad_bank_files_are_refused_with_the_place(tmp_path, edit, message):
    f = tmp_path / "ours.yaml"
    text = MINI_BANK.replace(*edit)
    assert text != MINI_BANK
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_bank([f], builtin=False, rule_codes=CODES)
    assert str(e.value).startswith(str(f) + ": ") and message in str(e.value)


def test_an_institution_adds_its_own_cases_through_the_setting(tmp_path):
    (tmp_path / "ours.yaml").write_text(MINI_BANK, encoding="utf-8")
    (tmp_path / "phiscan.yaml").write_text("training-bank: ours.yaml\ntraining-quiz-size: 4\n", encoding="utf-8")
    cfg = Config.layered(None, cwd=tmp_path, environ={"HOME": str(tmp_path)})
    assert cfg.training_bank == [str(tmp_path / "ours.yaml")] and cfg.training_quiz_size == 4
    from phiscan.training.bank import bank_from_config

    b = bank_from_config(cfg, rule_codes=CODES)
    assert b.cases["ward-name"].identifiers[0].start == 16 and "names-walk-room" in b.cases
    cfg.training_builtin_bank = False
    assert sorted(bank_from_config(cfg).cases) == ["ward-event", "ward-name", "ward-rp"]


def test_training_settings_are_validated(tmp_path):
    (tmp_path / "phiscan.yaml").write_text("training_pass_mark: 120\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="training_pass_mark: expected a percentage from 1 to 100, got 120"):
        Config.layered(None, cwd=tmp_path, environ={"HOME": str(tmp_path)})
    (tmp_path / "phiscan.yaml").write_text("training_quiz_size: ten\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="key 'training_quiz_size': expected a whole number"):
        Config.layered(None, cwd=tmp_path, environ={"HOME": str(tmp_path)})


# -- the quiz ---------------------------------------------------------------------------------------------

def test_tokens_keep_urls_handles_and_hyphenated_words_whole():
    text = 'Congrats @ana.b22 (94-year-old)! See https://x.example.org/a-b, "Room 4".'
    assert [(t.text, t.start, t.end) for t in tokens(text)] == [
        ("Congrats", 0, 8), ("@ana.b22", 9, 17), ("94-year-old", 19, 30), ("See", 33, 36),
        ("https://x.example.org/a-b", 37, 62), ("Room", 65, 69), ("4", 70, 71)]


def test_scoring_half_for_the_verdict_half_for_the_marks(tmp_path):
    f = tmp_path / "ours.yaml"
    f.write_text(MINI_BANK, encoding="utf-8")
    b = load_bank([f], builtin=False)
    phi, safe = b.cases["ward-name"], b.cases["ward-event"]
    assert [t.text for t in tokens(phi.post)][:8] == ["Best", "of", "luck", "to", "Odalys", "Brennecke", "in", "bed"]
    full = score_item(phi, "phi", [4, 5, 7, 8])
    assert (full.score, full.found, full.missed, full.wrong_marks, full.correct) == (1.0, (0, 1), (), (), True)
    part = score_item(phi, "phi", [4, 7, 8])  # "Odalys" without "Brennecke": the name is not found
    assert (part.score, part.found, part.missed) == (0.75, (1,), (0,))
    noisy = score_item(phi, "phi", [0, 4, 5, 7, 8])  # "Best" marked too: 2 found of 2 identifiers + 1 wrong mark
    assert noisy.wrong_marks == ("Best",) and noisy.score == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert score_item(phi, "safe", []).score == 0.0
    assert score_item(safe, "safe", []).score == 1.0
    assert score_item(safe, "phi", []).score == 0.5
    assert score_item(safe, "safe", [3]).score == 0.5 and score_item(safe, "safe", [3]).wrong_marks == ("Ward",)
    assert score_item(safe, None, []).score == 0.0  # unanswered
    assert score_item(phi, "phi", [99, -1, 4, 5]).score == 0.75  # out-of-range marks are ignored
    q = score_quiz([phi, safe], [("phi", [4, 5, 7, 8]), ("phi", [])], pass_mark=75)
    assert (q.percent, q.passed) == (75.0, True)
    assert score_quiz([phi, safe], [("phi", [4, 5, 7, 8]), ("phi", [])], pass_mark=76).passed is False


def test_draw_is_seeded_balanced_and_filtered_by_module(bank):
    a, b = draw(bank, 10, 42), draw(bank, 10, 42)
    assert [c.id for c in a] == [c.id for c in b]
    assert [c.id for c in draw(bank, 10, 43)] != [c.id for c in a]
    assert sum(c.kind == "phi" for c in a) == 5 and sum(c.kind == "safe" for c in a) == 5
    three = draw(bank, 3, 1)
    assert sorted(c.kind for c in three) == ["phi", "phi", "safe"]
    names = draw(bank, 50, 5, module="names")
    assert len(names) == 8 and {c.module for c in names} == {"names"}
    assert all(c.kind != "roleplay" for c in draw(bank, 100, 9))


# -- records ----------------------------------------------------------------------------------------------

def test_records_keep_scores_only_in_an_owner_only_file(tmp_path):
    db = tmp_path / "sub" / "training.sqlite3"
    r = Records(db)
    assert r.all() == [] and not db.exists()
    r.record("rn-1001", "quiz", 83.333, True, 80, 3)
    r.record("rn-1001", "quiz", 50, False, 80, 3)
    r.record("md.22", "roleplay:rp-father-stay", 0, False, 100, 1)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    cols = [row[1] for row in sqlite3.connect(db).execute("PRAGMA table_info(completions)")]
    assert cols == ["id", "trainee_id", "module", "score", "passed", "pass_mark", "items", "completed_at"]
    assert [(c.trainee_id, c.module, c.score, c.passed) for c in r.all()] == [
        ("rn-1001", "quiz", 83.3, True), ("rn-1001", "quiz", 50.0, False), ("md.22", "roleplay:rp-father-stay", 0.0, False)]
    summary = {(s["trainee_id"], s["module"]): (s["attempts"], s["best"], s["passed"]) for s in r.summary()}
    assert summary == {("md.22", "roleplay:rp-father-stay"): (1, 0.0, False), ("rn-1001", "quiz"): (2, 83.3, True)}
    with pytest.raises(RecordsError, match="trainee id"):
        r.record("=HYPERLINK(1)", "quiz", 1, False, 80, 1)
    with pytest.raises(RecordsError, match="trainee id"):
        r.record("", "quiz", 1, False, 80, 1)


def test_default_db_is_per_user():
    assert default_db_path({"HOME": "/home/ana"}) == Path("/home/ana/.local/share/phiscan/training.sqlite3")
    assert default_db_path({"HOME": "/h", "XDG_DATA_HOME": "/data"}) == Path("/data/phiscan/training.sqlite3")


# -- the command line -----------------------------------------------------------------------------------

def _mini_config(tmp_path, pass_mark=80):
    (tmp_path / "ours.yaml").write_text(MINI_BANK, encoding="utf-8")
    cfg = tmp_path / "settings.yaml"
    cfg.write_text(f"training_bank: [ours.yaml]\ntraining_builtin_bank: false\ntraining_pass_mark: {pass_mark}\n"
                   f"training_db: records.sqlite3\n", encoding="utf-8")
    return cfg


def _answers(order, wrong_safe=False):
    lines = []
    for cid in order:
        if cid == "ward-name":
            lines += ["n", "99", "5 6 8 9"]  # 99 is refused and asked again
        else:
            lines += ["n", ""] if wrong_safe else ["y"]
    return "\n".join(lines) + "\n"


def test_terminal_quiz_scores_explains_and_records(tmp_path):
    cfg = _mini_config(tmp_path)
    b = load_bank([tmp_path / "ours.yaml"], builtin=False)
    order = [c.id for c in draw(b, 10, 3)]
    r = CliRunner().invoke(main, ["--config", str(cfg), "training", "quiz", "--trainee", "rn-1001", "--seed", "3"],
                           input=_answers(order))
    assert r.exit_code == 0, r.output
    assert "Quiz 3: 2 posts, pass mark 80%." in r.output
    assert "'99': give word numbers from 1 to 10" in r.output
    assert 'found PHI101 "Odalys Brennecke": Her name.' in r.output and 'found PHI105 "bed 9": Her bed.' in r.output
    assert "Why it is fine: An event, no patient." in r.output
    assert "Score: 100.0% (pass mark 80%): passed." in r.output
    rows = Records(tmp_path / "records.sqlite3").all()
    assert [(c.trainee_id, c.module, c.score, c.passed, c.items) for c in rows] == [("rn-1001", "quiz", 100.0, True, 2)]
    r = CliRunner().invoke(main, ["--config", str(cfg), "training", "quiz", "--seed", "3", "--module", "ward"],
                           input="nurse-7\n" + _answers(order, wrong_safe=True))
    assert r.exit_code == 1, r.output
    assert "Score: 75.0% (pass mark 80%): not passed." in r.output
    assert Records(tmp_path / "records.sqlite3").all()[-1].module == "quiz:ward"


def test_export_writes_csv_with_the_documented_columns(tmp_path):
    db = tmp_path / "t.sqlite3"
    Records(db).record("rn-1001", "quiz", 83.3, True, 80, 3)
    Records(db).record("rn-1002", "quiz:names", 40, False, 80, 5)
    out = tmp_path / "records.csv"
    r = CliRunner().invoke(main, ["training", "export", "--db", str(db), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "2 completions written to" in r.output
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert tuple(rows[0]) == CSV_COLUMNS == ("trainee_id", "module", "score", "passed", "pass_mark", "items", "completed_at")
    assert [r_[:6] for r_ in rows[1:]] == [["rn-1001", "quiz", "83.3", "yes", "80", "3"], ["rn-1002", "quiz:names", "40.0", "no", "80", "5"]]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", rows[1][6])
    r = CliRunner().invoke(main, ["training", "export", "--db", str(db)])
    assert r.exit_code == 0 and r.output.splitlines()[0] == ",".join(CSV_COLUMNS) and len(r.output.splitlines()) == 3
    r = CliRunner().invoke(main, ["training", "export", "--db", str(tmp_path / "none.sqlite3")])
    assert r.exit_code == 2 and f"{tmp_path / 'none.sqlite3'}: no training records there" in r.output
    assert not (tmp_path / "none.sqlite3").exists()


def test_validate_names_each_file_and_its_counts(tmp_path):
    (tmp_path / "ours.yaml").write_text(MINI_BANK, encoding="utf-8")
    r = CliRunner().invoke(main, ["training", "validate", str(tmp_path / "ours.yaml")])
    assert r.exit_code == 0, r.output
    assert r.output == f"{tmp_path / 'ours.yaml'}: 3 cases (1 PHI, 1 safe, 1 role plays): valid\n"
    (tmp_path / "bad.yaml").write_text(MINI_BANK.replace("id: ward-name", "id: names-walk-room"), encoding="utf-8")
    r = CliRunner().invoke(main, ["training", "validate", str(tmp_path / "bad.yaml")])
    assert r.exit_code == 2
    assert r.output == (f"phiscan: error: {tmp_path / 'bad.yaml'}: case 'names-walk-room': this id is already used in "
                        f"{BUILTIN_DIR / 'names.yaml'}\n")


# -- the web pages (Flask's test client; the real browser is in test_training_browser.py) -----------------

@pytest.fixture(scope="module")
def web(tmp_path_factory):
    pytest.importorskip("flask")
    from phiscan.web import create_app

    db = tmp_path_factory.mktemp("training-web") / "records.sqlite3"
    app = create_app(Config(training_db=str(db), training_quiz_size=3))
    return app, db


def _csrf(client, url):
    html = client.get(url).get_data(as_text=True)
    return html, re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_module_page_is_built_from_the_rules_and_the_bank(web):
    app, _ = web
    c = app.test_client()
    html = c.get("/training/module/names").get_data(as_text=True)
    from phiscan.rules.engine import load_rules
    from phiscan.context import load_cues

    rules = load_rules([RULES], set(load_cues(RULES / "context.yaml").names))
    for code in ("PHI101", "PHI102", "PHI121"):
        assert f'id="rule-{code}"' in html
    from markupsafe import escape

    assert str(escape(rules.get("PHI101").docs["what"])) in html
    assert '<mark class="sev-high" data-rules="PHI101" title="PHI101">Desmond Tallow</mark>' in html
    assert "Rereading Florence Nightingale" in html
    idx = c.get("/training").get_data(as_text=True)
    assert idx.count('href="/training/module/') == 7
    assert c.get("/training/module/nope").status_code == 404
    rp = c.get("/training/roleplay/rp-father-stay").get_data(as_text=True)
    assert 'id="check-form"' in rp and 'name="reply_to" value="@lorna_b"' in rp and "live.js" in rp


def test_quiz_form_needs_the_csrf_token_and_records_nothing_without_it(web, tmp_path):
    app, _ = web
    from phiscan.web import create_app

    db = tmp_path / "r.sqlite3"
    other = create_app(Config(training_db=str(db), training_quiz_size=3))
    c = other.test_client()
    _, tok = _csrf(c, "/training/quiz?seed=7")
    r = c.post("/training/quiz", data={"seed": "7", "trainee": "rn-1", "v0": "safe"})
    assert r.status_code == 403 and "security token" in r.get_data(as_text=True)
    r = c.post("/training/quiz", data={"csrf": "x" * 43, "seed": "7", "trainee": "rn-1"})
    assert r.status_code == 403
    assert not db.exists()
    r = c.post("/training/roleplay/rp-father-stay", data={"trainee": "rn-1", "text": "Thanks!"})
    assert r.status_code == 403 and not db.exists()
    r = c.post("/training/quiz", data={"csrf": tok, "seed": "7", "trainee": "rn-1"})
    assert r.status_code == 200 and 'id="score">0.0%' in r.get_data(as_text=True)
    assert [(x.trainee_id, x.score, x.items) for x in Records(db).all()] == [("rn-1", 0.0, 3)]


def test_quiz_over_the_web_scores_each_item(web):
    app, db = web
    c = app.test_client()
    html, tok = _csrf(c, "/training/quiz?seed=11")
    ids = re.findall(r'<section class="question" id="q\d" data-case="([^"]+)"', html)
    b = load_bank()
    assert ids == [x.id for x in draw(b, 3, 11)]
    data = {"csrf": tok, "seed": "11", "module": "", "trainee": "rn-2001"}
    for i, cid in enumerate(ids):
        case = b.cases[cid]
        data[f"v{i}"] = "safe" if case.kind == "safe" else "phi"
        data[f"m{i}"] = [str(t.index) for t in tokens(case.post)
                         if any(t.start < d.end and d.start < t.end for d in case.identifiers)]
    r = c.post("/training/quiz", data=data)
    out = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="score">100.0%' in out and 'id="passed">Passed' in out
    assert out.count('<span class="item-score">1.00</span>') == 3
    rows = c.get("/training/records").get_data(as_text=True)
    assert "<td>rn-2001</td><td>quiz</td><td>1</td><td>100.0%</td><td>yes</td>" in rows
    r = c.get("/training/records.csv")
    assert r.headers["Content-Disposition"] == 'attachment; filename="phiscan-training-records.csv"'
    assert r.get_data(as_text=True).splitlines()[0] == ",".join(CSV_COLUMNS)
    assert c.get("/training/quiz?seed=abc").status_code == 400
    assert c.get("/training/quiz?module=nope").status_code == 400


def test_role_play_passes_the_model_answer_fails_a_leak_and_keeps_no_text(web):
    app, db = web
    c = app.test_client()
    _, tok = _csrf(c, "/training/roleplay/rp-father-stay")
    marker = "Quillon Vantreese"
    form = {"csrf": tok, "trainee": "rn-3001", "platform": "facebook", "reply_to": "@lorna_b", "created_at": "", "account_type": ""}
    bad = c.post("/training/roleplay/rp-father-stay",
                 data={**form, "text": f"So glad your dad {marker} liked room 512 on the 5th floor!"}).get_data(as_text=True)
    assert 'id="roleplay-verdict" class="verdict high">Not passed' in bad
    assert f'data-rules="PHI101" title="PHI101">{marker}</mark>' in bad
    good = c.post("/training/roleplay/rp-father-stay", data={**form, "text": load_bank().cases["rp-father-stay"].model_answer})
    assert 'class="verdict ok">Passed' in good.get_data(as_text=True)
    empty = c.post("/training/roleplay/rp-father-stay", data={**form, "text": "  "})
    assert empty.status_code == 400 and "the draft is empty" in empty.get_data(as_text=True)
    mine = [(x.module, x.score, x.passed) for x in Records(db).all() if x.trainee_id == "rn-3001"]
    assert mine == [("roleplay:rp-father-stay", 0.0, False), ("roleplay:rp-father-stay", 100.0, True)]
    for f in db.parent.iterdir():  # the database and any journal beside it
        data = f.read_bytes()
        assert marker.encode() not in data and b"room 512" not in data and b"5th floor" not in data


def test_serve_refuses_a_broken_institution_bank_naming_the_file(tmp_path):
    pytest.importorskip("flask")
    import subprocess
    import sys

    bad = tmp_path / "ours.yaml"
    bad.write_text(MINI_BANK.replace('{text: "bed 9"', '{text: "bed 19"'), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "phiscan", "serve", "--port", "0", "--training-bank", str(bad)],
                       capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr == f"phiscan: error: {bad}: case 'ward-name': identifiers.1: 'bed 19' is not in the post\n"


def test_terminal_quiz_refuses_an_unknown_module_and_a_bad_trainee_id(tmp_path):
    cfg = _mini_config(tmp_path)
    r = CliRunner().invoke(main, ["--config", str(cfg), "training", "quiz", "--trainee", "rn-1", "--module", "kitchen"])
    assert r.exit_code == 2 and "'kitchen': no such module (known: ward)" in r.output
    r = CliRunner().invoke(main, ["--config", str(cfg), "training", "quiz", "--trainee", "Ana Lopez"])
    assert r.exit_code == 2 and "trainee id: 1 to 64 letters" in r.output
    assert not (tmp_path / "records.sqlite3").exists()
