"""Instagram and Threads loaders: captions at either level, comments, reel comments, Threads, DMs, bad input."""
from __future__ import annotations

import json
import shutil

from phiscan.model import Media
from phiscan.sources import get_loader
from phiscan.sources.base import LoadOptions, open_tree
from sources_helpers import EXPORTS, load_by_id, make_archive, strip_source, utc

IG = EXPORTS / "instagram"
A = "your_instagram_activity"
POSTS = f"{A}/content/posts_1.json"
COMMENTS = f"{A}/comments/post_comments_1.json"
REELS = f"{A}/comments/reels_comments.json"
THREADS = f"{A}/threads/threads_and_replies.json"
DM = f"{A}/messages/inbox/lenaortiz_1781234567/message_1.json"
PROFILE = "personal_information/personal_information/personal_information.json"


def test_posts_caption_from_post_or_first_media():
    posts, errors = load_by_id(IG)
    assert errors == []
    # Single media: caption and creation_timestamp only on media[0].
    p0 = posts[f"{POSTS}#0"]
    assert p0.text == "Welcome to the world, baby Amara Nwosu! 💕 Born 6:42am on March 2 in our Birthing Center — mom Chiamaka is doing great."
    assert p0.created_at == utc(2024, 3, 2, 12, 0, 0)
    assert (p0.platform, p0.kind, p0.account, p0.author) == ("instagram", "post", "mercyvalleyhospital", "mercyvalleyhospital")
    assert p0.media == (Media(uri="media/posts/202403/17990011223344556.jpg", kind="photo"),)
    assert p0.fields == () and p0.url is None and p0.index == 0
    # Carousel: caption and time at post level, media titles empty.
    p1 = posts[f"{POSTS}#1"]
    assert p1.text == "Sneak peek of our new pediatric wing 🧸🎈 Opening this spring!"
    assert p1.created_at == utc(2024, 3, 4, 15, 0, 0)
    assert p1.media == (
        Media(uri="media/posts/202403/17990011223344601.jpg", kind="photo"),
        Media(uri="media/posts/202403/17990011223344602.mp4", kind="video"),
    )
    assert posts[f"{POSTS}#2"].text == "Congrats to Dr. Anaïs Lefèvre on finishing her residency! 🎓"
    # A carousel item with its own, different caption is scanned as a field.
    p3 = posts[f"{POSTS}#3"]
    assert p3.text == "Our ICU holiday door contest 🎄"
    assert p3.fields == (("media[1].title", "Door 3 by the night crew, with get-well cards for Mr. Okonkwo in bed 12"),)
    assert p3.created_at == utc(2023, 12, 20, 17, 0, 0)


def test_post_and_reel_comments():
    posts, _ = load_by_id(IG)
    c0 = posts[f"{COMMENTS}#0"]
    assert c0.text == "@gracie.m we hope your dad feels better soon 💙 tell Mr. Doucet in room 5 we said hi"
    assert (c0.kind, c0.author, c0.reply_to_author) == ("comment", "mercyvalleyhospital", "gracie.m")
    assert c0.created_at == utc(2024, 3, 3, 19, 0, 0)
    assert posts[f"{COMMENTS}#1"].text == "Thank you for celebrating Nurses Week with us! 🌷"
    r0 = posts[f"{REELS}#0"]  # {"comments_reels_comments": [...]}
    assert r0.text == "Patient Zoë Marchetti (MRN 00912475) approved this dance 😂"
    assert (r0.platform, r0.kind, r0.reply_to_author) == ("instagram", "comment", "dr.kat.rivera")
    assert r0.created_at == utc(2024, 4, 1, 21, 15, 0)


def test_threads_posts_and_replies():
    posts, _ = load_by_id(IG)
    t = [posts[f"{THREADS}#{i}"] for i in range(3)]
    assert {p.platform for p in t} == {"threads"}
    assert t[0].text == "Reminder: our Saturday blood drive runs 9–1 in the Atrium. 🩸"
    assert (t[0].kind, t[0].media, t[0].created_at) == ("post", (), utc(2024, 4, 5, 14, 0, 0))  # empty uri: no media
    assert t[1].text == "@lena.ortiz so sorry about the wait — your son's X-ray from bed 14 has been read, call us at 555-0129"
    assert t[1].kind == "reply"
    assert t[2].text == "Meet Biscuit, our therapy dog 🐶 visiting the rehab unit!"
    assert t[2].media == (Media(uri="media/threads/202404/18044455566677788.jpg", kind="photo"),)
    assert t[2].created_at == utc(2024, 4, 8, 16, 0, 0)
    assert t[2].account == "mercyvalleyhospital"


def test_instagram_dms():
    posts, _ = load_by_id(IG)
    d0, d1 = posts[f"{DM}#0"], posts[f"{DM}#1"]
    assert (d0.platform, d0.kind, d0.author) == ("instagram", "dm", "Mercy Valley Hospital")
    assert d0.text == "Hi Lena! Please call Patient Records at 555-0110 and they'll help. 😊"
    assert d1.text == "Hi, my son Mateo Ortiz was seen in the ER last night — can I get his discharge papers emailed?"
    assert d1.created_at == utc(2024, 4, 6, 9, 40, 0)


def test_sniffing_and_claims():
    tree = open_tree(IG)
    assert get_loader("facebook").claim(tree, tree.entries) == []  # Instagram DMs are not Facebook's
    assert {e.name for e in get_loader("instagram").claim(tree, tree.entries)} == {POSTS, COMMENTS, REELS, DM, PROFILE}
    assert {e.name for e in get_loader("threads").claim(tree, tree.entries)} == {THREADS}
    posts, errors = load_by_id(IG)
    assert errors == [] and len(posts) == 12  # liked_posts.json is not read
    assert {p.platform for p in posts.values()} == {"instagram", "threads"}


def test_loaders_directly_match_load_inputs():
    tree = open_tree(IG)
    direct: list = []
    remaining = list(tree.entries)
    for name in ("instagram", "threads"):
        loader = get_loader(name)
        claimed = loader.claim(tree, remaining)
        remaining = [e for e in remaining if e not in claimed]
        direct.extend(loader.load(tree, claimed, LoadOptions()))
    posts, _ = load_by_id(IG)
    assert sorted(direct, key=lambda p: p.id) == sorted(posts.values(), key=lambda p: p.id)


def test_zip_gives_the_same_posts(tmp_path):
    archive = make_archive(IG, tmp_path / "ig.zip")
    zposts, errors = load_by_id(archive)
    posts, _ = load_by_id(IG)
    assert errors == []
    assert sorted(map(strip_source, zposts.values())) == sorted(map(strip_source, posts.values()))


def test_older_layout_and_account_from_download_folder(tmp_path):
    root = tmp_path / "instagram-mercy.valley.er-2023-01-15-QwErTy12"
    for src, dest in (
        (POSTS, "content/posts_1.json"),
        (COMMENTS, "comments/post_comments_1.json"),
        (DM, "messages/inbox/lenaortiz_1781234567/message_1.json"),
    ):
        (root / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(IG / src, root / dest)
    posts, errors = load_by_id(tmp_path)
    assert errors == []
    prefix = "instagram-mercy.valley.er-2023-01-15-QwErTy12"
    assert posts[f"{prefix}/content/posts_1.json#1"].text == "Sneak peek of our new pediatric wing 🧸🎈 Opening this spring!"
    assert {p.account for p in posts.values()} == {"mercy.valley.er"}
    # Old layout DMs are recognised as Instagram by the download folder name.
    assert posts[f"{prefix}/messages/inbox/lenaortiz_1781234567/message_1.json#1"].platform == "instagram"


def test_old_layout_dm_platform_from_sibling_files(tmp_path):
    msg = "messages/inbox/lenaortiz_1781234567/message_1.json"
    for name in ("ig", "fb"):
        (tmp_path / name / msg).parent.mkdir(parents=True)
        shutil.copy(IG / DM, tmp_path / name / msg)
    (tmp_path / "ig" / "content").mkdir()
    shutil.copy(IG / POSTS, tmp_path / "ig" / "content" / "posts_1.json")
    ig, _ = load_by_id(tmp_path / "ig")
    fb, _ = load_by_id(tmp_path / "fb")
    assert ig[f"{msg}#0"].platform == "instagram"
    assert fb[f"{msg}#0"].platform == "facebook"


def test_malformed_comment_records(tmp_path):
    f = tmp_path / "post_comments_1.json"
    f.write_text(json.dumps([
        {"string_map_data": {"Comment": {"value": "first"}, "Time": {"timestamp": 1700000000}}},
        {"string_map_data": "SECRET not an object"},
        {"string_map_data": {"Comment": {"value": "SECRET"}, "Time": {"timestamp": "yesterday"}}},
        {"string_map_data": {"Comment": {"value": "last"}, "Time": {"timestamp": 1700000100}}},
    ]), "utf-8")
    posts, errors = load_by_id(f)
    assert [p.text for p in sorted(posts.values(), key=lambda p: p.index)] == ["first", "last"]
    assert [(e.source, e.where) for e in errors] == [(str(f), "[1]"), (str(f), "[2]")]
    assert all("SECRET" not in e.message for e in errors)


def test_truncated_threads_file(tmp_path):
    raw = (IG / THREADS).read_bytes()
    cut = raw.index(b"X-ray")  # inside record 1
    f = tmp_path / "threads" / "threads_and_replies.json"
    f.parent.mkdir()
    f.write_bytes(raw[:cut])
    posts, errors = load_by_id(tmp_path)
    assert list(posts) == ["threads/threads_and_replies.json#0"]
    assert [(e.source, e.where) for e in errors] == [(str(f), "text_post_app_text_posts[1]")]
    assert "X-ray" not in errors[0].message


def test_generic_json_is_not_claimed(tmp_path):
    (tmp_path / "posts_1.json").write_text('[{"text": "not instagram"}]', "utf-8")
    (tmp_path / "reels_comments.json").write_text('{"items": []}', "utf-8")
    (tmp_path / "threads_and_replies.json").write_text('{"threads": []}', "utf-8")
    tree = open_tree(tmp_path)
    for name in ("instagram", "threads"):
        assert get_loader(name).claim(tree, tree.entries) == []


def test_forced_threads_reads_a_renamed_file(tmp_path):
    f = tmp_path / "my_threads.json"
    shutil.copy(IG / THREADS, f)
    posts, errors = load_by_id(f, input_format="threads")
    assert errors == [] and len(posts) == 3
    assert posts["my_threads.json#1"].kind == "reply"
