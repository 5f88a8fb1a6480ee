"""The Python API (`import phiscan`): lazy imports, scan_text, Scanner, Finding.to_dict, the README example."""
from __future__ import annotations

import dataclasses
import doctest
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

import phiscan
from phiscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
# Invented: no such patient or number exists.
DRAFT = "Prayers for my patient Orsolya Quennell in room 412, sent home yesterday!"
WHEN = "2025-03-14T18:00"


def _modules_after(code: str) -> dict:
    """Run `code` in a fresh interpreter and return which heavy modules it imported."""
    probe = code + "\nimport json, sys\nprint(json.dumps({m: m in sys.modules for m in "
    probe += "('spacy', 'presidio_analyzer', 'presidio_anonymizer', 'numpy', 'phiscan.engine', 'phiscan.api', 'yaml')}))"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_import_phiscan_is_cheap_and_spacy_loads_at_the_first_scan():
    bare = _modules_after("import phiscan")
    assert bare == dict.fromkeys(bare, False)  # not even the engine, nor yaml
    # the records need nothing heavy either
    records = _modules_after("import phiscan\nphiscan.Finding, phiscan.Post, phiscan.Severity")
    assert not records["spacy"] and not records["phiscan.engine"]
    # building a scanner reads the rules, not the model
    built = _modules_after("import phiscan\nphiscan.Scanner()")
    assert built["phiscan.engine"] and not built["spacy"] and not built["presidio_analyzer"]
    scanned = _modules_after("import phiscan\nphiscan.scan_text('my pt Lisandro was extubated this morning')")
    assert scanned["spacy"]


def test_public_names():
    assert phiscan.__all__ == ["__version__", "scan_text", "make_post", "Scanner", "ScanReport", "Config",
                               "ConfigError", "PhiscanError", "Finding", "Post", "Media", "ReadError", "Severity"]
    from phiscan import api, config, errors, model

    assert phiscan.scan_text is api.scan_text and phiscan.Scanner is api.Scanner
    assert phiscan.Config is config.Config and phiscan.ConfigError is errors.ConfigError
    assert phiscan.Finding is model.Finding and phiscan.Post is model.Post and phiscan.Severity is model.Severity
    assert set(phiscan.__all__) <= set(dir(phiscan))
    with pytest.raises(AttributeError, match="module 'phiscan' has no attribute 'scan_txt'"):
        phiscan.scan_txt  # noqa: B018
    assert (ROOT / "src" / "phiscan" / "py.typed").is_file()


def test_scan_text_exact_findings():
    found = phiscan.scan_text(DRAFT, created_at=WHEN)
    assert [(f.rule, f.severity, f.evidence, f.start, f.end, f.disclosed) for f in found] == [
        ("PHI101", phiscan.Severity.HIGH, "Orsolya Quennell", 23, 39, None),
        ("PHI105", phiscan.Severity.HIGH, "room 412", 43, 51, None),
        ("PHI103", phiscan.Severity.MEDIUM, "yesterday", 63, 72, "2025-03-13"),
    ]
    assert all(DRAFT[f.start:f.end] == f.evidence for f in found)
    assert {(f.post_id, f.source, f.field, f.status) for f in found} == {("draft", "<text>", "text", "open")}
    with pytest.raises(dataclasses.FrozenInstanceError):
        found[0].evidence = "x"  # type: ignore[misc]
    assert phiscan.scan_text("Lobby flu shots on Tuesday, 9 to noon.") == []
    assert phiscan.scan_text("") == [] and phiscan.scan_text("   ") == []


def test_created_at_resolves_relative_dates_and_an_unreadable_one_is_an_error():
    naive = phiscan.scan_text(DRAFT, created_at=datetime(2025, 3, 14, 18, 0))  # naive: UTC
    aware = phiscan.scan_text(DRAFT, created_at=datetime(2025, 3, 14, 18, 0, tzinfo=timezone.utc))
    assert [f.disclosed for f in naive] == [f.disclosed for f in aware] == [None, None, "2025-03-13"]
    undated = phiscan.scan_text(DRAFT)
    assert [(f.rule, f.disclosed) for f in undated] == [("PHI101", None), ("PHI105", None), ("PHI103", None)]
    for bad in ("garbage", "", "20250314"):
        with pytest.raises(ValueError) as exc:
            phiscan.scan_text(DRAFT, created_at=bad)
        assert str(exc.value) == f"created_at: {bad!r} is not a date-time (expected ISO 8601, e.g. 2025-03-14T18:00)"
    with pytest.raises(TypeError, match="created_at must be a datetime or a str, not int"):
        phiscan.scan_text(DRAFT, created_at=20250314)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="text must be a str, not bytes"):
        phiscan.scan_text(DRAFT.encode())  # type: ignore[arg-type]


def test_reply_to_platform_and_account():
    reply = "@bob_k So glad your knee replacement went well, your care team on 4 West says hi!"
    assert [(f.rule, f.evidence, f.start, f.end) for f in phiscan.scan_text(reply, reply_to="@bob_k")] == [
        ("PHI202", "@bob_k", 0, 6)]
    # the person replied to decides whose care the reply confirms: the commenter's (PHI202) or someone else's
    apology = "Hi Kofi, we're so sorry you waited so long in our emergency room."
    assert [(f.rule, f.evidence) for f in phiscan.scan_text(apology, reply_to="Kofi Mensah")] == [("PHI202", "Kofi")]
    assert [(f.rule, f.evidence) for f in phiscan.scan_text(apology, reply_to="@bob_k")] == [("PHI101", "Kofi")]
    found = phiscan.scan_text(DRAFT, platform="x", account="@rivernurse")
    assert {(f.platform, f.account) for f in found} == {("x", "@rivernurse")}


def test_config_is_applied_and_scanners_are_reused_per_settings():
    from phiscan import api

    medium = phiscan.Config(min_severity="medium")
    assert [f.rule for f in phiscan.scan_text(DRAFT, created_at=WHEN, config=medium)] == ["PHI101", "PHI105", "PHI103"]
    high = phiscan.Config(min_severity="high")
    assert [f.rule for f in phiscan.scan_text(DRAFT, created_at=WHEN, config=high)] == ["PHI101", "PHI105"]
    before = dict(api._SCANNERS)
    phiscan.scan_text(DRAFT, config=phiscan.Config(min_severity="high"))  # equal settings: the same scanner
    assert api._SCANNERS == before
    high.min_severity = "medium"  # changed afterwards: the scanner built for "high" is not changed with it
    assert [f.rule for f in phiscan.scan_text(DRAFT, created_at=WHEN, config=phiscan.Config(min_severity="high"))] == [
        "PHI101", "PHI105"]
    assert len(api._SCANNERS) <= api._KEEP


def test_to_dict_is_the_json_report_finding():
    r = CliRunner().invoke(main, ["check", "--format", "json", "--text", DRAFT, "--created-at", WHEN])
    assert r.exit_code == 1, r.output
    report = json.loads(r.stdout)["findings"]
    found = phiscan.scan_text(DRAFT, created_at=WHEN)
    assert [f.to_dict() for f in found] == report
    assert list(report[0]) == ["rule", "rule_name", "severity", "confidence", "post_id", "source", "field", "start",
                               "end", "line", "column", "end_line", "end_column", "evidence", "entity", "policies",
                               "message", "explanation", "disclosed", "signals", "role", "role_signal", "platform", "account", "url",
                               "status", "justification", "fingerprint"]
    redacted = json.loads(CliRunner().invoke(main, ["check", "--format", "json", "--redact", "--text", DRAFT,
                                                    "--created-at", WHEN]).stdout)["findings"]
    assert [f.to_dict(redact=True) for f in found] == redacted
    assert found[0].to_dict(redact=True)["evidence"] == "O****** Q*******"
    dated = found[2].to_dict(redact=True)
    assert (dated["evidence"], dated["disclosed"]) == ("y********", "2025-**-**") and "2025-03-13" not in dated["message"]
    assert dated["fingerprint"] == found[2].fingerprint
    assert json.loads(json.dumps(found[0].to_dict())) == found[0].to_dict()  # plain JSON types only


def test_scanner_scan_posts_streams_in_input_order():
    scanner = phiscan.Scanner()
    post = phiscan.make_post("Visiting hours on 5 North change Monday.", post_id="p-9", platform="facebook")
    texts = ["Lobby flu shots on Tuesday, 9 to noon.", "my pt Lisandro was extubated this morning, MRN 66120458", post]
    got = list(scanner.scan_posts(iter(texts)))
    assert [p.id for p, _ in got] == ["text#0", "text#1", "p-9"]
    assert got[2][0] is post
    assert [[(f.rule, f.evidence, f.start, f.end) for f in fs] for _, fs in got] == [
        [], [("PHI101", "Lisandro", 6, 14), ("PHI103", "this morning", 29, 41), ("PHI106", "66120458", 47, 55)], []]
    assert scanner.scan_post(post) == []
    assert [f.rule for f in scanner.scan_text(texts[1])] == ["PHI101", "PHI103", "PHI106"]
    with pytest.raises(TypeError, match="item 1: expected a phiscan.Post or a str, not int"):
        list(scanner.scan_posts(["ok", 7]))  # type: ignore[list-item]


def test_scanner_scan_paths_reads_exports_and_reports_errors(tmp_path):
    good = tmp_path / "posts.jsonl"
    good.write_text(json.dumps({"id": "g1", "text": "my pt Lisandro was extubated this morning, MRN 66120458"}) + "\n"
                    + "{not json\n" + json.dumps({"id": "g2", "text": "Lobby flu shots on Tuesday."}) + "\n")
    missing = tmp_path / "nope.jsonl"
    report = phiscan.Scanner().scan_paths([good, str(missing)])
    assert report.posts == 2
    assert [(f.post_id, f.rule, f.evidence, f.line) for f in report.findings] == [
        ("g1", "PHI101", "Lisandro", 1), ("g1", "PHI103", "this morning", 1), ("g1", "PHI106", "66120458", 1)]
    assert [(e.source, e.where) for e in report.errors] == [(str(good), "line 2, column 2"), (str(missing), "")]
    assert all("Lisandro" not in e.message for e in report.errors)
    # the record has no time: "this morning" discloses no date yet (low), the name and the MRN fail
    assert report.exit_code == 2 and [f.rule for f in report.failing] == ["PHI101", "PHI106"]
    assert phiscan.Scanner().scan_paths(good, input_format="jsonl").posts == 2
    with pytest.raises(phiscan.ConfigError, match="unknown input format 'tweets'"):
        phiscan.Scanner().scan_paths(good, input_format="tweets")
    streamed = list(phiscan.Scanner().iter_paths(good))
    assert [type(i).__name__ for i in streamed] == ["ReadError", "tuple", "tuple"]


def test_scan_paths_agrees_with_the_command_line_on_the_bundled_exports():
    r = CliRunner().invoke(main, ["scan", str(ROOT / "fixtures" / "exports"), "--format", "json", "--quiet", "--no-cache"])
    doc = json.loads(r.stdout)
    report = phiscan.Scanner().scan_paths(ROOT / "fixtures" / "exports")
    key = lambda d: json.dumps(d, sort_keys=True)  # noqa: E731
    assert sorted(map(key, [f.to_dict() for f in report.findings])) == sorted(map(key, doc["findings"] + doc["suppressed"]))
    assert report.posts == doc["summary"]["posts_scanned"]
    assert [e.as_dict() for e in report.errors] == doc["errors"]
    assert report.exit_code == r.exit_code


def test_settings_and_bad_configuration(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user"))
    (tmp_path / "phiscan.yaml").write_text("min_severity: high\n")
    scanner = phiscan.Scanner.from_settings()
    assert scanner.config.min_severity == "high" and "project config" in scanner.config.origins["min_severity"]
    assert [f.rule for f in scanner.scan_text(DRAFT)] == ["PHI101", "PHI105"]
    assert phiscan.Scanner.from_settings(min_severity="low").config.min_severity == "low"
    assert phiscan.Scanner().config.min_severity == "low"  # Scanner() never reads the folder's settings
    (tmp_path / "other.yaml").write_text("fail-on: hihg\n")
    with pytest.raises(phiscan.ConfigError) as exc:
        phiscan.Scanner.from_settings(tmp_path / "other.yaml")
    assert str(exc.value) == f"{tmp_path / 'other.yaml'}: key 'fail-on': expected one of high, medium, low, got 'hihg'"
    with pytest.raises(phiscan.ConfigError, match="unknown setting 'colour'"):
        phiscan.Scanner.from_settings(colour="red")
    with pytest.raises(phiscan.ConfigError, match="nowhere: rules folder not found"):
        phiscan.Scanner(phiscan.Config(rules_dirs=["nowhere"]))
    with pytest.raises(TypeError, match="config must be a phiscan.Config, not dict"):
        phiscan.Scanner({"min_severity": "high"})  # type: ignore[arg-type]


def _readme_api_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```pycon\n(.*?)```", section, re.S)
    return block


def test_readme_python_api_example_runs_as_shown(monkeypatch):
    monkeypatch.chdir(ROOT)  # the example scans fixtures/content-queue
    test = doctest.DocTestParser().get_doctest(_readme_api_example(), {}, "README Python API", "README.md", 0)
    assert len(test.examples) >= 8
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    out: list[str] = []
    runner.run(test, out=out.append)
    assert runner.failures == 0, "".join(out)
