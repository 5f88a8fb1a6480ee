"""Images of a tree, joined to the posts that name them (phiscan.images reads what they carry).

A post's `media[i].uri` is resolved against the files of its tree: the path itself (Facebook and Instagram
`media/...` paths, relative to the export's top, whichever folder the tree is opened at), the file name, or X's
`tweets_media/<tweet id>-<file name>`. What an image's metadata gives becomes fields `media[i].<name>` of the post.
Images no post names (a content queue's photos, a single image named alone) become items of their own: a post
with only those fields, its source the image file.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import PurePosixPath
from typing import Iterator
from urllib.parse import unquote, urlsplit

from .. import images
from ..model import Media, Post, ReadError
from .base import Entry, InputError, LoadOptions, Tree


def is_image(e: Entry) -> bool:
    return e.suffix in images.READ_SUFFIXES


class Pictures:
    def __init__(self, tree: Tree, entries: list[Entry], options: LoadOptions, tally, container: str | None, member: str):
        self.tree, self.entries, self.options, self.tally = tree, entries, options, tally
        self.container, self.member = container, member
        self.by_name = {e.name.lower(): e for e in entries}
        self.by_base: dict[str, list[Entry]] = {}
        self.by_tail: dict[str, list[Entry]] = {}  # every trailing part of each path: "b/c.jpg" of "a/b/c.jpg"
        for e in entries:
            self.by_base.setdefault(PurePosixPath(e.name).name.lower(), []).append(e)
            parts = e.name.lower().split("/")
            for i in range(len(parts)):
                self.by_tail.setdefault("/".join(parts[i:]), []).append(e)
        self.used: set[int] = set()
        self.read: dict[int, list[tuple[str, str]] | ReadError | str] = {}
        self.regions: dict[int, tuple] = {}  # OCR line boxes of an image's `ocr` field (phiscan.ocr.field_of)
        self.ocr_errors: dict[int, ReadError] = {}  # OCR failed: an error; the metadata fields stay

    @property
    def mode(self) -> str:
        mode = self.options.images if self.options.images in images.MODES else "metadata"
        if mode == "ocr":
            from .. import ocr

            if not ocr.available():  # the CLI refuses --images ocr without the extra; the API reads metadata
                return "metadata"
        return mode

    def _find(self, post: Post, uri: str | None) -> Entry | None:
        if not uri or not self.entries:
            return None
        path = unquote(urlsplit(uri).path if "://" in uri else uri.split("?", 1)[0]).lstrip("/").lower()
        if not path:
            return None
        hit = self.by_name.get(path)
        parts = path.split("/")
        if hit is None and len(parts) > 1:  # the uri is a path from a folder above or below the tree's top
            got = self.by_tail.get(path)
            if got and len(got) == 1:
                hit = got[0]
            else:
                tails = [self.by_name["/".join(parts[i:])] for i in range(1, len(parts) - 1) if "/".join(parts[i:]) in self.by_name]
                hit = tails[0] if tails else None
        base = PurePosixPath(path).name
        if hit is None and post.id:
            got = self.by_base.get(f"{post.id}-{base}".lower())  # X: tweets_media/<tweet id>-<name>
            hit = got[0] if got and len(got) == 1 else None
        if hit is None:
            got = self.by_base.get(base)
            hit = got[0] if got and len(got) == 1 else None
        return hit

    def _read(self, e: Entry) -> list[tuple[str, str]] | ReadError | str:
        """The image's fields, a ReadError (over a limit: an error), or the reason it is not read (a skip)."""
        if id(e) in self.read:
            return self.read[id(e)]
        result: list[tuple[str, str]] | ReadError | str
        if self.mode == "off":
            result = "image: not read (--images off)"
        elif not images.available():
            result = f"image: not read: {images.INSTALL_HINT}"
        elif e.size > images.MAX_IMAGE_BYTES:
            result = ReadError(e.display, "", f"image of {e.size} bytes is over the limit of {images.MAX_IMAGE_BYTES} "
                               "bytes; not read (a safety limit)")
        else:
            try:
                data = e.read_bytes(images.MAX_IMAGE_BYTES + 1, guard=False)
                result = images.metadata_fields(data)
                if self.mode == "ocr":
                    self._ocr(e, data, result)
            except InputError as exc:
                result = exc.to_error()
            except images.ImageError as exc:
                result = ReadError(e.display, "", exc.message) if exc.refused else exc.message
        self.read[id(e)] = result
        return result

    def _ocr(self, e: Entry, data: bytes, fields: list[tuple[str, str]]) -> None:
        """Text in the image (phiscan.ocr) as the field `ocr`, its line boxes kept for the findings."""
        from .. import ocr

        try:
            lines = ocr.read(data)
        except images.ImageError:
            raise
        except Exception as exc:  # the engine failed on these pixels: the metadata is still scanned
            self.ocr_errors[id(e)] = ReadError(e.display, "ocr", f"image text could not be read (OCR: {exc.__class__.__name__})")
            return
        text, regions = ocr.field_of(lines)
        if text:
            fields.append(("ocr", text))
            self.regions[id(e)] = regions

    def _account(self, e: Entry, result) -> list[ReadError]:
        """Inventory and errors of an image, once."""
        if id(e) in self.used:
            return []
        self.used.add(id(e))
        rec = self.tally.rec(e.display, self.member if not self.tree.single_file else "file", self.container)
        if isinstance(result, str):
            self.tally.skip(e.display, rec.kind, result, self.container)
            return []
        rec.format = "image"
        if isinstance(result, list) and self.mode != "ocr":
            rec.reason = self.text_not_read
        if isinstance(result, ReadError):
            return [result]
        return [self.ocr_errors[id(e)]] if id(e) in self.ocr_errors else []

    @property
    def text_not_read(self) -> str:
        """Why an image's text was not read: the inventory's reason for an image scanned for metadata only."""
        from .. import ocr

        return ocr.why_not() or "image text not read (OCR): --images metadata; use --images ocr to read it"

    def attach(self, post: Post) -> tuple[Post, list[ReadError]]:
        """The post with the fields of the images it names, and the errors of those images (each once)."""
        if not self.entries or not post.media:
            return post, []
        fields = list(post.fields)
        regions = list(post.regions)
        errors: list[ReadError] = []
        for i, m in enumerate(post.media):
            e = self._find(post, m.uri)
            if e is None:
                continue
            result = self._read(e)
            errors.extend(self._account(e, result))
            if isinstance(result, list):
                fields.extend((f"media[{i}].{name}", text) for name, text in result)
                if id(e) in self.regions:
                    regions.append((f"media[{i}].ocr", e.display, self.regions[id(e)]))
        if len(fields) == len(post.fields):
            return post, errors
        return replace(post, fields=tuple(fields), regions=tuple(regions)), errors

    def rest(self) -> Iterator[Post | ReadError]:
        """Images no post named: a post of each one that gives fields, and their errors."""
        for e in self.entries:
            if id(e) in self.used:
                continue
            result = self._read(e)
            yield from self._account(e, result)
            if isinstance(result, list) and result:
                yield Post(id=e.display, text="", kind="image", source=e.display,
                           media=(Media(uri=e.name, kind="image"),),
                           fields=tuple((f"media[0].{name}", text) for name, text in result),
                           regions=(("media[0].ocr", e.display, self.regions[id(e)]),) if id(e) in self.regions else ())
