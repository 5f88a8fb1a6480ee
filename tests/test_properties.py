"""Property-based tests (hypothesis): no text crashes the scanner or a detector, spans stay inside the text and
their evidence is the text they cover, results are deterministic; no bytes crash a loader.

Example counts are kept modest (the whole file runs in well under a minute on two cores); the session-scoped
`scanner` is shared. Texts mix arbitrary Unicode (lone surrogates, NUL, control and private-use characters)
with words the detectors react to, so the detectors' code paths, not only spaCy's tokenizer, get exercised.
Loaders get arbitrary bytes and, more usefully, their own fixtures with bytes flipped, cut, inserted and moved.
"""
from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from phiscan.model import Post, ReadError
from phiscan.nlp import analyze, memory_zone
from phiscan.sanitize import REPLACEMENT, clean_text, sanitize_post

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "fixtures" / "exports"

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Words detectors and rules react to: names, titles, care cues, numbers, dates, handles, links, places.
TOKENS = ["Mr.", "Mrs", "Dr.", "Harold", "Voss", "Zoë", "O'Neil-Baptiste", "pt", "patient", "my", "our", "NICU", "ICU",
          "room", "bed", "4B", "12", "MRN", "00596137", "#", "born", "age", "94", "yo", "3/14/1931", "March 2",
          "yesterday", "last night", "@jaxon_rides", "#PrayForMia", "https://x.example/help-mia", "jo@sunmail.net",
          "(507) 555-0162", "555-0100", "from", "Elmwood Falls", "County", "discharged", "admitted", "chemo", "surgery",
          "her", "daughter", "mom", "today", "!", ".", ",", "?", "\n", "\n\n", "  ", "\t", "—", "’", "🙏", "phiscan:",
          "ignore[PHI101]", "reason", "---"]
ODD = ["\ud83d", "\udc00", "\ud800\udc00", "\x00", "\ufeff", "\u200b", "\u2028", "\u2029", "\ufffe", "\uffff", "\U0010ffff",
       "\x7f", "\x85", "\u0301", "\u202e", "\r", "\x0b", "\x0c"]

unicode_text = st.lists(st.one_of(st.characters(exclude_categories=()), st.characters(categories=["Cs"]),
                                  st.sampled_from(ODD)), max_size=200).map("".join)
token_text = st.lists(st.one_of(st.sampled_from(TOKENS), st.sampled_from(ODD), st.text(max_size=6)), max_size=40).map(
    lambda parts: " ".join(parts))
texts = st.one_of(token_text, unicode_text, st.tuples(token_text, unicode_text).map("".join))


def key(f):
    return (f.rule, f.field, f.start, f.end, f.evidence, str(f.severity), f.confidence, f.explanation, f.disclosed,
            f.signals, f.status, f.fingerprint)


def check_findings(text: str, findings) -> None:
    clean = clean_text(text)
    assert len(clean) == len(text)  # one code point for one: offsets are the same in both
    for f in findings:
        assert 0 <= f.start <= f.end <= len(text), (f.rule, f.start, f.end)
        assert f.evidence == clean[f.start:f.end], (f.rule, f.evidence)


@SETTINGS
@given(text=texts)
def test_any_text_scans_without_crashing_with_spans_inside_it(scanner, text):
    findings = scanner.scan_text(text)
    check_findings(text, findings)
    assert [key(f) for f in scanner.scan_text(text)] == [key(f) for f in findings]  # deterministic


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, others=st.lists(texts, min_size=1, max_size=4))
def test_findings_do_not_depend_on_the_batch(scanner, text, others):
    """A post's findings are the same scanned alone or in a batch with other posts, before or after them."""
    alone = [key(f) for f in scanner.scan_text(text)]
    post = Post(id="target", text=text, source="s")
    batch = [Post(id=f"o{i}", text=t, source="s") for i, t in enumerate(others)]
    got = {p.id: fs for p, fs in scanner.scan([*batch[:1], post, *batch[1:]])}
    assert [key(f) for f in got["target"]] == alone
    check_findings(text, got["target"])


@SETTINGS
@given(text=texts)
def test_each_detector_keeps_its_spans_inside_the_text(scanner, text):
    """Every detector, run on the engine's analysis of the (sanitized) text, returns spans that cover exactly
    their text; the engine's overlap resolution and linking keep that."""
    clean = clean_text(text)
    nlp = scanner.nlp
    with memory_zone(nlp):
        a = analyze(clean, nlp(clean), scanner.cues)
        for det in scanner.detectors:
            spans = det.detect(a)
            for s in spans:
                assert 0 <= s.start < s.end <= len(clean) or (s.start == s.end and 0 <= s.start <= len(clean)), (det, s)
                assert s.text == clean[s.start:s.end], (det, s.entity, s.text)
            assert [(s.entity, s.start, s.end) for s in det.detect(a)] == [(s.entity, s.start, s.end) for s in spans]
        for s in scanner.detect(a):
            assert s.text == clean[s.start:s.end]


def test_lone_surrogates_become_replacement_characters(scanner):
    """The crash this guards against: spaCy cannot encode "\\ud83d" (a JSON escape of half an emoji)."""
    text = "\ud83d Prayers for my pt Harold Kessel, MRN 00596137 \udc00"
    assert clean_text(text) == REPLACEMENT + text[1:-1] + REPLACEMENT
    assert clean_text("plain") is not None and clean_text("caf\u00e9") == "caf\u00e9"
    findings = scanner.scan_text(text)
    mrn = [(f.start, f.end, f.evidence) for f in findings if f.rule == "PHI106"]
    assert mrn == [(text.index("00596137"), text.index("00596137") + 8, "00596137")]
    post = Post(id="\ud800", text=text, author="\udfff", fields=(("alt", "x\ud83d"),))
    clean = sanitize_post(post)
    assert (clean.id, clean.author, clean.fields, clean.text) == (REPLACEMENT, REPLACEMENT, (("alt", "x" + REPLACEMENT),), clean_text(text))
    ok = Post(id="1", text="fine")
    assert sanitize_post(ok) is ok


# -- loaders ---------------------------------------------------------------------------------------------
def _seeds() -> dict[str, list[Path]]:
    """Per loader, real files of its format to mutate (fixtures/exports)."""
    from phiscan.sources import REGISTRY

    by_name = {
        "x-archive": ["x-archive/data/tweets.js", "x-archive-2019/data/direct-message.js"],
        "facebook": ["facebook/your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json",
                     "facebook-2021/messages/inbox/graceobi_ab12cd34/message_1.json"],
        "instagram": ["instagram/your_instagram_activity/content/posts_1.json", "instagram/your_instagram_activity/comments/post_comments_1.json"],
        "threads": ["instagram/your_instagram_activity/threads/threads_and_replies.json"],
        "linkedin": ["linkedin/Shares.csv", "linkedin/Comments.csv"],
        "mastodon": ["mastodon/outbox.json"],
        "youtube": ["youtube/Takeout/YouTube and YouTube Music/comments/comments.csv",
                    "youtube-2023/Takeout/YouTube and YouTube Music/my-comments/my-comments.html"],
        "tiktok": ["tiktok/user_data_tiktok.json", "tiktok-old/user_data.json"],
        "bluesky-car": ["bluesky/repo.car"],
        "hootsuite": ["hootsuite/hootsuite_bulk_mmdd.csv"],
        "sprout": ["sprout/sprout_bulk_schedule.csv"],
        "publer": ["publer/publer_bulk.csv"],
        "ayrshare": ["ayrshare/ayrshare_bulk.csv"],
        "oktopost": ["oktopost/oktopost_message_assets.csv"],
        "listening-csv": ["listening/meltwater_mentions.csv"],
        "csv": ["linkedin/Shares.csv", "listening/meltwater_mentions.csv"],
    }
    out = {}
    for loader in REGISTRY:
        files = [EXPORTS / f for f in by_name.get(loader.name, [])]
        out[loader.name] = [f for f in files if f.is_file()]
    return out


SEEDS = _seeds()
GENERIC_SEEDS = {
    "jsonl": [b'{"id": "1", "text": "my pt Harold Kessel, MRN 00596137", "created_at": "2025-03-14T18:00:00Z", '
              b'"in_reply_to": {"id": "0", "author": "@jo"}, "media": [{"alt": "bed 4"}]}\n{"id": 2, "text": "ok"}\n'],
    "text": [b"---\nplatform: facebook\npublish_at: 2025-05-01 09:00\nalt: whiteboard reads rm 4B\ntitle: [a, b]\n---\nBig day!\n"],
}


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate", "splice"]))
        pos = draw(st.integers(0, max(0, len(data))))
        if op == "flip" and data:
            data[min(pos, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.one_of(st.binary(max_size=8), st.sampled_from(
                [b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b'"', b"\\", b"\\u", b"\\ud83d", b"[", b"{", b"]", b"}", b",",
                 b"\n", b"\r\n", b'"text":', b"null", b"1e999", b"-0", b"\t", b";"])))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 16))]
        elif op == "truncate":
            del data[pos:]
        elif op == "duplicate" and data:
            end = min(len(data), pos + draw(st.integers(1, 64)))
            data[pos:pos] = data[pos:end]
        elif op == "splice" and data:
            other = draw(st.integers(0, len(data)))
            data[other:other] = data[pos:pos + 32]
    return bytes(data)


def json_values():
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                        st.text(max_size=20), st.sampled_from(["", "2025-03-14T18:00:00Z", "1700000000000", "9" * 30]))
    return st.recursive(scalars, lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(
        st.one_of(st.sampled_from(["text", "id", "post", "data", "timestamp", "media", "title", "full_text", "tweet",
                                   "created_at", "orderedItems", "object", "content", "attachments", "in_reply_to"]),
                  st.text(max_size=8)), kids, max_size=5)), max_leaves=25)


def _load(name: str, filename: str, data: bytes) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / filename
        path.write_bytes(data)
        from phiscan.sources import load_inputs

        items = list(load_inputs([str(path)], input_format=name))
    for item in items:
        assert isinstance(item, (Post, ReadError)), item
        if isinstance(item, ReadError):
            # a loader's own bug would show as "loader failed: <exception>": none may be left
            assert not item.message.startswith("loader failed"), (name, item)
            assert isinstance(item.source, str) and isinstance(item.where, str) and isinstance(item.message, str)
        else:
            assert isinstance(item.text, str)
            for _, t in item.texts():
                assert isinstance(t, str)
    return items


LOADER_CASES = [(name, seed) for name, seeds in SEEDS.items() for seed in seeds] + \
    [(name, None) for name in GENERIC_SEEDS]


@pytest.mark.parametrize("name,seed", LOADER_CASES, ids=[f"{n}:{s.name if s else 'generic'}" for n, s in LOADER_CASES])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_loaders_never_raise_on_mutated_exports(name, seed, data):
    raw = seed.read_bytes() if seed else data.draw(st.sampled_from(GENERIC_SEEDS[name]))
    filename = seed.name if seed else {"jsonl": "posts.jsonl", "text": "post.md"}[name]
    _load(name, filename, data.draw(mutated(raw)))


@pytest.mark.parametrize("name", sorted({*SEEDS, *GENERIC_SEEDS}))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blob=st.one_of(st.binary(max_size=300), json_values().map(lambda v: json.dumps(v).encode()),
                      st.lists(json_values(), max_size=4).map(lambda vs: b"\n".join(json.dumps(v).encode() for v in vs))))
def test_loaders_never_raise_on_arbitrary_bytes_or_json(name, blob):
    filename = (SEEDS.get(name) or [None])[0]
    _load(name, filename.name if filename else {"jsonl": "posts.jsonl", "text": "post.md"}[name], blob)


# -- the JSON depth guard --------------------------------------------------------------------------------
def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


nested = st.recursive(st.one_of(st.integers(), st.text(alphabet='[]{}"\\ab\n', max_size=6)),
                      lambda kids: st.one_of(st.lists(kids, max_size=3), st.dictionaries(st.text('[]{}"\\k', max_size=3), kids, max_size=3)),
                      max_leaves=40)


@settings(max_examples=150, deadline=None)
@given(value=nested, limit=st.integers(1, 8), chunk=st.integers(1, 64), indent=st.sampled_from([None, 1]))
def test_json_depth_guard_agrees_with_the_parser(value, limit, chunk, indent):
    """The guard (strings, escapes and chunk boundaries included) stops a document exactly when it nests
    deeper than the limit, and passes every byte of one that does not."""
    from phiscan.sources.base import JSONTooDeep, _JsonDepthGuard

    doc = json.dumps(value, indent=indent).encode()
    fh = _JsonDepthGuard(io.BufferedReader(io.BytesIO(doc)), "t.json", limit=limit)
    out = b""
    try:
        while True:
            part = fh.read(chunk)
            if not part:
                break
            out += part
    except JSONTooDeep:
        assert _depth(value) > limit
        return
    assert _depth(value) <= limit and out == doc


# ------------------------------------------------------------------ windowed neighbourhood and cue lookups
def _reference_neighbourhood(text: str, start: int, end: int, words: int = 4) -> str:
    """`model.neighbourhood` by its definition, reading the whole text either side."""
    import hashlib

    from phiscan.model import _SENTENCE_END_AFTER, _SENTENCE_END_BEFORE, _WORD

    left, right = text[:start], text[end:]
    cuts = list(_SENTENCE_END_BEFORE.finditer(left))
    if cuts:
        left = left[cuts[-1].end():]
    cut = _SENTENCE_END_AFTER.search(right)
    if cut:
        right = right[: cut.start()]
    lw = _WORD.findall(left.casefold())[-words:] if words else []
    rw = _WORD.findall(right.casefold())[:words] if words else []
    return hashlib.sha256((" ".join(lw) + "\x1f" + " ".join(rw)).encode("utf-8")).hexdigest()[:16]


_PIECES = st.sampled_from(["word", "Ward", " ", "  ", ".", ". ", "!\n", "\n", "?", "…", " x", "ß", "…\t", "--", "1234",
                           "long" * 70, "." * 300, " " * 300, "é"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=80), st.integers(0, 10_000), st.integers(0, 40), st.integers(0, 6))
@example(["lengthy" * 50, " b c d", "X", " e f g ", "lengthy" * 50], 356, 1, 4)  # a word cut by either window
@example(["lengthy" * 50, " b c d", "X", " e f g ", "lengthy" * 50], 356, 1, 3)
@example(["w " * 200, "X", " a b", "." * 260, "c"], 400, 1, 4)  # a sentence end just past the window
def test_windowed_neighbourhood_equals_its_definition(pieces, at, length, words):
    """Fingerprints (and so baselines) must not change with the windowing that keeps long posts linear."""
    from phiscan.model import neighbourhood

    text = "".join(pieces)
    start = at % (len(text) + 1)
    end = min(len(text), start + length)
    assert neighbourhood(text, start, end, words) == _reference_neighbourhood(text, start, end, words)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(1, 12)), max_size=30), st.integers(0, 320), st.integers(0, 20),
       st.sampled_from([0, 3, 25, 400]))
def test_indexed_cue_lookup_equals_a_scan_of_every_hit(raw, start, length, window):
    from phiscan.nlp import Analysis

    hits = [(s, s + n) for s, n in raw]
    end = start + length
    a = Analysis(text="x" * 400, cues={"cue": hits} if hits else {})
    s, e = start - window, end + window
    want = any(h[0] < e and h[1] > s and not (h[0] >= start and h[1] <= end) for h in hits)
    assert a.near("cue", start, end, window) == want
