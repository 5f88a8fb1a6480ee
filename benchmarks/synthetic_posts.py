"""Synthetic hospital social media posts for benchmarks and tests: a realistic length mix, no real people.

Every name, place, date and number here is made up from the word lists below. The mix:
- kinds: tweets (15-50 words), Facebook posts (40-150 words), comments and replies (5-30 words);
- topics: hospital events, staff shout-outs, patient stories (with planted names, dates, ages and rooms),
  clean chatter (thanks, questions, emoji, all-lowercase comments);
- a share of exact duplicates (retweets, copied posts, "congrats!!" comments) with their own id and time.

    from synthetic_posts import generate
    records = generate(10_000, seed=7)          # list of JSONL-ready dicts
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

FIRST = ["Marisol", "Dmitri", "Keisha", "Tomasz", "Priyanka", "Aurelio", "Brenda", "Olufemi", "Renata", "Jasper",
         "Mei-Lin", "Santiago", "Harriet", "Kofi", "Ingrid", "Desmond", "Yusra", "Calloway", "Nadia", "Ezekiel",
         "Lupe", "Rosalind", "Bartholomew", "Sunniva", "Tariq", "Odessa", "Wendell", "Xiomara", "Fitzgerald", "Amara"]
LAST = ["Okonkwo", "Vasquez-Reyes", "Lindqvist", "Prendergast", "Abernathy", "Kowalczyk", "Nakashima", "Oyelaran",
        "Thistlewood", "Marchetti", "Delacroix", "Haverford", "Quintanilla", "Bjornstad", "Ashdown", "Mwangi",
        "Castellanos", "Pemberton", "Ruiz-Albarran", "Whitcombe"]
TOWNS = ["Elmwood Falls", "Ashbury", "Alder Glen", "Pine Bluff Junction", "Marlow Springs", "East Kinmont",
         "Larkspur", "Wyncote Mills"]
UNITS = ["NICU", "PICU", "cardiac ICU", "ortho floor", "4 West", "the burn unit", "labor and delivery", "oncology",
         "the ED", "rehab", "the cath lab", "pediatrics"]
ROLES = ["nurse", "charge nurse", "respiratory therapist", "volunteer", "pharmacist", "surgical tech", "chaplain",
         "unit clerk", "night shift team", "environmental services crew"]
EVENTS = ["blood drive", "5K fun run", "flu shot clinic", "diabetes education night", "ribbon cutting",
          "career fair", "teddy bear clinic", "farmers market", "CPR class", "car seat check"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
EMOJI = ["❤️", "🙏", "💙", "🎉", "👏", "😊", "💪", ""]
HASHTAGS = ["#NurseLife", "#HealthcareHeroes", "#CommunityHealth", "#ThankANurse", "#HospitalLife", "#Wellness",
            "#TeamWork", ""]

EVENT_SENTENCES = [
    "Join us {day} for our annual {event} in the main lobby from 9am to 2pm.",
    "Our {event} is back this {day}, and everyone in {town} is welcome.",
    "Parking is free in the north garage during the {event}.",
    "Bring the whole family: there will be snacks, music and a photo booth.",
    "Registration is open on our website until {month} {dom}.",
    "Last year more than {n} neighbors came out, let's beat that number!",
    "Volunteers from {unit} will be on hand to answer questions.",
    "Questions? Call our community line at 555-0100 or stop by the welcome desk.",
    "The {event} starts at noon on {month} {dom} at the {town} community center.",
    "Thank you to our sponsors for making the {event} possible again this year.",
]
SHOUTOUT_SENTENCES = [
    "Huge shout-out to our {role} team on {unit} for going the extra mile this week.",
    "Congratulations to {staff}, RN, on {n} years of caring for our community!",
    "Please help us welcome Dr. {staff_last} to our {unit} family.",
    "Our {role} crew kept everything running through the storm, and we are so grateful.",
    "{staff}, our {role}, was named employee of the month for {month}.",
    "Every shift, this team shows up for our patients and for each other.",
    "We are proud of the {unit} staff for earning their certification again.",
    "Thank you for everything you do, today and every day.",
]
STORY_SENTENCES = [
    "When {first} came to {unit} on {month} {dom}, her family did not know what to expect.",
    "{first} {last}, {age}, spent {n} days with us after a fall at home in {town}.",
    "Last {weekday} our {role} team celebrated as {first} rang the bell in room {room}.",
    "His daughter {first2} says the nurses in bed {bed} felt like family.",
    "After {n} weeks in the {unit}, baby {first} finally went home yesterday.",
    "{first} is a {age}-year-old grandmother from {town} who loves gardening.",
    "We shared {first}'s story with her permission, and she wants you to know that help is there.",
    "She told us the hardest part was the waiting, and the best part was the people.",
    "Today {first} walked out of rehab on her own two feet.",
    "Her MRN 48{n}1932 was on the whiteboard in room {room} when the photo was taken.",
]
CHATTER_SENTENCES = [
    "What a beautiful morning on campus.",
    "Did you know that walking 20 minutes a day can lower your blood pressure?",
    "Remember to wash your hands and stay hydrated this summer.",
    "Our cafeteria is serving pumpkin soup all week.",
    "Tag someone who makes your day better.",
    "We love seeing all the cards and drawings from local students.",
    "Stay safe out there and check in on the people next door during the heat wave.",
    "Flu season is coming, so now is a good time to get your shot.",
    "Thank you for the kind words, we will pass them along to the team.",
    "Visiting hours are 8am to 8pm every day.",
    "so proud of this team!!",
    "this made my whole day",
    "thank you all for everything you do",
    "sending love to the night shift",
    "you guys are amazing",
]
COMMENT_SENTENCES = [
    "Congrats!!", "So proud of you all.", "Praying for her and the family.", "best nurses ever",
    "My mom was on {unit} in {month} and {first} took such good care of her.",
    "Is the {event} open to kids?", "What time does it start?", "thank you for all you do",
    "Way to go {first}!", "Room {room} brings back memories lol", "we miss you {first}!!",
    "Love this!", "amazing news", "Where do I sign up?", "Can we bring our dog?",
    "Hi {first}, so glad you are feeling better after your surgery!",
]

KINDS = [("tweet", 0.4, (15, 50), "x"), ("facebook", 0.2, (40, 150), "facebook"), ("comment", 0.4, (5, 30), "facebook")]
TOPICS = [("event", 0.25, EVENT_SENTENCES), ("shoutout", 0.2, SHOUTOUT_SENTENCES), ("story", 0.15, STORY_SENTENCES),
          ("chatter", 0.4, CHATTER_SENTENCES)]


def _pick(rng: random.Random, table):
    r = rng.random()
    acc = 0.0
    for row in table:
        acc += row[1]
        if r < acc:
            return row
    return table[-1]


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        first=rng.choice(FIRST), first2=rng.choice(FIRST), last=rng.choice(LAST), town=rng.choice(TOWNS),
        unit=rng.choice(UNITS), role=rng.choice(ROLES), event=rng.choice(EVENTS), month=rng.choice(MONTHS),
        dom=rng.randint(1, 28), day=rng.choice(WEEKDAYS), weekday=rng.choice(WEEKDAYS), n=rng.randint(2, 40),
        age=rng.choice([7, 34, 58, 71, 88, 91, 96]), room=rng.randint(201, 749), bed=rng.randint(1, 12),
        staff=f"{rng.choice(FIRST)} {rng.choice(LAST)}", staff_last=rng.choice(LAST),
    )


def _text(rng: random.Random, kind: str, words: tuple[int, int], topic_sentences: list[str]) -> str:
    target = rng.randint(*words)
    pool = COMMENT_SENTENCES + topic_sentences if kind == "comment" else topic_sentences
    parts: list[str] = []
    count = 0
    while count < target:
        s = _fill(rng, rng.choice(pool))
        n = len(s.split())
        if parts and count + n > words[1]:
            break
        parts.append(s)
        count += n
    while count < words[0]:  # too short: pad with chatter
        s = rng.choice(CHATTER_SENTENCES)
        parts.append(s)
        count += len(s.split())
    tail = " ".join(x for x in (rng.choice(EMOJI), rng.choice(HASHTAGS)) if x) if kind != "comment" else rng.choice(EMOJI)
    text = " ".join(parts) + ((" " + tail) if tail else "")
    if kind == "comment" and rng.random() < 0.3:
        text = text.lower()  # comments are often all lowercase
    return text


def generate(n: int, seed: int = 7, duplicate_share: float = 0.1) -> list[dict]:
    """n JSONL-ready post records; about `duplicate_share` of them repeat an earlier text exactly."""
    return list(iter_generate(n, seed, duplicate_share))


def iter_generate(n: int, seed: int = 7, duplicate_share: float = 0.1) -> Iterator[dict]:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, 8, 0, tzinfo=timezone.utc)
    recent: list[tuple[str, str]] = []  # (text, platform) of earlier posts that may be repeated
    for i in range(n):
        created = start + timedelta(minutes=17 * i + rng.randint(0, 16))
        if recent and rng.random() < duplicate_share:
            text, platform = rng.choice(recent)
            kind = "retweet"
        else:
            kind, _, words, platform = _pick(rng, KINDS)
            _, _, sentences = _pick(rng, TOPICS)
            text = _text(rng, kind, words, sentences)
            recent.append((text, platform))
            if len(recent) > 500:
                recent.pop(rng.randrange(len(recent)))
        rec: dict = {"id": f"syn-{i}", "text": text, "platform": platform, "account": "@pinecresthealth",
                     "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ")}
        if kind == "comment" and rng.random() < 0.5:
            rec["in_reply_to"] = {"id": f"syn-{max(0, i - 3)}", "author": f"{rng.choice(FIRST)} {rng.choice(LAST)}"}
        yield rec


def write_jsonl(path: str | Path, n: int, seed: int = 7, duplicate_share: float = 0.1) -> Path:
    path = Path(path)
    with path.open("w", encoding="utf-8") as fh:
        for rec in iter_generate(n, seed, duplicate_share):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


if __name__ == "__main__":  # pragma: no cover
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    write_jsonl(a.out, a.n, a.seed)
