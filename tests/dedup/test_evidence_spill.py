"""A build's evidence tasks spill their clusters' ``clusters.parquet`` rows to the work folder
(``dedup_shards(..., spill_evidence=True)``): read back in cluster-id order they are the rows
of the full result, batch sizes and task sizes aside; the result the driver keeps differs from
the full one only in keeping each member's best passage; the semantic path (run in the driver
process) spills the same way; and :func:`write_batches` writes the bytes of
:func:`write_table`, however the rows are batched."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import corpus
from corpus import Document
from corpus.dedup import phases
from corpus.dedup.config import DedupConfig
from corpus.dedup.phases import (
    IndexedShard,
    ShardIndexer,
    _best_passages,
    dedup_shards,
    partitions_for,
    serial_run,
    spilled_cluster_rows,
)
from corpus.dedup.result import DedupResult
from corpus.dedup.semantic import semantic_verifier
from corpus.publish.parquet import write_batches, write_table
from corpus.schema import CLUSTERS_SCHEMA, cluster_rows

from .helpers import SEEDS, make_doc
from .test_dedup_semantic import ON, concept_encoder, paraphrase_topics, story_docs, use_encoder

DEVSET = SEEDS.parent / "benchmarks" / "data" / "dedup_dev" / "corpus"


def _devset() -> list[Document]:
    return [corpus.parse(p.read_bytes(), p.name) for p in sorted(DEVSET.glob("*.txt"))]


def _index(work: Path, docs: Sequence[Document], config: DedupConfig,
           shards: int = 3, partitions: int | None = None) -> tuple[list[IndexedShard], int]:
    """Index ``docs`` into ``work`` as ``shards`` contiguous shards, as a build does (into
    ``partitions`` shuffle partitions: by default, as many as a build uses)."""
    if partitions is None:
        partitions = partitions_for(len(docs), config)
    indexed = []
    size = -(-len(docs) // shards)
    for number in range(shards):
        with ShardIndexer(work, number, config, partitions) as indexer:
            for doc in docs[number * size:(number + 1) * size]:
                indexer.add(doc)
            indexed.append(indexer.close())
    return indexed, partitions


def _dedup(work: Path, docs: Sequence[Document], config: DedupConfig, *, spill: bool
           ) -> DedupResult:
    work.mkdir()
    shards, partitions = _index(work, docs, config)
    with semantic_verifier(config) as semantic:
        return dedup_shards(work, shards, config, serial_run, partitions, semantic,
                            spill_evidence=spill)


def _spilled(work: Path) -> list[dict[str, Any]]:
    return [row for batch in spilled_cluster_rows(work) for row in batch.to_pylist()]


def _assert_spilled_is_full(work: Path, spilled: DedupResult, full: DedupResult,
                            batch_rows: int) -> None:
    batches = list(spilled_cluster_rows(work))
    assert all(b.schema.equals(CLUSTERS_SCHEMA) for b in batches)
    assert [b.num_rows for b in batches[:-1]] == [batch_rows] * (len(batches) - 1)
    assert [row for b in batches for row in b.to_pylist()] == list(cluster_rows(full))
    assert spilled.clusters == tuple(_best_passages(c) for c in full.clusters)
    assert (spilled.documents, spilled.stats) == (full.documents, full.stats)


@pytest.fixture(scope="module")
def devset() -> list[Document]:
    return _devset()


@pytest.fixture(scope="module")
def full_devset(devset: list[Document], tmp_path_factory: pytest.TempPathFactory
                ) -> DedupResult:
    full = _dedup(tmp_path_factory.mktemp("full") / "work", devset, DedupConfig(), spill=False)
    # What makes the comparison mean something: many clusters, members with several passages.
    assert len(full.clusters) >= 10
    assert sum(len(m.evidence) > 1 for c in full.clusters for m in c.members) >= 20
    return full


@pytest.mark.parametrize(("members_per_task", "batch_rows"), [(1, 1), (3, 5), (512, 4096)])
def test_spilled_rows_read_back_are_the_full_results_rows(
        devset: list[Document], full_devset: DedupResult, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, members_per_task: int, batch_rows: int) -> None:
    monkeypatch.setattr(phases, "_MEMBERS_PER_TASK", members_per_task)
    monkeypatch.setattr(phases, "_ROWS_PER_BATCH", batch_rows)
    spilled = _dedup(tmp_path / "work", devset, DedupConfig(), spill=True)
    parts = sorted((tmp_path / "work").glob("evidence-0*.arrow"))
    assert len(parts) > 1 or members_per_task == 512
    _assert_spilled_is_full(tmp_path / "work", spilled, full_devset, batch_rows)


def test_written_from_the_spill_clusters_parquet_has_the_full_results_bytes(
        devset: list[Document], full_devset: DedupResult, tmp_path: Path) -> None:
    spilled = _dedup(tmp_path / "work", devset, DedupConfig(), spill=True)
    assert spilled.clusters != full_devset.clusters  # passages were dropped
    streamed = write_batches(tmp_path, "streamed.parquet", spilled_cluster_rows(tmp_path / "work"),
                             CLUSTERS_SCHEMA)
    made = write_table(tmp_path, "made.parquet", cluster_rows(full_devset), CLUSTERS_SCHEMA)
    assert streamed.sha256 == made.sha256
    assert (tmp_path / "streamed.parquet").read_bytes() == (tmp_path / "made.parquet").read_bytes()


def test_no_documents_spill_no_rows(tmp_path: Path) -> None:
    found = _dedup(tmp_path / "work", [], DedupConfig(), spill=True)
    assert found.clusters == ()
    assert _spilled(tmp_path / "work") == []
    written = write_batches(tmp_path, "c.parquet", spilled_cluster_rows(tmp_path / "work"),
                            CLUSTERS_SCHEMA)
    assert written.sha256 == write_table(tmp_path, "d.parquet", [], CLUSTERS_SCHEMA).sha256


def test_the_semantic_path_spills_the_same_rows(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    stories = paraphrase_topics()[:3]
    docs = [doc for number, topic in enumerate(stories)
            for doc in story_docs(topic, number).values()]
    docs += [make_doc(stories[0]["source"], 900, "story-0-copy")]  # an exact copy too
    use_encoder(monkeypatch, concept_encoder([(t["source"], t["paraphrase"]) for t in stories]))
    monkeypatch.setattr(phases, "_MEMBERS_PER_TASK", 1)
    monkeypatch.setattr(phases, "_ROWS_PER_BATCH", 2)
    full = _dedup(tmp_path / "full", docs, ON, spill=False)
    assert len(full.clusters) == 3
    assert full.stats.semantic_rewrites >= 3
    spilled = _dedup(tmp_path / "spilled", docs, ON, spill=True)
    assert len(list((tmp_path / "spilled").glob("evidence-0*.arrow"))) == 3
    _assert_spilled_is_full(tmp_path / "spilled", spilled, full, 2)


# -- write_batches ------------------------------------------------------------------------------

_TEXT = st.text(max_size=8)
_FLOAT = st.floats(allow_nan=False, width=64)
_PASSAGE = st.fixed_dictionaries({
    "canonical_sentence": st.integers(0, 99), "canonical_paragraph": st.integers(0, 9),
    "canonical_text": _TEXT, "member_sentence": st.integers(0, 99),
    "member_paragraph": st.integers(0, 9), "member_text": _TEXT, "similarity": _FLOAT,
    "jaccard": _FLOAT, "containment": _FLOAT})
_ROW = st.fixed_dictionaries({
    "cluster_id": _TEXT, "canonical": _TEXT, "id": _TEXT, "name": _TEXT,
    "relation": st.sampled_from(["canonical", "exact", "near", "rewrite"]), "kept": st.booleans(),
    "kept_because": _TEXT, "score": _FLOAT, "matched_with": _TEXT, "weakest_link": _FLOAT,
    "jaccard": _FLOAT, "containment": _FLOAT, "coverage": _FLOAT,
    "aligned": st.integers(0, 50), "evidence": st.lists(_PASSAGE, max_size=3)})


@settings(max_examples=60, deadline=None)
@given(st.lists(_ROW, max_size=12), st.lists(st.integers(1, 5), max_size=6))
def test_write_batches_gives_write_tables_bytes_however_batched(
        rows: list[dict[str, Any]], cuts: list[int]) -> None:
    batches = []
    start = 0
    for size in [*cuts, len(rows)]:
        if start < len(rows):
            batches.append(pa.RecordBatch.from_pylist(rows[start:start + size],
                                                      schema=CLUSTERS_SCHEMA))
            start += size
    with_rows = _written(lambda root: write_table(root, "t.parquet", rows, CLUSTERS_SCHEMA))
    with_batches = _written(lambda root: write_batches(root, "t.parquet", batches,
                                                       CLUSTERS_SCHEMA))
    assert with_batches == with_rows
    assert pq.read_table(io.BytesIO(with_rows)).to_pylist() == rows


def _written(write: Any) -> bytes:
    with tempfile.TemporaryDirectory() as root:
        write(Path(root))
        return (Path(root) / "t.parquet").read_bytes()


def test_the_result_does_not_depend_on_the_partition_count(devset: list[Document],
                                                            tmp_path: Path) -> None:
    """A build of 2,000 documents or more groups its keys in at least 8 partitions, however
    few its keys: the clusters and their evidence are those of one partition."""
    config = DedupConfig()
    results = []
    for partitions in (1, 8):
        work = tmp_path / f"p{partitions}"
        work.mkdir()
        shards, _ = _index(work, devset, config, partitions=partitions)
        results.append(dedup_shards(work, shards, config, serial_run, partitions))
    assert results[0].clusters  # the set has clusters: the comparison is not vacuous
    assert results[0] == results[1]
    assert partitions_for(1_999, config) == 1
    assert partitions_for(2_000, config) == 8
