"""phiscan on Spark (issue 16): a local[2] session scans the bundled fixtures and generated posts, and its findings
equal the command line's on the same inputs (rule, span, severity, fingerprint, evidence, status, ...); bad files
and records are error rows; --redact leaves no evidence in what the job writes; settings files travel with the job.

One session for the module (starting one takes 10-20 s). Skipped when PySpark or Java is missing; CI has both
(`.ci/run` installs a headless JRE, the test extra PySpark).
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java (apt-get install default-jre-headless)", allow_module_level=True)

from phiscan.cli import main  # noqa: E402
from phiscan.masking import mask  # noqa: E402

# PySpark warns about pandas 3 (its Arrow path imports pandas; phiscan's rows never pass through it)
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "fixtures" / "exports"
BAD = ROOT / "fixtures" / "bad"


def _synthetic(n: int, seed: int) -> list[dict]:
    spec = importlib.util.spec_from_file_location("synthetic_posts", ROOT / "benchmarks" / "synthetic_posts.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.generate(n, seed=seed)


@pytest.fixture(scope="module")
def spark():
    from phiscan.spark import session

    s = session("local[2]")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, Path]:
    """300 generated posts as JSONL (two bad lines among them) and the same good records as Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path_factory.mktemp("spark-data")
    records = _synthetic(300, seed=16)
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines.insert(120, '{"id": "broken-1", "text": ')  # malformed JSON
    lines.insert(200, '{"id": "no-text-2", "text": 5}')  # not a post
    (folder / "posts.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    flat = [{k: v for k, v in r.items() if k != "in_reply_to"} for r in records]  # the table: flat columns
    (folder / "flat.jsonl").write_text("".join(json.dumps(r) + "\n" for r in flat), encoding="utf-8")
    (folder / "table").mkdir()
    pq.write_table(pa.Table.from_pylist(flat), folder / "table" / "part-0.parquet")
    profile = folder / "org.yaml"
    profile.write_text('organization: Pinecrest Health\nphones: ["555-0100"]\naccounts: ["@pinecresthealth"]\n'
                       "staff: [Marisol Okonkwo]\n", encoding="utf-8")
    return {"jsonl": folder / "posts.jsonl", "flat": folder / "flat.jsonl", "table": folder / "table",
            "profile": profile, "dir": folder}


def _cli_json(*args: str) -> dict:
    r = CliRunner().invoke(main, ["scan", *args, "--format", "json", "--no-cache", "-q", "--images", "metadata"])
    assert r.exit_code in (0, 1, 2), r.output
    return json.loads(r.stdout)


def _read_rows(folder: Path) -> list[dict]:
    import pyarrow.parquet as pq

    files = sorted(folder.rglob("*.parquet"))
    if files:
        return [row for f in files for row in pq.read_table(f).to_pylist()]
    return [json.loads(line) for f in sorted(folder.rglob("*.json")) for line in f.read_text("utf-8").splitlines()]


FIELDS = ("source", "post_id", "field", "start", "end", "rule", "severity", "confidence", "fingerprint", "evidence",
          "status", "message", "explanation", "policies", "line", "column", "disclosed", "platform", "account")


def _key(d: dict, fields=FIELDS) -> tuple:
    return tuple(tuple(d[k]) if isinstance(d.get(k), list) else d.get(k) for k in fields)


def _spark_scan(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["spark-scan", *args, "--master", "local[2]"])
    return r.exit_code, r.output


@pytest.fixture(scope="module")
def job(spark, data, tmp_path_factory):
    """`phiscan spark-scan` over the fixtures' exports, the hostile inputs, the generated JSONL and the Parquet
    table, and `phiscan scan --format json` over the same files (not the table: the CLI reads no Parquet)."""
    out = tmp_path_factory.mktemp("spark-out") / "run"
    inputs = [str(EXPORTS), str(BAD), str(data["jsonl"])]
    code, output = _spark_scan(*inputs, str(data["table"]), "--output", str(out))
    return {"code": code, "output": output, "out": out, "cli": _cli_json(*inputs), "inputs": inputs,
            "flat": _cli_json(str(data["flat"]))}


def test_findings_equal_the_cli(job):
    rows = _read_rows(job["out"] / "findings")
    cli = job["cli"]
    mine = sorted(_key(r) for r in rows if not r["source"].endswith(".parquet"))
    theirs = sorted(_key(d) for d in cli["findings"] + cli["suppressed"])
    assert len(theirs) > 300  # the fixtures and the generated posts hold hundreds of findings
    assert mine == theirs
    assert {r["kind"] for r in rows} == {"finding"}
    # the place of a finding is its line (JSONL, CSV), as the errors say it
    src = job["inputs"][2]
    line_of = {}
    for n, line in enumerate(Path(src).read_text(encoding="utf-8").splitlines(), 1):
        try:
            line_of.setdefault(json.loads(line).get("id"), n)
        except ValueError:
            continue
    placed = [r for r in rows if r["source"] == str(src)]
    assert placed and all(r["place"] == f"line {line_of[r['post_id']]}" for r in placed)


def test_summary_and_errors_equal_the_cli(job):
    doc = json.loads((job["out"] / "summary.json").read_text("utf-8"))
    cli = job["cli"]
    table = sum(1 for r in _read_rows(job["out"] / "findings") if r["source"].endswith(".parquet"))
    ours = dict(doc["summary"])
    # the Parquet table is scanned too: 300 posts and its findings more, no inventory record (Spark reads it)
    assert ours.pop("posts_scanned") == cli["summary"]["posts_scanned"] + 300
    assert ours.pop("findings") == cli["summary"]["findings"] + table
    for k in ("by_severity", "by_rule", "by_status", "failing", "posts_with_findings", "suppressed"):
        ours.pop(k)
    theirs = {k: v for k, v in cli["summary"].items() if k in ours}
    assert ours == theirs  # errors, warnings, inputs, inventory (every file and member, what became of it), ...
    assert sorted(map(json.dumps, doc["errors"])) == sorted(map(json.dumps, cli["errors"]))
    assert sorted(map(json.dumps, doc["warnings"])) == sorted(map(json.dumps, cli["warnings"]))
    assert job["code"] == 2  # read errors, as `phiscan scan` exits for them
    # the bad lines of the generated posts are error rows with their source and place
    errors = _read_rows(job["out"] / "errors")
    src = str(job["inputs"][2])
    assert {(e["kind"], e["place"], e["message"]) for e in errors if e["source"] == src} == {
        ("error", "line 121, column 1", "malformed JSON: Expecting value; line skipped"),
        ("error", "line 201", "record has no string field 'text'; line skipped"),
    }
    assert any(e["source"] == str(BAD / "zip-bomb-declared.zip") and e["place"] == "posts.jsonl" for e in errors)


def test_parquet_table_scans_as_the_jsonl_contract(job, data):
    """The table (Spark's reader, split as Spark splits it) gives the findings the CLI gives its JSONL twin."""
    rows = [r for r in _read_rows(job["out"] / "findings") if r["source"].endswith(".parquet")]
    cli = job["flat"]
    fields = tuple(f for f in FIELDS if f not in ("source", "line", "column"))
    assert sorted(_key(r, fields) for r in rows) == sorted(_key(d, fields) for d in cli["findings"] + cli["suppressed"])
    assert rows and all(r["source"].endswith("part-0.parquet") and r["place"].startswith("row ") for r in rows)


def test_redact_masks_on_the_executors(job, data, tmp_path, capfd):
    """--redact masks on the executors (with --baseline: accepted findings are set apart, as `phiscan scan` does)."""
    from phiscan import baseline as bl

    out = tmp_path / "redacted"
    plain = {(r["source"], r["post_id"], r["field"], r["start"], r["rule"]): r
             for r in _read_rows(job["out"] / "findings") if r["source"] == str(data["jsonl"])}
    accept = next(r for r in plain.values() if r["rule"] == "PHI101" and r["status"] == "open")
    entry = bl.Entry(accept["fingerprint"], "PHI101", accept["rule_name"], accept["severity"], "posts.jsonl", "text",
                     "tester", "synthetic post", "2025-01-01")
    (tmp_path / "baseline.json").write_text(bl.Baseline([entry]).dumps(), encoding="utf-8")
    code, _ = _spark_scan(str(data["jsonl"]), "--output", str(out), "--redact", "--format", "jsonl",
                          "--partition-by", "severity", "--baseline", str(tmp_path / "baseline.json"))
    assert code == 2  # the two bad lines
    rows = _read_rows(out / "findings")
    assert len(rows) == len(plain) > 200
    baselined = [r for r in rows if r["status"] == "baselined"]
    assert baselined and {(r["fingerprint"], r["justification"]) for r in baselined} == {
        (accept["fingerprint"], "synthetic post")}
    summary = json.loads((out / "summary.json").read_text("utf-8"))["summary"]
    assert summary["baselined"] == summary["by_status"]["baselined"] == len(baselined)
    assert summary["findings"] == len(rows) - len(baselined) - summary["suppressed"]
    assert sorted(p.name for p in (out / "findings").iterdir() if not p.name.startswith((".", "_"))) == [
        "severity=high", "severity=low", "severity=medium"]
    for r in rows:
        p = plain[(r["source"], r["post_id"], r["field"], r["start"], r["rule"])]
        assert r["evidence"] == mask(p["evidence"], p["entity"]) and r["fingerprint"] == p["fingerprint"]
    written = "".join(f.read_text("utf-8") for f in out.rglob("*") if f.is_file() and not f.name.startswith((".", "_")))
    assert '"posts_scanned": 300,' in written  # the summary and the part files were read
    logs = capfd.readouterr()
    secrets = {p["evidence"] for p in plain.values() if p["source"] in (str(data["jsonl"]),)
               and len(p["evidence"]) >= 5 and p["entity"] in ("PERSON", "PHONE", "ROOM", "AGE", "DATE")}
    assert len(secrets) > 20
    leaked = [s for s in secrets if s in written or s in logs.out or s in logs.err]
    assert leaked == []


def test_dataframe_api_equals_the_cli_with_settings_that_travel(spark, data, job):
    """`phiscan.spark.scan(df, ...)` on a DataFrame with its own column names, with a profile (a file on the
    driver's disk, carried to the executors), equals `phiscan scan --profile` on the JSONL."""
    from pyspark.sql import functions as F

    from phiscan.spark import FINDING_COLUMNS, scan

    df = (spark.read.json(str(data["flat"])).withColumnRenamed("text", "body").withColumnRenamed("id", "post_key")
          .withColumn("published", F.to_timestamp("created_at")).drop("created_at"))
    found = scan(df, text="body", id="post_key", created_at="published", profile=str(data["profile"])).collect()
    assert found and [c for c in found[0].asDict()] == FINDING_COLUMNS
    cli = _cli_json(str(data["flat"]), "--profile", str(data["profile"]))
    default = job["flat"]
    fields = tuple(f for f in FIELDS if f not in ("source", "line", "column"))
    ours = sorted(_key(r.asDict(), fields) for r in found)
    assert ours == sorted(_key(d, fields) for d in cli["findings"] + cli["suppressed"])
    assert ours != sorted(_key(d, fields) for d in default["findings"] + default["suppressed"])  # the profile counted
    assert {r.source for r in found} == {"<dataframe>"}


def test_dataframe_bad_rows_are_error_rows(spark):
    from phiscan.spark import scan

    df = spark.createDataFrame([("a1", "Praying for Keisha Lindqvist in room 418 after her stroke yesterday", None),
                                ("a2", None, "2025-03-14T18:00:00"), ("a3", "Join our CPR class", "not a time")],
                               "id string, text string, created_at string")
    rows = sorted(scan(df, redact=True).collect(), key=lambda r: (r.kind, r.post_id or "", r.start or 0))
    errors = [r for r in rows if r.kind == "error"]
    assert [(e.post_id, e.message, e.source) for e in errors] == [("a2", "record has no string field 'text'; row skipped", "<dataframe>")]
    assert errors[0].place.startswith("row ")
    found = [(r.rule, r.start, r.end, r.evidence) for r in rows if r.kind == "finding"]
    assert ("PHI101", 12, 28, "K***** L********") in found
    assert ("PHI105", 32, 40, "r*** 4**") in found
    assert all(r.post_id == "a1" for r in rows if r.kind == "finding")
    assert scan(df, errors=False).where("kind = 'error'").count() == 0


def test_unknown_column_and_partition_are_clear_errors(spark, data, tmp_path):
    from phiscan.errors import ConfigError
    from phiscan.spark import scan

    df = spark.createDataFrame([("1", "hello")], "id string, body string")
    with pytest.raises(ConfigError, match="no column 'text'"):
        scan(df)
    code, output = _spark_scan(str(data["jsonl"]), "--output", str(tmp_path / "o"), "--partition-by", "evidence")
    assert code == 2 and "--partition-by evidence: not a column to partition by" in output
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    code, output = _spark_scan(str(data["jsonl"]), "--output", str(tmp_path / "full"))
    assert code == 2 and "exists and is not empty" in output


def test_a_post_whose_scan_raises_is_an_error_row_without_its_text():
    """executor.scan_posts: a scan that raises on one post loses only that post, and says so by class name."""
    from phiscan.model import Post
    from phiscan.spark import executor

    class Boom(Exception):
        pass

    class Scanner:
        def scan_posts(self, posts):
            if any("explode" in p.text for p in posts):
                raise Boom("Jasper Okonkwo explode")  # a message that quotes the text is never kept
            return [(p, []) for p in posts]

    posts = [Post(id=f"p{i}", text="explode" if i == 3 else f"ok {i}", source="s.jsonl", line=i + 1) for i in range(5)]
    rows = executor._Rows()
    it = executor.scan_posts(Scanner(), posts, rows, redact=False)
    with pytest.raises(StopIteration) as stop:
        next(it)
    assert stop.value.value == (4, 0)
    assert rows.rows == [{"kind": "error", "source": "s.jsonl", "place": "line 4", "post_id": "p3",
                          "message": "scan failed: Boom; post not scanned"}]


def test_missing_pyspark_says_how_to_install(monkeypatch):
    from phiscan.spark import SparkUnavailable, require_pyspark

    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(SparkUnavailable, match=r"pip install 'phiscan\[spark\]'"):
        require_pyspark()
