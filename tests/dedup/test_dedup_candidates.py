"""Documents paired by the keys they share: all-to-all in small buckets, chained in large ones."""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import combinations, pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import DedupConfig, Document, find_duplicates
from corpus.commands.dedup import render_explanation
from corpus.dedup import CandidateConfig
from corpus.dedup.explain import explain_pair
from corpus.dedup.hashing import hash_words, is_stopword
from corpus.dedup.phases import (
    _bucket_pairs,
    _content_words,
    _pair_values,
    _shared_counts,
    _word_pairs,
)

from .helpers import doc_id, make_doc


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


# -- word pairs: a sketch of each text's pairs of adjacent content words ---------------------

_WORDS = st.sampled_from(["heat", "pump", "the", "of", "moves", "refrigerant", "a", "coil",
                          "outdoor", "air", "warm", "and", "cold", "compressor", "house"])


def _sketch(texts: list[str], keep: int) -> list[list[int]]:
    values, owners = _word_pairs(*_content_words(hash_words(texts)), keep)
    return [values[owners == k].tolist() for k in range(len(texts))]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(_WORDS, max_size=30).map(" ".join), min_size=1, max_size=6),
       st.integers(0, 12))
def test_a_word_pair_sketch_is_the_smallest_values_of_the_texts_own_pairs(
        texts: list[str], keep: int) -> None:
    together = _sketch(texts, keep)
    for text, sketch in zip(texts, together, strict=True):
        assert sketch == _sketch([text], keep)[0]  # the rest of the batch changes nothing
        words = hash_words([text])
        content = words.stem[~is_stopword(words.word)]
        every = sorted(set(_pair_values(content[:-1], content[1:]).tolist()))
        assert sketch == every[:keep]


def test_stopwords_between_two_content_words_leave_their_pair() -> None:
    plain, padded = _sketch(["heat pump moves air", "the heat of a pump moves the air"], 16)
    assert plain == padded
    assert len(plain) == 3
    assert _sketch(["pump heat moves air"], 16)[0] != plain  # order matters


def _phrase_corpus(twins: int = 0) -> tuple[list[Document], str, str]:
    """A source, a copy of it with other filler words (no 5-gram in common, the same pairs of
    content words), and 80 texts made of the source's own words in another order: every word
    of the two is in more documents than the rare-term cap (64), so rare terms pair nothing."""
    rng = random.Random(7)
    sentences = [
        "Engineers fitted copper coils beneath every classroom floor last winter",
        "Pupils measured warmer mornings while heating bills dropped sharply",
        "Governors praised contractors whose quiet pumps replaced noisy boilers",
        "Parents noticed classrooms stayed comfortable through freezing February",
        "Auditors confirmed savings exceeded forecasts across seven schools",
        "Councillors proposed extending retrofits toward libraries next spring",
    ]
    fillers = ["the", "of", "a", "and", "to", "in"]
    source = [" ".join(sentences[k:k + 2]) + "." for k in range(0, 6, 2)]
    copy = [" ".join(f"{w} {rng.choice(fillers)}" for w in p.rstrip(".").split()) + "."
            for p in source]
    vocabulary = " ".join(sentences).split()
    docs = [make_doc(source, 0, "phrase source"), make_doc(copy, 1, "phrase copy")]
    for k in range(80):
        words = vocabulary[:]
        rng.shuffle(words)
        docs.append(make_doc([" ".join(words[:36]) + ".", " ".join(words[36:]) + "."],
                             2 + k, f"phrase background {k}"))
    docs += [make_doc(source, 200 + k, f"phrase twin {k}") for k in range(twins)]
    return docs, doc_id("phrase source"), doc_id("phrase copy")


def test_word_pairs_pair_a_copy_whose_every_word_is_common() -> None:
    docs, source, copy = _phrase_corpus()
    found = explain_pair(docs, source, copy).candidates
    assert not found.rare
    assert not found.minhash
    assert not found.paragraph
    assert found.phrase
    assert len(found.shared_pairs) >= 3
    assert "engineers fitted" in found.shared_pairs
    result = find_duplicates(docs)
    assert result.stats.word_pair_candidates >= 1
    assert any({m.id for m in c.members} == {source, copy} for c in result.clusters)


def test_without_word_pairs_the_copy_is_not_a_candidate() -> None:
    docs, source, copy = _phrase_corpus()
    off = DedupConfig(candidates=CandidateConfig(word_pairs=0))
    found = explain_pair(docs, source, copy, off).candidates
    assert not found.candidate
    result = find_duplicates(docs, off)
    assert result.stats.word_pair_candidates == 0
    assert not any(source in {m.id for m in c.members} for c in result.clusters)


def test_near_copies_do_not_make_a_phrase_common() -> None:
    # 70 exact copies of the source put its word pairs in 71 sketches, above the cap (64);
    # they form one near group with one representative, so the pairs still count once.
    docs, source, copy = _phrase_corpus(twins=70)
    result = find_duplicates(docs)
    assert result.stats.word_pair_candidates >= 1
    cluster = next(c for c in result.clusters if source in {m.id for m in c.members})
    assert copy in {m.id for m in cluster.members}


# -- rare terms counted exactly for pairs short by one in chained buckets --------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 7)), max_size=50),
       st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=12))
def test_shared_counts_are_the_sizes_of_the_owners_key_intersections(
        records: list[tuple[int, int]], pairs: list[tuple[int, int]]) -> None:
    held: dict[int, set[int]] = {}
    for key, owner in records:
        held.setdefault(owner, set()).add(key)
    keys = np.array([k * 0x9E3779B97F4A7C15 % 2**64 for k, _ in records], dtype=np.uint64)
    owners = np.array([o for _, o in records], dtype=np.int64)
    left = np.array([a for a, _ in pairs], dtype=np.int64)
    right = np.array([b for _, b in pairs], dtype=np.int64)
    found = _shared_counts(keys, owners, left, right)
    assert found.tolist() == [len(held.get(a, set()) & held.get(b, set())) for a, b in pairs]


_RARE = ["zorblat", "quendix", "vintrop", "plimsek", "gleburn"]
_FILLERS = [f"filler {w}" for w in ("one", "two", "three", "four", "five", "six")]


def _made_up(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{chr(97 + k // 26)}{chr(97 + k % 26)}x" for k in range(count)]


def _two_and_fillers(a: list[str], b: list[str],
                     filler: Callable[[str, list[str]], list[str]]) -> list[Document]:
    """Documents ``recount a`` and ``recount b`` of the words ``a`` and ``b``, and the six
    fillers, each of the words ``filler(name, its own 30 made-up words)``."""
    docs = [make_doc(["Harvest notes", " ".join(a) + "."], 0, "recount a"),
            make_doc(["Field notes", " ".join(b) + "."], 1, "recount b")]
    for k, name in enumerate(_FILLERS):
        words = filler(name, _made_up(f"fil{k}q", 30))
        docs.append(make_doc(["Filler notes", " ".join(words) + "."], 2 + k, name))
    return docs


def _chained_corpus(shared_pairs: int) -> list[Document]:
    """Two texts sharing five terms and nothing else: two (*zorblat*, *quendix*) only with each
    other, three (*vintrop*, *plimsek*, *gleburn*) also with six fillers, so that with
    ``max_bucket=2`` those three buckets are chained in id order, where the two are not
    neighbours. ``shared_pairs`` (1 or 2) is how many pairs of adjacent words they share."""
    first, second, third, fourth, fifth = _RARE
    run = [first, second, third] if shared_pairs == 2 else [first, second, "{own}", third]
    a, b = _made_up("kelm", 30), _made_up("drov", 30)
    a = [*a[:8], *(w.format(own="kelmzzx") for w in run), *a[8:16], fourth, *a[16:24], fifth,
         *a[24:]]
    b = [*b[:10], *(w.format(own="drovzzx") for w in run), *b[10:14], fifth, *b[14:22], fourth,
         *b[22:]]
    return _two_and_fillers(
        a, b, lambda _, own: [*own[:10], third, *own[10:20], fourth, *own[20:], fifth])


def _chained_phrase_corpus() -> list[Document]:
    """As :func:`_chained_corpus`, but the two share their word pairs with the six fillers
    too (*vintrop plimsek gleburn* in all eight): the word-pair buckets are chained as well,
    so the grouping counts neither kind high enough."""
    first, second, third, fourth, fifth = _RARE
    a, b = _made_up("kelm", 30), _made_up("drov", 30)
    a = [*a[:8], first, *a[8:12], second, *a[12:20], third, fourth, fifth, *a[20:]]
    b = [*b[:10], second, *b[10:14], first, *b[14:22], third, fourth, fifth, *b[22:]]
    return _two_and_fillers(a, b, lambda _, own: [*own[:10], third, fourth, fifth, *own[10:]])


_CHAINED = DedupConfig(candidates=CandidateConfig(max_bucket=2, word_pairs=64))


def test_the_chained_corpus_keeps_the_two_apart_in_id_order() -> None:
    order = sorted(doc_id(name) for name in ["recount a", "recount b", *_FILLERS])
    a, b = sorted((order.index(doc_id("recount a")), order.index(doc_id("recount b"))))
    assert b - a > 1  # a filler lies between them: no chain links them


def test_a_pair_counted_short_in_chained_buckets_is_counted_exactly() -> None:
    explained = explain_pair(_chained_corpus(2), doc_id("recount a"), doc_id("recount b"),
                             _CHAINED)
    found = explained.candidates
    assert sorted(t.word for t in found.shared_terms) == sorted(_RARE)
    assert len(found.shared_pairs) == 2  # one short of min_shared_pairs (3)
    assert not found.phrase
    assert not found.minhash
    assert found.recounted
    assert found.rare
    lines = render_explanation(explained)
    assert "counted exactly" in lines


def test_one_shared_word_pair_leaves_the_count_as_the_grouping_made_it() -> None:
    explained = explain_pair(_chained_corpus(1), doc_id("recount a"), doc_id("recount b"),
                             _CHAINED)
    found = explained.candidates
    assert sorted(t.word for t in found.shared_terms) == sorted(_RARE)
    assert len(found.shared_pairs) == 1
    assert not found.recounted
    assert not found.rare
    assert not found.candidate
    lines = render_explanation(explained)
    assert "not proposed: terms in more than 2 representatives are chained" in lines


def test_a_recounted_pair_is_verified_by_the_run() -> None:
    counted = find_duplicates(_chained_corpus(2), _CHAINED).stats
    short = find_duplicates(_chained_corpus(1), _CHAINED).stats
    assert counted.rare_term_candidates == short.rare_term_candidates + 1
    assert (counted.recounted_candidates, short.recounted_candidates) == (1, 0)


def test_word_pairs_in_chained_buckets_are_counted_exactly_for_the_gate() -> None:
    explained = explain_pair(_chained_phrase_corpus(), doc_id("recount a"),
                             doc_id("recount b"), _CHAINED)
    found = explained.candidates
    assert sorted(t.word for t in found.shared_terms) == sorted(_RARE)
    assert sorted(found.shared_pairs) == ["plimsek gleburn", "vintrop plimsek"]
    assert not found.phrase
    assert found.recounted
    assert found.rare


def _common_phrase_corpus() -> list[Document]:
    """Two texts sharing five rare terms (two only with each other, three with three fillers
    that lie between them in id order) and one phrase of three words that all eight
    documents hold (*ploven drathis murkel*): two word pairs, common from a cap of 7 down."""
    first, second, third, fourth, fifth = _RARE
    phrase = ["ploven", "drathis", "murkel"]
    a, b = _made_up("kelm", 30), _made_up("drov", 30)
    a = [*a[:8], first, *a[8:12], second, *a[12:16], third, *a[16:18], fourth, *a[18:20],
         fifth, *a[20:24], *phrase, *a[24:]]
    b = [*b[:10], second, *b[10:14], first, *b[14:16], fifth, *b[16:18], third, *b[18:20],
         fourth, *b[20:24], *phrase, *b[24:]]
    between = {"filler one", "filler six", "filler five"}  # between the two in id order
    return _two_and_fillers(a, b, lambda name, own: [
        *own[:10], *phrase, *own[10:20], *([third, fourth, fifth] if name in between else []),
        *own[20:]])


@pytest.mark.parametrize(("max_df", "recounted"), [(64, True), (7, False)])
def test_common_phrases_do_not_open_the_gate(max_df: int, recounted: bool) -> None:
    config = DedupConfig(candidates=CandidateConfig(max_bucket=2, word_pairs=64,
                                                    max_df=max_df))
    found = explain_pair(_common_phrase_corpus(), doc_id("recount a"), doc_id("recount b"),
                         config).candidates
    assert set(_RARE) <= {t.word for t in found.shared_terms}  # and the phrase's words at 64
    assert sorted(found.shared_pairs) == ["drathis murkel", "ploven drathis"]
    assert found.recounted is recounted
    assert found.rare is recounted
