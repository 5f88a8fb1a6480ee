"""Fingerprints that survive edits and reordering; baselines that record who accepted what, never the PHI."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ci_helpers import SPROUT, STEP_DOWN, UNIT_PHOTO, copy_queue, run, scan_json
from phiscan.baseline import KEYS
from phiscan.model import Finding, Post, Severity
from phiscan.sources import load_inputs

MRN_POST = "The step-down unit welcomed a patient transferred from the ICU, MRN 00771423."


def _mrn(scanner, post: Post) -> Finding:
    found = [f for _, fs in scanner.scan([post]) for f in fs if f.rule == "PHI106"]
    assert len(found) == 1, found
    return found[0]


def test_edit_elsewhere_in_the_post_keeps_the_fingerprint(scanner):
    a = _mrn(scanner, Post(id="p", text=MRN_POST))
    b = _mrn(scanner, Post(id="p", text="Big week for our nurses!\n\n" + MRN_POST + " Visiting hours are 9am to 8pm."))
    assert b.start == a.start + len("Big week for our nurses!\n\n")  # the evidence moved...
    assert b.fingerprint == a.fingerprint  # ...its fingerprint did not


def test_changing_the_evidence_or_the_words_around_it_changes_the_fingerprint(scanner):
    a = _mrn(scanner, Post(id="p", text=MRN_POST))
    other_number = _mrn(scanner, Post(id="p", text=MRN_POST.replace("00771423", "00771424")))
    other_story = _mrn(scanner, Post(id="p", text=MRN_POST.replace("from the ICU", "from the ED")))
    assert len({a.fingerprint, other_number.fingerprint, other_story.fingerprint}) == 3


def test_fingerprint_normalises_case_and_field_positions():
    base = dict(rule="PHI101", rule_name="patient-name", severity=Severity.HIGH, confidence=0.9, post_id="a", source="x.md",
                start=0, end=10, message="m", explanation="e", context="0123456789abcdef")
    one = Finding(field="alt_text[0]", evidence="Mr.  Nasser", **base)
    two = Finding(field="alt_text[3]", evidence="mr. nasser", **{**base, "post_id": "b", "source": "y.md", "start": 40})
    three = Finding(field="text", evidence="mr. nasser", **base)
    assert one.fingerprint == two.fingerprint != three.fingerprint


def test_reordering_records_keeps_the_fingerprint(scanner, tmp_path):
    """Records without ids get `file#index`, which changes when rows move: the fingerprint must not."""
    rows = ["Free flu shots for employees in the main lobby.", MRN_POST, "Blood drive in the auditorium, walk-ins welcome."]
    f1 = tmp_path / "a" / "queue.jsonl"
    f2 = tmp_path / "b" / "queue.jsonl"
    for f, order in ((f1, rows), (f2, [rows[2], rows[0], rows[1]])):
        f.parent.mkdir()
        f.write_text("".join(json.dumps({"text": t}) + "\n" for t in order), encoding="utf-8")
    first = _mrn(scanner, next(p for p in load_inputs([str(f1)]) if "MRN" in p.text))
    second = _mrn(scanner, next(p for p in load_inputs([str(f2)]) if "MRN" in p.text))
    assert (first.post_id, second.post_id) == (f"{f1}#1", f"{f2}#2")
    assert (first.line, second.line) == (2, 3)
    assert first.fingerprint == second.fingerprint


def _entries(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["entries"]


def test_baseline_workflow_end_to_end(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    queue = copy_queue(tmp_path)
    base = tmp_path / ".phiscan-baseline.json"

    code, doc = scan_json("queue")
    assert code == 1 and doc["summary"]["by_status"] == {"open": 4, "authorized": 0, "suppressed": 2, "baselined": 0}

    r = run("baseline", "create", str(base), "queue", "--who", "J. Rivera, Privacy Office", "--reason", "reviewed with the unit manager")
    assert r.exit_code == 0, r.output
    assert "3 findings accepted" in r.output and "1 PHI901 finding not accepted" in r.output
    entries = _entries(base)
    assert sorted((e["rule"], e["source"], e["field"]) for e in entries) == [
        ("PHI105", "2025-06-04-unit-photo.md", "alt"),
        ("PHI105", "sprout_queue.csv", "text"),
        ("PHI106", "2025-06-06-step-down.md", "text"),
    ]  # the suppressed PHI101 is handled in its post, not recorded; the reasonless suppression (PHI901) is refused
    for e in entries:
        assert set(e) == set(KEYS)
        assert e["accepted_by"] == "J. Rivera, Privacy Office" and e["reason"] == "reviewed with the unit manager"
    raw = base.read_text(encoding="utf-8")
    for secret in ("00771423", "rm 7C", "bed 14B", "Quintanilla", "ignore[PHI106]", "step-down-update", "queue/"):
        assert secret not in raw, secret
    assert {e["fingerprint"] for e in entries} == {f["fingerprint"] for f in doc["findings"] if f["rule"] != "PHI901"}

    code, doc = scan_json("queue", "--baseline", str(base))
    assert code == 1 and [(f["rule"], f["status"]) for f in doc["findings"]] == [("PHI901", "open")]
    assert doc["summary"]["by_status"] == {"open": 1, "authorized": 0, "suppressed": 2, "baselined": 3}
    assert doc["summary"]["baselined"] == 3 and doc["summary"]["baseline"] == str(base)

    # edit elsewhere in a post, move a post to another folder, reorder the scheduler's rows: still accepted
    step = queue / STEP_DOWN
    step.write_text(step.read_text(encoding="utf-8").replace("The step-down unit", "Good news from 6 East. The step-down unit"), encoding="utf-8")
    (queue / "archive").mkdir()
    (queue / UNIT_PHOTO).rename(queue / "archive" / Path(UNIT_PHOTO).name)
    header, *rows = (queue / SPROUT).read_text(encoding="utf-8").splitlines(keepends=True)
    (queue / SPROUT).write_text(header + "".join(reversed(rows)), encoding="utf-8")
    code, doc = scan_json("queue", "--baseline", str(base))
    assert code == 1 and doc["summary"]["by_status"]["baselined"] == 3

    # a new identifier is a new finding
    step.write_text(step.read_text(encoding="utf-8").replace("00771423", "00983310"), encoding="utf-8")
    code, doc = scan_json("queue", "--baseline", str(base))
    assert code == 1
    assert [(f["rule"], f["evidence"], f["status"]) for f in doc["findings"] if f["rule"] != "PHI901"] == [("PHI106", "00983310", "open")]
    assert doc["summary"]["by_status"] == {"open": 2, "authorized": 0, "suppressed": 2, "baselined": 2}

    # update: new findings need who and why; old acceptances keep theirs; gone ones are dropped
    r = run("baseline", "update", str(base), "queue")
    assert r.exit_code == 2 and "1 new findings" in r.output
    r = run("baseline", "update", str(base), "queue", "--who", "A. Chen", "--reason", "test record number from the training ward")
    assert r.exit_code == 0 and "1 added, 2 kept, 1 removed" in r.output and "1 PHI901 finding not accepted" in r.output
    after = _entries(base)
    assert sorted((e["rule"], e["accepted_by"]) for e in after) == [
        ("PHI105", "J. Rivera, Privacy Office"), ("PHI105", "J. Rivera, Privacy Office"), ("PHI106", "A. Chen"),
    ]
    assert "00983310" not in base.read_text(encoding="utf-8")
    code, doc = scan_json("queue", "--baseline", str(base))
    assert code == 1 and doc["summary"]["by_status"]["baselined"] == 3
    assert [f["rule"] for f in doc["findings"]] == ["PHI901"]


def test_baseline_file_is_deterministic_and_create_does_not_overwrite(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    copy_queue(tmp_path)
    for name in ("one.json", "two.json"):
        assert run("baseline", "create", name, "queue", "--who", "QA", "--reason", "demo queue accepted").exit_code == 0
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()
    r = run("baseline", "create", "one.json", "queue", "--who", "QA", "--reason", "again")
    assert r.exit_code == 2 and "baseline update" in r.output
    assert run("baseline", "create", "three.json", "queue", "--who", "QA").exit_code == 2  # --reason is required


def test_bad_baseline_is_an_error_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    copy_queue(tmp_path)
    (tmp_path / "b.json").write_text('{"entries": []}', encoding="utf-8")
    r = run("scan", "queue", "--baseline", "b.json")
    assert r.exit_code == 2 and "b.json: not a phiscan baseline" in r.output
    r = run("scan", "queue", "--baseline", "missing.json")
    assert r.exit_code == 2 and "missing.json: baseline file not found" in r.output


def test_baseline_from_project_config(tmp_path, monkeypatch):
    copy_queue(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run("baseline", "create", "accepted.json", "queue", "--who", "QA", "--reason", "demo queue accepted").exit_code == 0
    (tmp_path / "phiscan.yaml").write_text("baseline: accepted.json\n", encoding="utf-8")
    sub = tmp_path / "queue" / "posts"
    monkeypatch.chdir(sub)  # the project config is found upwards; its relative path is relative to it
    code, doc = scan_json(".")
    assert code == 1 and doc["summary"]["baseline"] == str(tmp_path / "accepted.json")
    assert [f["rule"] for f in doc["findings"]] == ["PHI901"]  # never baselined
    assert doc["summary"]["by_status"]["baselined"] == 2  # the posts folder only: the CSV's finding is not here


@pytest.mark.parametrize("who,reason", [("", "x reason"), ("QA", "   ")])
def test_empty_who_or_reason_is_refused(tmp_path, monkeypatch, who, reason):
    monkeypatch.chdir(tmp_path)
    copy_queue(tmp_path)
    r = run("baseline", "create", "b.json", "queue", "--who", who, "--reason", reason)
    assert r.exit_code == 2 and not (tmp_path / "b.json").exists()


def test_update_with_min_severity_keeps_the_entries_it_cannot_see(tmp_path, monkeypatch):
    """`baseline update --min-severity medium` scans without the low findings: their entries are kept, not
    dropped, so the next full scan does not report them as new."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    src = tmp_path / "posts.jsonl"
    src.write_text(json.dumps({"id": "a", "text": MRN_POST}) + "\n"
                   + json.dumps({"id": "b", "text": "Book your mammogram at stmarguerite.org/mammo"}) + "\n")
    base = tmp_path / "base.json"
    assert run("baseline", "create", str(base), str(src), "--who", "J. Rivera", "--reason", "reviewed").exit_code == 0
    before = sorted((e["rule"], e["fingerprint"]) for e in _entries(base))
    assert [r for r, _ in before] == ["PHI106", "PHI110", "PHI120"]  # the MRN, the link and the clause note (low)
    r = run("baseline", "update", str(base), str(src), "--min-severity", "medium")
    assert r.exit_code == 0, r.output
    assert "0 added, 3 kept, 0 removed" in r.stderr
    assert sorted((e["rule"], e["fingerprint"]) for e in _entries(base)) == before
    code, doc = scan_json(str(src), "--baseline", str(base))
    assert code == 0 and doc["findings"] == [] and doc["summary"]["baselined"] == 3
