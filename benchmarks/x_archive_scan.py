#!/usr/bin/env python3
"""Generate a synthetic X archive (zip, data/tweets.js in the 2022+ layout) of N tweets and measure a scan of it,
and a scan of all bundled fixtures: posts/s and peak RSS of `phiscan scan` (a subprocess).

    python benchmarks/x_archive_scan.py [--tweets 100000] [--jobs 1] [--cache]

Every scan is a first scan (`--no-cache`) unless `--cache` is given (then each scan uses a cache of its own
in a temporary folder, so a rescan effect is measured only within this run, never against the user's cache).
Peak RSS is that of the whole process tree (phiscan and its worker processes), sampled from /proc
(`memory_long_run.tree_rss_kb`) every `--interval` seconds; a sampled peak can miss a spike shorter than that.
Figures are printed, never asserted. For a multi-GB archive in the full tweet layout see big_export.py.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from memory_long_run import tree_rss_kb  # noqa: E402  (resident memory of a process tree, from /proc)

ROOT = Path(__file__).resolve().parents[1]
FIRST = ["Delphine", "Tobias", "Marisol", "Ignatius", "Wendell", "Priya", "Mateo", "Rosalind", "Kenji", "Beatrix"]
LAST = ["Arceneaux", "Wendell", "Quintero", "Holloway", "Okoro", "Raman", "Lindqvist", "Petrakis", "Tanabe", "Santangelo"]
TEMPLATES = [
    "Flu shot clinic this Saturday 9-1 in the Main Atrium, no appointment needed! #community",
    "Huge congrats to our night shift on 5 North for {n} days without a fall 💙 #nursing",
    "Reminder: visiting hours are 9am-9pm. Parking info at our website. #visitors",
    "my pt {first} was finally extubated this morning, after {n} days on the vent 😭 #ICUnurse",
    "{first} {last} in room {room} was discharged yesterday, the whole unit cheered! #nursesrock",
    "RT @LarkspurNurses: Proud of every one of you on 4 West &amp; the float pool, {n} shifts covered this month",
    "Free CPR class on the {n}th in Conference Room B. Register at our site. #CPR",
    "please keep Mrs. {last} in your prayers, she coded twice before midnight #PrayFor{first}",
    "Our stroke team hit a door-to-needle time of {n} minutes this quarter. Thank you team!",
    "whoever parked in front of the ambulance bay, plate 7K{n}-44, your wife is in active labor 😂",
]


def tweet(i: int, rng: random.Random) -> dict:
    text = rng.choice(TEMPLATES).format(first=rng.choice(FIRST), last=rng.choice(LAST), n=rng.randint(2, 99), room=rng.randint(100, 999))
    return {"tweet": {"id_str": str(1700000000000000000 + i), "full_text": text, "created_at": "Fri Sep 08 14:00:00 +0000 2023",
                      "entities": {"user_mentions": [], "hashtags": [], "urls": []}, "in_reply_to_status_id_str": None}}


def make_archive(path: Path, n: int) -> None:
    rng = random.Random(7)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data/account.js", 'window.YTD.account.part0 = [{"account": {"username": "larkspur_rn", "accountId": "42"}}]')
        with zf.open("data/tweets.js", "w") as fh:
            fh.write(b"window.YTD.tweets.part0 = [")
            for i in range(n):
                if i:
                    fh.write(b",")
                fh.write(json.dumps(tweet(i, rng)).encode())
            fh.write(b"]")


def measure(args: list[str], interval: float = 0.1, env: dict[str, str] | None = None) -> tuple[float, float, dict]:
    """(wall seconds, peak RSS of phiscan and its workers in MB, the report's summary)."""
    peak = 0
    report = Path(args[args.index("--output") + 1])
    report.unlink(missing_ok=True)
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: a chatty run cannot block on a full pipe
        t = time.perf_counter()
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, env=env)
        while proc.poll() is None:
            peak = max(peak, tree_rss_kb(proc.pid))
            time.sleep(interval)
        wall = time.perf_counter() - t
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    if not report.exists():
        sys.exit(f"phiscan exited {proc.returncode} without a report: {stderr[-2000:]}")
    summary = json.loads(report.read_text())["summary"]
    if proc.returncode not in (0, 1):  # the bundled fixtures include deliberately imperfect CSV rows
        print(f"  (phiscan exited {proc.returncode}; its report lists {summary.get('errors')} read errors)")
    return wall, peak / 1024.0, summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tweets", type=int, default=100_000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--cache", action="store_true", help="scan with the scan cache (default: --no-cache, first scans)")
    ap.add_argument("--interval", type=float, default=0.1, help="seconds between memory samples")
    a = ap.parse_args()
    exe = str(Path(sys.executable).with_name("phiscan"))
    cache = "--cache" if a.cache else "--no-cache"
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=str(Path(tmp) / "cache"))
        report = str(Path(tmp) / "r.json")
        wall, rss, summary = measure([exe, "scan", str(ROOT / "fixtures" / "exports"), "--format", "json", "--output", report,
                                      "--quiet", "--jobs", str(a.jobs), cache], a.interval, env)
        print(f"bundled fixtures: {summary['posts_scanned']} posts in {wall:.1f} s ({summary['posts_scanned'] / wall:.0f} posts/s incl. start-up), peak RSS {rss:.0f} MB ({cache})")
        arch = Path(tmp) / "twitter-archive.zip"
        t = time.perf_counter()
        make_archive(arch, a.tweets)
        print(f"generated {a.tweets} tweets ({arch.stat().st_size / 1e6:.1f} MB zip) in {time.perf_counter() - t:.1f} s")
        wall, rss, summary = measure([exe, "scan", str(arch), "--format", "json", "--output", report, "--quiet",
                                      "--jobs", str(a.jobs), cache], a.interval, env)
        print(f"X archive: {summary['posts_scanned']} posts in {wall:.1f} s = {summary['posts_scanned'] / wall:.0f} posts/s "
              f"(--jobs {a.jobs}, {cache}), peak RSS {rss:.0f} MB, {summary['findings']} findings")


if __name__ == "__main__":
    main()
