#!/usr/bin/env python3
"""Where a scan spends its time: cProfile over one in-process `phiscan scan --jobs 1 --no-cache` of unique social
posts (benchmarks/bench_texts.py: the labeled sets' texts, then unique synthetic posts), grouped by stage.

    python benchmarks/profile_scan.py [--posts 4000] [--top 25] [--eval-dir ../shared/eval]

Stages are cumulative times of the functions that do them (cProfile's own overhead inflates Python code more
than spaCy's compiled parts, so read shares, not seconds). "NER" is the recognizer's forward pass and its
transition loop (what `nlp.pipe` spends beside tokenizing).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_texts import EVAL_DIR, labeled_unique, write_texts  # noqa: E402

STAGES = [  # (stage, file suffix, function name): cumulative time of that function
    ("whole scan command", "phiscan/cli.py", "scan"),
    ("loading (rules, judgment weights, spaCy model)", "phiscan/engine.py", "from_config"),
    ("spaCy model load", "phiscan/nlp.py", "load_model"),
    ("spaCy nlp.pipe (tokenizer + sentencizer + NER)", "spacy/language.py", "pipe"),
    ("  tokenization", "spacy/language.py", "_ensure_doc"),
    ("  NER network forward", "spacy/ml/tb_framework.py", "forward"),
    ("analysis (context cues, sentences)", "phiscan/nlp.py", "analyze"),
    ("  context cues", "phiscan/context.py", "find_all"),
    ("candidates (detectors + overlaps)", "phiscan/engine.py", "detect"),
    ("judgment + rules + findings", "phiscan/engine.py", "judge"),
    ("  learned judgment", "phiscan/classify/judge.py", "judge"),
    ("  rules", "phiscan/rules/engine.py", "evaluate"),
    ("  findings", "phiscan/engine.py", "_findings"),
    ("report writing", "phiscan/reporters/json_report.py", "render"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=4000)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    a = ap.parse_args()
    from click.testing import CliRunner

    from phiscan.cli import main as cli

    with tempfile.TemporaryDirectory(prefix="phiscan-prof-") as tmp:
        texts, labeled = labeled_unique(a.posts, a.eval_dir)
        path = write_texts(Path(tmp) / "posts.jsonl", texts)
        out = Path(tmp) / "report.json"
        prof = cProfile.Profile()
        prof.enable()
        res = CliRunner().invoke(cli, ["scan", str(path), "--format", "json", "-o", str(out), "--no-cache", "-q"])
        prof.disable()
        if res.exit_code not in (0, 1):
            sys.exit(f"scan failed: {res.output[-2000:]} {res.exception!r}")
    st = pstats.Stats(prof)
    total = max(v[3] for k, v in st.stats.items() if k[0].endswith("phiscan/cli.py") and k[2] == "scan")
    print(f"{len(texts)} unique posts ({labeled} from the labeled sets), profiled scan {total:.1f} s")
    for label, fsuffix, fn in STAGES:
        cum = sum(v[3] for k, v in st.stats.items() if k[0].endswith(fsuffix) and k[2] == fn)
        if label.startswith("  ") or True:
            print(f"{label:<50} {cum:7.2f} s {100 * cum / total:5.1f} %")
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(a.top)
    print(f"\ntop {a.top} by own time:")
    print("\n".join(line for line in buf.getvalue().splitlines() if line.strip() and "function calls" not in line
                    and "Ordered by" not in line and "List reduced" not in line))


if __name__ == "__main__":
    main()
