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

PHI = "My patient Dmitri Volkov in room 512 was discharged this morning with MRN 00482913"


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
    assert sorted(by_account[len("By account: "):].split(", ")) == ["[bold]ops: 4", "acct[/]: 4", "nurse:smile:: 4"]


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
    title = r.output.split("┃")[0]  # the title wraps the path at the table's width
    assert "/[b]" in title and "gold/set.jsonl)" in title
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
