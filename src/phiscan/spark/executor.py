"""What runs on the executors: rows or input files -> posts -> phiscan's engine -> rows of findings and errors.

Plain Python over pyarrow record batches (the functions `mapInArrow` calls); no detection logic of its own:
posts are made by phiscan's loaders (`sources.load_inputs`) or by the JSONL contract's record reader
(`sources.generic.post_from_record`), and scanned by `phiscan.Scanner` (see settings.py for how one scanner per
executor process is kept).

Never a failed task for bad input, and never post text in a log: a record that is not a post, a file that cannot
be read, and a post whose scan raises become error rows (source, place, a message naming no value); an
exception's message is never kept, only its class name. Under `redact` the evidence, and the message and
explanation where they repeat it, are masked here, before a row leaves the executor.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Iterator

from ..model import Finding, Post, ReadError
from .settings import JobSettings

# The finding rows' columns: the JSON report's finding keys (`Finding.to_dict`), `kind` ("finding", "error" or
# "warning"), `place` (where in the source: "line 12", "record 3", "row 5"), `created_at` (the post's time).
# Error rows fill kind, source, place, message (and post_id when the record had one).
COLUMNS: list[tuple[str, str]] = [
    ("kind", "string"), ("rule", "string"), ("rule_name", "string"), ("severity", "string"),
    ("confidence", "double"), ("post_id", "string"), ("source", "string"), ("place", "string"),
    ("field", "string"), ("start", "int"), ("end", "int"), ("line", "int"), ("column", "int"),
    ("end_line", "int"), ("end_column", "int"), ("evidence", "string"), ("entity", "string"),
    ("policies", "array<string>"), ("message", "string"), ("explanation", "string"), ("disclosed", "string"),
    ("signals", "array<string>"), ("platform", "string"), ("account", "string"), ("url", "string"),
    ("status", "string"), ("justification", "string"), ("fingerprint", "string"), ("created_at", "string"),
]
# Columns of the job's own bookkeeping rows (kind "stats": one per task), dropped from what `scan` returns.
STATS_COLUMNS: list[tuple[str, str]] = [("posts", "long"), ("posts_with_findings", "long"), ("inventory", "string")]
ALL_COLUMNS = COLUMNS + STATS_COLUMNS
NAMES = [n for n, _ in ALL_COLUMNS]
CHUNK = 256  # posts scanned between yields: bounded memory, and a scan error loses at most this retry


def ddl(columns: list[tuple[str, str]]) -> str:
    return ", ".join(f"`{n}` {t}" for n, t in columns)


def arrow_schema():
    import pyarrow as pa

    kinds = {"string": pa.string(), "double": pa.float64(), "int": pa.int32(), "long": pa.int64(),
             "array<string>": pa.list_(pa.string())}
    return pa.schema([(n, kinds[t]) for n, t in ALL_COLUMNS])


def place_of(post: Post) -> str:
    """Where a post is in its source, as read errors say it: its line, else its record."""
    if post.line:
        return f"line {post.line}"
    return f"record {post.index}" if post.index is not None else ""


def finding_row(f: Finding, place: str, redact: bool) -> dict[str, Any]:
    row = f.to_dict(redact=redact)
    row["kind"] = "finding"
    row["place"] = place
    row["created_at"] = f.created_at
    return row


def error_row(e: ReadError, post_id: str | None = None) -> dict[str, Any]:
    return {"kind": "warning" if e.is_warning else "error", "source": e.source, "place": e.where,
            "message": e.message, "post_id": post_id}


def stats_row(posts: int, with_findings: int, inventory: list | None = None, unit: str | None = None,
              container: str | None = None) -> dict:
    inv = None
    if inventory is not None:
        inv = json.dumps({"unit": unit, "container": container, "records": [r.as_dict() for r in inventory]})
    return {"kind": "stats", "posts": posts, "posts_with_findings": with_findings, "inventory": inv}


class _Rows:
    """Rows of one task, handed out as Arrow record batches of a bounded size."""

    def __init__(self, size: int = 4096) -> None:
        self.rows: list[dict] = []
        self.size = size

    def add(self, row: dict) -> None:
        self.rows.append(row)

    def full(self) -> bool:
        return len(self.rows) >= self.size

    def batch(self):
        import pyarrow as pa

        schema = arrow_schema()
        out = pa.RecordBatch.from_pylist([{n: r.get(n) for n in NAMES} for r in self.rows], schema=schema)
        self.rows = []
        return out


def scan_posts(scanner, posts: Iterable[Post], rows: _Rows, redact: bool, place=place_of,
               accepted: dict[str, str] | None = None) -> Iterator[Any]:
    """Scan posts in chunks, adding finding rows (and an error row for a post whose scan raised); yields record
    batches as they fill up. Returns (via StopIteration.value) (posts scanned, posts with findings). `place`
    says where a post is in its source; `accepted` maps the baseline's fingerprints to their reasons: an open
    finding with one of them is "baselined", as `phiscan scan --baseline` sets it apart."""
    from dataclasses import replace

    scanned = with_findings = 0
    chunk: list[Post] = []

    def run(chunk: list[Post]):
        nonlocal scanned, with_findings
        try:
            results = list(scanner.scan_posts(chunk))
        except Exception:  # noqa: BLE001 - one bad post must not lose the others: scan them one by one
            results = []
            for p in chunk:
                try:
                    results.extend(scanner.scan_posts([p]))
                except Exception as exc:  # noqa: BLE001 - only the class name: a message may quote the text
                    rows.add(error_row(ReadError(p.source, place(p), f"scan failed: {exc.__class__.__name__}; "
                                                 "post not scanned"), p.id))
        for post, found in results:
            scanned += 1
            if accepted:
                found = [replace(f, status="baselined", justification=accepted[f.fingerprint])
                         if f.status == "open" and f.fingerprint in accepted else f for f in found]
            if any(f.status not in ("suppressed", "baselined") for f in found):
                with_findings += 1
            where = place(post)
            for f in found:
                rows.add(finding_row(f, where, redact))

    for post in posts:
        chunk.append(post)
        if len(chunk) >= CHUNK:
            run(chunk)
            chunk = []
            if rows.full():
                yield rows.batch()
    if chunk:
        run(chunk)
    return scanned, with_findings


# -- rows of a DataFrame ------------------------------------------------------------------------------------

def scan_record_batches(batches: Iterable[Any], settings: JobSettings, redact: bool, default_source: str,
                        max_text_chars: int | None = None) -> Iterator[Any]:
    """mapInArrow body for `phiscan.spark.scan`: each row is a record of the JSONL contract (the driver renamed
    the columns: text, id, created_at, platform, account, ...), plus `__source` and `__row`."""
    from ..sources.base import cap_post
    from ..sources.generic import post_from_record

    scanner = settings.scanner()
    limit = max_text_chars or scanner.config.max_text_chars
    rows = _Rows()
    totals = [0, 0]

    def posts() -> Iterator[Post]:
        for b in batches:
            for rec in b.to_pylist():
                source = rec.pop("__source", None) or default_source
                row = rec.pop("__row", None)
                where = f"row {row}" if row is not None else ""
                rec = {k: v for k, v in rec.items() if v is not None}
                pid = rec.get("id")
                try:
                    post = post_from_record(rec, source, int(row) if row is not None else 0)
                except (ValueError, TypeError, AttributeError, KeyError, OverflowError, OSError) as exc:
                    from ..sources.generic import RecordError

                    msg = str(exc) if isinstance(exc, RecordError) else f"invalid record ({exc.__class__.__name__})"
                    rows.add(error_row(ReadError(source, where, f"{msg}; row skipped"),
                                       str(pid) if pid not in (None, "") else None))
                    continue
                post, cut = cap_post(post, limit)
                for e in cut:
                    rows.add(error_row(ReadError(e.source, where, e.message), post.id))
                yield post

    it = scan_posts(scanner, posts(), rows, redact, place=lambda p: f"row {p.index}", accepted=settings.accepted)
    while True:
        try:
            yield next(it)
        except StopIteration as stop:
            totals = list(stop.value)
            break
    rows.add(stats_row(*totals))
    yield rows.batch()


# -- input files ----------------------------------------------------------------------------------------------

def scan_input_batches(batches: Iterable[Any], settings: JobSettings, redact: bool, load: dict) -> Iterator[Any]:
    """mapInArrow body for `spark-scan`: each row names one unit of work (`path`, `container`, `apart`: a folder
    whose archives are units of their own), loaded here with phiscan's loaders and scanned."""
    scanner = settings.scanner()
    for b in batches:
        for unit in b.to_pylist():
            yield from _scan_unit(scanner, unit, redact, load, settings.accepted)


def _scan_unit(scanner, unit: dict, redact: bool, load: dict, accepted: dict[str, str] | None) -> Iterator[Any]:
    from ..sources import LoadOptions

    options = LoadOptions(text_column=load.get("text_column"), encoding=load.get("encoding"),
                          max_text_chars=scanner.config.max_text_chars, images=load.get("images", "metadata"))
    inventory: list = []
    rows = _Rows()
    path = unit["path"]

    def posts() -> Iterator[Post]:
        try:
            for item in _load(path, load.get("input_format"), options, inventory, bool(unit.get("apart"))):
                if isinstance(item, ReadError):
                    rows.add(error_row(item))
                else:
                    yield item
        except Exception as exc:  # noqa: BLE001 - loaders never raise for bad input; a bug must not fail the job
            rows.add(error_row(ReadError(path, "", f"loader failed: {exc.__class__.__name__}; the rest of this input not read")))

    it = scan_posts(scanner, posts(), rows, redact, accepted=accepted)
    while True:
        try:
            yield next(it)
        except StopIteration as stop:
            scanned, with_findings = stop.value
            break
    rows.add(stats_row(scanned, with_findings, inventory, path, unit.get("container")))
    yield rows.batch()


def _load(path: str, input_format: str | None, options, inventory: list, apart: bool) -> Iterator[Any]:
    """`load_inputs([path])`; for a folder whose archives are units of their own (`apart`), the folder without
    them: the CLI reads an archive in a folder as if it were named alone, so this is the same reading, split."""
    from .. import sources

    if not apart:
        yield from sources.load_inputs([path], input_format, options, inventory=inventory)
        return
    tally = sources._Tally()
    try:
        tree = sources.open_tree(path)
    except sources.InputError as exc:
        err = exc.to_error()
        tally.rec(path).kind = "folder"
        tally.error(err, path)
        inventory.extend(tally.finish())
        yield err
        return
    tree.entries = [e for e in tree.entries if e.suffix not in sources.ARCHIVE_SUFFIXES]
    tally.rec(tree.display).kind = "folder"
    yield from sources._load_tree(tree, input_format, options, tally)
    inventory.extend(tally.finish())
