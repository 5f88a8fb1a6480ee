"""Layered configuration: defaults < user < project (phiscan.yaml or [tool.phiscan]) < --config < flags."""
from __future__ import annotations

import json

import pytest

from ci_helpers import run
from phiscan.config import Config, find_project_config, user_config_path
from phiscan.errors import ConfigError


@pytest.fixture
def layout(tmp_path, monkeypatch):
    """A user config folder, a project with a nested working folder, and an isolated environment."""
    xdg = tmp_path / "xdg"
    (xdg / "phiscan").mkdir(parents=True)
    project = tmp_path / "project"
    work = project / "content" / "queue"
    work.mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(work)
    return {"user": xdg / "phiscan" / "config.yaml", "project": project, "work": work, "tmp": tmp_path}


def test_defaults_without_any_file(layout):
    cfg = Config.load()
    assert cfg == Config()
    assert set(cfg.origins.values()) == {"default"}
    assert cfg.redact is None and cfg.baseline is None and cfg.fail_on == "medium"


def test_each_layer_overrides_the_one_before(layout):
    layout["user"].write_text("fail_on: low\nmin-severity: medium\nbatch_size: 16\n", encoding="utf-8")
    (layout["project"] / "phiscan.yaml").write_text("fail-on: high\nredact: true\n", encoding="utf-8")
    extra = layout["tmp"] / "ci.yaml"
    extra.write_text("redact: false\nmodel: en_core_web_lg\n", encoding="utf-8")

    cfg = Config.load()
    assert (cfg.fail_on, cfg.min_severity, cfg.batch_size, cfg.redact) == ("high", "medium", 16, True)
    assert cfg.origins["fail_on"] == f"project config {layout['project'] / 'phiscan.yaml'}"
    assert cfg.origins["min_severity"] == cfg.origins["batch_size"] == f"user config {layout['user']}"
    assert cfg.origins["model"] == "default"

    cfg = Config.load(str(extra))
    assert (cfg.fail_on, cfg.redact, cfg.model) == ("high", False, "en_core_web_lg")
    assert cfg.origins["redact"] == f"--config {extra}"

    cfg = Config.load(str(extra), fail_on="low", redact=None, model=None)
    assert (cfg.fail_on, cfg.redact, cfg.model) == ("low", False, "en_core_web_lg")
    assert cfg.origins["fail_on"] == "command line" and cfg.origins["redact"] == f"--config {extra}"


def test_pyproject_tool_table_found_upwards_and_phiscan_yaml_wins_beside_it(layout):
    pyproject = layout["project"] / "pyproject.toml"
    pyproject.write_text('[project]\nname = "queue"\n\n[tool.phiscan]\nfail-on = "low"\npacks = ["hipaa-safe-harbor"]\n', encoding="utf-8")
    assert find_project_config(layout["work"]) == pyproject
    cfg = Config.load()
    assert (cfg.fail_on, cfg.packs) == ("low", ["hipaa-safe-harbor"])
    assert cfg.origins["packs"] == f"project config {pyproject}"
    (layout["project"] / "phiscan.yaml").write_text("fail_on: high\n", encoding="utf-8")
    assert Config.load().fail_on == "high" and Config.load().packs == ["hipaa-safe-harbor", "social-media-guideline"]


def test_pyproject_without_tool_table_is_passed_over(layout):
    (layout["work"] / "pyproject.toml").write_text('[project]\nname = "inner"\n', encoding="utf-8")
    (layout["project"] / "phiscan.yaml").write_text("fail_on: high\n", encoding="utf-8")
    assert find_project_config(layout["work"]) == layout["project"] / "phiscan.yaml"


def test_user_config_location(layout, monkeypatch):
    assert user_config_path() == layout["user"]
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert user_config_path() == layout["tmp"] / "home" / ".config" / "phiscan" / "config.yaml"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/path")  # not absolute: ignored, as the XDG spec says
    assert user_config_path() == layout["tmp"] / "home" / ".config" / "phiscan" / "config.yaml"


@pytest.mark.parametrize("where", ["user", "project", "pyproject", "config"])
def test_unknown_key_names_the_key_and_the_file(layout, where):
    files = {
        "user": layout["user"], "project": layout["project"] / "phiscan.yaml",
        "pyproject": layout["project"] / "pyproject.toml", "config": layout["tmp"] / "extra.yaml",
    }
    f = files[where]
    f.write_text('[tool.phiscan]\nfail_onn = "high"\n' if where == "pyproject" else "fail_onn: high\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        Config.load(str(f) if where == "config" else None)
    assert str(f) in str(exc.value) and "unknown key 'fail_onn'" in str(exc.value)


@pytest.mark.parametrize("line,expected", [
    ("fail_on: urgent", "key 'fail_on': expected one of high, medium, low"),
    ("packs: 3", "key 'packs': expected a list of strings"),
    ("batch_size: lots", "key 'batch_size': expected a whole number"),
    ("redact: yes please", "key 'redact': expected true or false"),
    ("- just a list", "expected a mapping of settings"),
    ("fail_on: [unclosed", "invalid YAML"),
])
def test_wrong_values_name_the_key_and_the_file(layout, line, expected):
    f = layout["project"] / "phiscan.yaml"
    f.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        Config.load()
    assert str(f) in str(exc.value) and expected in str(exc.value)


def test_paths_are_relative_to_the_file_that_names_them(layout):
    (layout["project"] / "phiscan.yaml").write_text(
        "profile: org/profile.yaml\nrules_dirs: [our-rules]\npack_files: packs/ours.yaml\nbaseline: .phiscan-baseline.json\n", encoding="utf-8")
    cfg = Config.load()
    p = layout["project"]
    assert cfg.profile == str(p / "org" / "profile.yaml")
    assert cfg.rules_dirs == [str(p / "our-rules")] and cfg.pack_files == [str(p / "packs" / "ours.yaml")]
    assert cfg.baseline == str(p / ".phiscan-baseline.json")


def test_missing_config_file_is_an_error(layout):
    with pytest.raises(ConfigError, match="nope.yaml: config file not found"):
        Config.load("nope.yaml")


def test_config_show_prints_values_and_origins(layout):
    layout["user"].write_text("min_severity: medium\n", encoding="utf-8")
    (layout["project"] / "phiscan.yaml").write_text("fail_on: high\n", encoding="utf-8")
    r = run("config", "show")
    assert r.exit_code == 0, r.output
    lines = {line.split(":", 1)[0]: line for line in r.stdout.splitlines() if not line.startswith("#")}
    assert lines["fail_on"].split("#")[0].strip() == "fail_on: high"
    assert lines["fail_on"].endswith(f"# project config {layout['project'] / 'phiscan.yaml'}")
    assert lines["min_severity"].endswith(f"# user config {layout['user']}")
    assert lines["model"].endswith("# default")
    assert f"# user config: {layout['user']}" in r.stdout
    extra = layout["tmp"] / "strict.yaml"
    extra.write_text("fail_on: low\n", encoding="utf-8")
    r = run("--config", str(extra), "config", "show")
    assert [l for l in r.stdout.splitlines() if l.startswith("fail_on:")][0].endswith(f"# --config {extra}")


def test_bad_project_config_stops_a_scan_with_exit_2(layout):
    (layout["project"] / "phiscan.yaml").write_text("fail_on: high\nexclude: drafts/\n", encoding="utf-8")
    (layout["work"] / "post.md").write_text("Flu shots in the lobby.\n", encoding="utf-8")
    r = run("scan", "post.md")
    assert r.exit_code == 2
    assert f"{layout['project'] / 'phiscan.yaml'}: unknown key 'exclude'" in r.output


def test_flags_beat_the_project_config_in_a_scan(layout):
    (layout["project"] / "phiscan.yaml").write_text("fail_on: low\nredact: true\n", encoding="utf-8")
    (layout["work"] / "post.md").write_text("Welcome back to the patient in bed 14B who was readmitted for chest pain.\n", encoding="utf-8")
    r = run("scan", "post.md", "--format", "json")
    doc = json.loads(r.stdout)
    assert r.exit_code == 1 and doc["summary"]["fail_on"] == "low"
    assert [f["evidence"] for f in doc["findings"]] == ["b** 1**"]  # redact: true from the project config
    r = run("scan", "post.md", "--format", "json", "--no-redact", "--fail-on", "high")
    doc = json.loads(r.stdout)
    assert r.exit_code == 0 and [f["evidence"] for f in doc["findings"]] == ["bed 14B"]
