"""Reporters jsonl, csv, markdown and html: exact content, escaping, redaction, determinism, and the CLI.

The posts are synthetic (invented names, numbers and handles) and scanned with the real engine, so the
reporters see real findings; expected values are derived from those findings and pinned where it matters
(the planted name and MRN at their exact offsets).
"""
from __future__ import annotations

import csv
import hashlib
import base64
import io
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from phiscan.cli import main
from phiscan.masking import mask
from phiscan.model import ReadError, ScanResult, report_key
from phiscan.reporters import available, get_reporter
from phiscan.reporters.csv_report import COLUMNS, neutralise
from phiscan.reporters.json_report import SCHEMA_VERSION, finding_dict, summary
from phiscan.reporters.markdown import md_block, md_inline, safe_url
from phiscan.sources.generic import post_from_record

NEW_FORMATS = ("jsonl", "csv", "markdown", "html")

# Synthetic posts: two accounts (three with the hostile one), a clean event post, a reply, alt text,
# a url, a javascript: url, HTML and Markdown syntax in a post, an account name that is a spreadsheet formula.
RECORDS = [
    {"id": "1001", "platform": "x", "account": "riverbend_health", "url": "https://social.example/riverbend_health/status/1001",
     "created_at": "2025-03-14T18:00:00Z",
     "text": "Sending strength to my pt Thaddeus Quintanilla, finally off the ventilator in the ICU today. MRN 55120387"},
    {"id": "1002", "platform": "x", "account": "riverbend_health", "url": "https://social.example/riverbend_health/status/1002",
     "text": "Join us for the spring 5K fun run on Saturday at the north lawn! Free water and snacks for everyone."},
    {"id": "2001", "platform": "instagram", "account": "riverbend_peds",
     "text": "Prayers for little Ingeborg in PICU tonight <script>alert(1)</script> *so brave* [day 3] _hang in there_",
     "media": [{"type": "photo", "alt": "Whiteboard: bed 9 Ingeborg Falkenrath, chemo day 3"}]},
    {"id": "2002", "platform": "instagram", "account": "riverbend_peds", "url": "javascript:alert(document.domain)",
     "in_reply_to": {"id": "2001", "author": "@jonah_b_82"},
     "text": "@jonah_b_82 so glad your chemo went well, see you at your next infusion!"},
    {"id": "3001", "platform": "facebook", "account": "=2+5", "created_at": "2025-03-14T18:00:00Z",
     "text": "Get well soon Mr. Wexler! Surgery yesterday went great, bed 14 on 5 West.\n# not a heading\n- not a list"},
    {"id": "3002", "platform": "facebook", "account": "=2+5",
     "text": "Our NICU graduate Zoë Brückner went home after 96 days, her mom Renée cried with the whole team"},
]
TEXT_1001 = RECORDS[0]["text"]
POST_URL = RECORDS[0]["url"]
SOURCE = "posts.jsonl"
# Every identifying string planted in the posts; none may appear in a redacted report. "ventilator" and
# "north lawn" are plain post text: they prove no context text is written either.
PLANTED = ["Thaddeus", "Quintanilla", "55120387", "Ingeborg", "Falkenrath", "jonah_b_82", "Wexler", "Zoë", "Brückner",
           "Renée", "ventilator", "infusion", "north lawn", "alert(1)"]
ERROR = ReadError("broken.jsonl", "line 7", "not valid JSON: <unexpected '&' at column 3>")


@pytest.fixture(scope="module")
def scanned(scanner):
    posts = [post_from_record(rec, SOURCE, i, i + 1) for i, rec in enumerate(RECORDS)]
    return list(scanner.scan(posts))


def make_result(scanned, *, errors=(), reverse=False) -> ScanResult:
    result = ScanResult(sources=1)
    for post, findings in (reversed(scanned) if reverse else scanned):
        result.add(post, list(reversed(findings)) if reverse else findings)
    result.errors = list(errors)
    return result


@pytest.fixture
def result(scanned):
    return make_result(scanned, errors=[ERROR])


def render(fmt, result, rules, **kw) -> str:
    buf = io.StringIO()
    get_reporter(fmt).render(result, rules, buf, **kw)
    return buf.getvalue()


def test_synthetic_posts_give_the_findings_the_reports_rely_on(result):
    """Pin the anchors the report tests below use, at exact offsets."""
    got = {(f.rule, f.post_id, f.field, f.start, f.end, f.evidence, str(f.severity)) for f in result.findings}
    start = TEXT_1001.index("Thaddeus Quintanilla")
    assert ("PHI101", "1001", "text", start, start + 20, "Thaddeus Quintanilla", "high") in got
    start = TEXT_1001.index("55120387")
    assert ("PHI106", "1001", "text", start, start + 8, "55120387", "high") in got
    assert ("PHI202", "2002", "text", 0, 11, "@jonah_b_82", "high") in got
    assert any(f.post_id == "2001" and f.field == "media[0].alt" for f in result.findings)
    assert not [f for f in result.findings if f.post_id == "1002"]  # the event post is clean
    assert {f.account for f in result.findings} == {"riverbend_health", "riverbend_peds", "=2+5"}
    assert result.posts == len(RECORDS)


def test_new_formats_are_registered_and_offered():
    assert set(NEW_FORMATS) <= set(available())
    for fmt in NEW_FORMATS:
        r = get_reporter(fmt)
        assert r.name == fmt and r.description


# ---------------------------------------------------------------------------------------------------- jsonl
def test_jsonl_lines_are_findings_then_errors_then_summary(result, ruleset):
    out = render("jsonl", result, ruleset)
    assert out.endswith("\n")
    lines = out.split("\n")[:-1]
    docs = [json.loads(line) for line in lines]
    kinds = [d["kind"] for d in docs]
    n = len(result.findings)
    assert kinds == ["finding"] * n + ["error"] + ["summary"]
    for doc, f in zip(docs, sorted(result.findings, key=report_key)):
        assert doc == {"kind": "finding", **finding_dict(f, False)}
    assert docs[n] == {"kind": "error", "source": "broken.jsonl", "where": "line 7", "message": ERROR.message}
    tail = docs[-1]
    assert tail["version"] == SCHEMA_VERSION and tail["tool"]["name"] == "phiscan"
    assert {k: v for k, v in tail.items() if k not in ("kind", "version", "tool")} == summary(result, "medium")
    assert tail["posts_scanned"] == 6 and tail["errors"] == 1 and tail["findings"] == n
    # report order: by source, the post's place in it, field (main text first), offsets
    keys = [(d["post_id"], d["field"] != "text", d["start"]) for d in docs[:n]]
    assert keys == sorted(keys, key=lambda k: (RECORDS.index(next(r for r in RECORDS if r["id"] == k[0])), k[1], k[2]))
    mrn = next(d for d in docs if d.get("rule") == "PHI106")
    assert TEXT_1001[mrn["start"]:mrn["end"]] == mrn["evidence"] == "55120387"
    assert mrn["url"] == POST_URL and mrn["account"] == "riverbend_health"


def test_jsonl_is_deterministic_whatever_the_input_order(scanned, ruleset):
    a = render("jsonl", make_result(scanned), ruleset)
    b = render("jsonl", make_result(scanned, reverse=True), ruleset)
    assert a == b == render("jsonl", make_result(scanned), ruleset)


def test_jsonl_redact_masks_evidence(result, ruleset):
    out = render("jsonl", result, ruleset, redact=True)
    for s in ("Thaddeus", "Quintanilla", "55120387", "jonah_b_82", "Wexler", "Brückner"):
        assert s not in out
    docs = [json.loads(line) for line in out.splitlines()]
    name = next(d for d in docs if d.get("rule") == "PHI101" and d["post_id"] == "1001")
    assert name["evidence"] == mask("Thaddeus Quintanilla") == "T******* Q**********"


def test_jsonl_keeps_one_record_per_line_with_unicode_line_separators(scanner, ruleset):
    rec = {"id": "p\u2028x\u0085y", "account": "ward\u2029news", "text": "my pt Octavia Lindgren is finally off the vent"}
    result = ScanResult()
    for post, fs in scanner.scan([post_from_record(rec, "odd.jsonl", 0, 1)]):
        result.add(post, fs)
    assert result.findings
    out = render("jsonl", result, ruleset)
    lines = out.splitlines()  # splits on U+2028, U+2029 and U+0085 too
    assert len(lines) == len(result.findings) + 1
    first = json.loads(lines[0])
    assert first["post_id"] == "p\u2028x\u0085y" and first["account"] == "ward\u2029news"
    assert "Octavia Lindgren" in out  # non-ASCII-safe but readable: no \\u escapes for ordinary text


# ------------------------------------------------------------------------------------------------------ csv
def test_csv_round_trips_through_dictreader(result, ruleset):
    out = render("csv", result, ruleset)
    assert out.startswith(",".join(COLUMNS) + "\r\n")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert len(rows) == len(result.findings)
    for row, f in zip(rows, sorted(result.findings, key=report_key)):
        d = finding_dict(f, False)
        want = {c: ("" if d[c] is None else str(d[c])) for c in COLUMNS if c != "policies"}
        want["policies"] = "; ".join(f.policies)
        want = {c: neutralise(v) for c, v in want.items()}
        assert row == want
    mrn = next(r for r in rows if r["rule"] == "PHI106")
    assert mrn["evidence"] == "55120387" and mrn["start"] == str(TEXT_1001.index("55120387"))
    assert mrn["policies"].startswith("hipaa-safe-harbor:164.514(b)(2)(i)(H); social-media-guideline:")
    assert mrn["url"] == POST_URL and mrn["line"] == "1" and mrn["disclosed"] == ""
    brueckner = next(r for r in rows if "Br" in r["evidence"] and r["post_id"] == "3002")
    assert brueckner["evidence"] == "Zoë Brückner"  # UTF-8 text survives


def test_csv_neutralises_formula_cells(result, ruleset):
    rows = list(csv.DictReader(io.StringIO(render("csv", result, ruleset), newline="")))
    hostile = [r for r in rows if r["post_id"] in ("3001", "3002")]
    assert hostile and all(r["account"] == "'=2+5" for r in hostile)
    handle = next(r for r in rows if r["rule"] == "PHI202")
    assert handle["evidence"] == "'@jonah_b_82"  # a handle starts with @, which Excel also runs as a formula
    for r in rows:
        for c, v in r.items():
            assert not v.startswith(("=", "+", "-", "@", "\t", "\r")), (c, v)


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"https://x.example\")"])
def test_neutralise_prefixes_formula_starts(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["plain", "a=b", "", 0.85, 12, "'quoted"])
def test_neutralise_leaves_other_cells(cell):
    assert neutralise(cell) == cell


def test_csv_redact_masks_evidence(result, ruleset):
    out = render("csv", result, ruleset, redact=True)
    for s in ("Thaddeus", "55120387", "jonah_b_82", "Brückner"):
        assert s not in out
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert next(r for r in rows if r["rule"] == "PHI106")["evidence"] == "5*******"


def test_csv_empty_result_is_just_the_header(ruleset):
    assert render("csv", ScanResult(posts=3), ruleset) == ",".join(COLUMNS) + "\r\n"


# ------------------------------------------------------------------------------------------------- markdown
def test_markdown_summary_headings_and_counts(result, ruleset):
    md = render("markdown", result, ruleset)
    lines = md.splitlines()
    for heading in ("# phiscan report", "## Summary", "### Findings by severity", "### Findings by rule",
                    "### Findings by account", "### Inputs that could not be read", "## Findings",
                    "### Post 1001", "### Post 2001", "### Post 2002", "### Post 3001", "### Post 3002",
                    "#### text", "#### media\\[0\\].alt"):
        assert heading in lines, heading
    assert "### Post 1002" not in lines  # a clean post has no section
    sev = Counter(str(f.severity) for f in result.findings)
    assert "| Posts scanned | 6 |" in lines and "| Posts with findings | 5 |" in lines
    assert f"| Findings | {len(result.findings)} |" in lines and "| Read errors (input lost) | 1 |" in lines
    for s in ("high", "medium", "low"):
        assert f"| {s} | {sev.get(s, 0)} |" in lines
    rules = Counter(f.rule for f in result.findings)
    assert f"| PHI101 | patient-name | {rules['PHI101']} |" in lines
    accounts = Counter(f.account for f in result.findings)
    assert f"| riverbend\\_peds | {accounts['riverbend_peds']} |" in lines
    assert f"| =2+5 | {accounts['=2+5']} |" in lines
    assert "| broken.jsonl | line 7 | not valid JSON: \\<unexpected '\\&' at column 3\\> |" in lines
    # headings come in order: summary before findings, posts in input order
    order = [lines.index(h) for h in ("## Summary", "## Findings", "### Post 1001", "### Post 2001", "### Post 3002")]
    assert order == sorted(order)


def test_markdown_post_in_context_with_evidence_in_bold(result, ruleset):
    md = render("markdown", result, ruleset)
    lines = md.splitlines()
    assert ("> Sending strength to my pt **Thaddeus Quintanilla**, finally off the ventilator in the ICU **today**. "
            "MRN **55120387**") in lines
    assert (f"Source: {SOURCE}, line 1 · Platform: x · Account: riverbend\\_health · "
            f"[Original post](<{POST_URL}>)") in lines
    start = TEXT_1001.index("Thaddeus")
    assert (f"- **HIGH** PHI101 patient-name: **Thaddeus Quintanilla** (text {start}–{start + 20}, "
            f"confidence {next(f.confidence for f in result.findings if f.evidence == 'Thaddeus Quintanilla'):.2f})") in lines
    assert "  - Policy: hipaa-safe-harbor:164.514(b)(2)(i)(H); social-media-guideline:SMG-2.3 Confidentiality of records" in lines
    assert "  - Rule docs: `phiscan rules show PHI106` (Medical record, patient, chart or encounter number)" in lines
    # a javascript: url is never a link, only escaped text
    assert "URL: javascript:alert(document.domain)" in md and "](<javascript" not in md


def test_markdown_escapes_post_text(result, ruleset):
    md = render("markdown", result, ruleset)
    assert ("> Prayers for **little Ingeborg** in PICU **tonight** \\<script\\>alert(1)\\</script\\> "
            "\\*so brave\\* \\[day 3\\] \\_hang in there\\_") in md.splitlines()
    assert "<script>" not in md
    # block syntax at the start of a post's lines is escaped; the post's own line breaks are kept
    i = md.splitlines().index("> Get well soon **Mr. Wexler**\\! Surgery **yesterday** went great, **bed 14** on 5 West.\\")
    assert md.splitlines()[i + 1: i + 3] == ["> \\# not a heading\\", "> \\- not a list"]


def test_markdown_renders_as_intended(result, ruleset):
    markdown_it = pytest.importorskip("markdown_it")  # shipped with rich
    html = markdown_it.MarkdownIt("commonmark").enable("table").enable("strikethrough").render(render("markdown", result, ruleset))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<strong>Thaddeus Quintanilla</strong>" in html and "<strong>55120387</strong>" in html
    assert "<em>hang in there</em>" not in html and "_hang in there_" in html
    assert "*so brave*" in html and "[day 3]" in html
    assert "<h1>not a heading</h1>" not in html and "<li>not a list</li>" not in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs == [POST_URL]
    assert "<td>=2+5</td>" in html and "<td>riverbend_peds</td>" in html


def test_md_block_escapes_block_syntax_at_line_starts():
    text = "# h\n  - item\n1. first\n2) second\n    code\n===\n> quote\n+ plus\nok 1. mid"
    assert md_block(text) == ["\\# h", "\\- item", "1\\. first", "2\\) second", "code", "\\===", "\\> quote", "\\+ plus", "ok 1. mid"]
    assert md_block("see **this** & <b>", [(4, 12)]) == ["see **\\*\\*this\\*\\*** \\& \\<b\\>"]
    assert md_inline("a|b\nc [x](y) `z` ~w~ @h #t") == "a\\|b c \\[x\\](y) \\`z\\` \\~w\\~ \\@h \\#t"


def test_markdown_redact_has_no_post_text(result, ruleset):
    md = render("markdown", result, ruleset, redact=True)
    for s in PLANTED:
        assert s not in md, s
    assert "**T\\*\\*\\*\\*\\*\\*\\* Q\\*\\*\\*\\*\\*\\*\\*\\*\\*\\*** (text" in md
    assert "\n> " not in md  # no quoted context


def test_markdown_empty_result(ruleset):
    md = render("markdown", ScanResult(posts=2), ruleset)
    assert "| Posts scanned | 2 |" in md and md.count("No findings.") == 3 and "None." in md


# ----------------------------------------------------------------------------------------------------- html
class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.script = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script.append(data)


def parse(doc: str) -> _Tags:
    p = _Tags()
    p.feed(doc)
    p.close()
    return p


def test_html_is_self_contained_and_locked_down(result, ruleset):
    doc = render("html", result, ruleset)
    tags = parse(doc)
    # no element loads anything: no src at all, and links go only to fragments or to the http(s) post
    assert not [(t, a) for t, a in tags.tags if {"src", "srcset", "poster", "data", "action", "background"} & set(a)]
    assert not [t for t, _ in tags.tags if t in ("link", "img", "iframe", "object", "embed", "base", "video", "audio", "source")]
    hrefs = [(t, a) for t, a in tags.tags if "href" in a]
    external = [(t, a) for t, a in hrefs if not a["href"].startswith("#")]
    assert external == [("a", {"class": "post-link", "href": POST_URL, "rel": "noopener noreferrer nofollow", "target": "_blank"})]
    assert len(hrefs) > 10  # the summary's filter links and the rule docs links
    assert "@import" not in doc and "url(" not in doc
    assert '<span class="post-url">javascript:alert(document.domain)</span>' in doc  # shown, never linked
    assert doc.count("javascript:") == 1
    # the CSP forbids network loads and allows exactly this script
    script = "".join(tags.script)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    csp = next(a["content"] for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp.startswith("default-src 'none'; style-src 'unsafe-inline'; ")
    assert f"script-src 'sha256-{digest}' 'unsafe-inline';" in csp
    assert doc.count("<script") == 1
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("):
        assert sink not in script


def test_html_escapes_post_text(result, ruleset):
    doc = render("html", result, ruleset)
    assert "<script>alert(1)</script>" not in doc
    assert ('<blockquote class="context" dir="auto">Prayers for <mark data-findings="4">little Ingeborg</mark> in PICU '
            '<mark data-findings="5">tonight</mark> '
            "&lt;script&gt;alert(1)&lt;/script&gt; *so brave* [day 3] _hang in there_</blockquote>") in doc
    assert 'data-account="=2+5"' in doc
    assert "not valid JSON: &lt;unexpected &#x27;&amp;&#x27; at column 3&gt;" in doc


def test_html_summary_filters_and_cards(result, ruleset):
    doc = render("html", result, ruleset)
    tags = parse(doc)
    n = len(result.findings)
    assert '<dd id="posts-scanned">6</dd>' in doc and '<dd id="posts-with-findings">5</dd>' in doc
    assert f'<dd id="findings-total">{n}</dd>' in doc and '<dd id="errors-total">1</dd>' in doc
    assert f'<p id="counter" aria-live="polite">{n} of {n} findings shown</p>' in doc
    # filters: every severity, the rules and accounts present
    options = {}
    current = None
    for t, a in tags.tags:
        if t == "select":
            current = a["id"]
            options[current] = []
        elif t == "option":
            options[current].append(a["value"])
    assert options["filter-severity"] == ["", "high", "medium", "low"]
    assert options["filter-rule"] == [""] + sorted({f.rule for f in result.findings})
    assert options["filter-account"] == ["", "=2+5", "riverbend_health", "riverbend_peds"]
    # one card per finding, in report order, carrying what the filters match on, none hidden initially
    cards = [a for t, a in tags.tags if t == "article"]
    assert [(c["data-severity"], c["data-rule"], c["data-account"], c["data-fingerprint"]) for c in cards] == [
        (str(f.severity), f.rule, f.account, f.fingerprint) for f in sorted(result.findings, key=report_key)
    ]
    assert not [c for c in cards if "hidden" in c]
    # the post quoted once with all its findings highlighted; each card has message, explanation, policy and docs
    assert ('<blockquote class="context" dir="auto">Sending strength to my pt <mark data-findings="1">Thaddeus Quintanilla</mark>, '
            'finally off the ventilator in the ICU <mark data-findings="2">today</mark>. MRN <mark data-findings="3">55120387</mark>'
            "</blockquote>") in doc
    assert '<p class="message">A medical record, patient, chart or encounter number</p>' in doc
    assert "<dt>Why flagged</dt><dd>record number after MRN" in doc
    assert "<li>hipaa-safe-harbor:164.514(b)(2)(i)(H)</li>" in doc
    assert '<a href="#rule-PHI106">Medical record, patient, chart or encounter number</a> · <code>phiscan rules show PHI106</code>' in doc
    assert '<section class="rule" id="rule-PHI106">' in doc
    assert "<dt>Discloses</dt><dd>2025-03-14</dd>" in doc
    # summary counts link to their filtered view
    assert '<a href="#account=%3D2%2B5">=2+5</a>' in doc and '<a href="#severity=high">high</a>' in doc


def test_html_is_deterministic(scanned, ruleset):
    a = render("html", make_result(scanned), ruleset)
    assert a == render("html", make_result(scanned, reverse=True), ruleset)
    assert "generated" not in a
    assert "generated 2025-04-01" in render("html", make_result(scanned), ruleset, generated_at="2025-04-01")


def test_html_redact_writes_no_post_text(result, ruleset):
    doc = render("html", result, ruleset, redact=True)
    for s in PLANTED:
        assert s not in doc, s
    assert 'class="context"' not in doc.split("</style>")[1]
    assert '<mark class="evidence">T******* Q**********</mark> <span class="masked">(masked)</span>' in doc
    assert '<p class="notice" id="redacted">' in doc
    assert doc.count("<article ") == len(result.findings)


def test_html_empty_result(ruleset):
    doc = render("html", ScanResult(posts=4), ruleset)
    assert '<dd id="posts-scanned">4</dd>' in doc and '<p id="counter" aria-live="polite">0 of 0 findings shown</p>' in doc
    assert '<p id="no-findings">No findings.</p>' in doc


@pytest.mark.parametrize("url,ok", [
    ("https://social.example/p/1", True), ("http://social.example/p/1", True), ("javascript:alert(1)", False),
    ("data:text/html,x", False), ("file:///etc/passwd", False), ("https://x.example/a b", False),
    ('https://x.example/"onmouseover=1', False), ("//x.example/p", False), (None, False), ("", False),
])
def test_safe_url(url, ok):
    assert safe_url(url) == (url if ok else None)


# ------------------------------------------------------------------------------------------------------ cli
@pytest.fixture
def posts_file(tmp_path) -> Path:
    src = tmp_path / "posts.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS), encoding="utf-8")
    return src


def test_cli_offers_the_new_formats():
    r = CliRunner().invoke(main, ["scan", "--help"])
    assert r.exit_code == 0
    for fmt in NEW_FORMATS:
        assert fmt in r.output


@pytest.mark.parametrize("fmt", NEW_FORMATS)
def test_cli_scan_writes_each_format(fmt, posts_file, tmp_path):
    out = tmp_path / f"report.{fmt}"
    r = CliRunner().invoke(main, ["scan", str(posts_file), "--format", fmt, "--output", str(out), "--quiet"], catch_exceptions=False)
    assert r.exit_code == 1, r.output  # findings at or above medium
    body = out.read_text(encoding="utf-8")
    assert "Thaddeus Quintanilla" in body
    if fmt == "jsonl":
        docs = [json.loads(line) for line in body.splitlines()]
        assert docs[-1]["kind"] == "summary" and docs[-1]["posts_scanned"] == 6
        assert {d["source"] for d in docs[:-1]} == {str(posts_file)}
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(body, newline="")))
        assert rows and rows[0]["rule"] == "PHI101" and rows[0]["post_id"] == "1001"
    elif fmt == "markdown":
        assert body.startswith("# phiscan report\n") and "| Posts scanned | 6 |" in body
    else:
        assert body.startswith("<!DOCTYPE html>") and body.rstrip().endswith("</html>")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.parametrize("fmt", NEW_FORMATS)
def test_cli_scan_redact_every_format(fmt, posts_file, tmp_path):
    out = tmp_path / f"redacted.{fmt}"
    r = CliRunner().invoke(main, ["scan", str(posts_file), "--format", fmt, "--output", str(out), "--redact", "--quiet"], catch_exceptions=False)
    assert r.exit_code == 1, r.output
    body = out.read_text(encoding="utf-8")
    for s in ("Thaddeus", "Quintanilla", "55120387", "jonah_b_82", "Brückner"):
        assert s not in body, (fmt, s)


def test_cli_scan_jsonl_to_stdout_and_unreadable_input(posts_file, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\xff\xfe not utf-8 {\n")
    r = CliRunner().invoke(main, ["scan", str(posts_file), str(bad), "--format", "jsonl", "--quiet"], catch_exceptions=False)
    assert r.exit_code == 2  # an input could not be read
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [d["kind"] for d in docs][-1] == "summary"
    assert any(d["kind"] == "error" and d["source"].endswith("bad.jsonl") for d in docs)
    assert docs[-1]["errors"] >= 1


def test_suppressed_findings_are_kept_apart_in_jsonl_and_csv(scanned, ruleset):
    import dataclasses

    result = make_result(scanned)
    if not hasattr(result, "suppressed"):
        pytest.skip("this model has no inline suppressions")
    mrn = next(f for f in result.findings if f.rule == "PHI106")
    result.findings = [f for f in result.findings if f is not mrn]
    result.suppressed.append(dataclasses.replace(mrn, status="suppressed"))
    docs = [json.loads(line) for line in render("jsonl", result, ruleset).splitlines()]
    kinds = [d["kind"] for d in docs]
    assert kinds == ["finding"] * len(result.findings) + ["suppressed", "summary"]
    assert docs[-2]["rule"] == "PHI106" and docs[-2]["status"] == "suppressed"
    rows = list(csv.DictReader(io.StringIO(render("csv", result, ruleset), newline="")))
    assert [r["status"] for r in rows] == ["open"] * len(result.findings) + ["suppressed"]
    md = render("markdown", result, ruleset)
    assert "| Suppressed inline | 1 |" in md and "55120387" in md  # counted; its text is still in the post quote
    assert '<dd id="suppressed-inline">1</dd>' in render("html", result, ruleset)


@pytest.mark.parametrize("fmt", NEW_FORMATS)
def test_reports_can_be_written_as_utf8_with_lone_surrogates(fmt, scanned, ruleset):
    """A JSON input may hold a lone "\\ud83d"; a report must still be writable as UTF-8."""
    import dataclasses

    result = make_result(scanned)
    result.findings = [dataclasses.replace(f, account="ward\ud83d", message=f.message + " \udc00") for f in result.findings]
    out = render(fmt, result, ruleset)
    out.encode("utf-8")  # raises on a lone surrogate
    if fmt == "jsonl":
        assert json.loads(out.splitlines()[0])["account"] == "ward\ud83d"  # JSON escapes keep the exact value


@pytest.mark.parametrize("fmt", sorted(available()))
@pytest.mark.parametrize("redact", [False, True])
def test_reports_from_a_spooled_store_are_byte_identical(fmt, redact, scanned, ruleset):
    """A scan with more findings than the store keeps in memory (here 3) spools them to disk; every report
    must come out exactly as from memory, post quotes included, with a suppressed and a baselined finding."""
    import dataclasses

    from phiscan.store import FindingStore

    def build(limit):
        stores = {k: FindingStore(limit=limit) for k in ("findings", "suppressed", "baselined")}
        r = ScanResult(sources=1, errors=[ERROR], **stores)
        for post, findings in scanned:
            marked = [dataclasses.replace(f, status="suppressed", justification="consent on file")
                      if f.rule == "PHI106" else f for f in findings]
            r.add(post, marked)
        return r

    small, big = build(10_000), build(3)
    assert big.findings.spooled and not small.findings.spooled and len(big.findings) > 6
    assert len(big.suppressed) == 1
    assert render(fmt, big, ruleset, redact=redact) == render(fmt, small, ruleset, redact=redact)
    if fmt == "markdown" and not redact:  # the quote of the post came back from the spool
        assert "> Sending strength to my pt **Thaddeus Quintanilla**" in render(fmt, big, ruleset)
