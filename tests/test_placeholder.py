"""Placeholder values (demo wristbands, training screens, test records) are marked and never flag a post."""
from __future__ import annotations

import pytest

from phiscan.detectors.placeholder import is_placeholder, placeholder_number
from phiscan.model import Post, Severity, Span


@pytest.mark.parametrize("digits,expected", [
    ("000000", True), ("999999999", True), ("123456789", True), ("987654", True), ("000123", True),
    ("4471203", False), ("0048213", False), ("1234", False), ("5550142", False),
])
def test_placeholder_numbers(digits, expected):
    assert placeholder_number(digits) is expected


@pytest.mark.parametrize("entity,text,expected", [
    ("PERSON", "TEST, PATIENT", True), ("PERSON", "ZZDEMO, ORTHO", True), ("PERSON", "Demo Patient", True),
    ("PERSON", "Okafor, Adaeze", False), ("PERSON", "Zola Test", False),
    ("MRN", "TRN-000123", True), ("MRN", "000000", True), ("MRN", "4471203", False),
    ("ID", "123-45-6789", True), ("ID", "ABC1234", False),
    ("DATE", "01/01/2000", False),  # a real birthday too
    ("DATE", "01/01/1900", True), ("DATE", "1/1/1901", True), ("DATE", "Jan 1, 1800", True),  # empty-date defaults
    ("DATE", "03/14/1931", False), ("DATE", "0400", False), ("DATE", "1130", False),  # a clock time is no year
    ("ROOM", "Rm 000", True), ("ROOM", "bed 00", True), ("ROOM", "room 100", False), ("ROOM", "bed 4", False),
    ("PERSON", "BABY TEST", True), ("PERSON", "Demo Girl", True), ("PERSON", "Baby Odalys", False),
    ("PERSON", "SIM, PATIENT", True), ("PERSON", "ORTHO, RESIDENT", True), ("PERSON", "Sim, Hyejin", False),
])
def test_placeholder_spans(entity, text, expected):
    assert is_placeholder(Span(entity, 0, len(text), text, 0.9, "t", "")) is expected


def _findings(scanner, text):
    return {(f.rule, text[f.start:f.end], str(f.severity)) for f in scanner.scan_text(text, Post(id="p", text=text))}


def test_a_demo_wristband_is_shown_low_and_flags_nothing(scanner):
    text = "Barcode scanning practice today! [photo: a demo wristband that says 'ZZTEST, CARDIO  MRN 999999999']"
    got = _findings(scanner, text)
    assert ("PHI106", "999999999", "low") in got
    assert not any(sev in ("medium", "high") for _, _, sev in got)


def test_a_real_wristband_in_a_photo_still_flags(scanner):
    text = "[photo: wristband reading 'OKAFOR, ADAEZE MRN 4471203']"
    got = _findings(scanner, text)
    assert {("PHI203", "wristband", "medium"), ("PHI106", "4471203", "high")} <= got


def test_the_date_of_a_sample_record_is_sample_data(scanner):
    demo = "Go-live practice [photo: the training screen shows 'DEMO, CARDIO  DOB 02/02/1960  MRN 000321']"
    assert not any(sev in ("medium", "high") for _, _, sev in _findings(scanner, demo))
    real = "Go-live practice [photo: the screen shows 'WHITFORD, AMBROSE  DOB 02/02/1960']"
    assert ("PHI203", "the screen", "medium") in _findings(scanner, real)


def test_a_training_screen_with_empty_date_and_zero_bed_flags_nothing(scanner):
    text = "sandbox charting drill this afternoon [screenshot: practice chart 'Patient: QA, PATIENT  Bed 000  DOB 01/01/1900']"
    got = _findings(scanner, text)
    assert ("PHI103", "01/01/1900", "low") in got and ("PHI105", "Bed 000", "low") in got
    assert not any(sev in ("medium", "high") for _, _, sev in got)


def test_a_real_birth_date_and_bed_beside_a_name_still_flag(scanner):
    text = "Mrs. Alvarado in bed 12, born 03/14/1931, is going home today"
    got = _findings(scanner, text)
    assert {("PHI103", "03/14/1931", "high"), ("PHI105", "bed 12", "high")} <= got
