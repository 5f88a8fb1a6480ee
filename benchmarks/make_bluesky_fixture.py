"""Build the synthetic Bluesky repository export fixtures/exports/bluesky/repo.car.

Needs the optional `atproto` package (`pip install 'phiscan[bluesky]'`). Uses its DAG-CBOR and CID codec
(`libipld`, installed with atproto) to encode blocks, builds the Merkle Search Tree (MST) the way the AT Protocol
repository spec describes it, writes a CARv1 file, and checks the result with atproto's own `CAR` reader.

Run from the repository root:  python benchmarks/make_bluesky_fixture.py
The output is deterministic (fixed timestamps, fixed placeholder signature), so re-running gives the same bytes.
"""
from __future__ import annotations

import hashlib
import sys
from datetime import datetime
from pathlib import Path

import libipld
from atproto_core.car import CAR

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "exports" / "bluesky" / "repo.car"
DID = "did:plc:l4rksp5rg3n3r4lh0sp1t4lz"
OTHER = "did:plc:q7vx2kfamilyf0llow3r5abc"
B32 = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable, for TIDs


def cid_for(data: bytes, codec: int = 0x71) -> bytes:
    """CIDv1, sha2-256, as raw bytes (codec 0x71 dag-cbor for blocks, 0x55 raw for blobs)."""
    return bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(data).digest()


def cid_str(cid: bytes) -> str:
    return libipld.encode_cid(cid)


def tid(when: str, clock: int) -> str:
    """A record key TID: 53 bits of microseconds since the epoch, then a 10-bit clock id, base32-sortable."""
    dt = datetime.fromisoformat(when.replace("Z", "+00:00"))
    micros = int(dt.timestamp()) * 1_000_000 + dt.microsecond
    n = (micros << 10) | clock
    return "".join(B32[(n >> (5 * i)) & 31] for i in reversed(range(13)))


def layer(key: str) -> int:
    """MST layer of a key: leading zero bits of sha256(key), counted in pairs (fanout 4)."""
    digest = hashlib.sha256(key.encode()).digest()
    zeros = 0
    for b in digest:
        if b == 0:
            zeros += 8
            continue
        zeros += 8 - b.bit_length()
        break
    return zeros // 2


def blob(name: str, mime: str = "image/jpeg") -> dict:
    data = f"synthetic image bytes for {name}".encode()
    return {"$type": "blob", "ref": cid_for(data, 0x55), "mimeType": mime, "size": len(data)}


def strong_ref(uri: str) -> dict:
    return {"uri": uri, "cid": cid_str(cid_for(uri.encode()))}


def link_facet(text: str, url_text: str, uri: str) -> dict:
    """Facet offsets are UTF-8 byte offsets into the text."""
    start = len(text[: text.index(url_text)].encode())
    return {"index": {"byteStart": start, "byteEnd": start + len(url_text.encode())},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}]}


def records() -> dict[str, dict]:
    """key -> record. Post keys are TIDs from createdAt; clock ids are picked in main() to shape the tree."""
    text1 = "Free BP screenings at the Larkspur farmers market this Saturday 🩺 larkspurgeneral.example/bp…"
    posts = [
        ("2024-04-02T14:00:00.000Z", {
            "text": text1,
            "langs": ["en"],
            "facets": [link_facet(text1, "larkspurgeneral.example/bp…", "https://larkspurgeneral.example/bp-checks")],
        }),
        ("2024-04-03T09:30:00.000Z", {
            "text": "Happy Nurses Week to our 3 East team! 🎂",
            "embed": {"$type": "app.bsky.embed.images", "images": [
                {"alt": "Nurse Priya holding a cake; the whiteboard behind her reads Rm 309 Harlan Mitchum, fall risk, MRN 00917733",
                 "image": blob("cake"), "aspectRatio": {"width": 4, "height": 3}},
                {"alt": "", "image": blob("balloons")},
            ]},
        }),
        ("2024-04-04T18:45:12.345Z", {
            "text": "So glad your dad is home! Tell Mr. Pemberton-Cole the cardiac rehab team says hi 💙 "
                    "He was discharged from room 5 on 3/2.",
            "reply": {"root": strong_ref(f"at://{OTHER}/app.bsky.feed.post/3kq2abcdefg2a"),
                      "parent": strong_ref(f"at://{OTHER}/app.bsky.feed.post/3kq2abcdefh2b")},
        }),
        ("2024-04-05T12:00:00.000Z", {
            "text": "Ribbon cutting for the new pediatric wing, thanks to everyone who donated!",
            "embed": {"$type": "app.bsky.embed.recordWithMedia",
                      "record": {"$type": "app.bsky.embed.record",
                                 "record": strong_ref(f"at://{OTHER}/app.bsky.feed.post/3kq3aaaaaaa2c")},
                      "media": {"$type": "app.bsky.embed.images", "images": [
                          {"alt": "Children's wing ribbon cutting with the mayor and hospital staff", "image": blob("ribbon")},
                      ]}},
        }),
        ("2024-04-06T08:15:00.000Z", {
            "text": "Take a tour of our new MRI suite. Questions about scheduling? Call 555-0174.",
            "embed": {"$type": "app.bsky.embed.video", "video": blob("mri-tour", "video/mp4"),
                      "alt": "Walkthrough of the MRI suite; a chart on the counter shows a patient label for Gwendolyn Reyes-Okafor"},
        }),
    ]
    out: dict[str, dict] = {
        "app.bsky.actor.profile/self": {"$type": "app.bsky.actor.profile", "displayName": "Larkspur General Hospital",
                                        "description": "News and events from Larkspur General."},
    }
    for i, (when, body) in enumerate(posts):
        out[f"app.bsky.feed.post/{{{i}}}"] = {"$type": "app.bsky.feed.post", "createdAt": when, **body}
    out["app.bsky.feed.like/{like}"] = {"$type": "app.bsky.feed.like", "createdAt": "2024-04-07T10:00:00.000Z",
                                        "subject": strong_ref(f"at://{OTHER}/app.bsky.feed.post/3kq3aaaaaaa2c")}
    out["app.bsky.graph.follow/{follow}"] = {"$type": "app.bsky.graph.follow", "createdAt": "2024-04-01T10:00:00.000Z",
                                             "subject": OTHER}
    return out


def assign_keys(templates: dict[str, dict], want_layer1: int) -> dict[str, dict]:
    """Replace `{i}` placeholders by TIDs, choosing clock ids so that exactly post number `want_layer1` sits on
    MST layer 1 (a two-level tree) and every other templated key on layer 0."""
    out: dict[str, dict] = {}
    for key, rec in templates.items():
        if "{" not in key:
            out[key] = rec
            continue
        coll, slot = key.split("/")
        target = 1 if slot == f"{{{want_layer1}}}" else 0
        for clock in range(1024):
            k = f"{coll}/{tid(rec['createdAt'], clock)}"
            if layer(k) == target:
                out[k] = rec
                break
        else:
            raise SystemExit(f"no clock id puts {key} on layer {target}")
    return out


class Blocks:
    def __init__(self) -> None:
        self.order: list[bytes] = []
        self.data: dict[bytes, bytes] = {}

    def put(self, obj: object) -> bytes:
        data = libipld.encode_dag_cbor(obj)
        cid = cid_for(data)
        if cid not in self.data:
            self.data[cid] = data
            self.order.append(cid)
        return cid


def build_mst(items: list[tuple[str, bytes]], lay: int, blocks: Blocks, nodes: list[dict]) -> bytes | None:
    """Build the MST node at layer `lay` for sorted (key, record cid) items; returns its CID (None if empty).

    A node holds the keys of its layer, in order, each entry with its key compressed against the previous
    entry's key (`p` shared bytes, `k` the rest), its record CID `v` and `t`, the subtree (one layer down) of
    the keys between it and the next entry; `l` is the subtree of the keys before the first entry."""
    if not items:
        return None
    if lay == 0:
        assert all(layer(k) == 0 for k, _ in items)
        here, subtrees = list(range(len(items))), [None] * (len(items) + 1)
    else:
        here = [i for i, (k, _) in enumerate(items) if layer(k) == lay]
        if not here:
            raise SystemExit("a layer would be skipped (node without entries); pick other clock ids")
        bounds = [-1, *here, len(items)]
        subtrees = [build_mst(items[a + 1 : b], lay - 1, blocks, nodes) for a, b in zip(bounds, bounds[1:])]
    entries, prev = [], b""
    for n, i in enumerate(here):
        kb = items[i][0].encode()
        p = 0
        while p < min(len(prev), len(kb)) and prev[p] == kb[p]:
            p += 1
        entries.append({"p": p, "k": kb[p:], "v": items[i][1], "t": subtrees[n + 1]})
        prev = kb
    node = {"l": subtrees[0], "e": entries}
    nodes.append(node)
    return blocks.put(node)


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def main() -> int:
    recs = assign_keys(records(), want_layer1=2)
    if max(layer(k) for k in recs) != 1:
        raise SystemExit("expected a two-level tree")
    blocks = Blocks()
    record_cids = {k: blocks.put(r) for k, r in sorted(recs.items())}
    nodes: list[dict] = []
    root = build_mst(sorted(record_cids.items()), 1, blocks, nodes)
    assert root is not None and all(n["e"] for n in nodes)
    last = max(k.split("/")[1] for k in recs if k.startswith("app.bsky.feed.post/"))
    commit = {"did": DID, "version": 3, "data": root, "rev": last, "prev": None,
              "sig": hashlib.sha256(b"placeholder signature: not verified by readers").digest() * 2}
    commit_cid = blocks.put(commit)
    # Block order as a PDS writes an export: the commit, then tree nodes and records.
    order = [commit_cid] + [c for c in blocks.order if c != commit_cid]
    header = libipld.encode_dag_cbor({"version": 1, "roots": [commit_cid]})
    out = bytearray(varint(len(header)) + header)
    for cid in order:
        data = blocks.data[cid]
        out += varint(len(cid) + len(data)) + cid + data
    car = CAR.from_bytes(bytes(out))  # atproto's reader must accept it
    assert car.root.encode() == cid_str(commit_cid) and len(car.blocks) == len(order)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(bytes(out))
    print(f"wrote {OUT} ({len(out)} bytes, {len(order)} blocks, {len(nodes)} MST nodes)")
    for k in sorted(recs):
        print(f"  layer {layer(k)}  {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
