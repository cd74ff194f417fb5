"""Verification of a candidate pair on the text itself: Jaccard, containment, passage alignment.

Two measures decide near copies: the exact Jaccard similarity of the two sets of word
n-grams, and their containment (the share of the smaller set found in the larger), which stays
high for a truncated copy or one with a trailer added while Jaccard drops.

Rewrites share few n-grams, so they are found by aligning sentences. Each sentence becomes a
vector over the stems of its content words (stopwords dropped, prefix stems from
:mod:`corpus.dedup.hashing`, weights ``1 + ln(count)``, no corpus statistics, so a verdict
depends on the two texts only). Sentence pairs whose cosine reaches
:attr:`RewriteConfig.similarity` can be aligned. The alignment is a *local* chain of such
pairs advancing in both documents: each aligned pair adds its similarity minus a baseline,
each sentence skipped between two aligned pairs costs a gap penalty, and the chain with the
best score wins. A rewrite follows its source sentence by sentence, so its chain is long,
dense and covers much of one text; two articles about the same story share names and topic
words, so a few sentences match here and there, but scattered, and their chance matches never
add up. The coverage of the chain (the share of a document's words in aligned sentences)
is the rewrite score; the thresholds are calibrated in ``docs/dedup.md``. Two more tests
judge what the chain cannot align: a retelling in order (:func:`in_order_alignment`, several
sentences onto one) and a rewrite told sentence by sentence in words that barely overlap
(:func:`loose_run`).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from corpus.dedup.config import DedupConfig, RewriteConfig
from corpus.dedup.hashing import (
    I64,
    U64,
    Words,
    hash_lines,
    hash_words,
    is_stopword,
    ngram_hashes,
)
from corpus.dedup.text import Sentence, sentence_table
from corpus.records import Relation
from corpus.text.keys import hashing_key

__all__ = ["AlignedPair", "InOrder", "PairVerdict", "Profile", "ProfileParts", "Retelling",
           "assemble_profile", "build_profile", "build_profiles", "in_order_alignment",
           "longest_run", "loose_run", "loose_run_of", "loose_score", "moved_passages",
           "pair_score", "profile_parts", "quotation_flags", "retelling", "retelling_tier",
           "retelling_tiers", "retells", "retold_in_order", "run_counted", "verify_many",
           "verify_pair", "verify_retelling"]

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I32 = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True, eq=False)
class Profile:
    """What verification needs of one document; built from its text, kept only while needed.

    ``shingles`` are the sorted distinct n-gram hashes of the key. Sentence ``s`` has
    ``sentence_words[s]`` words; its content stems are the entries of ``term_stem`` where
    ``term_sentence == s``, with term frequency weights ``term_tf`` (``1 + ln(count)``). The
    inverse document frequencies are applied when two profiles are compared, so a profile
    depends on its own text only. ``term_unit`` holds the same weights with each sentence
    vector scaled to unit length (what the cosine needs), computed once per profile;
    ``vocabulary`` the sorted distinct stems and ``term_column`` each term's index in it.
    ``quoted`` is the share of each sentence's characters inside double quotation marks
    (:func:`~corpus.dedup.text.sentence_table`): a *quotation* aligned with a quotation counts
    toward no run and retells nothing (:func:`run_counted`).
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
    term_unit: F64
    vocabulary: U64
    term_column: I64
    quoted: F32


@dataclass(frozen=True, slots=True)
class ProfileParts:
    """A :class:`Profile` without its text and key and without what :func:`assemble_profile`
    derives from the rest in a few array operations: the form in which the profile stage
    stores a profile (plain values, no object per sentence).

    ``paragraphs`` and ``sentences`` are the paragraph number and the text of each sentence;
    ``term_count`` how often each term's stem occurs in its sentence (the term frequency
    weight is ``1 + ln(count)``); the other fields are those of :class:`Profile`.
    """

    words: int
    shingles: U64
    paragraphs: tuple[int, ...]
    sentences: tuple[str, ...]
    sentence_words: I64
    term_sentence: I64
    term_count: I64
    vocabulary: U64
    term_column: I64
    quoted: F32


#: A word put before every sentence when the sentences of a text are keyed in one call, so
#: that a sentence without words keeps its line (the key drops empty lines).
_SENTINEL = "0 "


def _line_keys(texts: Sequence[str]) -> list[str]:
    """The hashing key of every text, all keyed in one call (one call per text was a third
    of the time of verification). The key is computed line by line, so the texts are put on
    lines of their own."""
    if not texts:
        return []
    joined = "\n".join(_SENTINEL + t.replace("\n", " ") for t in texts)
    keys = hashing_key(joined).split("\n")
    if len(keys) != len(texts):  # pragma: no cover - every line starts with a word
        return [hashing_key(t) for t in texts]
    return [k[len(_SENTINEL):] for k in keys]


def _sentence_keys(sentences: tuple[Sentence, ...]) -> list[str]:
    """The hashing key of every sentence, all keyed in one call."""
    return _line_keys([s.text for s in sentences])


@cache
def _sentinel_hash() -> np.uint64:
    return np.uint64(hash_words([_SENTINEL]).word[0])


def _key_words(texts: Sequence[Sequence[str]]) -> Words:
    """``hash_words(_line_keys(...))`` of all the sentences of ``texts`` (each document's
    sentences), one document's sentences keyed in one call with a sentinel word before each
    (a document at a time: a document whose folded text is ASCII takes the key's fast path),
    all keys hashed at once; the sentinels' words are then left out (a word's hashes depend
    on its bytes only)."""
    keys = [hashing_key("\n".join(_SENTINEL + t.replace("\n", " ") for t in doc))
            for doc in texts if doc]
    sentences = [t for doc in texts for t in doc]
    joined = "\n".join(keys)
    if keys and joined.count("\n") + 1 == len(sentences):  # a sentinel and a key a line
        lines = hash_lines(joined)
        firsts = lines.offsets[:-1]
        if bool(np.all(lines.word[firsts] == _sentinel_hash())):
            kept = np.ones(len(lines.word), dtype=bool)
            kept[firsts] = False
            return Words(word=lines.word[kept], stem=lines.stem[kept], doc=lines.doc[kept],
                         offsets=lines.offsets - np.arange(len(lines.offsets)))
    return hash_words(_line_keys(sentences))


def _group_order(values: U64, groups: I64) -> npt.NDArray[np.intp]:
    """An order that sorts by ``groups`` (small non-negative integers), then by ``values``.

    The values are sorted once, then stably by group: a radix sort when the groups fit in 16
    bits, several times faster than :func:`numpy.lexsort` on 64-bit values. Equal pairs may
    come in any order.
    """
    order = np.argsort(values)
    by = groups[order]
    if len(by) and int(by.max()) < 1 << 16:
        by = by.astype(np.uint16)
    result: npt.NDArray[np.intp] = order[np.argsort(by, kind="stable")]
    return result


def _distinct_pairs(values: U64, groups: I64) -> tuple[npt.NDArray[np.intp], U64, I64]:
    """Sort the ``(groups, values)`` pairs by group, then value, and keep one of each: the
    positions in the sorted order where each kept pair first occurs (to count repeats), and
    the kept values and groups."""
    order = _group_order(values, groups)
    values, groups = values[order], groups[order]
    fresh = np.ones(len(values), dtype=bool)
    fresh[1:] = (values[1:] != values[:-1]) | (groups[1:] != groups[:-1])
    starts = np.flatnonzero(fresh)
    return starts, values[starts], groups[starts]


def profile_parts(items: Sequence[tuple[str, str]], ngram: int) -> list[ProfileParts]:
    """The :class:`ProfileParts` of each ``(text, key)`` of ``items``, all computed together.

    Each document is split into sentences on its own (:func:`~corpus.dedup.text.sentence_texts`);
    everything else runs once for the batch: the keys' words and shingles, the sentences'
    keys, words and stems, and the term counts and vocabularies, as array operations over
    all documents with each value tagged by its document, so that per-call overheads are paid
    once per batch instead of once per document. The parts of a document do not depend on
    the others of its batch: ``profile_parts([item], ngram)`` gives the same.
    """
    if not items:
        return []
    count = len(items)
    bounds = np.arange(count + 1)
    doc_words = hash_words([key for _, key in items])
    shingles, shingle_doc = ngram_hashes(doc_words, ngram)
    _, shingles, shingle_doc = _distinct_pairs(shingles, shingle_doc)
    shingle_bounds = np.searchsorted(shingle_doc, bounds)
    numbers: list[list[int]] = []
    texts: list[list[str]] = []
    quoted: list[list[float]] = []
    for text, _ in items:
        paragraph, sentence, quotation = sentence_table(text)
        numbers.append(paragraph)
        texts.append(sentence)
        quoted.append(quotation)
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=count)
    first = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(sizes, out=first[1:])
    words = _key_words(texts)
    sentence_words = words.counts
    content = ~is_stopword(words.word)
    # Terms: the distinct stems of each sentence, and how often each occurs in it.
    starts, stems, owners = _distinct_pairs(words.stem[content], words.doc[content])
    counts = np.diff(np.append(starts, int(content.sum())))
    term_doc = np.repeat(np.arange(count), sizes)[owners]
    term_bounds = np.searchsorted(term_doc, bounds)
    # Each document's vocabulary (its sorted distinct stems), and each term's place in it.
    order = _group_order(stems, term_doc)
    sorted_stems, sorted_doc = stems[order], term_doc[order]
    fresh = np.ones(len(stems), dtype=bool)
    fresh[1:] = (sorted_stems[1:] != sorted_stems[:-1]) | (sorted_doc[1:] != sorted_doc[:-1])
    vocabulary = sorted_stems[fresh]
    vocabulary_bounds = np.searchsorted(sorted_doc[fresh], bounds)
    column = np.empty(len(stems), dtype=np.int64)
    column[order] = np.cumsum(fresh) - 1
    column -= vocabulary_bounds[term_doc]
    local = owners - first[term_doc]
    parts: list[ProfileParts] = []
    for d in range(count):
        terms = slice(int(term_bounds[d]), int(term_bounds[d + 1]))
        parts.append(ProfileParts(
            words=int(doc_words.offsets[d + 1] - doc_words.offsets[d]),
            shingles=shingles[shingle_bounds[d]:shingle_bounds[d + 1]],
            paragraphs=tuple(numbers[d]),
            sentences=tuple(texts[d]),
            sentence_words=sentence_words[first[d]:first[d + 1]],
            term_sentence=local[terms],
            term_count=counts[terms],
            vocabulary=vocabulary[vocabulary_bounds[d]:vocabulary_bounds[d + 1]],
            term_column=column[terms],
            quoted=np.array(quoted[d], dtype=np.float32),
        ))
    return parts


def assemble_profile(text: str, key: str, parts: ProfileParts) -> Profile:
    """The :class:`Profile` of ``text`` and ``key`` from its ``parts``: each term's stem, its
    weight ``1 + ln(count)`` and that weight over its sentence vector's length."""
    stems = parts.vocabulary[parts.term_column]
    if len(stems):
        tf = 1.0 + np.log(parts.term_count)
        norms = np.sqrt(np.bincount(parts.term_sentence, weights=tf**2,
                                    minlength=len(parts.sentences)))
        unit = tf / norms[parts.term_sentence]
    else:
        tf = np.zeros(0, dtype=np.float64)
        unit = np.zeros(0, dtype=np.float64)
    return Profile(
        text=text,
        key=key,
        words=parts.words,
        shingles=parts.shingles,
        sentences=tuple(map(Sentence, parts.paragraphs, parts.sentences)),
        sentence_words=parts.sentence_words,
        term_sentence=parts.term_sentence,
        term_stem=stems,
        term_tf=tf,
        term_unit=unit,
        vocabulary=parts.vocabulary,
        term_column=parts.term_column,
        quoted=parts.quoted,
    )


def build_profiles(items: Sequence[tuple[str, str]], ngram: int) -> list[Profile]:
    """The :class:`Profile` of each ``(text, key)`` of ``items`` (see :func:`profile_parts`:
    many documents at once cost much less a document than one at a time)."""
    return [assemble_profile(text, key, parts)
            for (text, key), parts in zip(items, profile_parts(items, ngram), strict=True)]


def build_profile(text: str, key: str, ngram: int) -> Profile:
    """Tokenise, shingle, split and weight one document (all vectorised per document)."""
    return build_profiles([(text, key)], ngram)[0]


@dataclass(frozen=True, slots=True)
class AlignedPair:
    """One aligned pair of sentences: their indices in the two documents and the measures."""

    left: int
    right: int
    similarity: float
    jaccard: float
    containment: float

    def __reduce__(self) -> tuple[type[AlignedPair], tuple[Any, ...]]:
        # By the constructor: much faster to unpickle (the verdict cache holds millions).
        return (AlignedPair, (self.left, self.right, self.similarity, self.jaccard,
                              self.containment))


@dataclass(frozen=True, slots=True)
class PairVerdict:
    """The outcome of verifying one pair (``left``, ``right``).

    ``relation`` is :attr:`Relation.UNIQUE` when the pair is not a duplicate. ``coverage`` is
    the share of words of the better-covered document that lie in aligned sentences.
    ``strength`` is the local alignment score of the chain (see
    :class:`~corpus.dedup.config.RewriteConfig`), ``run`` its longest run of consecutive
    aligned pairs and ``link`` the alignment's pair score in [0, 1] (:func:`pair_score`; 0
    without alignment). ``left_in_right`` says the left document's
    shingles are (near) contained in the right's, i.e. the left is the copy; ``right_in_left``
    the converse. ``evidence`` holds the most similar aligned pairs, in document order;
    ``aligned`` counts the whole alignment, ``moved`` the pairs of it in *moved passages*
    (short chains beside the main one, :func:`moved_passages`), which ``aligned``,
    ``coverage`` and ``strength`` include and ``run`` does not.
    """

    relation: Relation
    score: float
    jaccard: float
    containment: float
    coverage: float
    aligned: int
    strength: float
    run: int
    link: float
    left_in_right: bool
    right_in_left: bool
    evidence: tuple[AlignedPair, ...]
    moved: int = 0

    def __reduce__(self) -> tuple[type[PairVerdict], tuple[Any, ...]]:
        # By the constructor: much faster to unpickle (the verdict cache holds millions).
        return (PairVerdict, (self.relation, self.score, self.jaccard, self.containment,
                              self.coverage, self.aligned, self.strength, self.run, self.link,
                              self.left_in_right, self.right_in_left, self.evidence,
                              self.moved))


def _similarity_matrix(a: Profile, b: Profile) -> F64:
    """Cosine similarity of every sentence of ``a`` with every sentence of ``b``.

    Sentence vectors are bags of content stems weighted by ``1 + ln(count)``. There is no
    inverse document frequency on purpose: measured on same-story articles, corpus IDF makes
    the story's rare names dominate every sentence vector, so sentences that merely mention
    the same people look alike; without it a verdict also depends on the two texts only.
    """
    m, n = len(a.sentences), len(b.sentences)
    # Only stems the two texts share contribute to a dot product: the vectors are built over
    # that (small) vocabulary alone.
    _, in_a, in_b = np.intersect1d(a.vocabulary, b.vocabulary, assume_unique=True,
                                   return_indices=True)
    if not len(in_a):
        return np.zeros((m, n))
    left = np.zeros((m, len(in_a)))
    right = np.zeros((n, len(in_a)))
    for profile, shared, matrix in ((a, in_a, left), (b, in_b, right)):
        column = np.full(len(profile.vocabulary), -1, dtype=np.int64)
        column[shared] = np.arange(len(shared))
        term = column[profile.term_column]
        kept = term >= 0
        matrix[profile.term_sentence[kept], term[kept]] = profile.term_unit[kept]
    # Rounded: how many threads BLAS runs the product on changes its last bits (a Dask
    # worker runs one, the driver several), and a sentence repeated in both texts then scores
    # 1 + 2e-16 in one process and 1 - 2e-16 in another, which reorders equally good chains
    # and passages. At 12 decimals those agree, and the bounds of :func:`verify_many` keep
    # their slack (a sum of a thousand rounded values moves by 5e-10, under :data:`_SLACK`).
    result: F64 = np.round(left @ right.T, _DECIMALS)
    return result


#: Decimals :func:`_similarity_matrix` keeps.
_DECIMALS = 12


def _local_chain(
    rows: I64, cols: I64, weights: F64, baseline: float, gap: float
) -> tuple[list[int], float]:
    """Indices of the best *local* chain of matches increasing in both rows and cols.

    Each match adds ``weight - baseline``; between two consecutive matches of the chain, every
    sentence skipped (in the document that skips more) costs ``gap``. A chain restarts where
    that would drop its score below zero, so matches scattered by chance across two articles
    on the same story do not add up, while a rewrite, which follows its source sentence by
    sentence, builds one long chain (local alignment, as in Smith-Waterman). ``rows`` and
    ``cols`` are sorted by row, then column. Ties go to the earlier match. ``O(k^2)`` in
    numpy for ``k`` matches. Returns the chain and its score.
    """
    total = len(rows)
    if total == 0:
        return [], 0.0
    gains = weights - baseline
    if total <= _FEW_MATCHES:
        return _local_chain_few(rows.tolist(), cols.tolist(), gains.tolist(), gap)
    best = gains.astype(np.float64, copy=True)
    previous = np.full(total, -1, dtype=np.int64)
    # The matches of one row can only extend chains that end in earlier rows, which are
    # final by then: a row's matches are scored together, each exactly as on its own.
    starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    ends = np.append(starts[1:], total)
    for before, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if not before:
            continue
        here = slice(before, end)
        skipped = np.maximum(rows[here, None] - rows[None, :before],
                             cols[here, None] - cols[None, :before]) - 1
        value = best[None, :before] + gains[here, None] - gap * skipped
        value[cols[None, :before] >= cols[here, None]] = -np.inf
        u = np.argmax(value, axis=1)
        top = value[np.arange(end - before), u]
        better = top > best[here]
        best[here] = np.where(better, top, best[here])
        previous[here] = np.where(better, u, previous[here])
    last = int(np.argmax(best))
    score = float(best[last])
    chain: list[int] = []
    while last >= 0:
        chain.append(last)
        last = int(previous[last])
    return chain[::-1], score


#: Matches up to which :func:`_local_chain` runs on Python floats: for a few matches a loop
#: costs less than the array operations of each row.
_FEW_MATCHES = 80


def _local_chain_few(rows: list[int], cols: list[int], gains: list[float], gap: float
                     ) -> tuple[list[int], float]:
    """:func:`_local_chain` match by match: the same sums in the same order (so the same
    floats), the same ties (the earliest predecessor of the best score, the earliest best
    end)."""
    total = len(rows)
    best = gains[:]
    previous = [-1] * total
    before = 0  # the matches of earlier rows: rows[:before]
    for i in range(total):
        row, col, gain = rows[i], cols[i], gains[i]
        if i and row != rows[i - 1]:
            before = i
        top, up = -math.inf, -1
        for j in range(before):
            if cols[j] < col:
                value = best[j] + gain - gap * (max(row - rows[j], col - cols[j]) - 1)
                if value > top:
                    top, up = value, j
        if top > best[i]:
            best[i], previous[i] = top, up
    last = max(range(total), key=best.__getitem__)
    score = best[last]
    chain: list[int] = []
    while last >= 0:
        chain.append(last)
        last = previous[last]
    return chain[::-1], score


#: Sentences a step of a *run* may skip in either text (see :func:`pair_score`).
_RUN_SKIP = 1


def longest_run(rows: I64, cols: I64, counted: npt.NDArray[np.bool_] | None = None) -> int:
    """The most consecutive pairs of a chain (sorted, increasing in both) whose steps skip at
    most :data:`_RUN_SKIP` sentences in either text; 0 for an empty chain.

    With ``counted``, only the pairs it marks count; the others neither count nor end the
    run. :func:`run_counted` marks a quotation aligned with a quotation as not counted:
    reports of one event written independently quote its speakers word for word, in the
    order they spoke, so a run of shared quotations is no sign of a text retold."""
    if len(rows) == 0:
        return 0
    close = (np.diff(rows) <= _RUN_SKIP + 1) & (np.diff(cols) <= _RUN_SKIP + 1)
    counts = [1] * len(rows) if counted is None else [int(c) for c in counted.tolist()]
    best = current = counts[0]
    for step, count in zip(close.tolist(), counts[1:], strict=True):
        current = current + count if step else count
        best = max(best, current)
    return best


def quotation_flags(profile: Profile, share: float) -> npt.NDArray[np.bool_]:
    """Which sentences of ``profile`` are quotations: at least ``share`` of their characters
    inside double quotation marks; none when ``share`` is 0 (the rule is off)."""
    if share <= 0.0:
        return np.zeros(len(profile.quoted), dtype=bool)
    flags: npt.NDArray[np.bool_] = profile.quoted >= np.float32(share) - np.float32(1e-6)
    return flags


def _without_shared_quotations(similarity: F64, a: Profile, b: Profile, share: float) -> F64:
    """``similarity`` (``a`` x ``b``) with every quotation's similarity to a quotation set to
    0: in a retelling, a quotation retells nothing of a quotation (reports of one event quote
    its speakers word for word, in the order they spoke; see :func:`run_counted`)."""
    if share <= 0.0:
        return similarity
    shared = quotation_flags(a, share)[:, None] & quotation_flags(b, share)[None, :]
    masked: F64 = np.where(shared, 0.0, similarity)
    return masked


def run_counted(a: Profile, b: Profile, rows: I64, cols: I64,
                share: float) -> npt.NDArray[np.bool_]:
    """Which aligned pairs (``rows`` of ``a``, ``cols`` of ``b``) count toward a run: all
    but those of a quotation with a quotation, a sentence being a quotation when at least
    ``share`` of it is inside double quotation marks
    (:attr:`~corpus.dedup.config.RewriteConfig.quotation_share`; 0: every pair counts)."""
    counted: npt.NDArray[np.bool_] = ~(quotation_flags(a, share)[rows]
                                       & quotation_flags(b, share)[cols])
    return counted


#: Sentences a step of a *loose run* advances in either text, at most (see
#: :func:`loose_run`).
_LOOSE_STEP = 2
#: A pair of a loose run is among the best this many matches of one of its two sentences.
_LOOSE_BEST = 3


def loose_run(similarity: F64, cut: float, least: int = 0) -> tuple[I64, I64]:
    """The longest *loose run* of a sentence similarity matrix: its pairs' rows and columns,
    in order (both empty when no pair reaches ``cut``).

    A loose run is a sequence of sentence pairs, each step advancing one or two sentences in
    both texts (:data:`_LOOSE_STEP`), each pair at similarity ``cut`` or more and among the
    :data:`_LOOSE_BEST` best matches of one of its two sentences. It is the shape of a text
    rewritten sentence by sentence: every sentence of the rewrite sits across from its
    source sentence, give or take one, however few words the two still share, and that
    sentence is one of its best matches. Texts written independently to the same facts
    follow the same order of facts, but not sentence by sentence, and their pairs at a low
    cut scatter around the diagonal instead of lining up on it. The best-matches condition
    keeps a narrow vocabulary, where every sentence shares a few words with every other, from
    filling the matrix with pairs that line up by chance. Dynamic programming row by row,
    ``O(rows * columns)`` in numpy; the first longest run in row-major order, traced back
    through the earliest predecessor in the order (1, 1), (1, 2), (2, 1), (2, 2), so the
    result depends on the matrix only. With ``least``, a run shorter than ``least`` may be
    returned as none: the programme stops once no run can reach it.
    """
    flip = similarity.shape[0] > similarity.shape[1]
    matrix = similarity.T if flip else similarity  # loop over the fewer rows
    none = np.zeros(0, dtype=np.int64)
    if not matrix.size:
        return none, none
    length = _loose_lengths(_loose_cells(matrix, cut), least)
    if length is None:
        return none, none
    step = _LOOSE_STEP
    at = int(np.argmax(length))
    i, j = divmod(at, length.shape[1])
    if not length[i, j]:
        return none, none
    rows, cols = [i - step], [j - step]
    while length[i, j] > 1:
        for di, dj in ((1, 1), (1, 2), (2, 1), (2, 2)):
            if length[i - di, j - dj] == length[i, j] - 1:
                i, j = i - di, j - dj
                break
        rows.append(i - step)
        cols.append(j - step)
    found_rows = np.array(rows[::-1], dtype=np.int64)
    found_cols = np.array(cols[::-1], dtype=np.int64)
    return (found_cols, found_rows) if flip else (found_rows, found_cols)


def _loose_cells(matrix: F64, cut: float, slack: float = 0.0) -> npt.NDArray[np.bool_]:
    """The pairs a loose run may use (:func:`loose_run`): at ``cut`` or more, and among the
    :data:`_LOOSE_BEST` best of their row or of their column. With ``slack``, every
    comparison gives that much way (a superset, for bounds on similarities that may differ
    from the exact ones in their last bits)."""
    sizes = np.array([matrix.shape[0]], dtype=np.int64)
    cells: npt.NDArray[np.bool_] = _loose_cells_stacked(matrix[None], sizes, cut, slack)[0]
    return cells


def _loose_cells_stacked(stack: F64, sizes: I64, cut: float, slack: float
                         ) -> npt.NDArray[np.bool_]:
    """:func:`_loose_cells` of each matrix of ``stack`` (matrices x rows x columns, the
    ``k``-th holding ``sizes[k]`` rows, padded after them with ``-inf``)."""
    m = stack.shape[2]
    in_row = min(_LOOSE_BEST, m) - 1
    row_kth = -np.partition(-stack, in_row, axis=2)[:, :, in_row]
    best = min(_LOOSE_BEST, stack.shape[1])
    # each column's ``best`` largest, in decreasing order (the padding sorts last), of which
    # each matrix takes the k-th its own rows give
    top = np.sort(np.partition(-stack, best - 1, axis=1)[:, :best], axis=1) * -1.0
    col_kth = np.take_along_axis(
        top, (np.minimum(_LOOSE_BEST, sizes) - 1)[:, None, None], axis=1)[:, 0]
    cells: npt.NDArray[np.bool_] = (stack >= cut - 1e-12 - slack) & (
        (stack >= row_kth[:, :, None] - slack) | (stack >= col_kth[:, None, :] - slack))
    return cells


def _loose_lengths(ok: npt.NDArray[np.bool_], least: int = 0) -> I64 | None:
    """The longest loose run ending at each pair of ``ok`` (rows x columns, padded with
    :data:`_LOOSE_STEP` zero rows and columns before); ``None`` once no run can reach
    ``least`` (0: never). Row by row, in numpy."""
    n, m = ok.shape
    step = _LOOSE_STEP
    # ``reach`` of a row holds, for each column j, the longest run of that row ending one or
    # two columns before j.
    length = np.zeros((n + step, m + step), dtype=np.int64)
    reach = np.zeros((n + step, m), dtype=np.int64)
    tops = [0] * (n + step)  # each row's longest run
    longest = 0
    for i in range(n):
        # A run that reaches ``least`` from here on extends one ending in the last two rows
        # by at most a pair a row, or starts anew; none left and none found: stop.
        if longest < least and max(tops[i + step - 1], tops[i + step - 2]) + n - i < least:
            return None
        before = np.maximum(reach[i + step - 1], reach[i + step - 2])
        row = length[i + step]
        row[step:] = (before + 1) * ok[i]
        tops[i + step] = int(row.max())
        longest = max(longest, tops[i + step])
        reach[i + step] = np.maximum(row[step - 1: step - 1 + m], row[step - 2: step - 2 + m])
    if longest < least:
        return None
    return length


#: Pairs whose loose-run bound one pass of :func:`_loose_reaches` computes together.
_LOOSE_BATCH = 64


def _loose_reaches(blocks: Sequence[F64], cut: float, least: int, slack: float
                   ) -> npt.NDArray[np.bool_]:
    """For each similarity matrix of ``blocks`` (any rows, the same columns), whether its
    longest loose run at ``cut``, every comparison with ``slack`` (:func:`_loose_cells`),
    reaches ``least``: what :func:`_loose_lengths` says of each, for many pairs at once.

    The matrices go by size in groups of :data:`_LOOSE_BATCH`, each padded to its largest
    with rows that hold no pair, and each group is judged at once by :func:`_chains_reach`."""
    reaches = np.zeros(len(blocks), dtype=bool)
    if not blocks:
        return reaches
    m = blocks[0].shape[1]
    order = sorted(range(len(blocks)), key=lambda k: blocks[k].shape[0])
    groups: list[list[int]] = []
    for k in order:  # by size: a group's rows at most twice its first matrix's
        if (not groups or len(groups[-1]) >= _LOOSE_BATCH
                or blocks[k].shape[0] > 2 * blocks[groups[-1][0]].shape[0]):
            groups.append([])
        groups[-1].append(k)
    for group in groups:
        sizes = np.array([blocks[k].shape[0] for k in group], dtype=np.int64)
        count, rows = len(group), int(sizes.max())
        stack = np.full((count, rows, m), -np.inf)
        for g, k in enumerate(group):
            stack[g, : sizes[g]] = blocks[k]
        reaches[group] = _chains_reach(_loose_cells_stacked(stack, sizes, cut, slack), least)
    return reaches


def _chains_reach(ok: npt.NDArray[np.bool_], least: int) -> npt.NDArray[np.bool_]:
    """For each matrix of the stack ``ok`` (matrices x rows x columns), whether it holds a
    loose run of ``least`` pairs or more: a chain of its pairs, each the next one or two rows
    and columns on (:data:`_LOOSE_STEP`).

    By erosion rather than by the row-by-row programme: the pairs that start a chain of
    ``k + 1`` pairs are those with a successor among the pairs that start one of ``k``, one
    step of a few whole-stack operations for each ``k``. A matrix whose longest chain is
    ``r`` empties after ``r`` steps, and the loop stops once every matrix has emptied (or
    after ``least - 1`` steps): on texts that share no passage, runs are short and it stops
    after a handful of steps, where the programme walked every row."""
    count, rows, m = ok.shape
    if least <= 0:
        return np.ones(count, dtype=bool)
    step = _LOOSE_STEP
    # ``start`` holds the pairs that start a chain of ``k`` pairs, padded after the last
    # row and column so that a pair's successors are plain slices.
    start = np.zeros((count, rows + step, m + step), dtype=bool)
    start[:, :rows, :m] = ok
    alive: npt.NDArray[np.bool_] = np.asarray(ok.any(axis=(1, 2)))
    for _ in range(1, least):
        if not alive.any():
            break
        later = start[:, :, 1: m + 1] | start[:, :, 2: m + 2]  # a column or two on
        start[:, :rows, :m] = ok & (later[:, 1: rows + 1] | later[:, 2: rows + 2])
        alive = np.asarray(start.any(axis=(1, 2)))
    return alive


def loose_score(run: int, rewrite: RewriteConfig) -> float:
    """The pair score of a loose run of ``run`` pairs: ``run / (2 * loose_run)``, capped at 1
    (0.5 at the test's least run, as for the runs of :func:`pair_score`)."""
    return min(1.0, run / (2 * rewrite.loose_run)) if rewrite.loose_run else 0.0


def _may_run_loose(rows_matched: int, cols_matched: int, shorter: int,
                   rewrite: RewriteConfig) -> bool:
    """Whether a loose run may reach ``rewrite.loose_run`` pairs: the test is on, and as many
    sentences of either text as the run needs have a match at ``loose_similarity`` (an upper
    bound: a run uses each once). Unlike a run of the chain (``min_run_text``), a loose run
    is judged in a text of any length: it needs ``loose_run`` sentences of the shorter text,
    nearly all of a short one."""
    least = rewrite.loose_run
    return bool(least and shorter >= least
                and rows_matched >= least and cols_matched >= least)


def _loose_possible(similarity: F64, rewrite: RewriteConfig) -> bool:
    """:func:`_may_run_loose` for a pair with this ``similarity``."""
    if not rewrite.loose_run or not similarity.size:
        return False
    matched = similarity >= rewrite.loose_similarity - 1e-12
    return _may_run_loose(int(matched.any(axis=1).sum()), int(matched.any(axis=0).sum()),
                          min(similarity.shape), rewrite)


def moved_passages(similarity: F64, rows: I64, cols: I64, rewrite: RewriteConfig
                   ) -> tuple[I64, I64, float]:
    """The aligned pairs of *moved passages* beside a main chain (``rows``, ``cols``) and
    their score: the best local chain among the sentences neither the main chain nor an
    earlier moved passage uses, again and again, while it has at least
    ``rewrite.moved_passages`` pairs and scores at least ``rewrite.moved_score``.

    A rewrite that moves a paragraph keeps the paragraph's sentences, but one chain, which
    advances in both texts, can align either the paragraph or the sentences it jumped
    over, not both: the moved sentences went uncounted. Each moved passage must be a strong
    passage on its own (by default two sentence pairs or more, at a similarity of 0.6 on
    average), so that the scattered single matches of texts written independently on one
    topic do not add up. Sentences of either text are used once over all passages, so the
    pruning bounds (a sum of each sentence's best match) hold for the whole alignment.
    Returns the pairs sorted by ``rows`` and the sum of the passages' scores (0 when
    ``rewrite.moved_passages`` is 0 or no passage qualifies). Exact and near copies are not
    given moved passages (:func:`verify_pair`): their n-grams decide them.
    """
    none = np.zeros(0, dtype=np.int64)
    if not rewrite.moved_passages or not len(rows) or not similarity.size:
        return none, none, 0.0
    free_rows = np.ones(similarity.shape[0], dtype=bool)
    free_cols = np.ones(similarity.shape[1], dtype=bool)
    free_rows[rows] = False
    free_cols[cols] = False
    matches = similarity >= rewrite.similarity - 1e-12
    found_rows: list[I64] = []
    found_cols: list[I64] = []
    total = 0.0
    while True:
        r, c = np.nonzero(matches & free_rows[:, None] & free_cols[None, :])
        if len(r) < rewrite.moved_passages:
            break
        chain, score = _local_chain(r.astype(np.int64), c.astype(np.int64), similarity[r, c],
                                    rewrite.baseline, rewrite.gap_penalty)
        if len(chain) < rewrite.moved_passages or score < rewrite.moved_score - 1e-12:
            break
        found_rows.append(r[chain].astype(np.int64))
        found_cols.append(c[chain].astype(np.int64))
        total += score
        free_rows[r[chain]] = False
        free_cols[c[chain]] = False
    if not found_rows:
        return none, none, 0.0
    moved_rows, moved_cols = np.concatenate(found_rows), np.concatenate(found_cols)
    order = np.argsort(moved_rows, kind="stable")
    return moved_rows[order], moved_cols[order], total


def pair_score(strength: float, shorter: int, run: int, rewrite: RewriteConfig) -> float:
    """The pair score of a sentence alignment, in [0, 1] (see :class:`RewriteConfig`).

    The larger of the chain's density (its score per sentence of the shorter text over the
    best possible, ``strength / ((1 - baseline) * shorter)``) and, for a run of at least
    ``min_run`` consecutive aligned pairs where the shorter text has at least
    ``min_run_text`` sentences, ``run / (2 * min_run)``; capped at 1.
    """
    density = strength / ((1.0 - rewrite.baseline) * max(shorter, 1))
    long_run = (run / (2 * rewrite.min_run)
                if run >= rewrite.min_run and shorter >= rewrite.min_run_text else 0.0)
    return min(1.0, max(density, long_run, 0.0))


def _word_overlap(a: str, b: str) -> tuple[float, float]:
    left, right = set(hashing_key(a).split()), set(hashing_key(b).split())
    if not left or not right:
        return 0.0, 0.0
    shared = len(left & right)
    return shared / len(left | right), shared / min(len(left), len(right))


def _chain_ruled_out(similarity: F64, a: Profile, b: Profile, rewrite: RewriteConfig) -> bool:
    """Whether no chain through ``similarity`` can pass ``rewrite``: upper bounds only.

    A chain uses each sentence of either text at most once, so it has at most as many pairs
    as there are rows (and columns) with a match; its score is at most the sum, over rows (and
    over columns), of the best match minus the baseline; its coverage at most the words of
    the rows (columns) with a match. The pair score is bounded through these. When a bound
    falls below its threshold the alignment itself (quadratic in the matches) is skipped:
    the verdict is the same, only cheaper.
    """
    if not similarity.size:
        return True
    cut = rewrite.similarity - 1e-12
    row_best = similarity.max(axis=1)
    col_best = similarity.max(axis=0)
    rows, cols = row_best >= cut, col_best >= cut
    pairs = min(int(rows.sum()), int(cols.sum()))
    if pairs < rewrite.min_passages:
        return True
    strength = min(float(np.sum(row_best[rows] - rewrite.baseline)),
                   float(np.sum(col_best[cols] - rewrite.baseline)))
    if strength < rewrite.min_score - 1e-9:
        return True
    coverage = max(float(a.sentence_words[rows].sum()) / max(int(a.sentence_words.sum()), 1),
                   float(b.sentence_words[cols].sum()) / max(int(b.sentence_words.sum()), 1))
    if coverage < rewrite.min_coverage - 1e-9:
        return True
    shorter = min(len(a.sentences), len(b.sentences))
    link = pair_score(strength, shorter, pairs, rewrite)
    return link < rewrite.threshold - 1e-9


def retelling_tiers(rewrite: RewriteConfig) -> tuple[tuple[int, float], ...]:
    """The ``(sentences retold, share)`` pairs of which a retelling must reach one: ``min_retold``
    and ``retold_share``, then ``short_retold`` and ``short_retold_share`` (a *short
    retelling*: fewer sentences, a larger share); none when ``min_retold`` is 0 (the test is
    off), the second only when ``short_retold`` is not 0."""
    if not rewrite.min_retold:
        return ()
    tiers: tuple[tuple[int, float], ...] = ((rewrite.min_retold, rewrite.retold_share),)
    if rewrite.short_retold:
        tiers += ((rewrite.short_retold, rewrite.short_retold_share),)
    return tiers


def _may_reach(count: int, shorter: int, rewrite: RewriteConfig) -> bool:
    """Whether ``count`` sentences retold of a shorter text of ``shorter`` sentences reach a
    retelling tier (:func:`retelling_tiers`)."""
    return any(count >= least and count >= share * shorter - 1e-9
               for least, share in retelling_tiers(rewrite))


def _may_retell(similarity: F64, rewrite: RewriteConfig) -> bool:
    """Whether the retelling test of :class:`RewriteConfig` may pass for a pair with this
    ``similarity`` (``a`` x ``b``): an upper bound. A retold sentence of the shorter text has
    a match at ``retell_similarity`` or more, so those with one bound how many are retold."""
    m, n = similarity.shape
    tiers = retelling_tiers(rewrite)
    if not tiers or min(m, n) < min(least for least, _ in tiers):
        return False
    matched = similarity >= rewrite.retell_similarity - 1e-12
    # the shorter text: ``b`` unless ``a`` has fewer sentences (as :func:`_retold` orients)
    count = int(matched.any(axis=0).sum()) if m >= n else int(matched.any(axis=1).sum())
    return _may_reach(count, min(m, n), rewrite)


def _retold(a: Profile, b: Profile, similarity: F64, rewrite: RewriteConfig, *,
            bound: bool = True) -> tuple[InOrder, bool] | None:
    """The retelling test's alignment (see :class:`~corpus.dedup.config.RewriteConfig`) of
    the text with more sentences (``a`` on a tie) onto the other's, and whether ``a`` is that
    longer text; ``None`` when the test is off or the shorter text has fewer sentences than
    any tier needs retold (:func:`retelling_tiers`). A sentence pair may align only at or
    above the shorter text's sentence's mean similarity with the longer text's sentences.
    With ``bound``, an empty alignment stands for one that cannot pass (the alignment is not
    run)."""
    m, n = similarity.shape
    tiers = retelling_tiers(rewrite)
    if not tiers or min(m, n) < min(least for least, _ in tiers):
        return None
    a_longer = m >= n
    n_short = min(m, n)
    oriented = similarity if a_longer else similarity.T
    longer, shorter = (a, b) if a_longer else (b, a)
    lifted = np.where(oriented - oriented.mean(axis=0, keepdims=True) >= -1e-12, oriented, 0.0)
    lifted = _without_shared_quotations(lifted, longer, shorter, rewrite.quotation_share)
    # Two bounds of the sentences retold, before the alignment's dynamic programme: the
    # shorter text's sentences with a match that may align (most pairs stop here), then the
    # longest chain of such matches in both texts' order (98% of the rest stop there).
    matched = lifted >= rewrite.retell_similarity - 1e-12
    if bound and not (_may_reach(int(matched.any(axis=0).sum()), n_short, rewrite)
                      and _may_reach(in_order_reach(matched), n_short, rewrite)):
        return InOrder((), 0.0, 0.0, 0.0), a_longer
    found = in_order_alignment(lifted, longer.sentence_words, shorter.sentence_words,
                               cut=rewrite.retell_similarity, baseline=rewrite.retell_baseline,
                               gap=rewrite.retell_gap)
    return found, a_longer


def in_order_reach(matched: npt.NDArray[np.bool_]) -> int:
    """The most sentences of the shorter text (columns of ``matched``) that an in-order
    alignment over the ``matched`` sentence pairs can retell: the longest chain of matched
    pairs that moves on in both texts at every step.

    An upper bound of :attr:`InOrder.retold` for :func:`in_order_alignment` at the cut that
    gives ``matched``, whatever its baseline and gap: the first pair of each retold sentence
    of an alignment make such a chain. It stops 98% of the retelling alignments of the
    verification benchmark, at a tenth to a thirtieth of their cost (patience sorting over
    the matched pairs, ``O(k log k)`` for ``k`` of them, where the alignment costs a few
    numpy steps per row).
    """
    # Row by row, each row's columns from the right: a row then extends a chain once at most.
    _, flipped = np.nonzero(matched[:, ::-1])
    tails: list[int] = []  # tails[k]: the smallest last column of a chain of k + 1 pairs
    last = matched.shape[1] - 1
    for column in (last - flipped).tolist():
        k = bisect_left(tails, column)
        if k == len(tails):
            tails.append(column)
        else:
            tails[k] = column
    return len(tails)


def retelling_tier(found: InOrder, rewrite: RewriteConfig) -> tuple[int, float]:
    """The tier (:func:`retelling_tiers`) a retelling alignment is judged by, for
    explanations: the first it passes, or else the first whose sentence count it reaches, or
    else the first. ``(0, 0.0)`` when the test is off."""
    tiers = retelling_tiers(rewrite)
    if not tiers:
        return 0, 0.0
    for least, share in tiers:
        if found.retold >= least and found.share >= share - 1e-12:
            return least, share
    return next(((least, share) for least, share in tiers if found.retold >= least), tiers[0])


def retells(found: InOrder, rewrite: RewriteConfig) -> bool:
    """Whether a retelling alignment (:func:`retold_in_order`) passes the test of
    :class:`~corpus.dedup.config.RewriteConfig`."""
    return found.strength >= rewrite.min_score and any(
        found.retold >= least and found.share >= share - 1e-12
        for least, share in retelling_tiers(rewrite))


def retold_in_order(a: Profile, b: Profile, rewrite: RewriteConfig) -> InOrder | None:
    """The lexical retelling alignment of ``a`` and ``b`` (for explanations): ``None`` when
    the test is off or the shorter text has fewer sentences than any tier needs retold."""
    found = _retold(a, b, _similarity_matrix(a, b), rewrite, bound=False)
    return None if found is None else found[0]


def loose_run_of(a: Profile, b: Profile, rewrite: RewriteConfig) -> tuple[I64, I64]:
    """The longest loose run (:func:`loose_run`) of ``a`` and ``b`` at
    ``rewrite.loose_similarity``, for explanations: its sentences of ``a`` and of ``b``."""
    return loose_run(_similarity_matrix(a, b), rewrite.loose_similarity)


def verify_pair(a: Profile, b: Profile, config: DedupConfig, *, align: bool = True,
                similarity: F64 | None = None, rewrite: RewriteConfig | None = None,
                prune: bool = False) -> PairVerdict:
    """Decide whether ``a`` and ``b`` are duplicates, how, and with what evidence.

    In order: identical keys are ``exact``; a Jaccard or containment at the
    :class:`~corpus.dedup.config.NearConfig` thresholds is ``near``; a sentence alignment that
    passes :class:`~corpus.dedup.config.RewriteConfig` is ``rewrite``; anything else is not a
    duplicate (``unique``). With ``align=False`` only the n-gram measures are computed (no
    rewrite check, no evidence): the cheap first check of near-copy candidates. The verdict
    depends on the two texts and the configuration only, never on the rest of the corpus.
    Pure and deterministic for a given orientation; callers always pass a pair in the same
    orientation (by id), so results do not depend on input order.

    ``similarity`` (sentences of ``a`` × sentences of ``b``) replaces the lexical sentence
    similarity in the alignment, and ``rewrite`` the thresholds of
    :attr:`DedupConfig.rewrite <corpus.dedup.config.DedupConfig.rewrite>`: this is how the
    semantic verifier (:mod:`corpus.dedup.semantic`) aligns embedding cosines with its own
    calibration, through the same alignment and evidence.

    With ``prune``, a pair that is neither an exact nor a near copy and that upper bounds show
    cannot pass the rewrite thresholds is returned as ``unique`` without aligning it (its
    ``coverage``, ``strength``, ``run``, ``link`` and ``aligned`` are then 0): the same
    relation, for a fraction of the cost. Verification in bulk prunes; explanations do not.
    """
    return _verify_measured(a, b, config, _measure(a, b, config), align=align,
                            similarity=similarity, rewrite=rewrite, prune=prune)


def _shared_count(a: U64, b: U64) -> int:
    """How many values two sorted arrays of distinct values have in common (a binary search
    of the shorter in the longer: the count ``np.intersect1d`` gives, without its sort)."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a) or not len(b):
        return 0
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return int(np.count_nonzero(b[at] == a))


@dataclass(frozen=True, slots=True)
class _Measures:
    """The n-gram measures of a pair, and whether they make it an exact or a near copy."""

    jaccard: float
    containment: float
    left_in_right: bool
    right_in_left: bool
    exact: bool
    near_copy: bool


def _measure(a: Profile, b: Profile, config: DedupConfig, shared: int = -1) -> _Measures:
    """The n-gram measures of ``a`` and ``b``; ``shared`` is their count of shared shingles
    when it is known already."""
    if shared < 0:
        shared = _shared_count(a.shingles, b.shingles)
    size_a, size_b = len(a.shingles), len(b.shingles)
    union = size_a + size_b - shared
    jaccard = shared / union if union else 0.0
    smaller = min(size_a, size_b)
    containment = shared / smaller if smaller else 0.0
    near = config.near
    return _Measures(
        jaccard=jaccard,
        containment=containment,
        left_in_right=bool(size_a and shared / size_a >= near.containment),
        right_in_left=bool(size_b and shared / size_b >= near.containment),
        exact=bool(a.key == b.key and a.key),
        near_copy=min(a.words, b.words) >= near.min_words and (
            jaccard >= near.jaccard or containment >= near.containment),
    )


def _coverage(a: Profile, b: Profile, rows: I64, cols: I64) -> float:
    """The larger share of a text's words in the aligned sentences (``rows`` of ``a``,
    ``cols`` of ``b``)."""
    return max(float(a.sentence_words[rows].sum()) / max(int(a.sentence_words.sum()), 1),
               float(b.sentence_words[cols].sum()) / max(int(b.sentence_words.sum()), 1))


def _verify_measured(a: Profile, b: Profile, config: DedupConfig, measures: _Measures, *,
                     align: bool, similarity: F64 | None, rewrite: RewriteConfig | None,
                     prune: bool) -> PairVerdict:
    """:func:`verify_pair` once the n-gram measures of the pair are known."""
    rewrite = config.rewrite if rewrite is None else rewrite
    jaccard, containment = measures.jaccard, measures.containment
    left_in_right, right_in_left = measures.left_in_right, measures.right_in_left
    exact, near_copy = measures.exact, measures.near_copy

    chain: list[int] = []
    coverage = strength = link = 0.0
    run = moved = 0
    rows = cols = np.zeros(0, dtype=np.int64)
    weights = np.zeros(0, dtype=np.float64)
    chain_possible = True
    if align and prune and not exact and not near_copy:
        if similarity is None:
            similarity = _similarity_matrix(a, b)
        chain_possible = config.rewrites and not _chain_ruled_out(similarity, a, b, rewrite)
        if not chain_possible and not (config.rewrites and (
                _may_retell(similarity, rewrite) or _loose_possible(similarity, rewrite))):
            align = False
    if align and chain_possible:
        if similarity is None:
            similarity = _similarity_matrix(a, b)
        rows, cols = np.nonzero(similarity >= rewrite.similarity - 1e-12)
        weights = similarity[rows, cols]
        chain, strength = _local_chain(rows.astype(np.int64), cols.astype(np.int64), weights,
                                       rewrite.baseline, rewrite.gap_penalty)
        rows, cols = rows[chain].astype(np.int64), cols[chain].astype(np.int64)
        # of the main chain (a run is one passage), shared quotations not counted
        run = longest_run(rows, cols, run_counted(a, b, rows, cols, rewrite.quotation_share))
        # Moved passages are part of the rewrite test: an exact or near copy is decided by
        # its n-grams, and its alignment (the evidence) stays the main chain, which costs a
        # third as much on a long copy with shuffled paragraphs.
        moved_rows, moved_cols, moved_score = (
            moved_passages(similarity, rows, cols, rewrite) if not (exact or near_copy)
            else (rows[:0], cols[:0], 0.0))
        if len(moved_rows):
            moved = len(moved_rows)
            strength += moved_score
            rows = np.concatenate([rows, moved_rows])
            cols = np.concatenate([cols, moved_cols])
            order = np.argsort(rows, kind="stable")
            rows, cols = rows[order], cols[order]
            chain = list(range(len(rows)))
        weights = similarity[rows, cols]
        coverage = _coverage(a, b, rows, cols)
        link = pair_score(strength, min(len(a.sentences), len(b.sentences)), run, rewrite)
    chained = (
        align
        and config.rewrites
        and len(chain) >= rewrite.min_passages
        and coverage >= rewrite.min_coverage
        and strength >= rewrite.min_score
        and link >= rewrite.threshold - 1e-12
    )
    retold: tuple[InOrder, bool] | None = None
    if align and config.rewrites and not exact and not near_copy and not chained:
        if similarity is None:
            similarity = _similarity_matrix(a, b)
        tried = _retold(a, b, similarity, rewrite)
        # Its share is the pair score, which a rewrite needs at ``threshold`` whatever the test
        # (at the defaults every tier's share is above it).
        if (tried is not None and retells(tried[0], rewrite)
                and tried[0].share >= rewrite.threshold - 1e-12):
            retold = tried
    loose: tuple[I64, I64] | None = None
    if (align and config.rewrites and not exact and not near_copy and not chained
            and retold is None):
        if similarity is None:
            similarity = _similarity_matrix(a, b)
        if _loose_possible(similarity, rewrite):
            found_loose = loose_run(similarity, rewrite.loose_similarity, rewrite.loose_run)
            if (len(found_loose[0]) >= rewrite.loose_run and loose_score(
                    len(found_loose[0]), rewrite) >= rewrite.threshold - 1e-12):
                loose = found_loose

    if exact:
        relation, score = Relation.EXACT, 1.0
        jaccard = containment = 1.0
        left_in_right = right_in_left = True
    elif near_copy:
        relation, score = Relation.NEAR, containment
    elif chained:
        relation, score = Relation.REWRITE, link
    elif retold is not None:
        # The retelling decides: its alignment is the evidence, its share the pair score.
        retelling_found, a_longer = retold
        pairs = sorted((i, j, w) if a_longer else (j, i, w)
                       for i, j, w in retelling_found.pairs)
        rows = np.array([i for i, _, _ in pairs], dtype=np.int64)
        cols = np.array([j for _, j, _ in pairs], dtype=np.int64)
        weights = np.array([w for _, _, w in pairs], dtype=np.float64)
        chain = list(range(len(pairs)))
        # of this alignment, whether or not the chain was run
        run = longest_run(rows, cols, run_counted(a, b, rows, cols, rewrite.quotation_share))
        coverage = max(retelling_found.coverage, retelling_found.used)
        strength = retelling_found.strength
        relation, score = Relation.REWRITE, retelling_found.share
        link = retelling_found.share
        moved = 0
    elif loose is not None:
        # A rewrite told sentence by sentence: the loose run is the evidence.
        assert similarity is not None
        rows, cols = loose
        weights = similarity[rows, cols]
        chain = list(range(len(rows)))
        run = len(rows)
        coverage = _coverage(a, b, rows, cols)
        link = loose_score(run, rewrite)
        relation, score = Relation.REWRITE, link
        moved = 0
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
        strength=_round(strength),
        run=run,
        link=_round(link),
        left_in_right=left_in_right,
        right_in_left=right_in_left,
        evidence=tuple(evidence),
        moved=moved,
    )


@dataclass(frozen=True, slots=True)
class InOrder:
    """An in-order alignment of a longer text onto a shorter one (:func:`in_order_alignment`).

    ``pairs`` are ``(longer, shorter, similarity)`` sentence indices, increasing in the longer
    text and non-decreasing in the shorter one; ``strength`` is the alignment's local score,
    ``coverage`` the share of the longer text's words in aligned sentences and ``used`` the
    share of the shorter text's words. ``retold`` counts the shorter text's sentences that
    are aligned (each once, however many sentences of the longer text map onto it) and
    ``share`` is their share of its sentences: how much of the shorter text the longer one
    retells in order.
    """

    pairs: tuple[tuple[int, int, float], ...]
    strength: float
    coverage: float
    used: float
    retold: int = 0
    share: float = 0.0


def in_order_alignment(similarity: F64, longer_words: I64, shorter_words: I64, *,
                       cut: float, baseline: float, gap: float) -> InOrder:
    """The best local alignment of the sentences of a longer text (rows of ``similarity``)
    onto those of a shorter one (columns) that keeps both texts' order.

    Unlike the one-to-one chain of the rewrite test, several sentences of the longer text may
    map to one sentence of the shorter (a retelling merges sentences, a condensed one many),
    but never out of order: the shorter text's index never decreases along the longer text.
    A sentence pair at ``cut`` or more may be aligned and adds its similarity minus
    ``baseline``; each sentence of the longer text left out inside the alignment costs
    ``gap``; the alignment restarts where its score would fall below zero. Dynamic
    programming over the ``rows x columns`` grid, ``O(rows * columns)``.
    """
    n, m = similarity.shape
    if n == 0 or m == 0:
        return InOrder((), 0.0, 0.0, 0.0)
    gain = np.where(similarity >= cut - 1e-12, similarity - baseline, -np.inf)
    score = np.zeros(m)
    # back[i, j]: where the best alignment ending at row i with last column j came from:
    # -2 start, -1 row i skipped (same column), k >= 0 row i aligned after column k of i - 1.
    back = np.full((n, m), -2, dtype=np.int64)
    aligned = np.zeros((n, m), dtype=bool)
    best, best_at = 0.0, (-1, -1)
    columns = np.arange(m)
    for i in range(n):
        # Best previous state at a column <= j, and which column it was.
        lead = np.maximum.accumulate(score)
        is_lead = np.concatenate(([True], score[1:] > lead[:-1]))
        lead_at = np.maximum.accumulate(np.where(is_lead, columns, 0))
        skip = score - gap
        take = np.maximum(lead, 0.0) + gain[i]
        use_take = (take > skip) & (take > 0)
        use_skip = ~use_take & (skip > 0)
        back[i] = np.where(use_take, np.where(lead > 0, lead_at, -2), np.where(use_skip, -1, -2))
        aligned[i] = use_take
        score = np.where(use_take, take, np.where(use_skip, skip, 0.0))
        j = int(np.argmax(score))
        if score[j] > best + 1e-12:
            best, best_at = float(score[j]), (i, j)
    pairs: list[tuple[int, int, float]] = []
    i, j = best_at
    while i >= 0 and j >= 0:
        if aligned[i, j]:
            pairs.append((i, j, float(similarity[i, j])))
            k = int(back[i, j])
            if k == -2:
                break
            i, j = i - 1, k
        elif back[i, j] == -1:
            i -= 1
        else:
            break
    pairs.reverse()
    rows = np.array([p[0] for p in pairs], dtype=np.int64)
    cols = np.unique(np.array([p[1] for p in pairs], dtype=np.int64))
    coverage = float(longer_words[rows].sum()) / max(int(longer_words.sum()), 1)
    used = float(shorter_words[cols].sum()) / max(int(shorter_words.sum()), 1)
    return InOrder(tuple(pairs), best, coverage, used, len(cols), len(cols) / m)


@dataclass(frozen=True, slots=True)
class Retelling:
    """What the semantic retelling test measures (:func:`retelling`).

    ``lifted`` aligns, in both texts' order, the sentence pairs at the similarity cut that
    also stand out, by ``min_lift`` or more, from the shorter text's sentence's mean
    similarity to the longer text's sentences. A sentence that resembles every sentence of
    the other text retells none of them: on a narrow topic every sentence does, and a short
    report of a story has general sentences that resemble many of a long article on the same
    story (one such report covered 66% of the New York Times article's words when every pair
    at the cut could align, 20% when only the pairs that stand out could). ``score`` is the
    pair score in [0, 1]: the larger of two shares of that alignment, each counted only when
    the alignment's score reaches ``min_score``: the longer text's words covered (counted
    with ``min_passages`` of its sentences aligned) and the shorter text's sentences retold
    (counted with ``min_sentences`` of them).
    """

    lifted: InOrder
    score: float


def retelling(similarity: F64, longer_words: I64, shorter_words: I64, rewrite: RewriteConfig,
              *, min_sentences: int = 0, min_lift: float = 0.0) -> Retelling:
    """The in-order alignment of the retelling test and the pair score it gives.

    ``similarity`` is longer text x shorter text (rows: the text with more sentences).
    ``min_sentences`` 0 turns the shorter-text share off (the longer text's share still
    counts).
    """
    # an empty text has no mean to stand out from (and aligns nothing)
    lift = similarity - similarity.mean(axis=0, keepdims=True) if similarity.size else similarity
    lifted = in_order_alignment(np.where(lift >= min_lift - 1e-12, similarity, 0.0),
                                longer_words, shorter_words, cut=rewrite.similarity,
                                baseline=rewrite.baseline, gap=rewrite.gap_penalty)
    score = 0.0
    if lifted.strength >= rewrite.min_score:
        if len(lifted.pairs) >= rewrite.min_passages:
            score = lifted.coverage
        if min_sentences and lifted.retold >= min_sentences:
            score = max(score, lifted.share)
    return Retelling(lifted, score)


def verify_retelling(a: Profile, b: Profile, config: DedupConfig, *, similarity: F64,
                     rewrite: RewriteConfig, min_sentences: int = 0,
                     min_lift: float = 0.0) -> PairVerdict:
    """Decide whether ``b`` retells ``a`` or the reverse: the semantic rewrite test.

    Exact and near copies are decided as by :func:`verify_pair`. Otherwise the sentences of
    the text with more sentences are aligned in order onto the other's
    (:func:`in_order_alignment`, with ``similarity`` the sentence cosines of ``a`` x ``b``).
    A sentence pair aligns only if its similarity also exceeds, by ``min_lift``, the shorter
    text's sentence's mean similarity to the longer text's (:class:`Retelling`). The
    alignment, of score at least ``rewrite.min_score``, makes the pair a rewrite when either
    of two shares reaches ``rewrite.threshold``:

    * *the longer text retold*: the share of the longer text's words in aligned sentences,
      counted when at least ``rewrite.min_passages`` of its sentences are aligned (a
      paraphrase of about the same length);
    * *the shorter text retold*: the share of the shorter text's sentences that are aligned,
      counted when at least ``min_sentences`` of them are (a condensed retelling, or a
      rewrite that drops and adds much, whose every sentence still follows the other text
      in order).

    The pair score, in [0, 1], is the larger of the shares that are counted
    (:func:`retelling`). The thresholds are calibrated on the development set
    (``docs/dedup.md``): there, texts written independently to the same facts cover at most
    48% of the longer text's words with 20 or more of its sentences aligned, and of those
    with 12 or more sentences of the shorter text aligned, at most 63% of its sentences
    (with the validation set, written later, 65% and 72%: ``docs/benchmarks.md``).
    """
    verdict = verify_pair(a, b, config, align=False)
    if verdict.relation is not Relation.UNIQUE or not config.rewrites:
        return verdict
    flip = len(a.sentences) < len(b.sentences)
    matrix = similarity.T if flip else similarity
    longer, shorter = (b, a) if flip else (a, b)
    quotation_share = config.rewrite.quotation_share
    matrix = _without_shared_quotations(matrix, longer, shorter, quotation_share)
    measured = retelling(matrix, longer.sentence_words, shorter.sentence_words, rewrite,
                         min_sentences=min_sentences, min_lift=min_lift)
    found, score = measured.lifted, measured.score
    # A share counts only when its alignment reaches min_score (retelling()).
    rewrite_found = score >= rewrite.threshold - 1e-12
    evidence: list[AlignedPair] = []
    if rewrite_found and config.evidence_passages:
        ranked = sorted(range(len(found.pairs)), key=lambda t: (-found.pairs[t][2], t))
        for t in sorted(ranked[: config.evidence_passages]):
            i, j, weight = found.pairs[t]
            left, right = (j, i) if flip else (i, j)
            words_j, words_c = _word_overlap(a.sentences[left].text, b.sentences[right].text)
            evidence.append(AlignedPair(left, right, _round(weight), _round(words_j),
                                        _round(words_c)))
    on_longer = np.array([p[0] for p in found.pairs], dtype=np.int64)
    on_shorter = np.array([p[1] for p in found.pairs], dtype=np.int64)
    run = longest_run(on_longer, on_shorter,
                      run_counted(longer, shorter, on_longer, on_shorter, quotation_share))
    return PairVerdict(
        relation=Relation.REWRITE if rewrite_found else Relation.UNIQUE,
        score=_round(score) if rewrite_found else 0.0,
        jaccard=verdict.jaccard,
        containment=verdict.containment,
        coverage=_round(found.coverage),
        aligned=len(found.pairs),
        strength=_round(found.strength),
        run=run,
        link=_round(score),
        left_in_right=verdict.left_in_right,
        right_in_left=verdict.right_in_left,
        evidence=tuple(evidence),
    )


#: Slack of the batched bounds of :func:`verify_many` over the exact ones: the batched
#: similarities sum the same products in another order, so they may differ in the last bits;
#: a pair is ruled out only when its bound falls short by more than this.
_SLACK = 1e-9
#: Sentences of the other documents compared with one document in one pass.
_BATCH_SENTENCES = 4096


def verify_many(a: Profile, others: Sequence[Profile], config: DedupConfig) -> list[PairVerdict]:
    """``verify_pair(a, b, config, prune=True)`` for every ``b`` of ``others``, batched.

    The verdicts are those of :func:`verify_pair`, field for field; only the work differs.
    Most candidate pairs of a corpus are ruled out by the upper bounds of the pruning, and
    for them the similarity matrix is all the work: here the sentences of ``a`` are compared
    with the sentences of many documents in one pass (every term of theirs whose stem ``a``
    has scales a column of ``a``'s sentence matrix; the products are summed per sentence),
    the bounds of every pair come from segment reductions, and the shingles of all of them
    are looked up in ``a``'s in one binary search. A pair whose bounds clear the thresholds,
    with a small slack for rounding, is verified by :func:`verify_pair` itself; an exact or
    near copy too.
    """
    verdicts: list[PairVerdict | None] = [None] * len(others)
    measured = [_measure(a, b, config, shared)
                for b, shared in zip(others, _shared_counts(a.shingles, others), strict=True)]
    bounded: list[int] = []
    for k, (b, found) in enumerate(zip(others, measured, strict=True)):
        if (config.rewrites and not found.exact and not found.near_copy and len(a.sentences)
                and len(b.sentences)):
            bounded.append(k)
        else:
            verdicts[k] = _verify_measured(a, b, config, found, align=True, similarity=None,
                                           rewrite=None, prune=True)
    start = 0
    while start < len(bounded):
        stop, sentences = start, 0
        while stop < len(bounded) and (stop == start or sentences + len(
                others[bounded[stop]].sentences) <= _BATCH_SENTENCES):
            sentences += len(others[bounded[stop]].sentences)
            stop += 1
        chunk = bounded[start:stop]
        ruled_out = _cannot_be_rewrites(a, [others[k] for k in chunk], config.rewrite)
        for k, out in zip(chunk, ruled_out.tolist(), strict=True):
            if out:  # what verify_pair returns for a pair it prunes
                found = measured[k]
                verdicts[k] = PairVerdict(
                    Relation.UNIQUE, 0.0, _round(found.jaccard), _round(found.containment),
                    0.0, 0, 0.0, 0, 0.0, found.left_in_right, found.right_in_left, ())
            else:
                verdicts[k] = _verify_measured(a, others[k], config, measured[k], align=True,
                                               similarity=None, rewrite=None, prune=True)
        start = stop
    return [v for v in verdicts if v is not None]


def _shared_counts(shingles: U64, others: Sequence[Profile]) -> list[int]:
    """For each of ``others``, how many of its shingles are in ``shingles`` (sorted, distinct):
    :func:`_shared_count` of every pair, in one binary search."""
    if not len(shingles) or not others:
        return [0] * len(others)
    lengths = [len(b.shingles) for b in others]
    every = np.concatenate([b.shingles for b in others])
    # Only the shingles whose low bits some shingle of ``shingles`` has can be found in it:
    # a table lookup leaves a few of them to the binary search.
    maybe = np.flatnonzero(_low_bits_table(shingles).take(_low_bits(every)))
    found = every[maybe]
    at = np.minimum(np.searchsorted(shingles, found), len(shingles) - 1)
    owner = np.repeat(np.arange(len(others)), lengths)
    counts: list[int] = np.bincount(owner[maybe[shingles[at] == found]],
                                    minlength=len(others)).tolist()
    return counts


#: Bits of a hash that index the tables of :func:`_low_bits_table`.
_TABLE_BITS = 16
_TABLE_MASK = np.uint64((1 << _TABLE_BITS) - 1)


def _low_bits(values: U64) -> npt.NDArray[np.intp]:
    low: npt.NDArray[np.intp] = (values & _TABLE_MASK).astype(np.intp)
    return low


def _low_bits_table(values: U64) -> npt.NDArray[np.bool_]:
    """Which values of the low :data:`_TABLE_BITS` bits some of ``values`` (64-bit hashes)
    has: a value whose low bits are not marked is not among ``values``."""
    table = np.zeros(1 << _TABLE_BITS, dtype=bool)
    table[_low_bits(values)] = True
    return table


def _cannot_be_rewrites(a: Profile, others: Sequence[Profile], rewrite: RewriteConfig
                        ) -> npt.NDArray[np.bool_]:
    """:func:`_chain_ruled_out` and not :func:`_may_retell`, for ``a`` against each of
    ``others`` (each with at least one sentence) in one pass, with :data:`_SLACK`: ``True``
    only where the exact bounds rule the pair out too."""
    m = len(a.sentences)
    vocabulary = a.vocabulary
    # ``a``'s sentence matrix, one row per stem; similarities go one row per sentence of the
    # others, so that every product and sum below runs over contiguous rows.
    left = np.zeros((len(vocabulary), m))
    left[a.term_column, a.term_sentence] = a.term_unit
    sizes = np.array([len(b.sentences) for b in others], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    # Each term of another text whose stem ``a`` has scales a row of ``a``'s sentence matrix;
    # summing the products per sentence gives that sentence's cosines (no BLAS: small
    # products stay on one thread).
    similarity = np.zeros((int(sizes.sum()), m))
    if len(vocabulary):
        # Each other text's stems are looked up once (its vocabulary), then each term takes
        # its stem's place: the same places, for fewer searches.
        stems = np.concatenate([b.vocabulary for b in others])
        places = np.minimum(np.searchsorted(vocabulary, stems), len(vocabulary) - 1)
        shared = vocabulary[places] == stems
        starts_v = np.cumsum([0] + [len(b.vocabulary) for b in others[:-1]])
        column = (np.concatenate([b.term_column for b in others])
                  + np.repeat(starts_v, [len(b.term_column) for b in others]))
        at, kept = places[column], shared[column]
        # sorted: a profile's terms go sentence by sentence, the others one after the other
        owner = (np.concatenate([b.term_sentence for b in others])
                 + np.repeat(offsets, [len(b.term_stem) for b in others]))[kept]
        if len(owner):
            starts = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
            units = np.concatenate([b.term_unit for b in others])[kept]
            products = left.take(at[kept], axis=0)
            products *= units[:, None]
            similarity[owner[starts]] = np.add.reduceat(products, starts, axis=0)
    cut = rewrite.similarity - 1e-12 - _SLACK
    row_best = np.maximum.reduceat(similarity, offsets, axis=0)  # others x sentences of a
    col_best = similarity.max(axis=1)
    rows, cols = row_best >= cut, col_best >= cut
    pairs = np.minimum(rows.sum(axis=1), np.add.reduceat(cols.astype(np.int64), offsets))
    strength = np.minimum(
        np.where(rows, row_best - rewrite.baseline, 0.0).sum(axis=1),
        np.add.reduceat(np.where(cols, col_best - rewrite.baseline, 0.0), offsets))
    words_b = np.concatenate([b.sentence_words for b in others])
    totals_b = np.maximum(np.add.reduceat(words_b, offsets), 1)
    coverage = np.maximum(
        (rows * a.sentence_words).sum(axis=1) / max(int(a.sentence_words.sum()), 1),
        np.add.reduceat(words_b * cols, offsets) / totals_b)
    shorter = np.maximum(np.minimum(m, sizes), 1)
    density = strength / ((1.0 - rewrite.baseline) * shorter)
    long_run = np.where((pairs >= rewrite.min_run) & (shorter >= rewrite.min_run_text),
                        pairs / (2 * rewrite.min_run), 0.0)
    link = np.minimum(1.0, np.maximum(np.maximum(density, long_run), 0.0))
    ruled_out: npt.NDArray[np.bool_] = (
        (pairs < rewrite.min_passages)
        | (strength < rewrite.min_score - 1e-9 - _SLACK)
        | (coverage < rewrite.min_coverage - 1e-9 - _SLACK)
        | (link < rewrite.threshold - 1e-9 - _SLACK)
    )
    tiers = retelling_tiers(rewrite)
    if tiers:
        # :func:`_may_retell`: the shorter text's sentences with a match bound those retold
        near = rewrite.retell_similarity - 1e-12 - _SLACK
        matched_a = (row_best >= near).sum(axis=1)
        matched_b = np.add.reduceat((col_best >= near).astype(np.int64), offsets)
        a_longer = m >= sizes
        count = np.where(a_longer, matched_b, matched_a)
        short = np.minimum(m, sizes)
        may_retell = np.zeros(len(sizes), dtype=bool)
        for least, share in tiers:
            may_retell |= ((short >= least) & (count >= least)
                           & (count >= share * short - 1e-9))
        ruled_out &= ~may_retell
    if rewrite.loose_run:
        # :func:`_loose_possible`
        loose_cut = rewrite.loose_similarity - 1e-12 - _SLACK
        loose_a = (row_best >= loose_cut).sum(axis=1)
        loose_b = np.add.reduceat((col_best >= loose_cut).astype(np.int64), offsets)
        shortest = np.minimum(m, sizes)
        loose = ((shortest >= rewrite.loose_run)
                 & (loose_a >= rewrite.loose_run) & (loose_b >= rewrite.loose_run))
        # Where only a loose run may pass, its programme on these similarities (each
        # comparison with the slack) bounds it: it runs here, for all those pairs at once,
        # not again pair by pair.
        only = np.flatnonzero(ruled_out & loose)
        if len(only):
            blocks = [similarity[offsets[k]: offsets[k] + sizes[k]] for k in only.tolist()]
            loose[only] = _loose_reaches(blocks, rewrite.loose_similarity, rewrite.loose_run,
                                         _SLACK)
        ruled_out &= ~loose
    return ruled_out


def _round(value: float) -> float:
    """Round to 4 decimals so results print and compare stably (no ``-0.0``, no NaN)."""
    if not math.isfinite(value):
        return 0.0
    return round(value, 4) + 0.0
