"""Text sets the speed benchmarks share (built at run time; nothing from ../shared/eval is kept in the repository).

- `labeled_unique(n)`: the texts of ../shared/eval/social-dev.jsonl and social-dev-c.jsonl (600 unique social
  posts), then unique synthetic posts (benchmarks/synthetic_posts.py) up to n, every text once;
- `export_like(n)`: synthetic posts with the usual share of retweets and copied posts (a third repeat an
  earlier text).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic_posts import iter_generate  # noqa: E402

EVAL_DIR = HERE.parent.parent / "shared" / "eval"
LABELED = ("social-dev.jsonl", "social-dev-c.jsonl")


def labeled_texts(eval_dir: Path = EVAL_DIR) -> list[str]:
    out: list[str] = []
    for name in LABELED:
        path = eval_dir / name
        if not path.is_file():
            sys.exit(f"{path}: not found (the labeled sets; give --eval-dir)")
        for line in path.open(encoding="utf-8"):
            if line.strip():
                out.append(json.loads(line)["text"])
    return list(dict.fromkeys(out))


def labeled_unique(n: int, eval_dir: Path = EVAL_DIR, seed: int = 23) -> tuple[list[str], int]:
    """n unique texts: the labeled sets' first, then unique synthetic posts; and how many are labeled."""
    texts = labeled_texts(eval_dir)[:n]
    labeled = len(texts)
    seen = set(texts)
    for rec in iter_generate(4 * n + 100, seed=seed, duplicate_share=0.0):
        if len(texts) >= n:
            break
        if rec["text"] not in seen:
            seen.add(rec["text"])
            texts.append(rec["text"])
    return texts, labeled


def export_like(n: int, seed: int = 29, copies: float = 0.33) -> list[dict]:
    """n synthetic post records, about `copies` of them repeating an earlier text (retweets, copies)."""
    return list(iter_generate(n, seed=seed, duplicate_share=copies))


def write_texts(path: Path, texts: list[str]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i, t in enumerate(texts):
            fh.write(json.dumps({"id": f"b{i}", "platform": "x", "text": t}) + "\n")
    return path
