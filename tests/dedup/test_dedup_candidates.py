"""Documents paired by the keys they share: all-to-all in small buckets, chained in large ones."""

from __future__ import annotations

import random
from itertools import combinations, pairwise

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import DedupConfig, Document, find_duplicates
from corpus.dedup import CandidateConfig
from corpus.dedup.explain import explain_pair
from corpus.dedup.hashing import hash_words, is_stopword
from corpus.dedup.phases import _bucket_pairs, _content_words, _pair_values, _word_pairs

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
