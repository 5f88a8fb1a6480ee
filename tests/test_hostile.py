"""Hostile inputs (fixtures/bad/, made by benchmarks/make_bad_fixtures.py, and cases made here at run time).

Every case is scanned beside a good input. Each gets a clear error naming the file and the place, no traceback,
exit code 2; the good input is still scanned; and the PHI planted in every bad input never appears in stderr,
in the errors of the JSON report or in a log record (a bad input is the likeliest place for a message to
quote what it could not read).
"""
from __future__ import annotations

import gzip
import io
import json
import logging
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from phiscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "fixtures" / "bad"
sys.path.insert(0, str(ROOT / "benchmarks"))
from make_bad_fixtures import PHI_TEXT, PLANTED, build  # noqa: E402

GOOD_PHI = "my pt Lisandro was extubated this morning, MRN 66120458"
GOOD_MRN = (GOOD_PHI.index("66120458"), GOOD_PHI.index("66120458") + 8)


@pytest.fixture
def good(tmp_path) -> Path:
    p = tmp_path / "good" / "good.jsonl"
    p.parent.mkdir()
    p.write_text(json.dumps({"id": "good-1", "text": GOOD_PHI}) + "\n" + json.dumps({"id": "good-2", "text": "Lobby flu shots on Tuesday, 9 to noon."}) + "\n")
    return p


def scan(*paths, args=(), caplog=None):
    if caplog is not None:
        caplog.set_level(logging.DEBUG)
    r = CliRunner().invoke(main, ["scan", *map(str, paths), "--format", "json", *args])
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    doc = json.loads(r.stdout)
    return r, doc


def assert_safe(r, doc, caplog=None):
    """No traceback; no planted PHI in stderr, the report's errors or the logs."""
    errors = json.dumps(doc["errors"], ensure_ascii=False)
    assert "Traceback" not in r.output
    for s in PLANTED + ("Lisandro", "66120458"):
        assert s not in r.stderr, s
        assert s not in errors, s
        if caplog is not None:
            assert s not in caplog.text, s


def assert_good_scanned(doc):
    mrn = [(f["start"], f["end"]) for f in doc["findings"] if f["post_id"] == "good-1" and f["rule"] == "PHI106"]
    assert mrn == [GOOD_MRN]


def errors_of(doc) -> set[tuple[str, str, str]]:
    return {(Path(e["source"]).name, e["where"], e["message"]) for e in doc["errors"]}


def has_error(doc, name: str, where: str, fragment: str) -> bool:
    return any(n == name and w == where and fragment in m for n, w, m in errors_of(doc))


def test_fixtures_are_what_the_script_writes():
    """fixtures/bad/ is reproducible: the script writes exactly the committed bytes."""
    built = build()
    on_disk = {p.relative_to(BAD).as_posix(): p.read_bytes() for p in BAD.rglob("*") if p.is_file()}
    assert on_disk == built
    assert sum(len(b) for b in built.values()) < 64 * 1024  # tiny


# (fixture, [(file name in the error, where, message fragment)], posts of the bad file that are still scanned)
CASES = [
    ("truncated.zip", [("truncated.zip", "", "not a readable zip archive, truncated or damaged")], 0),
    ("truncated.tar.gz", [("truncated.tar.gz", "after 2 members", "truncated or damaged archive"),
                          ("truncated.tar.gz!second.jsonl", "line 1", "cannot read: EOFError")], 1),
    ("zip-bomb-ratio.zip", [("zip-bomb-ratio.zip", "posts.jsonl", "declares 4194304 bytes expanded from")], 1),
    ("zip-bomb-declared.zip", [("zip-bomb-declared.zip", "posts.jsonl", "declares 3221225472 bytes expanded from")], 0),
    ("zip-bomb-understated.zip", [("zip-bomb-understated.zip!posts.jsonl", "line 1", "Bad CRC-32")], 0),
    ("zip-bomb-bzip2.zip", [("zip-bomb-bzip2.zip", "posts.jsonl", "compression method 12 is not read")], 0),
    ("zip-traversal.zip", [("zip-traversal.zip", n, "unsafe path in archive") for n in
                           ("../escape.jsonl", "/tmp/phiscan-absolute.jsonl", "C:\\phiscan\\drive.jsonl", "export/../../up.jsonl")], 1),
    ("tar-traversal.tar.gz", [("tar-traversal.tar.gz", n, "unsafe path in archive") for n in
                              ("../escape.jsonl", "/tmp/phiscan-absolute.jsonl")], 1),
    ("empty.zip", [("empty.zip", "", "not a readable zip archive")], 0),
    ("deep.jsonl", [("deep.jsonl", "line 2", "JSON nested too deeply; line skipped")], 2),
    ("deep-export", [("your_posts_1.json", "byte 297", "JSON nested deeper than 128 levels")], 1),
    ("binary.json", [("binary.json", "byte 8", "binary content (NUL bytes)")], 0),
    ("invalid-utf8.jsonl", [("invalid-utf8.jsonl", "line 2", "invalid UTF-8; line skipped")], 2),
    ("invalid-utf8.csv", [("invalid-utf8.csv", "line 2, byte 14", "invalid UTF-8")], 0),
    ("invalid-utf8.md", [("invalid-utf8.md", "line 4, byte 27", "invalid UTF-8")], 0),
    ("nul-bytes.jsonl", [("nul-bytes.jsonl", "line 2, column 25", "malformed JSON: Invalid control character; line skipped")], 2),
    ("nul-bytes.csv", [("nul-bytes.csv", "byte 11", "binary content (NUL bytes)")], 0),
    ("nul-bytes.md", [("nul-bytes.md", "byte 0", "binary content (NUL bytes)")], 0),
    ("ragged.csv", [("ragged.csv", "line 3", "row has 2 fields, header has 3"), ("ragged.csv", "line 4", "row has 5 fields, header has 3")], 4),
    ("empty.jsonl", [("empty.jsonl", "", "empty file; nothing to scan")], 0),
    ("empty.csv", [("empty.csv", "", "empty file; nothing to scan")], 0),
    ("empty.md", [("empty.md", "", "empty file; nothing to scan")], 0),
    ("empty.json", [("empty.json", "", "empty file; nothing to scan")], 0),
]


@pytest.mark.parametrize("name,expected,posts", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_an_error_naming_file_and_place(name, expected, posts, good, tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)  # were anything extracted, it would land here
    r, doc = scan(BAD / name, good, caplog=caplog)
    assert r.exit_code == 2, r.output
    for source, where, fragment in expected:
        assert has_error(doc, source, where, fragment), (source, where, fragment, errors_of(doc))
        line = f"phiscan: cannot read {BAD / name if source.endswith(name.split('/')[-1]) else ''}"
        assert any(l.startswith(line) and (f"({where})" in l if where else True) and fragment in l for l in r.stderr.splitlines())
    assert len(doc["errors"]) == len(expected)
    assert_good_scanned(doc)
    assert doc["summary"]["posts_scanned"] == 2 + posts
    assert_safe(r, doc, caplog)


def test_traversal_members_are_never_written(good, tmp_path, monkeypatch):
    work = tmp_path / "work" / "deeper"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    before = {p for p in tmp_path.rglob("*")}
    r, doc = scan(BAD / "zip-traversal.zip", BAD / "tar-traversal.tar.gz", good)
    assert r.exit_code == 2
    assert {p for p in tmp_path.rglob("*")} == before
    assert not Path("/tmp/phiscan-absolute.jsonl").exists()
    # the safe member of each archive was read in place
    assert {f["post_id"] for f in doc["findings"]} >= {"traversal-ok", "good-1"}


@pytest.mark.parametrize("name,ids", [
    ("utf16-bom.jsonl", {"utf16-1"}), ("utf16-bom.csv", {"u1"}), ("utf16-bom.md", {"utf16-bom.md"}),
    ("surrogates.jsonl", {"sur-1"}),
])
def test_utf16_with_bom_and_lone_surrogates_are_read(name, ids, good, caplog):
    """Not errors at all: UTF-16 with a byte order mark is decoded; lone surrogates (`"\\ud83d"` in JSON) become
    U+FFFD before detection, offsets unchanged."""
    r, doc = scan(BAD / name, good, caplog=caplog)
    assert r.exit_code == 1 and doc["errors"] == []
    by_post = {f["post_id"] for f in doc["findings"] if f["rule"] == "PHI106"}
    assert by_post == ids | {"good-1"}
    mrn = next(f for f in doc["findings"] if f["post_id"] in ids and f["rule"] == "PHI106")
    assert mrn["evidence"] == "48213975"
    if name == "surrogates.jsonl":  # "\ud83d " comes first: two code points before the text
        assert (mrn["start"], mrn["end"]) == (2 + PHI_TEXT.index("48213975"), 2 + PHI_TEXT.index("48213975") + 8)
    assert_good_scanned(doc)


def test_the_whole_corpus_at_once_in_a_real_process(good, tmp_path):
    """All bad inputs in one run of the installed program: exit 2, every bad file named, no traceback, no PHI
    on stderr (a real stderr, where a stray warning or traceback would show)."""
    paths = sorted(str(p) for p in BAD.iterdir())
    r = subprocess.run([sys.executable, "-m", "phiscan", "scan", *paths, str(good), "--format", "json", "-q"],
                       capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 2, r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    for s in PLANTED + ("Lisandro", "66120458"):
        assert s not in r.stderr
    doc = json.loads(r.stdout)
    named = {Path(e["source"].split("!")[0]).name for e in doc["errors"]}
    readable = {"utf16-bom.jsonl", "utf16-bom.csv", "utf16-bom.md", "surrogates.jsonl"}
    warned_only = {"ayrshare-bad-date.csv", "sprout-bad-time.csv"}  # a date dropped, the posts scanned
    assert named == {Path(p).name for p in paths} - readable - warned_only - {"deep-export"} | {"your_posts_1.json"}
    assert {Path(w["source"]).name for w in doc["warnings"]} >= warned_only
    assert_good_scanned(doc)


# -- made at run time ------------------------------------------------------------------------------------
def test_symlink_loops_in_folders(good, tmp_path, caplog):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "posts.jsonl").write_text(json.dumps({"id": "in-folder", "text": PHI_TEXT}) + "\n")
    (folder / "again").symlink_to(folder, target_is_directory=True)  # a loop back to the folder itself
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder, target_is_directory=True)
    (folder / "self.jsonl").symlink_to(folder / "self.jsonl")  # a file link that points at itself
    r, doc = scan(folder, good, caplog=caplog)
    assert r.exit_code == 2
    errs = {(e["source"], e["where"], e["message"]) for e in doc["errors"]}
    assert (str(folder / "again"), "", "folder already visited (symlink loop); skipped") in errs
    assert (str(folder / "sub" / "up"), "", "folder already visited (symlink loop); skipped") in errs
    assert (str(folder / "self.jsonl"), "", "cannot read: Too many levels of symbolic links") in errs
    assert len(errs) == 3
    assert [f["post_id"] for f in doc["findings"] if f["rule"] == "PHI106"] == ["in-folder", "good-1"]
    assert doc["summary"]["posts_scanned"] == 3  # the folder's post once, not once per loop
    assert_safe(r, doc, caplog)


def _unreadable_file(path: Path) -> bool:
    path.chmod(0)
    try:
        path.open("rb").close()
    except PermissionError:
        return True
    return False


def test_unreadable_file(good, tmp_path, caplog):
    f = tmp_path / "locked.jsonl"
    f.write_text(json.dumps({"id": "locked", "text": PHI_TEXT}) + "\n")
    folder = tmp_path / "export"
    folder.mkdir()
    g = folder / "posts.json"
    g.write_text(json.dumps([{"timestamp": 1714996800, "data": [{"post": PHI_TEXT}]}]))
    try:
        if not _unreadable_file(f) or not _unreadable_file(g):
            pytest.skip("running as root: chmod 000 does not make a file unreadable (see the simulated test below)")
        r, doc = scan(f, folder, good, caplog=caplog)
    finally:
        f.chmod(0o600)
        g.chmod(0o600)
    assert r.exit_code == 2
    assert (str(f), "", "cannot read: Permission denied") in {(e["source"], e["where"], e["message"]) for e in doc["errors"]}
    assert any(e["source"] == str(g) and "Permission denied" in e["message"] for e in doc["errors"])
    assert_good_scanned(doc)
    assert_safe(r, doc, caplog)


def test_unreadable_file_simulated(good, tmp_path, monkeypatch, caplog):
    """The same as root can see it: opening the file fails with EACCES, alone and inside a folder, whatever
    the loader (a .json nothing claimed is still reported, not skipped)."""
    import builtins

    import phiscan.sources.base as base

    f = tmp_path / "locked.jsonl"
    f.write_text(json.dumps({"id": "locked", "text": PHI_TEXT}) + "\n")
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "locked.json").write_text("[]")
    (folder / "open.jsonl").write_text(json.dumps({"id": "open", "text": PHI_TEXT}) + "\n")
    locked = {str(f), str(folder / "locked.json")}

    def fake_open(path, *args, **kwargs):
        if str(path) in locked:
            raise PermissionError(13, "Permission denied", str(path))
        return builtins.open(path, *args, **kwargs)

    monkeypatch.setattr(base, "open", fake_open, raising=False)
    r, doc = scan(f, folder, good, caplog=caplog)
    assert r.exit_code == 2
    errs = {(e["source"], e["where"], e["message"]) for e in doc["errors"]}
    assert (str(f), "", "cannot read: Permission denied") in errs
    assert any(s == str(folder / "locked.json") and "Permission denied" in m for s, _, m in errs)
    assert {x["post_id"] for x in doc["findings"] if x["rule"] == "PHI106"} == {"open", "good-1"}
    assert_safe(r, doc, caplog)


def test_file_that_vanishes_mid_scan(good, tmp_path, monkeypatch, caplog):
    """A file listed with its folder and deleted before it is read: an error for it, the others are scanned."""
    import phiscan.sources as sources

    folder = tmp_path / "export"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.jsonl").write_text(json.dumps({"id": f"post-{name}", "text": PHI_TEXT}) + "\n")
    real = sources.open_tree

    def open_then_delete(path):
        tree = real(path)
        if Path(path) == folder:
            (folder / "b.jsonl").unlink()
        return tree

    monkeypatch.setattr(sources, "open_tree", open_then_delete)
    r, doc = scan(folder, good, caplog=caplog)
    assert r.exit_code == 2
    [err] = doc["errors"]
    assert err["source"] == str(folder / "b.jsonl") and err["message"].startswith("cannot open: FileNotFoundError")
    assert [f["post_id"] for f in doc["findings"] if f["rule"] == "PHI106"] == ["post-a", "post-c", "good-1"]
    assert_safe(r, doc, caplog)


def test_text_longer_than_the_cap_is_cut_and_reported(good, tmp_path, caplog):
    """max_text_chars (here 1,000) cuts a post's text and says so; only the first 1,000 characters are scanned."""
    text = "x " * 200 + "Visiting my pt today, MRN 48213975." + " and" * 300 + " Call about MRN 77120456."
    assert text.index("48213975") < 1000 < text.index("77120456")
    src = tmp_path / "long.jsonl"
    src.write_text(json.dumps({"id": "long", "text": text}) + "\n")
    cfg = tmp_path / "phiscan.yaml"
    cfg.write_text("max_text_chars: 1000\n")
    r = CliRunner().invoke(main, ["--config", str(cfg), "scan", str(src), str(good), "--format", "json"])
    doc = json.loads(r.stdout)
    assert r.exit_code == 2
    assert doc["errors"] == [{"source": str(src), "where": "line 1",
                              "message": "text longer than 1000 characters: only the first 1000 scanned (max_text_chars)"}]
    mrns = [(f["post_id"], f["start"], f["end"]) for f in doc["findings"] if f["rule"] == "PHI106"]
    start = text.index("48213975")
    assert mrns == [("long", start, start + 8), ("good-1", *GOOD_MRN)]
    assert_safe(r, doc, caplog)


def _peak_rss_run(args, cwd) -> tuple[subprocess.CompletedProcess, int]:
    """Run phiscan in a child that prints its peak RSS (kB) on stderr as it exits."""
    code = ("import atexit, sys\n"
            "def peak():\n"
            "    for line in open('/proc/self/status'):\n"
            "        if line.startswith('VmHWM'): sys.stderr.write('PEAK ' + line.split()[1] + '\\n')\n"
            "atexit.register(peak)\n"
            "from phiscan.cli import main\n"
            "main()\n")
    env = dict(os.environ, XDG_CACHE_HOME=str(Path(cwd) / "xdg-cache"))  # an empty scan cache: every text is scanned
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600)
    peak = int(next(line.split()[1] for line in r.stderr.splitlines() if line.startswith("PEAK ")))
    return r, peak


def test_a_100_mb_single_line(good, tmp_path):
    """100 MB on one line, as a text file and as a JSONL record (generated here, never committed). Reads are
    bounded: the text file's first max_text_chars characters are scanned, the JSONL line is skipped with an
    error naming it, the good input is scanned. With the default cap (100,000) the peak memory is what spaCy
    needs for a 100,000-character text (about 300 MB); with a cap of 10,000 it stays within 60 MB of a small
    scan's, far below the 100 MB the inputs hold."""
    mib = 1024**2
    filler = b"lorem ipsum dolor sit amet " * (mib // 27 + 1)
    txt = tmp_path / "huge.txt"
    with open(txt, "wb") as fh:
        fh.write(PHI_TEXT.encode() + b" ")
        for _ in range(100):
            fh.write(filler[:mib])
    jsonl = tmp_path / "huge.jsonl"
    after = json.dumps({"id": "after-huge", "text": PHI_TEXT}).encode() + b"\n"
    with open(jsonl, "wb") as fh:
        fh.write(b'{"id": "huge", "text": "')
        for _ in range(100):
            fh.write(filler[:mib])
        fh.write(b'"}\n' + after)
    line_bytes = jsonl.stat().st_size - len(after)
    small, small_peak = _peak_rss_run(["scan", str(good), "--format", "json", "-q"], tmp_path)
    assert small.returncode == 1
    cfg = tmp_path / "small-cap.yaml"
    cfg.write_text("max_text_chars: 10000\n")
    for cap, config, allowed in ((100_000, [], 450 * 1024), (10_000, ["--config", str(cfg)], 60 * 1024)):
        r, peak = _peak_rss_run([*config, "scan", str(txt), str(jsonl), str(good), "--format", "json", "-q"], tmp_path)
        assert r.returncode == 2, r.stderr[-2000:]
        doc = json.loads(r.stdout)
        limit = 4 * cap + 65536
        assert {(Path(e["source"]).name, e["where"], e["message"]) for e in doc["errors"]} == {
            ("huge.txt", "line 1", f"file larger than {limit} bytes: only the first {cap} characters of its text scanned (max_text_chars)"),
            ("huge.jsonl", "line 1", f"line of {line_bytes} bytes is longer than the limit of {8 * cap + mib} (max_text_chars); line skipped"),
        }
        ids = {f["post_id"] for f in doc["findings"] if f["rule"] == "PHI106"}
        assert ids == {"huge.txt", "after-huge", "good-1"}
        assert doc["summary"]["posts_scanned"] == 4
        assert peak - small_peak < allowed, (cap, small_peak, peak)  # kB
        assert "Traceback" not in r.stderr and not any(s in r.stderr for s in PLANTED)


def _zip_of(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_total_expanded_size_is_limited(good, tmp_path, monkeypatch):
    import phiscan.sources.base as base

    rec = (json.dumps({"id": "m", "text": PHI_TEXT}) + "\n").encode() * 8
    limit = 2 * len(rec) + len(rec) // 2  # room for two members and a half
    monkeypatch.setattr(base, "MAX_TOTAL_BYTES", limit)
    z = tmp_path / "many.zip"
    z.write_bytes(_zip_of([(f"m{i}.jsonl", rec) for i in range(5)] + [("photo.jpg", b"\xff" * 5000)]))
    r, doc = scan(z, good)
    assert r.exit_code == 2
    assert [(e["where"], e["message"]) for e in doc["errors"]] == [
        ("m2.jsonl", f"the archive expands beyond {limit} bytes in total (zip bomb?); this member and the rest not read")]
    assert doc["summary"]["posts_scanned"] == 2 * 8 + 2


def test_tar_bomb_stops_at_the_ratio_limit(good, tmp_path):
    """64 MiB of newlines in a 64 KB tar.gz: listing stops at the limit, nothing of it is read."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as tf:
        for name, data in (("ok.jsonl", (json.dumps({"id": "tar-ok", "text": PHI_TEXT}) + "\n").encode()),
                           ("bomb.jsonl", b"\n" * (64 * 1024**2))):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    t = tmp_path / "bomb.tar.gz"
    t.write_bytes(buf.getvalue())
    r, doc = scan(t, good)
    assert r.exit_code == 2
    [err] = doc["errors"]
    assert err["where"] == "bomb.jsonl" and "beyond the safety limits: tar bomb?" in err["message"]
    assert {f["post_id"] for f in doc["findings"] if f["rule"] == "PHI106"} == {"tar-ok", "good-1"}


def test_zip_member_that_expands_past_its_declared_size_is_stopped():
    """The second line of defence: reading never goes past the declared size, whatever zipfile does."""
    from phiscan.sources.base import _LimitedReader

    reader = io.BufferedReader(_LimitedReader(io.BytesIO(b"x" * 5000), 1000))
    with pytest.raises(OSError, match="member larger than declared"):
        reader.read()


def test_json_depth_guard_passes_records_before_the_deep_one():
    from phiscan.sources.base import JSONTooDeep, _JsonDepthGuard

    doc = b'[{"a": "[[[[ \\" [[[["}, ' + b"[" * 200 + b"]" * 200 + b"]"
    fh = _JsonDepthGuard(io.BufferedReader(io.BytesIO(doc)), "x.json", limit=128)
    head = fh.read(65536)
    # the outer array is level 1; the 128th bracket of the run is level 129. Brackets inside the string do not count.
    assert head == doc[: doc.index(b"[" * 200) + 127]
    with pytest.raises(JSONTooDeep) as exc:
        fh.read(65536)
    assert (exc.value.where, exc.value.message) == (f"byte {len(head)}", "JSON nested deeper than 128 levels; the rest of the file not read")


def test_loader_crash_is_an_error_without_traceback_unless_debug(good, tmp_path, monkeypatch):
    """A loader bug loses only that input: `loader failed: <class>` (the exception's message may quote the file
    and is never shown); --debug prints the traceback."""
    from phiscan.sources.generic import JsonlLoader

    def boom(self, tree, entries, options):
        yield from ()
        raise ValueError(f"could not parse {PHI_TEXT}")

    monkeypatch.setattr(JsonlLoader, "load", boom)
    other = tmp_path / "post.md"
    other.write_text(GOOD_PHI + "\n")
    r, doc = scan(good, other)
    assert r.exit_code == 2
    assert doc["errors"] == [{"source": str(good), "where": "jsonl", "message": "loader failed: ValueError"}]
    assert {f["post_id"] for f in doc["findings"] if f["rule"] == "PHI106"} == {"post.md"}
    assert "Traceback" not in r.output and not any(s in r.output for s in PLANTED)
    r = CliRunner().invoke(main, ["--debug", "scan", str(good), str(other), "--format", "json"])
    assert r.exit_code == 2 and "Traceback" in r.stderr and "ValueError" in r.stderr
