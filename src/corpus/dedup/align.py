"""Verification of a candidate pair on the text itself: Jaccard, containment, passage alignment.

Two measures decide near copies: the exact Jaccard similarity of the two sets of word
n-grams, and their containment (the share of the smaller set found in the larger), which stays
high for a truncated copy or one with a trailer added while Jaccard drops.

Rewrites share few n-grams, so they are found by aligning sentences. Each sentence becomes a
TF-IDF vector over the stems of its content words (stopwords dropped, prefix stems from
:mod:`corpus.dedup.hashing`, inverse document frequencies from the whole input). Sentence pairs
whose cosine reaches :attr:`RewriteConfig.similarity` can be aligned, and the alignment is the
chain of such pairs that advances in both documents with the largest total similarity (a
weighted longest common subsequence, solved in ``O(k log n)`` for ``k`` matching pairs). A
rewrite follows its source sentence by sentence, so its chain is long and covers much of one
text; two articles about the same story share names and topic words, so a few sentences match
here and there, but not in one order. The coverage of the chain (the share of a document's
words in aligned sentences) is the score, and it is what the thresholds are calibrated on
(``docs/dedup.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from corpus.dedup.config import DedupConfig
from corpus.dedup.hashing import I64, U64, hash_words, is_stopword, ngram_hashes
from corpus.dedup.text import Sentence, split_sentences
from corpus.records import Relation
from corpus.text.keys import hashing_key

__all__ = ["AlignedPair", "PairVerdict", "Profile", "TermStats", "build_profile", "verify_pair"]

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True, eq=False)
class TermStats:
    """Document frequencies of content stems over the whole input, in hashed buckets.

    ``counts[stem & mask]`` is the number of documents containing the stem (bucket collisions
    only ever make a term look more common). Sums are order-independent, so are the weights.
    """

    counts: I32
    documents: int

    @property
    def mask(self) -> np.uint64:
        return np.uint64(len(self.counts) - 1)

    def frequency(self, stems: U64) -> I32:
        """Document frequency of each stem."""
        return self.counts[(stems & self.mask).astype(np.int64)]

    def idf(self, stems: U64) -> F64:
        """Smoothed inverse document frequency ``ln((1 + N) / (1 + df)) + 1`` of each stem."""
        df = self.frequency(stems).astype(np.float64)
        return np.log((1.0 + self.documents) / (1.0 + df)) + 1.0


@dataclass(frozen=True, slots=True, eq=False)
class Profile:
    """What verification needs of one document; built from its text, kept only while needed.

    ``shingles`` are the sorted distinct n-gram hashes of the key. Sentence ``s`` has
    ``sentence_words[s]`` words; its content stems are the entries of ``term_stem`` where
    ``term_sentence == s``, with term frequency weights ``term_tf`` (``1 + ln(count)``). The
    inverse document frequencies are applied when two profiles are compared, so a profile
    depends on its own text only.
    """

    text: str
    key: str
    words: int
    shingles: U64
    sentences: tuple[Sentence, ...]
    sentence_words: I64
    term_sentence: I64
    term_stem: U64
    term_tf: F64


def build_profile(text: str, key: str, ngram: int) -> Profile:
    """Tokenise, shingle, split and weight one document (all vectorised per document)."""
    doc_words = hash_words([key])
    shingles, _ = ngram_hashes(doc_words, ngram)
    sentences = tuple(split_sentences(text))
    words = hash_words([hashing_key(s.text) for s in sentences])
    sentence_words = words.counts
    content = ~is_stopword(words.word)
    stems, owners = words.stem[content], words.doc[content]
    if len(stems):
        # Aggregate repeated stems within a sentence: tf = 1 + ln(count).
        order = np.lexsort((stems, owners))
        stems, owners = stems[order], owners[order]
        fresh = np.ones(len(stems), dtype=bool)
        fresh[1:] = (stems[1:] != stems[:-1]) | (owners[1:] != owners[:-1])
        starts = np.flatnonzero(fresh)
        counts = np.diff(np.append(starts, len(stems)))
        stems, owners = stems[starts], owners[starts]
        tf = 1.0 + np.log(counts)
    else:
        tf = np.zeros(0, dtype=np.float64)
    return Profile(
        text=text,
        key=key,
        words=len(doc_words.word),
        shingles=np.unique(shingles),
        sentences=sentences,
        sentence_words=sentence_words,
        term_sentence=owners,
        term_stem=stems,
        term_tf=tf,
    )


def _unit_weights(profile: Profile, stats: TermStats) -> F64:
    """TF-IDF weights of a profile's terms, each sentence vector scaled to unit length."""
    weights = profile.term_tf * stats.idf(profile.term_stem)
    norms = np.sqrt(np.bincount(profile.term_sentence, weights=weights**2,
                                minlength=len(profile.sentences)))
    result: F64 = weights / norms[profile.term_sentence]
    return result


@dataclass(frozen=True, slots=True)
class AlignedPair:
    """One aligned pair of sentences: their indices in the two documents and the measures."""

    left: int
    right: int
    similarity: float
    jaccard: float
    containment: float


@dataclass(frozen=True, slots=True)
class PairVerdict:
    """The outcome of verifying one pair (``left``, ``right``).

    ``relation`` is :attr:`Relation.UNIQUE` when the pair is not a duplicate. ``coverage`` is
    the share of words of the better-covered document that lie in aligned sentences.
    ``left_in_right`` says the left document's shingles are (near) contained in the right's,
    i.e. the left is the copy; ``right_in_left`` the converse. ``evidence`` holds the most
    similar aligned pairs, in document order; ``aligned`` counts the whole alignment.
    """

    relation: Relation
    score: float
    jaccard: float
    containment: float
    coverage: float
    aligned: int
    left_in_right: bool
    right_in_left: bool
    evidence: tuple[AlignedPair, ...]


def _similarity_matrix(a: Profile, b: Profile, stats: TermStats) -> F64:
    """TF-IDF cosine similarity of every sentence of ``a`` with every sentence of ``b``."""
    m, n = len(a.sentences), len(b.sentences)
    if not len(a.term_stem) or not len(b.term_stem):
        return np.zeros((m, n))
    vocabulary, inverse = np.unique(np.concatenate([a.term_stem, b.term_stem]), return_inverse=True)
    split = len(a.term_stem)
    left = np.zeros((m, len(vocabulary)))
    right = np.zeros((n, len(vocabulary)))
    left[a.term_sentence, inverse[:split]] = _unit_weights(a, stats)
    right[b.term_sentence, inverse[split:]] = _unit_weights(b, stats)
    result: F64 = left @ right.T
    return result


def _chain(rows: I64, cols: I64, weights: F64, width: int) -> list[int]:
    """Indices of the matches forming the heaviest chain increasing in both rows and cols.

    ``rows``/``cols`` are sorted by row, then column. A Fenwick tree over columns holds the
    best chain ending before each column; rows are processed one at a time, queries before
    updates, so two matches of one row never chain. Ties go to the earlier match.
    """
    size = width + 1
    tree_value = [0.0] * (size + 1)
    tree_index = [-1] * (size + 1)
    best = [0.0] * len(rows)
    previous = [-1] * len(rows)
    k = 0
    total = len(rows)
    while k < total:
        row = rows[k]
        end = k
        while end < total and rows[end] == row:
            end += 1
        for t in range(k, end):
            position, value, index = int(cols[t]), 0.0, -1
            while position > 0:  # prefix max over columns < cols[t]
                if tree_value[position] > value:
                    value, index = tree_value[position], tree_index[position]
                position -= position & -position
            best[t] = value + float(weights[t])
            previous[t] = index
        for t in range(k, end):
            position = int(cols[t]) + 1
            while position <= size:
                if best[t] > tree_value[position]:
                    tree_value[position], tree_index[position] = best[t], t
                position += position & -position
        k = end
    if not best:
        return []
    last = max(range(total), key=lambda t: (best[t], -t))
    chain: list[int] = []
    while last >= 0:
        chain.append(last)
        last = previous[last]
    return chain[::-1]


def _word_overlap(a: str, b: str) -> tuple[float, float]:
    left, right = set(hashing_key(a).split()), set(hashing_key(b).split())
    if not left or not right:
        return 0.0, 0.0
    shared = len(left & right)
    return shared / len(left | right), shared / min(len(left), len(right))


def verify_pair(
    a: Profile, b: Profile, config: DedupConfig, stats: TermStats, *, align: bool = True
) -> PairVerdict:
    """Decide whether ``a`` and ``b`` are duplicates, how, and with what evidence.

    In order: identical keys are ``exact``; a Jaccard or containment at the
    :class:`~corpus.dedup.config.NearConfig` thresholds is ``near``; a sentence alignment that
    passes :class:`~corpus.dedup.config.RewriteConfig` is ``rewrite``; anything else is not a
    duplicate (``unique``). With ``align=False`` only the n-gram measures are computed (no
    rewrite check, no evidence): the cheap first check of near-copy candidates. Pure and
    deterministic for a given orientation; callers always pass a pair in the same
    orientation (by id), so results do not depend on input order.
    """
    shared = len(np.intersect1d(a.shingles, b.shingles, assume_unique=True))
    size_a, size_b = len(a.shingles), len(b.shingles)
    union = size_a + size_b - shared
    jaccard = shared / union if union else 0.0
    smaller = min(size_a, size_b)
    containment = shared / smaller if smaller else 0.0
    near = config.near
    left_in_right = bool(size_a and shared / size_a >= near.containment)
    right_in_left = bool(size_b and shared / size_b >= near.containment)

    chain: list[int] = []
    coverage = 0.0
    rows = cols = np.zeros(0, dtype=np.int64)
    weights = np.zeros(0, dtype=np.float64)
    if align:
        similarity = _similarity_matrix(a, b, stats)
        rows, cols = np.nonzero(similarity >= config.rewrite.similarity - 1e-12)
        weights = similarity[rows, cols]
        chain = _chain(rows.astype(np.int64), cols.astype(np.int64), weights, len(b.sentences))
        rows, cols, weights = rows[chain], cols[chain], weights[chain]
        total_a = max(int(a.sentence_words.sum()), 1)
        total_b = max(int(b.sentence_words.sum()), 1)
        coverage = max(float(a.sentence_words[rows].sum()) / total_a,
                       float(b.sentence_words[cols].sum()) / total_b)

    if a.key == b.key and a.key:
        relation, score = Relation.EXACT, 1.0
        jaccard = containment = 1.0
        left_in_right = right_in_left = True
    elif min(a.words, b.words) >= near.min_words and (
        jaccard >= near.jaccard or containment >= near.containment
    ):
        relation, score = Relation.NEAR, containment
    elif (
        align
        and config.rewrites
        and len(chain) >= config.rewrite.min_passages
        and coverage >= config.rewrite.min_coverage
    ):
        relation, score = Relation.REWRITE, coverage
    else:
        relation, score = Relation.UNIQUE, 0.0

    evidence: list[AlignedPair] = []
    if relation is not Relation.UNIQUE and config.evidence_passages:
        ranked = sorted(range(len(chain)), key=lambda t: (-float(weights[t]), t))
        for t in sorted(ranked[: config.evidence_passages]):
            i, j = int(rows[t]), int(cols[t])
            words_j, words_c = _word_overlap(a.sentences[i].text, b.sentences[j].text)
            evidence.append(
                AlignedPair(i, j, _round(float(weights[t])), _round(words_j), _round(words_c))
            )
    return PairVerdict(
        relation=relation,
        score=_round(score),
        jaccard=_round(jaccard),
        containment=_round(containment),
        coverage=_round(coverage),
        aligned=len(chain),
        left_in_right=left_in_right,
        right_in_left=right_in_left,
        evidence=tuple(evidence),
    )


def _round(value: float) -> float:
    """Round to 4 decimals so results print and compare stably (no ``-0.0``, no NaN)."""
    if not math.isfinite(value):
        return 0.0
    return round(value, 4) + 0.0
