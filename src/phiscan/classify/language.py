"""Which language a post is written in, offline, and whether the learned judgment was trained on it.

The judgment reads words: in a language it never saw, a post that tells of a patient's care looks like noise
and would pass as clean. Such posts get a medium "needs human review" finding on their identifiers instead
(rules/PHI122.yaml). Detection is cheap and needs no model of its own:

- the script decides for Hangul, Kana, Han, Devanagari, Arabic, Hebrew, Cyrillic, Greek, Thai and others;
- a Latin-script post whose lowercase words are mostly unknown to the judgment (neither common English
  words nor words of its training corpus, data/lang/vocab.txt) is one it cannot read;
- Latin-script text is matched against the most frequent words of each language in wordfreq's lists (already
  a dependency: its data files are read directly, as lexicon.py does for English), plus a short list of
  Haitian Creole words (data/lang/ht.txt), which wordfreq lacks. The language whose common words cover most of the
  post's words wins; when none covers enough, the language is undetermined ("und"), and the judgment was not
  trained on it either (Hinglish, Swahili, ...).

English is tried first and alone: a post whose words are mostly common English words is English, and no
other list is loaded (the usual case costs one dictionary lookup per word).
"""
from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import regex as re

# The languages the judgment's corpus holds enough of (fixtures/corpus, SPEC.md); wordfreq's code for Tagalog
# is "fil".
TRAINED = ("en", "es", "fr", "pt", "vi", "tl", "ht")
# Latin-script languages told apart from the trained ones (so that a German or Polish post is not taken for
# English or Spanish).
OTHER_LATIN = ("de", "it", "nl", "pl", "ro", "id", "ms", "tr", "sv", "da", "nb", "fi", "cs", "hu", "ca", "sk", "sl", "lt", "lv")
WORDFREQ_CODE = {"tl": "fil"}
TOP_WORDS = 3000  # the most frequent words of a language: its function words and everyday vocabulary
ENGLISH_ENOUGH = 0.75  # this share of words among English's top words: English, no other list consulted
MIN_COVER = 0.45  # below this for every language: undetermined
MIN_WORDS = 4  # shorter texts are not judged (a name and an emoji say nothing about the language)

LANG_DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "lang")
COMMON_EN = 3.0  # English words at least this frequent (Zipf) count as read; rarer ones must be in vocab.txt
READ_ENOUGH = 0.6  # the share of a post's lowercase words the judgment must know to read the post

SCRIPTS = (  # (regex for a script's letters, language reported)
    (re.compile(r"\p{Hangul}"), "ko"),
    (re.compile(r"[\p{Hiragana}\p{Katakana}]"), "ja"),
    (re.compile(r"\p{Han}"), "zh"),
    (re.compile(r"\p{Devanagari}"), "hi"),
    (re.compile(r"\p{Bengali}"), "bn"),
    (re.compile(r"\p{Arabic}"), "ar"),
    (re.compile(r"\p{Hebrew}"), "he"),
    (re.compile(r"\p{Cyrillic}"), "ru"),
    (re.compile(r"\p{Greek}"), "el"),
    (re.compile(r"\p{Thai}"), "th"),
    (re.compile(r"[\p{Tamil}\p{Telugu}\p{Gujarati}\p{Gurmukhi}\p{Kannada}\p{Malayalam}]"), "inc"),
    (re.compile(r"[\p{Armenian}\p{Georgian}\p{Ethiopic}\p{Khmer}\p{Lao}\p{Myanmar}]"), "und"),
)
LETTER = re.compile(r"\p{L}")
WORD = re.compile(r"(?<![@#\w])\p{L}[\p{L}\p{M}'’]*")


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1 where there is one; "und" when undetermined
    cover: float  # share of the post's words among that language's common words (1.0 for a script decision)

    @property
    def trained(self) -> bool:
        return self.code in TRAINED


ENGLISH = Language("en", 1.0)


@lru_cache(maxsize=None)
def _top_words(code: str) -> frozenset[str]:
    """The TOP_WORDS most frequent words of a language, from wordfreq's small list (empty if absent)."""
    if code == "ht":  # wordfreq has no list for Haitian Creole
        return _word_file("ht.txt")
    from ..lexicon import wordfreq_buckets

    words: list[str] = []
    for bucket in wordfreq_buckets(WORDFREQ_CODE.get(code, code)):  # from the most frequent down
        words.extend(bucket)
        if len(words) >= TOP_WORDS:
            break
    return frozenset(_fold(w) for w in words[:TOP_WORDS])


@lru_cache(maxsize=None)
def _word_file(name: str) -> frozenset[str]:
    try:
        with open(os.path.join(LANG_DATA, name), encoding="utf-8") as fh:
            return frozenset(_fold(w.strip()) for w in fh if w.strip() and not w.startswith("#"))
    except OSError:
        return frozenset()


def readable(words: list[str]) -> float:
    """The share of words the judgment was trained on: common English words and the corpus's vocabulary."""
    from ..lexicon import zipf

    vocab = _word_file("vocab.txt")
    return sum(1 for w in words if w in vocab or zipf(w) >= COMMON_EN) / max(1, len(words))


def _fold(word: str) -> str:
    word = unicodedata.normalize("NFC", word.lower().replace("’", "'"))
    return word


def _cover(words: list[str], code: str) -> float:
    top = _top_words(code)
    if not top:
        return 0.0
    return sum(1 for w in words if w in top) / len(words)


def detect(text: str) -> Language:
    """The language of a text. Short texts, and texts too mixed to call, count as English (the default the
    judgment was trained on) unless their script says otherwise."""
    letters = LETTER.findall(text)
    if not letters:
        return ENGLISH
    for rx, code in SCRIPTS:
        n = len(rx.findall(text))
        if n and n >= 0.3 * len(letters):
            return Language(code, 1.0)
    # lowercase words only: capitalised ones are mostly names, places and shouting, in any language
    words = [_fold(w) for w in WORD.findall(text) if w.islower()]
    if len(words) < MIN_WORDS:
        return ENGLISH
    en = _cover(words, "en")
    if en >= ENGLISH_ENOUGH:
        return Language("en", round(en, 3))
    best = Language("en", round(en, 3))
    for code in TRAINED[1:] + OTHER_LATIN:
        c = _cover(words, code)
        if c > best.cover + 0.05 or (c > best.cover and code in TRAINED):
            best = Language(code, round(c, 3))
    if best.code != "en" and best.code in TRAINED and best.cover >= MIN_COVER:
        return best
    # English shorthand and slang ("hx of sz", "rm 6", "convos") fall outside the common words: the post is
    # English when the judgment knows most of its words; otherwise another language, or undetermined
    read = readable(words)
    if read >= READ_ENOUGH:
        return Language("en", round(read, 3))
    if best.code != "en" and best.cover >= MIN_COVER:
        return best
    return Language("und", round(max(read, best.cover), 3))
