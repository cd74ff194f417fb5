"""The typed result of :func:`corpus.find_duplicates`: clusters, members, evidence.

Every member of a cluster says how it relates to the cluster's canonical document
(``relation``), how strongly (``score``), which document the evidence compares it with
(``matched_with``, the canonical one),
the document-level measures (exact n-gram Jaccard and containment, alignment coverage), and
the evidence itself: the best aligned passage pairs, canonical side and member side. The
canonical member is listed too, with relation ``canonical``, score 1 and no evidence.

Every member other than the canonical one is verified against the canonical document itself
(``matched_with`` is the canonical id): clusters do not chain. Score by relation, the pair
score of that verified link, in [0, 1]: ``exact`` 1.0; ``near`` the containment (share of the
smaller document's n-grams found in the other); ``rewrite`` the alignment's pair score
(:func:`corpus.dedup.align.pair_score`, at least ``RewriteConfig.threshold``, 0.44 by default).
:attr:`Cluster.weakest_link` is the lowest of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from corpus.records import Relation

__all__ = ["AlignedPassage", "Cluster", "DedupResult", "DedupStats", "Member"]


@dataclass(frozen=True, slots=True)
class AlignedPassage:
    """A pair of aligned sentences: one of the compared document, one of the member.

    ``*_index`` is the sentence number (0-based, in article order) and ``*_paragraph`` its
    paragraph number. ``similarity`` is the TF-IDF cosine of the two; ``jaccard`` and
    ``containment`` compare their word sets (shared / union, shared / smaller).
    """

    canonical_index: int
    canonical_paragraph: int
    canonical_text: str
    member_index: int
    member_paragraph: int
    member_text: str
    similarity: float
    jaccard: float
    containment: float

    def __reduce__(self) -> tuple[type[AlignedPassage], tuple[Any, ...]]:
        # By the constructor: much faster to unpickle (the evidence cache holds millions).
        return (AlignedPassage, (self.canonical_index, self.canonical_paragraph,
                                 self.canonical_text, self.member_index, self.member_paragraph,
                                 self.member_text, self.similarity, self.jaccard,
                                 self.containment))

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (the ``evidence`` items of ``corpus dedup --json``)."""
        return {
            "canonical": {  # 1-based, as in the readable report and like line numbers
                "sentence": self.canonical_index + 1,
                "paragraph": self.canonical_paragraph + 1,
                "text": self.canonical_text,
            },
            "member": {
                "sentence": self.member_index + 1,
                "paragraph": self.member_paragraph + 1,
                "text": self.member_text,
            },
            "similarity": self.similarity,
            "jaccard": self.jaccard,
            "containment": self.containment,
        }


@dataclass(frozen=True, slots=True)
class Member:
    """One document of a cluster and how it relates to the cluster's canonical document."""

    id: str
    seq: int
    name: str
    relation: Relation
    score: float
    matched_with: str
    jaccard: float
    containment: float
    coverage: float
    aligned: int
    evidence: tuple[AlignedPassage, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict with ``id``, ``relation``, ``score``, ``evidence`` and the measures."""
        return {
            "id": self.id,
            "name": self.name,
            "relation": self.relation.value,
            "score": self.score,
            "matched_with": self.matched_with,
            "jaccard": self.jaccard,
            "containment": self.containment,
            "coverage": self.coverage,
            "aligned": self.aligned,
            "evidence": [passage.to_dict() for passage in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class Cluster:
    """A set of duplicates: the canonical (kept) document first, then the others by seq, id.

    ``id`` is the cluster id written to every member's ``cluster_id``: the canonical
    document's id, which is stable and readable. ``reason`` says why the keep policy kept
    the canonical document (e.g. that another member credits an outlet as its source).
    """

    id: str
    canonical: str
    members: tuple[Member, ...]
    reason: str = ""

    @property
    def weakest_link(self) -> float:
        """The lowest score of a member's verified link to the canonical document (1.0 for a
        cluster of exact copies): how close the cluster came to leaving a member out."""
        return min((m.score for m in self.members[1:]), default=1.0)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict: ``{"id", "canonical", "reason", "members": [...]}``."""
        return {
            "id": self.id,
            "canonical": self.canonical,
            "reason": self.reason,
            "weakest_link": self.weakest_link,
            "members": [member.to_dict() for member in self.members],
        }


@dataclass(frozen=True, slots=True)
class DedupStats:
    """How much work the run did: candidate pairs by generator, pairs verified, duplicates.

    ``empty`` counts documents without words (never paired); ``exact_pairs`` the links
    between exact copies; ``*_candidates`` the distinct pairs each generator proposed
    (MinHash LSH bands, shared paragraphs, shared rare terms, and shared word pairs that the
    rare terms had not proposed); ``recounted_candidates`` those of the rare-term candidates
    whose shared terms were counted exactly (counted one short where large buckets are
    chained, see :class:`~corpus.dedup.config.CandidateConfig`); ``verified`` the pair
    verifications run; ``duplicates`` the verified duplicate pairs. With semantic verification
    on, ``semantic_verified`` counts the embedding alignments run and ``semantic_rewrites`` the
    distinct pairs they found to be rewrites (pairs the lexical alignment had rejected).
    """

    empty: int = 0
    exact_pairs: int = 0
    minhash_candidates: int = 0
    paragraph_candidates: int = 0
    rare_term_candidates: int = 0
    verified: int = 0
    duplicates: int = 0
    semantic_verified: int = 0
    semantic_rewrites: int = 0
    word_pair_candidates: int = 0
    recounted_candidates: int = 0

    def to_dict(self) -> dict[str, int]:
        """A JSON-ready dict of the counters."""
        return {
            "empty": self.empty,
            "exact_pairs": self.exact_pairs,
            "minhash_candidates": self.minhash_candidates,
            "paragraph_candidates": self.paragraph_candidates,
            "rare_term_candidates": self.rare_term_candidates,
            "word_pair_candidates": self.word_pair_candidates,
            "recounted_candidates": self.recounted_candidates,
            "verified": self.verified,
            "duplicates": self.duplicates,
            "semantic_verified": self.semantic_verified,
            "semantic_rewrites": self.semantic_rewrites,
        }


@dataclass(frozen=True, slots=True)
class DedupResult:
    """Duplicate clusters found among ``documents`` input documents, in canonical-id order.

    Documents in no cluster are unique. :meth:`membership` looks up a document's cluster
    and member entry by id.
    """

    documents: int
    clusters: tuple[Cluster, ...]
    stats: DedupStats = field(default_factory=DedupStats)
    _index: Mapping[str, tuple[Cluster, Member]] = field(
        init=False, repr=False, compare=False, default_factory=lambda: MappingProxyType({})
    )

    def __post_init__(self) -> None:
        index = {m.id: (c, m) for c in self.clusters for m in c.members}
        object.__setattr__(self, "_index", MappingProxyType(index))

    def membership(self, doc_id: str) -> tuple[Cluster, Member] | None:
        """The cluster and member entry of ``doc_id``, or ``None`` if the document is unique."""
        return self._index.get(doc_id)

    @property
    def duplicates(self) -> int:
        """How many documents are in a cluster but not canonical (what dedup would drop)."""
        return sum(len(c.members) - 1 for c in self.clusters)

    def to_dict(self) -> dict[str, object]:
        """The ``corpus dedup --json`` payload: ``{"documents": n, "clusters": [...]}``."""
        return {
            "documents": self.documents,
            "duplicates": self.duplicates,
            "clusters": [cluster.to_dict() for cluster in self.clusters],
            "stats": self.stats.to_dict(),
        }
