"""Markdown posts of a content queue: `account:` and `author:` in the front matter are the post's account and
author in reports, and the account type the judgment and the account rules weigh. All text is synthetic."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from phiscan.cli import main
from phiscan.config import Config
from phiscan.engine import Scanner
from phiscan.model import Post
from phiscan.sources import load_inputs
from phiscan.sources.generic import front_matter_people

REPO = Path(__file__).resolve().parents[1]
BODY = "Sending love to Lorenzo in room 12, back on his feet after surgery yesterday\n"


def _post(tmp_path: Path, front: str, name: str = "p.md") -> Post:
    (tmp_path / name).write_text(f"---\n{front}---\n{BODY}", encoding="utf-8")
    items = list(load_inputs([str(tmp_path / name)]))
    assert len(items) == 1 and isinstance(items[0], Post), items
    return items[0]


@pytest.mark.parametrize("front,account,kind,author", [
    ("account: lakeside_care\nauthor: Ruthanne Okafor\n", "lakeside_care", None, "Ruthanne Okafor"),
    ("account: official\n", "official", "official", None),
    ("account: Staff\nauthor: '@ruthanne_rn'\n", "Staff", "staff", "@ruthanne_rn"),
    ("account: '@lakeside_care'\naccount_type: official\n", "@lakeside_care", "official", None),
    ("account: {name: lakeside_kids, type: official}\nauthor: {name: Ruthanne Okafor, handle: '@ruthanne_rn'}\n",
     "lakeside_kids", "official", "Ruthanne Okafor"),
    ("account: 4471\nauthor: [a, b]\n", "4471", None, None),  # a number is a name; a list is no author
    ("account: ''\n", None, None, None),
])
def test_front_matter_account_and_author(tmp_path, front, account, kind, author):
    post = _post(tmp_path, front)
    assert (post.account, post.account_type, post.author) == (account, kind, author)


def test_front_matter_people_reads_mappings():
    assert front_matter_people({"account": {"handle": "@lakeside_care"}, "author": {"handle": "@ruthanne_rn"}}) == (
        "@lakeside_care", None, "@ruthanne_rn")
    assert front_matter_people({}) == (None, None, None)


def test_bundled_queue_account_is_in_the_report():
    r = CliRunner().invoke(main, ["scan", str(REPO / "fixtures" / "content-queue" / "posts"), "--format", "json", "-q", "--no-cache"])
    doc = json.loads(r.stdout)
    by_post = {(f["post_id"], f["rule"]): f["account"] for f in doc["findings"]}
    assert by_post[("unit-photo", "PHI105")] == "official"
    assert by_post[("step-down-update", "PHI106")] == "official"
    assert {f["account"] for f in doc["findings"]} == {"official"}


def test_account_type_reaches_the_judgment(tmp_path):
    """The judgment weighs the account type: a post loaded with `account: official` is judged as the same text
    from an official account, not as an account of unknown kind."""
    scanner = Scanner.from_config(Config())
    post = _post(tmp_path, "account: official\n")
    (scanned, _), = scanner.scan([post])
    assert scanned.account_type == "official"
    official = scanner.judgment_of(Post(id="x", text=post.text, account_type="official")).post
    unknown = scanner.judgment_of(Post(id="x", text=post.text)).post
    assert official != unknown
    assert scanner.judgment_of(scanned).post == official


def test_an_account_the_profile_owns_is_official(tmp_path):
    prof = tmp_path / "profile.yaml"
    prof.write_text("organization: Lakeside Health\naccounts: ['@Lakeside_Care']\n", encoding="utf-8")
    scanner = Scanner.from_config(Config(profile=str(prof)))
    own = _post(tmp_path, "account: lakeside_care\n", "own.md")
    other = _post(tmp_path, "account: ruthanne_rn\n", "other.md")
    staff = _post(tmp_path, "account: lakeside_care\naccount_type: staff\n", "staff.md")
    got = {p.source.rsplit("/", 1)[-1]: p.account_type for p, _ in scanner.scan([own, other, staff])}
    assert got == {"own.md": "official", "other.md": None, "staff.md": "staff"}  # what the file says wins
