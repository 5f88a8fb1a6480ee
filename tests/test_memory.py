"""Long runs: memory stays flat. spaCy adds every new word it meets to its vocabulary and string store; over a
million posts (names, handles, typos, hashtags) that is hundreds of MB. The engine runs each batch inside a
spaCy memory zone (nlp.memory_zone, spaCy 3.8), which frees what the batch added. Here, on a small scale: after a
warm-up, thousands of posts full of words spaCy has never seen leave the string store where it was and the
process's resident memory within a few MB. benchmarks/memory_long_run.py does the same for 1M posts through
`phiscan scan`.
"""
from __future__ import annotations

import gc
import random
import string

from phiscan.model import Post

WORDS_PER_POST = 16


def _rss_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")  # pragma: no cover


def _posts(rng: random.Random, n: int, start: int):
    def word() -> str:
        w = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 11)))
        return w.capitalize() if rng.random() < 0.3 else w  # capitals: the named-entity recognizer runs too

    for i in range(start, start + n):
        yield Post(id=f"m{i}", text=" ".join(word() for _ in range(WORDS_PER_POST)) + " thanks to the team at the clinic!",
                   source="generated")


def _scan(scanner, posts) -> int:
    n = 0
    for _ in scanner.scan(posts):
        n += 1
    return n


def test_string_store_and_memory_stay_flat_over_many_new_words(scanner, monkeypatch):
    rng = random.Random(20240506)
    strings = scanner.nlp.vocab.strings
    monkeypatch.setattr(scanner, "RECENT_TEXTS", 256)  # the engine's memory of recent texts: full sooner
    # warm-up: past that memory and the allocator's first growth
    assert _scan(scanner, _posts(rng, 800, 0)) == 800
    gc.collect()
    strings_before, rss_before = len(strings), _rss_kb()
    n = 3000
    assert _scan(scanner, _posts(rng, n, 10**6)) == n
    gc.collect()
    grown, rss_grown = len(strings) - strings_before, _rss_kb() - rss_before
    print(f"string store grew by {grown} strings, resident memory by {rss_grown} kB over {n} posts")
    # without memory zones the store grows by more than one string per new word (n * WORDS_PER_POST = 48,000)
    assert grown < 500, grown
    assert rss_grown < 20 * 1024, f"resident memory grew by {rss_grown} kB over {n} posts"


def test_pipeline_is_renewed_after_much_vocabulary_churn(scanner, monkeypatch):
    """Memory zones free what a batch added, but spaCy's hash tables keep a mark of every word freed (deleted
    slots) and double in size as they fill: after VOCAB_CHURN_RELOAD new lexemes the engine starts a fresh
    pipeline. Findings are the same as without renewal."""
    import phiscan.engine as engine
    from phiscan.config import Config
    from phiscan.engine import Scanner

    rng = random.Random(99)
    posts = []
    for i, p in enumerate(_posts(rng, 400, 0)):
        if i % 40 == 0:  # some posts with findings to compare
            p = Post(id=p.id, text=f"Prayers for my pt Zebulon Marchetti-Okafor in bed {i % 30 + 1}, MRN {40000000 + i}. " + p.text,
                     source=p.source)
        posts.append(p)
    fresh = Scanner.from_config(Config())
    monkeypatch.setattr(engine, "VOCAB_CHURN_RELOAD", 3000)  # 400 posts of 16 new words: renewed twice or more
    loads, real = [], engine.load_model

    def load_model(name):
        loads.append(name)
        return real(name)

    load_model.cache_clear = real.cache_clear
    monkeypatch.setattr(engine, "load_model", load_model)
    got = [(p.id, [(f.rule, f.start, f.end, f.evidence, str(f.severity)) for f in fs]) for p, fs in fresh.scan(posts)]
    assert len(loads) >= 3  # the first pipeline and at least two fresh ones
    want = [(p.id, [(f.rule, f.start, f.end, f.evidence, str(f.severity)) for f in fs]) for p, fs in scanner.scan(posts)]
    assert got == want
    assert sum(1 for _, fs in got if any(r == "PHI106" for r, *_ in fs)) == 10
