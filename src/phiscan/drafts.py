"""One draft checked, as `phiscan check --format json` prints it and `POST /api/check` returns it.

The CLI's `check` and the web page's checker both build the document here, so the two cannot drift apart:
`scan_draft` runs the engine over the one post, `check_document` assembles the JSON document (the JSON report,
the clock the relative dates were resolved against, and the safer rewrite unless evidence is masked)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config
    from .model import Post, ScanResult

CSRF_COOKIE = "phiscan_csrf"  # the web page's CSRF cookie (web.app and the training pages read it)


class BadInput(ValueError):
    """A field of a check request is wrong; the message names the field, never quotes the text."""


@dataclass
class CheckInput:
    """A draft to check, as the web page and a role play give it (post time and reply as typed)."""

    text: str
    platform: str | None
    created_at: str | None
    reply_to: str | None
    account_type: str | None


def scan_draft(engine, post: "Post") -> "ScanResult":
    """The engine's findings on one draft, as a result of one source."""
    from .model import ScanResult

    result = ScanResult(sources=1)
    for p, fs in engine.scan([post]):
        result.add(p, fs)
    return result


def check_document(result: "ScanResult", engine, cfg: "Config", text: str, when: datetime,
                   when_given: bool) -> dict[str, Any]:
    """The document of `phiscan check --format json`: version, tool, the clock ("check"), the JSON report's
    keys, and "rewrite" (the safer rewrite; None with --redact, since it quotes the post, or with no finding
    in the text). `when_given`: the time came from the caller (--created-at), not from the clock."""
    import io
    import json

    from .masking import mask_date
    from .reporters import get_reporter

    buf = io.StringIO()
    get_reporter("json").render(result, engine.rules, buf, redact=bool(cfg.redact), fail_on=cfg.fail_on)
    doc = json.loads(buf.getvalue())
    clock = {"created_at": mask_date(when.date().isoformat()) if cfg.redact else when.isoformat(),
             "created_at_from": "--created-at" if when_given else "now"}
    doc = {"version": doc.pop("version"), "tool": doc.pop("tool"), "check": clock, **doc}
    findings = list(result.findings)
    if not cfg.redact and any(f.field == "text" for f in findings):
        from .rewrite import suggest_rewrite

        doc["rewrite"] = suggest_rewrite(text, findings)
    else:
        doc["rewrite"] = None
    return doc


def segments(text: str, findings: list[dict]) -> list[dict]:
    """The post cut where findings start and end: each piece with the findings over it (for <mark>)."""
    spans = [f for f in findings if f.get("field") == "text" and 0 <= f["start"] < f["end"] <= len(text)]
    cuts = sorted({0, len(text), *(f["start"] for f in spans), *(f["end"] for f in spans)})
    order = {"low": 1, "medium": 2, "high": 3}
    out = []
    for a, b in zip(cuts, cuts[1:]):
        over = [f for f in spans if f["start"] <= a and b <= f["end"]]
        sev = max((f["severity"] for f in over), key=lambda s: order.get(s, 0)) if over else None
        out.append({"text": text[a:b], "rules": " ".join(dict.fromkeys(f["rule"] for f in over)), "severity": sev})
    return out
