"""The in-order alignment of the semantic retelling test (:func:`in_order_alignment`)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from corpus.dedup.align import InOrder, in_order_alignment, retelling
from corpus.dedup.config import SemanticConfig

CUT, BASE, GAP = 0.5, 0.4, 0.05


def align(matrix: np.ndarray, words: tuple[int, int] = (10, 10)) -> InOrder:
    n, m = matrix.shape
    return in_order_alignment(matrix.astype(np.float64), np.full(n, words[0], dtype=np.int64),
                              np.full(m, words[1], dtype=np.int64), cut=CUT, baseline=BASE,
                              gap=GAP)


def score_of(pairs: list[tuple[int, int]], matrix: np.ndarray) -> float:
    """The local score of an alignment: gains minus the gaps between its first and last row."""
    if not pairs:
        return 0.0
    rows = [i for i, _ in pairs]
    gains = sum(float(matrix[i, j]) - BASE for i, j in pairs)
    return gains - GAP * (rows[-1] - rows[0] + 1 - len(pairs))


def brute_force(matrix: np.ndarray) -> float:
    """The best score over every in-order assignment of rows to columns (or to none)."""
    n, m = matrix.shape
    best = 0.0
    for choice in itertools.product(range(-1, m), repeat=n):
        pairs = [(i, j) for i, j in enumerate(choice) if j >= 0]
        cols = [j for _, j in pairs]
        if cols != sorted(cols) or any(matrix[i, j] < CUT for i, j in pairs):
            continue
        # A local alignment may start and end anywhere: every contiguous slice of the pairs.
        for a in range(len(pairs)):
            for b in range(a + 1, len(pairs) + 1):
                best = max(best, score_of(pairs[a:b], matrix))
    return best


def test_a_sentence_by_sentence_rewrite_aligns_whole() -> None:
    found = align(np.eye(6) * 0.9)
    assert [(i, j) for i, j, _ in found.pairs] == [(i, i) for i in range(6)]
    assert found.coverage == found.used == 1.0
    assert found.strength == pytest.approx(6 * 0.5)


def test_a_condensed_retelling_maps_several_sentences_onto_one() -> None:
    # Ten sentences retold in five: sentences 2k and 2k + 1 of the longer text become k.
    matrix = np.zeros((10, 5))
    for i in range(10):
        matrix[i, i // 2] = 0.8
    found = align(matrix)
    assert [(i, j) for i, j, _ in found.pairs] == [(i, i // 2) for i in range(10)]
    assert found.coverage == 1.0


def test_retold_counts_each_sentence_of_the_shorter_text_once() -> None:
    matrix = np.zeros((10, 8))
    for i in range(10):
        matrix[i, i // 2] = 0.8  # ten sentences onto five of the eight
    found = align(matrix)
    assert (found.retold, found.share) == (5, 5 / 8)


def condensed_matrix(kept: int, shorter: int = 12, rows: int = 40) -> np.ndarray:
    """``rows`` sentences, every third of the first ``3 * kept`` retold by one of ``shorter``."""
    matrix = np.zeros((rows, shorter))
    for k in range(kept):
        matrix[3 * k, k] = 0.8
    return matrix


def measure(matrix: np.ndarray, min_sentences: int = 12, min_lift: float = 0.2) -> float:
    gate = SemanticConfig().alignment  # 20 sentences of the longer text, threshold 0.65
    n, m = matrix.shape
    return retelling(matrix, np.full(n, 10, dtype=np.int64), np.full(m, 10, dtype=np.int64),
                     gate, min_sentences=min_sentences, min_lift=min_lift).score


def test_the_pair_score_counts_each_share_once_its_count_is_reached() -> None:
    assert measure(condensed_matrix(12)) == 1.0  # 12 of 12 retold; 12 of 40 covered
    assert measure(condensed_matrix(12), min_sentences=13) == 0.0  # the share does not count
    assert measure(condensed_matrix(12), min_sentences=0) == 0.0  # 0: the share is off
    assert measure(condensed_matrix(9)) == 0.0  # 9 retold: under the 12 it needs
    whole = np.eye(30)[:, :20] * 0.8  # 20 of 30 sentences covered, 20 of 20 retold
    assert measure(whole) == 1.0
    assert measure(whole, min_sentences=0) == pytest.approx(20 / 30)


def test_a_sentence_like_every_other_retells_none() -> None:
    # A narrow topic: every pair at 0.6, sentence k of 12 at 0.7 with sentence k of 19, only
    # 0.1 above its mean (19 sentences: the longer-text share, which needs 20, stays out).
    matrix = np.full((19, 12), 0.6)
    for k in range(12):
        matrix[k, k] = 0.7
    assert measure(matrix) == 0.0
    assert measure(matrix, min_lift=0.0) == 1.0
    matrix[np.arange(12), np.arange(12)] = 0.9  # standing out by 0.3: retold
    assert measure(matrix) == 1.0


def test_the_same_sentences_in_reverse_order_do_not_align() -> None:
    found = align(np.fliplr(np.eye(6)) * 0.9)
    assert len(found.pairs) == 1
    assert found.coverage == pytest.approx(1 / 6)


def test_below_the_cut_nothing_aligns() -> None:
    found = align(np.full((4, 4), CUT - 0.01))
    assert found.pairs == ()
    assert found.strength == 0.0
    assert found.coverage == 0.0


def test_coverage_counts_words_of_the_longer_text() -> None:
    matrix = np.zeros((3, 2))
    matrix[0, 0] = matrix[1, 1] = 0.9
    found = in_order_alignment(matrix, np.array([10, 30, 60]), np.array([5, 5]), cut=CUT,
                               baseline=BASE, gap=GAP)
    assert found.coverage == pytest.approx(40 / 100)
    assert found.used == 1.0


def test_empty_texts_align_nothing() -> None:
    assert align(np.zeros((0, 3))).pairs == ()
    assert align(np.zeros((3, 0))).pairs == ()


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0)])
@pytest.mark.parametrize("min_sentences", [0, 12])
def test_an_empty_text_retells_nothing_without_a_warning(shape: tuple[int, int],
                                                         min_sentences: int) -> None:
    assert measure(np.zeros(shape), min_sentences=min_sentences) == 0.0


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 3)),
              elements=st.sampled_from([0.0, 0.45, 0.55, 0.7, 0.95])))
def test_the_alignment_is_in_order_and_optimal(matrix: np.ndarray) -> None:
    found = align(matrix)
    pairs = [(i, j) for i, j, _ in found.pairs]
    rows, cols = [i for i, _ in pairs], [j for _, j in pairs]
    assert rows == sorted(set(rows))  # each sentence of the longer text at most once, in order
    assert cols == sorted(cols)  # never backwards in the shorter text
    assert all(matrix[i, j] >= CUT for i, j in pairs)
    assert found.strength == pytest.approx(score_of(pairs, matrix))
    assert found.strength == pytest.approx(brute_force(matrix))
