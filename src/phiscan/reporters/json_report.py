"""JSON report: a stable, versioned contract later reporters and tools build on."""
from __future__ import annotations

import json
from collections import Counter
from typing import IO

from ..masking import mask
from ..model import Finding, ScanResult
from ..rules.engine import RuleSet

SCHEMA_VERSION = "1.0"


def finding_dict(f: Finding, redact: bool) -> dict:
    return {
        "rule": f.rule,
        "rule_name": f.rule_name,
        "severity": str(f.severity),
        "confidence": f.confidence,
        "post_id": f.post_id,
        "source": f.source,
        "field": f.field,
        "start": f.start,
        "end": f.end,
        "line": f.line,
        "column": f.column,
        "end_line": f.end_line,
        "end_column": f.end_column,
        "evidence": mask(f.evidence, f.entity) if redact else f.evidence,
        "entity": f.entity,
        "policies": list(f.policies),
        "message": f.message,
        "explanation": f.explanation,
        "disclosed": f.disclosed,
        "signals": list(f.signals),
        "platform": f.platform,
        "account": f.account,
        "url": f.url,
        "status": f.status,
        "justification": f.justification,
        "fingerprint": f.fingerprint,
    }


def summary(result: ScanResult, fail_on: str) -> dict:
    """Counts of the reported findings; `by_status` also counts the suppressed and baselined ones, which are
    not in `findings` (they never fail a scan) but are never silently dropped either."""
    sev = Counter(str(f.severity) for f in result.findings)
    return {
        "posts_scanned": result.posts,
        "posts_with_findings": len({(f.source, f.post_id) for f in result.findings}),
        "findings": len(result.findings),
        "by_severity": {s: sev.get(s, 0) for s in ("high", "medium", "low")},
        "by_rule": dict(sorted(Counter(f.rule for f in result.findings).items())),
        "by_status": result.status_counts(),
        "suppressed": len(result.suppressed),
        "baselined": len(result.baselined),
        "baseline": result.baseline,
        "errors": len(result.errors),
        "fail_on": fail_on,
        "failing": len(result.failing(fail_on)),
    }


class JsonReporter:
    name = "json"
    description = "Versioned JSON contract"

    def render(self, result: ScanResult, rules: RuleSet, out: IO[str], *, redact: bool = False, fail_on: str = "medium") -> None:
        doc = {
            "version": SCHEMA_VERSION,
            "tool": {"name": "phiscan", "version": _version()},
            "findings": [finding_dict(f, redact) for f in result.findings],
            "suppressed": [finding_dict(f, redact) for f in result.suppressed],
            "errors": [e.as_dict() for e in result.errors],
            "summary": summary(result, fail_on),
        }
        json.dump(doc, out, ensure_ascii=False, indent=2)
        out.write("\n")


def _version() -> str:
    from .. import __version__

    return __version__
