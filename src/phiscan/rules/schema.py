"""JSON Schemas for rule and policy pack files. Errors name the file and the key path."""
from __future__ import annotations

CONDITION = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "near": {"type": "array", "items": {"type": "string"}},
        "not_near": {"type": "array", "items": {"type": "string"}},
        "window": {"oneOf": [{"enum": ["sentence", "clause", "context", "post"]}, {"type": "integer", "minimum": 1}]},
        "post_has": {"type": "array", "items": {"type": "string"}},
        "post_lacks": {"type": "array", "items": {"type": "string"}},
        "attr": {"type": "object"},
        "before": {"type": "string"},
        "after": {"type": "string"},
        "account": {"enum": ["official", "staff"]},
        "profile": {"type": "array", "items": {"enum": ["staff", "org", "phone", "domain", "account", "place"]}},
        "identifiable": {"type": "boolean"},
        "reply_author": {"type": "boolean"},
        # every capitalized word of the span is a first name or surname of the name lexicon
        "known_name": {"type": "boolean"},
        # the span holds at least this many words ("on the" between two identifiers is no description)
        "min_words": {"type": "integer", "minimum": 1},
        # the learned judgment (phiscan.classify)
        "care": {"type": "boolean"},
        "care_near": {"type": "boolean"},
        "alone": {"type": "boolean"},
        "dated": {"type": "boolean"},
        "language": {"enum": ["trained", "untrained"]},
        "tied": {"enum": ["low", "medium", "high"]},
        "untied": {"enum": ["low", "medium", "high"]},
        # who the person or handle is (phiscan.classify.roles)
        "role": {"type": "array", "items": {"enum": ["patient", "relative", "staff", "public_figure", "other"]}},
        "any": {"type": "array", "items": {"$ref": "#/$defs/condition"}},
    },
}

RULE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {"condition": CONDITION},
    "type": "object",
    "additionalProperties": False,
    "required": ["code", "name", "title", "message", "severity", "docs", "cases"],
    "properties": {
        "code": {"type": "string", "pattern": "^[A-Z]{2,6}[0-9]{3}$"},
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
        "title": {"type": "string", "minLength": 3},
        "message": {"type": "string", "minLength": 3},
        # span: judges detector spans; composite: combines signals; reply: replies that confirm a patient;
        # suppression: made by the engine from inline `phiscan: ignore[...]` directives that are invalid
        "type": {"enum": ["span", "composite", "reply", "suppression"]},
        "phase": {"enum": [1, 2, 3]},
        "entities": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "severity": {"enum": ["high", "medium", "low"]},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "levels": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["severity"],
                "properties": {
                    "when": {"$ref": "#/$defs/condition"},
                    "severity": {"enum": ["high", "medium", "low", "drop"]},
                    "why": {"type": "string"},
                },
            },
        },
        "composite": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "signals": {"type": "array", "items": {"type": "string"}},
                "anchors": {"type": "array", "items": {"type": "string"}},
                "cue_signals": {"type": "array", "items": {"type": "string"}},
                "min_signals": {"type": "integer", "minimum": 1},
                "min_anchors": {"type": "integer", "minimum": 0},
                "requires": {"$ref": "#/$defs/condition"},
                # reply rules: a condition each addressed span must meet
                "each": {"$ref": "#/$defs/condition"},
                # composite rules: a signal counts only where its condition holds ({description: {tied: high}})
                "signal_when": {"type": "object", "additionalProperties": {"$ref": "#/$defs/condition"}},
                "report_cue": {"type": "string"},
            },
        },
        "docs": {
            "type": "object",
            "additionalProperties": False,
            "required": ["what", "why", "example", "instead"],
            "properties": {k: {"type": "string", "minLength": 3} for k in ("what", "why", "example", "instead")},
        },
        "cases": {
            "type": "array",
            "minItems": 2,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["text", "expect"],
                "properties": {
                    "text": {"type": "string"},
                    "created_at": {"type": "string"},
                    "reply_to_author": {"type": "string"},
                    "account": {"enum": ["official", "staff"]},
                    "expect": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["span", "severity"],
                            "properties": {
                                "span": {"type": "string"},
                                "severity": {"enum": ["high", "medium", "low"]},
                                "disclosed": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
}

PACK = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["pack", "title", "references"],
    "properties": {
        "pack": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "source": {"type": "string"},
        "clauses": {"type": "object", "additionalProperties": {"type": "string"}},
        "references": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
    },
}

PROFILE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "organization": {"type": "string"},
        "names": {"type": "array", "items": {"type": "string"}},
        "places": {"type": "array", "items": {"type": "string"}},
        "phones": {"type": "array", "items": {"type": "string"}},
        "domains": {"type": "array", "items": {"type": "string"}},
        "accounts": {"type": "array", "items": {"type": "string"}},
        "staff": {"type": "array", "items": {"type": "string"}},
        "spokespeople": {"type": "array", "items": {"type": "string"}},
    },
}
