"""Once the evidence tasks spilled the passages, each cluster member keeps its best aligned
passage only: the one the card shows, chosen as the card chooses it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.dedup.result import AlignedPassage, Cluster, Member
from corpus.dedup.phases import _best_passages
from corpus.records import Relation


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
