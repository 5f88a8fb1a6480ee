"""The training bank: synthetic case studies in YAML, validated against `BANK_SCHEMA`.

A bank file holds `modules` (id, title, summary, the rule codes it teaches) and/or `cases`. A case is one of:

- `phi`: a post with the `identifiers` in it (each an exact substring of the post, the rule code that covers it,
  and why it identifies someone) and the `better` post;
- `safe`: a hard negative, a post close to a PHI one that is fine to publish, with `why_safe`;
- `roleplay`: a `prompt` (and optionally the `comment` being answered and who wrote it, `reply_to`) for which
  the trainee writes a post or reply that phiscan checks live; `tips` and a `model_answer`.

The packaged bank is `phiscan/data/training/*.yaml`; an institution adds its own files (the `training_bank`
setting or `--training-bank FILE`), and may turn the packaged one off (`training_builtin_bank: false`). A case
or module id given twice is an error, as is a case naming an unknown module or rule, or an identifier that is
not in its post. Every error names the file and the case.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import ConfigError
from ..yamlio import read_yaml_file, validate

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "data" / "training"
_ID = "^[a-z0-9][a-z0-9-]{0,63}$"
_CODE = "^[A-Z]{2,6}[0-9]{3}$"
_TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}

IDENTIFIER_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["text", "rule", "why"],
    "properties": {
        "text": {"type": "string", "minLength": 1, "maxLength": 500},
        "rule": {"type": "string", "pattern": _CODE},
        "why": _TEXT,
        "occurrence": {"type": "integer", "minimum": 1},  # the n-th time `text` appears in the post (default 1)
    },
}

CASE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "kind", "module", "title"],
    "properties": {
        "id": {"type": "string", "pattern": _ID},
        "kind": {"enum": ["phi", "safe", "roleplay"]},
        "module": {"type": "string", "pattern": _ID},
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "voice": {"type": "string", "maxLength": 200},
        "platform": {"type": "string", "maxLength": 40},
        "scenario": _TEXT,
        "post": _TEXT,
        "created_at": {"type": "string", "maxLength": 80},
        "reply_to": {"type": "string", "maxLength": 200},
        "identifiers": {"type": "array", "items": IDENTIFIER_SCHEMA},
        "better": _TEXT,
        "why_safe": _TEXT,
        "comment": _TEXT,
        "prompt": _TEXT,
        "tips": {"type": "array", "items": _TEXT},
        "model_answer": _TEXT,
    },
    "allOf": [
        {"if": {"properties": {"kind": {"const": "phi"}}},
         "then": {"required": ["scenario", "post", "identifiers", "better"],
                  "properties": {"identifiers": {"minItems": 1}},
                  "not": {"anyOf": [{"required": ["why_safe"]}, {"required": ["prompt"]}]}}},
        {"if": {"properties": {"kind": {"const": "safe"}}},
         "then": {"required": ["scenario", "post", "why_safe"],
                  "not": {"anyOf": [{"required": ["identifiers"]}, {"required": ["better"]}, {"required": ["prompt"]}]}}},
        {"if": {"properties": {"kind": {"const": "roleplay"}}},
         "then": {"required": ["prompt", "model_answer"],
                  "not": {"anyOf": [{"required": ["post"]}, {"required": ["identifiers"]}]}}},
    ],
}

MODULE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "title", "summary", "rules"],
    "properties": {
        "id": {"type": "string", "pattern": _ID},
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "summary": _TEXT,
        "rules": {"type": "array", "items": {"type": "string", "pattern": _CODE}},
    },
}

BANK_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1},
        "modules": {"type": "array", "items": MODULE_SCHEMA},
        "cases": {"type": "array", "items": CASE_SCHEMA},
    },
}


@dataclass(frozen=True)
class Identifier:
    text: str
    rule: str
    why: str
    start: int
    end: int


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # phi, safe, roleplay
    module: str
    title: str
    source: str  # the bank file it came from
    voice: str = ""
    platform: str | None = None
    scenario: str = ""
    post: str = ""
    created_at: str | None = None
    reply_to: str | None = None
    identifiers: tuple[Identifier, ...] = ()
    better: str = ""
    why_safe: str = ""
    comment: str = ""
    prompt: str = ""
    tips: tuple[str, ...] = ()
    model_answer: str = ""

    @property
    def explanation(self) -> str:
        """Why the post is safe, or what to write instead: shown after the trainee answers."""
        return self.why_safe if self.kind == "safe" else self.better


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    summary: str
    rules: tuple[str, ...]
    source: str


@dataclass
class Bank:
    modules: dict[str, Module] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def of_kind(self, *kinds: str, module: str | None = None) -> list[Case]:
        return [c for c in self.cases.values() if c.kind in kinds and (module is None or c.module == module)]

    @property
    def quiz_cases(self) -> list[Case]:
        return self.of_kind("phi", "safe")


def _spans(post: str, idents: Sequence[dict], where: str) -> tuple[Identifier, ...]:
    out = []
    for i, d in enumerate(idents):
        n = d.get("occurrence", 1)
        at = -1
        for _ in range(n):
            at = post.find(d["text"], at + 1)
            if at < 0:
                break
        if at < 0:
            times = "" if n == 1 else f" {n} times"
            raise ConfigError(f"{where}: identifiers.{i}: {d['text']!r} is not in the post{times}")
        out.append(Identifier(d["text"], d["rule"], d["why"], at, at + len(d["text"])))
    spans = sorted((x.start, x.end) for x in out)
    for (a1, b1), (a2, b2) in zip(spans, spans[1:]):
        if a2 < b1:
            raise ConfigError(f"{where}: identifiers overlap at characters {a2}-{b1}")
    return tuple(out)


def read_bank_file(path: Path, bank: Bank) -> None:
    """Validate one bank file and add its modules and cases to `bank` (module references are checked once
    every file is read, in `load_bank`)."""
    data = read_yaml_file(path, "training bank")
    if data is None:
        data = {}
    validate(data, BANK_SCHEMA, path)
    for m in data.get("modules", []):
        if m["id"] in bank.modules:
            raise ConfigError(f"{path}: module {m['id']!r} is already defined in {bank.modules[m['id']].source}")
        bank.modules[m["id"]] = Module(m["id"], m["title"], m["summary"], tuple(m["rules"]), str(path))
    for c in data.get("cases", []):
        where = f"{path}: case {c['id']!r}"
        if c["id"] in bank.cases:
            raise ConfigError(f"{where}: this id is already used in {bank.cases[c['id']].source}")
        post = c.get("post", "")
        idents = _spans(post, c.get("identifiers", []), where)
        bank.cases[c["id"]] = Case(
            id=c["id"], kind=c["kind"], module=c["module"], title=c["title"], source=str(path),
            voice=c.get("voice", ""), platform=c.get("platform"), scenario=c.get("scenario", ""), post=post,
            created_at=c.get("created_at"), reply_to=c.get("reply_to"), identifiers=idents, better=c.get("better", ""),
            why_safe=c.get("why_safe", ""), comment=c.get("comment", ""), prompt=c.get("prompt", ""),
            tips=tuple(c.get("tips", [])), model_answer=c.get("model_answer", ""))
    bank.files.append(str(path))


def builtin_files() -> list[Path]:
    """The packaged bank: modules first, then the case files in name order."""
    files = sorted(BUILTIN_DIR.glob("*.yaml"))
    return sorted(files, key=lambda p: (p.name != "modules.yaml", p.name))


def load_bank(extra: Iterable[str | Path] = (), *, builtin: bool = True, rule_codes: Iterable[str] | None = None) -> Bank:
    """The packaged bank (unless `builtin` is false) and the institution's files `extra`, validated. With
    `rule_codes`, every rule a module or identifier names must be one of them."""
    bank = Bank()
    files = builtin_files() if builtin else []
    for f in extra:
        p = Path(f)
        if not p.is_file():
            raise ConfigError(f"{f}: training bank file not found")
        files.append(p)
    for p in files:
        read_bank_file(p, bank)
    codes = set(rule_codes) if rule_codes is not None else None
    for m in bank.modules.values():
        for code in m.rules:
            if codes is not None and code not in codes:
                raise ConfigError(f"{m.source}: module {m.id!r}: unknown rule {code}")
    for c in bank.cases.values():
        if c.module not in bank.modules:
            known = ", ".join(sorted(bank.modules)) or "none"
            raise ConfigError(f"{c.source}: case {c.id!r}: unknown module {c.module!r} (known: {known})")
        for i, ident in enumerate(c.identifiers):
            if codes is not None and ident.rule not in codes:
                raise ConfigError(f"{c.source}: case {c.id!r}: identifiers.{i}: unknown rule {ident.rule}")
    return bank


def bank_from_config(cfg, rule_codes: Iterable[str] | None = None) -> Bank:
    return load_bank(cfg.training_bank, builtin=cfg.training_builtin_bank, rule_codes=rule_codes)
