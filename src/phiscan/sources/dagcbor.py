"""A DAG-CBOR decoder and CID encoder in plain Python: what the Bluesky loader needs of `libipld`.

A plain install (without the `phiscan[bluesky]` extra, which brings atproto and its compiled codec libipld) reads
Bluesky CAR files with this. It has the same interface and answers as libipld on what a repository holds
(tests/test_sources_bluesky.py compares the two block by block): `decode_dag_cbor(bytes)` gives dicts, lists,
str, int, float, bool, None and bytes, with a CID link (tag 42) as the CID's binary form (without the 0x00
multibase prefix); `encode_cid(bytes)` gives its text form (base32 `b...` for CIDv1, base58 `Qm...` for CIDv0).
Anything that is not DAG-CBOR (indefinite lengths, other tags, map keys that are not strings or not in canonical
order, NaN, a second object after the first, data cut short) raises ValueError with libipld's message; nesting
deeper than `MAX_DEPTH` raises RecursionError (libipld's own limit is higher; no repository record comes near).
"""
from __future__ import annotations

import base64
import math
import struct
from typing import Any

MAX_DEPTH = 250  # two Python frames a level (3.10, 3.11): well inside the interpreter's limit
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class _Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise ValueError("Failed to decode DAG-CBOR. end of data")
        out = self.data[self.pos:end]
        self.pos = end
        return out

    def argument(self, info: int) -> int:
        if info < 24:
            return info
        if info == 24:
            return self.take(1)[0]
        if info == 25:
            return int.from_bytes(self.take(2), "big")
        if info == 26:
            return int.from_bytes(self.take(4), "big")
        if info == 27:
            return int.from_bytes(self.take(8), "big")
        raise ValueError("Failed to decode DAG-CBOR. Indefinite or reserved header argument")

    def item(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise RecursionError("maximum recursion depth exceeded in DAG-CBOR decoding")
        head = self.take(1)[0]
        major, info = head >> 5, head & 0x1F
        if major == 7:
            return self._simple(info)
        n = self.argument(info)
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        if major == 2:
            return bytes(self.take(n))
        if major == 3:
            try:
                return bytes(self.take(n)).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(f"Failed to decode DAG-CBOR. UnicodeDecodeError: {exc}") from None
        if major == 4:
            if n > len(self.data) - self.pos:  # every item takes a byte at least
                raise ValueError("Failed to decode DAG-CBOR. Array length exceeds remaining data")
            return [self.item(depth + 1) for _ in range(n)]
        if major == 5:
            if 2 * n > len(self.data) - self.pos:
                raise ValueError("Failed to decode DAG-CBOR. Map length exceeds remaining data")
            out: dict[str, Any] = {}
            last: tuple[int, bytes] | None = None
            for _ in range(n):
                if self.pos < len(self.data) and self.data[self.pos] >> 5 != 3:  # the key's head: a text string?
                    raise ValueError("Failed to decode DAG-CBOR. Map keys must be strings")
                key = self.item(depth + 1)
                raw = key.encode("utf-8")
                order = (len(raw), raw)  # canonical order: shorter keys first, then bytewise
                if last is not None and order <= last:
                    raise ValueError("Failed to decode DAG-CBOR. Map keys must be sorted and unique")
                last = order
                out[key] = self.item(depth + 1)
            return out
        # major 6: a tag; DAG-CBOR has one, 42, a CID link
        if n != 42:
            raise ValueError("Failed to decode DAG-CBOR. Non-42 tags are not supported")
        content = self.item(depth + 1)
        if not isinstance(content, bytes) or content[:1] != b"\x00" or not _valid_cid(content[1:]):
            raise ValueError("Failed to decode DAG-CBOR. Invalid CID")
        return content[1:]

    def _simple(self, info: int) -> Any:
        if info == 20:
            return False
        if info == 21:
            return True
        if info == 22:
            return None
        if info == 26:
            value = struct.unpack(">f", self.take(4))[0]
            width = "f32"
        elif info == 27:
            value = struct.unpack(">d", self.take(8))[0]
            width = "f64"
        else:
            raise ValueError("Failed to decode DAG-CBOR. Unsupported major type")
        if not math.isfinite(value):
            raise ValueError(f"Failed to decode DAG-CBOR. Number out of range for {width} (NaNs are forbidden)")
        return value


def decode_dag_cbor(data: bytes) -> Any:
    """The one DAG-CBOR object `data` holds."""
    reader = _Reader(memoryview(bytes(data)))
    value = reader.item(0)
    if reader.pos != len(reader.data):
        raise ValueError("Failed to decode DAG-CBOR. Invalid DAG-CBOR: contains multiple objects (CBOR sequence)")
    return value


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("Failed to decode CID. unexpected end of file")
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def _valid_cid(cid: bytes) -> bool:
    try:
        encode_cid(cid)
    except ValueError:
        return False
    return True


def encode_cid(cid: bytes) -> str:
    """The text form of a binary CID: base58btc for CIDv0 (a bare sha2-256 multihash), base32 for CIDv1."""
    cid = bytes(cid)
    # as libipld does, a CID is the longest prefix that parses; bytes after it are ignored
    if len(cid) >= 34 and cid[:2] == b"\x12\x20":
        cid = cid[:34]
        number = int.from_bytes(cid, "big")
        out = ""
        while number:
            number, rem = divmod(number, 58)
            out = _B58[rem] + out
        return "1" * (len(cid) - len(cid.lstrip(b"\x00"))) + out
    if not cid:
        raise ValueError("Failed to decode CID. unexpected end of file")
    version, pos = _varint(cid, 0)
    if version != 1:
        raise ValueError("Failed to decode CID. Unrecognized CID version")
    try:
        _, pos = _varint(cid, pos)  # codec
        _, pos = _varint(cid, pos)  # multihash function
        size, pos = _varint(cid, pos)
    except ValueError:
        raise ValueError("Failed to decode CID. Failed to parse multihash") from None
    if len(cid) - pos < size:
        raise ValueError("Failed to decode CID. Failed to parse multihash")
    return "b" + base64.b32encode(cid[:pos + size]).decode("ascii").lower().rstrip("=")
