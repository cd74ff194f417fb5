"""The shard writer: declared schema, row groups, rotation, final names, determinism."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corpus
from corpus.errors import PublishError
from corpus.publish import parquet
from corpus.publish.parquet import ShardWriter, file_sha256, parquet_writer, write_batches
from corpus.schema import SCHEMA, from_row, to_row


def _docs(seeds_dir: Path, copies: int) -> list[corpus.Document]:
    base = [corpus.parse(p.read_bytes(), p.name) for p in sorted(seeds_dir.glob("*.txt"))]
    return [base[i % len(base)] for i in range(copies)]


def _write(root: Path, docs: list[corpus.Document], **limits: int) -> ShardWriter:
    options = {"row_group_rows": 10_000, "row_group_bytes": 1 << 26, "shard_bytes": 1 << 30}
    options.update(limits)
    with ShardWriter(root, "all", SCHEMA, row_group_rows=options["row_group_rows"],
                     row_group_bytes=options["row_group_bytes"],
                     shard_bytes=options["shard_bytes"]) as writer:
        for doc in docs:
            writer.write(to_row(doc))
    return writer


def test_one_shard_holds_every_row_with_the_declared_schema(
    tmp_path: Path, seeds_dir: Path
) -> None:
    docs = _docs(seeds_dir, 5)
    writer = _write(tmp_path, docs)
    assert [f.path for f in writer.files] == ["data/all/train-00000-of-00001.parquet"]
    path = tmp_path / writer.files[0].path
    table = pq.read_table(path)
    assert table.schema.remove_metadata().equals(SCHEMA)
    assert [from_row(r) for r in table.to_pylist()] == docs
    assert writer.files[0].rows == 5
    assert writer.files[0].sha256 == file_sha256(path)
    assert sorted(p.name for p in (tmp_path / "data" / "all").iterdir()) == [
        "train-00000-of-00001.parquet"
    ]


def test_row_groups_are_cut_by_rows_and_by_bytes(tmp_path: Path, seeds_dir: Path) -> None:
    docs = _docs(seeds_dir, 23)
    by_rows = _write(tmp_path / "rows", docs, row_group_rows=5)
    meta = pq.read_metadata(tmp_path / "rows" / by_rows.files[0].path)
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [5, 5, 5, 5, 3]
    by_bytes = _write(tmp_path / "bytes", docs, row_group_bytes=1)
    meta = pq.read_metadata(tmp_path / "bytes" / by_bytes.files[0].path)
    # Rows are converted to Arrow in small batches; the byte limit cuts at the first batch.
    assert meta.num_row_groups >= 1
    assert sum(meta.row_group(i).num_rows for i in range(meta.num_row_groups)) == 23


def test_shards_rotate_by_size_and_get_final_names(tmp_path: Path, seeds_dir: Path) -> None:
    docs = _docs(seeds_dir, 12)
    writer = _write(tmp_path, docs, row_group_rows=2, shard_bytes=1)
    assert [f.path for f in writer.files] == [
        f"data/all/train-{i:05d}-of-00006.parquet" for i in range(6)
    ]
    assert [f.rows for f in writer.files] == [2] * 6
    rows = [r for f in writer.files for r in pq.read_table(tmp_path / f.path).to_pylist()]
    assert [from_row(r) for r in rows] == docs
    leftovers = [p.name for p in (tmp_path / "data" / "all").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_an_empty_config_still_gets_one_loadable_shard(tmp_path: Path) -> None:
    writer = _write(tmp_path, [])
    assert [(f.path, f.rows) for f in writer.files] == [
        ("data/all/train-00000-of-00001.parquet", 0)
    ]
    table = pq.read_table(tmp_path / writer.files[0].path)
    assert table.num_rows == 0
    assert table.schema.remove_metadata().equals(SCHEMA)


def test_same_rows_give_the_same_bytes(tmp_path: Path, seeds_dir: Path) -> None:
    docs = _docs(seeds_dir, 9)
    a = _write(tmp_path / "a", docs, row_group_rows=4, shard_bytes=1)
    b = _write(tmp_path / "b", docs, row_group_rows=4, shard_bytes=1)
    assert [f.sha256 for f in a.files] == [f.sha256 for f in b.files]


def test_files_carry_no_timestamps_or_pandas_metadata(tmp_path: Path, seeds_dir: Path) -> None:
    writer = _write(tmp_path, _docs(seeds_dir, 3))
    meta = pq.read_metadata(tmp_path / writer.files[0].path)
    assert meta.created_by == f"parquet-cpp-arrow version {pa.__version__}"
    assert set(meta.metadata) == {b"ARROW:schema"}
    column = meta.row_group(0).column(0)
    assert column.compression == "ZSTD"
    assert column.has_offset_index  # the page index is written


def test_an_exception_leaves_no_final_shard(tmp_path: Path, seeds_dir: Path) -> None:
    docs = _docs(seeds_dir, 6)
    writer = ShardWriter(tmp_path, "all", SCHEMA, row_group_rows=2, row_group_bytes=1 << 26,
                         shard_bytes=1)

    def fail_after_four() -> None:
        with writer:
            for i, doc in enumerate(docs):
                if i == 4:
                    raise RuntimeError("boom")
                writer.write(to_row(doc))

    with pytest.raises(RuntimeError, match="boom"):
        fail_after_four()
    assert len(list((tmp_path / "data" / "all").glob(".train-*.part"))) == 2  # were written
    assert writer.files == ()
    assert not list((tmp_path / "data" / "all").glob("train-*"))


def test_a_failure_while_encoding_reaches_the_caller(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seeds_dir: Path) -> None:
    """Row groups are encoded on the writer's own thread: a failure there (a full disk) is
    raised to the caller, by a later write or by the close, and no shard gets its name."""
    real = pq.ParquetWriter.write_table
    calls = []

    def failing(self: pq.ParquetWriter, table: pa.Table, *args: Any, **kwargs: Any) -> None:
        calls.append(table.num_rows)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(self, table, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", failing)
    writer = ShardWriter(tmp_path, "all", SCHEMA, row_group_rows=2, row_group_bytes=1 << 26,
                         shard_bytes=1 << 30)
    rows = [to_row(doc) for doc in _docs(seeds_dir, 6)]

    def write_all() -> None:
        with writer:
            for row in rows:
                writer.write(row)

    with pytest.raises(OSError, match="No space left"):
        write_all()
    assert calls[:2] == [2, 2]
    assert writer.files == ()
    assert not list((tmp_path / "data" / "all").glob("train-*"))


def test_writing_after_close_is_an_error(tmp_path: Path, seeds_dir: Path) -> None:
    writer = _write(tmp_path, _docs(seeds_dir, 1))
    with pytest.raises(PublishError, match="already closed"):
        writer.write(to_row(_docs(seeds_dir, 1)[0]))


def test_a_pyarrow_without_content_defined_chunking_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    class OldWriter:
        def __init__(self, where: str, schema: pa.Schema, compression: str = "snappy") -> None:
            raise AssertionError("must not be called")

    monkeypatch.setattr("corpus.publish.parquet.pq.ParquetWriter", OldWriter)
    with pytest.raises(PublishError, match=r"content-defined chunking.*pyarrow>=21"):
        parquet_writer(str(tmp_path / "x.parquet"), SCHEMA)


def _write_batches(root: Path, docs: list[corpus.Document], cuts: list[int],
                   **limits: int) -> ShardWriter:
    table = pa.Table.from_pylist([to_row(d) for d in docs], schema=SCHEMA)
    with ShardWriter(root, "all", SCHEMA, row_group_rows=limits["row_group_rows"],
                     row_group_bytes=limits["row_group_bytes"],
                     shard_bytes=limits["shard_bytes"]) as writer:
        bounds = [0, *sorted(c % (len(docs) + 1) for c in cuts), len(docs)]
        for start, stop in itertools.pairwise(bounds):
            writer.write_batch(table.slice(start, stop - start))
    return writer


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(0, 40), max_size=6), st.integers(1, 7), st.sampled_from([1, 1 << 30]))
def test_arrow_batches_are_cut_into_row_groups_whatever_their_sizes(
        seeds_dir: Path, cuts: list[int], rows: int, shard_bytes: int) -> None:
    """Rows given as Arrow batches give the same files however the batches split them."""
    docs = _docs(seeds_dir, 17)
    limits = {"row_group_rows": rows, "row_group_bytes": 1 << 26, "shard_bytes": shard_bytes}
    with tempfile.TemporaryDirectory() as scratch:
        whole = _write_batches(Path(scratch) / "whole", docs, [], **limits)
        split = _write_batches(Path(scratch) / "split", docs, cuts, **limits)
        assert [(f.path, f.rows, f.sha256) for f in split.files] == [
            (f.path, f.rows, f.sha256) for f in whole.files]
        assert (split.rows, split.nbytes) == (whole.rows, whole.nbytes) == (17, whole.nbytes)
        meta = pq.read_metadata(Path(scratch) / "split" / split.files[0].path)
        assert all(meta.row_group(i).num_rows <= rows for i in range(meta.num_row_groups))
        back = [r for f in split.files
                for r in pq.read_table(Path(scratch) / "split" / f.path).to_pylist()]
        assert [from_row(r) for r in back] == docs


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(0, 40), max_size=6), st.integers(0, 17), st.integers(1, 7))
def test_a_single_file_table_is_written_a_row_group_at_a_time(
        seeds_dir: Path, monkeypatch: pytest.MonkeyPatch, cuts: list[int], count: int,
        group: int) -> None:
    """``write_batches`` writes row groups of ``TABLE_GROUP_ROWS`` rows (so a big
    ``clusters.parquet`` is never held whole), with the same bytes however it is batched."""
    monkeypatch.setattr(parquet, "TABLE_GROUP_ROWS", group)
    table = pa.Table.from_pylist([to_row(d) for d in _docs(seeds_dir, count)], schema=SCHEMA)
    bounds = [0, *sorted(c % (count + 1) for c in cuts), count]
    with tempfile.TemporaryDirectory() as scratch:
        whole = write_batches(Path(scratch), "whole.parquet", table.to_batches(), SCHEMA)
        split = write_batches(Path(scratch), "split.parquet",
                              [b for start, stop in itertools.pairwise(bounds)
                               for b in table.slice(start, stop - start).to_batches()], SCHEMA)
        assert (split.rows, split.sha256) == (whole.rows, whole.sha256) == (count, whole.sha256)
        meta = pq.read_metadata(Path(scratch) / "split.parquet")
        sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        assert sizes == ([group] * (count // group) + ([count % group] if count % group else [])
                         or [0])
        assert pq.read_table(Path(scratch) / "split.parquet").equals(table)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(0, 40), max_size=6), st.lists(st.booleans(), min_size=17,
                                                          max_size=17), st.integers(1, 7))
def test_chosen_rows_give_the_files_of_the_rows_alone(
        seeds_dir: Path, cuts: list[int], chosen: list[bool], rows: int) -> None:
    """write_batch(table, positions) writes what writing the chosen rows alone writes, however
    the tables split the rows: same files, same row groups, same nbytes."""
    docs = _docs(seeds_dir, 17)
    limits = {"row_group_rows": rows, "row_group_bytes": 1 << 26, "shard_bytes": 1 << 30}
    table = pa.Table.from_pylist([to_row(d) for d in docs], schema=SCHEMA)
    with tempfile.TemporaryDirectory() as scratch:
        alone = _write_batches(Path(scratch) / "alone",
                               [d for d, c in zip(docs, chosen, strict=True) if c], [], **limits)
        with ShardWriter(Path(scratch) / "picked", "all", SCHEMA, row_group_rows=rows,
                         row_group_bytes=1 << 26, shard_bytes=1 << 30) as picked:
            bounds = [0, *sorted(c % 18 for c in cuts), 17]
            for start, stop in itertools.pairwise(bounds):
                part = np.flatnonzero(chosen[start:stop]).astype(np.int64)
                picked.write_batch(table.slice(start, stop - start), part)
        assert [(f.path, f.rows, f.sha256) for f in picked.files] == [
            (f.path, f.rows, f.sha256) for f in alone.files]
        assert (picked.rows, picked.nbytes) == (alone.rows, alone.nbytes) == (sum(chosen),
                                                                              alone.nbytes)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.permutations(range(17)), st.lists(st.booleans(), min_size=17, max_size=17),
       st.integers(1, 7))
def test_rows_in_any_order_of_the_table_give_the_files_of_those_rows(
        seeds_dir: Path, shuffle: list[int], chosen: list[bool], rows: int) -> None:
    """write_batch(table, positions) writes the rows in the order of ``positions``, wherever
    they are in ``table`` (the write stage hands rows of the previous release and new ones side
    by side, with where each document's row is)."""
    docs = _docs(seeds_dir, 17)
    limits = {"row_group_rows": rows, "row_group_bytes": 1 << 26, "shard_bytes": 1 << 30}
    table = pa.Table.from_pylist([to_row(d) for d in docs], schema=SCHEMA).take(shuffle)
    place = np.argsort(np.array(shuffle, dtype=np.int64))  # document -> row of ``table``
    with tempfile.TemporaryDirectory() as scratch:
        alone = _write_batches(Path(scratch) / "alone",
                               [d for d, c in zip(docs, chosen, strict=True) if c], [], **limits)
        with ShardWriter(Path(scratch) / "picked", "all", SCHEMA, row_group_rows=rows,
                         row_group_bytes=1 << 26, shard_bytes=1 << 30) as picked:
            picked.write_batch(table, place[np.flatnonzero(chosen)].astype(np.int64))
        assert [(f.path, f.rows, f.sha256) for f in picked.files] == [
            (f.path, f.rows, f.sha256) for f in alone.files]
