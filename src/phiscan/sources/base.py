"""Input trees, entries and the loader interface.

An input path (file, folder, .zip, .tar.gz) is opened as a `Tree` of `Entry`s, read in place (archives are
never extracted to disk). Loaders claim the entries they understand and turn them into `Post`s. A loader
yields `ReadError`s for what it cannot read and goes on: one bad record never loses the rest.
"""
from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Callable, Iterable, Iterator, Protocol, Union

from ..model import Post, ReadError

# Archive safety limits (zip bombs): total expanded bytes and expansion ratio per member.
MAX_MEMBER_BYTES = 2 * 1024**3
MAX_RATIO = 200

Item = Union[Post, ReadError]


class InputError(Exception):
    """An input (or an entry inside one) cannot be read. The message names no post text."""

    def __init__(self, source: str, where: str, message: str):
        super().__init__(f"{source}: {where}: {message}" if where else f"{source}: {message}")
        self.source, self.where, self.message = source, where, message

    def to_error(self) -> ReadError:
        return ReadError(self.source, self.where, self.message)


@dataclass
class Entry:
    """One file inside a tree. `name` is its posix path inside the tree; `display` names it for people."""

    name: str
    display: str
    size: int
    _opener: Callable[[], IO[bytes]] = field(repr=False)

    @property
    def basename(self) -> str:
        return PurePosixPath(self.name).name

    @property
    def suffix(self) -> str:
        n = self.basename.lower()
        if n.endswith(".tar.gz"):
            return ".tar.gz"
        return PurePosixPath(n).suffix

    def open(self) -> IO[bytes]:
        try:
            return self._opener()
        except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError, RuntimeError) as exc:
            raise InputError(self.display, "", f"cannot open: {exc.__class__.__name__}: {_safe(exc)}") from None

    def read_bytes(self, limit: int | None = None) -> bytes:
        with self.open() as fh:
            try:
                return fh.read() if limit is None else fh.read(limit)
            except (OSError, zipfile.BadZipFile, EOFError, RuntimeError) as exc:
                raise InputError(self.display, "", f"cannot read: {exc.__class__.__name__}: {_safe(exc)}") from None

    def head(self, n: int = 4096) -> bytes:
        try:
            return self.read_bytes(n)
        except InputError:
            return b""


def _safe(exc: BaseException) -> str:
    """An exception message trimmed so that it cannot carry a long run of file content."""
    msg = str(exc)
    return msg[:200]


@dataclass
class Tree:
    """A folder, an archive or a single file, seen as a list of entries."""

    display: str
    entries: list[Entry]
    errors: list[ReadError] = field(default_factory=list)
    single_file: bool = False

    def find(self, predicate: Callable[[Entry], bool]) -> list[Entry]:
        return [e for e in self.entries if predicate(e)]

    def by_basename(self, *names: str) -> list[Entry]:
        wanted = {n.lower() for n in names}
        return [e for e in self.entries if e.basename.lower() in wanted]


def open_tree(path: str | os.PathLike) -> Tree:
    """Open a path as a tree. Raises InputError when the path itself cannot be read."""
    p = Path(path)
    display = str(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise InputError(display, "", f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        return _folder_tree(p, display)
    low = p.name.lower()
    if low.endswith(".zip") or _is_zip(p):
        return _zip_tree(p, display)
    if low.endswith((".tar.gz", ".tgz", ".tar")):
        return _tar_tree(p, display)
    entry = Entry(p.name, display, st.st_size, lambda p=p: open(p, "rb"))
    return Tree(display, [entry], single_file=True)


def _is_zip(p: Path) -> bool:
    try:
        with open(p, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _folder_tree(root: Path, display: str) -> Tree:
    entries: list[Entry] = []
    errors: list[ReadError] = []
    seen_dirs: set[tuple[int, int]] = set()

    def onerror(exc: OSError) -> None:
        errors.append(ReadError(str(exc.filename or display), "", f"cannot read folder: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=True):
        try:
            st = os.stat(dirpath)
            key = (st.st_dev, st.st_ino)
        except OSError:
            continue
        if key in seen_dirs:  # symlink loop
            errors.append(ReadError(dirpath, "", "folder already visited (symlink loop); skipped"))
            dirnames[:] = []
            continue
        seen_dirs.add(key)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if fn.startswith("."):
                continue
            full = Path(dirpath) / fn
            rel = full.relative_to(root).as_posix()
            try:
                size = full.stat().st_size
            except OSError as exc:
                errors.append(ReadError(str(full), "", f"cannot read: {exc.strerror or exc}"))
                continue
            entries.append(Entry(rel, str(full), size, lambda full=full: open(full, "rb")))
    return Tree(display, entries, errors)


def _member_name_ok(name: str) -> bool:
    pp = PurePosixPath(name.replace("\\", "/"))
    return not pp.is_absolute() and ".." not in pp.parts and not (len(name) > 1 and name[1] == ":")


def _zip_tree(p: Path, display: str) -> Tree:
    try:
        zf = zipfile.ZipFile(p)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(display, "", f"not a readable zip archive ({_safe(exc)})") from None
    entries: list[Entry] = []
    errors: list[ReadError] = []
    for info in infos:
        if info.is_dir():
            continue
        where = f"{display}!{info.filename}"
        if not _member_name_ok(info.filename):
            errors.append(ReadError(display, info.filename, "unsafe path in archive (absolute or '..'); not read"))
            continue
        if info.file_size > MAX_MEMBER_BYTES or (
            info.compress_size and info.file_size / max(1, info.compress_size) > MAX_RATIO and info.file_size > 10 * 1024**2
        ):
            errors.append(ReadError(display, info.filename, "expands beyond the safety limit (zip bomb?); not read"))
            continue
        entries.append(Entry(info.filename, where, info.file_size, lambda zf=zf, info=info: _LimitedReader(zf.open(info), info.file_size)))
    return Tree(display, entries, errors)


class _LimitedReader(io.RawIOBase):
    """Reads at most `limit` bytes: an archive whose header lies about sizes cannot expand further."""

    def __init__(self, raw: IO[bytes], limit: int):
        self._raw, self._left = raw, limit + 1

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        if self._left <= 0:
            raise OSError("member larger than declared; stopped")
        n = self._raw.readinto(memoryview(b)[: self._left]) if hasattr(self._raw, "readinto") else 0
        self._left -= n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _tar_tree(p: Path, display: str) -> Tree:
    try:
        tf = tarfile.open(p, "r:*")
        members = tf.getmembers()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise InputError(display, "", f"not a readable tar archive ({_safe(exc)})") from None
    entries: list[Entry] = []
    errors: list[ReadError] = []
    for m in members:
        if not m.isfile():
            continue
        if not _member_name_ok(m.name):
            errors.append(ReadError(display, m.name, "unsafe path in archive (absolute or '..'); not read"))
            continue
        if m.size > MAX_MEMBER_BYTES:
            errors.append(ReadError(display, m.name, "larger than the safety limit; not read"))
            continue
        name = m.name[2:] if m.name.startswith("./") else m.name

        def opener(tf=tf, m=m):
            fh = tf.extractfile(m)
            if fh is None:
                raise OSError("not a regular file")
            return fh

        entries.append(Entry(name, f"{display}!{m.name}", m.size, opener))
    return Tree(display, entries, errors)


class Loader(Protocol):
    """A loader knows one export format and nothing about PHI.

    `name` is what `--input-format` takes; `claim` returns the entries of a tree this loader reads (by file
    name and content, cheaply: look at `entry.head()`), or an empty list; `load` yields posts and read errors
    for the claimed entries. `forced` is True when the user chose this format with `--input-format`.
    """

    name: str
    description: str

    def claim(self, tree: Tree, entries: list[Entry], forced: bool = False) -> list[Entry]: ...

    def load(self, tree: Tree, entries: list[Entry], options: "LoadOptions") -> Iterator[Item]: ...


@dataclass
class LoadOptions:
    text_column: str | None = None
    encoding: str | None = None


def decode_text(data: bytes, display: str, encoding: str | None = None) -> str:
    """Decode bytes as text: BOM first, then UTF-8; a clear error otherwise (never guess silently)."""
    if encoding:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(display, "", f"cannot decode as {encoding}: {exc.__class__.__name__}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(display, f"byte {exc.start}", "invalid UTF-16") from None
    if b"\x00" in data[:4096]:
        nul = data.index(b"\x00")
        raise InputError(display, f"byte {nul}", "binary content (NUL bytes); not a text export")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(display, f"line {line}, byte {exc.start}", "invalid UTF-8 (use --encoding to name the file's encoding)") from None


