"""Settings: the one place defaults live, layered and validated.

Layers, each overriding the ones before it (yamllint and flake8 do the same):

1. packaged defaults (the `Config` fields below);
2. user config: `$XDG_CONFIG_HOME/phiscan/config.yaml` (`~/.config/phiscan/config.yaml` without it);
3. project config: the first `phiscan.yaml`, or `pyproject.toml` with a `[tool.phiscan]` table, found from the
   working directory upwards (a `phiscan.yaml` wins over a `pyproject.toml` in the same folder);
4. `--config FILE` (YAML, or TOML: its `[tool.phiscan]` table when it has one);
5. command-line flags.

Keys may be written with `_` or `-` (`fail_on`, `fail-on`). An unknown key or a value of the wrong type is an
error naming the key and the file: a typo never falls back silently to a default. Paths in a file (`profile`,
`pack_files`, `rules_dirs`, `baseline`) are relative to that file's folder. `Config.origins` says where each
value came from; `phiscan config show` prints both.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

import yaml

from .yamlio import load_yaml

from .errors import ConfigError
from .model import Severity
from .nlp import DEFAULT_MODEL

DEFAULT = "default"
FLAG = "command line"


@dataclass
class Config:
    model: str = DEFAULT_MODEL
    packs: list[str] = field(default_factory=lambda: ["hipaa-safe-harbor", "social-media-guideline"])
    pack_files: list[str] = field(default_factory=list)
    profile: str | None = None
    rules_dirs: list[str] = field(default_factory=list)
    fail_on: str = "medium"
    min_severity: str = "low"
    # None: each format's own default (SARIF and GitHub annotations mask evidence, the others do not).
    redact: bool | None = None
    batch_size: int = 64
    # The longest text one post may have, in characters; longer ones are cut, and the cut is a read error. Time and
    # memory grow faster than a text's length (100,000 characters: about 10 s and 300 MB; 300,000: a minute and
    # 1 GB); a Facebook post holds at most 63,206 characters, an X post 25,000.
    max_text_chars: int = 100_000
    baseline: str | None = None  # accepted findings (see `phiscan baseline`); scan reports only new ones
    authorizations: str | None = None  # registry of patients' written authorizations (see phiscan.consent)
    # `phiscan scan` and `phiscan baseline` keep a cache of what each text's findings were (hashes and offsets,
    # never text: see phiscan.cache), so a rescan skips what it scanned before; `check` and `eval` never use it
    cache: bool = True
    # The learned judgment's weights (phiscan.classify): "default" is the file shipped in the package; a path is
    # one an institution trained with `phiscan train` on its own corpus.
    judgment: str = "default"
    # An institution's own presidio recognizers (phiscan.detectors.plugins): presidio YAML files and
    # `module:Name` / `file.py:Name` entries; `recognizer_rules` maps their entities to rules ({EMPLOYEE_ID: PHI107}).
    recognizers: list[str] = field(default_factory=list)
    recognizer_rules: dict[str, str] = field(default_factory=dict)
    # Training (phiscan.training): an institution's own bank files (added to the packaged bank, which
    # `training_builtin_bank: false` leaves out), the quiz's pass mark in percent and its number of posts, and the
    # records database (None: the per-user default, ~/.local/share/phiscan/training.sqlite3).
    training_bank: list[str] = field(default_factory=list)
    training_builtin_bank: bool = True
    training_pass_mark: int = 80
    training_quiz_size: int = 10
    training_db: str | None = None

    def __post_init__(self) -> None:
        Severity.parse(self.fail_on)
        Severity.parse(self.min_severity)
        if not 1 <= self.training_pass_mark <= 100:
            raise ValueError(f"training_pass_mark: expected a percentage from 1 to 100, got {self.training_pass_mark}")

    @property
    def origins(self) -> dict[str, str]:
        """Setting -> where its value came from ("default", "user config PATH", ..., "command line")."""
        return self.__dict__.setdefault("_origins", {f.name: DEFAULT for f in fields(self)})

    @classmethod
    def load(cls, path: str | None = None, **overrides: Any) -> "Config":
        """The effective configuration: defaults < user < project < `path` (--config) < `overrides` (flags,
        None meaning "not given")."""
        return cls.layered(path, overrides)

    @classmethod
    def layered(cls, path: str | None = None, overrides: Mapping[str, Any] | None = None, *,
                cwd: str | Path | None = None, environ: Mapping[str, str] | None = None) -> "Config":
        layers = config_layers(path, cwd=cwd, environ=environ)
        data: dict[str, Any] = {}
        origins = {f.name: DEFAULT for f in fields(cls)}
        for label, file, settings in layers:
            for k, v in settings.items():
                data[k] = v
                origins[k] = f"{label} {file}"
        for k, v in (overrides or {}).items():
            if v is None:
                continue
            if k not in origins:
                raise ConfigError(f"unknown setting {k!r}")
            data[k] = v
            origins[k] = FLAG
        try:
            cfg = cls(**data)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"invalid setting: {exc}") from None
        cfg.__dict__["_origins"] = origins
        return cfg

    def effective(self) -> list[tuple[str, Any, str]]:
        """(setting, value, origin) for every setting, in declaration order."""
        return [(f.name, getattr(self, f.name), self.origins.get(f.name, DEFAULT)) for f in fields(self)]


# -- the layers ---------------------------------------------------------------------------------------

def user_config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path(env.get("HOME") or Path.home()) / ".config"
    return root / "phiscan" / "config.yaml"


def find_project_config(start: str | Path | None = None) -> Path | None:
    """The nearest phiscan.yaml, or pyproject.toml with [tool.phiscan], from `start` (the working folder) up."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "phiscan.yaml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _pyproject_table(pyproject) is not None:
            return pyproject
    return None


def config_layers(path: str | None = None, *, cwd: str | Path | None = None,
                  environ: Mapping[str, str] | None = None) -> list[tuple[str, Path, dict[str, Any]]]:
    """The config files that apply, lowest first, as (label, file, validated settings)."""
    out: list[tuple[str, Path, dict[str, Any]]] = []
    user = user_config_path(environ)
    if user.is_file():
        out.append(("user config", user, read_config_file(user)))
    project = find_project_config(cwd)
    if project is not None:
        out.append(("project config", project, read_config_file(project)))
    if path:
        p = Path(path)
        if not p.is_absolute() and cwd is not None:
            p = Path(cwd) / p
        if not p.is_file():
            raise ConfigError(f"{path}: config file not found")
        out.append(("--config", p, read_config_file(p)))
    return out


def read_config_file(path: Path) -> dict[str, Any]:
    """Read and validate one config file (YAML, or TOML for *.toml: its [tool.phiscan] table if present)."""
    if path.suffix == ".toml":
        table = _pyproject_table(path)
        if table is None:
            table = _read_toml(path)
            if "tool" in table:  # a pyproject.toml given with --config that has no [tool.phiscan]
                raise ConfigError(f"{path}: no [tool.phiscan] table")
        return validate(table, path)
    try:
        loaded = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        raise ConfigError(f"{path}:{where} invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid UTF-8") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    return validate(loaded, path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            raise ConfigError(f"{path}: reading TOML needs Python 3.11 or the tomli package") from None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _pyproject_table(path: Path) -> dict[str, Any] | None:
    tool = _read_toml(path).get("tool")
    if not isinstance(tool, dict) or "phiscan" not in tool:
        return None
    table = tool["phiscan"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.phiscan] must be a table of settings")
    return table


# -- validation -----------------------------------------------------------------------------------------

_SEVERITIES = ("high", "medium", "low")
# setting -> kind: str, path, list, paths (list of paths), severity, bool, int
SETTINGS: dict[str, str] = {
    "model": "str", "packs": "list", "pack_files": "paths", "profile": "path", "rules_dirs": "paths", "authorizations": "path",
    "fail_on": "severity", "min_severity": "severity", "redact": "bool", "batch_size": "int", "max_text_chars": "int", "baseline": "path",
    "cache": "bool", "judgment": "str", "recognizers": "recognizers", "recognizer_rules": "mapping",
    "training_bank": "paths", "training_builtin_bank": "bool", "training_pass_mark": "int", "training_quiz_size": "int",
    "training_db": "path",
}
assert set(SETTINGS) == {f.name for f in fields(Config)}


def validate(raw: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """Known keys with values of the right type; paths made relative to the file's folder. Errors name the
    key and the file."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key).replace("-", "_")
        kind = SETTINGS.get(name)
        if kind is None:
            known = ", ".join(sorted(SETTINGS))
            raise ConfigError(f"{path}: unknown key {key!r} (known: {known})")

        def bad(expected: str) -> ConfigError:
            return ConfigError(f"{path}: key {key!r}: expected {expected}, got {value!r}")

        if kind == "str":
            if not isinstance(value, str) or not value.strip():
                raise bad("a non-empty string")
        elif kind == "severity":
            if not isinstance(value, str) or value.strip().lower() not in _SEVERITIES:
                raise bad("one of " + ", ".join(_SEVERITIES))
            value = value.strip().lower()
        elif kind == "bool":
            if not isinstance(value, bool):
                raise bad("true or false")
        elif kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise bad("a whole number of at least 1")
        elif kind in ("list", "paths"):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
                raise bad("a list of strings")
            if kind == "paths":
                value = [_relative_to(path, x) for x in value]
        elif kind == "recognizers":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
                raise bad("a list of presidio YAML files or module:Name entries")
            value = [_plugin_relative_to(path, x) for x in value]
        elif kind == "mapping":
            if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and k and v
                                                      for k, v in value.items()):
                raise bad("a mapping of entity names to rule codes ({EMPLOYEE_ID: PHI107})")
            value = dict(value)
        elif kind == "path":
            if value is not None and (not isinstance(value, str) or not value):
                raise bad("a path")
            if value is not None:
                value = _relative_to(path, value)
        out[name] = value
    return out


def _relative_to(config_file: Path, value: str) -> str:
    p = Path(os.path.expanduser(value))
    return str(p if p.is_absolute() else config_file.parent / p)


def _plugin_relative_to(config_file: Path, value: str) -> str:
    """A recognizer entry of a config file: a YAML file, or the file of `file.py:Name`, relative to the config's
    folder; `module:Name` as written."""
    if value.lower().endswith((".yaml", ".yml")):
        return _relative_to(config_file, value)
    head, sep, tail = value.rpartition(":")
    if sep and head.endswith(".py"):
        return _relative_to(config_file, head) + ":" + tail
    return value


def render_effective(cfg: Config) -> str:
    """The effective configuration as YAML a user can copy into phiscan.yaml, each value's origin beside it."""
    rows = []
    for name, value, origin in cfg.effective():
        text = yaml.safe_dump({name: value}, default_flow_style=True, sort_keys=False, allow_unicode=True, width=10_000)
        text = text.strip()
        if text.startswith("{") and text.endswith("}"):
            text = text[1:-1]
        rows.append((text, origin))
    width = max(len(t) for t, _ in rows)
    return "".join(f"{t.ljust(width)}  # {o}\n" for t, o in rows)
