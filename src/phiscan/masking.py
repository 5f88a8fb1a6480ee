"""The one place that turns evidence into what may be printed or written."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .model import Finding, ScanResult


def mask(evidence: str, entity: str = "") -> str:
    """Keep the shape, hide the content: 'Walter Brisk' -> 'W***** B****'."""
    out = []
    for word in evidence.split(" "):
        if not word:
            out.append(word)
            continue
        keep = 1 if word[0].isalnum() or word[0] in "@#" else 1
        if word[0] in "@#" and len(word) > 1:
            keep = 2
        out.append(word[:keep] + "*" * max(1, len(word) - keep))
    return " ".join(out)


_ISO_DATE = re.compile(r"^(\d{4})-\d{2}(?:-\d{2})?$")


def mask_date(value: str) -> str:
    """A date a finding discloses, masked but for the year (Safe Harbor keeps years): '2025-03-13' -> '2025-**-**'."""
    m = _ISO_DATE.match(value)
    if m:
        return m.group(1) + re.sub(r"\d", "*", value[4:])
    return mask(value)


def redact_finding(f: "Finding") -> "Finding":
    """What a finding repeats of the post, masked, for reports under --redact: the date it discloses (in
    `disclosed` and in the message) and the evidence wherever the message or explanation quotes it. `evidence`
    itself stays: reporters mask it (`mask` is idempotent), and the fingerprint is a hash of it. A suppression's
    reason stays readable: it is what a reviewer checks."""
    from dataclasses import replace

    changes: dict = {}
    message, explanation = f.message, f.explanation
    if f.disclosed:
        changes["disclosed"] = mask_date(f.disclosed)
        message = message.replace(f.disclosed, changes["disclosed"])
    ev = f.evidence.strip()
    if len(ev) > 1:
        message = message.replace(ev, mask(ev))
        explanation = explanation.replace(ev, mask(ev))
    if message != f.message:
        changes["message"] = message
    if explanation != f.explanation:
        changes["explanation"] = explanation
    return replace(f, **changes) if changes else f


def redact_result(result: "ScanResult") -> "ScanResult":
    """A view of the result whose findings (open, suppressed, baselined) go through `redact_finding` as
    reporters read them (`ScanResult.records`): nothing is copied, so a million findings stay on disk."""
    from dataclasses import replace

    inner = result.transform
    tf = redact_finding if inner is None else (lambda f: redact_finding(inner(f)))
    return replace(result, transform=tf)
