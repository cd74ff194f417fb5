"""The keep policy (:func:`corpus.dedup.cluster.choose_canonical`): which member a cluster keeps."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus.dedup.cluster import Candidate, choose_canonical


def _member(index: int, words: int, closeness: float = 0.0, *, credit: str = "",
            contained: bool = False) -> Candidate:
    return Candidate(index=index, id=f"{index:016x}", seq=index, words=words, credit=credit,
                     contained=contained, closeness=closeness)


def test_original_keeps_the_member_closest_to_the_others_before_the_longest() -> None:
    """A source and two revisions of it: each revision is closer to the source than to the
    other revision, so the source's links weigh most, though a revision is longer."""
    source = _member(1, 500, 0.6 + 0.5)
    light, moderate = _member(2, 560, 0.6 + 0.4), _member(3, 540, 0.5 + 0.4)
    kept, reason = choose_canonical([light, moderate, source], "original")
    assert kept == source
    assert reason == ("closest to the other members (the shares of their word 5-grams it "
                      "holds sum to 1.1000, next 1.0000)")
    assert choose_canonical([light, moderate, source], "longest")[0] == light


def test_credits_and_containment_come_before_closeness() -> None:
    credited = _member(1, 900, 3.0, credit="as first reported by The Times")
    contained = _member(2, 300, 2.5, contained=True)
    kept, reason = choose_canonical([credited, contained, _member(3, 400, 1.0),
                                     _member(4, 800, 2.0)], "original")
    assert kept.index == 4
    assert reason.startswith("0000000000000001 credits another outlet as its source")
    assert "0000000000000002 is contained in another member" in reason
    assert reason.endswith("then closest to the other members (the shares of their word "
                           "5-grams it holds sum to 2.0000, next 1.0000)")


@pytest.mark.parametrize("closeness", [(0.0, 0.0), (1.25, 1.25)])
def test_equal_or_unknown_closeness_falls_to_the_longest_text(
    closeness: tuple[float, float]
) -> None:
    short, long = _member(1, 300, closeness[0]), _member(2, 700, closeness[1])
    kept, reason = choose_canonical([short, long], "original")
    assert kept == long
    assert reason == "longest text among 2 candidates"


def test_closeness_sums_that_differ_by_rounding_tie() -> None:
    """Sums of the same scores added in another order may differ in the last bits: they tie."""
    a, b = _member(1, 300, 0.1 + 0.2 + 0.3), _member(2, 700, 0.3 + 0.2 + 0.1)
    assert a.closeness != b.closeness
    assert choose_canonical([a, b], "original")[0] == b


@given(st.lists(st.tuples(st.integers(20, 2000), st.sampled_from([0.0, 0.5, 1.0, 1.5]),
                          st.booleans(), st.booleans()), min_size=1, max_size=8),
       st.randoms(use_true_random=False))
def test_every_policy_keeps_the_same_member_in_any_order(
    specs: list[tuple[int, float, bool, bool]], rng: random.Random
) -> None:
    members = [_member(k, words, closeness, credit="via AP" if credit else "",
                       contained=contained)
               for k, (words, closeness, credit, contained) in enumerate(specs)]
    shuffled = list(members)
    rng.shuffle(shuffled)
    for policy in ("original", "longest", "first"):
        assert choose_canonical(members, policy) == choose_canonical(shuffled, policy)
