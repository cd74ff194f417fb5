"""Near-duplicate and rewrite detection with the evidence for every match.

:func:`find_duplicates` finds exact copies, near copies and rewrites and returns a typed
:class:`DedupResult`; :func:`mark_duplicates` is the stream stage that writes a result onto
documents. :func:`minhash_signatures` computes MinHash signatures from raw text in bulk.
:class:`SemanticConfig` turns on the optional semantic verifier (``news-corpus[semantic]``).
The method, its calibration and the keep policy are described in ``docs/dedup.md``.
"""

from corpus.dedup.config import (
    CandidateConfig,
    DedupConfig,
    KeepPolicy,
    MinHashConfig,
    NearConfig,
    RewriteConfig,
    SemanticConfig,
    optimal_bands,
)
from corpus.dedup.find import find_duplicates, mark_duplicates
from corpus.dedup.minhash import band_keys, minhash_signatures, signature_similarity
from corpus.dedup.result import AlignedPassage, Cluster, DedupResult, DedupStats, Member
from corpus.dedup.semantic import SemanticUnavailableError

__all__ = [
    "AlignedPassage",
    "CandidateConfig",
    "Cluster",
    "DedupConfig",
    "DedupResult",
    "DedupStats",
    "KeepPolicy",
    "Member",
    "MinHashConfig",
    "NearConfig",
    "RewriteConfig",
    "SemanticConfig",
    "SemanticUnavailableError",
    "band_keys",
    "find_duplicates",
    "mark_duplicates",
    "minhash_signatures",
    "optimal_bands",
    "signature_similarity",
]
