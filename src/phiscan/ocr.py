"""Text in images (OCR), offline: rapidocr with onnxruntime, the models inside rapidocr's wheel.

An optional extra (`pip install 'phiscan[ocr]'`). Why this engine (figures from `python benchmarks/ocr_engines.py`
on generated boards, wristbands and monitors): it reads clean, tilted-and-blurred and marker-written boards, where
Tesseract reads nothing of the handwritten one; it is pip-only (no system package) and its detection, angle and
recognition models ship in the wheel. Its cost is time: about a second an image on 2 cores.

Offline: the three model files are named by path (rapidocr's own default would look for them by name and fetch any
that is missing from its model host); when one is missing, OCR is unavailable and says so, nothing is fetched. The
image is handed over as pixels, never as a path or URL (rapidocr's loader would fetch an `http` string).

What an image's text becomes: one field, `media[N].ocr`, its lines top to bottom joined by newlines, and the line
boxes, so a finding's characters map back to a box of pixels (`box_of`): a line's characters share its box in
proportion to their place in the line. Boxes are in the image as displayed (EXIF orientation applied), x and y of
the top left corner, width and height, in pixels.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INSTALL_HINT = "install phiscan[ocr] (pip install 'phiscan[ocr]') to read text in images"
MIN_SCORE = 0.5  # lines the recogniser is less sure of are dropped
MIN_SIDE = 16  # an image narrower or lower than this holds no readable line
MAX_SIDE = 2000  # a larger image is scaled down before detection (rapidocr's max_side_len)
# Text detection on the image scaled so that its longer side is at most DET_SIDE (never enlarged). rapidocr's own
# default enlarges the shorter side to 736, which blows a 760 x 170 wristband up to 3300 px wide (3 s) and misses
# a wristband in a 4032 x 3024 phone photo; this setting read every generated scene as well or better at 2.4x less
# CPU (benchmarks/ocr_engines.py, scenes phone-wristband, phone-board).
DET_SIDE = 1280
_MODELS = {"Det": "PP-OCRv6_det_small.onnx", "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx", "Rec": "PP-OCRv6_rec_small.onnx"}


class OcrUnavailable(Exception):
    """OCR cannot run here: the extra is not installed or its models are missing (the message says which)."""


@dataclass(frozen=True)
class Line:
    text: str
    box: tuple[int, int, int, int]  # x, y, w, h
    score: float


_ENGINE: Any = None
_STATE: str | None = None  # None: not tried; "" ready; else why not


def _model_dir() -> Path | None:
    try:
        import importlib.util

        spec = importlib.util.find_spec("rapidocr")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def why_not() -> str:
    """"" when OCR can run, else the reason (no engine, a model file missing)."""
    global _STATE
    if _STATE is None:
        d = _model_dir()
        if d is None:
            _STATE = f"image text not read (OCR): {INSTALL_HINT}"
        else:
            try:
                import onnxruntime  # noqa: F401
            except ImportError:
                _STATE = f"image text not read (OCR): onnxruntime is missing; {INSTALL_HINT}"
            else:
                missing = [n for n in _MODELS.values() if not (d / n).is_file()]
                _STATE = (f"image text not read (OCR): the OCR model {missing[0]} is missing from rapidocr's "
                          "package (phiscan fetches nothing); reinstall rapidocr") if missing else ""
    return _STATE


def available() -> bool:
    """Whether OCR can run here (rapidocr and onnxruntime installed, the models in place)."""
    return why_not() == ""


def default_mode() -> str:
    """`--images` when not given: ocr where OCR can run, else metadata."""
    return "ocr" if available() else "metadata"


def engine():
    global _ENGINE
    if _ENGINE is None:
        reason = why_not()
        if reason:
            raise OcrUnavailable(reason)
        for name in ("RapidOCR", "rapidocr"):  # it logs model paths and timings at info level; nothing of ours
            logging.getLogger(name).setLevel(logging.ERROR)
        from rapidocr import RapidOCR

        d = _model_dir()
        assert d is not None
        params: dict[str, Any] = {"Global.log_level": "error", "Global.max_side_len": MAX_SIDE,
                                  "Global.model_root_dir": str(d), "Det.limit_type": "max", "Det.limit_side_len": DET_SIDE}
        for stage, name in _MODELS.items():
            params[f"{stage}.model_path"] = str(d / name)
        _ENGINE = RapidOCR(params=params)
    return _ENGINE


def prepared(img):
    """The image as OCR and the HTML report see it: EXIF orientation applied, RGB."""
    from PIL import ImageOps

    try:
        img = ImageOps.exif_transpose(img)
    except Exception:  # a broken orientation tag: the pixels as stored
        pass
    return img.convert("RGB")


def read_image(img) -> list[Line]:
    """The text lines of a PIL image (already size-checked by phiscan.images), in rapidocr's reading order (top to
    bottom, left to right)."""
    import numpy as np

    if min(img.size) < MIN_SIDE:  # an icon or a placeholder: no readable text, and no model load for it
        return []
    arr = np.asarray(prepared(img))[:, :, ::-1].copy()  # rapidocr takes BGR pixels, as OpenCV reads them
    out = engine()(arr)
    if out is None or out.boxes is None or out.txts is None:
        return []
    lines = []
    for quad, text, score in zip(out.boxes, out.txts, out.scores):
        text = " ".join(str(text).split())
        if not text or float(score) < MIN_SCORE:
            continue
        xs, ys = [float(p[0]) for p in quad], [float(p[1]) for p in quad]
        x, y = max(0, int(min(xs))), max(0, int(min(ys)))
        lines.append(Line(text, (x, y, int(round(max(xs))) - x, int(round(max(ys))) - y), round(float(score), 3)))
    return lines


_MEMO: "dict[bytes, tuple[Line, ...]]" = {}  # sha256 of an image -> its lines: the same photo in two posts is read once
MEMO_SIZE = 64


def read(data: bytes) -> list[Line]:
    """The text lines of an image file's bytes (phiscan.images' size and pixel limits apply). The last MEMO_SIZE
    images' lines are kept in memory (never written anywhere), keyed by a hash of their bytes."""
    import hashlib

    from . import images

    key = hashlib.sha256(data).digest()
    got = _MEMO.get(key)
    if got is None:
        got = tuple(read_image(images.open_checked(data)))
        if len(_MEMO) >= MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = got
    return list(got)


Region = tuple[int, int, int, int, int, int]  # start, end (characters of the field), x, y, w, h


def field_of(lines: list[Line]) -> tuple[str, tuple[Region, ...]]:
    """The field text (lines joined by newlines) and each line's place in it with its box."""
    parts, regions, pos = [], [], 0
    for ln in lines:
        parts.append(ln.text)
        regions.append((pos, pos + len(ln.text), *ln.box))
        pos += len(ln.text) + 1
    return "\n".join(parts), tuple(regions)


def _width(ch: str) -> float:
    """A character's width relative to an average letter's, as in common sans-serif fonts (DejaVu, Arial):
    enough to place a word inside a line's box better than counting characters does."""
    if ch in "il.,;:'|!I" or ch == " ":
        return 0.45
    if ch in "ftjr()[]-":
        return 0.6
    if ch in "mwMW":
        return 1.45
    if ch.isupper() or ch in "@%&":
        return 1.2
    return 1.0


def box_of(regions, start: int, end: int, text: str | None = None) -> tuple[int, int, int, int] | None:
    """The pixel box (x, y, w, h) of characters start:end of an OCR field: within a line, the characters' share
    of the line's width (weighted by typical glyph widths when the field's `text` is given); over several lines,
    the union of their parts. None when no line holds them."""
    got = []
    for s, e, x, y, w, h in regions:
        a, b = max(start, s), min(end, e)
        if a >= b:
            continue
        if text is not None and len(text) >= e:
            widths = [_width(c) for c in text[s:e]]
            total = sum(widths) or 1.0
            before, inside = sum(widths[: a - s]), sum(widths[a - s: b - s])
            x0, x1 = x + int(w * before / total), x + int(round(w * (before + inside) / total))
        else:
            n = max(e - s, 1)
            x0, x1 = x + int(w * (a - s) / n), x + int(round(w * (b - s) / n))
        got.append((x0, y, x1, y + h))
    if not got:
        return None
    x0, y0 = min(g[0] for g in got), min(g[1] for g in got)
    x1, y1 = max(g[2] for g in got), max(g[3] for g in got)
    return x0, y0, max(x1 - x0, 1), max(y1 - y0, 1)
