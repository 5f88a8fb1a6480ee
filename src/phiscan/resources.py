"""Where the packaged rules, packs and profiles live (the wheel carries the repository's rules/)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def rules_dir() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "_data" / "rules"
    if packaged.is_dir():
        return packaged
    repo = here.parent.parent / "rules"  # editable install / source checkout
    if repo.is_dir():
        return repo
    raise FileNotFoundError("phiscan's rules folder is missing from the installation")
