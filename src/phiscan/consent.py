"""Authorizations: official accounts publish patient stories with the patient's written authorization.

A registry (YAML or CSV; the format is documented for users in README.md, "Patient authorizations") lists
authorizations; each covers a patient (by name) or a post (by id):

    authorizations:
      - id: AUTH-2025-114            # the authorization form's id
        patient: Lucinda Oyarzun-Pak # or post_id: "draft-0612"
        scope: [facebook, instagram]  # platforms, or [all]
        expires: 2026-06-30           # the last day it is valid (optional)

CSV: a header with `id`, `patient` and/or `post_id`, `scope` (separated by `;` or `|`), `expires`.

A finding in a post the authorization covers becomes `authorized`: reported, not failing the scan. An
expired authorization, or one whose scope does not include the post's platform, leaves the finding open and
says why in its justification. Only findings about the authorized patient's story are covered: the post
must name the patient (or be the authorized post), and findings of record numbers and other IDs (PHI106,
PHI107) are never covered, since no patient story needs them.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path

from .errors import ConfigError
from .model import Finding, Post
from .yamlio import load_yaml

NEVER_COVERED = {"PHI106", "PHI107", "PHI901"}
COVERED = "covered by authorization "  # the justification of an authorized finding: COVERED + the id
# the reasons `Authorization.problem` gives, each naming the id (which may hold spaces)
_ID_IN = re.compile(r"(?:^|; )authorization (.+?) (?:expired on |does not cover |is limited to )")


def authorization_ids(f: Finding) -> tuple[str, ...]:
    """The ids of the authorizations a finding's status speaks of: the one that covers it (status
    `authorized`), or those that name the patient but do not cover the post (expired, out of scope), whose
    reasons are in the justification of a finding left open. Reporters show them; never any patient's name."""
    if not f.justification:
        return ()
    if f.status == "authorized":
        return (f.justification[len(COVERED):],) if f.justification.startswith(COVERED) else ()
    if f.status != "open":
        return ()
    return tuple(dict.fromkeys(_ID_IN.findall(f.justification)))


@dataclass(frozen=True)
class Authorization:
    id: str
    patient: str | None
    post_id: str | None
    scope: tuple[str, ...]
    expires: date | None

    def names_in(self, post: Post) -> bool:
        if self.post_id is not None and post.id == self.post_id:
            return True
        if not self.patient:
            return False
        words = [w for w in re.findall(r"[A-Za-zÀ-ÿ'’-]{2,}", self.patient)]
        text = " ".join(t for _, t in post.texts())
        # the full name, or its surname: "Mrs. Vasquez-Ruiz" is the same patient
        return any(re.search(r"(?<!\w)" + re.escape(w) + r"(?!\w)", text, re.I) for w in words[-1:] + [self.patient])

    def problem(self, post: Post, today: date) -> str | None:
        when = post.created_at.date() if post.created_at else today
        if self.expires is not None and when > self.expires:
            return f"authorization {self.id} expired on {self.expires.isoformat()}"
        platform = (post.platform or "").lower()
        if "all" not in self.scope and platform and platform not in self.scope:
            return f"authorization {self.id} does not cover {platform} (scope: {', '.join(self.scope)})"
        if "all" not in self.scope and not platform:
            return f"authorization {self.id} is limited to {', '.join(self.scope)} and the post's platform is unknown"
        return None


class Registry:
    def __init__(self, entries: list[Authorization], path: str = ""):
        self.entries = entries
        self.path = path

    def apply(self, post: Post, findings: list[Finding], today: date | None = None) -> list[Finding]:
        today = today or datetime.now(timezone.utc).date()
        covering = [a for a in self.entries if a.names_in(post)]
        if not covering:
            return findings
        valid = [a for a in covering if a.problem(post, today) is None]
        out = []
        for f in findings:
            if f.status != "open" or f.rule in NEVER_COVERED:
                out.append(f)
            elif valid:
                out.append(replace(f, status="authorized", justification=COVERED + valid[0].id))
            else:
                out.append(replace(f, justification="; ".join(p for a in covering if (p := a.problem(post, today)))))
        return out


def _parse_date(value, where: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value if not isinstance(value, datetime) else value.date()
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"{where}: 'expires' must be a date like 2026-06-30, not {str(value)[:20]!r}") from None


KEYS = ("id", "patient", "post_id", "scope", "expires", "note")  # of an entry; README.md documents each


def _entry(rec: dict, where: str) -> Authorization:
    known = set(KEYS)
    unknown = set(rec) - known
    if unknown:
        raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(known))})")
    aid = str(rec.get("id") or "").strip()
    if not aid:
        raise ConfigError(f"{where}: key 'id': every authorization needs the id of its signed form")
    patient = (str(rec["patient"]).strip() or None) if rec.get("patient") else None
    post_id = (str(rec["post_id"]).strip() or None) if rec.get("post_id") else None
    if not patient and not post_id:
        raise ConfigError(f"{where}: authorization {aid} names neither a patient nor a post_id")
    scope = rec.get("scope") or ["all"]
    if isinstance(scope, str):
        scope = [s for s in re.split(r"[;|,]", scope) if s.strip()]
    return Authorization(aid, patient, post_id, tuple(s.strip().lower() for s in scope), _parse_date(rec.get("expires"), f"{where}: authorization {aid}"))


def load_registry(path: str | Path) -> Registry:
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read authorization registry: {exc.strerror}") from None
    entries: list[Authorization] = []
    if p.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(raw))
        for i, row in enumerate(reader, start=2):
            entries.append(_entry({k.strip().lower(): v for k, v in row.items() if k}, f"{p}: line {i}"))
    else:
        try:
            data = load_yaml(raw) or {}
        except Exception as exc:  # yaml.YAMLError
            raise ConfigError(f"{p}: invalid YAML: {str(exc)[:200]}") from None
        items = data.get("authorizations") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ConfigError(f"{p}: expected a mapping with key 'authorizations' holding a list")
        for i, rec in enumerate(items):
            if not isinstance(rec, dict):
                raise ConfigError(f"{p}: authorizations.{i}: expected a mapping")
            entries.append(_entry(rec, f"{p}: authorizations.{i}"))
    return Registry(entries, str(p))
