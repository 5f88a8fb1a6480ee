"""Mastodon archive loader: outbox.json (streamed, last orderedItems wins), actor.json, HTML content, DMs."""
from __future__ import annotations

import json
import shutil
from datetime import datetime

import pytest

from phiscan.model import Media, Post, ReadError
from phiscan.sources import get_loader
from phiscan.sources.base import open_tree
from phiscan.sources.mastodon import MastodonLoader, html_to_text
from sources_helpers import EXPORTS, UTC, claim_and_load, load, make_archive, sourceless

FIXTURE = EXPORTS / "mastodon"
ME = "https://health.example.social/users/riversidemed"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def status(n: int) -> str:
    return f"{ME}/statuses/11200000000000000{n}"


def test_folder_loads_exact_posts():
    posts, errors = load(FIXTURE)
    assert errors == []
    # totalItems says 11; the boost (item 4) has no text; the empty first orderedItems adds nothing
    assert [p.id for p in posts] == [status(1), status(2), status(3), status(4), status(6)]
    assert [p.index for p in posts] == [0, 1, 2, 3, 5]
    assert {(p.platform, p.account) for p in posts} == {("mastodon", "riversidemed")}
    assert all(p.source == str(FIXTURE / "outbox.json") for p in posts)
    drive, ward, reply, dm, staff = posts

    assert drive.text == (
        "Our spring blood drive is this Saturday, 9am\u20133pm in the Elm Street lobby. Snacks & stickers for every donor!\n"
        "Sign up: riverside.example.org/events/b #BloodDrive"
    )
    assert drive.kind == "post"
    assert drive.url == "https://health.example.social/@riversidemed/112000000000000001"
    assert drive.created_at == datetime(2024, 5, 6, 14, 0, tzinfo=UTC)
    assert drive.author == "riversidemed"
    assert drive.media == (
        Media(
            uri="/media_attachments/files/112/000/000/000/001/original/a1b2c3d4e5f60001.png",
            kind="photo",
            alt="Volunteers in blue shirts at the blood drive registration table",
        ),
    )
    assert drive.fields == ()

    assert ward.text == (
        "Day 3 on 4 North: my patient Solange Thibodeaux in room 412 was finally discharged yesterday. We'll miss her jokes!"
        "\n\nChart closed under MRN 00739218."
    )
    assert ward.fields == (("content_warning", "hospital stay, discharge"),)
    assert ward.created_at == datetime(2024, 5, 8, 21, 15, 30, tzinfo=UTC)

    assert reply.kind == "reply"
    assert reply.text == "@gardenlover Thank you! Tours of the new healing garden run daily; call the front desk at 555-0147 to book."
    assert reply.in_reply_to == "https://social.example.net/users/gardenlover/statuses/109876543210000001"
    assert reply.reply_to_author == "@gardenlover@social.example.net"

    assert dm.kind == "dm"
    assert dm.text == "@marguerite_p Hi Marguerite, your biopsy results from May 3 are ready. Please call Dr. Okafor's office at 555-0199."
    assert dm.in_reply_to is None

    assert staff.kind == "post"  # followers-only is not a DM
    assert [m.alt for m in staff.media] == [None, "Whiteboard in room 412 listing patient Tobias Wendell, MRN 00551234"]
    assert [m.kind for m in staff.media] == ["photo", "photo"]
    assert ("media[1].alt", "Whiteboard in room 412 listing patient Tobias Wendell, MRN 00551234") in staff.texts()


def test_loader_directly_claims_archive_json_not_media():
    assert isinstance(get_loader("mastodon"), MastodonLoader)
    claimed, items = claim_and_load("mastodon", FIXTURE)
    assert sorted(e.name for e in claimed) == ["actor.json", "bookmarks.json", "likes.json", "outbox.json"]
    assert [i.id for i in items if isinstance(i, Post)] == [status(1), status(2), status(3), status(4), status(6)]
    assert not any(isinstance(i, ReadError) for i in items)


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_archive_gives_the_same_posts(tmp_path, kind):
    archive = tmp_path / f"archive-20240601120000-0123456789abcdef.{kind}"
    make_archive(FIXTURE, archive)
    posts, errors = load(archive)
    folder_posts, _ = load(FIXTURE)
    assert errors == []
    assert len(posts) == 5
    assert sourceless(posts) == sourceless(folder_posts)
    assert posts[0].source == f"{archive}!outbox.json"


def _outbox_text(first_items: str, items: list) -> str:
    return (
        '{"@context": "https://www.w3.org/ns/activitystreams", "type": "OrderedCollection", "totalItems": 99,\n'
        f' "orderedItems": {first_items},\n "orderedItems": {json.dumps(items)}}}\n'
    )


def _create(n: int, content: str, **obj) -> dict:
    o = {"id": f"{ME}/statuses/{n}", "type": "Note", "content": content, "published": "2024-06-01T00:00:00Z",
         "to": [PUBLIC], "cc": [f"{ME}/followers"], **obj}
    return {"id": f"{ME}/statuses/{n}/activity", "type": "Create", "actor": ME, "object": o}


def test_last_ordered_items_wins(tmp_path):
    decoy = json.dumps([_create(1, "<p>decoy</p>")])
    (tmp_path / "outbox.json").write_text(_outbox_text(decoy, [_create(2, "<p>real one</p>"), _create(3, "<p>real two</p>")]))
    posts, errors = load(tmp_path)
    assert errors == []
    assert [(p.id, p.text) for p in posts] == [(f"{ME}/statuses/2", "real one"), (f"{ME}/statuses/3", "real two")]
    assert posts[0].account == "riversidemed"  # no actor.json: taken from the activity's actor URL


def test_malformed_items_are_reported_and_skipped(tmp_path):
    items = [
        _create(1, "<p>first</p>"),
        {"type": "Create", "object": 42},
        _create(3, ["not", "a", "string"]),
        "just a string",
        _create(5, "<p>last</p>"),
    ]
    (tmp_path / "outbox.json").write_text(_outbox_text("[]", items))
    posts, errors = load(tmp_path)
    assert [p.text for p in posts] == ["first", "last"]
    assert [p.index for p in posts] == [0, 4]
    src = str(tmp_path / "outbox.json")
    assert [(e.source, e.where) for e in errors] == [(src, "orderedItems[1]"), (src, "orderedItems[2]"), (src, "orderedItems[3]")]
    assert errors[1].message == "object.content is not a string; item skipped"


def test_truncated_outbox_keeps_earlier_items_and_names_the_place(tmp_path):
    data = (FIXTURE / "outbox.json").read_bytes()
    cut = data.index(b"biopsy")  # inside item 3 (the DM)
    (tmp_path / "outbox.json").write_bytes(data[:cut])
    shutil.copy(FIXTURE / "actor.json", tmp_path / "actor.json")
    posts, errors = load(tmp_path)
    assert [p.id for p in posts] == [status(1), status(2), status(3)]
    assert [(e.source, e.where) for e in errors] == [(str(tmp_path / "outbox.json"), "orderedItems[3]")]
    assert "truncated" in errors[0].message
    assert "Marguerite" not in errors[0].message and "biopsy" not in errors[0].message


def test_not_json_at_all(tmp_path):
    (tmp_path / "outbox.json").write_text('{"orderedItems": [ this is not json')
    posts, errors = load(tmp_path)
    assert posts == []
    assert [(e.where, e.message) for e in errors] == [
        ("orderedItems[0]", "malformed or truncated JSON; the rest of the file was not read")
    ]


def test_bad_actor_json_is_reported_and_posts_still_load(tmp_path):
    shutil.copy(FIXTURE / "outbox.json", tmp_path / "outbox.json")
    (tmp_path / "actor.json").write_text('{"preferredUsername": ')
    posts, errors = load(tmp_path)
    assert len(posts) == 5
    assert posts[0].account == "riversidemed"  # fallback: the activity's actor URL
    assert [(e.source, e.where) for e in errors] == [(str(tmp_path / "actor.json"), "line 1")]


def test_poll_options_and_inline_boost(tmp_path):
    poll = _create(1, "<p>Which flu clinic time suits you?</p>", type="Question",
                   oneOf=[{"type": "Note", "name": "Mornings"}, {"type": "Note", "name": "Evenings"}])
    poll["object"]["type"] = "Question"
    boost = {"type": "Announce", "actor": ME, "to": [PUBLIC], "object": {
        "id": "https://other.example/users/drlee/statuses/9", "type": "Note", "attributedTo": "https://other.example/users/drlee",
        "content": "<p>Grand rounds moved to Thursday.</p>", "to": [PUBLIC], "published": "2024-06-02T00:00:00Z"}}
    (tmp_path / "outbox.json").write_text(_outbox_text("[]", [poll, boost]))
    posts, errors = load(tmp_path)
    assert errors == []
    assert posts[0].fields == (("poll_option[0]", "Mornings"), ("poll_option[1]", "Evenings"))
    assert (posts[1].text, posts[1].author, posts[1].account) == ("Grand rounds moved to Thursday.", "@drlee@other.example", "riversidemed")


def test_random_json_is_not_claimed(tmp_path):
    (tmp_path / "posts.json").write_text('{"orderedItems": []}')
    (tmp_path / "actor.json").write_text('{"preferredUsername": "x"}')
    tree = open_tree(tmp_path)
    assert MastodonLoader().claim(tree, tree.entries) == []
    assert len(MastodonLoader().claim(tree, tree.entries, forced=True)) == 2


@pytest.mark.parametrize(
    "html, text",
    [
        ("<p>one</p><p>two<br>three</p>", "one\n\ntwo\nthree"),
        ('<p><a href="https://x.example/a/b"><span class="invisible">https://</span><span class="ellipsis">x.example/a</span>'
         '<span class="invisible">/b</span></a> ok</p>', "x.example/a ok"),
        ('<p><span class="invisible">hidden <span>nested</span> still</span>shown &amp; &lt;kept&gt; &#39;q&#39;</p>', "shown & <kept> 'q'"),
        ("plain &quot;text&quot;", 'plain "text"'),
        ("<p>unclosed <b>bold</p><p>next</p>", "unclosed bold\n\nnext"),
    ],
)
def test_html_to_text(html, text):
    assert html_to_text(html) == text
