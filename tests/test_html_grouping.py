"""The HTML report groups findings by post: each text of a post quoted once with every finding in it
highlighted, the post's date, the policy clauses' titles, and the status filter (open / authorized /
suppressed / baselined) over every finding made, accepted ones included. All posts are synthetic."""
from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from phiscan.cli import main
from phiscan.model import Finding, ScanResult, Severity, report_key
from phiscan.policy import clause_titles
from phiscan.reporters import get_reporter
from phiscan.sources.generic import post_from_record

TEXT = "So proud of my pt Cornelius Abernathy, walked the whole hallway today after his hip surgery. MRN 66104729"
RECORDS = [
    {"id": "g1", "platform": "x", "account": "lakeside_care", "created_at": "2025-05-02T15:00:00Z", "text": TEXT},
    {"id": "g2", "platform": "instagram", "account": "lakeside_kids",
     "text": "Prayers for little Philippa in PICU tonight, bed 9 <b>hang on</b>",
     "media": [{"type": "photo", "alt": "Whiteboard: bed 9 Philippa Drummond-Ashe, chemo day 3"}]},
    {"id": "g3", "platform": "x", "account": "lakeside_care", "text": "Flu shots in the main lobby on Friday, 8am to 2pm."},
]


def render(result, rules, **kw) -> str:
    buf = io.StringIO()
    get_reporter("html").render(result, rules, buf, **kw)
    return buf.getvalue()


@pytest.fixture(scope="module")
def scanned(scanner):
    posts = [post_from_record(rec, "feed.jsonl", i, i + 1) for i, rec in enumerate(RECORDS)]
    return list(scanner.scan(posts))


def make(scanned, scanner, statuses=None) -> ScanResult:
    """A result of the scanned posts; `statuses` maps rule codes to the status their findings get."""
    statuses = statuses or {}
    accepted = {}
    result = ScanResult(sources=1)
    for post, fs in scanned:
        out = []
        for f in fs:
            st = statuses.get(f.rule)
            if st == "baselined":
                accepted[f.fingerprint] = SimpleNamespace(reason="reviewed by the privacy office, ticket PO-77")
            elif st == "suppressed":
                f = replace(f, status="suppressed", justification="consent form CF-12 on file")
            elif st:
                f = replace(f, status=st)
            out.append(f)
        result.accepted = accepted
        result.add(post, out)
    result.clauses = clause_titles(scanner.packs)
    return result


class Page(HTMLParser):
    """Start tags with attributes, and the text of each blockquote and of each mark in it."""

    def __init__(self, doc: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.quotes: list[str] = []
        self.marks: list[tuple[str, str]] = []  # (data-findings, text)
        self._quote = self._mark = None
        self.feed(doc)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "blockquote":
            self._quote = []
        elif tag == "mark" and self._quote is not None:
            self._mark = [a["data-findings"], ""]

    def handle_endtag(self, tag):
        if tag == "blockquote":
            self.quotes.append("".join(self._quote))
            self._quote = None
        elif tag == "mark" and self._mark is not None:
            self.marks.append(tuple(self._mark))
            self._mark = None

    def handle_data(self, data):
        if self._quote is not None:
            self._quote.append(data)
        if self._mark is not None:
            self._mark[1] += data


def test_each_text_is_quoted_once_with_all_its_findings(scanned, scanner):
    result = make(scanned, scanner)
    findings = sorted(result.findings, key=report_key)
    doc = render(result, scanner.rules)
    page = Page(doc)
    # one quote per (post, field) with findings, in report order; never one per finding
    fields = list(dict.fromkeys((f.post_id, f.field) for f in findings))
    assert len(findings) > len(fields) and len(page.quotes) == len(fields)
    texts = {(p.id, fld): t for p, _ in scanned for fld, t in p.texts()}
    assert page.quotes == [texts[k] for k in fields]
    assert doc.count("walked the whole hallway") == 1
    # every finding is highlighted in its quote, and each mark names the cards it belongs to
    cards = [a for t, a in page.tags if t == "article"]
    assert [c["data-fingerprint"] for c in cards] == [f.fingerprint for f in findings]
    marked: dict[int, str] = {}
    for ids, text in page.marks:
        for i in ids.split():
            marked[int(i)] = marked.get(int(i), "") + text
    assert marked == {n: f.evidence for n, f in enumerate(findings, 1)}
    # the cards no longer quote the post
    assert not re.search(r"<article[^>]*>(?:(?!</article>).)*<blockquote", doc, re.S)
    # the alt text is named
    assert '<p class="field-name">In <code>media[0].alt</code></p>' in doc


def test_overlapping_findings_are_cut_into_marks(ruleset):
    text = "retired fire chief Odalys Brightwater from Pinecrest Bluff"

    def f(start, end, rule, sev=Severity.HIGH):
        return Finding(rule=rule, rule_name=rule, severity=sev, confidence=0.9, post_id="q1", source="q.jsonl", field="text",
                       start=start, end=end, evidence=text[start:end], message="m", explanation="e", index=0)

    name = text.index("Odalys Brightwater")
    findings = [f(0, len(text), "PHI201", Severity.MEDIUM), f(name, name + 18, "PHI101")]
    result = ScanResult(findings=findings, posts=1, texts={("q.jsonl", "q1", "text"): text})
    doc = render(result, ruleset)
    assert ('<blockquote class="context" dir="auto"><mark data-findings="1">retired fire chief </mark>'
            '<mark data-findings="1 2">Odalys Brightwater</mark><mark data-findings="1"> from Pinecrest Bluff</mark>'
            "</blockquote>") in doc


def test_a_long_text_is_cut_to_windows_around_its_findings(ruleset):
    text = ("Lovely weather on the campus today. " * 60) + "Get well soon Mr. Wexler." + (" Parking is free on Sundays." * 60)
    s = text.index("Mr. Wexler")
    f = Finding(rule="PHI101", rule_name="patient-name", severity=Severity.HIGH, confidence=0.9, post_id="L", source="l.jsonl",
                field="text", start=s, end=s + 10, evidence="Mr. Wexler", message="m", explanation="e", index=0)
    doc = render(ScanResult(findings=[f], posts=1, texts={("l.jsonl", "L", "text"): text}), ruleset)
    (quote,) = Page(doc).quotes
    assert quote.startswith("…") and quote.endswith("…") and "Mr. Wexler" in quote and len(quote) < 600


def test_post_date_and_clause_titles(scanned, scanner):
    doc = render(make(scanned, scanner), scanner.rules)
    g1 = doc[doc.index("<h3 id=\"post-1-h\">Post g1</h3>"):doc.index("<h3 id=\"post-2-h\">")]
    assert ('<p class="post-meta"><span class="platform">x</span> · <span class="account">lakeside_care</span> · '
            '<time class="posted" datetime="2025-05-02T15:00:00+00:00">2025-05-02 15:00 UTC</time> · '
            '<span class="source">feed.jsonl, line 1</span></p>') in g1
    g2 = doc[doc.index("<h3 id=\"post-2-h\">"):]
    assert "<time" not in g2.split("</p>")[0]  # no date known: none shown
    assert ('<li>hipaa-safe-harbor:164.514(b)(2)(i)(H) <span class="policy-title">– Medical record numbers</span></li>'
            '<li>social-media-guideline:SMG-2.3 Confidentiality of records <span class="policy-title">– Record numbers, charts, '
            "boards, wristbands and billing details never leave the organization&#x27;s systems.</span></li>") in g1


def test_a_reference_without_a_known_clause_is_shown_alone(scanned, scanner):
    result = make(scanned, scanner)
    result.clauses = {}
    assert "<li>hipaa-safe-harbor:164.514(b)(2)(i)(H)</li>" in render(result, scanner.rules)


def test_status_filter_shows_accepted_findings_with_their_status(scanned, scanner):
    result = make(scanned, scanner, {"PHI106": "suppressed", "PHI103": "baselined", "PHI105": "authorized"})
    assert len(result.suppressed) == 1 and len(result.baselined) >= 1
    everything = sorted([*result.findings, *result.suppressed, *result.baselined], key=report_key)
    doc = render(result, scanner.rules)
    page = Page(doc)
    options, current = {}, None
    for t, a in page.tags:
        if t == "select":
            current = a["id"]
            options[current] = []
        elif t == "option":
            options[current].append(a["value"])
    assert options["filter-status"] == ["", "open", "authorized", "suppressed", "baselined"]
    cards = [a for t, a in page.tags if t == "article"]
    assert [(c["data-status"], c["data-fingerprint"]) for c in cards] == [(f.status, f.fingerprint) for f in everything]
    assert {c["data-status"] for c in cards} == {"open", "authorized", "suppressed", "baselined"}
    n = len(everything)
    assert f'<p id="counter" aria-live="polite">{n} of {n} findings shown</p>' in doc
    counts = {st: sum(1 for f in everything if f.status == st) for st in ("open", "authorized", "suppressed", "baselined")}
    for st, k in counts.items():
        assert f'<option value="{st}">{st} ({k})</option>' in doc
        assert f'<tr><td><a href="#status={st}">{st}</a></td><td class="num">{k}</td></tr>' in doc
    # the MRN is suppressed: still highlighted in its post, with the reason a person gave
    assert "<dt>Accepted because</dt><dd>consent form CF-12 on file</dd>" in doc
    assert "<dt>Accepted because</dt><dd>reviewed by the privacy office, ticket PO-77</dd>" in doc
    assert ("66104729", ) == tuple(t for ids, t in page.marks if t == "66104729")
    assert '<span class="status">suppressed</span>' in doc and '<span class="status">authorized</span>' in doc
    # the summary's totals are unchanged: reported findings, accepted ones counted apart
    assert f'<dd id="findings-total">{len(result.findings)}</dd>' in doc
    assert f'<dd id="suppressed-inline">{len(result.suppressed)}</dd>' in doc


def test_redacted_grouping_writes_no_post_text(scanned, scanner):
    result = make(scanned, scanner, {"PHI106": "suppressed"})
    doc = render(result, scanner.rules, redact=True)
    for s in ("Cornelius", "Abernathy", "66104729", "hallway", "Philippa", "Drummond"):
        assert s not in doc, s
    assert "<blockquote" not in doc and "mark data-findings" not in doc
    assert doc.count("<article ") == len(result.findings) + len(result.suppressed)


def test_cli_html_report_has_dates_and_clause_titles(tmp_path):
    src = tmp_path / "feed.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    out = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["scan", str(src), "--format", "html", "-o", str(out), "-q", "--no-cache"], catch_exceptions=False)
    assert r.exit_code == 1, r.output
    doc = out.read_text(encoding="utf-8")
    assert '<time class="posted" datetime="2025-05-02T15:00:00+00:00">2025-05-02 15:00 UTC</time>' in doc
    assert '<span class="policy-title">– Medical record numbers</span>' in doc
