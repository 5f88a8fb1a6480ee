"""Text in images (issue 18, OCR): a whiteboard photo's rows become findings of `media[0].ocr` with the box of the
text in the image, in the JSON, SARIF and HTML reports; a clean team photo gives none; OCR runs with no network.
Every image is drawn here with Pillow (invented names); OCR is slow, so the images are made and scanned once per
module. Skipped only where the OCR engine is not importable (CI installs it through the test extra).
"""
from __future__ import annotations

import base64
import io
import json
import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("PIL")
pytest.importorskip("rapidocr")
pytest.importorskip("onnxruntime")
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from phiscan import ocr  # noqa: E402
from phiscan.cli import main  # noqa: E402

ROWS = ["Rm 9 Hartley dx CHF", "Bed 4 Okafor fall risk"]  # invented patients on a ward board
BANNER = "Team Day 5K 2026"


def _font(size: int):
    for p in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"):
        if Path(p).exists():
            return ImageFont.truetype(p, size)
    return ImageFont.load_default(size=size)


def whiteboard(path: Path) -> dict[str, tuple[int, int, int, int]]:
    """A ward whiteboard with ROWS in blue marker; returns each word's drawn box (x0, y0, x1, y1)."""
    img = Image.new("RGB", (900, 360), (245, 245, 238))
    d = ImageDraw.Draw(img)
    d.rectangle([6, 6, 893, 353], outline=(140, 140, 140), width=6)
    f = _font(44)
    words = {}
    for i, row in enumerate(ROWS):
        x, y = 60, 70 + i * 140
        d.text((x, y), row, fill=(25, 35, 150), font=f)
        for m in re.finditer(r"\S+", row):
            words[m.group()] = d.textbbox((x + d.textlength(row[:m.start()], font=f), y), m.group(), font=f)
    img.save(path)
    return words


def team_photo(path: Path) -> None:
    """People as shapes under a banner that says only the event."""
    img = Image.new("RGB", (900, 600), (120, 170, 220))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 420, 900, 600], fill=(90, 120, 80))
    for i in range(5):
        x = 90 + i * 160
        d.ellipse([x, 230, x + 70, 300], fill=(200, 160, 130))
        d.rectangle([x - 10, 300, x + 80, 520], fill=(40 + 30 * i, 90, 160))
    d.rectangle([150, 40, 750, 140], fill=(250, 250, 250))
    d.text((200, 62), BANNER, fill=(200, 30, 30), font=_font(48))
    img.save(path, quality=92)


def overlap(box, drawn) -> tuple[float, float]:
    """(share of the drawn box (x0, y0, x1, y1) inside the reported one (x, y, w, h), reported area / drawn area):
    OCR line boxes are a little taller than the ink, so the reported box should cover the word and not much more."""
    x, y, w, h = box
    ix = max(0, min(x + w, drawn[2]) - max(x, drawn[0]))
    iy = max(0, min(y + h, drawn[3]) - max(y, drawn[1]))
    area = (drawn[2] - drawn[0]) * (drawn[3] - drawn[1])
    return ix * iy / area, w * h / area


def assert_on(box, drawn, what):
    covered, ratio = overlap(box, drawn)
    assert covered > 0.85 and ratio < 2.6, (what, box, drawn, covered, ratio)


@pytest.fixture(scope="module")
def queue(tmp_path_factory):
    d = tmp_path_factory.mktemp("ocr") / "queue"
    d.mkdir()
    words = whiteboard(d / "board.png")
    team_photo(d / "team.jpg")
    (d / "night.md").write_text("---\nmedia: [board.png]\n---\nProud of our night shift!\n", encoding="utf-8")
    (d / "team.md").write_text("---\nmedia: [team.jpg]\n---\nOur team had a great day at the 5K!\n", encoding="utf-8")
    return d, words


def _scan(*args: str):
    res = CliRunner().invoke(main, ["scan", "--no-cache", *args])
    assert res.exit_code == 1, res.output
    return res


@pytest.fixture(scope="module")
def report(queue):
    d, _ = queue
    res = _scan("--format", "json", str(d))
    return json.loads(res.stdout), res


def test_board_rows_give_room_and_name_findings_with_their_boxes(queue, report):
    d, words = queue
    data, _ = report
    got = [(f["rule"], f["field"], f["evidence"], f["source"], f["image"]) for f in data["findings"]]
    src, img = str(d / "night.md"), str(d / "board.png")
    assert got == [("PHI105", "media[0].ocr", "Rm 9", src, img), ("PHI101", "media[0].ocr", "Hartley", src, img),
                   ("PHI105", "media[0].ocr", "Bed 4", src, img), ("PHI101", "media[0].ocr", "Okafor", src, img)]
    assert [(f["start"], f["end"]) for f in data["findings"]] == [(0, 4), (5, 12), (20, 25), (26, 32)]
    boxes = {f["evidence"]: f["box"] for f in data["findings"]}
    for ev, drawn in (("Hartley", words["Hartley"]), ("Okafor", words["Okafor"])):
        assert_on(boxes[ev], drawn, ev)
    assert_on(boxes["Rm 9"], (words["Rm"][0], words["Rm"][1], words["9"][2], words["9"][3]), "Rm 9")
    assert_on(boxes["Bed 4"], (words["Bed"][0], words["Bed"][1], words["4"][2], words["4"][3]), "Bed 4")
    assert boxes["Hartley"][0] > boxes["Rm 9"][0] + boxes["Rm 9"][2] - 5  # the name's box is right of the room's


def test_clean_team_photo_banner_is_read_and_gives_no_finding(queue, report):
    d, _ = queue
    data, _ = report
    assert [ln.text for ln in ocr.read((d / "team.jpg").read_bytes())] == [BANNER]
    assert [f for f in data["findings"] if f["source"] == str(d / "team.md")] == []
    inv = {r["source"]: r for r in data["summary"]["inventory"]}
    assert (inv[str(d / "team.jpg")]["status"], inv[str(d / "team.jpg")]["reason"]) == ("scanned", "")
    assert inv[str(d / "team.md")]["fields"] == 2  # the post's text and the banner read from its photo


def test_no_image_text_in_logs(report):
    _, res = report
    assert "Hartley" not in res.stderr and "Okafor" not in res.stderr


def test_text_report_names_the_image_and_the_box(queue, report):
    d, _ = queue
    data, _ = report
    b = next(f["box"] for f in data["findings"] if f["evidence"] == "Hartley")
    text = _scan(str(d)).stdout
    assert f"       in image {d / 'board.png'}, box x {b[0]} y {b[1]} {b[2]}x{b[3]} px" in text.splitlines()


def test_sarif_carries_the_image_and_the_box(queue, report):
    d, _ = queue
    data, _ = report
    sarif = json.loads(_scan("--format", "sarif", str(d)).stdout)
    res = [r for r in sarif["runs"][0]["results"] if r["properties"]["field"] == "media[0].ocr"]
    assert [r["ruleId"] for r in res] == ["PHI105", "PHI101", "PHI105", "PHI101"]
    want = next(f["box"] for f in data["findings"] if f["evidence"] == "Hartley")
    assert res[1]["properties"]["box"] == dict(zip(("x", "y", "width", "height"), want))
    assert res[1]["properties"]["image"] == (d / "board.png").as_uri()
    assert res[1]["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (d / "board.png").as_uri()


def _crop(html: str) -> Image.Image:
    m = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(m) == 1
    return Image.open(io.BytesIO(base64.b64decode(m[0]))).convert("RGB")


def test_html_report_shows_the_flagged_region_outlined(queue):
    d, words = queue
    html = _scan("--format", "html", str(d)).stdout
    assert "img-src data:;" in html
    crop = _crop(html)
    assert crop.size[0] <= 640
    import numpy as np

    px = np.asarray(crop).astype(int)
    reds = int(((px[:, :, 0] > 180) & (px[:, :, 1] < 60) & (px[:, :, 2] < 90)).sum())
    assert reds > 500  # the outlines
    assert "box x" in html and "Text read from <code>" in html


def test_redacted_html_masks_the_flagged_region(queue):
    d, words = queue
    html = _scan("--format", "html", "--redact", str(d)).stdout
    assert "Hartley" not in html and "Okafor" not in html
    crop = _crop(html)
    plain = _crop(_scan("--format", "html", str(d)).stdout)
    assert crop.size == plain.size
    # the name's box is filled dark in the redacted crop: sample its centre, offset by the crop's margin
    from phiscan.reporters.image_crop import MARGIN

    x0 = max(0, min(words["Rm"][0], words["Bed"][0]) - MARGIN)
    y0 = max(0, words["Rm"][1] - MARGIN)
    cx = (words["Hartley"][0] + words["Hartley"][2]) // 2 - x0
    cy = (words["Hartley"][1] + words["Hartley"][3]) // 2 - y0
    assert crop.getpixel((cx, cy)) == (40, 40, 40)
    assert plain.getpixel((cx, cy)) != (40, 40, 40)


def test_ocr_runs_with_no_network(queue, monkeypatch):
    d, _ = queue

    def refuse(*args, **kwargs):
        raise OSError("network access attempted")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(ocr, "_ENGINE", None)  # load the models again, under the block
    monkeypatch.setattr(ocr, "_MEMO", {})
    assert [ln.text for ln in ocr.read((d / "board.png").read_bytes())] == ROWS


def test_without_the_ocr_extra_images_are_scanned_for_metadata_and_the_report_says_how(queue, monkeypatch):
    d, _ = queue
    monkeypatch.setattr(ocr, "_STATE", f"image text not read (OCR): {ocr.INSTALL_HINT}")
    res = CliRunner().invoke(main, ["scan", "--no-cache", "--format", "json", str(d)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["findings"] == []
    inv = {r["source"]: r for r in data["summary"]["inventory"]}
    assert [(inv[str(d / n)]["status"], inv[str(d / n)]["reason"]) for n in ("board.png", "team.jpg")] == [
        ("scanned", "image text not read (OCR): install phiscan[ocr] (pip install 'phiscan[ocr]') to read text in images")] * 2
    text = CliRunner().invoke(main, ["scan", "--no-cache", str(d)]).stdout
    assert ("2 images scanned for metadata only: image text not read (OCR): install phiscan[ocr] "
            "(pip install 'phiscan[ocr]') to read text in images") in text


def test_images_metadata_leaves_image_text_unread(queue):
    d, _ = queue
    res = CliRunner().invoke(main, ["scan", "--no-cache", "--images", "metadata", "--format", "json", str(d)])
    assert res.exit_code == 0, res.output
    inv = {r["source"]: r for r in json.loads(res.stdout)["summary"]["inventory"]}
    assert inv[str(d / "board.png")]["reason"] == "image text not read (OCR): --images metadata; use --images ocr to read it"


def test_box_of_maps_characters_to_part_of_their_line():
    text, regions = ocr.field_of([ocr.Line("Rm 9 Hartley", (100, 50, 240, 40), 0.99), ocr.Line("Bed 4", (100, 120, 100, 40), 0.98)])
    assert text == "Rm 9 Hartley\nBed 4"
    assert regions == ((0, 12, 100, 50, 240, 40), (13, 18, 100, 120, 100, 40))
    assert ocr.box_of(regions, 0, 12) == (100, 50, 240, 40)
    assert ocr.box_of(regions, 13, 18) == (100, 120, 100, 40)
    assert ocr.box_of(regions, 12, 13) is None  # the newline between lines
    x, y, w, h = ocr.box_of(regions, 5, 12, text)  # "Hartley": the right part of the first line
    assert (x, y, w, h) == (205, 50, 135, 40)  # "Rm 9 " is 4.55 of 10.4 letter widths: 105 of 240 px
    assert ocr.box_of(regions, 5, 18) == (100, 50, 240, 110)  # over two lines: the union


def test_ocr_failure_is_an_error_naming_the_image_and_the_metadata_is_still_scanned(tmp_path, monkeypatch):
    d = tmp_path / "queue"
    d.mkdir()
    img = Image.new("RGB", (120, 80), (200, 200, 200))
    ex = Image.Exif()
    ex.get_ifd(0x8825).update({1: "N", 2: (40.0, 42.0, 46.08), 3: "W", 4: (74.0, 0.0, 21.6)})
    img.save(d / "shot.jpg", exif=ex)
    (d / "post.md").write_text("---\nmedia: [shot.jpg]\n---\nA great day!\n", encoding="utf-8")

    def broken(img):
        raise RuntimeError("Rm 9 Hartley")  # whatever an engine says is never repeated

    monkeypatch.setattr(ocr, "read_image", broken)
    monkeypatch.setattr(ocr, "_MEMO", {})
    res = CliRunner().invoke(main, ["scan", "--no-cache", "--images", "ocr", "--format", "json", str(d)])
    assert res.exit_code == 2, res.output
    data = json.loads(res.stdout)
    assert data["errors"] == [{"source": str(d / "shot.jpg"), "where": "ocr",
                               "message": "image text could not be read (OCR: RuntimeError)"}]
    assert [(f["rule"], f["field"]) for f in data["findings"]] == [("PHI115", "media[0].exif_gps")]
    assert "Hartley" not in res.output
