#!/usr/bin/env python3
"""Rebuild the word lists of src/phiscan/data/lang/ that classify/language.py uses: ht.txt, Haitian Creole's
words (wordfreq, which gives the other languages' lists, has none), and vocab.txt, the words the judgment was
trained on beyond wordfreq's common English words (clinical shorthand, slang, the trained languages' words).

    python benchmarks/build_language_lists.py

ht.txt: the lowercase words found in at least 3 of the corpus's Haitian Creole posts (fixtures/corpus, written
for phiscan) that are rare in its English and French posts. vocab.txt: the lowercase words found in at least 2
posts of the trained languages (classify.language.TRAINED) whose English Zipf frequency is below
classify.language.COMMON_EN.
"""
from __future__ import annotations

import collections
import json
from pathlib import Path

import regex as re

ROOT = Path(__file__).resolve().parents[1]
WORD = re.compile(r"(?<![@#\w])\p{L}[\p{L}\p{M}'’]*")
HEADER = """# Haitian Creole common words (wordfreq has no list for it): the lowercase words of the corpus's Haitian
# Creole posts that are rare in its English and French ones (benchmarks/build_language_lists.py).
# Used only to tell the language of a post.
"""
VOCAB_HEADER = """# Words the learned judgment was trained on beyond wordfreq's common English words: lowercase words in at
# least 2 corpus posts of the trained languages (benchmarks/build_language_lists.py). Used only to tell whether
# the judgment can read a post.
"""


def main() -> None:
    df: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    n: collections.Counter = collections.Counter()
    for f in sorted((ROOT / "fixtures" / "corpus").glob("*.jsonl")):
        for line in f.open(encoding="utf-8"):
            if line.strip():
                rec = json.loads(line)
                lang = rec.get("lang", "en")
                n[lang] += 1
                for w in {w for w in WORD.findall(rec["text"]) if w.islower()}:
                    df[lang][w] += 1
    words = sorted(w for w, c in df["ht"].items() if c >= 3 and df["en"][w] < 0.01 * n["en"] and df["fr"][w] < 0.05 * n["fr"])
    out = ROOT / "src" / "phiscan" / "data" / "lang" / "ht.txt"
    out.write_text(HEADER + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{out}: {len(words)} words from {n['ht']} Haitian Creole posts")
    from phiscan.classify.language import COMMON_EN, TRAINED
    from phiscan.lexicon import zipf

    seen: collections.Counter = collections.Counter()
    for lang in TRAINED:
        seen.update(df[lang])
    vocab = sorted(w for w, c in seen.items() if c >= 2 and zipf(w) < COMMON_EN)
    out = ROOT / "src" / "phiscan" / "data" / "lang" / "vocab.txt"
    out.write_text(VOCAB_HEADER + "\n".join(vocab) + "\n", encoding="utf-8")
    print(f"{out}: {len(vocab)} words")


if __name__ == "__main__":
    main()
