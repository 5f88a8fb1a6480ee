"""Facebook "Download Your Information" loader: both layouts, mojibake, Messenger, archives, bad input."""
from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

from phiscan.model import Media
from phiscan.sources import get_loader
from phiscan.sources.base import open_tree
from phiscan.sources.facebook import fix_mojibake
from sources_helpers import EXPORTS, direct, load_by_id, make_archive, strip_source, utc

NEW = EXPORTS / "facebook"
OLD = EXPORTS / "facebook-2021"
POSTS = "your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json"
PAGE = "this_profile's_activity_across_facebook/posts/profile_posts_1.json"
COMMENTS = "your_facebook_activity/comments_and_reactions/comments.json"
THREAD = "your_facebook_activity/messages/inbox/tomasibanez_10158822"
MESSAGES = f"{THREAD}/message_1.json"


# --- mojibake ---------------------------------------------------------------------------------------------------

def test_mojibake_fix_is_the_exact_latin1_round_trip():
    assert fix_mojibake("Caf\u00c3\u00a9 Lumi\u00c3\u00a8re") == "Café Lumière"
    assert fix_mojibake("\u00f0\u009f\u008e\u0089") == "🎉"
    assert fix_mojibake("Ib\u00c3\u00a1\u00c3\u00b1ez \u00e2\u0080\u0094 ok") == "Ibáñez — ok"
    # Not mojibake: returned unchanged (already-correct accents, emojis, a lone lead byte, plain ASCII).
    assert fix_mojibake("Café") == "Café"
    assert fix_mojibake("🎉 party") == "🎉 party"
    assert fix_mojibake("broken \u00c3") == "broken \u00c3"
    assert fix_mojibake("plain text") == "plain text"


def test_fixture_is_written_as_facebook_writes_it():
    raw = (NEW / POSTS).read_text("ascii")  # every non-ASCII byte escaped, nothing else
    assert "Caf\\u00c3\\u00a9" in raw and "\\u00f0\\u009f\\u008e\\u0089" in raw


# --- 2024 layout --------------------------------------------------------------------------------------------------

def test_profile_posts_text_captions_and_places():
    posts, errors = load_by_id(NEW)
    assert errors == []
    p0 = posts[f"{POSTS}#0"]
    assert p0.text == "Join us Saturday for the Mercy Valley 5K fun run! 🏃\u200d♀\ufe0f Registration opens at 7:30am by the Café Lumière entrance."
    assert p0.created_at == utc(2024, 3, 5, 14, 0, 0)
    assert (p0.platform, p0.kind, p0.account, p0.author) == ("facebook", "post", "mercyvalleyhospital", "Mercy Valley Hospital")
    assert p0.media == () and p0.fields == () and p0.url is None
    assert p0.source == str(NEW / POSTS) and p0.index == 0

    # A caption that differs from the post is scanned as a field.
    p1 = posts[f"{POSTS}#1"]
    assert p1.text == "Shout-out to nurse Renée Okafor for 20 years on 4 West! 🎉"
    assert p1.media == (Media(uri="your_facebook_activity/posts/media/Timelinephotos_1042/431889_1089_n.jpg", kind="photo"),)
    assert p1.fields == (("media[0].description", "Renée (center) with the 4 West night-shift crew"),)

    # A caption that repeats the post is not scanned twice.
    p2 = posts[f"{POSTS}#2"]
    assert p2.text == "So proud of my patient José Villaseñor in room 412 — discharged yesterday after his bypass. Questions? Call his daughter at 555-0142."
    assert p2.fields == ()
    assert p2.created_at == utc(2024, 3, 8, 9, 15, 0)

    # Photo-only post: no text, the caption carries the identifiers.
    p3 = posts[f"{POSTS}#3"]
    assert p3.text == ""
    assert p3.fields == (("media[0].description", "Whiteboard outside bay 3: MRN 00739218, Solange Thibodeaux, NPO after midnight"),)
    assert p3.texts() == [("media[0].description", "Whiteboard outside bay 3: MRN 00739218, Solange Thibodeaux, NPO after midnight")]

    p4 = posts[f"{POSTS}#4"]
    assert p4.text == "Night shift fuel ☕ for the ER team"
    assert p4.fields == (("place", "Mercy Valley Hospital Emergency Department"),)

    # Record 5 holds only generated prose ("… updated their status."): nothing to scan, no post.
    assert f"{POSTS}#5" not in posts


def test_page_posts():
    posts, _ = load_by_id(NEW)
    assert posts[f"{PAGE}#0"].text == "Flu shot clinic this Thursday, 9am–3pm in the Atrium. No appointment needed! 💉"
    assert posts[f"{PAGE}#1"].text == "Happy 94th birthday to our longest-staying guest on the cardiac unit, Mr. Bjørn Haugland! 🎂 Room 7B is full of balloons."
    assert posts[f"{PAGE}#1"].created_at == utc(2024, 2, 22, 10, 0, 0)
    assert posts[f"{PAGE}#1"].kind == "post"


def test_comments_with_reply_context_from_title():
    posts, _ = load_by_id(NEW)
    c0, c1, c2 = (posts[f"{COMMENTS}#{i}"] for i in range(3))
    assert c0.text == "Marisol, we're so glad your mother is recovering — her chart (MRN 00596137) is flagged for follow-up; call 555-0187."
    assert (c0.kind, c0.author, c0.reply_to_author) == ("comment", "Mercy Valley Hospital", "Marisol Peña")
    assert c0.created_at == utc(2024, 3, 11, 8, 12, 0)
    assert c1.text == "Thanks to everyone who came out to the 5K! 💙"
    assert c1.reply_to_author is None  # "commented on their own post."
    assert c2.text == "Here's the new parking map 🅿️"
    assert c2.reply_to_author == "Grant Whitfield"
    assert c2.media == (Media(uri="your_facebook_activity/comments_and_reactions/media/parking_map_2024.png", kind="photo"),)


def test_messenger_thread():
    posts, _ = load_by_id(NEW)
    dms = sorted((p for p in posts.values() if p.kind == "dm"), key=lambda p: p.index)
    assert [p.id for p in dms] == [f"{MESSAGES}#0", f"{MESSAGES}#1", f"{MESSAGES}#2"]  # #3, a call log, has no text
    assert dms[0].text == "Hi Tomás, I've shared your message with the 3rd-floor nurses' station. 😊"
    assert dms[0].author == "Mercy Valley Hospital"
    assert dms[0].created_at == utc(2024, 3, 13, 11, 2, 3, 456000)  # timestamp_ms keeps its milliseconds
    assert dms[1].text == "" and dms[1].author == "Tomás Ibáñez"
    assert dms[1].media == (Media(uri=f"{THREAD}/photos/8812734_n.jpg", kind="photo"),)
    assert dms[2].text == "My wife Lucía Ibáñez is in room 218 after her hip surgery (DOB 03/14/1961). Can someone call me at 555-0163?"
    assert dms[2].created_at == utc(2024, 3, 13, 10, 57, 30)
    assert all(p.platform == "facebook" and p.account == "mercyvalleyhospital" for p in dms)


def test_sniffing_claims_every_export_file_it_reads_and_nothing_else():
    tree = open_tree(NEW)
    claimed = {e.name for e in get_loader("facebook").claim(tree, tree.entries)}
    assert claimed == {POSTS, PAGE, COMMENTS, MESSAGES, "personal_information/profile_information/profile_information.json"}
    posts, errors = load_by_id(NEW)
    assert len(posts) == 13 and errors == []
    assert {p.platform for p in posts.values()} == {"facebook"}  # sniffing picked this loader, not jsonl/others


def test_loader_directly_gives_the_same_posts_as_load_inputs():
    posts, _ = load_by_id(NEW)
    assert sorted(direct("facebook", NEW), key=lambda p: p.id) == sorted(posts.values(), key=lambda p: p.id)


def test_zip_gives_the_same_posts(tmp_path):
    archive = make_archive(NEW, tmp_path / "export.zip")
    zposts, errors = load_by_id(archive)
    posts, _ = load_by_id(NEW)
    assert errors == []
    assert sorted(map(strip_source, zposts.values())) == sorted(map(strip_source, posts.values()))
    assert zposts[f"{POSTS}#0"].source == f"{archive}!{POSTS}"


# --- 2021 layout --------------------------------------------------------------------------------------------------

def test_old_layout():
    posts, errors = load_by_id(OLD)
    assert errors == []
    assert set(posts) == {
        "posts/your_posts_1.json#0", "posts/your_posts_1.json#1", "posts/your_posts_1.json#2",
        "comments/comments.json#0",
        "messages/inbox/graceobi_ab12cd34/message_1.json#0", "messages/inbox/graceobi_ab12cd34/message_1.json#1",
    }
    p1 = posts["posts/your_posts_1.json#1"]
    assert p1.text == "Update on the little one from bed 6 in the NICU: baby Henrik Sørensen went home today at 5 lbs 2 oz! 💪"
    assert p1.fields == (("media[0].description", "Henrik's first car seat ride home"),)
    assert p1.media == (Media(uri="photos_and_videos/TimelinePhotos_88214/190442_n.jpg", kind="photo"),)
    assert posts["posts/your_posts_1.json#0"].text == "Please welcome Dr. Ngozi Adébáyò to our pediatrics team! 👩\u200d⚕\ufe0f"
    c = posts["comments/comments.json#0"]  # older {"comments": [...]} wrapper
    assert c.text == "Get well soon, Mrs. Wisniewski! Room 305 misses your jokes 😄"
    assert c.reply_to_author == "Irena Kowalczyk"  # curly apostrophe in the title
    assert c.created_at == utc(2021, 6, 4, 9, 30, 0)
    dm = posts["messages/inbox/graceobi_ab12cd34/message_1.json#1"]
    assert (dm.kind, dm.author, dm.platform) == ("dm", "Grace Obi", "facebook")
    assert dm.text == "Is the pharmacy open on Sunday? I need to pick up my son's inhaler."
    assert all(p.account is None for p in posts.values())  # no profile file, no download-style folder name


def test_tar_gz_named_like_a_download_gives_the_account(tmp_path):
    archive = tmp_path / "facebook-mercy.valley-2021-06-30-Xy12Ab34.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(OLD, arcname=".")
    tposts, errors = load_by_id(archive)
    posts, _ = load_by_id(OLD)
    assert errors == []
    assert set(tposts) == set(posts)
    assert {p.account for p in tposts.values()} == {"mercy.valley"}
    assert tposts["posts/your_posts_1.json#2"].text == posts["posts/your_posts_1.json#2"].text


# --- bad input ----------------------------------------------------------------------------------------------------

def test_malformed_records_lose_only_themselves(tmp_path):
    f = tmp_path / "your_posts__check_ins__photos_and_videos_1.json"
    records = [
        {"timestamp": 1709647200, "data": [{"post": "First clean post"}]},
        {"timestamp": 1709647300, "data": "SECRET-TEXT not a list"},
        {"timestamp": "yesterday", "data": [{"post": "SECRET-TEXT bad time"}]},
        "SECRET-TEXT a bare string",
        {"timestamp": 1709647400, "data": [{"post": "Last clean post"}]},
    ]
    f.write_text(json.dumps(records), "utf-8")
    posts, errors = load_by_id(f)
    assert [p.text for p in sorted(posts.values(), key=lambda p: p.index)] == ["First clean post", "Last clean post"]
    assert [(e.source, e.where) for e in errors] == [(str(f), "[1]"), (str(f), "[2]"), (str(f), "[3]")]
    assert "'data' is not a list" in errors[0].message
    assert "'timestamp' is not a Unix time" in errors[1].message
    assert all("SECRET" not in e.message for e in errors)


def test_truncated_file_keeps_the_records_before_the_cut(tmp_path):
    raw = (NEW / POSTS).read_bytes()
    cut = raw.index(b"Villase")  # inside record 2
    folder = tmp_path / "export" / "your_facebook_activity" / "posts"
    folder.mkdir(parents=True)
    target = folder / "your_posts__check_ins__photos_and_videos_1.json"
    target.write_bytes(raw[:cut])
    posts, errors = load_by_id(tmp_path / "export")
    assert sorted(posts) == [f"{POSTS}#0", f"{POSTS}#1"]
    assert len(errors) == 1
    assert (errors[0].source, errors[0].where) == (str(target), "[2]")
    assert "truncated" in errors[0].message and "Villase" not in errors[0].message


def test_malformed_json_in_the_middle_names_the_record(tmp_path):
    f = tmp_path / "comments.json"
    f.write_text('{"comments_v2": [{"data": [{"comment": {"comment": "ok one", "timestamp": 1}}]}, {"data": PRIVATE}]}', "utf-8")
    posts, errors = load_by_id(f)
    assert [p.text for p in posts.values()] == ["ok one"]
    assert [(e.where, "PRIVATE" in e.message) for e in errors] == [("comments_v2[1]", False)]


def test_broken_messenger_files(tmp_path):
    thread = tmp_path / "messages" / "inbox" / "someone_1"
    thread.mkdir(parents=True)
    (thread / "message_1.json").write_text('{"participants": [{"name": "A"}], "messages": [\n{"content": "hi", oops}]}', "utf-8")
    (thread / "message_2.json").write_text(json.dumps({
        "participants": [{"name": "A"}],
        "messages": [{"sender_name": "A", "timestamp_ms": 1700000000000, "content": "fine"}, ["not", "an", "object"],
                     {"sender_name": "A", "timestamp_ms": 1700000001000, "content": "SECRET", "photos": "nope"}],
    }), "utf-8")
    posts, errors = load_by_id(tmp_path)
    assert [p.text for p in posts.values()] == ["fine"]
    where = {(Path(e.source).name, e.where) for e in errors}
    assert where == {("message_1.json", "line 2, column 19"), ("message_2.json", "messages[1]"), ("message_2.json", "messages[2]")}
    assert all("SECRET" not in e.message and "oops" not in e.message for e in errors)


def test_generic_json_files_are_not_claimed(tmp_path):
    (tmp_path / "comments.json").write_text('{"items": [{"comment": "not facebook"}]}', "utf-8")
    (tmp_path / "message_1.json").write_text('{"text": "not messenger"}', "utf-8")
    (tmp_path / "data.json").write_text('[{"timestamp": 1, "data": [{"post": "unnamed"}]}]', "utf-8")
    tree = open_tree(tmp_path)
    assert get_loader("facebook").claim(tree, tree.entries) == []


def test_forced_format_reads_a_renamed_file(tmp_path):
    f = tmp_path / "export.json"
    shutil.copy(NEW / PAGE, f)
    posts, errors = load_by_id(f, input_format="facebook")
    assert errors == []
    assert [p.text[:15] for p in sorted(posts.values(), key=lambda p: p.index)] == ["Flu shot clinic", "Happy 94th birt"]
    assert {p.id for p in posts.values()} == {"export.json#0", "export.json#1"}
