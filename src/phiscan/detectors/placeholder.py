"""Placeholder values: the sample data of demo wristbands, training screens and test records ("TEST, PATIENT",
"ZZDEMO", "MRN 000000", "123456789", "Rm 000", "DOB 01/01/1900"). Test records in health IT follow a few conventions (a ZZ or TEST
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
ENTITIES = ("PERSON", "MRN", "ID", "DATE", "ROOM")
# words a test record puts beside a marker, in the name's place: "BABY TEST", "TEST, ADULT", "DEMO, CHILD"
GENERIC_PERSON = frozenset({"baby", "boy", "girl", "adult", "child", "infant", "newborn", "mr", "mrs", "ms", "miss", "mx"})
# the earliest year a living patient can be born in: a date before it is a system's empty value (01/01/1900,
# 1/1/1901, 01/01/1800), the default of a training or test record, never a patient's birth or visit
EARLIEST_YEAR = 1905
_YEAR = re.compile(r"(?<!\d)(1[0-9]\d\d|0\d\d\d)(?!\d)")


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
    if any(w in MARKERS for w in words) and all(w in PLACEHOLDER_WORDS or w in GENERIC_PERSON for w in words):
        return True  # "BABY TEST", "Demo Girl"
    if "," not in text:
        return False
    surname, given = (part.strip().lower() for part in text.split(",", 1))
    # "TEST, ORTHO": a marker as the surname; "SIM, PATIENT", "CARDIO, RESIDENT": a placeholder in the given name's place
    return surname in MARKERS or (bool(given) and all(w in PLACEHOLDER_WORDS or w in GENERIC_PERSON for w in _WORD.findall(given)))


def placeholder_date(text: str) -> bool:
    """A date in a year before any living patient's birth (see EARLIEST_YEAR)."""
    m = _YEAR.search(text)
    # a year written as part of a date ("01/01/1900", "Jan 1, 1900"), not a clock time alone ("0400", "1130")
    return (m is not None and int(m.group(1)) < EARLIEST_YEAR and m.start() > 0 and text[m.start() - 1] in "/-., "
            and text.strip() != m.group(1))


def is_placeholder(sp: Span) -> bool:
    if sp.entity not in ENTITIES:
        return False
    if sp.entity == "DATE":
        return placeholder_date(sp.text)
    digits = re.sub(r"\D", "", sp.text)
    if sp.entity == "ROOM":  # "Rm 000", "Bed 00": no ward numbers a room zero
        return bool(digits) and set(digits) == {"0"}
    if sp.entity == "PERSON":
        return not digits and placeholder_words(sp.text)
    letters = _WORD.findall(sp.text)
    return bool(digits) and placeholder_number(digits) or (bool(letters) and placeholder_words(" ".join(letters)))


def mark(spans: list[Span]) -> list[Span]:
    """The spans, with ("placeholder", True) added to those made of placeholder values."""
    return [dataclasses.replace(sp, attrs=sp.attrs + (("placeholder", True),)) if is_placeholder(sp) else sp for sp in spans]
