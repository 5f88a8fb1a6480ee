"""The progress display of `phiscan scan` and `phiscan baseline`, and the total it counts towards.

On a terminal (stderr, never with --quiet, never in CI) a scan shows how many posts it scanned and how fast
(posts/s). When the number of posts can be known cheaply it also shows a bar, the percentage and the time
left: `count_posts` counts them as the loaders would find them (a Markdown or text file is one post, a JSON
Lines file one per non-blank line, a generic CSV one per row with text, in folders and in archives alike) and
gives up (None) as soon as an input is in a format whose posts only a full read can count (a platform export,
a scheduler CSV). The count runs beside the scan, in a thread, so a big input never delays the first post;
the bar appears once the total is known.

Nothing here ever shows post text, file names or ids: the display holds counts only, so no input can be
taken for rich markup either.
"""
from __future__ import annotations

import csv
import io
import os
import re
import sys
import threading
from typing import Callable, Sequence

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

_CHUNK = 1 << 20
_NONBLANK_LINE = re.compile(rb"^[ \t\r\f\v]*[^\s]", re.M)


class _Stopped(Exception):
    pass


def show_progress(quiet: bool, stream=None) -> bool:
    """Whether a scan shows its progress: not with --quiet, only on a terminal, never in a CI job (whose log
    may look like a terminal) or on a terminal that cannot redraw a line."""
    stream = stream if stream is not None else sys.stderr
    if quiet or not getattr(stream, "isatty", lambda: False)():
        return False
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    return os.environ.get("TERM", "") != "dumb"


# ---------------------------------------------------------------------------------------------------- total
def count_posts(paths: Sequence[str], input_format: str | None = None, stop: Callable[[], bool] = lambda: False) -> int | None:
    """How many posts the inputs hold, when that can be counted without reading them as the loaders do; None
    when it cannot (an input in another format, an input that cannot be opened) or when `stop()` says so.
    Inputs are matched to loaders the way `sources.load_inputs` does, so each file is counted as what it is read as."""
    from .sources import SKIP_SUFFIXES, claim_entries
    from .sources.base import InputError, open_tree

    total = 0
    try:
        for path in paths:
            if stop():
                return None
            tree = open_tree(path)
            remaining = list(tree.entries)
            for loader, claimed, remaining in claim_entries(tree, remaining, input_format):
                counter = _COUNTERS.get(loader.name)
                if counter is None:
                    return None  # a format whose posts only its loader can count
                for e in claimed:
                    total += counter(e, stop)
            if tree.single_file and any(e.suffix not in SKIP_SUFFIXES for e in remaining):
                return None  # a file no loader takes: the scan reports it
    except (_Stopped, InputError, OSError, ValueError, RuntimeError, EOFError):
        return None  # the scan itself says what is wrong with an input
    except Exception:  # noqa: BLE001 - counting is a nicety: it must never break a scan
        return None
    return total


def _count_text(e, stop) -> int:
    return 1 if e.size else 0


def _count_jsonl(e, stop) -> int:
    """Non-blank lines, read in chunks (a line cut by a chunk's end is carried to the next)."""
    n = 0
    tail = b""
    with e.open() as fh:
        while True:
            if stop():
                raise _Stopped()
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            data = tail + chunk
            cut = data.rfind(b"\n") + 1
            n += len(_NONBLANK_LINE.findall(data, 0, cut)) if cut else 0
            tail = data[cut:]
    return n + (1 if tail.strip() else 0)


def _count_csv(e, stop) -> int:
    """Rows with any text after the header row."""
    n = -1
    with e.open() as fh:
        reader = csv.reader(io.TextIOWrapper(fh, encoding="utf-8-sig", errors="replace", newline=""))
        for i, row in enumerate(reader):
            if i % 4096 == 0 and stop():
                raise _Stopped()
            if any(c.strip() for c in row):
                n += 1
    return max(0, n)


_COUNTERS: dict[str, Callable] = {"text": _count_text, "jsonl": _count_jsonl, "csv": _count_csv}


# -------------------------------------------------------------------------------------------------- display
class _Posts(ProgressColumn):
    """`120/4,000 posts` (or `120 posts` while the total is unknown)."""

    def render(self, task: Task) -> Text:
        done = int(task.completed)
        return Text(f"{done:,}/{int(task.total):,} posts" if task.total is not None else f"{done:,} posts")


class _Percent(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.percentage:3.0f}%" if task.total else "")


class _Rate(ProgressColumn):
    """Posts per second, always (over rich's recent window)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} posts/s" if speed is not None else "- posts/s")


class _Eta(ProgressColumn):
    """`ETA 0:01:23` once a total and a speed are known."""

    max_refresh = 0.5

    def render(self, task: Task) -> Text:
        left = task.time_remaining
        if task.total is None or left is None:
            return Text("")
        minutes, seconds = divmod(int(left), 60)
        hours, minutes = divmod(minutes, 60)
        return Text(f"ETA {hours:d}:{minutes:02d}:{seconds:02d}")


class ScanProgress:
    """The live display: spinner, bar, percentage, posts, posts/s, elapsed time and ETA, on stderr.

    `advance()` counts a scanned post; `set_total(n)` turns the spinner into a bar (a total lower than the
    posts already scanned is raised to them: the bar never passes 100%)."""

    def __init__(self, console: Console | None = None, total: int | None = None, transient: bool = True,
                 get_time: Callable[[], float] | None = None, auto_refresh: bool = True):
        self.console = console if console is not None else Console(stderr=True)
        self.progress = Progress(
            SpinnerColumn(), TextColumn("scanning"), BarColumn(), _Percent(), _Posts(), _Rate(), TimeElapsedColumn(), _Eta(),
            console=self.console, transient=transient, get_time=get_time, auto_refresh=auto_refresh,
        )
        self.task = self.progress.add_task("scanning", total=total)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "ScanProgress":
        self.progress.start()
        return self

    def count_in_background(self, paths: Sequence[str], input_format: str | None = None) -> None:
        """Count the posts of the inputs beside the scan (`count_posts`) and set the total when known."""

        def run() -> None:
            n = count_posts(paths, input_format, stop=self._stop.is_set)
            if n is not None and not self._stop.is_set():
                self.set_total(n)

        self._thread = threading.Thread(target=run, name="phiscan-count", daemon=True)
        self._thread.start()

    @property
    def total(self) -> float | None:
        return self.progress.tasks[0].total

    def set_total(self, n: int) -> None:
        done = self.progress.tasks[0].completed
        self.progress.update(self.task, total=max(n, int(done)))

    def advance(self, n: int = 1) -> None:
        task = self.progress.tasks[0]
        if task.total is not None and task.completed + n > task.total:
            self.progress.update(self.task, total=task.completed + n)  # a count that fell short: end at 100%
        self.progress.update(self.task, advance=n)

    def stop(self) -> None:
        self._stop.set()
        self.progress.stop()
        if self._thread is not None:
            self._thread.join(timeout=1.0)


def closing_line(posts: int, findings: int, failing: int, fail_on: str, output: str) -> str:
    """The one line a scan with --output ends with: what was scanned, what was found, where the report is."""
    def n(k: int, word: str) -> str:
        return f"{k:,} {word}" + ("" if k == 1 else "s")

    return (f"phiscan: {n(posts, 'post')} scanned, {n(findings, 'finding')} ({failing:,} at or above {fail_on}); "
            f"report written to {output}")
