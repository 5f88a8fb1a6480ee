"""Roles of person and handle findings (phiscan.classify.roles): the role of each span, and the signal named."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from phiscan.cli import main
from phiscan.config import Config
from phiscan.engine import Scanner
from phiscan.model import Post

PROFILE = """\
organization: Larchmont Valley Health
names: [Larchmont Valley Health]
accounts: ["@LarchmontValleyHealth"]
staff: [Odalys Brennock]
"""


@pytest.fixture(scope="module")
def scanner(tmp_path_factory):
    p = tmp_path_factory.mktemp("roles") / "profile.yaml"
    p.write_text(PROFILE)
    return Scanner.from_config(Config(profile=str(p)))


def roles(scanner, text, **meta):
    post = Post(id="r", text=text, **meta)
    ((_, found),) = list(scanner.scan([post]))
    return [(f.rule, f.start, f.end, f.evidence, f.role, f.role_signal) for f in found if f.role]


REPLY = {"account_type": "official", "kind": "reply"}

CASES = {
    "staff recognition naming a unit": (
        "Congratulations to Marisol Quintero on 32 years in our cath lab! We will miss her laugh.", {},
        [("PHI101", 19, 35, "Marisol Quintero", "staff", "staff: '32 years in our cath lab'")]),
    "staff who keeps a unit running": (
        "Thank you Dellwyn Archer for keeping our ICU spotless every single night.", {},
        []),  # read staff ("keeping our ICU spotless"), so PHI101's role step drops the name
    "staff thanked for the care a relative got": (
        "Big thanks to Wendell Okonjo for the amazing care my mom got in the ED on Tuesday", {},
        []),  # read staff ("for the amazing care"): dropped (test_staff_thanked_for_care_is_read_as_staff)
    "a relative after a kin word": (
        "Her dad Tomasz came in with chest pain last night and is in the ICU now", {},
        [("PHI101", 8, 14, "Tomasz", "relative", "relative: 'Her dad'")]),
    "a patient after a patient word": (
        "My pt Rosa Velarde finally went home today after 3 weeks on the heart floor", {},
        [("PHI101", 6, 18, "Rosa Velarde", "patient", "patient: 'My pt'")]),
    "a patient named in a reply": (
        "Lenora, we are glad your recovery is going well after your knee replacement here.",
        {**REPLY, "reply_to_author": "Lenora Fitch"},
        [("PHI202", 0, 6, "Lenora", "patient", "patient: reply addressee, the reply speaks of their care")]),
    "a handle a reply opens with": (
        "@grace_okafor so glad your surgery went well, the whole 4 West team is rooting for you!",
        {**REPLY, "reply_to_author": "@grace_okafor"},
        [("PHI202", 0, 13, "@grace_okafor", "patient", "patient: reply addressee, the reply speaks of their care")]),
    "a reply addressee whose relative is the patient": (
        "@maria_r your dad is stable and resting in the ICU", {**REPLY, "reply_to_author": "@maria_r"},
        [("PHI202", 0, 8, "@maria_r", "relative", "relative: reply addressee, 'your dad'")]),
    "a colleague welcomed to the team": (
        "Please welcome Tavita Fonoti to our team on 5 North!", {},
        []),  # read staff ("to our team"): dropped
    "a patient and a relative in one post": (
        "Mr. Okafor in bed 12 keeps asking for his grandson Idris", {},
        [("PHI101", 0, 10, "Mr. Okafor", "patient", "patient: a room or bed right beside the name"),
         ("PHI101", 51, 56, "Idris", "relative", "relative: 'his grandson'")]),
    "a public figure speaking of their own health": (
        "Country star Jolene Marsh told fans this week she is recovering from heart surgery.", {"account_type": "staff"},
        [("PHI101", 13, 25, "Jolene Marsh", "public_figure", "public_figure: 'Country star'")]),
    "a public figure the organization says it treats": (
        "So honored that country star Jolene Marsh trusted our cardiac team with her heart surgery this week!",
        {"account_type": "official"},
        [("PHI101", 29, 41, "Jolene Marsh", "patient",
          "patient: a public figure ('country star') whose care the organization's account tells of")]),
    "a public figure on their own health": (
        "Senator Halvorsen spoke openly about her own cancer treatment at the rally today.", {},
        [("PHI101", 0, 17, "Senator Halvorsen", "public_figure", "public_figure: 'Senator'")]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_role_of_each_span(scanner, case):
    text, meta, expected = CASES[case]
    assert roles(scanner, text, **meta) == expected


def test_staff_from_the_profile_roster(scanner):
    from phiscan.classify.roles import RoleReader
    from phiscan.rules.engine import Context

    text = "Odalys Brennock sat with the family in the ICU waiting room for hours last night."
    # the roster drops the name's finding (PHI101's first level): the role is read on the candidate itself
    assert [f for f in scanner.scan_text(text) if f.rule == "PHI101"] == []
    a, spans = scanner._analyse([text])[text]
    (name,) = [s for s in spans if s.entity == "PERSON"]
    ctx = Context(a=a, post=Post(id="r", text=text), spans=spans, profile_match=scanner.profile.match)
    role = RoleReader(ctx).role_of(name)
    assert (name.text, role.role, role.signal) == ("Odalys Brennock", "staff", "staff: on the organization's staff roster")


def test_org_account_handle_is_staff(scanner):
    from phiscan.classify.roles import RoleReader
    from phiscan.model import Span
    from phiscan.rules.engine import Context

    text = "Thanks @LarchmontValleyHealth for the parking update"
    a, spans = scanner._analyse([text])[text]
    ctx = Context(a=a, post=Post(id="r", text=text), spans=spans, profile_match=scanner.profile.match)
    sp = Span("HANDLE", 7, 29, "@LarchmontValleyHealth", 0.9, "handles", "")
    assert RoleReader(ctx).role_of(sp).signal == "staff: the organization's own account"
    assert RoleReader(ctx).role_of(Span("DATE", 0, 3, "x", 1, "d", "")) is None  # only people and handles


DROPPED_AS_STAFF = ("a colleague welcomed to the team", "staff who keeps a unit running", "staff thanked for the care a relative got")
# a name read as staff that the judgment still ties to care at high is lowered to low, not dropped
LOWERED_AS_STAFF = ("staff recognition naming a unit",)


def test_staff_thanked_for_care_is_read_as_staff(scanner):
    from phiscan.classify.roles import RoleReader
    from phiscan.rules.engine import Context

    text = CASES["staff thanked for the care a relative got"][0]
    a, spans = scanner._analyse([text])[text]
    (name,) = [s for s in spans if s.entity == "PERSON"]
    ctx = Context(a=a, post=Post(id="r", text=text), spans=spans, profile_match=scanner.profile.match)
    role = RoleReader(ctx).role_of(name)
    assert (name.text, role.role, role.signal) == ("Wendell Okonjo", "staff", "staff: 'for the amazing care'")


def test_roles_change_severities_only_through_the_role_step(scanner, monkeypatch):
    """Without roles every finding is the same but the names PHI101's `role: [staff]` steps drop or lower."""
    import phiscan.classify.roles

    def found(s):
        return {k: [(f.rule, f.start, f.end, str(f.severity), f.explanation) for f in fs]
                for k, (_, fs) in zip(sorted(CASES), s.scan([Post(id=k, text=t, **m) for k, (t, m, _) in sorted(CASES.items())]))}

    with_roles = found(Scanner.from_config(Config()))

    class NoRoles:
        def __init__(self, ctx):
            pass

        def role_of(self, sp):
            return None

    monkeypatch.setattr(phiscan.classify.roles, "RoleReader", NoRoles)
    without = Scanner.from_config(Config())
    got = found(without)
    changed = DROPPED_AS_STAFF + LOWERED_AS_STAFF
    assert {k: v for k, v in got.items() if k not in changed} == {k: v for k, v in with_roles.items() if k not in changed}
    for k in DROPPED_AS_STAFF:  # without roles the name is reported; with them it is gone and nothing is above low
        assert "PHI101" in [r for r, *_ in got[k]], k
        assert [x for x in with_roles[k] if x[0] == "PHI101" or x[3] != "low"] == [], k
    assert with_roles["a colleague welcomed to the team"] == [] and with_roles["staff who keeps a unit running"] == []
    for k in LOWERED_AS_STAFF:
        assert [sev for r, _, _, sev, _ in with_roles[k] if r == "PHI101"] == ["low"], k
        assert [sev for r, _, _, sev, _ in got[k] if r == "PHI101"] == ["high"], k
    assert all(f.role is None for f in without.scan_text(CASES["a relative after a kin word"][0]))


def test_role_in_json_sarif_and_text_reports(tmp_path):
    posts = tmp_path / "posts.jsonl"
    posts.write_text(json.dumps({"id": "p1", "text": "My pt Rosa Velarde finally went home today after 3 weeks on the heart floor",
                                 "created_at": "2025-04-02T10:00:00Z"}) + "\n")
    r = CliRunner().invoke(main, ["scan", "--no-cache", "--format", "json", str(posts)])
    (name,) = [f for f in json.loads(r.stdout)["findings"] if f["rule"] == "PHI101"]
    assert (name["role"], name["role_signal"]) == ("patient", "patient: 'My pt'")
    date = [f for f in json.loads(r.stdout)["findings"] if f["rule"] == "PHI103"]
    assert date and all(f["role"] is None for f in date)
    r = CliRunner().invoke(main, ["scan", "--no-cache", "--format", "sarif", str(posts)])
    res = [x for x in json.loads(r.stdout)["runs"][0]["results"] if x["ruleId"] == "PHI101"]
    assert [(x["properties"]["role"], x["properties"]["roleSignal"]) for x in res] == [("patient", "patient: 'My pt'")]
    r = CliRunner().invoke(main, ["scan", "--no-cache", str(posts)])
    assert "'Rosa Velarde' (patient): A patient's" in r.output
    r = CliRunner().invoke(main, ["check", "--text", "My pt Rosa Velarde finally went home today after 3 weeks on the heart floor"])
    assert "'Rosa Velarde' (patient) (text:6-18)" in r.output
    assert "role: patient: 'My pt'" in r.output


def test_role_survives_the_scan_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text = "Her dad Tomasz came in with chest pain last night and is in the ICU now"
    post = Post(id="c", text=text)
    first = Scanner.from_config(Config(), cache=True)
    ((_, fresh),) = list(first.scan([post]))
    first.cache.close()
    second = Scanner.from_config(Config(), cache=True)
    ((_, cached),) = list(second.scan([post]))
    assert second.cache.hits == 1
    assert [(f.rule, f.role, f.role_signal) for f in cached] == [(f.rule, f.role, f.role_signal) for f in fresh]
    assert cached[0].role_signal == "relative: 'Her dad'"
    second.cache.close()
