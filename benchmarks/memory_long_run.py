"""Does memory stay flat over a long scan? Streams N generated posts through `phiscan scan` and prints the
resident memory as the scan goes, the peak, and posts per second.

    python benchmarks/memory_long_run.py                 # 1,000,000 posts (tens of minutes)
    python benchmarks/memory_long_run.py --posts 50000   # a quick check
    python benchmarks/memory_long_run.py --posts 200000 --jobs 2

The posts are synthetic: each has a dozen made-up words spaCy has never seen (the worst case for its string
store, which grows with every new word unless the engine frees it: see `nlp.memory_zone`), some of them
capitalised so the named-entity recognizer runs, and one post in `--phi-every` carries a made-up name and
record number, so findings (which the report must keep) accumulate as in a real export. The JSONL is written to
a temporary file first (its size is printed); the scan reads it like any export. Memory is sampled from /proc
every half second over phiscan and its worker processes.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def generate(path: Path, n: int, phi_every: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    letters = string.ascii_lowercase

    def word() -> str:
        w = "".join(rng.choice(letters) for _ in range(rng.randint(5, 11)))
        return w.capitalize() if rng.random() < 0.25 else w

    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            if phi_every and i % phi_every == phi_every - 1:
                text = f"Prayers for my pt {word().capitalize()} {word().capitalize()} in bed {i % 40 + 1}, MRN {10000000 + i}"
            else:
                text = " ".join(word() for _ in range(12)) + " - thanks to everyone who came to the open house!"
            fh.write(json.dumps({"id": f"p{i}", "text": text, "platform": "x"}) + "\n")


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and its descendants (worker processes), in kB."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(c) for c in children)
        except OSError:
            continue
    return total


def read_position(pid: int, path: Path) -> int:
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == str(path):
                    for line in Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text().splitlines():
                        if line.startswith("pos:"):
                            return int(line.split()[1])
            except OSError:
                continue
    except OSError:
        pass
    return -1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--phi-every", type=int, default=1000, help="one post in this many carries PHI (0: none)")
    ap.add_argument("--cache", action="store_true", help="scan with the scan cache (default: --no-cache)")
    ap.add_argument("--keep", action="store_true", help="keep the generated JSONL (its path is printed)")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="phiscan-memory-"))
    src = tmp / "posts.jsonl"
    t0 = time.monotonic()
    generate(src, args.posts, args.phi_every)
    size = src.stat().st_size
    print(f"generated {args.posts} posts, {size / 1e6:.1f} MB, in {time.monotonic() - t0:.1f} s: {src}", flush=True)

    cmd = [sys.executable, "-m", "phiscan", "scan", str(src), "--format", "json", "--quiet", "--jobs", str(args.jobs),
           "--cache" if args.cache else "--no-cache"]
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp / "cache"))
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    samples: list[tuple[float, float, int]] = []  # (seconds, fraction of the input read, rss kB)
    peak = 0
    marks = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
    while proc.poll() is None:
        rss = tree_rss_kb(proc.pid)
        pos = read_position(proc.pid, src)
        peak = max(peak, rss)
        frac = pos / size if pos >= 0 else (samples[-1][1] if samples else 0.0)
        samples.append((time.monotonic() - start, frac, rss))
        while marks and frac >= marks[0]:
            print(f"  {marks.pop(0) * 100:5.1f}% read  t={samples[-1][0]:7.1f} s  rss={rss / 1024:7.1f} MB", flush=True)
        time.sleep(0.5)
    elapsed = time.monotonic() - start
    stderr = proc.stderr.read() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        print(f"phiscan exited {proc.returncode}: {stderr[-2000:]}")
        return 2
    # steady state: the second half of the run (by time, its last second left out: workers exiting) against
    # 10-20% of it (model loaded, caches warming)
    end = samples[-1][0] if samples else 0.0
    warm = [s[2] for s in samples if 0.1 * end <= s[0] <= 0.2 * end] or [samples[0][2]]
    late = [s[2] for s in samples if 0.5 * end <= s[0] <= end - 1.0] or [samples[-1][2]]
    print(f"posts: {args.posts}  jobs: {args.jobs}  time: {elapsed:.1f} s  rate: {args.posts / elapsed:.0f} posts/s")
    print(f"peak RSS: {peak / 1024:.1f} MB (phiscan and its workers, sampled every 0.5 s)")
    print(f"RSS 10-20% into the run: {min(warm) / 1024:.1f}-{max(warm) / 1024:.1f} MB; "
          f"second half: {min(late) / 1024:.1f}-{max(late) / 1024:.1f} MB")
    if not args.keep:
        src.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
