"""posts -> detectors -> rules -> policy -> findings. Engines are built once per process; spaCy runs in batches."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .config import Config
from .context import CueMatcher, load_cues
from .detectors import default_detectors
from .errors import ConfigError
from .model import Finding, Post, Severity, Span, neighbourhood
from .nlp import analyze, load_model
from .policy import Pack, load_packs
from .profile import Profile, load_profile
from .resources import rules_dir
from .rules.engine import Context, RuleSet, Verdict, load_rules
from .suppression import SUPPRESSION_RULE, Directive, blank, find_directives

# Entity kinds whose spans compete for the same text: the more specific wins ("Oakridge Falls" after "from"
# is a place, not a PERSON; an MRN is not a phone number).
PRIORITY = {"MRN": 9, "ID": 8, "EMAIL": 8, "URL": 7, "PHONE": 7, "IP_ADDRESS": 7, "ROOM": 6, "AGE": 6, "DATE": 5, "HANDLE": 6,
            "HASHTAG": 6, "ZIP": 5, "PERSON": 4, "FACILITY": 4, "LOCATION": 3, "QUASI": 1}


@dataclass
class Scanner:
    config: Config
    rules: RuleSet
    cues: CueMatcher
    packs: list[Pack]
    profile: Profile

    @classmethod
    def from_config(cls, config: Config) -> "Scanner":
        base = rules_dir()
        cues = load_cues(base / "context.yaml")
        folders = [base] + [Path(d) for d in config.rules_dirs]
        for d in config.rules_dirs:
            if not Path(d).is_dir():
                raise ConfigError(f"{d}: rules folder not found")
        rules = load_rules(folders, set(cues.names))
        packs = load_packs(base / "packs", config.packs, config.pack_files)
        profile = load_profile(config.profile)
        return cls(config, rules, cues, packs, profile)

    def __post_init__(self) -> None:
        self.detectors = default_detectors()
        self._nlp = None
        self.authorizations = None
        if self.config.authorizations:
            from .consent import load_registry

            self.authorizations = load_registry(self.config.authorizations)

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = load_model(self.config.model)
        return self._nlp

    # -- scanning -----------------------------------------------------------------------------------
    def scan(self, posts: Iterable[Post]) -> Iterator[tuple[Post, list[Finding]]]:
        """Scan posts in batches (spaCy's nlp.pipe); yields each post with its findings, in input order."""
        batch: list[Post] = []
        for post in posts:
            batch.append(post)
            if len(batch) >= self.config.batch_size:
                yield from self._scan_batch(batch)
                batch = []
        if batch:
            yield from self._scan_batch(batch)

    def _scan_batch(self, posts: list[Post]) -> Iterator[tuple[Post, list[Finding]]]:
        # inline suppressions are read first and blanked out, so their reasons are not scanned as post text
        directives: dict[int, list[Directive]] = {}
        items = []
        for p in posts:
            for f, t in p.texts():
                ds = find_directives(f, t, self._suppressible)
                if ds:
                    directives.setdefault(id(p), []).extend(ds)
                    t = blank(t, ds)
                items.append((p, f, t))
        unique: dict[str, int] = {}
        texts: list[str] = []
        for _, _, t in items:
            if t not in unique:  # identical texts (retweets, copies) are analysed once
                unique[t] = len(texts)
                texts.append(t)
        docs = list(self.nlp.pipe(texts, batch_size=self.config.batch_size))
        spans_cache: dict[int, tuple] = {}
        by_post: dict[int, list[Finding]] = {id(p): [] for p in posts}
        for post, fld, text in items:
            i = unique[text]
            if i not in spans_cache:
                a = analyze(text, docs[i], self.cues)
                spans_cache[i] = (a, self.detect(a))
            a, spans = spans_cache[i]
            by_post[id(post)].extend(self.judge(post, fld, a, spans))
        for p in posts:
            found = by_post[id(p)]
            if id(p) in directives:
                found = self.apply_suppressions(p, found, directives[id(p)])
            if self.authorizations is not None:
                found = self.authorizations.apply(p, found)
            yield p, sorted(found, key=lambda f: (f.field != "text", f.field, f.start, f.end, f.rule))

    def _suppressible(self, code: str) -> str | None:
        """The rule code a directive's `ignore[...]` entry names (a code or a name), None when none can be."""
        try:
            found = self.rules.get(code).code
        except KeyError:
            return None
        return None if found == SUPPRESSION_RULE else found

    def apply_suppressions(self, post: Post, findings: list[Finding], directives: list[Directive]) -> list[Finding]:
        """Mark findings of rules a valid directive names `suppressed` (with its reason); make a PHI901 finding of
        each invalid directive. Nothing is dropped: suppressed findings are still returned."""
        from dataclasses import replace

        reasons: dict[str, str] = {}
        for d in directives:
            if d.valid:
                for code in d.codes:
                    reasons.setdefault(code, d.reason)
        out = [replace(f, status="suppressed", justification=reasons[f.rule]) if f.rule in reasons and f.status == "open" else f
               for f in findings]
        rule = self.rules.by_code.get(SUPPRESSION_RULE)
        if rule is None or rule.severity < Severity.parse(self.config.min_severity):
            return out
        refs = tuple(f"{p.name}:{r}" for p in self.packs for r in p.refs(rule.code))
        texts = dict(post.texts())
        for d in directives:
            if d.valid:
                continue
            text = texts.get(d.field, "")
            line, column, end_line, end_column = post.position(d.field, d.start, d.end)
            out.append(
                Finding(
                    rule=rule.code, rule_name=rule.name, severity=rule.severity, confidence=1.0, post_id=post.id,
                    source=post.source, field=d.field, start=d.start, end=d.end, evidence=text[d.start:d.end],
                    message=rule.message, explanation=f"the suppression {d.problem}", policies=refs, entity="SUPPRESSION",
                    index=post.index, line=line, column=column, end_line=end_line, end_column=end_column,
                    platform=post.platform, account=post.account, url=post.url,
                    context=neighbourhood(blank(text, [x for x in directives if x.field == d.field and x is not d]), d.start, d.end),
                )
            )
        return out

    def scan_parallel(self, posts: Iterable[Post], jobs: int) -> Iterator[tuple[Post, list[Finding]]]:
        """Scan with `jobs` worker processes, each with its own engine; results come back in input order and
        memory stays bounded (at most a few chunks in flight)."""
        if jobs <= 1:
            yield from self.scan(posts)
            return
        import multiprocessing as mp
        from itertools import islice

        ctx = mp.get_context("spawn")
        size = self.config.batch_size
        it = iter(posts)
        chunks = iter(lambda: list(islice(it, size)), [])
        with ctx.Pool(jobs, initializer=_worker_init, initargs=(self.config,)) as pool:
            for chunk_result in pool.imap(_worker_scan, chunks, chunksize=1):
                yield from chunk_result

    def scan_text(self, text: str, post: Post | None = None) -> list[Finding]:
        post = post or Post(id="-", text=text)
        return next(self._scan_batch([post]))[1]

    def detect(self, a) -> list[Span]:
        spans: list[Span] = []
        for d in self.detectors:
            spans.extend(d.detect(a))
        return link_names(resolve_overlaps(spans))

    def judge(self, post: Post, fld: str, a, spans: list[Span]) -> list[Finding]:
        reply_names = tuple(n for n in _reply_names(post))
        ctx = Context(a=a, post=post, spans=spans, profile_match=self.profile.match, field=fld, reply_names=reply_names)
        verdicts = self.rules.evaluate(ctx)
        return self._findings(post, fld, verdicts, a.text)

    def _findings(self, post: Post, fld: str, verdicts: list[Verdict], text: str = "") -> list[Finding]:
        minimum = Severity.parse(self.config.min_severity)
        best: dict[tuple[int, int], Verdict] = {}
        composite: list[Verdict] = []
        for v in verdicts:
            if v.severity < minimum:
                continue
            if v.rule.type != "span":
                composite.append(v)
                continue
            key = (v.span.start, v.span.end)
            if key not in best or v.severity > best[key].severity:
                best[key] = v
        out: list[Finding] = []
        for v in list(best.values()) + composite:
            sp = v.span
            # a span already reported at this severity or above by a span rule needs no second finding
            if v.rule.type != "span" and any(b.span.overlaps(sp) and b.severity >= v.severity for b in best.values()):
                continue
            refs = tuple(f"{p.name}:{r}" for p in self.packs for r in p.refs(v.rule.code))
            msg = v.rule.message
            if v.disclosed:
                msg = f"{msg} (discloses {v.disclosed})"
            line, column, end_line, end_column = post.position(fld, sp.start, sp.end)
            out.append(
                Finding(
                    rule=v.rule.code, rule_name=v.rule.name, severity=v.severity, confidence=round(sp.score * v.rule.confidence, 2),
                    post_id=post.id, source=post.source, field=fld, start=sp.start, end=sp.end, evidence=sp.text,
                    message=msg, explanation="; ".join(x for x in (sp.explanation, v.why) if x), policies=refs,
                    entity=sp.entity, index=post.index, line=line, platform=post.platform, account=post.account,
                    url=post.url, disclosed=v.disclosed, signals=v.signals,
                    column=column, end_line=end_line, end_column=end_column,
                    context=neighbourhood(text, sp.start, sp.end) if text else "",
                )
            )
        return out


_WORKER: "Scanner | None" = None


def _worker_init(config: Config) -> None:
    global _WORKER
    _WORKER = Scanner.from_config(config)


def _worker_scan(posts: list[Post]) -> list[tuple[Post, list[Finding]]]:
    assert _WORKER is not None
    return list(_WORKER.scan(posts))


def _reply_names(post: Post) -> list[str]:
    author = (post.reply_to_author or "").strip().lower()
    if not author:
        return []
    if author.startswith("@"):
        return [author.lstrip("@")]
    return [w for w in re.findall(r"[a-zà-ÿ'’-]{2,}", author)]


def link_names(spans: list[Span]) -> list[Span]:
    """Mark links whose address carries a person's name found in the post (or a census first name)."""
    from dataclasses import replace

    from .lexicon import is_first_name

    tokens = {w.lower() for s in spans if s.entity in ("PERSON", "HASHTAG") for w in re.findall(r"[A-Za-zÀ-ÿ]{3,}", s.attr("name") or s.text)}
    tokens -= {"mr", "mrs", "miss", "baby", "pray", "for", "strong", "team"}
    out = []
    for s in spans:
        if s.entity == "URL" and s.attr("path"):
            path = s.text.split("//")[-1].split("/", 1)[-1].lower()
            parts = re.split(r"[^a-z]+", path)
            if any(t in path for t in tokens) or any(len(p) > 2 and is_first_name(p) for p in parts):
                s = replace(s, attrs=tuple(sorted(dict(s.attrs, names_person=True).items())))
        out.append(s)
    return out


def resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Keep one span per stretch of text: the higher-priority entity, then the longer, then the higher score."""
    ranked = sorted(spans, key=lambda s: (-PRIORITY.get(s.entity, 0), -(s.end - s.start), -s.score, s.start))
    kept: list[Span] = []
    for s in ranked:
        clash = [k for k in kept if k.overlaps(s)]
        if not clash:
            kept.append(s)
            continue
        # quasi-identifiers may contain other spans ("the grain bin accident near Oskaloo"); keep both
        if s.entity == "QUASI" or all(k.entity == "QUASI" for k in clash):
            kept.append(s)
            continue
        # a place after "from/in" beats a PERSON guess from NER
        if s.entity == "LOCATION" and all(k.entity == "PERSON" and k.attr("pattern") in ("ner", "first_name") for k in clash) and s.attr("kind") in ("prep", "county", "venue", "street"):
            kept = [k for k in kept if k not in clash] + [s]
    return sorted(kept, key=lambda s: (s.start, s.end))
