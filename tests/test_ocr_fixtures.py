"""fixtures/images/ scanned end to end with OCR (issue 18): an X archive whose tweets_media holds a ward whiteboard
and a clean team photo, and a content queue with a wristband photo and a monitor photo no post names. The
fixtures are written by benchmarks/make_image_fixtures.py (invented text). Skipped only without the OCR engine.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("PIL")
pytest.importorskip("rapidocr")
pytest.importorskip("onnxruntime")

from phiscan.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIX = "fixtures/images"
BOARD = f"{FIX}/x-archive/data/tweets_media/1790000000000000201-Gk4WardBoard.jpg"
TWEETS = f"{FIX}/x-archive/data/tweets.js"
QUEUE_POST = f"{FIX}/content-queue/2026-05-20-discharge.md"
MONITOR = f"{FIX}/content-queue/monitor.jpg"


@pytest.fixture(scope="module")
def scans(tmp_path_factory):
    """The JSON and HTML reports of one scan each, run from the repository's top (relative paths)."""
    import os

    here = os.getcwd()
    os.chdir(ROOT)
    try:
        out = {}
        for fmt in ("json", "html"):
            res = CliRunner().invoke(main, ["scan", FIX, "--no-cache", "--format", fmt])
            assert res.exit_code == 1, res.output
            out[fmt] = res.stdout
        return json.loads(out["json"]), out["html"]
    finally:
        os.chdir(here)


def test_every_text_in_the_images_gives_its_findings(scans):
    data, _ = scans
    got = [(f["rule"], f["post_id"], f["source"], f["image"], f["field"], f["evidence"]) for f in data["findings"]]
    wrist = f"{FIX}/content-queue/discharge-day.jpg"
    tid = "1790000000000000201"
    assert got == [  # in scan order: the X archive, then the queue's post, then the photo no post names
        ("PHI105", tid, TWEETS, BOARD, "media[0].ocr", "Rm 9"),
        ("PHI101", tid, TWEETS, BOARD, "media[0].ocr", "Hartley"),
        ("PHI105", tid, TWEETS, BOARD, "media[0].ocr", "Rm 12"),
        ("PHI101", tid, TWEETS, BOARD, "media[0].ocr", "Okafor"),
        ("PHI105", tid, TWEETS, BOARD, "media[0].ocr", "Bed 4"),
        ("PHI101", tid, TWEETS, BOARD, "media[0].ocr", "Lindqvist"),
        ("PHI101", "discharge-day-2026", QUEUE_POST, wrist, "media[0].ocr", "TELLMAR, ODESSA"),
        ("PHI106", "discharge-day-2026", QUEUE_POST, wrist, "media[0].ocr", "00481237"),
        ("PHI103", "discharge-day-2026", QUEUE_POST, wrist, "media[0].ocr", "03/14/1961"),
        ("PHI105", MONITOR, MONITOR, MONITOR, "media[0].ocr", "BED 7"),
        ("PHI101", MONITOR, MONITOR, MONITOR, "media[0].ocr", "VARDELL, M"),
        ("PHI121", MONITOR, MONITOR, MONITOR, "media[0].ocr", "Halvorsen"),
    ]
    board = [f["box"] for f in data["findings"] if f["image"] == BOARD]
    assert [b[1] < 60 for b in board] == [True, True, False, False, False, False]  # rows 1, 2, 3 top to bottom
    assert board[0][0] < board[1][0] and board[2][0] < board[3][0]  # the room left of the name
    inv = {r["source"]: r for r in data["summary"]["inventory"]}
    assert {(s, r["status"], r["format"]) for s, r in inv.items() if s.endswith(".jpg")} == {
        (BOARD, "scanned", "image"), (f"{FIX}/x-archive/data/tweets_media/1790000000000000202-Gk5TeamRun.jpg", "scanned", "image"),
        (f"{FIX}/content-queue/discharge-day.jpg", "scanned", "image"), (MONITOR, "scanned", "image")}
    assert data["errors"] == [] and data["warnings"] == []


def test_html_report_shows_each_flagged_region(scans):
    _, html = scans
    figures = re.findall(r'<figure class="ocr-region">\s*<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]+)">'
                         r'\s*<figcaption>Text read from <code>([^<]+)</code>', html)
    assert [(alt, src) for alt, src in figures] == [  # the HTML report groups posts by source
        ("Flagged region of the image (findings 1, 2, 3)", f"{FIX}/content-queue/discharge-day.jpg"),
        ("Flagged region of the image (findings 4, 5, 6)", MONITOR),
        ("Flagged region of the image (findings 7, 8, 9, 10, 11, 12)", BOARD)]
    assert "Gk5TeamRun" not in html  # the clean photo has no finding, so no figure


def test_fixtures_exports_hold_no_image_worth_reading():
    """The README's first command, `phiscan scan fixtures/exports/`, stays fast with the ocr extra: the only images
    there are tiny placeholders (a Mastodon avatar and attachment), nothing OCR spends time on."""
    suffixes = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".gif", ".tif", ".tiff"}
    from PIL import Image

    found = [p for p in (ROOT / "fixtures" / "exports").rglob("*") if p.suffix.lower() in suffixes]
    assert found and all(Image.open(p).size[0] * Image.open(p).size[1] <= 64 * 64 for p in found)


def test_html_region_of_an_image_inside_a_zip_archive(tmp_path, scans):
    """The report reads the image again from the archive member the scan read (`x.zip!data/tweets_media/...`)."""
    import zipfile

    z = tmp_path / "x.zip"
    with zipfile.ZipFile(z, "w") as out:
        for p in sorted((ROOT / FIX / "x-archive").rglob("*")):
            if p.is_file():
                out.write(p, p.relative_to(ROOT / FIX / "x-archive").as_posix())
    res = CliRunner().invoke(main, ["scan", str(z), "--no-cache", "--format", "html"])
    assert res.exit_code == 1, res.output
    member = f"{z}!data/tweets_media/1790000000000000201-Gk4WardBoard.jpg"
    assert re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]+)">\s*<figcaption>Text read from <code>([^<]+)</code>',
                      res.stdout) == [("Flagged region of the image (findings 1, 2, 3, 4, 5, 6)", member)]
