"""Once the evidence tasks spilled the passages, each cluster member keeps its best aligned
passage only: the one the card shows, chosen as the card chooses it; and a build, which spills
them, writes the ``clusters.parquet`` of :func:`find_duplicates`' full result."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

import corpus
from corpus import find_duplicates
from corpus.dedup.phases import _best_passages
from corpus.dedup.result import AlignedPassage, Cluster, Member
from corpus.records import Relation
from corpus.schema import cluster_rows

from .corpora import mixed_corpus


def _passage(k: int, similarity: float) -> AlignedPassage:
    return AlignedPassage(k, 0, f"canonical {k}", k, 0, f"member {k}", similarity, 0.5, 0.5)


def _member(doc_id: str, relation: Relation, evidence: tuple[AlignedPassage, ...]) -> Member:
    return Member(doc_id, 1, f"{doc_id}.txt", relation, 0.9, "a", 0.5, 0.5, 0.5,
                  len(evidence), evidence)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.2, 0.5, 0.5, 0.9]), max_size=5), max_size=4))
def test_each_member_keeps_the_passage_the_card_shows(similarities: list[list[float]]) -> None:
    members = [_member("a", Relation.CANONICAL, ())] + [
        _member(f"m{k}", Relation.REWRITE,
                tuple(_passage(j, s) for j, s in enumerate(values)))
        for k, values in enumerate(similarities)]
    full = Cluster("a", "a", tuple(members), "why")
    cluster = _best_passages(full)
    assert (cluster.id, cluster.canonical, cluster.reason) == ("a", "a", "why")
    for before, after in zip(full.members, cluster.members, strict=True):
        best = max(before.evidence, key=lambda p: p.similarity, default=None)
        assert after.evidence == (() if best is None else (best,))
        assert after.evidence[:1] == tuple(p for p in before.evidence if p is best)
        assert (after.id, after.aligned, after.score) == (before.id, before.aligned,
                                                          before.score)


def test_a_builds_clusters_parquet_is_find_duplicates_clusters(tmp_path: Path) -> None:
    source = mixed_corpus(tmp_path / "news", variants=1)
    report = corpus.build(source, tmp_path / "store", executor="serial", progress=False)
    found = find_duplicates(corpus.read(source))
    assert len(found.clusters) >= 20
    table = pq.read_table(report.path / "clusters.parquet")
    assert table.to_pylist() == list(cluster_rows(found))
    assert report.manifest.counts.clusters == len(found.clusters)
