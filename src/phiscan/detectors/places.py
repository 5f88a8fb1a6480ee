"""Places below state level: street addresses, roads, towns, counties, named schools and workplaces."""
from __future__ import annotations

import re

from ..lexicon import is_drug_like, EPONYM_HEAD, NOT_NAMES, is_big_place, is_common_word
from ..model import Span
from ..nlp import Analysis
from .base import add_longest, span

CAP = r"[A-Z][a-zà-öø-ÿ'’]+(?:-[A-Z][a-zà-öø-ÿ'’]+)?"
PLACE_SEQ = CAP + r"(?:\s+(?:" + CAP + r"|de|del|la))*"
STREET_SUFFIX = r"(?:St|Street|Rd|Road|Ave|Avenue|Blvd|Boulevard|Dr|Drive|Ln|Lane|Way|Ct|Court|Pl|Place|Pkwy|Parkway|Run|Hwy|Highway|Trail|Trl|Ter|Terrace|Cir|Circle|Pike|Loop|Row|Sq|Square)\.?"
STREET = re.compile(r"\b(?:\d{1,6}\s+)?(?:" + CAP + r"\s+){1,3}" + STREET_SUFFIX + r"(?![\w])")
ROAD = re.compile(r"\b(?:Route|Rte|Hwy|Highway|Interstate|I-|US|State\s+Route|County\s+Road|CR|SR|Exit)\s?-?\d{1,4}[A-Z]?\b(?:\s+(?:truck stop|exit|overpass|bridge))?")
# Named workplaces, schools, churches and facilities: "Brackenridge High", "Tamsin Middle School", "Greaves Gravel".
VENUE = re.compile(
    r"\b(?:" + CAP + r"\s+){1,3}(?:High(?:\s+School)?|Middle\s+School|Elementary(?:\s+School)?|Academy|Prep|Assisted\s+Living|Nursing\s+Home|"
    r"Senior\s+Living|Care\s+Center|Manor|Village|Hardware|Market|Grocery|Bakery|Diner|Cafe|Café|Concrete|Electric|Construction|Lumber|"
    r"Plumbing|Motors|Farms?|Dairy|Co-?op|Mill|Mills|Plant|Factory|Tabernacle|Fellowship|Church|Chapel|Temple|Mosque|Synagogue|"
    r"Elevator|Quarry|Mine|Bar|Tavern|Pub|Saloon|Ballroom|Motel|Inn|Bridge|Park|Lake|Creek|River|Ranch|Police|Fire\s+Department|"
    r"Amphitheater|Amphitheatre|Arena|Stadium|Fairgrounds?|Gym|Fitness|Club|Marina|Rink|Speedway|Raceway|Campground|Resort|"
    r"Casino|Mall|Plaza|Salon|Barbershop|Studio|Pool|Field|Trailhead)\b(?:\s+(?:parking\s+)?lot\b)?"
    # a place its kind word opens: "Camp Winnesaw", "Fort Alder"
    r"|\b(?:Camp|Fort)\s+" + CAP + r"(?:\s+" + CAP + r")?"
)
COUNTY = re.compile(r"\b(?:" + CAP + r"\s+){1,2}(?:County|Parish|Township|Borough)\b")
PREP_PLACE = re.compile(r"(?:\b(?:from|in|near|outside(?:\s+of)?|out\s+past|at|around)|,\s+of)\s+(" + PLACE_SEQ + r")(?=[\s,.!?;:)'’]|$)")
ZIP_STATE = re.compile(r"\b[A-Z]{2}\s+\d{5}\b")

INSTITUTION = re.compile(
    r"\b(?:Hospital|Medical|Health|Healthcare|Clinic|Memorial|Center|Centre|General|Regional|Children'?s|Institute|Pavilion|"
    r"Campus|Foundation|University|College|Atrium|Building|Bldg|Lobby|Tower|Wing|Unit|Annex|Cafeteria|Library|Auditorium|Hall)\b"
)
LOCATIVE_BEFORE = re.compile(r"\b(?:on|at|off|of|from|near|to|onto|along|down|up|past|in|by)\s+$", re.I)
TITLE_AFTER = re.compile(r"\.?\s+[A-Z][a-z]")  # "Dr. Ansel", "St Jude": a title or saint before a name


def _title_not_street(m: "re.Match[str]", text: str) -> bool:
    """'Welcome Dr. Ansel Ruvuma', 'Thanks St. Jude': an abbreviation that ends a would-be street name but
    begins a name. Without a house number the words are not a street; '45 Maple Dr. Springfield' still is."""
    g = m.group(0)
    if g[:1].isdigit() or LOCATIVE_BEFORE.search(text, 0, m.start()):
        return False
    last = g.rstrip(".").rsplit(None, 1)[-1]
    return last in ("Dr", "St") and TITLE_AFTER.match(text, m.end() - (1 if g.endswith(".") else 0)) is not None


NOT_PLACES = frozenset(
    """the a an our my his her their this that we i you he she they it me us er ed icu nicu picu or l&d ob
    january february march april may june july august september october november december monday tuesday wednesday
    thursday friday saturday sunday today tonight tomorrow yesterday christmas thanksgiving easter god jesus
    covid dr mr mrs ms miss america usa us english spanish facebook instagram tiktok twitter youtube linkedin
    god heaven room bed bay rm hall pt patient north south east west northeast northwest southeast southwest
    africa antarctica asia europe australia canada mexico china india japan france germany italy spain england
    alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho illinois
    indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi missouri
    montana nebraska nevada hampshire jersey york carolina dakota ohio oklahoma oregon pennsylvania rhode tennessee
    texas utah vermont virginia washington wisconsin wyoming midwest""".split()
)


FACILITY_WORD = (
    r"(?:Hospital|Hosp\.?|Clinic|Medical\s+Center|Med\.?\s+Center|Medical\s+Centre|Health\s+Center|Health\s+System|Health|"
    r"Healthcare|Infirmary|Hospice|Medical\s+Group|Urgent\s+Care|Memorial|Children'?s|Regional|General|VA|Langone|Sinai|"
    r"Presbyterian|Rehab(?:ilitation)?\s+Center|Cancer\s+Center|Surgical\s+Center|Surgery\s+Center|Nursing\s+Home|Care\s+Center|"
    r"Heart\s+Center|Senior\s+Center|Gen|Med|Israel|Hopkins|Scott\s+&\s+White)"
)
FACILITY = re.compile(
    r"\b(?:(?:St\.?|Saint|Mount|Mt\.?)\s+)?(?:(?:[A-Z][\w'’.-]+|of|the)\s+){0,4}?(?:[A-Z][\w'’.-]+\s+)" + FACILITY_WORD
    + r"(?:\s+(?:Hospital|Center|Health|Clinic|Los\s+Angeles|New\s+York|of\s+[A-Z][\w]+(?:\s+[A-Z][\w]+)?))*\b"
    r"|\b(?:UCSF|UCLA|NYU\s+Langone(?:\s+Health)?|Cedars-Sinai(?:\s+(?:Hospital|Medical\s+Center))?|Mayo\s+Clinic|Cleveland\s+Clinic|"
    r"Johns\s+Hopkins(?:\s+Hospital)?|Mass\s+General|Kaiser(?:\s+Permanente)?|[A-Z]{1,4}MC|UPMC|MUSC|OHSU|UCHealth)\b"
)
FACILITY_LEAD = re.compile(r"^(?:(?:the|at|to|in|from|our|their|his|her|by|with|and)\s+)+", re.I)


class PlaceDetector:
    name = "places"
    entities = ("LOCATION", "FACILITY")
    needs_nlp = True

    def detect(self, a: Analysis) -> list[Span]:
        t = a.text
        out: list[Span] = []

        def add(sp: Span) -> None:
            add_longest(out, sp, min_len=3)

        for m in FACILITY.finditer(t):
            s = m.start() + (FACILITY_LEAD.match(m.group(0)).end() if FACILITY_LEAD.match(m.group(0)) else 0)
            if m.end() - s < 4:
                continue
            out.append(span("FACILITY", (s, m.end()), t, 0.7, self.name, "named hospital, clinic or care facility", kind="facility"))
        facilities = list(out)
        out = []
        for m in STREET.finditer(t):
            if _title_not_street(m, t):
                continue
            add(span("LOCATION", m, t, 0.85, self.name, "street address pattern", kind="street"))
        for m in ROAD.finditer(t):
            add(span("LOCATION", m, t, 0.7, self.name, "road or highway", kind="road"))
        for m in COUNTY.finditer(t):
            add(span("LOCATION", m, t, 0.8, self.name, "county or township", kind="county"))
        for m in VENUE.finditer(t):
            seg = m.group(0)
            if INSTITUTION.search(seg) and not re.search(r"Police|Fire", seg):
                continue
            words = seg.split()
            while words and (words[0].lower() in NOT_PLACES or words[0].lower() in ("meet", "welcome", "congrats", "at", "from")):
                words.pop(0)
            if len(words) < 2:
                continue
            s = m.start() + seg.index(words[0])
            add(span("LOCATION", (s, m.end()), t, 0.75, self.name, "named school, workplace, church or landmark", kind="venue"))
        for m in PREP_PLACE.finditer(t):
            seg = m.group(1)
            words = seg.split()
            while words and words[-1].lower() in ("of", "de", "del", "la"):
                words.pop()
            if not words or words[0].lower() in NOT_PLACES or any(w.lower() in NOT_PLACES or w.lower() in NOT_NAMES for w in words):
                continue
            if any(is_drug_like(w) for w in words) or seg.isupper():
                continue
            if INSTITUTION.search(" ".join(words)):
                continue
            if len(words) == 1 and (is_common_word(words[0], 4.3) or words[0].isupper()):
                continue
            s = m.start(1)
            e = s + len(" ".join(words))
            add(span("LOCATION", (s, e), t, 0.6, self.name, "capitalised place after from/in/near", kind="prep"))
        if a.doc is not None:
            for ent in a.doc.ents:
                if ent.label_ not in ("GPE", "LOC", "FAC"):
                    continue
                seg = ent.text
                if INSTITUTION.search(seg) or seg.lower() in NOT_PLACES or seg.lower() in NOT_NAMES or not seg[:1].isupper() or (ent.start_char > 0 and t[ent.start_char - 1] in "#@"):
                    continue
                if is_drug_like(seg) or (seg.isupper() and not is_big_place(seg)):
                    continue
                if seg.upper() == seg and len(seg) <= 3 and not is_big_place(seg):
                    continue
                add(span("LOCATION", (ent.start_char, ent.end_char), t, 0.6, self.name, f"place name (spaCy {ent.label_})", kind="ner"))
        out = [o for o in out if not any(f.overlaps(o) and o.attr("kind") in ("prep", "ner", "venue") for f in facilities)]
        out = [o for o in out if not EPONYM_HEAD.match(t[o.end:o.end + 40])]
        # a big city is still a place, but not a small one: rules and the re-identification count know
        out = [Span(o.entity, o.start, o.end, o.text, o.score, o.detector, o.explanation, tuple(sorted(dict(o.attrs, big=True).items())))
               if is_big_place(o.text) else o for o in out]
        return sorted(out + facilities, key=lambda s: s.start)
