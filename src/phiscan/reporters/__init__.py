"""Reporters: one module per output format behind one small interface, in an explicit registry.

A reporter has `name`, `description` and `render(result, rules, out, *, redact, fail_on)`, writing text to
`out`. It receives the whole ScanResult (findings, errors, summary counts, and the text of posts with
findings for context) and the RuleSet (SARIF and HTML need rule metadata). All evidence and post text a
reporter writes goes through `phiscan.masking` when `redact` is true.
"""
from __future__ import annotations

import importlib
import importlib.util
from typing import IO, TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # names for the annotations only: `phiscan check` starts without the rule engine's imports
    from ..model import ScanResult
    from ..rules.engine import RuleSet


class Reporter(Protocol):
    name: str
    description: str

    def render(self, result: ScanResult, rules: RuleSet, out: IO[str], *, redact: bool = False, fail_on: str = "medium") -> None: ...


# format name -> (module, class). Listed explicitly: no if/elif chain, no plugin discovery at run time.
REGISTRY: dict[str, tuple[str, str]] = {
    "text": ("text", "TextReporter"),
    "json": ("json_report", "JsonReporter"),
    "jsonl": ("jsonl", "JsonlReporter"),
    "csv": ("csv_report", "CsvReporter"),
    "sarif": ("sarif", "SarifReporter"),
    "github": ("github", "GithubReporter"),
    "html": ("html", "HtmlReporter"),
    "markdown": ("markdown", "MarkdownReporter"),
}


def available() -> list[str]:
    """Formats whose module is present (a format under construction is simply not offered)."""
    out = []
    for name, (mod, _) in REGISTRY.items():
        if importlib.util.find_spec(f"{__name__}.{mod}") is not None:
            out.append(name)
    return out


def get_reporter(name: str) -> Reporter:
    mod, cls = REGISTRY[name]
    return _Redacting(getattr(importlib.import_module(f"{__name__}.{mod}"), cls)())


class _Redacting:
    """Every reporter, under --redact, renders findings whose disclosed dates and quoted evidence are masked
    (`masking.redact_result`): one place for what no reporter may forget. Each reporter masks the evidence
    itself and leaves out post text."""

    def __init__(self, inner: Reporter):
        self._inner = inner

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    def render(self, result: ScanResult, rules: RuleSet, out: IO[str], *, redact: bool | None = None, **kw) -> None:
        if redact is None:  # the reporter's own default (SARIF and GitHub mask)
            redact = bool(getattr(self._inner, "redact_default", False))
        if redact:
            from ..masking import redact_result

            result = redact_result(result)
        self._inner.render(result, rules, out, redact=redact, **kw)


FORMATS = tuple(REGISTRY)
