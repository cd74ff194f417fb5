"""``find_duplicates``: index, candidates, verification, clusters; and the annotating stage.

Only the index sees every document; everything after it works on candidates:

1. **Index** (the one pass over the input): each document's article text and hashing key go to
   a temporary spool file on disk; the index keeps compact per-document data only: the LSH
   band keys of its MinHash signature, hashes of its first paragraphs, a digest of its key,
   its word count, seq, id, whether it credits a source, and where its text sits in the
   spool (``docs/benchmarks.md`` states the bytes per document).
2. **Near copies**: documents with equal keys are exact copies; MinHash LSH candidates, and
   documents sharing a whole paragraph, are checked on exact n-gram Jaccard and containment.
   Exact and near copies form *near groups*; the member the keep policy would keep
   represents each group from here on, so copies of an article cannot crowd out the
   evidence of its rewrites.
3. **Rewrites** (two passes over the spool): document frequencies of content stems are summed
   over group representatives; each representative keeps its rarest stems among those shared
   with another group, and representatives keeping enough stems in common are verified by
   passage alignment (:func:`~corpus.dedup.align.verify_pair`). Document frequencies only
   choose candidates: a verdict depends on the two texts alone. With semantic verification on
   (:class:`~corpus.dedup.config.SemanticConfig`), a pair the lexical alignment rejects is
   aligned again by sentence embeddings (:mod:`corpus.dedup.semantic`).
4. **Clusters**: union-find over exact, near and rewrite pairs; the keep policy picks the
   canonical member; every other member is verified against it for its relation and evidence.

Results do not depend on input order: document frequencies are sums, candidate pairs are sets
oriented by id, verification always sees a pair in id order, and representatives and canonical
documents are ranked by content and ids. The input may be a one-shot iterator; it is read once.
"""

from __future__ import annotations

import hashlib
import struct
import tempfile
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import IO

import numpy as np
import numpy.typing as npt

from corpus.dedup.align import PairVerdict, Profile, build_profile, verify_pair
from corpus.dedup.cluster import Candidate, UnionFind, choose_canonical
from corpus.dedup.config import DedupConfig
from corpus.dedup.hashing import I64, U64, hash_words, is_stopword, ngram_hashes
from corpus.dedup.minhash import band_keys, signatures_from_shingles
from corpus.dedup.result import AlignedPassage, Cluster, DedupResult, DedupStats, Member
from corpus.dedup.semantic import SemanticVerifier, semantic_verifier
from corpus.dedup.text import article_text, source_credit
from corpus.errors import CorpusError
from corpus.records import Document, Relation
from corpus.text.keys import hashing_key
from corpus.text.normalize import normalize

__all__ = ["find_duplicates", "mark_duplicates"]

#: Documents hashed per numpy batch (index pass and spool passes).
_BATCH = 128
#: Buckets of the document-frequency table (16 MiB of int32).
_DF_BUCKETS = 1 << 22
#: Verification profiles kept in memory at once (least recently used are dropped).
_PROFILE_CACHE = 512
#: Paragraphs per document kept as containment anchors, and the words an anchor needs.
_ANCHORS = 32
_ANCHOR_WORDS = 8
_RECORD = struct.Struct("<QQ")
I32 = npt.NDArray[np.int32]


class _Spool:
    """An anonymous temporary file holding each document's article text and hashing key."""

    def __init__(self) -> None:
        # Owned by the spool and closed by __exit__; deleted by the OS as soon as it is closed.
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="corpus-dedup-")  # noqa: SIM115
        self._end = 0

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def append(self, text: str, key: str) -> int:
        """Store one document; return its offset."""
        body = text.encode("utf-8", "surrogatepass")
        tail = key.encode("utf-8", "surrogatepass")
        offset = self._end
        self._file.seek(offset)
        self._file.write(_RECORD.pack(len(body), len(tail)) + body + tail)
        self._end += _RECORD.size + len(body) + len(tail)
        return offset

    def read(self, offset: int) -> tuple[str, str]:
        """The ``(text, key)`` stored at ``offset``."""
        self._file.seek(offset)
        body, tail = _RECORD.unpack(self._file.read(_RECORD.size))
        data = self._file.read(body + tail)
        return (data[:body].decode("utf-8", "surrogatepass"),
                data[body:].decode("utf-8", "surrogatepass"))


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



@dataclass(frozen=True, slots=True, eq=False)
class _Index:
    """Compact per-document data of the whole input (arrays indexed by input position)."""

    ids: list[str]
    names: list[str]
    seqs: I64
    words: I64
    credits: dict[int, str]  # input position → credit phrase, only for documents that credit
    digests: U64
    offsets: I64
    bands: U64
    anchors: U64
    anchor_owners: I64

    @property
    def size(self) -> int:
        return len(self.ids)


def _content_stems(keys: list[str]) -> tuple[U64, I64]:
    """Distinct content stems of each key, as (stem, document) pairs sorted by document."""
    words = hash_words(keys)
    content = ~is_stopword(words.word)
    stems, owners = words.stem[content], words.doc[content]
    order = np.lexsort((stems, owners))
    stems, owners = stems[order], owners[order]
    fresh = np.ones(len(stems), dtype=bool)
    fresh[1:] = (stems[1:] != stems[:-1]) | (owners[1:] != owners[:-1])
    return stems[fresh], owners[fresh]


def _anchor_paragraphs(key: str) -> list[str]:
    """The paragraphs of a key that anchor containment candidates: the first
    :data:`_ANCHORS` with at least :data:`_ANCHOR_WORDS` words."""
    found = []
    for paragraph in key.split("\n"):
        if paragraph.count(" ") + 1 >= _ANCHOR_WORDS:
            found.append(paragraph)
            if len(found) == _ANCHORS:
                break
    return found


def _build_index(docs: Iterable[Document], config: DedupConfig, spool: _Spool) -> _Index:
    minhash = config.minhash
    bands, rows = minhash.banding
    ids: list[str] = []
    names: list[str] = []
    seen: dict[str, str] = {}
    seqs: list[int] = []
    credits: dict[int, str] = {}
    digests: list[U64] = []
    offsets: list[int] = []
    words: list[I64] = []
    band_blocks: list[U64] = []
    anchors: list[int] = []
    anchor_owners: list[int] = []
    keys: list[str] = []

    def flush() -> None:
        hashed = hash_words(keys)
        shingles, owners = ngram_hashes(hashed, minhash.ngram)
        signatures = signatures_from_shingles(
            shingles, owners, len(keys), num_perm=minhash.num_perm, seed=minhash.seed
        )
        band_blocks.append(band_keys(signatures, bands, rows))
        words.append(hashed.counts)
        keys.clear()

    for doc in docs:
        if not isinstance(doc, Document):
            raise CorpusError(
                f"find_duplicates expects corpus.Document values, got {type(doc).__name__}: "
                "read files with corpus.read or corpus.parse first"
            )
        where = str(doc.source)
        if doc.id in seen:
            raise CorpusError(
                f"document id {doc.id!r} occurs twice ({seen[doc.id]} and {where}): ids must be "
                "unique; corpus.read rejects the second file of an id, use it to read the corpus"
            )
        seen[doc.id] = where
        text = article_text(doc if doc.normalizer_version else normalize(doc))
        key = hashing_key(text)
        ids.append(doc.id)
        names.append(doc.name)
        seqs.append(doc.seq)
        credit = source_credit(doc)
        if credit:
            credits[len(ids) - 1] = credit
        digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        digests.append(np.frombuffer(digest, dtype="<u8"))
        offsets.append(spool.append(text, key))
        for paragraph in _anchor_paragraphs(key):
            anchors.append(int.from_bytes(
                hashlib.blake2b(paragraph.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                "little",
            ))
            anchor_owners.append(len(ids) - 1)
        keys.append(key)
        if len(keys) >= _BATCH:
            flush()
    if keys:
        flush()
    return _Index(
        ids=ids,
        names=names,
        seqs=np.array(seqs, dtype=np.int64),
        words=np.concatenate(words) if words else np.zeros(0, dtype=np.int64),
        credits=credits,
        digests=np.array(digests, dtype=np.uint64).reshape(-1, 2),
        offsets=np.array(offsets, dtype=np.int64),
        bands=np.concatenate(band_blocks) if band_blocks else np.zeros((0, bands), np.uint64),
        anchors=np.array(anchors, dtype=np.uint64),
        anchor_owners=np.array(anchor_owners, dtype=np.int64),
    )


def _bucket_pairs(keys: U64, members: I64, rank: I64, n: int, max_bucket: int,
                  skip_above: int = 0) -> I64:
    """Pairs of documents sharing a key, as codes ``low_rank * n + high_rank``.

    Buckets of up to ``max_bucket`` members are paired all-to-all; larger ones are chained
    in rank (id) order, which keeps them connected at linear cost. Buckets of more than
    ``skip_above`` members (when given) are left out: their key is too common to tell.
    """
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    member_rank = rank[members]
    order = np.lexsort((member_rank, keys))
    keys, member_rank = keys[order], member_rank[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    sizes = np.diff(np.append(starts, len(keys)))
    codes: list[I64] = []
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        if skip_above and size > skip_above:
            continue
        ranks = member_rank[start:start + size]
        if size <= max_bucket:
            left, right = np.triu_indices(size, 1)
            codes.append(ranks[left] * n + ranks[right])
        else:
            codes.append(ranks[:-1] * n + ranks[1:])
    if not codes:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(codes)


def _spool_batches(index: _Index, spool: _Spool, items: I64) -> Iterator[tuple[I64, list[str]]]:
    """The hashing keys of ``items`` (input positions), a batch at a time, read from the spool."""
    step = _BATCH * 4
    for start in range(0, len(items), step):
        chunk = items[start:start + step]
        yield chunk, [spool.read(int(index.offsets[i]))[1] for i in chunk.tolist()]


def _term_stats(index: _Index, spool: _Spool, representatives: I64) -> TermStats:
    """Document frequencies of content stems, counted once per near group (its representative)."""
    counts = np.zeros(_DF_BUCKETS, dtype=np.int32)
    mask = np.uint64(_DF_BUCKETS - 1)
    for _, keys in _spool_batches(index, spool, representatives):
        stems, _ = _content_stems(keys)
        np.add.at(counts, (stems & mask).astype(np.int64), 1)
    return TermStats(counts=counts, documents=len(representatives))


def _rare_term_pairs(index: _Index, spool: _Spool, config: DedupConfig, rank: I64,
                     representatives: I64, stats: TermStats) -> I64:
    """Candidate codes from shared rare stems (see :class:`CandidateConfig`)."""
    settings = config.candidates
    n = index.size
    if not settings.rare_terms or len(representatives) < 2:
        return np.zeros(0, dtype=np.int64)
    kept_terms: list[U64] = []
    kept_docs: list[I64] = []
    for chunk, keys in _spool_batches(index, spool, representatives):
        stems, owners = _content_stems(keys)
        df = stats.frequency(stems)
        usable = (df >= 2) & (df <= settings.max_df)
        stems, owners, df = stems[usable], owners[usable], df[usable]
        order = np.lexsort((stems, df, owners))
        stems, owners = stems[order], owners[order]
        first = np.searchsorted(owners, owners, side="left")
        take = (np.arange(len(owners)) - first) < settings.rare_terms
        kept_terms.append(stems[take])
        kept_docs.append(chunk[owners[take]])
    codes = _bucket_pairs(np.concatenate(kept_terms), np.concatenate(kept_docs), rank, n,
                          settings.max_bucket)
    if len(codes) == 0:
        return codes
    unique, shared = np.unique(codes, return_counts=True)
    result: I64 = unique[shared >= settings.min_shared]
    return result


class _Verifier:
    """Verifies pairs, caching the profiles of recently used documents.

    With a ``semantic`` verifier, a pair the lexical alignment rejects gets a second,
    semantic alignment; near-copy checks (``align=False``) never do.
    """

    def __init__(self, index: _Index, spool: _Spool, config: DedupConfig,
                 semantic: SemanticVerifier | None = None) -> None:
        self._index = index
        self._spool = spool
        self._config = config
        self._semantic = semantic
        self._profiles: OrderedDict[int, Profile] = OrderedDict()
        self.calls = 0

    def profile(self, item: int) -> Profile:
        cached = self._profiles.get(item)
        if cached is not None:
            self._profiles.move_to_end(item)
            return cached
        text, key = self._spool.read(int(self._index.offsets[item]))
        built = build_profile(text, key, self._config.minhash.ngram)
        self._profiles[item] = built
        if len(self._profiles) > _PROFILE_CACHE:
            self._profiles.popitem(last=False)
        return built

    def verify(self, left: int, right: int, *, align: bool = True) -> PairVerdict:
        """Verify the pair with ``left`` first (callers order pairs by id)."""
        self.calls += 1
        a, b = self.profile(left), self.profile(right)
        found = verify_pair(a, b, self._config, align=align)
        if align and self._semantic is not None and found.relation is Relation.UNIQUE:
            found = self._semantic.verify(left, a, right, b)
        return found


def _member(index: _Index, verifier: _Verifier, item: int, other: int, verdict: PairVerdict,
            item_is_left: bool) -> Member:
    mine, theirs = verifier.profile(item), verifier.profile(other)
    passages = []
    for pair in verdict.evidence:
        own, their = (pair.left, pair.right) if item_is_left else (pair.right, pair.left)
        passages.append(AlignedPassage(
            canonical_index=their,
            canonical_paragraph=theirs.sentences[their].paragraph,
            canonical_text=theirs.sentences[their].text,
            member_index=own,
            member_paragraph=mine.sentences[own].paragraph,
            member_text=mine.sentences[own].text,
            similarity=pair.similarity,
            jaccard=pair.jaccard,
            containment=pair.containment,
        ))
    return Member(
        id=index.ids[item],
        seq=int(index.seqs[item]),
        name=index.names[item],
        relation=verdict.relation,
        score=verdict.score,
        matched_with=index.ids[other],
        jaccard=verdict.jaccard,
        containment=verdict.containment,
        coverage=verdict.coverage,
        aligned=verdict.aligned,
        evidence=tuple(passages),
    )


Pair = tuple[int, int]


def _canonical(group: list[int], index: _Index, links: dict[Pair, PairVerdict],
               config: DedupConfig) -> tuple[int, str]:
    """The member of ``group`` the keep policy keeps, given the group's passing pairs, and why."""
    members = set(group)
    contained = set()
    for (left, right), found in links.items():
        if left not in members or right not in members:
            continue
        if found.left_in_right and not found.right_in_left:
            contained.add(left)
        elif found.right_in_left and not found.left_in_right:
            contained.add(right)
    candidates = [
        Candidate(index=i, id=index.ids[i], seq=int(index.seqs[i]), words=int(index.words[i]),
                  credit=index.credits.get(i, ""), contained=i in contained)
        for i in group
    ]
    kept, reason = choose_canonical(candidates, config.keep)
    return kept.index, reason


def _cluster(group: list[int], index: _Index, rank: I64, links: dict[Pair, PairVerdict],
             verifier: _Verifier, config: DedupConfig) -> Cluster:
    """Pick the canonical member of ``group`` and relate every other member to it.

    ``links`` are the group's passing pairs (exact twins, near and rewrite pairs); each
    member is verified against the canonical document for its relation and evidence, and a
    member that only joined through another is related to the member it joined through.
    """
    canonical, reason = _canonical(group, index, links, config)

    neighbours: dict[int, list[int]] = {i: [] for i in group}
    for left, right in links:
        neighbours[left].append(right)
        neighbours[right].append(left)
    parent = {canonical: canonical}
    queue = [canonical]
    for current in queue:  # breadth first: each member's path towards the canonical one
        for nxt in sorted(neighbours[current], key=lambda i: index.ids[i]):
            if nxt not in parent:
                parent[nxt] = current
                queue.append(nxt)

    def related(a: int, b: int) -> tuple[PairVerdict, bool]:
        left, right = (a, b) if rank[a] < rank[b] else (b, a)
        return verifier.verify(left, right), left == a

    entries = [Member(
        id=index.ids[canonical], seq=int(index.seqs[canonical]), name=index.names[canonical],
        relation=Relation.CANONICAL, score=1.0, matched_with="", jaccard=1.0,
        containment=1.0, coverage=1.0, aligned=0,
    )]
    for item in sorted(group, key=lambda i: (int(index.seqs[i]), index.ids[i])):
        if item == canonical:
            continue
        found, is_left = related(item, canonical)
        other = canonical
        if found.relation is Relation.UNIQUE:
            other = parent[item]
            found, is_left = related(item, other)
        entries.append(_member(index, verifier, item, other, found, is_left))
    return Cluster(id=index.ids[canonical], canonical=index.ids[canonical], members=tuple(entries),
                   reason=reason)


def find_duplicates(docs: Iterable[Document], config: DedupConfig | None = None) -> DedupResult:
    """Find exact copies, near copies and rewrites among ``docs``, with the evidence.

    ``docs`` may be any iterable (a one-shot stream is fine: it is read once; texts are
    spooled to a temporary file, not kept in memory). Documents are compared on their
    normalised article text (``doc.text``; documents not yet normalised are normalised with
    the default :class:`~corpus.text.normalize.NormalizeConfig` first) through its hashing
    key. Ids must be unique (:class:`~corpus.errors.CorpusError` otherwise). The result
    lists every cluster of two or more documents; documents without words are never paired.
    Deterministic and independent of the order of ``docs``.
    """
    config = DedupConfig() if config is None else config
    if not isinstance(config, DedupConfig):
        raise CorpusError(
            f"config must be a DedupConfig, got {type(config).__name__}: build one with "
            "corpus.DedupConfig(...)"
        )
    with _Spool() as spool, semantic_verifier(config) as semantic:
        index = _build_index(docs, config, spool)
        n = index.size
        if n == 0:
            return DedupResult(documents=0, clusters=())
        rank = np.empty(n, dtype=np.int64)
        rank[np.argsort(np.array(index.ids, dtype=object), kind="stable")] = np.arange(n)
        by_rank = np.argsort(rank)
        live = np.flatnonzero(index.words > 0).astype(np.int64)

        def pair_of(code: int) -> Pair:
            return int(by_rank[code // n]), int(by_rank[code % n])

        union = UnionFind(n)
        links: dict[Pair, PairVerdict] = {}
        verifier = _Verifier(index, spool, config, semantic)

        # Exact copies: equal key digests, chained in id order.
        _, digest_group = np.unique(index.digests[live], axis=0, return_inverse=True)
        exact = _bucket_pairs(digest_group.reshape(-1).astype(np.uint64), live, rank, n, 2)
        exact_pairs = [pair_of(c) for c in np.unique(exact).tolist()]
        for left, right in exact_pairs:
            union.union(left, right)

        # Near copies: MinHash LSH candidates, and documents sharing a whole paragraph (a
        # truncated copy has a low Jaccard but keeps its paragraphs), checked on exact n-gram
        # measures.
        lsh = np.unique(_bucket_pairs(
            index.bands[live].reshape(-1), np.repeat(live, index.bands.shape[1]), rank, n,
            config.candidates.max_bucket,
        ))
        anchored = np.setdiff1d(_bucket_pairs(
            index.anchors, index.anchor_owners, rank, n, config.candidates.max_bucket,
            skip_above=config.candidates.max_df,
        ), lsh)
        not_near: list[Pair] = []
        for left, right in (pair_of(c) for c in np.concatenate([lsh, anchored]).tolist()):
            if np.array_equal(index.digests[left], index.digests[right]):
                continue
            found = verifier.verify(left, right, align=False)
            if found.relation is Relation.UNIQUE:
                not_near.append((left, right))
            else:
                links[(left, right)] = found
                union.union(left, right)
        near_groups = union.groups(live.tolist())

        # Rewrites, among one representative per near group: the member the keep policy
        # would keep, so a deduplicated corpus is made of the same representatives.
        grouped = {i for g in near_groups for i in g}
        representatives = sorted(
            [i for i in live.tolist() if i not in grouped]
            + [_canonical(g, index, links, config)[0] for g in near_groups]
        )
        reps = np.array(representatives, dtype=np.int64)
        rare = np.zeros(0, dtype=np.int64)
        if config.rewrites:
            frequencies = _term_stats(index, spool, reps)
            rare = _rare_term_pairs(index, spool, config, rank, reps, frequencies)
            pairs = {pair_of(c) for c in rare.tolist()} | set(not_near)
            for left, right in sorted(pairs, key=lambda p: (int(rank[p[0]]), int(rank[p[1]]))):
                if union.find(left) == union.find(right):
                    continue
                found = verifier.verify(left, right)
                if found.relation is not Relation.UNIQUE:
                    links[(left, right)] = found
                    union.union(left, right)
        verified = verifier.calls

        # Clusters: exact twins are linked too, so every member has a path to the canonical.
        by_root: dict[int, dict[Pair, PairVerdict]] = {}
        for pair, found in links.items():
            by_root.setdefault(union.find(pair[0]), {})[pair] = found
        exact_link = PairVerdict(Relation.EXACT, 1.0, 1.0, 1.0, 1.0, 0, 0.0, True, True, ())
        for pair in exact_pairs:
            by_root.setdefault(union.find(pair[0]), {}).setdefault(pair, exact_link)
        clusters = [
            _cluster(g, index, rank, by_root.get(union.find(g[0]), {}), verifier, config)
            for g in union.groups(live.tolist())
        ]
    clusters.sort(key=lambda c: c.id)
    stats = DedupStats(
        empty=n - len(live),
        exact_pairs=len(exact_pairs),
        minhash_candidates=len(lsh),
        paragraph_candidates=len(anchored),
        rare_term_candidates=len(rare),
        verified=verified,
        duplicates=len(links) + len(exact_pairs),
        semantic_verified=semantic.verified if semantic is not None else 0,
        semantic_rewrites=len(semantic.accepted) if semantic is not None else 0,
    )
    return DedupResult(documents=n, clusters=tuple(clusters), stats=stats)


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
