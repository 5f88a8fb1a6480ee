"""A role play: the trainee writes a post or reply, phiscan checks it as the check page does. It passes when
no open finding is medium or high. The text is checked in memory and never kept."""
from __future__ import annotations

from typing import Any

PASS_SEVERITIES = ("medium", "high")


def failing(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings that fail a role play: open, medium or high."""
    return [f for f in doc["findings"] if f.get("status", "open") == "open" and f["severity"] in PASS_SEVERITIES]


def check_reply(checker, case, text: str) -> tuple[bool, dict[str, Any]]:
    """(passed, the check document) for the trainee's `text` in role play `case`. Raises drafts.BadInput for
    an empty or over-long text."""
    from ..drafts import CheckInput

    doc = checker.check(CheckInput(text, case.platform, case.created_at, case.reply_to, None))
    return not failing(doc), doc
