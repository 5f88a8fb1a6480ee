"""The detector registry: one module per identifier family, listed here explicitly."""
from __future__ import annotations

from .base import Detector
from .exif import ExifDetector
from .names import NameDetector
from .patterns import AgeDetector, ContactDetector, DateDetector, IdDetector, RoomDetector, ZipDetector
from .places import PlaceDetector
from .quasi import DescriptionDetector, HandleDetector, QuasiDetector


def default_detectors() -> list[Detector]:
    return [
        IdDetector(),
        ContactDetector(),
        DateDetector(),
        AgeDetector(),
        RoomDetector(),
        ZipDetector(),
        HandleDetector(),
        NameDetector(),
        PlaceDetector(),
        QuasiDetector(),
        DescriptionDetector(),
        ExifDetector(),
    ]


__all__ = ["Detector", "default_detectors"]
