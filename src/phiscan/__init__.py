"""phiscan: a PHI leak scanner for healthcare social media.

The Python API (see README, "Python API"):

    import phiscan

    for f in phiscan.scan_text("my pt dmitri was extubated this morning", created_at="2025-03-14T18:00"):
        print(f.rule, f.severity, f.evidence, f.start, f.end)

- `scan_text(text, *, created_at=None, reply_to=None, platform=None, account=None, config=None)` -> list[Finding]
- `Scanner(config=None)`, `Scanner.from_settings(path=None, **overrides)`: `scan_text`, `scan_post`,
  `scan_posts` (an iterable of texts or `Post`s), `scan_paths` / `iter_paths` (files, folders, exports)
- `Finding` (frozen; `to_dict()` is the JSON report's finding), `Post`, `ReadError`, `Severity`, `Config`,
  `ScanReport`, `ConfigError`, `make_post`

Names are imported when first used: `import phiscan` loads none of the engine, and spaCy loads at the first scan.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "scan_text": "api",
    "make_post": "api",
    "Scanner": "api",
    "ScanReport": "api",
    "Config": "config",
    "ConfigError": "errors",
    "PhiscanError": "errors",
    "Finding": "model",
    "Post": "model",
    "Media": "model",
    "ReadError": "model",
    "Severity": "model",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # pragma: no cover  (type checkers and IDEs see the real names)
    from .api import Scanner, ScanReport, make_post, scan_text
    from .config import Config
    from .errors import ConfigError, PhiscanError
    from .model import Finding, Media, Post, ReadError, Severity


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'phiscan' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
