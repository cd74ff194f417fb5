"""Verification shortcuts give the verdict the full alignment gives.

Bulk verification prunes pairs that upper bounds rule out (``verify_pair(..., prune=True)``),
keys all sentences of a text in one call, and compares sentence vectors over the stems two
texts share only; each must leave every verdict as it was.
"""

from __future__ import annotations

import json
from itertools import combinations
from unittest.mock import patch

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.dedup import DedupConfig, RewriteConfig
from corpus.dedup.align import (
    PairVerdict,
    _sentence_keys,
    _similarity_matrix,
    build_profile,
    longest_run,
    retold_in_order,
    run_counted,
    verify_pair,
)
from corpus.dedup.text import Sentence
from corpus.records import Relation
from corpus.text.keys import hashing_key

from .helpers import DATA

TEXTS = [
    "\n\n".join(paragraphs)
    for name in ("rewrites.json", "paraphrases.json")
    for topic in json.loads((DATA / name).read_text("utf-8"))["topics"]
    for key, paragraphs in topic.items()
    if key != "name"
]


def _profile(text: str):  # type: ignore[no-untyped-def]
    return build_profile(text, hashing_key(text), 5)


def test_pruning_keeps_every_verdict_on_hand_written_pairs() -> None:
    profiles = [_profile(t) for t in TEXTS]
    relations = set()
    for config in (DedupConfig(), DedupConfig(rewrite=RewriteConfig(threshold=0.05))):
        for a, b in combinations(profiles, 2):
            full = verify_pair(a, b, config)
            pruned = verify_pair(a, b, config, prune=True)
            assert pruned.relation is full.relation
            assert pruned.score == full.score
            relations.add(full.relation)
    assert Relation.REWRITE in relations
    assert Relation.UNIQUE in relations


def test_similarity_matrix_is_the_cosine_over_all_stems() -> None:
    a, b = _profile(TEXTS[0]), _profile(TEXTS[1])
    found = _similarity_matrix(a, b)
    vocabulary = np.union1d(a.term_stem, b.term_stem)
    left = np.zeros((len(a.sentences), len(vocabulary)))
    right = np.zeros((len(b.sentences), len(vocabulary)))
    left[a.term_sentence, np.searchsorted(vocabulary, a.term_stem)] = a.term_tf
    right[b.term_sentence, np.searchsorted(vocabulary, b.term_stem)] = b.term_tf
    left /= np.maximum(np.linalg.norm(left, axis=1, keepdims=True), 1e-300)
    right /= np.maximum(np.linalg.norm(right, axis=1, keepdims=True), 1e-300)
    assert np.allclose(found, left @ right.T)
    assert found.max() > 0.3


_PIECES = st.sampled_from(["Mr. Hale", "said", "—", "...", "“quoted”", "42", "l'été", "ÉCOLE",
                           "!!", "a", "  ", "Straße", "x\ny"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=6).map(" ".join), max_size=8))
def test_sentence_keys_match_one_key_per_sentence(texts: list[str]) -> None:
    sentences = tuple(Sentence(0, t) for t in texts)
    assert _sentence_keys(sentences) == [hashing_key(t.replace("\n", " ")) for t in texts]


def test_rare_term_cap_grows_with_the_corpus() -> None:
    from corpus.dedup import CandidateConfig

    config = CandidateConfig()
    assert config.df_cap(1_000) == 64
    assert config.df_cap(10_000) == 100
    assert config.df_cap(100_000) == 1_000
    assert CandidateConfig(max_df=5, max_df_fraction=0.5).df_cap(3) == 5


def test_rare_term_fraction_is_checked() -> None:
    from corpus.dedup import CandidateConfig
    from corpus.errors import ConfigError

    for bad in (0.0, 1.5, float("nan"), True):
        with pytest.raises(ConfigError, match="max_df_fraction"):
            CandidateConfig(max_df_fraction=bad)


def _with_copies(texts: list[str]) -> list[str]:
    """The texts, and for each a copy with every other sentence dropped and one word changed
    per kept sentence (a rewrite the alignment finds), so both verdicts occur."""
    out = list(texts)
    for text in texts:
        sentences = [s for s in text.replace("\n", " ").split(". ") if s]
        out.append(". ".join(s.replace(" the ", " a ", 1) for s in sentences[::2]))
    return out


def test_batched_verification_gives_the_verdicts_of_verify_pair() -> None:
    from corpus.dedup.align import verify_many

    profiles = [_profile(t) for t in [*_with_copies(TEXTS), "", "One word."]]
    relations: set[Relation] = set()
    for config in (DedupConfig(), DedupConfig(rewrite=RewriteConfig(threshold=0.05))):
        for k, a in enumerate(profiles):
            others = profiles[:k] + profiles[k + 1:]
            expected = [verify_pair(a, b, config, prune=True) for b in others]
            assert verify_many(a, others, config) == expected
            relations.update(v.relation for v in expected)
    assert {Relation.REWRITE, Relation.UNIQUE, Relation.NEAR} <= relations


def test_batched_verification_splits_large_batches(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from corpus.dedup import align

    monkeypatch.setattr(align, "_BATCH_SENTENCES", 7)
    profiles = [_profile(t) for t in _with_copies(TEXTS)]
    config = DedupConfig()
    a, others = profiles[0], profiles[1:]
    assert align.verify_many(a, others, config) == [verify_pair(a, b, config, prune=True)
                                                    for b in others]


_WORDS = st.sampled_from(["storm", "harbour", "mayor", "council", "flood", "bridge", "rain",
                          "closed", "said", "the", "of", "Hale", "42", "river", "school"])
_TEXT = st.lists(st.lists(_WORDS, min_size=0, max_size=12).map(" ".join).map(
    lambda s: s[:1].upper() + s[1:] + "."), max_size=10).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(_TEXT, min_size=2, max_size=6), st.floats(0.05, 1.0))
def test_batched_verification_matches_on_texts_of_one_vocabulary(
        texts: list[str], threshold: float) -> None:
    """Texts drawn from a dozen words share most stems: the bounds are tight here."""
    from corpus.dedup.align import verify_many

    config = DedupConfig(rewrite=RewriteConfig(threshold=threshold))
    profiles = [_profile(t) for t in texts]
    a, others = profiles[0], profiles[1:]
    assert verify_many(a, others, config) == [verify_pair(a, b, config, prune=True)
                                              for b in others]


def _reference_chain(rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64],
                     weights: npt.NDArray[np.float64], baseline: float,
                     gap: float) -> tuple[list[int], float]:
    """The alignment's dynamic programme one match at a time (as first written)."""
    total = len(rows)
    if total == 0:
        return [], 0.0
    gains = weights - baseline
    best = np.zeros(total)
    previous = np.full(total, -1, dtype=np.int64)
    row_start = np.searchsorted(rows, rows, side="left")
    for t in range(total):
        best[t] = gains[t]
        before = int(row_start[t])
        if before:
            skipped = np.maximum(rows[t] - rows[:before], cols[t] - cols[:before]) - 1
            value = best[:before] + gains[t] - gap * skipped
            value[cols[:before] >= cols[t]] = -np.inf
            u = int(np.argmax(value))
            if value[u] > best[t]:
                best[t], previous[t] = value[u], u
    last = int(np.argmax(best))
    score = float(best[last])
    chain: list[int] = []
    while last >= 0:
        chain.append(last)
        last = int(previous[last])
    return chain[::-1], score


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12),
                          st.sampled_from([0.3, 0.35, 0.5, 0.7, 1.0, 0.41])),
                max_size=60, unique_by=lambda t: (t[0], t[1])),
       st.sampled_from([0.0, 0.1, 0.2]), st.sampled_from([0.0, 0.05, 0.1]),
       st.sampled_from([0, 10**6]))
def test_alignment_by_rows_is_the_alignment_match_by_match(
        matches: list[tuple[int, int, float]], baseline: float, gap: float, few: int) -> None:
    """Both ways of finding the chain (array operations by rows; Python floats for a few
    matches) give the chain and score of the match-by-match programme."""
    from corpus.dedup import align

    matches.sort()
    rows = np.array([m[0] for m in matches], dtype=np.int64)
    cols = np.array([m[1] for m in matches], dtype=np.int64)
    weights = np.array([m[2] for m in matches], dtype=np.float64)
    with patch.object(align, "_FEW_MATCHES", few):
        found = align._local_chain(rows, cols, weights, baseline, gap)
    expected = _reference_chain(rows, cols, weights, baseline, gap)
    assert found == expected
    assert type(found[1]) is float


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 200), max_size=40), min_size=1, max_size=6),
       st.lists(st.integers(0, 200), max_size=40))
def test_shared_counts_are_the_counts_pair_by_pair(others: list[list[int]],
                                                   mine: list[int]) -> None:
    """Shingles found through the low-bits table are those a binary search finds (values
    drawn from a small range, shifted so that only 16 low-bit patterns occur, collide in
    their low bits often and in full sometimes)."""
    from types import SimpleNamespace

    from corpus.dedup.align import _shared_count, _shared_counts

    def hashes(values: list[int]) -> npt.NDArray[np.uint64]:
        return np.unique(np.array(values, dtype=np.uint64) << np.uint64(12))

    shingles = hashes(mine)
    profiles = [SimpleNamespace(shingles=hashes(v)) for v in others]
    assert _shared_counts(shingles, profiles) == [  # type: ignore[arg-type]
        _shared_count(shingles, p.shingles) for p in profiles]


def _paths_agree(texts: list[str], config: DedupConfig) -> list[PairVerdict]:
    """The first text against the others: the batched verdicts equal the pruned ones, and
    their relations the unpruned ones'; the unpruned verdicts."""
    from corpus.dedup.align import verify_many

    profiles = [_profile(t) for t in texts]
    a, others = profiles[0], profiles[1:]
    pruned = [verify_pair(a, b, config, prune=True) for b in others]
    assert verify_many(a, others, config) == pruned
    full = [verify_pair(a, b, config) for b in others]
    assert [v.relation for v in pruned] == [v.relation for v in full]
    return full


@settings(max_examples=80, deadline=None)
@given(st.lists(_TEXT, min_size=2, max_size=6), st.integers(1, 6), st.floats(0.05, 1.0),
       st.integers(0, 6), st.floats(0.05, 1.0))
def test_bounds_never_prune_a_pair_the_retelling_test_passes(
        texts: list[str], min_retold: int, share: float, short_retold: int,
        short_share: float) -> None:
    """With the retelling test in reach of these short texts (``min_retold`` 1-6, where the
    default is 20; a short retelling's tier anywhere from off to above it) and the chain's
    pair score out of reach, the batched, the pruned and the unpruned verdicts agree: neither
    path's bounds rule out a pair either tier passes."""

    config = DedupConfig(rewrite=RewriteConfig(min_retold=min_retold, retold_share=share,
                                               short_retold=short_retold,
                                               short_retold_share=short_share,
                                               threshold=1.0))
    _paths_agree(texts, config)


def test_a_retelling_decides_with_its_share_as_the_pair_score() -> None:
    """A text that keeps every sentence of another in order, each cut short, and adds its own:
    the retelling test (``min_retold`` lowered to these short texts) makes it a rewrite whose
    score is the share of the shorter text's sentences retold; with the test off it is not
    one, and the bounds agree."""
    source = ". ".join(f"The {w} council met the mayor about the {w} bridge on day {k}"
                       for k, w in enumerate(["storm", "harbour", "flood", "river", "school",
                                              "rain", "market", "station"])) + "."
    retold = ". ".join(f"Council and {w} bridge, day {k}" for k, w in enumerate(
        ["storm", "harbour", "flood", "river", "school", "rain", "market", "station"])) + "."
    a, b = _profile(source), _profile(retold)
    on = DedupConfig(rewrite=RewriteConfig(min_retold=6, threshold=1.0))
    off = DedupConfig(rewrite=RewriteConfig(min_retold=0, threshold=1.0))
    found = verify_pair(a, b, on)
    assert found.relation is Relation.REWRITE
    assert found.score == found.link >= on.rewrite.retold_share
    assert found.evidence
    assert verify_pair(a, b, off).relation is Relation.UNIQUE
    assert verify_pair(a, b, on, prune=True) == found


def test_moved_passages_are_strong_chains_among_the_sentences_left_over() -> None:
    """Beside a main chain on the diagonal, a block of two strong pairs off it is a moved
    passage; a single strong pair, or two weak ones, are not; with ``moved_passages`` 0
    nothing is."""
    from corpus.dedup.align import moved_passages

    similarity = np.zeros((10, 10))
    for k in (0, 1, 2, 6, 7):
        similarity[k, k] = 0.9
    similarity[3, 8] = similarity[4, 9] = 0.7  # a moved paragraph: score 2 x 0.5 = 1.0
    similarity[5, 3] = 0.95  # one sentence on its own
    main_rows = np.array([0, 1, 2, 6, 7], dtype=np.int64)
    rewrite = RewriteConfig()
    rows, cols, score = moved_passages(similarity, main_rows, main_rows, rewrite)
    assert rows.tolist() == [3, 4]
    assert cols.tolist() == [8, 9]
    assert score == pytest.approx(1.0)
    similarity[3, 8] = similarity[4, 9] = 0.55  # score 0.7, under moved_score 0.8
    rows, cols, score = moved_passages(similarity, main_rows, main_rows, rewrite)
    assert len(rows) == 0
    assert score == 0.0
    similarity[3, 8] = similarity[4, 9] = 0.7
    off = RewriteConfig(moved_passages=0)
    assert len(moved_passages(similarity, main_rows, main_rows, off)[0]) == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(_TEXT, min_size=2, max_size=6), st.integers(0, 3),
       st.sampled_from([0.0, 0.3, 0.8, 1.2]), st.floats(0.05, 1.0))
def test_moved_passages_keep_the_bounds_and_use_each_sentence_once(
        texts: list[str], moved: int, moved_score: float, threshold: float) -> None:
    """With moved passages at any setting, the batched, pruned and unpruned verdicts agree
    (the bounds, a sum of each sentence's best match, hold for the whole alignment), no
    sentence of either text is aligned twice, and the moved pairs are part of the aligned
    ones."""

    config = DedupConfig(rewrite=RewriteConfig(moved_passages=moved, moved_score=moved_score,
                                               threshold=threshold),
                         evidence_passages=1000)
    full = _paths_agree(texts, config)
    for found in full:
        assert 0 <= found.moved <= found.aligned
        if not moved:
            assert found.moved == 0
        if found.relation is Relation.REWRITE:
            lefts = [p.left for p in found.evidence]
            rights = [p.right for p in found.evidence]
            assert len(set(lefts)) == len(lefts)
            assert len(set(rights)) == len(rights)


def test_a_retelling_passes_either_tier_and_is_explained_by_its_own() -> None:
    """``min_retold`` 20 at 0.7 or ``short_retold`` 12 at 0.75: 12 of 16 sentences (0.75)
    pass the short tier, 11 of 14 (0.79) pass neither, 20 of 28 (0.71) the first; with
    ``short_retold`` 0 only the first counts, and with ``min_retold`` 0 neither."""
    from corpus.dedup.align import InOrder, retelling_tier, retells

    def retold(count: int, of: int) -> InOrder:
        return InOrder((), 5.0, 0.5, 0.5, count, count / of)

    rewrite = RewriteConfig()
    assert retells(retold(12, 16), rewrite)
    assert retelling_tier(retold(12, 16), rewrite) == (12, 0.75)
    assert not retells(retold(11, 14), rewrite)
    assert retelling_tier(retold(11, 14), rewrite) == (20, 0.7)  # no count reached: the first
    assert not retells(retold(13, 20), rewrite)  # 0.65
    assert retelling_tier(retold(13, 20), rewrite) == (12, 0.75)
    assert retells(retold(20, 28), rewrite)
    assert retelling_tier(retold(20, 28), rewrite) == (20, 0.7)
    assert not retells(retold(12, 16), RewriteConfig(short_retold=0))
    assert not retells(retold(20, 28), RewriteConfig(min_retold=0))
    assert not retells(InOrder((), 0.3, 0.5, 0.5, 12, 0.8), rewrite)  # score under min_score


def _chain_reference(matched: npt.NDArray[np.bool_]) -> int:
    """The longest chain of matched cells increasing in rows and in columns, by brute force."""
    n, m = matched.shape
    best: dict[tuple[int, int], int] = {}
    for i in range(n):
        for j in range(m):
            if matched[i, j]:
                best[(i, j)] = 1 + max((v for (r, c), v in best.items() if r < i and c < j),
                                       default=0)
    return max(best.values(), default=0)


def _matrices(smallest: int, values: list[float]) -> st.SearchStrategy[npt.NDArray[np.float64]]:
    """Similarity matrices of ``smallest`` to 9 rows and columns, each cell one of ``values``."""
    return st.integers(smallest, 9).flatmap(lambda n: st.integers(smallest, 9).flatmap(
        lambda m: st.lists(st.sampled_from(values), min_size=n * m, max_size=n * m).map(
            lambda v: np.array(v, dtype=np.float64).reshape(n, m))))


_GRID = _matrices(0, [0.0, 0.1, 0.2, 0.25, 0.5, 0.9])


@settings(max_examples=300, deadline=None)
@given(_GRID, st.sampled_from([0.0, 0.05, 0.1, 0.19]), st.sampled_from([0.0, 0.05, 0.5]))
def test_the_in_order_reach_bounds_every_retelling_alignment(
        similarity: npt.NDArray[np.float64], baseline: float, gap: float) -> None:
    """:func:`in_order_reach` is the longest chain of matched pairs by brute force, and no
    in-order alignment at that cut retells more of the shorter text, whatever its baseline
    and gap: the bound that spares the alignment never rules out one that passes."""
    from corpus.dedup.align import in_order_alignment, in_order_reach

    matched = similarity >= 0.2 - 1e-12
    reach = in_order_reach(matched)
    assert reach == _chain_reference(matched)
    n, m = similarity.shape
    found = in_order_alignment(similarity, np.ones(n, dtype=np.int64),
                               np.ones(m, dtype=np.int64), cut=0.2, baseline=baseline, gap=gap)
    assert found.retold <= reach


@settings(max_examples=80, deadline=None)
@given(st.lists(_TEXT, min_size=2, max_size=2), st.integers(1, 6), st.floats(0.05, 1.0))
def test_the_retelling_bounds_keep_every_verdict_of_the_alignment(
        texts: list[str], min_retold: int, share: float) -> None:
    """The retelling test decides the same with its bounds as with the alignment always run."""
    from corpus.dedup.align import _retold, retells

    a, b = (_profile(t) for t in texts)
    rewrite = RewriteConfig(min_retold=min_retold, retold_share=share, short_retold=0,
                            threshold=1.0)
    similarity = _similarity_matrix(a, b)
    bounded = _retold(a, b, similarity, rewrite)
    full = _retold(a, b, similarity, rewrite, bound=False)
    assert (bounded is None) == (full is None)
    if bounded is not None and full is not None:
        assert retells(bounded[0], rewrite) == retells(full[0], rewrite)
        if retells(full[0], rewrite):
            assert bounded == full


def test_a_run_counts_only_in_a_text_long_enough_to_hold_other_material() -> None:
    """A run of 10 aligned sentences is a pair score of 10 / 16 when the shorter text has 24
    sentences or more (``min_run_text``); in a text of 20 it is most of the text, and the
    density alone scores the pair; with ``min_run_text`` 0 it counts anywhere."""
    from corpus.dedup.align import pair_score

    rewrite = RewriteConfig()
    assert pair_score(1.0, 24, 10, rewrite) == pytest.approx(10 / 16)
    assert pair_score(1.0, 20, 10, rewrite) == pytest.approx(1.0 / (0.8 * 20))
    assert pair_score(1.0, 20, 10, RewriteConfig(min_run_text=0)) == pytest.approx(10 / 16)


def _loose_reference(similarity: npt.NDArray[np.float64], cut: float) -> int:
    """The longest loose run by brute force over the pairs: each pair at ``cut`` or more and
    among the 3 best of its row or its column, each step one or two on in both texts."""
    n, m = similarity.shape
    usable = set()
    for i in range(n):
        for j in range(m):
            value = similarity[i, j]
            row_rank = int((similarity[i] > value).sum())
            col_rank = int((similarity[:, j] > value).sum())
            if value >= cut - 1e-12 and (row_rank < 3 or col_rank < 3):
                usable.add((i, j))
    best: dict[tuple[int, int], int] = {}
    for i, j in sorted(usable):
        best[(i, j)] = 1 + max((best.get((i - di, j - dj), 0) for di in (1, 2)
                                for dj in (1, 2)), default=0)
    return max(best.values(), default=0)


_MATRIX = _matrices(1, [0.0, 0.05, 0.1, 0.2, 0.3, 0.6])


@settings(max_examples=300, deadline=None)
@given(_MATRIX, st.sampled_from([0.05, 0.1, 0.3]))
def test_a_loose_run_is_the_longest_by_brute_force_and_valid(
        similarity: npt.NDArray[np.float64], cut: float) -> None:
    """The run :func:`loose_run` finds is as long as the longest by brute force, in either
    orientation; its pairs advance one or two sentences a step in both texts, each at the cut
    or more; and with ``least`` it is the same run, or none when it is shorter."""
    from corpus.dedup.align import loose_run

    rows, cols = loose_run(similarity, cut)
    assert len(rows) == len(cols) == _loose_reference(similarity, cut)
    flipped_rows, _ = loose_run(similarity.T.copy(), cut)
    assert len(flipped_rows) == len(rows)
    assert all(similarity[i, j] >= cut for i, j in zip(rows.tolist(), cols.tolist(),
                                                        strict=True))
    assert all(1 <= d <= 2 for d in np.diff(rows).tolist() + np.diff(cols).tolist())
    for least in (1, 3, 5):
        bounded, _ = loose_run(similarity, cut, least)
        if len(rows) >= least:
            assert bounded.tolist() == rows.tolist()
        else:
            assert len(bounded) == 0


def test_a_loose_run_follows_the_diagonal_and_not_a_crowd_of_matches() -> None:
    """A rewrite told sentence by sentence: weak pairs (0.15) near the diagonal, a step
    skipping a sentence now and then, make one run; a step of three breaks it. A matrix where
    every pair is strong but none lines up (a narrow vocabulary, written independently) has
    only short runs: a pair must be among the 3 best of its row or column."""
    from corpus.dedup.align import loose_run

    similarity = np.full((30, 30), 0.02)
    for k in range(30):
        similarity[k, k] = 0.15
    similarity[10, 10] = similarity[11, 11] = 0.0  # one sentence each left out: 9 -> 12 breaks
    rows, cols = loose_run(similarity, 0.1)
    assert (rows.tolist(), cols.tolist()) == (list(range(12, 30)), list(range(12, 30)))
    similarity[10, 10] = 0.15  # 9 -> 10 -> 12: steps of one and two
    rows, _ = loose_run(similarity, 0.1)
    assert rows.tolist() == [*range(11), *range(12, 30)]
    crowd = np.random.default_rng(0).uniform(0.3, 0.6, (30, 30))  # every pair above the cut
    assert len(loose_run(crowd, 0.1)[0]) <= 8
    assert len(loose_run(np.zeros((0, 4)), 0.1)[0]) == 0


@settings(max_examples=80, deadline=None)
@given(st.lists(_TEXT, min_size=2, max_size=6), st.integers(1, 6),
       st.sampled_from([0.05, 0.1, 0.3]))
def test_bounds_never_prune_a_pair_a_loose_run_passes(
        texts: list[str], least: int, cut: float) -> None:
    """With a loose run in reach of these short texts (``loose_run`` 1-6) and the other tests
    out of reach, the batched, the pruned and the unpruned
    verdicts agree, and a rewrite's score is its run over twice the least run."""

    config = DedupConfig(rewrite=RewriteConfig(loose_run=least, loose_similarity=cut,
                                               min_retold=0, threshold=1.0, min_run=1000))
    full = _paths_agree(texts, config)
    for found in full:
        if found.relation is Relation.REWRITE and found.jaccard < 0.5 and (
                found.containment < 0.7):
            assert found.run >= least
            assert found.score == pytest.approx(min(1.0, found.run / (2 * least)), abs=1e-4)


def test_a_loose_run_needs_as_many_sentences_in_the_shorter_text() -> None:
    """A loose run of ``loose_run`` (18) pairs needs that many sentences in either text with a
    match, whatever ``min_run_text`` (the chain's runs'); 0 turns the test off."""
    from corpus.dedup.align import _loose_possible

    assert not _loose_possible(np.eye(17) * 0.3, RewriteConfig())
    assert _loose_possible(np.eye(18) * 0.3, RewriteConfig())
    assert _loose_possible(np.eye(18) * 0.3, RewriteConfig(min_run_text=100))
    assert not _loose_possible(np.eye(30) * 0.05, RewriteConfig())  # under the similarity
    assert not _loose_possible(np.eye(24) * 0.3, RewriteConfig(loose_run=0))


@st.composite
def _blocks(draw: st.DrawFn) -> list[npt.NDArray[np.float64]]:
    """Similarity matrices of several sizes with the same columns (one document's)."""
    m = draw(st.integers(1, 7))
    found = []
    for n in draw(st.lists(st.integers(1, 9), min_size=1, max_size=80)):
        values = draw(st.lists(st.sampled_from([0.0, 0.05, 0.1, 0.2, 0.3, 0.6]),
                               min_size=n * m, max_size=n * m))
        found.append(np.array(values, dtype=np.float64).reshape(n, m))
    return found


@settings(max_examples=200, deadline=None)
@given(_blocks(), st.integers(0, 6), st.sampled_from([0.05, 0.1, 0.3]))
def test_loose_runs_bounded_many_at_once_are_those_bounded_one_by_one(
        blocks: list[npt.NDArray[np.float64]], least: int, cut: float) -> None:
    """The batched bound of :func:`verify_many` (matrices of several sizes, in groups,
    padded) says a loose run reaches ``least`` exactly where the programme on each matrix
    alone does."""
    from corpus.dedup.align import _loose_cells, _loose_lengths, _loose_reaches

    alone = [_loose_lengths(_loose_cells(b, cut), least) is not None for b in blocks]
    assert _loose_reaches(blocks, cut, least, 0.0).tolist() == alone


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(1, 3), st.booleans()), max_size=30))
def test_a_run_counts_the_counted_pairs_of_its_close_steps(
        steps: list[tuple[int, int, bool]]) -> None:
    """Against a plain restatement: the chain is cut where a step skips more than one
    sentence in either text; a run is the count of counted pairs between two cuts."""
    rows = np.cumsum([r for r, _, _ in steps], dtype=np.int64)
    cols = np.cumsum([c for _, c, _ in steps], dtype=np.int64)
    counted = np.array([k for _, _, k in steps], dtype=bool)
    best = current = 0
    for t in range(len(steps)):
        close = t > 0 and rows[t] - rows[t - 1] <= 2 and cols[t] - cols[t - 1] <= 2
        current = (current if close else 0) + int(counted[t])
        best = max(best, current)
    assert longest_run(rows, cols, counted) == best
    assert longest_run(rows, cols) == longest_run(rows, cols, np.ones(len(steps), dtype=bool))


def test_shared_quotations_count_toward_no_run_and_retell_nothing() -> None:
    """Two reports that quote one speaker, line after line, in the order she spoke, and
    tell the rest apart: the quotations align at similarity 1, but make no run."""
    quotes = [f'"We will strike on day {k} because ward {k} has {k + 3} patients a nurse," '
              f"she said." for k in range(1, 11)]
    places = ["Arden", "Brell", "Corvo", "Dunmere", "Eskar", "Fenwold", "Garrow", "Hollis",
              "Istra", "Jorvik"]
    colours = ["amber", "cobalt", "crimson", "ivory", "jade", "ochre", "russet", "scarlet",
               "teal", "violet"]
    own_a = [f"Reporters in {p} watched the pickets gather outside the gates at dawn."
             for p in places]
    own_b = [f"Banners in {c} hung from lampposts along the avenue through the afternoon."
             for c in colours]
    text_a = "\n".join(f"{o} {q}" for o, q in zip(own_a, quotes, strict=True))
    text_b = "\n".join(f"{o} {q}" for o, q in zip(own_b, quotes, strict=True))
    a = build_profile(text_a, hashing_key(text_a), 5)
    b = build_profile(text_b, hashing_key(text_b), 5)
    assert int((a.quoted >= 0.5).sum()) == int((b.quoted >= 0.5).sum()) == 10
    verdict = verify_pair(a, b, DedupConfig(rewrite=RewriteConfig(min_run_text=0)))
    assert verdict.run < RewriteConfig().min_run
    rows = np.flatnonzero(a.quoted >= 0.5)
    cols = np.flatnonzero(b.quoted >= 0.5)
    assert longest_run(rows, cols, run_counted(a, b, rows, cols, 0.5)) == 0
    assert longest_run(rows, cols) == 10  # counted, the quotations alone would make a run
    retold = retold_in_order(a, b, RewriteConfig())
    assert retold is not None
    assert retold.retold == 0
