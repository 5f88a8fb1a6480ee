"""Images beside posts (issue 18): EXIF GPS, device serial, capture time and embedded captions become fields of
their post; `phiscan strip`; `--images off`; size and pixel limits; without Pillow, images are listed as not read.
Every image is generated here with PIL; names and places are invented.
"""
from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

from phiscan import images  # noqa: E402
from phiscan.cli import main  # noqa: E402
from phiscan.sources import LoadOptions, load_inputs  # noqa: E402

COMMENT = "Rm 9 Jorvik Quenby fall"  # invented patient, embedded in the photo's EXIF UserComment
CLEAN_POST = "---\ntitle: Team day\nmedia: [{name}]\n---\nOur team had a great day at the 5K!\n"


def gps_photo(path: Path, comment: str | None = COMMENT) -> Path:
    img = Image.new("RGB", (64, 48), (200, 180, 160))
    ex = Image.Exif()
    ex.get_ifd(0x8825).update({1: "N", 2: (40.0, 42.0, 46.08), 3: "W", 4: (74.0, 0.0, 21.6)})
    sub = ex.get_ifd(0x8769)
    sub.update({0x9003: "2026:03:14 09:12:33", 0xA431: "4C0F12345"})
    if comment:
        sub[0x9286] = b"ASCII\x00\x00\x00" + comment.encode()
    img.save(path, exif=ex)
    return path


def bomb_png(path: Path, w: int = 20_000, h: int = 20_000) -> Path:
    """A PNG that declares 20,000 x 20,000 pixels in a few dozen bytes (its pixel data is never there)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
    return path


def scan(*args: str):
    return CliRunner().invoke(main, ["scan", *args])


def report(*args: str) -> dict:
    res = scan("--format", "json", *args)
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.stdout)


@pytest.fixture
def queue(tmp_path: Path) -> Path:
    """A content-queue folder: a post naming its photo, whose EXIF carries GPS, a serial and a caption."""
    d = tmp_path / "queue"
    d.mkdir()
    gps_photo(d / "photo.jpg")
    (d / "post.md").write_text(CLEAN_POST.format(name="photo.jpg"), encoding="utf-8")
    return d


def test_metadata_fields_of_a_generated_photo(tmp_path: Path):
    got = images.metadata_fields(gps_photo(tmp_path / "p.jpg").read_bytes())
    assert got == [("exif_gps", "EXIF GPS 40.71, -74.01"), ("exif_time", "photo taken 2026-03-14 09:12"),
                   ("exif_serial", "EXIF device serial 4C0F12345"), ("exif_comment", COMMENT)]


def test_exif_gps_photo_gives_a_location_finding_in_its_post(queue: Path):
    data = report(str(queue))
    got = sorted((f["rule"], f["field"], f["evidence"], f["source"]) for f in data["findings"]
                 if f["rule"] in ("PHI115", "PHI116", "PHI105"))
    src = str(queue / "post.md")
    assert got == [("PHI105", "media[0].exif_comment", "Rm 9", src),
                   ("PHI115", "media[0].exif_gps", "40.71, -74.01", src),
                   ("PHI116", "media[0].exif_serial", "4C0F12345", src)]
    gps = next(f for f in data["findings"] if f["rule"] == "PHI115")
    assert (gps["severity"], gps["policies"][0]) == ("high", "hipaa-safe-harbor:164.514(b)(2)(i)(B)")
    inv = {r["source"]: r for r in data["summary"]["inventory"]}
    assert (inv[str(queue / "photo.jpg")]["status"], inv[str(queue / "photo.jpg")]["format"]) == ("scanned", "image")


def test_redacted_report_masks_the_rounded_place(queue: Path):
    data = report("--redact", str(queue))
    gps = next(f for f in data["findings"] if f["rule"] == "PHI115")
    assert gps["evidence"] == "4***** -*****"
    assert "40.71" not in json.dumps(data)


def test_clean_team_photo_gives_no_finding(tmp_path: Path):
    d = tmp_path / "queue"
    d.mkdir()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(d / "team.jpg")
    (d / "post.md").write_text(CLEAN_POST.format(name="team.jpg"), encoding="utf-8")
    res = scan("--format", "json", str(d))
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["findings"] == []
    assert {r["source"]: r["status"] for r in data["summary"]["inventory"]}[str(d / "team.jpg")] == "scanned"


def test_image_no_post_names_is_scanned_on_its_own(tmp_path: Path):
    d = tmp_path / "queue"
    d.mkdir()
    gps_photo(d / "draft.jpg", comment=None)
    data = report(str(d))
    assert [(f["rule"], f["source"], f["field"]) for f in data["findings"] if f["rule"] == "PHI115"] == [
        ("PHI115", str(d / "draft.jpg"), "media[0].exif_gps")]


def test_media_uri_resolved_by_path_inside_the_export(tmp_path: Path):
    d = tmp_path / "export"
    (d / "media").mkdir(parents=True)
    gps_photo(d / "media" / "p1.jpg", comment=None)
    rec = {"id": "7", "text": "Great turnout today", "media": [{"uri": "your_activity/export/media/p1.jpg"}]}
    (d / "posts.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    data = report(str(d))
    assert [(f["rule"], f["post_id"], f["field"]) for f in data["findings"] if f["rule"] == "PHI115"] == [
        ("PHI115", "7", "media[0].exif_gps")]


def test_decompression_bomb_refused_and_nothing_else_lost(tmp_path: Path):
    d = tmp_path / "queue"
    d.mkdir()
    bomb_png(d / "bomb.png")
    gps_photo(d / "photo.jpg", comment=None)
    (d / "post.md").write_text(CLEAN_POST.format(name="photo.jpg"), encoding="utf-8")
    res = scan("--format", "json", str(d))
    assert res.exit_code == 2, res.output
    data = json.loads(res.stdout)
    assert [e for e in data["errors"] if e["source"] == str(d / "bomb.png")] == [{
        "source": str(d / "bomb.png"), "where": "",
        "message": f"image of 20000 x 20000 pixels is over the limit of {images.MAX_IMAGE_PIXELS} pixels; not read (a decompression bomb limit)"}]
    assert [f["rule"] for f in data["findings"]].count("PHI115") == 1  # the other photo is still read
    inv = {r["source"]: r["status"] for r in data["summary"]["inventory"]}
    assert (inv[str(d / "bomb.png")], inv[str(d / "post.md")]) == ("error", "scanned")


def test_strip_writes_copies_without_metadata(tmp_path: Path):
    src = gps_photo(tmp_path / "photo.jpg")
    png = tmp_path / "shot.png"
    Image.new("RGB", (16, 16)).save(png, exif=Image.open(src).getexif())
    assert images.metadata_fields(png.read_bytes())  # the PNG carries the EXIF too
    out = tmp_path / "clean"
    res = CliRunner().invoke(main, ["strip", str(src), str(png), "-o", str(out)])
    assert res.exit_code == 0, res.output
    for name in ("photo.jpg", "shot.png"):
        copy = out / name
        assert images.metadata_fields(copy.read_bytes()) == []
        with Image.open(copy) as im:
            assert dict(im.getexif()) == {} and im.size == Image.open(tmp_path / name).size
    assert images.metadata_fields(src.read_bytes())  # the original is left as it was


def test_strip_names_a_file_it_cannot_read(tmp_path: Path):
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(b"not an image at all")
    res = CliRunner().invoke(main, ["strip", str(bad), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert f"phiscan: error: {bad}: {images.UNREADABLE}" in res.output


def test_images_off_leaves_them_unread(queue: Path):
    data = report("--images", "off", str(queue))
    assert not [f for f in data["findings"] if f["field"].startswith("media[")]
    inv = {r["source"]: r for r in data["summary"]["inventory"]}
    assert (inv[str(queue / "photo.jpg")]["status"], inv[str(queue / "photo.jpg")]["reason"]) == ("skipped", "image: not read (--images off)")


def test_without_pillow_images_are_listed_as_not_read_with_the_way_to_turn_it_on(queue: Path, monkeypatch):
    monkeypatch.setattr(images, "_PIL", False)
    res = scan(str(queue))
    assert res.exit_code == 0, res.output
    assert "skipped 1 file: image: not read: install phiscan[images] (pip install 'phiscan[images]') to scan image metadata" in res.stdout
    inventory: list = []
    list(load_inputs([str(queue)], options=LoadOptions(), inventory=inventory))
    assert {r.source: r.status for r in inventory}[str(queue / "photo.jpg")] == "skipped"


def test_x_archive_photo_in_tweets_media_is_read_with_its_tweet(tmp_path: Path):
    import shutil

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "exports" / "x-archive"
    d = tmp_path / "x-archive"
    shutil.copytree(fixture, d)
    (d / "data" / "tweets_media").mkdir()
    gps_photo(d / "data" / "tweets_media" / "1700000000000000104-F5nicuLounge1.jpg", comment=None)
    data = report(str(d))
    assert [(f["rule"], f["post_id"], f["field"], f["evidence"]) for f in data["findings"] if f["rule"] in ("PHI115", "PHI116")] == [
        ("PHI115", "1700000000000000104", "media[0].exif_gps", "40.71, -74.01"),
        ("PHI116", "1700000000000000104", "media[0].exif_serial", "4C0F12345")]
    inv = {r["source"]: r["status"] for r in data["summary"]["inventory"]}
    assert inv[str(d / "data" / "tweets_media" / "1700000000000000104-F5nicuLounge1.jpg")] == "scanned"


def test_png_caption_is_scanned_as_a_text_field(tmp_path: Path):
    from PIL.PngImagePlugin import PngInfo

    d = tmp_path / "queue"
    d.mkdir()
    info = PngInfo()
    info.add_text("Description", "Rm 9 Jorvik Quenby fall")
    Image.new("RGB", (32, 32)).save(d / "board.png", pnginfo=info)
    data = report(str(d))
    assert [(f["rule"], f["field"], f["evidence"]) for f in data["findings"] if f["rule"] == "PHI105"] == [
        ("PHI105", "media[0].png_description", "Rm 9")]


def test_images_ocr_without_the_ocr_extra_is_a_clear_usage_error(queue: Path, monkeypatch):
    from phiscan import ocr

    monkeypatch.setattr(ocr, "_STATE", f"image text not read (OCR): {ocr.INSTALL_HINT}")
    res = scan("--images", "ocr", str(queue))
    assert res.exit_code == 2
    assert "--images ocr: image text not read (OCR): install phiscan[ocr] (pip install 'phiscan[ocr]')" in res.output
