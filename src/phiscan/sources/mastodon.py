"""Mastodon account archive (.zip, .tar.gz or unpacked folder): `outbox.json`, `actor.json`, `media_attachments/`.

Format facts relied on (see FORMATS.md):
- `outbox.json` is an ActivityStreams OrderedCollection; posts are `orderedItems[]` activities. `Create` items hold
  an `object` (Note, or Question for polls) with `content` (HTML), `summary` (content warning), `published`
  (ISO, Z), `id`, `url`, `inReplyTo`, `to`/`cc` and `attachment[]` (`url`, `mediaType`, `name` = alt text or null).
- Direct messages are in the outbox too: their `to`/`cc` list only accounts, neither the Public collection nor
  the account's followers collection (followers-only posts are not DMs).
- `Announce` (boost) items carry `object` as a plain URL string: no text, skipped. An inline object (other
  servers) is read like a Create.
- A real export has the key `orderedItems` twice (an empty one, then the full one); Python's json keeps the
  last. The outbox is streamed with ijson in two passes to honour that in bounded memory: pass 1 counts the
  top-level `orderedItems` keys, pass 2 reads only the items of the last one. `totalItems` is not the real count
  and is not used.
- `actor.json` (a Person) gives the account: `preferredUsername` and the `followers` collection URL.
  `likes.json` and `bookmarks.json` list other people's posts by URL only: claimed, not read.

HTML is turned into plain text with the stdlib html.parser: tags stripped, `<br>` -> newline, paragraphs
separated by a blank line, `<span class="invisible">` parts (the hidden scheme and tail of long links) dropped,
entities unescaped. Offsets of findings refer to that plain text.
"""
from __future__ import annotations

import json
import re
import tarfile
import zipfile
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any, Iterable, Iterator

import ijson

from ..model import Media, Post, ReadError
from .base import Entry, InputError, Item, LoadOptions, Tree, convert_record
from .generic import parse_time

PLATFORM = "mastodon"
PUBLIC = {"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"}
NO_POST_FILES = {"likes.json", "bookmarks.json"}
MEDIA_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp4", ".webm", ".mov", ".mp3", ".ogg", ".m4a", ".wav"}
_VOID = {"br", "img", "hr", "input", "meta", "link", "wbr", "source"}
_STREAM_ERRORS = (ijson.JSONError, ValueError, OSError, EOFError, zipfile.BadZipFile, tarfile.TarError, InputError)
_STATUS_URL = re.compile(r"^https?://([^/]+)/(?:users/([^/]+)/statuses|@([^/]+))/")
_ACTOR_URL = re.compile(r"^https?://([^/]+)/(?:users/|@)([^/]+)/?$")


class _HtmlText(HTMLParser):
    """Collects the visible text of a Mastodon status body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, is an invisible span)
        self.hidden = 0
        self.seen_text = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            if not self.hidden:
                self.parts.append("\n")
            return
        if tag == "p" and not self.hidden and self.seen_text:
            self.parts.append("\n\n")
        if tag in _VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        invisible = tag == "span" and "invisible" in classes
        self.stack.append((tag, invisible))
        self.hidden += invisible

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                self.hidden -= sum(inv for _, inv in self.stack[i:])
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)
            self.seen_text = self.seen_text or bool(data.strip())


def html_to_text(html: str) -> str:
    """Plain text of a status body: see the module docstring for the rules."""
    p = _HtmlText()
    p.feed(html)
    p.close()
    return "".join(p.parts).strip()


def _handle_from_url(url: Any) -> str | None:
    """`@name@host` from a status URL (`https://host/users/name/statuses/1` or `https://host/@name/1`)."""
    m = _STATUS_URL.match(url) if isinstance(url, str) else None
    return f"@{m.group(2) or m.group(3)}@{m.group(1)}" if m else None


def _actor_name(url: Any) -> tuple[str, str] | None:
    """(name, host) of an actor URL (`https://host/users/name`)."""
    m = _ACTOR_URL.match(url) if isinstance(url, str) else None
    return (m.group(2), m.group(1)) if m else None


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _media_kind(media_type: Any) -> str | None:
    if not isinstance(media_type, str):
        return None
    major = media_type.split("/", 1)[0]
    return {"image": "photo", "video": "video", "audio": "audio"}.get(major, media_type)


class _Account:
    """What actor.json says about the account: handle and followers collection."""

    def __init__(self, username: str | None = None, followers: str | None = None):
        self.username, self.followers = username, followers


def _read_actor(entry: Entry) -> tuple[_Account, ReadError | None]:
    try:
        data = json.loads(entry.read_bytes())
    except InputError as exc:
        return _Account(), exc.to_error()
    except (ValueError, RecursionError) as exc:
        where = f"line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        return _Account(), ReadError(entry.display, where, "malformed JSON in actor.json; account name unknown")
    if not isinstance(data, dict):
        return _Account(), ReadError(entry.display, "", "actor.json is not a JSON object; account name unknown")
    name, followers = data.get("preferredUsername"), data.get("followers")
    return _Account(name if isinstance(name, str) else None, followers if isinstance(followers, str) else None), None


def _count_item_arrays(entry: Entry) -> int:
    """Pass 1: how many top-level `orderedItems` keys the file has (counting stops at a JSON error)."""
    n = 0
    try:
        with entry.open() as fh:
            for prefix, event, value in ijson.parse(fh):
                if prefix == "" and event == "map_key" and value == "orderedItems":
                    n += 1
    except _STREAM_ERRORS:
        pass
    return n


def _last_array_only(events: Iterable[tuple[str, str, Any]], wanted: int) -> Iterator[tuple[str, str, Any]]:
    """Drop the events of every top-level `orderedItems` value except occurrence number `wanted` (1-based)."""
    seen = 0
    for prefix, event, value in events:
        if prefix == "" and event == "map_key" and value == "orderedItems":
            seen += 1
        if seen != wanted and (prefix == "orderedItems" or prefix.startswith("orderedItems.")):
            continue
        yield prefix, event, value


class _ItemError(ValueError):
    """A structural problem of one outbox item; its message names keys only, never text."""


def _describe(exc: Exception) -> str:
    return str(exc) if isinstance(exc, _ItemError) else f"cannot read item: {exc.__class__.__name__}"


class MastodonLoader:
    name = "mastodon"
    description = "Mastodon account archive (outbox.json, actor.json; .zip/.tar.gz/folder): posts, replies, DMs, CWs, alt text"

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]:
        if forced:
            return [e for e in entries if e.suffix not in MEDIA_SUFFIXES]
        outboxes = [e for e in entries if e.basename.lower() == "outbox.json" and _looks_like_outbox(e)]
        dirs = {PurePosixPath(e.name).parent for e in outboxes}
        extras = [
            e for e in entries
            if PurePosixPath(e.name).parent in dirs and (e.basename.lower() in NO_POST_FILES or e.basename.lower() == "actor.json")
        ]
        return outboxes + extras

    def load(self, tree: Tree, entries: list[Entry], options: LoadOptions) -> Iterator[Item]:
        for e in entries:
            low = e.basename.lower()
            if low in NO_POST_FILES or low == "actor.json":
                continue
            account, err = self._account_for(tree, e)
            if err is not None:
                yield err
            yield from self._load_outbox(e, account)

    def _account_for(self, tree: Tree, outbox: Entry) -> tuple[_Account, ReadError | None]:
        """The actor.json next to the outbox, else the only one in the tree."""
        actors = [a for a in tree.entries if a.basename.lower() == "actor.json"]
        here = [a for a in actors if PurePosixPath(a.name).parent == PurePosixPath(outbox.name).parent]
        chosen = here or (actors if len(actors) == 1 else [])
        return _read_actor(chosen[0]) if chosen else (_Account(), None)

    def _load_outbox(self, e: Entry, account: _Account) -> Iterator[Item]:
        arrays = _count_item_arrays(e)
        index = 0
        try:
            with e.open() as fh:
                events = _last_array_only(ijson.parse(fh), max(arrays, 1))
                for item in ijson.items(events, "orderedItems.item"):
                    yield from convert_record(e.display, f"orderedItems[{index}]", lambda: _item_post(item, e, index, account),
                                              "item skipped", (Exception,), _describe)  # any error: one bad item loses only itself
                    index += 1
        except _STREAM_ERRORS as exc:
            if isinstance(exc, InputError):
                yield exc.to_error()
            else:  # never show ijson's message: it quotes the file's text
                yield ReadError(e.display, f"orderedItems[{index}]", "malformed or truncated JSON; the rest of the file was not read")
            return
        if arrays == 0:
            yield ReadError(e.display, "", "no orderedItems: not a Mastodon outbox")


def _looks_like_outbox(e: Entry) -> bool:
    head = e.head(8192)
    return b"orderedItems" in head or (b"OrderedCollection" in head and b"activitystreams" in head)


def _item_post(item: Any, e: Entry, index: int, account: _Account) -> Post | None:
    """One outbox activity as a Post; None for activities without text of the account (boosts by URL)."""
    if not isinstance(item, dict):
        raise _ItemError("item is not a JSON object")
    kind_of = item.get("type")
    obj = item.get("object")
    if kind_of == "Announce" and isinstance(obj, str):
        return None
    if kind_of not in ("Create", "Announce"):
        return None
    if not isinstance(obj, dict):
        raise _ItemError(f"{kind_of} item has no object")
    content = obj.get("content")
    if content is None and isinstance(obj.get("contentMap"), dict):
        content = next((v for v in obj["contentMap"].values() if isinstance(v, str)), None)
    if content is not None and not isinstance(content, str):
        raise _ItemError("object.content is not a string")
    fields: list[tuple[str, str]] = []
    summary = obj.get("summary")
    if isinstance(summary, str) and summary.strip():
        fields.append(("content_warning", summary))
    for i, option in enumerate(_as_list(obj.get("oneOf")) + _as_list(obj.get("anyOf"))):
        if isinstance(option, dict) and isinstance(option.get("name"), str) and option["name"].strip():
            fields.append((f"poll_option[{i}]", option["name"]))
    media = []
    for att in _as_list(obj.get("attachment")):
        if isinstance(att, dict):
            alt = att.get("name")
            uri = att.get("url")
            media.append(Media(
                uri=uri if isinstance(uri, str) else None,
                kind=_media_kind(att.get("mediaType")),
                alt=alt if isinstance(alt, str) and alt.strip() else None,
            ))
    audience = {a for a in _as_list(obj.get("to")) + _as_list(obj.get("cc")) if isinstance(a, str)}
    if not audience:
        audience = {a for a in _as_list(item.get("to")) + _as_list(item.get("cc")) if isinstance(a, str)}
    reply = obj.get("inReplyTo") if isinstance(obj.get("inReplyTo"), str) else None
    if audience and not audience & PUBLIC and not _has_followers(audience, account):
        kind = "dm"
    else:
        kind = "reply" if reply else "post"
    actor = _actor_name(item.get("actor"))
    own = account.username or (actor[0] if actor else None)
    if kind_of == "Create":
        author = own
    else:  # a boost with the boosted post inline: the author is the original poster
        original = _actor_name(obj.get("attributedTo"))
        author = f"@{original[0]}@{original[1]}" if original else None
    pid = obj.get("id") or item.get("id")
    return Post(
        id=str(pid) if isinstance(pid, (str, int)) and pid != "" else f"{e.name}#{index}",
        text=html_to_text(content or ""),
        platform=PLATFORM,
        account=own,
        kind=kind,
        url=obj.get("url") if isinstance(obj.get("url"), str) else None,
        created_at=parse_time(obj.get("published") or item.get("published")),
        author=author,
        in_reply_to=reply,
        reply_to_author=_handle_from_url(reply),
        media=tuple(media),
        fields=tuple(fields),
        source=e.display,
        index=index,
    )


def _has_followers(audience: set[str], account: _Account) -> bool:
    if account.followers and account.followers in audience:
        return True
    return any(a.rstrip("/").endswith("/followers") for a in audience)


LOADERS = [MastodonLoader()]
