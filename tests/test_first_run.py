"""The first run: the README's first command scans the bundled exports on a plain install and exits 1 (planted
PHI found) without one error line; the bundled content queue is clean of errors too. The broken inputs the other
tests need are in fixtures/bad/."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A plain install: `pip install .` without extras, so neither atproto nor its codec (the `bluesky` extra) imports.
PLAIN = ("import sys; sys.modules['atproto_core'] = None; sys.modules['libipld'] = None; "
         "from phiscan.cli import main; main()")


def readme_first_scan() -> list[str]:
    """The arguments of `phiscan` in the README's first command (`pip install . && phiscan scan ...`)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = re.search(r"```sh\n(.*?)\n", readme).group(1)
    install, _, command = first.partition(" && ")
    assert install == "pip install ." and command.startswith("phiscan scan "), first
    return shlex.split(command)[1:]


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_CONFIG_HOME=str(tmp_path / "config"),
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-c", PLAIN, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


def test_readme_first_command_exits_1_without_an_error_line(tmp_path):
    args = readme_first_scan()
    assert args == ["scan", "fixtures/exports/"]
    r = run(args, tmp_path)
    assert r.returncode == 1, r.stderr[-2000:]
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert not [l for l in lines if l.startswith(("error", "warning")) or "cannot read" in l]
    assert not re.search(r"\b[1-9]\d* inputs? could not be read", r.stdout)  # the summary counts none
    assert any(re.fullmatch(r"\d+ posts scanned, \d+ findings .*", l) for l in lines), lines[-3:]


def test_bundled_exports_and_content_queue_have_no_errors_in_the_json_report(tmp_path):
    r = run([*readme_first_scan(), "--format", "json"], tmp_path)
    assert r.returncode == 1 and r.stderr == "", r.stderr[-2000:]
    doc = json.loads(r.stdout)
    assert doc["errors"] == [] and doc["summary"]["errors"] == 0
    assert doc["summary"]["failing"] > 0
    # every platform is read by a plain install, Bluesky too
    assert {"x", "facebook", "instagram", "threads", "linkedin", "mastodon", "youtube", "tiktok", "bluesky"} <= {
        f["platform"] for f in doc["findings"]}
    queue = run(["scan", "fixtures/content-queue/", "--format", "json"], tmp_path)
    assert queue.returncode == 1 and queue.stderr == "", queue.stderr[-2000:]
    qdoc = json.loads(queue.stdout)
    assert qdoc["errors"] == [] and qdoc["summary"]["posts_scanned"] == 8


def test_the_broken_inputs_are_in_fixtures_bad_not_in_the_exports():
    bad = {p.name for p in (ROOT / "fixtures" / "bad").iterdir()}
    assert {"hootsuite-unquoted-commas.csv", "sprout-bad-time.csv", "ayrshare-bad-date.csv"} <= bad
    assert not list((ROOT / "fixtures" / "exports").rglob("*bad*"))
