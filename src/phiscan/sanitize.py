"""Text every later stage can handle: the one place odd code points are made safe before detection.

JSON allows escapes that name half of a UTF-16 surrogate pair (`"\\ud83d"`), and Python keeps such a lone
surrogate in a `str`. It cannot be encoded as UTF-8, so spaCy's tokenizer and every report writer would fail
on it. The engine passes every post through `sanitize_post` before detection: each lone surrogate becomes
U+FFFD (the replacement character). One code point replaces one, so every offset into the text stays valid.
"""
from __future__ import annotations

import re
from dataclasses import fields, replace
from typing import Any

from .model import Media, Post

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD; the same object when there is none."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(REPLACEMENT, text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, tuple):
        items = tuple(_clean(v) for v in value)
        return value if all(a is b for a, b in zip(items, value)) else items
    if isinstance(value, Media):
        return _clean_dataclass(value)
    return value


def _clean_dataclass(obj: Any) -> Any:
    changes = {}
    for f in fields(obj):
        old = getattr(obj, f.name)
        new = _clean(old)
        if new is not old:
            changes[f.name] = new
    return replace(obj, **changes) if changes else obj


def sanitize_post(post: Post) -> Post:
    """The post with lone surrogates replaced in every text and metadata string; the same object when clean."""
    return _clean_dataclass(post)


def is_blank(text: str) -> bool:
    """No character to read: empty, or only spaces, line breaks and invisible format characters (a draft or a
    form that is blank: `phiscan check` and the web page refuse it rather than pass it as clean)."""
    return re.fullmatch(r"[\s\u200b-\u200d\u2060\ufeff]*", text) is not None
