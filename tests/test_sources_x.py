"""X / Twitter archive loader: both tweet layouts, DMs, account.js, unescaping, retweets, replies, media, errors."""
from __future__ import annotations

import shutil
import tarfile
import zipfile
from datetime import datetime, timedelta

import pytest

from phiscan.model import Media, Post
from phiscan.sources import get_loader
from phiscan.sources.base import open_tree
from phiscan.sources.x import XArchiveLoader
from sources_helpers import EXPORTS, UTC, claim_and_load, load

NEW = EXPORTS / "x-archive"
OLD = EXPORTS / "x-archive-2019"


def _key(p: Post):
    """A post without its source path (which differs between folder and archive forms)."""
    return (p.id, p.text, p.platform, p.account, p.kind, p.url, p.created_at, p.author, p.in_reply_to,
            p.reply_to_author, p.media, p.fields, p.index, p.source.rsplit("/", 1)[-1])


def test_new_layout_posts_exactly():
    posts, errors = load(NEW)
    assert errors == []
    by_id = {p.id: p for p in posts}
    assert [p.id for p in posts] == [
        "1700000000000000101", "1700000000000000102", "1700000000000000103", "1700000000000000104",
        "1700000000000000201",  # tweets-part1.js after tweets.js
        "1693000000000000010",  # group DM (joinConversation event skipped)
        "1692000000000000002", "1692000000000000001",
    ]
    assert all(p.platform == "x" and p.account == "LarkspurGeneral" for p in posts)

    p = by_id["1700000000000000101"]
    assert p.text == ("Join us Saturday for the Larkspur General 5K & family health fair! Free flu shots <3 "
                      "#LarkspurHealth https://t.co/AbCdEf1234")
    assert p.kind == "post"
    assert p.url == "https://twitter.com/LarkspurGeneral/status/1700000000000000101"
    assert p.created_at == datetime(2023, 9, 8, 14, 0, tzinfo=UTC)
    assert p.author == "LarkspurGeneral"
    assert p.fields == (("expanded_urls", "https://larkspurgeneral.example/events/5k"),)
    assert p.source.endswith("data/tweets.js") and p.index == 0

    p = by_id["1700000000000000102"]
    assert p.kind == "reply"
    assert p.in_reply_to == "1700000000000000050"
    assert p.reply_to_author == "jwhitfield_rn"
    assert "my patient Solange Thibodeaux in room 412 was discharged" in p.text
    assert p.created_at == datetime(2023, 9, 9, 18, 30, 5, tzinfo=UTC)

    p = by_id["1700000000000000103"]  # retweet: the retweeted user's truncated text
    assert p.text == ("RT @LarkspurNurses: Huge shout-out to the night shift on 5 North: 1,000 days without a "
                      "patient fall & counting. Proud of every one of…")
    assert p.author == "LarkspurNurses" and p.account == "LarkspurGeneral" and p.kind == "post"

    p = by_id["1700000000000000104"]  # extended_entities wins over entities.media
    assert p.text == 'Welcome to the new NICU family lounge! Thank you, volunteers "Team Cedar". https://t.co/Zz9Yy8Xx7W'
    assert p.media == (
        Media(uri="https://pbs.twimg.com/media/F5nicuLounge1.jpg", kind="photo"),
        Media(uri="https://pbs.twimg.com/ext_tw_video_thumb/1700000000000000901/pu/img/ribbon.jpg", kind="video"),
    )

    p = by_id["1700000000000000201"]
    assert p.text == ("@k_morrow We found your dad's chart (MRN 00739218) & his cardiology follow-up is set. "
                      "Please call 555-0142 and ask for the charge nurse.")
    assert p.source.endswith("data/tweets-part1.js") and p.index == 0
    assert (p.kind, p.in_reply_to, p.reply_to_author) == ("reply", "1700000000000000200", "k_morrow")


def test_new_layout_direct_messages():
    posts, _ = load(NEW)
    dms = {p.id: p for p in posts if p.kind == "dm"}
    assert set(dms) == {"1693000000000000010", "1692000000000000002", "1692000000000000001"}
    patient = dms["1692000000000000001"]
    assert patient.text == ("Hi, my mother Rosalind Petrakis has been in your ICU since Tuesday, DOB 03/14/1951. "
                            "Can someone call me at 555-0187?")
    assert patient.author == "55501234"  # not the account: the sender id as the export gives it
    assert patient.created_at == datetime(2023, 8, 15, 9, 12, 44, 512000, tzinfo=UTC)
    assert patient.url == "https://twitter.com/messages/1234567890-55501234"
    assert patient.index == 1 and patient.source.endswith("data/direct-messages.js")
    reply = dms["1692000000000000002"]
    assert reply.author == "LarkspurGeneral"  # senderId == accountId from account.js
    assert reply.text.endswith("discuss patients here & ask that you call Patient Relations.")
    group = dms["1693000000000000010"]
    assert group.source.endswith("data/direct-messages-group.js")
    assert group.media == (Media(uri="https://ton.twitter.com/1.1/ton/data/dm/1693000000000000010/1693000000000000011/floorplan.jpg"),)
    assert group.url == "https://twitter.com/messages/1693000000000000000"


def test_old_layout_bare_tweet_objects():
    posts, errors = load(OLD)
    assert errors == []
    assert [(p.id, p.kind) for p in posts] == [
        ("1150000000000000001", "post"), ("1150000000000000002", "post"), ("1150000000000000003", "reply"),
        ("1151000000000000001", "dm"),
    ]
    assert all(p.platform == "x" and p.account == "FernhillClinic" for p in posts)
    assert posts[0].text == ("Congratulations to Dr. Amara Okonkwo-Reyes, our new chief of cardiology! "
                             "Welcome aboard & thank you.")
    assert posts[1].text == ("Update for the family in bed 7B: Teodoro Blomqvist is stable after his hip surgery "
                             "> recovering on 3 East. MRN 00451276.")
    assert posts[1].created_at == datetime(2019, 7, 16, 14, 30, tzinfo=UTC)  # -0500 kept, same instant
    assert posts[1].created_at.utcoffset() == timedelta(hours=-5)
    assert posts[1].url == "https://twitter.com/FernhillClinic/status/1150000000000000002"
    assert (posts[2].in_reply_to, posts[2].reply_to_author) == ("1150000000000000001", "FernhillClinic")
    assert posts[3].text == "Can you tell Dr. Okonkwo-Reyes my son Milo Fairbanks (MRN 00612345) still has a fever & rash?"
    assert posts[3].source.endswith("data/direct-message.js")


def test_loader_directly_and_claims():
    assert isinstance(get_loader("x-archive"), XArchiveLoader)
    claimed, items = claim_and_load("x-archive", NEW)
    # every file of the archive is claimed, including those without posts (account, manifest, likes)
    assert sorted(e.basename for e in claimed) == sorted(
        ["account.js", "direct-messages-group.js", "direct-messages.js", "like.js", "manifest.js",
         "tweets-part1.js", "tweets.js"])
    assert [i.id for i in items if isinstance(i, Post)] == [p.id for p in load(NEW)[0]]


def test_does_not_claim_generic_files(tmp_path):
    (tmp_path / "tweets.js").write_text("console.log('not an archive');\n")
    (tmp_path / "data.json").write_text('[{"text": "hello"}]')
    tree = open_tree(tmp_path)
    assert XArchiveLoader().claim(tree, tree.entries) == []
    assert len(XArchiveLoader().claim(tree, tree.entries, forced=True)) == 2


@pytest.mark.parametrize("form", ["zip", "tar.gz"])
def test_archive_forms_give_same_posts(tmp_path, form):
    top = "twitter-2023-09-20-a1b2c3"
    if form == "zip":
        archive = tmp_path / f"{top}.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            for f in sorted(NEW.rglob("*")):
                if f.is_file():
                    zf.write(f, f.relative_to(NEW).as_posix())  # real archives: data/ at the top
    else:
        archive = tmp_path / f"{top}.tar.gz"
        with tarfile.open(archive, "w:gz") as tf:
            tf.add(NEW, arcname=top)
    posts, errors = load(archive)
    assert errors == []
    assert [_key(p) for p in posts] == [_key(p) for p in load(NEW)[0]]
    assert "!" in posts[0].source


def test_single_tweets_file_without_account(tmp_path):
    shutil.copy(NEW / "data" / "tweets-part1.js", tmp_path / "tweets-part1.js")
    posts, errors = load(tmp_path / "tweets-part1.js")
    assert errors == []
    assert [p.id for p in posts] == ["1700000000000000201"]
    assert posts[0].account is None and posts[0].platform == "x"
    assert posts[0].url == "https://twitter.com/i/web/status/1700000000000000201"


def test_bom_and_part_name_variant(tmp_path):
    src = (OLD / "data" / "tweet.js").read_text().replace("window.YTD.tweet.part0", "window.YTD.tweets.part3", 1)
    (tmp_path / "tweets-part3.js").write_bytes(b"\xef\xbb\xbf" + src.encode())
    posts, errors = load(tmp_path)
    assert errors == [] and len(posts) == 3 and posts[0].platform == "x"


def test_malformed_record_loses_only_itself(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    (d / "tweets.js").write_text(
        'window.YTD.tweets.part0 = [\n'
        ' {"tweet": {"id_str": "1", "full_text": "Free parking this weekend", "created_at": "Fri Sep 08 14:00:00 +0000 2023"}},\n'
        ' {"tweet": {"id_str": "2", "full_text": 42}},\n'
        ' "not a tweet",\n'
        ' {"tweet": {"id_str": "4", "full_text": "Blood drive in the atrium"}}\n'
        ']\n')
    posts, errors = load(tmp_path)
    assert [p.id for p in posts] == ["1", "4"]
    assert [p.index for p in posts] == [0, 3]
    assert [(e.where, e.source.endswith("data/tweets.js")) for e in errors] == [("[1]", True), ("[2]", True)]
    assert "full_text" in errors[0].message


def test_truncated_file_keeps_earlier_records(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    shutil.copy(NEW / "data" / "account.js", d / "account.js")
    raw = (NEW / "data" / "tweets.js").read_text()
    cut = raw.index("Huge shout-out")  # inside the third record
    (d / "tweets.js").write_text(raw[:cut])
    posts, errors = load(tmp_path)
    assert [p.id for p in posts] == ["1700000000000000101", "1700000000000000102"]
    assert len(errors) == 1
    err = errors[0]
    assert err.source.endswith("data/tweets.js") and err.where == "[2]"
    assert "truncated" in err.message
    assert "Huge" not in err.message and "night shift" not in err.message  # no post text in errors


def test_malformed_dm_and_broken_dm_file(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    (d / "direct-messages.js").write_text(
        'window.YTD.direct_messages.part0 = [\n'
        ' {"dmConversation": {"conversationId": "1-2", "messages": [\n'
        '   {"messageCreate": {"id": "10", "text": "Where is the cafeteria?", "senderId": "2", "createdAt": "2023-01-02T03:04:05.000Z"}},\n'
        '   {"messageCreate": {"id": "11", "senderId": "2"}}\n'
        ' ]}},\n'
        ' {"dmConversation": {"conversationId": "1-3", "messages": [\n'
        '   {"messageCreate": {"id": "12", "text": "Thanks for the flowers", "senderId": "3", "createdAt": "2023-01-03T03:04:05.000Z"}},\n'
        '   {"messageCreate": {"id": "13", "text": "My room number is 2')
    posts, errors = load(tmp_path)
    assert [(p.id, p.url) for p in posts] == [("10", "https://twitter.com/messages/1-2"),
                                              ("12", "https://twitter.com/messages/1-3")]
    assert posts[0].created_at == datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert [e.where for e in errors] == ["[0].dmConversation.messages[1]", "[1].dmConversation.messages[1]"]
    assert "room number" not in errors[1].message


def test_forced_format_on_bare_json_and_non_archive(tmp_path):
    (tmp_path / "tweets.json").write_text('[{"id_str": "7", "full_text": "Visiting hours extended &amp; posted"}]')
    posts, errors = load(tmp_path / "tweets.json", input_format="x-archive")
    assert errors == [] and posts[0].text == "Visiting hours extended & posted" and posts[0].platform == "x"
    (tmp_path / "other.js").write_text("console.log(1)\n")
    posts, errors = load(tmp_path / "other.js", input_format="x-archive")
    assert posts == [] and len(errors) == 1 and errors[0].where == "byte 0"


def test_trailing_semicolon_is_not_an_error(tmp_path):
    src = (NEW / "data" / "tweets-part1.js").read_text().rstrip() + ";\n"
    (tmp_path / "tweets-part1.js").write_text(src)
    posts, errors = load(tmp_path)
    assert errors == [] and [p.id for p in posts] == ["1700000000000000201"]


@pytest.mark.parametrize("backend", ["yajl2_c", "python"])
def test_trailing_semicolon_is_not_an_error_with_any_ijson_backend(tmp_path, monkeypatch, backend):
    """Which ijson backend runs depends on the machine (the C one needs a compiled extension); they word the
    error after a complete array differently."""
    import ijson

    from phiscan.sources import x as xmod

    try:
        be = ijson.get_backend(backend)
    except Exception:  # noqa: BLE001  (a backend this machine does not have)
        pytest.skip(f"ijson backend {backend} not available")
    monkeypatch.setattr(xmod.ijson, "items", be.items)
    src = (NEW / "data" / "tweets-part1.js").read_text().rstrip() + ";\n"
    (tmp_path / "tweets-part1.js").write_text(src)
    posts, errors = load(tmp_path)
    assert errors == [] and [p.id for p in posts] == ["1700000000000000201"]
    (tmp_path / "tweets-part1.js").write_text(src.rstrip().rstrip(";").rstrip().rstrip("]") + "\n")  # truncated
    posts, errors = load(tmp_path)
    assert [(e.where, e.message) for e in errors] == [
        ("[1]", "truncated JSON (IncompleteJSONError); the rest of this file could not be read")]
