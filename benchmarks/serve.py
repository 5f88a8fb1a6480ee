#!/usr/bin/env python3
"""`phiscan serve`: time from start-up to the first answer, and the time of one live check.

    python benchmarks/serve.py            # 5 timed checks after the first
    python benchmarks/serve.py --checks 20

Starts `python -m phiscan serve --port 0` in a subprocess (the address it prints on stderr), times until
`GET /` answers, then the first `POST /api/check` (which loads spaCy and the judgment), then `--checks` more
checks of one synthetic draft, as the page's live highlighting sends them. Figures are printed, never asserted.
Only 127.0.0.1 is contacted."""
from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
import urllib.request

DRAFT = "So proud of my pt Cornelius Abernathy in room 412, walked the whole hallway after his hip surgery."


def post(url: str, doc: dict) -> dict:
    req = urllib.request.Request(url, data=json.dumps(doc).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checks", type=int, default=5)
    args = ap.parse_args()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "phiscan", "serve", "--port", "0"], stderr=subprocess.PIPE, text=True)
    try:
        m = re.search(r"open (http://127\.0\.0\.1:\d+/)", proc.stderr.readline())
        if not m:
            sys.exit("phiscan serve did not print its address")
        url = m.group(1)
        with urllib.request.urlopen(url, timeout=300) as r:
            r.read()
        t_page = time.perf_counter() - t0
        t1 = time.perf_counter()
        post(url + "api/check", {"text": DRAFT, "created_at": "2025-05-02T15:00"})
        t_first = time.perf_counter() - t1
        times = []
        for i in range(args.checks):
            t = time.perf_counter()
            doc = post(url + "api/check", {"text": DRAFT + " " * (i + 1), "created_at": "2025-05-02T15:00"})
            times.append(time.perf_counter() - t)
        print(f"start-up to first page:        {t_page:.2f} s")
        print(f"first check (loads the models): {t_first:.2f} s")
        print(f"one live check (median of {len(times)}): {statistics.median(times) * 1000:.0f} ms "
              f"({len(doc['findings'])} findings)")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
