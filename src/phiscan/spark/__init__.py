"""phiscan on Apache Spark: the same findings as the command line, scanned on a cluster's executors.

    from phiscan.spark import scan
    findings = scan(spark.table("social.posts"), text="body", id="post_id", created_at="published_at",
                    platform="network", profile="/dbfs/phiscan/org.yaml", redact=True)
    findings.where("kind = 'finding' AND severity = 'high'").show()

`scan` returns a DataFrame with one row per finding (the JSON report's fields: rule, severity, confidence,
post_id, source, field, start, end, evidence, policies, fingerprint, ...; see `FINDING_COLUMNS`) and one row per
record that could not be scanned (`kind` "error": source, place, message). It is built on `mapInArrow`: each
executor process builds phiscan's scanner once (spaCy, the rules, packs, profile, authorizations) and reuses
it for every task; the settings files are read on the driver and travel with the job (see settings.py).

`phiscan spark-scan` (job.py) does the same for files and exports. PySpark is imported only when one of these
runs: `pip install 'phiscan[spark]'`. Install phiscan and its spaCy model on every executor (docs/spark.md).
"""
from __future__ import annotations

from typing import Any, Sequence

from ..config import Config
from ..errors import ConfigError, PhiscanError
from .executor import COLUMNS, ddl

__all__ = ["scan", "session", "FINDING_COLUMNS", "SparkUnavailable", "RECORD_KEYS"]

FINDING_COLUMNS = [n for n, _ in COLUMNS]
# The JSONL contract's keys a DataFrame column can be mapped to (see sources.generic.post_from_record).
RECORD_KEYS = ("text", "id", "created_at", "platform", "account", "account_type", "url", "author", "in_reply_to",
               "reply_to_author", "media", "alt", "alt_text", "caption", "content_warning", "title")
INSTALL_HINT = "pip install 'phiscan[spark]' (PySpark; Spark also needs Java 17 or later: `java -version`)"


class SparkUnavailable(PhiscanError):
    """PySpark (or Java) is missing."""


def require_pyspark():
    try:
        import pyspark  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise SparkUnavailable(f"phiscan's Spark support needs PySpark and PyArrow ({exc.name} is missing): "
                               f"{INSTALL_HINT}") from None
    import pyspark

    return pyspark


def session(master: str | None = None, app_name: str = "phiscan", conf: dict[str, str] | None = None):
    """A SparkSession for phiscan: the running one when there is one (spark-submit, a notebook), else a new one
    on `master` (default `local[N]`, N the machine's cores) that stays on this machine: the UI off, the driver
    bound to 127.0.0.1 (no network), Spark's own logs at ERROR and no progress bar."""
    require_pyspark()
    import os
    import warnings
    from pathlib import Path

    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    if master is None and os.environ.get("PYSPARK_GATEWAY_PORT"):
        # started by spark-submit (the JVM is up, its master and settings given): take them as they are
        spark = SparkSession.builder.appName(app_name).getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        return spark
    local = master is None or master.startswith("local")
    master = master or f"local[{os.cpu_count() or 1}]"
    log4j = Path(__file__).with_name("log4j2.properties")
    if local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no "hostname resolves to a loopback" lookup
    b = (SparkSession.builder.master(master).appName(app_name)
         .config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false")
         .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log4j}")
         .config("spark.sql.execution.arrow.maxRecordsPerBatch", "2048"))
    if local:
        b = (b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
             # the summary's one group-by: Spark's 200 shuffle partitions are 200 tasks for a handful of rows
             .config("spark.sql.shuffle.partitions", str(2 * (os.cpu_count() or 1))))
    for k, v in (conf or {}).items():
        b = b.config(k, v)
    warnings.filterwarnings("ignore", message=".*does not yet fully support pandas.*")
    try:
        spark = b.getOrCreate()
    except Exception as exc:  # no Java, a master that cannot be reached
        if "JAVA_GATEWAY_EXITED" in str(exc) or "Java gateway" in str(exc):
            raise SparkUnavailable(f"Spark could not start (is Java 17+ installed? `java -version`): "
                                   f"{exc.__class__.__name__}") from None
        raise
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def make_config(config: Config | None = None, settings: str | None = None, **overrides: Any) -> Config:
    """The scan's settings: `config` as it is; else `settings` (a phiscan.yaml, layered over the user's and the
    project's settings as the command line does) with `overrides`; else the packaged defaults with `overrides`."""
    given = {k: v for k, v in overrides.items() if v is not None and v != [] and v != ()}
    if config is not None:
        if given or settings:
            raise TypeError("give either config or settings/overrides, not both")
        return config
    if settings is not None:
        return Config.load(settings, **given)
    try:
        return Config(**{k: list(v) if isinstance(v, tuple) else v for k, v in given.items()})
    except TypeError as exc:
        raise TypeError(f"unknown setting: {exc}") from None


def job_settings(config: Config):
    """Check the settings by building the scanner on the driver (a bad rule or profile fails here, before a
    task runs), then pack them for the executors."""
    from ..api import Scanner
    from .settings import JobSettings

    Scanner(config)
    return JobSettings.of(config)


def scan(df, text: str = "text", id: str | None = "id", created_at: str | None = None, platform: str | None = None,
         account: str | None = None, reply_to: str | None = None, source: str | None = None,
         columns: dict[str, str] | None = None, *, config: Config | None = None, settings: str | None = None,
         profile: str | None = None, rules: Sequence[str] = (), packs: Sequence[str] = (),
         pack_files: Sequence[str] = (), authorizations: str | None = None, min_severity: str | None = None,
         model: str | None = None, redact: bool = False, errors: bool = True):
    """Scan a DataFrame of posts; returns a DataFrame of findings (and error rows), `FINDING_COLUMNS`.

    Columns: `text` (required) and `id` name the DataFrame's columns holding the post text and its id;
    `created_at` (a timestamp, a date or an ISO 8601 / epoch column: resolves "yesterday"), `platform`,
    `account`, `reply_to` (the handle or name replied to) likewise; `columns` maps further keys of the JSONL
    contract (`RECORD_KEYS`: url, author, in_reply_to, alt_text, caption, title, media, ...) to columns. A key
    left None is read from the column of its own name when the DataFrame has one (a table written from phiscan's
    JSONL contract scans as the file does); "" leaves it out. `source` names a column saying where each row
    came from (default: "<dataframe>" for every row); each finding's `place` is "row N" (Spark's
    monotonically_increasing_id of the row in this scan), its `post_id` the id column (or "source#N").

    Settings: `config` (a phiscan.Config), or `settings` (a phiscan.yaml) and/or the overrides `profile`,
    `rules` (extra rules folders), `packs`, `pack_files`, `authorizations`, `min_severity`, `model`; none: the
    packaged defaults. Their files are read here on the driver and travel with the job. `redact=True` masks the
    evidence (and the message and explanation where they repeat it) on the executors. `errors=False` leaves
    the error rows out.
    """
    require_pyspark()
    cfg = make_config(config, settings, profile=profile, rules_dirs=list(rules), packs=list(packs),
                      pack_files=list(pack_files), authorizations=authorizations, min_severity=min_severity,
                      model=model)
    mapping = {"text": text, "id": id, "created_at": created_at, "platform": platform, "account": account,
               "reply_to_author": reply_to, **(columns or {})}
    for key in columns or {}:
        if key not in RECORD_KEYS:
            raise ValueError(f"columns: {key!r} is not a key of the JSONL contract ({', '.join(RECORD_KEYS)})")
    out = _frame(df, job_settings(cfg), redact=bool(redact or cfg.redact), source=source, mapping=mapping)
    out = out.where("kind != 'stats'") if errors else out.where("kind = 'finding'")
    return out.select(*FINDING_COLUMNS)


def _frame(df, packed, *, redact: bool, source: str | None, mapping: dict[str, str | None] | None = None):
    """The scan's rows with the bookkeeping rows (kind "stats": posts scanned per task) that `spark-scan` counts."""
    from functools import partial

    from pyspark.sql import functions as F
    from pyspark.sql.types import DateType, TimestampType

    wanted: dict[str, str | None] = {k: None for k in RECORD_KEYS}
    wanted.update(mapping or {})
    present = set(df.columns)
    types = {f.name: f.dataType for f in df.schema.fields}
    text = wanted["text"] or "text"
    if text not in present:
        raise ConfigError(f"text: the DataFrame has no column {text!r} (columns: {', '.join(df.columns)})")
    explicit = {c for c in wanted.values() if c}
    picks = []
    for key, col in wanted.items():
        if col is None:  # the column of the key's own name, unless it was mapped to another key
            col = key if key in present and key not in explicit else None
        if not col or (col == key and key != "text" and col not in present):  # a default name the table lacks
            continue
        if col not in present:
            raise ConfigError(f"{key}: the DataFrame has no column {col!r}")
        c = F.col(f"`{col}`")
        if key == "created_at" and isinstance(types[col], (TimestampType, DateType)):
            c = F.date_format(c, "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX")  # an exact instant, its offset written out
        elif key == "id" and not _is_string(types[col]):
            c = c.cast("string")
        picks.append(c.alias(key))
    if source:
        if source not in present:
            raise ConfigError(f"source: the DataFrame has no column {source!r}")
        picks.append(F.col(f"`{source}`").cast("string").alias("__source"))
    picks.append(F.monotonically_increasing_id().alias("__row"))
    body = partial(_scan_rows, settings=packed, redact=bool(redact), default_source="<dataframe>")
    return df.select(*picks).mapInArrow(body, ddl(_all_columns()))


def _is_string(t) -> bool:
    from pyspark.sql.types import StringType

    return isinstance(t, StringType)


def _all_columns():
    from .executor import ALL_COLUMNS

    return ALL_COLUMNS


def _scan_rows(batches, settings, redact, default_source):
    from .executor import scan_record_batches

    return scan_record_batches(batches, settings, redact, default_source)
