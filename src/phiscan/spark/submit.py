"""`spark-submit` entry point: `spark-submit [spark options] .../phiscan/spark/submit.py INPUT... --output DIR [...]`
runs `phiscan spark-scan` with the master, executors and settings spark-submit gives (see docs/spark.md).

    spark-submit --master yarn --archives phiscan-env.tar.gz#env \\
      --conf spark.pyspark.python=./env/bin/python \\
      "$(python -c 'import phiscan.spark.submit as m; print(m.__file__)')" \\
      /data/exports/*.zip --output hdfs:///phiscan/2025-03 --redact
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from phiscan.cli import main as cli  # absolute: spark-submit runs this file as a script

    try:
        cli(["spark-scan", *(sys.argv[1:] if argv is None else argv)], standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
