"""JSON Lines report: one finding per line, then one line per unreadable input, then a summary line.

Line kinds, in this order: "finding" (the reported findings), "suppressed" (findings a person suppressed inline,
kept apart as in the JSON report, never silently dropped), "error" (an input that could not be read), and one
final "summary".

Built for streaming consumers (`jq -c`, log shippers, line-by-line readers): every line is one complete JSON
object with a "kind" ("finding", "error", "summary"), so a reader can act on findings before it reaches the end,
and the last line tells it the run is complete. Finding lines carry exactly the fields of the JSON report's
`finding_dict` (the versioned contract); the summary line carries the JSON report's `summary` plus the schema
version and tool.

Output is deterministic: findings are ordered by `model.report_key` (source, position of the post in it, post id,
field, offsets), errors by source and place.
"""
from __future__ import annotations

import json
import re
from typing import IO, Iterable

from ..model import ReadError, ScanResult
from ..rules.engine import RuleSet
from .json_report import SCHEMA_VERSION, _version, finding_dict, summary

# Characters JSON allows raw inside strings but that some line readers (Python's str.splitlines, editors,
# JavaScript before ES2019) treat as line breaks. Written escaped, a line of output is always one record.
_LINE_BREAKERS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}
# A lone surrogate (a JSON input may hold "\ud83d" alone) cannot be written as UTF-8; JSON can still say it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def ordered_errors(errors: Iterable[ReadError]) -> list[ReadError]:
    return sorted(errors, key=lambda e: (e.source, e.where, e.message))


def dumps_line(obj: dict) -> str:
    """One JSON object on one line: readable UTF-8, with every line-breaking character escaped."""
    text = json.dumps(obj, ensure_ascii=False)
    if _SURROGATE.search(text):
        text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    for ch, esc in _LINE_BREAKERS.items():
        if ch in text:
            text = text.replace(ch, esc)
    return text


class JsonlReporter:
    name = "jsonl"
    description = "JSON Lines: one finding per line, then errors and a summary line (streaming-friendly)"

    def render(self, result: ScanResult, rules: RuleSet, out: IO[str], *, redact: bool = False, fail_on: str = "medium") -> None:
        for f in result.ordered():
            out.write(dumps_line({"kind": "finding", **finding_dict(f, redact)}) + "\n")
        for f in result.ordered("suppressed"):
            out.write(dumps_line({"kind": "suppressed", **finding_dict(f, redact)}) + "\n")
        for e in ordered_errors(result.errors):
            out.write(dumps_line({"kind": "error", **e.as_dict()}) + "\n")
        for e in ordered_errors(result.warnings):
            out.write(dumps_line({"kind": "warning", **e.as_dict()}) + "\n")
        tail = {"kind": "summary", "version": SCHEMA_VERSION, "tool": {"name": "phiscan", "version": _version()}}
        tail.update(summary(result, fail_on))  # with the inventory, as in the JSON report
        out.write(dumps_line(tail) + "\n")
