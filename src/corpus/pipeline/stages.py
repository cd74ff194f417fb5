"""The build's per-shard stages: plain, picklable functions of a task value.

:func:`prepare` is the map that does each document's work once: read and parse the shard's
files, make their paths relative to the corpus root, normalise, and index them for dedup
(:class:`~corpus.dedup.phases.ShardIndexer`). It writes the normalised rows to
``docs-S.parquet`` in the work folder and returns a :class:`PreparedShard`: one small entry
per input file (for the manifest) and the rejects. :func:`list_inputs` is the light variant
that only reads and parses, to tell whether a release is up to date.

A failure while working on a file raises :class:`StageError` naming that file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from corpus.dedup.config import DedupConfig
from corpus.dedup.phases import IndexedShard, IndexEntry, ShardIndexer
from corpus.errors import CorpusError, Reject
from corpus.format.parser import render
from corpus.pipeline.cache import Cache
from corpus.reader import DEFAULT_MAX_FILE_BYTES, Entry, FileRef, read_entries
from corpus.records import Document
from corpus.schema import SCHEMA, to_row
from corpus.text.normalize import STREAM_BATCH, NormalizeConfig, normalize, normalize_batch

__all__ = [
    "Accepted",
    "ListTask",
    "PrepareTask",
    "PreparedShard",
    "Rejected",
    "Relativize",
    "StageError",
    "docs_path",
    "list_inputs",
    "prepare",
]

T = TypeVar("T")

#: Rows per row group of the work files (small: the writer re-reads them a batch at a time).
_WORK_ROW_GROUP = 512


class StageError(CorpusError):
    """A stage failed on one file; the message names the file and the cause."""


class Relativize(Protocol):
    """Rewrites a document's or reject's paths relative to the corpus root (picklable)."""

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
    """A rejected input file: the reject (paths relative) and the listing entry it came from."""

    reject: Reject
    entry: Entry


Outcome = Accepted | Rejected


@dataclass(frozen=True, slots=True)
class PreparedShard:
    """What :func:`prepare` did with one shard: an outcome per input file, in corpus order,
    and the dedup index it wrote."""

    shard: int
    outcomes: tuple[Outcome, ...]
    index: IndexedShard

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


def docs_path(work: str, shard: int) -> str:
    """The work file holding shard ``shard``'s normalised rows."""
    return os.path.join(work, f"docs-{shard:05d}.parquet")


def _where(entry: Entry) -> str:
    return entry.where if isinstance(entry, FileRef) else entry.path


def _outcomes(entries: tuple[Entry, ...], relativize: Relativize, max_file_bytes: int,
              each: Callable[[Document], None] | None = None) -> Iterator[Outcome]:
    """Each entry's outcome, in order; ``each`` gets every accepted (relative) document."""
    for entry, outcome in zip(entries, read_entries(entries, max_file_bytes=max_file_bytes),
                              strict=True):
        if isinstance(outcome, Reject):
            yield Rejected(relativize.reject(outcome), entry)
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
    """Normalised rows of one shard into its work file, a row group at a time."""

    def __init__(self, path: str) -> None:
        self._writer = pq.ParquetWriter(path, SCHEMA, compression="lz4")
        self._rows: list[dict[str, Any]] = []

    def write(self, row: dict[str, Any]) -> None:
        self._rows.append(row)
        if len(self._rows) >= _WORK_ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=SCHEMA))
            self._rows = []

    def close(self) -> None:
        self.flush()
        self._writer.close()


def _named(doc: Document, work: Callable[[], T]) -> T:
    """``work()``, with a failure turned into a :class:`StageError` naming ``doc``'s file."""
    try:
        return work()
    except CorpusError as exc:
        raise StageError(f"{doc.source}: {exc}") from None
    except Exception as exc:
        raise StageError(f"{doc.source}: {type(exc).__name__}: {exc}") from exc


def _cache_key(doc: Document) -> bytes:
    """What a document's cached results are filed under: its raw bytes and its file name."""
    return hashlib.blake2b(f"{doc.raw_sha256}\0{doc.name}".encode("utf-8", "surrogatepass"),
                           digest_size=16).digest()


def prepare(task: PrepareTask) -> PreparedShard:
    """Read, parse, normalise and index every file of the shard (each document's work, once).

    With a cache, a document read before (same bytes, same name, same settings and versions)
    takes its normalised row and index entry from it instead of being processed again.
    """
    writer = _RowWriter(docs_path(task.work, task.shard))
    cache = task.cache
    waiting: dict[int, tuple[bytes, dict[str, Any]]] = {}
    fresh: list[tuple[bytes, tuple[dict[str, Any], IndexEntry]]] = []

    def computed(position: int, entry: IndexEntry) -> None:
        key, row = waiting.pop(position)
        fresh.append((key, (row, entry)))

    # Documents wait in ``batch`` (in corpus order) so that their languages are told in one
    # call (normalize_batch); a cached document waits too, to keep the order.
    batch: list[tuple[Document, bytes, Any]] = []

    def flush(indexer: ShardIndexer) -> None:
        misses = [doc for doc, _, hit in batch if hit is None]
        try:
            done = iter(normalize_batch(misses, task.normalize))
        except Exception:
            for doc in misses:  # find the document that fails, and name it
                _named(doc, partial(normalize, doc, task.normalize))
            raise
        for doc, key, hit in batch:
            if hit is not None:
                row, entry = hit
                row["source"] = {"path": doc.source.path, "member": doc.source.member}
                writer.write(row)
                indexer.add_entry(row["id"], doc.name, str(doc.source), row["seq"],
                                  row["text"], entry)
                continue
            normalised = next(done)
            row = _named(doc, partial(to_row, normalised))
            writer.write(row)
            if cache is not None:
                waiting[indexer.count] = (key, row)
            _named(doc, partial(indexer.add, normalised))
        batch.clear()

    try:
        with ShardIndexer(task.work, task.shard, task.dedup, task.partitions,
                          computed if cache is not None else None) as indexer:

            def each(doc: Document) -> None:
                key, hit = b"", None
                if cache is not None:
                    key = _cache_key(doc)
                    hit = cache.get("doc", [key]).get(key)
                batch.append((doc, key, hit))
                if len(batch) >= STREAM_BATCH:
                    flush(indexer)

            outcomes = tuple(_outcomes(task.entries, task.relativize, task.max_file_bytes, each))
            flush(indexer)
            index = indexer.close()
    finally:
        writer.close()
    if cache is not None:
        cache.put("doc", fresh)
    return PreparedShard(task.shard, outcomes, index)


def read_rows(work: str, shards: Iterable[int], batch_size: int = 256
              ) -> Iterator[list[dict[str, Any]]]:
    """The normalised rows of ``shards``' work files, in order, a batch at a time."""
    for shard in shards:
        source = pq.ParquetFile(docs_path(work, shard))
        for batch in source.iter_batches(batch_size=batch_size):
            yield batch.to_pylist()
