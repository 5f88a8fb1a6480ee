"""Markdown report: a summary, then the findings grouped by post with the post in context.

For pasting into a ticket, a wiki page or a pull request. Every piece of text that comes from outside (post text,
evidence, account names, file names, ids) is escaped so it reads as the literal text and cannot turn into a
heading, a list, a link, an image, raw HTML or a table cell. Under --redact no post text is shown, only masked
evidence (through `phiscan.masking`).

Also holds the small helpers the HTML report shares: post grouping, context windows and safe post links.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import IO, Iterable, Iterator
from urllib.parse import urlsplit

from ..masking import mask
from ..model import Finding, ScanResult, Summary, inventory_counts
from ..rules.engine import RuleSet
from .json_report import _version
from .jsonl import ordered_errors

SEVERITIES = ("high", "medium", "low")
NO_ACCOUNT = "(no account)"

# Characters that can start Markdown (CommonMark + GFM) syntax anywhere in a line: emphasis, code, links and
# images, raw HTML and entities, tables, strikethrough, and GitHub's @mention and #reference autolinks.
_INLINE = frozenset("\\`*_[]<>|~&@#!")
# Characters that start a block only at the beginning of a line: headings, lists, setext underlines, quotes.
_LINE_START = frozenset("#-+=>")
_SURROGATE = re.compile("[\ud800-\udfff]")  # a lone surrogate from a JSON input cannot be written as UTF-8


# ---------------------------------------------------------------------------------------------------- shared
def post_groups(records: Iterable[tuple[Finding, "str | None"]]) -> Iterator[tuple[tuple[str, str], list[tuple[Finding, "str | None"]]]]:
    """(finding, field text) records in report order (`ScanResult.ordered_records`), grouped by post:
    ((source, post_id), records). Streams: one post's records in memory at a time."""
    current: tuple[str, str] | None = None
    group: list[tuple[Finding, str | None]] = []
    for rec in records:
        f = rec[0]
        key = (f.source, f.post_id)
        if key != current and group:
            yield current, group  # type: ignore[misc]
            group = []
        current = key
        group.append(rec)
    if group:
        yield current, group  # type: ignore[misc]


def safe_url(url: str | None) -> str | None:
    """The post's URL when it is a plain http(s) address fit to be a link target; None otherwise
    (javascript:, data:, file: and malformed addresses are never made clickable)."""
    if not url or any(c.isspace() or ord(c) < 32 or c in '<>"\'`\\' for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def evidence_ok(text: str | None, f: Finding) -> bool:
    """Do the finding's offsets point at its evidence in this text? (Guards against a stale or foreign text.)"""
    return text is not None and 0 <= f.start <= f.end <= len(text) and text[f.start:f.end] == f.evidence


def windows(length: int, text: str, spans: list[tuple[int, int]], radius: int = 240) -> list[tuple[int, int]]:
    """Merged windows of about `radius` characters around each span, cut at whitespace, covering every span."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        ws, we = max(0, s - radius), min(length, e + radius)
        if ws > 0:
            cut = text.find(" ", ws, s)
            ws = cut + 1 if cut != -1 else ws
        if we < length:
            cut = text.rfind(" ", e, we)
            we = cut if cut != -1 else we
        if out and ws <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], we))
        else:
            out.append((ws, we))
    return out


def display_evidence(f: Finding, redact: bool) -> str:
    return mask(f.evidence, f.entity) if redact else f.evidence


def accepted_counts(result: ScanResult) -> list[tuple[str, int]]:
    """Findings a person accepted and that are kept apart from the report's findings, when there are any
    (inline suppressions, a baseline): counted in summaries, never shown."""
    out = []
    for attr, label in (("suppressed", "Suppressed inline"), ("baselined", "Accepted in the baseline")):
        n = len(getattr(result, attr, None) or ())
        if n:
            out.append((label, n))
    return out


def by_account(summary: Summary) -> list[tuple[str, int]]:
    counts = Counter({(a or NO_ACCOUNT): n for a, n in summary.by_account.items()})
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def by_rule(summary: Summary) -> list[tuple[str, str, int]]:
    return [(code, summary.rule_names.get(code, ""), n) for code, n in sorted(summary.by_rule.items())]


# ---------------------------------------------------------------------------------------------- escaping
def md_inline(text: str) -> str:
    """Escape text for a Markdown line or table cell: it renders as itself, on one line."""
    text = re.sub(r"[\r\n\t]+", " ", _SURROGATE.sub("\ufffd", text))
    return "".join("\\" + c if c in _INLINE else c for c in text)


def md_block(text: str, marks: Iterable[tuple[int, int]] = ()) -> list[str]:
    """Escape a (multi-line) text, with the character ranges in `marks` in bold. Returns lines of Markdown.

    Inline syntax is escaped everywhere; block syntax (headings, list markers, setext underlines, quotes,
    indented code) at the start of each line, where leading blanks are dropped.
    """
    spans = _merge(marks)
    opens = {s for s, _ in spans}
    closes = {e for _, e in spans}
    lines: list[str] = []
    cur: list[str] = []
    state = "start"  # start of line (blanks skipped), "digits" (a possible ordered-list number), "mid"
    text = _SURROGATE.sub("\ufffd", text)  # one code point for one: offsets stay valid
    for i, ch in enumerate(text):
        if i in closes:
            cur.append("**")
        if i in opens:
            cur.append("**")
        if ch == "\n":
            lines.append("".join(cur))
            cur, state = [], "start"
            continue
        if ch == "\r":
            continue
        if state == "start":
            if ch in " \t" and i not in opens:
                continue
            if ch in _LINE_START:
                cur.append("\\" + ch)
                state = "mid"
                continue
            state = "digits" if ch.isdigit() else "mid"
        elif state == "digits":
            if ch in ".)":
                cur.append("\\" + ch)
                state = "mid"
                continue
            if not ch.isdigit():
                state = "mid"
        cur.append("\\" + ch if ch in _INLINE else ch)
    if len(text) in closes:
        cur.append("**")
    lines.append("".join(cur))
    return lines


def _merge(marks: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(m for m in marks if m[1] > m[0]):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _quote(text: str, marks: list[tuple[int, int]]) -> list[str]:
    """The text as a block quote with marks in bold, cut to windows around the marks when it is long."""
    parts = windows(len(text), text, marks) if len(text) > 1200 else [(0, len(text))]
    out: list[str] = []
    for n, (ws, we) in enumerate(parts):
        local = [(max(s, ws) - ws, min(e, we) - ws) for s, e in marks if s < we and e > ws]
        lines = md_block(text[ws:we], local)
        if ws > 0:
            lines[0] = "…" + lines[0]
        if we < len(text):
            lines[-1] = lines[-1] + "…"
        if n:
            out.append(">")
        # a trailing backslash is a hard line break: the post's own line breaks are kept when rendered
        last = len(lines) - 1
        out.extend(("> " + ln if ln else ">") + ("\\" if i < last and ln else "") for i, ln in enumerate(lines))
    return out


# ---------------------------------------------------------------------------------------------- reporter
class MarkdownReporter:
    name = "markdown"
    description = "Markdown: summary and findings grouped by post, for tickets and wikis"

    def render(self, result: ScanResult, rules: RuleSet, out: IO[str], *, redact: bool = False, fail_on: str = "medium") -> None:
        for block in self.blocks(result, rules, redact=redact, fail_on=fail_on):
            out.write("\n".join(block) + "\n")

    def blocks(self, result: ScanResult, rules: RuleSet, *, redact: bool, fail_on: str) -> Iterator[list[str]]:
        """The report as blocks of lines: the summary, then one block per post (streamed from the store)."""
        s = result.summary(fail_on)
        failing, posts_with, sev = s.failing, s.posts_with_findings, s.by_severity
        L: list[str] = ["# phiscan report", ""]
        L.append(f"phiscan {md_inline(_version())}" + (" · evidence masked (--redact), post text not shown" if redact else ""))
        L += ["", "## Summary", ""]
        L += ["| | |", "|---|---:|"]
        L.append(f"| Posts scanned | {result.posts} |")
        L.append(f"| Posts with findings | {posts_with} |")
        L.append(f"| Findings | {s.findings} |")
        L.append(f"| At or above {md_inline(fail_on)} | {failing} |")
        for label, n in accepted_counts(result):
            L.append(f"| {label} | {n} |")
        L.append(f"| Read errors (input lost) | {len(result.errors)} |")
        inputs = inventory_counts(result.inventory)
        L.append(f"| Files scanned | {inputs['scanned']} |")
        if inputs["partial"]:
            L.append(f"| Files scanned in part | {inputs['partial']} |")
        L.append(f"| Files skipped | {inputs['skipped']} |")
        L.append(f"| Files unreadable | {inputs['error']} |")
        truncated = sum(len(r.truncated) for r in result.inventory)
        if truncated:
            L.append(f"| Posts cut at a size limit | {truncated} |")
        L += ["", "### Findings by severity", "", "| Severity | Findings |", "|---|---:|"]
        L += [f"| {s} | {sev.get(s, 0)} |" for s in SEVERITIES]
        if sev.get("info"):
            L.append(f"| info | {sev['info']} |")
        L += ["", "### Findings by rule", ""]
        if s.findings:
            L += ["| Rule | Name | Findings |", "|---|---|---:|"]
            L += [f"| {md_inline(code)} | {md_inline(name)} | {n} |" for code, name, n in by_rule(s)]
        else:
            L.append("No findings.")
        L += ["", "### Findings by account", ""]
        if s.findings:
            L += ["| Account | Findings |", "|---|---:|"]
            L += [f"| {md_inline(a)} | {n} |" for a, n in by_account(s)]
        else:
            L.append("No findings.")
        L += ["", "### Inputs that could not be read", ""]
        if result.errors:
            L += ["| Source | Where | Problem |", "|---|---|---|"]
            L += [f"| {md_inline(e.source)} | {md_inline(e.where)} | {md_inline(e.message)} |" for e in ordered_errors(result.errors)]
        else:
            L.append("None.")
        L += ["", "### Inputs skipped", ""]
        skipped = [r for r in result.inventory if r.status == "skipped"]
        if skipped:
            L += ["| Source | Reason |", "|---|---|"]
            L += [f"| {md_inline(r.source)} | {md_inline(r.reason)} |" for r in skipped]
        else:
            L.append("None.")
        if result.warnings:
            L += ["", "### Warnings (scanned without a field)", "", "| Source | Where | Warning |", "|---|---|---|"]
            L += [f"| {md_inline(e.source)} | {md_inline(e.where)} | {md_inline(e.message)} |" for e in ordered_errors(result.warnings)]
        L += ["", "## Findings", ""]
        if not s.findings:
            L.append("No findings.")
        yield L
        for (source, post_id), group in post_groups(result.ordered_records()):
            yield self._post(rules, source, post_id, group, redact)

    def _post(self, rules: RuleSet, source: str, post_id: str, group: list[tuple[Finding, "str | None"]], redact: bool) -> list[str]:
        first = group[0][0]
        L = [f"### Post {md_inline(post_id)}", ""]
        facts = [f"Source: {md_inline(source)}" + (f", line {first.line}" if first.line else "")]
        if first.platform:
            facts.append(f"Platform: {md_inline(first.platform)}")
        facts.append(f"Account: {md_inline(first.account or NO_ACCOUNT)}")
        link = safe_url(first.url)
        if link:
            facts.append(f"[Original post](<{link}>)")  # safe_url lets no < > or blank through
        elif first.url:
            facts.append(f"URL: {md_inline(first.url)}")
        L += [" · ".join(facts), ""]
        fields: dict[str, list[Finding]] = {}
        texts: dict[str, str | None] = {}
        for f, text in group:
            fields.setdefault(f.field, []).append(f)
            if texts.get(f.field) is None:
                texts[f.field] = text
        for fld, fs in fields.items():
            L.append(f"#### {md_inline(fld)}")
            L.append("")
            text = texts[fld]
            shown = [f for f in fs if evidence_ok(text, f)]
            if not redact and text is not None and shown:
                L += _quote(text, [(f.start, f.end) for f in shown])
                L.append("")
            for f in fs:
                L += self._finding(f, rules, redact)
            L.append("")
        return L

    def _finding(self, f: Finding, rules: RuleSet, redact: bool) -> list[str]:
        ev = md_inline(display_evidence(f, redact))
        head = (
            f"- **{str(f.severity).upper()}** {md_inline(f.rule)} {md_inline(f.rule_name)}: **{ev}** "
            f"({md_inline(f.field)} {f.start}–{f.end}, confidence {f.confidence:.2f})"
        )
        if f.status != "open":
            head += f" · status: {md_inline(f.status)}"
        L = [head, f"  - {md_inline(f.message)}"]
        if f.explanation:
            L.append(f"  - Why: {md_inline(f.explanation)}")
        if f.policies:
            L.append(f"  - Policy: {md_inline('; '.join(f.policies))}")
        rule = rules.by_code.get(f.rule)
        title = f" ({md_inline(rule.title)})" if rule is not None else ""
        L.append(f"  - Rule docs: `phiscan rules show {f.rule}`{title}")
        return L
