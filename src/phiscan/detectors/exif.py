"""Spans of the metadata fields an image gives (see phiscan.images): GPS position and device serial."""
from __future__ import annotations

import re

from ..model import Span
from ..nlp import Analysis
from .base import RegexDetector, span

GPS = re.compile(r"\bEXIF GPS (-?\d{1,3}\.\d+, -?\d{1,3}\.\d+)")
SERIAL = re.compile(r"\bEXIF device serial ([A-Za-z0-9][A-Za-z0-9._:/-]{2,63})")


class ExifDetector(RegexDetector):
    name = "exif"
    entities = ("GPS", "DEVICE_ID")

    def detect(self, a: Analysis) -> list[Span]:
        t = a.text
        out = [span("GPS", m, t, 0.95, self.name, "GPS position in the photo's EXIF metadata", group=1) for m in GPS.finditer(t)]
        out += [span("DEVICE_ID", m, t, 0.9, self.name, "camera or device serial number in the photo's EXIF metadata", group=1)
                for m in SERIAL.finditer(t)]
        return out
