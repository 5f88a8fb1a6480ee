"""An institution's own presidio recognizers as phiscan candidates (phiscan.detectors.plugins), and phiscan's
detectors through presidio's interface (phiscan.detectors.as_presidio)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from phiscan.cli import main
from phiscan.config import Config, read_config_file
from phiscan.engine import Scanner
from phiscan.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = ROOT / "fixtures" / "plugins"
SITE_YAML = str(PLUGINS / "site_recognizers.yaml")
BADGE = f"{PLUGINS / 'badge_recognizer.py'}:BadgeRecognizer"
TEXT = "my pt Quillon Ardmore, chart K4410926, was moved to the step-down unit last night; visitor badge V-204518"
#       0         1         2         3         4         5         6         7         8         9         10
#       0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345


@pytest.fixture(scope="module")
def scanner():
    return Scanner.from_config(Config(recognizers=[SITE_YAML, BADGE], recognizer_rules={"EMPLOYEE_ID": "PHI107"}))


def found(scanner, text):
    return [(f.rule, f.start, f.end, f.evidence, str(f.severity)) for f in scanner.scan_text(text)]


def test_yaml_pattern_recognizer_gives_an_mrn_finding_with_its_explanation(scanner):
    fs = {f.evidence: f for f in scanner.scan_text(TEXT)}
    mrn = fs["K4410926"]
    assert (mrn.rule, mrn.start, mrn.end, mrn.entity, str(mrn.severity)) == ("PHI106", 29, 37, "MRN", "high")
    # presidio's context enhancement raised the score with "chart" (0.5 + 0.35), and the explanation says so
    assert mrn.explanation.startswith("raised by Site MRN recognizer: chart number (K and 7 digits) (context word 'chart')")
    assert mrn.confidence == round(0.85 * 0.95, 2)


def test_python_module_recognizer_gives_an_id_finding(scanner):
    fs = {f.evidence: f for f in scanner.scan_text(TEXT)}
    badge = fs["V-204518"]
    assert (badge.rule, badge.start, badge.end, badge.entity) == ("PHI107", 97, 105, "ID")
    assert badge.explanation.startswith("raised by Visitor badge recognizer: visitor badge (V- and 6 digits) (context word 'badge')")
    # phiscan's own candidates are still there
    assert ("PHI101", 6, 21, "Quillon Ardmore", "high") in found(scanner, TEXT)


def test_settings_map_an_entity_to_a_rule(scanner):
    assert found(scanner, "Locker key for EMP-30417 is at the front desk.") == [
        ("PHI107", 15, 24, "EMP-30417", "high")]


def test_dotted_module_name(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGINS))
    s = Scanner.from_config(Config(recognizers=["badge_recognizer:BadgeRecognizer"]))
    assert [(f.rule, f.start, f.end) for f in s.scan_text("Lost badge V-118203 at the cafe")] == [("PHI107", 11, 19)]
    assert s.plugins_digest != "none"


def test_cache_key_changes_with_the_plugins(scanner):
    from phiscan.cache import environment

    plain = Scanner.from_config(Config())
    assert environment(plain) != environment(scanner)
    assert plain.plugins_digest == "none"


def test_config_file_names_recognizers_relative_to_itself(tmp_path):
    (tmp_path / "rec").mkdir()
    (tmp_path / "rec" / "site.yaml").write_text((PLUGINS / "site_recognizers.yaml").read_text())
    cfg = tmp_path / "phiscan.yaml"
    cfg.write_text("recognizers: [rec/site.yaml, rec/own.py:Thing, some.module:Cls]\n"
                   "recognizer_rules: {EMPLOYEE_ID: other-identifier}\n")
    got = read_config_file(cfg)
    assert got["recognizers"] == [str(tmp_path / "rec" / "site.yaml"), str(tmp_path / "rec" / "own.py") + ":Thing",
                                  "some.module:Cls"]
    assert got["recognizer_rules"] == {"EMPLOYEE_ID": "other-identifier"}
    cfg.write_text("recognizer_rules: [EMPLOYEE_ID]\n")
    with pytest.raises(ConfigError, match=r"phiscan.yaml: key 'recognizer_rules': expected a mapping"):
        read_config_file(cfg)


BAD_YAML = {
    "regex.yaml": ("recognizers:\n  - name: Broken\n    supported_entity: MRN\n    patterns:\n"
                   "      - {name: p, regex: '(K\\d+', score: 0.5}\n",
                   r"regex\.yaml: recognizers\[0\] \(Broken\): ValueError: Invalid regex pattern: missing \)"),
    "shape.yaml": ("- name: x\n", r"shape\.yaml: expected presidio's recognizer format"),
    "key.yaml": ("recognizers:\n  - name: Typo\n    supported_entity: MRN\n    paterns: []\n",
                 r"key\.yaml: recognizers\[0\] \(Typo\): TypeError: .*paterns"),
    "rule.yaml": ("recognizers:\n  - name: R\n    supported_entity: X\n    phiscan_rule: PHI999\n"
                  "    patterns: [{name: p, regex: 'X\\d', score: 0.5}]\n",
                  r"rule\.yaml: recognizers\[0\] \(R\): entity 'X': unknown rule 'PHI999'"),
    "composite.yaml": ("recognizers:\n  - name: R\n    supported_entity: X\n    phiscan_rule: PHI201\n"
                       "    patterns: [{name: p, regex: 'X\\d', score: 0.5}]\n",
                       r"entity 'X': rule PHI201 judges no spans"),
}


@pytest.mark.parametrize("name", sorted(BAD_YAML))
def test_bad_yaml_plugin_is_an_error_naming_the_file_and_entry(tmp_path, name):
    body, message = BAD_YAML[name]
    p = tmp_path / name
    p.write_text(body)
    with pytest.raises(ConfigError, match=message):
        Scanner.from_config(Config(recognizers=[str(p)]), judge=False)


def test_unmapped_entity_is_an_error():
    with pytest.raises(ConfigError, match=r"entity 'EMPLOYEE_ID' goes to no phiscan rule"):
        Scanner.from_config(Config(recognizers=[SITE_YAML]), judge=False)


@pytest.mark.parametrize("spec, message", [
    ("no_such_module_xyz:Thing", r"'no_such_module_xyz:Thing': cannot import no_such_module_xyz: ModuleNotFoundError"),
    (f"{PLUGINS / 'badge_recognizer.py'}:NotARecognizer", r"NotARecognizer gives a NotARecognizer, not a presidio EntityRecognizer"),
    (f"{PLUGINS / 'badge_recognizer.py'}:Missing", r"has no 'Missing'"),
    (f"{PLUGINS / 'nowhere.py'}:X", r"nowhere\.py: file not found"),
    ("justaname", r"expected a presidio YAML file \(\.yaml\) or module:Name"),
])
def test_bad_python_plugin_is_a_usage_error_on_the_command_line(spec, message):
    r = CliRunner().invoke(main, ["check", "--recognizer", spec, "--text", "Lost badge V-118203"])
    assert r.exit_code == 2
    assert "phiscan: error: recognizer" in r.output
    import re

    assert re.search(message, r.output), r.output
    assert "V-118203" not in r.output and "Traceback" not in r.output


def test_check_with_a_plugin_on_the_command_line():
    r = CliRunner().invoke(main, ["check", "--format", "json", "--recognizer", BADGE, "--text",
                                  "Your dad is in the ICU, his visitor badge V-204518 is at the desk"])
    assert r.exit_code == 1, r.output
    doc = json.loads(r.stdout)
    got = [(f["rule"], f["start"], f["end"], f["evidence"]) for f in doc["findings"] if f["rule"] == "PHI107"]
    assert got == [("PHI107", 42, 50, "V-204518")]


_PROBE = textwrap.dedent("""
    import sys
    from click.testing import CliRunner
    from phiscan.cli import main
    args = ["check", "--text", "my pt Quillon in room 4 got his scans back"] + sys.argv[1:]
    r = CliRunner().invoke(main, args)
    print(r.exit_code, "presidio_analyzer" in sys.modules, "tldextract" in sys.modules)
""")


def test_presidio_is_imported_only_with_a_plugin():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    plain = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert plain.stdout.split() == ["1", "False", "False"], plain.stderr
    with_plugin = subprocess.run([sys.executable, "-c", _PROBE, "--recognizer", BADGE], capture_output=True, text=True,
                                 env=env, timeout=120)
    assert with_plugin.stdout.split()[:2] == ["1", "True"], with_plugin.stderr


def test_phiscan_detectors_as_presidio_recognizers():
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    from phiscan.detectors.as_presidio import phiscan_recognizers

    recs = {r.name: r for r in phiscan_recognizers(["ids", "rooms", "ages"])}
    assert sorted(recs) == ["phiscan-ages", "phiscan-ids", "phiscan-rooms"]
    assert all(isinstance(r, EntityRecognizer) for r in recs.values())
    text = "MRN 00734912 in room 4B, a 93-year-old"
    got = []
    for r in recs.values():
        for x in r.analyze(text, r.supported_entities):
            assert isinstance(x, RecognizerResult)
            got.append((r.name, x.entity_type, x.start, x.end, x.analysis_explanation.textual_explanation))
    assert sorted(got) == [
        ("phiscan-ages", "AGE", 27, 38, "age pattern (years old)"),
        ("phiscan-ids", "MRN", 4, 12, "record number after MRN/chart/patient ID/encounter"),
        ("phiscan-rooms", "ROOM", 16, 23, "room/bed/bay pattern"),
    ]
    assert recs["phiscan-ids"].analyze(text, ["ID"]) == []  # only the entities asked for


def test_predefined_presidio_recognizer_from_yaml(tmp_path):
    p = tmp_path / "predefined.yaml"
    p.write_text("recognizers:\n  - name: UsSsnRecognizer\n    type: predefined\n")
    s = Scanner.from_config(Config(recognizers=[str(p)]))
    (f,) = [f for f in s.scan_text("her social is 219-09-9999 per the intake form") if f.rule == "PHI107"]
    assert (f.start, f.end, f.entity) == (14, 25, "ID")
    assert f.explanation.startswith("raised by UsSsnRecognizer: SSN5 (medium) (context word 'social')")
    bad = tmp_path / "nope.yaml"
    bad.write_text("recognizers:\n  - name: NoSuchRecognizer\n    type: predefined\n")
    with pytest.raises(ConfigError, match=r"recognizers\[0\] \(NoSuchRecognizer\): ValueError: key 'name'"):
        Scanner.from_config(Config(recognizers=[str(bad)]), judge=False)


def test_a_plugged_in_email_recognizer_stays_offline(tmp_path, monkeypatch):
    """presidio's EmailRecognizer calls tldextract, which would fetch the public suffix list: not as a plug-in."""
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network access attempted during a test")

    for obj, name in ((socket.socket, "connect"), (socket.socket, "connect_ex"), (socket, "create_connection"),
                      (socket, "getaddrinfo")):
        monkeypatch.setattr(obj, name, refuse)
    p = tmp_path / "email.yaml"
    p.write_text("recognizers:\n  - name: EmailRecognizer\n    type: predefined\n")
    s = Scanner.from_config(Config(recognizers=[str(p)]), judge=False)
    text = "write to quillon.ardmore@vellumpost.org about her discharge papers"
    det = next(d for d in s.detectors if d.name == "presidio:EmailRecognizer")
    a, _ = s._analyse([text])[text]
    assert [(sp.entity, sp.start, sp.end, sp.explanation) for sp in det.detect(a)] == [
        ("EMAIL", 9, 39, "raised by EmailRecognizer: Email (Medium)")]
