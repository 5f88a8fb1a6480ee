"""The learned judgment: does a post tell of an identifiable individual's health or care, and which of its
identifier candidates tie to that person?

Two logistic models over hashed features (features.py), trained by `phiscan train` on the synthetic corpus in
fixtures/corpus and shipped as package data (weights/judgment.npz):

- the **post** model reads the post's words, the kinds of candidates the detectors found and who wrote it;
  it also runs on a sentence with its neighbours, which says where in a long post the care is told;
- the **span** model reads one candidate (its kind, how a detector found it, its shape, the words around it)
  with the post's and its sentence's judgment, and says whether it identifies the patient (or a relative).

Both are linear, so a decision is explained by the words that weighed most for it (`Judge.explain`, printed by `phiscan check`).
"""
from __future__ import annotations

import bisect
import hashlib
import io
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from ..errors import ConfigError
from .language import ENGLISH, Language, detect as detect_language
from .features import DIM, FEATURE_VERSION, bucket, camel_words, fold, hashed, hashtag_words, index, tokens, word_features

WEIGHTS = Path(__file__).with_name("weights") / "judgment.npz"


class JudgmentError(ConfigError):
    """The weights cannot be read or were made for other features: the CLI says so and exits 2."""


@dataclass(frozen=True)
class PostMeta:
    account: str = ""  # official | staff | ""
    platform: str = ""
    reply: bool = False
    reply_words: tuple[str, ...] = ()  # words of the replied-to author's handle or name


def meta_of_post(post, field: str = "text") -> PostMeta:
    """What the judgment knows of who wrote a field: the account, and for the post's text the reply it is."""
    if field != "text":
        return PostMeta(account=post.account_type or "", platform=post.platform or "")
    author = (post.reply_to_author or "").strip()
    words = tuple(w for w in re.split(r"[\s_@.\d]+", author) if w)
    return PostMeta(account=post.account_type or "", platform=post.platform or "",
                    reply=bool(author or post.in_reply_to), reply_words=words)


def meta_features(meta: PostMeta) -> list[str]:
    out = ["acct:" + (meta.account or "?")]
    if meta.reply:
        out.append("reply")
        out.append("reply:acct:" + (meta.account or "?"))
    return out


def candidate_kind(sp) -> str:
    kind = sp.attr("pattern") or sp.attr("kind") or sp.detector
    return f"{sp.entity}:{kind}"


def cue_features(cues: dict | None, lo: int = 0, hi: int | None = None, prefix: str = "cue:") -> list[str]:
    """The context word lists of rules/context.yaml that occur in [lo, hi): prior knowledge the models weigh
    like any other feature (the lists no longer decide anything themselves)."""
    if not cues:
        return []
    return [prefix + name for name, hits in cues.items() if any(s >= lo and (hi is None or e <= hi) for s, e in hits)]


def post_features(text: str, spans: Sequence, meta: PostMeta, toks=None, cues: dict | None = None, lo: int = 0,
                  hi: int | None = None) -> list[str]:
    toks = tokens(text) if toks is None else toks
    # the @handles a reply opens with only address it (every reply has them): the "reply" feature says that
    lead = 0
    while lead < len(toks) and toks[lead][3].startswith("@"):
        lead += 1
    feats = word_features([t[0] for t in toks[lead:]]) + cue_features(cues, lo, hi) + hashtag_words(toks[lead:])
    for sp in spans:
        if sp.attr("lead"):  # the words before a clause's first identifier: the span model's candidate, no post evidence
            continue
        feats.append("c:" + sp.entity)
        feats.append("c:" + candidate_kind(sp))
    # identifier and words together: "PERSON & admitted" is a person's care, "admitted" alone may be statistics
    per_entity: dict[str, int] = {}
    for sp in spans:
        if sp.entity == "DESCRIPTION" or per_entity.get(sp.entity, 0) >= 3:
            continue
        per_entity[sp.entity] = per_entity.get(sp.entity, 0) + 1
        feats += ["x:" + sp.entity + "&" + t[0] for t in toks if abs(t[1] - sp.start) < CONJ_WINDOW and not sp.start <= t[1] < sp.end]
    feats += meta_features(meta)
    return feats


CONJ_WINDOW = 80  # characters around an identifier whose words pair with it
READ_INSIDE = ("DESCRIPTION", "QUASI")  # candidates whose own words are features (a name's or a number's are not)
INSIDE_WORDS = 24


def span_features(text: str, sp, toks, meta: PostMeta, post_p: float, sent_p: float, cues: dict | None = None,
                  sent: tuple[int, int] | None = None) -> list[str]:
    e = sp.entity
    i = bisect.bisect_left(toks, sp.start, key=lambda t: t[2]) if toks else 0  # first token ending after the start
    j = bisect.bisect_left(toks, sp.end, key=lambda t: t[1]) if toks else 0  # first token starting at or after the end
    while i > 0 and toks[i - 1][2] > sp.start:
        i -= 1
    left = [t[0] for t in toks[max(0, i - 6):i] if t[2] <= sp.start]
    right = [t[0] for t in toks[j:j + 6]]
    inside = [t for t in toks[i:j] if t[1] < sp.end and t[2] > sp.start]
    f = ["e:" + e, "k:" + candidate_kind(sp), "pp:" + bucket(post_p), "sp:" + bucket(sent_p),
         "e:" + e + ":pp:" + bucket(post_p), "e:" + e + ":sp:" + bucket(sent_p)]
    for k, v in sp.attrs:
        if isinstance(v, (bool, str)) and len(str(v)) < 24:
            f.append(f"a:{e}:{k}={v}")
    for i, w in enumerate(reversed(left)):
        if i < 3:
            f.append(f"l{i}:{w}")
        f.append("lw:" + w)
        f.append(f"{e}:lw:{w}")
    for i, w in enumerate(right):
        if i < 3:
            f.append(f"r{i}:{w}")
        f.append("rw:" + w)
        f.append(f"{e}:rw:{w}")
    raw = sp.text
    shape = "".join("X" if c.isupper() else "x" if c.islower() else "9" if c.isdigit() else c for c in raw[:8])
    f.append(f"{e}:shape:{shape}")
    f.append(f"{e}:ntok:{min(len(inside), 4)}")
    if inside:
        f.append(f"{e}:first:{inside[0][0]}")
    if e in READ_INSIDE:  # what a description says ("retired band director", "fell through the bleachers"), not a name
        f += word_features([t[0] for t in inside[:INSIDE_WORDS]], e + ":in:")
    if sp.start == 0 or text[:sp.start].rstrip()[-1:] in ".!?\n":
        f.append(f"{e}:sentstart")
    if meta.reply_words and any(fold(w) in fold(raw) for w in meta.reply_words if len(w) > 2):
        f.append("replyaddr")
    f += [e + ":" + m for m in meta_features(meta)]
    f += [e + ":hw:" + w for w in camel_words(raw)]  # what a name hashtag says of the person: "#PrayFor..", "#..Strong"
    if cues:
        lo, hi = sent if sent else (0, len(text))
        f += cue_features(cues, lo, hi, e + ":scue:")
        f += cue_features(cues, max(0, sp.start - 40), sp.end + 40, e + ":ncue:")
    return f


class LinearModel:
    """sigmoid(b + w·x / sqrt(n)) over n binary hashed features."""

    def __init__(self, w, b: float):
        self.w = w
        self.b = float(b)

    def score(self, feats: list[str]) -> float:
        idx = hashed(feats)
        if not idx:
            return 1 / (1 + math.exp(-self.b))
        z = self.b + float(self.w[idx].sum()) / math.sqrt(len(idx))
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def weigh(self, feats: list[str]) -> list[tuple[str, float]]:
        """Each feature with what it added to the decision (for explanations)."""
        idx = hashed(feats)
        n = math.sqrt(max(1, len(idx)))
        seen = {}
        for fe in feats:
            seen.setdefault(fe, float(self.w[index(fe)]) / n)
        return sorted(seen.items(), key=lambda kv: -abs(kv[1]))


@dataclass
class Judgment:
    """What the learned judgment said of one text."""

    post: float  # probability that the text tells of an identifiable individual's care
    sentences: list[tuple[int, int, float]] = field(default_factory=list)  # (start, end, probability), in order
    spans: dict[tuple[int, int, str], float] = field(default_factory=dict)  # (start, end, entity) -> probability
    care_words: tuple[str, ...] = ()  # the words that weighed most toward "care of a person"
    language: Language = ENGLISH  # the text's language (classify.language): is it one the judgment can read?

    def sentence(self, pos: int) -> tuple[int, int, float] | None:
        """The sentence holding `pos` (with its probability), None outside every sentence."""
        i = bisect.bisect_right(self.sentences, pos, key=lambda x: x[0]) - 1
        if i >= 0 and self.sentences[i][0] <= pos < self.sentences[i][1]:
            return self.sentences[i]
        return None

    def sentence_p(self, pos: int) -> float:
        got = self.sentence(pos)
        return got[2] if got is not None else self.post

    def span_p(self, sp) -> float | None:
        return self.spans.get((sp.start, sp.end, sp.entity))


class Judge:
    def __init__(self, post_model: LinearModel, span_model: LinearModel, thresholds: dict, digest: str):
        self.post_model = post_model
        self.span_model = span_model
        self.thresholds = thresholds
        self.digest = digest

    def explain(self, feats: list[str], n: int = 3) -> tuple[str, ...]:
        """The words that weighed most toward "tells of a person's care", in words a reader understands."""
        out: list[str] = []
        for fe, v in self.post_model.weigh(feats):
            if v <= 0 or len(out) >= n:
                continue
            words = _readable(fe)
            if words and not any(words in o or o in words for o in out):
                out.append(words)
        return tuple(out)

    @property
    def care_threshold(self) -> float:
        return float(self.thresholds.get("post", 0.5))

    def judge(self, text: str, sents: list[tuple[int, int]], spans: Sequence, meta: PostMeta, cues: dict | None = None) -> Judgment:
        toks = tokens(text)
        pf = post_features(text, spans, meta, toks, cues)
        post_p = self.post_model.score(pf)
        sentences = []
        starts = [t[1] for t in toks]
        for i, (s, e) in enumerate(sents):
            lo, hi = sents[max(0, i - 1)][0], sents[min(len(sents) - 1, i + 1)][1]
            if lo <= sents[0][0] and hi >= sents[-1][1]:
                sentences.append((s, e, post_p))  # the window is the whole text: the post's judgment
                continue
            window_toks = toks[bisect.bisect_left(starts, lo):bisect.bisect_left(starts, hi)]  # toks are in text order
            window_spans = [sp for sp in spans if lo <= sp.start < hi]
            sentences.append((s, e, self.post_model.score(post_features(text[lo:hi], window_spans, meta, window_toks, cues, lo, hi))))
        j = Judgment(post=post_p, sentences=sentences, language=detect_language(text))
        for sp in spans:
            sent = j.sentence(sp.start)
            f = span_features(text, sp, toks, meta, post_p, sent[2] if sent else post_p, cues, sent[:2] if sent else None)
            j.spans[(sp.start, sp.end, sp.entity)] = self.span_model.score(f)
        if post_p >= self.care_threshold:
            j.care_words = self.explain(pf)
        return j


def _readable(feature: str) -> str | None:
    """The words of a word or word-pair feature, when they say something (not 'the', 'in', a number shape)."""
    from ..lexicon import zipf

    kind, _, body = feature.partition(":")
    if kind not in ("w", "b") or "<" in body:
        return None
    words = body.split("_")
    if all(len(w) < 4 or zipf(w) >= 5.8 for w in words):
        return None
    return " ".join(words)


def save(path: Path, post_w, post_b: float, span_w, span_b: float, thresholds: dict, info: dict) -> None:
    import numpy as np

    meta = json.dumps({"feature_version": FEATURE_VERSION, "dim": DIM, "thresholds": thresholds, **info}, sort_keys=True)
    buf = io.BytesIO()
    np.savez_compressed(buf, post_w=np.asarray(post_w, dtype=np.float32), post_b=np.float64(post_b),
                        span_w=np.asarray(span_w, dtype=np.float32), span_b=np.float64(span_b), meta=np.array(meta))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())


@lru_cache(maxsize=2)
def load(path: str | None = None) -> Judge:
    import numpy as np

    p = Path(path) if path else WEIGHTS
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise JudgmentError(f"{p}: cannot read the judgment's weights ({exc.strerror}); run `phiscan train`") from None
    with np.load(io.BytesIO(raw), allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        if meta.get("feature_version") != FEATURE_VERSION or meta.get("dim") != DIM:
            raise JudgmentError(f"{p}: weights made for feature version {meta.get('feature_version')}, this phiscan "
                                f"makes version {FEATURE_VERSION}; run `phiscan train`")
        judge = Judge(LinearModel(z["post_w"], float(z["post_b"])), LinearModel(z["span_w"], float(z["span_b"])),
                      meta.get("thresholds", {}), hashlib.sha256(raw).hexdigest()[:16])
    return judge
