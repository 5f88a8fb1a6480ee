#!/usr/bin/env python3
"""Bounded memory on a big export: generate an X/Twitter account archive of a target size and time a first scan.

    python benchmarks/big_export.py                          # 1 GB folder export (~500,000 tweets; tens of minutes)
    python benchmarks/big_export.py --size-gb 0.02           # a quick check (about 10,000 tweets)
    python benchmarks/big_export.py --size-gb 2 --zip --jobs 2 --report-format sarif
    python benchmarks/big_export.py --keep /tmp/big-x        # generate once, rescan on later runs

The export follows the real archive layout (FORMATS.md, "X / Twitter account archive"): `data/account.js`,
`data/manifest.js` and `data/tweets.js` (`window.YTD.tweets.part0 = [ … ]`, each element `{"tweet": {…}}`, pretty
printed with `"key" : value` like X's own files), split into `tweets-part1.js`, `tweets-part2.js`, … every
`--part-mb` MB as large accounts' archives are (the split size X uses is not documented; 400 MB is a guess),
beside a stub of the archive's offline viewer (`Your archive.html`, `assets/`) that a scanner must pass over.
Each tweet is a full object: `id`/`id_str` (snowflake ids that match `created_at`), `full_text` (HTML-escaped),
`created_at` (`Wed Oct 10 20:19:24 +0000 2018`), `entities` (hashtags, user_mentions, urls, with indices),
`display_text_range`, counts, `lang`, `source`, `edit_info`, replies' `in_reply_to_*` fields, retweets
(`RT @user: …` cut with `…`) and photos (`entities.media` and `extended_entities.media`). Numbers, even indices,
are strings, as in the real files. The archive carries no alt text (FORMATS.md), so none is written unless
`--alt-text` asks for an `ext_alt_text` on some photos. Records average about 2 KB (1-5 KB), as real ones do.

The text is synthetic and seeded: hospital-account tweets (events, staff shout-outs, health tips) full of
made-up words (unit names, hashtags, places, filler) so the language model keeps meeting words it has never seen,
the worst case for its string store; one tweet in `--phi-every` (default 20) carries made-up patient details:
a name with a room or bed, a record number, an admission or birth date, an age over 89. Every name, number and
word is invented here.

The export is written straight to disk while it is generated (a folder by default, `--zip` for a zip with
ZIP_DEFLATED), never held in memory. The scan is `phiscan scan EXPORT --no-cache --quiet --format jsonl --output
REPORT` in a subprocess; the resident memory of phiscan and its worker processes is sampled from /proc every
half second. Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import IO, Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from memory_long_run import tree_rss_kb  # noqa: E402  (resident memory of a process tree, from /proc)

GENERATOR_VERSION = 2  # bump when the generated content changes, so --keep regenerates
MARKER = "big_export.params.json"
EXPORT_NAME = "twitter-archive"

ACCOUNT = {"username": "BrightmoorHealth", "accountId": "2718281828", "displayName": "Brightmoor General Hospital",
           "email": "social@brightmoor.example", "createdAt": "2010-03-15T14:02:11.000Z"}
TWITTER_EPOCH_MS = 1288834974657  # snowflake ids count milliseconds from here
NEWEST = dt.datetime(2024, 6, 28, 21, 40, 3, tzinfo=dt.timezone.utc)
SPAN = dt.timedelta(days=365 * 12)  # tweets are spread over twelve years before NEWEST, newest first
APPROX_RECORD_BYTES = 2000  # used only to spread the dates

VIEWER = {
    "Your archive.html": ('<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Your archive</title>'
                          '<link rel="stylesheet" href="assets/css/main.css"></head>\n<body><div id="root"></div>'
                          '<script src="assets/js/main.js"></script></body>\n</html>\n'),
    "assets/js/main.js": "!function(e){var t={};function n(r){if(t[r])return t[r].exports;var o=t[r]={i:r,l:!1,exports:{}};"
                         "return e[r].call(o.exports,o,o.exports,n),o.l=!0,o.exports}n(0)}([function(e,t){window.YTD=window.YTD||{}}]);\n",
    "assets/css/main.css": "body{margin:0;font-family:sans-serif}#root{min-height:100vh}\n",
}
SOURCES = [
    '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
    '<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>',
    '<a href="http://twitter.com/download/android" rel="nofollow">Twitter for Android</a>',
    '<a href="https://about.twitter.com/products/tweetdeck" rel="nofollow">TweetDeck</a>',
    '<a href="https://www.hootsuite.com" rel="nofollow">Hootsuite Inc.</a>',
    '<a href="https://sproutsocial.com" rel="nofollow">Sprout Social</a>',
]
ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "pl", "qu",
          "r", "s", "sh", "st", "t", "tr", "v", "w", "z", "th", "sk"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "ee", "ay"]
CODAS = ["", "", "n", "r", "l", "s", "th", "x", "m", "nd", "rk", "ll", "st", "v"]
FIRST_NAMES = ["Delphine", "Tobias", "Marisol", "Ignatius", "Wendell", "Priya", "Mateo", "Rosalind", "Kenji",
               "Beatrix", "Odalys", "Florian", "Saoirse", "Thaddeus", "Imogen", "Lucius", "Anneliese", "Bartholomew",
               "Coralie", "Evander", "Henrietta", "Ezekiel", "Marguerite", "Cornelius", "Yolanda", "Casimir"]
UNITS = ["4 West", "5 North", "the ICU", "the NICU", "3 East", "the cardiac step-down unit", "Labor & Delivery",
         "the burn unit", "6 South", "the oncology floor", "Peds", "the ED"]
STAFF_ROLES = ["nurses", "respiratory therapists", "EVS team", "pharmacists", "night shift", "unit clerks",
               "transport crew", "volunteers", "chaplains", "lab techs", "sterile processing team"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


class Words:
    """Invented words from syllables: new to any vocabulary, pronounceable, sometimes capitalised."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def word(self, syllables: int | None = None) -> str:
        r = self.rng
        n = syllables or r.choice((1, 2, 2, 2, 3, 3))
        return "".join(r.choice(ONSETS) + r.choice(VOWELS) for _ in range(n)) + r.choice(CODAS)

    def cap(self, syllables: int | None = None) -> str:
        return self.word(syllables).capitalize()

    def filler(self, n: int) -> str:
        """Lower-case invented words, now and then a capitalised one (a hospital account writes sentences, not
        strings of proper nouns; capitalised gibberish beside care words reads as a name to any detector)."""
        return " ".join(self.cap() if self.rng.random() < 0.04 else self.word() for _ in range(n))

    def handle(self) -> str:
        r = self.rng
        h = self.cap(2) + r.choice(["", "_", ""]) + r.choice(["RN", "MD", "Health", "Care", "News", "", "", str(r.randint(1, 99))])
        return h[:15]

    def tag(self) -> str:
        r = self.rng
        return r.choice([self.cap(2) + r.choice(["Week", "Strong", "Pride", "Health", "Heroes", "5K", ""]),
                         r.choice(["Nursing", "PatientSafety", "HandHygiene", "FluSeason", "NursesWeek",
                                   "HealthcareHeroes", "Brightmoor", "CommunityHealth", "BloodDrive"])])


# -- tweet text ---------------------------------------------------------------------------------------------
def clean_text(w: Words, r: random.Random) -> str:
    t = r.randrange(14)
    place = f"the {w.cap()} {r.choice(['Pavilion', 'Atrium', 'Auditorium', 'Wing', 'Conference Room', 'Garden'])}"
    if t == 0:
        return (f"Free flu shots this {r.choice(['Saturday', 'Sunday', 'Friday'])} {r.randint(8, 10)}-{r.randint(1, 4)} in {place}, "
                f"no appointment needed! Bring your {w.word()} card & a friend. {w.filler(r.randint(3, 8))}")
    if t == 1:
        return (f"Huge congrats to our {r.choice(STAFF_ROLES)} on {r.choice(UNITS)} for {r.randint(30, 400)} days without a "
                f"{r.choice(['fall', 'CLABSI', 'pressure injury', 'CAUTI'])}. {w.filler(r.randint(4, 10))} 💙")
    if t == 2:
        return (f"Join us for the {w.cap()} {w.cap()} 5K on {r.choice(MONTHS)} {ordinal(r.randint(1, 28))}, all proceeds go to "
                f"the {w.cap()} Children's Fund. Register early & save! {w.filler(r.randint(2, 6))}")
    if t == 3:
        return (f"Visiting hours on {r.choice(UNITS)} are now {r.randint(7, 10)}am-{r.randint(7, 9)}pm. Parking in the "
                f"{w.cap()} garage is free for visitors <3 {w.filler(r.randint(3, 9))}")
    if t == 4:
        return (f"Did you know? {w.cap()} {w.word()} is a leading cause of {w.word()} {w.word()} in adults over "
                f"{r.randint(40, 65)}. Talk to your {r.choice(['doctor', 'pharmacist', 'care team'])} about "
                f"{w.word()} screening. {w.filler(r.randint(4, 12))}")
    if t == 5:
        return (f"Welcome Dr. {r.choice(FIRST_NAMES)} {w.cap()}, our new chief of {w.word()}ology! "
                f"{w.filler(r.randint(5, 12))}")
    if t == 6:
        return (f"Our stroke team hit a door-to-needle time of {r.randint(18, 45)} minutes this quarter. "
                f"{w.filler(r.randint(6, 14))} Thank you team!")
    if t == 7:
        return (f"Blood drive today until {r.randint(3, 7)}pm in {place}. Each donation can help up to three "
                f"people. {w.filler(r.randint(4, 10))}")
    if t == 8:
        return (f"Free CPR class on the {ordinal(r.randint(4, 28))} in {place}. {w.filler(r.randint(5, 12))} "
                f"Sign up at the front desk or online.")
    if t == 9:
        return (f"Happy {r.choice(['Nurses', 'Hospital', 'Pharmacy', 'Lab', 'EVS'])} Week to our amazing "
                f"{r.choice(STAFF_ROLES)}! {w.filler(r.randint(8, 18))}")
    if t == 10:
        return (f"Construction update: the {w.cap()} entrance is closed through {r.choice(MONTHS)}. Please use "
                f"the {w.cap()} Street doors. {w.filler(r.randint(3, 8))}")
    if t == 11:
        return (f"Thank you to the {w.cap()} {w.cap()} Foundation for donating {r.randint(20, 500)} {w.word()} "
                f"kits to {r.choice(UNITS)}! {w.filler(r.randint(4, 9))}")
    if t == 12:
        return f"{w.filler(r.randint(10, 24))}. {w.filler(r.randint(5, 12))}!"
    return (f"Our {w.cap()} clinic now offers {w.word()} {w.word()} appointments on {r.choice(['weekends', 'evenings'])}. "
            f"Call {r.choice(['the main line', 'your care team'])} to book. {w.filler(r.randint(3, 10))}")


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def phi_text(w: Words, r: random.Random) -> str:
    name = f"{r.choice(FIRST_NAMES)} {w.cap(2)}{r.choice(['son', 'berg', 'ley', 'ford', 'ski', 'ez', ''])}"
    room, bed = r.randint(100, 999), r.choice("AB")
    mrn = f"{r.randint(0, 99999999):08d}"
    date = f"{r.randint(1, 12):02d}/{r.randint(1, 28):02d}/{r.randint(2015, 2024)}"
    dob = f"{r.randint(1, 12):02d}/{r.randint(1, 28):02d}/{r.randint(1925, 1940)}"
    age = r.randint(90, 104)
    unit = r.choice(UNITS)
    t = r.randrange(7)
    if t == 0:
        return f"Prayers for my pt {name} in room {room}{bed} tonight, MRN {mrn}. Long night on {unit} 😔"
    if t == 1:
        return f"Happy {ordinal(age)} birthday to {name}, our sweetest patient on {unit}! Admitted {date} & still smiling #Nursing"
    if t == 2:
        return f"{name} (DOB {dob}) was discharged from bed {room}{bed} today after {r.randint(3, 60)} days with us. So proud of this {age} year old!"
    if t == 3:
        return f"Update for the family in room {room}: {name} is stable after surgery on {date} and recovering on {unit}. MRN {mrn}."
    if t == 4:
        return f"Shoutout to Mrs. {name.split()[1]}, {age} years young, who walked the halls of {unit} on {date} after her hip surgery"
    if t == 5:
        return f"my patient {name} in bed {r.randint(1, 40)} was finally extubated this morning, after {r.randint(3, 30)} days on the vent 😭"
    return f"please keep {name} in room {room} in your prayers, {age} y/o admitted {date} with sepsis. #ICUnurse"


# -- tweet objects ------------------------------------------------------------------------------------------
def _idx(a: int, b: int) -> list[str]:
    return [str(a), str(b)]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _tco(r: random.Random) -> str:
    return "https://t.co/" + "".join(r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(10))


def _snowflake(when: dt.datetime, seq: int) -> int:
    return ((int(when.timestamp() * 1000) - TWITTER_EPOCH_MS) << 22) | (seq & 0xFFF)


def make_tweet(i: int, when: dt.datetime, phi: bool, alt_text: bool, w: Words, r: random.Random) -> dict[str, Any]:
    user = ACCOUNT["username"]
    tid = _snowflake(when, i)
    body = phi_text(w, r) if phi else clean_text(w, r)
    if len(body) > 210:  # room for a mention, a hashtag and links within about 280 characters
        body = body[:210].rsplit(" ", 1)[0]
    mentions: list[dict[str, Any]] = []
    reply: dict[str, str] = {}
    kind = r.random()
    prefix = ""
    if kind < 0.10 and not phi:  # a retweet: someone else's text, cut at 140 characters
        other = w.handle()
        prefix = f"RT @{other}: "
        mentions.append({"name": f"{w.cap()} {w.cap()}", "screen_name": other, "indices": _idx(3, 4 + len(other)),
                         "id_str": str(r.randint(10**7, 10**10)), "id": None})
        if len(prefix + body) > 140:
            body = body[: 139 - len(prefix)].rstrip() + "…"
    elif kind < 0.30:  # a reply
        other = w.handle()
        prefix = f"@{other} "
        uid = str(r.randint(10**7, 10**10))
        mentions.append({"name": f"{w.cap()} {w.cap()}", "screen_name": other, "indices": _idx(0, 1 + len(other)),
                         "id_str": uid, "id": None})
        parent = str(tid - r.randint(10**9, 10**14))
        reply = {"in_reply_to_status_id_str": parent, "in_reply_to_status_id": parent, "in_reply_to_user_id": uid,
                 "in_reply_to_user_id_str": uid, "in_reply_to_screen_name": other}
    text = prefix + body
    if r.random() < 0.15 and len(text) < 230:  # an @mention inside the text
        other = w.handle()
        start = len(text) + 5
        text += f" h/t @{other}"
        mentions.append({"name": f"{w.cap()} {w.cap()}", "screen_name": other, "indices": _idx(start, start + 1 + len(other)),
                         "id_str": str(r.randint(10**7, 10**10)), "id": None})
    for m in mentions:
        m["id"] = m["id_str"]
    if r.random() < 0.5 and len(text) < 250:
        text += f" #{w.tag()}"
    hashtags = []
    pos = text.find("#")
    while pos >= 0:
        end = pos + 1
        while end < len(text) and (text[end].isalnum() or text[end] == "_"):
            end += 1
        if end > pos + 1:
            hashtags.append({"text": text[pos + 1 : end], "indices": _idx(pos, end)})
        pos = text.find("#", end)
    display_end = len(text)
    urls = []
    if r.random() < 0.35:
        slug = f"{w.word()}-{w.word()}"
        expanded = f"https://brightmoor.example/{r.choice(['events', 'news', 'care', 'giving'])}/{slug}"
        tco = _tco(r)
        start = len(text) + 1
        text += " " + tco
        display_end = len(text)
        urls.append({"url": tco, "expanded_url": expanded, "display_url": expanded[8:][:26] + ("…" if len(expanded) > 34 else ""),
                     "indices": _idx(start, start + len(tco))})
    media = []
    if r.random() < 0.25 and not prefix.startswith("RT"):
        mid = str(tid - r.randint(1 << 22, 1 << 32))  # the photo was uploaded first
        tco = _tco(r)
        start = len(text) + 1
        text += " " + tco
        name = "".join(r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") for _ in range(15))
        big_w, big_h = r.choice([(2048, 1536), (1536, 2048), (1200, 675), (1080, 1080), (4032, 3024)])
        scale = lambda s: (str(min(s, big_w * s // max(big_w, big_h))), str(min(s, big_h * s // max(big_w, big_h))))
        sizes = {"thumb": {"w": "150", "h": "150", "resize": "crop"}}
        for label, s in (("small", 680), ("medium", 1200), ("large", 2048)):
            sw, sh = scale(s)
            sizes[label] = {"w": sw, "h": sh, "resize": "fit"}
        item = {"expanded_url": f"https://twitter.com/{user}/status/{tid}/photo/1", "indices": _idx(start, start + len(tco)),
                "url": tco, "media_url": f"http://pbs.twimg.com/media/{name}.jpg", "id_str": mid, "id": mid,
                "media_url_https": f"https://pbs.twimg.com/media/{name}.jpg", "sizes": sizes, "type": "photo",
                "display_url": f"pic.twitter.com/{tco[-10:]}"}
        media.append(item)
    entities: dict[str, Any] = {"hashtags": hashtags, "symbols": [], "user_mentions": mentions, "urls": urls}
    tweet: dict[str, Any] = {
        "edit_info": {"initial": {"editTweetIds": [str(tid)],
                                  "editableUntil": (when + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                                  "editsRemaining": "5", "isEditEligible": when.year >= 2022 and not prefix.startswith("RT")}},
        "retweeted": False,
        "source": r.choice(SOURCES),
        "entities": entities,
        "display_text_range": _idx(len(prefix) if reply else 0, display_end),
        "favorite_count": "0" if prefix.startswith("RT") else str(int(r.expovariate(1 / 15))),
        **({k: v for k, v in reply.items() if k == "in_reply_to_status_id_str"}),
        "id_str": str(tid),
        **({"in_reply_to_user_id": reply["in_reply_to_user_id"]} if reply else {}),
        "truncated": False,
        "retweet_count": str(int(r.expovariate(1 / 4))),
        "id": str(tid),
        **({"in_reply_to_status_id": reply["in_reply_to_status_id"]} if reply else {}),
        "created_at": when.strftime("%a %b %d %H:%M:%S +0000 %Y"),
        "favorited": False,
        "full_text": _escape(text),
        "lang": "en",
        **({"in_reply_to_screen_name": reply["in_reply_to_screen_name"],
            "in_reply_to_user_id_str": reply["in_reply_to_user_id_str"]} if reply else {}),
    }
    if urls or media:
        tweet["possibly_sensitive"] = False
    if media:
        entities["media"] = [dict(m) for m in media]
        ext = [dict(m) for m in media]
        if alt_text and r.random() < 0.5:
            ext[0]["ext_alt_text"] = f"Photo of {w.word()} {w.word()} in the {w.cap()} lobby"
        tweet["extended_entities"] = {"media": ext}
    return {"tweet": tweet}


def render(record: dict[str, Any]) -> str:
    """One array element as X writes it: two-space indent, `"key" : value`, nested under two levels."""
    return json.dumps(record, indent=2, separators=(",", " : "), ensure_ascii=False).replace("\n", "\n  ").replace("[]", "[ ]")


# -- writing the export -------------------------------------------------------------------------------------
class Sink:
    """Files of the export, written as they are generated: into a folder, or into a zip (one entry at a time)."""

    def __init__(self, target: Path, as_zip: bool):
        self.as_zip = as_zip
        self.target = target
        self.zf = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) if as_zip else None
        if not as_zip:
            (target / "data").mkdir(parents=True)

    def open(self, name: str) -> IO[bytes]:
        if self.zf is not None:
            return self.zf.open(name, "w", force_zip64=True)  # sizes unknown up front: may pass 4 GB
        path = self.target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "wb")

    def close(self) -> None:
        if self.zf is not None:
            self.zf.close()


class Buffered:
    """Batches small writes (a zip entry compresses every write call separately)."""

    def __init__(self, fh: IO[bytes], limit: int = 1 << 20):
        self.fh, self.limit, self.parts, self.size, self.written = fh, limit, [], 0, 0

    def write(self, s: str) -> None:
        b = s.encode("utf-8")
        self.parts.append(b)
        self.size += len(b)
        self.written += len(b)
        if self.size >= self.limit:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.fh.write(b"".join(self.parts))
            self.parts, self.size = [], 0

    def close(self) -> None:
        self.flush()
        self.fh.close()


def generate(target: Path, *, size_bytes: int, as_zip: bool, seed: int, phi_every: int, part_bytes: int,
             alt_text: bool, progress: Callable[[int, int], None]) -> dict[str, int]:
    rng = random.Random(seed)
    words = Words(rng)
    sink = Sink(target, as_zip)
    total = 0
    acc = ('window.YTD.account.part0 = [\n  {\n    "account" : '
           + json.dumps({"email": ACCOUNT["email"], "createdVia": "web", "username": ACCOUNT["username"],
                         "accountId": ACCOUNT["accountId"], "createdAt": ACCOUNT["createdAt"],
                         "accountDisplayName": ACCOUNT["displayName"]}, indent=2,
                        separators=(",", " : ")).replace("\n", "\n    ") + "\n  }\n]")
    fh = Buffered(sink.open("data/account.js"))
    fh.write(acc)
    fh.close()
    total += fh.written
    est = max(1, size_bytes // APPROX_RECORD_BYTES)
    gap = SPAN / est
    when = NEWEST
    files: list[tuple[str, str, int]] = []  # (file name, global name, count)
    part, n, phi_n = 0, 0, 0
    while total < size_bytes:
        name = "data/tweets.js" if part == 0 else f"data/tweets-part{part}.js"
        fh = Buffered(sink.open(name))
        fh.write(f"window.YTD.tweets.part{part} = [")
        count = 0
        while count == 0 or (total + fh.written < size_bytes and (not part_bytes or fh.written < part_bytes)):
            phi = bool(phi_every) and n % phi_every == phi_every - 1
            rec = make_tweet(n, when, phi, alt_text, words, rng)
            fh.write(("," if count else "") + "\n  " + render(rec))
            count += 1
            n += 1
            phi_n += phi
            when -= gap * rng.uniform(0.2, 1.8)
            if n % 5000 == 0:
                progress(n, total + fh.written)
        fh.write("\n]")
        fh.close()
        total += fh.written
        files.append((name, f"YTD.tweets.part{part}", count))
        part += 1
    manifest = {
        "userInfo": {"accountId": ACCOUNT["accountId"], "userName": ACCOUNT["username"], "displayName": ACCOUNT["displayName"]},
        "archiveInfo": {"sizeBytes": str(total), "generationDate": (NEWEST + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                        "isPartialArchive": False, "maxPartSizeBytes": "53687091200"},
        "dataTypes": {
            "account": {"files": [{"fileName": "data/account.js", "globalName": "YTD.account.part0", "count": "1"}]},
            "tweets": {"mediaDirectory": "data/tweets_media",
                       "files": [{"fileName": f, "globalName": g, "count": str(c)} for f, g, c in files]},
        },
    }
    fh = Buffered(sink.open("data/manifest.js"))
    fh.write("window.__THAR_CONFIG = " + json.dumps(manifest, indent=2, separators=(",", " : ")))
    fh.close()
    total += fh.written
    # the archive's offline viewer (a stub of it): a scanner must pass over it
    for name, content in VIEWER.items():
        fh = Buffered(sink.open(name))
        fh.write(content)
        fh.close()
    sink.close()
    return {"tweets": n, "phi_tweets": phi_n, "data_bytes": total, "tweet_files": len(files)}


def disk_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# -- scanning -----------------------------------------------------------------------------------------------
def phiscan_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("phiscan")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "phiscan"]


def count_report(path: Path, fmt: str) -> tuple[int, dict[str, Any]]:
    """(findings in the report, summary or {})."""
    if not path.exists():
        return 0, {}
    if fmt == "jsonl":
        n, summary = 0, {}
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if rec.get("kind") == "finding":
                    n += 1
                elif rec.get("kind") == "summary":
                    summary = rec
        return n, summary
    data = json.loads(path.read_text(encoding="utf-8"))
    if fmt == "json":
        return len(data.get("findings", [])), data.get("summary", {})
    run = data["runs"][0]
    summary = run.get("properties", {}).get("summary", {})
    # SARIF spells the summary in camelCase and has no posts-with-findings count
    names = {"postsScanned": "posts_scanned", "failOn": "fail_on", "byStatus": "by_status"}
    return len(run.get("results", [])), {names.get(k, k): v for k, v in summary.items()}


def own_rss_kb(pid: int) -> int:
    """Resident memory of one process (phiscan's main process: it reads the export and keeps the findings)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def at_fraction(samples: list[tuple[float, int, int]], frac: float, elapsed: float) -> tuple[float, int, int]:
    """The sample nearest `frac` of the elapsed time; 100% is the last sample (workers may have exited)."""
    if frac >= 1.0:
        return samples[-1]
    want = frac * elapsed
    return min(samples, key=lambda s: abs(s[0] - want))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-gb", type=float, default=1.0, help="size of the archive's data files (uncompressed), GB (1e9 bytes)")
    ap.add_argument("--zip", action="store_true", help="write a .zip (ZIP_DEFLATED) instead of a folder")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--report-format", choices=["jsonl", "json", "sarif"], default="jsonl")
    ap.add_argument("--phi-every", type=int, default=20, help="one tweet in this many carries made-up PHI (0: none)")
    ap.add_argument("--part-mb", type=float, default=400, help="start tweets-partN.js every this many MB (0: one file)")
    ap.add_argument("--alt-text", action="store_true", help="give half the photos an ext_alt_text (real archives carry none)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", action="store_true", help="scan with the scan cache (default: --no-cache, a first scan)")
    ap.add_argument("--keep", metavar="DIR", type=Path,
                    help="generate into DIR and keep it; a later run with the same parameters reuses the export")
    ap.add_argument("--interval", type=float, default=0.5, help="seconds between memory samples")
    ap.add_argument("--samples-csv", type=Path, help="write every memory sample here (seconds, tree kB, main process kB)")
    args = ap.parse_args(argv)

    params = {"generator": GENERATOR_VERSION, "size_gb": args.size_gb, "zip": args.zip, "seed": args.seed,
              "phi_every": args.phi_every, "part_mb": args.part_mb, "alt_text": args.alt_text}
    work = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="phiscan-big-export-"))
    work.mkdir(parents=True, exist_ok=True)
    export = work / (EXPORT_NAME + (".zip" if args.zip else ""))
    marker = work / MARKER
    try:
        stats = None
        if marker.exists() and export.exists():
            try:
                saved = json.loads(marker.read_text())
                if saved.get("params") == params:
                    stats = saved["stats"]
            except (ValueError, KeyError):
                stats = None
        if stats is not None:
            print(f"reusing {export} (parameters match {marker.name})", flush=True)
        else:
            marker.unlink(missing_ok=True)
            if export.is_dir():
                shutil.rmtree(export)
            elif export.exists():
                export.unlink()
            t0 = time.monotonic()

            def progress(n: int, written: int) -> None:
                if n % 100_000 == 0:
                    print(f"  generated {n} tweets, {written / 1e6:.0f} MB, {time.monotonic() - t0:.0f} s", flush=True)

            stats = generate(export, size_bytes=int(args.size_gb * 1e9), as_zip=args.zip, seed=args.seed,
                             phi_every=args.phi_every, part_bytes=int(args.part_mb * 1e6), alt_text=args.alt_text,
                             progress=progress)
            gen_s = time.monotonic() - t0
            marker.write_text(json.dumps({"params": params, "stats": stats}, indent=2))  # last: a complete export
            print(f"generated {stats['tweets']} tweets ({stats['phi_tweets']} with planted PHI) in "
                  f"{stats['tweet_files']} tweet file(s), {stats['data_bytes'] / 1e6:.1f} MB of data, in {gen_s:.1f} s: {export}",
                  flush=True)

        report = work / f"report.{args.report_format}"
        report.unlink(missing_ok=True)
        stderr_path = work / "phiscan.stderr"
        cmd = phiscan_cmd() + ["scan", str(export), "--cache" if args.cache else "--no-cache", "--quiet",
                               "--format", args.report_format, "--output", str(report), "--jobs", str(args.jobs)]
        env = dict(os.environ, XDG_CACHE_HOME=str(work / "cache"))  # --cache: a cache of this run's own
        print("running: " + " ".join(cmd[len(phiscan_cmd()) - 1 :]), flush=True)
        samples: list[tuple[float, int, int]] = []  # (seconds, tree kB, main process kB)
        with open(stderr_path, "wb") as err:
            start = time.monotonic()
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
            while proc.poll() is None:
                rss = tree_rss_kb(proc.pid)
                if rss:
                    samples.append((time.monotonic() - start, rss, own_rss_kb(proc.pid)))
                time.sleep(args.interval)
            elapsed = time.monotonic() - start
        rc = proc.returncode
        if not samples:
            samples = [(0.0, 0, 0)]
        if args.samples_csv:
            args.samples_csv.write_text("seconds,tree_rss_kb,main_rss_kb\n" + "".join(f"{t:.1f},{a},{b}\n" for t, a, b in samples))
        findings, summary = count_report(report, args.report_format)
        mb = lambda kb: kb / 1024.0
        unpacked = f" ({stats['data_bytes'] / 1e6:.1f} MB uncompressed)" if args.zip else ""
        print(f"export:        {export.name}, {disk_size(export) / 1e6:.1f} MB on disk{unpacked}")
        print(f"tweets:        {stats['tweets']} ({stats['phi_tweets']} with planted PHI); "
              f"phiscan scanned {summary.get('posts_scanned', '?')} posts")
        print(f"elapsed:       {elapsed:.1f} s (--jobs {args.jobs}, {'--cache' if args.cache else '--no-cache'})")
        print(f"rate:          {stats['tweets'] / elapsed:.0f} posts/s (incl. start-up)")
        print(f"peak tree RSS: {mb(max(s[1] for s in samples)):.1f} MB (phiscan and workers, {len(samples)} samples every {args.interval} s)")
        marks = [at_fraction(samples, f, elapsed) for f in (0.10, 0.25, 0.50, 0.75, 1.0)]
        print("RSS over time: " + "  ".join(f"{p}%={mb(m[1]):.0f} MB" for p, m in zip((10, 25, 50, 75, 100), marks)))
        if args.jobs > 1:
            print("  main process: " + "  ".join(f"{p}%={mb(m[2]):.0f} MB" for p, m in zip((10, 25, 50, 75, 100), marks))
                  + "  (the rest: workers)")
        print(f"report:        {report.stat().st_size / 1e6 if report.exists() else 0:.1f} MB {args.report_format}, "
              f"{findings} findings (summary: {summary.get('findings', '?')} findings in "
              f"{summary.get('posts_with_findings', '?')} posts, {summary.get('errors', '?')} read errors)")
        meaning = {0: "no findings", 1: "findings", 2: "usage or read errors"}.get(rc, "crashed?")
        print(f"phiscan exit:  {rc} ({meaning})")
        if rc not in (0, 1):
            print(stderr_path.read_text(errors="replace")[-3000:])
        if args.keep:
            print(f"kept: {work} (report {report.name}, stderr {stderr_path.name})")
        return 0 if rc in (0, 1) else 2
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
