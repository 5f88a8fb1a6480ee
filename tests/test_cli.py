"""CLI: exit codes, the JSON contract, inputs, rules commands, and the packaged rules."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from phiscan.cli import main

PHI = "my pt dmitri was finally extubated this morning, after eleven days on the vent, MRN 00596137"
CLEAN = "Free flu shot clinic Tues Dec 3, 9am-1pm, 2nd floor Conference Room 412! Questions? Phone 555-0100."


def run(*args, input=None):
    r = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    return r


def test_check_clean_exits_0():
    r = run("check", "--text", CLEAN)
    assert r.exit_code == 0, r.output
    assert "No PHI found" in r.output


def test_check_phi_exits_1_and_shows_rule_policy_and_rewrite():
    r = run("check", "--text", PHI)
    assert r.exit_code == 1
    assert "PHI106" in r.output and "164.514(b)(2)(i)(H)" in r.output
    assert "Safer rewrite" in r.output and "<RECORD NUMBER>" in r.output
    # issue 14: "my pt" is the writer's tie to the patient; with the name it becomes "a patient"
    rewrite = r.output.split("Safer rewrite", 1)[1]
    assert "A patient was finally extubated" in rewrite and "dmitri" not in rewrite and "my pt" not in rewrite


def test_check_reads_stdin_and_file(tmp_path):
    assert run("check", "-", input=PHI).exit_code == 1
    f = tmp_path / "draft.txt"
    f.write_text(CLEAN)
    assert run("check", str(f)).exit_code == 0


def test_fail_on_threshold():
    text = "Visiting @jaxon_rides_again in the burn unit today"  # a medium finding
    assert run("check", "--text", text).exit_code == 1
    assert run("check", "--text", text, "--fail-on", "high").exit_code == 0


def test_usage_errors_exit_2(tmp_path):
    assert run("check", str(tmp_path / "missing.txt")).exit_code == 2
    assert run("check", "--text", "x", "--fail-on", "urgent").exit_code == 2
    assert run("scan").exit_code == 2
    assert run("scan", "x.jsonl", "--input-format", "nope").exit_code == 2


def test_scan_jsonl_json_contract(tmp_path):
    src = tmp_path / "posts.jsonl"
    src.write_text(
        json.dumps({"id": "p1", "text": PHI, "created_at": "2025-03-14T18:00:00Z", "platform": "x", "extra": 1}) + "\n"
        + json.dumps({"id": "p2", "text": CLEAN}) + "\n"
    )
    out = tmp_path / "report.json"
    r = run("scan", str(src), "--format", "json", "--output", str(out))
    assert r.exit_code == 1
    doc = json.loads(out.read_text())
    assert set(doc) >= {"version", "findings", "errors", "summary"}
    assert doc["version"] == "1.0"
    mrn = [f for f in doc["findings"] if f["rule"] == "PHI106"]
    assert len(mrn) == 1
    f = mrn[0]
    for key in ("rule", "severity", "confidence", "post_id", "source", "start", "end", "evidence", "policies", "message"):
        assert key in f
    assert f["post_id"] == "p1" and PHI[f["start"]:f["end"]] == "00596137" and f["evidence"] == "00596137"
    assert f["severity"] == "high" and "hipaa-safe-harbor:164.514(b)(2)(i)(H)" in f["policies"]
    date = [x for x in doc["findings"] if x["rule"] == "PHI103"][0]
    assert date["disclosed"] == "2025-03-14"
    assert doc["summary"]["posts_scanned"] == 2 and doc["errors"] == []
    assert not [x for x in doc["findings"] if x["post_id"] == "p2"]
    assert (out.stat().st_mode & 0o777) == 0o600


def test_scan_txt_md_and_csv(tmp_path):
    (tmp_path / "a.txt").write_text(CLEAN)
    (tmp_path / "b.md").write_text("---\nplatform: facebook\npublish_at: 2025-05-01 09:00\nalt: whiteboard reads rm 4B - D. Nwosu - NPO\n---\nBig day on the unit!\n")
    (tmp_path / "c.csv").write_text("id,message\nr1,\"" + PHI + "\"\n")
    r = run("scan", str(tmp_path), "--format", "json")
    doc = json.loads(r.output)
    fields = {(Path(f["source"]).name, f["field"], f["rule"]) for f in doc["findings"] if f["severity"] != "low"}
    assert ("b.md", "alt", "PHI101") in fields
    assert ("c.csv", "text", "PHI106") in fields
    assert not any(Path(f["source"]).name == "a.txt" for f in doc["findings"])
    assert doc["summary"]["posts_scanned"] == 3


def test_csv_row_with_a_timestamp_no_clock_reaches_is_scanned_undated(tmp_path):
    """A date of twenty digits overflowed into 'loader failed' and lost the whole file; now the row is kept,
    scanned without a date, and the place is named: a warning (the record was scanned), not a read error, so the
    exit code is the findings' (1), not 2 (issue 14)."""
    src = tmp_path / "feed.csv"
    src.write_text("id,text,date\nr1,\"" + PHI + "\",99999999999999999999\nr2,\"" + CLEAN + "\",2024-01-01\n")
    r = run("scan", str(src), "--text-column", "text", "--format", "json")
    doc = json.loads(r.stdout)
    assert r.exit_code == 1
    assert doc["errors"] == []
    assert doc["warnings"] == [{"source": str(src), "where": "line 2",
                                "message": "date is out of range as a timestamp; row scanned without a date"}]
    assert (doc["summary"]["errors"], doc["summary"]["warnings"]) == (0, 1)
    assert r.stderr == f"phiscan: warning: {src} (line 2): date is out of range as a timestamp; row scanned without a date\n"
    assert doc["summary"]["posts_scanned"] == 2
    assert [(f["post_id"], f["evidence"]) for f in doc["findings"] if f["rule"] == "PHI106"] == [("r1", "00596137")]


def test_min_severity_leaves_the_low_findings_out(tmp_path):
    src = tmp_path / "posts.jsonl"
    src.write_text(json.dumps({"id": "a", "text": PHI}) + "\n"
                   + json.dumps({"id": "b", "text": "Book your mammogram at stmarguerite.org/mammo"}) + "\n")
    full = json.loads(run("scan", str(src), "--format", "json", "--no-cache").stdout)
    assert ("b", "PHI110", "low") in {(f["post_id"], f["rule"], f["severity"]) for f in full["findings"]}
    r = run("scan", str(src), "--format", "json", "--no-cache", "--min-severity", "medium")
    doc = json.loads(r.stdout)
    assert r.exit_code == 1 and doc["findings"]
    assert [f for f in doc["findings"] if f["severity"] == "low"] == []
    kept = [(f["post_id"], f["rule"], f["start"], f["end"]) for f in full["findings"] if f["severity"] != "low"]
    assert [(f["post_id"], f["rule"], f["start"], f["end"]) for f in doc["findings"]] == kept


def test_check_redact_masks_the_disclosed_date_too():
    """`check --redact` masked the evidence but printed the exact date a relative date discloses."""
    r = run("check", "--redact", "--created-at", "2025-03-14T10:00:00",
            "--text", "Harold Kessel was discharged yesterday from 5 West after his hip surgery")
    assert r.exit_code == 1
    assert "(discloses 2025-**-**)" in " ".join(r.output.split())
    for secret in ("2025-03-13", "Harold", "Voss"):
        assert secret not in r.output, secret


def test_unreadable_input_is_listed_and_exit_2(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "g", "text": PHI}) + "\n{not json\n")
    bad = tmp_path / "bin.json"
    bad.write_bytes(b"\x00\x01\x02garbage")
    r = run("scan", str(good), str(bad), str(tmp_path / "missing.csv"), "--format", "json")
    assert r.exit_code == 2
    doc = json.loads(r.stdout)
    where = {(Path(e["source"]).name, e["where"]) for e in doc["errors"]}
    assert ("good.jsonl", "line 2, column 2") in where
    assert any(name == "bin.json" for name, _ in where)
    assert any(name == "missing.csv" for name, _ in where)
    assert any(f["post_id"] == "g" and f["rule"] == "PHI106" for f in doc["findings"])
    assert "dmitri" not in json.dumps(doc["errors"])


def test_redact_masks_evidence(tmp_path):
    src = tmp_path / "p.jsonl"
    src.write_text(json.dumps({"id": "p1", "text": PHI}) + "\n")
    doc = json.loads(run("scan", str(src), "--format", "json", "--redact").output)
    evidence = [f["evidence"] for f in doc["findings"]]
    assert "00596137" not in json.dumps(doc) and "0*******" in evidence


def test_rules_list_and_show():
    r = run("rules", "list")
    assert r.exit_code == 0 and "PHI101" in r.output and "PHI202" in r.output
    r = run("rules", "show", "PHI104")
    assert r.exit_code == 0
    for head in ("What it catches", "Why it matters", "Example", "Write instead", "164.514(b)(2)(i)(C)"):
        assert head in r.output
    assert run("rules", "show", "PHI999").exit_code == 2


def test_profile_makes_org_spans_not_phi(tmp_path):
    prof = tmp_path / "org.yaml"
    prof.write_text("organization: Brookstone Health\nphones: ['507-555-0162']\nstaff: ['Astrid Holm']\ndomains: [sunmail.net]\naccounts: ['@BrookstoneHealth']\n")
    text = "Astrid Holm was admitted after her fall; her daughter asked us to ring her at (507) 555-0162 or petersen@sunmail.net"
    with_profile = json.loads(run("check", "--text", text, "--format", "json", "--profile", str(prof)).output)
    without = json.loads(run("check", "--text", text, "--format", "json").output)
    rules_without = {f["rule"] for f in without["findings"]}
    rules_with = {f["rule"] for f in with_profile["findings"]}
    assert {"PHI101", "PHI108", "PHI109"} <= rules_without
    assert not ({"PHI101", "PHI108", "PHI109"} & rules_with)


def test_bad_profile_is_a_clear_error(tmp_path):
    prof = tmp_path / "org.yaml"
    prof.write_text("staf: [x]\n")
    r = run("check", "--text", "hi", "--profile", str(prof))
    assert r.exit_code == 2 and str(prof) in r.output and "staf" in r.output


def test_formats_lists_loaders():
    r = run("formats")
    for name in ("x-archive", "facebook", "instagram", "linkedin", "mastodon", "youtube", "tiktok", "jsonl", "csv", "text"):
        assert name in r.output


def test_console_script_runs_from_any_folder(tmp_path):
    exe = shutil.which("phiscan") or str(Path(sys.executable).with_name("phiscan"))
    r = subprocess.run([exe, "rules", "list"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "PHI106" in r.stdout
    r = subprocess.run([sys.executable, "-m", "phiscan", "check", "--text", PHI], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "PHI106" in r.stdout


def test_wheel_carries_the_rules(tmp_path):
    pytest.importorskip("hatchling")
    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(root)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    import zipfile

    (whl,) = list(tmp_path.glob("phiscan-*.whl"))
    names = set(zipfile.ZipFile(whl).namelist())
    assert "phiscan/_data/rules/PHI101.yaml" in names
    assert "phiscan/_data/rules/context.yaml" in names
    assert "phiscan/_data/rules/packs/hipaa-safe-harbor.yaml" in names
    assert "phiscan/py.typed" in names  # the Python API's types reach type checkers (PEP 561)


def test_jobs_give_the_same_report(tmp_path):
    src = tmp_path / "posts.jsonl"
    lines = [json.dumps({"id": f"p{i}", "text": PHI if i % 3 == 0 else CLEAN}) for i in range(150)]
    src.write_text("\n".join(lines) + "\n")
    one = json.loads(run("scan", str(src), "--format", "json").output)
    two = json.loads(run("scan", str(src), "--format", "json", "--jobs", "2").output)
    assert one["findings"] == two["findings"] and two["summary"]["posts_scanned"] == 150


def test_a_reader_that_stops_early_is_no_error(tmp_path):
    """`phiscan scan ... | head -1`: the report is written as it is read, so the pipe closes mid-report; that is
    the reader's choice, not an internal error, and the exit code still says what was found."""
    src = tmp_path / "posts.jsonl"
    src.write_text("".join(json.dumps({"id": f"p{i}", "text": PHI}) + "\n" for i in range(400)))
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    proc = subprocess.Popen([sys.executable, "-m", "phiscan", "scan", str(src), "--format", "jsonl", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert json.loads(first)["kind"] == "finding"
    assert "internal error" not in err and "BrokenPipe" not in err and "Traceback" not in err, err
