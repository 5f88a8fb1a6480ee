"""Content queues: bulk-scheduling CSVs of posts that are not published yet (kind "scheduled").

Formats (see FORMATS.md, "Content queues"):

- Hootsuite bulk composer: no header; column A the date-time `MM/DD/YYYY HH:mm` or `DD/MM/YYYY HH:mm`
  (24h; the user picks the order when uploading, the file does not say), B the message, C an optional link.
- Sprout Social bulk scheduling: header with `date,time_24hr,message_text` (case-sensitive), more optional
  columns; `date` is `dd/mm/yyyy` or `mm/dd/yyyy` (again an upload preference).
- Unverified, from vendor help pages only, supported defensively and recognised by their headers:
  Publer (`Date`, `Text`/`Message`, `Link(s)`, `Media URL(s)`, ...; dates `YYYY-MM-DD HH:MM`; the message
  holds photo captions after `||`), Ayrshare (`post, platforms, mediaUrls, scheduleDate`) and Oktopost
  (`Network, Message, LinkUrl, ...`).

Bulk files are small (vendors cap them at a few hundred rows), so each is read whole: the day/month order
is decided over the whole file before the first post is made. No queue names the time zone: times are
taken as UTC. Queues carry no post ids: ids are `<file>#<row index>`.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

from ..model import Media, Post, ReadError, read_warning
from .base import Entry, InputError, Item, LoadOptions, Tree, decode_text, iter_csv_records
from .generic import parse_time
from .tabular import delimiter_of, first_record, head_text, normalize_platform

# --------------------------------------------------------------------------------------------------------
# Helpers shared by the loaders of this module (the sniffing helpers are in tabular.py, shared with listening.py)
# --------------------------------------------------------------------------------------------------------


class Columns:
    """Case-insensitive access to a CSV row by header name, with fallbacks: `get(row, "link(s)", "link")`."""

    def __init__(self, headers: list[str]):
        self.headers = [h.strip().lstrip("\ufeff").strip() for h in headers]
        self._pos: dict[str, int] = {}
        for i, h in enumerate(self.headers):
            self._pos.setdefault(h.lower(), i)

    def has(self, *names: str) -> bool:
        return any(n.lower() in self._pos for n in names)

    def index(self, *names: str) -> int | None:
        for n in names:
            i = self._pos.get(n.lower())
            if i is not None:
                return i
        return None

    def get(self, row: list[str], *names: str) -> str:
        """The first non-empty cell among the named columns ("" when none)."""
        for n in names:
            i = self._pos.get(n.lower())
            if i is not None and i < len(row) and row[i].strip():
                return row[i]
        return ""


# --------------------------------------------------------------------------------------------------------
# Slash dates (Hootsuite, Sprout): day/month order decided over the whole file
# --------------------------------------------------------------------------------------------------------

_SLASH_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$")


def _slash_parts(value: str, need_time: bool) -> tuple[int, ...] | None:
    """(first, second, year, hour, minute, second) of `NN/NN/YYYY[ HH:mm[:ss]]`, or None."""
    m = _SLASH_DATE.match(value)
    if not m or (need_time and m.group(4) is None):
        return None
    return tuple(int(g) if g else 0 for g in m.groups())


def _plausible(parts: tuple[int, ...]) -> bool:
    a, b, _, hh, mm, ss = parts
    return 1 <= a <= 31 and 1 <= b <= 31 and (a <= 12 or b <= 12) and hh <= 23 and mm <= 59 and ss <= 59


@dataclass(frozen=True)
class DateOrder:
    """The day/month order of a file's slash dates. A value > 12 in the first number means DD/MM, in the
    second MM/DD; a file whose every date is ambiguous (both numbers <= 12) is read as MM/DD."""

    day_first: bool
    conflict: bool  # both orders have evidence: the file mixes them; read as MM/DD

    @classmethod
    def decide(cls, dates: Iterable[tuple[int, ...]]) -> "DateOrder":
        first_big = second_big = False
        for a, b, *_ in dates:
            first_big |= a > 12
            second_big |= b > 12
        return cls(day_first=first_big and not second_big, conflict=first_big and second_big)

    @property
    def label(self) -> str:
        return "DD/MM/YYYY" if self.day_first else "MM/DD/YYYY"

    def make(self, parts: tuple[int, ...]) -> datetime:
        """A UTC datetime from slash-date parts; ValueError when they are not a valid date in this order."""
        a, b, year, hh, mm, ss = parts
        day, month = (a, b) if self.day_first else (b, a)
        return datetime(year, month, day, hh, mm, ss, tzinfo=timezone.utc)


# --------------------------------------------------------------------------------------------------------
# Reading a whole queue file
# --------------------------------------------------------------------------------------------------------


@dataclass
class Row:
    line: int  # 1-based line where the record starts
    cells: list[str]


def read_rows(entry: Entry, options: LoadOptions, delimiter: str | None = ",") -> Iterator[Row | ReadError]:
    """Every non-blank record of a CSV file, read whole (queues are small). `delimiter=None`: chosen from
    the first line. A record the csv module rejects yields a ReadError and the next one is read."""
    try:
        text = decode_text(entry.read_bytes(), entry.display, options.encoding)
    except InputError as exc:
        yield exc.to_error()
        return
    if not text.strip():
        yield ReadError(entry.display, "", "empty file; nothing to scan")
        return
    if delimiter is None:
        delimiter = delimiter_of(text.lstrip("\r\n").split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    last = 0
    for item in iter_csv_records(reader, entry.display, noun="record"):
        if isinstance(item, ReadError):
            yield item
            continue
        _, line, cells = item
        last = line
        yield Row(line, cells)
    if text.count('"') % 2:  # well-formed CSV always has an even number of quote characters
        yield ReadError(entry.display, f"line {last}", "quoted field not closed before the end of the file "
                        "(truncated file or stray quote); record read as far as it goes")


def _scheduled(entry: Entry, index: int, line: int, text: str, **kw: Any) -> Post:
    """A scheduled post of a queue file: the id is `<file>#<index>` (queues carry no ids)."""
    return Post(id=f"{entry.name}#{index}", text=text, kind="scheduled", source=entry.display, index=index, line=line, **kw)


def _link_fields(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((k, v.strip()) for k, v in pairs if v and v.strip())


def _split_urls(value: str) -> list[str]:
    return [u.strip() for u in re.split(r"[,\s]+", value) if u.strip()]


def _has_content(post: Post) -> bool:
    return bool(post.texts()) or bool(post.media)


# --------------------------------------------------------------------------------------------------------
# Hootsuite
# --------------------------------------------------------------------------------------------------------


class HootsuiteLoader:
    """Hootsuite bulk composer CSV: no header; A date-time, B message, C optional link.

    Column A is `MM/DD/YYYY HH:mm` or `DD/MM/YYYY HH:mm` (24h). The order is decided over the whole file by
    a number > 12 in the first or the second position. When every date of the file is ambiguous (both
    numbers <= 12, e.g. 05/04/2025), the file is read as MM/DD without a warning;
    when the file holds evidence for both orders, a ReadError says so and it is read as MM/DD.
    Sniffed by content: no header, the first record's column A parses as such a date-time, at most 3 columns.
    A record with more than 3 fields (a message with unquoted commas) is read with column B onwards as the
    message (the last field as the link when it is a URL), and reported.
    """

    name = "hootsuite"
    description = "Hootsuite bulk composer CSV (no header: date-time MM/DD or DD/MM, message, link)"

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]:
        return [e for e in entries if forced or (e.suffix == ".csv" and self._sniff(e))]

    @staticmethod
    def _sniff(entry: Entry) -> bool:
        rec = first_record(head_text(entry))
        if rec is None or not 2 <= len(rec) <= 3:
            return False
        parts = _slash_parts(rec[0], need_time=True)
        return parts is not None and _plausible(parts)

    def load(self, tree: Tree, entries: list[Entry], options: LoadOptions) -> Iterator[Item]:
        for e in entries:
            yield from self._load_one(e, options)

    def _load_one(self, entry: Entry, options: LoadOptions) -> Iterator[Item]:
        rows: list[Row] = []
        for r in read_rows(entry, options):
            if isinstance(r, ReadError):
                yield r
            else:
                rows.append(r)
        if not rows:
            return
        parsed = [_slash_parts(r.cells[0], need_time=True) if r.cells else None for r in rows]
        order = DateOrder.decide(p for p in parsed if p is not None and _plausible(p))
        if order.conflict:
            yield read_warning(entry.display, "column A", "dates have values over 12 both as day and as month "
                            "(mixed MM/DD and DD/MM); read as MM/DD/YYYY, rows that do not fit have no date")
        for index, (row, parts) in enumerate(zip(rows, parsed)):
            try:
                yield from self._row(entry, index, row, parts, order)
            except (ValueError, TypeError, IndexError) as exc:
                yield ReadError(entry.display, f"line {row.line}", f"unreadable record ({exc.__class__.__name__}); skipped")

    @staticmethod
    def _row(entry: Entry, index: int, row: Row, parts: tuple[int, ...] | None, order: DateOrder) -> Iterator[Item]:
        cells = row.cells
        where = f"line {row.line}"
        created_at = None
        if parts is None:
            yield read_warning(entry.display, where, "column A is not a date-time (MM/DD/YYYY HH:mm or DD/MM/YYYY HH:mm); "
                            "message scanned without a date")
        else:
            try:
                created_at = order.make(parts)
            except ValueError:
                yield read_warning(entry.display, where, f"column A is not a valid {order.label} date; message scanned without a date")
        if len(cells) > 3:
            yield ReadError(entry.display, where, f"record has {len(cells)} fields, expected at most 3 (unquoted commas?); "
                            "columns B onwards read as the message")
            rest = cells[1:]
            link = rest.pop() if rest[-1].strip().lower().startswith(("http://", "https://")) else ""
            message = ",".join(rest)
        else:
            message = cells[1] if len(cells) > 1 else ""
            link = cells[2] if len(cells) > 2 else ""
        post = _scheduled(entry, index, row.line, message, created_at=created_at, fields=_link_fields(("link", link)))
        if _has_content(post):
            yield post


# --------------------------------------------------------------------------------------------------------
# Header-based queues
# --------------------------------------------------------------------------------------------------------


class _HeaderQueueLoader:
    """A queue CSV recognised by its header. Subclasses say which headers (`matches`) and turn a record into
    a post (`convert`); `prepare` may look at every record first (Sprout's date order). A record that fails
    to convert loses only itself."""

    name = ""
    description = ""
    requirement = ""  # for the error when a forced file has the wrong header

    def matches(self, cols: Columns) -> bool:
        raise NotImplementedError

    def prepare(self, entry: Entry, cols: Columns, rows: list[Row]) -> tuple[Any, list[ReadError]]:
        return None, []

    def convert(self, entry: Entry, cols: Columns, row: Row, index: int, ctx: Any) -> Iterator[Item]:
        raise NotImplementedError

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]:
        return [e for e in entries if forced or (e.suffix in (".csv", ".tsv") and self._sniff(e))]

    def _sniff(self, entry: Entry) -> bool:
        text = head_text(entry)
        first_line = text.lstrip("\r\n").split("\n", 1)[0]
        rec = first_record(first_line, delimiter_of(first_line))
        return rec is not None and self.matches(Columns(rec))

    def load(self, tree: Tree, entries: list[Entry], options: LoadOptions) -> Iterator[Item]:
        for e in entries:
            yield from self._load_one(e, options)

    def _load_one(self, entry: Entry, options: LoadOptions) -> Iterator[Item]:
        rows: list[Row] = []
        for r in read_rows(entry, options, delimiter=None):
            if isinstance(r, ReadError):
                yield r
            else:
                rows.append(r)
        if not rows:
            return
        header, rows = rows[0], rows[1:]
        cols = Columns(header.cells)
        if not self.matches(cols):
            yield ReadError(entry.display, f"line {header.line}", f"not a {self.description} header: needs {self.requirement}; "
                            f"columns are: {', '.join(h for h in cols.headers if h)}")
            return
        ctx, errors = self.prepare(entry, cols, rows)
        yield from errors
        for index, row in enumerate(rows):
            extra = row.cells[len(cols.headers):]
            if any(c.strip() for c in extra):
                yield ReadError(entry.display, f"line {row.line}", f"record has {len(row.cells)} fields, header has "
                                f"{len(cols.headers)}; fields beyond the header not read")
            try:
                yield from self.convert(entry, cols, row, index, ctx)
            except (ValueError, TypeError, IndexError) as exc:
                yield ReadError(entry.display, f"line {row.line}", f"unreadable record ({exc.__class__.__name__}); skipped")


class SproutLoader(_HeaderQueueLoader):
    """Sprout Social bulk scheduling CSV: header with `date`, `time_24hr`, `message_text` (case-sensitive,
    exactly these names), more optional columns. `date` is `dd/mm/yyyy` or `mm/dd/yyyy` as chosen on upload:
    decided over the whole file as for Hootsuite (all ambiguous: MM/DD). `time_24hr` is `HH:MM`.
    Optional columns read when present: `link_url` / `link` (scanned as field "link"), `image_url` (media)."""

    name = "sprout"
    description = "Sprout Social bulk scheduling CSV (header date,time_24hr,message_text)"
    requirement = "the case-sensitive columns date, time_24hr, message_text"
    REQUIRED = ("date", "time_24hr", "message_text")

    def matches(self, cols: Columns) -> bool:
        return all(name in cols.headers for name in self.REQUIRED)

    def prepare(self, entry: Entry, cols: Columns, rows: list[Row]) -> tuple[Any, list[ReadError]]:
        di = cols.headers.index("date")
        parsed = [_slash_parts(r.cells[di], need_time=False) if di < len(r.cells) else None for r in rows]
        order = DateOrder.decide(p for p in parsed if p is not None and _plausible(p))
        errors = []
        if order.conflict:
            errors.append(read_warning(entry.display, "column date", "dates have values over 12 both as day and as month "
                                    "(mixed mm/dd and dd/mm); read as MM/DD/YYYY, rows that do not fit have no date"))
        return order, errors

    def convert(self, entry: Entry, cols: Columns, row: Row, index: int, ctx: Any) -> Iterator[Item]:
        order: DateOrder = ctx
        created_at = None
        date_s, time_s = cols.get(row.cells, "date").strip(), cols.get(row.cells, "time_24hr").strip()
        if date_s:
            parts = _slash_parts(f"{date_s} {time_s or '00:00'}", need_time=True)
            try:
                if parts is not None:
                    created_at = order.make(parts)
                elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", date_s):
                    created_at = parse_time(f"{date_s} {time_s or '00:00'}")
                if created_at is None:
                    raise ValueError
            except ValueError:
                yield read_warning(entry.display, f"line {row.line}", f"date/time_24hr is not a valid {order.label} HH:MM date-time; "
                                "message scanned without a date")
        media = tuple(Media(uri=u, kind="photo") for u in _split_urls(cols.get(row.cells, "image_url")))
        post = _scheduled(entry, index, row.line, cols.get(row.cells, "message_text"), created_at=created_at, media=media,
                          fields=_link_fields(("link", cols.get(row.cells, "link_url", "link"))))
        if _has_content(post):
            yield post


_PUBLER_DATE = re.compile(r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]+(\d{1,2})[:\-](\d{2}))?\s*$")


class PublerLoader(_HeaderQueueLoader):
    """Publer bulk CSV (unverified: vendor help pages only). Header `Date`, `Text` (older template:
    `Message`), `Link(s)` (`Link`), `Media URL(s)` (`Media URLs`), then `Title`, `Labels`, `Alt text(s)`,
    `Comment(s)`, ... Dates are `YYYY-MM-DD HH:MM` (also `YYYY/MM/DD`); Publer also takes English phrases
    ("next Friday at 2 PM") or nothing: such posts have no date and no error is reported.
    The message holds photo captions separated by `||`: the part before the first `||` is the post text,
    the others become fields `caption[0]`, `caption[1]`, ... Media URLs are split on commas; alt texts on `||`
    (a guess), paired with the media in order."""

    name = "publer"
    description = "Publer bulk CSV (unverified; Date, Text/Message, Link(s), Media URL(s), ...)"
    requirement = "the columns Date, Text or Message, Link(s), Media URL(s)"

    def matches(self, cols: Columns) -> bool:
        return (cols.has("date") and cols.has("text", "message") and cols.has("link(s)", "link", "links")
                and cols.has("media url(s)", "media urls", "media url"))

    def convert(self, entry: Entry, cols: Columns, row: Row, index: int, ctx: Any) -> Iterator[Item]:
        c = row.cells
        created_at = None
        m = _PUBLER_DATE.match(cols.get(c, "date"))
        if m:
            y, mo, d, hh, mi = (int(g) if g else 0 for g in m.groups())
            try:
                created_at = datetime(y, mo, d, hh, mi, tzinfo=timezone.utc)
            except ValueError:
                yield read_warning(entry.display, f"line {row.line}", "Date is not a valid YYYY-MM-DD HH:MM date; post scanned without a date")
        message = cols.get(c, "text", "message")
        text, *captions = message.split("||") if "||" in message else (message,)
        fields: list[tuple[str, str]] = [(f"caption[{i}]", s.strip()) for i, s in enumerate(captions) if s.strip()]
        fields.extend(_link_fields(("title", cols.get(c, "title")), ("link", cols.get(c, "link(s)", "link", "links")),
                                   ("comment", cols.get(c, "comment(s)", "comments", "comment"))))
        urls = _split_urls(cols.get(c, "media url(s)", "media urls", "media url"))
        alts = [a.strip() or None for a in cols.get(c, "alt text(s)", "alt texts", "alt text").split("||")]
        alts = alts if any(alts) else []
        media = tuple(Media(uri=urls[i] if i < len(urls) else None, alt=alts[i] if i < len(alts) else None)
                      for i in range(max(len(urls), len(alts))))
        post = _scheduled(entry, index, row.line, text.strip() if captions else text, created_at=created_at,
                          media=media, fields=tuple(fields))
        if _has_content(post):
            yield post


class AyrshareLoader(_HeaderQueueLoader):
    """Ayrshare bulk-post CSV (unverified: vendor docs only): `post, platforms, mediaUrls, scheduleDate`.
    `scheduleDate` is ISO 8601 UTC (`2026-07-08T12:30:00Z`); `platforms` a comma-separated list: the post's
    platform when it names one network, None when it names several; `mediaUrls` URLs (comma-separated)."""

    name = "ayrshare"
    description = "Ayrshare bulk-post CSV (unverified; post, platforms, mediaUrls, scheduleDate)"
    requirement = "the columns post, platforms, scheduleDate"

    def matches(self, cols: Columns) -> bool:
        return cols.has("post") and cols.has("platforms") and cols.has("scheduledate")

    def convert(self, entry: Entry, cols: Columns, row: Row, index: int, ctx: Any) -> Iterator[Item]:
        c = row.cells
        when = cols.get(c, "scheduledate").strip()
        created_at = parse_time(when) if when else None
        if when and created_at is None:
            yield read_warning(entry.display, f"line {row.line}", "scheduleDate is not an ISO 8601 date-time; post scanned without a date")
        names = {normalize_platform(p) or p.strip().lower() for p in cols.get(c, "platforms").split(",") if p.strip()}
        media = tuple(Media(uri=u) for u in _split_urls(cols.get(c, "mediaurls")))
        post = _scheduled(entry, index, row.line, cols.get(c, "post"), created_at=created_at,
                          platform=names.pop() if len(names) == 1 else None, media=media)
        if _has_content(post):
            yield post


class OktopostLoader(_HeaderQueueLoader):
    """Oktopost message-assets CSV (unverified: vendor help pages only): `Network` (Twitter, Facebook,
    LinkedIn, Google), `Message`, `LinkUrl`, optional `LinkTitle`, `ImageUrl`, `Description`, `Picture`.
    Link title and description are scanned as fields. The file has no dates (assets are scheduled later);
    a `Schedule`/`Date` column is read when present."""

    name = "oktopost"
    description = "Oktopost message-assets CSV (unverified; Network, Message, LinkUrl, ...)"
    requirement = "the columns Network, Message, LinkUrl"

    def matches(self, cols: Columns) -> bool:
        return cols.has("network") and cols.has("message") and cols.has("linkurl")

    def convert(self, entry: Entry, cols: Columns, row: Row, index: int, ctx: Any) -> Iterator[Item]:
        c = row.cells
        network = cols.get(c, "network").strip()
        media = tuple(Media(uri=u, kind="photo") for name in ("imageurl", "picture") for u in _split_urls(cols.get(c, name)))
        post = _scheduled(
            entry, index, row.line, cols.get(c, "message"),
            platform=normalize_platform(network) or (network.lower() or None),
            created_at=parse_time(cols.get(c, "schedule", "scheduledate", "date").strip() or None),
            media=media,
            fields=_link_fields(("link", cols.get(c, "linkurl")), ("link_title", cols.get(c, "linktitle")),
                                ("description", cols.get(c, "description"))),
        )
        if _has_content(post):
            yield post


LOADERS = [HootsuiteLoader(), SproutLoader(), PublerLoader(), AyrshareLoader(), OktopostLoader()]
