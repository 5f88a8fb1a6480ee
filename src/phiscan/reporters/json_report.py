"""JSON report: a stable, versioned contract later reporters and tools build on."""
from __future__ import annotations

import json
from typing import IO

from ..masking import mask
from ..model import Finding, ScanResult, inventory_counts
from ..rules.engine import RuleSet

SCHEMA_VERSION = "1.0"


def finding_dict(f: Finding, redact: bool) -> dict:
    """A finding of the report: `Finding.to_dict` (the Python API's form is the report's, by construction).
    Under --redact the finding has been through `redact_finding` already (`ScanResult.transform`): only the
    evidence is left to mask."""
    d = f.to_dict()
    if redact:
        d["evidence"] = mask(f.evidence, f.entity)
    return d


def summary(result: ScanResult, fail_on: str) -> dict:
    """Counts of the reported findings; `by_status` also counts the suppressed and baselined ones, which are
    not in `findings` (they never fail a scan) but are never silently dropped either. `inputs` counts files
    by status and `inventory` lists every file, archive, archive member and folder the scan met (see
    `InputRecord`): a reviewer proves coverage from this alone."""
    s = result.summary(fail_on)
    inventory = getattr(result, "inventory", None) or []
    return {
        "posts_scanned": result.posts,
        "posts_with_findings": s.posts_with_findings,
        "findings": s.findings,
        "by_severity": {k: s.by_severity.get(k, 0) for k in ("high", "medium", "low")},
        "by_rule": s.by_rule,
        "by_status": s.by_status,
        "suppressed": len(result.suppressed),
        "baselined": len(result.baselined),
        "baseline": result.baseline,
        "errors": len(result.errors),
        "warnings": len(getattr(result, "warnings", None) or ()),
        "inputs": inventory_counts(inventory),
        "posts_truncated": sum(len(r.truncated) for r in inventory),
        "fail_on": fail_on,
        "failing": s.failing,
        "inventory": [r.as_dict() for r in inventory],
    }


class Stream:
    """A JSON array for `dump_indented` that is produced while it is written (findings read from a spool)."""

    def __init__(self, items):
        self.items = items


class JsonReporter:
    name = "json"
    description = "Versioned JSON contract"

    def render(self, result: ScanResult, rules: RuleSet, out: IO[str], *, redact: bool = False, fail_on: str = "medium") -> None:
        doc = {
            "version": SCHEMA_VERSION,
            "tool": {"name": "phiscan", "version": _version()},
            "findings": Stream(finding_dict(f, redact) for f in result.all()),
            "suppressed": Stream(finding_dict(f, redact) for f in result.all("suppressed")),
            "errors": [e.as_dict() for e in result.errors],
            "warnings": [e.as_dict() for e in getattr(result, "warnings", None) or ()],
            "summary": summary(result, fail_on),
        }
        dump_indented(doc, out)
        out.write("\n")


def dump_indented(doc, out: IO[str]) -> None:
    """Write exactly what `json.dump(doc, out, ensure_ascii=False, indent=2)` writes, about three times as fast.

    The standard library indents in pure Python, one generator step and one `write` per token, which made the
    JSON report the slowest part of a rescan from the cache. This follows the same rules (the C string encoder,
    `int.__repr__`, `float.__repr__`, NaN and Infinity, keys that are numbers, booleans or None turned into
    strings, TypeError for anything else) and writes in blocks, so memory stays bounded.
    tests/test_json_report_dump.py checks the identity."""
    parts: list[str] = []
    _encode(doc, parts, "\n", out)
    out.write("".join(parts))


_enc = json.encoder.encode_basestring
_INF = float("inf")


def _float(o: float) -> str:
    return "NaN" if o != o else "Infinity" if o == _INF else "-Infinity" if o == -_INF else float.__repr__(o)


def _key(k) -> str:
    if isinstance(k, str):
        return k
    if k is True:
        return "true"
    if k is False:
        return "false"
    if k is None:
        return "null"
    if isinstance(k, int):
        return int.__repr__(k)
    if isinstance(k, float):
        return _float(k)
    raise TypeError(f"keys must be str, int, float, bool or None, not {k.__class__.__name__}")


def _encode(o, parts: list[str], nl: str, out: IO[str]) -> None:
    if isinstance(o, str):
        parts.append(_enc(o))
    elif o is None:
        parts.append("null")
    elif o is True:
        parts.append("true")
    elif o is False:
        parts.append("false")
    elif isinstance(o, int):
        parts.append(int.__repr__(o))
    elif isinstance(o, float):
        parts.append(_float(o))
    elif isinstance(o, dict):
        if not o:
            parts.append("{}")
            return
        inner = nl + "  "
        sep = "{" + inner
        for k, v in o.items():
            parts.append(sep)
            parts.append(_enc(_key(k)))
            parts.append(": ")
            _encode(v, parts, inner, out)
            sep = "," + inner
        parts.append(nl + "}")
    elif isinstance(o, (list, tuple, Stream)):
        inner = nl + "  "
        sep = "[" + inner
        empty = True
        for v in (o.items if isinstance(o, Stream) else o):
            empty = False
            parts.append(sep)
            _encode(v, parts, inner, out)
            sep = "," + inner
            if len(parts) > 20_000:  # write in blocks: a big report never sits in memory twice
                out.write("".join(parts))
                parts.clear()
        parts.append("[]" if empty else nl + "]")
    else:
        raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


def _version() -> str:
    from .. import __version__

    return __version__
