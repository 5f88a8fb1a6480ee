"""A safer rewrite of a post: the whole identifying span set replaced by placeholders, with presidio-anonymizer.

What is replaced: every finding in the post's text at any severity (a low finding in a post that discloses a
patient is still one of the things that point to them), each grown to the whole of what identifies: the whole
word ("@alderglenfd's captain", not "@" + a placeholder), a surname or first name beside a name ("Meet
<NAME> Whitaker" keeps nothing), a courtesy title before it ("Mr."); and what the detectors leave out: an age
over 89 said bare ("at 94"), and the writer's own tie to the patient ("my pt" -> "a patient"). Then it is
made to read: overlapping and adjacent placeholders of one kind are one, a detail beside an age or place takes
it in ("an <AGE> <DETAIL>" -> "a <DETAIL>"), a patient phrase swallows the name
placeholder that follows it ("my pt dmitri" -> "a patient"), and "a"/"an" agree with what follows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Finding

PLACEHOLDER = {
    "PERSON": "<NAME>", "HASHTAG": "<NAME HASHTAG>", "HANDLE": "<HANDLE>", "DATE": "<DATE>", "AGE": "<AGE>",
    "ROOM": "<ROOM>", "MRN": "<RECORD NUMBER>", "ID": "<ID NUMBER>", "PHONE": "<PHONE>", "EMAIL": "<EMAIL>",
    "URL": "<LINK>", "IP_ADDRESS": "<IP ADDRESS>", "GPS": "<GPS>", "DEVICE_ID": "<DEVICE ID>", "LOCATION": "<PLACE>", "ZIP": "<ZIP>", "QUASI": "<DETAIL>", "DESCRIPTION": "<DETAIL>", "FACILITY": "<FACILITY>",
}
OVER_89 = "<AGE 90+>"
DETAIL = PLACEHOLDER["DESCRIPTION"]
_SUBJECTS = {"PERSON", "HASHTAG", "HANDLE", "PATIENT"}
# findings on words that are no identifier: the cue of a photo or gossip rule ("whiteboard", "guess who"), whose
# identifiers have findings of their own
NOT_IDENTIFIERS = {"CUE", "POST", "SUPPRESSION"}
# how a placeholder is read aloud, for "a"/"an": <AGE> is "an age", <NAME> "a name"
_VOWEL_SOUND = re.compile(r"<[AEIOU]")

_TITLE = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Mx|Miss|Mister|Mme|Sr|Sra|Srta)\.?\s+)$")
_NEXT_NAME = re.compile(r"\s+([A-ZÀ-Ý][a-zà-ÿ'’-]+|[A-Z]\.)(?![\w'’-])")
_PREV_NAME = re.compile(r"(?<![\w'’-])([A-ZÀ-Ý][a-zà-ÿ'’-]+)\s+$")
# the writer's own patients: "my pt", "our patient", "my pts"
_MY_PATIENT = re.compile(r"\b(?:my|our)\s+(?:(pt|patient)|(pts|patients))(?=\W|$)(['’]s)?", re.I)
# an age over 89 said bare, which no age pattern takes: "at 94 she walked out", "she is 101 today"
_BARE_OLD_AGE = re.compile(
    r"\b(?:at|is|was|turns|turned|aged?|now|just)\s+(9\d|1[01]\d|12[0-5])\b(?!\s*(?:%|percent|[ap]\.?m\b|mg|kg|lbs?|"
    r"minutes?|mins?|hours?|hrs?|days?|weeks?|months?|beds?|rooms?|patients?|people|units?|miles?|(?-i:[A-Z])))", re.I)


@dataclass
class _Cut:
    start: int
    end: int
    value: str
    kind: str  # the entity, "PATIENT" for the writer's tie to a patient


def identifying_spans(text: str, findings: list[Finding]) -> list[_Cut]:
    """What the rewrite replaces: (start, end, placeholder) over `text`, sorted, none overlapping."""
    cuts: list[_Cut] = []
    for f in findings:
        if f.field != "text" or not (0 <= f.start < f.end <= len(text)) or f.entity in NOT_IDENTIFIERS:
            continue
        value = PLACEHOLDER.get(f.entity or "", "<PHI>")
        if f.entity == "AGE" and (f.rule == "PHI104" or _age_over_89(text[f.start:f.end])):
            value = OVER_89
        s, e = _whole_words(text, f.start, f.end)
        if f.entity == "PERSON":
            s, e = _whole_name(text, s, e)
        cuts.append(_Cut(s, e, value, f.entity or "PHI"))
    for m in _BARE_OLD_AGE.finditer(text):
        cuts.append(_Cut(m.start(1), m.end(1), OVER_89, "AGE"))
    if not cuts:
        return []
    for m in _MY_PATIENT.finditer(text):
        if not any(c.start < m.end() and m.start() < c.end for c in cuts):
            phrase = ("patients" if m.group(2) else "patient") + ("’s" if m.group(3) and "’" in m.group(3) else "'s" if m.group(3) else "")
            cuts.append(_Cut(m.start(), m.end(), ("the " if m.group(2) else "a ") + phrase, "PATIENT"))
    return _merge(text, cuts)


def _age_over_89(s: str) -> bool:
    return any(90 <= int(n) <= 125 for n in re.findall(r"\d{2,3}", s))


def _whole_words(text: str, s: int, e: int) -> tuple[int, int]:
    """Grow a span that starts or ends inside a word (a handle's '@', a clause cut mid-word) to the whole word,
    with the '@' or '#' before it; a possessive "'s" after it stays ("<NAME>'s daughter")."""
    while s > 0 and text[s - 1].isalnum() | (text[s - 1] == "_") and (text[s].isalnum() or text[s] == "_"):
        s -= 1
    if s > 0 and text[s - 1] in "@#" and (s < 2 or not text[s - 2].isalnum()):
        s -= 1
    while e < len(text) and (text[e].isalnum() or text[e] == "_") and (text[e - 1].isalnum() or text[e - 1] == "_"):
        e += 1
    return s, e


def _whole_name(text: str, s: int, e: int) -> tuple[int, int]:
    """A name with the parts beside it that the detectors left out: a surname or initial after it ("Rosalind"
    of "Rosalind Whitaker"), a first name before it, a courtesy title before it ("Mr. Whitaker")."""
    from .lexicon import is_common_word, is_first_name, is_surname

    while True:
        m = _NEXT_NAME.match(text, e)
        if not m:
            break
        w = m.group(1)
        if not (w.endswith(".") or is_surname(w.strip("'’")) or not is_common_word(w)):
            break
        e = m.end(1)
    m = _PREV_NAME.search(text[:s])
    if m and is_first_name(m.group(1)) and not is_common_word(m.group(1)):
        s = m.start(1)
    t = _TITLE.search(text[max(0, s - 12):s])
    if t:
        s -= len(t.group(0))
    return s, e


def _merge(text: str, cuts: list[_Cut]) -> list[_Cut]:
    """Overlapping cuts become one (the longest one's placeholder); neighbours with nothing or only spaces
    between them and the same placeholder become one ("<NAME> <NAME>"); a patient phrase takes the name right
    after it ("a patient <NAME>" -> "a patient", "a patient, <NAME>," -> "a patient,")."""
    cuts = sorted(cuts, key=lambda c: (c.start, -(c.end - c.start)))
    out: list[_Cut] = []
    for c in cuts:
        if out and c.start < out[-1].end:
            last = out[-1]
            if c.kind == "PATIENT" or last.kind == "PATIENT":
                keep = c if c.kind != "PATIENT" else last
            else:
                keep = last if (last.end - last.start) >= (c.end - c.start) else c
            out[-1] = _Cut(last.start, max(last.end, c.end), keep.value, keep.kind)
            continue
        if out:
            last = out[-1]
            gap = text[last.end:c.start]
            if not gap.strip() and c.value == last.value:
                out[-1] = _Cut(last.start, c.end, last.value, last.kind)
                continue
            # a detail right beside an age, a place or another detail is one description ("an <AGE> <DETAIL>"
            # reads as "a <DETAIL>"); beside a name, handle or patient phrase it stays apart (they are its subject)
            if not gap.strip() and DETAIL in (c.value, last.value) and not {c.kind, last.kind} & _SUBJECTS:
                out[-1] = _Cut(last.start, c.end, DETAIL, "DESCRIPTION")
                continue
            if last.kind == "PATIENT" and c.kind in ("PERSON", "HASHTAG") and re.fullmatch(r"\s*|,\s*", gap):
                tail = re.match(r",", text[c.end:])  # the apposition's closing comma goes with it
                end = c.end + (1 if tail and gap.strip() == "," else 0)
                out[-1] = _Cut(last.start, end, last.value, last.kind)
                continue
        out.append(c)
    return out


def suggest_rewrite(text: str, findings: list[Finding]) -> str:
    """The post with its whole identifying span set replaced (see the module's docstring)."""
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    cuts = identifying_spans(text, findings)
    if not cuts:
        return text
    # presidio replaces by entity type: one type per cut, so that each gets its own words
    results, operators = [], {}
    for i, c in enumerate(cuts):
        value = c.value
        if c.kind == "PATIENT" and _sentence_start(text, c.start):
            value = value[0].upper() + value[1:]
        operators[f"CUT{i}"] = OperatorConfig("replace", {"new_value": value})
        results.append(RecognizerResult(entity_type=f"CUT{i}", start=c.start, end=c.end, score=1.0))
    out = AnonymizerEngine().anonymize(text=text, analyzer_results=results, operators=operators).text
    return _articles(out)


def _sentence_start(text: str, i: int) -> bool:
    before = text[:i].rstrip()
    return not before or before[-1] in ".!?\n"


def _articles(text: str) -> str:
    """'a'/'an' agree with the placeholder after them: "a <AGE>" -> "an <AGE>", "an <NAME>" -> "a <NAME>"."""
    def fix(m: re.Match) -> str:
        art, ph = m.group(1), m.group(2)
        want = "an" if _VOWEL_SOUND.match(ph) else "a"
        if art[0].isupper():
            want = want.capitalize()
        return f"{want} {ph}"

    return re.sub(r"\b([Aa]n?) (<[A-Z0-9 +]+>)", fix, text)
