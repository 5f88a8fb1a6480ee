"""Staff-facing output (issue 14): rule pages state the severities a rule really gives, the safer rewrite
leaves no identifier of the patient, composite rules report each identifier once, authorizations show."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from phiscan.cli import main
from phiscan.model import Severity
from phiscan.resources import rules_dir
from phiscan.rules.engine import load_rule_file


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


# -- rules list / rules show ---------------------------------------------------------------------------------

def _row(output: str, code: str) -> str:
    return next(line for line in output.splitlines() if line.strip().startswith(code))


def test_rules_list_states_the_highest_severity_the_ladder_gives():
    out = run("rules", "list").output
    assert re.search(r"\bup to high\b", _row(out, "PHI101"))  # severity: low in the file, its ladder reaches high
    assert re.search(r"\bup to medium\b", _row(out, "PHI102"))
    assert re.search(r"\bup to low\b", _row(out, "PHI121"))  # its ladder gives low or drops
    assert re.search(r"\bup to high\b", _row(out, "PHI202"))  # a reply rule: its severity field


def test_rules_show_states_severities_from_the_ladder():
    r = run("rules", "show", "PHI101")
    assert r.exit_code == 0
    first = " ".join(r.output.split("\n\n")[0].split())
    assert "(severity up to high; low, medium or high by context)" in first
    assert "up to low" not in r.output
    assert "(severity up to high; low or high by context)" in " ".join(run("rules", "show", "PHI104").output.split())
    assert "(severity medium)" in " ".join(run("rules", "show", "PHI201").output.split())


def test_rule_severities_come_from_the_levels(tmp_path: Path):
    r = load_rule_file(rules_dir() / "PHI104.yaml")
    assert r.severities == (Severity.LOW, Severity.HIGH) and r.max_severity == Severity.HIGH
    assert load_rule_file(rules_dir() / "PHI121.yaml").severities == (Severity.LOW,)
    # every level conditional: a span that meets none falls back to the `severity` field, which then counts
    text = (rules_dir() / "PHI111.yaml").read_text().replace("severity: medium\nconfidence", "severity: high\nconfidence")
    conditional = text.replace("  - severity: medium\n", "  - when: {near: [care]}\n    severity: low\n")
    f = tmp_path / "PHI111.yaml"
    f.write_text(conditional)
    assert load_rule_file(f).severities == (Severity.LOW, Severity.HIGH)
    f.write_text(text)  # the last level has no `when`: the field is never reached
    assert load_rule_file(f).severities == (Severity.MEDIUM,) and load_rule_file(f).max_severity == Severity.MEDIUM
