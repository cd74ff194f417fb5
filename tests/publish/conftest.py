"""Fixtures for the release tests: writable copies of the seeds and hand-made releases."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import fsspec
import pytest

from corpus.publish.layout import shard_name
from corpus.publish.parquet import write_table
from corpus.records import Document, Relation
from corpus.schema import SCHEMA, to_row


@pytest.fixture
def corpus_dir(tmp_path: Path, seeds_dir: Path) -> Path:
    """A writable copy of the seed corpus, named ``seeds`` like the original."""
    target = tmp_path / "in" / "seeds"
    shutil.copytree(seeds_dir, target)
    return target


ReleaseMaker = Callable[[Path, Sequence[Document]], Path]


@pytest.fixture
def data_release() -> ReleaseMaker:
    """Write ``docs`` as the data of a bare release folder (no card): the kept ones in
    ``data/default/``, the others in ``data/duplicates/``, as a build stores them."""

    def make(folder: Path, docs: Sequence[Document]) -> Path:
        kept = [d for d in docs if d.relation in (Relation.UNIQUE, Relation.CANONICAL)]
        removed = [d for d in docs if d not in kept]
        write_table(folder, shard_name("default", 0, 1), [to_row(d) for d in kept], SCHEMA)
        write_table(folder, shard_name("duplicates", 0, 1), [to_row(d) for d in removed],
                    SCHEMA)
        return folder

    return make


@pytest.fixture
def memory_store() -> Iterator[str]:
    """A fresh ``memory://`` store, deleted afterwards (the memory file system is global)."""
    url = f"memory://corpus-test-{uuid.uuid4().hex[:12]}/releases"
    yield url
    fs = fsspec.filesystem("memory")
    root = url.removeprefix("memory://").split("/")[0]
    if fs.exists(f"/{root}"):
        fs.rm(f"/{root}", recursive=True)
