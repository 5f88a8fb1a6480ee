"""`phiscan eval`: score phiscan on labeled data, the way an institution validates it before trusting it.

Gold files are JSONL in either of two shapes:
- labeled posts: {"id", "text", "phi": bool, "labels": [{"label", "text"}], optional created_at, in_reply_to, ...}
  (every occurrence of a label's text counts as a gold span);
- span files: {"id", "text", "spans": [{"start", "end", "label"}], optional "hard_negative"}.
A gold span is caught when a predicted span overlaps it. A post counts as flagged when it has a finding at or
above `flag_at` (default medium); every finding counts as a predicted span.

The scores also list the posts to look at: the PHI posts phiscan missed (not flagged) and the clean posts it
flagged, with their ids and text. The text is the user's own gold file, so it is shown as it is; with
`redact=True` every gold span and every finding in it is masked (`phiscan.masking`), and a PHI post without
gold spans is masked whole.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .errors import PhiscanError
from .masking import mask
from .model import Finding, Severity
from .sanitize import clean_text
from .sources.generic import post_from_record


@dataclass
class Gold:
    id: str
    text: str
    positive: bool
    spans: list[tuple[int, int, str]]
    record: dict
    hard_negative: bool = False


def gold_spans(rec: dict) -> list[tuple[int, int, str]]:
    if "spans" in rec:
        return [(int(s["start"]), int(s["end"]), str(s["label"])) for s in rec["spans"]]
    out = []
    for lab in rec.get("labels", []):
        t, needle = rec["text"], lab["text"]
        i = t.find(needle)
        while i >= 0 and needle:
            out.append((i, i + len(needle), lab["label"]))
            i = t.find(needle, i + 1)
    return out


def load_gold(path: Path) -> list[Gold]:
    out = []
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise PhiscanError(f"{path}: cannot read: {exc.strerror}") from None
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                text = rec["text"]
                spans = gold_spans(rec)
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise PhiscanError(f"{path}: line {n}: not a labeled record ({exc.__class__.__name__})") from None
            positive = bool(rec["phi"]) if "phi" in rec else bool(spans)
            out.append(Gold(str(rec.get("id", f"line{n}")), text, positive, spans, rec, bool(rec.get("hard_negative"))))
    return out


@dataclass
class Listed:
    """A post the scores list: a PHI post not flagged, or a clean post flagged."""

    id: str
    text: str
    labels: tuple[str, ...]  # a missed post's gold labels (in the order of its spans)
    rules: tuple[str, ...]  # the rules that flagged a clean post (findings at or above flag_at)
    marks: tuple[tuple[int, int], ...]  # gold spans and findings: what --redact masks
    positive: bool

    def shown(self, redact: bool = False) -> str:
        """The post's text, or under `redact` the text with every gold span and finding masked (all of it for a
        PHI post with no span to mask)."""
        if not redact:
            return self.text
        if not self.marks:
            return mask(self.text) if self.positive else self.text
        out, at = [], 0
        for s, e in _merged(self.marks, len(self.text)):
            out.append(self.text[at:s])
            out.append(mask(self.text[s:e]))
            at = e
        out.append(self.text[at:])
        return "".join(out)

    def as_dict(self, redact: bool = False) -> dict:
        d = {"id": clean_text(self.id), "text": clean_text(self.shown(redact))}  # a lone surrogate cannot be printed
        if self.positive:
            d["labels"] = list(self.labels)
        else:
            d["rules"] = list(self.rules)
        return d


def _merged(marks: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted((max(0, s), min(length, e)) for s, e in marks):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


@dataclass
class Scores:
    per_label: dict[str, tuple[int, int]] = field(default_factory=dict)  # label -> (caught, total)
    docs_pos: int = 0
    docs_pos_flagged: int = 0
    docs_neg: int = 0
    docs_neg_flagged: int = 0
    hard_neg: int = 0
    hard_neg_flagged: int = 0
    pred_spans: int = 0
    pred_spans_ok: int = 0
    missed: list[tuple[str, str]] = field(default_factory=list)  # (doc id, label) never the text
    false_alarms: list[str] = field(default_factory=list)
    missed_posts: list[Listed] = field(default_factory=list)  # PHI posts not flagged, in gold order
    false_alarm_posts: list[Listed] = field(default_factory=list)  # clean posts flagged, in gold order

    def as_dict(self, redact: bool = False) -> dict:
        caught = sum(c for c, _ in self.per_label.values())
        total = sum(t for _, t in self.per_label.values())
        r = lambda a, b: round(a / b, 4) if b else None  # noqa: E731
        return {
            "span_recall": {k: r(c, t) for k, (c, t) in sorted(self.per_label.items())},
            "span_counts": {k: t for k, (c, t) in sorted(self.per_label.items())},
            "span_recall_all": r(caught, total),
            "spans": total,
            "doc_recall": r(self.docs_pos_flagged, self.docs_pos),
            "docs_pos": self.docs_pos,
            "doc_false_alarm": r(self.docs_neg_flagged, self.docs_neg),
            "docs_neg": self.docs_neg,
            "hard_negative_false_alarm": r(self.hard_neg_flagged, self.hard_neg),
            "hard_negatives": self.hard_neg,
            "pred_span_precision": r(self.pred_spans_ok, self.pred_spans),
            "pred_spans": self.pred_spans,
            "missed_posts": [p.as_dict(redact) for p in self.missed_posts],
            "false_alarm_posts": [p.as_dict(redact) for p in self.false_alarm_posts],
            "redacted": redact,
        }


def score(golds: Iterable[Gold], predictions: dict[str, list[Finding]], flag_at: Severity = Severity.MEDIUM) -> Scores:
    sc = Scores()
    per = Counter()
    hit = Counter()
    for g in golds:
        fs = [f for f in predictions.get(g.id, []) if f.field == "text"]
        flagged = any(f.severity >= flag_at for f in fs)
        marks = tuple((s, e) for s, e, _ in g.spans) + tuple((f.start, f.end) for f in fs)
        if g.positive:
            sc.docs_pos += 1
            sc.docs_pos_flagged += flagged
            if not flagged:
                labels = tuple(dict.fromkeys(lab for _, _, lab in sorted(g.spans)))
                sc.missed_posts.append(Listed(g.id, g.text, labels, (), marks, True))
        else:
            sc.docs_neg += 1
            sc.docs_neg_flagged += flagged
            if flagged:
                sc.false_alarms.append(g.id)
                rules = tuple(sorted({f.rule for f in fs if f.severity >= flag_at}))
                sc.false_alarm_posts.append(Listed(g.id, g.text, (), rules, marks, False))
        if g.hard_negative:
            sc.hard_neg += 1
            sc.hard_neg_flagged += flagged
        for s, e, lab in g.spans:
            per[lab] += 1
            if any(f.start < e and s < f.end for f in fs):
                hit[lab] += 1
            else:
                sc.missed.append((g.id, lab))
        for f in fs:
            sc.pred_spans += 1
            sc.pred_spans_ok += any(f.start < e and s < f.end for s, e, _ in g.spans)
    sc.per_label = {k: (hit[k], per[k]) for k in per}
    return sc


def run_eval(scanner, golds: list[Gold], flag_at: Severity = Severity.MEDIUM, jobs: int = 1) -> Scores:
    posts = [post_from_record(dict(g.record, id=g.id), "gold", i) for i, g in enumerate(golds)]
    preds: dict[str, list[Finding]] = {}
    for post, findings in scanner.scan_parallel(posts, jobs):
        preds[post.id] = findings
    return score(golds, preds, flag_at)
