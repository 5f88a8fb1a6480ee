"""The `phiscan spark-scan` command (registered in cli.py); the job itself is in job.py."""
from __future__ import annotations

import click


def make_command(scan_options, _config, _overrides) -> click.Command:
    """The `spark-scan` command, built from cli.py's shared scan options and settings helpers (passed in by cli.py,
    so this module imports no cli)."""
    @click.command("spark-scan")
    @click.argument("inputs", metavar="INPUT...", nargs=-1, required=True)
    @click.option("--output", "-o", required=True, metavar="DIR",
                  help="Folder (or a Spark URI: s3://, hdfs://, dbfs:/) for findings/, errors/ and summary.json; must be new or empty.")
    @click.option("--format", "fmt", type=click.Choice(["parquet", "jsonl"]), default="parquet", show_default=True,
                  help="How findings/ and errors/ are written.")
    @click.option("--partition-by", "partition_by", multiple=True, metavar="COLUMN",
                  help="Partition findings/ by a column (repeatable): rule, severity, status, platform, account, entity, field, source.")
    @click.option("--master", metavar="URL", help="Spark master (default: the running session's, else local[N], N = this machine's cores).")
    @click.option("--input-format", help="Force the input format (see `phiscan formats`; `parquet` for Parquet tables).")
    @click.option("--text-column", help="CSV column that holds the post text.")
    @click.option("--encoding", help="Encoding of text inputs when it is not UTF-8.")
    @click.option("--images", type=click.Choice(["off", "metadata"]), default="metadata", show_default=True,
                  help="What is read of images beside posts: nothing, or their metadata.")
    @click.option("--baseline", type=click.Path(dir_okay=False),
                  help="Baseline file of accepted findings (see `phiscan baseline`): they are written with status baselined and never fail.")
    @click.option("--quiet", "-q", is_flag=True, help="No closing line.")
    @scan_options
    @click.pass_context
    def spark_scan(ctx, inputs, output, fmt, partition_by, master, input_format, text_column, encoding, images, baseline, quiet,
                   **opts):
        """Scan files, exports and Parquet tables as an Apache Spark job (needs: pip install 'phiscan[spark]').

        Each input file or archive is one task, loaded and scanned on an executor; a Parquet table is split as Spark
        splits it. Writes DIR/findings (Parquet or JSONL), DIR/errors and DIR/summary.json. Evidence is shown
        unless --redact, which masks it on the executors. Exit codes as `phiscan scan`: 0, 1 findings at or above
        --fail-on, 2 read errors or bad settings. See docs/spark.md for clusters and spark-submit."""
        from . import require_pyspark

        require_pyspark()
        if input_format and input_format != "parquet":
            from ..sources import get_loader

            try:
                get_loader(input_format)
            except KeyError:
                raise click.UsageError(f"unknown input format {input_format!r}; see `phiscan formats`") from None
        cfg = _config(ctx, **_overrides(**opts), baseline=baseline)
        from .job import run

        code = run(cfg, list(inputs), output, fmt=fmt, partition_by=partition_by, master=master, redact=bool(cfg.redact),
                   input_format=input_format, text_column=text_column, encoding=encoding, images=images,
                   echo=lambda line: click.echo(line, err=True), quiet=quiet)
        ctx.exit(code)

    return spark_scan
