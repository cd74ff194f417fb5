"""Why two documents are, or are not, duplicates: one pair's way through the dedup phases.

:func:`explain_pair` runs the dedup phases of :mod:`corpus.dedup.phases` over a corpus (index,
candidates, verification, clusters) exactly as :func:`corpus.find_duplicates` does, watching one
pair on its way, and returns a :class:`PairExplanation`:

* **candidates**: whether the pair was proposed, and by which generator: equal key digests
  (exact copies), shared MinHash LSH bands (which bands), a shared whole paragraph (an anchor),
  shared rare terms (which ones, against ``CandidateConfig.min_shared``, with the document
  frequency cap in force), or none;
* **checks**: every measure against its threshold: n-gram Jaccard and containment and the word
  count for near copies; aligned sentences, coverage, chain score, density, run and the pair
  score for rewrites (:func:`~corpus.dedup.align.verify_pair`, never pruned here);
* **the aligned passages** of the best local alignment (also for a rejected pair, so that one
  can see what matched), and the **verdict**;
* **placement**: the cluster each document ended in, its canonical document, why it was kept,
  the member's verified link and the cluster's weakest link.

The candidate sets and verdicts are the ones the run itself produced (its shuffle and
verification tasks are watched), not a second implementation; the measures are recomputed
for the pair without pruning. Documents are given as any iterable of
:class:`~corpus.records.Document` or as a corpus path (read leniently with
:func:`corpus.read`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from corpus.dedup.align import (
    AlignedPair,
    PairVerdict,
    Profile,
    Retelling,
    loose_run_of,
    loose_score,
    quotation_flags,
    retelling_tier,
    retold_in_order,
    verify_pair,
)
from corpus.dedup.cluster import UnionFind
from corpus.dedup.config import DedupConfig
from corpus.dedup.hashing import hash_words, is_stopword
from corpus.dedup.phases import (
    _ANCHOR_WORDS,
    _ANCHORS,
    _DF_BUCKETS,
    IndexedShard,
    IndexEntry,
    ShardIndexer,
    _AllLocations,
    _anchor_paragraphs,
    _content_stems,
    _GroupTask,
    _hash64,
    _keys_path,
    _load_meta,
    _pair_values,
    _read_partition,
    _RecountTask,
    _Spools,
    _SumTask,
    _Verifier,
    _VerifyTask,
    dedup_shards,
)
from corpus.dedup.result import AlignedPassage, DedupResult
from corpus.dedup.semantic import semantic_verifier
from corpus.errors import ConfigError, CorpusError
from corpus.records import Document, Relation

__all__ = [
    "Candidates",
    "Check",
    "PairExplanation",
    "Placement",
    "RareTerm",
    "explain_pair",
]


@dataclass(frozen=True, slots=True)
class Check:
    """One measure of the pair against the threshold it must reach (``value >= threshold``)."""

    name: str
    value: float
    threshold: float
    passed: bool

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"name": self.name, "value": self.value, "threshold": self.threshold,
                "passed": self.passed}


@dataclass(frozen=True, slots=True)
class RareTerm:
    """A rare content stem both documents kept: a word that shows it, and in how many
    representatives of near groups the stem occurs (its document frequency)."""

    word: str
    df: int

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"word": self.word, "df": self.df}


@dataclass(frozen=True, slots=True)
class Candidates:
    """How the pair became a candidate (or did not).

    ``exact``: equal key digests. ``bands``: the LSH bands (1-based) whose keys the two share,
    of ``band_count`` bands of ``rows`` rows; ``minhash`` whether the run proposed the pair from
    them. ``paragraphs``: the shared anchor paragraphs as ``(paragraph of a, paragraph of b)``
    (1-based); ``paragraph`` whether the run proposed the pair from them. Rare terms:
    ``representatives`` how many documents took part (one per near group), ``df_cap`` the
    document frequency a rare term may have, ``kept`` the number of rare terms each document
    kept, ``limits`` how many each could keep (``rare_terms``, more for a long document:
    :meth:`~corpus.dedup.config.CandidateConfig.kept_terms`), ``shared_terms`` those they
    share, ``min_shared`` how many they must share, ``rare`` whether the run proposed the
    pair from them; a term in more than ``max_bucket`` representatives links them only in a
    chain (id order), so the run may count fewer shared terms than there are, and
    ``recounted`` says that the run counted this pair's shared terms exactly (it was counted
    one term short, and its sketches share at least ``min_shared_pairs - 1`` word pairs that
    are not common phrases). Word pairs:
    ``word_pairs`` the size of each document's sketch,
    ``shared_pairs`` the sketched pairs of adjacent content words the two share (as words),
    ``min_shared_pairs`` how many they must share, ``phrase`` whether the run proposed the
    pair from them. ``represented_by`` names, for a document that is not a representative
    (its near group is represented by another member), that member. ``near_checked`` /
    ``rewrite_checked``: whether the run verified the pair as a near-copy candidate, and as
    a rewrite candidate.
    """

    exact: bool
    bands: tuple[int, ...]
    band_count: int
    rows: int
    minhash: bool
    paragraphs: tuple[tuple[int, int], ...]
    paragraph: bool
    representatives: int
    df_cap: int
    rare_terms: int
    kept: tuple[int, int]
    limits: tuple[int, int]
    shared_terms: tuple[RareTerm, ...]
    min_shared: int
    rare: bool
    recounted: bool
    max_bucket: int
    word_pairs: int
    shared_pairs: tuple[str, ...]
    min_shared_pairs: int
    phrase: bool
    represented_by: tuple[str, str]
    near_checked: bool
    rewrite_checked: bool

    @property
    def candidate(self) -> bool:
        """Whether any generator proposed the pair."""
        return self.exact or self.minhash or self.paragraph or self.rare or self.phrase

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "candidate": self.candidate,
            "exact": self.exact,
            "minhash": {"candidate": self.minhash, "shared_bands": list(self.bands),
                        "bands": self.band_count, "rows": self.rows},
            "paragraphs": {"candidate": self.paragraph,
                           "shared": [{"a": a, "b": b} for a, b in self.paragraphs]},
            "rare_terms": {
                "candidate": self.rare,
                "shared": [term.to_dict() for term in self.shared_terms],
                "min_shared": self.min_shared,
                "recounted": self.recounted,
                "max_bucket": self.max_bucket,
                "kept": list(self.kept),
                "per_document": self.rare_terms,
                "limits": list(self.limits),
                "df_cap": self.df_cap,
                "representatives": self.representatives,
                "represented_by": list(self.represented_by),
            },
            "word_pairs": {
                "candidate": self.phrase,
                "shared": list(self.shared_pairs),
                "min_shared": self.min_shared_pairs,
                "per_document": self.word_pairs,
            },
            "near_checked": self.near_checked,
            "rewrite_checked": self.rewrite_checked,
        }


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one document ended: its cluster (``""`` when it is unique), the cluster's
    canonical document and why it was kept, the document's relation and verified link
    (``matched_with``, ``score``) and the cluster's size and weakest link."""

    id: str
    cluster: str
    canonical: str
    reason: str
    relation: Relation
    score: float
    matched_with: str
    size: int
    weakest_link: float

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"id": self.id, "cluster": self.cluster, "canonical": self.canonical,
                "reason": self.reason, "relation": self.relation.value, "score": self.score,
                "matched_with": self.matched_with, "size": self.size,
                "weakest_link": self.weakest_link}


@dataclass(frozen=True, slots=True)
class PairExplanation:
    """The way of one pair ``a``, ``b`` through dedup (see the module docstring).

    ``names`` and ``words`` are the two documents' file names and word counts. ``near`` and
    ``rewrite`` hold the checks of each test (every one must pass, a near copy needs Jaccard
    *or* containment); ``density`` and ``run`` are the two parts of the pair score (a run counts
    from ``min_run`` consecutive aligned sentences, where the shorter text, of ``shorter``
    sentences, has ``min_run_text`` or more).
    ``verdict`` is the relation verification gives the pair (``unique`` when it is not a
    duplicate) and ``score`` its pair score; ``linked`` whether the run verified the pair as
    a link: as a candidate, or (``on_demand``) when a cluster was formed that holds one of
    the two as the other's canonical document. ``passages`` are the best aligned sentence
    pairs, ``a`` on the canonical side of :class:`AlignedPassage`, ``b`` on the member side;
    ``aligned`` counts the whole alignment, ``moved`` the pairs of it in moved passages
    (:func:`~corpus.dedup.align.moved_passages`). ``quotations`` counts the sentences of ``a``
    and ``b`` that are quotations: one aligned with another counts toward no run and retells
    nothing (:func:`~corpus.dedup.align.run_counted`). ``placements`` says where each document
    ended; ``note`` explains a linked pair that did not end in one cluster. ``semantic`` holds
    the checks of the semantic retelling test (aligned sentences of the longer text, the share
    of its words covered, the alignment's score) when semantic verification is on and the pair
    reached it (empty otherwise). ``retelling`` holds the checks of the lexical retelling test
    (sentences of the shorter text retold in order, their share, the alignment's score) when
    both texts have enough sentences for it (empty otherwise). ``loose`` holds the checks of the
    sentence-by-sentence test (the longest loose run, the shorter text's sentences) when that
    test is on (:attr:`~corpus.dedup.config.RewriteConfig.loose_run`; empty otherwise).
    """

    a: str
    b: str
    names: tuple[str, str]
    words: tuple[int, int]
    candidates: Candidates
    near: tuple[Check, ...]
    rewrite: tuple[Check, ...]
    rewrites_enabled: bool
    density: float
    run: int
    min_run: int
    aligned: int
    passages: tuple[AlignedPassage, ...]
    verdict: Relation
    score: float
    linked: bool
    placements: tuple[Placement, Placement]
    note: str = ""
    semantic: tuple[Check, ...] = ()
    retelling: tuple[Check, ...] = ()
    moved: int = 0
    shorter: int = 0
    min_run_text: int = 0
    loose: tuple[Check, ...] = ()
    quotations: tuple[int, int] = (0, 0)
    on_demand: bool = False

    @property
    def same_cluster(self) -> bool:
        """Whether both documents ended in one cluster."""
        first, second = self.placements
        return bool(first.cluster) and first.cluster == second.cluster

    def to_dict(self) -> dict[str, object]:
        """The ``corpus dedup --explain --json`` payload."""
        return {
            "a": {"id": self.a, "name": self.names[0], "words": self.words[0]},
            "b": {"id": self.b, "name": self.names[1], "words": self.words[1]},
            "candidates": self.candidates.to_dict(),
            "near": [check.to_dict() for check in self.near],
            "rewrite": [check.to_dict() for check in self.rewrite],
            "rewrites_enabled": self.rewrites_enabled,
            "density": self.density,
            "run": self.run,
            "min_run": self.min_run,
            "shorter": self.shorter,
            "min_run_text": self.min_run_text,
            "aligned": self.aligned,
            "moved": self.moved,
            "quotations": {"a": self.quotations[0], "b": self.quotations[1]},
            "passages": [_passage_dict(p) for p in self.passages],
            "verdict": self.verdict.value,
            "score": self.score,
            "linked": self.linked,
            "on_demand": self.on_demand,
            "same_cluster": self.same_cluster,
            "placements": [p.to_dict() for p in self.placements],
            "note": self.note,
            "semantic": [check.to_dict() for check in self.semantic],
            "retelling": [check.to_dict() for check in self.retelling],
            "loose": [check.to_dict() for check in self.loose],
        }


def _passage_dict(passage: AlignedPassage) -> dict[str, object]:
    return {
        "a": {"sentence": passage.canonical_index + 1,
              "paragraph": passage.canonical_paragraph + 1, "text": passage.canonical_text},
        "b": {"sentence": passage.member_index + 1,
              "paragraph": passage.member_paragraph + 1, "text": passage.member_text},
        "similarity": passage.similarity,
        "jaccard": passage.jaccard,
        "containment": passage.containment,
    }


class _Watch:
    """A serial :data:`~corpus.dedup.phases.RunMap` that keeps what the phases computed for
    one pair: the shared-key counts of every shuffle, and the verdicts of verification."""

    def __init__(self) -> None:
        self.codes: dict[str, tuple[Any, Any]] = {}
        self.verified: dict[str, dict[tuple[int, int], PairVerdict | None]] = {}

    def __call__(self, fn: Callable[[Any], Any], tasks: Sequence[Any], stage: str,
                 weights: Sequence[int]) -> list[Any]:
        results = [fn(task) for task in tasks]
        if tasks and isinstance(tasks[0], _GroupTask | _SumTask):
            kind = tasks[0].kind
            codes = [r[0] for r in results]
            counts = [r[1] for r in results]
            self.codes[kind] = (np.concatenate(codes) if codes else np.zeros(0, np.int64),
                                np.concatenate(counts) if counts else np.zeros(0, np.int64))
        elif tasks and isinstance(tasks[0], _RecountTask):
            codes = np.load(os.path.join(tasks[0].work, "recount.npy"))
            self.codes["rare-exact"] = (codes, np.sum(results, axis=0).astype(np.int64))
        elif tasks and isinstance(tasks[0], _VerifyTask):
            kind = "rewrite" if tasks[0].align else "near"
            found = self.verified.setdefault(kind, {})
            for task, (hits, verdicts) in zip(tasks, results, strict=True):
                pairs = list(zip(task.left.tolist(), task.right.tolist(), strict=True))
                batch: dict[tuple[int, int], PairVerdict | None] = dict.fromkeys(pairs)
                batch.update((pairs[k], v) for k, v in zip(hits.tolist(), verdicts, strict=True))
                found.update(batch)
        return results

    def shared(self, kind: str, code: int) -> int:
        """How many keys of ``kind`` the pair with ``code`` shares (0: not paired)."""
        codes, counts = self.codes.get(kind, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
        hit = np.flatnonzero(codes == code)
        return int(counts[hit].sum()) if len(hit) else 0


def _documents(source: Iterable[Document] | str | os.PathLike[str]) -> Iterable[Document]:
    if isinstance(source, str | os.PathLike):
        from corpus.reader import read  # a path: read it leniently

        return read(source)
    return source


def explain_pair(source: Iterable[Document] | str | os.PathLike[str], a: str, b: str,
                 config: DedupConfig | None = None) -> PairExplanation:
    """Explain how the documents with ids ``a`` and ``b`` fare in dedup (module docstring).

    ``source`` is the whole corpus (documents, or a path read with :func:`corpus.read`): which
    pairs become candidates and where documents end depends on the rest of the corpus. Raises
    :class:`~corpus.errors.CorpusError` naming the id when ``a`` or ``b`` is not among the
    documents, or when they are the same id. Runs every phase once, in this process.
    """
    config = DedupConfig() if config is None else config
    if not isinstance(config, DedupConfig):
        raise ConfigError(f"config must be a DedupConfig, got {type(config).__name__}: build "
                          "one with corpus.DedupConfig(...)")
    if a == b:
        raise CorpusError(f"a pair is two different documents: {a!r} was given twice")
    with tempfile.TemporaryDirectory(prefix="corpus-explain-") as work, \
            semantic_verifier(config) as semantic:
        entries: dict[int, IndexEntry] = {}
        positions: dict[str, int] = {}
        wanted = {a, b}

        def keep(position: int, entry: IndexEntry) -> None:
            if position in positions.values():
                entries[position] = entry

        with ShardIndexer(work, 0, config, 1, on_computed=keep) as indexer:
            for doc in _documents(source):
                if doc.id in wanted and isinstance(doc, Document):
                    positions[doc.id] = indexer.count
                indexer.add(doc)
            shard = indexer.close()
        for doc_id in (a, b):
            if doc_id not in positions:
                named = source if isinstance(source, str | os.PathLike) else getattr(
                    source, "source", "")
                where = f" {os.fspath(named)}" if named else ""
                raise CorpusError(
                    f"document id {doc_id!r} is not in the corpus{where} ({shard.documents} "
                    "documents); give the 16-hex-digit id of a document that was read"
                )
        watch = _Watch()
        result = dedup_shards(work, [shard], config, watch, 1, semantic)
        return _explain(Path(work), shard, config, result, watch, positions[a], positions[b],
                        entries, semantic)


def _explain(work: Path, shard: IndexedShard, config: DedupConfig, result: DedupResult,
             watch: _Watch, pos_a: int, pos_b: int, entries: dict[int, IndexEntry],
             semantic: Any) -> PairExplanation:
    meta = _load_meta(str(work), [shard])
    n = meta.size
    id_a, id_b = meta.ids[pos_a], meta.ids[pos_b]
    left, right = (pos_a, pos_b) if id_a < id_b else (pos_b, pos_a)
    entry_a, entry_b = entries[pos_a], entries[pos_b]

    # Candidates, as the run proposed them (codes: low rank * n + high rank, rank = id order).
    rank_path = work / "rank.npy"
    rank = np.load(rank_path) if rank_path.exists() else np.zeros(n, np.int64)
    code = int(rank[left]) * n + int(rank[right]) if n else 0
    band_a = np.frombuffer(entry_a.bands, dtype="<u8")
    band_b = np.frombuffer(entry_b.bands, dtype="<u8")
    both_live = bool(meta.words[pos_a] > 0 and meta.words[pos_b] > 0)
    bands = tuple(int(k) + 1 for k in np.flatnonzero(band_a == band_b)) if both_live else ()
    anchors_b = {h: k for k, h in enumerate(_anchor_hashes(entry_b.key))}
    paragraphs = tuple(
        (pa + 1, anchors_b[h] + 1) for pa, h in enumerate(_anchor_hashes(entry_a.key))
        if h in anchors_b
    ) if both_live else ()
    paragraph_numbers_a = _anchor_numbers(entry_a.key)
    paragraph_numbers_b = _anchor_numbers(entry_b.key)
    paragraphs = tuple((paragraph_numbers_a[x - 1], paragraph_numbers_b[y - 1])
                       for x, y in paragraphs)
    minhash = watch.shared("band", code) > 0
    paragraph = watch.shared("anchor", code) > 0
    exact = both_live and bool(np.array_equal(meta.digests[pos_a], meta.digests[pos_b]))

    reps_path = work / "representatives.npy"
    reps = np.load(reps_path) if reps_path.exists() else np.zeros(0, np.int64)
    settings = config.candidate_settings
    cap = settings.df_cap(len(reps))
    df_path = work / "df.npy"
    df = np.load(df_path, mmap_mode="r") if df_path.exists() else None
    kept_a, kept_b = _kept_stems(work, pos_a), _kept_stems(work, pos_b)
    shared_stems = sorted(set(kept_a) & set(kept_b))
    words_of = {**_stem_words(entry_b.key), **_stem_words(entry_a.key)}
    shared_terms = tuple(sorted(
        (RareTerm(words_of.get(s, f"#{s:016x}"),
                  int(df[s & (_DF_BUCKETS - 1)]) if df is not None else 0)
         for s in shared_stems),
        key=lambda t: (t.df, t.word)))
    exact_count = watch.shared("rare-exact", code)  # 0: not recounted
    rare = config.rewrites and max(watch.shared("rare", code), exact_count) >= settings.min_shared
    pairs_of = {**_pair_words(entry_b.key), **_pair_words(entry_a.key)}
    shared_pairs = tuple(sorted(
        pairs_of.get(v, f"#{v:016x}") for v in
        set(np.frombuffer(entry_a.pairs, "<u8").tolist())
        & set(np.frombuffer(entry_b.pairs, "<u8").tolist())))
    represented = _represented_by(meta, reps, pos_a, pos_b, watch)
    phrase = (watch.shared("phrase", code) >= settings.min_shared_pairs and config.rewrites
              and not any(represented))
    near_seen = watch.verified.get("near", {})
    rewrite_seen = watch.verified.get("rewrite", {})
    candidates = Candidates(
        exact=exact, bands=bands, band_count=config.minhash.banding[0],
        rows=config.minhash.banding[1], minhash=minhash, paragraphs=paragraphs,
        paragraph=paragraph, representatives=len(reps), df_cap=cap,
        rare_terms=settings.rare_terms, kept=(len(kept_a), len(kept_b)),
        limits=(settings.kept_terms(len(_content_stems([entry_a.key])[0])),
                settings.kept_terms(len(_content_stems([entry_b.key])[0]))),
        shared_terms=shared_terms, min_shared=settings.min_shared, rare=bool(rare),
        recounted=exact_count > 0, max_bucket=settings.max_bucket,
        word_pairs=settings.word_pairs, shared_pairs=shared_pairs,
        min_shared_pairs=settings.min_shared_pairs, phrase=bool(phrase),
        represented_by=represented, near_checked=(left, right) in near_seen,
        rewrite_checked=(left, right) in rewrite_seen,
    )

    # Verification of the pair itself (id order, as the run verifies it), never pruned.
    with _Spools(str(work)) as spools:
        verifier = _Verifier(spools, _AllLocations(meta), config, semantic)
        profile_l, profile_r = verifier.profile(left), verifier.profile(right)
        verdict = verify_pair(profile_l, profile_r, config)
        semantic_checks: tuple[Check, ...] = ()
        if (semantic is not None and verdict.relation is Relation.UNIQUE
                and config.rewrites):
            verdict = semantic.verify(left, profile_l, right, profile_r)
            if verdict.relation in (Relation.REWRITE, Relation.UNIQUE):
                semantic_checks = _semantic_checks(
                    semantic.alignment(left, profile_l, right, profile_r), config)
        shown = _alignment(profile_l, profile_r, config)
        linked = (left, right) in _links(near_seen, rewrite_seen) or (
            exact and verdict.relation is Relation.EXACT) or (
            semantic is not None and candidates.rewrite_checked
            and verdict.relation is Relation.REWRITE)
        # Only a link of the run can have been kept out of a cluster by the star rule: a pair
        # that was never verified in the run is explained by its candidate checks.
        note = _note(result, meta.ids, verifier, pos_a, pos_b, verdict) if linked else ""
    swap = left != pos_a
    profile_a, profile_b = (profile_r, profile_l) if swap else (profile_l, profile_r)
    passages = _passages(shown.evidence, profile_a, profile_b, swap=swap)
    aligned = shown.aligned
    near_cfg, rewrite_cfg = config.near, config.rewrite
    shorter = min(len(profile_l.sentences), len(profile_r.sentences))
    density = _round(shown.strength / ((1.0 - rewrite_cfg.baseline) * max(shorter, 1)))
    near_checks = (
        Check("jaccard", verdict.jaccard, near_cfg.jaccard, verdict.jaccard >= near_cfg.jaccard),
        Check("containment", verdict.containment, near_cfg.containment,
              verdict.containment >= near_cfg.containment),
        Check("words", float(min(profile_l.words, profile_r.words)), float(near_cfg.min_words),
              min(profile_l.words, profile_r.words) >= near_cfg.min_words),
    )
    rewrite_checks = (
        Check("aligned", float(shown.aligned), float(rewrite_cfg.min_passages),
              shown.aligned >= rewrite_cfg.min_passages),
        Check("coverage", shown.coverage, rewrite_cfg.min_coverage,
              shown.coverage >= rewrite_cfg.min_coverage - 1e-12),
        Check("chain score", shown.strength, rewrite_cfg.min_score,
              shown.strength >= rewrite_cfg.min_score),
        Check("pair score", shown.link, rewrite_cfg.threshold,
              shown.link >= rewrite_cfg.threshold - 1e-12),
    )
    retold = retold_in_order(profile_l, profile_r, rewrite_cfg)
    retelling_checks: tuple[Check, ...] = ()
    if retold is not None:
        # the tier the alignment is judged by: (min_retold, retold_share), or for fewer
        # sentences retold (short_retold, short_retold_share)
        least, share = retelling_tier(retold, rewrite_cfg)
        retelling_checks = (
            Check("retold sentences", float(retold.retold), float(least),
                  retold.retold >= least),
            Check("retold share", _round(retold.share), share,
                  retold.share >= share - 1e-12),
            Check("retelling score", _round(retold.strength), rewrite_cfg.min_score,
                  retold.strength >= rewrite_cfg.min_score),
            # the share is the pair score, which every rewrite needs at the threshold
            Check("pair score", _round(retold.share), rewrite_cfg.threshold,
                  retold.share >= rewrite_cfg.threshold - 1e-12),
        )
    loose_checks: tuple[Check, ...] = ()
    if rewrite_cfg.loose_run:
        run_rows, _ = loose_run_of(profile_l, profile_r, rewrite_cfg)
        least_text = rewrite_cfg.loose_run
        run_score = loose_score(len(run_rows), rewrite_cfg)
        loose_checks = (
            Check("loose run", float(len(run_rows)), float(rewrite_cfg.loose_run),
                  len(run_rows) >= rewrite_cfg.loose_run),
            Check("shorter text", float(shorter), float(least_text), shorter >= least_text),
            Check("pair score", _round(run_score), rewrite_cfg.threshold,
                  run_score >= rewrite_cfg.threshold - 1e-12),
        )
    # A rewrite the chain's checks did not decide (the retelling test, the loose run, the
    # semantic test) has the deciding test's alignment as its evidence: show it, as
    # clusters.parquet stores it.
    decided_elsewhere = (verdict.relation is Relation.REWRITE
                         and not all(c.passed for c in rewrite_checks))
    if decided_elsewhere:
        passages = _passages(verdict.evidence, profile_a, profile_b, swap=swap)
        aligned = verdict.aligned
    placements = (_placement(result, id_a), _placement(result, id_b))
    # A pair that joins a member to its cluster's canonical document is verified when the
    # cluster is formed, candidate or not (_stars): it is a verified link of the run too.
    on_demand = (not linked and verdict.relation is not Relation.UNIQUE
                 and placements[0].cluster != "" and placements[0].cluster == placements[1].cluster
                 and (placements[0].matched_with == id_b or placements[1].matched_with == id_a))
    linked = linked or on_demand
    return PairExplanation(
        a=id_a, b=id_b, names=(meta.names[pos_a], meta.names[pos_b]),
        words=(profile_a.words, profile_b.words), candidates=candidates,
        near=near_checks, rewrite=rewrite_checks, rewrites_enabled=config.rewrites,
        density=density, run=shown.run, min_run=rewrite_cfg.min_run, aligned=aligned,
        moved=shown.moved, shorter=shorter, min_run_text=rewrite_cfg.min_run_text,
        passages=tuple(passages),
        verdict=verdict.relation, score=verdict.score, linked=linked, on_demand=on_demand,
        placements=placements, note=note,
        semantic=semantic_checks,
        retelling=retelling_checks,
        loose=loose_checks,
        quotations=(int(quotation_flags(profile_a, rewrite_cfg.quotation_share).sum()),
                    int(quotation_flags(profile_b, rewrite_cfg.quotation_share).sum())),
    )


def _passages(evidence: Sequence[AlignedPair], profile_a: Profile, profile_b: Profile, *,
              swap: bool) -> list[AlignedPassage]:
    """Aligned sentence pairs of the verified orientation (``left``, ``right``) as passages of
    ``a`` (canonical side) and ``b`` (member side); ``swap`` when ``a`` is the right one."""
    passages = []
    for pair in evidence:
        own_a, own_b = (pair.right, pair.left) if swap else (pair.left, pair.right)
        passages.append(AlignedPassage(
            canonical_index=own_a, canonical_paragraph=profile_a.sentences[own_a].paragraph,
            canonical_text=profile_a.sentences[own_a].text,
            member_index=own_b, member_paragraph=profile_b.sentences[own_b].paragraph,
            member_text=profile_b.sentences[own_b].text,
            similarity=pair.similarity, jaccard=pair.jaccard, containment=pair.containment,
        ))
    return passages


def _semantic_checks(found: Retelling, config: DedupConfig) -> tuple[Check, ...]:
    """The checks of the semantic retelling test
    (:func:`~corpus.dedup.align.verify_retelling`) on its alignments ``found``: each share
    with the count that lets it count, the deciding alignment's score, and the pair score
    (the larger counted share). The pair is a retelling when the last two pass."""
    gate = config.semantic
    lifted = found.lifted
    return (
        Check("longer: aligned", float(len(lifted.pairs)), float(gate.min_passages),
              len(lifted.pairs) >= gate.min_passages),
        Check("longer: covered", _round(lifted.coverage), gate.threshold,
              lifted.coverage >= gate.threshold - 1e-12),
        Check("shorter: retold", float(lifted.retold), float(gate.min_sentences),
              lifted.retold >= gate.min_sentences),
        Check("shorter: share", _round(lifted.share), gate.threshold,
              lifted.share >= gate.threshold - 1e-12),
        Check("chain score", _round(lifted.strength), gate.min_score,
              lifted.strength >= gate.min_score),
        Check("pair score", _round(found.score), gate.threshold,
              found.score >= gate.threshold - 1e-12),
    )


def _links(*seen: dict[tuple[int, int], PairVerdict | None]) -> set[tuple[int, int]]:
    return {pair for found in seen for pair, verdict in found.items() if verdict is not None}


def _alignment(left: Profile, right: Profile, config: DedupConfig) -> PairVerdict:
    """The pair's best local alignment with its evidence, whatever the verdict: the same chain
    and moved passages (they depend on similarity, baseline, gap penalty and the moved
    passages' settings only) with the gates opened."""
    opened = replace(config.rewrite, min_passages=1, min_coverage=1e-9, min_score=0.0,
                     threshold=1e-9)
    permissive = replace(config, rewrites=True, rewrite=opened,
                         semantic=replace(config.semantic, enabled=False),
                         evidence_passages=max(config.evidence_passages, 1))
    # A pair the n-gram measures call exact or near keeps its alignment all the same.
    return verify_pair(left, right, permissive, rewrite=opened)


def _anchor_hashes(key: str) -> list[int]:
    return [_hash64(p) for p in _anchor_paragraphs(key)]


def _anchor_numbers(key: str) -> list[int]:
    """The paragraph numbers (1-based) of a key's anchor paragraphs, in anchor order (the
    paragraphs :func:`~corpus.dedup.phases._anchor_paragraphs` takes)."""
    numbers = [k + 1 for k, paragraph in enumerate(key.split("\n"))
               if paragraph.count(" ") + 1 >= _ANCHOR_WORDS]
    return numbers[:_ANCHORS]


def _kept_stems(work: Path, position: int) -> list[int]:
    """The rare stems the run kept for the document at ``position`` (single shard)."""
    kept: list[int] = []
    if Path(_keys_path(str(work), "rare", 0)).exists():
        records = _read_partition(str(work), "rare", 0)
        kept = records["key"][records["doc"] == position].tolist()
    return kept


def _stem_words(key: str) -> dict[int, str]:
    """A word of ``key`` for each of its content stems (the first that has it)."""
    words = key.split()
    if not words:
        return {}
    hashed = hash_words(words)
    found: dict[int, str] = {}
    content = ~is_stopword(hashed.word)
    for stem, doc in zip(hashed.stem[content].tolist(), hashed.doc[content].tolist(),
                         strict=True):
        found.setdefault(int(stem), words[int(doc)])
    return found


def _pair_words(key: str) -> dict[int, str]:
    """The two words of ``key`` behind each of its word-pair values
    (:func:`~corpus.dedup.phases._word_pairs`), the first pair that has it."""
    words = key.split()
    if len(words) < 2:
        return {}
    hashed = hash_words(words)
    content = np.flatnonzero(~is_stopword(hashed.word))
    values = _pair_values(hashed.stem[content[:-1]], hashed.stem[content[1:]]).tolist()
    found: dict[int, str] = {}
    for value, first, second in zip(values, content[:-1].tolist(), content[1:].tolist(),
                                    strict=True):
        found.setdefault(int(value), f"{words[first]} {words[second]}")
    return found


def _represented_by(meta: Any, reps: Any, pos_a: int, pos_b: int,
                    watch: _Watch) -> tuple[str, str]:
    """For each document that is not a representative of its near group (exact and near
    copies linked by the run), the member that represents the group; ``""`` otherwise."""
    chosen = set(np.asarray(reps).tolist())
    if not chosen:
        return "", ""
    n = meta.size
    union = UnionFind(n)
    for (x, y), verdict in watch.verified.get("near", {}).items():
        if verdict is not None:
            union.union(x, y)
    live = np.flatnonzero(meta.words > 0)
    if len(live):
        _, group = np.unique(meta.digests[live], axis=0, return_inverse=True)
        first: dict[int, int] = {}
        for item, g in zip(live.tolist(), group.reshape(-1).tolist(), strict=True):
            union.union(first.setdefault(g, item), item)
    out = []
    for position in (pos_a, pos_b):
        if position in chosen or meta.words[position] == 0:
            out.append("")
            continue
        root = union.find(position)
        out.append(next((meta.ids[i] for i in sorted(chosen) if union.find(i) == root), ""))
    return out[0], out[1]


def _placement(result: DedupResult, doc_id: str) -> Placement:
    found = result.membership(doc_id)
    if found is None:
        return Placement(id=doc_id, cluster="", canonical="", reason="",
                         relation=Relation.UNIQUE, score=0.0, matched_with="", size=1,
                         weakest_link=0.0)
    cluster, member = found
    return Placement(id=doc_id, cluster=cluster.id, canonical=cluster.canonical,
                     reason=cluster.reason, relation=member.relation, score=member.score,
                     matched_with=member.matched_with, size=len(cluster.members),
                     weakest_link=cluster.weakest_link)


def _note(result: DedupResult, ids: Sequence[str], verifier: _Verifier, pos_a: int, pos_b: int,
          verdict: PairVerdict) -> str:
    """Why a duplicate pair did not end in one cluster (clusters do not chain)."""
    if verdict.relation is Relation.UNIQUE:
        return ""
    found_a, found_b = result.membership(ids[pos_a]), result.membership(ids[pos_b])
    if found_a is not None and found_b is not None and found_a[0].id == found_b[0].id:
        return ""
    index = {doc_id: k for k, doc_id in enumerate(ids)}
    parts = []
    for mine, other in ((pos_a, pos_b), (pos_b, pos_a)):
        found = result.membership(ids[mine])
        if found is None:
            continue
        canonical = found[0].canonical
        if canonical == ids[other] or canonical == ids[mine]:
            continue
        c = index[canonical]
        x, y = (other, c) if ids[other] < ids[c] else (c, other)
        link = verifier.verify(x, y)
        relation = link.relation.value if link.relation is not Relation.UNIQUE else "no link"
        parts.append(f"{ids[other]} against {ids[mine]}'s canonical {canonical}: {relation}")
    if not parts:
        return ("the pair is a verified link, but each document joined a cluster whose "
                "canonical document it is verified against")
    return ("clusters do not chain: a document joins a cluster only when it is verified "
            "against the cluster's canonical document; " + "; ".join(parts))


def _round(value: float) -> float:
    return round(value, 4) + 0.0 if np.isfinite(value) else 0.0
