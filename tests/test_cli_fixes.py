"""Issue 14, crashes and silent passes: input text never read as markup, quiet exit on a closed pipe, empty
drafts, --created-at forms, weekday dates resolved, check's clock said, PHI901 kept out of baselines.
All text here is synthetic (invented people, 555 numbers)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from phiscan.cli import main
from phiscan.model import Finding, Severity

PHI = "My patient Dmitri Volkov in room 512 was discharged this morning with MRN 00596137"


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


# -- 1. text from inputs is never markup ---------------------------------------------------------------------

def test_csv_without_id_column_by_absolute_path_prints_its_made_up_ids(tmp_path):
    """The made-up id '/abs/path.csv#0' read as the closing tag '[/abs/path.csv#0]': internal error MarkupError."""
    src = tmp_path / "data.csv"
    src.write_text("text\n" + PHI + "\n", encoding="utf-8")
    assert src.is_absolute()
    r = run("scan", str(src), "--no-cache")
    assert "internal error" not in r.output
    assert r.exit_code == 1, r.output
    assert f"PHI106 medical-record-number  {src}:2 [{src}#0]  text:" in r.output


def test_ids_that_look_like_markup_or_emoji_codes_print_literally(tmp_path):
    src = tmp_path / "posts.jsonl"
    rows = [("/posts/123", "acct[/]"), ("[red]x", "[bold]ops"), (":cat:", "nurse:smile:")]
    src.write_text("".join(json.dumps({"id": i, "account": a, "text": PHI}) + "\n" for i, a in rows), encoding="utf-8")
    r = run("scan", str(src), "--no-cache")
    assert "internal error" not in r.output
    assert r.exit_code == 1, r.output
    for line, (pid, _) in enumerate(rows, 1):
        assert f"{src}:{line} [{pid}]  text:" in r.output, pid
    by_account = next(l for l in r.output.splitlines() if l.startswith("By account: "))
    assert sorted(by_account[len("By account: "):].split(", ")) == ["[bold]ops: 3", "acct[/]: 3", "nurse:smile:: 3"]  # the undated relative date is low


def test_read_errors_name_a_bracketed_path_literally(tmp_path):
    bad = tmp_path / "[red]queue" / "[b]x.jsonl"  # kept literal (escaped before, Text now)
    bad.parent.mkdir()
    bad.write_text("{not json\n", encoding="utf-8")
    r = run("scan", str(bad), "--no-cache")
    assert r.exit_code == 2
    assert f"error {bad} (line 1, column 2): malformed JSON" in r.output


def test_check_prints_care_words_literally(capsys):
    from phiscan.reporters.check import render_check

    text = "Dmitri Volkov went home today"
    f = Finding(rule="PHI101", rule_name="patient-name", severity=Severity.HIGH, confidence=0.9, post_id="draft",
                source="<text>", field="text", start=0, end=13, evidence="Dmitri Volkov", message="m", explanation="e")
    render_check(text, [f], None, care_words=("[red]home", ":cat:"))
    out = capsys.readouterr().out
    assert "Told as a person's care in: '[red]home', ':cat:'" in " ".join(out.split())


def test_eval_prints_a_bracketed_gold_path_and_labels_literally(tmp_path):
    gold = tmp_path / "[b]gold" / "set.jsonl"
    gold.parent.mkdir()
    gold.write_text(json.dumps({"id": "g1", "text": PHI, "phi": True,
                                "labels": [{"label": "[i]NAME", "text": "Dmitri Volkov"}]}) + "\n", encoding="utf-8")
    r = run("eval", str(gold))
    assert r.exit_code == 0, r.output
    title = "".join(r.output.split("┃")[0].split())  # the title wraps the path at the table's width
    assert f"({gold})" in title
    assert any(l.split()[:1] == ["[i]NAME"] for l in r.output.splitlines())


# -- 2. a reader that goes away (`| head`) ends the command quietly ------------------------------------------

def _to_closed_pipe(*args: str) -> subprocess.CompletedProcess:
    """Run phiscan with stdout a pipe whose reader is already gone: every write fails with EPIPE, as the
    writes after `head -c 10` has read its bytes do (deterministically, where a real `| head` races)."""
    r, w = os.pipe()
    os.close(r)
    try:
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
        return subprocess.run([sys.executable, "-m", "phiscan", *args], stdout=w, stderr=subprocess.PIPE, text=True,
                              env=env, timeout=300)
    finally:
        os.close(w)


@pytest.mark.parametrize("fmt, text, code", [("json", PHI, 1), ("json", "Flu shots in the main lobby", 0),
                                             ("text", PHI, 1), ("text", "Flu shots in the main lobby", 0)])
def test_check_into_a_closed_pipe_exits_quietly_with_the_findings_exit_code(fmt, text, code):
    p = _to_closed_pipe("check", "--format", fmt, "--created-at", "2025-03-14", "--text", text)
    assert (p.returncode, p.stderr) == (code, "")


def test_scan_text_report_into_a_closed_pipe_exits_quietly_with_the_findings_exit_code(tmp_path):
    """rich's own broken-pipe handling raised SystemExit(1): a clean export 'failed' when piped to head."""
    src = tmp_path / "clean.jsonl"
    src.write_text(json.dumps({"id": "c1", "text": "Flu shots in the main lobby"}) + "\n", encoding="utf-8")
    p = _to_closed_pipe("scan", str(src), "--no-cache")
    assert (p.returncode, p.stderr) == (0, "")


def test_any_command_into_a_closed_pipe_exits_quietly_as_by_sigpipe():
    p = _to_closed_pipe("formats")
    assert (p.returncode, p.stderr) == (141, "")


# -- 3. an empty draft is a usage error -----------------------------------------------------------------------

EMPTY = "the draft is empty (no text, or only white space): nothing to check"


@pytest.mark.parametrize("text", ["", "   ", "\n\t \n", "\u200b \ufeff"])
def test_check_empty_text_is_a_usage_error(text):
    r = run("check", "--text", text)
    assert r.exit_code == 2
    assert f"Error: --text: {EMPTY}" in r.output and "No PHI found" not in r.output


@pytest.mark.parametrize("content", [b"", b"  \n\n", b"\xef\xbb\xbf\n"])
def test_check_empty_file_and_stdin_are_usage_errors(tmp_path, content):
    draft = tmp_path / "draft.txt"
    draft.write_bytes(content)
    r = run("check", str(draft))
    assert r.exit_code == 2 and f"Error: {draft}: {EMPTY}" in r.output and "No PHI found" not in r.output
    r = run("check", "-", input=content)
    assert r.exit_code == 2 and f"Error: stdin: {EMPTY}" in r.output


def test_check_with_stdin_from_dev_null_fails():
    """`phiscan check </dev/null` in a misconfigured CI step printed "No PHI found" and passed forever."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    p = subprocess.run([sys.executable, "-m", "phiscan", "check"], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, env=env, timeout=300)
    assert p.returncode == 2 and p.stdout == ""
    assert f"Error: stdin: {EMPTY}" in p.stderr


def test_check_a_one_emoji_draft_is_not_empty():
    r = run("check", "--text", "😭")
    assert r.exit_code == 0 and "No PHI found" in r.output


# -- 4. --created-at: human forms read, unreadable ones refused ----------------------------------------------

@pytest.mark.parametrize("value, iso", [
    ("2025-03-14", "2025-03-14T00:00:00+00:00"),
    ("2025-03-14T18:00", "2025-03-14T18:00:00+00:00"),
    ("2025-03-14 18:00", "2025-03-14T18:00:00+00:00"),
    ("2025-03-14T18:00:00Z", "2025-03-14T18:00:00+00:00"),
    ("2025-03-14T18:00-05:00", "2025-03-14T18:00:00-05:00"),
    ("14/03/2025", "2025-03-14T00:00:00+00:00"),  # day-first: 14 is no month
    ("03/14/2025", "2025-03-14T00:00:00+00:00"),  # month-first: 14 is no month
    ("3/14/25 6pm", "2025-03-14T18:00:00+00:00"),
    ("05/05/2025", "2025-05-05T00:00:00+00:00"),  # both readings are the same day
    ("2025/03/14", "2025-03-14T00:00:00+00:00"),
    ("14.03.2025", "2025-03-14T00:00:00+00:00"),
    ("March 14 2025", "2025-03-14T00:00:00+00:00"),
    ("March 14, 2025", "2025-03-14T00:00:00+00:00"),
    ("14 March 2025", "2025-03-14T00:00:00+00:00"),
    ("Mar 14, 2025 6pm", "2025-03-14T18:00:00+00:00"),
    ("Friday, March 14th, 2025 at 6:30 p.m.", "2025-03-14T18:30:00+00:00"),
    ("14th of March 2025 18:00 UTC", "2025-03-14T18:00:00+00:00"),
    ("Mar 14 2025 12am", "2025-03-14T00:00:00+00:00"),
    ("Mar 14 2025 noon", "2025-03-14T12:00:00+00:00"),
    ("14 Mar 2025 18:00 +01:00", "2025-03-14T18:00:00+01:00"),
    ("Fri Mar 14 18:00:00 +0000 2025", "2025-03-14T18:00:00+00:00"),
    ("1741975200", "2025-03-14T18:00:00+00:00"),
    ("1741975200000", "2025-03-14T18:00:00+00:00"),
    ("20250314", "2025-03-14T00:00:00+00:00"),
])
def test_post_time_forms(value, iso):
    from phiscan.post_time import parse_post_time

    assert parse_post_time(value).isoformat() == iso


@pytest.mark.parametrize("value, message", [
    ("garbage", "cannot read 'garbage' as a date; expected a date like 2025-03-14, 2025-03-14T18:00, "
                "'March 14 2025 6pm', '14 March 2025' or 14/03/2025"),
    ("03/04/2025", "'03/04/2025' could be 3 April 2025 or 4 March 2025; write it as year-month-day (2025-03-04) "
                   "or with the month's name"),
    ("2025-02-30", "'2025-02-30': no such date"),
    ("31/02/2025", "'31/02/2025': no such date, day-first or month-first"),
    ("Thursday, March 14 2025", "'Thursday, March 14 2025': 14 March 2025 is a Friday"),
    ("March 14", "'March 14': give the year too, as in a date like 2025-03-14"),
    ("Mar 14 2025 13pm", "'Mar 14 2025 13pm': no such time of day"),
    ("2025", "cannot read '2025' as a date"),
])
def test_post_time_refuses_what_it_cannot_read_and_says_what_to_write(value, message):
    from phiscan.post_time import PostTimeError, parse_post_time

    with pytest.raises(PostTimeError) as exc:
        parse_post_time(value)
    assert str(exc.value).startswith(message)


def test_check_created_at_garbage_is_a_usage_error():
    """It was silently ignored: 'yesterday' then went unresolved and the check passed on."""
    r = run("check", "--created-at", "garbage", "--text", "Harold Kessel was discharged yesterday after his hip surgery")
    assert r.exit_code == 2
    assert ("Error: Invalid value for '--created-at': cannot read 'garbage' as a date; expected a date like "
            "2025-03-14, 2025-03-14T18:00, 'March 14 2025 6pm', '14 March 2025' or 14/03/2025") in r.output
    assert "PHI" not in r.output


@pytest.mark.parametrize("value", ["14/03/2025", "March 14 2025", "14 March 2025", "Mar 14, 2025 6pm"])
def test_check_created_at_human_forms_resolve_yesterday(value):
    r = run("check", "--format", "json", "--created-at", value,
            "--text", "Harold Kessel was discharged yesterday after his hip surgery")
    assert r.exit_code == 1, r.output
    doc = json.loads(r.stdout)
    assert [(f["evidence"], f["disclosed"]) for f in doc["findings"] if f["rule"] == "PHI103"] == [("yesterday", "2025-03-13")]


# -- 5. weekday dates resolved against the post's time --------------------------------------------------------

WEEKDAY_POST = ("My patient Dmitri Volkov was intubated on Tuesday night, extubated Wednesday, admitted last "
                "Friday and goes home next Friday.")


def _dates(scanner, text: str, created_at: str | None):
    from phiscan.post_time import parse_post_time
    from phiscan.model import Post

    post = Post(id="w", text=text, created_at=parse_post_time(created_at) if created_at else None)
    return [(f.evidence, f.disclosed, f.message) for _, fs in scanner.scan([post]) for f in fs if f.rule == "PHI103"]


def test_weekday_dates_disclose_the_exact_date(scanner):
    """'on Tuesday' in a post of Friday 2025-03-14 discloses Tuesday 2025-03-11, as 'yesterday' discloses the 13th."""
    base = "A date tied to a patient's birth, admission, surgery, discharge, visit or death"
    assert _dates(scanner, WEEKDAY_POST, "2025-03-14T18:00") == [
        ("on Tuesday night", "2025-03-11", f"{base} (discloses 2025-03-11)"),
        ("Wednesday", "2025-03-12", f"{base} (discloses 2025-03-12)"),
        ("last Friday", "2025-03-07", f"{base} (discloses 2025-03-07)"),  # the one before the post's own day
        ("next Friday", None, base),  # a day ahead the post's time does not pin
    ]


def test_a_weekday_on_the_post_day_itself(scanner):
    text = "My patient Dmitri Volkov was admitted Tuesday, and last Tuesday too."
    assert [(e, d) for e, d, _ in _dates(scanner, text, "2025-03-11T09:00")] == [
        ("Tuesday", "2025-03-11"), ("last Tuesday", "2025-03-04")]


def test_weekday_dates_without_a_post_time_stay_unresolved(scanner):
    assert [d for _, d, _ in _dates(scanner, WEEKDAY_POST, None)] == [None, None, None, None]


@pytest.mark.parametrize("phrase, post_weekday, offset", [
    ("on tuesday", 4, -3), ("tuesday night", 1, 0), ("early sunday", 0, -1), ("wednesday's", 2, 0),
    ("last tuesday", 1, -7), ("this past friday", 0, -3), ("last friday", 4, -7),
    ("next friday", 0, None), ("this friday", 0, None), ("this coming monday", 6, None),
    ("yesterday", 3, False),
])
def test_weekday_offset_table(phrase, post_weekday, offset):
    from phiscan.detectors.lang import weekday_offset

    got = weekday_offset(phrase, post_weekday)
    assert (got, type(got)) == (offset, type(offset))  # False (no weekday) is not 0 (the post's day)


def test_weekday_dates_come_back_from_the_scan_cache_resolved(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    src = tmp_path / "posts.jsonl"
    src.write_text(json.dumps({"id": "w1", "text": WEEKDAY_POST, "created_at": "2025-03-14T18:00:00Z"}) + "\n", encoding="utf-8")
    first = json.loads(run("scan", str(src), "--format", "json").stdout)
    second = json.loads(run("scan", str(src), "--format", "json").stdout)
    got = [(f["evidence"], f["disclosed"]) for f in second["findings"] if f["rule"] == "PHI103"]
    assert got == [("on Tuesday night", "2025-03-11"), ("Wednesday", "2025-03-12"), ("last Friday", "2025-03-07"),
                   ("next Friday", None)]
    assert second["findings"] == first["findings"]


# -- 6. check without --created-at resolves against now, and says so ------------------------------------------

YESTERDAY = "Harold Kessel was discharged yesterday after his hip surgery"
NOW_LINE = ("Relative dates (yesterday, on Tuesday) resolved against now, Friday 2025-03-14 18:00 UTC: give "
            "--created-at with the time the post goes out.")


@pytest.fixture
def frozen_now(monkeypatch):
    from datetime import datetime, timezone

    import phiscan.cli

    monkeypatch.setattr(phiscan.cli, "_now", lambda: datetime(2025, 3, 14, 18, 0, tzinfo=timezone.utc))


def test_check_without_created_at_resolves_against_now_and_says_so(frozen_now):
    r = run("check", "--text", YESTERDAY)
    assert r.exit_code == 1
    assert "(discloses 2025-03-13)" in " ".join(r.output.split())
    assert r.output.splitlines()[-1] == NOW_LINE
    doc = json.loads(run("check", "--format", "json", "--text", YESTERDAY).stdout)
    assert doc["check"] == {"created_at": "2025-03-14T18:00:00+00:00", "created_at_from": "now"}
    assert [(f["evidence"], f["disclosed"]) for f in doc["findings"] if f["rule"] == "PHI103"] == [("yesterday", "2025-03-13")]


def test_check_says_now_on_a_clean_draft_too(frozen_now):
    r = run("check", "--text", "Flu shots in the main lobby")
    assert r.exit_code == 0 and "No PHI found" in r.output.splitlines()[0] and r.output.splitlines()[-1] == NOW_LINE


def test_check_with_created_at_says_where_the_time_came_from(frozen_now):
    r = run("check", "--created-at", "2025-03-10 09:00", "--text", YESTERDAY)
    assert "resolved against now" not in r.output and "(discloses 2025-03-09)" in " ".join(r.output.split())
    doc = json.loads(run("check", "--format", "json", "--created-at", "2025-03-10 09:00", "--text", YESTERDAY).stdout)
    assert doc["check"] == {"created_at": "2025-03-10T09:00:00+00:00", "created_at_from": "--created-at"}


def test_check_redact_masks_the_clock_as_it_masks_the_disclosed_date(frozen_now):
    r = run("check", "--redact", "--text", YESTERDAY)
    assert r.output.splitlines()[-1] == ("Relative dates (yesterday, on Tuesday) resolved against now, the time of this "
                                         "check: give --created-at with the time the post goes out.")
    doc = json.loads(run("check", "--redact", "--format", "json", "--text", YESTERDAY).stdout)
    assert doc["check"] == {"created_at": "2025-**-**", "created_at_from": "now"}
    assert "2025-03-1" not in json.dumps(doc)


# -- 7. a suppression without a reason (PHI901) is never baselined --------------------------------------------

REFUSED = ("phiscan: 1 PHI901 finding not accepted: a suppression without a reason cannot be baselined; it stays a "
           "finding until the directive in the post names the rule it accepts and why (see `phiscan rules show PHI901`)")
BARE = "The step-down unit welcomed Mr. Okafor from the ICU, MRN 00771423.\n<!-- phiscan: ignore[PHI106] -->"


def _queue(tmp_path) -> Path:
    src = tmp_path / "queue.jsonl"
    src.write_text(json.dumps({"id": "q1", "text": BARE}) + "\n", encoding="utf-8")
    return src


def _scan_json(*args):
    r = run("scan", *args, "--format", "json", "--no-cache")
    return r.exit_code, json.loads(r.stdout)


def test_baseline_create_refuses_phi901_and_says_why(tmp_path):
    src, base = _queue(tmp_path), tmp_path / "base.json"
    code, doc = _scan_json(str(src))
    assert code == 1 and "PHI901" in {f["rule"] for f in doc["findings"]}
    r = run("baseline", "create", str(base), str(src), "--who", "J. Rivera", "--reason", "reviewed", "--no-cache")
    assert r.exit_code == 0, r.output
    assert REFUSED in r.stderr.splitlines()
    entries = json.loads(base.read_text(encoding="utf-8"))["entries"]
    assert "PHI901" not in {e["rule"] for e in entries} and entries
    assert f"{len(entries)} findings accepted" in r.stderr
    code, doc = _scan_json(str(src), "--baseline", str(base))
    assert code == 1  # it stays a finding, and fails the scan
    assert [(f["rule"], f["status"]) for f in doc["findings"]] == [("PHI901", "open")]


def test_baseline_update_needs_no_who_for_phi901_alone_and_refuses_it(tmp_path):
    src, base = _queue(tmp_path), tmp_path / "base.json"
    assert run("baseline", "create", str(base), str(src), "--who", "J. Rivera", "--reason", "reviewed", "--no-cache").exit_code == 0
    r = run("baseline", "update", str(base), str(src), "--no-cache")
    assert r.exit_code == 0, r.output
    assert REFUSED in r.stderr.splitlines()
    assert "0 added" in r.stderr


def test_an_older_baselines_phi901_entry_accepts_nothing_and_update_drops_it(tmp_path):
    src, base = _queue(tmp_path), tmp_path / "base.json"
    _, doc = _scan_json(str(src))
    bare = next(f for f in doc["findings"] if f["rule"] == "PHI901")
    old = {"phiscan_baseline": 1, "fingerprint": "v2", "entries": [
        {"fingerprint": bare["fingerprint"], "rule": "PHI901", "rule_name": "suppression-without-reason",
         "severity": "medium", "source": "queue.jsonl", "field": "text", "accepted_by": "J. Rivera",
         "reason": "accepted before phiscan refused it", "accepted_at": "2025-06-01"}]}
    base.write_text(json.dumps(old), encoding="utf-8")
    code, doc = _scan_json(str(src), "--baseline", str(base))
    assert code == 1 and "PHI901" in {f["rule"] for f in doc["findings"]} and doc["summary"]["baselined"] == 0
    r = run("baseline", "update", str(base), str(src), "--who", "J. Rivera", "--reason", "reviewed", "--no-cache")
    assert r.exit_code == 0, r.output
    assert ", 0 kept, 1 removed" in r.stderr
    assert "PHI901" not in {e["rule"] for e in json.loads(base.read_text(encoding="utf-8"))["entries"]}


def test_build_counts_the_refused(scanner):
    from phiscan import baseline as bl
    from phiscan.model import Post

    findings = [f for _, fs in scanner.scan([Post(id="q1", text=BARE)]) for f in fs]
    base, counts = bl.build(findings, "J. Rivera", "reviewed")
    assert counts["refused"] == 1 and counts["added"] == len([f for f in findings if f.rule != "PHI901" and f.status == "open"])
    assert all(e.rule != "PHI901" for e in base.entries)
