#!/usr/bin/env python3
"""Generate a synthetic X archive (zip, data/tweets.js in the 2022+ layout) of N tweets and measure a scan of it,
and a scan of all bundled fixtures: posts/s and peak RSS of `phiscan scan` (a subprocess).

    python benchmarks/x_archive_scan.py [--tweets 100000] [--jobs 1]

Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST = ["Delphine", "Tobias", "Marisol", "Ignatius", "Wendell", "Priya", "Mateo", "Rosalind", "Kenji", "Beatrix"]
LAST = ["Arceneaux", "Wendell", "Quintero", "Holloway", "Okoro", "Raman", "Lindqvist", "Petrakis", "Tanabe", "Santangelo"]
TEMPLATES = [
    "Flu shot clinic this Saturday 9-1 in the Main Atrium, no appointment needed! #community",
    "Huge congrats to our night shift on 5 North for {n} days without a fall 💙 #nursing",
    "Reminder: visiting hours are 9am-9pm. Parking info at our website. #visitors",
    "my pt {first} finally got extubated this morning after {n} days on the vent 😭 #ICUnurse",
    "{first} {last} in room {room} was discharged yesterday, the whole unit cheered! #nursesrock",
    "RT @LarkspurNurses: Proud of every one of you on 4 West &amp; the float pool, {n} shifts covered this month",
    "Free CPR class on the {n}th in Conference Room B. Register at our site. #CPR",
    "please keep Mrs. {last} in your prayers, she coded twice on my shift tonight #PrayFor{first}",
    "Our stroke team hit a door-to-needle time of {n} minutes this quarter. Thank you team!",
    "whoever parked across the ambulance bay, plate 7K{n}-44, your wife is in active labor 😂",
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


def measure(args: list[str]) -> tuple[float, float, dict]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True)
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = Path(args[args.index("--output") + 1]).read_text()
    return wall, max(peak, before) / 1024.0, json.loads(out)["summary"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tweets", type=int, default=100_000)
    ap.add_argument("--jobs", type=int, default=1)
    a = ap.parse_args()
    exe = str(Path(sys.executable).with_name("phiscan"))
    with tempfile.TemporaryDirectory() as tmp:
        report = str(Path(tmp) / "r.json")
        wall, rss, summary = measure([exe, "scan", str(ROOT / "fixtures" / "exports"), "--format", "json", "--output", report, "--quiet", "--jobs", str(a.jobs)])
        print(f"bundled fixtures: {summary['posts_scanned']} posts in {wall:.1f} s ({summary['posts_scanned'] / wall:.0f} posts/s incl. start-up), peak RSS {rss:.0f} MB")
        arch = Path(tmp) / "twitter-archive.zip"
        t = time.perf_counter()
        make_archive(arch, a.tweets)
        print(f"generated {a.tweets} tweets ({arch.stat().st_size / 1e6:.1f} MB zip) in {time.perf_counter() - t:.1f} s")
        wall, rss, summary = measure([exe, "scan", str(arch), "--format", "json", "--output", report, "--quiet", "--jobs", str(a.jobs)])
        print(f"X archive: {summary['posts_scanned']} posts in {wall:.1f} s = {summary['posts_scanned'] / wall:.0f} posts/s "
              f"(--jobs {a.jobs}), peak RSS {rss:.0f} MB, {summary['findings']} findings")


if __name__ == "__main__":
    main()
