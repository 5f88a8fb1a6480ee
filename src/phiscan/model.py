"""Core records: Post, Span, Finding, Severity.

Data flows one way: sources -> posts -> detectors (spans) -> rules (findings) -> reporters.
Every record here is frozen so that a finding, once made, cannot be changed by a later stage.
"""
from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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

    def texts(self) -> list[tuple[str, str]]:
        """Every scannable text of the post as (field, text), main text first."""
        out = [("text", self.text or "")]
        out.extend(self.fields)
        for i, m in enumerate(self.media):
            if m.alt:
                out.append((f"media[{i}].alt", m.alt))
        return [(f, t) for f, t in out if t]


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

    @property
    def fingerprint(self) -> str:
        """Stable across edits elsewhere in the post and reordering of posts: hash of what, not where."""
        basis = "\x1f".join([self.rule, self.field, self.evidence.casefold().strip(), self.post_id])
        return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class ReadError:
    """An input that could not be read (or part of one). Never carries post text."""

    source: str
    where: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "where": self.where, "message": self.message}


@dataclass
class ScanResult:
    """Everything a reporter needs. `texts` holds, for posts with findings only, each field's text, keyed by
    (source, post_id, field), so reports can show a finding in its post (reporters mask it under --redact)."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)
    posts: int = 0
    sources: int = 0
    texts: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def add(self, post: Post, findings: list[Finding]) -> None:
        self.posts += 1
        if findings:
            self.findings.extend(findings)
            wanted = {f.field for f in findings}
            for fld, text in post.texts():
                if fld in wanted:
                    self.texts[(post.source, post.id, fld)] = text

    def text_of(self, f: Finding) -> str | None:
        return self.texts.get((f.source, f.post_id, f.field))
