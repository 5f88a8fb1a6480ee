"""Incremental scans: a local cache of what each text's findings were, so a rescan skips what it already scanned.

Where: `$XDG_CACHE_HOME/phiscan/scan-cache.sqlite` (`~/.cache/phiscan/...` without it), the folder created
0700 and the files 0600. `phiscan cache clear` deletes it; `--no-cache` (or `cache: false` in the settings)
scans without it. `phiscan scan` and `phiscan baseline` use it; `phiscan check` and `phiscan eval` never do.

**No PHI is stored.** A row is keyed by a hash and holds only what the findings of one text were *as offsets into
that text*: rule code, severity, confidence, start, end, entity kind, signal names and the explanation with
every quoted piece of the text replaced by its offsets. A rescan re-supplies the text (it is in the export), so
the evidence, the context digest, the dates a relative date discloses, line and column are recomputed from
it; rule names, messages and policy references come from the rules and packs in use. A text whose findings
cannot be written that way (an explanation that quotes the evidence itself, say) is simply not cached.

**The key** is a SHA-256 (first 128 bits) of
- the *environment*: phiscan's version and a hash of the code that decides findings (not of loaders,
  reporters or the command line), the rule files of every rules folder (with
  rules/context.yaml), the organization profile file, the spaCy model (name, version, spaCy's version), the
  versions of the word lists the detectors use, and `min_severity`;
- the field name and its text (after inline suppressions are blanked), and
- the post's metadata rules can read: created_at (relative dates), reply_to_author, in_reply_to and
  reply_to_text (reply rules), account_type (account rules), kind, platform, account and author.
Where a post sits (file, index, line, id, URL) is not in it: moving or renaming an export still hits.

**Invalidation.** Changing a rule file, the profile, the model, the word lists, `min_severity` or phiscan's code
changes the environment hash, so every text is scanned again under the new one (any of them can change any
text's findings). Policy packs are not in the key: findings are stored without their policy references, which
are attached on the way out from the packs in use, so editing or switching a pack needs no rescan and is seen
at once. Rows of environments not used for 30 days, and beyond the 8 most recent environments, are deleted.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from .dirs import cache_dir  # noqa: F401 - re-exported: cache.cache_dir is where it always was
from .model import Finding, Post, Span

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Scanner

SCHEMA = 1
FILE_NAME = "scan-cache.sqlite"
KEEP_DAYS = 30
KEEP_ENVIRONMENTS = 8
_PLACEHOLDER = "\x00{}:{}\x00"
_PLACEHOLDER_RX = re.compile("\x00(\\d+):(\\d+)\x00")
_QUOTED = re.compile(r"'([^'\x00]+)'")


def cache_path(environ: Mapping[str, str] | None = None) -> Path:
    return cache_dir(environ) / FILE_NAME


def clear(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Delete the cache files (and the digests of validated rule files, see validated.py); returns the ones
    deleted."""
    folder = cache_dir(environ)
    gone = []
    for name in [FILE_NAME + s for s in ("", "-wal", "-shm", "-journal")] + ["validated.txt"]:
        p = folder / name
        try:
            p.unlink()
            gone.append(p)
        except FileNotFoundError:
            pass
    return gone


# -- the environment ------------------------------------------------------------------------------------

def _hash_files(h, files: Iterable[Path], root: Path | None = None) -> None:
    for f in files:
        name = str(f.relative_to(root)) if root else str(f)
        h.update(name.encode("utf-8", "surrogateescape") + b"\0")
        try:
            h.update(f.read_bytes())
        except OSError:
            h.update(b"<unreadable>")
        h.update(b"\0")


# Parts of phiscan that work before a post exists or after its findings are made, and so cannot change what
# a text's findings are: loaders (the key holds the text and metadata they produce), reporters, the command
# line, baselines, inline suppressions and authorizations (applied to cached findings on every scan), eval.
_NOT_IN_KEY = {"sources", "reporters", "cli.py", "__main__.py", "baseline.py", "changes.py", "evaluate.py",
               "rewrite.py", "consent.py", "masking.py"}


def _code_hash() -> str:
    """phiscan's own files (code and data) that decide findings: a detector edited in a checkout must not be
    served old results."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                   and p.suffix not in (".pyc", ".pyo") and p.relative_to(root).parts[0] not in _NOT_IN_KEY)
    _hash_files(h, files, root)
    return h.hexdigest()


def _dist_version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"
    except Exception:  # pragma: no cover - a broken installation
        return "?"


def model_id(model: str) -> str:
    """Name and version of a spaCy model without loading spaCy: an installed package's version, or a model
    folder's meta.json."""
    p = Path(model)
    if p.is_dir():
        h = hashlib.sha256()
        _hash_files(h, [p / "meta.json", p / "config.cfg"])
        return f"path:{p.resolve()}:{h.hexdigest()}"
    return f"{model}=={_dist_version(model)}"


def environment(scanner: "Scanner") -> bytes:
    """Everything besides the post that a text's findings depend on, hashed."""
    from . import __version__
    from .resources import rules_dir

    cfg = scanner.config
    h = hashlib.sha256()
    parts = [
        f"schema {SCHEMA}", f"phiscan {__version__}", f"code {_code_hash()}",
        f"model {model_id(cfg.model)}", f"spacy {_dist_version('spacy')}",
        f"names {_dist_version('names')}", f"wordfreq {_dist_version('wordfreq')}",
        f"min_severity {cfg.min_severity}",
        f"judgment {scanner.judgment.digest if scanner.judgment is not None else 'none'}",
        f"recognizers {getattr(scanner, 'plugins_digest', 'none')}",
    ]
    for part in parts:
        h.update(part.encode("utf-8") + b"\n")
    folders = [rules_dir()] + [Path(d) for d in cfg.rules_dirs]
    for i, folder in enumerate(folders):
        h.update(f"rules folder {i}\n".encode())
        _hash_files(h, sorted(folder.glob("*.yaml")), folder)
    h.update(b"profile\n")
    if cfg.profile:
        _hash_files(h, [Path(cfg.profile)])
    return h.digest()


# -- keys and records -------------------------------------------------------------------------------------

def _meta(post: Post) -> str:
    created = post.created_at.isoformat() if post.created_at is not None else ""
    values = (created, post.reply_to_author, post.in_reply_to, post.reply_to_text, post.account_type, post.kind,
              post.platform, post.account, post.author)
    return "\x1f".join("" if v is None else str(v) for v in values)


def encode(findings: list[Finding], post: Post, text: str, scanner: "Scanner") -> str | None:
    """The findings of one text as offsets and codes (JSON), or None when they cannot be stored without PHI
    or rebuilt exactly."""
    from .rules.engine import resolve_relative

    evidence = [re.compile(r"(?<!\w)" + re.escape(e) + r"(?!\w)") for e in {f.evidence.casefold() for f in findings if len(f.evidence) >= 3}]
    rows = []
    for f in findings:
        rule = scanner.rules.by_code.get(f.rule)
        if rule is None or f.status != "open" or f.justification is not None:
            return None
        if text[f.start:f.end] != f.evidence or "\x00" in f.explanation:
            return None
        if f.disclosed is not None:
            if f.message != f"{rule.message} (discloses {f.disclosed})":
                return None
            if resolve_relative(Span("DATE", f.start, f.end, f.evidence, 0.0, "", ""), post) != f.disclosed:
                return None
        elif f.message != rule.message:
            return None

        def place(m: re.Match) -> str:
            i = text.find(m.group(1))
            return m.group(0) if i < 0 else "'" + _PLACEHOLDER.format(i, i + len(m.group(1))) + "'"

        explanation = _QUOTED.sub(place, f.explanation)
        role_signal = _QUOTED.sub(place, f.role_signal) if f.role_signal else f.role_signal
        stored = " ".join([explanation, f.entity, *f.signals, role_signal or ""]).casefold()
        if any(e.search(stored) for e in evidence):
            return None  # says the evidence in its own words: not for the cache
        rows.append([f.rule, int(f.severity), f.confidence, f.start, f.end, f.entity, explanation,
                     1 if f.disclosed is not None else 0, list(f.signals), f.role, role_signal])
    return json.dumps(rows, separators=(",", ":"), ensure_ascii=True)


def decode(data: str, post: Post, fld: str, text: str, scanner: "Scanner") -> list[Finding]:
    from .model import Severity
    from .rules.engine import resolve_relative

    out = []
    from .classify.roles import Role

    def unplace(s: str) -> str:
        return _PLACEHOLDER_RX.sub(lambda m: text[int(m.group(1)):int(m.group(2))], s)

    for code, sev, conf, start, end, entity, explanation, disclosed, signals, role, role_signal in json.loads(data):
        rule = scanner.rules.by_code[code]
        sp_text = text[start:end]
        when = resolve_relative(Span("DATE", start, end, sp_text, 0.0, "", ""), post) if disclosed else None
        out.append(scanner.make_finding(post, fld, text, rule, Severity(sev), conf, start, end, sp_text, entity,
                                        unplace(explanation), when, tuple(signals),
                                        Role(role, unplace(role_signal or "")) if role else None))
    return out


class FindingCache:
    """The SQLite file: rows of (key, environment, findings). Errors never fail a scan: the cache turns off."""

    def __init__(self, env: bytes, path: Path | None = None):
        self.env = env
        self.path = path or cache_path()
        self.hits = self.misses = self.skipped = 0
        self._db: sqlite3.Connection | None = None
        self._env_id: int | None = None
        self.broken: str | None = None

    # opening: private folder and file, WAL so that worker processes can write side by side
    def _open(self) -> sqlite3.Connection | None:
        if self._db is not None or self.broken:
            return self._db
        try:
            folder = self.path.parent
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if folder.name == "phiscan":
                os.chmod(folder, 0o700)
            old = os.umask(0o077)
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                os.close(fd)
                os.chmod(self.path, 0o600)
                db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript(
                    "CREATE TABLE IF NOT EXISTS envs (id INTEGER PRIMARY KEY, env BLOB UNIQUE NOT NULL, used REAL NOT NULL);"
                    "CREATE TABLE IF NOT EXISTS findings (key BLOB PRIMARY KEY, env INTEGER NOT NULL, data TEXT NOT NULL) WITHOUT ROWID;"
                    "CREATE INDEX IF NOT EXISTS findings_env ON findings(env);"
                )
                for suffix in ("-wal", "-shm"):
                    extra = Path(str(self.path) + suffix)
                    if extra.exists():
                        os.chmod(extra, 0o600)
            finally:
                os.umask(old)
            now = time.time()
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO envs(env, used) VALUES (?, ?) ON CONFLICT(env) DO UPDATE SET used = excluded.used", (self.env, now))
            self._env_id = db.execute("SELECT id FROM envs WHERE env = ?", (self.env,)).fetchone()[0]
            stale = [r[0] for r in db.execute("SELECT id FROM envs WHERE id != ? AND (used < ? OR id NOT IN "
                                              "(SELECT id FROM envs ORDER BY used DESC LIMIT ?))",
                                              (self._env_id, now - KEEP_DAYS * 86400, KEEP_ENVIRONMENTS))]
            for sid in stale:
                db.execute("DELETE FROM findings WHERE env = ?", (sid,))
                db.execute("DELETE FROM envs WHERE id = ?", (sid,))
            db.execute("COMMIT")
            self._db = db
        except (sqlite3.Error, OSError) as exc:
            self.broken = f"{exc.__class__.__name__}: {exc}"
            self._db = None
        return self._db

    def key(self, post: Post, fld: str, text: str) -> bytes:
        h = hashlib.sha256(self.env)
        h.update(b"\x1e" + fld.encode("utf-8", "surrogatepass") + b"\x1e" + text.encode("utf-8", "surrogatepass")
                 + b"\x1e" + _meta(post).encode("utf-8", "surrogatepass"))
        return h.digest()[:16]

    def get_many(self, keys: Iterable[bytes]) -> dict[bytes, str]:
        db = self._open()
        keys = list(dict.fromkeys(keys))
        if db is None or not keys:
            return {}
        out: dict[bytes, str] = {}
        try:
            for i in range(0, len(keys), 500):
                part = keys[i:i + 500]
                q = "SELECT key, data FROM findings WHERE env = ? AND key IN (%s)" % ",".join("?" * len(part))
                out.update(db.execute(q, (self._env_id, *part)).fetchall())
        except sqlite3.Error as exc:
            self.broken = f"{exc.__class__.__name__}: {exc}"
            return {}
        return out

    def put_many(self, rows: Mapping[bytes, str]) -> None:
        db = self._open()
        if db is None or not rows:
            return
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR REPLACE INTO findings(key, env, data) VALUES (?, ?, ?)",
                           [(k, self._env_id, v) for k, v in rows.items()])
            db.execute("COMMIT")
        except sqlite3.Error:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # a busy database: these rows are simply not cached this time

    def close(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:  # pragma: no cover
                pass
            self._db = None


def count(path: Path | None = None) -> int:
    """How many texts the cache file holds (0 when it cannot be read)."""
    try:
        db = sqlite3.connect(f"file:{path or cache_path()}?mode=ro", uri=True)
        try:
            return db.execute("SELECT count(*) FROM findings").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0
