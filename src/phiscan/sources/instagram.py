"""Instagram "Download Your Information" export (JSON option), and the Threads posts it contains.

Format facts relied on (see FORMATS.md); the same mojibake as Facebook, fixed with `facebook.fix_mojibake`:
- Posts: `posts_N.json`, under `your_instagram_activity/content/` (older exports: `content/`); matched by file
  name. A JSON array (streamed) of posts: the caption is the post-level `title`, else `media[0].title`
  (single-media posts keep it on the media, carousels at post level); `creation_timestamp` (Unix seconds) at
  post or media level; `media[].uri` relative paths. No shortcode, id or URL: ids are made up from file path +
  record index. A caption is the post's text, so such posts have kind "post".
- Comments: `post_comments_N.json`, an array of `{"string_map_data": {"Comment": {"value"}, "Time":
  {"timestamp"}, "Media Owner": {"value"}}}`; reel comments (`reels_comments.json`) are wrapped as
  `{"comments_reels_comments": [...]}`. Any `{"comments_<kind>": [...]}` wrapper is accepted. The comments are
  the account's own; "Media Owner" (whose post was commented on) becomes `reply_to_author`.
- DMs: `messages/inbox/<thread>/message_N.json` in an Instagram export, same structure as Messenger (read with
  `facebook.message_posts`, platform "instagram").
- Account: `personal_information.json` (`profile_user[0].string_map_data.Username.value`), else the download
  folder name `instagram-<username>-<YYYY-MM-DD>-<code>`.

Threads (`threads/threads_and_replies.json`, platform "threads"): FORMATS.md only gives the file and its
`text_post_app_text_posts[]` list. Assumed, defensively: each element has the Instagram post shape (`title` at
post level or in `media[0].title`, `creation_timestamp` at either level, `media[].uri`, often an empty uri for
text-only posts); `text_app_post.is_reply` true (at post or media level) marks a reply (kind "reply"); a bare
top-level array is accepted too. The Threads handle is taken to be the Instagram username (Threads accounts are
created from Instagram accounts).
"""
from __future__ import annotations

import re
from typing import Any, Iterator

from ..model import Media, Post, ReadError
from .base import Entry, Item, LoadOptions, Tree
from .facebook import (
    AccountFinder,
    MetaPlatform,
    as_dict,
    as_list,
    media_kind,
    message_posts,
    records,
    same_text,
    text_of,
    unix_time,
)

_POSTS_NAME = re.compile(r"posts_\d+\.json", re.I)
_COMMENTS_NAME = re.compile(r"(?:post_comments(?:_\d+)?|reels_comments)\.json", re.I)
_MESSAGE_NAME = re.compile(r"message_\d+\.json", re.I)
_POSTS_HEAD = re.compile(rb'^\s*\[\s*(?:\]|\{\s*"(?:media|title|creation_timestamp)"\s*:)')
_COMMENTS_HEAD = re.compile(rb'^\s*(?:\[\s*[\]{]|\{\s*"comments_\w+"\s*:\s*\[)')
_MESSAGES_HEAD = re.compile(rb'^\s*\{\s*"(?:participants|messages)"\s*:')
_WRAPPED_COMMENTS_HEAD = re.compile(rb'^\s*\{\s*"(comments_\w+)"\s*:\s*\[')
_PROFILE_HEAD = re.compile(rb'^\s*\{\s*"profile_user"\s*:')
_THREADS_HEAD = re.compile(rb'^\s*(?:\{\s*"text_post_app_text_posts"\s*:|\[)')
THREADS_KEY = "text_post_app_text_posts"


def _read_instagram_profile(doc: Any) -> tuple[str | None, str | None]:
    users = doc.get("profile_user") or []
    smd = (users[0].get("string_map_data") or {}) if users else {}
    username, name = smd.get("Username") or {}, smd.get("Name") or {}
    return text_of(username.get("value")), text_of(name.get("value"))


def _account_finder(tree: Tree) -> AccountFinder:
    return AccountFinder(tree, "instagram", "personal_information.json", _read_instagram_profile)


def _value(smd: dict, key: str, field: str = "value") -> Any:
    item = smd.get(key)
    return item.get(field) if isinstance(item, dict) else None


def _media_post(entry: Entry, rec: Any, i: int, platform: str, account: str | None) -> Post | None:
    """An Instagram post or Threads post: caption from post-level `title`, else `media[0].title`."""
    rec = as_dict(rec, "post")
    items = [as_dict(m, "'media' item") for m in as_list(rec, "media")]
    first = items[0] if items else {}
    text = text_of(rec.get("title")) or text_of(first.get("title")) or ""
    media: list[Media] = []
    fields: list[tuple[str, str]] = []
    for j, m in enumerate(items):
        uri = text_of(m.get("uri"))
        if uri:
            media.append(Media(uri=uri, kind=media_kind(uri)))
        title = text_of(m.get("title"))
        if title and not same_text(title, text):  # a carousel item with its own caption
            fields.append((f"media[{j}].title", title))
    if not (text.strip() or fields or media):
        return None
    created = unix_time(rec.get("creation_timestamp"), "creation_timestamp")
    if created is None:
        created = unix_time(first.get("creation_timestamp"), "creation_timestamp")
    reply = any(isinstance(x.get("text_app_post"), dict) and x["text_app_post"].get("is_reply") is True for x in (rec, first))
    return Post(
        id=f"{entry.name}#{i}",
        text=text,
        platform=platform,
        account=account,
        kind="reply" if reply else "post",
        created_at=created,
        author=account,
        media=tuple(media),
        fields=tuple(fields),
        source=entry.display,
        index=i,
    )


def _comment(entry: Entry, rec: Any, i: int, account: str | None) -> Post | None:
    rec = as_dict(rec, "comment record")
    smd = as_dict(rec.get("string_map_data") or {}, "'string_map_data'")
    text = text_of(_value(smd, "Comment")) or ""
    if not text.strip():
        return None
    return Post(
        id=f"{entry.name}#{i}",
        text=text,
        platform="instagram",
        account=account,
        kind="comment",
        created_at=unix_time(_value(smd, "Time", "timestamp"), "Time.timestamp"),
        author=account,
        reply_to_author=text_of(_value(smd, "Media Owner")),
        source=entry.display,
        index=i,
    )


def _instagram_kind(entry: Entry, platform_of: MetaPlatform, forced: bool) -> str | None:
    """'posts', 'comments', 'messages' or 'profile' by file name and a look at the file's start.

    Only files with an Instagram export name are opened, unless `forced` (--input-format instagram), which also
    recognises the structures under any file name.
    """
    if entry.suffix != ".json":
        return None
    name = entry.basename.lower()
    posts, comments, message = (bool(r.fullmatch(name)) for r in (_POSTS_NAME, _COMMENTS_NAME, _MESSAGE_NAME))
    if not (forced or posts or comments or message or name == "personal_information.json"):
        return None
    head = entry.head(1024)
    if posts and (forced or _POSTS_HEAD.match(head)):
        return "posts"
    if comments and (forced or _COMMENTS_HEAD.match(head)):
        return "comments"
    if message and _MESSAGES_HEAD.match(head) and (forced or platform_of(entry) == "instagram"):
        return "messages"
    if name == "personal_information.json" and _PROFILE_HEAD.match(head):
        return "profile"
    if forced:
        if _POSTS_HEAD.match(head):
            return "posts"
        if _WRAPPED_COMMENTS_HEAD.match(head) or b'"string_map_data"' in entry.head(8192):
            return "comments"
        if _MESSAGES_HEAD.match(head):
            return "messages"
    return None


class InstagramLoader:
    """Instagram DYI JSON: posts (captions), comments on posts and reels, DMs."""

    name = "instagram"
    description = "Instagram 'Download Your Information' JSON export: posts, comments, reel comments, DMs"

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]:
        platform_of = MetaPlatform(tree)
        return [e for e in entries if _instagram_kind(e, platform_of, forced) or (forced and tree.single_file)]

    def load(self, tree: Tree, entries: list[Entry], options: LoadOptions) -> Iterator[Item]:
        find_account = _account_finder(tree)
        platform_of = MetaPlatform(tree)
        for e in entries:
            kind = _instagram_kind(e, platform_of, forced=True)
            if kind == "profile":
                continue  # read for the account name only
            account = find_account(e)[0]
            if kind == "posts":
                yield from records(e, (), lambda v, i, e=e: _media_post(e, v, i, "instagram", account))
            elif kind == "comments":
                m = _WRAPPED_COMMENTS_HEAD.match(e.head(1024))
                keys = (m.group(1).decode("ascii"),) if m else ()
                yield from records(e, keys, lambda v, i, e=e: _comment(e, v, i, account))
            elif kind == "messages":
                yield from message_posts(e, "instagram", account)
            else:
                yield ReadError(e.display, "", "not a recognised Instagram export file (posts, comments or messages)")


class ThreadsLoader:
    """Threads posts and replies, as found in the Instagram export (`threads/threads_and_replies.json`)."""

    name = "threads"
    description = "Threads posts and replies (threads_and_replies.json in the Instagram/Threads export)"

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]:
        out = []
        for e in entries:
            if forced and tree.single_file:
                out.append(e)
            elif e.basename.lower() == "threads_and_replies.json" and _THREADS_HEAD.match(e.head(1024)):
                out.append(e)
            elif forced and e.suffix == ".json" and b'"text_post_app_text_posts"' in e.head(1024):
                out.append(e)
        return out

    def load(self, tree: Tree, entries: list[Entry], options: LoadOptions) -> Iterator[Item]:
        find_account = _account_finder(tree)
        for e in entries:
            account = find_account(e)[0]
            yield from records(e, (THREADS_KEY,), lambda v, i, e=e: _media_post(e, v, i, "threads", account))


LOADERS = [InstagramLoader(), ThreadsLoader()]
