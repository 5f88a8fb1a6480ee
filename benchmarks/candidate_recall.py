#!/usr/bin/env python3
"""Recall of the candidate stage alone: which labeled spans no detector proposes (the judgment can never
report those). Per label, with the misses' labels and words around them when --misses is given.

    python benchmarks/candidate_recall.py ../shared/eval/social-dev.jsonl [--misses LABEL]
"""
from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("gold", nargs="+")
    ap.add_argument("--misses", help="print missed spans of this label (for reading by category)")
    a = ap.parse_args()
    from phiscan.classify.train import Analysed, read_items
    from phiscan.config import Config
    from phiscan.engine import Scanner

    scanner = Scanner.from_config(Config(), judge=False)
    for g in a.gold:
        items = read_items([Path(g)])
        data = Analysed(items, scanner)
        per, hit = collections.Counter(), collections.Counter()
        n_cand = 0
        for it in items:
            spans = data.spans(it)
            n_cand += len(spans)
            for s, e, lab in it.gold:
                per[lab] += 1
                ok = any(sp.start < e and s < sp.end for sp in spans)
                hit[lab] += ok
                if not ok and a.misses == lab:
                    print(f"  {it.id}: {it.text[s:e]!r}  ...{it.text[max(0, s - 40):s]!r} | {it.text[e:e + 30]!r}")
        print(f"{Path(g).name}: {n_cand} candidates in {len(items)} posts; candidate recall "
              f"{sum(hit.values()) / max(1, sum(per.values())):.3f}")
        for lab in sorted(per):
            print(f"  {lab:12s} {hit[lab] / per[lab]:.3f} (n={per[lab]})")


if __name__ == "__main__":
    main()
