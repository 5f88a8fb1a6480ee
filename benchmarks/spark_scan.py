#!/usr/bin/env python3
"""Throughput of `phiscan spark-scan` in local[1] and local[2] against `phiscan scan --jobs 2` on the same generated
posts, and the start-up cost of the Spark session. Figures are printed, never asserted.

    python benchmarks/spark_scan.py                     # 100,000 posts in 16 JSONL files
    python benchmarks/spark_scan.py --posts 20000 --files 8 --masters 'local[1]' 'local[2]'

Each configuration runs in a subprocess of its own (a cold start, as a user's run is):
1. `phiscan scan FILES --format json --output REPORT --no-cache --jobs 2` (wall time: interpreter start, model
   load in both workers, the scan, the report);
2. for each master: a child of this script that starts the session (timed: the JVM, the SparkContext), then runs
   the job `phiscan spark-scan` runs (`phiscan.spark.job.run`: every file a task, findings written as Parquet,
   summary.json), timed from the job's start to its end: that includes the Python workers' start and their
   model load, once per worker process.
posts/s = posts / wall time of the scan (the session start-up is printed apart: a cluster pays it once per job).
The posts come from benchmarks/synthetic_posts.py (tweets, Facebook posts, comments; ~10 % exact copies).
A temporary XDG_CACHE_HOME keeps the user's scan cache out of it.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def write_inputs(folder: Path, posts: int, files: int, seed: int = 16) -> list[str]:
    from synthetic_posts import iter_generate

    paths = [folder / f"posts-{i:02d}.jsonl" for i in range(files)]
    handles = [p.open("w", encoding="utf-8") for p in paths]
    try:
        for i, rec in enumerate(iter_generate(posts, seed)):
            handles[i * files // posts].write(json.dumps(rec, ensure_ascii=False) + "\n")  # contiguous slices
    finally:
        for h in handles:
            h.close()
    return [str(p) for p in paths]


def child(master: str, out: str, inputs: list[str]) -> None:
    """Run in a subprocess: start the session, run the job, print the timings as JSON."""
    t0 = time.perf_counter()
    from phiscan.config import Config
    from phiscan.spark import session
    from phiscan.spark.job import run

    spark = session(master)
    spark.range(1).count()  # the JVM and the SparkContext are up
    t1 = time.perf_counter()
    code = run(Config(cache=False), inputs, out, master=master, echo=lambda line: None, quiet=True)
    t2 = time.perf_counter()
    summary = json.loads((Path(out) / "summary.json").read_text("utf-8"))["summary"]
    spark.stop()
    print(json.dumps({"startup": t1 - t0, "job": t2 - t1, "posts": summary["posts_scanned"],
                      "findings": summary["findings"], "exit": code}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--files", type=int, default=16, help="JSONL files the posts are split into (one task each)")
    ap.add_argument("--masters", nargs="+", default=["local[1]", "local[2]"])
    ap.add_argument("--skip-cli", action="store_true")
    ap.add_argument("--child", nargs=3, metavar=("MASTER", "OUT", "INPUTS_JSON"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child[0], a.child[1], json.loads(a.child[2]))
        return
    with tempfile.TemporaryDirectory(prefix="phiscan-spark-bench-") as tmp:
        folder = Path(tmp)
        env = dict(os.environ, XDG_CACHE_HOME=str(folder / "cache"))
        inputs = write_inputs(folder, a.posts, a.files)
        print(f"{a.posts:,} generated posts in {a.files} JSONL files; {os.cpu_count()} cores")
        rows = []
        if not a.skip_cli:
            t = time.perf_counter()
            r = subprocess.run(["phiscan", "scan", *inputs, "--format", "json", "--output", str(folder / "cli.json"),
                                "--no-cache", "--jobs", "2", "-q"], env=env, capture_output=True, text=True)
            wall = time.perf_counter() - t
            if r.returncode not in (0, 1):
                sys.exit(f"phiscan scan failed (exit {r.returncode}): {r.stderr[-2000:]}")
            found = json.loads((folder / "cli.json").read_text("utf-8"))["summary"]["findings"]
            rows.append(("phiscan scan --jobs 2", None, wall, a.posts / wall, found))
        for m in a.masters:
            out = folder / f"out-{m.replace('[', '').replace(']', '')}"
            r = subprocess.run([sys.executable, __file__, "--child", m, str(out), json.dumps(inputs)], env=env,
                               capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"spark-scan {m} failed (exit {r.returncode}): {r.stderr[-2000:]}")
            d = json.loads(r.stdout.strip().splitlines()[-1])
            rows.append((f"spark-scan --master {m}", d["startup"], d["job"], d["posts"] / d["job"], d["findings"]))
        print(f"{'run':32} {'session start s':>15} {'scan s':>9} {'posts/s':>9} {'findings':>9}")
        for name, start, wall, rate, found in rows:
            s = f"{start:15.1f}" if start is not None else f"{'-':>15}"
            print(f"{name:32} {s} {wall:9.1f} {rate:9.1f} {found:9,}")
        spark = {name: rate for name, _, _, rate, _ in rows if name.startswith("spark")}
        one, two = spark.get("spark-scan --master local[1]"), spark.get("spark-scan --master local[2]")
        if one and two:
            print(f"local[1] -> local[2]: x{two / one:.2f} posts/s")
        cli = next((rate for name, _, _, rate, _ in rows if name.startswith("phiscan scan")), None)
        if cli and two:
            print(f"spark-scan local[2] / phiscan scan --jobs 2: x{two / cli:.2f}")


if __name__ == "__main__":
    main()
