"""Settings that travel with a Spark job: the `Config` and the files it names, as bytes.

On a cluster the profile, the authorization registry, an institution's pack files, its extra rules folders and
its own judgment weights live on the driver's disk, not on the executors'. `JobSettings.of(config)` reads them
on the driver (after a `Scanner` was built from them there, so a bad setting fails before the job starts);
the executors write them into a private temporary folder of their own once per process and build the scanner
from that copy (`JobSettings.scanner()`), so the engine reads exactly the rules, packs, profile and registry the
driver read. Nothing here is post text: these are the institution's settings files.

The scanner is cached in a module global per settings (`_SCANNERS`): Spark reuses its Python worker processes
(`spark.python.worker.reuse`, on by default), so spaCy and the rule set load once per executor process, not
per task or row.
"""
from __future__ import annotations

import atexit
import hashlib
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import ConfigError

MAX_BUNDLE_BYTES = 64 * 1024**2  # settings files, all together: a safety limit (a registry of a big system fits)
_PATH_FIELDS = ("profile", "authorizations", "judgment")  # judgment: only when not "default"


@dataclass(frozen=True)
class JobSettings:
    """A picklable, self-contained copy of a scan's settings. `files` maps a relative name to the bytes of a
    settings file; `config` names those files by these relative names (see `_materialize`)."""

    config: dict[str, Any]
    files: tuple[tuple[str, bytes], ...]
    key: str
    accepted: dict[str, str] | None = None  # the baseline: fingerprint -> the reason it was accepted

    @classmethod
    def of(cls, config: Config) -> "JobSettings":
        """Read every file `config` names (profile, authorizations, pack files, rules folders, judgment weights)."""
        values = {f.name: getattr(config, f.name) for f in fields(config)}
        files: list[tuple[str, bytes]] = []
        total = 0

        def take(path: str, name: str) -> str:
            nonlocal total
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
            total += len(data)
            if total > MAX_BUNDLE_BYTES:
                raise ConfigError(f"{path}: the settings files together exceed {MAX_BUNDLE_BYTES} bytes")
            files.append((name, data))
            return name

        for key in _PATH_FIELDS:
            value = values.get(key)
            if value and not (key == "judgment" and value == "default"):
                values[key] = take(value, f"{key}/{Path(value).name}")
        values["pack_files"] = [take(p, f"packs/{i}/{Path(p).name}") for i, p in enumerate(config.pack_files)]
        dirs = []
        for i, d in enumerate(config.rules_dirs):
            folder = Path(d)
            if not folder.is_dir():
                raise ConfigError(f"{d}: rules folder not found")
            for f in sorted(folder.iterdir()):  # the rule loader reads a folder's top-level YAML files
                if f.is_file() and f.suffix in (".yaml", ".yml"):
                    take(str(f), f"rules/{i}/{f.name}")
            dirs.append(f"rules/{i}")
        values["rules_dirs"] = dirs
        values["cache"] = False  # executors never keep a scan cache (their disks come and go)
        accepted = None
        if config.baseline:  # matched by fingerprint on the executors; the file itself stays on the driver
            from .. import baseline as bl

            accepted = {fp: e.reason for fp, e in bl.load(config.baseline).by_fingerprint.items()}
        values["baseline"] = None
        digest = hashlib.sha256(pickle.dumps((sorted(values.items()), files), protocol=4)).hexdigest()[:24]
        return cls(values, tuple(files), digest, accepted)

    def to_config(self, folder: Path | None) -> Config:
        """The Config these settings describe, its file paths inside `folder` (where `_materialize` wrote them)."""
        v = dict(self.config)

        def at(name: str) -> str:
            assert folder is not None
            return str(folder / name)

        for key in _PATH_FIELDS:
            if v.get(key) and not (key == "judgment" and v[key] == "default"):
                v[key] = at(v[key])
        v["pack_files"] = [at(p) for p in v["pack_files"]]
        v["rules_dirs"] = [at(d) for d in v["rules_dirs"]]
        if folder is not None:
            for d in v["rules_dirs"]:
                Path(d).mkdir(parents=True, exist_ok=True)  # a rules folder with no YAML file is still a folder
        return Config(**v)

    def scanner(self):
        """The executor process's `phiscan.Scanner` for these settings, built at the first call."""
        found = _SCANNERS.get(self.key)
        if found is None:
            from ..api import Scanner

            folder = _materialize(self) if self.files or self.config.get("rules_dirs") else None
            found = Scanner(self.to_config(folder))
            _SCANNERS.clear()  # one job's settings at a time per process: an old scanner would only hold memory
            _SCANNERS[self.key] = found
        return found


_SCANNERS: dict[str, Any] = {}
_FOLDERS: list[str] = []


def _materialize(settings: JobSettings) -> Path:
    """Write the settings files into a new owner-only temporary folder (removed when the process ends)."""
    folder = Path(tempfile.mkdtemp(prefix=f"phiscan-spark-{settings.key[:8]}-"))
    os.chmod(folder, 0o700)
    for name, data in settings.files:
        target = folder / name
        if not target.resolve().is_relative_to(folder.resolve()):  # names are made by `of`; never trust blindly
            raise ConfigError(f"settings file name {name!r} leaves the settings folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if not _FOLDERS:
        atexit.register(_cleanup)
    _FOLDERS.append(str(folder))
    return folder


def _cleanup() -> None:
    for f in _FOLDERS:
        shutil.rmtree(f, ignore_errors=True)

