"""TikTok "Download your data" export, JSON option: `user_data_tiktok.json` (older `user_data.json`).

Format facts relied on (see FORMATS.md):
- One JSON object of sections. Keys were renamed over time (`Activity` -> `Your Activity`, `Video`/`Videos` ->
  `Post`/`Posts`, `Date`/`Comment` -> `date`/`comment`), so every key is looked up case-insensitively, ignoring
  spaces and underscores, with fallbacks.
- Posts: `Post.Posts.VideoList[]` (older `Video.Videos.VideoList[]`) with `Date`, `Link` (older `VideoLink`,
  unverified) and `Title` (the caption) when present. The video id is the number in the link.
- Comments: `Comment.Comments.CommentsList[]` with `date`/`Date` and `comment`/`Comment`.
- DMs: `Direct Message."Direct Messages".ChatHistory["Chat History with <user>:"][]` with `Date`, `From`, `Content`;
  older exports: top-level `"Direct Messages"."Chat History"` (then `ChatHistory` when present). Both are searched.
- Dates `YYYY-MM-DD HH:MM:SS` with no zone: read as UTC. "N/A" stands for a missing value.
- The username is `Profile."Profile Information".ProfileMap.userName` (searched for by key inside the profile section).

The file is streamed section by section: sections that hold no posts (watch history, likes, ads, settings; often most
of the file) are skipped without being built in memory.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterator

import ijson

from ..model import Post, ReadError
from .base import JSON_STREAM_ERRORS, Entry, InputError, Item, LoadOptions, Tree, convert_record, json_truncated, json_value
from .generic import parse_time

PLATFORM = "tiktok"
_FILE_NAMES = ("user_data_tiktok.json", "user_data.json")
_HEAD_KEYS = re.compile(
    rb'"(activity|your activity|ads and data|app settings|comments?|direct messages?|posts?|profile|videos?|'
    rb'tiktok live|tiktok shopping)"\s*:', re.IGNORECASE)
# Normalised top-level section names -> what they hold.
_SECTIONS = {"post": "posts", "posts": "posts", "video": "posts", "videos": "posts",
             "comment": "comments", "comments": "comments",
             "directmessage": "dms", "directmessages": "dms",
             "profile": "profile", "profileandsettings": "profile"}
_VIDEO_ID = re.compile(r"/video/(\d+)")


def _norm(key: Any) -> str:
    return re.sub(r"[\s_]+", "", str(key)).lower()


def _get(node: Any, *names: str) -> tuple[str, Any] | None:
    """(actual key, value) of the first of `names` present in dict `node`, compared case-insensitively."""
    if not isinstance(node, dict):
        return None
    keys = {_norm(k): k for k in node}
    for n in names:
        k = keys.get(_norm(n))
        if k is not None:
            return k, node[k]
    return None


def _dig(node: Any, path: str, *steps: tuple[str, ...]) -> tuple[str, Any] | None:
    """Follow `steps` (each a tuple of alternative key names); returns (JSON path, value) or None."""
    for alternatives in steps:
        found = _get(node, *alternatives)
        if found is None:
            return None
        path, node = f"{path}.{found[0]}", found[1]
    return path, node


def _value(rec: dict, *names: str) -> str | None:
    found = _get(rec, *names)
    if found is None or found[1] is None:
        return None
    if not isinstance(found[1], (str, int, float)):
        raise ValueError(f"field '{found[0]}' is not a string")
    s = str(found[1])
    return None if s.strip() in ("", "N/A") else s


def _find_username(node: Any, depth: int = 0) -> str | None:
    if depth > 6:
        return None
    if isinstance(node, dict):
        v = _get(node, "userName", "uniqueId")
        if v and isinstance(v[1], str) and v[1].strip() and v[1] != "N/A":
            return v[1]
        for child in node.values():
            found = _find_username(child, depth + 1)
            if found:
                return found
    return None


def _chat_map(node: Any, path: str, depth: int = 0) -> tuple[str, dict] | None:
    """The dict of `"Chat History with <user>:"` -> messages, below a DM section (either layout)."""
    if not isinstance(node, dict) or depth > 4:
        return None
    if any(_norm(k).startswith("chathistorywith") for k in node):
        return path, node
    for name in ("Direct Messages", "Direct Message", "Chat History"):
        found = _get(node, name)
        if found is not None:
            result = _chat_map(found[1], f"{path}.{found[0]}", depth + 1)
            if result is not None:
                return result
    return None


class _NotTikTok(Exception):
    """The file's top level is not a JSON object."""


def _stream_sections(stream: Any, state: dict) -> Iterator[tuple[str, Any]]:
    """Yield (top-level key, value) for the sections this loader reads; skip the others without building them.
    `state["key"]` names the section being read (for error messages)."""
    events = ijson.basic_parse(stream, use_float=True)
    first = next(events, (None, None))
    if first[0] != "start_map":
        raise _NotTikTok("top level is not a JSON object")
    for event, value in events:  # the top level's events: a section's own are consumed by json_value
        if event == "map_key":
            state["key"] = value
            continue
        if event == "end_map":
            state["key"] = None
            return
        wanted = _norm(state["key"]) in _SECTIONS
        value = json_value(events, event, value, build=wanted)
        if wanted:
            yield state["key"], value


class TikTokLoader:
    """Loads posts (captions), comments and direct messages of a TikTok JSON export."""

    name = "tiktok"
    description = "TikTok data export (JSON): user_data_tiktok.json / user_data.json, posts, comments, DMs"

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]:
        out = []
        for e in entries:
            if forced and e.suffix == ".json":
                out.append(e)
            elif e.basename.lower() in _FILE_NAMES:
                head = e.head(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
                if head.startswith(b"{") and _HEAD_KEYS.search(head):
                    out.append(e)
        return out

    def load(self, tree: Tree, entries: list[Entry], options: LoadOptions) -> Iterator[Item]:
        for e in entries:
            yield from self._load_file(e)

    def _load_file(self, entry: Entry) -> Iterator[Item]:
        sections: dict[str, list[tuple[str, Any]]] = {"posts": [], "comments": [], "dms": [], "profile": []}
        failure: ReadError | None = None
        state: dict[str, Any] = {"key": None}
        try:
            fh = entry.open()
            try:
                if fh.read(3) != b"\xef\xbb\xbf":  # no BOM: start again from the first byte
                    fh.close()
                    fh = entry.open()
                for key, value in _stream_sections(fh, state):
                    sections[_SECTIONS[_norm(key)]].append((key, value))
            finally:
                fh.close()
        except InputError as exc:
            failure = exc.to_error()
        except _NotTikTok as exc:
            failure = ReadError(entry.display, "top level", f"not a TikTok export: {exc}")
        except JSON_STREAM_ERRORS as exc:
            where = f"section {state['key']!r}" if state["key"] is not None else "top level"
            # ijson's messages quote the bytes around the error (post text): never passed on.
            what = "truncated" if json_truncated(exc) else "malformed"
            failure = ReadError(entry.display, where, f"{what} JSON ({exc.__class__.__name__}); this section and the rest of the file could not be read")
        username = next((u for _, v in sections["profile"] if (u := _find_username(v))), None)
        counter = _Counter()
        for key, value in sections["posts"]:
            yield from self._posts(entry, key, value, username, counter)
        for key, value in sections["comments"]:
            yield from self._comments(entry, key, value, username, counter)
        for key, value in sections["dms"]:
            yield from self._dms(entry, key, value, username, counter)
        if failure is not None:
            yield failure

    def _records(self, entry: Entry, found: tuple[str, Any] | None, what: str) -> Iterator[tuple[str, int, Any] | ReadError]:
        """(JSON path, position, record) for each element of the list `found` (path, value), if any."""
        if found is None:
            return
        path, value = found
        if not isinstance(value, list):
            if value not in (None, "", "N/A"):
                yield ReadError(entry.display, path, f"{what} is not a list; skipped")
            return
        for i, rec in enumerate(value):
            yield f"{path}[{i}]", i, rec

    def _convert(self, entry: Entry, records: Iterator[tuple[str, int, Any] | ReadError], make: Callable[[Any, int, int], Post],
                 skipped: str, counter: "_Counter") -> Iterator[Item]:
        """Each record as a post `make(record, position, index)`; a malformed one loses only itself (and its index)."""
        for item in records:
            if isinstance(item, ReadError):
                yield item
                continue
            where, i, rec = item
            index = counter.next()
            yield from convert_record(entry.display, where, lambda: make(rec, i, index), skipped)

    def _posts(self, entry: Entry, key: str, value: Any, username: str | None, counter: "_Counter") -> Iterator[Item]:
        found = _dig(value, key, ("Posts", "Videos", "Post", "Video"), ("VideoList", "PostList", "Videos", "Posts"))
        if found is None:
            found = _dig(value, key, ("VideoList", "PostList"))
        yield from self._convert(entry, self._records(entry, found, "post list"),
                                 lambda rec, i, index: _video_post(entry, username, rec, i, index), "record skipped", counter)

    def _comments(self, entry: Entry, key: str, value: Any, username: str | None, counter: "_Counter") -> Iterator[Item]:
        found = _dig(value, key, ("Comments", "Comment"), ("CommentsList", "CommentList", "Comments"))
        if found is None:
            found = _dig(value, key, ("CommentsList", "CommentList"))
        yield from self._convert(entry, self._records(entry, found, "comment list"), lambda rec, i, index: _text_post(
            entry, username, _COMMENT, rec, f"{entry.name}#comments[{i}]", index), "record skipped", counter)

    def _dms(self, entry: Entry, key: str, value: Any, username: str | None, counter: "_Counter") -> Iterator[Item]:
        found = _chat_map(value, key)
        if found is None:
            return
        path, chats = found
        for t, messages in enumerate(chats.values()):
            # The thread key names the other person: kept out of ids and error locations.
            thread = f"{path}[thread {t}]"
            yield from self._convert(entry, self._records(entry, (thread, messages), "chat history"), lambda rec, i, index, t=t: _text_post(
                entry, username, _DM, rec, f"{entry.name}#dm[{t}][{i}]", index), "message skipped", counter)


def _video_post(entry: Entry, username: str | None, rec: Any, i: int, index: int) -> Post:
    """A post (video) record: the caption is its text, the number in its link its id."""
    if not isinstance(rec, dict):
        raise ValueError("post is not an object")
    link = _value(rec, "Link", "VideoLink", "Video Link", "url")
    m = _VIDEO_ID.search(link or "")
    return Post(
        id=m.group(1) if m else f"{entry.name}#posts[{i}]",
        text=_value(rec, "Title", "Caption", "Description") or "",
        platform=PLATFORM,
        account=username,
        kind="post",
        url=link,
        created_at=parse_time(_value(rec, "Date")),
        author=username,
        source=entry.display,
        index=index,
    )


# Records that are a text of their own: (what errors call one, kind, text keys, date keys, author keys: () for the
# account itself).
_COMMENT = ("comment", "comment", ("comment", "Comment"), ("date", "Date"), ())
_DM = ("message", "dm", ("Content", "Message"), ("Date",), ("From", "Sender"))


def _text_post(entry: Entry, username: str | None, spec: tuple, rec: Any, post_id: str, index: int) -> Post:
    """A comment or direct message record (`spec`: `_COMMENT` or `_DM`); its text is required."""
    what, kind, text_keys, date_keys, author_keys = spec
    if not isinstance(rec, dict):
        raise ValueError(f"{what} is not an object")
    text = _value(rec, *text_keys)
    if text is None:
        raise ValueError(f"{what} has no text field '{text_keys[0]}'")
    return Post(
        id=post_id,
        text=text,
        platform=PLATFORM,
        account=username,
        kind=kind,
        created_at=parse_time(_value(rec, *date_keys)),
        author=_value(rec, *author_keys) if author_keys else username,
        source=entry.display,
        index=index,
    )


class _Counter:
    """Record index across the sections of one file."""

    def __init__(self) -> None:
        self.n = -1

    def next(self) -> int:
        self.n += 1
        return self.n


LOADERS = [TikTokLoader()]
