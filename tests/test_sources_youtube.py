"""Google Takeout YouTube loader: comments.csv (both layouts), videos.csv, my-comments HTML pages."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from phiscan.model import Post
from phiscan.sources import get_loader
from phiscan.sources.base import open_tree
from phiscan.sources.youtube import YouTubeLoader, comment_text
from sources_helpers import EXPORTS, UTC, claim_and_load, load, make_archive, sourceless

NEW = EXPORTS / "youtube"
OLD = EXPORTS / "youtube-2023"
YT = "Takeout/YouTube and YouTube Music"
CHANNEL = "UCrIvErSiDeMeDiCaLcEnTeR"


def test_new_layout_comments_and_videos():
    posts, errors = load(NEW)
    assert errors == []  # channel.csv and search-history.json are claimed as export files without posts
    assert {(p.platform, p.account, p.author) for p in posts} == {("youtube", CHANNEL, CHANNEL)}
    p = {x.id: x for x in posts}
    assert list(p) == [
        "UgxNewLayoutComment0001", "UgyViewerThread0002.AbCdReply0002", "UgzNewLayoutComment0003",
        "UgwCommunityComment0004", "Nx7FamLnG01", "Qw3RtYuIoPa",
    ]
    first = p["UgxNewLayoutComment0001"]
    assert first.text == "Thanks for watching our NICU family lounge tour! Open house is June 8 at the caf\u00e9 on level 2."
    assert first.kind == "comment" and first.in_reply_to is None
    assert first.url == "https://www.youtube.com/watch?v=Nx7FamLnG01&lc=UgxNewLayoutComment0001"
    assert first.created_at == datetime(2024, 7, 1, 15, 4, 5, 123456, tzinfo=UTC)
    assert first.source == str(NEW / YT / "comments" / "comments.csv")
    assert (first.index, first.line) == (0, 2)

    reply = p["UgyViewerThread0002.AbCdReply0002"]
    assert reply.text == (
        "@jordan-m so glad your dad is recovering. Tell Mr. Arceneaux the 4th floor team says hi!\n"
        "His follow-up is on May 2, bring the discharge papers.\nSee you then!"
    )
    assert reply.kind == "reply" and reply.in_reply_to == "UgyViewerThread0002"
    assert reply.line == 3

    assert p["UgzNewLayoutComment0003"].text == "Please don't post MRNs here (like 00739218). Call our patient line at 555-0163 instead."
    assert p["UgzNewLayoutComment0003"].line == 5
    assert p["UgwCommunityComment0004"].url == "https://www.youtube.com/post/UgkxCommunityPost00000004?lc=UgwCommunityComment0004"

    video = p["Qw3RtYuIoPa"]
    assert video.text == "A 101st birthday on 6 East\n\nHappy birthday to our patient Adaeze Oduya, who turned 101 in room 622 this week!"
    assert video.kind == "post" and video.fields == ()
    assert video.url == "https://www.youtube.com/watch?v=Qw3RtYuIoPa"
    assert video.created_at == datetime(2024, 7, 1, 10, 0, tzinfo=UTC)
    assert p["Nx7FamLnG01"].text == (
        "NICU family lounge tour\n\nTake a walk through the new NICU family lounge.\nQuiet rooms, a kitchen and laundry for parents."
    )


def test_old_layout_and_html_pages():
    posts, errors = load(OLD)
    assert errors == []
    assert {p.platform for p in posts} == {"youtube"}
    got = [(p.id, p.kind, p.text, p.created_at, p.in_reply_to, p.url) for p in posts]
    html = f"{YT}/my-comments/my-comments.html"
    assert got == [
        ("UgxOldLayoutComment0001", "comment", "Great question! Visiting hours are 8am to 8pm every day.",
         datetime(2023, 9, 19, 17, 42, 53, 434647, tzinfo=UTC), None,
         "https://www.youtube.com/watch?v=Fl5ClInIcTu&lc=UgxOldLayoutComment0001"),
        ("UgyOldThread0002.OldReply0002", "reply", "Get well soon to Solange Thibodeaux in room 412, from all of us on 4 North!",
         datetime(2023, 10, 2, 11, 20, tzinfo=UTC), "UgyOldThread0002",
         "https://www.youtube.com/watch?v=Fl5ClInIcTu&lc=UgyOldThread0002.OldReply0002"),
        ("UgzOldLayoutComment0003", "comment", "Our flu shot clinic runs every Tuesday in November.",
         datetime(2023, 11, 15, 16, 0, tzinfo=UTC), None,
         "https://www.youtube.com/watch?v=Fl5ClInIcTu&lc=UgzOldLayoutComment0003"),
        ("UgwHtmlComment0001", "comment", "Our vaccine clinic moves to the Elm Street lobby next week.",
         datetime(2021, 6, 14, 17, 2, 45, tzinfo=UTC), None,
         "http://www.youtube.com/watch?v=Vx2ClInIcMv&lc=UgwHtmlComment0001"),
        (f"{html}#1", "comment",
         "The family of Harriet Blomqvist (rooms 305 & 306) asked us to thank the night staff \u2014 she's home now.\nCall 555-0118 with questions.",
         datetime(2021, 7, 2, 9, 15, tzinfo=UTC), None, "http://www.youtube.com/watch?v=Vx2ClInIcMv"),
    ]
    assert posts[-1].source == str(OLD / html) and posts[-1].line == 4


def test_loader_directly_claims_every_takeout_file():
    assert isinstance(get_loader("youtube"), YouTubeLoader)
    claimed, items = claim_and_load("youtube", NEW)
    assert sorted(e.basename for e in claimed) == ["channel.csv", "comments.csv", "search-history.json", "videos.csv"]
    assert len(items) == 6 and all(isinstance(i, Post) for i in items)


@pytest.mark.parametrize("fixture", [NEW, OLD])
@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_archive_gives_the_same_posts(tmp_path, kind, fixture):
    archive = tmp_path / f"takeout-20240801T120000Z-001.{kind}"
    make_archive(fixture, archive)
    posts, errors = load(archive)
    folder_posts, _ = load(fixture)
    assert errors == []
    assert len(posts) in (5, 6)
    assert sourceless(posts) == sourceless(folder_posts)


def test_comment_text_shapes():
    raw_newline = '{"text":"line one\nline two"},{"text":"!"}'
    with pytest.raises(json.JSONDecodeError):  # the quirk the loader must handle
        json.loads("[" + raw_newline + "]")
    assert comment_text(raw_newline) == "line one\nline two!"
    assert comment_text('{"takeoutSegments":[{"text":"a "},{"text":"b"}]}') == "a b"
    assert comment_text('{"text":"x","mention":{"externalChannelId":"UC1"}},\n{"text":" y"}') == "x y"
    assert comment_text("plain words, no JSON") == "plain words, no JSON"
    with pytest.raises(ValueError):
        comment_text('{"text": "unterminated')


def test_single_comments_file_is_sniffed_by_header(tmp_path):
    f = tmp_path / "comments.csv"
    f.write_text(
        "COMMENT ID,channel id,Comment Create Timestamp,Video ID,comment text\n"
        'c1,UC9,2024-01-02T03:04:05Z,v1,"{""text"":""Welcome to our channel!""}"\n'
    )
    posts, errors = load(f)
    assert errors == []
    assert [(p.id, p.platform, p.text, p.account) for p in posts] == [("c1", "youtube", "Welcome to our channel!", "UC9")]


def test_bad_comment_text_is_reported_and_scanned_raw(tmp_path):
    f = tmp_path / "comments.csv"
    f.write_text(
        "Comment ID,Channel ID,Comment Create Timestamp,Price,Parent Comment ID,Video ID,Comment Text\n"
        'c1,UC9,2024-01-02T03:04:05Z,0,,v1,"{""text"":""fine""}"\n'
        'c2,UC9,2024-01-03T03:04:05Z,0,,v1,"{""text"":""Patient Ines Marlowe, bed 4"""\n'
        'c3,UC9,2024-01-04T03:04:05Z,0,,v1,"{""text"":""also fine""}"\n'
    )
    posts, errors = load(f)
    assert [(p.id, p.text) for p in posts] == [("c1", "fine"), ("c2", '{"text":"Patient Ines Marlowe, bed 4"'), ("c3", "also fine")]
    assert [(e.source, e.where) for e in errors] == [(str(f), "line 3")]
    assert "Marlowe" not in errors[0].message


def test_truncated_comments_file(tmp_path):
    data = (NEW / YT / "comments" / "comments.csv").read_bytes()
    f = tmp_path / "comments.csv"
    f.write_bytes(data[: data.index(b"discharge papers")])
    posts, errors = load(f)
    assert [p.id for p in posts] == ["UgxNewLayoutComment0001", "UgyViewerThread0002.AbCdReply0002"]
    assert [(e.source, e.where) for e in errors] == [(str(f), "line 3"), (str(f), "line 3")]
    assert "JSON" in errors[0].message and "quoted field" in errors[1].message


def test_videos_without_description_column(tmp_path):
    f = tmp_path / "videos.csv"
    f.write_text("Video ID,Video Title (Original),Video Create Timestamp\nabcdefghijk,Hand hygiene in 60 seconds,2024-02-02T10:00:00+00:00\n")
    posts, errors = load(f)
    assert errors == []
    assert [(p.id, p.text, p.url) for p in posts] == [("abcdefghijk", "Hand hygiene in 60 seconds", "https://www.youtube.com/watch?v=abcdefghijk")]


def test_other_csvs_are_not_claimed(tmp_path):
    (tmp_path / "Comments.csv").write_text("Date,Link,Message\n2024-01-01 00:00:00,https://www.linkedin.com/feed/update/x,hi\n")
    (tmp_path / "comments_export.csv").write_text("id,text,date\n1,hello,2024-01-01\n")
    (tmp_path / "notes.html").write_text("<ul><li>hello</li></ul>")
    tree = open_tree(tmp_path)
    assert YouTubeLoader().claim(tree, tree.entries) == []
    posts, _ = load(tmp_path / "Comments.csv")
    assert {p.platform for p in posts} == {"linkedin"}
