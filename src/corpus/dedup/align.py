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
is the rewrite score; the thresholds are calibrated in ``docs/dedup.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from corpus.dedup.config import DedupConfig, RewriteConfig
from corpus.dedup.hashing import I64, U64, hash_words, is_stopword, ngram_hashes
from corpus.dedup.text import Sentence, split_sentences
from corpus.records import Relation
from corpus.text.keys import hashing_key

__all__ = ["AlignedPair", "PairVerdict", "Profile", "build_profile", "longest_run", "pair_score",
           "verify_pair"]

F64 = npt.NDArray[np.float64]
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


#: A word put before every sentence when the sentences of a text are keyed in one call, so
#: that a sentence without words keeps its line (the key drops empty lines).
_SENTINEL = "0 "


def _sentence_keys(sentences: tuple[Sentence, ...]) -> list[str]:
    """The hashing key of every sentence, all keyed in one call (one call per sentence was
    a third of the time of verification)."""
    if not sentences:
        return []
    joined = "\n".join(_SENTINEL + s.text.replace("\n", " ") for s in sentences)
    keys = hashing_key(joined).split("\n")
    if len(keys) != len(sentences):  # pragma: no cover - every line starts with a word
        return [hashing_key(s.text) for s in sentences]
    return [k[len(_SENTINEL):] for k in keys]


def build_profile(text: str, key: str, ngram: int) -> Profile:
    """Tokenise, shingle, split and weight one document (all vectorised per document)."""
    doc_words = hash_words([key])
    shingles, _ = ngram_hashes(doc_words, ngram)
    sentences = tuple(split_sentences(text))
    words = hash_words(_sentence_keys(sentences))
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
    if len(stems):
        norms = np.sqrt(np.bincount(owners, weights=tf**2, minlength=len(sentences)))
        unit = tf / norms[owners]
    else:
        unit = np.zeros(0, dtype=np.float64)
    vocabulary, column = np.unique(stems, return_inverse=True)
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
        term_unit=unit,
        vocabulary=vocabulary,
        term_column=column.reshape(-1).astype(np.int64),
    )


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
    ``aligned`` counts the whole alignment.
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

    def __reduce__(self) -> tuple[type[PairVerdict], tuple[Any, ...]]:
        # By the constructor: much faster to unpickle (the verdict cache holds millions).
        return (PairVerdict, (self.relation, self.score, self.jaccard, self.containment,
                              self.coverage, self.aligned, self.strength, self.run, self.link,
                              self.left_in_right, self.right_in_left, self.evidence))


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
    result: F64 = left @ right.T
    return result


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
    best = np.zeros(total)
    previous = np.full(total, -1, dtype=np.int64)
    row_start = np.searchsorted(rows, rows, side="left")
    for t in range(total):
        best[t] = gains[t]
        before = int(row_start[t])  # matches in earlier rows only
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


#: Sentences a step of a *run* may skip in either text (see :func:`pair_score`).
_RUN_SKIP = 1


def longest_run(rows: I64, cols: I64) -> int:
    """The most consecutive pairs of a chain (sorted, increasing in both) whose steps skip at
    most :data:`_RUN_SKIP` sentences in either text; 0 for an empty chain."""
    if len(rows) == 0:
        return 0
    close = (np.diff(rows) <= _RUN_SKIP + 1) & (np.diff(cols) <= _RUN_SKIP + 1)
    best = current = 1
    for step in close.tolist():
        current = current + 1 if step else 1
        best = max(best, current)
    return best


def pair_score(strength: float, shorter: int, run: int, rewrite: RewriteConfig) -> float:
    """The pair score of a sentence alignment, in [0, 1] (see :class:`RewriteConfig`).

    The larger of the chain's density (its score per sentence of the shorter text over the
    best possible, ``strength / ((1 - baseline) * shorter)``) and, for a run of at least
    ``min_run`` consecutive aligned pairs, ``run / (2 * min_run)``; capped at 1.
    """
    density = strength / ((1.0 - rewrite.baseline) * max(shorter, 1))
    long_run = run / (2 * rewrite.min_run) if run >= rewrite.min_run else 0.0
    return min(1.0, max(density, long_run, 0.0))


def _word_overlap(a: str, b: str) -> tuple[float, float]:
    left, right = set(hashing_key(a).split()), set(hashing_key(b).split())
    if not left or not right:
        return 0.0, 0.0
    shared = len(left & right)
    return shared / len(left | right), shared / min(len(left), len(right))


def _cannot_be_rewrite(similarity: F64, a: Profile, b: Profile, rewrite: RewriteConfig) -> bool:
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
    rewrite = config.rewrite if rewrite is None else rewrite
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
    coverage = strength = link = 0.0
    run = 0
    rows = cols = np.zeros(0, dtype=np.int64)
    weights = np.zeros(0, dtype=np.float64)
    exact = bool(a.key == b.key and a.key)
    near_copy = min(a.words, b.words) >= near.min_words and (
        jaccard >= near.jaccard or containment >= near.containment)
    if align and prune and not exact and not near_copy:
        if similarity is None:
            similarity = _similarity_matrix(a, b)
        if not config.rewrites or _cannot_be_rewrite(similarity, a, b, rewrite):
            align = False
    if align:
        if similarity is None:
            similarity = _similarity_matrix(a, b)
        rows, cols = np.nonzero(similarity >= rewrite.similarity - 1e-12)
        weights = similarity[rows, cols]
        chain, strength = _local_chain(rows.astype(np.int64), cols.astype(np.int64), weights,
                                       rewrite.baseline, rewrite.gap_penalty)
        rows, cols, weights = rows[chain], cols[chain], weights[chain]
        total_a = max(int(a.sentence_words.sum()), 1)
        total_b = max(int(b.sentence_words.sum()), 1)
        coverage = max(float(a.sentence_words[rows].sum()) / total_a,
                       float(b.sentence_words[cols].sum()) / total_b)
        run = longest_run(rows.astype(np.int64), cols.astype(np.int64))
        link = pair_score(strength, min(len(a.sentences), len(b.sentences)), run, rewrite)

    if exact:
        relation, score = Relation.EXACT, 1.0
        jaccard = containment = 1.0
        left_in_right = right_in_left = True
    elif near_copy:
        relation, score = Relation.NEAR, containment
    elif (
        align
        and config.rewrites
        and len(chain) >= rewrite.min_passages
        and coverage >= rewrite.min_coverage
        and strength >= rewrite.min_score
        and link >= rewrite.threshold - 1e-12
    ):
        relation, score = Relation.REWRITE, link
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
    )


def _round(value: float) -> float:
    """Round to 4 decimals so results print and compare stably (no ``-0.0``, no NaN)."""
    if not math.isfinite(value):
        return 0.0
    return round(value, 4) + 0.0
