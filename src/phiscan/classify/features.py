"""Features of the learned judgment: what a post says (its words, the identifier candidates in it, who wrote it)
and what surrounds each candidate span. Features are strings hashed into a fixed-size space, so the shipped
weights are one array and nothing grows with the vocabulary of a scan.

The same functions make features at training (`phiscan train`) and at scan time; `FEATURE_VERSION` is part of
the weights file, and a mismatch refuses to load rather than judging with features the weights never saw.
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from typing import Iterable

import regex

FEATURE_VERSION = 8
DIM = 1 << 18

_WORD = re.compile(r"[@#]?[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_DIGITS = re.compile(r"\d")


def fold(text: str) -> str:
    """Lower case without diacritics: 'Đức' and 'duc', 'cirugía' and 'cirugia' are one feature."""
    t = unicodedata.normalize("NFKD", text.lower().replace("đ", "d").replace("ł", "l").replace("ø", "o"))
    return "".join(c for c in t if not unicodedata.combining(c))


def token_form(tok: str) -> str:
    """The feature form of a token: handles and hashtags by kind, numbers by shape, words folded."""
    if tok.startswith("@"):
        return "<@handle>"
    if tok.startswith("#"):
        return "#" + fold(tok[1:])
    if any(c.isdigit() for c in tok):
        shape = _DIGITS.sub("9", fold(tok))
        return "<num:" + (shape if len(shape) <= 5 else shape[:3] + "+") + ">"
    return fold(tok)


def tokens(text: str) -> list[tuple[str, int, int, str]]:
    """(form, start, end, raw) of every word of the text."""
    forms = _FORMS
    out = []
    for m in _WORD.finditer(text):
        raw = m.group()
        f = forms.get(raw)
        if f is None:  # token_form is a function of the word alone: each word's form is made once
            if len(forms) >= _INDEX_LIMIT:
                forms.clear()
            f = forms[raw] = token_form(raw)
        out.append((f, m.start(), m.end(), raw))
    return out


_FORMS: dict[str, str] = {}


def word_features(forms: list[str], prefix: str = "") -> list[str]:
    out = []
    for i, f in enumerate(forms):
        out.append(prefix + "w:" + f)
        if i + 1 < len(forms):
            out.append(prefix + "b:" + f + "_" + forms[i + 1])
        if len(f) >= 5 and f[0].isalpha():  # word pieces: "gallbladder" and "gallbladders", "intubé" and "intubada"
            out.append(prefix + "p:" + f[:4])
            out.append(prefix + "s:" + f[-4:])
    return out


_CAMEL = regex.compile(r"\p{Lu}?\p{Ll}+|\p{Lu}+(?!\p{Ll})|\d+")


def camel_words(tag: str) -> list[str]:
    """The word forms a CamelCase hashtag is built of: "#PrayForMateo" says "pray", "for", "mateo", "#NICUStrong"
    "nicu" and "strong", like the same words written out; none for a one-word or short tag."""
    parts = _CAMEL.findall(tag[1:]) if tag.startswith("#") and len(tag) > 4 else []
    return [token_form(p) for p in parts] if len(parts) > 1 else []


def hashtag_words(toks) -> list[str]:
    """Word features of the hashtags among tokens (see camel_words)."""
    return ["w:" + w for t in toks for w in camel_words(t[3])]


_INDEX: dict[str, int] = {}
_INDEX_LIMIT = 50_000  # features and word forms remembered (about 6 MB each at most; cleared when full)


def index(feature: str) -> int:
    """A feature's index in the hashed space (crc32 is stable across processes, unlike hash())."""
    i = _INDEX.get(feature)
    if i is None:
        if len(_INDEX) >= _INDEX_LIMIT:
            _INDEX.clear()
        i = _INDEX[feature] = zlib.crc32(feature.encode("utf-8")) % DIM
    return i


def hashed(features: Iterable[str]) -> list[int]:
    """Indices of the features in the hashed space, each once, sorted."""
    features = features if isinstance(features, list) else list(features)
    got = set(map(_INDEX.get, features))  # known features in one pass; the new ones (None) through index()
    if None in got:
        got.discard(None)
        got.update(index(f) for f in features if f not in _INDEX)
    return sorted(got)


def bucket(p: float) -> str:
    return str(min(9, int(p * 10)))
