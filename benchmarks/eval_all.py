#!/usr/bin/env python3
"""Accuracy on every labeled set in ../shared/eval, for phiscan and for vanilla presidio (default recognizers,
same spaCy model), printed side by side. Measures only: the test suite never needs these files.

    python benchmarks/eval_all.py [--eval-dir ../shared/eval] [--no-presidio]

A post counts as flagged with a finding of severity medium or high (presidio: any result). Every finding
counts as a predicted span. For the social-media name sets (BTC, WNUT-17), person recall is split into
@handles and names.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score_social import phiscan_preds, presidio_preds  # noqa: E402

SETS = ["social-dev.jsonl", "social-dev-c.jsonl", "external/physionet_deid_odd_patients.jsonl", "external/asq_phi_even.jsonl",
        "external/btc_dev.jsonl", "external/wnut17_dev.jsonl"]


def gold(path: Path) -> list[dict]:
    from phiscan.evaluate import gold_spans

    out = []
    for line in path.open(encoding="utf-8"):
        if line.strip():
            rec = json.loads(line)
            rec["_spans"] = gold_spans(rec)
            out.append(rec)
    return out


def score(recs: list[dict], preds: list[dict]) -> dict:
    by_id = {p["id"]: p["spans"] for p in preds}
    per, hit = {}, {}
    pos = pos_f = neg = neg_f = hard = hard_f = 0
    n_pred = ok_pred = 0
    for r in recs:
        ps = by_id.get(r["id"], [])
        flagged = any(p.get("flag", True) for p in ps)
        positive = r.get("phi", bool(r["_spans"]))
        if positive:
            pos += 1; pos_f += flagged
        else:
            neg += 1; neg_f += flagged
        if r.get("hard_negative"):
            hard += 1; hard_f += flagged
        for s, e, lab in r["_spans"]:
            if lab.lower() in ("per", "person"):
                lab = "PER:handle" if r["text"][s:e].startswith("@") else "PER:name"
            per[lab] = per.get(lab, 0) + 1
            if any(p["start"] < e and s < p["end"] for p in ps):
                hit[lab] = hit.get(lab, 0) + 1
        for p in ps:
            n_pred += 1
            ok_pred += any(p["start"] < e and s < p["end"] for s, e, _ in r["_spans"])
    f = lambda a, b: round(a / b, 3) if b else None  # noqa: E731
    return {
        "recall": {k: f(hit.get(k, 0), n) for k, n in sorted(per.items())}, "n": dict(sorted(per.items())),
        "span_recall_all": f(sum(hit.values()), sum(per.values())), "doc_recall": f(pos_f, pos),
        "doc_false_alarm": f(neg_f, neg), "hard_negative_false_alarm": f(hard_f, hard), "pred_precision": f(ok_pred, n_pred),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "eval"))
    ap.add_argument("--no-presidio", action="store_true")
    a = ap.parse_args()
    for name in SETS:
        path = Path(a.eval_dir) / name
        if not path.exists():
            continue
        recs = gold(path)
        print(f"== {name} ({len(recs)} records)")
        tools = [("phiscan", phiscan_preds)] + ([] if a.no_presidio else [("presidio", presidio_preds)])
        for tool, fn in tools:
            res = score(recs, fn(path))
            print(f"  {tool:9} span recall {res['span_recall_all']}  posts flagged {res['doc_recall']}  "
                  f"clean flagged {res['doc_false_alarm']}  hard negatives flagged {res['hard_negative_false_alarm']}  "
                  f"predicted-span precision {res['pred_precision']}")
            print("            " + ", ".join(f"{k} {v} (n={res['n'][k]})" for k, v in res["recall"].items()))


if __name__ == "__main__":
    main()
