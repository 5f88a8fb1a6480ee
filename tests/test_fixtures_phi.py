"""Every bundled export loads from its real structure and the PHI planted in it is found (exact evidence and
rule codes); the clean posts planted beside it stay quiet."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from phiscan.cli import main

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"

# (fixture folder, platform(s) the loaders must report, findings that must be there as (rule, evidence, field))
PLANTED = [
    ("x-archive", "x", {("PHI101", "Solange Thibodeaux", "text"), ("PHI105", "room 412", "text"), ("PHI106", "00739218", "text"),
                        ("PHI103", "03/14/1951", "text"), ("PHI108", "555-0187", "text")}),
    ("x-archive-2019", "x", {("PHI101", "Teodoro Blomqvist", "text"), ("PHI105", "bed 7B", "text"), ("PHI106", "00612345", "text")}),
    ("facebook", "facebook", {("PHI104", "94th birthday", "text"), ("PHI106", "00596137", "text"), ("PHI101", "Lucía Ibáñez", "text"),
                              ("PHI101", "José Villaseñor", "text"), ("PHI106", "00739218", "media[0].description")}),
    ("facebook-2021", "facebook", {("PHI105", "bed 6", "text")}),
    ("instagram", {"instagram", "threads"}, {("PHI101", "Zoë Marchetti", "text"), ("PHI106", "00912475", "text"), ("PHI105", "bed 12", "media[1].title")}),
    ("linkedin", "linkedin", {("PHI101", "Mr. Tobias Wendell", "text"), ("PHI106", "00739218", "text"), ("PHI105", "room 412", "text")}),
    ("mastodon", "mastodon", {("PHI101", "Solange Thibodeaux", "text"), ("PHI106", "00551234", "media[1].alt"), ("PHI101", "Tobias Wendell", "media[1].alt")}),
    ("youtube-2023", "youtube", {("PHI105", "room 412", "text")}),
    ("tiktok", "tiktok", {("PHI101", "Mrs. Beatrix Santangelo", "text"), ("PHI103", "1949-02-11", "text"), ("PHI106", "00882411", "text")}),
    ("tiktok-old", "tiktok", {("PHI105", "bed 4", "text")}),
    ("bluesky", "bluesky", {("PHI106", "00917733", "media[0].alt"), ("PHI101", "Mr. Pemberton-Cole", "text"), ("PHI105", "Rm 309", "media[0].alt")}),
    ("hootsuite", None, {("PHI101", "Solange Thibodeaux", "text"), ("PHI106", "00739218", "text")}),
    ("sprout", None, {("PHI101", "Harold", "text")}),
    ("publer", None, {("PHI101", "Ines Castellano", "text"), ("PHI103", "03/02/1951", "text"), ("PHI105", "bed 7", "media[1].alt")}),
    ("ayrshare", None, {("PHI101", "Gwendolyn Marchetti", "text"), ("PHI105", "Room 7", "text")}),
    ("oktopost", None, {("PHI101", "Baby Milo Blomqvist", "text")}),
    ("listening", None, {("PHI101", "Teodoro Abernathy", "text"), ("PHI106", "55120987", "text"), ("PHI108", "555-0173", "opening_text")}),
]


@pytest.fixture(scope="module")
def reports():
    out = {}
    for name, _, _ in PLANTED:
        r = CliRunner().invoke(main, ["scan", str(EXPORTS / name), "--format", "json", "--quiet"])
        out[name] = (r.exit_code, json.loads(r.stdout))
    return out


@pytest.mark.parametrize("name,platform,expected", PLANTED, ids=[p[0] for p in PLANTED])
def test_planted_phi_is_found(reports, name, platform, expected):
    code, doc = reports[name]
    found = {(f["rule"], f["evidence"], f["field"]) for f in doc["findings"] if f["severity"] in ("high", "medium")}
    assert expected <= found, sorted(expected - found)
    assert code == 1 and doc["errors"] == []  # planted PHI found; every bundled export is well-formed
    if platform:
        assert {f["platform"] for f in doc["findings"]} == (platform if isinstance(platform, set) else {platform})


def test_every_export_fixture_is_covered():
    covered = {p[0] for p in PLANTED} | {"youtube"}
    assert {p.name for p in EXPORTS.iterdir() if p.is_dir()} == covered


def test_clean_posts_in_fixtures_stay_quiet(reports):
    # staff shout-outs, events and education planted as clean posts: no medium or high finding on them
    for name in ("x-archive", "facebook", "linkedin", "mastodon"):
        _, doc = reports[name]
        flagged = {f["post_id"] for f in doc["findings"] if f["severity"] in ("high", "medium")}
        assert doc["summary"]["posts_scanned"] > len(flagged), name


def test_main_job_scans_every_bundled_export():
    r = CliRunner().invoke(main, ["scan", str(EXPORTS), "--format", "json", "--quiet"])
    doc = json.loads(r.stdout)
    platforms = {f["platform"] for f in doc["findings"]}
    assert {"x", "facebook", "instagram", "linkedin", "mastodon", "youtube", "tiktok", "bluesky"} <= platforms
    assert doc["summary"]["posts_scanned"] >= 100
