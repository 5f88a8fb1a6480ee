"""Training modules, built from the rules and the bank: each module is its rules' documentation (what the rule
catches, why it matters, an example, what to write instead: the text of `phiscan rules show`) and the bank's
cases of that module (worked PHI examples with their identifiers marked, hard negatives, role plays)."""
from __future__ import annotations

from dataclasses import dataclass

from .bank import Bank, Case, Module


@dataclass(frozen=True)
class ModuleView:
    module: Module
    rules: tuple[dict, ...]  # rule pages: code, name, title, severity, what, why, example, instead, refs
    phi: tuple[Case, ...]
    safe: tuple[Case, ...]
    roleplays: tuple[Case, ...]

    @property
    def quiz_size(self) -> int:
        return len(self.phi) + len(self.safe)


def build_modules(bank: Bank, rule_page) -> list[ModuleView]:
    """`rule_page(code)` gives a rule's documentation as fields (None for a rule not loaded)."""
    out = []
    for m in bank.modules.values():
        pages = tuple(p for p in (rule_page(code) for code in m.rules) if p is not None)
        out.append(ModuleView(m, pages, tuple(bank.of_kind("phi", module=m.id)), tuple(bank.of_kind("safe", module=m.id)),
                              tuple(bank.of_kind("roleplay", module=m.id))))
    return out


def marked(case: Case) -> list[tuple[str, object]]:
    """A PHI case's post cut at its identifiers: (text, identifier or None), for <mark>."""
    out: list[tuple[str, object]] = []
    at = 0
    for ident in sorted(case.identifiers, key=lambda i: i.start):
        if ident.start > at:
            out.append((case.post[at:ident.start], None))
        out.append((case.post[ident.start:ident.end], ident))
        at = ident.end
    if at < len(case.post):
        out.append((case.post[at:], None))
    return out
