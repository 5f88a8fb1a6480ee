"""Context cues are found exactly where each cue list's alternation (its definition) finds them."""
from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest

from phiscan.context import CueMatcher, load_cues
from phiscan.resources import rules_dir
from phiscan.yamlio import load_yaml


@pytest.fixture(scope="module")
def cues() -> CueMatcher:
    return load_cues(rules_dir() / "context.yaml")


def _rule_case_texts() -> list[str]:
    out = []
    for f in sorted(rules_dir().glob("PHI*.yaml")):
        data = load_yaml(f.read_text(encoding="utf-8"))
        for case in data.get("cases", ()):
            if isinstance(case, dict) and isinstance(case.get("text"), str):
                out.append(case["text"])
    return out


def _synthetic(n: int) -> list[str]:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "synthetic_posts.py"
    spec = importlib.util.spec_from_file_location("synthetic_posts", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return [r["text"] for r in mod.generate(n, seed=5)]


def _fuzz(n: int) -> list[str]:
    """Phrases of the lists in odd company: case, hashtags, handles, underscores, non-ASCII letters that fold to
    ASCII ones under re.I (Kelvin sign, long s, dotted I), accents, punctuation-led phrases."""
    rng = random.Random(3)
    words = ["pt", "PT", "Pt", "ER", "er", "Er", "icu", "ICU", "discharged", "Discharg", "dr.", "Dr.", "s/p", "k+", "K+",
             "#laboranddelivery", "% of", "[photo:", "post-op day", "post-op", "follow-up", "call (", "np0", "8cm", "18cm",
             "neumonía", "NEUMONÍA", "cirugía", "phòng", "L&D", "my pt", "#smalltown", "#smalltownlife", "rip", "RIP",
             "x-ray", "X-Ray", "post op", "extubated", "EXTUBATED", "diagnosis", "ｐｔ", "ﬁ", "K", "ſ", "İcu", "ı",
             "é", "ß", "Ⓐ", "µ", "ς", "in the er", "in   the\ter", "cell#", "cell #", "her #", "# is", "adults 65+"]
    seps = ["", " ", "  ", "_", "#", "@", ".", "\n", "-", "'", "’", "(", ","]
    out = []
    for _ in range(n):
        toks = [rng.choice(words + ["a", "the", "x", "pts", "nursing"]) for _ in range(rng.randint(1, 14))]
        out.append("".join(t + rng.choice(seps) for t in toks))
    return out


def test_cues_match_their_definition(cues):
    texts = _rule_case_texts() + _synthetic(300) + _fuzz(3000)
    for t in texts:
        assert cues.find_all(t) == cues.reference_find_all(t), t


def test_odd_phrases_fall_back_to_the_alternation():
    """Phrases the word index cannot place (a non-ASCII symbol first) still match as their regex does."""
    m = CueMatcher({"odd": (["❤️ you", "¿qué", "plain"], ["=Zz"])}, {"odd": ""})
    for t in ["❤️ you all", "¿qué pasó? plain", "zz Zz ZZ", "plainly plain"]:
        assert m.find_all(t) == m.reference_find_all(t)
    assert m.names == ["odd"]
