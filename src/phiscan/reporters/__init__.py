"""Reporters: one module per output format behind one interface, in an explicit registry."""
from __future__ import annotations

from typing import IO, Protocol

from ..model import ScanResult
from ..rules.engine import RuleSet


class Reporter(Protocol):
    name: str
    binary: bool

    def render(self, result: ScanResult, rules: RuleSet, out: IO[str], *, redact: bool = False, fail_on: str = "medium") -> None: ...


def get_reporter(name: str) -> Reporter:
    from . import json_report, text

    registry = {r.name: r for r in (text.TextReporter(), json_report.JsonReporter())}
    return registry[name]


FORMATS = ("text", "json")
