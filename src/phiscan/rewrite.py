"""A safer rewrite of a post: identifiers replaced by placeholders, with presidio-anonymizer."""
from __future__ import annotations

from .model import Finding, Severity

PLACEHOLDER = {
    "PERSON": "<NAME>", "HASHTAG": "<NAME HASHTAG>", "HANDLE": "<HANDLE>", "DATE": "<DATE>", "AGE": "<AGE 90+>",
    "ROOM": "<ROOM>", "MRN": "<RECORD NUMBER>", "ID": "<ID NUMBER>", "PHONE": "<PHONE>", "EMAIL": "<EMAIL>",
    "URL": "<LINK>", "IP_ADDRESS": "<IP ADDRESS>", "LOCATION": "<PLACE>", "ZIP": "<ZIP>", "QUASI": "<DETAIL>", "DESCRIPTION": "<DETAIL>", "FACILITY": "<FACILITY>",
}


def suggest_rewrite(text: str, findings: list[Finding], minimum: Severity = Severity.MEDIUM) -> str:
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    results = []
    for f in findings:
        if f.field != "text" or f.severity < minimum:
            continue
        ent = f.entity or "PHI"
        results.append(RecognizerResult(entity_type=ent, start=f.start, end=f.end, score=float(f.confidence)))
    if not results:
        return text
    operators = {e: OperatorConfig("replace", {"new_value": v}) for e, v in PLACEHOLDER.items()}
    operators["DEFAULT"] = OperatorConfig("replace", {"new_value": "<PHI>"})
    return AnonymizerEngine().anonymize(text=text, analyzer_results=results, operators=operators).text
