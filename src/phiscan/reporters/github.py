"""GitHub Actions annotations: one workflow command per open finding, shown on the pull request's diff.

    ::error file=queue/post.md,line=7,col=12,endColumn=37,title=PHI101 patient-name::A patient's name ...: "M****** Q****"

high is `error`, medium `warning`, low `notice`. Evidence is masked by default (workflow logs are kept and
readable by everyone with access to the repository); `--no-redact` shows it. Suppressed and baselined
findings get no annotation; the closing summary line counts them. Paths are as given to `phiscan scan`, so
run it from the repository root. Output is sorted by place: the same input gives the same bytes.
"""
from __future__ import annotations

from typing import IO

from ..model import ScanResult, Severity, inventory_counts, plural
from ..rules.engine import RuleSet
from .sarif import finding_message, sort_key

COMMAND = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "notice", Severity.INFO: "notice"}


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, props: list[tuple[str, object]], message: str) -> str:
    text = ",".join(f"{k}={escape_property(str(v))}" for k, v in props if v not in (None, ""))
    return f"::{kind} {text}::{escape_data(message)}" if text else f"::{kind}::{escape_data(message)}"


class GithubReporter:
    name = "github"
    description = "GitHub Actions annotations (::error file=...,line=...::), evidence masked unless --no-redact"
    redact_default = True

    def render(self, result: ScanResult, rules: RuleSet, out: IO[str], *, redact: bool = True, fail_on: str = "medium") -> None:
        for f in result.ordered(key=sort_key):
            if f.status != "open":
                continue
            props: list[tuple[str, object]] = [("file", f.source), ("line", f.line), ("col", f.column)]
            if f.column and f.end_line and f.end_column:
                if f.end_line != f.line:
                    props.append(("endLine", f.end_line))
                props.append(("endColumn", f.end_column))
            props.append(("title", f"{f.rule} {f.rule_name}"))
            out.write(command(COMMAND[f.severity], props, finding_message(f, redact)) + "\n")
        for e in sorted(result.errors, key=lambda e: (e.source, e.where, e.message)):
            where = f" ({e.where})" if e.where else ""
            out.write(command("error", [("file", e.source), ("title", "phiscan: cannot read")], f"{e.message}{where}") + "\n")
        for e in sorted(result.warnings, key=lambda e: (e.source, e.where, e.message)):
            where = f" ({e.where})" if e.where else ""
            out.write(command("warning", [("file", e.source), ("title", "phiscan: scanned without a field")], f"{e.message}{where}") + "\n")
        summary = result.summary(fail_on)
        counts = summary.by_status
        inputs = inventory_counts(result.inventory)
        out.write(
            f"phiscan: {plural(result.posts, 'post')} scanned, {counts['open']} open {'finding' if counts['open'] == 1 else 'findings'} "
            f"({summary.failing} at or above {fail_on}), {counts['suppressed']} suppressed, "
            f"{counts['baselined']} baselined, {plural(len(result.errors), 'read error')}, "
            f"{plural(len(result.warnings), 'warning')}; files: {inputs['scanned'] + inputs['partial']} scanned, "
            f"{inputs['skipped']} skipped, {inputs['error']} unreadable\n"
        )
