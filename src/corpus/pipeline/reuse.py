"""The previous release's rows, reused by an incremental build's writer.

A document whose cached results were used (same bytes, same name, same settings and
versions) has the same row before dedup as when it was last built. When the store's latest
release was made from this cache, its data files hold that row already (``data/default/`` if
the row was kept, ``data/duplicates/`` if not, each folder in corpus order); only the dedup
columns (cluster, canonical document, relation, score) can differ, and the writer sets them
again. So the read stage does not write such a row to its work file: it
records where the document is in its shard and its cache key and digest
(:data:`REUSED_SCHEMA`, in ``reused-S.arrow``), and each write task takes the rows of its
range, batch by batch, from the previous release (:func:`rows_in_corpus_order`), from the row
group that holds its first one on. Nothing of a reused row is decoded,
copied or encoded by the read stage, and the writer decodes the release's shards instead of
the work files.

The previous release is used only when everything says its rows are the cached ones
(:func:`previous_release`): the same settings, schema and library versions in its manifest,
the digest of every one of its rows before dedup in the cache (kept there by the build that
made it, with the folder of each), and its data files with the sizes and SHA-256 its manifest
records (checked while the read stage runs, :meth:`PreviousRelease.intact`). A row that the
release does not hold (a file removed by an earlier build and now back) or holds out of order
is taken from the cache instead, as is every row when the release turns out damaged. Either
way the release written is byte-identical to a clean build.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus.errors import CorpusError
from corpus.pipeline.cache import Cache
from corpus.publish.config import results_hash
from corpus.publish.layout import config_paths
from corpus.publish.manifest import Manifest
from corpus.publish.parquet import WrittenFile
from corpus.schema import SCHEMA

__all__ = [
    "REUSED_SCHEMA",
    "PreviousRelease",
    "ReleaseFiles",
    "ReusePlan",
    "ShardRange",
    "plan_reuse",
    "previous_release",
    "reused_path",
    "rows_in_corpus_order",
]

#: A shard's documents whose rows the writer takes from the previous release: the position of
#: each among the shard's documents, its cache key and its row's digest before dedup.
REUSED_SCHEMA: pa.Schema = pa.schema([
    pa.field("position", pa.int32(), nullable=False),
    pa.field("key", pa.binary(16), nullable=False),
    pa.field("digest", pa.binary(16), nullable=False),
])

#: The dedup columns, and the values a row has before dedup (as the read stage writes it).
_DEDUP = (("cluster_id", ""), ("duplicate_of", ""), ("relation", "unique"), ("score", 0.0))
_BATCH = 512


def reused_path(work: str, shard: int) -> str:
    """The work file listing shard ``shard``'s reused documents (:data:`REUSED_SCHEMA`)."""
    return os.path.join(work, f"reused-{shard:05d}.arrow")


@dataclass(frozen=True, slots=True)
class ReleaseFiles:
    """Where a write task reads the previous release's rows: the release's folder and the
    data files of its ``default`` and ``duplicates`` folders, each in order."""

    folder: str
    kept_files: tuple[WrittenFile, ...]
    removed_files: tuple[WrittenFile, ...]


@dataclass(frozen=True, slots=True)
class PreviousRelease:
    """A release whose rows a build may reuse: the folder, the data files of each of its
    folders as its manifest records them (``default`` then ``duplicates``, each in order), the
    digest of each of its rows before dedup, in corpus order (16 bytes each), and whether each
    row was kept (its row is in ``default``; otherwise in ``duplicates``)."""

    folder: str
    kept_files: tuple[WrittenFile, ...]
    removed_files: tuple[WrittenFile, ...]
    digests: pa.Array
    kept: np.ndarray[Any, np.dtype[np.bool_]]

    @property
    def files(self) -> tuple[WrittenFile, ...]:
        """Every data file of the release."""
        return (*self.kept_files, *self.removed_files)

    @property
    def data(self) -> ReleaseFiles:
        """Its data files, without the digests: what a write task needs to read rows."""
        return ReleaseFiles(self.folder, self.kept_files, self.removed_files)

    def intact(self) -> bool:
        """Whether every data file has the size and SHA-256 the manifest records."""
        for file in self.files:
            path = Path(self.folder) / file.path
            try:
                if path.stat().st_size != file.bytes:
                    return False
                digest = hashlib.sha256()
                with path.open("rb") as handle:
                    while block := handle.read(1 << 20):
                        digest.update(block)
            except OSError:
                return False
            if digest.hexdigest() != file.sha256:
                return False
        return True


def previous_release(folder: str | os.PathLike[str], manifest: Manifest,
                     known: pa.Table | None, *, results: str, schema_version: str,
                     libraries: dict[str, str]) -> PreviousRelease | None:
    """The release at ``folder`` (whose manifest is ``manifest``) as a source of rows, or
    ``None`` when it cannot be one: made with other settings of the rows (``results``, the
    :func:`~corpus.publish.config.results_hash` of this build's settings; the card's
    settings do not matter), another schema or other library versions, without the digests
    of its rows before dedup and their folders (``known``, the table the cache keeps under
    its fingerprint; older caches lack them), or with a data file missing or of another
    size."""
    if (results_hash(manifest.settings) != results or manifest.schema_version != schema_version
            or dict(manifest.libraries) != libraries or known is None
            or "row_digest" not in known.column_names or "kept" not in known.column_names
            or known.num_rows != manifest.counts.rows.get("all", -1)):
        return None
    kept = known.column("kept").to_numpy(zero_copy_only=False).astype(bool)
    lists = []
    by_path = {f.path: f for f in manifest.files}
    for name, rows in (("default", int(kept.sum())), ("duplicates", int((~kept).sum()))):
        files = tuple(by_path[path] for path in config_paths(name, by_path))
        if not files or sum(f.rows for f in files) != rows:
            return None
        lists.append(files)
    for file in (*lists[0], *lists[1]):
        try:
            if (Path(folder) / file.path).stat().st_size != file.bytes:
                return None
        except OSError:
            return None
    digests = known.column("row_digest").combine_chunks()
    return PreviousRelease(os.fspath(folder), lists[0], lists[1], digests, kept)


class _FolderRows:
    """The rows of one folder's files read forward, a batch at a time: :meth:`take` rows at
    ascending positions. ``None`` once it cannot (rows asked for behind the batch held, or a
    read failed): the caller then takes the rows from the cache.

    Reading starts at the row group that holds the first row asked for: a write task's range
    of the corpus starts anywhere in the folder, and the row groups before it are not read.
    The next batch is decoded on a thread of its own while the caller uses this one (pyarrow
    decodes without the GIL): the writer's caller reads, annotates and hands out every row,
    and decoding was a quarter of its time."""

    def __init__(self, folder: str, files: Sequence[WrittenFile]) -> None:
        self._folder = folder
        self._files = list(files)
        self._source: Iterator[pa.RecordBatch] | None = None
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="corpus-reuse")
        self._ahead: Future[pa.RecordBatch | None] | None = None
        self._batch: pa.RecordBatch | None = None
        self._start = self._end = 0

    def _open(self, row: int) -> bool:
        """Start reading at the row group that holds the folder's row ``row``."""
        k = first = 0  # a file, and the folder's row at which it (then a row group) starts
        while k < len(self._files) and row >= first + self._files[k].rows:
            first += self._files[k].rows
            k += 1
        if k == len(self._files):
            return False
        try:
            source = pq.ParquetFile(Path(self._folder) / self._files[k].path, pre_buffer=False,
                                    buffer_size=1 << 16)
            group = 0
            while row >= first + source.metadata.row_group(group).num_rows:
                first += source.metadata.row_group(group).num_rows
                group += 1
        except (OSError, IndexError, pa.ArrowException):
            return False
        self._source = _batches_of(self._folder, self._files[k:], source, group)
        self._start = self._end = first
        return True

    def _next_batch(self) -> bool:
        assert self._source is not None
        ahead = self._ahead or self._reader.submit(next, self._source, None)
        self._ahead = None
        try:
            batch = ahead.result()
        except (OSError, pa.ArrowException):
            return False
        if batch is None or not batch.schema.equals(SCHEMA):
            return False
        self._ahead = self._reader.submit(next, self._source, None)
        self._batch, self._start = batch, self._end
        self._end += batch.num_rows
        return True

    def close(self) -> None:
        """Stop the reading thread (a batch being decoded is let finish)."""
        self._reader.shutdown(wait=True, cancel_futures=True)

    def take(self, positions: np.ndarray[Any, np.dtype[np.int64]]
             ) -> tuple[pa.Table, np.ndarray[Any, np.dtype[np.int64]]] | None:
        """The rows from the first of ``positions`` (ascending, not empty) to the last, as
        slices of the decoded batches (nothing copied), and where each asked-for row is in
        them; ``None`` when they cannot be read."""
        if self._source is None and not self._open(int(positions[0])):
            return None
        if positions[0] < self._start or (
                len(positions) > 1 and not bool(np.all(np.diff(positions) > 0))):
            return None
        pieces: list[pa.Table] = []
        where: list[np.ndarray[Any, np.dtype[np.int64]]] = []
        held = 0  # rows in the pieces so far
        done = 0
        while done < len(positions):
            while positions[done] >= self._end:
                if not self._next_batch():
                    return None
            assert self._batch is not None
            upto = int(np.searchsorted(positions, self._end))
            first = int(positions[done]) - self._start
            piece = self._batch.slice(first, int(positions[upto - 1]) - self._start + 1 - first)
            pieces.append(pa.Table.from_batches([piece]))
            where.append(positions[done:upto] - self._start - first + held)
            held += piece.num_rows
            done = upto
        return pa.concat_tables(pieces), np.concatenate(where)


def _batches_of(folder: str, files: list[WrittenFile], first: pq.ParquetFile, group: int
                ) -> Iterator[pa.RecordBatch]:
    """The rows of ``files`` (in ``folder``), in order, :data:`_BATCH` at a time, from row
    group ``group`` of the first file (open already, as ``first``)."""
    for k, file in enumerate(files):
        source = first if k == 0 else pq.ParquetFile(Path(folder) / file.path, pre_buffer=False,
                                                     buffer_size=1 << 16)
        groups = range(group if k == 0 else 0, source.metadata.num_row_groups)
        yield from source.iter_batches(batch_size=_BATCH, row_groups=groups,
                                       columns=SCHEMA.names, use_threads=True)


class _ReleaseRows:
    """The previous release's rows: each row is in one of two folders (``default`` if it was
    kept, ``duplicates`` if not), each read forward by a :class:`_FolderRows`. :meth:`take`
    gives the rows at ascending corpus positions as each folder's slices (:class:`_Slices`),
    or ``None`` once it cannot."""

    def __init__(self, release: ReleaseFiles | None) -> None:
        self.failed = release is None
        self.taken = 0
        self._folders: tuple[_FolderRows, _FolderRows] | None = None
        if release is not None:
            self._folders = (_FolderRows(release.folder, release.removed_files),
                             _FolderRows(release.folder, release.kept_files))

    def close(self) -> None:
        """Stop the folders' reading threads."""
        for folder in self._folders or ():
            folder.close()

    def take(self, kept: np.ndarray[Any, np.dtype[np.bool_]],
             slots: np.ndarray[Any, np.dtype[np.int64]]) -> list[_Slices] | None:
        """The rows of documents at ascending corpus positions, each in folder ``kept``
        (``default`` when true) at row ``slots`` of it, as slices of each folder that holds
        some (:meth:`_FolderRows.take`), or ``None`` when they cannot be read. Nothing is
        copied: the caller gathers each batch once, from every source it has."""
        if self.failed or self._folders is None or not len(slots):
            return None
        parts: list[_Slices] = []
        for flag in (True, False):
            which = np.flatnonzero(kept == flag)
            if len(which):
                got = self._folders[flag].take(slots[which])
                if got is None:
                    self.failed = True
                    return None
                parts.append(_Slices(got[0], which, got[1]))
        self.taken += len(slots)
        return parts


@dataclass(frozen=True, slots=True)
class _Slices:
    """Rows of one folder of the previous release: ``rows``, a run of the folder that holds
    the rows asked for and the others between them; ``which``: the indices, into the
    positions asked for, of this folder's rows; ``where``: each one's row in ``rows``."""

    rows: pa.Table
    which: np.ndarray[Any, np.dtype[np.int64]]
    where: np.ndarray[Any, np.dtype[np.int64]]


def _as_work_rows(rows: pa.Table, digests: pa.Array, work_schema: pa.Schema) -> pa.Table:
    """Release rows as the read stage wrote them: dedup columns reset, digests appended."""
    n = rows.num_rows
    columns: dict[str, Any] = {name: rows.column(name) for name in SCHEMA.names}
    for name, value in _DEDUP:
        columns[name] = pa.repeat(pa.scalar(value, SCHEMA.field(name).type), n)
    columns["row_digest"] = digests
    return pa.Table.from_arrays([columns[name] for name in work_schema.names], schema=work_schema)


def _cached_rows(cache: Cache | None, keys: pa.Array, work_schema: pa.Schema) -> pa.Table:
    """The rows the cache keeps under ``keys`` (their work-file rows, digests included)."""
    wanted = keys.to_pylist()
    found = cache.get("row", wanted) if cache is not None else {}
    missing = [key for key in wanted if key not in found]
    if missing:
        raise CorpusError(
            f"{len(missing)} cached document rows vanished from the cache during the build "
            f"({cache.path if cache is not None else 'no cache'}); build again")
    return pa.Table.from_batches(
        [pa.ipc.read_record_batch(pa.py_buffer(found[key]), work_schema) for key in wanted],
        schema=work_schema)


#: Rows of a window (or several) and where each document's row is among them: ``order[k]`` is
#: the row of the ``k``-th document, in corpus order; ``None`` when the rows are in that order.
Rows = tuple[pa.Table, "np.ndarray[Any, np.dtype[np.int64]] | None"]


class _Batcher:
    """Rows in, rows of at least :data:`_BATCH` documents out (the last may be fewer), in
    order; the pieces are not copied into one (the shard writers copy the rows anyway)."""

    def __init__(self) -> None:
        self._pieces: list[Rows] = []
        self._rows = 0

    def add(self, table: pa.Table | pa.RecordBatch,
            order: np.ndarray[Any, np.dtype[np.int64]] | None = None) -> Iterator[Rows]:
        piece = table if isinstance(table, pa.Table) else pa.Table.from_batches([table])
        if piece.num_rows:
            self._pieces.append((piece, order))
            self._rows += piece.num_rows
        if self._rows >= _BATCH:
            yield from self.flush()

    def flush(self) -> Iterator[Rows]:
        if self._pieces:
            table = pa.concat_tables([piece for piece, _ in self._pieces])
            order = None
            if any(o is not None for _, o in self._pieces):
                orders = []
                start = 0
                for piece, piece_order in self._pieces:
                    orders.append(np.arange(start, start + piece.num_rows, dtype=np.int64)
                                  if piece_order is None else piece_order + start)
                    start += piece.num_rows
                order = np.concatenate(orders)
            self._pieces, self._rows = [], 0
            yield table, order


class _Fresh:
    """A shard's work-file rows, taken a count at a time, in order."""

    def __init__(self, batches: Iterator[pa.RecordBatch]) -> None:
        self._batches = batches
        self._held: pa.RecordBatch | None = None

    def take(self, count: int) -> Iterator[pa.RecordBatch]:
        while count > 0:
            if self._held is None or not self._held.num_rows:
                self._held = next(self._batches, None)
                if self._held is None:
                    raise CorpusError("a work file holds fewer rows than its shard's documents "
                                      "(a bug; please report it)")
            piece = self._held.slice(0, count)
            self._held = self._held.slice(piece.num_rows)
            count -= piece.num_rows
            yield piece


@dataclass(frozen=True, slots=True)
class ReusePlan:
    """A shard's documents whose rows are not in its work file: ``table``
    (:data:`REUSED_SCHEMA`: each one's position in the shard, cache key and row digest) and,
    for each, whether the previous release holds its row in ``default`` (``kept``; otherwise
    in ``duplicates``) and at which row of that folder (``slot``; -1 where the release does
    not hold it, and the row comes from the cache)."""

    table: pa.Table
    kept: np.ndarray[Any, np.dtype[np.bool_]]
    slot: np.ndarray[Any, np.dtype[np.int64]]


@dataclass(frozen=True, slots=True)
class ShardRange:
    """The documents ``first`` to ``last`` (excluded, positions in the shard) of shard
    ``shard``, which holds ``documents`` documents, with its :class:`ReusePlan` (``None``
    when every row of the shard is in its work file)."""

    shard: int
    documents: int
    first: int
    last: int
    plan: ReusePlan | None


def plan_reuse(work: str, shards: Sequence[tuple[int, int, int]],
               previous: PreviousRelease | None) -> dict[int, ReusePlan]:
    """The :class:`ReusePlan` of each shard (``(shard, documents, reused)``) that has reused
    documents, looked up in ``previous`` for every shard at once (by row digest)."""
    tables: dict[int, pa.Table] = {}
    for shard, _, reused in shards:
        if reused:
            with pa.OSFile(reused_path(work, shard), "rb") as source:
                tables[shard] = pa.ipc.open_file(source).read_all().combine_chunks()
    if not tables:
        return {}
    digests = pa.chunked_array([t.column("digest") for t in tables.values()], pa.binary(16))
    kept = np.zeros(len(digests), dtype=bool)
    slot = np.full(len(digests), -1, dtype=np.int64)
    if previous is not None:
        where = pc.index_in(digests, value_set=previous.digests)
        found = pc.fill_null(where, -1).to_numpy().astype(np.int64)
        there = found >= 0
        # a row's place in its folder: how many rows of that folder come before it
        kept_rank = np.cumsum(previous.kept, dtype=np.int64) - 1
        removed_rank = np.cumsum(~previous.kept, dtype=np.int64) - 1
        kept[there] = previous.kept[found[there]]
        slot[there] = np.where(kept[there], kept_rank[found[there]],
                               removed_rank[found[there]])
    plans = {}
    start = 0
    for shard, table in tables.items():
        end = start + table.num_rows
        plans[shard] = ReusePlan(table, kept[start:end], slot[start:end])
        start = end
    return plans


def rows_in_corpus_order(work: str, ranges: Sequence[ShardRange],
                         fresh_rows: Callable[[str, int, int], Iterable[pa.RecordBatch]],
                         work_schema: pa.Schema, release: ReleaseFiles | None,
                         cache: Cache | None, counts: dict[str, int] | None = None
                         ) -> Iterator[Rows]:
    """The row before dedup (``work_schema``) of every document of ``ranges``, in corpus
    order, a few hundred at a time: each time a table and, unless its rows are in corpus
    order, where each document's row is in it (:data:`Rows`). The caller gathers the rows of
    each folder it writes once, in corpus order, from the table as it is: gathering the whole
    table into corpus order first copied every reused row once more (a sixth of the write
    stage's caller at 100,000 documents).

    A range's rows are its shard's work-file rows (``fresh_rows(work, shard, skip)`` yields
    them, the first ``skip`` left out) with the rows of its plan's reused documents put in
    at their positions, taken from ``release`` (or, where it cannot give them, from the
    ``cache``). ``counts`` receives how many rows came from each (``release``, ``cache``).

    A range is put together :data:`_BATCH` documents at a time: the window's rows from each
    source (work file, either folder of the release, cache), side by side, and where each
    document's row is among them (``None`` when the window is one source's rows in order): a
    few calls per window, where taking each run of reused rows between two new documents on
    its own made several per run.
    """
    taking = _ReleaseRows(release)
    try:
        tally = {"cache": 0}
        out = _Batcher()
        for part in ranges:
            plan = part.plan
            positions = (plan.table.column("position").to_numpy().astype(np.int64)
                         if plan is not None else np.zeros(0, dtype=np.int64))
            if len(positions) and positions[-1] >= part.documents:
                raise CorpusError("a shard's reused documents lie beyond its documents (a bug; "
                                  "please report it)")
            before = int(np.searchsorted(positions, part.first))  # reused, before the range
            fresh = _Fresh(iter(fresh_rows(work, part.shard, part.first - before)))
            for start in range(part.first, part.last, _BATCH):
                end = min(start + _BATCH, part.last)
                low, high = (int(k) for k in np.searchsorted(positions, [start, end]))
                if low == high:
                    yield from (b for piece in fresh.take(end - start) for b in out.add(piece))
                    continue
                assert plan is not None
                yield from out.add(*_window(start, end, positions, low, high, plan, fresh,
                                            taking, cache, work_schema, tally))
        yield from out.flush()
        if counts is not None:
            counts["release"] = taking.taken
            counts["cache"] = tally["cache"]
    finally:
        taking.close()


def _window(start: int, end: int, positions: np.ndarray[Any, np.dtype[np.int64]], low: int,
            high: int, plan: ReusePlan, fresh: _Fresh, release: _ReleaseRows,
            cache: Cache | None, work_schema: pa.Schema, tally: dict[str, int]) -> Rows:
    """The rows of a shard's documents ``start`` to ``end``, where the reused ones are
    ``positions[low:high]`` (where they are in the previous release: ``plan``): the rows of
    every source side by side, and where each document's row is among them (``None`` when
    they are the window's rows in order)."""
    reused = positions[low:high] - start
    is_fresh = np.ones(end - start, dtype=bool)
    is_fresh[reused] = False
    parts: list[pa.Table] = []
    targets: list[np.ndarray[Any, np.dtype[np.int64]]] = []  # each source row's place
    sources: list[np.ndarray[Any, np.dtype[np.int64]]] = []  # and its row in ``parts``
    held = 0

    def add(table: pa.Table, places: np.ndarray[Any, np.dtype[np.int64]],
            rows: np.ndarray[Any, np.dtype[np.int64]]) -> None:
        nonlocal held
        parts.append(table)
        targets.append(places)
        sources.append(rows + held)
        held += table.num_rows

    fresh_places = np.flatnonzero(is_fresh)
    if len(fresh_places):
        add(pa.Table.from_batches(list(fresh.take(len(fresh_places))), schema=work_schema),
            fresh_places, np.arange(len(fresh_places), dtype=np.int64))
    here = plan.slot[low:high]
    from_release = np.flatnonzero(here >= 0)
    taken = (release.take(plan.kept[low:high][from_release], here[from_release])
             if len(from_release) else None)
    from_cache = (np.flatnonzero(here < 0) if taken is not None
                  else np.arange(high - low, dtype=np.int64))
    for part in taken or ():
        chosen = low + from_release[part.which]
        add(_as_work_rows(part.rows, _digests_at(plan.table.column("digest"), chosen,
                                                 part.where, part.rows.num_rows), work_schema),
            reused[chosen - low], part.where)
    if len(from_cache):
        keys = plan.table.column("key").take(pa.array(low + from_cache))
        add(_cached_rows(cache, keys, work_schema), reused[from_cache],
            np.arange(len(from_cache), dtype=np.int64))
        tally["cache"] += len(from_cache)
    table = pa.concat_tables(parts)
    order = np.empty(end - start, dtype=np.int64)
    order[np.concatenate(targets)] = np.concatenate(sources)
    if held == end - start and bool(np.all(order[1:] > order[:-1])):
        return table, None  # the window's rows, in order
    return table, order


def _digests_at(digests: pa.ChunkedArray, chosen: np.ndarray[Any, np.dtype[np.int64]],
                where: np.ndarray[Any, np.dtype[np.int64]], size: int) -> pa.Array:
    """``size`` 16-byte digests: the ``chosen`` ones of ``digests`` at ``where``, zeros
    elsewhere (rows of a slice that the window does not take)."""
    values = np.zeros((size, 16), dtype=np.uint8)
    taken = digests.take(pa.array(chosen)).combine_chunks()
    data = taken.buffers()[1]
    assert data is not None
    values[where] = np.frombuffer(data, dtype=np.uint8, count=16 * len(taken),
                                  offset=16 * taken.offset).reshape(-1, 16)
    return pa.Array.from_buffers(pa.binary(16), size, [None, pa.py_buffer(values)])
