"""FindingStore: findings past the in-memory limit go to a private spool and come back unchanged, in the
order added or sorted; memory stays bounded however many findings a scan makes."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import tracemalloc
from pathlib import Path


from phiscan.model import Finding, Severity, report_key
from phiscan.store import FindingStore

ROOT = Path(__file__).resolve().parents[1]


def finding(i: int, source: str = "a.jsonl") -> Finding:
    return Finding(rule=f"PHI1{i % 3:02d}", rule_name="name", severity=Severity(i % 4), confidence=0.9,
                   post_id=f"p{i // 2}", source=source, field="text", start=i % 7, end=i % 7 + 5,
                   evidence=f"Evidence {i}", message="m", explanation="e", index=(i * 7919) % 101)


def test_spooled_findings_come_back_in_the_order_added_with_their_texts():
    fs = [finding(i) for i in range(25)]
    store = FindingStore(limit=4)
    for f in fs:
        store.append(f, f"text of {f.post_id}")
    assert store.spooled and len(store) == 25 and bool(store)
    assert list(store) == fs
    assert [t for _, t in store.records()] == [f"text of {f.post_id}" for f in fs]
    assert list(store) == fs  # reading twice gives the same


def test_sorted_spooled_findings_equal_a_stable_sort_of_them_all():
    fs = [finding(i, source=f"s{i % 4}.jsonl") for i in range(103)]
    store = FindingStore(fs, limit=10)
    assert store.spooled
    for key in (report_key, lambda f: f.index, lambda f: (-int(f.severity), f.source)):  # the last two tie often
        assert [f for f, _ in store.sorted_records(key)] == sorted(fs, key=key)


def test_a_store_under_its_limit_never_touches_disk():
    store = FindingStore([finding(i) for i in range(5)], limit=5 + 1)
    assert not store.spooled and store._spool is None
    assert [f for f, _ in store.sorted_records(report_key)] == sorted(store, key=report_key)


def test_the_spool_is_private_and_has_no_name(tmp_path):
    store = FindingStore([finding(i) for i in range(6)], limit=2, directory=str(tmp_path))
    assert store.spooled
    assert list(tmp_path.iterdir()) == []  # unlinked at once: nothing to find, nothing left after a crash
    mode = os.fstat(store._spool.fileno()).st_mode
    assert stat.S_IMODE(mode) == 0o600
    store.close()
    assert len(store) == 0 and list(store) == []


def test_memory_stays_bounded_when_findings_grow_tenfold():
    """Traced peak while adding 4,000 and 40,000 findings to a store that keeps 500 in memory: ten times the
    findings may not cost more than a little more memory (a list would cost ten times as much)."""
    def peak(n: int) -> int:
        tracemalloc.start()
        store = FindingStore(limit=500)
        for i in range(n):
            store.append(finding(i), "a post text " * 10)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        store.close()
        return top

    small, large = peak(4_000), peak(40_000)
    assert large < small * 1.5, (small, large)


def test_a_scan_whose_findings_spool_reports_exactly_what_one_in_memory_does(tmp_path):
    """End to end through the CLI: PHISCAN_MEMORY_FINDINGS=2 makes every scan of the bundled exports spool."""
    def run(limit: str | None, fmt: str) -> tuple[int, str]:
        env = dict(os.environ)
        env.pop("PHISCAN_MEMORY_FINDINGS", None)
        if limit:
            env["PHISCAN_MEMORY_FINDINGS"] = limit
        out = tmp_path / f"{limit}.{fmt}"
        p = subprocess.run([sys.executable, "-m", "phiscan", "scan", str(ROOT / "fixtures" / "exports"), "--no-cache",
                            "--quiet", "--format", fmt, "--output", str(out)], env=env, capture_output=True, text=True)
        return p.returncode, out.read_text(encoding="utf-8")

    for fmt in ("jsonl", "sarif"):
        code_mem, mem = run(None, fmt)
        code_spool, spooled = run("2", fmt)
        assert code_mem == code_spool == 1  # planted PHI found; the bundled exports are well-formed
        assert spooled == mem


def test_texts_of_accepted_findings_are_not_kept_in_memory():
    """A CI scan with a baseline that accepts nearly everything never spools its open findings; the texts of
    baselined (and suppressed) findings must still not pile up in `ScanResult.texts`."""
    from dataclasses import replace

    from phiscan.model import Post, ScanResult

    posts = [Post(id=f"p{i}", text=f"post {i} " * 20, source="a.jsonl") for i in range(300)]
    found = [replace(finding(i), post_id=p.id, field="text", start=0, end=4, evidence="post") for i, p in enumerate(posts)]
    entry = type("Entry", (), {"reason": "reviewed"})()
    result = ScanResult(accepted={f.fingerprint: entry for f in found[:-1]})
    for p, f in zip(posts, found):
        result.add(p, [f])
    assert len(result.baselined) == 299 and len(result.findings) == 1
    assert result.texts == {("a.jsonl", "p299", "text"): "post 299 " * 20}
    assert [t for _, t in result.records("baselined")][:2] == ["post 0 " * 20, "post 1 " * 20]  # the store has them
