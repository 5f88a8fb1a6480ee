"""posts -> detectors -> rules -> policy -> findings. Engines are built once per process; spaCy runs in batches."""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator

from .classify.judge import meta_of_post
from .classify.roles import Role, RoleReader
from .config import Config
from .context import CueMatcher, load_cues
from .detectors import default_detectors, placeholder
from .errors import ConfigError
from .model import Finding, Post, Severity, Span, neighbourhood
from .nlp import VOCAB_CHURN_RELOAD, analyze, load_model, memory_zone, vocab_churn
from .policy import Pack, load_packs
from .profile import Profile, load_profile
from .resources import rules_dir
from .rules.engine import Context, RuleSet, Verdict, load_rules
from .sanitize import sanitize_post
from .suppression import SUPPRESSION_RULE, Directive, blank, find_directives

# Entity kinds whose spans compete for the same text: the more specific wins ("Pinecrest Bluff" after "from"
# is a place, not a PERSON; an MRN is not a phone number).
PRIORITY = {"MRN": 9, "ID": 8, "EMAIL": 8, "URL": 7, "PHONE": 7, "IP_ADDRESS": 7, "GPS": 10, "DEVICE_ID": 10, "ROOM": 6, "AGE": 6, "DATE": 5, "HANDLE": 6,
            "HASHTAG": 6, "ZIP": 5, "PERSON": 4, "FACILITY": 4, "LOCATION": 3, "QUASI": 1, "DESCRIPTION": 0}
# descriptions may contain other spans ("the silo collapse near Hartsell"): they never displace one
OVERLAPPING = ("QUASI", "DESCRIPTION")


@dataclass
class Scanner:
    config: Config
    rules: RuleSet
    cues: CueMatcher
    packs: list[Pack]
    profile: Profile

    @classmethod
    def from_config(cls, config: Config, cache: bool = False, judge: bool = True) -> "Scanner":
        """An engine for these settings; `cache=True` reads and fills the scan cache (see cache.py);
        `judge=False` leaves the learned judgment out (training builds it from the candidates)."""
        base = rules_dir()
        cues = load_cues(base / "context.yaml")
        folders = [base] + [Path(d) for d in config.rules_dirs]
        for d in config.rules_dirs:
            if not Path(d).is_dir():
                raise ConfigError(f"{d}: rules folder not found")
        rules = load_rules(folders, set(cues.names))
        packs = load_packs(base / "packs", config.packs, config.pack_files)
        profile = load_profile(config.profile)
        scanner = cls(config, rules, cues, packs, profile)
        if config.recognizers:  # an institution's presidio recognizers: presidio is imported only then
            from .detectors.plugins import load_plugins

            plugins = load_plugins(config.recognizers, config.recognizer_rules, rules)
            scanner.detectors += plugins.detectors
            scanner.plugins_digest = plugins.digest
        if judge:
            from .classify.judge import load

            scanner.judgment = load(None if config.judgment == "default" else config.judgment)
        if cache:
            from .cache import FindingCache, environment

            scanner.cache = FindingCache(environment(scanner))
        return scanner

    def __post_init__(self) -> None:
        self.detectors = default_detectors()
        self.plugins_digest = "none"  # what presidio plug-ins detect besides phiscan's own (see from_config)
        self._nlp = None
        self.cache = None  # a cache.FindingCache when scanning with the cache
        self._refs: dict[str, tuple[str, ...]] = {}  # rule code -> its policy references in the packs
        # recently analysed texts -> (analysis without its spaCy doc, spans): retweets and copies spread over a
        # long export are analysed once (within a batch they are anyway)
        self._recent: OrderedDict[str, tuple] = OrderedDict()
        self.authorizations = None
        self.judgment = None  # a classify.judge.Judge: the learned judgment (None: the rules judge without it)
        if self.config.authorizations:
            from .consent import load_registry

            self.authorizations = load_registry(self.config.authorizations)

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = load_model(self.config.model)
            self._churn_base = vocab_churn(self._nlp)
        return self._nlp

    def _refresh_model(self) -> None:
        """Start a fresh spaCy pipeline (on the next batch) once this one's vocabulary has seen VOCAB_CHURN_RELOAD
        new lexemes: what memory zones free still leaves its mark in spaCy's tables (see nlp.VOCAB_CHURN_RELOAD).
        Findings do not change: a model's predictions do not depend on what it scanned before."""
        if self._nlp is not None and vocab_churn(self._nlp) - self._churn_base > VOCAB_CHURN_RELOAD:
            self._nlp = None
            load_model.cache_clear()  # the cache would keep the old pipeline alive

    # -- scanning -----------------------------------------------------------------------------------
    def scan(self, posts: Iterable[Post]) -> Iterator[tuple[Post, list[Finding]]]:
        """Scan posts in batches (spaCy's nlp.pipe); yields each post with its findings, in input order.

        A batch ends at `batch_size` posts or BATCH_CHARS characters of text, whichever comes first: spaCy's
        memory grows with the text of a whole batch (64 posts of 20,000 characters take 1 GB), and a post may
        hold up to max_text_chars."""
        batch: list[Post] = []
        chars = 0
        for post in posts:
            batch.append(post)
            chars += sum(len(t) for _, t in post.texts())
            if len(batch) >= self.config.batch_size or chars >= self.BATCH_CHARS:
                yield from self._run_batch(batch)
                batch = []
                chars = 0
        if batch:
            yield from self._run_batch(batch)

    def _run_batch(self, posts: list[Post], cached_only: bool = False) -> list[tuple[Post, list[Finding]]] | None:
        """Scan one batch. Every post passes `sanitize_post` first: the one place odd code points (lone
        surrogates) are made safe before detection. spaCy runs inside a memory zone (see `_analyse`).
        `cached_only`: the results only if every text's findings are in the scan cache, else None."""
        posts = [self._typed(sanitize_post(p)) for p in posts]
        return self._scan_batch(posts, cached_only)

    def _typed(self, post: Post) -> Post:
        """A post from one of the organization's own accounts (the profile's `accounts`) whose loader did not say
        what kind of account it is, is an official account's post: the judgment and the account rules weigh it so."""
        if post.account_type is None and self.profile.owns_account(post.account):
            from dataclasses import replace

            return replace(post, account_type="official")
        return post

    def _scan_batch(self, posts: list[Post], cached_only: bool = False) -> list[tuple[Post, list[Finding]]] | None:
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
        # findings of texts scanned before under the same rules, profile and model come from the cache
        found: list[list[Finding] | None] = [None] * len(items)
        cache, keys = self.cache, []
        if cache is not None:
            from .cache import decode, encode

            keys = [cache.key(p, f, t) for p, f, t in items]
            stored = cache.get_many(keys)
            for i, (post, fld, text) in enumerate(items):
                data = stored.get(keys[i])
                if data is not None:
                    try:
                        found[i] = decode(data, post, fld, text, self)
                    except (KeyError, ValueError, TypeError, IndexError):
                        found[i] = None  # an unreadable row: scan the text again
        todo = [i for i, fs in enumerate(found) if fs is None]
        if todo and cached_only:
            return None
        if todo:
            analysed = self._analyse(list(dict.fromkeys(items[i][2] for i in todo)))  # identical texts once
            rows: dict[bytes, str] = {}
            for i in todo:
                post, fld, text = items[i]
                a, spans = analysed[text]
                found[i] = self.judge(post, fld, a, spans)
                if cache is not None:
                    data = encode(found[i], post, text, self)
                    if data is None:
                        cache.skipped += 1
                    else:
                        rows[keys[i]] = data
            if cache is not None:
                cache.put_many(rows)
        if cache is not None:
            cache.hits += len(items) - len(todo)
            cache.misses += len(todo)
        by_post: dict[int, list[Finding]] = {id(p): [] for p in posts}
        for (post, _, _), fs in zip(items, found):
            by_post[id(post)].extend(fs or ())
        out = []
        for p in posts:
            found = by_post[id(p)]
            if id(p) in directives:
                found = self.apply_suppressions(p, found, directives[id(p)])
            if self.authorizations is not None:
                found = self.authorizations.apply(p, found)
            out.append((p, sorted(found, key=lambda f: (f.field != "text", f.field, f.start, f.end, f.rule))))
        return out

    BATCH_CHARS = 100_000  # characters of text per spaCy batch (see `scan`)
    RECENT_TEXTS = 2048  # texts remembered across batches
    PREFILTER = True  # skip the named-entity recognizer for texts without a capital letter

    def _analyse(self, texts: list[str]) -> dict[str, tuple]:
        """(analysis, spans) of each distinct text: recently seen ones from memory, the others through spaCy in
        one `nlp.pipe` and the detectors. spaCy runs inside a memory zone, so the strings and lexemes new words
        add to its vocabulary are freed when the batch ends and memory stays flat over a long scan
        (benchmarks/memory_long_run.py); no Doc outlives it: analyses keep sentences and cues, not the doc
        (rules never read it).

        Only the named-entity recognizer is skipped where it cannot matter: the detectors use spaCy's
        entities for names and places only when they start with a capital letter (names.py, places.py), so a
        text without a capital letter (`str.islower()`) goes through the sentencizer alone.
        tests/test_prefilter.py checks that this changes no finding."""
        out: dict[str, tuple] = {}
        fresh = []
        for t in texts:
            hit = self._recent.get(t)
            if hit is None:
                fresh.append(t)
            else:
                self._recent.move_to_end(t)
                out[t] = hit
        if not fresh:
            return out
        size = self.config.batch_size
        with memory_zone(self.nlp):
            plain = [t for t in fresh if t.islower()] if self.PREFILTER else []
            full = [t for t in fresh if not t.islower()] if plain else fresh
            docs = dict(zip(full, self.nlp.pipe(full, batch_size=size)))
            if plain:
                docs.update(zip(plain, self.nlp.pipe(plain, batch_size=size, disable=["ner"])))
            for t in fresh:
                a = analyze(t, docs[t], self.cues)
                spans = self.detect(a)
                a.doc = None
                out[t] = self._recent[t] = (a, spans)
        self._refresh_model()
        while len(self._recent) > self.RECENT_TEXTS:
            self._recent.popitem(last=False)
        return out

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
        # a clause note (low) says a detail may add to who the patient is; when every finding that points at a person
        # in the text is suppressed (a consent on file for the story), the details of that story go with them
        pointing: dict[str, list[Finding]] = {}
        for f in out:
            if f.severity >= Severity.MEDIUM:
                pointing.setdefault(f.field, []).append(f)
        consented = {fld: fs[0].justification for fld, fs in pointing.items() if all(f.status == "suppressed" for f in fs)}
        out = [replace(f, status="suppressed", justification=consented[f.field]) if f.field in consented and f.entity == "DESCRIPTION"
               and f.status == "open" and f.severity < Severity.MEDIUM else f for f in out]
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
                    platform=post.platform, account=post.account, url=post.url, created_at=_iso(post.created_at),
                    context=neighbourhood(blank(text, [x for x in directives if x.field == d.field and x is not d]), d.start, d.end),
                )
            )
        return out

    def scan_parallel(self, posts: Iterable[Post], jobs: int) -> Iterator[tuple[Post, list[Finding]]]:
        """Scan with `jobs` worker processes, each with its own engine; results come back in input order and
        memory stays bounded (at most a few chunks in flight). With the scan cache, a chunk whose texts are all
        in it is answered here, and the workers start only when a chunk needs scanning (a rescan of an
        unchanged export starts none)."""
        if jobs <= 1:
            yield from self.scan(posts)
            return
        import multiprocessing as mp
        from collections import deque
        from itertools import islice

        ctx = mp.get_context("spawn")
        size = self.config.batch_size
        it = iter(posts)
        pool = None
        pending: deque = deque()  # per chunk, in input order: its results, or the worker's AsyncResult
        try:
            for chunk in iter(lambda: list(islice(it, size)), []):
                ready = self._run_batch(chunk, cached_only=True) if self.cache is not None else None
                if ready is not None:
                    pending.append(ready)
                else:
                    if pool is None:
                        pool = ctx.Pool(jobs, initializer=_worker_init, initargs=(self.config, self.cache is not None))
                    pending.append(pool.apply_async(_worker_scan, (chunk,)))
                while pending and (isinstance(pending[0], list) or len(pending) > 2 * jobs):
                    head = pending.popleft()
                    yield from (head if isinstance(head, list) else head.get())
            while pending:
                head = pending.popleft()
                yield from (head if isinstance(head, list) else head.get())
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()

    def scan_text(self, text: str, post: Post | None = None) -> list[Finding]:
        post = post or Post(id="-", text=text)
        return self._run_batch([post])[0][1]

    def detect(self, a) -> list[Span]:
        spans: list[Span] = []
        for d in self.detectors:
            spans.extend(d.detect(a))
        return placeholder.mark(link_names(resolve_overlaps(spans)))

    def judge(self, post: Post, fld: str, a, spans: list[Span]) -> list[Finding]:
        reply_names = tuple(n for n in _reply_names(post))
        judgment = None
        if self.judgment is not None:
            judgment = self.judgment.judge(a.text, a.sents, spans, meta_of_post(post, fld), a.cues)
        ctx = Context(a=a, post=post, spans=spans, profile_match=self.profile.match, field=fld, reply_names=reply_names,
                      judgment=judgment, judge=self.judgment)
        verdicts = self.rules.evaluate(ctx)
        if judgment is not None and judgment.post >= self.judgment.care_threshold:
            # the learned decision, said in words; which words made it is post text, shown only by `check`
            # (judgment_of), never in an explanation that reports and the cache carry
            said = "the learned judgment reads this post as telling of a person's care"
            for v in verdicts:
                if v.severity >= Severity.MEDIUM and said not in v.why:
                    v.why = f"{v.why}; {said}" if v.why else said
        return self._findings(post, fld, verdicts, a.text, ctx.roles)

    def judgment_of(self, post: Post):
        """The learned judgment of a post's text (after a scan of it: its analysis is remembered), or None."""
        if self.judgment is None:
            return None
        text = sanitize_post(post).text
        a, spans = self._analyse([text])[text]
        return self.judgment.judge(a.text, a.sents, spans, meta_of_post(post), a.cues)

    def _findings(self, post: Post, fld: str, verdicts: list[Verdict], text: str = "", roles: RoleReader | None = None) -> list[Finding]:
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
        # a composite finding on exactly a span a span rule reports at the same severity or below replaces it (it
        # says more: the signals that combine); one that overlaps a span reported higher needs no second finding
        exact = {(v.span.start, v.span.end): v.severity for v in composite}
        for key in [k for k, b in best.items() if k in exact and exact[k] >= b.severity]:
            del best[key]
        # a clause note only speaks where nothing else marks the text: one that overlaps another finding says
        # nothing the other does not
        marked = [v.span for v in list(best.values()) + composite if v.span.entity != "DESCRIPTION"]
        for key in [k for k, b in best.items() if b.span.entity == "DESCRIPTION" and any(m.overlaps(b.span) for m in marked)]:
            del best[key]
        for v in list(best.values()) + composite:
            sp = v.span
            if v.rule.type != "span" and any(b.span.overlaps(sp) and b.severity > v.severity for b in best.values()):
                continue
            out.append(self.make_finding(
                post, fld, text, v.rule, v.severity, round(sp.score * v.rule.confidence, 2), sp.start, sp.end, sp.text,
                sp.entity, "; ".join(x for x in (sp.explanation, v.why) if x), v.disclosed, v.signals,
                roles.role_of(sp) if roles is not None else None))
        return out

    def make_finding(self, post: Post, fld: str, text: str, rule, severity: Severity, confidence: float, start: int,
                     end: int, evidence: str, entity: str, explanation: str, disclosed: str | None,
                     signals: tuple[str, ...], role: Role | None = None) -> Finding:
        """A finding of `rule` on text[start:end] of a post's field: the one place a rule's verdict (fresh, or
        rebuilt from the scan cache) becomes a Finding, with the packs' references and where it is."""
        refs = self._refs.get(rule.code)
        if refs is None:
            refs = self._refs[rule.code] = tuple(f"{p.name}:{r}" for p in self.packs for r in p.refs(rule.code))
        msg = rule.message
        if disclosed:
            msg = f"{msg} (discloses {disclosed})"
        line, column, end_line, end_column = post.position(fld, start, end)
        image, box = post.region(fld, start, end) if post.regions else (None, None)
        return Finding(
            rule=rule.code, rule_name=rule.name, severity=severity, confidence=confidence,
            post_id=post.id, source=post.source, field=fld, start=start, end=end, evidence=evidence,
            message=msg, explanation=explanation, policies=refs,
            entity=entity, index=post.index, line=line, platform=post.platform, account=post.account,
            url=post.url, disclosed=disclosed, signals=signals, created_at=_iso(post.created_at),
            column=column, end_line=end_line, end_column=end_column,
            context=neighbourhood(text, start, end) if text else "", image=image, box=box,
            role=role.role if role is not None else None, role_signal=role.signal if role is not None else None,
        )


def _iso(when) -> str | None:
    """A post's time as findings carry it (ISO 8601 text, so a finding stays a plain record)."""
    if when is None:
        return None
    return when.isoformat() if hasattr(when, "isoformat") else str(when)


_WORKER: "Scanner | None" = None


def _worker_init(config: Config, cache: bool = False) -> None:
    global _WORKER
    import signal

    # Ctrl-C is the parent's to handle: it stops the pool and says how far the scan got. A worker that got it
    # too would die printing a traceback in the middle of that.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = Scanner.from_config(config, cache=cache)


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

    from .lexicon import NOT_NAMES, is_common_word, is_first_name

    tokens = {w.lower() for s in spans if s.entity in ("PERSON", "HASHTAG") for w in re.findall(r"[A-Za-zÀ-ÿ]{3,}", s.attr("name") or s.text)}
    tokens -= {"mr", "mrs", "miss", "baby", "pray", "for", "strong", "team"}
    out = []
    for s in spans:
        if s.entity == "URL" and s.attr("path"):
            path = s.text.split("//")[-1].split("/", 1)[-1].lower()
            parts = re.split(r"[^a-z]+", path)
            if any(t in path for t in tokens) or any(len(p) > 2 and is_first_name(p) and p not in NOT_NAMES and not is_common_word(p, 4.5)
                                                     for p in parts):  # "mila", "tomas"; not "nicu", "hope", "grace"
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
        # quasi-identifiers may contain other spans ("the silo collapse near Hartsell"); keep both
        if s.entity in OVERLAPPING or all(k.entity in OVERLAPPING for k in clash):
            kept.append(s)
            continue
        # a place after "from/in" beats a PERSON guess from NER
        if s.entity == "LOCATION" and all(k.entity == "PERSON" and k.attr("pattern") in ("ner", "first_name") for k in clash) and s.attr("kind") in ("prep", "county", "venue", "street"):
            kept = [k for k in kept if k not in clash] + [s]
    # a clause is a candidate only where no other identifier speaks for it: the name, room or role in a clause is
    # that identifier's finding, and what the clause says besides it ("was born at 25 weeks" beside "Baby Amara")
    # is the candidate
    others = [k for k in kept if k.entity != "DESCRIPTION"]
    out = []
    for k in kept:
        inside = [o for o in others if o.overlaps(k)] if k.entity == "DESCRIPTION" else []
        if not inside:
            out.append(k)
        elif not any(o.entity == "HANDLE" and o.attr("leading") for o in inside):  # a reply's opening @handles address it
            out += clause_rest(k, inside)
    return sorted(out, key=lambda s: (s.start, s.end))


REST_MIN_WORDS = 2  # the shortest part of a clause left beside another identifier that is still a description


def clause_rest(clause: Span, inside: list[Span]) -> list[Span]:
    """The parts of a clause before, between and after the identifiers in it, each a DESCRIPTION candidate of its
    own (what the clause says of the person: "with a crushed pelvis" after "a 67-year-old", "retired crossing
    guard" before a name). The words before the first identifier often only lead up to it ("sending strength
    to my pt"): that part is marked `lead`, a feature the judgment weighs, and is a candidate like the others."""
    out, at = [], clause.start
    for o in sorted(inside, key=lambda o: o.start) + [None]:
        end = o.start if o is not None else clause.end
        if end > at:
            seg = clause.text[at - clause.start:end - clause.start]
            pad = len(seg) - len(seg.lstrip(" ,;:'\"-–—"))
            core = seg.strip(" ,;:'\"-–—")
            if len(core.split()) >= REST_MIN_WORDS and len(core) >= 6:
                s = at + pad
                part = dict(clause.attrs, part=True, **({"lead": True} if at == clause.start else {}))
                out.append(replace(clause, start=s, end=s + len(core), text=core, attrs=tuple(sorted(part.items()))))
        if o is not None:
            at = max(at, o.end)
    return out
