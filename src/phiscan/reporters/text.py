"""Human-readable report for terminals (rich)."""
from __future__ import annotations

from collections import Counter
from typing import IO

from ..masking import mask
from ..model import Finding, ScanResult, Severity, inventory_counts, plural
from ..rules.engine import RuleSet

STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


class TextReporter:
    name = "text"
    description = "Readable summary for terminals"

    def render(self, result: ScanResult, rules: RuleSet, out: IO[str], *, redact: bool = False, fail_on: str = "medium", top: int = 50) -> None:
        from rich.table import Table
        from rich.text import Text

        # Ids, paths, accounts and evidence come from the inputs: never read as markup (a post id "[red]x" or a
        # path "/posts/1" closing a tag) nor as emoji codes (":cat:"). Styles are applied as Text spans.
        console = make_console(file=out, highlight=False, soft_wrap=True, emoji=False,
                          force_terminal=out.isatty() if hasattr(out, "isatty") else False)
        summary = result.summary(fail_on)
        shown = top_findings(result, top)
        for f in shown:
            ev = mask(f.evidence) if redact else f.evidence
            where = f"{f.source}" + (f":{f.line}" if f.line else "") + (f":{f.column}" if f.line and f.column else "") + (f" [{f.post_id}]" if f.post_id and f.post_id not in f.source else "")
            console.print(Text.assemble((f"{str(f.severity).upper():6}", STYLE[str(f.severity)]),
                                        f" {f.rule} {f.rule_name}  {where}  {f.field}:{f.start}-{f.end}"))
            console.print(f"       {ev!r}{f' ({f.role})' if f.role else ''}: {f.message}", markup=False)
            if f.image is not None:  # text read from an image (OCR)
                box = f", box x {f.box[0]} y {f.box[1]} {f.box[2]}x{f.box[3]} px" if f.box else ""
                console.print(f"       in image {f.image}{box}", markup=False)
            if f.policies:
                console.print("       policy: " + "; ".join(f.policies), markup=False)
            if f.status == "authorized":
                console.print(f"       authorized (reported, not failing): {f.justification}", markup=False)
            elif f.status == "open" and f.justification:  # an authorization names the patient but does not cover the post
                console.print(f"       still blocking: {f.justification}", markup=False)
        if summary.findings > len(shown):
            console.print(f"... and {summary.findings - len(shown)} more findings (use --format json for all)")
        table = Table(title="Summary", show_edge=False)
        table.add_column("rule")
        table.add_column("name")
        for s in ("high", "medium", "low"):
            table.add_column(s, justify="right")
        per = summary.by_rule_severity
        for r in summary.by_rule:
            table.add_row(Text(r), Text(rules.by_code[r].name if r in rules.by_code else ""), *(str(per.get((r, s), 0)) for s in ("high", "medium", "low")))
        if summary.findings:
            console.print(table)
        accounts = Counter()
        for a, n in summary.at_threshold_by_account.items():
            accounts[a or "-"] += n
        if len(accounts) > 1:
            console.print("By account: " + ", ".join(f"{a}: {n}" for a, n in accounts.most_common()), markup=False)
        authorized = _authorizations(result)
        if authorized:
            console.print("Authorized (covered by a patient's written authorization: reported, not failing): "
                          + ", ".join(f"{a} ({plural(n, 'finding')})" for a, n in sorted(authorized.items())), markup=False)
        for f in result.ordered("suppressed", key=lambda f: (f.source, f.line or 0, f.column or 0, f.rule)):  # listed without evidence: the reason is what a reviewer checks
            where = f"{f.source}" + (f":{f.line}" if f.line else "")
            console.print(f"suppressed {f.rule} {f.rule_name}  {where}  reason: {f.justification}", markup=False)
        failing = summary.failing
        for e in result.errors:
            console.print(Text.assemble(("error", "red"), f" {e.source}" + (f" ({e.where})" if e.where else "") + f": {e.message}"))
        for e in result.warnings:
            console.print(Text.assemble(("warning", "yellow"), f" {e.source}" + (f" ({e.where})" if e.where else "") + f": {e.message}"))
        skipped = [r for r in result.inventory if r.status == "skipped"]
        for reason, n in Counter(r.reason for r in skipped).most_common():
            console.print(f"skipped {plural(n, 'file')}: {reason}", markup=False)
        unread = [r for r in result.inventory if r.status == "scanned" and r.format == "image" and r.reason]
        for reason, n in Counter(r.reason for r in unread).most_common():  # metadata read, text not (OCR)
            console.print(f"{plural(n, 'image')} scanned for metadata only: {reason}", markup=False)
        console.print(
            f"{plural(result.posts, 'post')} scanned, {plural(summary.findings, 'finding')} "
            f"({failing} at or above {fail_on}), {len(result.suppressed)} suppressed, {len(result.baselined)} baselined.",
            markup=False,
        )
        console.print(inventory_line(result), markup=False)


def inventory_line(result: ScanResult) -> str:
    """The closing line: what became of every file (see InputRecord), then read errors and warnings."""
    c = inventory_counts(result.inventory)
    files = f"Files: {c['scanned']} scanned" + (f", {c['partial']} scanned in part" if c["partial"] else "")
    files += f", {c['skipped']} skipped, {c['error']} unreadable"
    truncated = sum(len(r.truncated) for r in result.inventory)
    if truncated:
        files += f"; {plural(truncated, 'post')} cut at a size limit"
    return (f"{files}; {plural(len(result.errors), 'read error')}, {plural(len(result.warnings), 'warning')}"
            + (" (listed above)." if result.errors or result.warnings else "."))


def make_console(**kw):
    """A rich Console that lets a closed pipe (`phiscan ... | head`) raise BrokenPipeError to its caller, as
    any other write does, instead of rich's own `SystemExit(1)`: the command then exits quietly with the exit
    code its findings call for."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _Console(**kw)


def _authorizations(result: ScanResult) -> Counter:
    """Authorization id -> how many findings it covers."""
    from ..consent import authorization_ids

    out: Counter = Counter()
    for f in result.all():
        if f.status == "authorized":
            for a in authorization_ids(f):
                out[a] += 1
    return out


def top_findings(result: ScanResult, top: int) -> list[Finding]:
    """The first `top` findings by severity (highest first), then place: of medium or higher when there are
    any, else of all. Kept in a bounded heap, so a million findings are never sorted in memory."""
    import heapq

    def key(f: Finding) -> tuple:
        return (-int(f.severity), f.source, f.index or 0, f.start)

    # heapq.nsmallest is stable (ties keep the order added), as the sort it replaces was
    serious = heapq.nsmallest(top, (f for f in result.all() if f.severity >= Severity.MEDIUM), key=key)
    return serious or heapq.nsmallest(top, result.all(), key=key)
