"""Roles: who each person and handle finding is (patient, relative, staff, public_figure or other), and why.

A role is read from local signals around the span, strongest first, and each role names the signal that set it
("relative: 'her dad'", "staff: ', MD'", "staff: '32 years in our cath lab'"):

1. the organization profile: a name on the staff roster, the organization's own account (staff);
2. titles and credentials: "Dr.", "Nurse", a staff role right before the name ("charge nurse"), a credential
   after it (", MD", " RN"), or a credential given with the same name elsewhere in the post (staff); a public
   office before it ("Senator", "Mayor": public_figure);
3. kin words right before the name ("her dad", "my pt's daughter"): relative;
4. patient words and chart forms ("my pt", "our patient", "SURNAME, First", a board row), a room or bed right
   beside the name ("Mr. Okafor in bed 12", "rm 4 - Okafor"): patient;
5. the reply addressee (the handle a reply opens with, the commenter replied to): patient when the reply speaks
   of care, relative when it speaks of the commenter's family ("your dad"), else other;
6. staff recognition in the name's sentence ("32 years in our cath lab", "keeps our ICU spotless", "joined our
   team"): staff: a unit named in praise of a colleague is not a patient story;
7. a public figure's words in the sentence ("senator", "told fans"): public_figure, except where the
   organization's own account confirms care (a celebrity it says it treats is its patient);
8. the learned judgment: a candidate it ties to the care the post tells of is the patient; else other.

Roles describe; they do not change severities (the rules do that). The signal quotes the words that raised the
role, never the name itself, so it can be shown wherever the explanation is.
"""
from __future__ import annotations

import regex as re
from dataclasses import dataclass
from typing import Any

from ..detectors.names import KIN_WORD

ROLES = ("patient", "relative", "staff", "public_figure", "other")
ENTITIES = ("PERSON", "HASHTAG", "HANDLE")


@dataclass(frozen=True)
class Role:
    role: str
    signal: str  # "relative: 'her dad'": the role, and what raised it


_STAFF_BEFORE = re.compile(
    r"(?:\b(?P<abbr>Dr|RN|NP|PA|CNA|LPN|MD|CRNA)\.?|(?i:\b(?P<word>charge\s+nurse|nurse\s+manager|nurse|doctor|preceptor|"
    r"surgeon|physician|hospitalist|pharmacist|therapist|technologist|chaplain|paramedic|recruiter|coworker|co-worker|"
    r"colleague|manager|director|volunteer|resident|intern|educator)))\.?,?\s*$")
_CREDENTIAL_AFTER = re.compile(r"^,?\s*(?:RN|MD|DO|NP|PA-C|CNA|LPN|BSN|MSN|DNP|PharmD|CRNA|APRN|FNP)\b")
_PUBLIC_TITLE = re.compile(r"(?i:\b(?:senator|sen\.|governor|gov\.|mayor|congress(?:man|woman)|councilman|councilwoman|"
                           r"council\s+member|commissioner|judge|state\s+rep\.?|representative))\s*$")
_PUBLIC_TITLES = {"senator", "governor", "mayor", "judge", "councilman", "councilwoman", "commissioner"}
_KIN_BEFORE = re.compile(r"(?i:(?:\b(?:his|her|their|my|your|our|the|pt's|patient's|a)\s+)?" + KIN_WORD + r")\s*[,:\-–]?\s*$")
_KIN_AFTER_YOUR = re.compile(r"(?i:\byour\s+" + KIN_WORD + r")")
_PATIENT_BEFORE = re.compile(r"(?i:\b(?:my|our|the|this)\s+(?:(?:sweet|little|favorite|fave|fav|dear)\s+)?"
                             r"(?:pt|patient|resident|kiddo|client)s?)\s*,?\s*$")
# staff recognition: years of service on a unit, praise for keeping a unit running, a colleague joining or leaving
_RECOGNITION = [re.compile(p, re.I) for p in (
    r"\b\d+\s+years?\s+(?:of\s+service\s+)?(?:in|on|with|at)\s+(?:our|the)\s+[\w&-]+(?:\s+[\w&-]+)?",
    r"\b(?:keeps?|kept|keeping)\s+our\s+[\w&-]+(?:\s+[\w&-]+)?\s+(?:spotless|clean|running|safe|stocked|organi[sz]ed|humming)",
    r"\b(?:retir\w+|retirement)\s+after\s+\d+\s+years",
    r"\b(?:employee|nurse|volunteer|tech|staff\s+member)\s+of\s+the\s+(?:month|year|quarter)",
    r"\b(?:daisy|bee|sunflower)\s+award",
    r"\b\d+\s+years\s+of\s+service",
    r"\bwork\s+anniversary",
    r"\bour\s+(?:own\s+)?(?:amazing\s+|incredible\s+|wonderful\s+)?(?:nurse|charge\s+nurse|tech|doctor|surgeon|"
    r"physician|pharmacist|therapist|volunteer|educator|manager|director|chaplain|secretary|colleague|team\s+member)s?\b",
)]


# a person thanked for the care they gave: "thanks to X for the amazing care my mom got"
_THANKED_FOR_CARE = re.compile(r"\s*,?\s*(for\s+(?:the|your|all\s+the|all\s+your|such|taking|being|always)\b[^.!?\n]{0,40}?"
                               r"\b(?:care|caring|looking\s+after|taking\s+care|kindness|compassion))\b", re.I)

# a colleague joining: "welcome X to our team", "X joined our 4 West team" (not "family": a baby joins a NICU family)
_JOINS = re.compile(r"\s*,?\s*((?:to|has\s+joined|joins|joined|is\s+joining)\s+our\s+(?:[\w&-]+\s+){0,2}?"
                    r"(?:team|unit|staff|department|nursing\s+staff))\b", re.I)


def _quote(text: str) -> str:
    return "'" + text + "'"  # as written: the scan cache stores a quoted piece as its offsets in the text


class RoleReader:
    """Reads the role of each person and handle span of one text, from a rules.engine.Context (its analysis,
    post, spans, profile, reply names and learned judgment)."""

    def __init__(self, ctx: Any):
        self.ctx = ctx
        self.text = ctx.a.text
        j, judge = ctx.judgment, ctx.judge
        self.care = bool(j is not None and judge is not None and j.post >= judge.care_threshold)
        self._credentialed = {self._key(s) for s in ctx.spans if s.entity == "PERSON" and s.attr("staff")}
        self._cache: dict[tuple[int, int, str], Role] = {}

    @staticmethod
    def _key(sp) -> str:
        return " ".join(sp.text.casefold().split())

    def role_of(self, sp) -> Role | None:
        if sp.entity not in ENTITIES:
            return None
        key = (sp.start, sp.end, sp.entity)
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = self._read(sp)
        return got

    # -- the signals, strongest first ---------------------------------------------------------------------------
    def _read(self, sp) -> Role:
        ctx, t = self.ctx, self.text
        before = t[max(0, sp.start - 40):sp.start]
        after = t[sp.end:sp.end + 16]
        matched = ctx.profile_match(sp)
        if "staff" in matched:
            return Role("staff", "staff: on the organization's staff roster")
        if "account" in matched:
            return Role("staff", "staff: the organization's own account")
        title_kind = sp.attr("title_kind")
        if title_kind == "staff":
            return Role("staff", f"staff: {_quote(sp.attr('title') or 'staff title')}")
        if sp.entity == "PERSON" and re.match(r"(?i:dr|doctor|nurse)\b", sp.text):
            return Role("staff", f"staff: {_quote(sp.text.split()[0])}")
        m = _STAFF_BEFORE.search(before)
        if m:
            return Role("staff", f"staff: {_quote(m.group(0).strip(' ,'))}")
        m = _CREDENTIAL_AFTER.match(after)
        if m:
            return Role("staff", f"staff: {_quote(m.group(0))}")
        if sp.attr("staff") or (sp.entity == "PERSON" and self._key(sp) in self._credentialed):
            return Role("staff", "staff: named with a credential elsewhere in the post")
        m = _PUBLIC_TITLE.search(before)
        if m:
            return Role("public_figure", f"public_figure: {_quote(m.group(0).strip())}")
        if title_kind == "role" and (sp.attr("title") or "") in _PUBLIC_TITLES:
            return Role("public_figure", f"public_figure: {_quote(sp.text.split()[0])}")
        m = _KIN_BEFORE.search(before)
        if m:
            return Role("relative", f"relative: {_quote(m.group(0).strip(' ,:-–'))}")
        if sp.attr("relative") and re.search(r"(?i)\bfamil(?:y|ia)\b", t[sp.end:sp.end + 12]):
            return Role("relative", "relative: 'family'")
        m = _PATIENT_BEFORE.search(before)
        if m or sp.attr("pattern") == "patient":
            return Role("patient", f"patient: {_quote(m.group(0).strip(' ,'))}" if m else "patient: named after a patient word")
        if sp.attr("pattern") in ("last_first", "board"):
            return Role("patient", "patient: a chart or board entry")
        if sp.entity == "PERSON" and any(
                o.entity == "ROOM" and (0 <= o.start - sp.end <= 12 or 0 <= sp.start - o.end <= 12) for o in ctx.spans):
            return Role("patient", "patient: a room or bed right beside the name")
        if self._addressed(sp):
            kin = _KIN_AFTER_YOUR.search(t)
            if kin:
                return Role("relative", f"relative: reply addressee, {_quote(kin.group(0))}")
            if self.care or "confirm" in ctx.a.cues:
                return Role("patient", "patient: reply addressee, the reply speaks of their care")
            return Role("other", "other: reply addressee")
        m = _THANKED_FOR_CARE.match(t, sp.end) or _JOINS.match(t, sp.end)
        if m:
            return Role("staff", f"staff: {_quote(m.group(1))}")
        s, e = ctx.a.sentence(sp.start)
        sentence = t[s:max(e, sp.end)]
        for rx in _RECOGNITION:
            m = rx.search(sentence)
            if m and not (s + m.start() < sp.end and sp.start < s + m.end()):
                return Role("staff", f"staff: {_quote(m.group(0))}")
        public = [h for h in ctx.a.cues.get("public", ()) if s <= h[0] and h[1] <= e]
        if public:
            hs, he = public[0]
            if ctx.post.account_type == "official" and (self.care or "confirm" in ctx.a.cues):
                return Role("patient", f"patient: a public figure ({_quote(t[hs:he])}) whose care the organization's account tells of")
            return Role("public_figure", f"public_figure: {_quote(t[hs:he])}")
        j = ctx.judgment
        if j is not None:
            p = j.span_p(sp)
            th = ctx.judge.thresholds if ctx.judge is not None else {}
            if p is not None and p >= th.get("span_medium", 0.5) and self.care:
                return Role("patient", "patient: the learned judgment ties this name to the care the post tells of")
            if self.care:
                return Role("other", "other: not tied to the care the post tells of")
        return Role("other", "other: no sign of a patient, relative, staff member or public figure")

    def _addressed(self, sp) -> bool:
        """Is the span the person a reply is addressed to (its opening @handle, or the commenter replied to)?"""
        ctx = self.ctx
        if ctx.field != "text":
            return False
        post = ctx.post
        is_reply = bool(post.reply_to_author or post.in_reply_to or post.kind in ("reply", "comment"))
        if sp.entity == "HANDLE" and is_reply and not self.text[:sp.start].strip(" \t\n,@"):
            return True  # "@maria_r glad your ..." : the handle the reply opens with
        if sp.entity == "HANDLE" and not self.text[:sp.start].strip():
            return bool(post.reply_to_author or post.in_reply_to)
        words = {w.lower() for w in re.findall(r"[\w'’-]{2,}", sp.text.lstrip("@#"))}
        return bool(words & set(ctx.reply_names)) or any(
            n and sp.text.lower().lstrip("@") == n for n in ctx.reply_names)
