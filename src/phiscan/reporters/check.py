"""`phiscan check` output: the post with findings highlighted, each with rule, policy, why, and a rewrite."""
from __future__ import annotations

from ..masking import mask
from ..model import Finding, Severity

STYLE = {"high": "bold white on red", "medium": "black on yellow", "low": "underline cyan"}


def render_check(text: str, findings: list[Finding], scanner, redact: bool = False, care_words: tuple[str, ...] = ()) -> None:
    from rich.panel import Panel
    from rich.text import Text

    from .text import make_console

    con = make_console(highlight=False, emoji=False)  # post text and words from it are Text, never markup or emoji codes
    if redact:  # disclosed dates, and evidence quoted in messages and explanations, as every reporter masks them
        from ..masking import redact_finding

        findings = [redact_finding(f) for f in findings]
    main = [f for f in findings if f.field == "text"]
    body = Text(text if not redact else "")
    if not redact:
        for f in sorted(main, key=lambda f: f.severity):
            body.stylize(STYLE[str(f.severity)], f.start, f.end)
    blocking = [f for f in findings if f.severity >= Severity.MEDIUM and f.status == "open"]
    title = "[bold red]PHI found: do not post as written[/]" if blocking else ("[yellow]Review the notes below[/]" if findings else "[green]No PHI found[/]")
    if not redact:
        con.print(Panel(body, title=title, title_align="left"))
    else:
        con.print(title)
    for f in sorted(findings, key=lambda f: (-int(f.severity), f.start)):
        ev = mask(f.evidence) if redact else f.evidence
        loc = f"{f.field}:{f.start}-{f.end}"
        line = Text()
        line.append(f"{str(f.severity).upper():6} ", style=STYLE[str(f.severity)])
        line.append(f"{f.rule} {f.rule_name} ", style="bold")
        line.append(f"{ev!r}" + (f" ({f.role})" if f.role else "") + f" ({loc})\n")
        line.append(f"       {f.message}\n")
        if f.role_signal:
            line.append(f"       role: {f.role_signal}\n", style="dim")
        if f.status != "open":
            line.append(f"       {f.status}: {f.justification or ''}\n", style="green")
        elif f.justification:
            line.append(f"       still blocking: {f.justification}\n", style="red")
        line.append(f"       why: {f.explanation}\n", style="dim")
        if f.policies:
            line.append("       policy: " + "; ".join(f.policies) + "\n", style="dim")
        con.print(line)
    if blocking and care_words and not redact:
        con.print("Told as a person's care in: " + ", ".join(f"'{w}'" for w in care_words)
                  + " (the words that weighed most in the learned judgment)", style="dim", markup=False)
    if blocking and not redact:
        from ..rewrite import suggest_rewrite

        con.print(Panel(Text(suggest_rewrite(text, findings)), title="Safer rewrite (identifiers replaced)", title_align="left", border_style="green"))
        con.print("Even without identifiers, check that the story cannot be recognised; see `phiscan rules show CODE`.")
