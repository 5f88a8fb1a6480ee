"""Input trees, entries and the loader interface.

An input path (file, folder, .zip, .tar.gz) is opened as a `Tree` of `Entry`s, read in place (archives are
never extracted to disk). Loaders claim the entries they understand and turn them into `Post`s. A loader
yields `ReadError`s for what it cannot read and goes on: one bad record never loses the rest.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, Callable, Iterator, Protocol, Union

import ijson

from ..model import Post, ReadError

# Archive safety limits (zip and tar bombs). Sizes are what the archive declares; reading a member never goes
# past its declared size (`_LimitedReader`), so an archive whose headers understate a size cannot expand
# further. MAX_TOTAL_BYTES counts members that may hold text (media files are never read).
MAX_MEMBER_BYTES = 2 * 1024**3  # one member, expanded
MAX_TOTAL_BYTES = 8 * 1024**3  # all text members of one archive, expanded
MAX_RATIO = 200  # expanded / compressed, for members (zip) or the whole archive (tar.gz) over RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1024**2
# JSON documents (.json, .js) nested deeper than this are not read: streaming parsers keep a path per level
# (ijson: 20,000 levels, 40 KB of brackets, take 1 GB), and no export nests more than a dozen levels.
MAX_JSON_DEPTH = 128
# Media files: parts of exports that carry no text to scan; never read, never reported as unknown.
MEDIA_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".mp4", ".mov", ".m4a", ".mp3", ".wav", ".webm", ".pdf", ".ico", ".svg", ".css"}
# The longest text one post may have (characters); longer texts are cut and the cut is reported as an error.
# The CLI passes the configured value (Config.max_text_chars, same default). See `cap_post`.
DEFAULT_MAX_TEXT_CHARS = 100_000

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

    def open(self, guard: bool = True) -> IO[bytes]:
        try:
            fh = self._opener()
        except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError, RuntimeError) as exc:
            raise InputError(self.display, "", f"cannot open: {exc.__class__.__name__}: {_safe(exc)}") from None
        if guard and self.suffix in (".json", ".js"):  # one JSON document: its nesting is checked as it is read
            return _JsonDepthGuard(fh, self.display)
        return fh

    def read_bytes(self, limit: int | None = None, guard: bool = True) -> bytes:
        with self.open(guard) as fh:
            try:
                return fh.read() if limit is None else fh.read(limit)
            except READ_ERRORS as exc:
                raise InputError(self.display, "", f"cannot read: {exc.__class__.__name__}: {_safe(exc)}") from None

    def head(self, n: int = 4096) -> bytes:
        try:
            return self.read_bytes(n, guard=False)  # a look at the first bytes, to recognise the format
        except InputError:
            return b""


# What reading a file or an archive member can raise (a vanished file, a damaged archive, a bad CRC, a member
# larger than it declared, a truncated gzip stream).
READ_ERRORS = (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError, RuntimeError, zlib.error)


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
    kind: str = "folder"  # folder, zip, tar or file
    # Entries the walk left out on purpose, for the inventory: (display, kind "file" or "folder", reason).
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    # Archive members the listing refused (unsafe path, bomb limits): their errors have `where` = the name.
    rejected: set[str] = field(default_factory=set)
    # Archive members past a limit that stopped the listing, with no error of their own: (display, reason).
    unread: list[tuple[str, str]] = field(default_factory=list)

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
    try:  # an unreadable file is said to be unreadable, not of an unknown format
        open(p, "rb").close()
    except OSError as exc:
        raise InputError(display, "", f"cannot read: {exc.strerror or exc}") from None
    entry = Entry(p.name, display, st.st_size, lambda p=p: open(p, "rb"))
    return Tree(display, [entry], single_file=True, kind="file")


def _is_zip(p: Path) -> bool:
    try:
        with open(p, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _folder_tree(root: Path, display: str) -> Tree:
    entries: list[Entry] = []
    errors: list[ReadError] = []
    skipped: list[tuple[str, str, str]] = []
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
        for d in sorted(d for d in dirnames if d.startswith(".")):  # .git, .cache: not walked, but said
            skipped.append((str(Path(dirpath) / d), "folder", f"hidden folder: {_count_files(Path(dirpath) / d)} not read"))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            full = Path(dirpath) / fn
            if fn.startswith("."):
                skipped.append((str(full), "file", "hidden file"))
                continue
            rel = full.relative_to(root).as_posix()
            try:
                size = full.stat().st_size
            except OSError as exc:
                errors.append(ReadError(str(full), "", f"cannot read: {exc.strerror or exc}"))
                continue
            entries.append(Entry(rel, str(full), size, lambda full=full: open(full, "rb")))
    return Tree(display, entries, errors, skipped=skipped)


def _count_files(folder: Path) -> str:
    """How many files a hidden folder holds ("3 files"), counted without following links."""
    n = 0
    for _, _, files in os.walk(folder):
        n += len(files)
    return f"{n} file" + ("" if n == 1 else "s")


def _member_name_ok(name: str) -> bool:
    pp = PurePosixPath(name.replace("\\", "/"))
    return not pp.is_absolute() and ".." not in pp.parts and not (len(name) > 1 and name[1] == ":")


def _is_media(name: str) -> bool:
    return PurePosixPath(name.lower()).suffix in MEDIA_SUFFIXES


def _zip_tree(p: Path, display: str) -> Tree:
    try:
        zf = zipfile.ZipFile(p)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(display, "", f"not a readable zip archive, truncated or damaged ({_safe(exc)})") from None
    entries: list[Entry] = []
    errors: list[ReadError] = []
    total = 0
    unread: list[tuple[str, str]] = []
    for n, info in enumerate(infos):
        if info.is_dir():
            continue
        where = f"{display}!{info.filename}"
        if not _member_name_ok(info.filename):
            errors.append(ReadError(display, info.filename, "unsafe path in archive (absolute or '..'); not read"))
            continue
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # Python expands a bzip2 or LZMA member a whole chunk at a time, whatever size it declares: a member
            # that understates its size could fill memory. Exports use deflate.
            errors.append(ReadError(display, info.filename, f"compression method {info.compress_type} is not read "
                                    "(only stored and deflate: bzip2 and LZMA members can hide a zip bomb)"))
            continue
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > MAX_MEMBER_BYTES or (ratio > MAX_RATIO and info.file_size > RATIO_MIN_BYTES):
            errors.append(ReadError(display, info.filename, f"declares {info.file_size} bytes expanded from {info.compress_size} "
                                    "(beyond the safety limits: zip bomb?); not read"))
            continue
        if not _is_media(info.filename):
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                errors.append(ReadError(display, info.filename, f"the archive expands beyond {MAX_TOTAL_BYTES} bytes in total "
                                        "(zip bomb?); this member and the rest not read"))
                unread = [(f"{display}!{i.filename}", f"not read: the archive expands beyond the safety limit at {info.filename}")
                          for i in infos[n + 1:] if not i.is_dir()]
                break
        entries.append(Entry(info.filename, where, info.file_size,
                             lambda zf=zf, info=info: io.BufferedReader(_LimitedReader(zf.open(info), info.file_size))))
    return Tree(display, entries, errors, kind="zip", rejected={e.where for e in errors}, unread=unread)


class _LimitedReader(io.RawIOBase):
    """Reads at most `limit` bytes: an archive whose header lies about sizes cannot expand further."""

    def __init__(self, raw: IO[bytes], limit: int):
        self._raw, self._left = raw, limit + 1

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        if self._left <= 0:
            raise OSError("member larger than declared; stopped")
        n = self._raw.readinto(memoryview(b)[: self._left])
        self._left -= n
        if self._left <= 0:
            raise OSError("member larger than declared; stopped")
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class JSONTooDeep(InputError, ValueError):
    """A JSON document nested deeper than MAX_JSON_DEPTH. An InputError (loaders report it as it is) and a
    ValueError (loaders that catch parse errors stop the file there)."""


_ESCAPE = re.compile(rb"\\.", re.S)
_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_SQUARE = bytes.maketrans(b"{}", b"[]")


class _JsonDepthGuard(io.BufferedIOBase):
    """Passes a JSON document's bytes through and stops it where brackets outside strings nest deeper than
    MAX_JSON_DEPTH: the bytes before that point are returned (so the records before it are read), the next read
    raises JSONTooDeep naming the byte. Strings are cut out with two C-speed regular expressions per chunk
    (escapes, then quoted runs), so the check costs little beside parsing; only a chunk that may cross the limit
    is walked byte by byte."""

    def __init__(self, raw: IO[bytes], display: str, limit: int | None = None):
        self._fh = raw if hasattr(raw, "peek") else io.BufferedReader(raw)  # type: ignore[arg-type]
        self._display = display
        self._limit = MAX_JSON_DEPTH if limit is None else limit
        self._depth, self._offset, self._in_string, self._escape = 0, 0, False, False
        self._error: JSONTooDeep | None = None

    def readable(self) -> bool:
        return True

    def _pass(self, data: bytes) -> bytes:
        cut = self._check(data) if data else -1
        if cut >= 0:
            self._error = JSONTooDeep(self._display, f"byte {self._offset + cut}", f"JSON nested deeper than {self._limit} "
                                      "levels; the rest of the file not read")
            data = data[:cut]
            if not data:
                raise self._error
        self._offset += len(data)
        return data

    def _take(self, read, n: int) -> bytes:
        if self._error is not None:
            raise self._error
        return self._pass(read(n))

    def read(self, n: int | None = -1) -> bytes:  # type: ignore[override]
        return self._take(self._fh.read, -1 if n is None else n)

    def read1(self, n: int = -1) -> bytes:  # type: ignore[override]
        return self._take(self._fh.read1, n)

    def readline(self, limit: int | None = -1) -> bytes:  # type: ignore[override]
        return self._take(self._fh.readline, -1 if limit is None else limit)

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def peek(self, n: int = 0) -> bytes:
        return self._fh.peek(n)  # type: ignore[attr-defined]

    def _check(self, data: bytes) -> int:
        """Follow the nesting through `data`; the offset where it goes past the limit, or -1."""
        fast = data
        if self._escape:
            fast = fast[1:]
        run = len(fast) - len(fast.rstrip(b"\\"))
        fast = _ESCAPE.sub(b"", fast[: len(fast) - run % 2])
        in_string = self._in_string
        if in_string:
            end = fast.find(b'"')
            fast, in_string = (fast[end + 1:], False) if end >= 0 else (b"", True)
        fast = _STRING.sub(b"", fast)
        start = fast.find(b'"')
        if start >= 0:  # a string that goes on in the next chunk
            fast, in_string = fast[:start], True
        # only the brackets, all square; matched pairs removed level by level (k levels) leave "]]]...[[["
        brackets = fast.translate(_SQUARE, _NOT_BRACKETS)
        levels = 0
        while b"[]" in brackets:
            brackets = brackets.replace(b"[]", b"")
            levels += 1
        closes = len(brackets) - len(brackets.lstrip(b"]"))
        opens = len(brackets) - closes
        if self._depth + opens + levels <= self._limit:  # the deepest this chunk can go
            self._depth += opens - closes
            self._in_string, self._escape = in_string, run % 2 == 1
            return -1
        for i, c in enumerate(data):  # this chunk may cross the limit: walk it byte by byte
            if self._escape:
                self._escape = False
            elif self._in_string:
                if c == 0x5C:
                    self._escape = True
                elif c == 0x22:
                    self._in_string = False
            elif c == 0x22:
                self._in_string = True
            elif c in (0x5B, 0x7B):
                self._depth += 1
                if self._depth > self._limit:
                    return i
            elif c in (0x5D, 0x7D):
                self._depth -= 1
        return -1

    def close(self) -> None:
        self._fh.close()
        super().close()


def _tar_tree(p: Path, display: str) -> Tree:
    try:
        tf = tarfile.open(p, "r:*")
    except READ_ERRORS as exc:
        raise InputError(display, "", f"not a readable tar archive ({_safe(exc)})") from None
    compressed = max(1, p.stat().st_size)
    entries: list[Entry] = []
    errors: list[ReadError] = []
    # Members are listed one by one (not getmembers()): walking a compressed tar expands it, so a bomb stops at
    # the limits, and a truncated archive keeps the members before the damage.
    total = 0
    while True:
        try:
            m = tf.next()
        except READ_ERRORS as exc:
            if not entries and not errors:
                raise InputError(display, "", f"not a readable tar archive, truncated or damaged ({_safe(exc)})") from None
            errors.append(ReadError(display, f"after {len(entries)} members", f"truncated or damaged archive ({_safe(exc)}); the rest not read"))
            break
        if m is None:
            break
        if not m.isfile():
            continue
        if not _is_media(m.name):
            total += m.size
            if total > MAX_TOTAL_BYTES or (total > RATIO_MIN_BYTES and total / compressed > MAX_RATIO):
                errors.append(ReadError(display, m.name, f"the archive expands to more than {total} bytes from {compressed} "
                                        "(beyond the safety limits: tar bomb?); this member and the rest not read"))
                break
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
    return Tree(display, entries, errors, kind="tar", rejected={e.where for e in errors if not e.where.startswith("after ")})


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
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS  # see cap_post
    debug: bool = False  # a loader's internal error prints its traceback (it may quote the file)
    images: str = "metadata"  # off, metadata, ocr: what is read of images beside posts (see phiscan.images)

    @property
    def max_line_bytes(self) -> int:
        """The longest record line (JSONL) read: room for a text at the cap, JSON-escaped, and its metadata."""
        return 8 * self.max_text_chars + 1024**2


def decode_text(data: bytes, display: str, encoding: str | None = None, partial: bool = False) -> str:
    """Decode bytes as text: BOM first, then UTF-8; a clear error otherwise (never guess silently).

    `partial`: `data` is the start of a longer file; a character cut at the end is dropped, not an error."""
    def dec(b: bytes, enc: str) -> str:
        if not partial:
            return b.decode(enc)
        return codecs.getincrementaldecoder(enc)().decode(b, final=False)

    if encoding:
        try:
            return dec(data, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(display, "", f"cannot decode as {encoding}: {exc.__class__.__name__}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return dec(data, "utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(display, f"byte {exc.start}", "invalid UTF-16") from None
    if b"\x00" in data[:4096]:
        nul = data.index(b"\x00")
        raise InputError(display, f"byte {nul}", "binary content (NUL bytes); not a text export")
    try:
        return dec(data, "utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(display, f"line {line}, byte {exc.start}", "invalid UTF-8 (use --encoding to name the file's encoding)") from None


def cap_post(post: Post, max_chars: int) -> tuple[Post, list[ReadError]]:
    """Cut every text of a post (body, fields, alt texts) to `max_chars`, so one huge record cannot take the
    scan's memory and time (they grow faster than the length of one text). Each cut is an error
    naming the file, the place and the field, never the text."""
    too_long = [f for f, t in post.texts() if len(t) > max_chars]
    if not too_long:
        return post, []
    from dataclasses import replace

    where = f"line {post.line}" if post.line else (f"record {post.index}" if post.index is not None else "")
    errors = [ReadError(post.source, where, f"{f} longer than {max_chars} characters: only the first {max_chars} scanned "
                        "(max_text_chars)") for f in too_long]
    cut = lambda t: t[:max_chars] if t and len(t) > max_chars else t  # noqa: E731
    media = tuple(replace(m, alt=cut(m.alt)) for m in post.media)
    fields = tuple((f, cut(t)) for f, t in post.fields)
    return replace(post, text=cut(post.text), fields=fields, media=media), errors


def read_entry_text(e: Entry, options: "LoadOptions") -> "str | ReadError":
    """A whole entry decoded as text (see decode_text), or the ReadError to report: undecodable or empty."""
    try:
        text = decode_text(e.read_bytes(), e.display, options.encoding)
    except InputError as exc:
        return exc.to_error()
    if not text.strip():
        return ReadError(e.display, "", "empty file; nothing to scan")
    return text


# --- CSV records ---------------------------------------------------------------------------------------------

def read_csv_header(reader: Any, display: str) -> "list[str] | ReadError":
    """The first record of a csv.reader (the header), or the ReadError to report when it does not parse."""
    try:
        return next(reader)
    except (csv.Error, StopIteration):
        return ReadError(display, "line 1", "malformed CSV header")


def _has_text(row: list[str]) -> bool:
    return any(c.strip() for c in row)


def _ends_inside_quotes(text: str, backslash_escapes: bool) -> bool:
    """True when the text ends inside a quoted field (an odd number of unescaped quotes): truncated."""
    if backslash_escapes:
        text = re.sub(r"\\.", "", text, flags=re.DOTALL)
    return text.count('"') % 2 == 1


def iter_csv_records(reader: Any, display: str, *, keep: Callable[[list[str]], bool] = _has_text,
                     malformed_takes_index: bool = True, text: str | None = None, backslash_escapes: bool = False,
                     noun: str = "row") -> Iterator["tuple[int, int, list[str]] | ReadError"]:
    """(index, line, record) for each record a csv.reader has left to read (after the header, when the caller has
    read one), streaming.

    `line` is the 1-based line where the record starts. Records `keep` rejects (by default: no cell with
    text) are blank: skipped, no index. A record the csv module rejects yields a ReadError naming its line
    (`malformed CSV <noun>: …`) and reading goes on; it takes an index too when `malformed_takes_index` (so
    later ids do not shift). With `text` (what the reader reads): when it ends inside a quoted field (an odd
    number of quote characters; `backslash_escapes`: not counting backslash-escaped ones), a last ReadError
    names the last record's line.
    """
    index, last = 0, 1
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield ReadError(display, f"line {line}", f"malformed CSV {noun}: {exc}; {noun} skipped")
            if malformed_takes_index:
                index += 1
            continue
        if not keep(row):
            continue
        last = line
        yield index, line, row
        index += 1
    if text is not None and _ends_inside_quotes(text, backslash_escapes):
        yield ReadError(display, f"line {last}", "file ends inside a quoted field (truncated?); last row scanned as far as it goes")


# --- JSON records --------------------------------------------------------------------------------------------

# What reading a JSON stream can raise: ijson's errors, bad bytes, and the archive readers' own errors.
JSON_STREAM_ERRORS = (ijson.JSONError, ValueError, OSError, EOFError, RuntimeError, zipfile.BadZipFile, tarfile.TarError)
# What converting one malformed record can raise (out-of-range timestamps raise OverflowError or OSError).
RECORD_ERRORS = (ValueError, TypeError, AttributeError, KeyError, OverflowError, OSError)


def json_truncated(exc: BaseException) -> bool:
    """Did a JSON stream end in the middle of a value? (Worded "premature EOF" by ijson's yajl backends and
    "Incomplete JSON content" by its pure-Python one; which one runs depends on the machine.)"""
    msg = str(exc)
    return isinstance(exc, EOFError) or "premature EOF" in msg or "Incomplete JSON" in msg


def json_value(events: Iterator[tuple], event: str, value: Any, build: bool = True) -> Any:
    """The JSON value that begins with ijson's (`event`, `value`), streaming: a scalar is `value` itself; an
    object or array is built from the events that follow in `events` (ijson's `parse` or `basic_parse`), which
    are consumed up to its end and no further. With `build=False` they are only skipped (nothing is held in
    memory) and None is returned. Parse errors propagate; ijson raises one before the events of an unfinished
    value run out."""
    if event not in ("start_map", "start_array"):
        return value
    builder = ijson.ObjectBuilder()
    add = builder.event if build else None
    if add is not None:
        add(event, value)
    depth = 1
    for ev in events:
        event = ev[-2]
        if add is not None:
            add(event, ev[-1])
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                return builder.value if build else None
    raise ijson.IncompleteJSONError("premature EOF")  # not reached: ijson itself raises first


def convert_record(display: str, where: str, make: Callable[[], "Post | None"], skipped: str = "record skipped",
                   errors: tuple[type[BaseException], ...] = RECORD_ERRORS,
                   describe: Callable[[BaseException], str] = str) -> Iterator[Item]:
    """One record's post, `make()` (nothing when it returns None: a record without text of the account). A
    record it cannot convert (one of `errors`) yields a ReadError at `where` instead, `<describe(exc)>;
    <skipped>`, and loses only itself. The messages of `errors` name keys, never values (values may be PHI)."""
    try:
        post = make()
    except errors as exc:
        yield ReadError(display, where, f"{describe(exc)}; {skipped}")
        return
    if post is not None:
        yield post
