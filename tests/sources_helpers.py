"""Helpers shared by the loader tests (tests/test_sources_*.py): loading an input, splitting posts from read
errors, comparing posts read in different ways (folder, archive, loader called directly), building archives."""
from __future__ import annotations

import dataclasses
import tarfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from phiscan.model import Post, ReadError
from phiscan.sources import get_loader, load_inputs
from phiscan.sources.base import Entry, LoadOptions, open_tree

EXPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "exports"
UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def items(path: Path | str, **kw) -> list:
    """Everything `load_inputs` yields for one input, in order (posts and read errors)."""
    return list(load_inputs([str(path)], **kw))


def posts_of(result: Iterable) -> list[Post]:
    return [i for i in result if isinstance(i, Post)]


def errors_of(result: Iterable) -> list[ReadError]:
    return [i for i in result if isinstance(i, ReadError)]


def load(path: Path | str, input_format: str | None = None, **kw) -> tuple[list[Post], list[ReadError]]:
    """(posts, read errors) of one input."""
    result = items(path, input_format=input_format, **kw)
    return posts_of(result), errors_of(result)


def load_by_id(path: Path | str, input_format: str | None = None) -> tuple[dict[str, Post], list[ReadError]]:
    """(posts by id, read errors) of one input; the ids must be unique."""
    posts, errors = load(path, input_format)
    by_id = {p.id: p for p in posts}
    assert len(by_id) == len(posts), "post ids must be unique"
    return by_id, errors


def claim_and_load(loader_name: str, path: Path) -> tuple[list[Entry], list]:
    """What one loader claims of `path`, and what it yields for that, called directly (not through `load_inputs`)."""
    loader = get_loader(loader_name)
    tree = open_tree(path)
    claimed = loader.claim(tree, tree.entries)
    return claimed, list(loader.load(tree, claimed, LoadOptions()))


def direct(loader_name: str, path: Path) -> list:
    """What one loader yields for `path`, called directly; it must claim something there."""
    claimed, result = claim_and_load(loader_name, path)
    assert claimed, f"{loader_name} does not claim {path.name}"
    return result


def sourceless(posts: Iterable[Post]) -> list[Post]:
    """The posts without where they were read from (a folder and its archive name their files differently)."""
    return [dataclasses.replace(p, source="-") for p in posts]


def strip_source(p: Post) -> tuple:
    """A post without where it was read from: the same export read as folder or archive must agree on the rest."""
    return (p.id, p.text, p.platform, p.account, p.kind, p.created_at, p.author, p.reply_to_author, p.media, p.fields, p.index)


def make_archive(src: Path, dest: Path) -> Path:
    """The files below folder `src` (sorted; named by their path below it) in a new .zip or .tar.gz `dest`."""
    files = sorted(f for f in src.rglob("*") if f.is_file())
    if dest.name.endswith(".zip"):
        with zipfile.ZipFile(dest, "w") as zf:
            for f in files:
                zf.write(f, f.relative_to(src).as_posix())
    else:
        with tarfile.open(dest, "w:gz") as tf:
            for f in files:
                tf.add(f, f.relative_to(src).as_posix())
    return dest
