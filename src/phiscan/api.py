"""The Python API: scan a draft or a batch of posts from a program (a CMS hook, a notebook, a scheduler).

    >>> import phiscan
    >>> findings = phiscan.scan_text("...", created_at="2025-03-14T18:00")
    >>> [f.to_dict() for f in findings]           # the JSON report's findings, key for key

`scan_text` checks one text as `phiscan check` does; `Scanner` holds the engine (rules, packs, profile, the
learned judgment and spaCy) for many scans; `Finding` is the frozen record every report is made of. Nothing here
reads the user's or the project's settings unless asked: `Scanner()` and `scan_text(...)` use the packaged
defaults (the same result in any folder), `Scanner.from_settings()` layers them as the command line does.

Building a Scanner loads the rules (a fraction of a second); spaCy loads at its first scan, once per process.
Errors: a bad setting or rules folder raises `phiscan.ConfigError`; an unreadable `created_at` raises ValueError;
unreadable inputs of `scan_paths` are `ReadError`s in the result, never exceptions.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from .config import Config
from .errors import ConfigError
from .model import Finding, Post, ReadError, Severity

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Scanner as Engine

__all__ = ["Scanner", "ScanReport", "scan_text", "make_post"]


def make_post(text: str, *, created_at: datetime | str | None = None, reply_to: str | None = None,
              platform: str | None = None, account: str | None = None, post_id: str = "draft",
              source: str = "<text>") -> Post:
    """A `Post` of one text, as `phiscan check` makes one of a draft.

    `created_at` (a datetime, naive meaning UTC, or an ISO 8601 string such as `2025-03-14T18:00`) is when the
    post is or will be published: relative dates ("yesterday", "last night") are resolved against it.
    `reply_to` is the @handle or name of the person the post replies to (reply rules use it). `platform` and
    `account` say where it goes (a scoped authorization applies only there)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    return Post(id=post_id, text=text, source=source, created_at=_when(created_at), reply_to_author=reply_to or None,
                platform=platform or None, account=account or None)


def _when(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str):
        from .sources.generic import parse_time

        if value.strip() and not value.strip().isdigit():  # a bare number would be read as epoch seconds
            when = parse_time(value)
            if when is not None:
                return when
        raise ValueError(f"created_at: {value!r} is not a date-time (expected ISO 8601, e.g. 2025-03-14T18:00)")
    raise TypeError(f"created_at must be a datetime or a str, not {type(value).__name__}")


@dataclass(frozen=True)
class ScanReport:
    """What `Scanner.scan_paths` found: every finding (open, suppressed or authorized: see `Finding.status`) in
    report order, the inputs or parts of them that could not be read, and how many posts were scanned."""

    findings: tuple[Finding, ...]
    errors: tuple[ReadError, ...]
    posts: int
    fail_on: str = "medium"

    @property
    def failing(self) -> tuple[Finding, ...]:
        """Open findings at or above `fail_on`: what makes `phiscan scan` exit 1."""
        threshold = Severity.parse(self.fail_on)
        return tuple(f for f in self.findings if f.status == "open" and f.severity >= threshold)

    @property
    def exit_code(self) -> int:
        """The exit code `phiscan scan` gives these inputs (without a baseline): 2 when some input could not be
        read, else 1 when a finding fails, else 0."""
        return 2 if self.errors else 1 if self.failing else 0

    def to_dict(self) -> dict[str, Any]:
        return {"findings": [f.to_dict() for f in self.findings], "errors": [e.as_dict() for e in self.errors],
                "posts": self.posts}


class Scanner:
    """A scanner for many texts and inputs, built once: its rules, policy packs, profile and learned judgment are
    read when it is made, spaCy at the first scan.

        scanner = phiscan.Scanner()                          # packaged defaults
        scanner = phiscan.Scanner.from_settings(profile="org.yaml")   # user/project settings, then these
        scanner = phiscan.Scanner(phiscan.Config(min_severity="medium"))

    `scan_text` checks one text, `scan_posts` a stream of texts or `Post`s (batched through spaCy, results in
    input order), `scan_paths` files, folders and exports as `phiscan scan` reads them.
    """

    def __init__(self, config: Config | None = None, *, cache: bool = False) -> None:
        """`config`: the settings (`Config()`, the packaged defaults, when None). `cache=True` uses the scan
        cache `phiscan scan` keeps (hashes and offsets, never text) so rescans of unchanged texts are fast."""
        if config is not None and not isinstance(config, Config):
            raise TypeError(f"config must be a phiscan.Config, not {type(config).__name__}")
        from .engine import Scanner as Engine

        self.config: Config = config if config is not None else Config()
        self.engine: Engine = Engine.from_config(self.config, cache=cache)

    @classmethod
    def from_settings(cls, path: str | Path | None = None, *, cache: bool = False, **overrides: Any) -> "Scanner":
        """A scanner with the settings the command line would use here: packaged defaults < user config <
        project config (phiscan.yaml or [tool.phiscan], looked up from the working folder) < `path` < `overrides`
        (`fail_on="high"`, `profile="org.yaml"`, ...; None means not given). Unknown keys raise ConfigError."""
        return cls(Config.load(str(path) if path is not None else None, **overrides), cache=cache)

    # -- scanning -----------------------------------------------------------------------------------------
    def scan_text(self, text: str, *, created_at: datetime | str | None = None, reply_to: str | None = None,
                  platform: str | None = None, account: str | None = None) -> list[Finding]:
        """The findings of one text (see `make_post` for the arguments), in text order."""
        return self.scan_post(make_post(text, created_at=created_at, reply_to=reply_to, platform=platform,
                                        account=account))

    def scan_post(self, post: Post) -> list[Finding]:
        """The findings of one post, all its fields (text, alt texts, captions)."""
        for _, found in self.engine.scan([_as_post(post, 0)]):
            return found
        return []  # pragma: no cover

    def scan_posts(self, posts: Iterable[Post | str], *, jobs: int = 1) -> Iterator[tuple[Post, list[Finding]]]:
        """Scan a stream of posts (or plain texts, which become posts `text#0`, `text#1`, ...): yields each with
        its findings, in input order, reading the stream as it goes (memory stays bounded). `jobs > 1` scans
        in that many worker processes."""
        it = (_as_post(p, i) for i, p in enumerate(posts))
        yield from self.engine.scan_parallel(it, jobs)

    def iter_paths(self, paths: Sequence[str | Path] | str | Path, *, input_format: str | None = None,
                   text_column: str | None = None, encoding: str | None = None,
                   jobs: int = 1) -> Iterator[tuple[Post, list[Finding]] | ReadError]:
        """Read files, folders and exports (zip, tar.gz) as `phiscan scan` does and yield, as the scan goes,
        each post with its findings, and a `ReadError` for each input (or part of one) that could not be read.
        `input_format` forces a format (see `phiscan formats`); an unknown one raises ConfigError."""
        from .sources import LoadOptions, get_loader, load_inputs

        if isinstance(paths, (str, Path)):
            paths = [paths]
        if input_format:
            try:
                get_loader(input_format)
            except KeyError:
                raise ConfigError(f"unknown input format {input_format!r}; see `phiscan formats`") from None
        options = LoadOptions(text_column=text_column, encoding=encoding, max_text_chars=self.config.max_text_chars)
        pending: list[ReadError] = []

        def posts() -> Iterator[Post]:
            for item in load_inputs([str(p) for p in paths], input_format, options):
                if isinstance(item, ReadError):
                    pending.append(item)
                else:
                    yield item

        for pair in self.engine.scan_parallel(posts(), jobs):
            while pending:
                yield pending.pop(0)
            yield pair
        yield from pending

    def scan_paths(self, paths: Sequence[str | Path] | str | Path, *, input_format: str | None = None,
                   text_column: str | None = None, encoding: str | None = None, jobs: int = 1) -> ScanReport:
        """`iter_paths` collected: every finding in report order, every read error, the number of posts. For
        exports too big to hold their findings in memory, iterate `iter_paths` instead."""
        from .model import report_key

        found: list[Finding] = []
        errors: list[ReadError] = []
        posts = 0
        for item in self.iter_paths(paths, input_format=input_format, text_column=text_column, encoding=encoding,
                                    jobs=jobs):
            if isinstance(item, ReadError):
                errors.append(item)
            else:
                posts += 1
                found.extend(item[1])
        return ScanReport(tuple(sorted(found, key=report_key)), tuple(errors), posts, self.config.fail_on)

    def close(self) -> None:
        """Close the scan cache, if one is used (also done when the process ends)."""
        if self.engine.cache is not None:
            self.engine.cache.close()

    def __enter__(self) -> "Scanner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _as_post(item: Post | str, index: int) -> Post:
    if isinstance(item, Post):
        return item
    if isinstance(item, str):
        return Post(id=f"text#{index}", text=item, source="<text>", index=index)
    raise TypeError(f"item {index}: expected a phiscan.Post or a str, not {type(item).__name__}")


# -- scan_text ------------------------------------------------------------------------------------------
_SCANNERS: dict[tuple, Scanner] = {}  # one per distinct settings, so repeated calls reuse rules and spaCy
_KEEP = 4


def _key(config: Config) -> tuple:
    return tuple((f.name, repr(getattr(config, f.name))) for f in fields(config))


def scan_text(text: str, *, created_at: datetime | str | None = None, reply_to: str | None = None,
              platform: str | None = None, account: str | None = None, config: Config | None = None) -> list[Finding]:
    """The findings of one text, as `phiscan check` reports them: a list of frozen `Finding`s in text order
    (each with `rule`, `severity`, `start`/`end`, `evidence`, `explanation`, ... and `to_dict()`).

    `created_at` resolves relative dates ("yesterday"); `reply_to` is who the post replies to; `platform` and
    `account` say where it goes; `config` the settings (`phiscan.Config`; None: the packaged defaults). The
    scanner for each distinct settings is built once per process and reused."""
    cfg = config if config is not None else Config()
    key = _key(cfg)
    scanner = _SCANNERS.get(key)
    if scanner is None:
        # built on a copy: a caller who changes their Config afterwards gets a new scanner, never a changed one
        scanner = Scanner(copy.deepcopy(cfg))
        while len(_SCANNERS) >= _KEEP:
            _SCANNERS.pop(next(iter(_SCANNERS)))
        _SCANNERS[key] = scanner
    return scanner.scan_text(text, created_at=created_at, reply_to=reply_to, platform=platform, account=account)
