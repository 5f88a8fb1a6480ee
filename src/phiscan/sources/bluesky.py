"""Bluesky repository export: one CAR file (`com.atproto.sync.getRepo`, "Export my data" in the app).

Format facts relied on (see FORMATS.md and the AT Protocol repository spec):
- CARv1: a varint-prefixed DAG-CBOR header `{"version": 1, "roots": [commit CID]}`, then blocks, each
  `varint(length) + CID + DAG-CBOR data`. Blocks are decoded with the optional `atproto` package's compiled
  codec (`libipld`, `pip install 'phiscan[bluesky]'`) when it is installed, else with `dagcbor`, the same decoder
  in plain Python (slower, the same answers): a plain install reads Bluesky exports too.
- The root commit `{"did", "data": MST root CID, ...}` names the account (a DID). Record keys live only in the Merkle
  Search Tree: a node is `{"l": subtree CID | null, "e": [{"p": shared prefix length, "k": key suffix bytes,
  "v": record CID, "t": subtree CID | null}]}`; keys are `<collection>/<rkey>`, prefix-compressed within a node.
- Posts are `app.bsky.feed.post` records: `text`, `createdAt`, `reply.parent.uri`, `embed.images[].alt`,
  `embed.media.images[]` (quote posts with media, `app.bsky.embed.recordWithMedia`), `embed.alt` (video),
  `embed.external.{title, description}`, link facets `features[].uri`.
- Post URL: `https://bsky.app/profile/<did>/post/<rkey>`; the post id is its AT URI `at://<did>/app.bsky.feed.post/<rkey>`
  (the form `reply.parent.uri` uses, so replies can be matched to their parents).

A truncated or damaged file loses only what is missing: blocks are framed by hand, so the complete ones before the
damage are still read, and a post block that the damaged tree no longer reaches is still reported (without rkey/URL).
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import mmap
import os
from typing import Any, Iterator

from ..model import Media, Post, ReadError
from .base import READ_ERRORS, Entry, InputError, Item, LoadOptions, Tree
from .generic import parse_time

PLATFORM = "bluesky"
POST_TYPE = "app.bsky.feed.post"
# What converting one malformed record can raise (out-of-range timestamps raise OverflowError or OSError).
_RECORD_ERRORS = (ValueError, TypeError, AttributeError, KeyError, OverflowError, OSError)
_MAX_NODES = 5_000_000  # guard against cyclic or absurd trees
# Files of other kinds whose content is not worth sniffing for a CAR header (exports hold thousands of media files).
_NOT_CAR = {".json", ".js", ".jsonl", ".ndjson", ".csv", ".tsv", ".txt", ".md", ".html", ".htm", ".xml", ".yaml", ".yml",
            ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".mp4", ".mov", ".m4a", ".mp3", ".wav", ".webm", ".pdf"}


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """Decode an unsigned LEB128 varint at `pos`; returns (value, next position). Raises IndexError when cut off."""
    value = shift = 0
    while True:
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _cid_length(data: bytes, pos: int) -> int:
    """Length in bytes of the binary CID starting at `pos` (CIDv0 or CIDv1)."""
    if data[pos] == 0x12 and data[pos + 1] == 0x20:  # CIDv0: bare sha2-256 multihash
        return 34
    p = pos
    for _ in range(3):  # version, codec, multihash code
        _, p = _varint(data, p)
    size, p = _varint(data, p)
    return p - pos + size


def _looks_like_car(head: bytes) -> bool:
    try:
        n, p = _varint(head, 0)
    except (IndexError, ValueError):
        return False
    header = head[p : p + n]
    return 0 < n < 1024 and header[:1] in (b"\xa2", b"\xa1") and b"roots" in header and b"version" in header


def _mapped(entry: Entry, stack: contextlib.ExitStack) -> Any:
    """The entry's bytes: a read-only memory map when it is a file on disk (pages are read as blocks are
    decoded and can be dropped again), else the member read whole (inside a zip or tar)."""
    fh = stack.enter_context(entry.open(guard=False))
    try:
        # a file of its own (a tar member is a BufferedReader too, over the archive: no file to map)
        if isinstance(fh, io.BufferedReader) and isinstance(fh.raw, io.FileIO) and os.fstat(fh.fileno()).st_size > 0:
            return stack.enter_context(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
    except (OSError, ValueError, AttributeError):
        pass
    try:
        return fh.read()
    except READ_ERRORS as exc:
        raise InputError(entry.display, "", f"cannot read: {exc.__class__.__name__}: {str(exc)[:200]}") from None


class _Car:
    """Blocks of a CAR file by CID (raw bytes, the form DAG-CBOR links decode to), decoded on demand.

    `data` is the file's bytes or a read-only memory map of it: only where each block is (offset, length) is
    kept, so a big repository costs its index, not a second copy of itself."""

    def __init__(self, data: Any, display: str, libipld: Any):
        self._lib = libipld
        self._data = data
        self.errors: list[ReadError] = []
        self.raw: dict[bytes, tuple[int, int]] = {}
        self.order: list[bytes] = []
        self.roots: list[bytes] = []
        try:
            n, pos = _varint(data, 0)
            header = libipld.decode_dag_cbor(data[pos : pos + n])
            pos += n
        except (IndexError, ValueError, RecursionError):
            raise InputError(display, "byte 0", "not a CAR file (unreadable header)") from None
        roots = header.get("roots") if isinstance(header, dict) else None
        self.roots = [r for r in roots if isinstance(r, bytes)] if isinstance(roots, list) else []
        index = 0
        while pos < len(data):
            start = pos
            try:
                length, pos = _varint(data, pos)
                end = pos + length
                if length == 0 or end > len(data):
                    raise IndexError
                clen = _cid_length(data, pos)
                if clen >= length:
                    raise ValueError
                cid = bytes(data[pos : pos + clen])
            except (IndexError, ValueError):
                self.errors.append(ReadError(display, f"block {index}, byte {start}",
                                             "truncated or corrupt CAR block; the rest of the file could not be read"))
                break
            if cid[:1] == b"\x01" and cid[2:4] == b"\x12\x20" and hashlib.sha256(data[pos + clen : end]).digest() != cid[4:36]:
                self.errors.append(ReadError(display, f"block {index}, byte {start}",
                                             "block content does not match its CID (corrupt); block skipped"))
            else:
                self.raw[cid] = (pos + clen, end)
                self.order.append(cid)
            pos = end
            index += 1

    def get(self, cid: Any) -> Any:
        """The decoded block, or None when it is absent. Raises ValueError when it does not decode."""
        if not isinstance(cid, bytes) or cid not in self.raw:
            return None
        start, end = self.raw[cid]
        return self._lib.decode_dag_cbor(bytes(self._data[start:end]))

    def cid_str(self, cid: Any) -> str | None:
        if isinstance(cid, bytes):
            try:
                return self._lib.encode_cid(cid)
            except ValueError:
                return None
        if isinstance(cid, dict) and isinstance(cid.get("$link"), str):  # JSON form of a link
            return cid["$link"]
        return cid if isinstance(cid, str) else None


def _walk_mst(car: _Car, root: bytes, display: str) -> Iterator[tuple[str, bytes] | ReadError]:
    """Yield (key, record CID) in key order, depth first; ReadErrors for missing or malformed nodes."""
    seen: set[bytes] = set()
    # Stack of pending work: ("node", cid) to expand, or ("leaf", key, cid) to emit, processed in order.
    stack: list[tuple] = [("node", root)]
    while stack:
        item = stack.pop()
        if item[0] == "leaf":
            yield item[1], item[2]
            continue
        cid = item[1]
        if cid in seen or len(seen) > _MAX_NODES:
            yield ReadError(display, f"MST node {car.cid_str(cid)}", "tree node visited twice (cycle); skipped")
            continue
        seen.add(cid)
        try:
            node = car.get(cid)
        except (ValueError, RecursionError):
            yield ReadError(display, f"MST node {car.cid_str(cid)}", "tree node does not decode; its records are lost")
            continue
        if node is None:
            yield ReadError(display, f"MST node {car.cid_str(cid)}", "tree node missing from the file (truncated export?); its records are lost")
            continue
        if not isinstance(node, dict) or not isinstance(node.get("e"), list):
            yield ReadError(display, f"MST node {car.cid_str(cid)}", "not a tree node (no entry list); skipped")
            continue
        work: list[tuple] = []
        if node.get("l") is not None:
            work.append(("node", node["l"]))
        prev = b""
        for i, e in enumerate(node["e"]):
            try:
                p, k = e["p"], e["k"]
                if not isinstance(p, int) or not isinstance(k, bytes) or p > len(prev):
                    raise ValueError
                key_bytes = prev[:p] + k
                key = key_bytes.decode("utf-8")
            except (KeyError, TypeError, ValueError, UnicodeDecodeError):
                yield ReadError(display, f"MST node {car.cid_str(cid)}, entry {i}", "malformed tree entry; later keys of this node are lost")
                break
            prev = key_bytes
            work.append(("leaf", key, e.get("v")))
            if e.get("t") is not None:
                work.append(("node", e["t"]))
        stack.extend(reversed(work))


def _did_of(uri: Any) -> str | None:
    if isinstance(uri, str) and uri.startswith("at://"):
        return uri[5:].split("/", 1)[0] or None
    return None


def _media(embed: Any, car: _Car) -> tuple[list[Media], list[tuple[str, str]]]:
    """Media (with alt text) and extra text fields of a post's embed, recursing into recordWithMedia."""
    media: list[Media] = []
    fields: list[tuple[str, str]] = []
    if not isinstance(embed, dict):
        return media, fields
    etype = str(embed.get("$type", ""))
    if isinstance(embed.get("images"), list):
        for img in embed["images"]:
            if isinstance(img, dict):
                ref = img.get("image")
                ref = ref.get("ref", ref.get("cid")) if isinstance(ref, dict) else None
                alt = img.get("alt")
                media.append(Media(uri=car.cid_str(ref), kind="image", alt=alt if isinstance(alt, str) and alt else None))
    if etype.startswith("app.bsky.embed.video") or isinstance(embed.get("video"), dict):
        ref = embed.get("video")
        ref = ref.get("ref", ref.get("cid")) if isinstance(ref, dict) else None
        alt = embed.get("alt")
        media.append(Media(uri=car.cid_str(ref), kind="video", alt=alt if isinstance(alt, str) and alt else None))
    ext = embed.get("external")
    if isinstance(ext, dict):
        for name in ("title", "description"):
            if isinstance(ext.get(name), str) and ext[name].strip():
                fields.append((name, ext[name]))
    if isinstance(embed.get("media"), dict):  # app.bsky.embed.recordWithMedia
        m, f = _media(embed["media"], car)
        media.extend(m)
        fields.extend(f)
    return media, fields


def _post(rec: dict, *, did: str | None, rkey: str | None, cid: bytes, car: _Car, entry: Entry, index: int) -> Post:
    text = rec.get("text")
    if not isinstance(text, str):
        raise ValueError("post record has no string 'text'")
    reply = rec.get("reply")
    parent = reply.get("parent") if isinstance(reply, dict) else None
    parent_uri = parent.get("uri") if isinstance(parent, dict) and isinstance(parent.get("uri"), str) else None
    media, fields = _media(rec.get("embed"), car)
    links = []
    for facet in rec.get("facets") or []:
        for feat in (facet.get("features") or []) if isinstance(facet, dict) else []:
            if isinstance(feat, dict) and str(feat.get("$type", "")).endswith("#link") and isinstance(feat.get("uri"), str):
                links.append(feat["uri"])
    if links:
        fields.insert(0, ("expanded_urls", "\n".join(links)))
    if did and rkey:
        pid, url = f"at://{did}/{POST_TYPE}/{rkey}", f"https://bsky.app/profile/{did}/post/{rkey}"
    else:
        pid, url = car.cid_str(cid) or f"{entry.name}#{index}", None
    return Post(
        id=pid,
        text=text,
        platform=PLATFORM,
        account=did,
        kind="reply" if parent_uri else "post",
        url=url,
        created_at=parse_time(rec.get("createdAt")),
        author=did,
        in_reply_to=parent_uri,
        reply_to_author=_did_of(parent_uri),
        media=tuple(media),
        fields=tuple(fields),
        source=entry.display,
        index=index,
    )


def codec() -> Any:
    """The DAG-CBOR codec: atproto's compiled libipld (`phiscan[bluesky]`) when installed, else plain Python."""
    try:
        import atproto_core  # noqa: F401  (the optional dependency that brings the codec)
        import libipld
    except ImportError:
        from . import dagcbor as libipld
    return libipld


class BlueskyCarLoader:
    """Loads the posts of a Bluesky repository export (CAR)."""

    name = "bluesky-car"
    description = "Bluesky repository export (.car): app.bsky.feed.post records with alt text"

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]:
        return [e for e in entries
                if (forced and e.suffix == ".car") or (e.suffix not in _NOT_CAR and _looks_like_car(e.head(1100)))]

    def load(self, tree: Tree, entries: list[Entry], options: LoadOptions) -> Iterator[Item]:
        libipld = codec()
        for e in entries:
            yield from self._load_file(e, libipld)

    def _load_file(self, entry: Entry, libipld: Any) -> Iterator[Item]:
        with contextlib.ExitStack() as stack:
            try:
                car = _Car(_mapped(entry, stack), entry.display, libipld)
            except InputError as exc:
                yield exc.to_error()
                return
            yield from self._records(car, entry)

    def _records(self, car: _Car, entry: Entry) -> Iterator[Item]:
        yield from car.errors
        did, mst_root = None, None
        try:
            commit = car.get(car.roots[0]) if car.roots else None
        except (ValueError, RecursionError):
            commit = None
        if isinstance(commit, dict):
            did = commit.get("did") if isinstance(commit.get("did"), str) else None
            mst_root = commit.get("data")
        if mst_root is None:
            yield ReadError(entry.display, "root commit", "root commit missing or unreadable; posts are read without record keys")
        index = 0
        emitted: set[bytes] = set()
        walk_ok = not car.errors and mst_root is not None
        for item in (_walk_mst(car, mst_root, entry.display) if mst_root is not None else ()):
            if isinstance(item, ReadError):
                walk_ok = False
                yield item
                continue
            key, cid = item
            collection, _, rkey = key.partition("/")
            if collection != POST_TYPE:
                continue
            where = f"record {key}"
            try:
                rec = car.get(cid)
            except (ValueError, RecursionError):
                rec = None
                yield ReadError(entry.display, where, "record block is not valid DAG-CBOR; record skipped")
            else:
                if rec is None:
                    walk_ok = False
                    yield ReadError(entry.display, where, "record block missing from the file (truncated export?)")
                    continue
            if rec is not None:
                try:
                    if not isinstance(rec, dict):
                        raise ValueError("record is not an object")
                    yield _post(rec, did=did, rkey=rkey, cid=cid, car=car, entry=entry, index=index)
                except _RECORD_ERRORS as exc:
                    yield ReadError(entry.display, where, f"{exc}; record skipped")
            emitted.add(cid)
            index += 1
        if walk_ok:
            return
        # Damaged tree: report post records the walk could not reach, without rkey (so without URL).
        for cid in car.order:
            if cid in emitted:
                continue
            try:
                rec = car.get(cid)
            except (ValueError, RecursionError):
                continue
            if isinstance(rec, dict) and rec.get("$type") == POST_TYPE:
                try:
                    yield _post(rec, did=did, rkey=None, cid=cid, car=car, entry=entry, index=index)
                except _RECORD_ERRORS as exc:
                    yield ReadError(entry.display, f"block {car.cid_str(cid)}", f"{exc}; record skipped")
                index += 1


LOADERS = [BlueskyCarLoader()]
