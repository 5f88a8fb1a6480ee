"""Quasi-identifiers: occupation or role, relationship to a known person, newsworthy event, rare condition,
distinctive feature. Alone they name no one; the re-identification rule combines them with other signals."""
from __future__ import annotations

import re

from ..model import Span
from ..nlp import Analysis
from .base import add_longest, span

MOD = r"(?:(?:retired|local|former|longtime|long-time|beloved|star|head|assistant|only|first|lone|town|school|county|city|village|the|a|an|our|their|high\s+school|middle\s+school|long-haul|volunteer|woman|female|male|young|old|new|senior|junior|substitute|varsity|little\s+league|\w+'s)\s+)"
OCCUPATIONS = (
    r"teacher|schoolteacher|kindergarten\s+teacher|principal|librarian|school\s+librarian|professor|pastor|priest|reverend|minister|rabbi|imam|deacon|"
    r"fire\s+chief|police\s+chief|chief|firefighter|fireman|fire\s+captain|captain|police\s+officer|officer|deputy|sheriff|trooper|"
    r"mayor|councilman|councilwoman|council\s+member|judge|coach|head\s+coach|quarterback|QB|linebacker|pitcher|lefty|point\s+guard|"
    r"cheerleader|athlete|weatherman|weather\s+girl|anchor|news\s+anchor|reporter|farmer|dairy\s+farmer|rancher|trucker|truck\s+driver|"
    r"driver|bus\s+driver|school\s+bus\s+driver|lineworker|lineman|barber|baker|butcher|mechanic|mail\s+carrier|mailman|postmaster|"
    r"bartender|waitress|cashier|clerk|pharmacist|veterinarian|vet|veteran|war\s+vet|marine|soldier|student|fourth-grader|\w+-grader|"
    r"valedictorian|homecoming\s+queen|CT\s+technologist|technologist|CFO|CEO|owner|shop\s+owner|store\s+owner"
)
OCCUPATION = re.compile(r"\b(?:(?:the|a|an|our|their)\s+)?(?:[A-Z][\w'’-]+\s+){0,2}" + MOD + r"{0,3}(?:" + OCCUPATIONS + r")s?\b(?:\s+(?:from|at|of|for)\s+(?:the\s+)?(?:[A-Z][\w'’-]+\s?){1,3})?", re.I)
# The writer's colleagues: a hospital role after "our"/"my", or any role in the plural after them ("our pharmacists",
# "congrats to our unit clerks"); a group is not one patient.
STAFF_ROLE = re.compile(r"\b(?:our|my)\s+(?:\w+\s+){0,2}?(?:(?:pharmacist|technologist|ceo|cfo|clerk)s?|(?:" + OCCUPATIONS + r")s)\b", re.I)
RUNS = re.compile(r"\b(?:the\s+)?(?:guy|man|woman|lady|gal|girl|boy|dude|kid|person)\s+(?:\w+\s+){0,2}?(?:who|that)\s+(?:runs|owns|works|manages|coaches|teaches|drives|plays|sings|preaches)\b(?:\s+\w+){0,3}", re.I)
RUNS_SHORT = re.compile(r"\b(?:runs|owns|manages)\s+the\s+(?:\w+\s+){0,2}?(?:counter|bakery|shop|store|diner|bar|restaurant|station|farm|garage|salon|market)\b", re.I)
RELATION = re.compile(
    r"\b(?:the|our|our\s+own|a|their)\s+(?:[\w-]+\s+){0,2}(?:mayor|pastor|chief|coach|principal|sheriff|cfo|ceo|charge\s+nurse|nurse|doctor|senator|teacher|judge|"
    r"governor|bishop|owner|president)(?:'s|’s)\s+(?:\w+\s+)?(?:son|daughter|wife|husband|father|mother|dad|mom|brother|sister|twin\s+sister|"
    r"twin\s+brother|grandson|granddaughter|kid|kids|baby|niece|nephew|boyfriend|girlfriend)\b",
    re.I,
)
EVENT_NOUN = (
    r"crash|pileup|pile-up|rollover|roll-over|collision|wreck|fire|blaze|explosion|collapse|shooting|stabbing|drowning|near-drowning|"
    r"accident|tornado|storm|flood|lightning\s+strike|bin\s+accident|parade|field\s+trip|rodeo|derailment|stampede|attack|bombing|"
    r"overdose\s+cluster|outbreak|spill"
)
EVENT = re.compile(
    r"\b(?:(?:the|a|this\s+morning's|last\s+night's|\w+day's|[A-Z][\w-]*|grain|bin|elevator|warehouse|church|house|barn|bus|school|"
    r"multi-vehicle|car|farm|boating|tractor|combine|bridge|highway|motorcycle|atv|hunting|fireworks|chemical|plant|mine|founders|homecoming)\s+){0,3}"
    r"(?:" + EVENT_NOUN + r")\b",
)
CONDITION = re.compile(
    r"\b(?:(?:the\s+)?(?:little\s+)?(?:girl|boy|man|woman|kid|baby)\s+with\s+)?(?:rare|ultra-rare|one-in-a-million)\s+(?:\w+\s+){0,2}?(?:disorder|disease|condition|syndrome|cancer|tumor|genetic\s+\w+)\b"
    r"|\bone\s+of\s+(?:maybe\s+|only\s+|just\s+)?\d+\s+(?:kids|people|children|patients|cases|babies|adults)\s+in\s+(?:the\s+)?(?:whole\s+)?(?:state|country|county|world|region|nation|town)\b"
    r"|\b(?:a\s+case\s+of\s+|the\s+(?:little\s+)?(?:girl|boy|man|woman|kid|baby)\s+with\s+)?(?:leprosy|hansen's\s+disease|harlequin\s+ichthyosis|progeria|rabies|plague|anthrax|botulism|"
    r"tetanus|measles|polio|diphtheria|conjoined\s+twins|fibrodysplasia|epidermolysis\s+bullosa|\w+\s+ichthyosis)\b"
    r"|\b(?:delivered|had|gave\s+birth\s+to)\s+(?:her\s+)?(?:triplets|quadruplets|quintuplets|sextuplets|septuplets)\b",
    re.I,
)
FEATURE = re.compile(
    r"\b(?:(?:\w+\s+){0,2}tattoos?\s+(?:across|on|over|covering)\s+(?:his|her|their)\s+\w+|birthmark\s+\w+\s+\w+|(?:missing|one)\s+(?:an?\s+)?(?:eye|arm|leg|hand)|"
    r"seven[- ]foot|7[- ]foot|(?:bright\s+)?(?:purple|green|blue|pink)\s+hair|eye\s+patch|prosthetic\s+\w+)\b",
    re.I,
)
FAMILY_SIZE = re.compile(r"\b(?:single\s+)?(?:mom|mother|dad|father|parent)\s+of\s+(?:\d+|two|three|four|five|six|seven|eight|nine|ten)\b", re.I)
GROUP_AGE = re.compile(r"\b(?:two|three|four|five|six|\d)\s+(?:teenagers|teens|kids|children|students|siblings|brothers|sisters)\b", re.I)
TRAPPED = re.compile(r"\b\d{1,2}[- ]?(?:year[- ]old|yo|yr[- ]old)\s+(?:who\s+was\s+)?(?:trapped|pinned|pulled|rescued|driver|passenger|boy|girl|man|woman|farmer|teacher|\w+er)\b(?:\s+\w+){0,0}", re.I)
COMBINE = re.compile(r"\bput\s+(?:his|her)\s+\w+\s+through\s+the\s+\w+", re.I)


class QuasiDetector:
    name = "quasi"
    entities = ("QUASI",)
    needs_nlp = False

    def detect(self, a: Analysis) -> list[Span]:
        t = a.text
        out: list[Span] = []

        def add(sp: Span) -> None:
            add_longest(out, sp, min_len=3)

        for rx, kind, why in (
            (RELATION, "relationship", "relationship to a known person"),
            (RUNS, "occupation", "what the person does (runs, owns, works at)"),
            (RUNS_SHORT, "occupation", "what the person does (runs, owns, works at)"),
            (CONDITION, "condition", "rare condition or rare birth"),
            (FEATURE, "feature", "distinctive physical feature"),
            (FAMILY_SIZE, "family", "family situation"),
            (GROUP_AGE, "group", "small group with an age"),
            (TRAPPED, "age_role", "age with a role in an event"),
            (COMBINE, "event", "a specific, recognisable event"),
        ):
            for m in rx.finditer(t):
                add(span("QUASI", m, t, 0.6, self.name, why, kind=kind))
        for m in OCCUPATION.finditer(t):
            seg = m.group(0)
            low = seg.lower()
            # bare generic words are not identifying ("the driver", "a student", "our officer")
            core = re.sub(r"^(?:(?:the|a|an|our|their)\s+)+", "", low)
            if core in ("driver", "student", "officer", "owner", "chief", "captain", "vet", "veteran", "clerk", "technologist", "athlete", "pharmacist", "ceo", "cfo"):
                continue
            if STAFF_ROLE.search(low):
                continue  # "our pharmacist", "our unit clerks": the writer's colleagues, not a patient
            add(span("QUASI", m, t, 0.55, self.name, "occupation or role", kind="occupation"))
        for m in EVENT.finditer(t):
            seg = m.group(0)
            if re.fullmatch(r"(?:the|a)?\s*(?:fire|storm|accident|attack|parade|flood)", seg.strip(), re.I):
                continue  # bare generic words
            if re.search(r"\b(?:heart|panic|asthma)\s+attack|fire\s+(?:drill|safety)|storm\s+shift", seg, re.I):
                continue
            add(span("QUASI", m, t, 0.55, self.name, "newsworthy event", kind="event"))
        return sorted(out, key=lambda s: s.start)


# A clause of a sentence: the unit a singling-out description lives in ("a trooper standing beside your gurney",
# "the smallest triplets this unit has ever discharged"). Every clause of 3 to 24 words is proposed as a DESCRIPTION
# candidate; the learned judgment says which ones single out the patient.
CLAUSE_BREAK = re.compile(r"[,;:!?()\[\]|•\n]+|[.](?=\s|$)|\s[-–—]+\s|\s(?=(?:and|but|so|because|who|which|while|after|when)\s)")


class DescriptionDetector:
    name = "descriptions"
    entities = ("DESCRIPTION",)
    needs_nlp = False

    def detect(self, a: Analysis) -> list[Span]:
        t = a.text
        out = []
        start = 0
        for m in list(CLAUSE_BREAK.finditer(t)) + [None]:
            end = m.start() if m is not None else len(t)
            seg = t[start:end]
            words = seg.split()
            if 3 <= len(words) <= 24:
                s = start + (len(seg) - len(seg.lstrip()))
                e = start + len(seg.rstrip())
                out.append(span("DESCRIPTION", (s, e), t, 0.3, self.name, "a clause that may describe a person", kind="clause"))
            start = m.end() if m is not None else len(t)
        return out


# a handle may hold dots inside it (Instagram and TikTok "@mo.abdi.k", Bluesky "@name.bsky.social"), never at its end
HANDLE = re.compile(r"(?<![\w@./])@(?!\d+(?i:[a-z]{1,3})?\b)([A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)(?![\w@/]|\.\w)")
# a dotted "handle" that ends in a web domain is a site or an e-mail domain written after an @ ("@riverbend.org")
_WEB_ENDING = re.compile(r"\.(?:com|org|net|edu|gov|mil|int|io|co|us|uk|ca|info|biz|example|test|invalid|localhost)$", re.I)


class HandleDetector:
    name = "handles"
    entities = ("HANDLE",)
    needs_nlp = False

    def detect(self, a: Analysis) -> list[Span]:
        out = []
        for m in HANDLE.finditer(a.text):
            if "." in m.group(1) and _WEB_ENDING.search(m.group(1)):
                continue
            leading = a.text[: m.start()].strip() == "" or re.fullmatch(r"(?:RT\s*)?", a.text[: m.start()].strip() or "")
            out.append(span("HANDLE", m, a.text, 0.9, self.name, "social media handle", handle=m.group(1).lower(), leading=bool(leading)))
        return out
