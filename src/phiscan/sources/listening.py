"""Social-listening exports (Meltwater-style CSV): posts by other people that mention the organisation.

Format facts relied on (FORMATS.md, "Social listening exports"; the encoding and the vendor variants are
unverified):

- One row per hit. Text is in `Hit Sentence` (the sentence that matched the search), `Opening Text` and
  `Title` (`Headline` in other exports); also `Date` (sometimes with a separate `Time`), `URL`,
  `Source` / `Source Name`, `Influencer` / `Author Name` / `Author Handle`, ids in `Document ID` / `Tweet Id`.
- Tab- or comma-separated; UTF-16 with a BOM is common, UTF-8 (with or without BOM) too.
- Column names differ between vendors and years: headers are matched by name, case-insensitively, with
  fallbacks; `--text-column` names the main text column instead of `Hit Sentence`.

The encoding is taken from the BOM (UTF-16 without a BOM is recognised by its NUL bytes), else `--encoding`,
else UTF-8. The delimiter is the most frequent of tab, comma and semicolon in the header line. The header
is looked for in the first five lines (some exports put a title line above it). Exports can be large: rows
are streamed. Times without a zone are taken as UTC.
"""
from __future__ import annotations

import codecs
import csv
import zipfile
from datetime import datetime, timezone
from typing import IO, Callable, Iterator

from ..model import Post, ReadError, read_warning
from .base import Entry, InputError, Item, LoadOptions, Tree
from .generic import parse_time, pick_column
from .tabular import delimiter_of, first_record, head_text, normalize_platform, platform_from_url, sniff_encoding

HIT = ("hit sentence", "hit_sentence", "hitsentence")
OPENING = ("opening text", "opening_text", "openingtext")
TITLE = ("title", "headline")
DATE = ("date", "published date", "publish date", "published", "date published", "created at")
ALT_DATE = ("alternate date format",)
TIME = ("time",)
URL = ("url", "link", "permalink", "post url")
SOURCE = ("source", "source name", "source_name", "media outlet", "outlet")
SOURCE_TYPE = ("source type", "media type", "platform", "network")
DOMAIN = ("source domain",)
AUTHOR = ("influencer", "author name", "author handle", "author", "author_name")
ID = ("document id", "tweet id", "post id", "id")
CONTENT_TYPE = ("content type", "hit type", "post type")

HEADER_LINES = 5  # the header is looked for in this many lines
MAX_DECODE_ERRORS = 5  # lines with undecodable bytes reported one by one; the rest are counted

_DATE_FORMATS = (
    "%d-%b-%Y %I:%M%p", "%d-%b-%Y %I:%M %p", "%d-%b-%Y %H:%M", "%d-%b-%Y", "%d-%b-%y %I:%M %p",
    "%d-%b-%y %H:%M", "%d-%b-%y", "%b %d, %Y %I:%M %p", "%b %d, %Y %H:%M", "%b %d, %Y",
    "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%Y-%m-%d %I:%M %p",
)


def is_listening_header(headers: list[str]) -> bool:
    """A Meltwater-style header: `Hit Sentence` or `Opening Text`, or a title, an author and a source column."""
    low = {h.strip().lstrip("\ufeff").strip().lower() for h in headers}
    if low & set(HIT) or low & set(OPENING):
        return True
    return bool(low & set(TITLE)) and bool(low & {"influencer", "author name"}) and bool(low & {"source", "source name"})


def listening_time(date: str, time: str = "") -> datetime | None:
    """A listening export's date (and optional separate time) as an aware datetime; UTC when no zone is given."""
    date, time = date.strip(), time.strip()
    if not date:
        return None
    candidates = [f"{date} {time}", date] if time else [date]
    for s in candidates:
        dt = parse_time(s)
        if dt is None:
            for fmt in _DATE_FORMATS:
                try:
                    dt = datetime.strptime(s.upper() if "%p" in fmt else s, fmt)
                    break
                except ValueError:
                    continue
        if dt is not None:
            return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    return None


def _raw_lines(fh: IO[bytes], newline: bytes) -> Iterator[bytes]:
    """Split a byte stream into lines ending in `newline` (the encoded "\\n"), streaming. For UTF-16 the
    newline is two bytes and is only matched at code-unit boundaries."""
    unit = len(newline)
    buf = b""
    while True:
        chunk = fh.read(1 << 16)
        buf += chunk
        pos = 0
        while True:
            i = buf.find(newline, pos)
            while i != -1 and (i - pos) % unit:
                i = buf.find(newline, i + 1)
            if i == -1:
                break
            yield buf[pos : i + unit]
            pos = i + unit
        buf = buf[pos:]
        if not chunk:
            if buf:
                yield buf
            return


class _Lines:
    """The decoded physical lines of an entry, streamed. A line with bytes invalid in the encoding is decoded
    with U+FFFD in their place (so its row is still scanned) and its number recorded in `bad`."""

    def __init__(self, entry: Entry, encoding: str, skip: int):
        self.entry, self.encoding, self.skip = entry, encoding, skip
        self.bad: list[int] = []
        self.count = 0
        newline = "\n".encode(encoding)
        for bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8):
            if newline.startswith(bom) and len(newline) > len(bom):
                newline = newline[len(bom):]
        self.newline = newline

    def __iter__(self) -> Iterator[str]:
        with self.entry.open() as fh:
            if self.skip:
                fh.read(self.skip)
            for raw in _raw_lines(fh, self.newline):
                self.count += 1
                try:
                    yield raw.decode(self.encoding)
                except UnicodeDecodeError:
                    self.bad.append(self.count)
                    yield raw.decode(self.encoding, "replace")


class ListeningCsvLoader:
    """Meltwater-style social-listening CSV/TSV (see the module docstring for the format facts).

    Each row becomes a post (platform from `Source`/`Source Type` or the URL's host; author from
    `Influencer`/`Author Name`): `Hit Sentence` is the text, `Opening Text` and `Title`/`Headline` are scanned
    as fields "opening_text" and "title" when they differ from the text. Without a hit sentence the opening
    text (then the title) is the text. `options.text_column` chooses the text column instead (the hit
    sentence is then scanned as field "hit_sentence").
    """

    name = "listening-csv"
    description = "Social-listening export (Meltwater-style: Hit Sentence, Opening Text, Title; CSV/TSV, UTF-16 or UTF-8)"

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]:
        return [e for e in entries if forced or (e.suffix in (".csv", ".tsv", ".txt") and self._sniff(e))]

    @staticmethod
    def _sniff(entry: Entry) -> bool:
        lines = head_text(entry, 16384).splitlines()[:HEADER_LINES]
        for line in lines:
            rec = first_record(line, delimiter_of(line))
            if rec and is_listening_header(rec):
                return True
        return False

    def load(self, tree: Tree, entries: list[Entry], options: LoadOptions) -> Iterator[Item]:
        for e in entries:
            try:
                yield from self._load_one(e, options)
            except InputError as exc:
                yield exc.to_error()

    def _load_one(self, entry: Entry, options: LoadOptions) -> Iterator[Item]:
        encoding, bom = sniff_encoding(entry.head(4096), options.encoding)
        try:
            codecs.lookup(encoding)
        except LookupError:
            yield ReadError(entry.display, "", f"unknown encoding {encoding!r} (--encoding)")
            return
        lines = _Lines(entry, encoding, bom)
        stream = iter(lines)
        try:
            yield from self._read(entry, options, lines, stream, encoding)
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            yield ReadError(entry.display, f"line {lines.count}", f"cannot read further ({exc.__class__.__name__}); rest of file not read")
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()

    def _read(self, entry: Entry, options: LoadOptions, lines: _Lines, stream: Iterator[str], encoding: str) -> Iterator[Item]:
        display = entry.display
        header: list[str] | None = None
        delimiter = ","
        for line in stream:
            delimiter = delimiter_of(line)
            rec = first_record(line, delimiter)
            if rec and (is_listening_header(rec) or (options.text_column and pick_column(rec, options.text_column, ()))):
                header = rec
                break
            if lines.count >= HEADER_LINES:
                break
        header_line = lines.count
        if header is None:
            yield ReadError(display, f"lines 1-{max(header_line, 1)}", "no listening-export header found (needs Hit Sentence, "
                            "Opening Text, or Title/Headline with Influencer/Author Name and Source)")
            return
        headers = [h.strip().lstrip("\ufeff").strip() for h in header]
        if options.text_column:
            text_col = pick_column(headers, options.text_column, ())
            if text_col is None:
                yield ReadError(display, f"line {header_line}", f"no column named {options.text_column!r}; columns are: "
                                f"{', '.join(h for h in headers if h)}")
                return
        else:
            text_col = pick_column(headers, None, HIT)
        col = {name: pick_column(headers, None, cands) for name, cands in (
            ("hit", HIT), ("opening", OPENING), ("title", TITLE), ("date", DATE), ("alt_date", ALT_DATE), ("time", TIME),
            ("url", URL), ("source", SOURCE), ("source_type", SOURCE_TYPE), ("domain", DOMAIN), ("author", AUTHOR), ("id", ID),
            ("ctype", CONTENT_TYPE))}
        pos = {h: i for i, h in reversed(list(enumerate(headers)))}  # first occurrence wins

        def get(row: list[str], key: str | None) -> str:
            i = pos.get(key) if key else None
            return row[i] if i is not None and i < len(row) else ""

        reader = csv.reader(stream, delimiter=delimiter)
        bad_dates, first_bad, reported = 0, 0, 0
        index = 0
        while True:
            line = lines.count + 1
            try:
                row: list[str] | None = next(reader)
            except StopIteration:
                row = None
            except csv.Error as exc:
                yield ReadError(display, f"line {line}", f"malformed CSV row: {exc}; row skipped")
                continue
            while lines.bad:  # undecodable bytes in the lines this row was read from
                n = lines.bad.pop(0)
                reported += 1
                if reported <= MAX_DECODE_ERRORS:
                    yield ReadError(display, f"line {n}", f"invalid {encoding} bytes, shown as U+FFFD; line scanned as far as "
                                    "it decodes (use --encoding)")
            if row is None:
                break
            if not any(c.strip() for c in row):
                continue
            try:
                if len(row) > len(headers) and any(c.strip() for c in row[len(headers):]):
                    yield ReadError(display, f"line {line}", f"row has {len(row)} fields, header has {len(headers)}; "
                                    "fields beyond the header not read")
                post, date_ok = self._post(entry, index, line, row, get, text_col, col)
                if not date_ok:
                    bad_dates += 1
                    first_bad = first_bad or line
                if post is not None:
                    yield post
            except (ValueError, TypeError, IndexError) as exc:
                yield ReadError(display, f"line {line}", f"unreadable row ({exc.__class__.__name__}); skipped")
            index += 1
        if reported > MAX_DECODE_ERRORS:
            yield ReadError(display, "", f"{reported - MAX_DECODE_ERRORS} more line(s) with invalid {encoding} bytes (use --encoding)")
        if bad_dates:
            yield read_warning(display, f"line {first_bad}", f"{bad_dates} date value(s) not understood; those posts have no date")

    @staticmethod
    def _post(entry: Entry, index: int, line: int, row: list[str], get: Callable[[list[str], str | None], str], text_col: str | None,
              col: dict[str, str | None]) -> tuple[Post | None, bool]:
        """The post of one row (None when it holds no text) and whether its date, if any, was understood."""
        text = get(row, text_col)
        opening, title = get(row, col["opening"]), get(row, col["title"])
        if not text.strip():  # no hit sentence: the opening text, else the title, is the text
            if opening.strip():
                text, opening = opening, ""
            else:
                text, title = title, ""
        seen = {text.strip()}
        fields = []
        hit = get(row, col["hit"]) if col["hit"] != text_col else ""  # when --text-column chose another column
        for name, value in (("hit_sentence", hit), ("opening_text", opening), ("title", title)):
            if value.strip() and value.strip() not in seen:
                fields.append((name, value))
                seen.add(value.strip())
        date_s, time_s = get(row, col["date"]), get(row, col["time"])
        created_at = listening_time(date_s, time_s) if date_s.strip() else listening_time(get(row, col["alt_date"]), time_s)
        date_ok = created_at is not None or not (date_s.strip() or get(row, col["alt_date"]).strip())
        if not text.strip() and not fields:
            return None, date_ok
        url = get(row, col["url"]).strip() or None
        domain = get(row, col["domain"]).strip()
        platform = (normalize_platform(get(row, col["source"])) or normalize_platform(get(row, col["source_type"]))
                    or platform_from_url(url) or (platform_from_url(f"https://{domain}") if domain else None))
        ctype = get(row, col["ctype"]).strip().lower()
        kind = "reply" if "repl" in ctype else "comment" if "comment" in ctype else "post"
        return Post(
            id=get(row, col["id"]).strip() or f"{entry.name}#{index}",
            text=text,
            platform=platform,
            kind=kind,
            url=url,
            created_at=created_at,
            author=get(row, col["author"]).strip() or None,
            fields=tuple(fields),
            source=entry.display,
            index=index,
            line=line,
        ), date_ok


LOADERS = [ListeningCsvLoader()]
