"""YAML reading with libyaml's C loader when it is there (several times faster than the pure-Python one), and
the one way data files are read and validated: errors name the file, the line or the key, never silently."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader


def read_yaml_file(path: Path, what: str) -> Any:
    """Parse a YAML file; a clear ConfigError naming the file (and line) when it cannot be read or parsed."""
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: {what} is not valid UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        raise ConfigError(f"{path}:{where} invalid YAML: {getattr(exc, 'problem', None) or exc}") from None


def validate(data: Any, schema: dict, path: Path | str) -> None:
    """Validate against a JSON Schema; the first error (in key order) names the file and the key path.
    Data that passed before, exactly as it is now, is not validated again (see phiscan.validated)."""
    from . import validated

    if validated.known(schema, data):
        return
    import jsonschema

    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        key = ".".join(str(p) for p in e.absolute_path) or "(top level)"
        raise ConfigError(f"{path}: key '{key}': {e.message}")
    validated.remember(schema, data)
