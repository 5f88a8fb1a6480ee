"""Findings of a scan in bounded memory.

A scan of a large export can make a finding in most posts (a million posts, a million findings), and every
finding must reach the report. Held as Python objects they would take gigabytes; `FindingStore` keeps the
latest `limit` findings in memory and writes older ones to a spool, an anonymous temporary file (created
owner-only and already unlinked on POSIX, so it vanishes with the process, even a killed one; nothing else can
open it). What the spool holds is what the report will hold: findings and the text of their field, so that
reports can quote the post. It never outlives the scan, and nothing is written there unless a scan has more
than `limit` findings.

Records are (finding, field text) pairs, written in compressed pickled chunks. `records()` reads them back in
the order they were added; `sorted_records(key)` in any order, by an external merge sort (each chunk sorted
on its own, then merged lazily), so even the report order never needs all findings in memory at once.
"""
from __future__ import annotations

import heapq
import io
import os
import pickle
import tempfile
import zlib
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Iterator

if TYPE_CHECKING:  # pragma: no cover - the store holds any picklable records; model.ScanResult builds on it
    from .model import Finding

Record = tuple["Finding", "str | None"]

DEFAULT_LIMIT = 20_000  # findings kept in memory before the store spools (about 30 MB of findings)
_RUN_BLOCK = 512  # records per block of a sorted run: what the merge holds per run


class FindingStore:
    """An append-only collection of findings (with their field text) that spools to disk past `limit`.

    It iterates like the list it replaces (`for f in store`, `len(store)`, `bool(store)`), in the order the
    findings were added. `close()` frees the spool early; garbage collection does it otherwise."""

    def __init__(self, items: Iterable[Finding] = (), *, limit: int | None = None, directory: str | None = None):
        self.limit = max(1, int(limit if limit is not None else _env_limit()))
        self._dir = directory
        self._mem: list[Record] = []
        self._chunks: list[tuple[int, int]] = []  # (offset, length) of each spooled chunk
        self._spool: IO[bytes] | None = None
        self._n = 0
        for f in items:
            self.append(f)

    # -------------------------------------------------------------------- writing
    def append(self, finding: Finding, text: str | None = None) -> None:
        self._mem.append((finding, text))
        self._n += 1
        if len(self._mem) >= self.limit:
            self._spill()

    @property
    def spooled(self) -> bool:
        """True once findings went to disk."""
        return bool(self._chunks)

    def _spill(self) -> None:
        if self._spool is None:
            self._spool = _temporary(self._dir)
        blob = _pack(self._mem)
        self._spool.seek(0, io.SEEK_END)
        self._chunks.append((self._spool.tell(), len(blob)))
        self._spool.write(blob)
        self._mem = []

    # -------------------------------------------------------------------- reading
    def __len__(self) -> int:
        return self._n

    def __bool__(self) -> bool:
        return self._n > 0

    def __iter__(self) -> Iterator[Finding]:
        for f, _ in self.records():
            yield f

    def __repr__(self) -> str:
        return f"FindingStore({self._n} findings, {len(self._chunks)} chunks spooled)"

    def records(self) -> Iterator[Record]:
        """(finding, field text) in the order added."""
        for i in range(len(self._chunks)):
            yield from self._chunk(i)
        yield from list(self._mem)

    def sorted_records(self, key: Callable[[Finding], Any]) -> Iterator[Record]:
        """(finding, field text) ordered by `key(finding)`, stable. In memory when nothing was spooled; otherwise
        an external merge: every chunk is sorted and written as a run of small blocks to a second temporary
        file, and the runs are merged lazily (memory: one block per run)."""
        def k(rec: Record) -> Any:
            return key(rec[0])

        if not self._chunks:
            yield from sorted(self._mem, key=k)
            return
        runs = _temporary(self._dir)
        try:
            starts: list[list[tuple[int, int]]] = []
            for i in range(len(self._chunks) + 1):
                part = sorted(self._chunk(i) if i < len(self._chunks) else self._mem, key=k)
                blocks = []
                runs.seek(0, io.SEEK_END)
                for b in range(0, len(part), _RUN_BLOCK):
                    blob = _pack(part[b:b + _RUN_BLOCK])
                    blocks.append((runs.tell(), len(blob)))
                    runs.write(blob)
                starts.append(blocks)
                del part
            yield from heapq.merge(*(_read_run(runs, blocks) for blocks in starts), key=k)
        finally:
            runs.close()

    def _chunk(self, i: int) -> list[Record]:
        offset, length = self._chunks[i]
        assert self._spool is not None
        self._spool.seek(offset)
        return _unpack(self._spool.read(length))

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None
        self._chunks, self._mem, self._n = [], [], 0

    def __del__(self) -> None:  # the spool is unlinked already; this only gives the space back sooner
        try:
            if self._spool is not None:
                self._spool.close()
        except Exception:
            pass

    def __getstate__(self):
        raise TypeError("a FindingStore is not pickled (its spool belongs to this process)")


def _read_run(fh: IO[bytes], blocks: list[tuple[int, int]]) -> Iterator[Record]:
    for offset, length in blocks:
        fh.seek(offset)
        part = _unpack(fh.read(length))
        yield from part


def _pack(records: list[Record]) -> bytes:
    return zlib.compress(pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpack(blob: bytes) -> list[Record]:
    # Only ever reads what this process wrote a moment ago to a file no other process can open.
    return pickle.loads(zlib.decompress(blob))


def _temporary(directory: str | None) -> IO[bytes]:
    """An anonymous temporary file: mode 0600, unlinked at once on POSIX (O_TMPFILE where there is one)."""
    return tempfile.TemporaryFile(prefix="phiscan-spool-", dir=directory)


def _env_limit() -> int:
    raw = os.environ.get("PHISCAN_MEMORY_FINDINGS", "")
    try:
        return int(raw) if raw.strip() else DEFAULT_LIMIT
    except ValueError:
        return DEFAULT_LIMIT
