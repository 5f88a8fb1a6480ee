#!/usr/bin/env python3
"""Roles (phiscan.classify.roles) on the labeled social posts: how the name and handle findings split by role.

    python benchmarks/roles.py [--eval-dir ../shared/eval]

Gold NAME and HANDLE labels are patients and their relatives, so a finding on one should read `patient` or
`relative`; a name or handle finding on no gold label (staff in recognition posts, public figures, the
organization's accounts) should not read `patient`. Prints both splits per set, and which signals set them.
Measures only: the test suite never reads these files.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

SETS = ["social-dev.jsonl", "social-dev-c.jsonl"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "eval"))
    args = ap.parse_args()
    from phiscan.config import Config
    from phiscan.engine import Scanner
    from phiscan.evaluate import gold_spans
    from phiscan.sources.generic import post_from_record

    scanner = Scanner.from_config(Config())
    for name in SETS:
        path = Path(args.eval_dir) / name
        if not path.is_file():
            print(f"{name}: not found", file=sys.stderr)
            continue
        recs = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        gold = {r["id"]: [(s, e) for s, e, lab in gold_spans(r) if lab.upper() in ("NAME", "HANDLE")] for r in recs}
        posts = [post_from_record(r, str(path), i) for i, r in enumerate(recs)]
        on_gold: Counter = Counter()
        off_gold: Counter = Counter()
        signals: Counter = Counter()
        for post, findings in scanner.scan(posts):
            for f in findings:
                if f.field != "text" or not f.role:
                    continue
                hit = any(f.start < e and s < f.end for s, e in gold.get(post.id, ()))
                (on_gold if hit else off_gold)[f.role] += 1
                signals[(f.role_signal or "").split(":")[0] + ": " + _kind(f.role_signal or "")] += 1
        n_on, n_off = sum(on_gold.values()), sum(off_gold.values())
        good = on_gold["patient"] + on_gold["relative"]
        print(f"{name}: name/handle findings on a gold NAME/HANDLE: {n_on}, patient or relative {good / max(1, n_on):.3f} "
              f"({_split(on_gold)})")
        print(f"{name}: name/handle findings on no gold label: {n_off}, not patient {(n_off - off_gold['patient']) / max(1, n_off):.3f} "
              f"({_split(off_gold)})")
        print("  signals: " + ", ".join(f"{k} {v}" for k, v in signals.most_common()))


def _split(c: Counter) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(c.items()))


def _kind(signal: str) -> str:
    """The signal without the quoted words: 'relative: 'her dad'' -> 'quoted words'."""
    body = signal.split(":", 1)[-1].strip()
    return "quoted words" if body.startswith("'") else body.split(",")[0].split("(")[0].strip()


if __name__ == "__main__":
    main()
