"""The scan's progress display: the total it counts towards (posts counted cheaply, in folders and archives),
the bar with percentage, posts/s and ETA (rendered through rich with a forced terminal), when it shows, and
the closing line of a scan written to a file. All posts are synthetic."""
from __future__ import annotations

import io
import json
import re
import tarfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from phiscan.cli import main
from phiscan.model import Post
from phiscan.progress import ScanProgress, closing_line, count_posts, show_progress
from phiscan.sources import load_inputs

REPO = Path(__file__).resolve().parents[1]
PHI = "So proud of my pt Cornelius Abernathy, walked the hallway today after his hip surgery. MRN 66104729"
CLEAN = "Flu shots in the main lobby on Friday, 8am to 2pm. Walk-ins welcome!"


def _jsonl(n: int, blank_every: int = 0) -> str:
    lines = []
    for i in range(n):
        lines.append(json.dumps({"id": f"r{i}", "text": CLEAN}))
        if blank_every and i % blank_every == 0:
            lines.append("   ")
    return "\n".join(lines)  # no newline after the last record: it counts too


@pytest.fixture
def queue(tmp_path) -> Path:
    """A content queue folder: 2 Markdown posts, a text post, a JSONL of 5 records with blank lines, a CSV of 3
    rows (one blank row, one quoted multi-line text), and a photo (no post)."""
    q = tmp_path / "queue"
    q.mkdir()
    (q / "a.md").write_text("---\naccount: official\n---\n" + CLEAN + "\n", encoding="utf-8")
    (q / "b.md").write_text(PHI + "\n", encoding="utf-8")
    (q / "c.txt").write_text(CLEAN + "\n", encoding="utf-8")
    (q / "d.jsonl").write_text(_jsonl(5, blank_every=2), encoding="utf-8")
    (q / "e.csv").write_text('id,text\n1,"' + CLEAN + '"\n,\n2,"line one\nline two"\n3,"' + CLEAN + '"\n', encoding="utf-8")
    (q / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return q


def _posts(paths, fmt=None) -> int:
    return sum(isinstance(i, Post) for i in load_inputs([str(p) for p in paths], fmt))


def test_count_matches_the_posts_the_loaders_find(queue):
    assert count_posts([str(queue)]) == 11 == _posts([queue])
    assert count_posts([str(queue / "d.jsonl")]) == 5
    assert count_posts([str(queue / "e.csv"), str(queue / "a.md")]) == 4


def test_count_inside_archives(queue, tmp_path):
    z = tmp_path / "queue.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for name in ("a.md", "b.md", "d.jsonl"):
            zf.write(queue / name, f"posts/{name}")
    t = tmp_path / "queue.tar.gz"
    with tarfile.open(t, "w:gz") as tf:
        for name in ("c.txt", "e.csv"):
            tf.add(queue / name, f"posts/{name}")
    assert count_posts([str(z)]) == 7 == _posts([z])
    assert count_posts([str(t)]) == 4 == _posts([t])
    assert count_posts([str(z), str(t), str(queue / "b.md")]) == 12


def test_forced_format_counts_as_that_format(tmp_path):
    f = tmp_path / "records.txt"
    f.write_text(_jsonl(4), encoding="utf-8")
    assert count_posts([str(f)]) == 1  # a text file is one post
    assert count_posts([str(f)], "jsonl") == 4 == _posts([f], "jsonl")


@pytest.mark.parametrize("path", [
    "fixtures/exports/x-archive",  # a platform export: only its loader can count its posts
    "fixtures/exports/hootsuite",  # a scheduler CSV
])
def test_no_total_for_exports(path):
    assert count_posts([str(REPO / path)]) is None


def test_no_total_for_unreadable_or_unknown_inputs(tmp_path, queue):
    unknown = tmp_path / "notes.bin"
    unknown.write_bytes(b"\x00\x01\x02")
    assert count_posts([str(tmp_path / "missing.jsonl")]) is None
    assert count_posts([str(unknown)]) is None
    assert count_posts([str(queue), str(unknown)]) is None
    assert count_posts([str(queue)], stop=lambda: True) is None


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _render(progress: ScanProgress) -> str:
    progress.progress.refresh()
    out = progress.console.file.getvalue()
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)


def _console() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=120, color_system=None)


def test_bar_shows_percentage_rate_and_eta():
    clock = Clock()
    p = ScanProgress(_console(), total=200, transient=False, get_time=clock, auto_refresh=False).start()
    try:
        for _ in range(50):
            clock.now += 0.1  # 10 posts/s
            p.advance()
        frame = _render(p).splitlines()[-1]
    finally:
        p.stop()
    # 150 posts left at 10 posts/s (rich rounds the time left up)
    assert re.search(r" 25% 50/200 posts 10 posts/s 0:00:05 ETA 0:00:1[56]$", frame.rstrip()), frame
    assert "━" in frame  # the bar itself


def test_without_a_total_a_count_and_the_rate():
    clock = Clock()
    p = ScanProgress(_console(), get_time=clock, auto_refresh=False).start()
    try:
        for _ in range(30):
            clock.now += 0.5
            p.advance()
        frame = _render(p).splitlines()[-1]
    finally:
        p.stop()
    assert "30 posts 2 posts/s 0:00:15" in frame
    assert "%" not in frame and "ETA" not in frame


def test_total_set_later_and_never_passed():
    clock = Clock()
    p = ScanProgress(_console(), get_time=clock, auto_refresh=False).start()
    try:
        for _ in range(10):
            clock.now += 1
            p.advance()
        p.set_total(40)
        assert p.total == 40 and " 25% 10/40 posts" in _render(p).splitlines()[-1]
        p.set_total(5)  # a count below the posts already scanned
        assert p.total == 10
        for _ in range(3):
            p.advance()  # more posts than counted (a CSV row the count took for one)
        assert p.total == 13 and "100% 13/13 posts" in _render(p).splitlines()[-1]
    finally:
        p.stop()


def test_background_count_sets_the_total(queue):
    p = ScanProgress(_console(), auto_refresh=False)
    p.count_in_background([str(queue)])
    p._thread.join(10)
    assert p.total == 11
    p.stop()


class _Tty(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("quiet,tty,env,shown", [
    (False, True, {}, True),
    (True, True, {}, False),
    (False, False, {}, False),
    (False, True, {"CI": "true"}, False),
    (False, True, {"CI": "1"}, False),
    (False, True, {"CI": "false"}, True),
    (False, True, {"TERM": "dumb"}, False),
])
def test_when_progress_shows(monkeypatch, quiet, tty, env, shown):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert show_progress(quiet, _Tty(tty)) is shown


def test_closing_line_wording():
    assert closing_line(1, 1, 0, "medium", "r.html") == "phiscan: 1 post scanned, 1 finding (0 at or above medium); report written to r.html"
    assert closing_line(12345, 0, 0, "high", "out/r.json") == (
        "phiscan: 12,345 posts scanned, 0 findings (0 at or above high); report written to out/r.json")


def test_scan_with_output_ends_with_one_closing_line(queue, tmp_path):
    out = tmp_path / "report.json"
    r = CliRunner().invoke(main, ["scan", str(queue), "--format", "json", "-o", str(out), "--no-cache"], catch_exceptions=False)
    assert r.exit_code == 1, r.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    n, failing = len(doc["findings"]), doc["summary"]["failing"]
    assert n >= 2 and failing >= 1
    assert r.stderr == f"phiscan: 11 posts scanned, {n} findings ({failing} at or above medium); report written to {out}\n"
    assert r.stdout == ""


def test_no_closing_line_without_output_or_with_quiet(queue, tmp_path):
    r = CliRunner().invoke(main, ["scan", str(queue), "--format", "json", "--no-cache"], catch_exceptions=False)
    assert "report written" not in r.stderr and json.loads(r.stdout)["summary"]["posts_scanned"] == 11
    r = CliRunner().invoke(main, ["scan", str(queue), "-o", str(tmp_path / "r.txt"), "-q", "--no-cache"], catch_exceptions=False)
    assert r.stderr == ""


def test_closing_line_after_the_read_errors(queue, tmp_path):
    (queue / "broken.jsonl").write_bytes(b"\xff\xfe not utf-8 {\n")
    out = tmp_path / "r.json"
    r = CliRunner().invoke(main, ["scan", str(queue), "--format", "json", "-o", str(out), "--no-cache"], catch_exceptions=False)
    assert r.exit_code == 2
    lines = r.stderr.splitlines()
    assert lines[0].startswith("phiscan: cannot read ") and "broken.jsonl" in lines[0]
    assert lines[-1].startswith("phiscan: 11 posts scanned, ") and lines[-1].endswith(f"report written to {out}")
