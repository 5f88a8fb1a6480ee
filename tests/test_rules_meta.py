"""Every rule documents itself, has cases that pass and fail, and maps to policy; bad rule files are clear errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from phiscan.errors import ConfigError
from phiscan.policy import load_pack, load_packs
from phiscan.resources import rules_dir
from phiscan.rules.engine import load_rule_file, load_rules


def test_every_rule_has_docs_cases_and_policy(ruleset):
    packs = load_packs(rules_dir() / "packs", ["hipaa-safe-harbor", "social-media-guideline"])
    assert len(ruleset) >= 12
    for r in ruleset:
        for key in ("what", "why", "example", "instead"):
            assert len(r.docs[key]) > 20, (r.code, key)
        assert any(c["expect"] for c in r.cases), f"{r.code} has no case that must be found"
        assert any(not c["expect"] for c in r.cases), f"{r.code} has no case that must stay quiet"
        for p in packs:
            assert p.refs(r.code), f"{r.code} is not mapped in pack {p.name}"


def test_safe_harbor_pack_names_the_18_identifiers():
    pack = load_pack(rules_dir() / "packs" / "hipaa-safe-harbor.yaml")
    letters = {k.rsplit("(", 1)[1].rstrip(")") for k in pack.clauses if k.startswith("164.514(b)(2)(i)(")}
    assert letters == set("ABCDEFGHIJKLMNOPQR")


def test_bad_rule_file_names_file_and_key(tmp_path: Path):
    f = tmp_path / "PHI999.yaml"
    f.write_text((rules_dir() / "PHI105.yaml").read_text().replace("severity: low\nconfidence", "severity: urgent\nconfidence", 1))
    with pytest.raises(ConfigError) as exc:
        load_rule_file(f)
    assert str(f) in str(exc.value) and "key 'severity'" in str(exc.value)


def test_rule_with_unknown_cue_list_is_an_error(tmp_path: Path):
    text = (rules_dir() / "PHI105.yaml").read_text().replace("near: [event]", "near: [evnet]", 1)
    (tmp_path / "PHI105.yaml").write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_rules([tmp_path], {"care", "event"})
    assert "levels.0.when.near" in str(exc.value) and "evnet" in str(exc.value)


def test_invalid_yaml_reports_line(tmp_path: Path):
    f = tmp_path / "PHI900.yaml"
    f.write_text("code: PHI900\nname: [unclosed\n")
    with pytest.raises(ConfigError) as exc:
        load_rule_file(f)
    assert str(f) in str(exc.value) and "line" in str(exc.value)


def test_institution_rule_folder_overrides_a_packaged_rule(tmp_path: Path, scanner):
    from phiscan.config import Config
    from phiscan.engine import Scanner

    text = (rules_dir() / "PHI105.yaml").read_text().replace("title: Room, bed or bay of a patient", "title: Our own room rule")
    (tmp_path / "PHI105.yaml").write_text(text)
    s = Scanner.from_config(Config(rules_dirs=[str(tmp_path)]))
    assert s.rules.get("PHI105").title == "Our own room rule"
