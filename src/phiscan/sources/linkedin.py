"""LinkedIn "Get a copy of your data" export: CSV files at the root of the archive.

Format facts relied on (see FORMATS.md):
- `Shares.csv` (possibly `Shares_<id>.csv`, unverified; any name works, the file is recognised by its header):
  header `Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility`; any column may be missing, so columns
  are found by name. `Date` is `YYYY-MM-DD HH:MM:SS` in UTC. `ShareCommentary` wraps each line of the post in
  doubled quotes: after the csv module the value reads `"line one"`, newline, `"line two with ""quotes"" inside"`,
  so the outer quotes are dropped, then `"\\n"` -> newline and `""` -> `"`. `ShareLink` (the post's URL) ends in
  the share's URN (`urn%3Ali%3Ashare%3A…`), used as the id.
- `Comments.csv`: `Date,Link,Message`; quotes inside a message are backslash-escaped (`\\"`), so the file is read
  with `csv.reader(..., escapechar="\\\\")`; a plain reader splits such rows at the wrong commas. `Link` is the post
  commented on (parent and URL of the comment); the comment itself has no id (made up from file and row).
- The export names no handle of the account, so `account` stays empty.
- Other files of the export hold no posts (profile, connections, reactions, ...): they are claimed, not read,
  when the tree holds a LinkedIn Shares or Comments file. That list of names is from memory (unverified).
"""
from __future__ import annotations

import csv
import io
import re
from typing import Iterator
from urllib.parse import unquote

from ..model import Media, Post, ReadError, read_warning
from .base import Entry, Item, LoadOptions, Tree, iter_csv_records, read_csv_header, read_entry_text
from .generic import parse_time

PLATFORM = "linkedin"

COMMENTS_NAME = re.compile(r"^comments(?:_[^/]*)?\.csv$", re.IGNORECASE)
SHARES_COLUMNS = {"sharecommentary", "sharelink"}
COMMENTS_COLUMNS = {"date", "link", "message"}

# Files of a LinkedIn export that carry no posts of the account (unverified list of names).
NO_POST_FILES = {
    "profile.csv", "connections.csv", "reactions.csv", "email addresses.csv", "phonenumbers.csv",
    "registration.csv", "positions.csv", "education.csv", "skills.csv", "languages.csv",
    "company follows.csv", "member_follows.csv", "ad_targeting.csv", "inferences_about_you.csv",
    "searchqueries.csv", "endorsement_received_info.csv", "endorsement_given_info.csv", "logins.csv",
    "hashtag_follows.csv", "votes.csv", "certifications.csv", "honors.csv", "courses.csv", "projects.csv",
}


def head_columns(entry: Entry) -> list[str]:
    """The header row of a CSV entry, lower-cased and stripped (cheap: reads only the first bytes)."""
    raw = entry.head(4096)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16", errors="replace")
    else:
        text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    first = text.split("\n", 1)[0].rstrip("\r")
    try:
        row = next(csv.reader([first]), [])
    except csv.Error:
        return []
    return [c.strip().lower() for c in row]


def file_kind(entry: Entry, forced: bool = False) -> str | None:
    """'shares', 'comments' or None, from the file name and header."""
    cols = set(head_columns(entry))
    if cols & SHARES_COLUMNS:
        return "shares"
    if COMMENTS_NAME.match(entry.basename) and "message" in cols and cols & {"date", "link"}:
        return "comments"
    if forced:
        return "comments" if "message" in cols else "shares"
    return None


def unwrap_commentary(value: str) -> str:
    """Undo the doubled-quote line wrapping of `ShareCommentary` (applied after the csv module)."""
    s = value.replace("\r\n", "\n")
    if len(s) >= 2 and s.startswith('"') and s.endswith('"'):
        s = s[1:-1]
    return s.replace('"\n"', "\n").replace('""', '"')


def share_id(link: str | None) -> str | None:
    """The URN at the end of a ShareLink (`…/feed/update/urn%3Ali%3Ashare%3A123` -> `urn:li:share:123`)."""
    if not link:
        return None
    tail = unquote(link.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])
    return tail if tail.startswith("urn:li:") else None


class LinkedInLoader:
    name = "linkedin"
    description = "LinkedIn data export: Shares.csv (posts) and Comments.csv (comments), folder or .zip"

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]:
        if forced:
            return [e for e in entries if tree.single_file or e.suffix == ".csv"]
        found = [e for e in entries if e.suffix == ".csv" and file_kind(e)]
        if found:  # a LinkedIn export: its files without posts belong to it too
            found += [e for e in entries if e.basename.lower() in NO_POST_FILES]
        return found

    def load(self, tree: Tree, entries: list[Entry], options: LoadOptions) -> Iterator[Item]:
        for e in entries:
            if e.basename.lower() in NO_POST_FILES:
                continue
            kind = file_kind(e, forced=True)
            text = read_entry_text(e, options)
            if isinstance(text, ReadError):
                yield text
                continue
            yield from self._load_csv(e, text, kind == "comments")

    def _load_csv(self, e: Entry, text: str, comments: bool) -> Iterator[Item]:
        """Rows of Shares.csv (comments=False) or Comments.csv (comments=True) as posts."""
        fmt = {"escapechar": "\\"} if comments else {}
        reader = csv.reader(io.StringIO(text, newline=""), **fmt)
        first = read_csv_header(reader, e.display)
        if isinstance(first, ReadError):
            yield first
            return
        header = [h.strip().lower() for h in first]
        text_col = "message" if comments else "sharecommentary"
        if text_col not in header:
            yield ReadError(e.display, "line 1", f"no {'Message' if comments else 'ShareCommentary'} column; columns are: {', '.join(h for h in header if h)}")
            return
        for item in iter_csv_records(reader, e.display, text=text, backslash_escapes=comments):
            if isinstance(item, ReadError):
                yield item
                continue
            index, line, row = item
            if len(row) > len(header):
                yield ReadError(e.display, f"line {line}", f"row has {len(row)} fields, header has {len(header)}; row scanned as far as it goes")
            rec = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}
            try:
                post = (_comment_post if comments else _share_post)(rec, e, index, line)
                if post is not None:
                    if rec.get("date", "").strip() and post.created_at is None:
                        yield read_warning(e.display, f"line {line}", "unreadable Date value; post scanned without a date")
                    yield post
            except Exception as exc:  # one bad row loses only itself
                yield ReadError(e.display, f"line {line}", f"cannot read row: {exc.__class__.__name__}; row skipped")


def _share_post(rec: dict[str, str], e: Entry, index: int, line: int) -> Post | None:
    body = unwrap_commentary(rec.get("sharecommentary", ""))
    link = rec.get("sharelink", "").strip() or None
    shared = rec.get("sharedurl", "").strip()
    media_url = rec.get("mediaurl", "").strip()
    fields = (("shared_url", shared),) if shared else ()
    if not body.strip() and not fields:
        return None  # a reshare without commentary: no text of the account
    return Post(
        id=share_id(link) or f"{e.name}#{index}",
        text=body,
        platform=PLATFORM,
        kind="post",
        url=link,
        created_at=parse_time(rec.get("date", "").strip()),
        media=(Media(uri=media_url),) if media_url else (),
        fields=fields,
        source=e.display,
        index=index,
        line=line,
    )


def _comment_post(rec: dict[str, str], e: Entry, index: int, line: int) -> Post | None:
    body = rec.get("message", "").replace("\r\n", "\n")
    if not body.strip():
        return None
    link = rec.get("link", "").strip() or None
    return Post(
        id=f"{e.name}#{index}",
        text=body,
        platform=PLATFORM,
        kind="comment",
        url=link,
        created_at=parse_time(rec.get("date", "").strip()),
        in_reply_to=link,
        source=e.display,
        index=index,
        line=line,
    )


LOADERS = [LinkedInLoader()]
