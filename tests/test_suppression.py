"""Inline suppressions: `phiscan: ignore[RULE] reason` marks findings suppressed (counted, never dropped);
without a reason it suppresses nothing and is itself a PHI901 finding."""
from __future__ import annotations

import json

import pytest

from ci_helpers import QUEUE, STEP_DOWN, STORY, copy_queue, position, run, scan_json
from phiscan.model import Post
from phiscan.suppression import blank, find_directives

REASON = "photo and story consent signed 2025-05-28, form CF-3381 on file with Patient Relations"


def _resolve(code):
    return {"PHI101": "PHI101", "PATIENT-NAME": "PHI101", "PHI106": "PHI106"}.get(code.upper())


@pytest.mark.parametrize("text,codes,reason,problem", [
    ("<!-- phiscan: ignore[PHI101] consent on file -->", ("PHI101",), "consent on file", None),
    ("Body.\nphiscan: ignore[PHI101, phi106] - the names are our own chaplains\n", ("PHI101", "PHI106"), "the names are our own chaplains", None),
    ("<!-- phiscan:ignore[patient-name] consent on file-->", ("PHI101",), "consent on file", None),
    ("<!-- phiscan: ignore[PHI101] -->", ("PHI101",), "", "gives no reason"),
    ("phiscan: ignore[PHI101] n/a", ("PHI101",), "n/a", "gives no reason"),
    ("<!-- phiscan: ignore consent on file -->", (), "consent on file", "names no rule"),
    ("<!-- phiscan: ignore[] consent on file -->", (), "consent on file", "names no rule"),
    ("<!-- phiscan: ignore[PHI777] consent on file -->", (), "consent on file", "names no rule that can be suppressed ('PHI777')"),
])
def test_directive_parsing(text, codes, reason, problem):
    (d,) = find_directives("text", text, _resolve)
    assert (d.codes, d.reason, d.problem and d.problem.split(":")[0]) == (codes, reason, problem)
    assert text[d.start:d.end].startswith("phiscan")


def test_a_directive_inside_a_sentence_is_not_a_plain_line_directive():
    assert find_directives("text", "We never write phiscan: ignore[PHI101] in a post.", _resolve) == []


def test_blank_keeps_offsets_and_line_breaks():
    text = "Line one.\n<!-- phiscan: ignore[PHI101] consent on file -->\nLine three."
    ds = find_directives("text", text, _resolve)
    out = blank(text, ds)
    assert len(out) == len(text) and out.splitlines()[0] == "Line one." and out.splitlines()[2] == "Line three."
    assert out.splitlines()[1].strip() == ""


def test_valid_suppression_marks_findings_suppressed_with_the_reason(scanner):
    text = f"Marisol Quintanilla-Reyes is heading home from our burn unit.\n<!-- phiscan: ignore[PHI101] {REASON} -->"
    (_, found), = scanner.scan([Post(id="s", text=text)])
    assert [(f.rule, f.evidence, f.status, f.justification) for f in found] == [
        ("PHI101", "Marisol Quintanilla-Reyes", "suppressed", REASON)]


def test_suppression_applies_to_the_named_rule_only(scanner):
    text = "Our patient in room 7C, Marisol Quintanilla-Reyes, is heading home from the burn unit.\nphiscan: ignore[PHI101] consent form CF-3381 on file"
    (_, found), = scanner.scan([Post(id="s", text=text)])
    # the name's finding is suppressed; the room's stays open, and so does the low note of the clause the judgment
    # may tie to the patient (PHI120, a judgment's score rather than an identifier), which is that clause only
    found = sorted((f.rule, f.status, f.evidence) for f in found)
    expected = [("PHI101", "suppressed", "Marisol Quintanilla-Reyes"), ("PHI105", "open", "room 7C")]
    assert found in (expected, expected + [("PHI120", "open", "is heading home from the burn unit")])


def test_reason_words_are_not_scanned(scanner):
    text = "Flu shots in the lobby, walk-ins welcome.\n<!-- phiscan: ignore[PHI106] MRN 00998877 was a test chart, see ticket 5521 -->"
    (_, found), = scanner.scan([Post(id="s", text=text)])
    assert found == []


def test_missing_reason_suppresses_nothing_and_is_a_finding(scanner):
    text = "The step-down unit welcomed a patient transferred from the ICU, MRN 00771423.\n<!-- phiscan: ignore[PHI106] -->"
    (_, found), = scanner.scan([Post(id="s", text=text)])
    got = [(f.rule, f.status, f.severity.name, text[f.start:f.end]) for f in found if f.severity.name != "LOW"]
    assert got == [("PHI106", "open", "HIGH", "00771423"), ("PHI901", "open", "MEDIUM", "phiscan: ignore[PHI106]")]
    assert all(f.status == "open" for f in found)  # nothing suppressed, the low notes neither
    found = [f for f in found if f.severity.name != "LOW"]
    assert found[1].rule_name == "suppression-without-reason" and "gives no reason" in found[1].explanation


def test_suppression_in_the_body_covers_front_matter_fields(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "post.md").write_text(
        "---\nalt: Nurses at the station; the whiteboard behind them shows rm 7C.\n---\nBehind the scenes on 4 North.\n"
        "<!-- phiscan: ignore[PHI105] demo unit built for the photo shoot, no patients -->\n", encoding="utf-8")
    code, doc = scan_json("post.md")
    assert code == 0 and doc["findings"] == []
    assert [(f["rule"], f["field"], f["status"]) for f in doc["suppressed"]] == [("PHI105", "alt", "suppressed")]


def test_demo_queue_counts_suppressed_and_lists_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    copy_queue(tmp_path)
    code, doc = scan_json("queue")
    assert code == 1
    assert doc["summary"]["by_status"] == {"open": 4, "authorized": 0, "suppressed": 2, "baselined": 0}
    assert doc["summary"]["suppressed"] == 2 and doc["summary"]["failing"] == 4
    s, detail = doc["suppressed"]
    assert (s["rule"], s["status"], s["justification"], s["source"]) == ("PHI101", "suppressed", REASON, f"queue/{STORY}")
    # the clause note of the consented story (PHI120, low) goes with the name it is a detail of, with the same reason
    assert (detail["rule"], detail["severity"], detail["status"], detail["justification"]) == ("PHI120", "low", "suppressed", REASON)
    assert (detail["line"], detail["column"]) == position(QUEUE / STORY, "is heading home from our burn unit")[:2]
    assert (s["line"], s["column"]) == position(QUEUE / STORY, "Marisol Quintanilla-Reyes")[:2]
    bad = [f for f in doc["findings"] if f["rule"] == "PHI901"]
    assert [(f["source"], f["line"], f["column"], f["end_column"]) for f in bad] == [
        (f"queue/{STEP_DOWN}", *position(QUEUE / STEP_DOWN, "phiscan: ignore[PHI106]"))]

    text = run("scan", "queue").stdout
    assert f"suppressed PHI101 patient-name  queue/{STORY}:7  reason: {REASON}" in text
    assert "4 findings (4 at or above medium), 2 suppressed, 0 baselined" in text
    assert "Quintanilla" not in text.split("suppressed PHI101")[1]  # the suppressed list shows no evidence


def test_a_post_whose_only_finding_is_suppressed_passes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    copy_queue(tmp_path)
    r = run("scan", f"queue/{STORY}", "--format", "github")
    assert r.exit_code == 0
    assert r.stdout == ("phiscan: 1 post scanned, 0 open findings (0 at or above medium), 2 suppressed, 0 baselined, 0 read errors, "
                        "0 warnings; files: 1 scanned, 0 skipped, 0 unreadable\n")
    # remove the reason: the finding is open again, and the bare directive is reported too
    post = tmp_path / "queue" / STORY
    post.write_text(post.read_text(encoding="utf-8").replace(REASON, ""), encoding="utf-8")
    code, doc = scan_json(f"queue/{STORY}")
    assert code == 1
    assert sorted((f["rule"], f["status"]) for f in doc["findings"]) == [("PHI101", "open"), ("PHI120", "open"), ("PHI901", "open")]
    assert json.dumps(doc["suppressed"]) == "[]"
