"""The build's per-shard stages: plain, picklable functions of a task value.

:func:`prepare` is the map that does each document's work once: read and parse the shard's
files, make their paths relative to the corpus root, normalise, and index them for dedup
(:class:`~corpus.dedup.phases.ShardIndexer`). It writes the normalised rows to
``docs-S.parquet`` in the work folder (with each row's digest, for the fingerprint) and
returns a :class:`PreparedShard`: the shard's input files as columns (for the manifest) and
its rejects. With an incremental build's cache, a file whose bytes are known is neither
parsed nor normalised, and one whose stat is unchanged since it was hashed is not even
read. :func:`hash_inputs` only hashes files, to tell whether a release is up to date;
:func:`list_inputs` reads and parses them (``corpus validate``).

A failure while working on a file raises :class:`StageError` naming that file.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Protocol, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from corpus.dedup.config import DedupConfig
from corpus.dedup.phases import TEXT_KIND, IndexedShard, IndexEntry, ShardIndexer
from corpus.errors import CorpusError, Reject, StageError
from corpus.format.parser import render
from corpus.pipeline.cache import Cache
from corpus.pipeline.reuse import REUSED_SCHEMA, reused_path
from corpus.publish.compare import row_json
from corpus.publish.manifest import INPUTS_SCHEMA
from corpus.reader import DEFAULT_MAX_FILE_BYTES, Entry, FileRef, parse_ref, read_raw
from corpus.records import Document, SourceRef
from corpus.schema import SCHEMA, to_row
from corpus.text.normalize import STREAM_BATCH, NormalizeConfig, normalize, normalize_batch

__all__ = [
    "UNREAD_RULES",
    "WORK_SCHEMA",
    "Accepted",
    "HashTask",
    "ListTask",
    "PrepareTask",
    "PreparedShard",
    "Rejected",
    "Relativize",
    "StageError",
    "cache_key",
    "docs_path",
    "hash_inputs",
    "list_inputs",
    "prepare",
    "read_work_from",
    "row_digest",
]

T = TypeVar("T")

#: Rows per row group of the work files (small: the writer re-reads them a batch at a time).
_WORK_ROW_GROUP = 512


class Relativize(Protocol):
    """Rewrites a document's or reject's paths relative to the corpus root (picklable)."""

    def path(self, path: str) -> str: ...

    def document(self, doc: Document) -> Document: ...

    def reject(self, reject: Reject) -> Reject: ...


@dataclass(frozen=True, slots=True)
class Accepted:
    """An accepted input file: where it is (relative), its SHA-256, size in bytes and id."""

    path: str
    sha256: str
    bytes: int
    id: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """A rejected input file: the reject (paths relative), the listing entry it came from, and
    the SHA-256 and size of the bytes read for it.

    Whatever holds the file (a folder, an archive, a URL), a reject whose bytes were read has
    their digest: the manifest records it, and the up-to-date check compares it, so a rejected
    file whose bytes change is built again. A file refused without reading (on sight, or
    unreadable: :data:`UNREAD_RULES`) has ``""`` and 0.
    """

    reject: Reject
    entry: Entry
    sha256: str = ""
    bytes: int = 0


Outcome = Accepted | Rejected


#: The work files' schema: a release row plus the digest of its canonical JSON
#: (:func:`row_digest`), which the writer folds into the release's fingerprint.
WORK_SCHEMA: pa.Schema = pa.schema([*SCHEMA, pa.field("row_digest", pa.binary(16),
                                                      nullable=False)])

#: Rejects whose file the reader did not read (unsafe or unreadable): never hashed.
UNREAD_RULES = frozenset(
    {"outside-root", "broken-link", "symlink-loop", "not-regular", "unreadable", "unsafe-path",
     "too-large"}
)


@dataclass(frozen=True, slots=True)
class PreparedShard:
    """What :func:`prepare` did with one shard: its input files (in corpus order, as the
    columns of :data:`~corpus.publish.manifest.INPUTS_SCHEMA`), its rejects, the dedup index
    it wrote, and how many files it parsed and normalised (the others came from the cache)."""

    shard: int
    inputs: pa.Table
    rejects: tuple[Rejected, ...]
    index: IndexedShard
    parsed: int = 0
    normalised: int = 0
    #: Documents whose rows are not in the work file: the writer takes them from the previous
    #: release (listed in ``reused-S.arrow``, see :mod:`corpus.pipeline.reuse`).
    reused: int = 0

    @property
    def documents(self) -> int:
        return self.index.documents


@dataclass(frozen=True, slots=True)
class ListTask:
    """Read and parse one shard of the listing (no normalising, nothing written)."""

    shard: int
    entries: tuple[Entry, ...]
    relativize: Relativize
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES


@dataclass(frozen=True, slots=True)
class PrepareTask:
    """Read, parse, normalise and index one shard of the listing into ``work``."""

    shard: int
    entries: tuple[Entry, ...]
    relativize: Relativize
    work: str
    normalize: NormalizeConfig
    dedup: DedupConfig
    partitions: int
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    cache: Cache | None = None
    #: Leave the rows of cache hits out of the work file (the writer takes them from the
    #: previous release) and list them in ``reused-S.arrow`` instead.
    reuse: bool = False
    #: The SHA-256 of each entry as the up-to-date check just found it (empty where unknown),
    #: or ``None``: then each file's stat is looked up in the cache.
    digests: tuple[str, ...] | None = None


def docs_path(work: str, shard: int) -> str:
    """The work file holding shard ``shard``'s normalised rows."""
    return os.path.join(work, f"docs-{shard:05d}.parquet")


def _where(entry: Entry) -> str:
    return entry.where if isinstance(entry, FileRef) else entry.path


def _rejected(found: Reject, entry: Entry, data: bytes | None) -> Rejected:
    """The :class:`Rejected` of ``entry`` (``found``: its reject, paths relative), with the
    digest and size of ``data``, the bytes read for it (``None``: not read)."""
    if data is None or found.rule in UNREAD_RULES:
        return Rejected(found, entry)
    return Rejected(found, entry, hashlib.sha256(data).hexdigest(), len(data))


def _outcomes(entries: tuple[Entry, ...], relativize: Relativize, max_file_bytes: int,
              each: Callable[[Document], None] | None = None) -> Iterator[Outcome]:
    """Each entry's outcome, in order; ``each`` gets every accepted (relative) document.

    The bytes are read, then parsed (as :func:`~corpus.reader.read_entries` does), so that a
    file rejected by the parser has the digest of what was read, as in :func:`prepare`."""
    for entry, data in zip(entries, read_raw(entries, max_file_bytes=max_file_bytes),
                           strict=True):
        if isinstance(data, Reject):
            yield _rejected(relativize.reject(data), entry, None)
            continue
        assert isinstance(entry, FileRef)  # the listing's rejects pass through as rejects
        outcome = parse_ref(entry, data)
        if isinstance(outcome, Reject):
            yield _rejected(relativize.reject(outcome), entry, data)
            continue
        doc = relativize.document(outcome)
        try:
            size = len(render(doc))
            if each is not None:
                each(doc)
        except CorpusError as exc:
            raise StageError(f"{doc.source}: {exc}") from None
        except Exception as exc:
            raise StageError(f"{doc.source}: {type(exc).__name__}: {exc}") from exc
        yield Accepted(str(doc.source), doc.raw_sha256, size, doc.id)


def list_inputs(task: ListTask) -> tuple[Outcome, ...]:
    """The outcome of every file of the shard, read and parsed only."""
    return tuple(_outcomes(task.entries, task.relativize, task.max_file_bytes))


class _RowWriter:
    """Normalised rows of one shard, with their digests, into its work file (as Arrow tables
    of :data:`WORK_SCHEMA`), about a row group at a time."""

    def __init__(self, path: str) -> None:
        self._writer = pq.ParquetWriter(path, WORK_SCHEMA, compression="lz4")
        self._tables: list[pa.Table] = []
        self._rows = 0

    def write(self, table: pa.Table) -> None:
        self._tables.append(table)
        self._rows += table.num_rows
        if self._rows >= _WORK_ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        if self._tables:
            self._writer.write_table(pa.concat_tables(self._tables).combine_chunks())
            self._tables, self._rows = [], 0

    def close(self) -> None:
        self.flush()
        self._writer.close()


class _Reused:
    """The shard's documents whose rows the writer takes from the previous release: each
    one's position in the shard, cache key and row digest (:data:`REUSED_SCHEMA`)."""

    def __init__(self) -> None:
        self.positions: list[int] = []
        self.keys: list[bytes] = []
        self.digests: list[bytes] = []

    def add(self, position: int, key: bytes, digest: bytes) -> None:
        self.positions.append(position)
        self.keys.append(key)
        self.digests.append(digest)

    def write(self, path: str) -> None:
        table = pa.Table.from_arrays(
            [pa.array(self.positions, pa.int32()), pa.array(self.keys, pa.binary(16)),
             pa.array(self.digests, pa.binary(16))], schema=REUSED_SCHEMA)
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, REUSED_SCHEMA) as out:
            out.write_table(table)


def _named(doc: Document, work: Callable[[], T]) -> T:
    """``work()``, with a failure turned into a :class:`StageError` naming ``doc``'s file."""
    try:
        return work()
    except CorpusError as exc:
        raise StageError(f"{doc.source}: {exc}") from None
    except Exception as exc:
        raise StageError(f"{doc.source}: {type(exc).__name__}: {exc}") from exc


def cache_key(sha256: str, name: str) -> bytes:
    """What a document's cached results are filed under: its raw bytes and its file name."""
    return hashlib.blake2b(f"{sha256}\0{name}".encode("utf-8", "surrogatepass"),
                           digest_size=16).digest()


def _file_name(path: str, member: str) -> str:
    """The file name of a document from ``path`` (and ``member``): :attr:`Document.name`."""
    return (member or path).replace("\\", "/").rsplit("/", 1)[-1]


def _name_of(ref: FileRef) -> str:
    """The file name a document read from ``ref`` gets."""
    return _file_name(ref.path, ref.member)


def row_digest(row: dict[str, Any]) -> bytes:
    """The 16-byte digest of a release row's canonical JSON (what the fingerprint folds in)."""
    return hashlib.blake2b(row_json(row), digest_size=16).digest()


class _Inputs:
    """The shard's input files, as columns (:data:`INPUTS_SCHEMA`)."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in INPUTS_SCHEMA.names}

    def add(self, path: str, sha256: str, size: int, accepted: bool, doc_id: str = "",
            rule: str = "") -> None:
        for name, value in zip(INPUTS_SCHEMA.names, (
                path.encode("utf-8", "surrogatepass"), sha256, size, accepted, doc_id, rule),
                strict=True):
            self.columns[name].append(value)

    def table(self) -> pa.Table:
        return pa.Table.from_pydict(self.columns, schema=INPUTS_SCHEMA)


#: What the cache keeps per document under kind ``doc``: its dedup index entry, the size of the
#: rendered file, the source its row (and the row's digest) were made with, its id, seq,
#: article text (for the dedup index) and row digest. Under kind ``row`` it keeps the row
#: itself (a one-row :data:`WORK_SCHEMA` record batch, serialised: no Python row to rebuild on
#: a hit), read only when the row is not taken from the previous release: such a hit then
#: decompresses less than half the bytes it did.
_Cached = tuple[IndexEntry, int, tuple[str, str], str, int, bytes]


def _hit_row(row: bytes, made_with: tuple[str, str], source: tuple[str, str]) -> pa.Table:
    """The cached work-file ``row`` (made with source ``made_with``), with its source (and
    digest) made ``source``."""
    table = pa.Table.from_batches([pa.ipc.read_record_batch(pa.py_buffer(row), WORK_SCHEMA)])
    if source == made_with:
        return table
    moved = table.drop_columns(["row_digest"]).to_pylist()[0]
    moved["source"] = {"path": source[0], "member": source[1]}
    return pa.Table.from_pylist([{**moved, "row_digest": row_digest(moved)}], schema=WORK_SCHEMA)


def _read_chunk(chunk: Sequence[Entry], cache: Cache | None, limit: int,
                digests: Sequence[str] | None = None
                ) -> tuple[list[bytes | Reject | None], list[str], list[bytes], dict[bytes, Any]]:
    """Each entry's bytes (``None``: a cache hit, not read), SHA-256 and document cache key,
    and the cache hits by key.

    A file whose stat identity and cached results are known is not read at all; every other
    one is read and hashed, and its results looked up by the digest of what was read.
    ``digests``: the chunk's digests as the up-to-date check found them, in place of the
    stat look-up.
    """
    known = _KnownDigests(cache if digests is None else None, chunk, limit)
    if digests is not None:
        known.digests = list(digests)
    keys = [cache_key(sha, _name_of(entry)) if sha and isinstance(entry, FileRef) else b""
            for entry, sha in zip(chunk, known.digests, strict=True)]
    hits: dict[bytes, Any] = cache.get("doc", [k for k in keys if k]) if cache else {}
    unread = [k for k, key in enumerate(keys) if key not in hits]
    raws: list[bytes | Reject | None] = [None] * len(chunk)
    looked_up = set(hits) | {keys[k] for k in unread}
    for k, data in zip(unread, read_raw([chunk[k] for k in unread], max_file_bytes=limit),
                       strict=True):
        raws[k] = data
        if isinstance(data, bytes):
            known.learn(k, hashlib.sha256(data).hexdigest())
            entry = chunk[k]
            assert isinstance(entry, FileRef)
            keys[k] = cache_key(known.digests[k], _name_of(entry))
        else:
            known.digests[k], keys[k] = "", b""
    if cache is not None:
        hits.update(cache.get("doc", [keys[k] for k in unread
                                      if keys[k] and keys[k] not in looked_up]))
    known.save()
    return raws, known.digests, keys, hits


def prepare(task: PrepareTask) -> PreparedShard:
    """Read, parse, normalise and index every file of the shard (each document's work, once).

    With a cache, a file whose bytes were seen before (same bytes, same name, same settings and
    versions) is neither parsed nor normalised: its row, index entry and size come from the
    cache. Files are read a batch at a time, and a batch's cache entries are fetched in one go.
    """
    writer = _RowWriter(docs_path(task.work, task.shard))
    reused = _Reused()
    cache = task.cache
    inputs = _Inputs()
    rejects: list[Rejected] = []
    waiting: dict[int, tuple[bytes, int, tuple[str, str], str, int, bytes]] = {}
    fresh: list[tuple[bytes, _Cached]] = []
    fresh_rows: list[tuple[bytes, bytes]] = []
    parsed = normalised = 0

    def computed(position: int, entry: IndexEntry) -> None:
        key, size, source, doc_id, seq, digest = waiting.pop(position)
        fresh.append((key, (entry, size, source, doc_id, seq, digest)))

    def reject(entry: Entry, found: Reject, data: bytes | None) -> None:
        rejected = _rejected(task.relativize.reject(found), entry, data)
        rejects.append(rejected)
        inputs.add(rejected.reject.path, rejected.sha256, rejected.bytes, False,
                   rule=rejected.reject.rule)

    def flush(indexer: ShardIndexer, batch: list[tuple[Document | None, bytes, Any, int]]
              ) -> None:
        """Normalise the batch's new documents in one call, write the batch's rows (new ones
        converted to Arrow in one go, cached ones as they were cached), then index the batch,
        all in corpus order."""
        nonlocal normalised
        misses = [doc for doc, _, hit, _ in batch if hit is None and doc is not None]
        normalised += len(misses)
        try:
            done = iter(normalize_batch(misses, task.normalize))
        except Exception:
            for miss in misses:  # find the document that fails, and name it
                _named(miss, partial(normalize, miss, task.normalize))
            raise
        made: list[tuple[Document, dict[str, Any]]] = []
        for doc, _, hit, _ in batch:
            if hit is None:
                assert doc is not None
                normalised_doc: Document = next(done)
                row = _named(doc, partial(to_row, normalised_doc))
                made.append((normalised_doc, {**row, "row_digest": row_digest(row)}))
        new = pa.Table.from_pylist([row for _, row in made], schema=WORK_SCHEMA)
        # The cached rows this batch writes to its work file (those not reused).
        wanted = [key for _, key, hit, _ in batch
                  if hit is not None and not (task.reuse and hit[1] == hit[0][2])]
        rows = cache.get("row", wanted) if cache is not None and wanted else {}
        pieces: list[pa.Table] = []
        taken = 0
        for doc, key, hit, size in batch:
            if hit is not None:
                cached, source = hit
                if task.reuse and source == cached[2]:
                    # The row is the previous release's: only its place is written down.
                    reused.add(indexer.count, key, cached[5])
                else:
                    if key not in rows:
                        raise StageError(
                            f"{SourceRef(*source)}: the cache "
                            f"({cache.path if cache is not None else ''}) has this document's "
                            "results but not its row; delete the cache folder and build again")
                    pieces.append(_hit_row(rows[key], cached[2], source))
                indexer.add_entry(cached[3], _file_name(*source), str(SourceRef(*source)),
                                  cached[4], cached[0], key)
                continue
            assert doc is not None
            normalised_doc, row = made[taken]
            piece = new.slice(taken, 1)
            taken += 1
            pieces.append(piece)
            if cache is not None:
                source = row["source"]
                fresh_rows.append((key, piece.to_batches()[0].serialize().to_pybytes()))
                waiting[indexer.count] = (
                    key, size, (source["path"], source["member"]), row["id"], row["seq"],
                    row["row_digest"])
            _named(doc, partial(indexer.add, normalised_doc))
        if pieces:
            writer.write(pa.concat_tables(pieces))
        batch.clear()

    try:
        with ShardIndexer(task.work, task.shard, task.dedup, task.partitions,
                          computed if cache is not None else None, cache) as indexer:
            batch: list[tuple[Document | None, bytes, Any, int]] = []
            for start in range(0, len(task.entries), STREAM_BATCH):
                chunk = task.entries[start:start + STREAM_BATCH]
                raws, shas, keys, hits = _read_chunk(
                    chunk, cache, task.max_file_bytes,
                    None if task.digests is None else task.digests[start:start + STREAM_BATCH])
                for entry, data, sha, key in zip(chunk, raws, shas, keys, strict=True):
                    if isinstance(data, Reject):
                        reject(entry, data, None)
                        continue
                    assert isinstance(entry, FileRef)
                    hit: _Cached | None = hits.get(key)
                    if hit is not None:
                        size = hit[1]
                        path = task.relativize.path(entry.path)
                        inputs.add(str(SourceRef(path, entry.member)), sha, size, True, hit[3])
                        batch.append((None, key, (hit, (path, entry.member)), size))
                    else:
                        parsed += 1
                        assert data is not None  # only cache hits are left unread
                        doc = parse_ref(entry, data)
                        if isinstance(doc, Reject):
                            reject(entry, doc, data)
                            continue
                        doc = task.relativize.document(doc)
                        size = len(_named(doc, partial(render, doc)))
                        inputs.add(str(doc.source), doc.raw_sha256, size, True, doc.id)
                        batch.append((doc, key, None, size))
                    if len(batch) >= STREAM_BATCH:
                        flush(indexer, batch)
            flush(indexer, batch)
            index = indexer.close()
    finally:
        writer.close()
    if reused.positions:
        reused.write(reused_path(task.work, task.shard))
    if cache is not None:
        # first: a document's entry never lacks its row or its text. The text is kept apart
        # from the entry, so that a rebuild reads only what it needs of every cached document
        # (its signatures) and the text of the few a later phase reads.
        cache.put("row", fresh_rows)
        cache.put(TEXT_KIND, ((key, value[0].record) for key, value in fresh))
        cache.put("doc", [(key, (replace(value[0], record=b""), *value[1:]))
                          for key, value in fresh])
    return PreparedShard(task.shard, inputs.table(), tuple(rejects), index, parsed, normalised,
                         len(reused.positions))


@dataclass(frozen=True, slots=True)
class HashTask:
    """Hash the bytes of one shard of the listing (nothing parsed, nothing written).

    With a ``cache``, a file whose stat identity was hashed before is not read again."""

    shard: int
    entries: tuple[Entry, ...]
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    cache: Cache | None = None


def hash_inputs(task: HashTask) -> list[str]:
    """The SHA-256 of every file of the shard, in order; empty for one that cannot be read."""
    known = _KnownDigests(task.cache, task.entries, task.max_file_bytes)
    unknown = [k for k, digest in enumerate(known.digests) if not digest]
    read = read_raw([task.entries[k] for k in unknown], max_file_bytes=task.max_file_bytes)
    for k, data in zip(unknown, read, strict=True):
        if isinstance(data, bytes):
            known.learn(k, hashlib.sha256(data).hexdigest())
    known.save()
    return known.digests


#: A file changed less than this long before it was hashed is hashed again by the next build:
#: within a timestamp's granularity it could still change without its stat showing it (the
#: "racy" case of git's index).
_SETTLE_NS = 2_000_000_000


def _identity(entry: Entry, limit: int, now_ns: int, folders: dict[str, str]
              ) -> tuple[bytes, bool] | None:
    """The stat identity of a local regular file and whether it is settled.

    The identity is a digest of the file's real path, device, inode, size, modification and
    status-change times: a key that changes whenever the bytes can have changed (writing a
    file sets its modification time, and anything that sets that time back changes the
    status-change time). *Settled* means last changed at least :data:`_SETTLE_NS` before
    ``now_ns`` (taken before any file of the batch was read), so a digest read now may be
    filed under it. ``None`` for what stat cannot vouch for and reading would judge: not a
    local file, gone, not a regular file, larger than ``limit``, or resolving outside the
    corpus root. ``folders`` keeps the real path of each folder seen (resolving a path costs
    more than the stat; a file that is itself a link is resolved whole).
    """
    if not isinstance(entry, FileRef) or entry.container != "file":
        return None
    try:
        folder, name = os.path.split(entry.path)
        real_folder = folders.get(folder)
        if real_folder is None:
            real_folder = folders[folder] = os.path.realpath(folder)
        real = os.path.join(real_folder, name)
        info = os.lstat(real)
        if stat.S_ISLNK(info.st_mode):
            real = os.path.realpath(entry.path)
            info = os.stat(real)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit or (
            entry.root and not _under(real, entry.root)):
        return None
    key = hashlib.blake2b(
        f"{real}\0{info.st_dev}\0{info.st_ino}\0{info.st_size}\0{info.st_mtime_ns}\0"
        f"{info.st_ctime_ns}".encode("utf-8", "surrogatepass"), digest_size=16).digest()
    return key, max(info.st_mtime_ns, info.st_ctime_ns) < now_ns - _SETTLE_NS


def _under(path: str, root: str) -> bool:
    """Whether the real ``path`` is ``root`` or inside it (a real path too). A prefix test
    first (``os.path.commonpath`` costs about half of a file's stat identity), the common path
    where it does not settle it."""
    prefix = root if root.endswith(os.sep) else root + os.sep
    return path == root or path.startswith(prefix) or os.path.commonpath([path, root]) == root


class _KnownDigests:
    """The SHA-256 of those ``entries`` whose stat identity an earlier build recorded in the
    cache (``digests``: empty where unknown); :meth:`learn` a digest read now and
    :meth:`save` the settled ones for the next build. Without a cache nothing is known.

    This is what lets an incremental build skip reading unchanged files, as ``make`` and
    ``git status`` do: a file is read when its stat changed, and its digest, hence its cached
    results, is otherwise taken as recorded.
    """

    def __init__(self, cache: Cache | None, entries: Sequence[Entry], limit: int) -> None:
        self._cache = cache
        self.digests = [""] * len(entries)
        self._identities: list[tuple[bytes, bool] | None] = []
        self._learnt: list[tuple[bytes, str]] = []
        if cache is None:
            return
        now = time.time_ns()
        folders: dict[str, str] = {}
        self._identities = [_identity(entry, limit, now, folders) for entry in entries]
        known = cache.get("stat", [i[0] for i in self._identities if i is not None])
        for k, identity in enumerate(self._identities):
            if identity is not None:
                self.digests[k] = known.get(identity[0], "")

    def learn(self, position: int, digest: str) -> None:
        """The digest of the bytes read now for entry ``position``."""
        if digest == self.digests[position]:
            return
        self.digests[position] = digest
        identity = self._identities[position] if self._identities else None
        if identity is not None and identity[1]:
            self._learnt.append((identity[0], digest))

    def save(self) -> None:
        if self._cache is not None and self._learnt:
            self._cache.put("stat", self._learnt)
            self._learnt = []


def read_work_from(work: str, shard: int, skip: int, batch_size: int = 512
                   ) -> Iterator[pa.RecordBatch]:
    """The rows of shard ``shard``'s work file (:data:`WORK_SCHEMA`) after the first ``skip``,
    in order, a batch at a time: the row groups before them are not read."""
    source = pq.ParquetFile(docs_path(work, shard))
    group = 0
    while group < source.metadata.num_row_groups and (
            skip >= (rows := source.metadata.row_group(group).num_rows)):
        skip -= rows
        group += 1
    for batch in source.iter_batches(batch_size=batch_size,
                                     row_groups=range(group, source.metadata.num_row_groups)):
        if skip:
            batch, skip = batch.slice(skip), max(0, skip - batch.num_rows)
        if batch.num_rows:
            yield batch
