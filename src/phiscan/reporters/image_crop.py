"""The flagged region of an image, for the HTML report: a crop around the boxes of the findings in its text (OCR),
each box outlined and numbered as its finding card, inlined as a `data:` PNG (the report stays one file and
loads nothing).

Under `--redact` the crop is blurred and every flagged box filled, so the report shows where the text is without
showing it. The image is read again from where the scan read it: a file, or a member of a zip or tar archive
(`archive.zip!path/in/it`), within phiscan.images' size and pixel limits. When it cannot be read (moved, Pillow
missing) the report says so and gives the boxes as numbers.
"""
from __future__ import annotations

import base64
import io
from pathlib import Path

MAX_WIDTH = 640  # the crop is scaled down to at most this width
MARGIN = 24  # pixels around the flagged boxes
OUTLINE = (220, 0, 40)


def image_bytes(source: str) -> bytes | None:
    """The bytes of the image a finding names, or None when it cannot be read now."""
    from ..images import MAX_IMAGE_BYTES

    p = Path(source)
    try:
        if p.is_file():
            if p.stat().st_size > MAX_IMAGE_BYTES:
                return None
            return p.read_bytes()
        if "!" not in source:
            return None
        outer, member = source.split("!", 1)
        if not Path(outer).is_file():
            return None
        import tarfile
        import zipfile

        if zipfile.is_zipfile(outer):
            with zipfile.ZipFile(outer) as z:
                info = z.getinfo(member)
                if info.file_size > MAX_IMAGE_BYTES:
                    return None
                with z.open(info) as fh:
                    return fh.read(MAX_IMAGE_BYTES + 1)
        if tarfile.is_tarfile(outer):
            with tarfile.open(outer) as t:
                info = t.getmember(member)
                fh = t.extractfile(info) if info.isfile() and info.size <= MAX_IMAGE_BYTES else None
                return fh.read() if fh is not None else None
    except (OSError, KeyError, ValueError, EOFError, RuntimeError):
        return None
    return None


def crop_png(data: bytes, boxes: list[tuple[int, tuple[int, int, int, int]]], redact: bool) -> tuple[bytes, tuple[int, int, int, int]]:
    """A PNG of the region around `boxes` ((finding number, (x, y, w, h))), outlined and numbered; and the
    crop's place in the image (x, y, w, h). Raises for an image that cannot be read."""
    from PIL import ImageDraw, ImageFilter

    from ..images import open_checked
    from ..ocr import prepared

    img = prepared(open_checked(data))
    W, H = img.size
    x0 = max(0, min(b[0] for _, b in boxes) - MARGIN)
    y0 = max(0, min(b[1] for _, b in boxes) - MARGIN)
    x1 = min(W, max(b[0] + b[2] for _, b in boxes) + MARGIN)
    y1 = min(H, max(b[1] + b[3] for _, b in boxes) + MARGIN)
    crop = img.crop((x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)))
    if redact:
        crop = crop.filter(ImageFilter.GaussianBlur(12))
    d = ImageDraw.Draw(crop)
    for n, (x, y, w, h) in boxes:
        rect = [x - x0 - 2, y - y0 - 2, x - x0 + w + 2, y - y0 + h + 2]
        if redact:
            d.rectangle(rect, fill=(40, 40, 40))
        d.rectangle(rect, outline=OUTLINE, width=3)
        d.text((rect[0] + 3, rect[1] + 2), str(n), fill=OUTLINE)
    if crop.width > MAX_WIDTH:
        crop = crop.resize((MAX_WIDTH, max(1, round(crop.height * MAX_WIDTH / crop.width))))
    buf = io.BytesIO()
    crop.save(buf, format="PNG", optimize=True)
    return buf.getvalue(), (x0, y0, crop.width, crop.height)


def figure(source: str, boxes: list[tuple[int, tuple[int, int, int, int]]], redact: bool, esc) -> list[str]:
    """The report's figure of the flagged region of `source` (a file or archive member): HTML lines."""
    listed = ", ".join(f"{n}: x {b[0]}, y {b[1]}, {b[2]} × {b[3]} px" for n, b in boxes)
    data = image_bytes(source)
    png = None
    if data is not None:
        try:
            png, _ = crop_png(data, boxes, redact)
        except Exception:  # Pillow missing, the file changed since the scan: the boxes as numbers
            png = None
    P = ['<figure class="ocr-region">']
    if png is not None:
        alt = "Flagged region of the image" + (", blurred and masked" if redact else "") + f" (findings {', '.join(str(n) for n, _ in boxes)})"
        P.append(f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" alt="{esc(alt)}">')
    else:
        P.append('<p class="notice">The image cannot be read now for a preview.</p>')
    P.append(f"<figcaption>Text read from <code>{esc(source)}</code> (OCR); boxes {esc(listed)}"
             + (" (masked)" if redact else "") + "</figcaption>")
    P.append("</figure>")
    return P
