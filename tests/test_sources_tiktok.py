"""TikTok JSON export loader: new and old key names, posts, comments, DMs in both paths, errors."""
from __future__ import annotations

import json
import zipfile
from datetime import datetime

from phiscan.model import Post
from phiscan.sources import get_loader
from phiscan.sources.base import open_tree
from phiscan.sources.tiktok import TikTokLoader
from sources_helpers import EXPORTS, UTC, claim_and_load, load

NEW = EXPORTS / "tiktok"
OLD = EXPORTS / "tiktok-old"


def _row(p: Post):
    return (p.id, p.kind, p.text, p.created_at, p.url, p.author, p.index)


def test_new_layout_exact_posts():
    posts, errors = load(NEW)
    assert errors == []
    assert all(p.platform == "tiktok" and p.account == "larkspurgeneral" for p in posts)
    assert all(p.source.endswith("tiktok/user_data_tiktok.json") for p in posts)
    v = "https://www.tiktokv.com/share/video/"
    assert [_row(p) for p in posts] == [
        ("7342000000000000011", "post", "Meet our night shift pharmacy team 💊 #nursesoftiktok #larkspurgeneral",
         datetime(2024, 3, 4, 15, 0, tzinfo=UTC), v + "7342000000000000011/", "larkspurgeneral", 0),
        ("7342000000000000012", "post",
         "Room 318 said goodbye to Mrs. Beatrix Santangelo today after 41 days in the ICU 🎉 DOB 1949-02-11",
         datetime(2024, 3, 10, 11, 30, tzinfo=UTC), v + "7342000000000000012/", "larkspurgeneral", 1),
        ("7342000000000000013", "post", "",  # no Title: a video without caption
         datetime(2024, 3, 11, 10, 0, tzinfo=UTC), v + "7342000000000000013/", "larkspurgeneral", 2),
        ("user_data_tiktok.json#comments[0]", "comment",
         "Thanks so much to all who came to the cancer survivors picnic! 💜",
         datetime(2024, 3, 5, 17, 42, 10, tzinfo=UTC), None, "larkspurgeneral", 3),
        ("user_data_tiktok.json#comments[1]", "comment",
         "Our patient Ignatius Holloway from bed 12 finally beat sepsis, MRN 00882411 — so proud of the team.",
         datetime(2024, 3, 6, 9, 5, 55, tzinfo=UTC), None, "larkspurgeneral", 4),
        ("user_data_tiktok.json#dm[0][0]", "dm",
         "Hi! My grandma Odette Delaquis had her knee replaced on 4 West yesterday, can you pass on a thank-you "
         "to her nurses? Call 555-0163.",
         datetime(2024, 3, 7, 22, 10, 3, tzinfo=UTC), None, "wren.delaquis", 5),
        ("user_data_tiktok.json#dm[0][1]", "dm", "We will pass it on! 😊",
         datetime(2024, 3, 8, 8, 30, tzinfo=UTC), None, "larkspurgeneral", 6),
        ("user_data_tiktok.json#dm[1][0]", "dm", "Catering for the staff appreciation lunch is confirmed for Friday.",
         datetime(2024, 3, 9, 12, 0, tzinfo=UTC), None, "cafe_fern", 7),
    ]


def test_old_layout_old_keys_and_top_level_dms():
    posts, errors = load(OLD)
    assert errors == []
    assert all(p.platform == "tiktok" and p.account == "fernhillclinic" for p in posts)
    v = "https://www.tiktokv.com/share/video/"
    assert [_row(p) for p in posts] == [
        ("6970000000000000101", "post", "", datetime(2021, 6, 2, 10, 0, tzinfo=UTC), v + "6970000000000000101/", "fernhillclinic", 0),
        ("6970000000000000102", "post", "", datetime(2021, 6, 6, 18, 30, tzinfo=UTC), v + "6970000000000000102/", "fernhillclinic", 1),
        ("user_data.json#comments[0]", "comment", "Happy Nurses Week to our amazing L&D team!",
         datetime(2021, 6, 3, 14, 20, tzinfo=UTC), None, "fernhillclinic", 2),
        ("user_data.json#comments[1]", "comment",
         "Praying for little Cosima Vandermeer in the PICU, bed 4 — her chemo starts Monday.",
         datetime(2021, 6, 4, 16, 45, 31, tzinfo=UTC), None, "fernhillclinic", 3),
        ("user_data.json#dm[0][0]", "dm", "Is the maternity ward still limiting visitors to one support person?",
         datetime(2021, 6, 5, 7, 12, 9, tzinfo=UTC), None, "harbor_mom_22", 4),
        ("user_data.json#dm[0][1]", "dm", "Yes, one support person for now! Questions? Call 555-0129.",
         datetime(2021, 6, 5, 9, 0, tzinfo=UTC), None, "fernhillclinic", 5),
    ]


def test_loader_directly_and_claim():
    assert isinstance(get_loader("tiktok"), TikTokLoader)
    claimed, items = claim_and_load("tiktok", NEW)
    assert [e.basename for e in claimed] == ["user_data_tiktok.json"]
    assert [_row(p) for p in items] == [_row(p) for p in load(NEW)[0]]


def test_does_not_claim_other_json(tmp_path):
    (tmp_path / "user_data.json").write_text('{"users": [{"name": "a"}]}')
    (tmp_path / "posts.json").write_text('{"Post": {"Posts": {"VideoList": []}}}')
    tree = open_tree(tmp_path)
    assert TikTokLoader().claim(tree, tree.entries) == []
    assert len(TikTokLoader().claim(tree, tree.entries, forced=True)) == 2


def test_zip_gives_same_posts(tmp_path):
    archive = tmp_path / "TikTok_Data_1710000000.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(NEW / "user_data_tiktok.json", "user_data_tiktok.json")
    posts, errors = load(archive)
    assert errors == []
    assert [_row(p) for p in posts] == [_row(p) for p in load(NEW)[0]]
    assert posts[0].source.endswith(".zip!user_data_tiktok.json")


def test_keys_looked_up_case_insensitively(tmp_path):
    data = {
        "profile": {"profile information": {"profilemap": {"username": "mercy_peds"}}},
        "POST": {"posts": {"videolist": [{"date": "2024-01-02 03:04:05", "link": "https://www.tiktokv.com/share/video/1/", "title": "Toy drive!"}]}},
        "comment": {"comments": {"commentslist": [{"DATE": "2024-01-03 00:00:00", "COMMENT": "Great job"}]}},
    }
    f = tmp_path / "user_data_tiktok.json"
    f.write_bytes(b"\xef\xbb\xbf" + json.dumps(data).encode())
    posts, errors = load(f)
    assert errors == []
    assert [(p.id, p.text, p.account, p.created_at) for p in posts] == [
        ("1", "Toy drive!", "mercy_peds", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("user_data_tiktok.json#comments[0]", "Great job", "mercy_peds", datetime(2024, 1, 3, tzinfo=UTC)),
    ]


def test_malformed_records_lose_only_themselves(tmp_path):
    data = json.loads((NEW / "user_data_tiktok.json").read_text())
    data["Comment"]["Comments"]["CommentsList"].insert(1, {"date": "2024-03-05 18:00:00", "comment": {"nested": 1}})
    data["Post"]["Posts"]["VideoList"][0] = "not a post"
    chats = data["Direct Message"]["Direct Messages"]["ChatHistory"]
    chats["Chat History with cafe_fern:"].insert(0, {"Date": "2024-03-09 11:00:00", "From": "cafe_fern"})
    f = tmp_path / "user_data_tiktok.json"
    f.write_text(json.dumps(data, ensure_ascii=False))
    posts, errors = load(tmp_path)
    assert [e.where for e in errors] == [
        "Post.Posts.VideoList[0]",
        "Comment.Comments.CommentsList[1]",
        "Direct Message.Direct Messages.ChatHistory[thread 1][0]",
    ]
    assert all(e.source.endswith("user_data_tiktok.json") for e in errors)
    assert "cafe_fern" not in errors[2].where + errors[2].message  # thread names stay out of errors
    assert len(posts) == 8 - 1
    assert "user_data_tiktok.json#comments[2]" in {p.id for p in posts}  # the comment after the bad one


def test_truncated_file_keeps_complete_sections(tmp_path):
    raw = (NEW / "user_data_tiktok.json").read_text()
    cut = raw.index("Meet our night shift")  # inside the Post section; Comment and DMs are complete
    f = tmp_path / "user_data_tiktok.json"
    f.write_text(raw[:cut])
    posts, errors = load(f)
    assert {p.kind for p in posts} == {"comment", "dm"} and len(posts) == 5
    assert posts[0].account is None  # the profile section comes after the cut
    assert len(errors) == 1
    assert errors[0].source.endswith("user_data_tiktok.json") and errors[0].where == "section 'Post'"
    assert "truncated" in errors[0].message and "pharmacy" not in errors[0].message


def test_not_an_object_forced(tmp_path):
    f = tmp_path / "export.json"
    f.write_text('[{"Date": "2024-01-01 00:00:00"}]')
    posts, errors = load(f, input_format="tiktok")
    assert posts == [] and len(errors) == 1 and errors[0].where == "top level"


def test_out_of_range_date_loses_only_its_record(tmp_path):
    data = {"Comment": {"Comments": {"CommentsList": [
        {"date": "99999999999999999999", "comment": "Great flu clinic"},
        {"date": "2024-01-01 00:00:00", "comment": "See you at the 5K"},
    ]}}}
    f = tmp_path / "user_data_tiktok.json"
    f.write_text(json.dumps(data))
    posts, errors = load(f)
    assert [p.text for p in posts] == ["See you at the 5K"]
    assert [e.where for e in errors] == ["Comment.Comments.CommentsList[0]"]
