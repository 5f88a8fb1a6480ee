"""Which data files passed their JSON Schema before, remembered by hash: a cold start skips jsonschema.

Importing jsonschema and validating the rule files takes about a tenth of a cold `phiscan check`, and the rule
files rarely change. `yamlio.validate` asks `known(schema, data)` first; only data that validated before
exactly as it is now (the same schema, the same parsed content: a digest of both) skips validation, so an
edited or invalid file is always validated and its errors reported. The digests live in
`$XDG_CACHE_HOME/phiscan/validated.txt` (0600, in the 0700 cache folder), hashes only; `phiscan cache clear`
deletes them. Any problem with that file just means validating again.
"""
from __future__ import annotations

import hashlib
import os
from typing import Any

from .dirs import cache_dir

FILE_NAME = "validated.txt"
_LIMIT = 5000  # digests kept; beyond that the file starts over
_schemas: dict[int, str] = {}
_seen: set[str] | None = None


def _path():
    return cache_dir() / FILE_NAME


def _digest(schema: dict, data: Any) -> str:
    s = _schemas.get(id(schema))
    if s is None:
        s = _schemas[id(schema)] = hashlib.sha256(repr(schema).encode("utf-8", "surrogatepass")).hexdigest()
    # repr of what a YAML safe loader returns (dicts, lists, strings, numbers, booleans, dates) is unambiguous
    from . import __version__

    basis = f"{__version__}\0{s}\0{data!r}"
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()


def _load() -> set[str]:
    global _seen
    if _seen is None:
        try:
            _seen = set(_path().read_text(encoding="ascii").split())
        except (OSError, UnicodeDecodeError):
            _seen = set()
    return _seen


def known(schema: dict, data: Any) -> bool:
    return _digest(schema, data) in _load()


def remember(schema: dict, data: Any) -> None:
    seen = _load()
    d = _digest(schema, data)
    if d in seen:
        return
    seen.add(d)
    try:
        path = _path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if len(seen) > _LIMIT else os.O_APPEND)
        fd = os.open(path, flags, 0o600)
        try:
            os.write(fd, (d + "\n").encode("ascii"))
        finally:
            os.close(fd)
        if len(seen) > _LIMIT:
            seen.clear()
            seen.add(d)
    except OSError:
        pass
