"""Images beside posts: the metadata a photo carries (EXIF GPS, capture time, device serial, embedded captions).

Pillow is an optional extra (`pip install 'phiscan[images]'`; `pillow-heif` adds iPhone HEIC). Without it, images
are listed in the inventory as not read, with the way to turn image scanning on.

What an image gives becomes text fields of its post, scanned like any other field:
- `media[N].exif_gps`: "EXIF GPS 40.71, -74.01", the position rounded to two decimals (about a kilometre); the
  `exif` detector makes it a GPS span (rule PHI115, Safe Harbor (B));
- `media[N].exif_time`: the capture date and time ("photo taken 2026-03-14 09:12"), a date element;
- `media[N].exif_serial`: "EXIF device serial 4C0F12345" (rule PHI116, Safe Harbor (M));
- `media[N].exif_comment`, `.exif_description`, `.xmp_description`, `.iptc_caption`: embedded text.

Size and pixel limits keep a decompression bomb out: the header is read for the size before any pixel is
decoded, and a file over the limits is an error naming it (nothing else of the scan is lost). Nothing here
prints or raises with the content of an image's text.
"""
from __future__ import annotations

import io
import re
from typing import Any

MODES = ("off", "metadata", "ocr")
MAX_IMAGE_BYTES = 64 * 1024**2  # a file larger than this is not read
MAX_IMAGE_PIXELS = 64_000_000  # width x height; a 20,000 x 20,000 PNG (400 Mpx) is refused
# Image files that are read (SVG and icons are not photos; they stay skipped).
READ_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif", ".tif", ".tiff"}
UNREADABLE = "image: cannot be read as an image (damaged, truncated or not an image)"
INSTALL_HINT = "install phiscan[images] (pip install 'phiscan[images]') to scan image metadata"

_TAG_IMAGE_DESCRIPTION = 0x010E
_TAG_DATETIME = 0x0132
_TAG_ARTIST = 0x013B
_TAG_EXIF_IFD = 0x8769
_TAG_GPS_IFD = 0x8825
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_USER_COMMENT = 0x9286
_TAG_BODY_SERIAL = 0xA431
_TAG_LENS_SERIAL = 0xA435
_TAG_XP_COMMENT = 0x9C9C
_TAG_XP_TITLE = 0x9C9B


class ImageError(Exception):
    """An image that is not read: `message` names no content, only what is wrong (size, format)."""

    def __init__(self, message: str, refused: bool = False):
        super().__init__(message)
        self.message = message
        self.refused = refused  # over a safety limit: an error, not a mere unreadable file


_PIL: Any = None


def available() -> bool:
    """Whether Pillow is installed (HEIC support is registered when pillow-heif is too)."""
    global _PIL
    if _PIL is None:
        try:
            from PIL import Image

            try:
                import pillow_heif  # type: ignore[import-not-found]

                pillow_heif.register_heif_opener()
            except Exception:  # pragma: no cover - optional
                pass
            _PIL = Image
        except ImportError:
            _PIL = False
    return bool(_PIL)


def _open(data: bytes):
    if not available():
        raise ImageError(f"image: not read: {INSTALL_HINT}")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(f"image larger than {MAX_IMAGE_BYTES} bytes; not read (a safety limit)", refused=True)
    Image = _PIL
    import warnings

    saved = Image.MAX_IMAGE_PIXELS
    try:  # `open` reads the header only; the size is checked below, before any pixel is decoded
        Image.MAX_IMAGE_PIXELS = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except Exception as exc:  # truncated, not an image, a format Pillow lacks
        raise ImageError(UNREADABLE) from None
    finally:
        Image.MAX_IMAGE_PIXELS = saved
    w, h = img.size
    if w * h > MAX_IMAGE_PIXELS:
        raise ImageError(f"image of {w} x {h} pixels is over the limit of {MAX_IMAGE_PIXELS} pixels; not read "
                         "(a decompression bomb limit)", refused=True)
    return img


open_checked = _open  # phiscan.ocr reads pixels through the same limits


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        if value[:8] in (b"ASCII\x00\x00\x00", b"UNICODE\x00", b"JIS\x00\x00\x00\x00\x00", b"\x00" * 8):
            enc = "utf-16" if value[:8] == b"UNICODE\x00" else "utf-8"
            value = value[8:].decode(enc, "replace")
        elif len(value) % 2 == 0 and value.endswith(b"\x00\x00"):  # XP* tags: UTF-16LE
            value = value.decode("utf-16-le", "replace")
        else:
            value = value.decode("utf-8", "replace")
    return " ".join(str(value).replace("\x00", " ").split())


def _degrees(value: Any, ref: Any) -> float | None:
    try:
        d, m, s = (float(x) for x in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    deg = d + m / 60 + s / 3600
    if _text(ref).upper() in ("S", "W"):
        deg = -deg
    return deg


def gps_of(exif: Any) -> tuple[float, float] | None:
    try:
        gps = exif.get_ifd(_TAG_GPS_IFD)
    except Exception:
        return None
    if not gps or 2 not in gps or 4 not in gps:
        return None
    lat, lon = _degrees(gps[2], gps.get(1)), _degrees(gps[4], gps.get(3))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


_XMP_DESC = re.compile(rb"<dc:(description|title)>.*?<rdf:li[^>]*>(.*?)</rdf:li>", re.S)


def metadata_fields(data: bytes) -> list[tuple[str, str]]:
    """The scannable fields an image's metadata gives, as (field suffix, text): see the module doc. Raises
    ImageError for a file that is not read (over a limit, not an image, Pillow missing)."""
    img = _open(data)
    out: list[tuple[str, str]] = []
    try:
        exif = img.getexif()
    except Exception:
        exif = {}
    try:
        sub = exif.get_ifd(_TAG_EXIF_IFD) if exif else {}
    except Exception:
        sub = {}
    gps = gps_of(exif) if exif else None
    if gps is not None:
        out.append(("exif_gps", f"EXIF GPS {gps[0]:.2f}, {gps[1]:.2f}"))
    when = _text(sub.get(_TAG_DATETIME_ORIGINAL) or exif.get(_TAG_DATETIME) or "")
    m = re.match(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2})", when)
    if m:
        out.append(("exif_time", f"photo taken {m[1]}-{m[2]}-{m[3]} {m[4]}:{m[5]}"))
    serials = [_text(sub.get(t) or "") for t in (_TAG_BODY_SERIAL, _TAG_LENS_SERIAL)]
    serials = [s for s in serials if s]
    if serials:
        out.append(("exif_serial", "EXIF device serial " + serials[0]))
    for name, value in (("exif_description", exif.get(_TAG_IMAGE_DESCRIPTION)), ("exif_artist", exif.get(_TAG_ARTIST)),
                        ("exif_comment", sub.get(_TAG_USER_COMMENT)), ("exif_xp_comment", exif.get(_TAG_XP_COMMENT)),
                        ("exif_xp_title", exif.get(_TAG_XP_TITLE))):
        t = _text(value or "")
        if t:
            out.append((name, t))
    comment = img.info.get("comment")  # JPEG COM segment, GIF comment
    if comment:
        out.append(("comment", _text(comment)))
    for key, value in img.info.items():  # PNG tEXt/iTXt chunks ("Description", "Comment", "Title")
        if isinstance(key, str) and key.lower() in ("description", "comment", "title") and isinstance(value, str) and value.strip():
            out.append((f"png_{key.lower()}", _text(value)))
    xmp = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp")
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8", "replace")
    if isinstance(xmp, bytes):
        for kind, value in _XMP_DESC.findall(xmp):
            t = _text(value)
            if t:
                out.append((f"xmp_{kind.decode()}", t))
    try:
        from PIL import IptcImagePlugin

        iptc = IptcImagePlugin.getiptcinfo(img) or {}
    except Exception:
        iptc = {}
    for (rec, tag), name in (((2, 120), "iptc_caption"), ((2, 105), "iptc_headline"), ((2, 5), "iptc_title")):
        value = iptc.get((rec, tag))
        if isinstance(value, list):
            value = b" ".join(value)
        t = _text(value or "")
        if t:
            out.append((name, t))
    seen: set[tuple[str, str]] = set()
    return [f for f in out if not (f in seen or seen.add(f))]


def strip(data: bytes) -> tuple[bytes, str]:
    """A copy of an image without any metadata (EXIF, XMP, IPTC, comments, text chunks, ICC profile): the pixels
    re-encoded in the same format. Returns (bytes, format). Raises ImageError as `metadata_fields` does."""
    img = _open(data)
    fmt = img.format or "PNG"
    try:
        img.load()
        clean = _PIL.frombytes(img.mode, img.size, img.tobytes())
        if img.mode in ("P", "PA") and img.getpalette():
            clean.putpalette(img.getpalette())
    except Exception as exc:
        raise ImageError(f"image: cannot be decoded ({exc.__class__.__name__})") from None
    buf = io.BytesIO()
    params: dict[str, Any] = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
    if fmt == "JPEG" and clean.mode not in ("RGB", "L", "CMYK"):
        clean = clean.convert("RGB")
    clean.save(buf, format=fmt, **params)
    return buf.getvalue(), fmt
