"""`phiscan spark-scan`: files and exports scanned as a Spark job, written as Parquet or JSONL.

Units of work: each INPUT file or archive is one task, loaded on an executor with phiscan's loaders (so a
post's source, line and id are what `phiscan scan` says). A folder is one task, except its archives, which are
tasks of their own (the command line reads an archive in a folder as if it were named alone). A Parquet file,
or a folder of Parquet files (a table), is read by Spark itself, split across tasks as Spark splits it, and
scanned as `phiscan.spark.scan` scans a DataFrame: its columns follow the JSONL contract (text, id,
created_at, platform, account, ...).

Output in DIR: `findings/` (one row per finding, partitioned by --partition-by), `errors/` (inputs and records
that could not be read: source, place, message), `summary.json` (the JSON report's `summary`, with the
inventory of every input, plus `errors` and `warnings`, as `phiscan scan --format json` gives them).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Sequence

from ..config import Config
from ..errors import ConfigError
from ..model import InputRecord, Severity, inventory_counts
from . import FINDING_COLUMNS, job_settings, session
from .executor import ALL_COLUMNS, ddl

PARTITION_COLUMNS = ("rule", "severity", "status", "platform", "account", "entity", "field", "source")
MAX_LISTED_ERRORS = 10_000  # in summary.json; every one is in errors/


@dataclass
class Plan:
    units: list[dict] = field(default_factory=list)  # path, container, apart, size, input
    parquet: list[str] = field(default_factory=list)


def _is_parquet(path: str) -> bool:
    p = Path(path)
    if p.suffix.lower() == ".parquet":
        return True
    if p.is_dir():
        files = [f for f in p.rglob("*") if f.is_file() and not f.name.startswith((".", "_"))]
        return bool(files) and all(f.suffix.lower() == ".parquet" for f in files)
    return False


def plan(inputs: Sequence[str], input_format: str | None = None) -> Plan:
    """What each input becomes: units of work for the loaders, or Parquet for Spark's reader."""
    from ..sources import ARCHIVE_SUFFIXES, InputError, open_tree

    out = Plan()
    for i, path in enumerate(inputs):
        if path == "-":
            continue
        if input_format in (None, "parquet") and (_is_parquet(path) or input_format == "parquet"):
            out.parquet.append(path)
            continue
        size = _size(path)
        if not input_format and os.path.isdir(path):
            try:
                tree = open_tree(path)
            except InputError:
                tree = None
            archives = [e for e in tree.entries if e.suffix in ARCHIVE_SUFFIXES] if tree is not None else []
            if archives:
                out.units.append({"path": path, "container": None, "apart": True, "size": size, "input": i})
                out.units.extend({"path": e.display, "container": tree.display, "apart": False, "size": e.size,
                                  "input": i} for e in archives)
                continue
        out.units.append({"path": path, "container": None, "apart": False, "size": size, "input": i})
    return out


def _size(path: str) -> int:
    try:
        if os.path.isdir(path):
            return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
        return os.path.getsize(path)
    except OSError:
        return 0


def _scan_inputs(batches, settings, redact, load):
    from .executor import scan_input_batches

    return scan_input_batches(batches, settings, redact, load)


def results(spark, cfg: Config, inputs: Sequence[str], *, redact: bool = False, input_format: str | None = None,
            text_column: str | None = None, encoding: str | None = None, images: str = "metadata"):
    """The job's rows (findings, errors, warnings and one bookkeeping row per task, kind "stats") and its plan."""
    from pyspark.sql import functions as F

    packed = job_settings(cfg)
    work = plan(inputs, input_format)
    frames = []
    if work.units:
        units = sorted(work.units, key=lambda u: -u["size"])  # the biggest first: the last task is a small one
        schema = "path string, container string, apart boolean"
        rows = [(u["path"], u["container"], u["apart"]) for u in units]
        try:
            rdd = spark.sparkContext.parallelize(rows, len(rows))  # one unit, one task
            udf = spark.createDataFrame(rdd, schema)
        except Exception:  # Spark Connect has no SparkContext: let Spark spread the rows
            udf = spark.createDataFrame(rows, schema).repartition(len(rows))
        load = {"input_format": None if input_format == "parquet" else input_format, "text_column": text_column,
                "encoding": encoding, "images": images}
        frames.append(udf.mapInArrow(partial(_scan_inputs, settings=packed, redact=redact, load=load),
                                     ddl(ALL_COLUMNS)))
    if work.parquet:
        from . import _frame

        df = spark.read.parquet(*work.parquet).withColumn("__phiscan_file", F.input_file_name())
        frames.append(_frame(df, packed, redact=redact, source="__phiscan_file"))
    if not frames:
        raise ConfigError("nothing to scan")
    out = frames[0]
    for f in frames[1:]:
        out = out.unionByName(f)
    return out, work


def _is_local(path: str) -> bool:
    return "://" not in path or path.startswith("file://")


def run(cfg: Config, inputs: Sequence[str], output: str, *, fmt: str = "parquet", partition_by: Sequence[str] = (),
        master: str | None = None, redact: bool = False, input_format: str | None = None,
        text_column: str | None = None, encoding: str | None = None, images: str = "metadata",
        echo: Callable[[str], None] = print, quiet: bool = False) -> int:
    """Run the job; returns the exit code `phiscan scan` would give (2 read errors, 1 failing findings, 0)."""
    from pyspark import StorageLevel

    for c in partition_by:
        if c not in PARTITION_COLUMNS:
            raise ConfigError(f"--partition-by {c}: not a column to partition by ({', '.join(PARTITION_COLUMNS)})")
    local = _is_local(output)
    if local:
        target = Path(output.removeprefix("file://"))
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise ConfigError(f"{output}: the output folder exists and is not empty; give a new one")
    spark = session(master)
    rows, work = results(spark, cfg, inputs, redact=redact, input_format=input_format, text_column=text_column,
                         encoding=encoding, images=images)
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK)  # scanned once: the writes and the summary read this
    try:
        findings = rows.where("kind = 'finding'").select(*FINDING_COLUMNS)
        writer = findings.write.mode("errorifexists")
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        base = output.rstrip("/")
        _write(writer, fmt, f"{base}/findings")
        problems = rows.where("kind IN ('error', 'warning')").select("kind", "source", "place", "message", "post_id")
        _write(problems.coalesce(1).write.mode("errorifexists"), fmt, f"{base}/errors")
        doc = summary_document(rows, work, cfg.fail_on, inputs, cfg.baseline or None)
    finally:
        rows.unpersist()
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if local:
        target = Path(output.removeprefix("file://")) / "summary.json"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        spark.createDataFrame([(text,)], "value string").coalesce(1).write.text(f"{output.rstrip('/')}/summary")
    s = doc["summary"]
    for e in doc["errors"]:
        echo(f"phiscan: cannot read {e['source']}" + (f" ({e['where']})" if e["where"] else "") + f": {e['message']}")
    for e in doc["warnings"]:
        echo(f"phiscan: warning: {e['source']}" + (f" ({e['where']})" if e["where"] else "") + f": {e['message']}")
    if not quiet:
        from ..progress import closing_line

        echo(closing_line(s["posts_scanned"], s["findings"], s["failing"], cfg.fail_on, output))
    if s["errors"]:
        return 2
    return 1 if s["failing"] else 0


def _write(writer, fmt: str, path: str) -> None:
    if fmt == "parquet":
        writer.parquet(path)
    else:
        writer.json(path)


def summary_document(rows, work: Plan, fail_on: str, inputs: Sequence[str], baseline: str | None = None) -> dict:
    """The JSON report's `summary` (same keys, same meaning), its `errors` and `warnings`, from the job's rows."""
    from .. import __version__

    threshold = Severity.parse(fail_on)
    counts = rows.where("kind = 'finding'").groupBy("rule", "severity", "status").count().collect()
    # everything else is small (errors, warnings, one bookkeeping row per task): one pass, sorted here
    other = rows.where("kind != 'finding'").select("kind", "source", "place", "message", "posts",
                                                   "posts_with_findings", "inventory").collect()
    stats = [r for r in other if r["kind"] == "stats"]
    problems = sorted((r for r in other if r["kind"] in ("error", "warning")),
                      key=lambda r: (r["source"] or "", r["place"] or ""))
    n_problems = {k: sum(1 for r in problems if r["kind"] == k) for k in ("error", "warning")}
    sev = {"high": 0, "medium": 0, "low": 0}
    by_rule: dict[str, int] = {}
    status: dict[str, int] = {"open": 0, "authorized": 0, "suppressed": 0, "baselined": 0}
    failing = findings = 0
    for r in counts:
        status[r["status"]] = status.get(r["status"], 0) + r["count"]
        if r["status"] in ("suppressed", "baselined"):
            continue  # the report lists these apart, and counts them only in by_status
        findings += r["count"]
        sev[r["severity"]] = sev.get(r["severity"], 0) + r["count"]
        by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + r["count"]
        if r["status"] == "open" and Severity.parse(r["severity"]) >= threshold:
            failing += r["count"]
    inventory = merge_inventory([json.loads(r["inventory"]) for r in stats if r["inventory"]], work, inputs)
    errors = [{"source": r["source"], "where": r["place"] or "", "message": r["message"]} for r in problems if r["kind"] == "error"]
    warnings = [{"source": r["source"], "where": r["place"] or "", "message": r["message"]} for r in problems if r["kind"] == "warning"]
    summary = {
        "posts_scanned": sum(r["posts"] or 0 for r in stats),
        "posts_with_findings": sum(r["posts_with_findings"] or 0 for r in stats),
        "findings": findings,
        "by_severity": sev,
        "by_rule": dict(sorted(by_rule.items())),
        "by_status": status,
        "suppressed": status["suppressed"],
        "baselined": status["baselined"],
        "baseline": baseline,
        "errors": n_problems.get("error", 0),
        "warnings": n_problems.get("warning", 0),
        "inputs": inventory_counts(inventory),
        "posts_truncated": sum(len(r.truncated) for r in inventory),
        "fail_on": fail_on,
        "failing": failing,
        "inventory": [r.as_dict() for r in inventory],
    }
    return {"version": "1.0", "tool": {"name": "phiscan", "version": __version__}, "summary": summary,
            "errors": errors[:MAX_LISTED_ERRORS], "warnings": warnings[:MAX_LISTED_ERRORS]}


def merge_inventory(parts: list[dict], work: Plan, inputs: Sequence[str]) -> list[InputRecord]:
    """The inventory in the command line's order (input by input, each sorted by source), the archives of a
    folder counted in the folder's posts as the command line counts them. Parquet tables have no inventory
    rows of their own (Spark reads them): one record each, its posts counted."""
    by_unit = {p["unit"]: p for p in parts}
    records: dict[int, list[InputRecord]] = {}
    for u in work.units:
        part = by_unit.get(u["path"])
        if part is None:
            continue
        recs = [InputRecord(**{**r, "truncated": list(r["truncated"])}) for r in part["records"]]
        records.setdefault(u["input"], []).extend(recs)
    for i, recs in records.items():
        folders = {r.source: r for r in recs if r.kind == "folder"}
        for u in work.units:
            if u["input"] == i and u["container"] in folders:
                top = next((r for r in recs if r.source == u["path"]), None)
                if top is not None:
                    folders[u["container"]].posts += top.posts
                    folders[u["container"]].fields += top.fields
    out: list[InputRecord] = []
    for i in sorted(records):
        out.extend(sorted(records[i], key=lambda r: r.source))
    return out
