"""Helpers of the vendor CSV loaders (content queues in scheduler.py, listening exports in listening.py): the
encoding and header sniffing of a file's first bytes, and vendors' network names as phiscan's platforms."""
from __future__ import annotations

import codecs
import csv
import io
from urllib.parse import urlparse

from .base import Entry

_PLATFORMS = {
    "twitter": "x", "x": "x", "x/twitter": "x", "twitter/x": "x", "facebook": "facebook", "fb": "facebook",
    "instagram": "instagram", "ig": "instagram", "threads": "threads", "linkedin": "linkedin",
    "mastodon": "mastodon", "youtube": "youtube", "tiktok": "tiktok", "bluesky": "bluesky",
    "pinterest": "pinterest", "reddit": "reddit", "telegram": "telegram", "google": "google",
    "gmb": "google", "google business": "google", "google business profile": "google",
}
_HOSTS = {
    "twitter.com": "x", "x.com": "x", "facebook.com": "facebook", "fb.com": "facebook",
    "instagram.com": "instagram", "threads.net": "threads", "threads.com": "threads",
    "linkedin.com": "linkedin", "youtube.com": "youtube", "youtu.be": "youtube", "tiktok.com": "tiktok",
    "bsky.app": "bluesky", "reddit.com": "reddit", "pinterest.com": "pinterest",
}


def normalize_platform(name: str | None) -> str | None:
    """A network name as written by a vendor ("Twitter", "LinkedIn") as phiscan's platform ("x", "linkedin").

    Names that are not a known social network (a news outlet, "Web") give None.
    """
    if not name:
        return None
    return _PLATFORMS.get(name.strip().lower())


def platform_from_url(url: str | None) -> str | None:
    """The platform a post URL belongs to, by host name; None for other sites."""
    if not url:
        return None
    try:
        host = (urlparse(url.strip()).hostname or "").lower()
    except ValueError:
        return None
    for prefix in ("www.", "m.", "mobile."):
        if host.startswith(prefix):
            host = host[len(prefix):]
    return _HOSTS.get(host)


def sniff_encoding(head: bytes, chosen: str | None = None) -> tuple[str, int]:
    """(codec, BOM length) of a file from its first bytes: the BOM first (UTF-8, UTF-16 LE/BE), then UTF-16
    without a BOM recognised by NUL bytes in every other position, then `chosen` (--encoding), then UTF-8."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    if chosen:
        return chosen, 0
    sample = head[:200]
    if len(sample) >= 8 and b"\x00" in sample:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if even == 0 and odd > len(sample) // 4:
            return "utf-16-le", 0
        if odd == 0 and even > len(sample) // 4:
            return "utf-16-be", 0
    return "utf-8", 0


def head_text(entry: Entry, n: int = 8192) -> str:
    """The first bytes of an entry as text, for sniffing only: encoding by `sniff_encoding`, bad bytes replaced."""
    raw = entry.head(n)
    encoding, bom = sniff_encoding(raw)
    raw = raw[bom:]
    if encoding.startswith("utf-16"):
        raw = raw[: len(raw) - len(raw) % 2]
    return raw.decode(encoding, "replace")


def delimiter_of(header_line: str) -> str:
    """The delimiter of a header line: the most frequent of tab, comma and semicolon (comma on a tie)."""
    counts = {d: header_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best


def first_record(text: str, delimiter: str = ",") -> list[str] | None:
    """The first CSV record of `text` (a file's head), or None when there is none or it does not parse."""
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if row and any(c.strip() for c in row):
                return row
    except csv.Error:
        return None
    return None
