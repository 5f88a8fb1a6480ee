"""When a draft is (or will be) published: `phiscan check --created-at` as people write it.

Accepted: ISO 8601 (`2025-03-14`, `2025-03-14T18:00`, `2025-03-14 18:00`, with `Z` or an offset), numbers
with slashes, dots or dashes when only one reading is a real date (`14/03/2025` is day-first, `03/14/2025`
month-first, `2025/03/14` year-first; `03/04/2025` is refused as ambiguous), month names either side of the
day (`March 14 2025`, `14 March 2025`, `Mar 14, 2025 6pm`, `Friday, March 14th, 2025 at 6:30 p.m.`, with the
weekday checked), X's `Fri Mar 14 18:00:00 +0000 2025` and Unix timestamps (seconds or milliseconds). A time
is `18:00`, `6pm`, `6:30 pm`, `noon` or `midnight`; a zone `Z`, `UTC`, `GMT` or `+01:00`. Without a zone the
time is taken as UTC, so that the day is the day written. Anything else is an error saying what to write.
No third-party parser: python-dateutil is not among phiscan's dependencies.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

MONTHS = {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
          "september": 9, "october": 10, "november": 11, "december": 12, "sept": 9}
MONTHS.update({name[:3]: n for name, n in list(MONTHS.items())})
WEEKDAYS = {name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
WEEKDAYS.update({"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6})

EXPECTED = "a date like 2025-03-14, 2025-03-14T18:00, 'March 14 2025 6pm', '14 March 2025' or 14/03/2025"

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?|\d{1,2}\s*[ap]\.?m\.?|noon|midnight"
_SHAPE = re.compile(
    rf"(?:(?P<wd>{_WEEKDAY})\.?\s+)?(?P<date>.+?)"
    rf"(?:(?:\s+(?:at\s+)?|t)(?P<time>{_TIME}))?"
    r"(?:\s*(?P<tz>z|utc|gmt|[+-]\d{2}:?\d{2}))?")
_NUMERIC = re.compile(r"(\d{1,4})([/.-])(\d{1,2})\2(\d{2,4})")
_MONTH_DAY = re.compile(rf"({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\s+(\d{{4}})")
_DAY_MONTH = re.compile(rf"(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\.?\s+(\d{{4}})")

_NO_YEAR = re.compile(rf"({_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?|(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\.?")


class PostTimeError(ValueError):
    """A value that is not a date phiscan can read; the message says why and what to write."""


def now() -> datetime:
    """The local time, aware, to the second: what a draft's relative dates resolve against when no time is given
    (`phiscan check` without --created-at, the web page)."""
    return datetime.now().astimezone().replace(microsecond=0)


def parse_post_time(value: str) -> datetime:
    """The aware datetime `value` names (UTC when it names no zone); PostTimeError when it names none."""
    s = value.strip()
    if not s:
        raise PostTimeError(f"empty; expected {EXPECTED}")
    if s.isdigit():
        return _timestamp(s)
    try:
        return _aware(datetime.fromisoformat(s[:-1] + "+00:00" if s[-1:] in "zZ" else s))
    except ValueError:
        pass
    try:
        return datetime.strptime(s, "%a %b %d %H:%M:%S %z %Y")  # X archives: Fri Mar 14 18:00:00 +0000 2025
    except ValueError:
        pass
    norm = " ".join(s.lower().replace(",", " ").split())
    m = _SHAPE.fullmatch(norm)
    day = _date(m.group("date")) if m else None
    if day is None:
        if m and _NO_YEAR.fullmatch(m.group("date")):
            raise PostTimeError(f"{value!r}: give the year too, as in {EXPECTED}")
        raise PostTimeError(f"cannot read {value!r} as a date; expected {EXPECTED}")
    if m.group("wd") and WEEKDAYS[m.group("wd")] != day.weekday():
        raise PostTimeError(f"{value!r}: {_spoken(day)} is a {day:%A}")
    at = _time(m.group("time")) if m.group("time") else time(0, 0)
    if at is None:
        raise PostTimeError(f"{value!r}: no such time of day; expected {EXPECTED}")
    return datetime.combine(day, at, tzinfo=_zone(m.group("tz")))


def _timestamp(s: str) -> datetime:
    if len(s) == 8:  # 20250314
        try:
            return datetime.strptime(s, "%Y%m%d").replace(tzinfo=timezone.utc)
        except ValueError:
            raise PostTimeError(f"{s!r}: no such date (read as YYYYMMDD)") from None
    if len(s) < 9:
        raise PostTimeError(f"cannot read {s!r} as a date; expected {EXPECTED}, or a Unix timestamp")
    n = int(s)
    try:
        return datetime.fromtimestamp(n / 1000 if n > 10**11 else n, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise PostTimeError(f"{s!r}: out of range as a Unix timestamp") from None


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)


def _date(text: str) -> date | None:
    m = _NUMERIC.fullmatch(text)
    if m:
        a, _, b, c = m.groups()
        return _numeric(int(a), int(b), int(c), len(a), len(c), text)
    m = _MONTH_DAY.fullmatch(text)
    if m:
        return _real(int(m.group(3)), MONTHS[m.group(1)], int(m.group(2)), text)
    m = _DAY_MONTH.fullmatch(text)
    if m:
        return _real(int(m.group(3)), MONTHS[m.group(2)], int(m.group(1)), text)
    return None


def _numeric(a: int, b: int, c: int, len_a: int, len_c: int, text: str) -> date | None:
    if len_a == 4:  # 2025/03/14
        return _real(a, b, c, text) if len_c <= 2 else None
    if len_a > 2 or len_c == 3:
        return None
    year = c + 2000 if len_c == 2 else c
    day_first = _real(year, b, a, text, strict=False)
    month_first = _real(year, a, b, text, strict=False)
    if day_first and month_first and day_first != month_first:
        raise PostTimeError(f"{text!r} could be {_spoken(day_first)} or {_spoken(month_first)}; write it as "
                            f"year-month-day ({month_first.isoformat()}) or with the month's name")
    if not (day_first or month_first):
        raise PostTimeError(f"{text!r}: no such date, day-first or month-first")
    return day_first or month_first


def _spoken(d: date) -> str:
    return f"{d.day} {d:%B} {d.year}"


def _real(year: int, month: int, day: int, text: str, strict: bool = True) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        if strict:
            raise PostTimeError(f"{text!r}: no such date") from None
        return None


def _time(text: str) -> time | None:
    if text in ("noon", "midnight"):
        return time(12 if text == "noon" else 0, 0)
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2})(?::(\d{2}))?)?\s*(?:([ap])\.?m\.?)?", text)
    hour, minute, second = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    if m.group(4):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m.group(4) == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _zone(text: str | None) -> timezone:
    if text is None or text in ("z", "utc", "gmt"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise PostTimeError(f"{text!r}: no such time zone offset")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
