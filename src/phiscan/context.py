"""Context cues: named word lists (rules/context.yaml), matched as one alternation per list would match them.

Each list is, by definition, the regex alternation of its phrases (`_phrase_regex`, longest phrase first; a
second, case-sensitive alternation for phrases in capitals and `=` phrases), and a cue's hits are what
`finditer` of that alternation finds. Running ~1,000 alternatives with look-behinds at every position of every
post made cue matching the slowest part of a scan (and compiling them a tenth of a cold start), so
`CueMatcher` finds the same hits another way: a phrase can only start where a word starts (or at its own
leading punctuation), so each word of the text is looked up in a dictionary of the phrases' first words (and
first-word prefixes for `*` phrases); only the phrases found there are tried, each with its own regex, at that
position, in the alternation's order. A word with non-ASCII letters, whose case folding the dictionary does not
model, is matched with the list's whole alternation at that position. Either way the first alternative that
matches at a position wins and the search resumes after it, exactly as `finditer` does;
tests/test_context_cues.py checks that on varied texts.
"""
from __future__ import annotations

import itertools
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .yamlio import load_yaml

from .errors import ConfigError


def _phrase_regex(phrase: str) -> str:
    p = phrase.strip()
    star = p.endswith("*")
    if star:
        p = p[:-1]
    body = r"\s+".join(re.escape(w) for w in p.split())
    left = r"(?<![\w#@])" if p[:1].isalnum() else r"(?<!\w)" if p[:1] else ""
    right = r"\w*" if star else (r"(?![\w])" if p[-1:].isalnum() or p[-1:] == "." else "")
    return left + body + right


_WORD_RUN = re.compile(r"\w+")
_ASCII_WORD = string.ascii_lowercase + string.digits + "_"


def _first_run(phrase: str) -> tuple[str | None, bool, bool]:
    """(first run of word characters or None when the phrase starts with another character, whether the run is
    matched as a prefix of the text's word (a `*` phrase of one word), whether the phrase is usable here)."""
    p = phrase.strip()
    star = p.endswith("*")
    if star:
        p = p[:-1]
    if not p:
        return None, False, False  # matches the empty string: leave it to the alternation
    m = _WORD_RUN.match(p)
    if m is None:
        return None, False, p[0].isascii() and not p[0].isspace()
    run = m.group()
    at_end = m.end() == len(p)
    # without a word boundary after it (a `*` phrase, or one ending in "_"), the run may be followed by more
    # word characters in the text: it is a prefix of the text's word
    prefix = at_end and (star or not (p[-1].isalnum() or p[-1] == "."))
    return run, prefix, True


def _ascii_variants(run: str, ignorecase: bool) -> list[str] | None:
    """The ASCII spellings of `run` a text word can have and still match it (lower-cased under ignorecase);
    [] when no ASCII word can match it; None when there are too many to list."""
    if not ignorecase:
        return [run] if run.isascii() else []
    choices = []
    for ch in run:
        if ch.isascii():
            choices.append([ch.lower()])
        else:  # a few non-ASCII letters fold to ASCII ones under re.I (the Kelvin sign to k, long s to s)
            eq = [a for a in _ASCII_WORD if re.fullmatch(re.escape(ch), a, re.I)]
            if not eq:
                return []
            choices.append(eq)
    n = 1
    for c in choices:
        n *= len(c)
    if n > 64:
        return None
    return ["".join(x) for x in itertools.product(*choices)]


@dataclass
class _Group:
    """One alternation: a cue list's case-insensitive or its case-sensitive phrases, in alternation order."""

    name: str
    sources: list[str]
    ignorecase: bool
    legacy: bool = False  # a phrase the index cannot place: always run the whole alternation
    _pattern: re.Pattern | None = None
    _each: dict[int, re.Pattern] = field(default_factory=dict)

    @property
    def pattern(self) -> re.Pattern:
        """The list's alternation, as the cue list defines it (compiled on first use)."""
        if self._pattern is None:
            self._pattern = re.compile("|".join(self.sources), re.I if self.ignorecase else 0)
        return self._pattern

    def alternative(self, i: int) -> re.Pattern:
        rx = self._each.get(i)
        if rx is None:
            rx = self._each[i] = re.compile(self.sources[i], re.I if self.ignorecase else 0)
        return rx


class CueMatcher:
    """Finds every cue list's hits in a text (see the module docstring for how)."""

    _MEMO_LIMIT = 50_000  # words remembered (a few MB at most over a long scan)

    def __init__(self, lists: dict[str, tuple[list[str], list[str]]], descriptions: dict[str, str]):
        """lists: name -> (case-insensitive phrases in alternation order, case-sensitive phrases in order)."""
        self.descriptions = descriptions
        self._names = sorted(n for n, (a, b) in lists.items() if a or b)
        self.groups: list[_Group] = []
        self._group_of: dict[str, list[int]] = {}
        # word -> [(group, alternative)] for whole first words; length -> prefix -> [...] for `*` phrases
        self._exact: tuple[dict, dict] = ({}, {})  # [0]: case-sensitive (exact word), [1]: ignorecase (lowered)
        self._prefix: tuple[dict, dict] = ({}, {})
        self._punct: dict[str, list[tuple[int, int]]] = {}  # leading non-word character -> [...]
        self._word_groups_i: list[int] = []  # ignorecase groups with phrases that start with a word character
        for name, (insensitive, sensitive) in lists.items():
            for phrases, ic in ((insensitive, True), (sensitive, False)):
                if not phrases:
                    continue
                g = len(self.groups)
                group = _Group(name, [_phrase_regex(p) for p in phrases], ic)
                self.groups.append(group)
                self._group_of.setdefault(name, []).append(g)
                has_word = False
                for alt, p in enumerate(phrases):
                    run, prefix, ok = _first_run(p)
                    if not ok:
                        group.legacy = True
                        break
                    if run is None:
                        self._punct.setdefault(p.strip()[0], []).append((g, alt))
                        continue
                    has_word = True
                    variants = _ascii_variants(run, ic)
                    if variants is None:
                        group.legacy = True
                        break
                    for v in variants:
                        if prefix:
                            self._prefix[ic].setdefault(len(v), {}).setdefault(v, []).append((g, alt))
                        else:
                            self._exact[ic].setdefault(v, []).append((g, alt))
                    if not ic and not run.isascii():  # exact spelling of a non-ASCII word
                        target = self._prefix[0].setdefault(len(run), {}) if prefix else self._exact[0]
                        target.setdefault(run, []).append((g, alt))
                if has_word and ic:
                    self._word_groups_i.append(g)
        self._legacy = [g for g, grp in enumerate(self.groups) if grp.legacy]
        self._prefix_lengths = tuple(tuple(sorted(d)) for d in self._prefix)
        self._punct_rx = re.compile("[" + "".join(re.escape(c) for c in sorted(self._punct)) + "]") if self._punct else None
        self._memo: dict[str, tuple] = {}

    @property
    def names(self) -> list[str]:
        return list(self._names)

    def _candidates(self, word: str) -> tuple:
        """(group, alternative) pairs whose phrase may start with this word; (group, -1) means "try the whole
        alternation"."""
        got = self._memo.get(word)
        if got is not None:
            return got
        out: list[tuple[int, int]] = []
        for ic, key in ((0, word), (1, word.lower() if word.isascii() else None)):
            if key is None:
                continue
            out.extend(self._exact[ic].get(key, ()))
            for n in self._prefix_lengths[ic]:
                if n > len(key):
                    break
                out.extend(self._prefix[ic][n].get(key[:n], ()))
        if not word.isascii():
            out.extend((g, -1) for g in self._word_groups_i)
        if len(self._memo) >= self._MEMO_LIMIT:
            self._memo.clear()
        got = self._memo[word] = tuple(out)
        return got

    def find_all(self, text: str) -> dict[str, list[tuple[int, int]]]:
        per_group: dict[int, dict[int, list[int]]] = {}
        for m in _WORD_RUN.finditer(text):
            for g, alt in self._candidates(m.group()):
                per_group.setdefault(g, {}).setdefault(m.start(), []).append(alt)
        if self._punct_rx is not None:
            for m in self._punct_rx.finditer(text):
                for g, alt in self._punct[m.group()]:
                    per_group.setdefault(g, {}).setdefault(m.start(), []).append(alt)
        hits_by_group: dict[int, list[tuple[int, int]]] = {}
        for g in self._legacy:
            per_group.pop(g, None)
            hits = [m.span() for m in self.groups[g].pattern.finditer(text)]
            if hits:
                hits_by_group[g] = hits
        for g, starts in per_group.items():
            group = self.groups[g]
            hits = []
            resume = 0
            for pos in sorted(starts):
                if pos < resume:
                    continue
                alts = starts[pos]
                if -1 in alts:
                    m = group.pattern.match(text, pos)
                else:
                    m = None
                    for alt in sorted(set(alts)) if len(alts) > 1 else alts:
                        m = group.alternative(alt).match(text, pos)
                        if m is not None:
                            break
                if m is not None:
                    hits.append(m.span())
                    resume = m.end() if m.end() > pos else pos + 1
            if hits:
                hits_by_group[g] = hits
        out: dict[str, list[tuple[int, int]]] = {}
        for name in self._names:
            hits = [h for g in self._group_of.get(name, ()) for h in hits_by_group.get(g, ())]
            if hits:
                out[name] = sorted(hits)
        return out

    def reference_find_all(self, text: str) -> dict[str, list[tuple[int, int]]]:
        """The hits by definition (every list's whole alternation, `finditer`): slow; for tests."""
        out: dict[str, list[tuple[int, int]]] = {}
        for name in self._names:
            hits = [m.span() for g in self._group_of.get(name, ()) for m in self.groups[g].pattern.finditer(text)]
            if hits:
                out[name] = sorted(hits)
        return out


def load_cues(path: Path) -> CueMatcher:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read context cues: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cues"), dict):
        raise ConfigError(f"{path}: expected a mapping with key 'cues'")
    lists, desc = {}, {}
    for name, spec in data["cues"].items():
        if not isinstance(spec, dict) or not isinstance(spec.get("phrases"), list):
            raise ConfigError(f"{path}: cues.{name}: expected 'phrases: [...]'")
        bad = [p for p in spec["phrases"] if not isinstance(p, str) or not p.strip()]
        if bad:
            raise ConfigError(f"{path}: cues.{name}.phrases: every phrase must be a non-empty string")
        # A phrase written in capitals of two or more letters ("PT", "ER") is matched case-sensitively: "PT" is a
        # physical therapist, "pt" a patient.
        # "=pt" is case-sensitive too, but also matches with a capital first letter ("Pt").
        upper = [p for p in spec["phrases"] if len(p) >= 2 and p.isupper() and p.isalpha()]
        exact = [p[1:] for p in spec["phrases"] if p.startswith("=")]
        exact += [p[:1].upper() + p[1:] for p in exact]
        lower = [p for p in spec["phrases"] if p not in upper and not p.startswith("=")]
        lists[name] = (sorted(lower, key=len, reverse=True), upper + exact)
        desc[name] = spec.get("description", "")
    return CueMatcher(lists, desc)
