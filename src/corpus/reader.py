"""Read a corpus (a directory, an archive or an fsspec URL) as a stream of documents.

Reading has two steps, so that an executor can spread the second over workers:

1. :func:`scan` lists the corpus without reading any file's contents. It returns a
   :class:`Listing`: one entry per file seen, in corpus order, each either a :class:`FileRef`
   (a cheap, picklable handle) or a :class:`~corpus.errors.Reject` for a file refused on sight
   (bad name, duplicate id, symlink leaving the root, unsafe archive member, ...), plus the
   hidden entries it skipped (and a corpus folder's own settings file, ``corpus.toml`` at its
   top), counted and named in :attr:`Listing.skipped`.
2. :func:`read_entries` turns entries into documents or rejects, one at a time; :func:`read_ref`
   reads a single ref.

:func:`read` composes the two sequentially and returns a :class:`Reader`, an iterable of
documents that counts as it goes: at every point ``files_seen == documents + len(rejects)``.
Nothing is dropped silently. The rules (order, names, symlinks, archives, hidden entries, size
limit) are the normative ones of ``docs/seed-format.md``, section "Corpus".
"""

from __future__ import annotations

import errno
import lzma
import os
import re
import stat
import tarfile
import tempfile
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from corpus.errors import ConfigError, CorpusError, FormatError, Reject
from corpus.format.parser import parse, parse_name
from corpus.records import Document, SourceRef

if TYPE_CHECKING:
    import fsspec

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "FileRef",
    "Listing",
    "ReadReport",
    "Reader",
    "Skipped",
    "parse_ref",
    "read",
    "read_entries",
    "read_raw",
    "read_ref",
    "scan",
]

#: Largest file (in bytes) the reader accepts; larger files are rejected with ``too-large``
#: before they are read. A news article is a few hundred kilobytes at most; the limit also
#: bounds what a lying archive header (a "zip bomb") can make the reader decompress, and the
#: memory of a build: its peak is at most about 256 MiB + 64 x the largest accepted file (one
#: long paragraph is the worst case; docs/benchmarks.md), so 8 MiB keeps it under 768 MiB.
DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024

#: Archive suffixes, by container (matched case-insensitively against the source's name).
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
ZIP_SUFFIXES = (".zip",)

Container = Literal["file", "url", "tar", "zip"]
Compression = Literal["", "gzip", "bz2", "xz"]
ListingKind = Literal["directory", "archive", "file"]

_MAGIC: tuple[tuple[bytes, Compression], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
)
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_COPY_CHUNK = 1024 * 1024
#: Zip compression methods :mod:`zipfile` can decompress; a member stored with another one
#: (Deflate64, PPMd, ...) is a reject instead of an exception from ``ZipFile.open``.
_ZIP_METHODS = frozenset(
    (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
)


@dataclass(frozen=True, slots=True)
class FileRef:
    """A cheap, picklable handle to one file of a corpus: enough to read it later, anywhere.

    ``container`` says how to get the bytes: ``"file"`` a local file (``path``; re-checked
    against ``root``, the real path of the corpus root, when read), ``"url"`` an fsspec URL,
    ``"tar"``/``"zip"`` a member of the archive at ``path``. ``member`` is the member name as
    stored in the archive; ``offset`` locates it (tar: offset of its data in the uncompressed
    stream; zip: offset of its local header), ``compression`` is the tar stream's compression.
    ``size`` is the size the listing saw (-1 when unknown); reading never trusts it.
    """

    path: str
    container: Container = "file"
    member: str = ""
    offset: int = -1
    size: int = -1
    compression: Compression = ""
    root: str = ""

    def __reduce__(self) -> tuple[type[FileRef], tuple[str, str, str, int, int, str, str]]:
        # By the constructor: every file's handle goes to a worker with its shard's task, and
        # the dataclass's own state protocol unpickles 10,000 of them in 0.03 s, this 0.015 s.
        return (FileRef, (self.path, self.container, self.member, self.offset, self.size,
                          self.compression, self.root))

    @property
    def where(self) -> str:
        """The location used in documents and rejects: ``path`` or ``path!member``."""
        return str(SourceRef(self.path, self.member))


@dataclass(frozen=True, slots=True)
class Skipped:
    """An entry the listing did not count as a file of the corpus (a hidden file, say)."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


Entry = FileRef | Reject


@dataclass(frozen=True, slots=True)
class Listing:
    """The files of one corpus in corpus order, without their contents (see :func:`scan`).

    ``entries`` holds one item per file seen: a :class:`FileRef` to read, or the
    :class:`~corpus.errors.Reject` of a file refused on sight. ``skipped`` holds the hidden
    entries, which are not files of the corpus and are not counted in :attr:`files_seen`.
    """

    source: str
    kind: ListingKind
    entries: tuple[Entry, ...]
    skipped: tuple[Skipped, ...] = ()

    @property
    def refs(self) -> tuple[FileRef, ...]:
        """The entries still to be read."""
        return tuple(e for e in self.entries if isinstance(e, FileRef))

    @property
    def rejects(self) -> tuple[Reject, ...]:
        """The entries refused on sight."""
        return tuple(e for e in self.entries if isinstance(e, Reject))

    @property
    def files_seen(self) -> int:
        """How many files the listing found (refs plus rejects)."""
        return len(self.entries)

    def shards(self, count: int) -> tuple[tuple[Entry, ...], ...]:
        """Split the entries into ``count`` contiguous, ordered shards of near-equal size.

        Concatenating the shards gives back :attr:`entries`, so reading the shards in
        parallel and concatenating their outputs gives what :func:`read` gives.
        """
        if count < 1:
            raise ConfigError(
                f"shard count {count} is invalid: it must be at least 1; pass the number of workers"
            )
        n = len(self.entries)
        bounds = [n * k // count for k in range(count + 1)]
        return tuple(self.entries[bounds[k]:bounds[k + 1]] for k in range(count))


@dataclass(frozen=True, slots=True)
class ReadReport:
    """The counts of one pass of a :class:`Reader`: ``files_seen == documents + len(rejects)``."""

    source: str
    files_seen: int
    documents: int
    rejects: tuple[Reject, ...]
    skipped: tuple[Skipped, ...]

    @property
    def ok(self) -> bool:
        """True when no file was rejected."""
        return not self.rejects


# -- scanning -------------------------------------------------------------------------------


def _check_limit(max_file_bytes: int) -> None:
    valid = isinstance(max_file_bytes, int) and not isinstance(max_file_bytes, bool)
    if not valid or max_file_bytes < 1:
        raise ConfigError(
            f"max_file_bytes={max_file_bytes!r} is invalid: it must be a positive number of "
            f"bytes; leave it at the default ({DEFAULT_MAX_FILE_BYTES}) or pass a larger integer"
        )


def _is_url(source: str) -> bool:
    return "://" in source or "::" in source


def _archive_container(name: str) -> Literal["tar", "zip", ""]:
    lower = name.lower()
    if lower.endswith(ZIP_SUFFIXES):
        return "zip"
    if lower.endswith(TAR_SUFFIXES):
        return "tar"
    return ""


#: The settings file a corpus folder may hold at its top (:mod:`corpus.settings_file`): listed as
#: skipped, never read as a document.
SETTINGS_FILE = "corpus.toml"


def _hidden(component: str) -> bool:
    """Hidden entries: names starting with "." (except "." itself) and ``__MACOSX``."""
    return (component.startswith(".") and component != ".") or component == "__MACOSX"


def _skip(path: str) -> Skipped:
    return Skipped(
        _printable(path), "hidden",
        "hidden entry (name starts with '.' or is '__MACOSX') is not part of the corpus; "
        "rename it if it should be read",
    )


def _printable(text: str) -> str:
    """``text`` as valid UTF-8: bytes of a file name that are not UTF-8 (which Python keeps as
    lone surrogates) are shown as ``\\xNN`` escapes, so reports and JSON stay valid text."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _reject(where: str, rule: str, message: str) -> Reject:
    return Reject(path=_printable(where), line=0, rule=rule, message=_printable(message))


def _not_utf8(kind: str) -> str:
    what = "directory name" if kind == "directory" else "file name"
    tail = "nothing in it was read" if kind == "directory" else "it was not read"
    return (f"the {what} is not valid UTF-8 (shown with \\x escapes); {tail}: rename it "
            "with a UTF-8 name")


def _within(path: str, root: str) -> bool:
    return path == root or os.path.commonpath([path, root]) == root


#: Entries listed between two calls of a listing's ``progress``.
_TICK = 4096


class _Collector:
    """Accumulates entries while a scanner walks the corpus, then puts them in corpus order.

    A corpus may hold millions of files, so an entry's sort key is not a Python tuple: a valid
    name's seq and id go into machine-integer arrays (an id is 16 lower-case hex digits, whose
    numeric order is their string order), and numpy sorts them. Invalid names are few (each is
    a reject) and sort by path in Python.
    """

    def __init__(self, max_file_bytes: int,
                 progress: Callable[[int], None] | None = None) -> None:
        self.max_file_bytes = max_file_bytes
        self._progress = progress  # told every _TICK entries, and of the rest at the end
        self.entries: list[Entry] = []  # in the order the scanner found them
        self._valid = array("q")  # positions in ``entries`` of the valid names,
        self._seqs = array("q")  # their seqs,
        self._ids = array("Q")  # and their ids as integers
        self._invalid: list[tuple[str, str, int]] = []  # (path, member, position)
        self._located: dict[int, tuple[str, str]] = {}  # where the valid-named rejects are
        self.skipped: list[Skipped] = []
        self._skipped_paths: set[str] = set()

    def skip(self, path: str, skipped: Skipped | None = None) -> None:
        if path not in self._skipped_paths:
            self._skipped_paths.add(path)
            self.skipped.append(_skip(path) if skipped is None else skipped)

    def _keep(self, entry: Entry, name: tuple[int, str] | None, path: str, member: str) -> None:
        if name is None:
            self._invalid.append((path, member, len(self.entries)))
        else:
            if isinstance(entry, Reject):  # a FileRef knows its location, a reject's is kept
                self._located[len(self.entries)] = (path, member)
            self._valid.append(len(self.entries))
            self._seqs.append(name[0])
            self._ids.append(int(name[1], 16))
        self.entries.append(entry)
        if self._progress is not None and len(self.entries) % _TICK == 0:
            self._progress(_TICK)

    def reject(self, path: str, member: str, rule: str, message: str) -> None:
        """Record a file refused on sight. It takes its place in corpus order by its name, like
        any file: with a valid name it sorts by (seq, id) and claims its id."""
        where = str(SourceRef(path, member))
        try:
            name: tuple[int, str] | None = parse_name(member or path, path=where)
        except FormatError:
            name = None
        self._keep(_reject(where, rule, message), name, path, member)

    def add(self, ref: FileRef) -> None:
        try:
            name = parse_name(ref.member or ref.path, path=ref.where)
        except FormatError as exc:
            reject = exc.reject
            self._keep(_reject(reject.path, reject.rule, reject.message), None, ref.path,
                       ref.member)
            return
        if ref.size > self.max_file_bytes:
            self._keep(_too_large(ref.where, ref.size, self.max_file_bytes), name, ref.path,
                       ref.member)
            return
        self._keep(ref, name, ref.path, ref.member)

    def _location(self, position: int) -> tuple[str, str]:
        entry = self.entries[position]
        if isinstance(entry, FileRef):
            return entry.path, entry.member
        return self._located[position]

    def _valid_order(self) -> tuple[list[int], npt.NDArray[np.uint64]]:
        """Positions of the valid names in corpus order (by seq, id, path, member), and their
        ids in that order."""
        positions = np.frombuffer(self._valid, dtype=np.int64)
        seqs = np.frombuffer(self._seqs, dtype=np.int64)
        ids = np.frombuffer(self._ids, dtype=np.uint64)
        by_key = np.lexsort((ids, seqs))
        seqs, ids = seqs[by_key], ids[by_key]
        order: list[int] = positions[by_key].tolist()
        # Equal (seq, id) pairs (a copy in another folder, say) go by location.
        equal = np.flatnonzero((seqs[1:] == seqs[:-1]) & (ids[1:] == ids[:-1])).tolist()
        k = 0
        while k < len(equal):  # a run of equal keys: positions start..stop+1
            start = stop = equal[k]
            k += 1
            while k < len(equal) and equal[k] == stop + 1:
                stop = equal[k]
                k += 1
            order[start:stop + 2] = sorted(order[start:stop + 2], key=self._location)
        return order, ids

    def listing(self, source: str, kind: ListingKind) -> Listing:
        """Sort into corpus order, then reject every later file that reuses an id."""
        if self._progress is not None:
            self._progress(len(self.entries) % _TICK)
        order, ids = self._valid_order()
        # The first file in corpus order to use an id keeps it (a stable sort finds it).
        unique, first = np.unique(ids, return_index=True)
        repeated = np.ones(len(order), dtype=bool)
        repeated[first] = False
        for at in np.flatnonzero(repeated).tolist():
            owner = order[int(first[np.searchsorted(unique, ids[at])])]
            self.entries[order[at]] = _reject(
                _where(self.entries[order[at]]), "duplicate-id",
                f"id {int(ids[at]):016x} is already used by {_where(self.entries[owner])}; ids "
                "must be unique in a corpus: remove one of the two files or give it a new id",
            )
        self._invalid.sort()
        order += [position for _, _, position in self._invalid]
        entries, self.entries = self.entries, []
        self._invalid, self._located = [], {}
        self._valid, self._seqs, self._ids = array("q"), array("q"), array("Q")
        return Listing(source, kind, tuple(entries[k] for k in order),
                       tuple(sorted(self.skipped, key=str)))


def _where(entry: Entry) -> str:
    return entry.where if isinstance(entry, FileRef) else entry.path


def _too_large(where: str, size: int | None, limit: int) -> Reject:
    """The ``too-large`` reject; ``size`` is the file's size, or None when only a read that
    stopped at the limit showed it larger (a stream, or an archive member whose header lied)."""
    what = (f"the file is {size} bytes, more than" if size is not None
            else "the file holds more than")
    return _reject(
        where, "too-large",
        f"{what} the limit of {limit} bytes (max_file_bytes); a seed file holds one article: "
        "split it, or raise max_file_bytes if it really is one",
    )


def _scan_local_dir(root: str, out: _Collector) -> None:
    """Walk a local directory; symlinks are followed only while they stay inside the root.

    Each stack item carries the real paths of the directories above it on the walk, so a
    link back to one of them (a loop) is refused instead of followed forever.
    """
    real_root = os.path.realpath(root)
    stack: list[tuple[str, str, frozenset[str]]] = [(root, real_root, frozenset())]
    while stack:
        directory, real_dir, above = stack.pop()
        try:
            with os.scandir(directory) as it:
                # Small (name, kind, size) tuples, not the DirEntry objects: a flat folder of a
                # million files would otherwise hold a million entries and their stat results.
                children = sorted(_entry_kind(entry) for entry in it)
        except OSError as exc:
            out.reject(directory, "", "unreadable",
                       f"cannot list the directory: {exc.strerror}; check its permissions")
            continue
        chain = above | {real_dir}
        children.reverse()
        while children:  # each child let go once listed: a flat folder may hold millions
            name, kind, size = children.pop()
            path = os.path.join(directory, name)
            if _hidden(name):
                out.skip(path)
                continue
            if directory == root and name == SETTINGS_FILE and kind in ("file", "link"):
                # a link too: the settings are read through it (it may point anywhere)
                out.skip(path, Skipped(
                    _printable(path), "settings",
                    "the corpus's settings file (docs/dedup.md, \"Settings\"), not a document",
                ))
                continue
            if kind.startswith("error:"):
                out.reject(path, "", "unreadable",
                           f"cannot inspect the entry: {kind[6:]}; check its permissions")
            elif not _is_utf8(name):
                out.reject(path, "", "bad-name",
                           _not_utf8("directory" if kind == "directory" else "file"))
            elif kind == "link":
                _scan_link(path, real_root, chain, stack, out)
            elif kind == "directory":
                stack.append((path, os.path.join(real_dir, name), chain))
            elif kind == "file":
                out.add(FileRef(path, "file", size=size, root=real_root))
            else:
                out.reject(path, "", "not-regular",
                           "not a regular file (a FIFO, socket or device); it was not read: "
                           "remove it from the corpus")


def _entry_kind(entry: os.DirEntry[str]) -> tuple[str, str, int]:
    """``(name, kind, size)`` of a directory entry, symlinks not followed: kind is ``link``,
    ``directory``, ``file`` (with its size), ``other``, or ``error:`` and the reason."""
    try:
        if entry.is_symlink():
            return entry.name, "link", -1
        if entry.is_dir(follow_symlinks=False):
            return entry.name, "directory", -1
        if entry.is_file(follow_symlinks=False):
            return entry.name, "file", entry.stat(follow_symlinks=False).st_size
        return entry.name, "other", -1
    except OSError as exc:
        return entry.name, f"error:{exc.strerror}", -1


def _scan_link(
    path: str,
    real_root: str,
    chain: frozenset[str],
    stack: list[tuple[str, str, frozenset[str]]],
    out: _Collector,
) -> None:
    """Classify one symlink met during the walk; only links that stay inside are followed.

    Messages never name the link's target (resolved or as written, which may be an absolute
    path of this machine), so a report does not depend on where the corpus lies.
    """
    target = os.path.realpath(path)
    problem = 0
    try:
        os.stat(path)
    except OSError as exc:
        problem = exc.errno or errno.ENOENT
    if not _within(target, real_root):
        out.reject(path, "", "outside-root",
                   "symlink resolves outside the corpus root; it was not read: "
                   "copy the file into the corpus instead of linking to it")
    elif problem == errno.ELOOP:
        out.reject(path, "", "symlink-loop",
                   "symlink is part of a cycle of links that never reaches a file; it was not "
                   "read: remove or fix the links")
    elif problem:
        out.reject(path, "", "broken-link",
                   "symlink points to nothing; it was not read: fix or remove the link")
    elif os.path.isdir(target):
        if target in chain:
            out.reject(path, "", "symlink-loop",
                       "symlink to a directory that contains the link itself; it was not "
                       "followed: remove the link")
        else:
            stack.append((path, target, chain))
    elif os.path.isfile(target):
        out.add(FileRef(path, "file", size=os.stat(target).st_size, root=real_root))
    else:
        out.reject(path, "", "not-regular",
                   "symlink to something that is not a regular file; it was not read: "
                   "remove it from the corpus")


def _member_parts(name: str) -> list[str]:
    return [p for p in re.split(r"[\\/]", name) if p not in ("", ".")]


def _unsafe_member(name: str) -> bool:
    """Absolute names, drive letters and any ``..`` component could land outside the root."""
    return (
        name.startswith(("/", "\\"))
        or bool(_DRIVE_RE.match(name))
        or ".." in re.split(r"[\\/]", name)
    )


def _member_hidden_prefix(name: str) -> str:
    """The member's path up to its first hidden component, or "" when none is hidden."""
    parts = _member_parts(name)
    for k, part in enumerate(parts):
        if _hidden(part):
            return "/".join(parts[: k + 1])
    return ""


def _detect_compression(path: str) -> Compression:
    import fsspec  # only archives and URLs need it: a local folder's build never does (60 ms)

    with fsspec.open(path, "rb") as raw:
        head: bytes = raw.read(6)
    for magic, compression in _MAGIC:
        if head.startswith(magic):
            return compression
    return ""


def _open_stream(path: str, compression: Compression) -> IO[bytes]:
    import fsspec

    opened: IO[bytes] = fsspec.open(path, "rb", compression=compression or None).open()
    return opened


def _admit_member(path: str, name: str, out: _Collector) -> bool:
    """Whether an archive member may be looked at further; records why when it may not.

    A member whose name could land outside the corpus root is a reject (never read); one under
    a hidden prefix is skipped and listed. Shared by the tar and zip scanners.
    """
    if not _is_utf8(name):
        out.reject(path, name, "bad-name", _not_utf8("file"))
        return False
    if _unsafe_member(name):
        out.reject(path, name, "unsafe-path",
                   "archive member has an absolute path or a '..' component and could "
                   "land outside the corpus root; it was not read: rebuild the archive "
                   "with relative paths")
        return False
    hidden = _member_hidden_prefix(name)
    if hidden:
        out.skip(f"{path}!{hidden}")
        return False
    return True


def _scan_tar(path: str, out: _Collector) -> None:
    compression = _detect_compression(path)
    with _open_stream(path, compression) as stream, tarfile.open(
        fileobj=stream, mode="r|"
    ) as tar:
        for member in tar:
            name = member.name
            if not _admit_member(path, name, out):
                continue
            if member.isdir():
                continue
            if member.issym() or member.islnk():
                base = os.path.dirname(name) if member.issym() else ""
                link = member.linkname
                target = os.path.normpath(os.path.join(base, link))
                absolute = link.startswith(("/", "\\")) or bool(_DRIVE_RE.match(link))
                if absolute or target == ".." or target.startswith("../"):
                    out.reject(path, name, "outside-root",
                               f"archive link to {link!r} resolves outside the archive; it was "
                               "not read: store the file itself instead of a link")
                else:
                    out.reject(path, name, "not-regular",
                               f"archive member is a link (to {link!r}); links in archives are "
                               "not followed: store the file itself")
                continue
            if not member.isreg() or member.issparse():
                out.reject(path, name, "not-regular",
                           "archive member is not a regular file (a device, FIFO or sparse "
                           "file); it was not read: remove it from the archive")
                continue
            out.add(FileRef(path, "tar", member=name, offset=member.offset_data,
                            size=member.size, compression=compression))


def _zip_member_problem(info: zipfile.ZipInfo) -> str:
    """Why ``zipfile`` cannot read the member (encrypted, unknown method), or "" if it can."""
    if info.flag_bits & 0x1:
        return "archive member is encrypted; it was not read: store it unencrypted"
    if info.compress_type not in _ZIP_METHODS:
        return (
            f"archive member uses zip compression method {info.compress_type}, which Python's "
            "zipfile cannot decompress; it was not read: store it with deflate (or uncompressed)"
        )
    return ""


def _scan_zip(path: str, out: _Collector) -> None:
    import fsspec

    with fsspec.open(path, "rb") as raw, zipfile.ZipFile(raw) as archive:
        for info in archive.infolist():
            name = info.filename
            if not _admit_member(path, name, out):
                continue
            if info.is_dir():
                continue
            # Unix-made zips keep the file type in the high bits; 0 means "not recorded".
            kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0
            if kind and kind != stat.S_IFREG:
                out.reject(path, name, "not-regular",
                           "archive member is a link or special file; links in archives are "
                           "not followed: store the file itself")
                continue
            problem = _zip_member_problem(info)
            if problem:
                out.reject(path, name, "unreadable", problem)
                continue
            out.add(FileRef(path, "zip", member=name, offset=info.header_offset,
                            size=info.file_size))


def _scan_url_dir(source: str, fs: fsspec.AbstractFileSystem, root: str, out: _Collector) -> None:
    found: dict[str, dict[str, object]] = fs.find(root, withdirs=False, detail=True)
    prefix = root.rstrip("/") + "/"
    base = source.rstrip("/")
    for name in sorted(found):
        info = found[name]
        if not name.startswith(prefix):
            out.reject(name, "", "outside-root",
                       f"the file system listed {name} outside the corpus root {root}; it was "
                       "not read")
            continue
        rel = name[len(prefix):]
        url = f"{base}/{rel}"
        hidden = _member_hidden_prefix(rel)
        if hidden:
            out.skip(f"{base}/{hidden}")
            continue
        if info.get("type") != "file":
            out.reject(url, "", "not-regular",
                       "not a regular file; it was not read: remove it from the corpus")
            continue
        size = info.get("size")
        out.add(FileRef(url, "url", size=size if isinstance(size, int) else -1))


def _url_to_fs(url: str) -> tuple[fsspec.AbstractFileSystem, str]:
    """``fsspec.core.url_to_fs``, with a :class:`~corpus.errors.CorpusError` that says what
    to install or fix for a protocol fsspec does not know or whose back end is missing."""
    import fsspec

    try:
        fs, root = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        raise CorpusError(_printable(
            f"cannot read corpus {url}: {exc}; install the fsspec back end of its protocol "
            "(for s3:// pip install 'news-corpus[s3]' or s3fs, for gs:// gcsfs, for az:// "
            "adlfs)")) from None
    except ValueError as exc:
        raise CorpusError(_printable(
            f"cannot read corpus {url}: not a usable fsspec URL ({exc})")) from None
    return fs, str(root)


def _scan_url(text: str, fs: fsspec.AbstractFileSystem, root: str, out: _Collector) -> Listing:
    """List the corpus at the URL ``text`` (``root`` in ``fs``, a remote file system).

    Back ends raise ``OSError`` for what they understood (the caller words it) and their
    client's own errors otherwise (botocore's ``NoCredentialsError``, an unreachable
    endpoint): those become a :class:`~corpus.errors.CorpusError` naming the URL and the
    error's type, not a traceback."""
    try:
        if fs.isdir(root):
            _scan_url_dir(text, fs, root, out)
            return out.listing(text, "directory")
        if not fs.isfile(root):
            raise CorpusError(f"cannot read corpus {text}: no such file or directory")
        size = fs.size(root)
        return _scan_file(text, "url", size if isinstance(size, int) else -1, "", out)
    except (CorpusError, OSError, tarfile.TarError, zipfile.BadZipFile, EOFError,
            UnicodeDecodeError):
        raise  # worded by the caller (scan), or already a CorpusError
    except Exception as exc:  # a back end's client error: named by type
        cause = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise CorpusError(_printable(f"cannot read corpus {text}: {cause}")) from exc


def scan(
    source: str | os.PathLike[str], *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    progress: Callable[[int], None] | None = None,
) -> Listing:
    """List the files of a corpus in corpus order, without reading their contents.

    ``source`` is a directory (walked recursively), a ``.tar``/``.tar.gz``/``.tgz``/
    ``.tar.bz2``/``.tar.xz`` or ``.zip`` archive, a single seed file, or an fsspec URL of any of
    these (``memory://corpus``, ``file:///data/corpus.zip``, ...). Corpus order is: valid names
    by ``(seq, id, path, member)``, then every file whose name is not valid, by path. Raises
    :class:`~corpus.errors.CorpusError` when the source itself cannot be read (missing, or a
    corrupt archive); problems with single files become rejects. ``progress`` is called with
    the number of entries listed since its last call, every few thousand (a folder of a
    million files takes seconds to list): a progress bar's ``update``.
    """
    _check_limit(max_file_bytes)
    text = os.fspath(source)
    out = _Collector(max_file_bytes, progress)
    try:
        if _is_url(text):
            fs, root = _url_to_fs(text)
            protocols = (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
            if "file" in protocols or "local" in protocols:
                return scan(root, max_file_bytes=max_file_bytes, progress=progress)
            return _scan_url(text, fs, root, out)
        if os.path.isdir(text):
            _scan_local_dir(text, out)
            return out.listing(text, "directory")
        if not os.path.exists(text):
            raise CorpusError(
                f"cannot read corpus {text}: no such file or directory; pass a directory, an "
                "archive (.tar, .tar.gz, .tgz, .zip) or an fsspec URL"
            )
        real = os.path.realpath(text)
        return _scan_file(text, "file", os.stat(real).st_size, os.path.dirname(real), out)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, UnicodeDecodeError) as exc:
        raise CorpusError(
            _printable(f"cannot read archive {text}: {exc}; check that it is complete")
        ) from exc
    except OSError as exc:
        raise CorpusError(_printable(f"cannot read corpus {text}: {exc}")) from exc


def _scan_file(text: str, container: Container, size: int, root: str, out: _Collector) -> Listing:
    kind = _archive_container(text)
    if kind == "tar":
        _scan_tar(text, out)
        return out.listing(text, "archive")
    if kind == "zip":
        _scan_zip(text, out)
        return out.listing(text, "archive")
    out.add(FileRef(text, container, size=size, root=root))
    return out.listing(text, "file")


# -- reading --------------------------------------------------------------------------------


class _Archives:
    """Open archive handles kept for one pass, so members are not re-opened one by one.

    An uncompressed tar or a zip is read at the members' offsets. A compressed tar cannot be
    read at an offset, so it is read once, in one streaming pass, when its first member is
    needed: the data of the members this pass will read (``wanted``: each at most the size limit
    plus one byte, since larger ones were refused when listed) is copied into a temporary file,
    and every other member is decompressed only to be skipped, never stored. So the temporary
    file holds no more than the members being read, whatever else the archive holds.
    """

    def __init__(self, wanted: Iterable[Entry], limit: int) -> None:
        self._stack = ExitStack()
        self._limit = limit
        self._wanted: dict[str, set[int]] = {}
        for entry in wanted:
            if isinstance(entry, FileRef) and entry.container == "tar" and entry.compression:
                self._wanted.setdefault(entry.path, set()).add(entry.offset)
        self._tars: dict[str, IO[bytes]] = {}
        self._spools: dict[str, tuple[IO[bytes], dict[int, tuple[int, int]], str]] = {}
        self._zips: dict[str, tuple[zipfile.ZipFile, dict[int, zipfile.ZipInfo]]] = {}

    def __enter__(self) -> _Archives:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def tar(self, ref: FileRef) -> bytes | Reject:
        """The member's data, at most ``min(size, limit + 1)`` bytes."""
        want = min(ref.size, self._limit + 1)
        if not ref.compression:
            handle = self._tars.get(ref.path)
            if handle is None:
                handle = self._stack.enter_context(_open_stream(ref.path, ""))
                self._tars[ref.path] = handle
            handle.seek(ref.offset)
            return handle.read(want)
        spooled = self._spools.get(ref.path)
        if spooled is None:
            spooled = self._spool(ref)
            self._spools[ref.path] = spooled
        spool, index, failure = spooled
        found = index.get(ref.offset)
        if found is None:
            if failure:
                return _reject(ref.where, "unreadable",
                               f"cannot read the archive up to this member: {failure}; check "
                               "that the archive is complete")
            return _reject(ref.where, "unreadable",
                           "the archive changed since it was listed: the member is gone; list "
                           "it again")
        position, length = found
        spool.seek(position)
        return spool.read(min(length, want))

    def _spool(self, ref: FileRef) -> tuple[IO[bytes], dict[int, tuple[int, int]], str]:
        wanted = self._wanted.get(ref.path, set()) | {ref.offset}
        # Closed by the ExitStack with the rest of the pass's handles.
        spool = self._stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
        index: dict[int, tuple[int, int]] = {}
        failure = ""
        try:
            with _open_stream(ref.path, ref.compression) as stream, tarfile.open(
                fileobj=stream, mode="r|"
            ) as archive:
                for member in archive:
                    if member.offset_data not in wanted or not member.isreg():
                        continue
                    source = archive.extractfile(member)
                    if source is None:
                        continue
                    position = spool.tell()
                    left = min(member.size, self._limit + 1)
                    while left > 0:
                        chunk = source.read(min(left, _COPY_CHUNK))
                        if not chunk:
                            break
                        spool.write(chunk)
                        left -= len(chunk)
                    index[member.offset_data] = (position, spool.tell() - position)
                    if len(index) == len(wanted):
                        break
        except (OSError, EOFError, tarfile.TarError, zlib.error, lzma.LZMAError) as exc:
            failure = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return spool, index, failure

    def zip(self, ref: FileRef) -> tuple[zipfile.ZipFile, dict[int, zipfile.ZipInfo]]:
        cached = self._zips.get(ref.path)
        if cached is None:
            import fsspec

            raw = self._stack.enter_context(fsspec.open(ref.path, "rb"))
            archive = self._stack.enter_context(zipfile.ZipFile(raw))
            cached = (archive, {info.header_offset: info for info in archive.infolist()})
            self._zips[ref.path] = cached
        return cached


def _read_local(ref: FileRef, limit: int) -> bytes | Reject:
    real = os.path.realpath(ref.path)
    if ref.root and not _within(real, ref.root):
        return _reject(ref.where, "outside-root",
                       "the file now resolves outside the corpus root (a link changed since the "
                       "corpus was listed); it was not read")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(real, flags)
    with open(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return _reject(ref.where, "not-regular",
                           "not a regular file; it was not read: remove it from the corpus")
        data = handle.read(limit + 1)
        if len(data) > limit:
            return _too_large(ref.where, max(os.fstat(fd).st_size, len(data)), limit)
        return data


def _read_bytes(ref: FileRef, limit: int, archives: _Archives) -> bytes | Reject:
    if ref.container == "file":
        return _read_local(ref, limit)
    if ref.container == "url":
        import fsspec

        with fsspec.open(ref.path, "rb") as handle:
            data: bytes = handle.read(limit + 1)
            return data
    if ref.container == "tar":
        return archives.tar(ref)
    archive, infos = archives.zip(ref)
    info = infos.get(ref.offset)
    if info is None:
        return _reject(ref.where, "unreadable",
                       "the archive changed since it was listed: the member is gone; list it again")
    problem = _zip_member_problem(info)
    if problem:
        return _reject(ref.where, "unreadable", problem)
    with archive.open(info) as member:
        return member.read(limit + 1)


def _read_checked(ref: FileRef, limit: int, archives: _Archives) -> bytes | Reject:
    try:
        data = _read_bytes(ref, limit, archives)
    except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError, zlib.error,
            lzma.LZMAError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return _reject(ref.where, "unreadable",
                       f"cannot read the file: {reason}; check that it exists and is readable")
    if isinstance(data, Reject):
        return data
    if len(data) > limit:
        return _too_large(ref.where, None, limit)
    if ref.container == "tar" and len(data) < ref.size:
        return _reject(ref.where, "unreadable",
                       f"archive member is truncated ({len(data)} of {ref.size} bytes); "
                       "check that the archive is complete")
    return data


def parse_ref(ref: FileRef, data: bytes) -> Document | Reject:
    """Parse the bytes ``data`` read for ``ref``: its document, or the reject saying why not.

    ``read_raw`` followed by ``parse_ref`` is ``read_entries``; the split lets a caller skip
    parsing bytes whose results it already knows (an incremental build's cache).
    """
    try:
        return parse(data, ref.path, member=ref.member)
    except FormatError as exc:
        return exc.reject


def _read_one(ref: FileRef, limit: int, archives: _Archives) -> Document | Reject:
    data = _read_checked(ref, limit, archives)
    return data if isinstance(data, Reject) else parse_ref(ref, data)


def read_raw(
    entries: Iterable[Entry], *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> Iterator[bytes | Reject]:
    """Read listing entries in order without parsing them: each file's bytes, or the reject of
    a file that could not be read (rejects of the listing pass through). Archives are opened
    once per call. Parse the bytes with :func:`parse_ref`."""
    _check_limit(max_file_bytes)
    entries = list(entries)
    with _Archives(entries, max_file_bytes) as archives:
        for entry in entries:
            yield entry if isinstance(entry, Reject) else _read_checked(entry, max_file_bytes,
                                                                        archives)


def read_entries(
    entries: Iterable[Entry],
    *,
    strict: bool = False,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> Iterator[Document | Reject]:
    """Read listing entries in order: a document or a reject for each (rejects pass through).

    This is the unit of work of a sharded run: map it over :meth:`Listing.shards` and
    concatenate. Archives are opened once per call. With ``strict`` the first reject is raised
    as :class:`~corpus.errors.FormatError` instead of being yielded.
    """
    _check_limit(max_file_bytes)
    entries = list(entries)
    with _Archives(entries, max_file_bytes) as archives:
        for entry in entries:
            outcome = (
                entry if isinstance(entry, Reject) else _read_one(entry, max_file_bytes, archives)
            )
            if strict and isinstance(outcome, Reject):
                raise _as_error(outcome)
            yield outcome


def read_ref(ref: FileRef, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Document | Reject:
    """Read and parse one file: its document, or the reject that says why it was refused."""
    _check_limit(max_file_bytes)
    with _Archives((ref,), max_file_bytes) as archives:
        return _read_one(ref, max_file_bytes, archives)


def _as_error(reject: Reject) -> FormatError:
    return FormatError(reject.path, reject.line, reject.rule, reject.message, reject.offset)


class Reader:
    """The documents of one corpus, read in corpus order, with running counts.

    Iterating starts a new pass (re-listing the source) and resets the counts, so a reader can
    be iterated again, e.g. by a stage that needs two passes. During and after a pass,
    ``files_seen == documents + len(rejects)``. In strict mode the first rejected file raises
    :class:`~corpus.errors.FormatError` (after being counted); otherwise it is recorded in
    :attr:`rejects` and reading goes on. ``files_listed`` is the number of files the current
    pass found to read (for progress bars), known once iteration has started.
    """

    def __init__(
        self,
        source: str | os.PathLike[str],
        *,
        strict: bool = False,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    ) -> None:
        _check_limit(max_file_bytes)
        self.source = os.fspath(source)
        self.strict = strict
        self.max_file_bytes = max_file_bytes
        self.files_seen = 0
        self.files_listed = 0
        self.documents = 0
        self.rejects: list[Reject] = []
        self.skipped: list[Skipped] = []

    def __iter__(self) -> Iterator[Document]:
        listing = scan(self.source, max_file_bytes=self.max_file_bytes)
        self.files_seen, self.documents = 0, 0
        self.files_listed = len(listing.entries)
        self.rejects, self.skipped = [], list(listing.skipped)
        for outcome in read_entries(listing.entries, max_file_bytes=self.max_file_bytes):
            self.files_seen += 1
            if isinstance(outcome, Reject):
                self.rejects.append(outcome)
                if self.strict:
                    raise _as_error(outcome)
                continue
            self.documents += 1
            yield outcome

    def report(self) -> ReadReport:
        """A frozen snapshot of the counts of the current (or last) pass."""
        return ReadReport(
            source=self.source,
            files_seen=self.files_seen,
            documents=self.documents,
            rejects=tuple(self.rejects),
            skipped=tuple(self.skipped),
        )

    def __repr__(self) -> str:
        return (
            f"Reader({self.source!r}, strict={self.strict}, files_seen={self.files_seen}, "
            f"documents={self.documents}, rejects={len(self.rejects)})"
        )


def read(
    source: str | os.PathLike[str],
    *,
    strict: bool = False,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> Reader:
    """Stream the documents of a corpus: a directory, an archive, a single file or a URL.

    Returns a :class:`Reader` (iterate it for documents; it counts files seen, documents and
    rejects as it goes). Lenient by default: a file that breaks the format is recorded as a
    :class:`~corpus.errors.Reject` and reading continues; ``strict=True`` raises its
    :class:`~corpus.errors.FormatError` instead. Nothing is read until iteration starts.
    """
    return Reader(source, strict=strict, max_file_bytes=max_file_bytes)
