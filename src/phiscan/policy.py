"""Policy packs: data files that map rule codes to the references an institution cites.

`hipaa-safe-harbor` maps rules to the 18 identifiers (A)-(R) of 45 CFR 164.514(b)(2)(i); an institution's own
social media guideline is another pack. Packs live in rules/packs/*.yaml; more can be given as files.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


from .yamlio import read_yaml_file, validate

from .errors import ConfigError
from .rules.schema import PACK


@dataclass(frozen=True)
class Pack:
    name: str
    title: str
    description: str
    references: dict[str, tuple[str, ...]]
    clauses: dict[str, str]
    path: str

    def refs(self, code: str) -> tuple[str, ...]:
        return self.references.get(code, ())


def load_pack(path: Path) -> Pack:
    data = read_yaml_file(path, "policy pack")
    validate(data, PACK, path)
    clauses = data.get("clauses", {})
    for code, refs in data["references"].items():
        for r in refs:
            if clauses and r not in clauses:
                raise ConfigError(f"{path}: key 'references.{code}': {r!r} is not one of the pack's clauses")
    return Pack(
        name=data["pack"], title=data["title"], description=data.get("description", ""),
        references={k: tuple(v) for k, v in data["references"].items()}, clauses=clauses, path=str(path),
    )


def load_packs(folder: Path, names: list[str], extra_files: list[str] = ()) -> list[Pack]:
    available = {p.stem: p for p in sorted(folder.glob("*.yaml"))}
    packs = []
    for n in names:
        if n not in available:
            raise ConfigError(f"unknown policy pack {n!r} (available: {', '.join(sorted(available))}; or give a file with --pack-file)")
        packs.append(load_pack(available[n]))
    packs.extend(load_pack(Path(f)) for f in extra_files)
    return packs


def clause_titles(packs: list[Pack]) -> dict[str, str]:
    """`pack:reference` (as findings cite it) -> the clause's title, for every clause of the packs."""
    return {f"{p.name}:{ref}": title for p in packs for ref, title in p.clauses.items()}
