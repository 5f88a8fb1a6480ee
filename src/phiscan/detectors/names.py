"""Person names: spaCy NER plus titles and care context, 'LAST, FIRST' lists, and names inside hashtags."""
from __future__ import annotations

from functools import lru_cache

import regex as re  # Unicode letter classes (\p{Lu}, \p{Ll}): 'Đức', 'Wróbel', 'Łukasz' are names too

from ..lexicon import is_drug_like, EPONYM_HEAD, NOT_NAMES, in_name_lexicon, is_big_place, is_common_word, is_first_name, is_name_word, is_surname, zipf
from ..model import Span
from ..nlp import Analysis
from .base import span

NAME_TOKEN = r"\p{Lu}[\p{Ll}\p{M}'’-]+(?:-\p{Lu}[\p{Ll}\p{M}'’]+)?"
ANY_TOKEN = r"\p{L}[\p{L}\p{M}'’-]+"

# Honorifics and kinship titles used for patients (and everyone else); what follows is a name.
PERSON_TITLES = (
    r"Mr|Mrs|Ms|Miss|Mx|Mister|Missus|Grandma|Grandpa|Granny|Gramma|Grampa|Nana|Abuela|Abuelo|Abuelita|Abuelito|"
    r"Baby\s+(?:Girl|Boy)|Baby|Lola|Lolo|Don|Doña|Dona|Señor|Señora|Tía|Tío|Auntie|Aunt|Uncle|Bác|Ông|Bà|Cô|Chú|Big|Little|Lil|Sister|Brother|Father|Mother"
)
STAFF_TITLES = r"Dr|Doctor|Nurse|RN|NP|PA|Prof|Professor"
ROLE_TITLES = (
    r"Capt|Captain|Officer|Deputy|Sheriff|Chief|Sgt|Sergeant|Lt|Pastor|Rev|Reverend|Father|Rabbi|Imam|Coach|Principal|"
    r"Mayor|Senator|Governor|Judge|Councilman|Councilwoman|Commissioner|Professor|Pvt|Cpl|Major|Colonel|Gen"
)

# titles written with a period after them ("Mr.", "Lt."); after any other title a period ends the sentence
ABBREVIATED_TITLES = {"mr", "mrs", "ms", "mx", "dr", "prof", "capt", "sgt", "lt", "rev", "pvt", "cpl", "gen"}
# titles that a lowercase name may follow ("mr nicholson"); other lowercase titles need a capital name ("little guy")
PLAIN_TITLES = ("mr", "mrs", "ms", "miss")
# titles that are no word of a note's shorthand: after them, in capitals, any capital word is a name ("MRS BRUCER");
# "MS" is also mental status, "LT" left, "LITTLE" a word
CAPITAL_TITLES = ("mr", "mrs", "miss", "dr")

LEAD_STRIP = re.compile(r"(?i)"
    r"^(?:(?:Meet|Welcome|Congrats|Congratulations|Thank|Thanks|Happy|Dear|Hi|Hey|Hello|Ring|Proud|Please|Pic|Shoutout|"
    r"Shout|Rest|Easy|RIP|Sending|Love|Go|Let's|Our|My|The|This|That|Today|Tonight|Yes|No|Oh|Ok|Okay|Wow|Omg|Lol|"
    r"Praying|Pray|Prayers|Update|Day|POV|Sharing|Shoutouts|Celebrating|Honoring|Remembering|Husband|Wife|Son|Daughter|"
    r"Sons|Daughters|Mother|Father|Mom|Dad|Brother|Sister|Proxy|Social|Pt|Patient|Name|Named|Hope|Aww|Wow|Yay)\s+)+",
)

CARE_PERSON_WORDS = "pt|patient|resident|kiddo|client"  # words that make the next name a patient's in any writing
PATIENT_PATTERN = re.compile(
    r"\b(?:my|our|the|this|a|sweet|fav(?:orite)?|little)\s+(?:(?:sweet|little|favorite|fave|fav|lil|old|dear|tiny)\s+)?"
    r"(?:" + CARE_PERSON_WORDS + r"|guy|gal|girl|boy|man|lady|warrior|fighter|friend|baby|preemie|grad|graduate|vet|veteran)s?"
    r",?\s+(" + ANY_TOKEN + r"(?:\s+" + NAME_TOKEN + r")?)",
)
# The same in upper-case writing, where every word is a capital one ("MY DIALYSIS PATIENT BERNARD GOT THE CALL"): only
# the care words, since "THE GUY" or "MY FRIEND" before a capital word say less when every word is one
PATIENT_PATTERN_UPPER = re.compile(
    r"\b(?:MY|OUR|THE|THIS)\s+(?:\p{Lu}{3,}\s+)?(?:" + CARE_PERSON_WORDS.upper() + r")S?,?\s+(\p{Lu}[\p{Lu}'’-]+)(?![\p{L}\p{M}])"
)
TITLE_PATTERN = re.compile(
    r"(?<![\w@#])(?P<title>" + PERSON_TITLES + r"|" + STAFF_TITLES + r"|" + ROLE_TITLES + r")(?P<dot>\.?)[^\S\n]+"
    r"(?P<name>(?:\p{Lu}\.\s?)?(?:" + ANY_TOKEN + r"|\p{Lu}\.?(?=[\s,;:)?]|$))(?:[ -]" + NAME_TOKEN + r"){0,2})",
    re.I,
)
# Titles written after the name: South Asian "Sharma uncle", "Gupta ji", "Meena didi"; Japanese "Tanaka-san".
TITLE_AFTER = re.compile(
    r"(?<![\w@#])(?P<name>" + NAME_TOKEN + r")(?:\s+(?P<title>ji|jee|uncle|aunty|auntie|bhai|bhaiya|didi|dadi|nani|chacha|chachi|"
    r"sahab|saab|sahib|amma|akka|anna|bhabhi)|-(?P<jtitle>san|sama|chan|kun|ji))(?![\p{L}\p{M}])",
    re.I,
)
# Korean names: a surname (the common ones) and a title or honorific after it, with or without a given name
# and a space ("김 할머니", "박민서 환자분", "최씨"); particles follow without a space ("김 할머니께서").
KO_SURNAMES = "김이박최정강조윤장임한오서신권황안송전홍유고문양손배백허남심노하곽성차주우구민류나진지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용"
KO_TITLES = {
    "person": ["할머니", "할아버지", "할머님", "할아버님", "어르신", "아버님", "어머님", "아주머니", "아저씨", "아줌마", "이모", "삼촌",
               "고모", "여사님", "여사", "사장님", "사모님", "집사님", "권사님", "장로님", "목사님", "회장님", "대표님", "선생님",
               "씨", "님", "군", "양", "환자분", "환자님", "환자", "아기", "어린이"],
    "staff": ["간호사님", "간호사", "교수님", "원장님", "과장님", "주치의", "의사"],
}
KO_NAME = re.compile(
    r"(?<![\p{Hangul}\w])(?P<sur>[" + KO_SURNAMES + r"])(?P<given>\p{Hangul}{0,2}?)(?P<sp>\s?)(?P<title>"
    + "|".join(sorted((w for ws in KO_TITLES.values() for w in ws), key=len, reverse=True)) + ")"
)
# Syllables that are also words before a noun ("한 환자": a patient; "제 할머니": my grandmother; "이 환자": this
# patient): with a space after them they are no surname, unless an honorific title of a person follows ("이 사장님").
KO_DETERMINERS = {"한", "제", "전", "모", "여", "이"}
KO_PATIENT_WORDS = {"환자", "환자분", "환자님", "아기", "어린이", "씨", "님", "군", "양"}
HANGUL = re.compile(r"\p{Hangul}")


@lru_cache(maxsize=1)
def _korean_words() -> frozenset[str]:
    """Korean words at least as frequent as Zipf 4 (wordfreq's list): "오늘", "우리", "정말" are words, not a
    surname and a given name."""
    from ..lexicon import wordfreq_buckets

    return frozenset(w for bucket in wordfreq_buckets("ko")[:500] for w in bucket)


def korean_names(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, title, kind) of each Korean surname-and-title name in the text."""
    if not HANGUL.search(text):
        return []
    out = []
    for m in KO_NAME.finditer(text):
        sur, given, title = m.group("sur"), m.group("given"), m.group("title")
        if given and (sur + given) in _korean_words():
            continue  # "오늘 할머니", "우리 아기": a word before the title
        if not given and m.group("sp") and sur in KO_DETERMINERS and (sur != "이" or title in KO_PATIENT_WORDS):
            continue
        if not given and not m.group("sp") and title in ("님", "이모", "양", "군"):
            continue  # "이모" is an aunt, "고양": a word that starts with a surname
        kind = "staff" if title in KO_TITLES["staff"] else "person"
        out.append((m.start(), m.end(), title, kind))
    return out


LAST_FIRST_UPPER = re.compile(r"(?<![\w])(\p{Lu}[\p{Lu}'’-]{1,}(?:[ -]\p{Lu}[\p{Lu}'’-]+)?),\s*(\p{Lu}[\p{Lu}'’-]+|\p{Lu}\.|\p{Lu}(?![\w.]))(?![\w])")
LAST_FIRST_MIXED = re.compile(r"(?<![\w])(" + NAME_TOKEN + r"),\s*(" + NAME_TOKEN + r"|\p{Lu}\.)(?![\w])")
LIST_CONTEXT = re.compile(r"(?:\b(?:rm|room|bed|bay|hall|pt|patient)\s*\d*\p{Lu}?\s*[-–|:]\s*$|\bname\s*:?\s*$|\|\s*$)", re.I)
ROOM_THEN_NAME = re.compile(r"\b(?:rm|room|bed|bay)\s*\d{1,4}\p{Lu}?\s*[-–|:]\s*((?:\p{Lu}\.\s?)?" + NAME_TOKEN + r")(?=\s*[/|,;–-]|\s*$)", re.I)

KIN_WORD = (
    r"(?:(?:little|older|oldest|younger|youngest|big|baby|twin|late|ex-?|step|step-|grand|great[- ]grand)\s?)?"
    r"(?:son-in-law|daughter-in-law|in-law|daughters?|dtrs?|sons?|wife|husband|hus|spouse|partner|fianc[eé]e?|mom|mother|mum|mama|dad|father|papa|sisters?|sis|"
    r"brothers?|bro|grandsons?|granddaughters?|grand\s+daughters?|grandaughters?|grandma|grandpa|grandmother|grandfather|niece|"
    r"nephew|aunt|uncle|cousin|boyfriend|girlfriend|kid|child|baby|twins?|proxy|hcp|health\s+care\s+proxy|friend|neighbou?r|"
    r"significant\s+other|s/o(?!\s*:))(?![\p{Ll}\p{M}])"  # "S/O:" heads a note's subjective/objective part
)
# "his daughter Ottilie", "DAUGHTER VERONICA", "son bill", "Husband Rich Martino", "Sons Smokey, Morris and Roger"
_KIN_ONLY = re.compile(r"^" + KIN_WORD + r"$", re.I)


def is_kin_word(word: str) -> bool:
    """'son', 'dtr', 'in-law': a family word, never a name (though 'Son' is a Vietnamese given name, lowercase
    'son visited' is a son)."""
    return bool(_KIN_ONLY.match(word))


KIN_PATTERN = re.compile(
    r"\b(?:(?:his|her|their|my|your|the|pt's|pt|patient's|pts)\s+)?" + KIN_WORD + r"[^\S\n]*(?:[,:\-–]+[^\S\n]*|[^\S\n]+(?:is|named|called)[^\S\n]+)?"
    r"((?:\p{L}[\p{Ll}\p{M}'’-]+|[\p{Lu}'’-]{2,})(?:[^\S\n]+(?:\p{Lu}[\p{Ll}\p{M}'’-]+|\p{Lu}{2,}))?)",
    re.I,
)
NAME_LIST_TAIL = re.compile(r"\s*(?:,|and|&)\s*(\p{Lu}[\p{Ll}\p{M}'’-]+|\p{Lu}{2,})")
CREDENTIAL_AFTER = re.compile(r",?\s*(?:RN|MD|DO|NP|PA-C|CNA|LPN|BSN|MSN|DNP|PharmD|CRNA|APRN|FNP)\b")
# "spoke with suzette", "PER DAVID", "proxys. suzette and ank": a census first name in any case after these
WITH_NAME = re.compile(r"\b(?:spoke\s+(?:with|to)|talked\s+(?:with|to)|per|called|update[d]?|informed|met\s+with|discussed\s+with|SPOKE\s+(?:WITH|TO)|PER)\s+(\p{L}[\p{Ll}\p{M}]+|\p{Lu}{2,})\b")
ABOUT_NAME = re.compile(
    r"\b(?:thinking\s+(?:about|of)|praying\s+for|pray\s+for|prayers\s+for|remember(?:ing)?|miss(?:ing)?|hug(?:ging)?|"
    r"visit(?:ing|ed)?|about|with)\s+(\p{Lu}[\p{Ll}\p{M}]{2,})(?=[\s.,!?;:]|$)"
)
NAME_INITIAL = re.compile(r"(?<![\w'’.])(\p{Lu}[\p{Ll}\p{M}]{2,})\s+(\p{Lu})(?:\.|(?=[\s,;:)?]|$))(?!\s?\p{Lu}[\p{Ll}\p{M}])(?![\w'’])")
ACTOR = re.compile(
    r"(?<![\w'’])(\p{L}[\p{Ll}\p{M}]+|\p{Lu}{2,})\s+(?:called|calls|phoned|visited|visits|was\s+(?:updated|called|informed|in)|is\s+(?:aware|speaking|here|the\s+proxy)|"
    r"reports|reported|states|stated|came\s+in|in\s+to\s+visit|at\s+(?:the\s+)?bedside|CALLED|PHONED|VISITED|IS\s+(?:AWARE|SPEAKING)|REPORTS|STATES|IN\s+TO\s+VISIT)\b"
)
CONTACT_NAME = re.compile(r"\b(" + NAME_TOKEN + r"(?:\s+" + NAME_TOKEN + r")?)\s*[-:–]?\s*(?:(?:cell|home|work|mobile|ph|phone|tel)\s*#?\s*:?\s*)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}")
NAME_AND_KIN = re.compile(r"\b(" + NAME_TOKEN + r")\s+(?:and|&)\s+(?:her|his|their)\s+" + KIN_WORD)
FULL_NAME = re.compile(r"(?<![\w])(?<![\w]['’])(\p{Lu}[\p{Ll}\p{M}]{2,})\s+(\p{Lu}[\p{Ll}\p{M}'’-]{2,})(?![\w'’])")
_PLACE_HEADS = (r"County|Township|High|School|Street|St|Road|Rd|Avenue|Ave|Hospital|Clinic|Center|Memorial|Falls|Springs|"
                r"Creek|Hollow|Ridge|Valley|Lake|River|Bay|Park|Hills?|Heights|Junction|Mills?|Station|Church|Market")
FAMILY_NAME = re.compile(r"\b(?:the\s+)?(\p{Lu}[\p{Ll}\p{M}'’-]+|\p{Lu}{3,})\s+(?:family|FAMILY|famil(?:y|ia))\b")
CAP_WORD = re.compile(r"(?<![\w])(?<![\w]['’])\p{Lu}[\p{Ll}\p{M}]{2,}(?=['’]s\b|(?![\w'’]))")
PLACE_BEFORE = re.compile(r"\b(?:in|from|at|near|of|to|outside|around)\s+$", re.I)
UPPER_WORD = re.compile(r"(?<![\w@#])(?<![\w]['’])\p{Lu}{3,}(?=['’]S\b|(?![\w'’]))")
# "R. Bellandi", "T. MORIYAMA": an initial and a surname, the way boards and lists half-name people
INITIAL_LAST = re.compile(r"(?<![\w.])\p{Lu}\.\s?(\p{Lu}[\p{Ll}\p{M}'’-]{2,}|\p{Lu}{3,})(?![\w'’])")
HASHTAG = re.compile(r"(?<![\w#])#(\p{L}[A-Za-z0-9_]{2,60})")
HASHTAG_PREFIX = re.compile(r"^(?:PrayFor|Pray4|PrayingFor|Praying4|Prayers4|PrayersFor|Team|Welcome|Baby|Love|HugsFor|Hugs4|Go|Justice4|JusticeFor|Remembering|RIP|ForeverIn|Free)(.+)$")
HASHTAG_SUFFIX = re.compile(r"^(.+?)(?:Strong|Walks|Walk|GoesHome|Home|Fights|Fight|Warrior|Army|Tough|Journey|Way|Updates|Update|Recovery|Wins|Rocks|Forever)$")
CAMEL = re.compile(r"\p{Lu}[\p{Ll}\p{M}]+|\p{Lu}+(?![\p{Ll}\p{M}])|[\p{Ll}\p{M}]+")
INSTITUTION_WORDS = re.compile(
    r"\b(?:hospital|medical|health|healthcare|clinic|memorial|center|centre|general|regional|children's|childrens|institute|"
    r"pavilion|campus|foundation|university|college|school|church|county|city|valley|unit|team|department|dept|ward|wing|tower|"
    r"lobby|atrium|room|hall|building|bldg|suite|answers|podcast|show|episode|award|awards|fund|scholarship|lecture|library)\b",
    re.I,
)
HASHTAG_GENERIC = frozenset(
    """nicu picu icu er ed or rn nurse nurses staff team family rural kids baby babies preemie mom moms dad dads
    nurse life usa america health care pink blue back the our hospital community city county town state nation
    world earth warrior heart cancer stroke burn trauma ems fire police nation boston""".split()
)


_KIN_STOP = frozenset("""was is in to at and or of for with who which that has had have visited visit called call came
    updated update aware present here there by from on the a an as not also both were are be been will would can could may
    reports reported states stated said says spoke asked wants wanted lives lived died passed home left just now very all
    too out up about over into still again again. yesterday today tonight today. this that these those please
    daughter daughters son sons wife husband mother father sister brother proxy family friend members member""".split())


def _kin_name_ok(word: str, second: bool = False) -> bool:
    """A word after 'son', 'DAUGHTER', 'wife' is a name when it looks like one and is not a function word."""
    w = word.strip("'’.,-")
    lw = w.lower()
    if len(w) < 2 or lw in _KIN_STOP or "--" in w or not w.replace("-", "").replace("'", "").isalpha():
        return False
    if w.isupper() and not in_name_lexicon(lw):
        return False  # "HUSBAND NOTIFIED", "DAUGHTER CALLED": in capitals only the lexicon tells a name from a word
    if lw in NOT_NAMES and not (w[:1].isupper() and w[1:].islower() and is_first_name(lw)):
        return False  # "ED" is a department, "Ed" a son
    if second and not w[:1].isupper():
        return False
    if is_first_name(lw) or (is_surname(lw) and not w.islower()):
        return not is_common_word(lw, 5.6)
    if w.islower() and is_surname(lw) and is_common_word(lw, 3.0):
        return False  # "every baby born here": lowercase surname-words are words
    if w.islower() and re.search(r"(?:ed|ing|ly|s)$", w):
        return False  # "her sisters painted it": a verb, not a name
    return not is_common_word(lw, 3.4 if w.islower() else 4.0)


def looks_like_name(word: str, *, capitalized_context: bool = True, after_title: bool = False) -> bool:
    w = word.strip("'’.-")
    lw = w.lower()
    if len(w) < 2 or not w.replace("-", "").replace("'", "").replace("’", "").isalpha() or lw in NOT_NAMES:
        return False
    if not capitalized_context and after_title:
        # "mr nicholson", "mrs. powers": after a title a surname is expected, even a word-like one
        return is_name_word(lw, 5.2) or not is_common_word(lw, 3.2)
    if not capitalized_context:
        # lowercase: "yusuf", "ottilie" yes; "fall", "will", "grace" (surnames or names, but words) no
        return (is_first_name(lw) and not is_common_word(lw, 4.5)) or not is_common_word(lw, 3.2)
    if is_first_name(lw) or is_surname(lw):
        return not is_common_word(lw, 5.2)  # "will", "long", "young" are surnames but first words
    return not is_common_word(lw, 4.0)


class NameDetector:
    name = "names"
    entities = ("PERSON", "HASHTAG")
    needs_nlp = True

    def detect(self, a: Analysis) -> list[Span]:
        t = a.text
        out: list[Span] = []

        def add(sp: Span) -> None:
            for i, o in enumerate(out):
                if o.overlaps(sp) and o.entity == sp.entity:
                    if (sp.end - sp.start) > (o.end - o.start) and sp.score >= o.score - 0.1:
                        out[i] = sp
                    return
            out.append(sp)

        # 1. Titles: "Mr. Peterson", "mr abiodun", "Miss Perpetua", "Capt. Sten Hovland", "Dr. Reyes" (staff: marked).
        for m in _overlapping(TITLE_PATTERN, t):
            title = m.group("title")
            name = m.group("name")
            words = name.split()
            # keep only the leading name-like words
            keep = []
            for i, w in enumerate(words):
                cap = w[:1].isupper()
                if i > 0 and not cap:
                    break
                if not (re.fullmatch(r"\p{Lu}\.?", w) or looks_like_name(w, capitalized_context=cap, after_title=True) or (cap and not is_common_word(w, 4.8))):
                    break
                keep.append(w)
            if not keep:
                continue
            if m.group("dot") and title.lower() not in ABBREVIATED_TITLES:
                continue  # "very little. Pt": a sentence ends there
            if len(title) > 1 and title.isupper() and title.lower() not in CAPITAL_TITLES and not _capital_name(keep[0]):
                continue  # "MS waxing", "LT BKA", "LITTLE OOZING": capitals written as notes write them, no name
            if not title[:1].isupper() and not keep[0][:1].isupper() and title.lower() not in PLAIN_TITLES:
                continue  # "big deal", "little guy": lowercase kinship words need a capital name
            if title.lower() in ("big", "little", "lil", "sister", "brother", "father", "mother", "baby", "don") and not keep[0][:1].isupper():
                continue
            end = m.start("name") + len(" ".join(keep))
            tl = title.lower().rstrip(".")
            kind = "staff" if re.fullmatch(STAFF_TITLES, title, re.I) else "role" if re.fullmatch(ROLE_TITLES, title, re.I) else "person"
            include_title = kind != "staff"
            start = m.start() if include_title else m.start("name")
            add(span("PERSON", (start, end), t, 0.85, self.name, f"name after the title '{title}'", title=tl, title_kind=kind))

        # 1a. Titles after the name ("Sharma uncle", "Tanaka-san") and Korean surnames with a title ("김 할머니").
        for m in TITLE_AFTER.finditer(t):
            w, title = m.group("name"), (m.group("title") or m.group("jtitle"))
            if (is_surname(w) or is_first_name(w)) and not is_common_word(w, 4.0) and w.lower() not in NOT_NAMES:
                add(span("PERSON", m, t, 0.8, self.name, f"name before the title '{title}'", title=title.lower(), title_kind="person"))
        for s0, e0, title, kind in korean_names(t):
            add(span("PERSON", (s0, e0), t, 0.8, self.name, f"Korean surname and the title '{title}'", title=title, title_kind=kind))

        # 2. Care context: "my pt yusuf", "our patient Ottilie".
        for m in PATIENT_PATTERN.finditer(t):
            words = m.group(1).split()
            first = words[0]
            if not looks_like_name(first, capitalized_context=first[:1].isupper()):
                continue
            n = 2 if len(words) > 1 and looks_like_name(words[1]) else 1
            s = m.start(1)
            e = s + len(" ".join(words[:n]))
            add(span("PERSON", (s, e), t, 0.85, self.name, "name after a patient word (pt, patient, kiddo)", pattern="patient"))

        for m in PATIENT_PATTERN_UPPER.finditer(t):
            w = m.group(1)
            if is_first_name(w) and w.lower() not in NOT_NAMES and not is_common_word(w, 5.0):  # not "PATIENT WILL"
                add(span("PERSON", m, t, 0.8, self.name, "upper-case first name after a patient word", group=1, pattern="patient"))

        # 3. "SZYMANSKA, HALINA" on boards and wristbands; "Nwosu, C." after a room or 'name'.
        for m in LAST_FIRST_UPPER.finditer(t):
            last, first = m.group(1), m.group(2)
            if last.lower() in NOT_NAMES or (len(first) > 2 and first.lower() in NOT_NAMES):
                continue
            lw0, fw = last.split()[0], first.rstrip(".")
            if len(fw) > 1 and not (is_surname(lw0) or is_first_name(fw)):
                continue  # "MVR, LVEF", "LYTES, PULM": shorthand; a board's full name has a part some lexicon knows
            if len(fw) == 1 and not (is_surname(lw0) or (len(lw0) >= 3 and re.search(r"[AEIOUY]", lw0))):
                continue  # "VARDELL, M" is a board's name; "MVR, S" is shorthand
            if any(not is_surname(w) and is_common_word(w, 2.5) for w in last.replace("-", " ").split()) or (
                    len(fw) > 1 and not is_first_name(fw) and is_common_word(fw, 2.5)):
                continue  # "RESTLESS, SOMEWHAT", "HICKMAN CATHETER, HEPARIN": words, not a name
            if is_common_word(lw0, 4.0) or (len(fw) > 1 and is_common_word(fw, 4.0) and not is_first_name(fw)):
                continue
            add(span("PERSON", m, t, 0.85, self.name, "'LAST, FIRST' name as on a chart, board or wristband", pattern="last_first"))
        for m in LAST_FIRST_MIXED.finditer(t):
            if LIST_CONTEXT.search(t[max(0, m.start() - 20): m.start()]) and looks_like_name(m.group(1)):
                add(span("PERSON", m, t, 0.8, self.name, "'Last, First' name in a list of patients", pattern="last_first"))
        for m in ROOM_THEN_NAME.finditer(t):
            if looks_like_name(m.group(1).split()[-1]):
                add(span("PERSON", m, t, 0.75, self.name, "name after a room on a board", group=1, pattern="board"))

        # 4. spaCy NER.
        if a.doc is not None:
            for ent in a.doc.ents:
                if ent.label_ != "PERSON":
                    continue
                s, e = ent.start_char, ent.end_char
                while s < e and not t[s].isalpha():
                    s += 1
                seg = t[s:e]
                lead = LEAD_STRIP.match(seg)
                if lead:
                    s += lead.end()
                seg = t[s:e]
                if "#" in seg or "@" in seg or not seg.strip() or (s > 0 and t[s - 1] in "#@_"):
                    continue
                words = [w for w in re.split(r"\s+", seg) if w]
                if not words or any(ch.isdigit() for ch in seg):
                    continue
                if all(w.lower().strip("'’s.") in NOT_NAMES for w in words):
                    continue
                if len(words) == 1 and not looks_like_name(words[0], capitalized_context=words[0][:1].isupper()):
                    continue
                if len(words) == 1 and not (is_first_name(words[0]) or is_surname(words[0])) and is_common_word(words[0].strip("'’"), 3.0):
                    continue  # "Whiteboard": a capitalised word the model guessed at
                if len(words) > 1 and all(is_common_word(w.strip("'’.,"), 4.6) and not is_first_name(w) for w in words):
                    continue
                if not any(w[:1].isupper() for w in words):
                    continue
                if any(is_drug_like(w) or w.lower().strip("'’.,") in NOT_NAMES for w in words):
                    continue
                if seg.isupper() and not all(is_name_word(w, 4.0) for w in words):
                    continue  # all-caps notes: spaCy's model guesses wildly there
                if INSTITUTION_WORDS.search(seg) or INSTITUTION_WORDS.match(t[e:e + 20].lstrip()):
                    continue
                add(span("PERSON", (s, e), t, 0.7, self.name, "person name (spaCy NER)", pattern="ner"))

        # 4a. "Jane R.", "John D": a first name and an initial, the way patients are often half-named
        for m in NAME_INITIAL.finditer(t):
            if is_first_name(m.group(1)) and not is_common_word(m.group(1), 4.8) and m.group(1).lower() not in NOT_NAMES:
                add(span("PERSON", m, t, 0.75, self.name, "first name and initial", pattern="first_name"))

        # 4b. Relatives and first names the small model misses: "his daughter Ottilie", "Kiran and Meera",
        # a capitalised census first name inside a sentence.
        for m in _overlapping(KIN_PATTERN, t):
            words = m.group(1).split()
            first = words[0]
            if not _kin_name_ok(first):
                continue
            e = m.start(1) + (len(m.group(1)) if len(words) > 1 and _kin_name_ok(words[1], second=True) else len(first))
            add(span("PERSON", (m.start(1), e), t, 0.8, self.name, "name after a family word (daughter, wife, son)", pattern="relative", relative=True))
            pos = e
            while True:  # "Sons Smokey, Morris and Roger"
                mm = NAME_LIST_TAIL.match(t, pos)
                if not mm or not _kin_name_ok(mm.group(1)):
                    break
                add(span("PERSON", mm, t, 0.75, self.name, "name in a list after a family word", group=1, pattern="relative", relative=True))
                pos = mm.end()
        for m in ABOUT_NAME.finditer(t):  # "Still thinking about Losana."
            w = m.group(1)
            if zipf(w) < 2.5 and w.lower() not in NOT_NAMES and not is_drug_like(w) and not is_big_place(w):
                add(span("PERSON", m, t, 0.55, self.name, "rare capitalised word after 'thinking about', 'praying for'", group=1, pattern="first_name"))
        for m in WITH_NAME.finditer(t):
            w = m.group(1)
            if (is_first_name(w) and not is_common_word(w, 5.2) and w.lower() not in NOT_NAMES and w.lower() not in _KIN_STOP
                    and not (w.isupper() and len(w) <= 3) and not _two_letter_abbreviation(w)):  # "per HO", "with MD", "per ho"
                add(span("PERSON", m, t, 0.6, self.name, "first name after 'spoke with', 'per'", group=1, pattern="relative"))
        for m in ACTOR.finditer(t):  # "bill called", "DAVID IS SPEAKING", "Emily reports"
            w = m.group(1)
            if _two_letter_abbreviation(w):
                continue  # "HO called", "ho aware"
            if is_first_name(w) and not is_common_word(w, 5.6) and w.lower() not in NOT_NAMES and not is_kin_word(w) and not any(o.overlaps(span("PERSON", m, t, 0, "", "", group=1)) for o in out):
                s0 = a.sentence(m.start(1))[0]
                if w.islower() or t[s0:m.start(1)].strip() or not is_common_word(w, 5.2 if w.isupper() else 4.5):
                    add(span("PERSON", m, t, 0.65, self.name, "first name doing something (called, visited, reports)", group=1, pattern="relative"))
        for m in CONTACT_NAME.finditer(t):  # "Lopie Certusi cell# 410-322-1419"
            if all(looks_like_name(w) for w in m.group(1).split()):
                add(span("PERSON", m, t, 0.7, self.name, "name given with a phone number", group=1, pattern="relative"))
        for m in NAME_AND_KIN.finditer(t):  # "Chidinma and her brothers"
            if looks_like_name(m.group(1)):
                add(span("PERSON", m, t, 0.75, self.name, "name beside a family word ('and her brothers')", group=1, pattern="relative", relative=True))
        for m in FULL_NAME.finditer(t):  # "Zuri Haskett": a rare first word and a census surname
            first, last = m.group(1), m.group(2)
            if any(o.start <= m.start() < o.end for o in out):
                continue
            rare_first = is_first_name(first) and not is_common_word(first, 2.5)
            if not is_surname(last) or is_common_word(last, 5.0 if rare_first else 4.0) or is_common_word(first, 3.0) or first.lower() in NOT_NAMES:
                continue
            if re.search(r"\b(?:in|from|at|near|of|to|on)\s+$", t[max(0, m.start() - 6): m.start()], re.I):
                continue
            if re.match(r"\s+(?:" + _PLACE_HEADS + r")\b", t[m.end(): m.end() + 20]):
                continue
            add(span("PERSON", m, t, 0.65, self.name, "first and last name (census surname)", pattern="first_name"))
        for m in FAMILY_NAME.finditer(t):
            w = m.group(1)
            if looks_like_name(w) and (is_surname(w) or not is_common_word(w, 3.5)):
                add(span("PERSON", m, t, 0.75, self.name, "family name ('the Abiodun family')", pattern="relative", relative=True))
        for m in INITIAL_LAST.finditer(t):
            w = m.group(1)
            if any(o.overlaps(span("PERSON", m, t, 0, "", "")) for o in out) or w.lower() in NOT_NAMES:
                continue
            if is_drug_like(w):
                continue
            # an upper-case word after an initial is a surname only when the lexicon says so ("R. FEMORAL" is not)
            if is_surname(w) and not is_common_word(w, 4.5) or (not w.isupper() and not is_common_word(w, 2.5)):
                add(span("PERSON", m, t, 0.6, self.name, "an initial and a surname", pattern="initial_last"))
        for m in UPPER_WORD.finditer(t):  # "DESMOND GOT THE CALL", "SOLBERG" on a label
            w = m.group(0)
            if any(o.start <= m.start() < o.end for o in out) or w.lower() in NOT_NAMES or is_drug_like(w):
                continue
            if len(w) < 4:
                continue  # "PAP", "LUL", "HO": upper-case shorthand far more often than names
            # in upper-case writing every word is upper case: there only a first name counts ("PATIENT DESMOND"),
            # a surname-only word ("FICK") is as likely a term
            s0, e0 = a.sentence(m.start())
            shouting = sum(ch.isupper() for ch in t[s0:e0]) > 0.6 * max(1, sum(ch.isalpha() for ch in t[s0:e0]))
            if (is_first_name(w) or (is_surname(w) and not shouting)) and not is_common_word(w, 3.6):
                add(span("PERSON", m, t, 0.5, self.name, "an upper-case first name or surname", pattern="lexicon"))
        for m in CAP_WORD.finditer(t):
            w = m.group(0)
            if any(o.start <= m.start() < o.end for o in out) or (m.start() > 0 and t[m.start() - 1] in "#@_/"):
                continue
            first = is_first_name(w)
            if w.lower() in NOT_NAMES or not (first and not is_common_word(w, 4.6) or is_surname(w) and not is_common_word(w, 3.0)):
                continue
            s0 = a.sentence(m.start())[0]
            if t[s0:m.start()].strip() == "" and is_common_word(w, 3.8):
                continue  # sentence-initial common word ("Will", "Grant")
            if first:
                add(span("PERSON", m, t, 0.6, self.name, "capitalised first name", pattern="first_name"))
            elif not (is_big_place(w) or is_drug_like(w) or PLACE_BEFORE.search(t[max(0, m.start() - 8): m.start()])):
                add(span("PERSON", m, t, 0.45, self.name, "capitalised surname", pattern="lexicon"))

        out = join_adjacent_names(out, t)

        # 5. Hashtags built on a name: #PrayForLiam, #NiaStrong, #TeamNia, #WelcomeNia.
        for m in HASHTAG.finditer(t):
            tag = m.group(1)
            core = None
            for rx in (HASHTAG_PREFIX, HASHTAG_SUFFIX):
                mm = rx.match(tag)
                if mm and mm.group(1):
                    core = mm.group(1)
                    break
            if core is None:
                continue
            parts = CAMEL.findall(core)
            if not parts or any(p.isupper() and len(p) > 1 for p in parts):
                continue  # acronyms: #NICUStrong
            if parts[0].lower() in HASHTAG_GENERIC or all(p.lower() in HASHTAG_GENERIC or is_common_word(p, 4.4) for p in parts):
                continue
            prefixed = rx is HASHTAG_PREFIX
            name_parts = [p for p in parts if looks_like_name(p) or p.lower() in ("pastor", "baby", "grandpa", "grandma", "mr", "mrs", "miss")]
            if not name_parts and not (prefixed and not is_common_word(parts[0], 4.4)):
                continue
            if _part_of_org(t, parts):
                continue
            add(span("HASHTAG", m, t, 0.8, self.name, "hashtag built on a person's name", name=" ".join(parts)))

        # 6. The same name elsewhere in the post ("#TeamNia" ... "nia never missed").
        known = {}
        for sp in out:
            if sp.entity == "PERSON" and sp.attr("pattern") not in ("patient", "relative", "last_first", "board") and sp.attr("title_kind") != "person":
                continue  # only names found with strong evidence are looked for again
            nm = sp.attr("name") if sp.entity == "HASHTAG" else sp.text
            for w in re.findall(r"[A-Za-zÀ-ÿ'’-]{3,}", nm or ""):
                lw = w.lower()
                if lw not in NOT_NAMES and not is_common_word(lw, 4.0) and lw not in ("pastor", "baby", "grandpa", "grandma"):
                    known[lw] = sp
        for lw in known:
            for m in re.finditer(r"(?<![\w#@])" + re.escape(lw) + r"(?![\w])", t, re.I):
                if any(o.start <= m.start() < o.end for o in out):
                    continue
                add(span("PERSON", m, t, 0.7, self.name, "same name as found elsewhere in the post", pattern="repeat"))
        # 7. Staff: a name with a credential after it ("Beatrix Oyelaran, RN") or a staff title before it marks
        # that person, and the same person's short name ("Bea") elsewhere in the post, as a colleague.
        staff_tokens: set[str] = set()
        for sp in out:
            if sp.entity == "PERSON" and (sp.attr("title_kind") == "staff" or CREDENTIAL_AFTER.match(t[sp.end:sp.end + 16])):
                staff_tokens.update(w.lower() for w in re.findall(r"\p{L}{3,}", sp.text))
        if staff_tokens:
            marked = []
            for sp in out:
                words = [w.lower() for w in re.findall(r"\p{L}{3,}", sp.text)]
                if sp.entity == "PERSON" and words and any(any(s.startswith(w) for s in staff_tokens) for w in words):
                    sp = Span(sp.entity, sp.start, sp.end, sp.text, sp.score, sp.detector, sp.explanation, tuple(sorted(dict(sp.attrs, staff=True).items())))
                marked.append(sp)
            out = marked

        # eponyms ("Marfan syndrome", "Chaddock reflex") and big cities are not people
        out = [s for s in out if s.entity != "PERSON" or not (EPONYM_HEAD.match(t[s.end:s.end + 40]) or is_big_place(s.text))]
        # a text laid out under headings ("Resp:", "ENDO:", "Misc:" starting three lines or more, as notes are): a single
        # word heading a line is one of them, no person, unless it is a first name (a transcript's "Mateo: ...")
        headings = {m.span("word") for m in HEADING.finditer(t)}
        if len(headings) >= 3:
            out = [s for s in out if s.entity != "PERSON" or (s.start, s.end) not in headings or is_first_name(s.text)]
        return sorted(out, key=lambda s: s.start)


HEADING = re.compile(r"^[^\S\n]*(?P<word>\p{L}[\p{L}/&-]{1,15})[^\S\n]*:", re.M)


def _capital_name(word: str) -> bool:
    """A word after a title written in capitals that is a name: "Tran", "TRAN" (the lexicon knows it), "S." """
    w = word.strip("'’.-")
    return w.istitle() or (w.isupper() and in_name_lexicon(w)) or bool(re.fullmatch(r"\p{Lu}\.", word))


def _two_letter_abbreviation(word: str) -> bool:
    """A two-letter word in capitals or lowercase ("HO", "ho": the house officer); a two-letter name is written "Jo"."""
    return len(word) <= 2 and not word.istitle()


def join_adjacent_names(spans: list[Span], text: str) -> list[Span]:
    """A first name and a surname the lexicons found word by word are one name ("Folake" + "Adeyemi"), as
    the NER or the full-name pattern would give it: one candidate, one finding."""
    out: list[Span] = []
    for sp in sorted(spans, key=lambda s: s.start):
        prev = out[-1] if out else None
        if (prev is not None and prev.entity == sp.entity == "PERSON" and text[prev.end:sp.start] == " "
                and prev.attr("pattern") in ("first_name", "lexicon") and sp.attr("pattern") in ("first_name", "lexicon")):
            out[-1] = Span("PERSON", prev.start, sp.end, text[prev.start:sp.end], max(prev.score, sp.score), prev.detector,
                           prev.explanation, prev.attrs)
            continue
        out.append(sp)
    return out


def _overlapping(rx: re.Pattern, text: str):
    """Every match, including one that starts inside a rejected earlier one ("lil party for miss ottilie")."""
    pos = 0
    while True:
        m = rx.search(text, pos)
        if not m:
            return
        yield m
        pos = m.start() + 1


def _part_of_org(text: str, parts: list[str]) -> bool:
    """#TeamGrace next to 'Grace Memorial': the hashtag names the hospital, not a person."""
    for p in parts:
        for m in re.finditer(r"\b" + re.escape(p) + r"\s+(\w+)", text):
            if INSTITUTION_WORDS.fullmatch(m.group(1)) or m.group(1).lower() in ("memorial", "medical", "health", "hospital", "general"):
                return True
    return False
