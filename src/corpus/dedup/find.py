"""``find_duplicates``: exact copies, near copies and rewrites with the evidence, in process;
and ``mark_duplicates``, the stage that writes a result onto documents.

``find_duplicates`` runs the dedup phases of :mod:`corpus.dedup.phases` (index, candidates,
verification, clusters) in this process over a temporary work folder; a build runs the same
phases on an executor (:mod:`corpus.pipeline`). In short:

1. **Index**: each document's article text and hashing key go to a spool file on disk; the
   index keeps compact per-document data only (LSH band keys, paragraph anchors, content
   stems, a digest of the key, word count, seq, id, credit phrase).
2. **Near copies**: equal keys are exact copies; MinHash LSH candidates and documents sharing
   a whole paragraph are checked on exact n-gram Jaccard and containment. The member the keep
   policy would keep represents each near group from here on.
3. **Rewrites**: representatives keeping enough rare content stems in common are verified by
   passage alignment (:func:`~corpus.dedup.align.verify_pair`); document frequencies only
   choose candidates, a verdict depends on the two texts alone. With semantic verification on
   (:class:`~corpus.dedup.config.SemanticConfig`), a pair the lexical alignment rejects is
   aligned again by sentence embeddings (:mod:`corpus.dedup.semantic`).
4. **Clusters**: union-find over verified pairs; the keep policy picks the canonical member;
   every other member is verified against it for its relation and evidence.

Results do not depend on input order: document frequencies are sums, candidate pairs are sets
oriented by id, verification always sees a pair in id order, and representatives and canonical
documents are ranked by content and ids. The input may be a one-shot iterator; it is read once.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from corpus.dedup.config import DedupConfig
from corpus.dedup.phases import find_in_folder
from corpus.dedup.result import DedupResult
from corpus.errors import ConfigError
from corpus.records import Document, Relation

__all__ = ["find_duplicates", "mark_duplicates"]


def find_duplicates(docs: Iterable[Document], config: DedupConfig | None = None) -> DedupResult:
    """Find exact copies, near copies and rewrites among ``docs``, with the evidence.

    ``docs`` may be any iterable (a one-shot stream is fine: it is read once; texts are
    spooled to a temporary folder, not kept in memory). Documents are compared on their
    normalised article text (``doc.text``; documents not yet normalised are normalised with
    the default :class:`~corpus.text.normalize.NormalizeConfig` first) through its hashing
    key. Ids must be unique (:class:`~corpus.errors.CorpusError` otherwise). The result
    lists every cluster of two or more documents; documents without words are never paired.
    Deterministic and independent of the order of ``docs``.
    """
    config = DedupConfig() if config is None else config
    if not isinstance(config, DedupConfig):
        raise ConfigError(
            f"config must be a DedupConfig, got {type(config).__name__}: build one with "
            "corpus.DedupConfig(...)"
        )
    with tempfile.TemporaryDirectory(prefix="corpus-dedup-") as work:
        return find_in_folder(docs, config, Path(work))


def mark_duplicates(docs: Iterable[Document], result: DedupResult) -> Iterator[Document]:
    """Stream stage: set ``cluster_id``, ``duplicate_of``, ``relation`` and ``score``.

    A canonical document gets its own id as ``cluster_id``, ``duplicate_of == ""``, relation
    ``canonical`` and score 1; every other member gets the canonical id in both fields, its
    relation and score. Documents in no cluster pass unchanged (``cluster_id == ""``,
    relation ``unique``, score 0). One document at a time; pure.
    """
    for doc in docs:
        found = result.membership(doc.id)
        if found is None:
            yield doc
            continue
        cluster, member = found
        yield replace(
            doc,
            cluster_id=cluster.id,
            duplicate_of="" if member.relation is Relation.CANONICAL else cluster.canonical,
            relation=member.relation,
            score=member.score,
        )
