"""LinkedIn export loader: Shares.csv (doubled-quote line wrapping), Comments.csv (backslash escapes)."""
from __future__ import annotations

import csv
import io
import shutil
from datetime import datetime

import pytest

from phiscan.model import Media, Post
from phiscan.sources import get_loader
from phiscan.sources.base import open_tree
from phiscan.sources.linkedin import LinkedInLoader, unwrap_commentary
from sources_helpers import EXPORTS, UTC, claim_and_load, load, make_archive, sourceless

FIXTURE = EXPORTS / "linkedin"


def by_id(posts: list[Post]) -> dict[str, Post]:
    return {p.id: p for p in posts}


def test_folder_loads_every_share_and_comment_exactly():
    posts, errors = load(FIXTURE)
    assert errors == []  # Profile.csv is claimed (no posts), not handed to the generic CSV loader
    assert {p.platform for p in posts} == {"linkedin"}
    p = by_id(posts)
    assert sorted(p) == [
        "Comments.csv#0", "Comments.csv#1", "Comments.csv#2",
        "urn:li:share:7170000000000000001", "urn:li:share:7170000000000000003",
        "urn:li:share:7170000000000000004", "urn:li:ugcPost:7170000000000000002",
    ]

    first = p["urn:li:share:7170000000000000001"]
    assert first.text == "Join us Saturday for the Riverside Medical Center 5K fun run!\nRegistration opens at 7am at the east parking garage."
    assert first.url == "https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7170000000000000001"
    assert first.created_at == datetime(2024, 3, 4, 15, 30, tzinfo=UTC)
    assert first.kind == "post"
    assert first.fields == (("shared_url", "https://events.example.org/riverside-5k"),)
    assert first.media == ()
    assert (first.index, first.line, first.source) == (0, 2, str(FIXTURE / "Shares.csv"))

    shout = p["urn:li:ugcPost:7170000000000000002"]
    assert shout.text == 'Shout-out to our "night owls" on 5 West.\n\nCharge nurse Divya Natarajan, you make every shift brighter!'
    assert shout.media == (Media(uri="https://media.licdn.com/dms/image/D4E22AQfakefake/feedshare-shrink_800/0/5west-team.jpg"),)
    assert shout.line == 4

    phi = p["urn:li:share:7170000000000000003"]
    assert phi.text == (
        "So proud of my patient Solange Thibodeaux in room 412, discharged yesterday after three weeks with us.\n"
        '"Best care team ever," she told us.'
    )
    assert phi.created_at == datetime(2024, 3, 20, 18, 45, tzinfo=UTC)
    assert p["urn:li:share:7170000000000000004"].text == "Billing desk: please call back about MRN 00739218 at 555-0142 before Friday."

    c1 = p["Comments.csv#1"]
    assert c1.text == 'Mr. Tobias Wendell in bed 7 says "thanks, everyone" to the ICU team - he goes home today.'
    assert c1.kind == "comment"
    assert c1.in_reply_to == c1.url == "https://www.linkedin.com/feed/update/urn:li:activity:7170000000000000102"
    assert c1.created_at == datetime(2024, 3, 21, 8, 30, tzinfo=UTC)
    assert p["Comments.csv#2"].text == 'Great panel on "Nursing in 2030", well done.\nSlides are on the intranet.'
    assert p["Comments.csv#2"].line == 4


def test_comments_fixture_needs_the_backslash_escapechar():
    """Without escapechar the escaped quote ends the field and the comma after it splits the row."""
    text = (FIXTURE / "Comments.csv").read_text()
    naive = list(csv.reader(io.StringIO(text, newline="")))
    assert len(naive[2]) != 3
    proper = list(csv.reader(io.StringIO(text, newline=""), escapechar="\\"))
    assert [len(r) for r in proper] == [3, 3, 3, 3]


def test_loader_directly_claims_export_files_only():
    assert isinstance(get_loader("linkedin"), LinkedInLoader)
    claimed, items = claim_and_load("linkedin", FIXTURE)
    assert sorted(e.basename for e in claimed) == ["Comments.csv", "Profile.csv", "Shares.csv"]
    assert all(isinstance(i, Post) for i in items)
    assert len(items) == 7


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_archive_gives_the_same_posts(tmp_path, kind):
    archive = tmp_path / f"Basic_LinkedInDataExport_03-31-2024.{kind}"
    make_archive(FIXTURE, archive)
    posts, errors = load(archive)
    folder_posts, _ = load(FIXTURE)
    assert errors == []
    assert sorted(sourceless(posts), key=lambda p: p.id) == sorted(sourceless(folder_posts), key=lambda p: p.id)
    assert all(p.source.startswith(f"{archive}!") for p in posts)


def test_shares_with_id_suffix_and_missing_columns(tmp_path):
    f = tmp_path / "Shares_1234567.csv"
    f.write_text('Date,ShareCommentary\n2024-01-09 07:00:00,"""New parking map is up!"""\n')
    posts, errors = load(f)
    assert errors == []
    assert [(p.id, p.text, p.platform, p.url, p.created_at) for p in posts] == [
        ("Shares_1234567.csv#0", "New parking map is up!", "linkedin", None, datetime(2024, 1, 9, 7, 0, tzinfo=UTC))
    ]


def test_bad_rows_are_reported_and_the_rest_loads(tmp_path):
    f = tmp_path / "Shares.csv"
    f.write_text(
        "Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility\n"
        '2024-02-01 10:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A1,"""Flu clinic today."""' + ",,,MEMBER_NETWORK\n"
        'last Tuesday,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A2,"""Patient Ines Marlowe, MRN 00912345."""' + ",,,MEMBER_NETWORK\n"
        '2024-02-03 10:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A3,"""Extra field row."""' + ",,,MEMBER_NETWORK,oops\n"
        '2024-02-04 10:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A4,"""Blood drive Friday."""' + ",,,MEMBER_NETWORK\n"
    )
    posts, errors = load(f)
    assert [p.id for p in posts] == ["urn:li:share:1", "urn:li:share:2", "urn:li:share:3", "urn:li:share:4"]
    assert posts[1].created_at is None
    assert [(e.source, e.where) for e in errors] == [(str(f), "line 3"), (str(f), "line 4")]
    assert "Date" in errors[0].message and "7 fields" in errors[1].message
    assert not any("Marlowe" in e.message or "Extra" in e.message for e in errors)


def test_truncated_file_is_reported(tmp_path):
    data = (FIXTURE / "Shares.csv").read_bytes()
    cut = data.index(b"Solange")
    f = tmp_path / "Shares.csv"
    f.write_bytes(data[:cut])
    posts, errors = load(f)
    assert [p.id for p in posts][:2] == ["urn:li:share:7170000000000000001", "urn:li:ugcPost:7170000000000000002"]
    assert len(errors) == 1
    assert errors[0].source == str(f) and errors[0].where == "line 7"
    assert "quoted field" in errors[0].message


def test_header_without_text_column_is_an_error(tmp_path):
    f = tmp_path / "Shares.csv"
    f.write_text("Date,ShareLink\n2024-02-01 10:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A1\n")
    posts, errors = load(f)
    assert posts == []
    assert [(e.where, e.message.split(";")[0]) for e in errors] == [("line 1", "no ShareCommentary column")]


def test_generic_and_youtube_csvs_are_not_claimed(tmp_path):
    (tmp_path / "posts.csv").write_text("date,message\n2024-01-01,hello\n")
    (tmp_path / "comments.csv").write_text("Comment ID,Channel ID,Comment Create Timestamp,Video ID,Comment Text\nx,UC1,2024-01-01T00:00:00Z,v,hi\n")
    (tmp_path / "Profile.csv").write_text("First Name,Last Name\nA,B\n")
    tree = open_tree(tmp_path)
    assert LinkedInLoader().claim(tree, tree.entries) == []  # no Shares/Comments: Profile.csv is not ours either
    assert len(LinkedInLoader().claim(tree, tree.entries, forced=True)) == 3


def test_forced_format_reads_a_renamed_file(tmp_path):
    f = tmp_path / "export.txt"
    shutil.copy(FIXTURE / "Comments.csv", f)
    posts, errors = load(f, "linkedin")
    assert errors == []
    assert [p.text for p in posts][1] == 'Mr. Tobias Wendell in bed 7 says "thanks, everyone" to the ICU team - he goes home today.'


@pytest.mark.parametrize(
    "raw, expected",
    [
        ('"one line"', "one line"),
        ('"a ""quoted"" word"\n""\n"next"', 'a "quoted" word\n\nnext'),
        ('"crlf"\r\n"lines"', "crlf\nlines"),
        ("not wrapped", "not wrapped"),
    ],
)
def test_unwrap_commentary(raw, expected):
    assert unwrap_commentary(raw) == expected
