#!/usr/bin/env python3
"""Does a post's cost grow with its length and its findings no faster than linearly? Prints time per character
for posts of 100, 2,000 and 20,000 characters, and for 2,000-character posts with 1 and with 50 findings, split
by stage (spaCy, context cues, candidates, judgment + rules). In-process, after a warm-up; every text is unique
(nothing is remembered from one to the next). Figures are printed, never asserted.

    python benchmarks/cost_growth.py [--repeat 3] [--chars 100,2000,20000]

Flat means the microseconds per character of a row stay within noise of the others; a stage whose figure
grows with length (or with findings) is superlinear there.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic_posts import iter_generate  # noqa: E402

FIRST = ["Marisol", "Dmitri", "Keisha", "Tomasz", "Priyanka", "Aurelio", "Brenda", "Olufemi", "Renata", "Jasper"]
LAST = ["Okonkwo", "Lindqvist", "Prendergast", "Abernathy", "Kowalczyk", "Nakashima", "Thistlewood", "Marchetti"]


def filler(rng: random.Random, chars: int, pool: list[str]) -> str:
    """Sentences of synthetic posts up to about `chars` characters."""
    out, n = [], 0
    while n < chars:
        s = pool[rng.randrange(len(pool))]
        out.append(s)
        n += len(s) + 1
    return " ".join(out)[:chars].rsplit(" ", 1)[0] + "."


def clean_pool() -> list[str]:
    """Sentences of synthetic posts without the generator's planted names (dates, places, rooms remain)."""
    out = []
    for rec in iter_generate(3000, seed=41, duplicate_share=0.0):
        for s in rec["text"].split(". "):
            if "Dr." not in s and not any(n in s for n in FIRST + LAST):
                out.append(s.strip().rstrip(".") + ".")
    return out


def with_findings(rng: random.Random, n: int, chars: int, pool: list[str]) -> str:
    """A post of about `chars` characters with `n` patients named with their room."""
    items = [f"my pt {rng.choice(FIRST)} {rng.choice(LAST)} in room {rng.randint(100, 999)} went home today." for _ in range(n)]
    rest = max(0, chars - sum(len(i) + 1 for i in items))
    text = " ".join(items) + (" " + filler(rng, rest, pool) if rest > 20 else "")
    return text


def stage_times(scanner, texts: list[str]) -> dict[str, float]:
    from phiscan.classify.judge import meta_of_post
    from phiscan.model import Post
    from phiscan.nlp import analyze, memory_zone

    t = {"spaCy": 0.0, "cues": 0.0, "candidates": 0.0, "judgment+rules": 0.0}
    nlp = scanner.nlp
    findings = 0
    with memory_zone(nlp):
        for text in texts:
            post = Post(id="x", text=text)
            t0 = time.perf_counter()
            doc = nlp(text) if not text.islower() else nlp(text, disable=["ner"])
            t1 = time.perf_counter()
            a = analyze(text, doc, scanner.cues)
            t2 = time.perf_counter()
            spans = scanner.detect(a)
            t3 = time.perf_counter()
            findings += len(scanner.judge(post, "text", a, spans))
            t4 = time.perf_counter()
            t["spaCy"] += t1 - t0
            t["cues"] += t2 - t1
            t["candidates"] += t3 - t2
            t["judgment+rules"] += t4 - t3
    t["findings/post"] = findings / len(texts)
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="rounds; the median per row is printed")
    ap.add_argument("--budget", type=int, default=200_000, help="characters per row and round (default 200,000)")
    a = ap.parse_args()
    from phiscan.config import Config
    from phiscan.engine import Scanner

    scanner = Scanner.from_config(Config())
    rng = random.Random(5)
    pool = clean_pool()
    rows: list[tuple[str, list[str]]] = []
    for chars in (100, 2000, 20000):
        n = max(3, a.budget // chars)
        rows.append((f"{chars:,} chars, synthetic posts", [filler(rng, chars, pool) for _ in range(n)]))
    for k in (1, 50):
        n = max(3, a.budget // 4000)
        rows.append((f"~4,000 chars, {k} patient(s)", [with_findings(rng, k, 4000, pool) for _ in range(n)]))
    stage_times(scanner, [filler(rng, 500, pool) for _ in range(20)])  # warm-up
    print(f"{'posts':32} {'n':>4} {'chars':>7} {'find/post':>9}  {'µs/char':>8}  " +
          "  ".join(f"{s:>14}" for s in ("spaCy", "cues", "candidates", "judgment+rules")))
    for label, texts in rows:
        per_round = []
        for _ in range(a.repeat):
            # every round sees fresh texts: a word changed per text, so nothing is remembered
            fresh = [t.replace(" ", f" r{rng.randint(0, 10**9)} ", 1) for t in texts]
            per_round.append(stage_times(scanner, fresh))
        chars = sum(len(t) for t in texts)
        med = {k: statistics.median(r[k] for r in per_round) for k in per_round[0]}
        total = sum(v for k, v in med.items() if k != "findings/post")
        print(f"{label:32} {len(texts):4} {chars // len(texts):7} {med['findings/post']:9.1f}  {1e6 * total / chars:8.1f}  "
              + "  ".join(f"{1e6 * med[s] / chars:14.2f}" for s in ("spaCy", "cues", "candidates", "judgment+rules")))


if __name__ == "__main__":
    main()
