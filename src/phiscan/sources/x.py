"""X / Twitter account archive (a .zip, or its unpacked folder with `data/…`).

Format facts relied on (see FORMATS.md):
- Data files are JavaScript: `window.YTD.<name>.part<N> = [ … ]`. Everything up to the first `=` is skipped and
  the rest is a JSON array, streamed with ijson (archives can be hundreds of MB).
- Tweets: `data/tweets.js` and `tweets-part1.js`, … (2022+), each element `{"tweet": {…}}`; or `data/tweet.js`
  (2019-2020), each element the bare tweet object. Both shapes are accepted in every file.
- A tweet: `id_str`, `full_text` (HTML-escaped: unescaped here), `created_at` (`Fri Sep 08 14:00:00 +0000 2023`),
  `in_reply_to_status_id_str` / `in_reply_to_screen_name` / `in_reply_to_user_id_str`,
  `entities.urls[].expanded_url`, `extended_entities.media[]` (`media_url_https`, `type`). No alt text.
  Retweets are ordinary elements whose text starts `RT @user:` (truncated with `…`).
- The username is only in `data/account.js` (`[0].account.username`); URLs are
  `https://twitter.com/<username>/status/<id>`.
- Direct messages: `direct-messages.js` and `direct-messages-group.js`:
  `[].dmConversation.{conversationId, messages[].messageCreate}` with `id`, `text`, `createdAt` (ISO, ms, Z),
  `senderId`, `recipientId` (absent in groups), `mediaUrls[]`. Other message events (joinConversation, …) carry
  no text and are skipped. Older archives name these files `direct-message.js` (singular; unverified).
"""
from __future__ import annotations

import html
import json
import re
from typing import IO, Any, Iterator

import ijson

from ..model import Media, Post, ReadError
from .base import JSON_STREAM_ERRORS, Entry, InputError, Item, LoadOptions, Tree, convert_record, json_truncated, json_value
from .generic import parse_time

PLATFORM = "x"
_PREFIX_LIMIT = 4096  # the `window.YTD.… =` assignment sits in the first bytes of a data file

# File kinds, recognised by base name first, then by the `window.YTD.<name>` variable.
_NAME_KINDS = [
    (re.compile(r"^tweets?(-part\d+)?\.js(on)?$"), "tweets"),
    (re.compile(r"^direct-messages?(-group)?(-part\d+)?\.js(on)?$"), "dms"),
    (re.compile(r"^account\.js(on)?$"), "account"),
]
_VAR_RE = re.compile(rb"^\s*window\.YTD\.([A-Za-z0-9_.]+?)\.part\d+\s*=")
_VAR_KINDS = {"tweets": "tweets", "tweet": "tweets", "direct_messages": "dms", "direct_message": "dms",
              "direct_messages_group": "dms", "direct_message_group": "dms", "account": "account"}
_RT_RE = re.compile(r"^RT @(\w{1,15}):")


def _strip_bom(head: bytes) -> bytes:
    return head[3:] if head.startswith(b"\xef\xbb\xbf") else head


def _kind(entry: Entry) -> str | None:
    """'tweets', 'dms', 'account', 'other' (another file of the archive) or None (not an X archive file)."""
    if entry.suffix not in (".js", ".json"):
        return None
    head = _strip_bom(entry.head(256))
    m = _VAR_RE.match(head)
    if m is None:
        if head.lstrip().startswith(b"window.__THAR_CONFIG"):  # data/manifest.js
            return "other"
        return None
    base = entry.basename.lower()
    for rx, kind in _NAME_KINDS:
        if rx.match(base):
            return kind
    var = m.group(1).decode("ascii").lower()
    return _VAR_KINDS.get(var, "other")


def _forced_kind(entry: Entry) -> str:
    base = entry.basename.lower()
    for rx, kind in _NAME_KINDS:
        if rx.match(base):
            return kind
    return "tweets"


class _Rest:
    """A byte stream: the already-read `pending` bytes, then the rest of `fh`. Just enough for ijson."""

    def __init__(self, pending: bytes, fh: IO[bytes]):
        self._pending, self._fh = pending, fh

    def read(self, n: int = -1) -> bytes:
        if self._pending:
            if n is None or n < 0:
                out, self._pending = self._pending + self._fh.read(), b""
                return out
            out, self._pending = self._pending[:n], self._pending[n:]
            return out
        return self._fh.read(n)


def open_ytd(entry: Entry) -> tuple[IO[bytes], _Rest]:
    """Open a data file positioned after `window.YTD.… =` (or at the start of bare JSON). Raises InputError."""
    fh = entry.open()
    try:
        head = _strip_bom(fh.read(_PREFIX_LIMIT))
    except (OSError, EOFError, RuntimeError) as exc:
        fh.close()
        raise InputError(entry.display, "", f"cannot read: {exc.__class__.__name__}") from None
    start = head.lstrip()[:1]
    if start in (b"[", b"{"):
        return fh, _Rest(head, fh)
    eq = head.find(b"=")
    if eq < 0 or not head.lstrip().startswith(b"window."):
        fh.close()
        raise InputError(entry.display, "byte 0", "not an X archive data file (no 'window.YTD… =' assignment)")
    return fh, _Rest(head[eq + 1 :], fh)


def _stream_objects(stream: Any, target: str) -> Iterator[tuple[str, Any]]:
    """Stream a JSON document event by event (used for DM files, where one conversation may hold very many
    messages). Yields ("item", value) for every value at ijson prefix `target`, ("start", prefix) when an object
    opens at a proper ancestor prefix of `target` (so callers can count enclosing records) and
    ("scalar:<prefix>", value) for scalars outside the items. Stops at the end of the top-level value, so trailing
    bytes are ignored. ijson errors propagate."""
    ancestors = set()
    parts = target.split(".")
    for i in range(1, len(parts)):
        ancestors.add(".".join(parts[:i]))
    events = ijson.parse(stream, use_float=True)
    for prefix, event, value in events:
        if prefix == target and event not in ("map_key", "end_map", "end_array"):
            yield "item", json_value(events, event, value)  # an item's own events are consumed here
            continue
        if event == "start_map" and prefix in ancestors:
            yield "start", prefix
        elif event not in ("start_map", "start_array", "end_map", "end_array", "map_key"):
            yield f"scalar:{prefix}", value
        elif prefix == "" and event in ("end_array", "end_map"):
            return


def _text(value: Any) -> str | None:
    return html.unescape(value) if isinstance(value, str) else None


def _str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


class XArchiveLoader:
    """Loads tweets and direct messages of an X/Twitter account archive."""

    name = "x-archive"
    description = "X/Twitter account archive (.zip or folder): data/tweets.js, tweet.js, direct-messages*.js, account.js"

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]:
        out = []
        for e in entries:
            if _kind(e) is not None or (forced and e.suffix in (".js", ".json")):
                out.append(e)
        return out

    def load(self, tree: Tree, entries: list[Entry], options: LoadOptions) -> Iterator[Item]:
        kinds = {id(e): (_kind(e) or _forced_kind(e)) for e in entries}
        account_entries = [e for e in entries if kinds[id(e)] == "account"]
        if not account_entries:  # e.g. only tweets.js was named on the command line: look beside it
            account_entries = [e for e in tree.entries if e.basename.lower() == "account.js" and _kind(e) == "account"]
        username = account_id = None
        for e in account_entries:
            result = self._account(e)
            if isinstance(result, ReadError):
                yield result
            elif result[0]:
                username, account_id = result
                break
        ordered = sorted((e for e in entries if kinds[id(e)] in ("tweets", "dms")),
                         key=lambda e: (kinds[id(e)] != "tweets", _part_key(e.name)))
        for e in ordered:
            if kinds[id(e)] == "tweets":
                yield from self._tweets(e, username)
            else:
                yield from self._dms(e, username, account_id)

    # -- account.js -------------------------------------------------------------------------------------
    def _account(self, entry: Entry) -> tuple[str | None, str | None] | ReadError:
        """(username, account id) from `[0].account`; account.js is tiny, so it is read whole."""
        try:
            fh, rest = open_ytd(entry)
        except InputError as exc:
            return exc.to_error()
        with fh:
            try:
                data = json.loads(rest.read().rstrip().rstrip(b";"))
            except (ValueError, RecursionError, OSError):
                return ReadError(entry.display, "account", "malformed JSON; username unknown, URLs fall back to /i/web/")
        if isinstance(data, list) and data and isinstance(data[0], dict):
            acc = data[0].get("account")
            if isinstance(acc, dict):
                return _str(acc.get("username")), _str(acc.get("accountId"))
        return ReadError(entry.display, "[0].account", "no account record; username unknown")

    # -- tweets -----------------------------------------------------------------------------------------
    def _tweets(self, entry: Entry, username: str | None) -> Iterator[Item]:
        try:
            fh, rest = open_ytd(entry)
        except InputError as exc:
            yield exc.to_error()
            return
        index = 0
        with fh:
            try:
                for value in ijson.items(rest, "item", use_float=True):  # built in C: fast
                    yield from convert_record(entry.display, f"[{index}]", lambda: self._tweet(value, entry, index, username))
                    index += 1
            except JSON_STREAM_ERRORS as exc:
                if not _after_the_array(exc):  # e.g. a `;` after the array: all records were read
                    yield _stream_error(entry, f"[{index}]", exc)

    def _tweet(self, rec: Any, entry: Entry, index: int, username: str | None) -> Post:
        if isinstance(rec, dict) and isinstance(rec.get("tweet"), dict) and "full_text" not in rec:
            rec = rec["tweet"]  # 2022+ shape
        if not isinstance(rec, dict):
            raise ValueError("record is not a tweet object")
        text = _text(rec.get("full_text", rec.get("text")))
        if text is None:
            raise ValueError("tweet has no string 'full_text'")
        tid = _str(rec.get("id_str")) or _str(rec.get("id")) or f"{entry.name}#{index}"
        reply_id = _str(rec.get("in_reply_to_status_id_str")) or _str(rec.get("in_reply_to_status_id"))
        reply_user = _str(rec.get("in_reply_to_screen_name"))
        is_reply = bool(reply_id or _str(rec.get("in_reply_to_user_id_str")))
        author = username
        rt = _RT_RE.match(text)
        if rt:  # a retweet: the text (truncated) is the retweeted user's
            author = rt.group(1)
        entities = rec.get("entities") if isinstance(rec.get("entities"), dict) else {}
        urls = [u.get("expanded_url") for u in entities.get("urls") or [] if isinstance(u, dict)]
        urls = [u for u in urls if isinstance(u, str) and u]
        fields = (("expanded_urls", "\n".join(urls)),) if urls else ()
        ext = rec.get("extended_entities") if isinstance(rec.get("extended_entities"), dict) else {}
        media_list = ext.get("media") or entities.get("media") or []
        media = tuple(
            Media(uri=_str(m.get("media_url_https") or m.get("media_url")), kind=_str(m.get("type")),
                  alt=_text(m.get("ext_alt_text")) or None)
            for m in media_list if isinstance(m, dict)
        )
        user_part = username or "i/web"
        return Post(
            id=tid,
            text=text,
            platform=PLATFORM,
            account=username,
            kind="reply" if is_reply else "post",
            url=f"https://twitter.com/{user_part}/status/{tid}" if tid.isdigit() else None,
            created_at=parse_time(rec.get("created_at")),
            author=author,
            in_reply_to=reply_id,
            reply_to_author=reply_user,
            media=media,
            fields=fields,
            source=entry.display,
            index=index,
        )

    # -- direct messages --------------------------------------------------------------------------------
    def _dms(self, entry: Entry, username: str | None, account_id: str | None) -> Iterator[Item]:
        try:
            fh, rest = open_ytd(entry)
        except InputError as exc:
            yield exc.to_error()
            return
        conv, msg, index = -1, -1, 0
        conversation_id: str | None = None
        with fh:
            try:
                for tag, value in _stream_objects(rest, "item.dmConversation.messages.item"):
                    if tag == "start" and value == "item":
                        conv, msg, conversation_id = conv + 1, -1, None
                    elif tag == "scalar:item.dmConversation.conversationId":
                        conversation_id = _str(value)
                    elif tag == "item":
                        msg += 1
                        where = f"[{conv}].dmConversation.messages[{msg}]"
                        if isinstance(value, dict) and "messageCreate" not in value:
                            continue  # joinConversation, participantsLeave, …: no text
                        yield from convert_record(entry.display, where, lambda: self._dm(value, entry, index, conversation_id, username, account_id),
                                                  "message skipped")
                        index += 1
            except JSON_STREAM_ERRORS as exc:
                yield _stream_error(entry, f"[{max(conv, 0)}].dmConversation.messages[{msg + 1}]", exc)

    def _dm(self, value: Any, entry: Entry, index: int, conversation_id: str | None,
            username: str | None, account_id: str | None) -> Post:
        m = value.get("messageCreate") if isinstance(value, dict) else None
        if not isinstance(m, dict):
            raise ValueError("message is not an object with 'messageCreate'")
        text = _text(m.get("text"))
        if text is None:
            raise ValueError("message has no string 'text'")
        sender = _str(m.get("senderId"))
        if sender and sender == account_id and username:
            sender = username
        media = tuple(Media(uri=u) for u in m.get("mediaUrls") or [] if isinstance(u, str) and u)
        return Post(
            id=_str(m.get("id")) or f"{entry.name}#{index}",
            text=text,
            platform=PLATFORM,
            account=username,
            kind="dm",
            url=f"https://twitter.com/messages/{conversation_id}" if conversation_id else None,
            created_at=parse_time(m.get("createdAt")),
            author=sender,
            media=media,
            source=entry.display,
            index=index,
        )


def _part_key(name: str) -> tuple[str, int]:
    """Sort tweets.js before tweets-part1.js before tweets-part2.js (numerically)."""
    m = re.search(r"-part(\d+)\.js", name.lower())
    stem = re.sub(r"-part\d+(?=\.js)", "", name.lower())
    return stem, int(m.group(1)) if m else 0


def _after_the_array(exc: BaseException) -> bool:
    """Did ijson stop at bytes after a complete top-level array? (yajl's backends say "trailing garbage",
    the pure-Python one "Additional data found"; which one runs depends on what the machine has built.)"""
    msg = str(exc).lower()
    return "trailing garbage" in msg or "additional data" in msg


def _stream_error(entry: Entry, where: str, exc: BaseException) -> ReadError:
    if isinstance(exc, InputError):  # our own (JSON nested too deeply): names the place, quotes nothing
        return exc.to_error()
    # ijson's own message quotes the bytes around the error (post text): never pass it on.
    kind = "truncated" if json_truncated(exc) else "malformed"
    return ReadError(entry.display, where, f"{kind} JSON ({exc.__class__.__name__}); the rest of this file could not be read")


LOADERS = [XArchiveLoader()]
