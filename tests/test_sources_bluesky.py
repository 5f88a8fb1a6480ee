"""Bluesky repository CAR loader: posts with alt text, replies, quote-with-media, video, MST walk, damage; each read
with atproto's compiled codec (libipld, the `phiscan[bluesky]` extra) and with the plain-Python one a plain install
uses (phiscan.sources.dagcbor), which must give the same answers."""
from __future__ import annotations

import hashlib
import importlib.util
import sys
import tarfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from phiscan.model import Post, ReadError
from phiscan.sources import get_loader, load_inputs
from phiscan.sources.base import LoadOptions, open_tree
from phiscan.sources import dagcbor
from phiscan.sources.bluesky import BlueskyCarLoader, codec

ROOT = Path(__file__).resolve().parent.parent
CAR = ROOT / "fixtures" / "exports" / "bluesky" / "repo.car"
DID = "did:plc:l4rksp5rg3n3r4lh0sp1t4lz"
OTHER = "did:plc:q7vx2kfamilyf0llow3r5abc"
UTC = timezone.utc
RKEYS = ["3kp5q4tpa2222", "3kp7rixn7k222", "3kpdayoa2hc27", "3kpf2szmw2223", "3kph6pmiec222"]


def _load(path, **kw):
    items = list(load_inputs([str(path)], **kw))
    return [i for i in items if isinstance(i, Post)], [i for i in items if isinstance(i, ReadError)]


# -- CAR framing helpers for building damaged or small variants (the loader does not check MST layers) ----------
def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _split(data: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """(header bytes with its varint, [(cid, block data)]) of a CAR whose CIDs are all CIDv1 sha2-256 (36 bytes)."""
    def varint(pos):
        v = s = 0
        while True:
            b = data[pos]
            pos += 1
            v |= (b & 0x7F) << s
            s += 7
            if not b & 0x80:
                return v, pos
    n, pos = varint(0)
    header, pos = data[: pos + n], pos + n
    blocks = []
    while pos < len(data):
        length, pos = varint(pos)
        blocks.append((data[pos : pos + 36], data[pos + 36 : pos + length]))
        pos += length
    return header, blocks


def _join(header: bytes, blocks: list[tuple[bytes, bytes]]) -> bytes:
    return header + b"".join(_varint(len(c) + len(d)) + c + d for c, d in blocks)


def _small_car(records: dict[str, object]) -> bytes:
    """A repo CAR with one MST node holding `records` (key -> record), built with atproto's codec."""
    import libipld

    def put(obj):
        data = libipld.encode_dag_cbor(obj)
        cid = bytes([1, 0x71, 0x12, 0x20]) + hashlib.sha256(data).digest()
        blocks.append((cid, data))
        return cid

    blocks: list[tuple[bytes, bytes]] = []
    entries = [{"p": 0, "k": k.encode(), "v": put(r), "t": None} for k, r in sorted(records.items())]
    root = put({"l": None, "e": entries})
    commit = put({"did": DID, "version": 3, "data": root, "rev": "3kp5q4tpa2222", "prev": None, "sig": b"\x00" * 64})
    header = libipld.encode_dag_cbor({"version": 1, "roots": [commit]})
    return _join(_varint(len(header)) + header, blocks[::-1])


def _post_blocks(blocks):
    import libipld

    out = []
    for i, (cid, data) in enumerate(blocks):
        obj = libipld.decode_dag_cbor(data)
        if isinstance(obj, dict) and obj.get("$type") == "app.bsky.feed.post":
            out.append((i, obj["text"]))
    return out


# -- tests -------------------------------------------------------------------------------------------------------
@pytest.fixture(params=["libipld", "plain"])
def codec_in_use(request, monkeypatch):
    """Which codec the loader decodes with: atproto's libipld, or the plain-Python one of a plain install
    (`import atproto_core` failing, as it does without the extra; the test helpers still build with libipld)."""
    if request.param == "libipld":
        pytest.importorskip("atproto_core")
        pytest.importorskip("libipld")
    else:
        monkeypatch.setitem(sys.modules, "atproto_core", None)
        assert codec() is dagcbor
    return request.param


def test_fixture_posts_exactly(codec_in_use):
    posts, errors = _load(CAR)
    assert errors == []
    assert [p.id for p in posts] == [f"at://{DID}/app.bsky.feed.post/{r}" for r in RKEYS]
    assert [p.url for p in posts] == [f"https://bsky.app/profile/{DID}/post/{r}" for r in RKEYS]
    assert all(p.platform == "bluesky" and p.account == DID and p.author == DID for p in posts)
    assert [p.index for p in posts] == [0, 1, 2, 3, 4]
    assert all(p.source.endswith("bluesky/repo.car") for p in posts)

    p0, p1, p2, p3, p4 = posts
    assert p0.text == "Free BP screenings at the Larkspur farmers market this Saturday 🩺 larkspurgeneral.example/bp…"
    assert p0.created_at == datetime(2024, 4, 2, 14, 0, tzinfo=UTC)
    assert p0.fields == (("expanded_urls", "https://larkspurgeneral.example/bp-checks"),)
    assert p0.kind == "post" and p0.media == ()

    assert p1.text == "Happy Nurses Week to our 3 East team! 🎂"
    assert [(m.kind, m.alt) for m in p1.media] == [
        ("image", "Nurse Priya holding a cake; the whiteboard behind her reads Rm 309 Harlan Mitchum, fall risk, MRN 00917733"),
        ("image", None),  # empty alt
    ]
    assert all(m.uri and m.uri.startswith("bafkrei") for m in p1.media)  # blob CIDs (raw codec)
    assert ("media[0].alt", p1.media[0].alt) in p1.texts()

    assert p2.kind == "reply"
    assert p2.in_reply_to == f"at://{OTHER}/app.bsky.feed.post/3kq2abcdefh2b"  # the parent, not the root
    assert p2.reply_to_author == OTHER
    assert p2.created_at == datetime(2024, 4, 4, 18, 45, 12, 345000, tzinfo=UTC)
    assert p2.text.startswith("So glad your dad is home! Tell Mr. Pemberton-Cole the cardiac rehab team says hi 💙")

    assert p3.text == "Ribbon cutting for the new pediatric wing, thanks to everyone who donated!"
    assert [(m.kind, m.alt) for m in p3.media] == [("image", "Children's wing ribbon cutting with the mayor and hospital staff")]
    assert p3.kind == "post" and p3.in_reply_to is None  # a quote is not a reply

    assert p4.text == "Take a tour of our new MRI suite. Questions about scheduling? Call 555-0174."
    assert [(m.kind, m.alt) for m in p4.media] == [
        ("video", "Walkthrough of the MRI suite; a chart on the counter shows a patient label for Gwendolyn Reyes-Okafor")]


def test_loader_directly_claim_and_zip(tmp_path, codec_in_use):
    loader = get_loader("bluesky-car")
    assert isinstance(loader, BlueskyCarLoader)
    (tmp_path / "notes.car").write_bytes(b"\x00\x01 not a car at all")
    (tmp_path / "repo.json").write_text('{"roots": [], "version": 1}')
    (tmp_path / "did_plc_export.bin").write_bytes(CAR.read_bytes())  # recognised by content, not extension
    tree = open_tree(tmp_path)
    assert [e.basename for e in loader.claim(tree, tree.entries)] == ["did_plc_export.bin"]
    assert [e.basename for e in loader.claim(tree, tree.entries, forced=True)] == ["did_plc_export.bin", "notes.car"]

    tree = open_tree(CAR)
    items = list(loader.load(tree, loader.claim(tree, tree.entries), LoadOptions()))
    assert [i.id for i in items] == [p.id for p in _load(CAR)[0]]

    archive = tmp_path / "bsky-export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(CAR, "export/repo.car")
    zposts, errors = _load(archive)
    assert errors == []
    strip = lambda p: (p.id, p.text, p.url, p.media, p.created_at, p.in_reply_to, p.fields)  # noqa: E731
    assert [strip(p) for p in zposts] == [strip(p) for p in _load(CAR)[0]]
    assert zposts[0].source.endswith("bsky-export.zip!export/repo.car")


def test_a_plain_install_reads_the_fixture_as_the_extra_does(monkeypatch):
    """Without atproto (and so without libipld) the loader decodes in plain Python: no error, the same posts."""
    with_extra = _load(CAR) if importlib.util.find_spec("libipld") and importlib.util.find_spec("atproto_core") else None
    monkeypatch.setitem(sys.modules, "atproto_core", None)  # makes `import atproto_core` fail
    monkeypatch.setitem(sys.modules, "libipld", None)
    posts, errors = _load(CAR)
    assert errors == [] and [p.id for p in posts] == [f"at://{DID}/app.bsky.feed.post/{r}" for r in RKEYS]
    if with_extra is not None:
        assert posts == with_extra[0]


def test_missing_record_block_loses_only_that_post(tmp_path, codec_in_use):
    pytest.importorskip("libipld")  # the test builds its file with it
    header, blocks = _split(CAR.read_bytes())
    posts_at = _post_blocks(blocks)
    drop = next(i for i, text in posts_at if text.startswith("So glad"))
    f = tmp_path / "repo.car"
    f.write_bytes(_join(header, blocks[:drop] + blocks[drop + 1 :]))
    posts, errors = _load(f)
    assert [p.url.rsplit("/", 1)[1] for p in posts] == [r for r in RKEYS if r != "3kpdayoa2hc27"]
    assert [(e.where, e.message) for e in errors] == [
        ("record app.bsky.feed.post/3kpdayoa2hc27", "record block missing from the file (truncated export?)")]
    assert errors[0].source.endswith("repo.car")


def test_corrupt_block_is_detected_by_its_cid(tmp_path, codec_in_use):
    pytest.importorskip("libipld")  # the test builds its file with it
    header, blocks = _split(CAR.read_bytes())
    i = next(i for i, text in _post_blocks(blocks) if text.startswith("Take a tour"))
    cid, data = blocks[i]
    blocks[i] = (cid, data.replace(b"555-0174", b"555-0175"))
    f = tmp_path / "repo.car"
    f.write_bytes(_join(header, blocks))
    posts, errors = _load(f)
    assert len(posts) == 4 and not any("555-0175" in p.text for p in posts)
    assert errors[0].where.startswith(f"block {i}, byte ") and "does not match its CID" in errors[0].message
    assert errors[1].where == "record app.bsky.feed.post/3kph6pmiec222"


def test_truncated_file_keeps_complete_blocks(tmp_path, codec_in_use):
    pytest.importorskip("libipld")  # the test builds its file with it
    data = CAR.read_bytes()
    header, blocks = _split(data)
    # Move the MST nodes first (as a pre-order export would), then cut inside the last post block.
    posts_at = {i for i, _ in _post_blocks(blocks)}
    import libipld
    nodes = [b for b in blocks[1:] if isinstance(libipld.decode_dag_cbor(b[1]), dict) and "e" in libipld.decode_dag_cbor(b[1])]
    rest = [b for b in blocks[1:] if b not in nodes]
    last_post = max(i for i, b in enumerate(rest) if blocks.index(b) in posts_at)
    rest = rest[: last_post + 1]
    whole = _join(header, [blocks[0], *nodes, *rest])
    f = tmp_path / "repo.car"
    f.write_bytes(whole[:-10])
    posts, errors = _load(f)
    truncated = [e for e in errors if "truncated or corrupt CAR block" in e.message]
    assert len(truncated) == 1 and truncated[0].where.startswith(f"block {len(nodes) + len(rest)}, byte ")
    assert len(posts) == 4
    assert any(e.where.startswith("record app.bsky.feed.post/") and "missing" in e.message for e in errors)
    assert all(p.url for p in posts)


def test_unreachable_posts_reported_without_rkey(tmp_path, codec_in_use):
    pytest.importorskip("libipld")  # the test builds its file with it
    header, blocks = _split(CAR.read_bytes())
    import libipld
    kept = [b for b in blocks if not (isinstance(libipld.decode_dag_cbor(b[1]), dict) and "e" in libipld.decode_dag_cbor(b[1]))]
    f = tmp_path / "repo.car"
    f.write_bytes(_join(header, kept))  # every MST node lost: the records can no longer be keyed
    posts, errors = _load(f)
    assert sorted(p.text for p in posts) == sorted(p.text for p in _load(CAR)[0])
    assert all(p.url is None and p.id.startswith("bafyrei") for p in posts)
    assert any(e.where.startswith("MST node ") and "missing" in e.message for e in errors)


def test_malformed_record_loses_only_itself(tmp_path, codec_in_use):
    pytest.importorskip("libipld")  # the test builds its file with it
    good = {"$type": "app.bsky.feed.post", "text": "Cafeteria hours are extended this week", "createdAt": "2024-05-01T10:00:00Z"}
    bad = {"$type": "app.bsky.feed.post", "text": 42, "createdAt": "2024-05-02T10:00:00Z"}
    f = tmp_path / "small.car"
    f.write_bytes(_small_car({"app.bsky.feed.post/3kaaaaaaaaa22": good, "app.bsky.feed.post/3kbbbbbbbbb22": bad,
                              "app.bsky.feed.post/3kccccccccc22": dict(good, text="Parking garage B reopens Monday")}))
    posts, errors = _load(f)
    assert [(p.text, p.index) for p in posts] == [("Cafeteria hours are extended this week", 0),
                                                   ("Parking garage B reopens Monday", 2)]
    assert [(e.where, e.message) for e in errors] == [
        ("record app.bsky.feed.post/3kbbbbbbbbb22", "post record has no string 'text'; record skipped")]


def test_forced_on_non_car(tmp_path, codec_in_use):
    f = tmp_path / "export.car"
    f.write_bytes(b"\xff\xff\xff")
    posts, errors = _load(f, input_format="bluesky-car")
    assert posts == [] and [(e.where, e.message) for e in errors] == [("byte 0", "not a CAR file (unreadable header)")]


def test_fixture_builder_is_reproducible(tmp_path, monkeypatch):
    pytest.importorskip("atproto")
    spec = importlib.util.spec_from_file_location("make_bluesky_fixture", ROOT / "benchmarks" / "make_bluesky_fixture.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "OUT", tmp_path / "repo.car")
    assert mod.main() == 0
    assert (tmp_path / "repo.car").read_bytes() == CAR.read_bytes()


def test_a_car_on_disk_is_memory_mapped_and_one_in_a_zip_is_read(tmp_path, codec_in_use):
    """A big repository on disk is never copied into memory (only its block index is kept); a zip member
    has no file to map and is read whole. Both give the same posts (see the test above)."""
    import contextlib
    import mmap

    from phiscan.sources.bluesky import _mapped

    archive = tmp_path / "bsky-export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(CAR, "export/repo.car")
    tarball = tmp_path / "bsky-export.tar.gz"
    with tarfile.open(tarball, "w:gz") as tf:
        tf.add(CAR, "export/repo.car")
    with contextlib.ExitStack() as stack:
        on_disk = _mapped(open_tree(CAR).entries[0], stack)
        in_zip = _mapped(open_tree(archive).entries[0], stack)
        in_tar = _mapped(open_tree(tarball).entries[0], stack)
        assert isinstance(on_disk, mmap.mmap) and isinstance(in_zip, bytes) and isinstance(in_tar, bytes)
        assert on_disk[:] == in_zip == in_tar == CAR.read_bytes()
    assert on_disk.closed
    tposts, errors = _load(tarball)
    assert errors == [] and [p.id for p in tposts] == [p.id for p in _load(CAR)[0]]


# -- the plain-Python codec against libipld -------------------------------------------------------------------
def test_plain_codec_decodes_every_block_of_the_fixture_as_libipld_does():
    libipld = pytest.importorskip("libipld")
    data = CAR.read_bytes()
    n, pos = dagcbor._varint(data, 0)
    assert dagcbor.decode_dag_cbor(data[pos:pos + n]) == libipld.decode_dag_cbor(data[pos:pos + n])
    header, blocks = _split(data)
    assert len(blocks) > 10
    for cid, block in blocks:
        assert dagcbor.decode_dag_cbor(block) == libipld.decode_dag_cbor(block)
        assert dagcbor.encode_cid(cid) == libipld.encode_cid(cid)
    # a structure with every kind of value DAG-CBOR has
    value = {"a": 1, "bb": [-1, -(2**64), 2**64 - 1, 1.5, True, False, None, b"\x00\xff", "Zoë ✓", {}],
             "link": bytes([1, 0x71, 0x12, 0x20]) + bytes(range(32)), "ccc": {"nested": [[[]]]}}
    encoded = libipld.encode_dag_cbor(value)
    assert dagcbor.decode_dag_cbor(encoded) == libipld.decode_dag_cbor(encoded)
    v0 = b"\x12\x20" + bytes(range(32))
    assert dagcbor.encode_cid(v0) == libipld.encode_cid(v0) and dagcbor.encode_cid(v0).startswith("Qm")


@pytest.mark.parametrize("data", [
    b"", b"\x01\x02", b"\xa1\x01\x02", b"\xf9\x3c\x00", b"\x9f\x01\xff", b"\xf7", b"\xc1\x01", b"\xd8\x2a\x42\x01\x02",
    b"\xd8\x2a\x43\x00\x01\x02", b"\x62\xff\xfe", b"\x43\x01", b"\xa2\x61a\x01\x61a\x02", b"\xa2\x62bb\x01\x61a\x02",
    b"\xf0", b"\xfb\x7f\xf8\x00\x00\x00\x00\x00\x00", b"\xfb\x7f\xf0\x00\x00\x00\x00\x00\x00", b"\x9b" + b"\xff" * 8,
    b"\xbb" + b"\xff" * 8, b"\x5b" + b"\xff" * 8, b"\x82\x01", b"\xa1\x61", b"\xa2\x61a\x01", b"\xfa\x7f\xc0\x00\x00",
], ids=lambda d: d.hex() or "empty")
def test_plain_codec_rejects_what_libipld_rejects(data):
    libipld = pytest.importorskip("libipld")
    with pytest.raises(ValueError) as theirs:
        libipld.decode_dag_cbor(data)
    with pytest.raises(ValueError) as ours:
        dagcbor.decode_dag_cbor(data)
    assert str(ours.value) == str(theirs.value)


def test_plain_codec_edges():
    assert dagcbor.decode_dag_cbor(b"\xfa\x3f\x80\x00\x00") == 1.0  # a 32-bit float is accepted, as libipld does
    assert dagcbor.decode_dag_cbor(b"\x18\x01") == 1
    with pytest.raises(RecursionError):
        dagcbor.decode_dag_cbor(b"\x81" * (dagcbor.MAX_DEPTH + 1) + b"\x01")
    assert dagcbor.decode_dag_cbor(b"\x81" * dagcbor.MAX_DEPTH + b"\x01") is not None
    for bad in (b"", b"junk", b"\x01q\x12\x20" + bytes(31)):
        with pytest.raises(ValueError):
            dagcbor.encode_cid(bad)


def test_plain_codec_accepts_and_rejects_damaged_blocks_as_libipld_does():
    """Thousands of seeded mutations of the fixture's blocks (bytes changed, cut, inserted): both codecs accept the
    same ones with the same value, and reject the same ones (with ValueError, or RecursionError)."""
    import random

    libipld = pytest.importorskip("libipld")
    _, blocks = _split(CAR.read_bytes())
    rng = random.Random(14)

    def outcome(decode, data):
        try:
            return "ok", decode(data)
        except ValueError:
            return "error", None
        except RecursionError:
            return "too deep", None

    accepted = 0
    for _ in range(3000):
        data = bytearray(rng.choice(blocks)[1])
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(data)) if data else 0
            op = rng.random()
            if op < 0.6 and data:
                data[i] = rng.randrange(256)
            elif op < 0.8:
                del data[i:]
            else:
                data.insert(i, rng.randrange(256))
        theirs, ours = outcome(libipld.decode_dag_cbor, bytes(data)), outcome(dagcbor.decode_dag_cbor, bytes(data))
        assert ours == theirs, bytes(data).hex()
        accepted += theirs[0] == "ok"
    assert 100 < accepted < 2900  # both kinds were tried
