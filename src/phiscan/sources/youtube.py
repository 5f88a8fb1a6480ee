"""Google Takeout, YouTube part (`Takeout/YouTube and YouTube Music/…`): the channel's comments and videos.

Format facts relied on (see FORMATS.md):
- `comments/comments.csv`: `Comment ID, Channel ID, Comment Create Timestamp, Price, Parent Comment ID, Video ID,
  Comment Text`. Order and case changed around mid-2024 (newer files also add columns such as `Post ID`), so
  columns are found by name, case-insensitively. `Comment Text` is several JSON objects joined by commas
  (`{"text":"…"},{"text":"…"}`), possibly with raw newlines inside the strings; older Takeouts hold
  `{"takeoutSegments":[…]}` in the same column, the oldest plain text. The segments are parsed as
  `json.loads("[" + s + "]", strict=False)` (strict=False accepts the raw newlines, like the
  `s.replace("\\n", "\\\\n")` trick, and also newlines between the objects) and their `text` parts joined.
  A cell that looks like JSON but does not parse is scanned as it is, with a ReadError saying so.
- Live chat messages of the channel (`live chats/live chats.csv`: `Live Chat ID`, `Live Chat Text`, …) have the
  same shape (unverified) and are read the same way.
- `video metadata/videos.csv`: `Video Title (Original)`, `Video Description (Original)`, `Video Create
  Timestamp` (also `Video ID`, `Channel ID` when present). Text = title, a blank line, description: one text, so
  that a name in the title and a care word in the description are seen together.
- Older Takeouts have HTML pages `my-comments/my-comments.html` (and `my-live-chat-messages/…`, unverified): one
  `<li>` per comment, `Sent at YYYY-MM-DD HH:MM:SS UTC while watching <a href=…>…</a>.<br/>` then the comment.
- Only the channel's own comments are exported. `account` is the `Channel ID` (the export names no handle).
- Every other file under a `YouTube and YouTube Music/` folder (history, subscriptions, playlists, channel
  settings) holds no posts of the channel: claimed, not read.
"""
from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

from ..model import Post, ReadError
from .base import Entry, Item, LoadOptions, Tree, iter_csv_records, read_csv_header, read_entry_text
from .generic import parse_time

PLATFORM = "youtube"
TAKEOUT_FOLDER = "/youtube and youtube music/"
COMMENT_ID = ("comment id", "live chat id")
COMMENT_TEXT = ("comment text", "live chat text")
COMMENT_TIME = ("comment create timestamp", "live chat create timestamp")
VIDEO_TITLE = ("video title (original)", "video title")
VIDEO_DESCRIPTION = ("video description (original)", "video description")
VIDEO_TIME = ("video create timestamp", "video publish timestamp")
HTML_PAGES = ("my-comments", "my-live-chat-messages")
_HTML_TIME = re.compile(r"(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})")


def head_columns(entry: Entry) -> list[str]:
    """The header row of a CSV entry, lower-cased and stripped (reads only the first bytes)."""
    text = entry.head(4096).decode("utf-8", errors="replace").lstrip("\ufeff")
    first = text.split("\n", 1)[0].rstrip("\r")
    try:
        return [c.strip().lower() for c in next(csv.reader([first]), [])]
    except csv.Error:
        return []


def file_kind(entry: Entry) -> str | None:
    """'comments', 'videos', 'html' (comment pages) or None."""
    if entry.suffix == ".csv":
        cols = set(head_columns(entry))
        if cols & set(COMMENT_TEXT) and cols & set(COMMENT_ID):
            return "comments"
        if cols & set(VIDEO_TITLE + VIDEO_DESCRIPTION):
            return "videos"
    elif entry.suffix in (".html", ".htm"):
        parts = entry.name.lower().split("/")
        if any(p.startswith(HTML_PAGES) for p in parts):
            return "html"
    return None


def _in_takeout(tree: Tree, e: Entry) -> bool:
    """Whether the entry lies under a `YouTube and YouTube Music/` folder (inside the tree or above it)."""
    return TAKEOUT_FOLDER in f"/{tree.display}/{e.name}".replace("\\", "/").lower()


def comment_text(cell: str) -> str:
    """The text of a `Comment Text` cell: joined JSON segments (both shapes), or the cell itself if plain.

    Raises ValueError when the cell looks like JSON segments but does not parse.
    """
    s = cell.replace("\r\n", "\n")
    if not s.lstrip().startswith("{"):
        return s
    try:
        segments = json.loads("[" + s + "]", strict=False)
    except (json.JSONDecodeError, RecursionError):
        raise ValueError("Comment Text is not valid JSON segments") from None
    if len(segments) == 1 and isinstance(segments[0], dict) and "takeoutSegments" in segments[0]:
        segments = segments[0]["takeoutSegments"]
    if not isinstance(segments, list):
        raise ValueError("Comment Text segments are not a list")
    return "".join(seg["text"] for seg in segments if isinstance(seg, dict) and isinstance(seg.get("text"), str))


class _Columns:
    """Looks up cells of a row by column name (case-insensitive, first name found wins)."""

    def __init__(self, header: list[str]):
        self.header = [h.strip().lower() for h in header]
        self.pos = {h: i for i, h in reversed(list(enumerate(self.header)))}

    def has(self, names: tuple[str, ...]) -> bool:
        return any(n in self.pos for n in names)

    def get(self, row: list[str], *names: str, raw: bool = False) -> str | None:
        """The first non-blank cell among `names`; stripped unless `raw` (texts keep their spacing)."""
        for n in names:
            i = self.pos.get(n)
            if i is not None and i < len(row) and row[i].strip():
                return row[i] if raw else row[i].strip()
        return None


def _video_url(video_id: str | None, post_id: str | None = None, comment_id: str | None = None) -> str | None:
    lc = f"&lc={comment_id}" if comment_id else ""
    if video_id:
        return f"https://www.youtube.com/watch?v={video_id}{lc}"
    if post_id:
        return f"https://www.youtube.com/post/{post_id}" + (f"?lc={comment_id}" if comment_id else "")
    return None


class YouTubeLoader:
    name = "youtube"
    description = "Google Takeout YouTube: comments.csv (both layouts), live chats, videos.csv, my-comments HTML"

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]:
        out = []
        for e in entries:
            if forced and (tree.single_file or e.suffix in (".csv", ".html", ".htm")):
                out.append(e)
            elif file_kind(e) or _in_takeout(tree, e):
                out.append(e)
        return out

    def load(self, tree: Tree, entries: list[Entry], options: LoadOptions) -> Iterator[Item]:
        for e in entries:
            kind = file_kind(e)
            if kind is None:
                if _in_takeout(tree, e):
                    continue  # a Takeout file without posts (history, subscriptions, ...)
                kind = "html" if e.suffix in (".html", ".htm") else "comments"  # forced: --input-format youtube
            text = read_entry_text(e, options)
            if isinstance(text, ReadError):
                yield text
                continue
            if kind == "html":
                yield from _load_html(e, text)
            else:
                yield from _load_csv(e, text, kind)


def _load_csv(e: Entry, text: str, kind: str) -> Iterator[Item]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = read_csv_header(reader, e.display)
    if isinstance(header, ReadError):
        yield header
        return
    cols = _Columns(header)
    wanted = COMMENT_TEXT if kind == "comments" else VIDEO_TITLE + VIDEO_DESCRIPTION
    if not cols.has(wanted):
        yield ReadError(e.display, "line 1", f"no {' or '.join(wanted)} column; columns are: {', '.join(h for h in cols.header if h)}")
        return
    convert = _comment_post if kind == "comments" else _video_post
    for rec in iter_csv_records(reader, e.display, text=text):
        if isinstance(rec, ReadError):
            yield rec
            continue
        index, line, row = rec
        try:
            yield from convert(cols, row, e, index, line)
        except Exception as exc:  # one bad row loses only itself
            yield ReadError(e.display, f"line {line}", f"cannot read row: {exc.__class__.__name__}; row skipped")


def _comment_post(cols: _Columns, row: list[str], e: Entry, index: int, line: int) -> Iterator[Item]:
    cell = cols.get(row, *COMMENT_TEXT, raw=True)
    if cell is None:
        return
    try:
        body = comment_text(cell)
    except ValueError as exc:
        yield ReadError(e.display, f"line {line}", f"{exc}; cell scanned as it is")
        body = cell
    if not body.strip():
        return
    cid = cols.get(row, *COMMENT_ID)
    parent = cols.get(row, "parent comment id")
    channel = cols.get(row, "channel id")
    yield Post(
        id=cid or f"{e.name}#{index}",
        text=body,
        platform=PLATFORM,
        account=channel,
        kind="reply" if parent else "comment",
        url=_video_url(cols.get(row, "video id"), cols.get(row, "post id"), cid),
        created_at=parse_time(cols.get(row, *COMMENT_TIME)),
        author=channel,
        in_reply_to=parent,
        source=e.display,
        index=index,
        line=line,
    )


def _video_post(cols: _Columns, row: list[str], e: Entry, index: int, line: int) -> Iterator[Item]:
    title = cols.get(row, *VIDEO_TITLE, raw=True) or ""
    description = (cols.get(row, *VIDEO_DESCRIPTION, raw=True) or "").replace("\r\n", "\n")
    body = "\n\n".join(p for p in (title.strip(), description.strip()) if p)
    if not body:
        return
    vid = cols.get(row, "video id")
    channel = cols.get(row, "channel id")
    yield Post(
        id=vid or f"{e.name}#{index}",
        text=body,
        platform=PLATFORM,
        account=channel,
        kind="post",
        url=_video_url(vid),
        created_at=parse_time(cols.get(row, *VIDEO_TIME)),
        author=channel,
        source=e.display,
        index=index,
        line=line,
    )


class _CommentPage(HTMLParser):
    """Splits a my-comments page into <li> items: header (time, links) before the first <br>, comment after."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, str, list[str], int]] = []  # (header, body, hrefs, line)
        self._cur: tuple[list[str], list[str], list[str], int] | None = None
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li":
            self._finish()
            self._cur, self._in_body = ([], [], [], self.getpos()[0]), False
        elif self._cur is not None:
            if tag == "br":
                if self._in_body:
                    self._cur[1].append("\n")
                self._in_body = True
            elif tag == "a":
                href = dict(attrs).get("href")
                if href:
                    self._cur[2].append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("li", "ul", "ol", "body"):
            self._finish()

    def handle_data(self, data: str) -> None:
        if self._cur is not None:
            self._cur[1 if self._in_body else 0].append(data)

    def _finish(self) -> None:
        if self._cur is not None:
            head, body, hrefs, line = self._cur
            self.items.append(("".join(head), "".join(body), hrefs, line))
            self._cur = None

    def close(self) -> None:
        super().close()
        self._finish()


def _load_html(e: Entry, text: str) -> Iterator[Item]:
    page = _CommentPage()
    try:
        page.feed(text)
        page.close()
    except Exception as exc:  # html.parser is lenient; keep whatever items were read
        yield ReadError(e.display, f"line {page.getpos()[0]}", f"cannot parse HTML: {exc.__class__.__name__}; rest of page skipped")
        page._finish()
    for index, (head, body, hrefs, line) in enumerate(page.items):
        try:
            comment = (body if body.strip() else head).strip()
            if not comment:
                continue
            url = next((h for h in hrefs if "lc=" in h), None) or next((h for h in hrefs if "watch?v=" in h), None)
            lc = parse_qs(urlsplit(url).query).get("lc", [None])[0] if url else None
            when = _HTML_TIME.search(head)
            yield Post(
                id=lc or f"{e.name}#{index}",
                text=comment,
                platform=PLATFORM,
                kind="comment",
                url=url,
                created_at=parse_time(when.group(1)) if when else None,
                source=e.display,
                index=index,
                line=line,
            )
        except Exception as exc:
            yield ReadError(e.display, f"line {line}", f"cannot read comment: {exc.__class__.__name__}; item skipped")


LOADERS = [YouTubeLoader()]
