"""Generic inputs: text and Markdown files (one post each, optional YAML front matter), JSONL, CSV."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timezone
from typing import Any, Iterator

import yaml

from ..model import Media, Post, ReadError, read_warning
from .base import READ_ERRORS, Entry, InputError, Item, LoadOptions, Tree, _safe, decode_text, iter_csv_records, read_entry_text

TEXT_COLUMNS = ("text", "message", "post", "content", "body", "caption", "comment", "full_text", "post_text", "message_text")


class RecordError(ValueError):
    """A record that is not a post; the message names what is missing, never a value."""


def parse_time(value: Any) -> datetime | None:
    """Parse the common timestamp shapes into an aware datetime (UTC when the zone is not stated)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        n = float(value)
        if n > 1e11:  # milliseconds
            n /= 1000.0
        return datetime.fromtimestamp(n, tz=timezone.utc)
    else:
        s = str(value).strip()
        dt = None
        try:
            dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            for fmt in ("%a %b %d %H:%M:%S %z %Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M", "%Y-%m-%d"):
                try:
                    dt = datetime.strptime(s, fmt)
                    break
                except ValueError:
                    continue
        if dt is None:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt


def _account_fields(value: Any) -> tuple[str | None, str | None]:
    """`account` may be an account name or, in labeled sets, the account type."""
    if value is None:
        return None, None
    s = str(value)
    if s.lower() in ("official", "staff"):
        return None, s.lower()
    return s, None


def post_from_record(rec: dict, source: str, index: int, line: int | None = None) -> Post:
    """Build a Post from a generic record (the JSONL contract: id, text, created_at, platform, account, in_reply_to)."""
    text = rec.get("text")
    if not isinstance(text, str):
        raise RecordError("record has no string field 'text'")
    pid = rec.get("id")
    pid = str(pid) if pid not in (None, "") else f"{source}#{index}"
    account, account_type = _account_fields(rec.get("account"))
    account_type = rec.get("account_type") or account_type
    reply = rec.get("in_reply_to")
    in_reply_to = reply_author = reply_text = None
    if isinstance(reply, dict):
        reply_author = reply.get("author")
        reply_text = reply.get("text")
        in_reply_to = reply.get("id") or reply_author
    elif reply not in (None, ""):
        in_reply_to = str(reply)
    reply_author = rec.get("reply_to_author", reply_author)
    media = []
    for m in rec.get("media") or []:
        if isinstance(m, dict):
            media.append(Media(uri=m.get("uri") or m.get("url"), kind=m.get("type"), alt=m.get("alt")))
    fields = []
    for key in ("alt", "alt_text", "caption", "content_warning", "title"):
        v = rec.get(key)
        if isinstance(v, str) and v.strip():
            fields.append((key, v))
    return Post(
        id=pid,
        text=text,
        platform=rec.get("platform"),
        account=account,
        account_type=account_type,
        url=rec.get("url"),
        created_at=parse_time(rec.get("created_at")),
        author=rec.get("author"),
        in_reply_to=in_reply_to,
        reply_to_author=reply_author,
        reply_to_text=reply_text,
        media=tuple(media),
        fields=tuple(fields),
        source=source,
        index=index,
        line=line,
    )


def iter_lines(entry: Entry, encoding: str | None, max_bytes: int | None = None) -> Iterator[tuple[int, str | InputError]]:
    """Yield (line number, text) streaming; a line that does not decode, or is longer than `max_bytes`, yields an
    InputError and the rest go on. A file that starts with a UTF-16 byte order mark is read as UTF-16. A read
    error (the file vanished, a damaged archive) ends the file with an InputError naming the line."""
    n = 0
    try:
        with entry.open() as fh:
            head = fh.peek(2)[:2] if hasattr(fh, "peek") else b""
            if encoding is None and head in (b"\xff\xfe", b"\xfe\xff"):
                yield from _iter_text_lines(entry, io.TextIOWrapper(fh, encoding="utf-16", newline=""), max_bytes)
                return
            while True:
                raw = fh.readline(max_bytes + 1) if max_bytes else fh.readline()
                if not raw:
                    break
                n += 1
                if max_bytes and len(raw) > max_bytes and not raw.endswith(b"\n"):
                    size = len(raw)
                    while raw and not raw.endswith(b"\n"):  # skip the rest of the line in bounded chunks
                        raw = fh.readline(1024**2)
                        size += len(raw)
                    yield n, InputError(entry.display, f"line {n}", f"line of {size} bytes is longer than the limit of {max_bytes} "
                                        "(max_text_chars); line skipped")
                    continue
                if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                try:
                    yield n, raw.decode(encoding or "utf-8")
                except (UnicodeDecodeError, LookupError):
                    yield n, InputError(entry.display, f"line {n}", f"invalid {encoding or 'UTF-8'}; line skipped")
    except READ_ERRORS as exc:
        yield n + 1, InputError(entry.display, f"line {n + 1}", f"cannot read: {exc.__class__.__name__}: {_safe(exc)}; the rest of the file not read")
    except UnicodeDecodeError:
        yield n + 1, InputError(entry.display, f"line {n + 1}", "invalid UTF-16; the rest of the file not read")


def _iter_text_lines(entry: Entry, fh: io.TextIOWrapper, max_bytes: int | None) -> Iterator[tuple[int, str | InputError]]:
    limit = max_bytes // 2 if max_bytes else -1  # characters
    n = 0
    while True:
        line = fh.readline(limit + 1 if limit > 0 else -1)
        if not line:
            return
        n += 1
        if limit > 0 and len(line) > limit and not line.endswith("\n"):
            while line and not line.endswith("\n"):
                line = fh.readline(1024**2)
            yield n, InputError(entry.display, f"line {n}", f"line longer than {limit} characters (max_text_chars); line skipped")
            continue
        yield n, line.lstrip("\ufeff") if n == 1 else line


class JsonlLoader:
    name = "jsonl"
    description = "JSON Lines: one post per line with id, text, optional created_at, platform, account, in_reply_to"

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]:
        out = []
        for e in entries:
            if forced or e.suffix in (".jsonl", ".ndjson"):
                out.append(e)
            elif e.suffix == ".json" and tree.single_file:
                head = e.head(512).lstrip()
                if head.startswith(b"{") and b"\n{" in e.head(65536) and b'"text"' in e.head(65536):
                    out.append(e)
        return out

    def load(self, tree: Tree, entries: list[Entry], options: LoadOptions) -> Iterator[Item]:
        for e in entries:
            index = 0
            lines = 0
            try:
                read = iter_lines(e, options.encoding, options.max_line_bytes)
                for n, line in read:
                    lines = n
                    if isinstance(line, InputError):
                        yield line.to_error()
                        continue
                    if not line.strip():
                        continue
                    yield self._record(e, line, n, index)
                    index += 1
            except InputError as exc:  # this file cannot be opened (vanished, unreadable); the others go on
                yield exc.to_error()
                continue
            if not lines:
                yield ReadError(e.display, "", "empty file; nothing to scan")

    @staticmethod
    def _record(e: Entry, line: str, n: int, index: int) -> Item:
        """One line: a post, or an error naming the line (never quoting it)."""
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise RecordError("line is not a JSON object")
            return post_from_record(rec, e.display, index, n)
        except RecursionError:
            return ReadError(e.display, f"line {n}", "JSON nested too deeply; line skipped")
        except json.JSONDecodeError as exc:
            msg = exc.msg.removesuffix(" at")  # "Invalid control character at"
            return ReadError(e.display, f"line {n}, column {exc.colno}", f"malformed JSON: {msg}; line skipped")
        except RecordError as exc:
            return ReadError(e.display, f"line {n}", f"{exc}; line skipped")
        except (ValueError, TypeError, OverflowError, AttributeError) as exc:  # their messages may quote values
            return ReadError(e.display, f"line {n}", f"invalid record ({exc.__class__.__name__}); line skipped")


def split_front_matter(text: str) -> tuple[dict, str, int]:
    """Return (front matter, body, offset of body in text). Front matter is YAML between '---' lines."""
    if not text.startswith("---"):
        return {}, text, 0
    lines = text.splitlines(keepends=True)
    if lines[0].strip() != "---":
        return {}, text, 0
    offset = len(lines[0])
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            raw = "".join(lines[1:i])
            body_offset = offset + len(raw) + len(lines[i])
            meta = yaml.safe_load(raw) or {}
            if not isinstance(meta, dict):
                raise ValueError("front matter is not a mapping")
            return meta, text[body_offset:], body_offset
    raise ValueError("front matter has no closing '---'")


class TextLoader:
    name = "text"
    description = "Text or Markdown files, one post each; optional YAML front matter (platform, account, author, publish_at, alt)"

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]:
        return [e for e in entries if forced or e.suffix in (".txt", ".md", ".markdown")]

    def load(self, tree: Tree, entries: list[Entry], options: LoadOptions) -> Iterator[Item]:
        for e in entries:
            # a post has at most max_text_chars characters: read no more than that could need (and front matter)
            limit = 4 * options.max_text_chars + 65536
            try:
                data = e.read_bytes(limit + 1)
                partial = len(data) > limit
                text = decode_text(data[:limit], e.display, options.encoding, partial=partial)
            except InputError as exc:
                yield exc.to_error()
                continue
            if not text.strip():
                yield ReadError(e.display, "", "empty file; nothing to scan")
                continue
            try:
                meta, body, offset = split_front_matter(text)
            except (yaml.YAMLError, ValueError) as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f"line {mark.line + 1}" if mark is not None else "front matter"
                # YAML's own messages may quote the text (an alias, a tag): quoted parts are left out
                problem = getattr(exc, "problem", None) or (str(exc) if not isinstance(exc, yaml.YAMLError) else exc.__class__.__name__)
                problem = re.sub(r"'[^']*'", "'...'", problem)
                yield ReadError(e.display, where, f"invalid YAML front matter: {problem}")
                continue
            if partial:
                body = body[: options.max_text_chars]
                yield ReadError(e.display, f"line {text[:offset].count(chr(10)) + 1}", f"file larger than {limit} bytes: only the first "
                                f"{len(body)} characters of its text scanned (max_text_chars)")
            line = text[:offset].count("\n") + 1
            fields = []
            keys = front_matter_keys(text, offset)
            locations = [("text", line, 1, True)]
            for key in ("alt", "alt_text", "caption", "content_warning", "title"):
                v = meta.get(key)
                if isinstance(v, str) and v.strip():
                    fields.append((key, v))
                    if key in keys:
                        kline, kcol, raw = keys[key]
                        verbatim = raw == v  # a plain one-line scalar: offsets map to columns
                        locations.append((key, kline, kcol if verbatim else 1, verbatim))
                elif isinstance(v, list):
                    fields.extend((f"{key}[{i}]", str(x)) for i, x in enumerate(v) if x)
                    if key in keys:
                        locations.extend((f"{key}[{i}]", keys[key][0], 1, False) for i, x in enumerate(v) if x)
            media = meta.get("media")
            media_t = tuple(Media(uri=str(m)) for m in media) if isinstance(media, list) else ()
            account, account_type, author = front_matter_people(meta)
            yield Post(
                id=str(meta.get("id") or e.name),
                text=body,
                platform=meta.get("platform"),
                account=account,
                account_type=account_type,
                kind="scheduled" if meta.get("publish_at") else "post",
                url=meta.get("url"),
                created_at=parse_time(meta.get("publish_at") or meta.get("created_at") or meta.get("date")),
                author=author,
                media=media_t,
                fields=tuple(fields),
                source=e.display,
                index=0,
                line=line,
                locations=tuple(locations),
            )


ACCOUNT_TYPES = ("official", "staff")


def _scalar(value: Any, *keys: str) -> str | None:
    """A front matter value as text: a scalar as itself, a mapping by the first of `keys` it has; None when
    empty or of another shape (a list)."""
    if isinstance(value, dict):
        value = next((value[k] for k in keys if value.get(k) not in (None, "")), None)
    if value is None or isinstance(value, (list, dict)):
        return None
    s = str(value).strip()
    return s or None


def front_matter_people(meta: dict) -> tuple[str | None, str | None, str | None]:
    """(account, account type, author) of a Markdown post's front matter.

    `account:` is the account the post is (or will be) published from: a name or handle (`lakeside_care`),
    the word `official` or `staff` (what a content queue of one account often says), or a mapping
    `{name: ..., type: official}`. It is the post's account in every report, and `official` / `staff` (or
    `account_type:`) is its account type, which the judgment and the account rules weigh. `author:` is the
    person who wrote it: a name, or a mapping with `name` or `handle`."""
    raw = meta.get("account")
    account = _scalar(raw, "name", "handle", "id")
    kind = _scalar(meta.get("account_type")) or (_scalar(raw, "type") if isinstance(raw, dict) else None)
    if kind is None and account is not None and account.lower() in ACCOUNT_TYPES:
        kind = account.lower()
    author = _scalar(meta.get("author"), "name", "handle")
    return account, (kind.lower() if kind else None), author


def front_matter_keys(text: str, body_offset: int) -> dict[str, tuple[int, int, str]]:
    """Top-level keys of the front matter: key -> (1-based line, 1-based column of the value, raw value text)."""
    out: dict[str, tuple[int, int, str]] = {}
    if not body_offset:
        return out
    for n, raw in enumerate(text[:body_offset].splitlines()[1:-1], 2):
        m = re.match(r"([A-Za-z_][\w-]*)[ \t]*:[ \t]*", raw)
        if m and m.group(1) not in out:
            out[m.group(1)] = (n, m.end() + 1, raw[m.end():].rstrip())
    return out


def sniff_dialect(sample: str) -> csv.Dialect | type[csv.Dialect]:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        return csv.excel


def pick_column(headers: list[str], wanted: str | None, candidates: tuple[str, ...]) -> str | None:
    low = {h.strip().lower(): h for h in headers if h}
    if wanted:
        return low.get(wanted.strip().lower())
    for c in candidates:
        if c in low:
            return low[c]
    return None


class CsvLoader:
    name = "csv"
    description = "Generic CSV/TSV with a header and a text column (text, message, post, content, ...; or --text-column)"

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]:
        return [e for e in entries if forced or e.suffix in (".csv", ".tsv")]

    def load(self, tree: Tree, entries: list[Entry], options: LoadOptions) -> Iterator[Item]:
        for e in entries:
            text = read_entry_text(e, options)
            if isinstance(text, ReadError):
                yield text
                continue
            dialect = sniff_dialect(text[:8192])
            reader = csv.reader(io.StringIO(text, newline=""), dialect)
            try:
                headers = next(reader)
            except csv.Error as exc:
                yield ReadError(e.display, "line 1", f"malformed CSV header: {exc}")
                continue
            col = pick_column(headers, options.text_column, TEXT_COLUMNS)
            if col is None:
                hint = f"no column named {options.text_column!r}" if options.text_column else "no text column found"
                yield ReadError(e.display, "line 1", f"{hint}; columns are: {', '.join(h for h in headers if h)} (use --text-column)")
                continue
            yield from rows_to_posts(reader, headers, col, e.display)


def rows_to_posts(reader, headers: list[str], text_col: str, display: str) -> Iterator[Item]:
    idx = headers.index(text_col)
    low = [h.strip().lower() for h in headers]

    def get(row: list[str], *names: str) -> str | None:
        for n in names:
            if n in low and low.index(n) < len(row):
                v = row[low.index(n)]
                if v:
                    return v
        return None

    # a row of blank cells is a record here (`keep=any`); a malformed row takes no index
    for item in iter_csv_records(reader, display, keep=any, malformed_takes_index=False):
        if isinstance(item, ReadError):
            yield item
            continue
        index, line, row = item
        if len(row) != len(headers):
            yield ReadError(display, f"line {line}", f"row has {len(row)} fields, header has {len(headers)}; row scanned as far as it goes")
        text = row[idx] if idx < len(row) else ""
        if text.strip():
            account, account_type = _account_fields(get(row, "account"))
            try:
                created_at = parse_time(get(row, "created_at", "date", "timestamp"))
            except (ValueError, OverflowError, OSError):  # a number no clock reaches: the row is kept, undated
                created_at = None
                yield read_warning(display, f"line {line}", "date is out of range as a timestamp; row scanned without a date")
            yield Post(
                id=get(row, "id", "post_id") or f"{display}#{index}",
                text=text,
                platform=get(row, "platform"),
                account=account,
                account_type=account_type,
                url=get(row, "url", "link", "permalink"),
                created_at=created_at,
                author=get(row, "author"),
                in_reply_to=get(row, "in_reply_to"),
                source=display,
                index=index,
                line=line,
            )
