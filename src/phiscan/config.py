"""Settings: the one place defaults live. Values come from defaults < phiscan.yaml < --config < flags."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from .yamlio import load_yaml

from .errors import ConfigError
from .model import Severity
from .nlp import DEFAULT_MODEL


@dataclass
class Config:
    model: str = DEFAULT_MODEL
    packs: list[str] = field(default_factory=lambda: ["hipaa-safe-harbor", "social-media-guideline"])
    pack_files: list[str] = field(default_factory=list)
    profile: str | None = None
    rules_dirs: list[str] = field(default_factory=list)
    fail_on: str = "medium"
    min_severity: str = "low"
    redact: bool = False
    batch_size: int = 64

    def __post_init__(self) -> None:
        Severity.parse(self.fail_on)
        Severity.parse(self.min_severity)

    @classmethod
    def load(cls, path: str | None = None, **overrides: Any) -> "Config":
        data: dict[str, Any] = {}
        candidates = [Path(path)] if path else [Path("phiscan.yaml")]
        for p in candidates:
            if not p.is_file():
                if path:
                    raise ConfigError(f"{p}: config file not found")
                continue
            try:
                loaded = load_yaml(p.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise ConfigError(f"{p}: invalid YAML: {exc}") from None
            if not isinstance(loaded, dict):
                raise ConfigError(f"{p}: expected a mapping of settings")
            known = {f.name.replace("_", "-") for f in fields(cls)} | {f.name for f in fields(cls)}
            for k in loaded:
                if k not in known:
                    raise ConfigError(f"{p}: unknown key {k!r} (known: {', '.join(sorted(f.name for f in fields(cls)))})")
            data.update({k.replace("-", "_"): v for k, v in loaded.items()})
        data.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**data)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"invalid setting: {exc}") from None
