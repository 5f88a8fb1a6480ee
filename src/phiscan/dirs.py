"""Where phiscan keeps its own files: the lowest layer, importing nothing of phiscan.

The scan cache (cache.py) and the digests of validated data files (validated.py) share the cache folder. It
lives here, below both, so that reading a YAML file (yamlio -> validated) does not import the scan cache, and
through it the engine: that was an import circle (yamlio -> validated -> cache -> engine -> ... -> yamlio).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CACHE_HOME/phiscan`, or `~/.cache/phiscan` without it (or when it is not an absolute path)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path(env.get("HOME") or Path.home()) / ".cache"
    return root / "phiscan"
