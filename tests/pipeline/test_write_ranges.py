"""The write stage's ranges: a task reads its range's rows from the middle of a work file."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.pipeline.stages import docs_path, read_work_from


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(0, 40), group=st.integers(1, 9), batch=st.integers(1, 7),
       skip=st.integers(0, 45))
def test_read_work_from_gives_the_rows_after_the_skipped_ones(
        tmp_path_factory: pytest.TempPathFactory, rows: int, group: int, batch: int,
        skip: int) -> None:
    work = tmp_path_factory.mktemp("work")
    table = pa.table({"n": pa.array(range(rows), pa.int64())})
    pq.write_table(table, docs_path(str(work), 3), row_group_size=group)
    got = [b.column("n").to_pylist() for b in read_work_from(str(work), 3, skip, batch)]
    assert [n for part in got for n in part] == list(range(skip, rows))
    assert all(part for part in got)  # no empty batches
