"""`--changed-since REF`: the content-queue files changed since a git ref, under the paths given.

Changed means: in `git diff --name-only REF` (committed since REF, staged or not: the working tree against
REF) or untracked and not ignored (`git ls-files --others --exclude-standard`), and still present. Only files
phiscan reads as a content queue count (Markdown, text, CSV/TSV, JSON/JSONL); hidden files and folders are
skipped as in a folder scan. Paths come back relative to the working folder when under it, sorted.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .errors import PhiscanError

QUEUE_SUFFIXES = (".md", ".markdown", ".txt", ".csv", ".tsv", ".jsonl", ".ndjson", ".json")


class GitError(PhiscanError):
    """git is missing, the folder is not a repository, or the ref is unknown."""


def _git(args: list[str], cwd: Path) -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        raise GitError("--changed-since needs git, which is not installed") from None
    if proc.returncode != 0:
        msg = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        raise GitError(f"git {' '.join(args[:2])}: {msg}")
    return proc.stdout


def changed_files(ref: str, paths: list[str], cwd: str | Path | None = None) -> list[str]:
    """Changed content-queue files under `paths` (files or folders) since `ref`."""
    here = Path(cwd or os.getcwd()).resolve()
    anchors = [(here / p).resolve() for p in paths] if paths else [here]
    start = next((a if a.is_dir() else a.parent for a in anchors if a.exists()), here)
    top = Path(_git(["rev-parse", "--show-toplevel"], start).strip()).resolve()
    if ref.startswith("-"):
        raise GitError(f"not a git ref: {ref!r}")
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    except GitError:
        raise GitError(f"--changed-since: unknown git ref {ref!r} in {top}") from None
    names = _git(["diff", "--name-only", "-z", "--no-renames", ref, "--"], top).split("\0")
    names += _git(["ls-files", "--others", "--exclude-standard", "-z", "--full-name"], top).split("\0")
    out = set()
    for name in filter(None, names):
        full = (top / name).resolve()
        if not full.is_file() or full.suffix.lower() not in QUEUE_SUFFIXES:
            continue
        if not any(full == a or a in full.parents for a in anchors):
            continue
        # hidden files and folders are not part of a queue (as in a folder scan)
        if any(part.startswith(".") for part in full.relative_to(top).parts):
            continue
        out.add(os.path.relpath(full, here) if here == full or here in full.parents else str(full))
    return sorted(out)
