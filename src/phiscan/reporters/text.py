"""Human-readable report for terminals (rich)."""
from __future__ import annotations

from collections import Counter
from typing import IO

from ..masking import mask
from ..model import ScanResult, Severity
from ..rules.engine import RuleSet

STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


class TextReporter:
    name = "text"
    description = "Readable summary for terminals"

    def render(self, result: ScanResult, rules: RuleSet, out: IO[str], *, redact: bool = False, fail_on: str = "medium", top: int = 50) -> None:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        console = Console(file=out, highlight=False, soft_wrap=True, force_terminal=out.isatty() if hasattr(out, "isatty") else False)
        findings = sorted(result.findings, key=lambda f: (-int(f.severity), f.source, f.index or 0, f.start))
        threshold = Severity.parse(fail_on)
        shown = [f for f in findings if f.severity >= Severity.MEDIUM][:top] or findings[:top]
        for f in shown:
            ev = mask(f.evidence) if redact else f.evidence
            where = f"{f.source}" + (f":{f.line}" if f.line else "") + (f":{f.column}" if f.line and f.column else "") + (f" [{f.post_id}]" if f.post_id and f.post_id not in f.source else "")
            console.print(f"[{STYLE[str(f.severity)]}]{str(f.severity).upper():6}[/] {f.rule} {f.rule_name}  {where}  {f.field}:{f.start}-{f.end}")
            console.print(f"       {ev!r}: {f.message}", markup=False)
            if f.policies:
                console.print("       policy: " + "; ".join(f.policies), markup=False)
        if len(findings) > len(shown):
            console.print(f"... and {len(findings) - len(shown)} more findings (use --format json for all)")
        table = Table(title="Summary", show_edge=False)
        table.add_column("rule")
        table.add_column("name")
        for s in ("high", "medium", "low"):
            table.add_column(s, justify="right")
        per = Counter((f.rule, str(f.severity)) for f in findings)
        for r in sorted({f.rule for f in findings}):
            table.add_row(r, rules.by_code[r].name if r in rules.by_code else "", *(str(per.get((r, s), 0)) for s in ("high", "medium", "low")))
        if findings:
            console.print(table)
        accounts = Counter(f.account or "-" for f in findings if f.severity >= threshold)
        if len(accounts) > 1:
            console.print("By account: " + ", ".join(f"{a}: {n}" for a, n in accounts.most_common()))
        accepted = sorted(result.suppressed, key=lambda f: (f.source, f.line or 0, f.column or 0, f.rule))
        for f in accepted:  # listed without evidence: the reason is what a reviewer checks
            where = f"{f.source}" + (f":{f.line}" if f.line else "")
            console.print(f"suppressed {f.rule} {f.rule_name}  {where}  reason: {f.justification}", markup=False)
        failing = len(result.failing(fail_on))
        console.print(
            f"{result.posts} posts scanned, {len(findings)} findings "
            f"({failing} at or above {fail_on}), {len(result.suppressed)} suppressed, {len(result.baselined)} baselined, "
            f"{len(result.errors)} inputs could not be read."
        )
        for e in result.errors:
            console.print(f"[red]error[/] {escape(e.source)}" + (f" ({escape(e.where)})" if e.where else "") + f": {escape(e.message)}")
