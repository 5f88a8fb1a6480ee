"""CSV report: a header and one row per finding, for reviewers who work in a spreadsheet.

Findings suppressed inline follow the reported ones, told apart by the `status` column (as the JSON report
lists them apart), so a reviewer sees every decision.

Written with the csv module (RFC 4180 quoting, CRLF row ends) as UTF-8 without a byte order mark, so that
`csv.DictReader` and other tools read it back unchanged. Unreadable inputs and the summary are not rows here
(a CSV has one shape); the CLI reports unreadable inputs on stderr and exits 2, and the json/jsonl formats
carry both.

Formula injection: spreadsheets (Excel, LibreOffice, Google Sheets) run a cell that starts with = + - @ (or a
tab or carriage return that hides one) as a formula, and post text, account names and file names come from
outside. Such a cell is written with a leading apostrophe, as OWASP recommends, so it is shown as text. Cells
that hold numbers (confidence, line, offsets) are written as numbers and never prefixed.
"""
from __future__ import annotations

import csv
import re
from typing import IO, Any

from ..model import Finding, ScanResult
from ..rules.engine import RuleSet
from .json_report import finding_dict

COLUMNS = (
    "rule", "rule_name", "severity", "confidence", "platform", "account", "source", "post_id", "field", "line",
    "start", "end", "evidence", "entity", "message", "policies", "url", "disclosed", "fingerprint", "status",
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SURROGATE = re.compile("[\ud800-\udfff]")  # a lone surrogate from a JSON input cannot be written as UTF-8


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe; anything else is unchanged."""
    if not isinstance(value, str):
        return value
    value = _SURROGATE.sub("\ufffd", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def row(f: Finding, redact: bool) -> list[Any]:
    d = finding_dict(f, redact)  # the one place evidence is masked under --redact
    d["policies"] = "; ".join(d["policies"])
    return [neutralise("" if d[c] is None else d[c]) for c in COLUMNS]


class CsvReporter:
    name = "csv"
    description = "CSV for spreadsheets: one row per finding (formula-injection safe)"

    def render(self, result: ScanResult, rules: RuleSet, out: IO[str], *, redact: bool = False, fail_on: str = "medium") -> None:
        writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for f in result.ordered():
            writer.writerow(row(f, redact))
        for f in result.ordered("suppressed"):  # kept apart, never dropped: see `status`
            writer.writerow(row(f, redact))
