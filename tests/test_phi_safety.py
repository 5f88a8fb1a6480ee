"""PHI-safe output: --redact masks evidence in every format; report files are owner-only and written atomically
(an exception while rendering leaves no partial report and no temporary file); Ctrl-C stops cleanly, says how
far the scan got and writes no report (in process, and with a real SIGINT to a running scan); logs and cache
files hold no post text. The posts are synthetic: invented names, numbers and handles.
"""
from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from phiscan.cli import _atomic_write, main
from phiscan.reporters import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
RECORDS = [
    {"id": "s1", "platform": "x", "account": "lakeside_health", "created_at": "2023-11-08T18:00:00Z",
     "text": "Sending strength to my pt Thessaly Vundermeer, home from the ICU since yesterday, balloon garland and all. MRN 83310572, room 7C"},
    {"id": "s2", "platform": "instagram", "account": "lakeside_peds",
     "text": "Happy 97th birthday to Mrs. Oriel Pennywhistle on 6 North! Her son says call (641) 555-0192 or oriel.p@quillmail.example",
     "media": [{"type": "photo", "alt": "Whiteboard: bed 11 Casimir Oyelaran-Voss, chemo day 3"}]},
    {"id": "s3", "platform": "x", "account": "lakeside_health", "in_reply_to": {"id": "s0", "author": "@corvin_abx_77"},
     "text": "@corvin_abx_77 so glad your chemo went well, see you at your next infusion!"},
]
# What the posts say that identifies someone (and "balloon garland", plain post text: no context may be written
# either). "2023-11-07" is the date "yesterday" discloses.
PLANTED = ["Thessaly", "Vundermeer", "83310572", "Pennywhistle", "Oriel", "555-0192", "quillmail", "Casimir", "Oyelaran",
           "corvin_abx_77", "97th birthday", "2023-11-07", "balloon garland"]
FORMATS = list(REGISTRY)


@pytest.fixture
def posts(tmp_path) -> Path:
    p = tmp_path / "posts.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return p


def run(*args, **kw):
    return CliRunner().invoke(main, [str(a) for a in args], **kw)


def test_planted_strings_are_only_in_the_posts():
    """None of them occurs in the rules (SARIF and HTML reports carry rule docs): a hit below is a leak."""
    docs = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "rules").rglob("*.yaml"))
    assert not [s for s in PLANTED if s in docs]


@pytest.mark.parametrize("fmt", FORMATS)
def test_redact_masks_evidence_in_every_format(fmt, posts, tmp_path):
    out = tmp_path / f"report.{fmt}"
    r = run("scan", posts, "--format", fmt, "--redact", "--output", out)
    assert r.exit_code == 1, r.output
    text = out.read_text(encoding="utf-8")
    assert [s for s in PLANTED if s in text] == []
    assert [s for s in PLANTED if s in r.output] == []
    if fmt in ("json", "jsonl", "csv", "text", "html"):
        assert "T******* V*********" in text  # masked, not dropped


def test_unredacted_report_shows_what_redact_hides(posts):
    """The check above is not vacuous: without --redact the JSON report carries the evidence and the date."""
    doc = json.loads(run("scan", posts, "--format", "json").stdout)
    text = json.dumps(doc, ensure_ascii=False)
    assert {"Vundermeer", "83310572", "555-0192", "quillmail", "corvin_abx_77", "2023-11-07"} <= {s for s in PLANTED if s in text}
    red = json.loads(run("scan", posts, "--format", "json", "--redact").stdout)
    date = next(f for f in red["findings"] if f["rule"] == "PHI103")
    assert date["disclosed"] == "2023-**-**" and date["message"].endswith("(discloses 2023-**-**)")
    assert [f["fingerprint"] for f in red["findings"]] == [f["fingerprint"] for f in doc["findings"]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_report_files_are_owner_only(fmt, posts, tmp_path):
    out = tmp_path / f"report.{fmt}"
    out.write_text("an older report")
    out.chmod(0o644)
    old = os.umask(0)  # whatever the umask, the report is 0600
    try:
        r = run("scan", posts, "--format", fmt, "--output", out)
    finally:
        os.umask(old)
    assert r.exit_code == 1
    assert (out.stat().st_mode & 0o777) == 0o600
    assert out.read_text(encoding="utf-8") != "an older report"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["posts.jsonl", out.name])


def test_scan_cache_is_owner_only_and_holds_no_post_text(posts, tmp_path, monkeypatch):
    pytest.importorskip("phiscan.cache")
    cache = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    old = os.umask(0)
    try:
        r = run("scan", posts, "--format", "json", "--cache")
    finally:
        os.umask(old)
    assert r.exit_code == 1
    made = [p for p in cache.rglob("*")]
    assert any(p.is_file() for p in made)
    for p in made:
        mode = p.stat().st_mode & 0o777
        assert mode == (0o700 if p.is_dir() else 0o600), (p, oct(mode))
        if p.is_file():
            data = p.read_bytes()
            assert [s for s in PLANTED if s.encode() in data] == [], p


def test_an_exception_while_rendering_leaves_no_partial_report(posts, tmp_path, monkeypatch):
    """The report is rendered, then written to a temporary file beside the target and renamed: a failure at any
    point leaves the old report as it was (or none) and no temporary file; the message quotes no post text."""
    from phiscan.reporters.json_report import JsonReporter

    def half_then_fail(self, result, rules, out, **kw):
        out.write('{"findings": [')
        raise RuntimeError(f"renderer broke on {RECORDS[0]['text']}")

    monkeypatch.setattr(JsonReporter, "render", half_then_fail)
    out = tmp_path / "report.json"
    r = run("scan", posts, "--format", "json", "--output", out)
    assert r.exit_code == 2
    assert r.stderr == "phiscan: internal error: RuntimeError (run with --debug for details)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posts.jsonl"]
    out.write_text("the previous report")
    r = run("scan", posts, "--format", "json", "--output", out)
    assert r.exit_code == 2 and out.read_text() == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posts.jsonl", "report.json"]


def test_atomic_write_removes_its_temporary_file_when_the_rename_fails(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("old")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        _atomic_write(target, "new report")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.json"]
    monkeypatch.undo()
    _atomic_write(target, "new report")
    assert target.read_text() == "new report" and (target.stat().st_mode & 0o777) == 0o600


def _many(path: Path, n: int, start: int = 0) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(start, start + n):
            fh.write(json.dumps({"id": f"p{i}", "text": f"Post {i}: the unit team walked {i % 17} miles for charity."}) + "\n")


def test_ctrl_c_from_a_loader_stops_cleanly(tmp_path, monkeypatch):
    """KeyboardInterrupt while reading the 150th post (line 50 of the second input): the 128 posts of the
    two batches before it were scanned and the first input was read whole; exit 130, no report, no temp file."""
    from phiscan.sources.generic import JsonlLoader

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    _many(a, 100)
    _many(b, 200, 100)
    real = JsonlLoader._record

    def record(e, line, n, index):
        if e.name == "b.jsonl" and n == 50:
            raise KeyboardInterrupt
        return real(e, line, n, index)

    monkeypatch.setattr(JsonlLoader, "_record", staticmethod(record))
    out = tmp_path / "report.json"
    r = run("scan", a, b, "--format", "json", "--output", out)
    assert r.exit_code == 130
    assert r.stderr == "phiscan: interrupted: 128 posts scanned, 1 of 2 inputs scanned completely; nothing written\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "b.jsonl"]


def test_ctrl_c_from_the_scanner_stops_cleanly(tmp_path, monkeypatch):
    """KeyboardInterrupt inside detection (the third batch): exit 130, the progress said, nothing on stdout."""
    from phiscan.engine import Scanner

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fresh-cache"))  # every text is scanned, none cached
    src = tmp_path / "posts.jsonl"
    _many(src, 300)
    calls = {"n": 0}
    real = Scanner.detect

    def detect(self, a):
        calls["n"] += 1
        if calls["n"] == 129:
            raise KeyboardInterrupt
        return real(self, a)

    monkeypatch.setattr(Scanner, "detect", detect)
    r = run("scan", src, "--format", "json")
    assert r.exit_code == 130 and r.stdout == ""
    assert r.stderr == "phiscan: interrupted: 128 posts scanned, 0 of 1 input scanned completely; nothing written\n"


def _fd_position(pid: int, path: Path) -> int:
    """How far process `pid` has read `path` (from /proc), 0 when it has not opened it."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        for fd in fds.iterdir():
            try:
                if os.readlink(fd) == str(path):
                    info = (Path(f"/proc/{pid}/fdinfo") / fd.name).read_text()
                    return int(re.search(r"pos:\s+(\d+)", info).group(1))
            except OSError:
                continue
    except OSError:
        pass
    return 0


def _default_sigint():
    """A suite started in the background (`pytest &` in a script) ignores SIGINT, and a child inherits that and
    would never see the Ctrl-C this test sends: the scan gets the default disposition, as from a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("jobs", [1, 2])
def test_sigint_to_a_running_scan(tmp_path, jobs):
    """A real Ctrl-C (SIGINT) to `phiscan scan` once it is well into a large JSONL: exit 130, the progress on
    stderr, no report, no temporary file, no traceback (worker processes leave Ctrl-C to the parent)."""
    if not Path("/proc/self/fdinfo").is_dir():
        pytest.skip("needs /proc to see how far the scan has read")
    src = tmp_path / "big.jsonl"
    _many(src, 150_000)
    out = tmp_path / "out" / "report.json"
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    proc = subprocess.Popen([sys.executable, "-m", "phiscan", "scan", str(src), "--format", "json", "--output", str(out),
                             "--quiet", "--jobs", str(jobs)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + 120
        # alone, the reader is ahead of the scanner by a batch at most: 100 KB read is some 15 batches scanned
        while _fd_position(proc.pid, src) < 100 * 1024 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the scan ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr[-3000:]
    # with workers the reader runs ahead of the scan (it may have read the whole input), but the input counts
    # as done only once every post of it came back scanned
    m = re.fullmatch(r"phiscan: interrupted: (\d+) posts scanned, 0 of 1 input scanned completely; nothing written\n", stderr)
    assert m, stderr[-3000:]
    assert int(m.group(1)) < 150_000
    if jobs == 1:  # alone, the scan keeps pace with the reader; workers may still be loading the model
        assert int(m.group(1)) >= 64
    assert stdout == "" and not out.exists()
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def test_logs_and_warnings_carry_no_post_text(posts, caplog):
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = run("scan", posts, "--format", "json")
    assert r.exit_code == 1
    logged = caplog.text + "".join(str(w.message) for w in caught)
    assert [s for s in PLANTED if s in logged] == []
    assert [s for s in PLANTED if s in r.stderr] == []
