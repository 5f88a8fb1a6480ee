"""How today's phiscan agrees with the training bank (not a test: the bank teaches, the detector may lag).

Prints the time to load and validate the packaged bank and to render a 10-post quiz page, then, for the bank: PHI cases whose every identifier phiscan flags (a finding overlapping the span,
any rule / the same rule), safe cases with no medium or high finding, role-play model answers that pass, and
the cases that disagree. Usage: python benchmarks/training_bank.py [--verbose]"""
from __future__ import annotations

import sys
import time

from phiscan.config import Config
from phiscan.training.bank import load_bank
from phiscan.training.roleplay import check_reply
from phiscan.web.app import Checker, CheckInput


def timings() -> None:
    import statistics
    import tempfile

    t0 = time.perf_counter()
    load_bank()
    t1 = time.perf_counter()
    load_bank()
    t2 = time.perf_counter()
    print(f"bank load and validation: {1000 * (t1 - t0):.0f} ms the first time (with imports), {1000 * (t2 - t1):.0f} ms again")
    from phiscan.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        client = create_app(Config(training_db=f"{tmp}/t.sqlite3", training_quiz_size=10)).test_client()
        ts = []
        for seed in range(20):
            a = time.perf_counter()
            client.get(f"/training/quiz?seed={seed}")
            ts.append(time.perf_counter() - a)
    print(f"quiz page of 10 posts: {1000 * statistics.median(ts):.1f} ms (median of 20)")


def main() -> None:
    verbose = "--verbose" in sys.argv
    timings()
    checker = Checker(Config())
    bank = load_bank(rule_codes=[r.code for r in checker.engine.rules])
    t0 = time.perf_counter()
    phi_any = phi_rule = safe_ok = rp_ok = 0
    phi, safe, rps = bank.of_kind("phi"), bank.of_kind("safe"), bank.of_kind("roleplay")
    for c in phi + safe:
        doc = checker.check(CheckInput(c.post, c.platform, c.created_at, c.reply_to, None))
        fs = [f for f in doc["findings"] if f["field"] == "text" and f["status"] == "open"]
        if c.kind == "phi":
            hit_any = all(any(f["start"] < i.end and i.start < f["end"] for f in fs) for i in c.identifiers)
            hit_rule = all(any(f["start"] < i.end and i.start < f["end"] and f["rule"] == i.rule for f in fs) for i in c.identifiers)
            phi_any += hit_any
            phi_rule += hit_rule
            if verbose and not hit_rule:
                print(f"  phi  {c.id}: found {[(f['rule'], f['evidence'], f['severity']) for f in fs]}")
        else:
            ok = not [f for f in fs if f["severity"] in ("medium", "high")]
            safe_ok += ok
            if verbose and not ok:
                print(f"  safe {c.id}: flagged {[(f['rule'], f['evidence'], f['severity']) for f in fs]}")
    for c in rps:
        passed, doc = check_reply(checker, c, c.model_answer)
        rp_ok += passed
        if verbose and not passed:
            print(f"  roleplay {c.id}: model answer flagged {[(f['rule'], f['evidence'], f['severity']) for f in doc['findings']]}")
    took = time.perf_counter() - t0
    print(f"PHI cases, every identifier flagged (any rule): {phi_any}/{len(phi)}")
    print(f"PHI cases, every identifier flagged by its rule: {phi_rule}/{len(phi)}")
    print(f"safe cases with no medium/high finding: {safe_ok}/{len(safe)}")
    print(f"role-play model answers that pass: {rp_ok}/{len(rps)}")
    print(f"checked {len(phi) + len(safe) + len(rps)} texts in {took:.1f} s (spaCy loaded in the first)")


if __name__ == "__main__":
    main()
