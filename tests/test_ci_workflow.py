"""CI integration end to end: exit codes, byte-identical reports, --redact everywhere, --changed-since, the
pre-commit hook run the way pre-commit runs it, and the composite action's scripts."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from ci_helpers import PHISCAN, QUEUE, REPO, SPROUT, STEP_DOWN, STORY, UNIT_PHOTO, copy_queue, position, run, scan_json
from phiscan.reporters import available

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{PHISCAN.parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    return env


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True, env=_env()).stdout


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "content"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "commit.gpgsign", "false")
    copy_queue(repo)
    return repo


# -- exit codes -------------------------------------------------------------------------------------------

def test_exit_codes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    copy_queue(tmp_path)
    assert run("scan", "queue/posts/2025-06-02-nurses-week.md", "queue/posts/2025-06-03-parking.md").exit_code == 0
    assert run("scan", "queue").exit_code == 1
    # only medium findings in these two files: a high threshold lets them through, low catches them
    medium_only = [f"queue/{UNIT_PHOTO}", f"queue/{SPROUT}"]
    assert run("scan", *medium_only, "--fail-on", "high").exit_code == 0
    assert run("scan", *medium_only, "--fail-on", "medium").exit_code == 1
    (tmp_path / "broken.jsonl").write_text("{not json\n", encoding="utf-8")
    assert run("scan", "queue/posts/2025-06-03-parking.md", "broken.jsonl").exit_code == 2
    assert run("scan", "queue", "--baseline", "nope.json").exit_code == 2
    assert run("--config", "nope.yaml", "scan", "queue").exit_code == 2
    assert run("scan", "queue", "--format", "nope").exit_code == 2


def test_exit_codes_are_documented():
    doc = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    table = {m.group(1): m.group(2) for m in re.finditer(r"^\| (\d+) \| (.+) \|$", doc, re.M)}
    assert set(table) == {"0", "1", "2", "130"}
    assert "open" in table["0"] and "--fail-on" in table["1"] and "baseline" in table["2"]


# -- deterministic output ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "text"])
def test_same_input_gives_byte_identical_reports(tmp_path, monkeypatch, fmt):
    monkeypatch.chdir(tmp_path)
    copy_queue(tmp_path)
    outs = []
    for name in ("a", "b"):
        r = run("scan", "queue", "--format", fmt, "--output", name)
        assert r.exit_code == 1
        outs.append((tmp_path / name).read_bytes())
    assert outs[0] == outs[1] and len(outs[0]) > 200


def test_parallel_workers_give_the_same_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    copy_queue(tmp_path)
    assert run("scan", "queue", "--format", "sarif", "-o", "one").exit_code == 1
    assert run("scan", "queue", "--format", "sarif", "-o", "two", "--jobs", "2").exit_code == 1
    assert (tmp_path / "one").read_bytes() == (tmp_path / "two").read_bytes()


def test_github_annotations(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    copy_queue(tmp_path)
    r = run("scan", "queue", "--format", "github")
    assert r.exit_code == 1
    photo = position(QUEUE / UNIT_PHOTO, "rm 7C")
    mrn = position(QUEUE / STEP_DOWN, "00771423")
    bare = position(QUEUE / STEP_DOWN, "phiscan: ignore[PHI106]")
    assert r.stdout.splitlines() == [
        f"::warning file=queue/{UNIT_PHOTO},line={photo[0]},col={photo[1]},endColumn={photo[2]},title=PHI105 patient-room"
        '::A room, bed or bay number that locates a patient: "r* 7*" (in alt)',  # commas are escaped in properties only
        f"::error file=queue/{STEP_DOWN},line={mrn[0]},col={mrn[1]},endColumn={mrn[2]},title=PHI106 medical-record-number"
        '::A medical record, patient, chart or encounter number: "0*******" (in text)',
        f"::warning file=queue/{STEP_DOWN},line={bare[0]},col={bare[1]},endColumn={bare[2]},title=PHI901 suppression-without-reason"
        '::An inline suppression must name the rule it accepts and say why; this one suppresses nothing: "p******* i*************" (in text)',
        f"::warning file=queue/{SPROUT},line=4,title=PHI105 patient-room"
        '::A room, bed or bay number that locates a patient: "b** 1**" (in text)',
        "phiscan: 8 posts scanned, 4 open findings (4 at or above medium), 2 suppressed, 0 baselined, 0 read errors, 0 warnings; "
        "files: 6 scanned, 0 skipped, 0 unreadable",
    ]


def test_github_annotation_escaping():
    from phiscan.reporters.github import command

    assert command("error", [("file", "a,b:c.md"), ("line", 3), ("col", None)], "50% done\nnext") == "::error file=a%2Cb%3Ac.md,line=3::50%25 done%0Anext"


# -- --redact in every format ------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", available())
def test_redact_masks_evidence_in_every_format(tmp_path, monkeypatch, fmt):
    monkeypatch.chdir(tmp_path)
    copy_queue(tmp_path)
    r = run("scan", "queue", "--format", fmt, "--redact", "-o", "report")
    assert r.exit_code == 1
    out = (tmp_path / "report").read_text(encoding="utf-8")
    for raw in ("00771423", "rm 7C", "bed 14B", "Quintanilla"):
        assert raw not in out, (fmt, raw)


# -- --changed-since ---------------------------------------------------------------------------------------

@needs_git
def test_changed_since_scans_only_changed_and_untracked_queue_files(tmp_path, monkeypatch):
    repo = _repo(tmp_path)
    (repo / "notes.md").write_text("Outside the queue: MRN 00771423.\n", encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "queue")
    monkeypatch.chdir(repo)

    code, doc = scan_json("queue", "--changed-since", "HEAD")
    assert code == 0 and doc["summary"]["posts_scanned"] == 0

    step = repo / "queue" / STEP_DOWN
    step.write_text(step.read_text(encoding="utf-8") + "\nVisiting hours are 9am to 8pm.\n", encoding="utf-8")
    (repo / "queue" / "posts" / "2025-06-09-new.md").write_text("Welcome back to the patient in bed 14B.\n", encoding="utf-8")
    (repo / "queue" / "posts" / "photo.png").write_bytes(b"\x89PNG\r\n")  # not a queue file
    (repo / "notes.md").write_text("Changed outside the queue: MRN 00771423.\n", encoding="utf-8")
    (repo / "queue" / STORY).unlink()  # a deleted post has nothing to scan

    code, doc = scan_json("queue", "--changed-since", "HEAD")
    assert code == 1
    assert sorted({f["source"] for f in doc["findings"]}) == [f"queue/{STEP_DOWN}", "queue/posts/2025-06-09-new.md"]
    assert doc["summary"]["posts_scanned"] == 2 and doc["errors"] == []

    monkeypatch.chdir(repo / "queue")  # paths are relative to where phiscan runs
    code, doc = scan_json("posts", "--changed-since", "HEAD")
    assert sorted({f["source"] for f in doc["findings"]}) == ["posts/2025-06-06-step-down.md", "posts/2025-06-09-new.md"]

    r = run("scan", "posts", "--changed-since", "no-such-ref")
    assert r.exit_code == 2 and "unknown git ref 'no-such-ref'" in r.output


# -- the pre-commit hook -----------------------------------------------------------------------------------

def _hook() -> dict:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "phiscan"]
    for key in ("id", "name", "entry", "language"):  # what pre-commit requires of a hook definition
        assert hook[key]
    return hook


def _run_hook(repo: Path) -> subprocess.CompletedProcess:
    """What pre-commit does: the staged files matching `files` (and not `exclude`), appended to `entry` and
    `args`, in the repository root."""
    hook = _hook()
    staged = _git(repo, "diff", "--cached", "--name-only", "--diff-filter=ACMR").split()
    files = [f for f in staged if re.search(hook["files"], f) and not re.search(hook.get("exclude", "^$"), f)]
    argv = shlex.split(hook["entry"]) + list(hook.get("args", [])) + files
    assert argv[0] == "phiscan"
    argv[0] = str(PHISCAN)
    return subprocess.run(argv, cwd=repo, capture_output=True, text=True, env=_env(), timeout=300)


@needs_git
def test_pre_commit_hook_blocks_staged_phi_and_passes_clean_posts(tmp_path):
    repo = _repo(tmp_path)
    (repo / "tool.py").write_text("print('MRN 00771423')\n", encoding="utf-8")  # not a queue file: not passed
    _git(repo, "add", "queue/posts/2025-06-02-nurses-week.md", "queue/posts/2025-06-03-parking.md", "tool.py")
    clean = _run_hook(repo)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "2 posts scanned, 0 findings" in clean.stdout

    _git(repo, "add", "-A")
    blocked = _run_hook(repo)
    assert blocked.returncode == 1
    mrn = position(QUEUE / STEP_DOWN, "00771423")
    assert f"queue/{STEP_DOWN}:{mrn[0]}:{mrn[1]}" in blocked.stdout and "PHI106" in blocked.stdout
    assert "00771423" not in blocked.stdout and "0*******" in blocked.stdout  # the hook masks evidence
    assert "8 posts scanned, 4 findings (4 at or above medium), 2 suppressed, 0 baselined" in blocked.stdout


@needs_git
def test_pre_commit_hook_honours_the_project_baseline(tmp_path):
    repo = _repo(tmp_path)
    subprocess.run([str(PHISCAN), "baseline", "create", ".phiscan-baseline.json", "queue", "--who", "Privacy Office",
                    "--reason", "demo queue reviewed"], cwd=repo, check=True, capture_output=True, env=_env(), timeout=300)
    (repo / "phiscan.yaml").write_text("baseline: .phiscan-baseline.json\n", encoding="utf-8")
    _git(repo, "add", "-A")
    result = _run_hook(repo)
    # everything baselined but the suppression without a reason (PHI901), which no baseline accepts
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 finding (1 at or above medium), 2 suppressed, 3 baselined" in result.stdout
    assert "PHI901 suppression-without-reason" in result.stdout


# -- the composite action ----------------------------------------------------------------------------------

def _action() -> dict:
    return yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))


def test_action_is_composite_and_uploads_sarif():
    action = _action()
    assert action["runs"]["using"] == "composite"
    steps = {s["name"]: s for s in action["runs"]["steps"]}
    assert list(steps) == ["Set up Python", "Install phiscan", "Scan", "Upload SARIF", "Gate"]
    assert steps["Upload SARIF"]["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "always()" in steps["Upload SARIF"]["if"]
    for s in action["runs"]["steps"]:
        if "run" in s:
            assert s["shell"] == "bash" and "${{" not in s["run"]  # inputs reach scripts through env only


def _step_env(step: dict, inputs: dict[str, str], outputs: dict[str, str]) -> dict[str, str]:
    env = {}
    for k, v in step.get("env", {}).items():
        m = re.fullmatch(r"\$\{\{ (inputs|steps\.scan\.outputs)\.([\w-]+) \}\}", v)
        assert m, v
        env[k] = inputs[m.group(2)] if m.group(1) == "inputs" else outputs.get(m.group(2), "")
    return env


def test_action_scan_and_gate_steps_run(tmp_path):
    action = _action()
    steps = {s["name"]: s for s in action["runs"]["steps"]}
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    inputs["paths"] = "queue"
    workspace = tmp_path / "ws"
    workspace.mkdir()
    copy_queue(workspace)
    out = tmp_path / "github_output"
    out.write_text("", encoding="utf-8")
    env = {**_env(), **_step_env(steps["Scan"], inputs, {}), "GITHUB_OUTPUT": str(out)}
    scan = subprocess.run(["bash", "-e", "-c", steps["Scan"]["run"]], cwd=workspace, env=env, capture_output=True, text=True, timeout=300)
    assert scan.returncode == 0, scan.stderr  # the scan step never fails: the gate does, after the upload
    outputs = dict(line.split("=", 1) for line in out.read_text(encoding="utf-8").splitlines())
    assert outputs == {"exit-code": "1", "sarif-file": "phiscan.sarif"}
    sarif = json.loads((workspace / "phiscan.sarif").read_text(encoding="utf-8"))
    assert sorted(r["ruleId"] for r in sarif["runs"][0]["results"]) == ["PHI101", "PHI105", "PHI105", "PHI106", "PHI120", "PHI901"]
    assert "00771423" not in json.dumps(sarif)

    for code, want in (("0", 0), ("1", 1), ("2", 2), ("", 2)):
        gate_env = {**_env(), **_step_env(steps["Gate"], inputs, {"exit-code": code})}
        gate = subprocess.run(["bash", "-e", "-c", steps["Gate"]["run"]], env=gate_env, capture_output=True, text=True)
        assert gate.returncode == want, (code, gate.stdout)
