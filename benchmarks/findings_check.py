#!/usr/bin/env python3
"""Do a speed change's findings equal the findings before it? Records or compares the full JSON report of
`phiscan scan` on one fixed input set. Measures only: the test suite never needs the eval files.

    python benchmarks/findings_check.py --record /tmp/phiscan-findings.json     # before a change
    python benchmarks/findings_check.py --against /tmp/phiscan-findings.json    # after it (exit 1 on a difference)
    python benchmarks/findings_check.py --against FILE --jobs 2                 # the same through the workers

The input set, built in a temporary folder on every run:
- every export under fixtures/exports (their own loaders);
- --generated posts (default 3,000) from benchmarks/synthetic_posts.py, fixed seed, with their copies;
- the records of ../shared/eval/social-dev.jsonl and social-dev-c.jsonl as JSONL posts (id, platform, account,
  created_at, in_reply_to, text; the labels left out). They are read here at run time and written only to the
  temporary folder; the recorded report lives where --record says (keep it outside the repository: it
  quotes evidence).
Every finding is compared whole (rule, span, severity, confidence, explanation, evidence, policies,
fingerprint, ...), with the errors and warnings; the summary is compared without its timings. A difference is
printed by source, post id, rule and offsets, never by its text.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from synthetic_posts import write_jsonl  # noqa: E402

EVAL_SETS = ("social-dev.jsonl", "social-dev-c.jsonl")
KEEP = ("id", "platform", "account", "created_at", "in_reply_to", "text")


def build_inputs(tmp: Path, eval_dir: Path, generated: int) -> list[str]:
    paths = [str(p) for p in sorted((ROOT / "fixtures" / "exports").iterdir()) if p.is_dir()]
    paths.append(str(write_jsonl(tmp / "generated.jsonl", generated, seed=17)))
    for name in EVAL_SETS:
        src = eval_dir / name
        if not src.is_file():
            sys.exit(f"{src}: not found (give --eval-dir)")
        dst = tmp / f"eval-{name}"
        with src.open(encoding="utf-8") as fin, dst.open("w", encoding="utf-8") as fout:
            for line in fin:
                if line.strip():
                    rec = json.loads(line)
                    fout.write(json.dumps({k: rec[k] for k in KEEP if rec.get(k) is not None}) + "\n")
        paths.append(str(dst))
    return paths


def normalise(report: dict, tmp: Path) -> dict:
    """The report with its temporary folder's name taken out of the sources and the timings dropped."""
    text = json.dumps(report, sort_keys=True).replace(str(tmp), "<TMP>")
    report = json.loads(text)
    summary = {k: v for k, v in report.get("summary", {}).items() if "time" not in k and "second" not in k
               and "elapsed" not in k and "rate" not in k}
    return {"findings": report["findings"], "suppressed": report.get("suppressed", []),
            "errors": report.get("errors", []), "warnings": report.get("warnings", []), "summary": summary}


def key(f: dict) -> tuple:
    return (f.get("source"), f.get("post_id"), f.get("field"), f.get("start"), f.get("end"), f.get("rule"))


def compare(old: dict, new: dict) -> int:
    problems = 0
    for part in ("errors", "warnings", "summary"):
        if old[part] != new[part]:
            problems += 1
            print(f"{part} differ")
    for part in ("findings", "suppressed"):
        a = {key(f): f for f in old[part]}
        b = {key(f): f for f in new[part]}
        gone = sorted(set(a) - set(b), key=str)
        added = sorted(set(b) - set(a), key=str)
        changed = sorted((k for k in set(a) & set(b) if a[k] != b[k]), key=str)
        for label, keys in (("missing", gone), ("new", added), ("changed", changed)):
            for k in keys[:10]:
                extra = ""
                if label == "changed":
                    extra = " fields " + ",".join(x for x in a[k] if a[k].get(x) != b[k].get(x))
                print(f"{part} {label}: {Path(str(k[0])).name} post {k[1]} {k[2]} {k[3]}-{k[4]} {k[5]}{extra}")
            if len(keys) > 10:
                print(f"... {len(keys) - 10} more {label}")
        problems += len(gone) + len(added) + len(changed)
        if not (gone or added or changed) and old[part] != new[part]:
            problems += 1
            print(f"{part}: same findings in another order")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--record", type=Path, help="write the normalised report here")
    g.add_argument("--against", type=Path, help="compare with a recorded report")
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--generated", type=int, default=3000)
    ap.add_argument("--jobs", type=int, default=1)
    a = ap.parse_args()
    exe = str(Path(sys.executable).with_name("phiscan"))
    with tempfile.TemporaryDirectory(prefix="phiscan-findings-") as t:
        tmp = Path(t)
        paths = build_inputs(tmp, a.eval_dir, a.generated)
        out = tmp / "report.json"
        env = dict(os.environ, XDG_CACHE_HOME=str(tmp / "cache"))
        proc = subprocess.run([exe, "scan", *paths, "--format", "json", "--output", str(out), "--no-cache", "--quiet",
                               "--jobs", str(a.jobs)], env=env, capture_output=True, text=True)
        if proc.returncode not in (0, 1):
            print(proc.stderr[-3000:], file=sys.stderr)
            return 2
        report = normalise(json.loads(out.read_text(encoding="utf-8")), tmp)
    n = len(report["findings"])
    if a.record:
        a.record.write_text(json.dumps(report, sort_keys=True), encoding="utf-8")
        print(f"recorded {n} findings, {len(report['suppressed'])} suppressed, {len(report['errors'])} errors -> {a.record}")
        return 0
    old = json.loads(a.against.read_text(encoding="utf-8"))
    problems = compare(old, report)
    print(f"{n} findings (recorded {len(old['findings'])}); --jobs {a.jobs}: "
          + ("IDENTICAL" if not problems else f"{problems} DIFFERENCES"))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
