"""Rules: YAML files under rules/ that decide what a span (or a set of spans) means in context.

A span rule lists the detector entities it judges and an ordered list of `levels`; the first level whose
`when` condition holds sets the severity ("drop" discards the span). Composite rules combine signals
(quasi-identifiers with a care context); reply rules catch replies that confirm a commenter is a patient.
"""
from __future__ import annotations

import re
import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

import yaml

from ..yamlio import load_yaml, validate

from ..errors import ConfigError
from ..model import Post, Severity, Span
from ..nlp import Analysis
from .schema import RULE


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    title: str
    message: str
    type: str
    entities: tuple[str, ...]
    severity: Severity
    confidence: float
    levels: tuple[dict, ...]
    composite: dict
    docs: dict
    cases: tuple[dict, ...]
    path: str
    phase: int = 0  # 1: direct identifiers, 2: places and rooms, 3: dates and late rules; 0: from the entities

    @property
    def severities(self) -> tuple[Severity, ...]:
        """The severities this rule can really give, lowest first: those of its levels (a level's severity may
        raise or lower the `severity` field), and `severity` itself only where a span can fall through every
        level (no level without a `when`) or the rule has no ladder (composite and reply rules)."""
        found = {Severity.parse(lvl["severity"]) for lvl in self.levels if lvl.get("severity") != "drop"}
        if not self.levels or all(lvl.get("when") for lvl in self.levels):
            found.add(self.severity)
        return tuple(sorted(found))

    @property
    def max_severity(self) -> Severity:
        """The highest severity the rule can give ("severity up to high")."""
        return max(self.severities, default=self.severity)

    @property
    def severity_range(self) -> str:
        """'severity up to high; low, medium or high by context': what the ladder can really give, not the
        `severity` field (`phiscan rules show` and the web page's rule library say it)."""
        sevs = [str(s) for s in self.severities]
        if len(sevs) < 2:
            return f"severity {self.max_severity}"
        return f"severity up to {self.max_severity}; {', '.join(sevs[:-1])} or {sevs[-1]} by context"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "name": self.name, "title": self.title, "message": self.message, "type": self.type,
            "entities": list(self.entities), "severity": str(self.severity), "docs": dict(self.docs),
        }


@dataclass
class Verdict:
    rule: Rule
    span: Span
    severity: Severity
    why: str
    signals: tuple[str, ...] = ()
    disclosed: str | None = None


@dataclass
class Context:
    """What a condition can look at: the analysed text, the post, the org profile and the other spans."""

    a: Analysis
    post: Post
    spans: list[Span]
    profile_match: Callable[[Span], set[str]]
    field: str = "text"
    _identifiable: bool | None = None
    reply_names: tuple[str, ...] = ()
    judgment: Any = None  # classify.judge.Judgment of this text, None without the learned judgment
    judge: Any = None  # the classify.judge.Judge that made it (its thresholds)

    verdicts: list = dataclasses.field(default_factory=list)
    absorbed: set = dataclasses.field(default_factory=set)  # id() of span verdicts a composite finding reports

    @property
    def roles(self):
        """Who each person and handle span is (classify.roles), read once per text."""
        got = self.__dict__.get("_roles")
        if got is None:
            from ..classify.roles import RoleReader

            got = self.__dict__["_roles"] = RoleReader(self)
        return got

    @property
    def identifiable(self) -> bool:
        """Does an earlier phase's finding (medium or above) already point at a person?"""
        return any(v.severity >= Severity.MEDIUM for v in self.verdicts)


def _window(cond: dict) -> str | int:
    return cond.get("window", "sentence")


def check(cond: dict | None, sp: Span, ctx: Context) -> bool:
    """Evaluate a condition (all keys must hold) for a span."""
    if not cond:
        return True
    a = ctx.a
    w = _window(cond)
    for key, val in cond.items():
        if key == "window":
            continue
        if key == "near" and not any(a.near(c, sp.start, sp.end, w) for c in val):
            return False
        if key == "not_near" and any(a.near(c, sp.start, sp.end, w) for c in val):
            return False
        if key == "post_has" and not any(c in a.cues for c in val):
            return False
        if key == "post_lacks" and any(c in a.cues for c in val):
            return False
        if key == "attr":
            for k, v in val.items():
                got = sp.attr(k)
                if isinstance(v, list):
                    if got not in v:
                        return False
                elif got != v:
                    return False
        # before/after patterns are case-sensitive ("PT" is a therapist, "pt" a patient); use (?i:...) where not
        if key == "before" and not re.search("(?:" + val + r")\s*$", a.text[max(0, sp.start - 60): sp.start]):
            return False
        if key == "after" and not re.match(r"\s*(?:" + val + ")", a.text[sp.end: sp.end + 60]):
            return False
        if key == "account" and (ctx.post.account_type or "") != val:
            return False
        if key == "profile" and not (ctx.profile_match(sp) & set(val)):
            return False
        if key == "dated" and (ctx.post.created_at is not None) != val:
            return False
        if key == "identifiable" and ctx.identifiable != val:
            return False
        if key == "reply_author":
            hit = any(n and (n in sp.text.lower() or sp.text.lower().lstrip("@") in n) for n in ctx.reply_names)
            if hit != val:
                return False
        if key == "role":  # who the person is (classify.roles): patient, relative, staff, public_figure, other
            got = ctx.roles.role_of(sp)
            if got is None or got.role not in (val if isinstance(val, list) else [val]):
                return False
        if key in ("care", "care_near", "tied", "untied", "language", "alone") and not _judged(key, val, sp, ctx):
            return False
        if key == "known_name" and _known_name(sp.text) != val:
            return False
        if key == "min_words" and len(_NAME_WORD.findall(sp.text)) < val:
            return False
        if key == "any" and not any(check(c, sp, ctx) for c in val):
            return False
    return True


_NAME_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*(?:[-'’][^\W\d_]+)*")
_NAME_TITLES = {"mr", "mrs", "ms", "mx", "miss", "dr", "sr", "sra", "bi", "bw", "mme", "m", "don", "doña", "madan", "msye", "ông", "bà", "anh", "chị"}
_NAME_PARTICLES = {"de", "del", "da", "das", "do", "dos", "van", "von", "der", "den", "di", "du", "des", "le", "la", "bin", "ibn",
                   "al", "el", "y", "e", "ter", "ten", "st"}


def _known_name(text: str) -> bool:
    """`known_name`: every word of the span (titles and particles aside) is capitalized and a first name or surname of
    the name lexicon, so it is a name in any language ("Amina Juma"), not a word a name finder guessed at ("Danke")."""
    from ..lexicon import in_name_lexicon

    words = [w for w in _NAME_WORD.findall(text) if w.lower() not in _NAME_TITLES and w.lower() not in _NAME_PARTICLES]
    return bool(words) and all(w[0].isupper() and in_name_lexicon(w) for w in words)


def _judged(key: str, val: Any, sp: Span, ctx: Context) -> bool:
    """The learned judgment's conditions: `care` (the post tells of an identifiable person's care), `care_near`
    (the span's sentence and its neighbours do), `tied: low|medium|high` (the span model ties this candidate to
    the patient with at least that confidence), `untied: low|medium|high` (with less than that), `alone: true` (the
    post has no identifier candidate of another kind, and no clause tied at medium), `language: trained|untrained`
    (the post is, or is not, in a language the judgment was trained on). Without a
    judgment, or in a language it was not trained on, none of the others holds."""
    j = ctx.judgment
    if j is None:
        return val is False
    th = ctx.judge.thresholds if ctx.judge is not None else {}
    if key == "language":
        return j.language.trained == (val == "trained")
    if not j.language.trained:  # in a language it was not trained on the judgment says nothing (PHI122 reports)
        return val is False
    if key == "care":
        return (j.post >= th.get("post", 0.5)) == bool(val)
    if key == "care_near":
        return (j.sentence_p(sp.start) >= th.get("post", 0.5)) == bool(val)
    if key == "alone":  # no candidate identifier of another kind at all, and no clause the judgment ties at medium
        med = th.get("span_medium", 0.5)
        others = any(o.entity != "DESCRIPTION" or (j.span_p(o) or 0.0) >= med for o in ctx.spans if o.entity != sp.entity)
        return others != bool(val)
    p = j.span_p(sp)
    if p is None:
        return False
    level = {"medium": th.get("span_medium", 0.5), "high": th.get("span_high", 0.8), "low": th.get("span_low", 0.2)}
    if key == "untied":
        return p < level.get(str(val), level["medium"])
    return p >= level.get(str(val), level["medium"])


class RuleSet:
    def __init__(self, rules: list[Rule]):
        self.rules = sorted(rules, key=lambda r: r.code)
        self.by_code = {r.code: r for r in self.rules}
        self.span_rules: dict[str, list[Rule]] = {}
        for r in self.rules:
            if r.type == "span":
                for e in r.entities:
                    self.span_rules.setdefault(e, []).append(r)

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, code: str) -> Rule:
        key = code.upper()
        if key in self.by_code:
            return self.by_code[key]
        for r in self.rules:
            if r.name == code:
                return r
        raise KeyError(code)

    def evaluate(self, ctx: Context) -> list[Verdict]:
        """Judge spans in phases: direct identifiers first, then places and rooms, then dates, whose rules may
        ask whether an earlier phase already made the post identifiable; then composite and reply rules."""
        out: list[Verdict] = ctx.verdicts
        for phase in (1, 2, 3):
            for sp in ctx.spans:
                for rule in self.span_rules.get(sp.entity, ()):
                    if _phase_of(rule, sp.entity) != phase:
                        continue
                    sev, why = _level(rule, sp, ctx)
                    if sev is None:
                        continue
                    v = Verdict(rule, sp, sev, why)
                    if (sp.entity == "DATE" and (sp.attr("relative") or sp.attr("kind") == "weekday")
                            and ctx.post.created_at is not None):
                        v.disclosed = resolve_relative(sp, ctx.post)
                    out.append(v)
        for rule in self.rules:
            if rule.type == "composite":
                out.extend(_composite(rule, ctx, list(out)))
            elif rule.type == "reply":
                out.extend(_reply(rule, ctx))
        if ctx.absorbed:  # one finding per identifier: what a composite reports is not reported again
            out[:] = [v for v in out if id(v) not in ctx.absorbed]
        return out


def _level(rule: Rule, sp: Span, ctx: Context) -> tuple[Severity | None, str]:
    for lvl in rule.levels:
        if check(lvl.get("when"), sp, ctx):
            if lvl["severity"] == "drop":
                return None, lvl.get("why", "")
            return Severity.parse(lvl["severity"]), lvl.get("why", "")
    return rule.severity, ""


def _signal_name(sp: Span) -> str:
    kind = sp.attr("kind")
    if sp.entity == "AGE":
        return "age"
    if sp.entity == "QUASI":
        return f"quasi:{kind}"
    if sp.entity == "LOCATION":
        return f"place:{kind}"
    return sp.entity.lower()


def _composite(rule: Rule, ctx: Context, verdicts: list[Verdict]) -> list[Verdict]:
    """Re-identification: indirect identifiers that together point to one person. Overlapping spans ("the
    55-year-old man", "55-year-old") are one signal, except a place inside a role or event ("the schoolteacher
    from Elmsford": a role and a town); a place counts only when its own rule kept it (not an
    event venue) and it is not a big city."""
    spec = rule.composite
    req = spec.get("requires")
    probe = Span("POST", 0, len(ctx.a.text), "", 1.0, "post", "")
    if req and not check(req, probe, ctx):
        return []
    signals = set(spec.get("signals", []))
    anchors = set(spec.get("anchors", []))
    when = spec.get("signal_when", {})
    kept_places = {(v.span.start, v.span.end) for v in verdicts if v.span.entity == "LOCATION"}
    members: list[Span] = []
    for sp in ctx.spans:
        name = _signal_name(sp)
        if name not in signals and name.split(":")[0] not in signals:
            continue
        if sp.entity == "LOCATION" and ((sp.start, sp.end) not in kept_places or sp.attr("big")):
            continue
        if sp.entity == "AGE" and sp.attr("over_89"):
            continue
        if sp.attr("placeholder"):  # sample data (TEST, 000000) shows no one's identifier
            continue
        if sp.entity == "DATE" and any(o.attr("placeholder") and ctx.a.sentence(o.start) == ctx.a.sentence(sp.start)
                                       for o in ctx.spans):
            continue  # the date of a sample record ("TEST, PATIENT  DOB ...") is sample data too
        if not check(spec.get("each"), sp, ctx) or not check(when.get(name, when.get(name.split(":")[0])), sp, ctx):
            continue
        members.append(sp)
    groups: list[list[Span]] = []
    for sp in sorted(members, key=lambda s: (s.start, -s.end)):
        if groups and any(sp.overlaps(o) for o in groups[-1]):
            groups[-1].append(sp)
        else:
            groups.append([sp])

    def is_anchor(n: str) -> bool:
        return n in anchors or n.split(":")[0] in anchors

    names = []
    for g in groups:
        ns = [_signal_name(s) for s in g]
        names.append(next((n for n in ns if is_anchor(n)), ns[0]))
        # a town inside a role ("a retired pharmacist from Elmsford") is a second fact, not the same one said twice
        if any(s.entity == "QUASI" for s in g):
            names.extend(_signal_name(s) for s in g if s.entity == "LOCATION")
    cue_hits = [c for c in spec.get("cue_signals", []) if c in ctx.a.cues]
    report_cue = spec.get("report_cue")
    if report_cue:
        # one finding on the cue itself ("whiteboard", "guess who"), listing what it exposes
        hits = ctx.a.cues.get(report_cue, [])
        if not hits or len(set(names)) < spec.get("min_signals", 1):
            return []
        # the thing itself ("whiteboard") rather than a marker ("[alt text:") when both are there
        s, e = min(hits, key=lambda h: (ctx.a.text[h[0]] == "[" or ctx.a.text[h[1] - 1] == ":", h[0]))
        cue_span = Span("CUE", s, e, ctx.a.text[s:e], 0.8, "context", f"'{ctx.a.text[s:e]}' ({report_cue} words)")
        why = "with: " + ", ".join(sorted({n.replace(":", " ") for n in names})) if names else ""
        return [Verdict(rule, cue_span, rule.severity, why, signals=tuple(sorted(set(names))))]
    n_anchor = sum(1 for n in names if is_anchor(n))
    total = len(set(names)) + len(cue_hits)
    if n_anchor < spec.get("min_anchors", 1) or total < spec.get("min_signals", 2):
        return []
    sig = tuple(sorted(set(names) | set(cue_hits)))
    combination = sorted({_signal_label(n) for n in names} | {f"{c} words" for c in cue_hits})
    out = []
    idents, redundant = _identifiers(rule, members, verdicts, ctx.a.text)
    ctx.absorbed.update(id(v) for v in redundant)
    for ident, parts in idents:
        own = sorted({_signal_label(_signal_name(m)) for m in parts})
        why = f"signals that together point to one patient: {', '.join(combination)}; this one: {', '.join(own)}"
        out.append(Verdict(rule, ident, rule.severity, why, signals=sig))
    return out


SIGNAL_LABEL = {"quasi:occupation": "occupation or role", "quasi:relationship": "relationship to a known person",
                "quasi:condition": "rare condition", "quasi:feature": "distinctive feature", "quasi:family": "family situation",
                "quasi:group": "small group", "quasi:age_role": "age and role in an event", "quasi:event": "recognisable event",
                "age": "age", "date": "time", "mrn": "record number", "id": "ID number", "person": "name", "hashtag": "name hashtag",
                "room": "room", "handle": "handle"}


def _signal_label(name: str) -> str:
    """A signal in words, for explanations: 'quasi:occupation' -> 'occupation or role', 'place:prep' -> 'place'."""
    if name in SIGNAL_LABEL:
        return SIGNAL_LABEL[name]
    head = name.split(":")[0]
    return "place" if head == "place" else SIGNAL_LABEL.get(head, name.replace(":", " "))


def _identifiers(rule: Rule, members: list[Span], verdicts: list[Verdict], text: str) -> tuple[list[tuple[Span, list[Span]]], list[Verdict]]:
    """The identifiers a composite rule reports, one finding each, and the span verdicts they make redundant.

    Members that overlap ("16-year-old", "16-year-old quarterback from Ashbury High", "Ashbury High") are
    one stretch of text, reported once over the whole of it; a span verdict of this severity or lower inside or
    across that stretch (the place's own low finding, a low handle) is folded in and made redundant. A member
    that overlaps another identifier reported at this severity or higher (a name, a handle) is that finding's
    to report: it still counts as a signal, gets no finding of its own, and its own lower verdicts (the low
    indirect-identifier finding of "alderglenfd's captain" under "@alderglenfd") are redundant too."""
    own = {(m.start, m.end) for m in members}
    spanned = [v for v in verdicts if v.rule.type == "span"]
    blockers = [v for v in spanned
                if v.severity > rule.severity or (v.severity == rule.severity and (v.span.start, v.span.end) not in own)]
    free, redundant = [], []
    for m in members:
        over = [b for b in blockers if m.overlaps(b.span)]
        if not over:
            free.append(m)
            continue
        top = max(b.severity for b in over)
        redundant += [v for v in spanned if (v.span.start, v.span.end) == (m.start, m.end) and all(v is not b for b in over) and v.severity <= top]
    foldable = [v for v in spanned if v.severity <= rule.severity and not any(v.span.overlaps(b.span) for b in blockers)]
    out: list[tuple[Span, list[Span]]] = []
    for group in _chains(free):
        s, e = group[0].start, max(m.end for m in group)
        grown = True
        while grown:  # fold in lower findings that reach across the stretch's edges
            grown = False
            for v in foldable:
                if v.span.start < e and s < v.span.end and (v.span.start < s or v.span.end > e):
                    s, e, grown = min(s, v.span.start), max(e, v.span.end), True
        redundant += [v for v in foldable if s <= v.span.start and v.span.end <= e]
        main = next((m for m in group if m.entity == "QUASI"), group[0])
        out.append((dataclasses.replace(main, start=s, end=e, text=text[s:e]), group))
    return out, redundant


def _chains(spans: list[Span]) -> list[list[Span]]:
    """Spans grouped into runs of overlapping ones, in text order."""
    groups: list[list[Span]] = []
    end = -1
    for sp in sorted(spans, key=lambda x: (x.start, -x.end)):
        if groups and sp.start < end:
            groups[-1].append(sp)
            end = max(end, sp.end)
        else:
            groups.append([sp])
            end = sp.end
    return groups


def _reply(rule: Rule, ctx: Context) -> list[Verdict]:
    """A reply to a named commenter that speaks of their care discloses that they are a patient."""
    a, post = ctx.a, ctx.post
    if ctx.field != "text":
        return []
    addressed: list[Span] = []
    # the handle the reply opens with: the handle detector's candidate there (dots and all, judged like any other)
    opening = len(a.text) - len(a.text.lstrip())
    lead = next((sp for sp in ctx.spans if sp.entity == "HANDLE" and sp.start == opening), None)
    if lead is not None:
        addressed.append(dataclasses.replace(lead, detector="reply", explanation="handle the reply is addressed to"))
    author = (post.reply_to_author or "").strip()
    if author:
        first = author.lstrip("@").split()[0] if not author.startswith("@") else None
        if first and len(first) > 1:
            for m in re.finditer(r"(?<!\w)" + re.escape(first) + r"(?!\w)", a.text, re.I):
                addressed.append(Span("PERSON", m.start(), m.end(), m.group(0), 0.8, "reply", "name of the commenter replied to"))
        elif author.startswith("@"):
            for m in re.finditer(re.escape(author), a.text, re.I):
                if not any(s.start == m.start() for s in addressed):
                    addressed.append(Span("HANDLE", m.start(), m.end(), m.group(0), 0.9, "reply", "handle of the commenter replied to"))
    # names a handle is built on ("@zbyszek_kr" -> Zbyszek, "@anjaliM_reads", "@anjali.m" -> Anjali) and every span that
    # names the commenter ("Mrs. Szymanska" replying to Halina Szymanska)
    handle_words = set()
    for h in [s.text for s in addressed if s.text.startswith("@")] + ([author] if author.startswith("@") else []):
        for part in re.split(r"[_.\d]+|(?<=[a-z])(?=[A-Z])", h.lstrip("@")):
            if len(part) >= 3:
                handle_words.add(part.lower())
    for sp in ctx.spans:
        if sp.entity not in ("PERSON", "HANDLE", "HASHTAG"):
            continue
        words = {w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ]{3,}", sp.text)} - {"mrs", "miss", "mr"}
        hit = bool(words & set(ctx.reply_names)) or bool(words & handle_words) or any(w in hw for w in words for hw in handle_words if len(w) >= 4)
        if hit and not any(sp.overlaps(x) for x in addressed):
            addressed.append(sp)
    if not addressed and not (post.reply_to_author or post.in_reply_to):
        vocative = re.match(r"\s*(?:Hi|Hey|Hello|Dear)?\s*([A-Z][a-z]+),", a.text)
        if vocative and vocative.group(1).lower() not in ("hi", "hey", "thanks", "thank", "yes", "no", "ok", "sorry", "congrats"):
            addressed.append(Span("PERSON", vocative.start(1), vocative.end(1), vocative.group(1), 0.6, "reply", "name the reply opens with"))
    if not addressed:
        return []
    probe = Span("POST", 0, len(a.text), "", 1.0, "post", "")
    req = rule.composite.get("requires")
    if req and not check(req, probe, ctx):
        return []
    out = []
    seen = set()
    each = rule.composite.get("each")
    for sp in addressed:
        if (sp.start, sp.end) in seen or not check(each, sp, ctx):
            continue
        seen.add((sp.start, sp.end))
        out.append(Verdict(rule, sp, rule.severity, "the reply speaks of this person's care", signals=("reply", "care confirmation")))
    return out


PHASE_OF_ENTITY = {"LOCATION": 2, "ZIP": 2, "ROOM": 2, "EMAIL": 2, "URL": 2, "FACILITY": 3, "DATE": 3, "QUASI": 3, "DESCRIPTION": 3}


def _phase_of(rule: Rule, entity: str) -> int:
    """Direct identifiers are judged first; places and rooms next; dates last, so that their rules can ask
    whether an earlier finding already makes the post identifiable. A rule may set its phase."""
    return rule.phase or PHASE_OF_ENTITY.get(entity, 1)


def resolve_relative(sp: Span, post: Post) -> str | None:
    """Turn 'last night' / 'yesterday' / 'on Tuesday' / 'last Tuesday' / '3 days ago' into the date it discloses."""
    if post.created_at is None:
        return None
    from ..detectors.lang import relative_offset, weekday_offset

    day = post.created_at.date()
    t = sp.text.lower()
    offset = relative_offset(t)
    if offset is False:
        offset = weekday_offset(t, day.weekday())
    if offset is None:
        return None  # "the other night", "next Friday": the post's time does not pin one day
    if offset is not False:
        d = day + timedelta(days=offset)
    elif "yesterday" in t or "last night" in t:
        d = day - timedelta(days=1)
    elif "tomorrow" in t:
        d = day + timedelta(days=1)
    elif any(w in t for w in ("today", "tonight", "this morning", "this afternoon", "this evening", "this am", "this pm", "hours ago")):
        d = day
    else:
        m = re.search(r"(\d+|a|one|two|three|four|five|six|seven|ten)\s+(day|night|week)s?\s+ago", t)
        words = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10}
        if not m:
            return None
        n = int(m.group(1)) if m.group(1).isdigit() else words[m.group(1)]
        d = day - timedelta(days=n * (7 if m.group(2) == "week" else 1))
    return d.isoformat()


def load_rule_file(path: Path) -> Rule:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a rule file must be a mapping")
    validate(data, RULE, path)  # jsonschema, skipped for a file that passed before unchanged
    rtype = data.get("type", "span")
    if rtype == "span" and not data.get("entities"):
        raise ConfigError(f"{path}: key 'entities': a span rule needs the detector entities it judges")
    return Rule(
        code=data["code"], name=data["name"], title=data["title"], message=data["message"], type=rtype,
        entities=tuple(data.get("entities", ())), severity=Severity.parse(data["severity"]),
        confidence=float(data.get("confidence", 0.8)), levels=tuple(data.get("levels", ())),
        composite=data.get("composite", {}), docs=data["docs"], cases=tuple(data["cases"]), path=str(path),
        phase=int(data.get("phase", 0)),
    )


def load_rules(folders: list[Path], cue_names: set[str] | None = None) -> RuleSet:
    rules: dict[str, Rule] = {}
    for folder in folders:
        files = sorted(folder.glob("PHI*.yaml")) + sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("PHI") and p.name != "context.yaml")
        for f in files:
            if f.name == "context.yaml":
                continue
            r = load_rule_file(f)
            if r.code in rules and rules[r.code].path != r.path and Path(rules[r.code].path).parent == f.parent:
                raise ConfigError(f"{f}: key 'code': {r.code} is also defined in {rules[r.code].path}")
            if cue_names is not None:
                _check_cues(r, cue_names)
            rules[r.code] = r  # a later folder (an institution's) overrides a packaged rule of the same code
    return RuleSet(list(rules.values()))


def _check_cues(rule: Rule, cue_names: set[str]) -> None:
    def walk(cond: dict | None, where: str) -> None:
        if not cond:
            return
        for k in ("near", "not_near", "post_has", "post_lacks"):
            for c in cond.get(k, []):
                if c not in cue_names:
                    raise ConfigError(f"{rule.path}: key '{where}.{k}': unknown cue list {c!r} (known: {', '.join(sorted(cue_names))})")
        for i, sub in enumerate(cond.get("any", [])):
            walk(sub, f"{where}.any.{i}")

    for i, lvl in enumerate(rule.levels):
        walk(lvl.get("when"), f"levels.{i}.when")
    walk(rule.composite.get("requires"), "composite.requires")
    for c in rule.composite.get("cue_signals", []):
        if c not in cue_names:
            raise ConfigError(f"{rule.path}: key 'composite.cue_signals': unknown cue list {c!r}")
