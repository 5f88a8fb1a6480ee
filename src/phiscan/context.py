"""Context cues: named word lists (rules/context.yaml) compiled into one regex per list."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .yamlio import load_yaml

from .errors import ConfigError


def _phrase_regex(phrase: str) -> str:
    p = phrase.strip()
    star = p.endswith("*")
    if star:
        p = p[:-1]
    body = r"\s+".join(re.escape(w) for w in p.split())
    left = r"(?<![\w#@])" if p[:1].isalnum() else r"(?<!\w)" if p[:1] else ""
    right = r"\w*" if star else (r"(?![\w])" if p[-1:].isalnum() or p[-1:] == "." else "")
    return left + body + right


@dataclass
class CueMatcher:
    patterns: dict[str, re.Pattern]
    case_sensitive: dict[str, re.Pattern]
    descriptions: dict[str, str]

    def find_all(self, text: str) -> dict[str, list[tuple[int, int]]]:
        out: dict[str, list[tuple[int, int]]] = {}
        for name, rx in self.patterns.items():
            hits = [m.span() for m in rx.finditer(text)]
            cs = self.case_sensitive.get(name)
            if cs is not None:
                hits.extend(m.span() for m in cs.finditer(text))
            if hits:
                out[name] = sorted(hits)
        return out

    @property
    def names(self) -> list[str]:
        return sorted(self.patterns)


def load_cues(path: Path) -> CueMatcher:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read context cues: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cues"), dict):
        raise ConfigError(f"{path}: expected a mapping with key 'cues'")
    patterns, cs, desc = {}, {}, {}
    for name, spec in data["cues"].items():
        if not isinstance(spec, dict) or not isinstance(spec.get("phrases"), list):
            raise ConfigError(f"{path}: cues.{name}: expected 'phrases: [...]'")
        bad = [p for p in spec["phrases"] if not isinstance(p, str) or not p.strip()]
        if bad:
            raise ConfigError(f"{path}: cues.{name}.phrases: every phrase must be a non-empty string")
        # A phrase written in capitals of two or more letters ("PT", "ER") is matched case-sensitively: "PT" is a
        # physical therapist, "pt" a patient.
        # "=pt" is case-sensitive too, but also matches with a capital first letter ("Pt").
        upper = [p for p in spec["phrases"] if len(p) >= 2 and p.isupper() and p.isalpha()]
        exact = [p[1:] for p in spec["phrases"] if p.startswith("=")]
        exact += [p[:1].upper() + p[1:] for p in exact]
        lower = [p for p in spec["phrases"] if p not in upper and not p.startswith("=")]
        if lower:
            patterns[name] = re.compile("|".join(_phrase_regex(p) for p in sorted(lower, key=len, reverse=True)), re.I)
        if upper or exact:
            cs[name] = re.compile("|".join(_phrase_regex(p) for p in upper + exact))
            patterns.setdefault(name, re.compile(r"(?!x)x"))
        desc[name] = spec.get("description", "")
    return CueMatcher(patterns, cs, desc)
