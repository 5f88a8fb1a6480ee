"""Every rule's pass/fail cases (data in rules/*.yaml), run by one parametrized test: exact spans and codes."""
from __future__ import annotations

import pytest

from phiscan.context import load_cues
from phiscan.model import Post
from phiscan.resources import rules_dir
from phiscan.rules.engine import load_rules
from phiscan.sources.generic import parse_time

_RULES = load_rules([rules_dir()], set(load_cues(rules_dir() / "context.yaml").names))
CASES = [pytest.param(r, i, c, id=f"{r.code}-{i}") for r in _RULES for i, c in enumerate(r.cases)]


@pytest.mark.parametrize("rule,index,case", CASES)
def test_rule_case(scanner, rule, index, case):
    post = Post(
        id=f"{rule.code}-{index}", text=case["text"], created_at=parse_time(case.get("created_at")),
        reply_to_author=case.get("reply_to_author"), account_type=case.get("account"),
    )
    findings = [f for _, fs in scanner.scan([post]) for f in fs if f.rule == rule.code]
    got = sorted((f.start, f.end, str(f.severity), f.disclosed) for f in findings)
    want = []
    for e in case["expect"]:
        start = case["text"].index(e["span"])
        want.append((start, start + len(e["span"]), e["severity"], e.get("disclosed")))
    assert got == sorted(want), [(case["text"][s:e], sev, d) for s, e, sev, d in got]
