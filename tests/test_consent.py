"""Authorizations: covered findings become 'authorized' (reported, not failing); expired or out-of-scope ones
still block, with the reason."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from phiscan.cli import main
from phiscan.consent import load_registry
from phiscan.errors import ConfigError

STORY = ("Meet Graciela Vasquez-Ibarra, a retired middle school librarian who walked out with a new aortic valve "
         "after her surgery on March 4. MRN 7730194")


@pytest.fixture
def registry(tmp_path):
    f = tmp_path / "auth.yaml"
    f.write_text(
        "authorizations:\n"
        "  - id: AUTH-2025-114\n    patient: Graciela Vasquez-Ibarra\n    scope: [facebook, instagram]\n    expires: 2026-06-30\n"
        "  - id: AUTH-2024-007\n    patient: Harold Brenneman\n    scope: [all]\n    expires: 2024-12-31\n"
    )
    return f


def scan(tmp_path, registry, records):
    src = tmp_path / "posts.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records))
    r = CliRunner().invoke(main, ["scan", str(src), "--format", "json", "--authorizations", str(registry)])
    return r.exit_code, json.loads(r.stdout)


def test_covered_findings_are_authorized_and_do_not_fail(tmp_path, registry):
    code, doc = scan(tmp_path, registry, [{"id": "p1", "text": STORY.replace(" MRN 7730194", ""), "platform": "facebook", "created_at": "2025-05-01T10:00:00Z"}])
    statuses = {(f["rule"], f["evidence"]): (f["status"], f["justification"]) for f in doc["findings"]}
    assert statuses[("PHI101", "Graciela Vasquez-Ibarra")] == ("authorized", "covered by authorization AUTH-2025-114")
    assert statuses[("PHI103", "March 4")][0] == "authorized"
    assert code == 0


def test_record_numbers_are_never_covered(tmp_path, registry):
    code, doc = scan(tmp_path, registry, [{"id": "p1", "text": STORY, "platform": "instagram", "created_at": "2025-05-01T10:00:00Z"}])
    mrn = [f for f in doc["findings"] if f["rule"] == "PHI106"]
    assert [(f["evidence"], f["status"]) for f in mrn] == [("7730194", "open")]
    assert code == 1


def test_out_of_scope_platform_still_blocks_with_reason(tmp_path, registry):
    code, doc = scan(tmp_path, registry, [{"id": "p1", "text": STORY.replace(" MRN 7730194", ""), "platform": "tiktok", "created_at": "2025-05-01T10:00:00Z"}])
    name = [f for f in doc["findings"] if f["rule"] == "PHI101"][0]
    assert name["status"] == "open"
    assert name["justification"] == "authorization AUTH-2025-114 does not cover tiktok (scope: facebook, instagram)"
    assert code == 1


def test_expired_authorization_still_blocks(tmp_path, registry):
    text = "Harold Brenneman went home from our cardiac unit yesterday after his bypass."
    code, doc = scan(tmp_path, registry, [{"id": "p2", "text": text, "platform": "x", "created_at": "2025-02-01T10:00:00Z"}])
    name = [f for f in doc["findings"] if f["rule"] == "PHI101"][0]
    assert (name["status"], name["justification"]) == ("open", "authorization AUTH-2024-007 expired on 2024-12-31")
    assert code == 1


def test_post_id_authorization_and_csv_registry(tmp_path):
    f = tmp_path / "auth.csv"
    f.write_text("id,post_id,scope,expires\nAUTH-9,draft-7,facebook;x,2030-01-01\n")
    reg = load_registry(f)
    assert [(a.id, a.post_id, a.scope) for a in reg.entries] == [("AUTH-9", "draft-7", ("facebook", "x"))]
    code, doc = scan(tmp_path, f, [{"id": "draft-7", "text": "Our patient Wendell Okoro was discharged today!", "platform": "x"}])
    assert {f["status"] for f in doc["findings"] if f["severity"] != "low"} == {"authorized"}
    assert code == 0


@pytest.mark.parametrize("content,message", [
    ("authorizations:\n  - patient: X Y\n", "key 'id'"),
    ("authorizations:\n  - id: A1\n", "names neither a patient nor a post_id"),
    ("authorizations:\n  - id: A1\n    patient: X\n    expires: soon\n", "'expires' must be a date"),
    ("authorizations:\n  - id: A1\n    patient: X\n    scpe: [x]\n", "unknown key 'scpe'"),
])
def test_bad_registry_is_a_clear_error(tmp_path, content, message):
    f = tmp_path / "auth.yaml"
    f.write_text(content)
    with pytest.raises(ConfigError) as exc:
        load_registry(f)
    assert str(f) in str(exc.value) and message in str(exc.value)
