"""Facebook "Download Your Information" export (JSON option), and the helpers Meta exports share.

Format facts relied on (see FORMATS.md):
- The layout moved between 2022 and 2024, so files are recognised by file name (and a cheap look at their
  start), never by full path:
  profile posts `your_posts__check_ins__photos_and_videos_N.json` (older `your_posts_N.json`), page posts
  `profile_posts_N.json`, comments `comments.json`, Messenger `messages/inbox/<thread>/message_N.json`.
- Posts files are one JSON array (streamed). Text is `data[].post` (the element of `data` that has a `post`
  key); `timestamp` is Unix seconds; `attachments[].data[].media.uri` is a relative path and `.description` a
  caption that often repeats the post; `title` is generated prose ("X updated their status.") and is not
  scanned. There is no post id or permalink: ids are made up from file path + record index. Very old exports
  wrapped the list as `{"status_updates": [...]}` (unverified; accepted).
- Comments: `{"comments_v2": [...]}` (older exports: `{"comments": [...]}`), each with
  `data[].comment.{comment, author, timestamp}`; the person replied to appears only in the prose `title`
  ("X replied to Y's comment."), from which `reply_to_author` is taken when it has that English shape.
- Messenger: `{"participants", "messages": [{sender_name, timestamp_ms, content, photos[].uri, ...}]}`; one small
  file per thread, read whole. Instagram DMs have the same structure; those in an Instagram export are left to the
  Instagram loader (see `MetaPlatform`).
- Mojibake: Meta writes every non-ASCII UTF-8 byte as its own `\\u00XX` escape; `fix_mojibake` undoes it exactly
  per string.
- The account: `profile_information.json` (`profile_v2.username`, else `profile_v2.name.full_name`), else the
  download's folder name `facebook-<username>-<YYYY-MM-DD>-<code>` (assumed to follow Instagram's naming).
"""
from __future__ import annotations

import json
import re
import tarfile
import zipfile
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, Callable, Iterator

import ijson

from ..model import Media, Post, ReadError
from .base import Entry, InputError, Item, LoadOptions, Tree, convert_record, json_value
from .generic import parse_time

PLATFORM = "facebook"

_POSTS_NAME = re.compile(r"your_posts(?:__check_ins__photos_and_videos)?(?:_\d+)?\.json", re.I)
_PAGE_POSTS_NAME = re.compile(r"profile_posts(?:_\d+)?\.json", re.I)
_MESSAGE_NAME = re.compile(r"message_\d+\.json", re.I)
_COMMENTS_HEAD = re.compile(rb'^\s*\{\s*"comments(?:_v2)?"\s*:\s*\[')
_MESSAGES_HEAD = re.compile(rb'^\s*\{\s*"(?:participants|messages)"\s*:')
_ARRAY_HEAD = re.compile(rb"^\s*\[")
_OBJECT_HEAD = re.compile(rb"^\s*\{")
_PROFILE_HEAD = re.compile(rb'^\s*\{\s*"profile(?:_v2)?"\s*:')
_DOWNLOAD_NAME = re.compile(r"^(facebook|instagram)-(.+?)-\d{4}[-_]\d{2}[-_]\d{2}-[A-Za-z0-9]+$", re.I)
_REPLY_TITLE = re.compile(r"\b(?:replied to|commented on|responded to) (.+?)['\u2019]s \w", re.I)

# Basenames found only in Instagram exports: a Messenger-style file next to them is an Instagram DM.
INSTAGRAM_MARKERS = frozenset(
    {"personal_information.json", "post_comments_1.json", "reels_comments.json", "threads_and_replies.json", "posts_1.json"}
)
_MEDIA_KINDS = {
    ".jpg": "photo", ".jpeg": "photo", ".png": "photo", ".webp": "photo", ".heic": "photo",
    ".gif": "gif", ".mp4": "video", ".mov": "video", ".webm": "video",
    ".m4a": "audio", ".mp3": "audio", ".aac": "audio", ".wav": "audio",
}


# --- shared helpers (also used by the Instagram loaders) -----------------------------------------------------

def fix_mojibake(s: str) -> str:
    """Undo Meta's mojibake exactly: each UTF-8 byte was written as its own code point U+0000-U+00FF.

    Text that is not such mojibake (already correct accents, emojis, CJK) fails the round trip and is returned
    unchanged.
    """
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def text_of(value: Any) -> str | None:
    """A string value with the mojibake fixed; None for anything that is not a non-empty string."""
    if isinstance(value, str) and value:
        return fix_mojibake(value)
    return None


class RecordError(ValueError):
    """A record of an unexpected shape. The message names keys, never values (values may be PHI)."""


def as_list(rec: dict, key: str) -> list:
    """`rec[key]` as a list: missing or null is empty, anything else that is not a list is a malformed record."""
    value = rec.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f"'{key}' is not a list")
    return value


def as_dict(value: Any, what: str) -> dict:
    """`value` when it is a JSON object; RecordError otherwise."""
    if not isinstance(value, dict):
        raise RecordError(f"{what} is not a JSON object")
    return value


def unix_time(value: Any, what: str = "timestamp") -> datetime | None:
    """Unix seconds or milliseconds (number or digit string) as an aware UTC datetime; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not (isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit())):
        raise RecordError(f"'{what}' is not a Unix time")
    try:
        return parse_time(value)
    except (OverflowError, OSError, ValueError):
        raise RecordError(f"'{what}' is out of range") from None


def media_kind(uri: str | None) -> str | None:
    if not uri:
        return None
    return _MEDIA_KINDS.get(PurePosixPath(uri.split("?", 1)[0]).suffix.lower())


def same_text(a: str | None, b: str | None) -> bool:
    """Equal but for whitespace: a caption that repeats the post is not scanned twice."""
    return " ".join((a or "").split()) == " ".join((b or "").split())


def _parse_error(exc: Exception) -> str:
    """Describe a JSON parse error without its context snippet (which would quote file content)."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    m = re.match(r"^b?'?((?:lexical|parse) error: [A-Za-z0-9 ,]+)", first)
    return m.group(1).rstrip(" ,") if m else exc.__class__.__name__


def iter_records(entry: Entry, keys: tuple[str, ...] = ()) -> Iterator[tuple[str, int, Any] | ReadError]:
    """Stream the records of a JSON file with ijson, in bounded memory.

    Records are the elements of the top-level array, or of an array under one of `keys` in a top-level object.
    Yields (JSON path of the record, index, value). A parse error (malformed or truncated file) yields one
    ReadError naming the record it was in and ends the file; the records before it have been yielded.
    """
    wanted = {"item": ""}
    wanted.update({f"{k}.item": k for k in keys})
    counters: dict[str, int] = {}
    found = False
    current = "top level"
    try:
        with entry.open() as fh:
            events = ijson.parse(fh, use_float=True)
            for prefix, event, value in events:
                if event == "start_array" and (prefix == "" or prefix in keys):
                    found = True
                    counters.setdefault(prefix, 0)
                    current = f"{prefix}[0]"
                    continue
                key = wanted.get(prefix)
                if key is None or key not in counters:
                    continue
                current = f"{key}[{counters[key]}]"
                if event in ("end_array", "end_map", "map_key"):
                    continue
                # a record (built whole, its events consumed), or a scalar where a record should be
                yield current, counters[key], json_value(events, event, value)
                counters[key] += 1
                current = f"{key}[{counters[key]}]"
    except InputError as exc:
        yield exc.to_error()
        return
    except (ijson.JSONError, ValueError, OSError, EOFError, zipfile.BadZipFile, tarfile.TarError) as exc:
        yield ReadError(entry.display, current, f"malformed or truncated JSON ({_parse_error(exc)}); rest of file not read")
        return
    if not found:
        expected = "a JSON array" + (f" or an object with {' or '.join(repr(k) for k in keys)}" if keys else "")
        yield ReadError(entry.display, "", f"no records found: expected {expected}")


def load_json_whole(entry: Entry) -> Any:
    """Parse a small JSON file whole; InputError naming line and column when it is malformed."""
    data = entry.read_bytes()
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise InputError(entry.display, f"line {exc.lineno}, column {exc.colno}", f"malformed JSON: {exc.msg}") from None
    except (UnicodeDecodeError, RecursionError) as exc:
        raise InputError(entry.display, "", f"unreadable JSON ({exc.__class__.__name__})") from None


# What converting one malformed Meta record can raise (out-of-range times are RecordErrors: see unix_time).
_MALFORMED = (ValueError, TypeError, AttributeError, KeyError, IndexError)


def _malformed(exc: BaseException) -> str:
    msg = str(exc) if isinstance(exc, RecordError) else f"unexpected structure ({exc.__class__.__name__})"
    return f"malformed record: {msg}"


def convert(entry: Entry, where: str, make: Callable[[], Post | None]) -> Iterator[Item]:
    """Run one record's conversion; a malformed record yields a ReadError (no post text) and loses only itself."""
    return convert_record(entry.display, where, make, "skipped", _MALFORMED, _malformed)


def records(entry: Entry, keys: tuple[str, ...], make: Callable[[Any, int], Post | None]) -> Iterator[Item]:
    """Stream a file's records (see `iter_records`) and convert each with `make(value, index)`."""
    for rec in iter_records(entry, keys):
        if isinstance(rec, ReadError):
            yield rec
            continue
        where, i, value = rec
        yield from convert(entry, where, lambda v=value, i=i: make(v, i))


class MetaPlatform:
    """Tells 'instagram' from 'facebook' for a file both exports share (Messenger-style message_N.json).

    Decided by the path (`your_instagram_activity/`, `your_facebook_activity/`), else by the download folder name
    (`instagram-…`, `facebook-…`), else by Instagram-only files in the same export folder. Built once per tree.
    """

    def __init__(self, tree: Tree):
        self.root_name = _archive_stem(tree.display).lower()
        self.markers = [e.name for e in tree.entries if e.basename.lower() in INSTAGRAM_MARKERS]

    def __call__(self, entry: Entry) -> str:
        parts = [p.lower() for p in PurePosixPath(entry.name).parts[:-1]]
        if "your_instagram_activity" in parts:
            return "instagram"
        if "your_facebook_activity" in parts or "your_activity_across_facebook" in parts:
            return "facebook"
        for name in [*parts, self.root_name]:
            if name.startswith("instagram-"):
                return "instagram"
            if name.startswith("facebook-"):
                return "facebook"
        cut = entry.name.lower().find("messages/")
        root = entry.name[:cut] if cut >= 0 else ""
        return "instagram" if any(m.startswith(root) for m in self.markers) else "facebook"


def _archive_stem(display: str) -> str:
    name = PurePosixPath(display.replace("\\", "/")).name
    for ext in (".zip", ".tar.gz", ".tgz", ".tar"):
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return name


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(PurePosixPath(a).parts, PurePosixPath(b).parts):
        if x != y:
            break
        n += 1
    return n


class AccountFinder:
    """The export's account (handle) and owner's display name, from its profile file or download folder name.

    `profile_name` is the profile file's basename and `read` turns its parsed JSON into (account, display name).
    Build one per tree (profile files are read once); with several exports in one tree the profile file nearest
    the entry wins.
    """

    def __init__(self, tree: Tree, family: str, profile_name: str, read: Callable[[Any], tuple[str | None, str | None]]):
        self.tree, self.family, self.read = tree, family, read
        self.profiles = [e for e in tree.entries if e.basename.lower() == profile_name]
        self._cache: dict[str, tuple[str | None, str | None]] = {}

    def __call__(self, entry: Entry) -> tuple[str | None, str | None]:
        account = name = None
        if self.profiles:
            prof = max(self.profiles, key=lambda p: _common_prefix(p.name, entry.name))
            if prof.name not in self._cache:
                try:
                    self._cache[prof.name] = self.read(load_json_whole(prof))
                except (InputError, ValueError, TypeError, AttributeError, KeyError, IndexError):
                    self._cache[prof.name] = (None, None)
            account, name = self._cache[prof.name]
        if account is None:
            for part in [*PurePosixPath(entry.name).parts[:-1], _archive_stem(self.tree.display)]:
                m = _DOWNLOAD_NAME.match(part)
                if m and m.group(1).lower() == self.family:
                    account = m.group(2)
                    break
        return account, name


def message_posts(entry: Entry, platform: str, account: str | None) -> Iterator[Item]:
    """Posts (kind "dm") of one Messenger-style thread file: `messages[]` with `sender_name`, `timestamp_ms`,
    `content`, media lists (`photos`, `videos`, `gifs`, `audio_files`, `files`: `[].uri`), `sticker.uri` and
    `share.share_text` (scanned when it differs from `content`). Messages with no text or media (call logs) are
    skipped."""
    try:
        doc = load_json_whole(entry)
    except InputError as exc:
        yield exc.to_error()
        return
    if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list):
        yield ReadError(entry.display, "messages", "no 'messages' list: not a Messenger thread file")
        return
    for i, msg in enumerate(doc["messages"]):
        yield from convert(entry, f"messages[{i}]", lambda msg=msg, i=i: _message(entry, platform, account, msg, i))


def _message(entry: Entry, platform: str, account: str | None, msg: Any, i: int) -> Post | None:
    msg = as_dict(msg, "message")
    text = text_of(msg.get("content")) or ""
    media: list[Media] = []
    for key, kind in (("photos", "photo"), ("videos", "video"), ("gifs", "gif"), ("audio_files", "audio"), ("files", "file")):
        for m in as_list(msg, key):
            uri = text_of(as_dict(m, f"'{key}' item").get("uri"))
            if uri:
                media.append(Media(uri=uri, kind=kind))
    sticker = msg.get("sticker")
    sticker_uri = text_of(sticker.get("uri")) if isinstance(sticker, dict) else None
    if sticker_uri:
        media.append(Media(uri=sticker_uri, kind="sticker"))
    fields: list[tuple[str, str]] = []
    share = msg.get("share")
    if isinstance(share, dict):
        share_text = text_of(share.get("share_text"))
        if share_text and not same_text(share_text, text):
            fields.append(("share_text", share_text))
    if not (text.strip() or fields or media):
        return None
    return Post(
        id=f"{entry.name}#{i}",
        text=text,
        platform=platform,
        account=account,
        kind="dm",
        created_at=unix_time(msg.get("timestamp_ms"), "timestamp_ms"),
        author=text_of(msg.get("sender_name")),
        media=tuple(media),
        fields=tuple(fields),
        source=entry.display,
        index=i,
    )


# --- Facebook ------------------------------------------------------------------------------------------------

def _read_facebook_profile(doc: Any) -> tuple[str | None, str | None]:
    prof = doc.get("profile_v2") or doc.get("profile") or {}
    name = prof.get("name")
    full = text_of(name.get("full_name")) if isinstance(name, dict) else text_of(name)
    return text_of(prof.get("username")), full


def _facebook_kind(entry: Entry, forced: bool = False) -> str | None:
    """'posts', 'comments', 'messages' or 'profile' by file name and a look at the file's start.

    Only files with a Facebook export name are opened, unless `forced` (--input-format facebook), which also
    recognises the structures under any file name.
    """
    if entry.suffix != ".json":
        return None
    name = entry.basename.lower()
    posts = bool(_POSTS_NAME.fullmatch(name) or _PAGE_POSTS_NAME.fullmatch(name))
    message = bool(_MESSAGE_NAME.fullmatch(name))
    if not (forced or posts or message or name in ("comments.json", "profile_information.json")):
        return None
    head = entry.head(1024)
    if posts and (forced or _ARRAY_HEAD.match(head) or _OBJECT_HEAD.match(head)):
        return "posts"
    if name == "comments.json" and _COMMENTS_HEAD.match(head):
        return "comments"
    if message and _MESSAGES_HEAD.match(head):
        return "messages"
    if name == "profile_information.json" and _PROFILE_HEAD.match(head):
        return "profile"
    if forced:
        if _COMMENTS_HEAD.match(head):
            return "comments"
        if _MESSAGES_HEAD.match(head):
            return "messages"
        big = entry.head(8192)
        if _ARRAY_HEAD.match(head) and b'"timestamp"' in big and (b'"data"' in big or b'"attachments"' in big):
            return "posts"
    return None


def _attachments(rec: dict, text: str) -> tuple[list[Media], list[tuple[str, str]], Any]:
    """Media, extra fields and the first media's `creation_timestamp` of `attachments[].data[]`: media uri and
    caption (`description`, scanned only when it differs from the text), and a check-in's `place.name`."""
    media: list[Media] = []
    fields: list[tuple[str, str]] = []
    first_time = None
    for att in as_list(rec, "attachments"):
        for d in as_list(as_dict(att, "attachment"), "data"):
            if not isinstance(d, dict):
                continue
            m = d.get("media")
            if isinstance(m, dict):
                uri = text_of(m.get("uri"))
                desc = text_of(m.get("description"))
                if desc and not same_text(desc, text):
                    fields.append((f"media[{len(media)}].description", desc))
                media.append(Media(uri=uri, kind=media_kind(uri)))
                first_time = first_time if first_time is not None else m.get("creation_timestamp")
            place = d.get("place")
            place_name = text_of(place.get("name")) if isinstance(place, dict) else None
            if place_name:
                fields.append(("place", place_name))
    return media, fields, first_time


def _facebook_post(entry: Entry, rec: Any, i: int, account: str | None, owner: str | None) -> Post | None:
    rec = as_dict(rec, "post")
    text = ""
    for d in as_list(rec, "data"):
        if isinstance(d, dict) and "post" in d:
            text = text_of(d["post"]) or ""
            break
    media, fields, media_time = _attachments(rec, text)
    if not (text.strip() or fields or media):
        return None  # e.g. a life event or profile update with nothing but generated prose
    return Post(
        id=f"{entry.name}#{i}",
        text=text,
        platform=PLATFORM,
        account=account,
        kind="post",
        created_at=unix_time(rec.get("timestamp")) or unix_time(media_time, "creation_timestamp"),
        author=owner or account,
        media=tuple(media),
        fields=tuple(fields),
        source=entry.display,
        index=i,
    )


def _facebook_comment(entry: Entry, rec: Any, i: int, account: str | None) -> Post | None:
    rec = as_dict(rec, "comment record")
    comment: dict = {}
    for d in as_list(rec, "data"):
        if isinstance(d, dict) and isinstance(d.get("comment"), dict):
            comment = d["comment"]
            break
    text = text_of(comment.get("comment")) or ""
    media, fields, _ = _attachments(rec, text)
    if not (text.strip() or fields or media):
        return None
    title = text_of(rec.get("title")) or ""
    m = _REPLY_TITLE.search(title)
    return Post(
        id=f"{entry.name}#{i}",
        text=text,
        platform=PLATFORM,
        account=account,
        kind="comment",
        created_at=unix_time(comment.get("timestamp")) or unix_time(rec.get("timestamp")),
        author=text_of(comment.get("author")),
        reply_to_author=m.group(1).strip() if m else None,
        media=tuple(media),
        fields=tuple(fields),
        source=entry.display,
        index=i,
    )


class FacebookLoader:
    """Facebook DYI JSON: profile and page posts, comments, Messenger threads."""

    name = "facebook"
    description = "Facebook 'Download Your Information' JSON export: posts, page posts, comments, Messenger"

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]:
        out = []
        platform_of = MetaPlatform(tree)
        for e in entries:
            kind = _facebook_kind(e, forced)
            if kind == "messages" and not forced and platform_of(e) != PLATFORM:
                continue  # an Instagram DM: the Instagram loader reads it
            if kind is not None or (forced and tree.single_file):
                out.append(e)
        return out

    def load(self, tree: Tree, entries: list[Entry], options: LoadOptions) -> Iterator[Item]:
        find_account = AccountFinder(tree, PLATFORM, "profile_information.json", _read_facebook_profile)
        platform_of = MetaPlatform(tree)
        for e in entries:
            kind = _facebook_kind(e, forced=True)
            if kind == "profile":
                continue  # read for the account name only
            account, owner = find_account(e)
            account = account or owner
            if kind == "messages":
                yield from message_posts(e, platform_of(e), account)
            elif kind == "posts":
                yield from records(e, ("status_updates",), lambda v, i, e=e: _facebook_post(e, v, i, account, owner))
            elif kind == "comments":
                yield from records(e, ("comments_v2", "comments"), lambda v, i, e=e: _facebook_comment(e, v, i, account))
            else:
                yield ReadError(e.display, "", "not a recognised Facebook export file (posts, comments or Messenger)")


LOADERS = [FacebookLoader()]
