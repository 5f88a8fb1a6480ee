"""HTML report: one self-contained file a compliance reviewer opens in a browser, also from file://.

What it holds: a summary (posts scanned, findings by severity, rule, account and status, inputs that could not
be read), filters by severity, rule, account and status, and the findings grouped by post: each post once, with
its platform, account, date, source and a link to the original, each of its texts (the post, an alt text) quoted
once with every finding in it highlighted, then one card per finding (rule name and message, why it was flagged,
the policy references with their clauses' titles, the rule's docs). Suppressed and baselined findings are shown
too, with their status, so the status filter (open / authorized / suppressed / baselined) can show what a person
accepted. Filters are select boxes and are mirrored in the URL fragment
(`#severity=high&rule=PHI101&account=x&status=open`), so a filtered view can be bookmarked or sent; summary
counts link to their filtered view. A filter hides the posts and texts left without a finding shown and dims the
highlights of hidden findings. Without JavaScript every finding is shown.

Safety, because the page shows text written by strangers and may be opened on a reviewer's workstation:
- no external assets at all: CSS and JS are inline, nothing is fetched, and a Content-Security-Policy meta says
  so to the browser (default-src 'none'). The script is allowed by its SHA-256 hash; 'unsafe-inline' follows it
  only as the fallback for browsers older than CSP 2, which ignore hashes (newer ones ignore 'unsafe-inline'
  when a hash is present), so even a post that slipped past escaping could not run a script;
- everything from posts, accounts, file names and rules is escaped with html.escape, in text and attributes;
- the script never builds HTML (no innerHTML): it only toggles `hidden` and sets a counter's textContent;
- only http(s) post URLs become links (never javascript: or data:), opened with rel=noopener noreferrer;
- under --redact no post text is written, only evidence masked through `phiscan.masking` (a post's date, account
  and link stay: they are what a reviewer finds the post by).

Output is deterministic (no timestamp unless the caller passes `generated_at`; findings in report order, `model.report_key`).
"""
from __future__ import annotations

import base64
import hashlib
import html
import re
import heapq
from typing import IO, Iterator

from ..model import Finding, ScanResult, Severity, Summary, report_key
from ..rules.engine import Rule, RuleSet
from .json_report import _version
from .jsonl import ordered_errors
from .markdown import (
    NO_ACCOUNT, accepted_counts, by_account, by_rule, display_evidence, evidence_ok, post_groups, safe_url,
    windows,
)

_SURROGATES = re.compile("[\ud800-\udfff]")
NO_ACCOUNT_VALUE = "-"  # the filter value of findings whose post has no known account
STATUSES = ("open", "authorized", "suppressed", "baselined")  # the status filter's values, always offered
DOC_HEADINGS = (("what", "What it catches"), ("why", "Why it matters"), ("example", "Example"), ("instead", "Write instead"))


def esc(value: object) -> str:
    """HTML-escape text for element content and quoted attributes (also drops lone surrogates, which
    cannot be written as UTF-8)."""
    return html.escape(_SURROGATES.sub("\ufffd", str(value)), quote=True)


CSS = """
:root { color-scheme: light; --high: #b3261e; --medium: #9a6700; --low: #0b6e99; --info: #555; --line: #d0d7de; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
figure.ocr-region { margin: .5rem 0; } figure.ocr-region img { max-width: 100%; height: auto; border: 1px solid var(--line); }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
header.page, main { max-width: 70rem; margin: 0 auto; padding: 0 1rem; }
header.page { padding-top: 1rem; }
h1 { margin: .5rem 0 0; font-size: 1.6rem; }
h2 { margin: 2rem 0 .75rem; font-size: 1.3rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { margin: 0 0 .25rem; font-size: 1.05rem; }
.meta, .post-meta { color: #59636e; font-size: .9rem; margin: .25rem 0; }
.notice { background: #fff8c5; border: 1px solid #d4a72c; padding: .5rem .75rem; border-radius: 6px; }
dl.totals { display: flex; flex-wrap: wrap; gap: .75rem; margin: 0 0 1rem; }
dl.totals div { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .5rem .9rem; min-width: 9rem; }
dl.totals dt { color: #59636e; font-size: .85rem; }
dl.totals dd { margin: 0; font-size: 1.4rem; font-weight: 600; }
.tables { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { padding: .3rem .7rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem 1.25rem; align-items: end; background: #fff; border: 1px solid var(--line);
  border-radius: 6px; padding: .75rem; position: sticky; top: 0; z-index: 1; }
form.filters label { display: flex; flex-direction: column; font-size: .85rem; color: #59636e; }
select, button { font: inherit; padding: .2rem .4rem; }
#counter { font-weight: 600; }
section.post { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin: 1rem 0; }
article.finding { border-left: 4px solid var(--info); padding: .5rem .75rem; margin: .75rem 0 0; background: #fbfbfc; }
article.finding.sev-high { border-left-color: var(--high); }
article.finding.sev-medium { border-left-color: var(--medium); }
article.finding.sev-low { border-left-color: var(--low); }
.badge { display: inline-block; color: #fff; border-radius: 4px; padding: 0 .4rem; font-size: .8rem; font-weight: 700; letter-spacing: .03em; }
.badge.sev-high { background: var(--high); } .badge.sev-medium { background: var(--medium); }
.badge.sev-low { background: var(--low); } .badge.sev-info { background: var(--info); }
.rule-code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-weight: 600; }
.confidence { color: #59636e; font-size: .85rem; }
.status { border: 1px solid #59636e; border-radius: 4px; padding: 0 .3rem; font-size: .8rem; color: #59636e; }
blockquote.context { white-space: pre-wrap; overflow-wrap: anywhere; margin: .5rem 0; padding: .5rem .75rem; background: #fff;
  border: 1px solid var(--line); border-radius: 4px; }
mark { background: #ffd33d; color: #000; padding: 0 .1em; border-radius: 2px; }
mark.dim { background: #eceff1; color: inherit; }
.field-name { margin: .5rem 0 0; color: #59636e; font-size: .85rem; }
div.field { margin: .5rem 0 0; }
dl.details { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0 0; }
dl.details dt { color: #59636e; }
dl.details dd { margin: 0; overflow-wrap: anywhere; }
dl.details ul { margin: 0; padding-left: 1.1rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #eff1f3; padding: 0 .25em; border-radius: 3px; }
section.rule { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin: .75rem 0; }
section.rule dt { font-weight: 600; } section.rule dd { margin: 0 0 .5rem; }
@media print { form.filters, .no-print { display: none; } body { background: #fff; } section.post { break-inside: avoid; } }
""".strip()

SCRIPT = """
(function () {
  "use strict";
  var KEYS = ["severity", "rule", "account", "status"];
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.finding"));
  var posts = Array.prototype.slice.call(document.querySelectorAll("section.post"));
  var fields = Array.prototype.slice.call(document.querySelectorAll("div.field"));
  var marks = Array.prototype.slice.call(document.querySelectorAll("mark[data-findings]"));
  var counter = document.getElementById("counter");
  var selects = {};
  KEYS.forEach(function (k) { selects[k] = document.getElementById("filter-" + k); });

  function hasOption(select, value) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) { return true; }
    }
    return false;
  }

  function apply() {
    var shown = 0;
    cards.forEach(function (card) {
      var match = KEYS.every(function (k) {
        var want = selects[k].value;
        return want === "" || card.getAttribute("data-" + k) === want;
      });
      card.hidden = !match;
      if (match) { shown += 1; }
    });
    fields.forEach(function (fld) {
      fld.hidden = fld.querySelector("article.finding:not([hidden])") === null;
    });
    posts.forEach(function (post) {
      post.hidden = post.querySelector("article.finding:not([hidden])") === null;
    });
    marks.forEach(function (mark) {
      var lit = mark.getAttribute("data-findings").split(" ").some(function (id) {
        var card = document.getElementById("finding-" + id);
        return card !== null && !card.hidden;
      });
      mark.classList.toggle("dim", !lit);
    });
    counter.textContent = shown + " of " + cards.length + " findings shown";
  }

  function readHash() {
    var raw = window.location.hash.replace(/^#/, "");
    if (raw.indexOf("=") === -1) { return false; }  /* an anchor such as #rule-PHI101, not a filter */
    var params = new URLSearchParams(raw);
    KEYS.forEach(function (k) {
      var value = params.get(k) || "";
      selects[k].value = hasOption(selects[k], value) ? value : "";
    });
    return true;
  }

  function writeHash() {
    var params = new URLSearchParams();
    KEYS.forEach(function (k) { if (selects[k].value !== "") { params.set(k, selects[k].value); } });
    var query = params.toString();
    try {
      history.replaceState(null, "", query ? "#" + query : window.location.pathname + window.location.search);
    } catch (err) {
      window.location.hash = query;
    }
  }

  KEYS.forEach(function (k) {
    selects[k].addEventListener("change", function () { writeHash(); apply(); });
  });
  document.getElementById("filter-reset").addEventListener("click", function () {
    KEYS.forEach(function (k) { selects[k].value = ""; });
    writeHash();
    apply();
  });
  window.addEventListener("hashchange", function () { if (readHash()) { apply(); } });
  readHash();
  apply();
}());
""".strip("\n")


def script_hash(script: str = SCRIPT) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def csp(script: str = SCRIPT) -> str:
    return (
        "default-src 'none'; style-src 'unsafe-inline'; "
        f"script-src {script_hash(script)} 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def severities_in(summary: Summary) -> list[str]:
    present = {k for k, n in summary.by_severity.items() if n}
    return [str(s) for s in sorted(Severity, reverse=True) if s >= Severity.LOW or str(s) in present]


class HtmlReporter:
    name = "html"
    description = "Self-contained HTML for reviewers: summary, filters, findings in context"

    def render(
        self, result: ScanResult, rules: RuleSet, out: IO[str], *, redact: bool = False, fail_on: str = "medium",
        generated_at: str | None = None,
    ) -> None:
        for block in self.blocks(result, rules, redact=redact, fail_on=fail_on, generated_at=generated_at):
            out.write("\n".join(block) + "\n")

    # ------------------------------------------------------------------------------------------ document
    def blocks(self, result: ScanResult, rules: RuleSet, *, redact: bool, fail_on: str, generated_at: str | None = None) -> Iterator[list[str]]:
        """The page as blocks of lines: head and summary, then one block per post (streamed from the store)."""
        summary = result.summary(fail_on)
        P: list[str] = [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{esc(csp())}">',
            '<meta name="referrer" content="no-referrer">',
            '<meta name="robots" content="noindex, nofollow">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta name="generator" content="phiscan {esc(_version())}">',
            "<title>phiscan report</title>",
            f"<style>\n{CSS}\n</style>",
            "</head>",
            "<body>",
            '<header class="page">',
            "<h1>phiscan report</h1>",
        ]
        meta = [f"phiscan {esc(_version())}"]
        if generated_at:
            meta.append(f"generated {esc(generated_at)}")
        P.append(f'<p class="meta">{" · ".join(meta)}</p>')
        if redact:
            P.append('<p class="notice" id="redacted">Redacted report: evidence is masked and post text is not shown.</p>')
        P.append("</header>")
        P.append("<main>")
        P += self._summary(result, summary, fail_on)
        yield P
        yield from self._findings(result, rules, summary, redact)
        P = self._rules(rules, summary)
        P.append("</main>")
        P.append(f"<script>{SCRIPT}</script>")
        P += ["</body>", "</html>"]
        yield P

    # ------------------------------------------------------------------------------------------- summary
    def _summary(self, result: ScanResult, summary: Summary, fail_on: str) -> list[str]:
        sev = summary.by_severity
        totals = (
            ("posts-scanned", "Posts scanned", result.posts),
            ("posts-with-findings", "Posts with findings", summary.posts_with_findings),
            ("findings-total", "Findings", summary.findings),
            ("findings-failing", f"At or above {fail_on}", summary.failing),
            *((re.sub(r"\W+", "-", label.lower()), label, n) for label, n in accepted_counts(result)),
            ("errors-total", "Read errors (input lost)", len(result.errors)),
        )
        P = ['<section id="summary" aria-labelledby="summary-h">', '<h2 id="summary-h">Summary</h2>', '<dl class="totals">']
        P += [f'<div><dt>{esc(label)}</dt><dd id="{key}">{n}</dd></div>' for key, label, n in totals]
        P.append("</dl>")
        P.append('<div class="tables">')
        P += _table("by-severity", "Findings by severity", ("Severity", "Findings"),
                    [(_filter_link("severity", s, s), n) for s, n in ((s, sev.get(s, 0)) for s in severities_in(summary))])
        P += _table("by-rule", "Findings by rule", ("Rule", "Name", "Findings"),
                    [(_filter_link("rule", code, code), esc(name), n) for code, name, n in by_rule(summary)])
        P += _table("by-account", "Findings by account", ("Account", "Findings"),
                    [(_filter_link("account", NO_ACCOUNT_VALUE if a == NO_ACCOUNT else a, a), n) for a, n in by_account(summary)])
        P += _table("by-status", "Findings by status", ("Status", "Findings"),
                    [(_filter_link("status", st, st), n) for st, n in statuses(summary)])
        P.append("</div>")
        P.append('<section id="errors" aria-labelledby="errors-h">')
        P.append('<h3 id="errors-h">Inputs that could not be read</h3>')
        if result.errors:
            P += _table("errors-table", None, ("Source", "Where", "Problem"),
                        [(esc(e.source), esc(e.where), esc(e.message)) for e in ordered_errors(result.errors)])
        else:
            P.append("<p>None.</p>")
        P.append("</section>")
        P += inventory_section(result)
        P.append("</section>")
        return P

    # ------------------------------------------------------------------------------------------ findings
    def _findings(self, result: ScanResult, rules: RuleSet, summary: Summary, redact: bool) -> Iterator[list[str]]:
        total = summary.findings + summary.by_status.get("suppressed", 0) + summary.by_status.get("baselined", 0)
        P = ['<section id="findings" aria-labelledby="findings-h">', '<h2 id="findings-h">Findings</h2>']
        sev = summary.by_severity
        P.append('<form class="filters" id="filters" role="search" aria-label="Filter findings">')
        P += _select("severity", "Severity", "All severities", [(s, f"{s} ({sev.get(s, 0)})") for s in severities_in(summary)])
        P += _select("rule", "Rule", "All rules", [(code, f"{code} {name} ({n})") for code, name, n in by_rule(summary)])
        P += _select("account", "Account", "All accounts",
                     [(NO_ACCOUNT_VALUE if a == NO_ACCOUNT else a, f"{a} ({n})") for a, n in sorted(by_account(summary))])
        P += _select("status", "Status", "All statuses", [(st, f"{st} ({n})") for st, n in statuses(summary)])
        P.append('<button type="button" id="filter-reset">Show all</button>')
        P.append(f'<p id="counter" aria-live="polite">{total} of {total} findings shown</p>')
        P.append("</form>")
        P.append('<noscript><p class="notice">Filters need JavaScript; every finding is shown.</p></noscript>')
        if not total:
            P.append('<p id="no-findings">No findings.</p>')
        yield P
        n = 0
        for p, ((source, post_id), group) in enumerate(post_groups(all_records(result)), 1):
            P = self._post_head(p, source, post_id, group[0][0])
            for fld, recs in _by_field(group):
                P.append('<div class="field">')
                if fld != "text":
                    P.append(f'<p class="field-name">In <code>{esc(fld)}</code></p>')
                numbered = list(enumerate(recs, n + 1))
                n += len(recs)
                text = next((t for _, t in recs if t is not None), None)
                if not redact and text is not None:
                    P += _quote(text, [(i, f) for i, (f, _) in numbered if evidence_ok(text, f)])
                boxed = [(i, f.box) for i, (f, _) in numbered if f.image is not None and f.box]
                if boxed:  # text read from an image: the flagged region (see image_crop)
                    from .image_crop import figure

                    P += figure(recs[0][0].image, boxed, redact, esc)
                for i, (f, _) in numbered:
                    P += self._card(i, f, rules, redact, result.clauses)
                P.append("</div>")
            P.append("</section>")
            yield P
        yield ["</section>"]

    def _post_head(self, p: int, source: str, post_id: str, first: Finding) -> list[str]:
        """A post's section opening: its id, then platform, account, date, source and link (once per post)."""
        P = [f'<section class="post" id="post-{p}" aria-labelledby="post-{p}-h">', f'<h3 id="post-{p}-h">Post {esc(post_id)}</h3>']
        facts = []
        if first.platform:
            facts.append(f'<span class="platform">{esc(first.platform)}</span>')
        facts.append(f'<span class="account">{esc(first.account or NO_ACCOUNT)}</span>')
        if first.created_at:
            facts.append(f'<time class="posted" datetime="{esc(first.created_at)}">{esc(_when(first.created_at))}</time>')
        facts.append(f'<span class="source">{esc(source)}' + (f", line {first.line}" if first.line else "") + "</span>")
        link = safe_url(first.url)
        if link:
            facts.append(f'<a class="post-link" href="{esc(link)}" rel="noopener noreferrer nofollow" target="_blank">Open the original post</a>')
        elif first.url:
            facts.append(f'<span class="post-url">{esc(first.url)}</span>')
        P.append(f'<p class="post-meta">{" · ".join(facts)}</p>')
        return P

    def _card(self, n: int, f: Finding, rules: RuleSet, redact: bool, clauses: dict[str, str] | None = None) -> list[str]:
        sev = str(f.severity)
        account = f.account or NO_ACCOUNT_VALUE
        P = [
            f'<article class="finding sev-{esc(sev)}" id="finding-{n}" data-severity="{esc(sev)}" data-rule="{esc(f.rule)}" '
            f'data-account="{esc(account)}" data-status="{esc(f.status)}" data-fingerprint="{esc(f.fingerprint)}">',
            f'<h4><span class="badge sev-{esc(sev)}">{esc(sev.upper())}</span> <span class="rule-code">{esc(f.rule)}</span> '
            f'<span class="rule-name">{esc(f.rule_name)}</span> <span class="confidence">confidence {f.confidence:.2f}</span>'
            + (f' <span class="status">{esc(f.status)}</span>' if f.status != "open" else "") + "</h4>",
            f'<p class="message">{esc(_scrub(f.message, f, redact))}</p>',
        ]
        details = [("Evidence", f'<mark class="evidence">{esc(display_evidence(f, redact))}</mark>'
                    + (" <span class=\"masked\">(masked)</span>" if redact else ""))]
        details.append(("Where", f"{esc(f.field)}, characters {f.start}–{f.end}"))
        if f.image is not None and f.box:
            x, y, w, h = f.box
            details.append(("In the image", f"<code>{esc(f.image)}</code>, box x {x}, y {y}, {w} × {h} px"))
        if f.disclosed:
            details.append(("Discloses", esc(f.disclosed)))
        details += _authorization_details(f)
        if f.explanation:
            details.append(("Why flagged", esc(_scrub(f.explanation, f, redact))))
        if f.justification and f.status in ("suppressed", "baselined"):
            details.append(("Accepted because", esc(f.justification)))
        if f.policies:
            titles = clauses or {}
            details.append(("Policy", "<ul>" + "".join(
                f"<li>{esc(p)}" + (f' <span class="policy-title">– {esc(titles[p])}</span>' if titles.get(p) else "") + "</li>"
                for p in f.policies) + "</ul>"))
        rule = rules.by_code.get(f.rule)
        about = f'<a href="#rule-{esc(f.rule)}">{esc(rule.title)}</a> · ' if rule is not None else ""
        details.append(("Rule", f"{about}<code>phiscan rules show {esc(f.rule)}</code>"))
        P.append('<dl class="details">')
        P += [f"<dt>{label}</dt><dd>{value}</dd>" for label, value in details]
        P.append("</dl>")
        P.append("</article>")
        return P

    # --------------------------------------------------------------------------------------------- rules
    def _rules(self, rules: RuleSet, summary: Summary) -> list[str]:
        codes = sorted(summary.by_rule)
        known: list[Rule] = [rules.by_code[c] for c in codes if c in rules.by_code]
        if not known:
            return []
        P = ['<section id="rules" aria-labelledby="rules-h">', '<h2 id="rules-h">Rules in this report</h2>']
        for r in known:
            P.append(f'<section class="rule" id="rule-{esc(r.code)}">')
            P.append(f'<h3><span class="rule-code">{esc(r.code)}</span> {esc(r.name)}: {esc(r.title)}</h3>')
            P.append("<dl>")
            for key, label in DOC_HEADINGS:
                if r.docs.get(key):
                    P.append(f"<dt>{label}</dt><dd>{esc(r.docs[key])}</dd>")
            P.append("</dl>")
            P.append(f"<p>Training material: <code>phiscan rules show {esc(r.code)}</code></p>")
            P.append("</section>")
        P.append("</section>")
        return P


def statuses(summary: Summary) -> list[tuple[str, int]]:
    """(status, findings) for the status filter: open, authorized, suppressed, baselined, then any other."""
    by = summary.by_status
    return [(st, by.get(st, 0)) for st in STATUSES] + sorted((st, n) for st, n in by.items() if st not in STATUSES)


def all_records(result: ScanResult) -> Iterator[tuple[Finding, "str | None"]]:
    """The reported, suppressed and baselined findings (with their field text) in one report order: each post
    then holds every finding made in it, whatever became of it. Streams (a merge of three sorted streams)."""
    streams = [result.ordered_records(which) for which in ("findings", "suppressed", "baselined")]
    return heapq.merge(*streams, key=lambda rec: report_key(rec[0]))


def _by_field(group: list[tuple[Finding, "str | None"]]) -> list[tuple[str, list[tuple[Finding, "str | None"]]]]:
    """A post's records by field, in report order (the post's text first)."""
    out: dict[str, list] = {}
    for rec in group:
        out.setdefault(rec[0].field, []).append(rec)
    return list(out.items())


def _when(iso: str) -> str:
    """A post's time for people: `2025-05-02 15:00 UTC` (the ISO text itself when it does not parse)."""
    from datetime import datetime, timezone

    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc)
        return dt.strftime("%Y-%m-%d %H:%M UTC")
    return dt.strftime("%Y-%m-%d %H:%M")


def _quote(text: str, marks: list[tuple[int, Finding]]) -> list[str]:
    """The field's text quoted once, every finding in it highlighted. Findings may overlap (a combination over
    a name): the text is cut at every finding's start and end, and each piece inside findings is one <mark>
    naming the cards it belongs to (`data-findings`), so the script can dim the highlights of hidden findings.
    A long text is cut to windows around the findings."""
    spans = [(f.start, f.end) for _, f in marks if f.end > f.start]
    parts = windows(len(text), text, spans) if len(text) > 1200 and spans else [(0, len(text))]
    cuts = sorted({0, len(text)} | {x for s, e in spans for x in (s, e)} | {x for w in parts for x in w})
    out: list[str] = []
    for k, (ws, we) in enumerate(parts):
        runs: list[tuple[str, str]] = []  # (ids of the findings over it, text): neighbours with the same ids merged
        bounds = [c for c in cuts if ws <= c <= we]
        for a, b in zip(bounds, bounds[1:]):
            ids = " ".join(str(i) for i, f in marks if f.start <= a and b <= f.end and f.end > f.start)
            if runs and runs[-1][0] == ids:
                runs[-1] = (ids, runs[-1][1] + text[a:b])
            else:
                runs.append((ids, text[a:b]))
        body = "".join(f'<mark data-findings="{ids}">{esc(t)}</mark>' if ids else esc(t) for ids, t in runs)
        out.append('<blockquote class="context" dir="auto">' + ("…" if ws > 0 else "") + body
                   + ("…" if we < len(text) else "") + "</blockquote>")
    return out


def _scrub(text: str, f: Finding, redact: bool) -> str:
    """Under --redact, mask the evidence should a rule's message or a detector's explanation ever quote it."""
    if redact and f.evidence and len(f.evidence.strip()) > 1 and f.evidence in text:
        return text.replace(f.evidence, display_evidence(f, True))
    return text


def _filter_link(key: str, value: str, label: str) -> str:
    from urllib.parse import quote

    return f'<a href="#{key}={esc(quote(value, safe="", errors="replace"))}">{esc(label)}</a>'


def _table(ident: str, caption: str | None, head: tuple[str, ...], rows: list[tuple]) -> list[str]:
    P = [f'<table id="{ident}">']
    if caption:
        P.append(f"<caption>{esc(caption)}</caption>")
    P.append("<thead><tr>" + "".join(f'<th scope="col">{esc(h)}</th>' for h in head) + "</tr></thead>")
    P.append("<tbody>")
    if not rows:
        P.append(f'<tr><td colspan="{len(head)}">None.</td></tr>')
    for row in rows:  # cells are already escaped markup, except counts
        P.append("<tr>" + "".join(f'<td class="num">{c}</td>' if isinstance(c, int) else f"<td>{c}</td>" for c in row) + "</tr>")
    P.append("</tbody></table>")
    return P


def _select(key: str, label: str, everything: str, options: list[tuple[str, str]]) -> list[str]:
    P = [f'<label for="filter-{key}">{esc(label)}', f'<select id="filter-{key}" name="{key}">', f'<option value="">{esc(everything)}</option>']
    P += [f'<option value="{esc(value)}">{esc(text)}</option>' for value, text in options]
    P.append("</select></label>")
    return P


def inventory_section(result: ScanResult) -> list[str]:
    """The inventory: files by status, then the inputs skipped on purpose (with the reason) and the warnings
    (a field dropped, the record scanned). The JSON report lists every input; this shows what a reviewer checks."""
    from ..model import inventory_counts

    c = inventory_counts(result.inventory)
    P = ['<section id="inventory" aria-labelledby="inventory-h">', '<h3 id="inventory-h">Inputs</h3>', '<dl class="totals">']
    for key, label in (("scanned", "Files scanned"), ("partial", "Files scanned in part"), ("skipped", "Files skipped"),
                       ("error", "Files unreadable")):
        P.append(f'<div><dt>{esc(label)}</dt><dd id="inputs-{key}">{c[key]}</dd></div>')
    truncated = [(r.source, w) for r in result.inventory for w in r.truncated]
    P.append(f'<div><dt>Posts cut at a size limit</dt><dd id="posts-truncated">{len(truncated)}</dd></div>')
    P.append("</dl>")
    P += _table("skipped-table", "Inputs skipped", ("Source", "Reason"),
                [(esc(r.source), esc(r.reason)) for r in result.inventory if r.status == "skipped"])
    P += _table("warnings-table", "Warnings (scanned without a field)", ("Source", "Where", "Warning"),
                [(esc(e.source), esc(e.where), esc(e.message)) for e in ordered_errors(result.warnings)])
    P.append("</section>")
    return P


def _authorization_details(f: Finding) -> list[tuple[str, str]]:
    """The authorization a finding's status speaks of: the id that covers it, or why one that names the
    patient does not (expired, another platform). Ids and reasons only: never the patient's name."""
    from ..consent import authorization_ids

    ids = authorization_ids(f)
    if not ids:
        return []
    codes = ", ".join(f'<code class="authorization">{esc(a)}</code>' for a in ids)
    if f.status == "authorized":
        return [("Authorization", f"{codes}: covered by the patient's written authorization (reported, not failing)")]
    return [("Authorization", f"{codes}: does not cover this post, still blocking ({esc(f.justification or '')})")]

