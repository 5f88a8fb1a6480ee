"""Placeholder values: the sample data of demo wristbands, training screens and test records ("TEST, PATIENT",
"ZZDEMO", "MRN 000000", "123456789"). Test records in health IT follow a few conventions (a ZZ or TEST
surname, a number of one repeated digit or a run like 123456), the same way secret scanners tell
"AKIAEXAMPLE" from a key. A candidate made only of such values is marked `placeholder`; the rules show it at
low and the photo rule does not count it, since no patient's identifier is shown."""
from __future__ import annotations

import dataclasses
import re

from ..model import Span

# words that name a test record, never a person
PLACEHOLDER_WORDS = frozenset({"test", "tester", "testing", "demo", "sample", "dummy", "fake", "training", "trn", "trainee",
                               "mannequin", "manikin", "simman", "placeholder", "example", "patient", "resident", "xxx", "xxxx"})
_ZZ = re.compile(r"zz[a-z]*", re.I)  # ZZTEST, ZZDEMO: the EHR convention that sorts test patients last
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
ENTITIES = ("PERSON", "MRN", "ID")


def placeholder_number(digits: str) -> bool:
    """Six or more digits that are one repeated digit, a run up or down (123456, 987654), or a short number padded
    with zeros (000123). Shorter numbers (a plate's 1234) are too often real."""
    if len(digits) < 6:
        return False
    if len(set(digits)) == 1:
        return True
    steps = {(int(b) - int(a)) % 10 for a, b in zip(digits, digits[1:])}
    if steps in ({1}, {9}):
        return True
    return len(digits.lstrip("0")) <= 3


MARKERS = frozenset({"test", "demo", "dummy", "fake", "sample", "placeholder", "mannequin", "manikin", "simman"})


def placeholder_words(text: str) -> bool:
    """Every word a placeholder word ("TEST PATIENT"), a ZZ word anywhere ("ZZDEMO, ORTHO"), or a test marker as
    the surname of a "SURNAME, First" record name ("TEST, ORTHO")."""
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return False
    if any(_ZZ.fullmatch(w) for w in words) or all(w in PLACEHOLDER_WORDS for w in words):
        return True
    surname = text.split(",", 1)[0].strip().lower() if "," in text else ""
    return surname in MARKERS


def is_placeholder(sp: Span) -> bool:
    if sp.entity not in ENTITIES:
        return False
    digits = re.sub(r"\D", "", sp.text)
    if sp.entity == "PERSON":
        return not digits and placeholder_words(sp.text)
    letters = _WORD.findall(sp.text)
    return bool(digits) and placeholder_number(digits) or (bool(letters) and placeholder_words(" ".join(letters)))


def mark(spans: list[Span]) -> list[Span]:
    """The spans, with ("placeholder", True) added to those made of placeholder values."""
    return [dataclasses.replace(sp, attrs=sp.attrs + (("placeholder", True),)) if is_placeholder(sp) else sp for sp in spans]
