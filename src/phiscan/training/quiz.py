"""The quiz: N posts drawn from the bank (as many hard negatives as PHI posts, give or take one; a seed makes
the draw repeatable), each answered with a verdict (safe, or identifies a patient) and the words marked that
identify someone.

Scoring of one item (0 to 1): half for the verdict, half for the marks. The marks score is
found / (identifiers + wrong marks): an identifier is found when every word over it is marked; a wrong mark is
a marked word over no identifier. A safe post with nothing marked scores 1 for the marks (0/0); a post with no
verdict scores 0. The total is
the mean item score as a percentage; the quiz is passed at or above the pass mark (a setting).
"""
from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass
from typing import Iterable, Sequence

from .bank import Bank, Case

_OPEN = "\"'(“‘[«¿¡"
_CLOSE = ".,;:!?)\"'”’]»…"


@dataclass(frozen=True)
class Token:
    index: int
    text: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """The words of a post a trainee can mark: runs of non-space, without the punctuation around them (a URL,
    an email address, a handle or "94-year-old" stay one word)."""
    out: list[Token] = []
    for m in re.finditer(r"\S+", text):
        a, b = m.start(), m.end()
        while a < b and text[a] in _OPEN:
            a += 1
        while b > a and text[b - 1] in _CLOSE:
            b -= 1
        if a < b:
            out.append(Token(len(out), text[a:b], a, b))
    return out


def pieces(text: str) -> list[tuple[str, Token | None]]:
    """The post cut into words and the text between them, for a form of checkboxes over the words."""
    out: list[tuple[str, Token | None]] = []
    at = 0
    for t in tokens(text):
        if t.start > at:
            out.append((text[at:t.start], None))
        out.append((t.text, t))
        at = t.end
    if at < len(text):
        out.append((text[at:], None))
    return out


def new_seed() -> int:
    return secrets.randbelow(1_000_000)


def draw(bank: Bank, size: int, seed: int, module: str | None = None) -> list[Case]:
    """`size` cases (fewer if the pool is smaller) from the bank's PHI and safe cases (of `module` if given):
    half PHI, half hard negatives (the odd one PHI), topped up from the other kind when one runs short; the
    same seed and bank give the same quiz."""
    rng = random.Random(seed)
    phi = sorted((c for c in bank.of_kind("phi", module=module)), key=lambda c: c.id)
    safe = sorted((c for c in bank.of_kind("safe", module=module)), key=lambda c: c.id)
    size = max(0, min(size, len(phi) + len(safe)))
    n_phi = min(len(phi), (size + 1) // 2)
    n_safe = min(len(safe), size - n_phi)
    n_phi = min(len(phi), size - n_safe)
    chosen = rng.sample(phi, n_phi) + rng.sample(safe, n_safe)
    rng.shuffle(chosen)
    return chosen


@dataclass(frozen=True)
class ItemScore:
    case: Case
    verdict: str | None  # "safe", "phi" or None (no answer)
    verdict_right: bool
    found: tuple[int, ...]  # indexes of the case's identifiers found
    missed: tuple[int, ...]
    wrong_marks: tuple[str, ...]  # words marked over no identifier
    score: float  # 0..1

    @property
    def correct(self) -> bool:
        return self.score == 1.0


def score_item(case: Case, verdict: str | None, marked: Iterable[int]) -> ItemScore:
    toks = tokens(case.post)
    marked_set = {i for i in marked if 0 <= i < len(toks)}
    right = verdict == ("safe" if case.kind == "safe" else "phi")
    found, missed = [], []
    for n, ident in enumerate(case.identifiers):
        over = [t.index for t in toks if t.start < ident.end and ident.start < t.end]
        (found if over and all(i in marked_set for i in over) else missed).append(n)
    wrong = [toks[i].text for i in sorted(marked_set)
             if not any(toks[i].start < d.end and d.start < toks[i].end for d in case.identifiers)]
    denom = len(case.identifiers) + len(wrong)
    marks = 1.0 if denom == 0 else len(found) / denom
    score = 0.0 if verdict is None else 0.5 * right + 0.5 * marks  # an unanswered post scores nothing
    return ItemScore(case, verdict, right, tuple(found), tuple(missed), tuple(wrong), score)


@dataclass(frozen=True)
class QuizScore:
    items: tuple[ItemScore, ...]
    pass_mark: int  # percent

    @property
    def percent(self) -> float:
        if not self.items:
            return 0.0
        return round(100 * sum(i.score for i in self.items) / len(self.items), 1)

    @property
    def passed(self) -> bool:
        return bool(self.items) and self.percent >= self.pass_mark


def score_quiz(cases: Sequence[Case], answers: Sequence[tuple[str | None, Iterable[int]]], pass_mark: int) -> QuizScore:
    """`answers[i]` = (verdict, indexes of the words marked) for `cases[i]`."""
    if len(answers) != len(cases):
        raise ValueError(f"{len(answers)} answers for {len(cases)} questions")
    return QuizScore(tuple(score_item(c, v, m) for c, (v, m) in zip(cases, answers)), pass_mark)


def module_key(module: str | None) -> str:
    """What the records call a quiz: "quiz" (the whole bank) or "quiz:MODULE"."""
    return f"quiz:{module}" if module else "quiz"
