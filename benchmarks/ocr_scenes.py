"""Synthetic scenes with text, drawn with Pillow, for measuring OCR (benchmarks/ocr_engines.py, images.py and
make_image_fixtures.py). Every name, room and number is invented. Each scene is (name, image, lines), `lines` the
text as drawn, top to bottom.
"""
from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")


def font(name: str = "DejaVuSans.ttf", size: int = 32):
    """A TrueType font of Debian's fonts-dejavu / fonts-liberation, or Pillow's own scalable default."""
    for d in FONT_DIRS:
        p = Path(d) / name
        if p.exists():
            return ImageFont.truetype(str(p), size)
    return ImageFont.load_default(size=size)


BOARD = ["Rm 9 Hartley fall risk", "Rm 12 Okafor sepsis", "Bed 4 Lindqvist CHF", "Rm 15 Moreau NPO"]


def board(rows=BOARD, size=(1000, 520), fnt=None, ink=(20, 30, 140)) -> Image.Image:
    img = Image.new("RGB", size, (246, 246, 240))
    d = ImageDraw.Draw(img)
    f = fnt or font("DejaVuSans.ttf", 40)
    d.rectangle([8, 8, size[0] - 8, size[1] - 8], outline=(150, 150, 150), width=6)
    for i, r in enumerate(rows):
        d.text((50, 50 + i * 110), r, fill=ink, font=f)
    return img


def handwritten(rows=BOARD, size=(1000, 520), seed=3) -> Image.Image:
    """Marker-like writing: oblique letters, each with its own size, tilt and baseline, on a busy background."""
    rnd = random.Random(seed)
    img = Image.new("RGB", size, (236, 238, 232))
    d = ImageDraw.Draw(img)
    for _ in range(40):  # clutter: magnets, smudges, a frame
        x, y = rnd.randrange(size[0]), rnd.randrange(size[1])
        d.ellipse([x, y, x + rnd.randrange(8, 30), y + rnd.randrange(8, 30)], fill=(rnd.randrange(150, 230),) * 3)
    for i, r in enumerate(rows):
        x, y = 50, 50 + i * 110
        for ch in r:
            f = font("DejaVuSans-Oblique.ttf", rnd.randrange(34, 46))
            glyph = Image.new("L", (60, 70), 0)
            ImageDraw.Draw(glyph).text((5, 5), ch, fill=255, font=f)
            glyph = glyph.rotate(rnd.uniform(-12, 12), resample=Image.BICUBIC)
            img.paste((rnd.randrange(10, 60), 40, rnd.randrange(120, 170)), (x, y + rnd.randrange(-5, 6)), glyph)
            x += int(d.textlength(ch, font=f)) + rnd.randrange(-1, 3)
    return img.filter(ImageFilter.GaussianBlur(0.8))


def tilted(img: Image.Image, degrees: float = 5, blur: float = 1.5) -> Image.Image:
    return img.rotate(degrees, expand=True, fillcolor=(90, 80, 70)).filter(ImageFilter.GaussianBlur(blur))


WRISTBAND = ["TELLMAR, ODESSA J", "MRN 00481237 DOB 03/14/1961"]


def wristband(lines=WRISTBAND) -> Image.Image:
    img = Image.new("RGB", (760, 170), (120, 110, 100))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([10, 20, 750, 150], radius=30, fill=(250, 250, 250))
    f = font("DejaVuSansCondensed-Bold.ttf", 30)
    for i, t in enumerate(lines):
        d.text((50, 40 + i * 50), t, fill=(0, 0, 0), font=f)
    return img


SCREEN = ["BED 7  VARDELL, M", "HR 112  SpO2 91%", "Dr Halvorsen"]


def screen(lines=SCREEN) -> Image.Image:
    img = Image.new("RGB", (800, 420), (10, 12, 16))
    d = ImageDraw.Draw(img)
    f = font("DejaVuSansMono-Bold.ttf", 42)
    for i, t in enumerate(lines):
        d.text((40, 40 + i * 120), t, fill=(80, 240, 120), font=f)
    return img.filter(ImageFilter.GaussianBlur(0.7))


def small(rows=BOARD[:2]) -> Image.Image:
    """A board far from the camera: 18-pixel letters in a 640 x 300 photo."""
    return board(rows, size=(640, 300), fnt=font("DejaVuSans.ttf", 18))


def photo_background(size=(1000, 700), seed=5) -> Image.Image:
    """A team photo without text: sky, floor and people as shapes."""
    rnd = random.Random(seed)
    img = Image.new("RGB", size, (120, 170, 220))
    d = ImageDraw.Draw(img)
    d.rectangle([0, size[1] * 2 // 3, size[0], size[1]], fill=(90, 120, 80))
    for i in range(6):
        x = 80 + i * 150
        d.ellipse([x, 250, x + 70, 320], fill=(rnd.randrange(150, 230), 150, 120))
        d.rectangle([x - 10, 320, x + 80, 560], fill=(rnd.randrange(30, 200), rnd.randrange(30, 200), 160))
    return img


def phone(inner: Image.Image, at=(1500, 1400)) -> Image.Image:
    """A 4032 x 3024 phone photo with `inner` at its native size somewhere in it (small text in a big photo)."""
    img = Image.new("RGB", (4032, 3024), (90, 80, 70))
    img.paste(inner, at)
    return img


def scenes():
    b = board()
    return [
        ("board", b, BOARD),
        ("board-tilted-blurred", tilted(b), BOARD),
        ("board-handwritten", handwritten(), BOARD),
        ("wristband", wristband(), WRISTBAND),
        ("monitor", screen(), SCREEN),
        ("board-small", small(), BOARD[:2]),
        ("phone-wristband", phone(wristband()), WRISTBAND),
        ("phone-board", phone(b, (600, 500)), BOARD),
        ("team-photo", photo_background(), []),
    ]
