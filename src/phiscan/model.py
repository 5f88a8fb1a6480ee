"""Core records: Post, Span, Finding, Severity.

Data flows one way: sources -> posts -> detectors (spans) -> rules (findings) -> reporters.
Every record here is frozen so that a finding, once made, cannot be changed by a later stage.
"""
from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator


class Severity(enum.IntEnum):
    """Severity of a finding. Ordered so that comparisons work (HIGH > MEDIUM)."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @classmethod
    def parse(cls, value: str | "Severity") -> "Severity":
        if isinstance(value, Severity):
            return value
        try:
            return cls[str(value).strip().upper()]
        except KeyError:
            choices = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {value!r} (expected one of: {choices})") from None

    def __str__(self) -> str:  # "high", as written in rules and reports
        return self.name.lower()


@dataclass(frozen=True)
class Media:
    """An attachment of a post: where it is and its alt text or caption, if any."""

    uri: str | None = None
    kind: str | None = None  # photo, video, gif, ...
    alt: str | None = None


@dataclass(frozen=True)
class Post:
    """One social media item: a post, reply, comment, caption or direct message.

    `text` is the main body. `fields` holds further scannable text of the same item (alt text,
    content warning, caption, title) as (field name, text) pairs; findings name the field they are in.
    `source` and `index` say where the post came from (file and record index / line number).
    """

    id: str
    text: str
    platform: str | None = None
    account: str | None = None
    account_type: str | None = None  # "official" or "staff" when known
    kind: str = "post"  # post, reply, comment, dm, caption, scheduled
    url: str | None = None
    created_at: datetime | None = None
    author: str | None = None
    in_reply_to: str | None = None  # id or URL of the parent item
    reply_to_author: str | None = None  # handle or display name of the person replied to
    reply_to_text: str | None = None
    media: tuple[Media, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    source: str = "-"
    index: int | None = None
    line: int | None = None  # 1-based line in the source file where the post starts, when meaningful
    # Where a field's text sits in the source file, for loaders that know: (field, line, column, verbatim).
    # `verbatim` means the field's text is written character for character from (line, column) on (a Markdown
    # body), so an offset inside it maps to an exact line and column; otherwise (a quoted front matter value)
    # (line, column) is where the field's key is, and every finding in that field points there.
    locations: tuple[tuple[str, int, int, bool], ...] = ()
    # Text read from images (OCR): (field, image, regions), regions as phiscan.ocr.field_of gives them.
    regions: tuple[tuple[str, str, tuple[tuple[int, int, int, int, int, int], ...]], ...] = ()

    def texts(self) -> list[tuple[str, str]]:
        """Every scannable text of the post as (field, text), main text first."""
        out = [("text", self.text or "")]
        out.extend(self.fields)
        for i, m in enumerate(self.media):
            if m.alt:
                out.append((f"media[{i}].alt", m.alt))
        return [(f, t) for f, t in out if t]

    def region(self, fld: str, start: int, end: int) -> tuple[str | None, tuple[int, int, int, int] | None]:
        """(image, pixel box x, y, w, h) of text[start:end] of a field read from an image, else (None, None)."""
        for name, image, regions in self.regions:
            if name == fld:
                from .ocr import box_of

                return image, box_of(regions, start, end, dict(self.fields).get(fld))
        return None, None

    def position(self, fld: str, start: int, end: int) -> tuple[int | None, int | None, int | None, int | None]:
        """(line, column, end line, end column) of text[start:end] of a field in the source file, 1-based, columns
        in Unicode code points, the end exclusive. Unknown parts are None: a JSONL or CSV record gives its line
        only; a front matter value its key's line and column; a Markdown body the exact place."""
        for name, line, column, verbatim in self.locations:
            if name != fld:
                continue
            if not verbatim:
                return line, column, None, None
            text = dict(self.texts()).get(fld, "")

            def at(offset: int) -> tuple[int, int]:
                before = text[:offset]
                nl = before.count("\n")
                return (line, column + offset) if nl == 0 else (line + nl, offset - before.rfind("\n"))

            (l1, c1), (l2, c2) = at(start), at(end)
            return l1, c1, l2, c2
        return self.line, None, None, None


@dataclass(frozen=True)
class Span:
    """A typed span a detector found in a text. Detectors know nothing of policy or severity."""

    entity: str  # PERSON, DATE, AGE, ROOM, MRN, ID, PHONE, EMAIL, URL, IP, HANDLE, LOCATION, ...
    start: int
    end: int
    text: str
    score: float
    detector: str
    explanation: str
    attrs: tuple[tuple[str, Any], ...] = ()  # detector facts: ("relative", True), ("age", 94), ...

    def attr(self, key: str, default: Any = None) -> Any:
        for k, v in self.attrs:
            if k == key:
                return v
        return default

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Finding:
    """A frozen verdict: a rule matched a span (or a set of spans) of one post."""

    rule: str
    rule_name: str
    severity: Severity
    confidence: float
    post_id: str
    source: str
    field: str
    start: int
    end: int
    evidence: str
    message: str
    explanation: str
    policies: tuple[str, ...] = ()
    entity: str = ""
    index: int | None = None
    line: int | None = None
    platform: str | None = None
    account: str | None = None
    url: str | None = None
    disclosed: str | None = None  # e.g. the exact date a relative date discloses
    signals: tuple[str, ...] = ()
    status: str = "open"  # open, authorized, suppressed, baselined
    column: int | None = None  # `line` is where the finding is (see Post.position); column and end when known
    end_line: int | None = None
    end_column: int | None = None
    context: str = ""  # digest of the words around the evidence (see `neighbourhood`), set by the engine
    justification: str | None = None  # why it is suppressed or baselined (the reason a person gave)
    created_at: str | None = None  # when the post was (or will be) published, ISO 8601, when known
    # who the person or handle is (classify.roles): patient, relative, staff, public_figure or other, and the
    # signal that says so ("relative: 'her dad'"); None for findings of other identifiers
    role: str | None = None
    role_signal: str | None = None
    image: str | None = None  # text read from an image (OCR): the image, and the box of the evidence in it
    box: tuple[int, int, int, int] | None = None  # x, y, w, h in pixels (see phiscan.ocr)

    def to_dict(self, redact: bool = False) -> dict[str, Any]:
        """The finding as the JSON report writes it (`findings[]` of report version 1.0): the same keys in the
        same order, severity as its name (`"high"`), tuples as lists, and `fingerprint`. Fields that only the
        engine uses (`index`, `context`) are left out. `redact=True` gives what the report writes under
        `--redact`: the evidence masked, and the disclosed date and the evidence masked where the message or the
        explanation repeat them (the fingerprint, a hash, stays)."""
        if redact:
            from .masking import mask, redact_finding

            d = redact_finding(self).to_dict()
            d["evidence"] = mask(self.evidence, self.entity)
            return d
        out = {
            "rule": self.rule,
            "rule_name": self.rule_name,
            "severity": str(self.severity),
            "confidence": self.confidence,
            "post_id": self.post_id,
            "source": self.source,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "evidence": self.evidence,
            "entity": self.entity,
            "policies": list(self.policies),
            "message": self.message,
            "explanation": self.explanation,
            "disclosed": self.disclosed,
            "signals": list(self.signals),
            "role": self.role,
            "role_signal": self.role_signal,
            "platform": self.platform,
            "account": self.account,
            "url": self.url,
            "status": self.status,
            "justification": self.justification,
            "fingerprint": self.fingerprint,
        }
        if self.image is not None:  # only findings in text read from an image have these keys
            out["image"] = self.image
            out["box"] = list(self.box) if self.box else None
        return out

    @property
    def fingerprint(self) -> str:
        """A hash of what was found and how it was said, never of where: the key of baselines and SARIF.

        It hashes the rule, the kind of field (`alt_text[1]` -> `alt_text`, list positions dropped), the
        evidence (case-folded, whitespace collapsed) and `context`, a digest of up to four words either side
        of the evidence within its sentence. So it
        - survives edits elsewhere in the post (another sentence, the front matter, a hashtag at the end),
        - survives reordering of posts and of files: no record index, post id or file name goes in (the
          made-up id of a record without one is `file#index`, which changes when rows move, and a content
          queue renames and moves files as posts are scheduled),
        - changes when the evidence changes, or when the words right around it do (a different story that
          happens to contain the same name is a new finding).
        The same sentence with the same evidence in two posts has one fingerprint: accepting it once accepts
        both, as detect-secrets does for one secret in two places. Without `context` (findings made outside
        the engine) the post id stands in for it.
        """
        where = self.context or "post:" + self.post_id
        basis = "\x1f".join(["v2", self.rule, field_kind(self.field), normalize(self.evidence), where])
        return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


FINGERPRINT_VERSION = "v2"
_WORD = re.compile(r"\w+")
_SENTENCE_END_BEFORE = re.compile(r"(?:[.!?\u2026](?=\s)|\n)")
_SENTENCE_END_AFTER = re.compile(r"(?:[.!?\u2026](?=\s|$)|\n)")


def normalize(text: str) -> str:
    """Case-folded, whitespace collapsed: 'Mr.  NASSER ' and 'mr. nasser' are the same evidence."""
    return " ".join(text.casefold().split())


def field_kind(fld: str) -> str:
    """A field name without list positions: `media[2].alt` -> `media.alt` (alt texts get reordered too)."""
    return re.sub(r"\[\d+\]", "", fld)


def neighbourhood(text: str, start: int, end: int, words: int = 4) -> str:
    """Digest of up to `words` words before and after text[start:end], not crossing a sentence end or a line
    break, case-folded and stripped of punctuation: what an edit elsewhere in the post leaves alone."""
    lw = _words_before(text, start, words) if words else []
    rw = _words_after(text, end, words) if words else []
    basis = " ".join(lw) + "\x1f" + " ".join(rw)
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


_NEAR = 256  # characters looked at either side first; the whole text only when they do not settle it


def _words_before(text: str, start: int, words: int) -> list[str]:
    """The last `words` words of text[:start] after its last sentence end, case-folded. Looks at a window of
    `_NEAR` characters first: a sentence end inside it is the last one, and more than `words` words inside it
    hold the last `words` whole; only otherwise the whole prefix is read (a post of 100,000 characters with a
    thousand findings stays linear)."""
    lo = start - _NEAR
    if lo > 0:
        tail, cut = _after_last_end(text[lo:start])
        found = _WORD.findall(tail.casefold())
        if cut or len(found) > words:
            return found[-words:]
    return _WORD.findall(_after_last_end(text[:start])[0].casefold())[-words:]


def _after_last_end(left: str) -> tuple[str, bool]:
    """What follows the last sentence end in `left` (all of it when there is none), and whether there is one."""
    cut = None
    for cut in _SENTENCE_END_BEFORE.finditer(left):
        pass
    return (left[cut.end():], True) if cut is not None else (left, False)


def _words_after(text: str, end: int, words: int) -> list[str]:
    """The first `words` words of text[end:] before its first sentence end, case-folded; windowed like
    `_words_before` (a sentence end is taken only where the window shows what follows it)."""
    if len(text) - end > _NEAR + 1:
        right = text[end:end + _NEAR + 1]
        cut = _SENTENCE_END_AFTER.search(right)
        if cut is not None and cut.start() < _NEAR:
            return _WORD.findall(right[: cut.start()].casefold())[:words]
        if cut is None or cut.start() >= _NEAR:
            found = _WORD.findall(right[:_NEAR].casefold())
            if len(found) > words:
                return found[:words]
    right = text[end:]
    cut = _SENTENCE_END_AFTER.search(right)
    if cut:
        right = right[: cut.start()]
    return _WORD.findall(right.casefold())[:words]


@dataclass(frozen=True)
class ReadError:
    """An input that could not be read (or part of one). Never carries post text.

    `level` "error": input was lost (a file, a record, part of a text): the scan exits 2. "warning": the record
    was scanned whole but a field of it was dropped (a date that does not parse): reported, never exit 2."""

    source: str
    where: str
    message: str
    level: str = "error"

    @property
    def is_warning(self) -> bool:
        return self.level == "warning"

    @property
    def truncated(self) -> bool:
        """A post cut (or a line skipped) at a size limit: every such message names the setting."""
        return "(max_text_chars)" in self.message

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "where": self.where, "message": self.message}


def read_warning(source: str, where: str, message: str) -> ReadError:
    """A record scanned without one of its fields (see ReadError.level)."""
    return ReadError(source, where, message, level="warning")


# Statuses of an inventory record, in the order reports list them.
INPUT_STATUSES = ("scanned", "partial", "skipped", "error")


@dataclass
class InputRecord:
    """One entry of the inventory: a file, an archive, an archive member or a folder, and what became of it.

    `status`: "scanned" (read whole), "partial" (scanned, but part of it could not be read: see the errors with
    its `source`), "skipped" (on purpose; `reason` says why: an image, a hidden file, an export's viewer page)
    or "error" (nothing of it could be read; `reason` is the first error). `posts` and `fields` count what it
    gave (fields: every scannable text, a post's body, alt texts, titles...); `truncated` names the places
    where a post was cut or a line skipped at a size limit. Holds file names and counts, never post text."""

    source: str
    kind: str = "file"  # file, member (of an archive), archive, folder
    status: str = "scanned"
    format: str | None = None
    posts: int = 0
    fields: int = 0
    errors: int = 0
    warnings: int = 0
    truncated: list[str] = field(default_factory=list)
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "kind": self.kind, "status": self.status, "format": self.format,
                "posts": self.posts, "fields": self.fields, "errors": self.errors, "warnings": self.warnings,
                "truncated": list(self.truncated), "reason": self.reason}


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 input", "2 inputs" (`many` for irregular plurals)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def inventory_counts(inventory: "list[InputRecord]") -> dict[str, int]:
    """Files by status (folders are not counted: their files are; an archive counts as a file, as does each of
    its members), and how many posts were cut at a limit."""
    counts = {s: 0 for s in INPUT_STATUSES}
    for r in inventory:
        if r.kind != "folder":
            counts[r.status] = counts.get(r.status, 0) + 1
    return counts


def _store():
    from .store import FindingStore

    return FindingStore()


def report_key(f: Finding) -> tuple:
    """The one report order: by source, the post's place in it, post id, field (main text first), offsets; the
    fingerprint breaks the last ties. Every file reporter uses it, so that two runs over the same inputs give
    byte-identical reports, whatever the order worker processes returned posts in."""
    return (f.source, f.index is None, f.index or 0, f.post_id, f.field != "text", f.field, f.start, f.end, f.rule,
            f.fingerprint)


@dataclass
class Summary:
    """Counts of a result's findings, made in one pass (see `ScanResult.summary`)."""

    findings: int
    posts_with_findings: int
    by_severity: dict[str, int]
    by_rule: dict[str, int]
    by_rule_severity: dict[tuple[str, str], int]
    by_account: dict[str, int]  # by account ("" when unknown)
    at_threshold_by_account: dict[str, int]  # findings at or above the threshold (any status), by account
    by_status: dict[str, int]
    failing: int
    rule_names: dict[str, str]  # rule code -> name, as the findings give it


@dataclass
class ScanResult:
    """Everything a reporter needs.

    `findings` are the findings to report. Findings a person accepted are kept apart, never dropped:
    `suppressed` (an inline `phiscan: ignore[RULE] reason` in the post) and `baselined` (in the baseline file
    given with --baseline, whose path is `baseline`; `accepted` maps its fingerprints to entries, so `add`
    sets them apart as they come). Summaries count both; only open findings fail a scan.
    `policies` maps every rule code to its policy references (`pack:reference`), for reporters that describe
    rules (SARIF); `clauses` maps each `pack:reference` to its clause's title, for reports that show it (HTML).

    The three are `FindingStore`s: a scan of a million posts keeps its findings, with the text of their field
    (so reports can show a finding in its post), in bounded memory. Plain lists work too (results built by
    hand); `texts`, keyed by (source, post_id, field), holds their field texts while the store is small.
    Reporters read findings through `ordered`, `all` and `summary`, which apply `transform` (the masking of
    --redact) to each finding they hand out."""

    findings: Any = field(default_factory=_store)
    errors: list[ReadError] = field(default_factory=list)  # input lost (exit 2)
    warnings: list[ReadError] = field(default_factory=list)  # a field dropped, the record scanned
    inventory: list["InputRecord"] = field(default_factory=list)  # every input and entry (see InputRecord)
    posts: int = 0
    sources: int = 0
    texts: dict[tuple[str, str, str], str] = field(default_factory=dict)
    suppressed: Any = field(default_factory=_store)
    baselined: Any = field(default_factory=_store)
    baseline: str | None = None
    policies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    clauses: dict[str, str] = field(default_factory=dict)  # `pack:reference` -> the clause's title (policy.clause_titles)
    accepted: dict[str, Any] | None = None  # baseline fingerprint -> entry (with `.reason`)
    transform: Any = None  # Finding -> Finding, applied on the way out (masking)
    posts_with_findings: int = 0  # counted by `add`

    def add(self, post: Post, findings: list[Finding]) -> None:
        self.posts += 1
        if not findings:
            return
        from dataclasses import replace

        texts = dict(post.texts())
        keep_texts = not getattr(self.findings, "spooled", False)
        if not keep_texts and self.texts:
            self.texts = {}  # the store holds them now
        counted = False
        for f in findings:
            text = texts.get(f.field)
            if f.status == "suppressed":
                _append(self.suppressed, f, text)
                continue
            entry = self.accepted.get(f.fingerprint) if self.accepted and f.status == "open" else None
            if entry is not None:
                _append(self.baselined, replace(f, status="baselined", justification=entry.reason), text)
                continue
            _append(self.findings, f, text)
            if keep_texts and text is not None:  # at most `limit` of them: past it, the store holds the texts
                self.texts[(post.source, post.id, f.field)] = text
            if not counted:
                self.posts_with_findings += 1
                counted = True

    def records(self, which: str = "findings", key: Any = None) -> Iterator[tuple[Finding, str | None]]:
        """(finding, text of its field or None) of `findings`, `suppressed` or `baselined`, in the order added
        or sorted by `key`, with `transform` applied."""
        items = getattr(self, which)
        if hasattr(items, "sorted_records"):
            it = items.sorted_records(key) if key is not None else items.records()
        else:
            it = ((f, None) for f in (sorted(items, key=key) if key is not None else items))
        tf = self.transform
        for f, text in it:
            if text is None:
                text = self.texts.get((f.source, f.post_id, f.field))
            yield (tf(f) if tf is not None else f), text

    def all(self, which: str = "findings") -> Iterator[Finding]:
        """Findings of `which` in the order added (cheapest: no sorting)."""
        for f, _ in self.records(which):
            yield f

    def ordered(self, which: str = "findings", key: Any = None) -> Iterator[Finding]:
        """Findings of `which` in report order (`report_key`), or by `key`."""
        for f, _ in self.records(which, key or report_key):
            yield f

    def ordered_records(self, which: str = "findings", key: Any = None) -> Iterator[tuple[Finding, str | None]]:
        return self.records(which, key or report_key)

    def summary(self, fail_on: "str | Severity" = "medium") -> Summary:
        """Counts of the reported findings in one pass; `by_status` also counts suppressed and baselined."""
        from collections import Counter

        threshold = Severity.parse(fail_on)
        sev: Counter = Counter()
        rule_sev: Counter = Counter()
        status: Counter = Counter()
        accounts: Counter = Counter()
        failing_accounts: Counter = Counter()
        names: dict[str, str] = {}
        failing = n = 0
        posts: set | None = set() if isinstance(self.findings, list) else None
        for f in self.findings:  # no transform needed: counts only
            n += 1
            s = str(f.severity)
            sev[s] += 1
            rule_sev[(f.rule, s)] += 1
            status[f.status] += 1
            accounts[f.account or ""] += 1
            names.setdefault(f.rule, f.rule_name)
            if f.severity >= threshold:
                failing_accounts[f.account or ""] += 1
                if f.status == "open":
                    failing += 1
            if posts is not None:
                posts.add((f.source, f.post_id))
        by_rule: Counter = Counter()
        for (r, _), c in rule_sev.items():
            by_rule[r] += c
        by_status = {"open": status.pop("open", 0), "authorized": status.pop("authorized", 0),
                     "suppressed": len(self.suppressed), "baselined": len(self.baselined)}
        for k, v in status.items():
            by_status[k] = by_status.get(k, 0) + v
        return Summary(
            findings=n,
            posts_with_findings=len(posts) if posts is not None else self.posts_with_findings,
            by_severity={s: sev.get(s, 0) for s in ("high", "medium", "low")} | ({"info": sev["info"]} if sev.get("info") else {}),
            by_rule=dict(sorted(by_rule.items())),
            by_rule_severity=dict(rule_sev),
            by_account=dict(accounts),
            at_threshold_by_account=dict(failing_accounts),
            by_status=by_status,
            failing=failing,
            rule_names=names,
        )

    def failing_count(self, fail_on: "str | Severity") -> int:
        """How many open findings are at or above the threshold: a scan with any exits 1."""
        threshold = Severity.parse(fail_on)
        return sum(1 for f in self.findings if f.status == "open" and f.severity >= threshold)

    def close(self) -> None:
        """Free the spools of the stores (a long-lived process scanning many times)."""
        for items in (self.findings, self.suppressed, self.baselined):
            if hasattr(items, "close"):
                items.close()


def _append(items: Any, f: Finding, text: str | None) -> None:
    if isinstance(items, list):
        items.append(f)
    else:
        items.append(f, text)
