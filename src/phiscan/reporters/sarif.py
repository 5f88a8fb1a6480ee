"""SARIF 2.1.0 (OASIS), for GitHub code scanning and other SARIF viewers.

- One run; `tool.driver.rules` lists every loaded rule, sorted by code, with its title (`shortDescription`),
  its documentation (`fullDescription`, `help` in text and Markdown), its default level and, in
  `properties`, its severity, the policy references it maps to and GitHub's `security-severity`.
- One result per reported finding: `ruleId` (PHI101...), `level` from the severity (high: error, medium:
  warning, low: note), the rule's message with the evidence, a location (file, and line and column where
  the loader knows them: exact in a Markdown body, the key's line for a front matter field, the record's line
  for JSONL/CSV), and `partialFingerprints` (the finding's fingerprint, which survives edits elsewhere and
  reordering). Columns count Unicode code points (`columnKind`).
- Suppressed findings are results too, with `suppressions` (kind `inSource`, the reason as justification),
  so viewers show them as accepted. Baselined findings are left out (only counted in the run's
  `properties.summary`); with a baseline, every result has `baselineState: new`.
- Evidence is masked by default (SARIF files are uploaded and kept); `--no-redact` writes it as found.
- Read errors are `toolExecutionNotifications` (level error) of the invocation, which is not successful when
  there are any; warnings (a field dropped, the record scanned) are notifications of level warning, and each
  input skipped on purpose (an image, a hidden file) one of level note. `properties.summary.inputs` counts
  files by status (the JSON report's inventory).
The output is deterministic: the same input gives the same bytes (results sorted by place, no timestamps).
"""
from __future__ import annotations

import heapq
import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO, Any
from urllib.parse import quote

from ..masking import mask
from ..model import Finding, ScanResult, Severity, inventory_counts
from ..rules.engine import RuleSet
from .json_report import Stream, dump_indented

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note", Severity.INFO: "note"}
SECURITY_SEVERITY = {Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "2.0", Severity.INFO: "0.0"}
FINGERPRINT_KEY = "phiscanFingerprint/v2"
DOC_SECTIONS = (("What it catches", "what"), ("Why it matters", "why"), ("Example", "example"), ("Write instead", "instead"))


def artifact_uri(source: str) -> str:
    """A source path as a URI reference: relative paths stay relative (to the repository root, where CI runs
    phiscan), absolute ones become file: URIs."""
    if re.match(r"^[A-Za-z]:[\\/]", source):
        return PureWindowsPath(source).as_uri()
    path = source.replace("\\", "/")
    if path.startswith("/"):
        return PurePosixPath(path).as_uri()
    while path.startswith("./"):
        path = path[2:]
    return quote(path, safe="/!$&'()*+,;=:@~")


def evidence_text(f: Finding, redact: bool) -> str:
    return mask(f.evidence, f.entity) if redact else f.evidence


def finding_message(f: Finding, redact: bool) -> str:
    return f'{f.message}: "{evidence_text(f, redact)}" (in {f.field})'


def sort_key(f: Finding) -> tuple:
    return (f.source, f.line or 0, f.column or 0, f.field, f.start, f.end, f.rule, f.fingerprint)


def _precision(confidence: float) -> str:
    return "very-high" if confidence >= 0.95 else "high" if confidence >= 0.85 else "medium" if confidence >= 0.6 else "low"


def max_severity(rule) -> Severity:
    """The highest severity a rule can give (its levels may raise a low default: a name near care words)."""
    levels = [Severity.parse(lvl["severity"]) for lvl in rule.levels if lvl.get("severity") != "drop"]
    return max([rule.severity, *levels])


def rule_descriptor(rule, policies: tuple[str, ...]) -> dict[str, Any]:
    top = max_severity(rule)
    text = "\n\n".join(f"{head}: {rule.docs[key]}" for head, key in DOC_SECTIONS)
    markdown = "\n\n".join(f"**{head}**\n\n{rule.docs[key]}" for head, key in DOC_SECTIONS)
    if policies:
        text += "\n\nPolicy: " + "; ".join(policies)
        markdown += "\n\n**Policy**\n\n" + "\n".join(f"- {p}" for p in policies)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.docs["what"]},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[top]},
        "properties": {
            "tags": ["phi", "privacy", "security"],
            "severity": str(rule.severity),
            "maxSeverity": str(top),
            "policies": list(policies),
            "precision": _precision(rule.confidence),
            "security-severity": SECURITY_SEVERITY[top],
        },
    }


def _region(f: Finding) -> dict[str, int] | None:
    if not f.line:
        return None
    region = {"startLine": f.line}
    if f.column:
        region["startColumn"] = f.column
        if f.end_line and f.end_column:
            if f.end_line != f.line:
                region["endLine"] = f.end_line
            region["endColumn"] = f.end_column
    return region


def _location(source: str, region: dict | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(source)}}
    if region:
        physical["region"] = region
    return {"physicalLocation": physical}


class SarifReporter:
    name = "sarif"
    description = "SARIF 2.1.0 for GitHub code scanning (evidence masked unless --no-redact)"
    redact_default = True

    def render(self, result: ScanResult, rules: RuleSet, out: IO[str], *, redact: bool = True, fail_on: str = "medium") -> None:
        dump_indented(self.document(result, rules, redact=redact, fail_on=fail_on), out)  # = json.dump(indent=2), streamed
        out.write("\n")

    def document(self, result: ScanResult, rules: RuleSet, *, redact: bool = True, fail_on: str = "medium") -> dict[str, Any]:
        """The SARIF log as a dict whose results are a `Stream` that `dump_indented` writes as they are read from
        the store (a million results are never in memory at once)."""
        from .. import __version__

        descriptors = [rule_descriptor(r, tuple(result.policies.get(r.code, ()))) for r in rules]
        index = {r.code: i for i, r in enumerate(rules)}
        # open and suppressed findings, merged in one order (open first on a tie, as a stable sort of both would)
        reported = heapq.merge(result.ordered(key=sort_key), result.ordered("suppressed", key=sort_key), key=sort_key)
        results = Stream(self._result(f, index, redact, result.baseline is not None) for f in reported)
        summary = result.summary(fail_on)
        counts = summary.by_status
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "phiscan",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "rules": descriptors,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [self._invocation(result)],
            "properties": {
                "summary": {
                    "postsScanned": result.posts,
                    "findings": summary.findings,
                    "byStatus": counts,
                    "failOn": fail_on,
                    "failing": summary.failing,
                    "errors": len(result.errors),
                    "warnings": len(result.warnings),
                    "inputs": inventory_counts(result.inventory),
                    "evidenceMasked": bool(redact),
                }
            },
        }
        return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}

    def _result(self, f: Finding, index: dict[str, int], redact: bool, with_baseline: bool) -> dict[str, Any]:
        res: dict[str, Any] = {
            "ruleId": f.rule,
            "level": LEVEL[f.severity],
            "message": {"text": finding_message(f, redact)},
            "locations": [_location(f.source, _region(f))],
            "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
            "properties": {
                "severity": str(f.severity),
                "confidence": f.confidence,
                "postId": f.post_id,
                "field": f.field,
                "policies": list(f.policies),
                "status": f.status,
            },
        }
        if f.role:  # who the person or handle is (classify.roles), and the signal that says so
            res["properties"]["role"] = f.role
            res["properties"]["roleSignal"] = f.role_signal
        if f.image is not None:  # text read from an image (OCR): the image, and the pixel box of the evidence
            res["relatedLocations"] = [{"id": 1, **_location(f.image, None),
                                        "message": {"text": "the image whose text (OCR) holds the evidence"}}]
            res["properties"]["image"] = artifact_uri(f.image)
            if f.box:
                res["properties"]["box"] = dict(zip(("x", "y", "width", "height"), f.box))
        if f.rule in index:
            res["ruleIndex"] = index[f.rule]
        if f.status == "suppressed":
            res["suppressions"] = [{"kind": "inSource", "status": "accepted", "justification": f.justification or ""}]
        if with_baseline:
            res["baselineState"] = "new"
        return res

    def _invocation(self, result: ScanResult) -> dict[str, Any]:
        inv: dict[str, Any] = {"executionSuccessful": not result.errors}
        notes = []
        for level, items in (("error", result.errors), ("warning", result.warnings)):
            for e in sorted(items, key=lambda e: (e.source, e.where, e.message)):
                m = re.match(r"line (\d+)", e.where or "")
                region = {"startLine": int(m.group(1))} if m else None
                where = f" ({e.where})" if e.where else ""
                text = f"cannot read {e.source}{where}: {e.message}" if level == "error" else f"{e.source}{where}: {e.message}"
                notes.append({"level": level, "message": {"text": text}, "locations": [_location(e.source, region)],
                              "properties": {"kind": "read-" + level}})
        for r in result.inventory:  # inputs left out on purpose: said, so that coverage can be checked
            if r.status == "skipped":
                notes.append({"level": "note", "message": {"text": f"skipped {r.source}: {r.reason}"},
                              "locations": [_location(r.source, None)], "properties": {"kind": "input-skipped"}})
        if notes:
            inv["toolExecutionNotifications"] = notes
        return inv
