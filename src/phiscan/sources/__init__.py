"""Loaders for social media exports: an explicit registry, sniffing, and the one entry point `load_inputs`."""
from __future__ import annotations

import os
from pathlib import PurePosixPath
from typing import Iterator, Sequence

from ..model import InputRecord, Post, ReadError
from .base import MEDIA_SUFFIXES, Entry, InputError, Item, Loader, LoadOptions, Tree, cap_post, open_tree
from .generic import CsvLoader, JsonlLoader, TextLoader

# Specific formats first: a loader earlier in the list claims its files before the generic ones see them.
REGISTRY: list[Loader] = []


def register(loader: Loader, *, generic: bool = False) -> None:
    if generic:
        REGISTRY.append(loader)
    else:
        REGISTRY.insert(len([l for l in REGISTRY if not getattr(l, "_generic", False)]), loader)
    setattr(loader, "_generic", generic)


def _register_builtin() -> None:
    import importlib

    for mod in ("x", "facebook", "instagram", "linkedin", "mastodon", "youtube", "tiktok", "bluesky", "scheduler", "listening"):
        try:
            m = importlib.import_module(f"{__name__}.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(__name__):
                continue  # format not built yet
            raise
        for loader in getattr(m, "LOADERS", ()):
            register(loader)
    for loader in (JsonlLoader(), CsvLoader(), TextLoader()):
        register(loader, generic=True)


_register_builtin()

# File kinds that are part of exports but carry no text to scan (media); never read, listed as skipped.
SKIP_SUFFIXES = MEDIA_SUFFIXES
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".svg", ".ico"}
# Files that hold data when nothing claims them: inside a folder or an archive, one no loader recognises is an
# error (the same one naming it alone gives), never a skip.
DATA_SUFFIXES = {".json", ".jsonl", ".ndjson", ".js", ".csv", ".tsv", ".txt", ".md", ".markdown", ".car"}
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
_TEXT_SUFFIXES = DATA_SUFFIXES | {".html"}  # kept for callers of the old name


def get_loader(name: str) -> Loader:
    for l in REGISTRY:
        if l.name == name:
            return l
    raise KeyError(name)


def load_inputs(paths: Sequence[str], input_format: str | None = None, options: LoadOptions | None = None,
                inventory: list[InputRecord] | None = None) -> Iterator[Item]:
    """Yield posts and read errors (and warnings) from every input, in a deterministic order. Never raises for
    bad input.

    Every post's texts are cut to `options.max_text_chars` here (`cap_post`), whatever loader made it. With
    `inventory`, one `InputRecord` per file, archive, archive member and folder is appended to it as each input
    is done: every entry of a walk is accounted for as scanned, partial, skipped (with the reason) or error."""
    options = options or LoadOptions()
    for path in paths:
        if path == "-":
            continue
        tally = _Tally()
        yield from _load_path(path, input_format, options, tally)
        if inventory is not None:
            inventory.extend(tally.finish())


class _Tally:
    """The inventory records of one input, by source (display name), in the order first seen."""

    def __init__(self) -> None:
        self.records: dict[str, InputRecord] = {}
        self.members: dict[str, list[str]] = {}  # container source -> sources of what it holds
        self.lost: set[str] = set()  # sources whose loader failed: nothing after the failure was read

    def rec(self, source: str, kind: str = "file", container: str | None = None) -> InputRecord:
        r = self.records.get(source)
        if r is None:
            r = self.records[source] = InputRecord(source, kind=kind)
            if container is not None:
                self.members.setdefault(container, []).append(source)
        return r

    def skip(self, source: str, kind: str, reason: str, container: str | None) -> None:
        r = self.rec(source, kind, container)
        r.status, r.reason = "skipped", reason

    def post(self, post: Post, container: str | None) -> None:
        r = self.rec(post.source, "file", container)
        r.posts += 1
        r.fields += len(post.texts())

    def error(self, e: ReadError, source: str | None = None, kind: str = "file", container: str | None = None) -> None:
        r = self.rec(source or e.source, kind, container)
        if e.is_warning:
            r.warnings += 1
            return
        r.errors += 1
        if not r.reason:
            r.reason = e.message
        if e.truncated:
            r.truncated.append(e.where or "whole file")

    def finish(self) -> list[InputRecord]:
        for src, r in reversed(self.records.items()):  # what a container holds is listed after it: sums first
            if r.status == "skipped" and not r.errors:
                continue
            if r.kind in ("archive", "folder"):
                for m in self.members.get(src, ()):
                    r.posts += self.records[m].posts
                    r.fields += self.records[m].fields
            if r.errors or src in self.lost:
                r.status = "partial" if r.posts else "error"
            else:  # an image scanned for its metadata only keeps why its text was not read (OCR)
                r.status, r.reason = "scanned", r.reason if r.format == "image" else ""
        return sorted(self.records.values(), key=lambda r: r.source)


def _load_path(path: str, input_format: str | None, options: LoadOptions, tally: _Tally,
               container: str | None = None) -> Iterator[Item]:
    low = str(path).lower()
    kind = "archive" if low.endswith(ARCHIVE_SUFFIXES) else "file"
    try:
        tree = open_tree(path)
    except InputError as exc:
        err = exc.to_error()
        tally.rec(str(path), container=container).kind = "folder" if os.path.isdir(path) else kind
        tally.error(err, str(path))
        yield err
        return
    if tree.kind in ("zip", "tar"):
        kind = "archive"
    elif not tree.single_file:
        kind = "folder"
    top = tally.rec(tree.display, container=container)
    top.kind = kind
    if kind == "archive":
        top.format = tree.kind
    yield from _load_tree(tree, input_format, options, tally)


def _container_of(tree: Tree) -> str | None:
    return None if tree.single_file else tree.display


def _attribute(tally: _Tally, tree: Tree, e: ReadError) -> None:
    """Count an error (or warning) against the entry it is about."""
    container = _container_of(tree)
    if e.source == tree.display and e.where in tree.rejected:  # an archive member the listing refused
        tally.error(e, f"{tree.display}!{e.where}", "member", container)
    elif e.source in tally.records:
        tally.error(e)
    else:  # a subfolder that cannot be listed, a symlink loop, a file that vanished before it was listed
        kind = "folder" if "folder" in e.message else ("member" if tree.kind in ("zip", "tar") else "file")
        tally.error(e, e.source, kind, container)


def claim_entries(tree, entries: list, input_format: str | None = None):
    """Each loader (the one named, else the registry's in order) claims what it reads of `entries`: yields
    (loader, its entries, the entries still unclaimed) for every loader that claimed something. The scan and
    the progress bar's count share it, so they never disagree on which loader reads a file."""
    remaining = list(entries)
    for loader in [get_loader(input_format)] if input_format else REGISTRY:
        if not remaining:
            return
        claimed = loader.claim(tree, remaining, forced=bool(input_format))
        if claimed:
            ids = {id(e) for e in claimed}
            remaining = [e for e in remaining if id(e) not in ids]
            yield loader, claimed, remaining


def _load_tree(tree: Tree, input_format: str | None, options: LoadOptions, tally: _Tally) -> Iterator[Item]:
    container = _container_of(tree)
    member = "member" if tree.kind in ("zip", "tar") else "file"
    for e in tree.entries:
        if not tree.single_file:
            tally.rec(e.display, member, container)
    for display, kind, reason in tree.skipped:
        tally.skip(display, kind, reason, container)
    for display, reason in tree.unread:
        r = tally.rec(display, "member", container)
        r.reason = reason
        tally.lost.add(display)
    for err in tree.errors:
        _attribute(tally, tree, err)
        yield err
    remaining: list[Entry] = list(tree.entries)
    if tree.kind in ("zip", "tar"):  # hidden members (`.DS_Store`, `__MACOSX/`) are left out, as in a folder
        for e in [e for e in remaining if _hidden(e.name)]:
            tally.skip(e.display, "member", "hidden file", container)
        remaining = [e for e in remaining if not _hidden(e.name)]
    from . import media as _media

    pictures = _media.Pictures(tree, [e for e in remaining if _media.is_image(e)], options, tally, container, member)
    remaining = [e for e in remaining if not _media.is_image(e)]
    archives: list[Entry] = []
    if not tree.single_file and not input_format:  # an archive in a folder is read as if named alone
        archives = [e for e in remaining if e.suffix in ARCHIVE_SUFFIXES]
        remaining = [e for e in remaining if e.suffix not in ARCHIVE_SUFFIXES]
    claims: list[tuple[str, list[Entry]]] = []  # what each platform loader claimed: where its exports are
    for loader, claimed, remaining in claim_entries(tree, remaining, input_format):
        for e in claimed:
            tally.rec(e.display, member if not tree.single_file else "file", container).format = loader.name
        if not getattr(loader, "_generic", False) and len(claimed) > 1:
            claims.append((loader.name, claimed))
        try:
            for item in loader.load(tree, claimed, options):
                if isinstance(item, ReadError):
                    _attribute(tally, tree, item)
                    yield item
                    continue
                item, image_errors = pictures.attach(item)
                for err in image_errors:
                    _attribute(tally, tree, err)
                yield from image_errors
                post, cut = cap_post(item, options.max_text_chars)
                for err in cut:
                    _attribute(tally, tree, err)
                yield from cut
                tally.post(post, container)
                yield post
        except InputError as exc:
            err = exc.to_error()
            _attribute(tally, tree, err)
            yield err
        except Exception as exc:  # a loader bug must not lose the rest of the scan
            if options.debug:
                import traceback

                traceback.print_exc()
            err = ReadError(tree.display, loader.name, f"loader failed: {exc.__class__.__name__}")
            tally.error(err, tree.display)
            for e in claimed:  # what it had not read yet is lost: none of these files is "scanned"
                tally.lost.add(e.display)
                tally.rec(e.display).reason = tally.rec(e.display).reason or err.message
            yield err
    for item in pictures.rest():  # images no post named: each is an item of its own (a content queue's photos)
        if isinstance(item, ReadError):
            _attribute(tally, tree, item)
            yield item
            continue
        tally.post(item, container)
        yield item
    exports = _exports(claims)
    for e in remaining:
        why = _skip_reason(e, tree, exports)
        if why is not None:
            tally.skip(e.display, member if not tree.single_file else "file", why, container)
            continue
        if not tree.single_file:
            try:  # unclaimed may mean unreadable (no permission, vanished): say so
                e.open().close()
            except InputError as exc:
                err = exc.to_error()
                tally.error(err, e.display)
                yield err
                continue
        err = _unknown(e)
        tally.error(err, e.display)
        yield err
    for e in archives:
        if tree.kind in ("zip", "tar"):
            err = ReadError(e.display, "", "an archive inside an archive is not read: extract it and scan the inner archive")
            tally.rec(e.display).kind = "archive"
            tally.error(err, e.display)
            yield err
            continue
        yield from _load_path(e.display, input_format, options, tally, container)


def _hidden(name: str) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in PurePosixPath(name).parts)


def _first(e: Entry) -> str:
    parts = PurePosixPath(e.name).parts
    return parts[0] if len(parts) > 1 else ""


def _exports(claims: list[tuple[str, list[Entry]]]) -> list[tuple[str, set[str], bool]]:
    """Where the platform exports found in a tree are: (loader, the tree's top folders holding files it read
    ("" for files at the top), whether the tree itself is one export). The tree is one export when the loader
    read files from several top folders and no other platform's files sit elsewhere (a Facebook download
    opened as a folder: `personal_information/`, `your_facebook_activity/`...); in a folder of downloads, each
    download is a top folder of its own."""
    tops = [(name, {_first(e) for e in claimed}) for name, claimed in claims]
    out = []
    for name, mine in tops:
        whole = len(mine - {""}) >= 2 and all(other <= mine for n, other in tops if n != name)
        out.append((name, mine, whole))
    return out


def _skip_reason(e: Entry, tree: Tree, exports: list[tuple[str, set[str], bool]]) -> str | None:
    """Why an entry no loader claimed is left out on purpose, or None when it is an error (a data file no loader
    recognises, or any file named on its own)."""
    suffix = e.suffix
    parts = PurePosixPath(e.name).parts
    if suffix in IMAGE_SUFFIXES:
        return "image (SVG drawing or icon): not scanned"
    if suffix in MEDIA_SUFFIXES:
        return {".pdf": "PDF document: not scanned (no PDF reader yet)",
                ".css": "style sheet of an export's HTML viewer: holds no posts"}.get(suffix, "video or audio: not scanned")
    if tree.single_file:
        return None
    if _hidden(e.name):
        return "hidden file"
    if suffix in (".html", ".htm"):
        return "HTML page (an export's viewer): posts are read from the export's data files"
    low = [p.lower() for p in parts]
    if suffix in (".js", ".json") and ("assets" in low[:-1] or low[-1] == "manifest.js"):
        return "part of an export's HTML viewer: holds no posts"
    if suffix in (".json", ".js"):  # settings, likes, friends: the export's loader reads every file with posts
        top = parts[0] if len(parts) > 1 else ""
        for name, tops, whole in exports:
            if top in tops or (whole and top):
                return f"part of the {name} export that holds no posts"
    if suffix in DATA_SUFFIXES:
        return None
    return f"not a data file ({suffix or 'no file extension'}): not read"


def _unknown(e: Entry) -> ReadError:
    """Why no loader took a file given on its own: empty, binary, or a format phiscan does not know."""
    head = e.head()
    if not head:
        return ReadError(e.display, "", "empty file; nothing to scan")
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        nul = head.index(b"\x00")
        return ReadError(e.display, f"byte {nul}", "binary content (NUL bytes); not a text export")
    return ReadError(e.display, "", "unknown format: no loader recognises this file (see `phiscan formats`, or use --input-format)")


__all__ = ["REGISTRY", "InputRecord", "Item", "LoadOptions", "ReadError", "Tree", "load_inputs", "get_loader", "register"]
