"""One draft checked, as `phiscan check --format json` prints it and `POST /api/check` returns it.

The CLI's `check` and the web page's checker both build the document here, so the two cannot drift apart:
`scan_draft` runs the engine over the one post, `check_document` assembles the JSON document (the JSON report,
the clock the relative dates were resolved against, and the safer rewrite unless evidence is masked)."""
from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config
    from .model import Post, ScanResult

_BLANK = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]*")


def now() -> datetime:
    """The local time, aware: what a draft's relative dates are resolved against when no time is given."""
    return datetime.now().astimezone().replace(microsecond=0)


def blank(text: str) -> bool:
    """No character to read: empty, or only spaces, line breaks and invisible format characters."""
    return _BLANK.fullmatch(text) is not None


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


def severity_range(rule) -> str:
    """'severity up to high; low, medium or high by context': what the rule's ladder can really give, not its
    `severity` field."""
    sevs = [str(s) for s in rule.severities]
    if len(sevs) < 2:
        return f"severity {rule.max_severity}"
    return f"severity up to {rule.max_severity}; {', '.join(sevs[:-1])} or {sevs[-1]} by context"
