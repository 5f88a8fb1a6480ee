"""Word knowledge shared by detectors: first names and surnames, and how common an English word is."""
from __future__ import annotations

import os
import re
from functools import lru_cache


@lru_cache(maxsize=1)
def _names() -> tuple[frozenset[str], frozenset[str]]:
    """First names and surnames (lowercased): the US Census lists of the `names` package, and the lexicon of many
    cultures shipped in data/names."""
    firsts: set[str] = set()
    lasts: set[str] = set()
    try:
        import names as _pkg

        base = os.path.dirname(_pkg.__file__)
        for fn, target, limit in (("dist.male.first", firsts, None), ("dist.female.first", firsts, None), ("dist.all.last", lasts, 30000)):
            with open(os.path.join(base, fn), encoding="ascii", errors="ignore") as fh:
                for i, line in enumerate(fh):
                    if limit and i >= limit:
                        break
                    w = line.split(" ", 1)[0].strip().lower()
                    if w:
                        target.add(w)
    except (ImportError, OSError):
        pass
    # names of many cultures from public name statistics (src/phiscan/data/names/README.md), with diacritics
    # and their ASCII-folded forms
    here = os.path.join(os.path.dirname(__file__), "data", "names")
    for fn, target in (("first.txt", firsts), ("last.txt", lasts)):
        try:
            with open(os.path.join(here, fn), encoding="utf-8") as fh:
                target.update(line.strip() for line in fh if line.strip())
        except OSError:
            pass
    return frozenset(firsts), frozenset(lasts)


def _key(word: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", word.lower().replace("’", "'"))


def _folded(word: str) -> str:
    """'Luíza' -> 'luiza', 'Wróbel' -> 'wrobel': names are often written with or without their marks."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFD", _key(word)) if not unicodedata.combining(c))


def is_first_name(word: str) -> bool:
    names = _names()[0]
    return _key(word) in names or _folded(word) in names


def is_surname(word: str) -> bool:
    names = _names()[1]
    return _key(word) in names or _folded(word) in names


def wordfreq_buckets(code: str) -> list[list[str]]:
    """wordfreq's small word list of a language read straight from its data file (about 10 ms, against 0.5 s
    for importing wordfreq's API, which pulls in tokenizers for every language): bucket i holds the words of
    frequency 10^(-i/100), most frequent first. Empty when the list or its format is not there."""
    try:
        import gzip
        import importlib.util

        import msgpack

        spec = importlib.util.find_spec("wordfreq")
        if spec is None or not spec.submodule_search_locations:
            return []
        path = os.path.join(list(spec.submodule_search_locations)[0], "data", f"small_{code}.msgpack.gz")
        with gzip.open(path) as fh:
            data = msgpack.load(fh, raw=False)
    except (ImportError, OSError, ValueError):
        return []
    if not (isinstance(data, list) and data and data[0] == {"format": "cB", "version": 1}):
        return []
    return data[1:]


@lru_cache(maxsize=1)
def _english_frequencies() -> dict[str, float]:
    """Zipf frequency of every word of wordfreq's small English list. Falls back to the API if the format moves."""
    freqs: dict[str, float] = {}
    for i, bucket in enumerate(wordfreq_buckets("en")):
        for w in bucket:
            freqs.setdefault(w, 9.0 - i / 100.0)
    return freqs


def zipf(word: str) -> float:
    """Zipf frequency of an English word (0 = rare or unknown, 7 = 'the'); offline, from wordfreq's data.
    A dictionary lookup, not cached: a cache of every word seen would only grow over a long scan."""
    freqs = _english_frequencies()
    if freqs:
        return freqs.get(word.lower(), 0.0)
    return _zipf_wordfreq(word)


@lru_cache(maxsize=20_000)
def _zipf_wordfreq(word: str) -> float:
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # pragma: no cover
        return 0.0
    return zipf_frequency(word, "en")


def is_common_word(word: str, threshold: float = 4.2) -> bool:
    return zipf(word.lower()) >= threshold


# Words that spaCy's small model often tags as PERSON in social and clinical text but that are not names.
NOT_NAMES = frozenset(
    """
    er ed icu nicu picu cvicu micu sicu or pacu ob gyn l&d rn lpn cna md np pa pt ot rt slp emt ems dr mr mrs ms
    covid covid-19 god jesus lord lol omg lmao smh tbh rip bff pov fyp ig tiktok insta psalm amen bestie sis bro
    fam mama papa mom dad babe baby grandma grandpa nana papa auntie uncle sir maam ma'am y'all yall hun girl boy
    dnr npo prn stat chf copd dka cabg tavr ecmo iv mri ct cpr aed bls acls nrp pals k+ bp hr lab labs dx hx tx rx
    team unit floor shift night day nurse nurses doc doctor patient patients pt pts chief captain coach
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december today tonight tomorrow yesterday happy merry christmas thanksgiving easter
    bsn msn dnp ccrn cen cpn rnc faan facs facp mba mph phd mha fnp aprn lcsw rd ibclc cnm crna np-c pa-c
    cont continue continued neo levo dopa abd resp card cardiac neuro gi gu cv id skin social dispo plan assessment pmh
    hpi ros labs meds vs vss npo prn bid tid qid qd qhs po sq im sl pr ng ogt ngt peg ett cvp art aline picc ij sc rij
    lij abg cbc bmp cmp inr ptt hct hgb wbc plt bun cr mg ca phos na cl co2 gluc fs fsbs bs cxr ekg ecg echo tte tee
    ct cta mri mra us eeg emg lp bm uop ivf tf tpn npn ccu csru sicu micu nsicu ew pacu ir vent cpap bipap hfnc
    nc nrb fio2 peep psv simv sats spo2 rr hr bp map sbp dbp afeb afebrile tmax wnl nad nkda hx dx tx rx sx fx
    s/p c/o r/o d/c f/u o2 iabp crrt cvvh hd lasix levophed neosynephrine propofol fentanyl versed ativan foley
    """.split()
)


# A person's name followed by one of these is an eponym (Marfan syndrome, Chaddock reflex, Gleason score).
EPONYM_HEAD = re.compile(
    r"^(?:['’]s)?[\s-]+(?:syndrome|disease|disorder|reflex|sign|score|scale|criteria|criterion|test|maneuver|manoeuvre|"
    r"classification|staging|stage|esophagus|palsy|phenomenon|procedure|operation|repair|fracture|lymphoma|sarcoma|tumou?r|"
    r"ulcer|cyst|node|nodes|law|rule|equation|formula|index|method|technique|protocol|catheter|tube|body|bodies|"
    r"triad|murmur|disease's|contracture|deformity|anomaly|effect|position|block|reaction|virus|infection|cardiomyopathy|"
    r"thyroiditis|encephalopathy|neuralgia|ataxia|dystrophy|chorea|sclerosis|arteritis|phenomenon|risk)\b",
    re.I,
)

# Large US cities: a city of hundreds of thousands is not a small place that points at one person.
BIG_PLACES = frozenset(
    """new york, los angeles, chicago, houston, phoenix, philadelphia, san antonio, san diego, dallas, san jose, austin,
    jacksonville, fort worth, columbus, charlotte, san francisco, indianapolis, seattle, denver, washington, boston,
    el paso, nashville, detroit, oklahoma city, portland, las vegas, memphis, louisville, baltimore, milwaukee,
    albuquerque, tucson, fresno, mesa, sacramento, atlanta, kansas city, colorado springs, omaha, raleigh, miami,
    long beach, virginia beach, oakland, minneapolis, tulsa, tampa, arlington, new orleans, wichita, cleveland,
    bakersfield, aurora, anaheim, honolulu, santa ana, riverside, corpus christi, lexington, stockton, henderson,
    saint paul, st. paul, st. louis, saint louis, cincinnati, pittsburgh, greensboro, anchorage, plano, lincoln, orlando,
    irvine, newark, toledo, durham, chula vista, fort wayne, jersey city, st. petersburg, laredo, madison, chandler,
    buffalo, lubbock, scottsdale, reno, glendale, gilbert, winston-salem, north las vegas, norfolk, chesapeake, garland,
    irving, hialeah, fremont, boise, richmond, baton rouge, spokane, des moines, tacoma, san bernardino, modesto,
    fontana, santa clarita, birmingham, oxnard, fayetteville, moreno valley, rochester, salt lake city, hartford,
    providence, albany, little rock, jackson, columbia, charleston, nyc, la, sf, dc, bay area, silicon valley, brooklyn,
    manhattan, queens, the bronx, staten island, houston metro, denver metro, chicago area, new york city, boston area,
    london, paris, toronto, tokyo, mexico city, montreal, vancouver, sydney, berlin, madrid, rome, dublin""".replace("\n", " ").split(", ")
)



def in_name_lexicon(word: str) -> bool:
    """A first name or a surname of the lexicon, however common a word it also is ("David", "Helen", "Will")."""
    return is_first_name(word) or is_surname(word)


def is_name_word(word: str, common: float = 4.2) -> bool:
    """A first name or surname of the lexicon that is not also a common word at this frequency ("Ezekiel", not
    "Hope" or "Will")."""
    return in_name_lexicon(word) and not is_common_word(word, common)

def is_big_place(text: str) -> bool:
    t = re.sub(r"\s+", " ", text.strip().lower())
    t = re.sub(r"^(?:the\s+)|(?:\s+(?:metro|area|region|metro area|city))+$", "", t)
    return t in {p.strip() for p in BIG_PLACES}


# Drug-name endings: capitalised drug names in notes are neither people nor places.
DRUG_LIKE = re.compile(
    r"(?:mine|fol|pril|olol|azole|mycin|cillin|statin|sartan|xaban|parin|zepam|azepam|oxacin|tidine|prazole|phrine|pressor|"
    r"onix|asix|afil|tropin|sone|lone|dronate|formin|gliptin|glitazone|pine|dipine|triptan|umab|imab|inib|vir|cycline)$",
    re.I,
)


def is_drug_like(word: str) -> bool:
    w = word.strip("'’.,")
    return len(w) >= 6 and bool(DRUG_LIKE.search(w)) and not in_name_lexicon(w)
