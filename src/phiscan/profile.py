"""The organization profile: what is the organization's own and therefore not PHI.

names (the organization's names), places (campuses, buildings), phones, domains, accounts (its own social
handles), staff and spokespeople (a roster). Spans that match are not reported as PHI.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


from .yamlio import read_yaml_file, validate

from .model import Span


def _digits(s: str) -> str:
    d = re.sub(r"\D", "", s)
    return d[-10:] if len(d) >= 10 else d[-7:]


@dataclass
class Profile:
    organization: str = ""
    names: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    spokespeople: list[str] = field(default_factory=list)
    path: str | None = None

    def __post_init__(self) -> None:
        self._phones = {_digits(p) for p in self.phones} | {_digits(p)[-7:] for p in self.phones}
        self._domains = [d.lower().lstrip("@").removeprefix("www.") for d in self.domains]
        self._accounts = {a.lower().lstrip("@") for a in self.accounts}
        people = [p.lower() for p in self.staff + self.spokespeople]
        self._people_tokens = {w for p in people for w in re.findall(r"[a-zà-ÿ'’-]{2,}", p)}
        self._people = set(people)
        self._places = [p.lower() for p in self.places + self.names + ([self.organization] if self.organization else [])]

    def owns_account(self, account: str | None) -> bool:
        """Is this account (a handle or name, with or without @) one of the organization's own?"""
        return bool(account) and account.strip().lower().lstrip("@") in self._accounts

    def match(self, sp: Span) -> set[str]:
        """Which parts of the profile this span matches (empty: none)."""
        kinds: set[str] = set()
        text = sp.text.lower()
        if sp.entity == "PHONE":
            d = _digits(sp.text)
            if d in self._phones or d[-7:] in self._phones:
                kinds.add("phone")
        elif sp.entity in ("EMAIL", "URL"):
            host = text.rsplit("@", 1)[-1] if sp.entity == "EMAIL" else re.sub(r"^(?:https?://)?(?:www\.)?", "", text).split("/")[0]
            if any(host == d or host.endswith("." + d) for d in self._domains):
                kinds.add("domain")
        elif sp.entity == "HANDLE":
            if text.lstrip("@") in self._accounts:
                kinds.add("account")
        elif sp.entity in ("PERSON", "HASHTAG"):
            words = re.findall(r"[a-zà-ÿ'’-]{2,}", text)
            words = [w for w in words if w not in ("mr", "mrs", "ms", "dr", "miss")]
            if text in self._people or (words and all(w in self._people_tokens for w in words) and len(words) >= 2):
                kinds.add("staff")
        elif sp.entity in ("LOCATION", "ZIP"):
            if any(text == p or text in p or p in text for p in self._places):
                kinds.add("place")
        if sp.entity in ("LOCATION", "PERSON", "HASHTAG") and any(text == p or (len(text) > 4 and text in p) for p in self._places):
            kinds.add("org")
        return kinds


def load_profile(path: str | Path | None) -> Profile:
    if not path:
        return Profile()
    from .rules.schema import PROFILE

    p = Path(path)
    data = read_yaml_file(p, "organization profile") or {}
    validate(data, PROFILE, p)
    return Profile(path=str(p), **data)
