"""Inline suppressions in content-queue posts: `phiscan: ignore[PHI101] reason`.

A person who knows a finding is acceptable (the patient signed a consent form, the "name" is a staff
member's) says so in the post itself, next to what it accepts, with a reason a reviewer can check:

    <!-- phiscan: ignore[PHI101] photo and story consent signed 2025-05-28, on file with Patient Relations -->

or, in a plain-text post, the same directive alone on a line: `phiscan: ignore[PHI101,PHI103] reason`. Rule
codes or rule names may be listed. A valid directive marks that post's findings of those rules `suppressed`:
they are counted in every summary, listed in JSON and SARIF (with the reason), and no longer fail the scan.

A directive without a reason (at least one word of three letters or digits), without a rule list, or naming
a rule that does not exist suppresses nothing, and is itself a finding of rule PHI901
(`suppression-without-reason`): an acceptance nobody can review is not an acceptance.

Directives are blanked out (replaced by spaces of the same length, so offsets stay put) before detectors
run: the reason's words ("consent form 2025-114") are not scanned as post text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

SUPPRESSION_RULE = "PHI901"

# `<!-- phiscan: ignore[...] reason -->` anywhere on a line, or `phiscan: ignore[...] reason` as a whole line.
_HTML = re.compile(r"<!--[ \t]*(?P<body>phiscan[ \t]*:[ \t]*ignore\b(?P<rest>.*?))[ \t]*-->", re.IGNORECASE)
_PLAIN = re.compile(r"^[ \t]*(?P<body>phiscan[ \t]*:[ \t]*ignore\b(?P<rest>[^\n]*?))[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
_CODES = re.compile(r"^[ \t]*\[(?P<codes>[^\]\n]*)\]")
_REASON_WORD = re.compile(r"\w{3,}")


@dataclass(frozen=True)
class Directive:
    """One `phiscan: ignore[...]` directive found in a field of a post."""

    field: str
    start: int  # span of the directive itself (from "phiscan:" to the end of the reason)
    end: int
    outer_start: int  # span to blank before scanning (with the HTML comment markers)
    outer_end: int
    codes: tuple[str, ...]
    reason: str
    problem: str | None  # why it is invalid, None when it suppresses

    @property
    def valid(self) -> bool:
        return self.problem is None


def find_directives(fld: str, text: str, resolve=None) -> list[Directive]:
    """Every directive in `text`, in order. `resolve(code_or_name)` returns a rule code or None (unknown)."""
    if "phiscan" not in text.lower():
        return []
    found: list[Directive] = []
    taken: list[tuple[int, int]] = []
    for rx in (_HTML, _PLAIN):
        for m in rx.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append(_parse(fld, m, resolve))
    return sorted(found, key=lambda d: d.start)


def _parse(fld: str, m: re.Match, resolve) -> Directive:
    rest = m.group("rest")
    codes: tuple[str, ...] = ()
    reason = rest
    problem = None
    cm = _CODES.match(rest)
    if cm:
        raw = [c for c in re.split(r"[,\s]+", cm.group("codes")) if c]
        reason = rest[cm.end():]
        resolved = []
        for c in raw:
            code = resolve(c) if resolve else c.upper()
            if code is None:
                problem = f"names no rule that can be suppressed ({c!r})"
                break
            resolved.append(code)
        codes = tuple(dict.fromkeys(resolved))
        if not raw:
            problem = "names no rule: write the rule codes, e.g. ignore[PHI101]"
    else:
        problem = "names no rule: write the rule codes, e.g. ignore[PHI101]"
    reason = reason.strip().lstrip(":-\u2013\u2014 \t").strip()
    if problem is None and not _REASON_WORD.search(reason):
        problem = "gives no reason: say why the finding is acceptable (consent form, staff member, ...)"
    body_start, body_end = m.span("body")
    return Directive(fld, body_start, body_end, m.start(), m.end(), codes, reason, problem)


def blank(text: str, directives: list[Directive]) -> str:
    """The text with every directive replaced by spaces (line breaks kept), so offsets do not move."""
    if not directives:
        return text
    chars = list(text)
    for d in directives:
        for i in range(d.outer_start, d.outer_end):
            if chars[i] not in "\r\n":
                chars[i] = " "
    return "".join(chars)
