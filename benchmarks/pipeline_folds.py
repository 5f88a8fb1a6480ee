#!/usr/bin/env python3
"""The whole pipeline (candidates, learned judgment, rules) validated on the corpus by k folds, beside its
training figures: what `phiscan train` reports for the models alone, here for the findings a scan reports.

For each of k folds (the same folds by item as `phiscan train`), models trained on the other folds are saved to
a temporary weights file and a scanner with them scans the fold's posts: every corpus post is scanned by a
pipeline that never saw it. The training figures scan the same posts with the shipped weights, which were
trained on all of them. Scored like ../shared/eval (a post is flagged with a medium or high finding; a labeled
span is caught when any finding overlaps it). A rule change that moves the training figures and not the
validation figures is tuning.

    python benchmarks/pipeline_folds.py [--corpus fixtures/corpus] [--folds 5] [--keep DIR]

`--keep DIR` keeps the fold weights there and reuses them while the corpus, the features and the code that makes
the candidates are unchanged (a rule change can then be measured in a minute).
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_all import score  # noqa: E402


def scan_preds(scanner, records: list[dict]) -> list[dict]:
    from phiscan.model import Severity
    from phiscan.sources.generic import post_from_record

    posts = [post_from_record(r, "corpus", n) for n, r in enumerate(records)]
    return [{"id": post.id, "spans": [{"start": f.start, "end": f.end, "flag": f.severity >= Severity.MEDIUM, "rule": f.rule,
                       "why": f.explanation}
                                      for f in found if f.field == "text"]} for post, found in scanner.scan(posts)]


def gold_records(items) -> list[dict]:
    from phiscan.evaluate import gold_spans

    out = []
    for it in items:
        rec = dict(it.record, id=it.id)
        rec["_spans"] = gold_spans(rec)
        out.append(rec)
    return out


def fold_key(corpus: Path, folds: int) -> str:
    """What fold weights depend on: the corpus, the number of folds, and the code of candidates and features."""
    import hashlib

    import phiscan

    h = hashlib.sha256(str(folds).encode())
    src = Path(phiscan.__file__).parent
    for p in sorted(corpus.glob("*.jsonl")) + sorted((src / "classify").glob("*.py")) + sorted((src / "detectors").glob("*.py")) + [src / "engine.py", src / "nlp.py"]:
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def write_errors(path: Path, records: list[dict], preds: list[dict]) -> None:
    """Clean posts flagged (with the rules that flagged them) and PHI posts not flagged, for reading by category."""
    by_id = {p["id"]: p["spans"] for p in preds}
    with path.open("w", encoding="utf-8") as out:
        for r in records:
            ps = by_id.get(r["id"], [])
            flagged = sorted({p["rule"] for p in ps if p["flag"]})
            if bool(flagged) != bool(r.get("phi")):
                found = [{"rule": p["rule"], "text": r["text"][p["start"]:p["end"]], "why": p["why"]} for p in ps if p["flag"]]
                out.write(json.dumps({"id": r["id"], "phi": r.get("phi"), "flagged_by": flagged, "found": found,
                                      "account": r.get("account"), "text": r["text"], "labels": r.get("labels", [])},
                                     ensure_ascii=False) + "\n")


def line(name: str, s: dict) -> str:
    labels = ", ".join(f"{k} {v:.2f}" for k, v in s["recall"].items() if s["n"][k] >= 10)
    return (f"{name:11s} posts flagged {s['doc_recall']:.3f}  clean flagged {s['doc_false_alarm']:.3f}  span recall "
            f"{s['span_recall_all']:.3f}  predicted-span precision {s['pred_precision']:.3f}\n            {labels}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(Path(__file__).resolve().parents[1] / "fixtures" / "corpus"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--keep", help="a folder to keep the fold weights in and reuse them from")
    ap.add_argument("--set", default="", help="thresholds to try instead of the shipped ones: post=0.5,span_medium=0.7")
    ap.add_argument("--errors", help="write the validation errors (clean posts flagged, PHI posts missed) here as JSONL")
    a = ap.parse_args()

    from phiscan.classify import judge as judge_mod
    from phiscan.classify import train as T
    from phiscan.config import Config
    from phiscan.engine import Scanner

    shipped = judge_mod.load()
    overrides = {k: float(v) for k, v in (kv.split("=") for kv in a.set.split(",") if kv)}
    base = Scanner.from_config(Config(), judge=False)
    items = T.read_items(T.corpus_files(Path(a.corpus)), blind=True)
    records = gold_records(T.read_items(T.corpus_files(Path(a.corpus))))  # scanned as written, with their accounts
    data = T.Analysed(items, base)
    preds: list[dict] = []
    key = fold_key(Path(a.corpus), a.folds)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(a.keep) if a.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for k, (tr, te) in enumerate(T._folds(items, a.folds, T.SEED)):
            path = folder / f"fold{k}-{key}.npz"
            if not path.exists():
                j = T.train_models(data, [items[i] for i in tr])
                judge_mod.save(path, j.post_model.w, j.post_model.b, j.span_model.w, j.span_model.b, shipped.thresholds, {"fold": k})
            scanner = Scanner.from_config(Config(judgment=str(path)))
            if overrides:
                scanner.judgment.thresholds = {**scanner.judgment.thresholds, **overrides}
            preds += scan_preds(scanner, [records[i] for i in te])
            print(f"fold {k + 1}/{a.folds} scanned ({len(te)} posts)", file=sys.stderr)
    va = score(records, preds)
    if a.errors:
        write_errors(Path(a.errors), records, preds)
    shipped_scanner = Scanner.from_config(Config())
    if overrides:
        shipped_scanner.judgment = copy.copy(shipped_scanner.judgment)
        shipped_scanner.judgment.thresholds = {**shipped.thresholds, **overrides}
    trn = score(records, scan_preds(shipped_scanner, records))
    print(f"corpus: {len(records)} posts, {a.folds} folds, thresholds " + ", ".join(f"{k} {v}" for k, v in sorted({**shipped.thresholds, **overrides}.items())))
    print(line("validation", va))
    print(line("training", trn))


if __name__ == "__main__":
    main()
