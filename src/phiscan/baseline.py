"""Baselines: findings a person accepted once, so that CI reports only new ones (detect-secrets' idea).

A baseline is a JSON file meant to be committed next to the content queue:

    {
      "phiscan_baseline": 1,
      "fingerprint": "v2",
      "entries": [
        {"fingerprint": "3f0c...", "rule": "PHI105", "rule_name": "patient-room", "severity": "medium",
         "source": "2025-06-04-unit-photo.md", "field": "alt",
         "accepted_by": "J. Rivera (Privacy Office)", "reason": "room sign is a demo unit", "accepted_at": "2025-06-01"}
      ]
    }

It records what a reviewer needs to know what was accepted (rule, file name, field) and who accepted it and
why, and never the PHI itself: no evidence, no post text, no post id, no offsets. Matching is by fingerprint
only (see `Finding.fingerprint`), so it survives edits elsewhere in the post, moved files and reordered rows.
Entries are sorted and the JSON is written the same way every time, so a baseline diffs cleanly in review.

A PHI901 finding (an inline suppression without a reason, or naming no rule or an unknown one) is never
accepted: the fix is in the post, where the directive must say what it accepts and why. `build` leaves such
findings out (they stay findings) and counts them, and an entry for one in an older baseline matches nothing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Iterable

from .errors import ConfigError
from .model import FINGERPRINT_VERSION, Finding
from .suppression import SUPPRESSION_RULE

NEVER_ACCEPTED = frozenset({SUPPRESSION_RULE})  # a baseline cannot stand in for a suppression's missing reason

FORMAT = 1
KEYS = ("fingerprint", "rule", "rule_name", "severity", "source", "field", "accepted_by", "reason", "accepted_at")


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    rule: str
    rule_name: str
    severity: str
    source: str
    field: str
    accepted_by: str
    reason: str
    accepted_at: str

    def as_dict(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in KEYS}


@dataclass
class Baseline:
    entries: list[Entry]

    @property
    def by_fingerprint(self) -> dict[str, Entry]:
        """The entries that accept findings (an entry of a rule never accepted, from an older baseline, does not)."""
        return {e.fingerprint: e for e in self.entries if e.rule not in NEVER_ACCEPTED}

    def dumps(self) -> str:
        entries = sorted(self.entries, key=lambda e: (e.source, e.rule, e.field, e.fingerprint))
        doc = {"phiscan_baseline": FORMAT, "fingerprint": FINGERPRINT_VERSION, "entries": [e.as_dict() for e in entries]}
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def source_name(source: str) -> str:
    """The file name of a finding's source, inside an archive too ('export.zip!data/tweets.js' -> 'tweets.js')."""
    return PurePosixPath(source.replace("\\", "/").split("!")[-1]).name or source


def entry_for(f: Finding, who: str, reason: str, when: str | None = None) -> Entry:
    return Entry(
        fingerprint=f.fingerprint, rule=f.rule, rule_name=f.rule_name, severity=str(f.severity),
        source=source_name(f.source), field=f.field, accepted_by=who, reason=reason,
        accepted_at=when or date.today().isoformat(),
    )


def load(path: str | Path) -> Baseline:
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{p}: baseline file not found (create it with `phiscan baseline create`)") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read baseline: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not a phiscan baseline (invalid JSON: {exc})") from None
    if not isinstance(doc, dict) or doc.get("phiscan_baseline") != FORMAT or not isinstance(doc.get("entries"), list):
        raise ConfigError(f"{p}: not a phiscan baseline (expected 'phiscan_baseline': {FORMAT} and 'entries')")
    if doc.get("fingerprint") != FINGERPRINT_VERSION:
        raise ConfigError(f"{p}: key 'fingerprint': baseline made with fingerprints {doc.get('fingerprint')!r}, this "
                          f"phiscan makes {FINGERPRINT_VERSION!r}; recreate it with `phiscan baseline create`")
    entries = []
    for i, raw in enumerate(doc["entries"]):
        if not isinstance(raw, dict) or set(raw) != set(KEYS) or not all(isinstance(raw[k], str) for k in KEYS):
            raise ConfigError(f"{p}: key 'entries.{i}': expected the string keys {', '.join(KEYS)}")
        entries.append(Entry(**{k: raw[k] for k in KEYS}))
    return Baseline(entries)


def build(findings: Iterable[Finding], who: str, reason: str, previous: Baseline | None = None,
          prune: bool = True) -> tuple[Baseline, dict[str, int]]:
    """A baseline of the open `findings`. With `previous` (update), entries still found keep who accepted them,
    why and when; new findings get `who` and `reason`; entries no longer found are dropped, unless `prune` is
    false (a scan that left some findings out, --min-severity, cannot tell that an entry is gone).
    Findings of a rule never accepted (PHI901) are left out and counted as `refused`; an older baseline's entries
    for them are dropped (counted as `removed`)."""
    old = previous.by_fingerprint if previous else {}
    entries: dict[str, Entry] = {}
    added = kept = 0
    refused: set[str] = set()
    for f in findings:
        if f.status != "open" or f.fingerprint in entries:
            continue
        if f.rule in NEVER_ACCEPTED:
            refused.add(f.fingerprint)
            continue
        if f.fingerprint in old:
            entries[f.fingerprint] = old[f.fingerprint]
            kept += 1
        else:
            entries[f.fingerprint] = entry_for(f, who, reason)
            added += 1
    unseen = [k for k in old if k not in entries]
    if not prune:
        for k in unseen:
            entries[k] = old[k]
        kept += len(unseen)
    removed = (len(unseen) if prune else 0) + sum(1 for e in (previous.entries if previous else ()) if e.rule in NEVER_ACCEPTED)
    return Baseline(list(entries.values())), {"added": added, "kept": kept, "removed": removed, "refused": len(refused)}
