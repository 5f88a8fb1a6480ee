"""Content-queue loaders: Hootsuite, Sprout Social, Publer, Ayrshare, Oktopost (phiscan.sources.scheduler)."""
from __future__ import annotations

import pytest

from phiscan.model import Media, Post, ReadError, read_warning
from phiscan.sources import get_loader
from phiscan.sources.base import LoadOptions, open_tree
from phiscan.sources.generic import CsvLoader
from phiscan.sources.scheduler import LOADERS
from sources_helpers import EXPORTS, direct, errors_of, items, make_archive, posts_of, utc

# fixtures/exports holds well-formed queues (the main job's first run reads them without a word); the rows people
# get wrong by hand are in fixtures/bad (written by benchmarks/make_bad_fixtures.py)
BAD = EXPORTS.parent / "bad"

HOOT = EXPORTS / "hootsuite"
MMDD = HOOT / "hootsuite_bulk_mmdd.csv"
DDMM = HOOT / "hootsuite_bulk_ddmm.csv"
SPROUT = EXPORTS / "sprout" / "sprout_bulk_schedule.csv"
HOOT_QUIRKS = BAD / "hootsuite-unquoted-commas.csv"
SPROUT_QUIRKS = BAD / "sprout-bad-time.csv"
AYRSHARE_QUIRKS = BAD / "ayrshare-bad-date.csv"
PUBLER = EXPORTS / "publer" / "publer_bulk.csv"
AYRSHARE = EXPORTS / "ayrshare" / "ayrshare_bulk.csv"
OKTOPOST = EXPORTS / "oktopost" / "oktopost_message_assets.csv"


def essence(p: Post) -> tuple:
    """What must not depend on how the file was opened (folder, zip, single file)."""
    return (p.id, p.text, p.platform, p.kind, p.created_at, p.fields, p.media, p.index, p.line)


# ---------------------------------------------------------------------------------------------------- Hootsuite


def test_hootsuite_unquoted_commas_exact_posts():
    result = items(HOOT_QUIRKS)
    posts = posts_of(result)
    assert [p.id for p in posts] == [f"hootsuite-unquoted-commas.csv#{i}" for i in range(5)]
    assert all(p.kind == "scheduled" and p.platform is None and p.source == str(HOOT_QUIRKS) for p in posts)
    assert [p.created_at for p in posts] == [
        utc(2025, 3, 14, 9, 0), utc(2025, 3, 15, 12, 30), utc(2025, 3, 17, 16, 45), utc(2025, 3, 18, 8, 15), utc(2025, 3, 20, 10, 0)
    ]
    assert posts[0].text == ("Join us Saturday for the Riverside Medical Center community health fair! "
                             "Free BP screenings, flu shots and cooking demos.")
    assert posts[0].fields == (("link", "https://www.riversidemedical.example/events/health-fair"),)
    assert posts[1].fields == ()  # empty column C
    assert posts[2].text == ("So happy for my patient Solange Thibodeaux in room 412 who was discharged yesterday "
                             "after her hip surgery!")
    # unquoted commas: columns B.. joined back into the message, the trailing URL kept as the link
    assert posts[3].text == ("Reminder for Okafor Brightwater: your cardiology follow-up is booked, call 555-0142 "
                             "and mention MRN 00739218")
    assert posts[3].fields == (("link", "https://www.riversidemedical.example/contact"),)
    # doubled quotes and a newline inside a quoted message
    assert posts[4].text == 'Our "Walk with a Doc" series returns in April,\nrain or shine.'
    assert [p.line for p in posts] == [1, 2, 3, 4, 5]
    assert errors_of(result) == [
        ReadError(str(HOOT_QUIRKS), "line 4", "record has 4 fields, expected at most 3 (unquoted commas?); columns B onwards read as the message")
    ]


def test_hootsuite_mmdd_export_is_well_formed():
    """The bundled queue quotes its commas: the same posts as the hand-written file, without a warning."""
    result = items(MMDD)
    assert errors_of(result) == []
    posts = posts_of(result)
    assert [p.id for p in posts] == [f"hootsuite_bulk_mmdd.csv#{i}" for i in range(5)]
    quirky = posts_of(items(HOOT_QUIRKS))
    assert [(p.text, p.fields, p.created_at, p.line) for p in posts] == [(p.text, p.fields, p.created_at, p.line) for p in quirky]
    assert posts[3].text == ("Reminder for Okafor Brightwater: your cardiology follow-up is booked, call 555-0142 "
                             "and mention MRN 00739218")


def test_hootsuite_ddmm_file_is_read_day_first():
    result = items(DDMM)
    assert errors_of(result) == []
    posts = posts_of(result)
    assert [(p.id, p.created_at) for p in posts] == [
        ("hootsuite_bulk_ddmm.csv#0", utc(2025, 3, 21, 9, 0)),
        ("hootsuite_bulk_ddmm.csv#1", utc(2025, 4, 2, 14, 30)),  # 02/04 is 2 April here, not 4 February
        ("hootsuite_bulk_ddmm.csv#2", utc(2025, 4, 25, 18, 5)),
    ]
    # UTF-8 BOM and CRLF (Excel) are handled; emoji and accents intact
    assert posts[0].text == "Happy Doctors' Day to every physician at Riverside! \U0001fa7a"
    assert posts[1].text == ("Congratulations to Priya Natarajan, RN, our Nurse of the Month and the best "
                             "café-latte maker on 5 North.")
    assert posts[1].fields == (("link", "https://www.riversidemedical.example/news/nurse-of-the-month"),)
    assert posts[2].text == ("Please keep baby Marisol Quintero-Vance in your thoughts, born 6 weeks early and in our "
                             "NICU since Tuesday.")


def test_hootsuite_ambiguous_dates_default_to_month_first(tmp_path):
    f = tmp_path / "queue.csv"
    f.write_text("05/04/2025 10:00,Blood drive in the main lobby today\n06/04/2025 11:00,Thank you donors!,https://example.org/x\n")
    result = items(f)
    assert errors_of(result) == []
    assert [p.created_at for p in posts_of(result)] == [utc(2025, 5, 4, 10, 0), utc(2025, 6, 4, 11, 0)]


def test_hootsuite_mixed_orders_are_reported(tmp_path):
    f = tmp_path / "queue.csv"
    f.write_text("04/14/2025 10:00,First post\n13/04/2025 11:00,Second post\n")
    result = items(f)
    errs = errors_of(result)
    assert errs[0].where == "column A" and "mixed MM/DD and DD/MM" in errs[0].message
    # warnings, not errors: the messages were scanned, only their dates dropped (issue 14)
    assert errs[1] == read_warning(str(f), "line 2", "column A is not a valid MM/DD/YYYY date; message scanned without a date")
    assert [e.level for e in errs] == ["warning", "warning"]
    assert [(p.text, p.created_at) for p in posts_of(result)] == [("First post", utc(2025, 4, 14, 10, 0)), ("Second post", None)]


def test_hootsuite_bad_date_and_truncated_file(tmp_path):
    f = tmp_path / "queue.csv"
    f.write_text('03/14/2025 09:00,Clean post\nsoon,Post with no usable date\n03/16/2025 09:00,"Truncated message about pat')
    result = items(f)
    posts = posts_of(result)
    assert [(p.id, p.text, p.created_at) for p in posts] == [
        ("queue.csv#0", "Clean post", utc(2025, 3, 14, 9, 0)),
        ("queue.csv#1", "Post with no usable date", None),
        ("queue.csv#2", "Truncated message about pat", utc(2025, 3, 16, 9, 0)),
    ]
    errs = errors_of(result)
    assert [(e.source, e.where) for e in errs] == [(str(f), "line 3"), (str(f), "line 2")]
    assert "not closed before the end of the file" in errs[0].message
    assert "column A is not a date-time" in errs[1].message
    for e in errs:  # no post text in error messages
        assert not any(word in e.message for word in ("Truncated", "about pat", "usable", "soon"))


def test_hootsuite_sniffing_rules(tmp_path):
    hoot = get_loader("hootsuite")
    (tmp_path / "header.csv").write_text("date,message,link\n03/14/2025 09:00,Hello,\n")
    (tmp_path / "four.csv").write_text("03/14/2025 09:00,Hello,https://x.example,extra\n")
    (tmp_path / "notdate.csv").write_text("tomorrow,Hello\n")
    (tmp_path / "ok.csv").write_text("3/4/2025 9:05,Excel drops leading zeros\n")
    (tmp_path / "ok.txt").write_text("03/14/2025 09:00,Not a .csv file\n")
    tree = open_tree(tmp_path)
    assert [e.name for e in hoot.claim(tree, tree.entries)] == ["ok.csv"]
    assert len(hoot.claim(tree, tree.entries, forced=True)) == 5


def test_hootsuite_folder_sniffed_and_same_as_direct_and_zip(tmp_path):
    via_registry = posts_of(items(HOOT))
    assert {p.source for p in via_registry} == {str(MMDD), str(DDMM)}
    assert all(p.kind == "scheduled" for p in via_registry)
    assert [essence(p) for p in via_registry] == [essence(p) for p in posts_of(direct("hootsuite", HOOT))]
    zpath = make_archive(HOOT, tmp_path / "queues.zip")
    from_zip = posts_of(items(zpath))
    assert [essence(p) for p in from_zip] == [essence(p) for p in via_registry]
    assert from_zip[0].source == f"{zpath}!hootsuite_bulk_ddmm.csv"


# ---------------------------------------------------------------------------------------------------- Sprout


def test_sprout_bad_time_exact_posts():
    result = items(SPROUT_QUIRKS)
    posts = posts_of(result)
    assert [p.id for p in posts] == [f"sprout-bad-time.csv#{i}" for i in range(4)]
    assert [p.created_at for p in posts] == [utc(2025, 4, 2, 9, 30), utc(2025, 4, 15, 13, 0), utc(2025, 4, 16, 7, 45), None]
    assert posts[0].text == "Our new Family Birthing Center opens May 1. Tours every Saturday!"
    assert posts[0].fields == (("link", "https://www.riversidemedical.example/birthing"),)
    assert posts[0].media == (Media(uri="https://cdn.riversidemedical.example/img/birthing.jpg", kind="photo"),)
    assert posts[1].text == "Thank you to our housekeeping crew: 10,000 rooms cleaned this quarter!"
    assert posts[2].text == ("Get well soon to Harold Vesterby, 94, now recovering in our heart ICU after Sunday's bypass. "
                             'From all of us: "You\'ve got this, Harold!"')
    assert [p.line for p in posts] == [2, 3, 4, 5]
    assert all(p.kind == "scheduled" for p in posts)
    # 25:00 is no time: reported, the message still scanned
    assert errors_of(result) == [
        read_warning(str(SPROUT_QUIRKS), "line 5", "date/time_24hr is not a valid MM/DD/YYYY HH:MM date-time; message scanned without a date")
    ]
    assert [essence(p) for p in posts] == [essence(p) for p in posts_of(direct("sprout", SPROUT_QUIRKS))]


def test_sprout_export_is_well_formed():
    result = items(SPROUT)
    assert errors_of(result) == []
    posts = posts_of(result)
    assert [p.id for p in posts] == [f"sprout_bulk_schedule.csv#{i}" for i in range(4)]
    assert [p.created_at for p in posts] == [utc(2025, 4, 2, 9, 30), utc(2025, 4, 15, 13, 0), utc(2025, 4, 16, 7, 45),
                                             utc(2025, 4, 18, 15, 0)]
    assert [p.text for p in posts] == [p.text for p in posts_of(items(SPROUT_QUIRKS))]
    assert [essence(p) for p in posts] == [essence(p) for p in posts_of(direct("sprout", SPROUT))]


def test_sprout_day_first_file(tmp_path):
    f = tmp_path / "sprout.csv"
    f.write_text("date,time_24hr,message_text\n25/12/2025,08:00,Merry Christmas from Riverside\n01/02/2026,09:15,Heart month starts\n")
    assert [p.created_at for p in posts_of(items(f))] == [utc(2025, 12, 25, 8, 0), utc(2026, 2, 1, 9, 15)]


def test_sprout_header_is_case_sensitive(tmp_path):
    f = tmp_path / "upper.csv"
    f.write_text("Date,Time_24hr,Message_Text\n04/02/2025,09:30,Hello\n")
    tree = open_tree(f)
    assert get_loader("sprout").claim(tree, tree.entries) == []
    # forced onto the wrong header: a clear error, no posts
    result = items(f, input_format="sprout")
    assert posts_of(result) == []
    (err,) = errors_of(result)
    assert err.source == str(f) and err.where == "line 1" and "date, time_24hr, message_text" in err.message


# ---------------------------------------------------------------------------------------------------- Publer, Ayrshare, Oktopost


def test_publer_exact_posts():
    result = items(PUBLER)
    assert errors_of(result) == []  # "next Friday at 2 PM" is a valid Publer date phrase: no date, no error
    posts = posts_of(result)
    assert [p.id for p in posts] == [f"publer_bulk.csv#{i}" for i in range(4)]
    assert [p.created_at for p in posts] == [utc(2025, 5, 5, 10, 0), utc(2025, 5, 7, 15, 30), None, utc(2025, 5, 9, 8, 0)]
    assert posts[0].text == "National Nurses Week starts today! Tell us about a nurse who made a difference."
    assert posts[0].fields == () and posts[0].media == ()
    p = posts[1]
    assert p.text == "Meet the team behind our new pediatric wing"
    assert p.fields == (
        ("caption[0]", "Dr. Alvarez with the Child Life crew"),
        ("caption[1]", "Nurse Bea Holloway at the welcome desk"),
        ("title", "Pediatric wing opening"),
    )
    assert p.media == (
        Media(uri="https://cdn.riversidemedical.example/img/peds1.jpg", alt="Two clinicians smiling in a bright hallway"),
        Media(uri="https://cdn.riversidemedical.example/img/peds2.jpg",
              alt="Nurse at a desk beside a whiteboard listing Jonah Pruett bed 7"),
    )
    assert ("media[1].alt", "Nurse at a desk beside a whiteboard listing Jonah Pruett bed 7") in p.texts()
    assert posts[2].text == "" and posts[2].fields == (("caption[0]", "Ribbon cutting at the Eastside clinic"),)
    assert posts[3].text == ("Lovely card from the family of patient Ines Castellano (DOB 03/02/1951) thanking 5 North "
                             "for her care")
    assert posts[3].fields == (("link", "https://www.riversidemedical.example/stories"),
                               ("comment", "Share your own story: call 555-0107"))


def test_ayrshare_bad_date_exact_posts():
    result = items(AYRSHARE_QUIRKS)
    posts = posts_of(result)
    assert [(p.id, p.platform, p.created_at) for p in posts] == [
        ("ayrshare-bad-date.csv#0", None, utc(2025, 10, 6, 14, 0)),  # twitter + facebook: no single platform
        ("ayrshare-bad-date.csv#1", "instagram", utc(2025, 10, 8, 17, 30)),
        ("ayrshare-bad-date.csv#2", "facebook", utc(2025, 10, 9, 16, 0)),
        ("ayrshare-bad-date.csv#3", "linkedin", None),
    ]
    assert posts[1].media == (Media(uri="https://cdn.riversidemedical.example/img/harvest.jpg"),)
    assert posts[2].text == "Room 7 patient Gwendolyn Marchetti rang the bell today to celebrate her last chemo treatment!"
    assert errors_of(result) == [
        read_warning(str(AYRSHARE_QUIRKS), "line 5", "scheduleDate is not an ISO 8601 date-time; post scanned without a date")
    ]


def test_ayrshare_export_is_well_formed():
    result = items(AYRSHARE)
    assert errors_of(result) == []
    assert [(p.id, p.platform, p.created_at) for p in posts_of(result)] == [
        ("ayrshare_bulk.csv#0", None, utc(2025, 10, 6, 14, 0)),
        ("ayrshare_bulk.csv#1", "instagram", utc(2025, 10, 8, 17, 30)),
        ("ayrshare_bulk.csv#2", "facebook", utc(2025, 10, 9, 16, 0)),
        ("ayrshare_bulk.csv#3", "linkedin", utc(2025, 10, 13, 15, 0)),
    ]


def test_oktopost_exact_posts():
    result = items(OKTOPOST)
    assert errors_of(result) == []
    posts = posts_of(result)
    assert [(p.id, p.platform, p.created_at) for p in posts] == [
        ("oktopost_message_assets.csv#0", "x", None),
        ("oktopost_message_assets.csv#1", "linkedin", None),
        ("oktopost_message_assets.csv#2", "facebook", None),
    ]
    assert posts[1].media == (Media(uri="https://cdn.riversidemedical.example/img/rt.jpg", kind="photo"),)
    assert posts[2].text == "Throwback to the day Baby Milo Blomqvist went home from our NICU after 98 days!"
    assert posts[2].fields == (
        ("link", "https://www.riversidemedical.example/stories/theo"),
        ("link_title", "Theo's NICU journey"),
        ("description", "Milo Blomqvist and his parents leave Riverside after 98 days in the NICU."),
    )


@pytest.mark.parametrize("name,path", [("sprout", SPROUT), ("publer", PUBLER), ("ayrshare", AYRSHARE), ("oktopost", OKTOPOST)])
def test_each_queue_is_claimed_by_its_own_loader_only(name, path):
    tree = open_tree(path)
    claimers = [l.name for l in LOADERS if l.claim(tree, tree.entries)]
    assert claimers == [name]


def test_bad_record_loses_only_itself(tmp_path):
    f = tmp_path / "okto.csv"
    f.write_text("Network,Message,LinkUrl\nTwitter,First,\nTwitter,Second,,unexpected extra\nLinkedIn,Third,\n")
    result = items(f)
    assert [p.text for p in posts_of(result)] == ["First", "Second", "Third"]
    assert errors_of(result) == [
        ReadError(str(f), "line 3", "record has 4 fields, header has 3; fields beyond the header not read")
    ]


# ---------------------------------------------------------------------------------------------------- fall-through


def test_generic_csv_with_text_column_is_not_claimed(tmp_path):
    f = tmp_path / "posts.csv"
    f.write_text("id,date,text,platform\n1,2025-03-14 09:00,Blood drive today in the lobby,facebook\n"
                 "2,2025-03-15 10:00,Thank you volunteers,x\n")
    g = tmp_path / "dated.csv"  # first column a date, but with a header: not Hootsuite
    g.write_text("date,message,link\n03/14/2025 09:00,Hello,\n")
    for path in (f, g):
        tree = open_tree(path)
        assert [l.name for l in LOADERS if l.claim(tree, tree.entries)] == []
    result = items(f)
    tree = open_tree(f)
    expected = list(CsvLoader().load(tree, tree.entries, LoadOptions()))
    assert result == expected
    assert [(p.id, p.kind, p.platform) for p in posts_of(result)] == [("1", "post", "facebook"), ("2", "post", "x")]
