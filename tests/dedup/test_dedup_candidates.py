"""Documents paired by the keys they share: all-to-all in small buckets, chained in large ones."""

from __future__ import annotations

import random
from itertools import combinations, pairwise

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.dedup.phases import _bucket_pairs


def _naive(keys: list[int], members: list[int], rank: list[int], n: int, max_bucket: int,
           skip_above: int) -> list[int]:
    buckets: dict[int, list[int]] = {}
    for key, member in zip(keys, members, strict=True):
        buckets.setdefault(key, []).append(rank[member])
    codes = []
    for ranks in buckets.values():
        ranks.sort()
        if len(ranks) < 2 or (skip_above and len(ranks) > skip_above):
            continue
        if len(ranks) <= max_bucket:
            codes += [a * n + b for a, b in combinations(ranks, 2)]
        else:
            codes += [a * n + b for a, b in pairwise(ranks)]
    return sorted(codes)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 19)), max_size=60),
       st.integers(2, 6), st.integers(0, 8), st.randoms(use_true_random=False))
def test_bucket_pairs_are_all_pairs_of_small_buckets_and_chains_of_large_ones(
        records: list[tuple[int, int]], max_bucket: int, skip_above: int,
        rng: random.Random) -> None:
    n = 20
    rank = list(range(n))
    rng.shuffle(rank)
    keys = [k for k, _ in records]
    members = [m for _, m in records]
    found = _bucket_pairs(np.array(keys, dtype=np.uint64), np.array(members, dtype=np.int64),
                          np.array(rank, dtype=np.int64), n, max_bucket, skip_above)
    assert sorted(found.tolist()) == _naive(keys, members, rank, n, max_bucket, skip_above)
