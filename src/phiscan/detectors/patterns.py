"""Pattern detectors: dates, ages, record numbers and other IDs, rooms and beds, phones, emails, URLs, IPs."""
from __future__ import annotations

import re

import regex

from ..lexicon import in_name_lexicon, is_common_word, is_name_word
from ..model import Span
from ..nlp import Analysis
from .base import RegexDetector, span
from .lang import AGE_AFTER, PERSON_WORDS_IN, RELATIVE_DATES, ROOM_AFTER, ROOM_WORDS, alternation, spelled_number

I = re.I
# The end of a word: no letter or digit follows, or only a letter of a script written without spaces between a
# word and its particles (Korean "OR 3에서", "93세이신데"; Japanese, Chinese).
NO_WORD_AFTER = r"(?![^\W\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u4e00-\u9fff\uac00-\ud7a3])"  # Hangul, Kana, Han

# Nouns an ordinal counts instead of a day of the month: "on the 6th floor", "by the 3rd round", "since the 2nd grade".
NOT_A_DAY_NOUN = (r"(?!\s+(?:floor|fl\.?|grade|round|cycle|time|try|attempt|place|street|st\.?|avenue|ave\.?|hole|inning|period|"
                  r"week|day|month|year|dose|visit|session|level|deck|wing|tower|shift)\b)")

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
WEEKDAY = r"(?:Mon(?:day)?|Tue(?:s(?:day)?)?|Wed(?:nesday)?|Thu(?:r(?:s(?:day)?)?)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)"
WEEKDAY_FULL = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
DAYPART = r"(?:morning|afternoon|evening|night|overnight|am|pm)"
ORD = r"(?:st|nd|rd|th)"

# Relative expressions: resolved against the post's time by the rules (a later stage); the span says which.
RELATIVE = [
    (r"\b(?:early\s+)?(?:yesterday|today|tonight|tomorrow)(?:'s|’s)?(?:\s+(?:morning|afternoon|evening|night))?\b", "day"),
    (r"\b(?:last|this|tomorrow|yesterday)\s+(?:night|morning|afternoon|evening|am|a\.m\.|pm|p\.m\.)\b", "daypart"),
    (r"\b(?:this|last)\s+(?:past\s+)?weekend\b", "weekend"),
    (r"\b(?:last|this|next|earlier\s+this)\s+(?:week|month)\b", "week"),
    (r"\b(?:last|this\s+past|this|next)\s+" + WEEKDAY_FULL + r"(?:\s+" + DAYPART + r")?\b", "weekday"),
    (r"\b(?:\d{1,2}|a|one|two|three|four|five|six|seven|eight|nine|ten|a\s+few|a\s+couple(?:\s+of)?)\s+(?:days?|nights?|weeks?|months?|years?)\s+ago\b", "ago"),
    # a day a story has already set ("that night", "the next morning"): which day, the story before it says
    (r"\b(?:that|the\s+same|the\s+next|the\s+following)\s+(?:night|morning|afternoon|evening|day)\b", "story"),
    # a day ahead: "in 3 weeks", "in two days" (a planned surgery, a discharge)
    (r"\bin\s+(?:\d{1,2}|a|one|two|three|four|five|six|a\s+few|a\s+couple(?:\s+of)?)\s+(?:days?|weeks?)\b", "ahead"),
    (r"\b(?:post[- ]?op|POD)\s*(?:day\s*)?#?\d{1,2}\b", "postop"),
    # a few other languages seen in staff posts
    (r"\bthe\s+other\s+(?:night|day|morning|evening)\b", "other"),
    (r"\b(?:a\s+few|a\s+couple(?:\s+of)?|several|\d{1,2}|an?)\s+(?:hours?|hrs?|minutes?|mins?)\s+ago\b", "ago"),
    (r"\b(?:(?:on|since|over)\s+)?(?:Thanksgiving|Christmas(?:\s+(?:Eve|Day|morning|night))?|New\s+Year'?s(?:\s+(?:Eve|Day))?|Easter(?:\s+Sunday)?|"
     r"Halloween|Fourth\s+of\s+July|July\s+4th|Labor\s+Day|Memorial\s+Day|Mother'?s\s+Day|Father'?s\s+Day|Valentine'?s\s+Day|"
     r"Super\s+Bowl\s+Sunday|Black\s+Friday)(?:\s+(?:morning|night|evening))?\b", "holiday"),
    (r"(?<![\w:.])(?:[01]?\d|2[0-3]):[0-5]\d\s?(?:am|pm|a\.m\.|p\.m\.|hrs|h)?(?![\w:])|(?<![\w:.])(?:1[0-2]|0?[1-9])\s?(?:am|pm|a\.m\.|p\.m\.)(?![\w])", "time"),
    # 24-hour clock times: "0730", "2215 hrs", "14h", "14h30" (a four-digit number from 1000 up is a time only with
    # its "hrs": "at 2015" is a year)
    (r"(?<![\w:.,/#$-])0\d[0-5]\d(?:\s?(?:hrs?|h))?(?![\w:/-]|[.,]\d|\s?%)|(?<![\w:.,/#$-])(?:1\d|2[0-3])[0-5]\d\s?hrs?\b|"
     r"(?<![\w:.,/#$-])(?:[01]?\d|2[0-3])h(?:[0-5]\d)?(?![\w])", "time"),
    (r"(?<![\w])(?:" + alternation(w for lang, t in RELATIVE_DATES.items() if lang != "en" for w in t) + r")" + NO_WORD_AFTER, "day"),
]

ABSOLUTE = [
    # 2024-03-14
    (r"\b(?:19|20)\d{2}-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01])\b", "iso"),
    # 3/14, 3/14/24, 03/14/2024, 11/21.93 (not 24/7, not fractions inside numbers, not versions)
    (r"(?<![\w/.])(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])(?:[/.](?:19|20)?\d{2})?(?![\w/]|\.\d)", "numeric"),
    # 3-24-17, 3-24-2017
    (r"(?<![\w/.-])(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01])-(?:(?:19|20)\d{2}|\d{2})(?![\w/-])", "numeric"),
    # 8/87, 11/92: month and two-digit year (a day cannot be over 31)
    (r"(?<![\w/.])(?:0?[1-9]|1[0-2])/(?:3[2-9]|[4-9]\d)(?![\w/]|\.\d)", "month_year"),
    # March 1993, MARCH OF 1993, Sept. 2021
    (r"\b" + MONTH + r"\s+(?:of\s+)?(?:19|20)\d{2}\b", "month_year"),
    # 14.03.2024 / 14-03-2024
    (r"(?<![\w.])(?:0?[1-9]|[12]\d|3[01])[.-](?:0?[1-9]|1[0-2])[.-](?:19|20)\d{2}(?![\w.])", "numeric"),
    # March 14th, 2024 / Mar 14 / Feb 2nd / Tuesday, March 14 / Sat Jan 18
    (r"\b(?:" + WEEKDAY + r",?\s+)?" + MONTH + r"\s+(?:0?[1-9]|[12]\d|3[01])" + ORD + r"?(?:,?\s+(?:19|20)\d{2})?\b(?!:|\s*(?:%|lbs?|kg|mg|ml|oz|hours|hrs|min))", "month_day"),
    # 14 Mar, 14th of March 2024, 21 Apr, 21
    (r"\b(?:0?[1-9]|[12]\d|3[01])" + ORD + r"?\s+(?:of\s+)?" + MONTH + r"(?:,?\s+(?:(?:19|20)\d{2}|'?\d{2}(?!\d)))?\b", "day_month"),
    # Tuesday the 14th
    (r"\b" + WEEKDAY_FULL + r"\s+the\s+(?:[12]?\d|3[01])" + ORD + r"\b", "weekday_day"),
    # "on the 3rd"
    (r"\b(?:on|by|since|until)\s+the\s+(?:[12]?\d|3[01])" + ORD + r"\b" + NOT_A_DAY_NOUN, "ordinal_day"),
    # "Sunday", "Wednesday's", "Tuesday night", "early Sunday", "on Monday", "last Monday", "next Friday" (the
    # word before says which Monday: rules.engine.resolve_relative)
    (r"\b(?:(?:on|early|late|(?i:last|this\s+past|this\s+coming|this|next|coming|upcoming))\s+)?" + WEEKDAY_FULL + r"(?:'s|’s)?(?:\s+" + DAYPART + r")?\b", "weekday"),
    # "in February", "since March", "last October": a month named alone
    (r"\b(?:in|since|last|early|late|mid-?|this past|during)\s+(?:January|February|March|April|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?(?!\s+(?:\d|of\s+\d))", "month"),
    # "10 de agosto", "Sábado 10 de agosto"
    (r"\b\d{1,2}\s+de\s+(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)\b", "day_month"),
]

# "1/2 amp", "D5 1/2 NS", "crackles 1/2 way up", "co/ci 4-6/2-4": a month/day without a year that is a fraction
# of a quantity or one end of a range is no date
_FRACTION_AFTER = re.compile(r"\s*(?:-\s*\d+(?![\d/])|in\.|(?:amps?|ns|tabs?|tablets?|caps?|pills?|strength|way|dose|doses|cups?|glass|bottles?|"
                             r"cans?|inch(?:es)?|miles?|oz|ml|cc|lbs?|hours?|hrs?|teaspoons?|tsp|tbsp|mg|units?|of\s+(?:a|an|the|his|her|my))\b)", I)
_FRACTION_BEFORE = re.compile(r"(?:(?<![/\d])\d+-|\b(?:d5|d10|d5w)\s*)$", I)
_NUMERIC_NO_YEAR = re.compile(r"\d{1,2}/\d{1,2}")
# clinical notation written like a date: ventilator settings ("PS 10/5", "cpap+ps 5/5 40%", "IMV 10/5 peep",
# "10/5/50%"), pain scores ("8/10 pain", "c/o CP, 5/10", "3/10 incisional pain") and fractions of a field or a rate
# ("rales 1/3 up", "1/2 of D50", "TF at 1/2 rate", "crackles 1/3-1/2 up")
_VENT_BEFORE = re.compile(r"\b(?:ps|psv|ips|cpap|bipap|bpap|peep|imv|simv|prvc|aprv|ac)\s*[+:]?\s*$", I)
_VENT_AFTER = re.compile(r"\s*(?:,\s*)?(?:\d{1,3}\s*%|%|peep\b|fio2\b|ips\b|ps\b)", I)
_PAIN_BEFORE = re.compile(r"(?:\b(?:pain|cp)(?:\s+(?:score|scale|level))?\s*(?:is|of|at|was|=|:|-)?|\bc/o\s+\w+\W{1,3}|"
                          r"\brat(?:ed|es|ing)(?:\s+(?:it|his\s+pain|her\s+pain))?(?:\s+(?:at|as))?)\s*$", I)
_PAIN_AFTER = re.compile(r"\s*(?:\w+\s+)?(?:pain|cp)\b|\s*(?:on\s+(?:the|a)\s+)?(?:pain\s+)?scale\b", I)
_PART_AFTER = re.compile(r"\s*(?:up|of|rate|full|bilat\w*)\b|-\s*\d/\d\b", I)


def not_a_date(text: str, start: int, end: int) -> bool:
    """Whether the numeric date at text[start:end] is a quantity written like one: a ventilator setting (with or
    without a year-like third number), or, a month/day without a year, a fraction, a range end or a pain score."""
    got = text[start:end]
    before = text[max(0, start - 24):start]
    if _VENT_BEFORE.search(before) or _VENT_AFTER.match(text, end):
        return True
    if not _NUMERIC_NO_YEAR.fullmatch(got):
        return False
    if _FRACTION_AFTER.match(text, end) or _FRACTION_BEFORE.search(text[max(0, start - 12):start]):
        return True
    n, d = (int(x) for x in got.split("/"))
    if d == 10 and n <= 10 and (_PAIN_AFTER.match(text, end) or _PAIN_BEFORE.search(before)):
        return True
    return n < d <= 8 and bool(_PART_AFTER.match(text, end))

DOB_CONTEXT = re.compile(r"\b(?:DOB|D\.O\.B\.?|born|birth(?:day|date)?|b\.)\s*[:#]?\s*$", I)


class DateDetector(RegexDetector):
    name = "dates"
    entities = ("DATE",)

    def __init__(self) -> None:
        self._rel = [(re.compile(p, I), kind) for p, kind in RELATIVE]
        self._abs = [(re.compile(p, I if kind != "weekday" else 0), kind) for p, kind in ABSOLUTE]
        self._weekday_ci = re.compile(next(p for p, k in ABSOLUTE if k == "weekday"), I)

    def detect(self, a: Analysis) -> list[Span]:
        out: list[Span] = []
        taken: list[tuple[int, int]] = []
        for rx, kind in self._abs:
            for m in rx.finditer(a.text):
                if any(m.start() < e and s < m.end() for s, e in taken):
                    continue
                if kind == "month_day" and re.match(r"May\s", m.group(0)) and not re.match(r"May\s+\d", m.group(0)):
                    continue
                before = a.text[max(0, m.start() - 12): m.start()]
                if kind == "numeric" and not_a_date(a.text, m.start(), m.end()):
                    continue
                attrs = {"kind": kind, "relative": False, "exact": kind not in ("weekday", "month", "ordinal_day", "month_year")}
                if DOB_CONTEXT.search(before):
                    attrs["dob"] = True
                sp = span("DATE", m, a.text, 0.85 if kind not in ("weekday", "month", "ordinal_day") else 0.6, self.name,
                          f"date pattern ({kind})", **attrs)
                taken.append((sp.start, sp.end))
                out.append(sp)
        # Weekdays written in capitals ("TUESDAY") or lowercase ("tuesday") are common on social media.
        for m in self._weekday_ci.finditer(a.text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            sp = span("DATE", m, a.text, 0.5, self.name, "date pattern (weekday)", kind="weekday", relative=False, exact=False)
            taken.append((sp.start, sp.end))
            out.append(sp)
        for rx, kind in self._rel:
            for m in rx.finditer(a.text):
                if any(m.start() < e and s < m.end() for s, e in taken):
                    continue
                sp = span("DATE", m, a.text, 0.5, self.name, f"relative date ({kind})", kind=kind, relative=True, exact=False)
                taken.append((sp.start, sp.end))
                out.append(sp)
        return sorted(out, key=lambda s: s.start)


def resolve_month_day(text: str) -> tuple[int, int] | None:
    m = re.search(MONTH + r"\s+(\d{1,2})", text, I)
    if m:
        return MONTHS[text[m.start(): m.start() + 3].lower()], int(m.group(1))
    return None


AGE_PATTERNS = [
    (r"\b(\d{1,3})\s*(?:-|\s)?\s*(?:years?|yrs?|yr)\.?\s*(?:-|\s)?\s*old\b", "years old"),
    (r"\b(\d{1,3})\s*(?:-|\s)?\s*(?:y/o|y\.o\.|yo|yoa|y-o)(?![\w/])", "yo"),
    (r"\b(?:aged?|age:?)\s+(\d{1,3})\b(?!\s*(?:[-–]|to)\s*\d)(?!\+)", "aged"),
    (r"\b(?:turned|turns|turning)\s+(\d{2,3})\b", "turned"),
    (r"\b(\d{2,3})(?:st|nd|rd|th)\s+(?:birthday|bday|b-day)\b", "birthday"),
    (r"\b(?:happy|her|his)\s+(\d{2,3})(?:st|nd|rd|th)\b", "birthday"),
    (r"(?<![\w#-])(\d{2,3})\s?(?:M|F)(?![\w°])", "age-sex"),
    # (languages without spaces go on with a particle: "93세이신데"; "20세기" is a century, "3세대" a generation)
    (r"(?:(?<![\w.,])|(?<=[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7a3]))(\d{1,3})\s?(?:" + alternation(w for ws in AGE_AFTER.values() for w in ws) + r")" + NO_WORD_AFTER + r"(?!기|대)", "years old"),
    (r"(?<![\w'’])(?:[A-Z][\w'’-]+|[A-Z]\.),\s+(\d{2,3}),(?=\s)", "apposition"),
    (r"\b(?:in\s+(?:her|his|their)\s+)(\d)0s\b", "decade"),
    (r",\s+(\d{1,3}),\s+(?:of|from)\b", "apposition"),
]


# an age over 89 said bare, beside a person: "she's 93", "Ezekiel is 91", "Mr. Ochoa (92!!)", "Mrs. Liebowitz, 98)".
# Only 90 to 125, never before a unit or a slash (vital signs: "HR was 110", "sats 92%", "BP is 100/60"), and a
# word before it (`who`) only when the name lexicon knows it, or a handle: candidates the judgment must tie (PHI104).
_OLD = r"(?P<n>9\d|1[01]\d|12[0-5])"
_NO_UNIT = (r"(?![\w/%°.,]\d|\w|\s*(?:/|%|°|percent|over\b|mg|mcg|kg|lbs?\b|pounds|bpm|beats|minutes?|mins?\b|hours?|hrs?\b|"
            r"days?|weeks?|months?|years?|units?|ml\b|cc\b|mm|degrees|feet|ft\b|inch|miles|points|beds?|rooms?|people|"
            r"patients|x\b|times))")
BARE_OLD_AGE = [
    re.compile(r"\b(?:he|she|they|you)(?:['’]s|['’]re|\s+(?:is|was|are|were))\s+(?:now\s+|still\s+|only\s+)?" + _OLD + _NO_UNIT, re.I),
    re.compile(r"(?<![\w'’])(?P<who>(?-i:[A-Z][\w'’-]+))\s+(?:is|was)\s+(?:now\s+)?" + _OLD + _NO_UNIT),
    # a patient word or a room as the subject: "our patient in room 6 is 90", "bed 12 is 99", "the lady in 4 turned 101"
    re.compile(r"\b(?:(?:patient|pt|resident|lady|gentleman|man|woman|grandma|grandpa|nana|granny)(?:\s+(?:in|from)\s+(?:(?:room|rm|bed)\s*)?\w{1,4})?"
               r"|(?:room|rm|bed)\s*\d{1,4}[A-Z]?)\s+(?:is|was|turns|turned|just\s+turned)\s+(?:now\s+)?" + _OLD + _NO_UNIT, re.I),
    # "at 93", "At 97, she ...": an age where a vital sign is not ("sats at 92", "SBP at 90" are values)
    re.compile(r"(?<!\w)(?<!sats\s)(?<!sat\s)(?<!bp\s)(?<!hr\s)(?<!rr\s)(?<!map\s)(?<!temp\s)(?<!are\s)(?<!were\s)(?<!is\s)(?<!was\s)[Aa]t\s+" + _OLD
               + r"(?=\s*[,!;—–)]|\s+(?:and|&|she|he|they|is|was|still|years|yrs)\b)" + _NO_UNIT, re.I),
    re.compile(r"(?<![\w'’])(?P<who>@[\w.]*\w|[\w'’-]+)\s+\(" + _OLD + r"(?=\s*(?:!+|\)|,|\s+(?:and|y|years|yrs|yo)\b))"),
    re.compile(r"(?<![\w'’])(?P<who>[\w'’-]+|\)),\s+" + _OLD + r"(?=\s*[)!;—–]|,?\s*$)", re.M),
]


SPELLED_AGE = re.compile(r"\b((?:ninety|(?:one|a)\s+hundred)(?:[\s-]+(?:and\s+)?(?:one|two|three|four|five|six|seven|eight|nine))?)"
                         r"(?:[\s-]+years?(?:[\s-]+old)?|(?:st|nd|rd|th)?\s+birthday)", re.I)


class AgeDetector(RegexDetector):
    name = "ages"
    entities = ("AGE",)

    def __init__(self) -> None:
        self._rx = [(re.compile(p, I if k not in ("age-sex",) else 0), k) for p, k in AGE_PATTERNS]

    def detect(self, a: Analysis) -> list[Span]:
        out: list[Span] = []
        for m in SPELLED_AGE.finditer(a.text):
            n = spelled_number(m.group(1))
            if n is not None:
                out.append(span("AGE", m, a.text, 0.7, self.name, "age in words", age=n, over_89=n >= 90))
        for rx in BARE_OLD_AGE:
            for m in rx.finditer(a.text):
                who = m.groupdict().get("who")
                if who and who[0] not in "@)" and not is_name_word(who.strip("'’-")):
                    continue
                sp = span("AGE", m.span("n"), a.text, 0.6, self.name, "a number beside a person that may be an age over 89",
                          age=int(m.group("n")), over_89=True, bare=True)
                if not any(o.overlaps(sp) for o in out):
                    out.append(sp)
        for rx, kind in self._rx:
            for m in rx.finditer(a.text):
                n = int(m.group(1))
                if kind == "decade":
                    n *= 10
                if n > 125 or (kind == "age-sex" and n < 10):
                    continue
                if kind == "age-sex" and re.search(r"(?:room|rm|bed|bay|floor|unit|suite)\s*$", a.text[max(0, m.start() - 8): m.start()], I):
                    continue
                s, e = m.span(0) if kind not in ("apposition",) else m.span(1)
                if kind == "aged":
                    s = m.start()
                sp = span("AGE", (s, e), a.text, 0.85, self.name, f"age pattern ({kind})", age=n, over_89=n >= 90)
                if not any(o.overlaps(sp) for o in out):
                    out.append(sp)
        return sorted(out, key=lambda s: s.start)


ROOM_WORD = r"(?:" + alternation(w for ws in ROOM_WORDS.values() for w in ws if w not in ("or", "ldr", "pacu", "obs", "sal", "lit", "an")) + r"|(?-i:OR|LDR|PACU|OBS|[Ll]it|[Ss]al))"
# a person, then "in" and a number: "the woman in 512", "your dad in 318", "Nana Bea in 14C"
PERSON_IN_NUMBER = re.compile(
    r"(?:\b(?:guy|man|woman|lady|gal|girl|boy|kid|kiddo|baby|babe|mom|dad|mother|father|grandma|grandpa|granny|patient|pt|"
    r"gentleman|gent|fella|dude|sir|ma'am|miss|mister|mama|papa|auntie|uncle|husband|wife|son|daughter|twins?|one)|"
    r"(?<![\w'’])(?P<who>(?-i:[A-Z][\w'’-]+))|"
    # a title or family word and the name after it, however written: "mr. okwuosa in 8", "grandpa tomasz in 2"
    r"\b(?:" + alternation(w for ws in PERSON_WORDS_IN.values() for w in ws) + r")(?:\.?\s+[^\W\d_][\w'’-]*)?)\s+(?:in|from|over\s+in)\s+(?:(?:room|rm|bed)\s*)?(?P<n>(?-i:[A-Z])?\d{1,4}(?-i:[A-Z])?)(?![\w%:.,]\d|\w|['’]?s\b)(?<!0[sS])"
    r"(?!\s*(?:weeks?|wks?|days?|hours?|hrs?|minutes?|mins?|seconds?|secs?|years?|months?|am|pm|%|mg|kg|lbs?|cm|mm|ml|"
    r"north|south|east|west)\b)", re.I)
# a track-board or board slot: "T4", "H2" written as a location ("in T4", "T4:", "| T4 |")
SLOT = re.compile(r"(?:(?<=\bin\s)|(?<=\|\s)|(?<=^)|(?<=\n)|(?<=\[))(?-i:[A-Z]{1,2}\d{1,2})(?=\s*[:|–-]|\s+(?-i:[A-Z]{2,}|[A-Z][a-z]))", re.M)
ROOM_NUM = r"(?:(?-i:[A-Z])?\d{1,4}(?:-?(?-i:[A-Z])(?![a-z]))?|(?<=[ \t])(?-i:[A-H])(?![A-Za-z.]))"
_NOT_A_COUNT = r"(?!\s*(?:weeks?|wks?|days?|hours?|hrs?|minutes?|mins?|years?|yrs?|months?|am|pm|%|mg|kg|lbs?|cm|mm|ml|beds?|patients?|pts?))"
# a bed of a unit written without "bed": "MICU 12", "PICU 8", "CCU 3B" (the unit's abbreviation in capitals)
UNIT_BED = re.compile(r"\b(?:(?:N|P|CV|CT|M|S|NS|T|B|C)?ICU|CCU|PCU|IMCU|PACU|EDW?|ER|LDRP?)[ \t]?#?(?P<n>\d{1,3}(?:[A-H])?)"
                      r"(?![\w%°/:-]|[.,]\d)" + _NOT_A_COUNT)
# a unit-and-bed code as bed boards and bed-management screens write it: "4N-17", "5N-12", "3E-07", "6W-14"
UNIT_CODE = re.compile(r"(?<![\w./-])\d{1,2}(?:N|S|E|W|NW|NE|SW|SE)-\d{2,3}(?![\w/-])")
# a number that opens or closes a row of a board, census sheet or track board, beside a name: "401 ADEBAYO",
# "12A Svensson", "T4 | Pham, L", "14 - GRZYB", "K. OSEI 401 |" (the name detector proposes the name)
_ROW_START = r"(?:(?<=[\"'“‘|/;\[\n])|(?<=[\"'“‘|/;:\[]\s)|(?<=\p{Lu}{3}\s)|^)"
ROW_NUM_FIRST = regex.compile(_ROW_START + r"(?P<n>(?-i:[A-Z]{1,2})?\d{1,4}(?-i:[A-H])?)\s*[-–—|:]?\s*(?P<name>\p{Lu}[\p{Ll}\p{M}'’-]+|\p{Lu}{3,})(?![\w'’])")
ROW_NAME_FIRST = regex.compile(r"(?P<name>\p{Lu}[\p{Ll}\p{M}'’-]+|\p{Lu}{3,})[ \t]+(?P<n>\d{1,4}(?-i:[A-H])?)(?=[ \t]*(?:[|\"'”’;\]]|/(?!\d)|$))", re.M)


class RoomDetector(RegexDetector):
    name = "rooms"
    entities = ("ROOM",)

    def __init__(self) -> None:
        unit = r"(?:\b\d{1,2}\s?(?:North|South|East|West|N|S|E|W)\s*,?\s+|\b(?:ICU|NICU|PICU|CVICU|MICU|SICU|ED|ER|L&D|trauma|Pod\s+[A-Z],?)\s+)?"
        # "room 412", "bed 7B", "rooms 14 and 15", "OR 3에서"
        self._rx = re.compile(unit + r"\b" + ROOM_WORD + r"(?:s|es)?[ \t]?#?[ \t]?" + ROOM_NUM + r"(?:[ \t]*(?:and|&|,)[ \t]*\d{1,4}[A-Z]?)?"
                              + NO_WORD_AFTER, I)
        self._after = re.compile(r"(?<![\d.,])\d{1,4}\s?(?:" + alternation(w for ws in ROOM_AFTER.values() for w in ws) + r")", I)
        self._bare = re.compile(r"\b(?:in|to)\s+(\d{1,4}[A-H])\b(?!\s*(?:weeks|wks|days))")

    def detect(self, a: Analysis) -> list[Span]:
        out = []
        for m in self._rx.finditer(a.text):
            tail = a.text[m.end(): m.end() + 6].lower()
            if tail.startswith((" air", "-air", "ful", "side", " rest")):
                continue
            if re.match(r"POD\s?#?\d", m.group()):  # "POD1", "POD 3": a post-operative day, no pod of a unit ("Pod 3", "POD A")
                continue
            out.append(span("ROOM", m, a.text, 0.8, self.name, "room/bed/bay pattern"))
        for m in self._after.finditer(a.text):
            out.append(span("ROOM", m, a.text, 0.8, self.name, "room/bed number ('305호실')"))
        for m in self._bare.finditer(a.text):
            out.append(span("ROOM", m, a.text, 0.5, self.name, "room-like number after 'in'", group=1, kind="bare"))

        def add(sp: Span) -> None:  # the weaker patterns below propose a room only where no earlier one did
            if not any(o.overlaps(sp) for o in out):
                out.append(sp)
        for rx, score, why, kind, group in ((PERSON_IN_NUMBER, 0.45, "a number where a person is ('the woman in 512')", "person_in", "n"),
                                            (SLOT, 0.4, "a board slot ('T4')", "slot", 0)):
            for m in rx.finditer(a.text):
                who = m.groupdict().get("who")
                if who and who.isupper() and not in_name_lexicon(who):  # "BP in 80", "VTS from 600": an abbreviation, no person
                    continue
                if kind == "person_in" and _is_year(m.group("n")):
                    continue  # "my son graduated in 2019": a year
                add(span("ROOM", m, a.text, score, self.name, why, group=group, kind=kind))
        for rx, score, why, kind in ((UNIT_BED, 0.6, "a unit's bed ('MICU 12')", "unit_bed"),
                                     (UNIT_CODE, 0.5, "a unit-and-bed code ('4N-17')", "unit_code")):
            for m in rx.finditer(a.text):
                add(span("ROOM", m, a.text, score, self.name, why, kind=kind))
        for rx in (ROW_NUM_FIRST, ROW_NAME_FIRST):
            for m in rx.finditer(a.text):
                if not _is_year(m.group("n")) and board_name(m.group("name")):
                    add(span("ROOM", m, a.text, 0.5, self.name, "a number beside a name in a board's row ('401 ADEBAYO')",
                             group="n", kind="board_row"))
        return out


def _is_year(number: str) -> bool:
    return re.fullmatch(r"(?:19|20)\d\d", number) is not None


def board_name(word: str) -> bool:
    """A word a board's row could name a patient by: a first name or surname the lexicon knows that is no
    frequent word ("Ward", "Hope", "Game" are words first)."""
    return in_name_lexicon(word) and not is_common_word(word, 4.0)


def _has_digit_and_len(s: str, n: int = 4) -> bool:
    return sum(c.isdigit() for c in s) >= n


ID_PATTERNS = [
    ("MRN", r"\b(?:MRN|MR\s?#|MR\s?No\.?|med(?:ical)?\.?\s+rec(?:ord)?\.?(?:\s+(?:number|no\.?|#))?|chart\s*(?:#|number|no\.?)|patient\s+(?:ID|#|number)|pt\.?\s+(?:ID|#)|encounter(?:\s+(?:ID|#|number|no\.?))?|enc\s*#|CSN|FIN|visit\s*(?:#|ID)|case\s+(?:#|number|no\.?|ID))\s*(?:is\s+)?[:#]?\s*(#?(?:[A-Z]{1,8}-?)?\d[\dA-Z-]{3,24}(?<!-))", "record number after MRN/chart/patient ID/encounter"),
    ("ID", r"\b(?:acct|account)\s*(?:#|no\.?|number)?\s*[:#]?\s*(\d[\d-]{4,18})\b", "account number"),
    ("ID", r"\b(?:member|subscriber|policy|insurance|insurance\s+policy|medicaid|medicare|plan|group|beneficiary|health\s+plan|insur|insurer|HBN|HICN|MBI)\s*(?:ID|#|no\.?|number)?\s*(?:is\s+)?[:#]?\s*(#?(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{5,24})\b", "health plan member/policy ID"),
    ("ID", r"\b(?:SSN|SS#|social\s+security(?:\s+(?:number|no\.?|#))?)\s*[:#]?\s*(\d{3}-?\d{2}-?\d{4})\b", "social security number"),
    ("ID", r"\b(?:license\s+plate|licence\s+plate|plate|plates|tag|placa|plaque|matr[ií]cula|patente|plaka)\s*(?:#|no\.?|number)?\s*[:#]?\s*([A-Z0-9]{1,4}[- ]?[A-Z0-9]{2,5}(?:-[A-Z0-9]{1,3})?)\b", "licence plate"),
    ("ID", r"\b(?:SN|S/N|serial(?:\s+(?:number|no\.?|#))?)\s*[:#]?\s*([A-Z0-9][A-Z0-9-]{5,20})\b", "device serial number"),
    ("ID", r"\b(?:barcode|wristband|armband|bracelet)\s*(?:#|no\.?|number)?\s*[:#]?\s*([A-Z0-9]{6,20})\b", "wristband/barcode number"),
    ("ID", r"\b(?:acc|acct|rx|claim|ref|bib|ticket|badge|tag|order|accession|specimen|sample|lab|invoice|booking|confirmation|"
           r"member|group|policy|ID|patient\s+no|pt\s+no)\s*(?:#|no\.?|number|ID)\s*[:#]?\s*(#?(?=[A-Z0-9 -]*\d{3})[A-Z0-9][A-Z0-9 -]{2,20}[A-Z0-9])", "labeled number"),
    ("ID", r"\b(?:plate|license|licence)\s*(?:#|no\.?|number)?\s*[:#'\"]?\s*((?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]{2,4}-?[A-Z0-9]{2,5})\b", "licence plate"),
    ("ID", r"\b(?:driver'?s?\s+licen[cs]e|DL)\s*(?:#|no\.?|number)?\s*[:#]?\s*([A-Z0-9][A-Z0-9-]{5,20})\b", "driver's licence number"),
]
# a number of 6 to 9 digits standing alone ("label the tubes for 4410287"): a record number without its label
# word, or an order, a count, a code. Proposed as a candidate (kind "bare") for the judgment to settle.
BARE_NUMBER = re.compile(r"(?<![\w$€£#.,/:+-])\d{6,9}(?![\w%]|[.,:/-]\d)")
SSN_BARE = re.compile(r"(?<![\w-])(?!000|666|9\d\d)(\d{3})-(?!00)(\d{2})-(?!0000)(\d{4})(?![\w-])")


class IdDetector(RegexDetector):
    name = "ids"
    entities = ("MRN", "ID")

    def __init__(self) -> None:
        self._rx = [(e, re.compile(p, I), why) for e, p, why in ID_PATTERNS]

    def detect(self, a: Analysis) -> list[Span]:
        out: list[Span] = []
        for entity, rx, why in self._rx:
            for m in rx.finditer(a.text):
                value = m.group(1)
                if why == "licence plate":
                    if not (re.search(r"\d", value) and re.search(r"[A-Za-z]", value)):
                        continue
                elif not _has_digit_and_len(value, 4):
                    continue
                sp = span(entity, m, a.text, 0.9, self.name, why, group=1, kind=why)
                if not any(o.overlaps(sp) for o in out):
                    out.append(sp)
        for m in SSN_BARE.finditer(a.text):
            sp = span("ID", m, a.text, 0.6, self.name, "SSN-shaped number", kind="social security number")
            if not any(o.overlaps(sp) for o in out):
                out.append(sp)
        for m in BARE_NUMBER.finditer(a.text):
            sp = span("MRN", m, a.text, 0.3, self.name, "a bare number of 6 to 9 digits", kind="bare")
            if not any(o.overlaps(sp) for o in out):
                out.append(sp)
        return out


PAGER = re.compile(r"\b(?:pager|pg|beeper|bpr|page)\s*(?:number|no\.?|#)?\s*[:#]?\s*#?(\d{4,6})\b", re.I)
# Mistyped numbers in notes ("(240444-1243)", "301 273 45166"): phone-shaped runs of 10-11 digits, proposed as
# candidates (loose=True) for the judgment and the phone rule's own context words to settle.
LOOSE_PHONE = re.compile(r"(?<![\w#-])\(?\d{3,6}\)?[\s.-]?\d{3,5}[\s.-]\d{4,5}\)?(?![\w-])")
ODD_PHONE = re.compile(r"(?<![\w/#-])\(?\d{3}\)?\s?[/.\s-]\s?\d{3}\s?[/.\s-]\s?\d{4}(?![\w/-])|(?<![\w#-])\d{3}\s\d{7}(?![\w-])")
PHONE = re.compile(
    r"(?<![\w/.#-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])?\d{3}[\s.-]\d{4}(?:\s*(?:ext\.?|x)\s*\d{1,5})?(?![\w/-]|\.\d)"
    r"|(?<![\w#-])\d{10}(?![\w-])"
)
EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Common and fundraising top-level domains, and the ones reserved for examples and tests (RFC 2606), which
# synthetic and training data use.
TLDS = (r"(?:com|org|net|edu|gov|io|co|us|uk|ca|health|care|info|me|ly|gl|app|page|site|link|fund|org\.uk|charity|foundation|"
        r"gives|giving|family|online|blog|example|test)")
URL = re.compile(
    r"(?<![\w@.])(?:https?://[^\s<>\"')\]]+|www\.[^\s<>\"')\]]+|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\." + TLDS + r"(?:/[^\s<>\"')\]]*)?)(?![\w@])",
    I,
)
# Domains of health organizations (their own sites and mailboxes); the profile names the organization's exactly.
INSTITUTIONAL_DOMAIN = re.compile(r"(?:health|med|medical|hospital|clinic|care(?!ingbridge)|childrens|children|physicians|doctors|\.gov|\.edu|doi\.org|nih|cdc|who\.int|mychart)", re.I)
IPV4 = re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.])")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])", I)


class ContactDetector(RegexDetector):
    name = "contact"
    entities = ("PHONE", "EMAIL", "URL", "IP_ADDRESS")

    def detect(self, a: Analysis) -> list[Span]:
        t = a.text
        out: list[Span] = []
        emails = [
            span("EMAIL", m, t, 0.95, self.name, "email address pattern", domain=m.group(0).rsplit("@", 1)[1].lower(),
                 institutional=bool(INSTITUTIONAL_DOMAIN.search(m.group(0).rsplit("@", 1)[1])))
            for m in EMAIL.finditer(t)
        ]
        out.extend(emails)
        for m in URL.finditer(t):
            if any(e.start <= m.start() < e.end for e in emails):
                continue  # never a URL inside an email address
            sp = span("URL", m, t, 0.8, self.name, "web address pattern")
            if sp.end - sp.start < 4 or re.fullmatch(r"[\d.]+", sp.text):
                continue
            host = re.sub(r"^(?:https?://)?(?:www\.)?", "", sp.text, flags=I).split("/")[0].lower()
            attrs = (("domain", host), ("institutional", bool(INSTITUTIONAL_DOMAIN.search(host))), ("path", "/" in sp.text.split("//")[-1]))
            out.append(Span(sp.entity, sp.start, sp.end, sp.text, sp.score, sp.detector, sp.explanation, attrs))
        for m in PHONE.finditer(t):
            digits = re.sub(r"\D", "", m.group(0).split("x")[0].split("ext")[0])
            if len(digits) not in (7, 10, 11) or any(o.start <= m.start() < o.end for o in out):
                continue
            if len(set(digits)) < 3:
                continue
            parts = re.split(r"[\s.-]", m.group(0))
            if len(digits) == 7 and len(parts) == 2 and parts[0].endswith(("00", "50")) and int(parts[1]) > int(parts[0]):
                continue  # "900-1300": a range of times or amounts
            out.append(span("PHONE", m, t, 0.75 if len(digits) >= 10 else 0.6, self.name, f"phone number pattern ({len(digits)} digits)", digits=digits[-10:]))
        for m in LOOSE_PHONE.finditer(t):
            digits = re.sub(r"\D", "", m.group(0))
            if len(digits) in (10, 11) and not any(o.overlaps(span("PHONE", m, t, 0, "", "")) for o in out):
                out.append(span("PHONE", m, t, 0.5, self.name, "phone-shaped number", digits=digits, loose=True))
        for m in ODD_PHONE.finditer(t):
            digits = re.sub(r"\D", "", m.group(0))
            if len(digits) == 10 and not any(o.overlaps(span("PHONE", m, t, 0, "", "")) for o in out):
                out.append(span("PHONE", m, t, 0.55, self.name, "phone number written with odd separators", digits=digits, loose=True))
        for m in PAGER.finditer(t):
            if not any(o.start <= m.start(1) < o.end for o in out):
                out.append(span("PHONE", m, t, 0.7, self.name, "pager number", group=1, digits=m.group(1), pager=True))
        for rx in (IPV4, IPV6):
            for m in rx.finditer(t):
                if m.group(0).count(".") == 3 and all(p.isdigit() for p in m.group(0).split(".")):
                    if re.search(r"\b(?:v|version|build)\s*$", t[max(0, m.start() - 9): m.start()], I):
                        continue
                out.append(span("IP_ADDRESS", m, t, 0.8, self.name, "IP address pattern"))
        return out


ZIP = re.compile(r"\b(?:zip|zip\s*code|postal\s*code|address(?:\s+in)?|[A-Z]{2})\s*:?\s*(\d{5}(?:-\d{4})?)\b(?!\s*(?:%|people|patients|visits|babies))")


class ZipDetector(RegexDetector):
    name = "zip"
    entities = ("ZIP",)

    def detect(self, a: Analysis) -> list[Span]:
        out = []
        for m in ZIP.finditer(a.text):
            head = a.text[m.start(): m.start(1)].strip().rstrip(":")
            if head.isupper() and len(head) == 2 and head not in US_STATES:
                continue
            out.append(span("ZIP", m, a.text, 0.8, self.name, "ZIP code after 'ZIP'/'address'/state", group=1))
        return out


US_STATES = set("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC".split())
