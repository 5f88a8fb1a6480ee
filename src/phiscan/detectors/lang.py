"""Words of identifiers in the languages phiscan reads, one table per kind and language: what makes a number a
room or an age, and which words are relative dates. Detectors build their patterns from these tables; rules
(`resolve_relative`) read the same table to turn a relative date into the date it discloses, so the two cannot
disagree. Identifier words only: whether a post tells of someone's care is the learned judgment's to say.
"""
from __future__ import annotations

import re

# Relative date words: phrase -> days from the post's date (None: the post's time does not pin one day).
RELATIVE_DATES: dict[str, dict[str, int | None]] = {
    "en": {"today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0, "this evening": 0, "this am": 0, "this pm": 0,
           "earlier today": 0, "a few hours ago": 0, "hours ago": 0, "an hour ago": 0, "minutes ago": 0, "just now": 0,
           "yesterday": -1, "last night": -1, "the other night": None, "the other day": None, "overnight": 0,
           "tomorrow": 1, "this weekend": None, "this past weekend": None, "last weekend": None,
           "last week": None, "earlier this week": None, "this week": None},
    "es": {"hoy": 0, "esta mañana": 0, "esta noche": 0, "esta tarde": 0, "ayer": -1, "anoche": -1, "anteayer": -2,
           "mañana": 1, "la semana pasada": None, "el fin de semana": None, "hace unas horas": 0},
    "fr": {"aujourd'hui": 0, "aujourd’hui": 0, "ce matin": 0, "ce soir": 0, "cet après-midi": 0, "cette nuit": 0,
           "hier": -1, "hier soir": -1, "avant-hier": -2, "demain": 1, "la semaine dernière": None, "ce week-end": None},
    "pt": {"hoje": 0, "hoje de manhã": 0, "esta manhã": 0, "hoje à noite": 0, "esta noite": 0, "ontem": -1,
           "ontem à noite": -1, "anteontem": -2, "amanhã": 1, "semana passada": None, "no fim de semana": None},
    "tl": {"ngayon": 0, "kanina": 0, "kaninang umaga": 0, "ngayong gabi": 0, "mamaya": 0, "kahapon": -1, "kagabi": -1,
           "bukas": 1, "noong isang araw": None, "last week": None},
    "vi": {"hôm nay": 0, "sáng nay": 0, "chiều nay": 0, "tối nay": 0, "đêm nay": 0, "hôm qua": -1, "tối qua": -1,
           "đêm qua": -1, "sáng qua": -1, "hôm kia": -2, "ngày mai": 1, "tuần trước": None},
    "ht": {"jodi a": 0, "jodia": 0, "maten an": 0, "aswè a": 0, "yè": -1, "yè swa": -1, "demen": 1, "semèn pase": None},
    "ko": {"오늘": 0, "오늘 아침": 0, "오늘 밤": 0, "어제": -1, "어젯밤": -1, "내일": 1, "지난주": None},
    "hi": {"aaj": 0, "aaj subah": 0, "aaj raat": 0, "kal raat": -1, "parso": None},
    "pl": {"dzisiaj": 0, "dziś": 0, "dziś rano": 0, "wczoraj": -1, "wczoraj wieczorem": -1, "jutro": 1},
}

# Weekday names, and the words before one that say which of them a post means. "on Tuesday", "Tuesday night",
# "early Sunday": the most recent one on or before the post's date; "last Tuesday", "this past Tuesday": the
# most recent one before it; "next Friday", "this Friday", "this coming Friday": a day ahead that the post's
# time does not pin ("next" is this week's to some writers and the week after's to others).
WEEKDAYS: dict[str, list[str]] = {
    "en": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
}
WEEKDAY_BEFORE: dict[str, list[str]] = {"en": ["last", "this past", "past"]}
WEEKDAY_AHEAD: dict[str, list[str]] = {"en": ["next", "this", "this coming", "coming", "upcoming"]}

# Words before a number that make it a room, bed, bay, chair or slot.
ROOM_WORDS: dict[str, list[str]] = {
    "en": ["room", "rm", "bed", "bay", "pod", "chair", "recliner", "stall", "cubicle", "cubby", "slot", "suite", "ldr",
           "or", "pacu", "trauma", "resus", "exam", "exam room", "isolation", "iso", "hall", "hallway", "stretcher",
           "crib", "isolette", "station", "triage", "fast track", "obs", "spot", "unit room", "infusion chair",
           "dialysis chair", "trauma bay", "labor room", "delivery room", "l&d room", "room no", "bed no"],
    "es": ["cuarto", "habitación", "habitacion", "cama", "sala", "silla", "sillón", "cubículo", "box", "consultorio"],
    "fr": ["chambre", "lit", "salle", "box", "fauteuil", "brancard"],
    "pt": ["quarto", "leito", "sala", "cadeira", "poltrona", "box", "cama"],
    "tl": ["kwarto", "kuwarto", "kama", "silid", "higaan"],
    "vi": ["phòng", "phòng số", "giường", "giường số", "ghế", "ghế số"],
    "ht": ["chanm", "kabann", "sal", "chèz", "kabin"],
    "ko": ["병실", "호실"],
    "pl": ["sala", "sali", "pokój", "łóżko", "łóżku"],
    "de": ["zimmer", "bett", "station zimmer"],
    "it": ["letto", "stanza"],
    "ru": ["палата", "палате", "палаты", "койка"],
    "uk": ["палата", "палаті"],
    "hi": ["बेड", "बेड नंबर", "कमरा", "कमरा नंबर", "कमरे"],
    "ar": ["غرفة", "الغرفة", "بالغرفة", "غرفة رقم", "سرير", "السرير", "سرير رقم", "السرير رقم"],
    "so": ["qolka", "sariirta"],
}
# Words before a person that may stand for a name in "X in 12": titles and family words of several languages
PERSON_WORDS_IN: dict[str, list[str]] = {
    "en": ["mr", "mrs", "ms", "miss", "mister", "grandpa", "grandma", "granny", "nana", "papa", "auntie", "uncle", "mom", "dad"],
    "es": ["don", "doña", "señor", "señora", "abuelo", "abuela", "abuelito", "abuelita", "tío", "tía"],
    "tl": ["lolo", "lola", "tatay", "nanay", "tito", "tita", "kuya"],
    "pt": ["seu", "dona", "vovô", "vovó", "avô", "avó"],
    "fr": ["monsieur", "madame", "papi", "mamie", "mme"],
    "vi": ["ông", "bà", "cô", "chú", "bác"],
    "ht": ["tonton", "tantan", "grann", "papa"],
}

# Words after a number that make it a room or bed, where a language writes the number first: "305호실", "12床".
ROOM_AFTER: dict[str, list[str]] = {
    "ko": ["호실", "호 병실", "호병실", "번 병상", "번병상", "번 침대", "번침대", "번 베드"],
    "ja": ["号室", "番ベッド"],
    "zh": ["号床", "床", "号病房"],
}

# Words after a number that make it an age: "96 ans", "94 tuổi", "93세", "101번째 생신" (101st birthday).
AGE_AFTER: dict[str, list[str]] = {
    "es": ["años", "anos", "añitos"], "fr": ["ans"], "pt": ["anos"], "tl": ["taon", "taong gulang", "anyos"],
    "vi": ["tuổi"], "ht": ["lane", "an"], "ru": ["год", "года", "лет"], "ko": ["세", "살", "번째 생신", "번째 생일"], "ja": ["歳"], "zh": ["岁", "歲"], "hi": ["saal", "sal ki", "saal ki", "saal ke"], "pl": ["lat", "lata"],
}

# Spelled-out ages over 89 ("ninety-seven", "a hundred and one").
_TENS = {"ninety": 90, "one hundred": 100, "a hundred": 100, "hundred": 100}
_UNITS = {"": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}


def spelled_number(words: str) -> int | None:
    w = re.sub(r"[\s-]+", " ", words.strip().lower()).replace(" and ", " ")
    for tens, base in _TENS.items():
        if w == tens:
            return base
        if w.startswith(tens + " "):
            unit = w[len(tens) + 1:]
            if unit in _UNITS:
                return base + _UNITS[unit]
    return None


def alternation(words) -> str:
    """A regex alternation of phrases, longest first, spaces matching any run of spaces."""
    return "|".join(r"\s+".join(re.escape(p) for p in w.split()) for w in sorted(set(words), key=len, reverse=True))


def relative_offset(phrase: str) -> int | None | bool:
    """Days from the post's date a relative date phrase means; None when it does not pin a day; False when the
    phrase is not in the tables."""
    p = re.sub(r"\s+", " ", phrase.strip().lower())
    for table in RELATIVE_DATES.values():
        if p in table:
            return table[p]
    return False


def weekday_offset(phrase: str, post_weekday: int) -> int | None | bool:
    """Days from the post's date (weekday `post_weekday`, Monday 0) a weekday phrase means: "on Tuesday" the
    most recent Tuesday on or before it, "last Tuesday" the most recent before it; None for a day ahead ("next
    Friday"), which the post's time does not pin; False when the phrase names no weekday."""
    p = re.sub(r"\s+", " ", phrase.strip().lower())
    for lang, names in WEEKDAYS.items():
        m = re.search(r"(?<!\w)(" + "|".join(names) + r")(?!\w)", p)
        if m is None:
            continue
        before = p[:m.start()].strip()
        if any(before == w or before.endswith(" " + w) for w in WEEKDAY_AHEAD.get(lang, ())) and not any(
                before == w or before.endswith(" " + w) for w in WEEKDAY_BEFORE.get(lang, ())):
            return None
        back = (post_weekday - names.index(m.group(1))) % 7
        if any(before == w or before.endswith(" " + w) for w in WEEKDAY_BEFORE.get(lang, ())):
            back = back or 7
        return -back
    return False
