"""Loaders for social media exports: an explicit registry, sniffing, and the one entry point `load_inputs`."""
from __future__ import annotations

from typing import Iterator, Sequence

from ..model import ReadError
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

# File kinds that are part of exports but carry no text to scan (media); never reported as unknown.
SKIP_SUFFIXES = MEDIA_SUFFIXES
# Files that hold text when nothing claims them inside a folder: one that cannot even be opened is reported.
_TEXT_SUFFIXES = {".json", ".jsonl", ".ndjson", ".js", ".csv", ".tsv", ".txt", ".md", ".markdown", ".html", ".car"}


def get_loader(name: str) -> Loader:
    for l in REGISTRY:
        if l.name == name:
            return l
    raise KeyError(name)


def load_inputs(paths: Sequence[str], input_format: str | None = None, options: LoadOptions | None = None) -> Iterator[Item]:
    """Yield posts and read errors from every input, in a deterministic order. Never raises for bad input.

    Every post's texts are cut to `options.max_text_chars` here (`cap_post`), whatever loader made it."""
    options = options or LoadOptions()
    for item in _load_inputs(paths, input_format, options):
        if isinstance(item, ReadError):
            yield item
            continue
        post, cut = cap_post(item, options.max_text_chars)
        yield from cut
        yield post


def _load_inputs(paths: Sequence[str], input_format: str | None, options: LoadOptions) -> Iterator[Item]:
    for path in paths:
        if path == "-":
            continue
        try:
            tree = open_tree(path)
        except InputError as exc:
            yield exc.to_error()
            continue
        yield from tree.errors
        remaining: list[Entry] = list(tree.entries)
        loaders = [get_loader(input_format)] if input_format else REGISTRY
        for loader in loaders:
            if not remaining:
                break
            claimed = loader.claim(tree, remaining, forced=bool(input_format))
            if not claimed:
                continue
            ids = {id(e) for e in claimed}
            remaining = [e for e in remaining if id(e) not in ids]
            try:
                yield from loader.load(tree, claimed, options)
            except InputError as exc:
                yield exc.to_error()
            except Exception as exc:  # a loader bug must not lose the rest of the scan
                if options.debug:
                    import traceback

                    traceback.print_exc()
                yield ReadError(tree.display, loader.name, f"loader failed: {exc.__class__.__name__}")
        for e in remaining:
            if e.suffix in SKIP_SUFFIXES:
                continue
            if not tree.single_file and e.suffix in _TEXT_SUFFIXES:
                try:  # unclaimed may mean unreadable (no permission, vanished): say so rather than skip it
                    e.open().close()
                except InputError as exc:
                    yield exc.to_error()
                continue
            # Inside a folder or archive, files no loader claims are parts of exports that hold no posts
            # (settings, likes, manifests); loaders claim every file of their export they read.
            if tree.single_file:
                yield _unknown(e)


def _unknown(e: Entry) -> ReadError:
    """Why no loader took a file given on its own: empty, binary, or a format phiscan does not know."""
    head = e.head()
    if not head:
        return ReadError(e.display, "", "empty file; nothing to scan")
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        nul = head.index(b"\x00")
        return ReadError(e.display, f"byte {nul}", "binary content (NUL bytes); not a text export")
    return ReadError(e.display, "", "unknown format: no loader recognises this file (see `phiscan formats`, or use --input-format)")


__all__ = ["REGISTRY", "Item", "LoadOptions", "ReadError", "Tree", "load_inputs", "get_loader", "register"]
