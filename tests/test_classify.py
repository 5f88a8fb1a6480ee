"""The two stages: recall-first candidates (exact spans) and the learned judgment (loads offline, deterministic
training, conditions the rules read)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from phiscan.model import Post


def candidates(scanner, text):
    a, spans = scanner._analyse([text])[text]
    return {(s.entity, s.text) for s in spans}


@pytest.mark.parametrize("text,entity,span", [
    ("Happy 94th to Mrs. Żaneta Wróbel on 3 North!", "PERSON", "Mrs. Żaneta Wróbel"),
    ("Hôm nay ông Trần Đức ở phòng 8 đã tỉnh lại", "PERSON", "ông Trần Đức"),
    ("Hôm nay ông Trần Đức ở phòng 8 đã tỉnh lại", "ROOM", "phòng 8"),
    ("The gentleman in chair 6 brought us cookies again", "ROOM", "chair 6"),
    ("caught a baby girl in LDR 3 at dawn", "ROOM", "LDR 3"),
    ("still thinking about the lady in 512 who slipped off a step stool", "ROOM", "512"),
    ("On a reçu hier soir la petite fille du boulanger", "DATE", "hier soir"),
    ("Grabe ang shift kanina, si Lola sa kwarto 9", "DATE", "kanina"),
    ("Grabe ang shift kanina, si Lola sa kwarto 9", "ROOM", "kwarto 9"),
    ("Bonne fête à Mme Girard, 96 ans aujourd'hui", "AGE", "96 ans"),
    ("he turned ninety-seven years old on the unit", "AGE", "ninety-seven years old"),
    ("her son said to call 301/555/0199 after six", "PHONE", "301/555/0199"),
    ("his pill bottle label read RX# 4418220", "ID", "4418220"),
    ("arrived at 3:40am by ambulance", "DATE", "3:40am"),
    ("she came in the other night with chest pain", "DATE", "the other night"),
])
def test_candidates_are_found(scanner, text, entity, span):
    assert (entity, span) in candidates(scanner, text)


def test_clause_descriptions_are_candidates(scanner):
    text = "We met the only female welder at the shipyard, who came in with burns"
    got = {s for e, s in candidates(scanner, text) if e == "DESCRIPTION"}
    assert "We met the only female welder at the shipyard" in got


def test_detectors_read_no_care_words():
    import inspect

    from phiscan.detectors import patterns

    assert 'near("care"' not in inspect.getsource(patterns) and 'near("personal"' not in inspect.getsource(patterns)


def test_judgment_loads_offline_with_a_digest(scanner):
    import hashlib

    from phiscan.classify.judge import WEIGHTS

    j = scanner.judgment
    assert j is not None and j.digest == hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()[:16]
    assert 0 < j.thresholds["span_low"] < j.thresholds["span_medium"] < j.thresholds["span_high"] < 1


def test_unreadable_weights_are_a_config_error(tmp_path):
    from phiscan.classify.judge import load
    from phiscan.errors import ConfigError

    with pytest.raises(ConfigError) as exc:
        load(str(tmp_path / "missing.npz"))
    assert "missing.npz" in str(exc.value)


def test_relative_dates_resolve_from_one_table():
    from phiscan.detectors.lang import relative_offset
    from phiscan.model import Span
    from phiscan.rules.engine import resolve_relative

    post = Post(id="x", text="", created_at=datetime(2025, 3, 14, 18, 0, tzinfo=timezone.utc))
    sp = lambda t: Span("DATE", 0, len(t), t, 0.5, "dates", "", (("relative", True),))  # noqa: E731
    assert resolve_relative(sp("anoche"), post) == "2025-03-13"
    assert resolve_relative(sp("hier soir"), post) == "2025-03-13"
    assert resolve_relative(sp("the other night"), post) is None
    assert relative_offset("kahapon") == -1 and relative_offset("banana") is False


def test_judgment_conditions_without_a_judgment_never_hold():
    from phiscan.model import Span
    from phiscan.rules.engine import _judged

    class Ctx:
        judgment = None
        judge = None

    sp = Span("PERSON", 0, 4, "Anna", 0.9, "names", "")
    assert not _judged("care", True, sp, Ctx()) and not _judged("tied", "medium", sp, Ctx())


def _tiny_corpus(folder: Path) -> None:
    rows = []
    for i in range(30):
        rows.append({"id": f"p{i}", "account": "staff", "text": f"my pt Oksana{i} in room {400 + i} got her gallbladder out today",
                     "phi": True, "labels": [{"label": "NAME", "text": f"Oksana{i}"}, {"label": "ROOM", "text": f"room {400 + i}"}]})
        rows.append({"id": f"n{i}", "account": "official", "text": f"CPR class {i} in Conference Room {100 + i} on Friday, register today",
                     "phi": False, "labels": []})
    (folder / "tiny-01.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_training_is_reproducible_and_separates_the_classes(tmp_path):
    pytest.importorskip("sklearn")
    from phiscan.classify import train
    from phiscan.classify.judge import PostMeta, load

    _tiny_corpus(tmp_path)
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    train.main(tmp_path, a, [], folds=2, quiet=True)
    train.main(tmp_path, b, [], folds=2, quiet=True)
    assert a.read_bytes() == b.read_bytes()
    judge = load(str(a))
    pos = judge.judge("my pt Oksana99 in room 499 got her gallbladder out today", [], [], PostMeta("staff"))
    neg = judge.judge("CPR class 99 in Conference Room 199 on Friday, register today", [], [], PostMeta("official"))
    assert pos.post > 0.5 > neg.post


def _flagged(scanner, text, when="2025-10-20T12:00:00+00:00"):
    post = Post(id="p", text=text, created_at=datetime.fromisoformat(when))
    return {(f.rule, text[f.start:f.end]) for f in scanner.scan_text(text, post) if f.severity >= f.severity.MEDIUM}


def test_an_event_word_does_not_clear_what_the_judgment_ties_to_a_patient(scanner):
    # "game" is an event word: it clears the date and place of a game announcement, not those of a patient's injury
    text = "the girl from Birchfield High who got hurt at the homecoming game friday is out of surgery and doing great"
    assert _flagged(scanner, text) == {("PHI201", "Birchfield High"), ("PHI201", "friday")}
    assert _flagged(scanner, "Homecoming game friday at Birchfield High: our athletic trainers will staff the first aid tent") == set()
    assert _flagged(scanner, "Blood drive at Harwick Elementary on Saturday, 9am to noon. Walk-ins welcome") == set()


class _StubJudgment:
    """A judgment with chosen probabilities, to pin a rule's ladder apart from the shipped weights."""

    def __init__(self, post, span):
        from phiscan.classify.language import ENGLISH

        self.post, self._span, self.language = post, span, ENGLISH

    def span_p(self, sp):
        return self._span

    def sentence_p(self, pos):
        return self.post


@pytest.mark.parametrize("post_p,span_p,expected", [
    (0.9, 0.5, "low"),  # a care post, the date weakly tied: shown low (it counts once the post's time makes it exact)
    (0.2, 0.5, None),  # not a care post: "this evening" is no one's date
    (0.9, 0.1, None),  # not tied at all
    (0.9, 0.8, "medium"),  # tied: the judgment's ladder as before
])
def test_a_weakly_tied_relative_date_in_a_care_post_is_low(scanner, post_p, span_p, expected):
    from phiscan.rules.engine import Context, _level

    text = "Mrs. Gundersen went home after her hip surgery. Still thinking about her this evening"
    a, spans = scanner._analyse([text])[text]
    sp = next(s for s in spans if s.entity == "DATE")
    assert text[sp.start:sp.end] == "this evening"
    post = Post(id="p", text=text, created_at=datetime(2025, 10, 20, 12, tzinfo=timezone.utc))
    ctx = Context(a=a, post=post, spans=spans, profile_match=lambda s: set(), judgment=_StubJudgment(post_p, span_p),
                  judge=scanner.judgment)
    sev, _ = _level(scanner.rules.get("PHI103"), sp, ctx)
    assert (str(sev) if sev is not None else None) == expected


class _EntityStub(_StubJudgment):
    """A judgment whose span probabilities depend on the candidate's entity."""

    def __init__(self, post, by_entity):
        super().__init__(post, None)
        self.by_entity = by_entity

    def span_p(self, sp):
        return self.by_entity.get(sp.entity, 0.0)


@pytest.mark.parametrize("text,others,expected", [
    # nothing else in the post points to anyone: the day it discloses is no one's a reader can tell
    ("An older man kept asking for his wife on the way into the OR this morning", {"DESCRIPTION": 0.55}, "low"),
    # a clause tied at medium singles someone out: the date is theirs
    ("An older man kept asking for his wife on the way into the OR this morning", {"DESCRIPTION": 0.7}, "medium"),
    # a name in the post, however weakly the judgment ties it: the date may be the named patient's
    ("Mrs. Gundersen went home after her hip surgery this morning", {"PERSON": 0.3, "DESCRIPTION": 0.1}, "medium"),
    ("Mrs. Gundersen went home after her hip surgery this morning", {"PERSON": 0.05, "DESCRIPTION": 0.1}, "medium"),
])
def test_a_relative_date_alone_in_a_care_post_is_low(scanner, text, others, expected):
    from phiscan.rules.engine import Context, _level

    a, spans = scanner._analyse([text])[text]
    sp = next(s for s in spans if s.entity == "DATE")
    assert text[sp.start:sp.end] == "this morning"
    assert any(s.entity in others for s in spans if s is not sp)
    post = Post(id="p", text=text, created_at=datetime(2025, 10, 20, 12, tzinfo=timezone.utc))
    ctx = Context(a=a, post=post, spans=spans, profile_match=lambda s: set(),
                  judgment=_EntityStub(0.9, {"DATE": 0.9, **others}), judge=scanner.judgment)
    sev, why = _level(scanner.rules.get("PHI103"), sp, ctx)
    assert str(sev) == expected
    if expected == "low":
        assert "nothing else in the post" in why


@pytest.mark.parametrize("post_p,span_p,expected", [
    (0.9, 0.95, "low"),  # strongly tied to a care story: an age narrows who the patient is
    (0.9, 0.5, None),  # weakly tied: an age under 90 alone is no identifier
    (0.2, 0.95, None),  # no one's care
])
def test_an_age_under_90_tied_to_a_care_story_is_an_indirect_identifier(scanner, post_p, span_p, expected):
    from phiscan.rules.engine import Context, _level

    text = "Our 34-year-old triathlete with the torn ACL is back on the bike"
    a, spans = scanner._analyse([text])[text]
    sp = next(s for s in spans if s.entity == "AGE")
    assert text[sp.start:sp.end] == "34-year-old"
    post = Post(id="p", text=text)
    ctx = Context(a=a, post=post, spans=spans, profile_match=lambda s: set(), judgment=_StubJudgment(post_p, span_p),
                  judge=scanner.judgment)
    sev, _ = _level(scanner.rules.get("PHI120"), sp, ctx)
    assert (str(sev) if sev is not None else None) == expected
    assert _level(scanner.rules.get("PHI104"), sp, ctx)[0] is None  # never the over-89 rule


def test_an_age_over_89_is_left_to_its_own_rule(scanner):
    from phiscan.rules.engine import Context, _level

    text = "Happy 96th birthday to the sweetest patient on our floor"
    a, spans = scanner._analyse([text])[text]
    sp = next(s for s in spans if s.entity == "AGE")
    ctx = Context(a=a, post=Post(id="p", text=text), spans=spans, profile_match=lambda s: set(),
                  judgment=_StubJudgment(0.9, 0.95), judge=scanner.judgment)
    assert _level(scanner.rules.get("PHI120"), sp, ctx)[0] is None
    assert str(_level(scanner.rules.get("PHI104"), sp, ctx)[0]) == "high"


@pytest.mark.parametrize("text,not_a_name", [
    ("dtr and son visited last eve, plan to visit again", "son"),  # a family word, though 'Son' is a given name
    ("ATIVAN .5MG IV GIVEN PER HO. SLEPT WELL", "HO"),  # the house officer: an abbreviation after "per"
    ("HICKMAN CATHETER, HEPARIN FLUSHED", "HICKMAN CATHETER, HEPARIN"),  # words in the SURNAME, FIRST shape
    ("ECHO TODAY: MVR, LVEF 35%", "MVR, LVEF"),  # shorthand no name lexicon knows
])
def test_note_shorthand_is_not_a_name_candidate(scanner, text, not_a_name):
    assert ("PERSON", not_a_name) not in candidates(scanner, text)


@pytest.mark.parametrize("text,name", [
    ("BOARD: RM 4 SZYMANSKA, HALINA", "SZYMANSKA, HALINA"),
    ("spoke with Dolores about the plan", "Dolores"),
    ("wife Marisela called at 1400", "Marisela"),
])
def test_board_and_relative_names_stay_candidates(scanner, text, name):
    assert ("PERSON", name) in candidates(scanner, text)


def test_a_board_surname_with_an_initial_stays_a_candidate(scanner):
    assert ("PERSON", "QUARRELL, T") in candidates(scanner, "BED 7  QUARRELL, T  NPO")
    assert ("PERSON", "MVR, S") not in candidates(scanner, "ECHO: MVR, S/P REPAIR")


def test_clause_rest_keeps_the_words_before_the_first_identifier_as_a_lead_part():
    from phiscan.engine import clause_rest
    from phiscan.model import Span

    text = "the retired crossing guard Maren Oduya came back to our unit tonight"
    clause = Span("DESCRIPTION", 0, len(text), text, 0.5, "clause", "", (("kind", "clause"),))
    name = Span("PERSON", text.index("Maren"), text.index("Maren") + len("Maren Oduya"), "Maren Oduya", 0.9, "ner", "")
    night = Span("DATE", text.index("tonight"), len(text), "tonight", 0.9, "date", "")
    parts = clause_rest(clause, [name, night])
    assert [(p.text, p.start, p.end, p.attr("lead"), p.attr("part")) for p in parts] == [
        ("the retired crossing guard", 0, 26, True, True),
        ("came back to our unit", 39, 60, None, True),
    ]
    # a lead of fewer than two words, or of few letters ("my pt"), is no description
    short = "my pt Maren Oduya came back to our unit"
    clause = Span("DESCRIPTION", 0, len(short), short, 0.5, "clause", "", (("kind", "clause"),))
    name = Span("PERSON", 6, 17, "Maren Oduya", 0.9, "ner", "")
    assert [p.text for p in clause_rest(clause, [name])] == ["came back to our unit"]


def test_lead_parts_are_no_post_evidence():
    from phiscan.classify.judge import PostMeta, post_features
    from phiscan.model import Span

    text = "the retired crossing guard Maren Oduya came back"
    lead = Span("DESCRIPTION", 0, 26, "the retired crossing guard", 0.5, "clause", "", (("kind", "clause"), ("lead", True), ("part", True)))
    rest = Span("DESCRIPTION", 39, 48, "came back", 0.5, "clause", "", (("kind", "clause"), ("part", True)))
    assert not any(f.startswith("c:DESCRIPTION") for f in post_features(text, [lead], PostMeta()))
    assert "c:DESCRIPTION" in post_features(text, [rest], PostMeta())
