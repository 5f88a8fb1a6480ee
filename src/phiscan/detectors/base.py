"""Detector interface and helpers. A detector turns an analysed text into typed spans with an explanation."""
from __future__ import annotations

import re
from typing import Any, Iterable, Protocol

from ..model import Span
from ..nlp import Analysis


class Detector(Protocol):
    name: str
    entities: tuple[str, ...]
    needs_nlp: bool

    def detect(self, a: Analysis) -> list[Span]: ...


def span(entity: str, m: re.Match | tuple[int, int], text: str, score: float, detector: str, why: str, group: int | str = 0, **attrs: Any) -> Span:
    if isinstance(m, tuple):
        s, e = m
    else:
        s, e = m.span(group)
    s, e = trim(text, s, e)
    return Span(entity, s, e, text[s:e], score, detector, why, tuple(sorted(attrs.items())))


_TRIM = " \t\n\r.,;:!?\"'()[]{}…“”‘’*"


def trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in _TRIM:
        if text[s] == "(" and ")" in text[s:e]:
            break
        s += 1
    while e > s and text[e - 1] in _TRIM:
        if text[e - 1] == "." and e - s <= 4 and text[s:e - 1].isalpha():  # keep "Dr." "St."
            break
        e -= 1
    if e - s >= 2 and text[e - 2:e] in ("'s", "’s"):
        e -= 2
    return s, e


class RegexDetector:
    """A detector made of (entity, regex, score, why, attrs) patterns, with an optional validator per pattern."""

    name = "regex"
    entities: tuple[str, ...] = ()
    needs_nlp = False
    patterns: Iterable[tuple] = ()

    def detect(self, a: Analysis) -> list[Span]:
        out = []
        for entity, rx, score, why, group, attrs, validate in self.compiled():
            for m in rx.finditer(a.text):
                if m.group(group) is None:
                    continue
                extra = validate(m, a) if validate else {}
                if extra is None:
                    continue
                out.append(span(entity, m, a.text, score, self.name, why, group, **{**attrs, **extra}))
        return out

    def compiled(self):
        return self.patterns


def add_longest(spans: list[Span], sp: Span, *, same_entity: bool = False, min_len: int = 0) -> None:
    """Add a span to a detector's list, keeping only the longest of overlapping ones (of the same entity, if
    asked). Several detectors find the same stretch by different patterns; one span must stand for it."""
    if sp.end - sp.start < min_len:
        return
    for i, o in enumerate(spans):
        if o.overlaps(sp) and (not same_entity or o.entity == sp.entity):
            if sp.end - sp.start > o.end - o.start:
                spans[i] = sp
            return
    spans.append(sp)
