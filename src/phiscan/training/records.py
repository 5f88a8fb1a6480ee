"""Training records: who completed what, with what score, in a local SQLite database (stdlib sqlite3).

One row per completion: trainee id, module ("quiz", "quiz:MODULE", "roleplay:CASE"), score (percent), passed,
the pass mark in force, how many items, and when (UTC). Never the text a trainee typed: answers are scored in
memory and only the figures are written. The database file is created with owner-only permissions.

The path is the `training_db` setting, `--db`, or the per-user default `$XDG_DATA_HOME/phiscan/training.sqlite3`
(`~/.local/share/phiscan/training.sqlite3` without it).
"""
from __future__ import annotations

import csv
import os
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Iterator, Mapping

from ..errors import PhiscanError

CSV_COLUMNS = ("trainee_id", "module", "score", "passed", "pass_mark", "items", "completed_at")
TRAINEE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    id INTEGER PRIMARY KEY,
    trainee_id TEXT NOT NULL,
    module TEXT NOT NULL,
    score REAL NOT NULL,
    passed INTEGER NOT NULL,
    pass_mark INTEGER NOT NULL,
    items INTEGER NOT NULL,
    completed_at TEXT NOT NULL
)"""


class RecordsError(PhiscanError):
    """The records database cannot be opened or read, or a trainee id is not valid."""


def default_db_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path(env.get("HOME") or Path.home()) / ".local" / "share"
    return root / "phiscan" / "training.sqlite3"


def db_path(cfg=None, given: str | None = None) -> Path:
    """--db, else the `training_db` setting, else the per-user default."""
    if given:
        return Path(given)
    if cfg is not None and getattr(cfg, "training_db", None):
        return Path(cfg.training_db)
    return default_db_path()


def check_trainee(trainee: str | None) -> str:
    t = (trainee or "").strip()
    if not TRAINEE_ID.fullmatch(t):
        raise RecordsError("trainee id: 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit "
                           "(your staff id, not your name)")
    return t


@dataclass(frozen=True)
class Completion:
    trainee_id: str
    module: str
    score: float
    passed: bool
    pass_mark: int
    items: int
    completed_at: str


class Records:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _connect(self, create: bool) -> sqlite3.Connection:
        if not self.path.exists():
            if not create:
                raise RecordsError(f"{self.path}: no training records there (nobody has completed anything yet, or a wrong --db)")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
            except OSError as exc:
                raise RecordsError(f"{self.path}: cannot create the training records: {exc.strerror or exc}") from None
        try:
            con = sqlite3.connect(self.path, timeout=10)
            con.execute(_SCHEMA)
            return con
        except sqlite3.DatabaseError as exc:
            raise RecordsError(f"{self.path}: not a training records database ({exc})") from None

    def record(self, trainee: str, module: str, score: float, passed: bool, pass_mark: int, items: int,
               when: datetime | None = None) -> Completion:
        c = Completion(check_trainee(trainee), module, round(float(score), 1), bool(passed), int(pass_mark), int(items),
                       (when or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0).isoformat())
        with closing(self._connect(create=True)) as con, con:
            con.execute("INSERT INTO completions (trainee_id, module, score, passed, pass_mark, items, completed_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (c.trainee_id, c.module, c.score, int(c.passed), c.pass_mark, c.items, c.completed_at))
        return c

    def all(self) -> list[Completion]:
        """Every completion, oldest first; none when there is no database yet."""
        if not self.path.exists():
            return []
        with closing(self._connect(create=False)) as con:
            rows = con.execute("SELECT trainee_id, module, score, passed, pass_mark, items, completed_at FROM completions "
                               "ORDER BY completed_at, id").fetchall()
        return [Completion(t, m, s, bool(p), pm, n, at) for t, m, s, p, pm, n, at in rows]

    def summary(self) -> list[dict]:
        """Who passed what: one row per trainee and module (attempts, best score, passed ever, last date)."""
        out: dict[tuple[str, str], dict] = {}
        for c in self.all():
            row = out.setdefault((c.trainee_id, c.module), {"trainee_id": c.trainee_id, "module": c.module, "attempts": 0,
                                                             "best": 0.0, "passed": False, "last": ""})
            row["attempts"] += 1
            row["best"] = max(row["best"], c.score)
            row["passed"] = row["passed"] or c.passed
            row["last"] = max(row["last"], c.completed_at)
        return sorted(out.values(), key=lambda r: (r["trainee_id"], r["module"]))

    def write_csv(self, out: IO[str], must_exist: bool = True) -> int:
        """Every completion as CSV (CSV_COLUMNS); the number of rows. Ids are letters, digits and ._@- that begin
        with a letter or digit, so no cell can start a spreadsheet formula."""
        if must_exist and not self.path.exists():
            raise RecordsError(f"{self.path}: no training records there (nobody has completed anything yet, or a wrong --db)")
        rows = self.all()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for c in rows:
            w.writerow([c.trainee_id, c.module, f"{c.score:.1f}", "yes" if c.passed else "no", c.pass_mark, c.items,
                        c.completed_at])
        return len(rows)

    def iter_csv(self) -> Iterator[str]:
        import io

        buf = io.StringIO()
        self.write_csv(buf, must_exist=False)
        yield buf.getvalue()
