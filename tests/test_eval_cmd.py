"""`phiscan eval`: the scores, the missed PHI posts and the falsely flagged clean posts (ids and text, masked
with --redact), and --fail-on refused as a usage error. The gold posts are synthetic."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from phiscan.cli import main
from phiscan.evaluate import Gold, Listed, score
from phiscan.model import Finding, Severity

MISSED_TEXT = "our beloved frequent flyer is back, third time this month"
FALSE_TEXT = "Congrats to Dr. Hollis Vantongeren on her retirement after 30 years, call 555-0142 to sign the card in room 4B"
GOLD = [
    {"id": "p1", "text": "So proud of my pt Cornelius Abernathy, walked the hallway today after his hip surgery. MRN 66104729",
     "phi": True, "labels": [{"label": "NAME", "text": "Cornelius Abernathy"}, {"label": "MRN", "text": "66104729"}]},
    {"id": "[red]p2", "text": MISSED_TEXT, "phi": True, "labels": [{"label": "DESCRIPTION", "text": "frequent flyer"}]},
    {"id": "p3", "text": "hope [bold]she[/bold] feels better soon", "phi": True, "labels": []},
    {"id": "n1", "text": "Blood drive this Friday in the main lobby, 8am to 2pm. Walk-ins welcome!", "phi": False, "labels": []},
    {"id": "n2", "text": FALSE_TEXT, "phi": False, "labels": []},
]


@pytest.fixture(scope="module")
def gold(tmp_path_factory):
    path = tmp_path_factory.mktemp("eval") / "gold.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in GOLD), encoding="utf-8")
    return str(path)


def run(*args):
    return CliRunner().invoke(main, ["eval", *args], catch_exceptions=False)


def test_eval_json_lists_missed_and_falsely_flagged_posts(gold):
    r = run(gold, "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["docs_pos"] == 3 and doc["docs_neg"] == 2 and doc["redacted"] is False
    assert doc["missed_posts"] == [
        {"id": "[red]p2", "text": MISSED_TEXT, "labels": ["DESCRIPTION"]},
        {"id": "p3", "text": "hope [bold]she[/bold] feels better soon", "labels": []},
    ]
    assert doc["false_alarm_posts"] == [{"id": "n2", "text": FALSE_TEXT, "rules": ["PHI105", "PHI108"]}]


def test_eval_redact_masks_gold_spans_and_findings(gold):
    doc = json.loads(run(gold, "--json", "--redact").stdout)
    assert doc["redacted"] is True
    assert doc["missed_posts"] == [
        {"id": "[red]p2", "text": "our beloved f******* f**** is back, third time this month", "labels": ["DESCRIPTION"]},
        {"id": "p3", "text": "h*** [*************** f**** b***** s***", "labels": []},  # no span: all of it
    ]
    (fa,) = doc["false_alarm_posts"]
    # every finding is masked, the low one on the name too, not only those that flagged the post
    assert fa["text"] == "Congrats to Dr. H***** V********** on her retirement a**** 3* y****, call 5******* to sign the card in r*** 4*"


def test_eval_table_lists_the_posts_as_plain_text(gold):
    r = run(gold)
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "PHI posts not flagged: 2\n  [red]p2 [DESCRIPTION]\n    " + MISSED_TEXT + "\n" in out  # ids never read as markup
    assert "  p3 [-]\n    hope [bold]she[/bold] feels better soon\n" in out
    assert "clean posts flagged: 1\n  n2 [PHI105, PHI108]\n    " + FALSE_TEXT + "\n" in out
    assert "n1" not in out


def test_eval_table_redacted(gold):
    out = run(gold, "--redact").stdout
    assert "PHI posts not flagged: 2 (text masked: --redact)" in out
    assert "frequent flyer" not in out and "555-0142" not in out and "call 5******* to sign" in out


def test_eval_refuses_fail_on(gold):
    r = CliRunner().invoke(main, ["eval", gold, "--fail-on", "high"])
    assert r.exit_code == 2
    assert "--fail-on does not apply to eval" in r.output and "--flag-at" in r.output


def test_eval_help_documents_redact_and_no_fail_on():
    out = run("--help").stdout
    assert "--fail-on" not in out.split("Options:")[1]
    assert "eval has no --fail-on" in " ".join(out.split())
    assert "Mask the labeled spans and findings in the listed posts' text" in " ".join(out.split())
    scan_help = CliRunner().invoke(main, ["scan", "--help"]).stdout
    assert "--fail-on" in scan_help and "Mask evidence in the output" in " ".join(scan_help.split())  # scan keeps its own


def _f(start, end, sev=Severity.MEDIUM, rule="PHI101"):
    return Finding(rule=rule, rule_name="x", severity=sev, confidence=1.0, post_id="g", source="gold", field="text",
                   start=start, end=end, evidence="", message="", explanation="")


def test_score_lists_posts_by_flag_at():
    golds = [Gold("a", "Meet Lorenzo today", True, [(5, 12, "NAME")], {}), Gold("b", "CPR class on Friday", False, [], {})]
    preds = {"a": [_f(5, 12, Severity.LOW)], "b": [_f(13, 19, Severity.LOW, "PHI103")]}
    sc = score(golds, preds, Severity.MEDIUM)  # low findings: neither post is flagged
    assert [p.id for p in sc.missed_posts] == ["a"] and sc.false_alarm_posts == []
    sc = score(golds, preds, Severity.LOW)
    assert sc.missed_posts == [] and [(p.id, p.rules) for p in sc.false_alarm_posts] == [("b", ("PHI103",))]
    assert sc.false_alarm_posts[0].shown(True) == "CPR class on F*****"


def test_eval_prints_a_gold_text_with_a_lone_surrogate(tmp_path):
    gold = tmp_path / "g.jsonl"
    gold.write_text('{"id": "s1", "text": "hope she feels better soon \\ud83d", "phi": true, "labels": []}\n', encoding="utf-8")
    r = run(str(gold))
    assert r.exit_code == 0 and "hope she feels better soon \ufffd" in r.stdout
    assert json.loads(run(str(gold), "--json").stdout)["missed_posts"][0]["text"] == "hope she feels better soon \ufffd"


def test_listed_masks_overlapping_marks():
    item = Listed("a", "Meet Lorenzo Abernathy today", ("NAME",), (), ((5, 12), (10, 22)), True)
    assert item.shown(True) == "Meet L****** A******** today"
    assert item.shown(False) == "Meet Lorenzo Abernathy today"
