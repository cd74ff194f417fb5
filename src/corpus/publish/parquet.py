"""Deterministic Parquet writing with a declared schema: rotating shards and single tables.

Every file is written with the schema it is given (never one inferred from the data), zstd
compression, a page index, and pyarrow's content-defined chunking, so that data pages are cut
where the content says and a new release shares most of its bytes with the previous one on a
content-addressed store such as the Hugging Face Hub (Xet). Nothing time- or machine-dependent
goes into a file: pyarrow writes ``created_by`` (its own version) and the serialised Arrow schema
as the only key-value metadata, so the same rows give the same bytes.

Row groups are cut by rows or by (uncompressed, in-memory) bytes, whichever comes first, and
shards rotate once a file reaches the size limit, so memory stays bounded by one row group and
files stay a size the Hub and its dataset viewer handle well. The number of shards is known only
at the end, so shards are written under temporary names and renamed to
``train-0000i-of-0000N.parquet`` on close, always in the same order. A shard writer encodes
each row group on a thread of its own while the caller gathers the next one (so it holds two
groups at most).
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from corpus.errors import PublishError
from corpus.publish.layout import SPLIT, shard_name

__all__ = [
    "ShardWriter",
    "WrittenFile",
    "file_sha256",
    "parquet_writer",
    "write_batches",
    "write_table",
]

_BATCH_ROWS = 256  # rows converted to Arrow at a time (bounds the Python-object buffer)

#: Rows per row group of a single-file table (``clusters.parquet``, ``rejects.parquet``): a
#: group is buffered whole before it is encoded, so this bounds the writer's memory (a row of
#: ``clusters.parquet`` holds aligned passages, about 2.5 KB) whatever the corpus size.
TABLE_GROUP_ROWS = 8192


@dataclass(frozen=True, slots=True)
class WrittenFile:
    """A file of a release: path relative to the release folder, rows, size and SHA-256."""

    path: str
    rows: int
    bytes: int
    sha256: str


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_pyarrow() -> None:
    params = inspect.signature(pq.ParquetWriter.__init__).parameters
    if "use_content_defined_chunking" not in params:
        raise PublishError(
            f"pyarrow {pa.__version__} cannot write Parquet with content-defined chunking "
            "(ParquetWriter(use_content_defined_chunking=...) arrived in pyarrow 21): "
            "upgrade it with `pip install 'pyarrow>=21'`"
        )


def parquet_writer(sink: Any, schema: pa.Schema) -> pq.ParquetWriter:
    """A ``pyarrow.parquet.ParquetWriter`` with the settings every release file uses.

    ``sink`` is a path or a pyarrow output stream. Raises :class:`PublishError` when the
    installed pyarrow lacks content-defined chunking.
    """
    _check_pyarrow()
    return pq.ParquetWriter(
        sink,
        schema,
        compression="zstd",
        write_statistics=True,
        write_page_index=True,
        use_content_defined_chunking=True,
        store_schema=True,
    )


def write_table(
    root: Path, relpath: str, rows: Iterable[Mapping[str, Any]], schema: pa.Schema
) -> WrittenFile:
    """Write ``rows`` (mappings with ``schema``'s columns) to one Parquet file ``root/relpath``.

    The rows are converted to Arrow a few thousand at a time and written in row groups of
    :data:`TABLE_GROUP_ROWS`, so a large table (the clusters of a big corpus) is never held
    whole, neither as Python rows nor as Arrow data.
    """
    return write_batches(root, relpath, _batches(rows, schema), schema)


def _batches(rows: Iterable[Mapping[str, Any]], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    chunk: list[Mapping[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == 4096:
            yield pa.RecordBatch.from_pylist(chunk, schema=schema)
            chunk = []
    if chunk:
        yield pa.RecordBatch.from_pylist(chunk, schema=schema)


def write_batches(
    root: Path, relpath: str, batches: Iterable[pa.RecordBatch], schema: pa.Schema
) -> WrittenFile:
    """Write record ``batches`` of ``schema`` to one Parquet file ``root/relpath``, in row
    groups of :data:`TABLE_GROUP_ROWS` rows (the last one shorter): the same bytes however the
    rows are batched, and at most one group of rows in memory."""
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    pending: list[pa.RecordBatch] = []
    count = rows = 0
    writer = parquet_writer(str(path), schema)
    try:
        for batch in batches:
            pending.append(batch)
            count += batch.num_rows
            if count >= TABLE_GROUP_ROWS:
                table = pa.Table.from_batches(pending, schema=schema)
                whole = count - count % TABLE_GROUP_ROWS
                writer.write_table(table.slice(0, whole).combine_chunks(),
                                   row_group_size=TABLE_GROUP_ROWS)
                rows += whole
                pending, count = table.slice(whole).to_batches(), count - whole
        if count or not rows:
            table = pa.Table.from_batches(
                pending or [pa.RecordBatch.from_pylist([], schema=schema)], schema=schema)
            writer.write_table(table.combine_chunks(), row_group_size=max(1, count))
            rows += count
    finally:
        writer.close()
    return WrittenFile(relpath, rows, path.stat().st_size, file_sha256(path))


class ShardWriter:
    """Write rows of ``schema`` into rotating shards ``data/<config>/train-*.parquet``.

    Use as a context manager; :meth:`write` takes one row (a mapping with the schema's
    columns). On a clean exit the shards get their final names and :attr:`files` lists them;
    on an exception the partial files are left for the caller to delete with the temporary
    release folder. A config with no rows still gets one (empty) shard, so every config the
    card declares has a file to load.
    """

    def __init__(
        self,
        root: Path,
        config: str,
        schema: pa.Schema,
        *,
        row_group_rows: int,
        row_group_bytes: int,
        shard_bytes: int,
        split: str = SPLIT,
    ) -> None:
        self.root = root
        self.config = config
        self.schema = schema
        self.row_group_rows = row_group_rows
        self.row_group_bytes = row_group_bytes
        self.shard_bytes = shard_bytes
        self.split = split
        self.files: tuple[WrittenFile, ...] = ()
        self.rows = 0
        #: In-memory (Arrow) size of everything written: the card's ``num_bytes``.
        self.nbytes = 0
        self._rows: list[Mapping[str, Any]] = []
        self._batches: list[pa.RecordBatch] = []
        # rows given to write_batch, not yet in a batch: tables, each with the positions of
        # its rows still to write
        self._arrow: list[tuple[pa.Table, npt.NDArray[np.int64]]] = []
        self._arrow_rows = 0
        self._batch_bytes = 0
        self._pending = 0  # rows not yet in a row group
        self._parts: list[tuple[Path, int]] = []  # temporary path, rows
        self._sink: Any = None
        self._writer: pq.ParquetWriter | None = None
        self._shard_rows = 0
        self._closed = False
        # Row groups are encoded (and shards rotated) on this thread, one at a time: encoding
        # is most of a writer's time, and gathering the rows of the next group (a copy of
        # each) overlaps it instead of adding to it.
        self._encoder: ThreadPoolExecutor | None = None
        self._encoding: Future[None] | None = None  # the group being encoded
        _check_pyarrow()
        (root / "data" / config).mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self._abort()

    def write(self, row: Mapping[str, Any]) -> None:
        """Append one row; flushes a row group or rotates the shard when a limit is reached."""
        if self._closed:
            raise PublishError(f"shard writer for config {self.config!r} is already closed")
        self._rows.append(row)
        self._pending += 1
        if len(self._rows) >= _BATCH_ROWS:
            self._convert()
        if self._pending >= self.row_group_rows or self._batch_bytes >= self.row_group_bytes:
            self._flush()

    def write_batch(self, data: pa.Table | pa.RecordBatch,
                    rows: npt.NDArray[np.int64] | None = None) -> None:
        """Append rows given as Arrow data with this writer's schema: every row of ``data``,
        or the rows at the positions ``rows``, in that order.

        Row groups and shards are cut at the same rows whatever batches the rows come in: the
        rows are regrouped into fresh batches of :data:`_BATCH_ROWS` (never crossing a row
        group), exactly as :meth:`write` groups single rows. The rows chosen by ``rows`` are
        copied once, into those batches. Do not mix with :meth:`write`.
        """
        if self._closed:
            raise PublishError(f"shard writer for config {self.config!r} is already closed")
        count = data.num_rows if rows is None else len(rows)
        if count == 0:
            return
        table = data if isinstance(data, pa.Table) else pa.Table.from_batches([data])
        self._arrow.append((table, np.arange(count, dtype=np.int64) if rows is None else rows))
        self._arrow_rows += count
        while self._arrow_rows >= self._room():
            self._take(self._room())

    def _room(self) -> int:
        return max(1, min(_BATCH_ROWS, self.row_group_rows - self._pending))

    def _take(self, count: int) -> None:
        """Move the first ``count`` buffered Arrow rows into a fresh batch of a row group."""
        # One gather over the tables involved: the batch's buffers are the same whatever
        # tables the rows came in (its nbytes decides where row groups end).
        tables: list[pa.Table] = []
        chosen: list[npt.NDArray[np.int64]] = []
        offset = 0
        wanted = count
        while wanted:
            table, rows = self._arrow[0]
            taken = min(wanted, len(rows))
            tables.append(table)
            chosen.append(rows[:taken] + offset)
            offset += table.num_rows
            if taken == len(rows):
                self._arrow.pop(0)
            else:
                self._arrow[0] = (table, rows[taken:])
            wanted -= taken
        buffered = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
        head = buffered.take(pa.array(np.concatenate(chosen), pa.int64()))
        self._arrow_rows -= count
        for batch in head.combine_chunks().to_batches():
            self._batches.append(batch)
            self._batch_bytes += batch.nbytes
        self._pending += count
        if self._pending >= self.row_group_rows or self._batch_bytes >= self.row_group_bytes:
            self._flush()

    def _convert(self) -> None:
        if self._rows:
            batch = pa.RecordBatch.from_pylist(self._rows, schema=self.schema)
            self._rows = []
            self._batches.append(batch)
            self._batch_bytes += batch.nbytes

    def _open(self) -> pq.ParquetWriter:
        if self._writer is None:
            part = self.root / "data" / self.config / f".{self.split}-{len(self._parts):05d}.part"
            self._sink = pa.OSFile(str(part), "wb")
            self._writer = parquet_writer(self._sink, self.schema)
            self._parts.append((part, 0))
            self._shard_rows = 0
        return self._writer

    def _flush(self) -> None:
        self._convert()
        if not self._batches:
            return
        table = pa.Table.from_batches(self._batches, schema=self.schema)
        self.rows += table.num_rows
        self.nbytes += self._batch_bytes
        self._batches, self._batch_bytes, self._pending = [], 0, 0
        if self._encoding is not None:  # the group before is written: two groups held at most
            encoding, self._encoding = self._encoding, None
            encoding.result()  # raises what the encoding raised
        if self._encoder is None:
            self._encoder = ThreadPoolExecutor(max_workers=1,
                                               thread_name_prefix=f"corpus-encode-{self.config}")
        self._encoding = self._encoder.submit(self._encode, table)

    def _encode(self, table: pa.Table) -> None:
        """Write one row group; start a new shard once the file reaches the size limit (on
        the encoder thread, in order)."""
        writer = self._open()
        writer.write_table(table, row_group_size=table.num_rows)
        self._shard_rows += table.num_rows
        if int(self._sink.tell()) >= self.shard_bytes:
            self._finish_shard()

    def _encoded(self) -> None:
        """Wait for every row group given so far to be written (raising the first failure),
        and stop the encoder thread."""
        try:
            if self._encoding is not None:
                encoding, self._encoding = self._encoding, None
                encoding.result()
        finally:
            if self._encoder is not None:
                self._encoder.shutdown(wait=True)
                self._encoder = None

    def _finish_shard(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._sink.close()
            part, _ = self._parts[-1]
            self._parts[-1] = (part, self._shard_rows)
            self._writer, self._sink = None, None

    def close(self) -> tuple[WrittenFile, ...]:
        """Flush, close the last shard and rename every shard to its final name."""
        if self._closed:
            return self.files
        while self._arrow_rows:
            self._take(min(self._arrow_rows, self._room()))
        self._flush()
        self._encoded()
        if not self._parts:
            self._open()  # an empty config still gets one shard holding the schema
        self._finish_shard()
        self._closed = True
        count = len(self._parts)
        files = []
        for index, (part, rows) in enumerate(self._parts):
            relpath = shard_name(self.config, index, count, self.split)
            final = self.root / relpath
            part.replace(final)
            files.append(WrittenFile(relpath, rows, final.stat().st_size, file_sha256(final)))
        self.files = tuple(files)
        return self.files

    def _abort(self) -> None:
        self._closed = True
        with contextlib.suppress(Exception):  # the caller's exception is the one to raise
            self._encoded()
        if self._writer is not None:
            try:
                self._writer.close()
            finally:
                self._sink.close()
            self._writer, self._sink = None, None
