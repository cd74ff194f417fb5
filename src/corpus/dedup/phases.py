"""Dedup in phases over shards: index (map), candidates (shuffle), verification (map),
clusters (reduce on the driver), evidence (map).

The phases are what an executor (:mod:`corpus.pipeline.executor`) runs; every task is a plain,
picklable function of a small task value and a *work folder* that all workers can read.

1. **Index** (map, one task per shard of documents, fused with reading and normalising in a
   build): :class:`ShardIndexer` computes each document's dedup data once (article text,
   hashing key, MinHash band keys, paragraph anchors, content stems, credit phrase) and writes
   them to the work folder: the texts to a spool file, the per-document arrays to
   ``meta-S.npz``, the content stems to ``stems-S.npy`` (each document's after the one
   before, where each begins in ``stem-bounds-S.npy``), and the shuffle keys (band keys,
   anchors) split into partitions by key, ``keys-KIND-S.bin`` (a partition after another).
2. **Candidates** (shuffle): one task per partition reads that partition of every shard and
   pairs the documents sharing a key; memory per task is the partition's keys only.
3. **Near copies** (map over batches of candidate pairs): exact n-gram Jaccard and
   containment. The driver unions them into near groups; the member the keep policy would keep
   represents each group from here on.
4. **Rare terms** (map, reduce, map, shuffle): document frequencies of content stems over the
   representatives (each shard counts its own, the driver sums), then each shard keeps every
   representative's rarest shared stems and partitions them by stem; a task per partition
   pairs representatives sharing a stem, and the driver keeps pairs sharing enough of them.
5. **Rewrites** (map over batches of pairs): passage alignment (:func:`verify_pair`); with
   semantic verification on, pairs the lexical alignment rejects get a second, semantic look
   in the driver process (the model is loaded once, there).
6. **Clusters** (reduce on the driver, over verified edges only) and **evidence** (map over
   batches of clusters): union-find, canonical member by the keep policy, every member related
   to the canonical document with its aligned passages. In a build (``spill_evidence``), each
   evidence task writes its clusters' ``clusters.parquet`` rows to the work folder and returns
   each member's best passage only.

Everything that decides the result is ordered by content (ids, keys), never by task or arrival
order, so the result is identical for any executor, number of workers and number of shards.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import pickle
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar, overload

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from corpus._memory import trim_memory
from corpus.dedup.align import (
    PairVerdict,
    Profile,
    ProfileParts,
    assemble_profile,
    build_profile,
    profile_parts,
    verify_many,
    verify_pair,
)
from corpus.dedup.cluster import Candidate, UnionFind, choose_canonical
from corpus.dedup.config import CandidateConfig, DedupConfig
from corpus.dedup.hashing import I64, U64, Words, hash_words, is_stopword, ngram_hashes
from corpus.dedup.minhash import band_keys, signatures_from_shingles
from corpus.dedup.result import AlignedPassage, Cluster, DedupResult, DedupStats, Member
from corpus.dedup.semantic import SemanticVerifier, semantic_verifier
from corpus.dedup.text import article_text, source_credit
from corpus.errors import CorpusError, StageError
from corpus.records import Document, Relation
from corpus.text.keys import hashing_key
from corpus.text.normalize import normalize

__all__ = [
    "TEXT_KIND",
    "IndexEntry",
    "IndexedShard",
    "Location",
    "RunMap",
    "ShardIndexer",
    "TextStore",
    "VerdictCache",
    "dedup_shards",
    "partitions_for",
    "spilled_cluster_rows",
]

I32 = npt.NDArray[np.int32]
T = TypeVar("T")
R = TypeVar("R")
D = TypeVar("D", bound="_Described")

#: ``map(fn, tasks, stage, weights)`` as the dedup phases need it from an executor.
RunMap = Callable[[Callable[[Any], Any], Sequence[Any], str, Sequence[int]], list[Any]]

#: Documents hashed per numpy batch in the index phase.
_BATCH = 128
#: Cached index entries taken before their arrays are made, at most.
_CACHED_CHUNK = 4096
#: Buckets of the document-frequency table (16 MiB of int32).
_DF_BUCKETS = 1 << 22
#: Verification profiles a process keeps in memory at once (least recently used are dropped):
#: enough for every document of a verification task (at most two per pair), so that no
#: profile is read twice in a task, and the next tasks of the same worker find many of theirs.
_PROFILE_CACHE = 4096
#: Candidate pairs per verification task, and cluster members per evidence task.
_PAIRS_PER_TASK = 2048
_MEMBERS_PER_TASK = 512
#: A verification stage of fewer pairs is cut into this many tasks, of at least
#: :data:`_MIN_PAIRS_PER_TASK` pairs: a rebuild verifies about a thousand new pairs, which as
#: one task of :data:`_PAIRS_PER_TASK` kept one worker busy and the others idle. The cut
#: depends on the number of pairs only, never on the workers (the same tasks everywhere).
_MIN_TASKS = 8
_MIN_PAIRS_PER_TASK = 64
#: ``clusters.parquet`` rows per batch read back from the evidence work files (as many as
#: :func:`~corpus.publish.parquet.write_table` converts at a time).
_ROWS_PER_BATCH = 4096
#: Characters of text whose profiles are built together (:func:`profile_parts`): enough to
#: pay each array operation's overhead once for some dozens of documents, few enough for the
#: arrays to stay in the processor's cache.
_PROFILE_BATCH_CHARACTERS = 1 << 17
#: Documents per profile task.
_PROFILES_PER_TASK = 1000
#: Paragraphs per document kept as containment anchors, and the words an anchor needs.
_ANCHORS = 32
_ANCHOR_WORDS = 8
#: Shuffle keys per partition the partition count aims at (bounds a candidate task's memory).
_KEYS_PER_PARTITION = 4_000_000
#: The fewest partitions of an index of :data:`_SPLIT_FROM` documents or more. The grouping
#: stages run a task per partition: by its keys alone a 10,000-document index is one
#: partition, whose grouping kept one worker busy (0.5 s) while the others waited.
_MIN_PARTITIONS = 8
_SPLIT_FROM = 2_000
_RECORD = struct.Struct("<QQ")
_SIZE = struct.Struct("<Q")
#: The body length of a spool record that holds no text but the key of a text store's entry
#: (:meth:`ShardIndexer.add_entry` with ``texts``): a cached document's text is fetched only
#: if a later phase reads it, which in a rebuild few do.
_ELSEWHERE = 2**64 - 1
#: The kind of a text store's entries: a document's spool record (text and key).
TEXT_KIND = "text"
_KEY_DTYPE = np.dtype([("key", "<u8"), ("doc", "<i8")])

Pair = tuple[int, int]


def partitions_for(documents: int, config: DedupConfig) -> int:
    """How many shuffle partitions an index of about ``documents`` documents uses: enough
    that one partition's keys stay under a few million (~100 MB per candidate task).

    The result of dedup never depends on it: candidate pairs are a set, whatever the split.
    """
    keys = max(1, documents) * (config.minhash.banding[0] + _ANCHORS)
    wanted = -(-keys // _KEYS_PER_PARTITION)
    if documents >= _SPLIT_FROM:
        wanted = max(wanted, _MIN_PARTITIONS)
    return max(1, min(256, wanted))


# -- the work folder ----------------------------------------------------------------------


def _spool_path(work: str, shard: int) -> str:
    return os.path.join(work, f"spool-{shard:05d}.bin")


def _texts_path(work: str, shard: int) -> str:
    return os.path.join(work, f"texts-{shard:05d}.pickle")


def _profiles_path(work: str, shard: int, round_: int) -> str:
    return os.path.join(work, f"profiles-{shard:05d}-{round_}.bin")


def _meta_path(work: str, shard: int) -> str:
    return os.path.join(work, f"meta-{shard:05d}.npz")


def _stems_path(work: str, shard: int) -> str:
    """A shard's content stems, every document's after the one before (a plain ``.npy``,
    memory-mapped by its readers: at 100,000 documents the stems are 200 MB, and a zip of them
    took 0.35 s to write and 0.65 s to read, twice, for each of two shards)."""
    return os.path.join(work, f"stems-{shard:05d}.npy")


def _stem_bounds_path(work: str, shard: int) -> str:
    """Where each document's stems begin in :func:`_stems_path` (documents + 1 offsets)."""
    return os.path.join(work, f"stem-bounds-{shard:05d}.npy")


def _sketch_path(work: str, shard: int) -> str:
    """A shard's word-pair sketches as one padded array (documents × ``word_pairs + 1``, the
    last column each document's sketch size): rows a task can take by position, memory-mapped
    (:func:`_word_pair_gate_task`)."""
    return os.path.join(work, f"sketch-{shard:05d}.npy")


def _keys_path(work: str, kind: str, shard: int) -> str:
    """One writer's ``(key, doc)`` records of ``kind``, every partition in one file
    (:func:`_write_partitions`)."""
    return os.path.join(work, f"keys-{kind}-{shard:05d}.bin")


def _short_path(work: str, kind: str, part: int) -> str:
    """The pairs of one part that share one key of ``kind`` fewer than it takes
    (:func:`_sum_task` with ``write_short``)."""
    return os.path.join(work, f"short-{kind}-{part:05d}.npy")


def _evidence_path(work: str, part: int) -> str:
    return os.path.join(work, f"evidence-{part:05d}.arrow")


def _evidence_index_path(work: str) -> str:
    return os.path.join(work, "evidence-index.npy")


def _write_partitions(work: str, kind: str, shard: int, partitions: int, keys: U64,
                      docs: I64) -> None:
    """Write ``(key, doc)`` records split by ``key % partitions``, in one file: the partition
    count, where each partition starts and ends (``partitions + 1`` record numbers), then the
    records partition after partition. A reader takes one partition's slice
    (:func:`_read_partition`).

    One file a writer, not one a partition: creating a file costs about half a millisecond
    here, and a 10,000-document build wrote some 750 of them, most holding a few hundred
    records (eight shards of four kinds of keys, eight partitions each; and the group tasks'
    pairs, 32 parts each)."""
    part = (keys % np.uint64(partitions)).astype(np.int64)
    order = np.argsort(part, kind="stable")
    records = np.empty(len(keys), dtype=_KEY_DTYPE)
    records["key"] = keys[order]
    records["doc"] = docs[order]
    bounds = np.searchsorted(part[order], np.arange(partitions + 1)).astype("<i8")
    with open(_keys_path(work, kind, shard), "wb") as out:
        out.write(np.array([partitions], dtype="<i8").tobytes())
        out.write(bounds.tobytes())
        out.write(records.tobytes())


def _read_partition(work: str, kind: str, shard: int, partition: int | None = None
                    ) -> npt.NDArray[np.void]:
    """The records of one partition of the file :func:`_write_partitions` wrote (every
    partition's with ``partition`` ``None``), read without the others."""
    path = _keys_path(work, kind, shard)
    with open(path, "rb") as source:
        head = source.read(8)
        partitions = int(np.frombuffer(head, dtype="<i8")[0]) if len(head) == 8 else -1
        bounds = np.frombuffer(source.read(8 * (partitions + 1)), dtype="<i8")
        if partitions < 1 or len(bounds) != partitions + 1:
            raise OSError(f"{path}: not a partitioned key file")
        low, high = ((0, int(bounds[-1])) if partition is None
                     else (int(bounds[partition]), int(bounds[partition + 1])))
        source.seek(_KEY_DTYPE.itemsize * low, os.SEEK_CUR)
        data = bytearray(_KEY_DTYPE.itemsize * (high - low))  # writable, unlike bytes
        if source.readinto(data) != len(data):
            raise OSError(f"{path}: cut short")
    records: npt.NDArray[np.void] = np.frombuffer(data, dtype=_KEY_DTYPE)
    return records


def _narrow(values: I64) -> npt.NDArray[np.integer[Any]]:
    """Non-negative integers in the smallest unsigned type that holds them (a profile's
    indices and counts are small: stored in 8 or 16 bits, a profile is a third smaller)."""
    top = int(values.max()) if len(values) else 0
    for kind in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(kind).max:
            narrow: npt.NDArray[np.integer[Any]] = values.astype(kind)
            return narrow
    return values


def _dump_profile(parts: ProfileParts) -> bytes:
    """A profile as stored by the profile stage: its parts as plain values (no object per
    sentence to unpickle), indices and counts narrowed, without text and key, which the
    spool holds. Not compressed: the hashes that make most of it do not compress, and
    compressing took about 0.2 ms a profile, two thirds of what building one now takes."""
    fields = (parts.words, parts.shingles, parts.paragraphs, parts.sentences,
              _narrow(parts.sentence_words), _narrow(parts.term_sentence),
              _narrow(parts.term_count), parts.vocabulary, _narrow(parts.term_column),
              parts.quoted)
    return pickle.dumps(fields, protocol=5)


def _load_profile(blob: bytes, text: str, key: str) -> Profile:
    """The profile :func:`_dump_profile` stored, with ``text`` and ``key``."""
    (words, shingles, paragraphs, sentences, sentence_words, term_sentence, term_count,
     vocabulary, term_column, quoted) = pickle.loads(blob)
    return assemble_profile(text, key, ProfileParts(
        words, shingles, paragraphs, sentences, sentence_words.astype(np.int64),
        term_sentence.astype(np.int64), term_count.astype(np.int64), vocabulary,
        term_column.astype(np.int64), quoted))


class _Spools:
    """Read access to the spool files of a work folder (opened on first use)."""

    def __init__(self, work: str) -> None:
        self._work = work
        self._files: dict[int, IO[bytes]] = {}
        self._profiles: dict[tuple[int, int], IO[bytes]] = {}
        self._texts: dict[int, TextStore] = {}

    def __enter__(self) -> _Spools:
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in (*self._files.values(), *self._profiles.values()):
            handle.close()
        self._files.clear()
        self._profiles.clear()

    def profile(self, shard: int, round_: int, offset: int, text: str = "",
                key: str = "") -> Profile:
        """The profile stored at ``offset`` of shard ``shard``'s profile file of ``round_``,
        with ``text`` and ``key`` (not stored there: they are in the spool)."""
        handle = self._profiles.get((shard, round_))
        if handle is None:
            handle = self._profiles[(shard, round_)] = open(  # noqa: SIM115
                _profiles_path(self._work, shard, round_), "rb")
        handle.seek(offset)
        (size,) = _SIZE.unpack(handle.read(_SIZE.size))
        return _load_profile(handle.read(size), text, key)

    def read(self, shard: int, offset: int) -> tuple[str, str]:
        """The ``(text, key)`` stored at ``offset`` of shard ``shard``'s spool."""
        handle = self._files.get(shard)
        if handle is None:
            handle = self._files[shard] = open(_spool_path(self._work, shard), "rb")  # noqa: SIM115
        handle.seek(offset)
        body, tail = _RECORD.unpack(handle.read(_RECORD.size))
        if body == _ELSEWHERE:
            return self._elsewhere(shard, handle.read(tail))
        return _text_and_key(handle.read(body + tail), body)

    def _elsewhere(self, shard: int, key: bytes) -> tuple[str, str]:
        """The ``(text, key)`` of a record the shard's text store keeps under ``key``."""
        store = self._texts.get(shard)
        if store is None:
            with open(_texts_path(self._work, shard), "rb") as handle:
                store = self._texts[shard] = pickle.load(handle)
        record = store.get(TEXT_KIND, [key]).get(key)
        if record is None:
            raise CorpusError(
                f"the text store of work shard {shard} has lost a document's text (key "
                f"{key.hex()}): was the cache deleted during the build? Build again")
        body, _ = _RECORD.unpack_from(record)
        return _text_and_key(record[_RECORD.size:], body)


def _text_and_key(data: bytes, body: int) -> tuple[str, str]:
    """The text (the first ``body`` bytes) and the hashing key of a spool record's data."""
    return (data[:body].decode("utf-8", "surrogatepass"),
            data[body:].decode("utf-8", "surrogatepass"))


# -- phase 1: index -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndexedShard:
    """What the index phase wrote for one shard: its number and how many documents."""

    shard: int
    documents: int


def _content_words(words: Words) -> tuple[U64, I64]:
    """The stems of every text's content words in text order (stopwords dropped), and the
    number of the text each belongs to."""
    content = ~is_stopword(words.word)
    return words.stem[content], words.doc[content]


def _content_stems(keys: list[str], content: tuple[U64, I64] | None = None
                   ) -> tuple[U64, I64]:
    """Distinct content stems of each key, as (stem, key number) pairs sorted by key number
    (``content``: the keys' :func:`_content_words`, when already made)."""
    stems, owners = _content_words(hash_words(keys)) if content is None else content
    order = np.lexsort((stems, owners))
    stems, owners = stems[order], owners[order]
    fresh = np.ones(len(stems), dtype=bool)
    fresh[1:] = (stems[1:] != stems[:-1]) | (owners[1:] != owners[:-1])
    return stems[fresh], owners[fresh]


def _mix64(values: U64) -> U64:
    """The splitmix64 finaliser: every bit of the result depends on every bit of ``values``."""
    values = values ^ (values >> np.uint64(30))
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> np.uint64(27))
    values = values * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def _pair_values(first: U64, second: U64) -> U64:
    """One 64-bit value for each ordered pair of stems (``first``, ``second``)."""
    return _mix64(first * np.uint64(0x9E3779B97F4A7C15) + second)


def _word_pairs(stems: U64, owners: I64, keep: int) -> tuple[U64, I64]:
    """Each text's ``keep`` smallest values of its distinct pairs of adjacent content stems
    (``stems`` and ``owners`` as :func:`_content_words` gives them: stopwords dropped first, so
    "the heat of the pump" pairs *heat* and *pump*): a bottom-k sketch of its word pairs, as
    (value, text number) sorted by text number, then value.

    Two texts that share a fraction of their word pairs share about that fraction of their
    sketches, whatever the rest of the corpus holds (the sketch is taken by value, not by
    rarity): a rewrite that keeps many of its source's phrases is paired with it even where
    every single word of their topic is common."""
    if not keep:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    same = owners[1:] == owners[:-1]
    values = _pair_values(stems[:-1][same], stems[1:][same])
    owners = owners[1:][same]
    order = np.lexsort((values, owners))
    values, owners = values[order], owners[order]
    fresh = np.ones(len(values), dtype=bool)
    fresh[1:] = (values[1:] != values[:-1]) | (owners[1:] != owners[:-1])
    values, owners = values[fresh], owners[fresh]
    first = np.searchsorted(owners, owners, side="left")
    take = (np.arange(len(owners)) - first) < keep
    return values[take], owners[take]


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


def _hash64(text: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little"
    )


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One document's dedup data as the index phase computes it; what an incremental build
    caches, so that an unchanged document is not hashed again. ``bands`` and ``stems`` are the
    little-endian bytes of its LSH band keys and distinct content stems; ``record`` is its
    record of the spool (its text and hashing key as UTF-8, after their lengths) and
    ``content`` the digest of both: a cached document is spooled as it is, its text neither
    encoded nor hashed again. ``pairs``: the bytes of its word-pair sketch
    (:func:`_word_pairs`)."""

    record: bytes
    content: bytes
    credit: str
    digest: bytes
    anchors: tuple[int, ...]
    words: int
    bands: bytes
    stems: bytes
    pairs: bytes = b""

    def __reduce__(self) -> tuple[type[IndexEntry], tuple[Any, ...]]:
        # By the constructor: a rebuild unpickles every cached document's entry, and the
        # dataclass's own state protocol took 31 µs an entry, this 9 µs.
        return (IndexEntry, (self.record, self.content, self.credit, self.digest,
                             self.anchors, self.words, self.bands, self.stems, self.pairs))

    @property
    def key(self) -> str:
        """The document's hashing key (the tail of its spool record)."""
        body, _ = _RECORD.unpack_from(self.record)
        return self.record[_RECORD.size + body:].decode("utf-8", "surrogatepass")


def _in_position_order(chunks: list[tuple[I64, Any]], empty: Any) -> Any:
    """The values of ``(positions, values)`` chunks, concatenated in position order."""
    if not chunks:
        return empty
    positions = np.concatenate([p for p, _ in chunks])
    return np.concatenate([v for _, v in chunks])[np.argsort(positions, kind="stable")]


class ShardIndexer:
    """The index phase for one shard: :meth:`add` each document, then :meth:`close`.

    Documents are compared on their normalised article text (``doc.text``; a document not
    yet normalised is normalised with the default settings first), through its hashing key.
    Each document's dedup data is computed here, once. ``on_computed(position, entry)`` is
    told each entry computed (for a cache); :meth:`add_entry` takes one computed before.
    """

    def __init__(self, work: str | os.PathLike[str], shard: int, config: DedupConfig,
                 partitions: int,
                 on_computed: Callable[[int, IndexEntry], None] | None = None,
                 texts: TextStore | None = None) -> None:
        self._on_computed = on_computed
        self._text_store = texts
        self._pending_anchors: list[tuple[int, ...]] = []
        # the spool records and content digests of the documents waiting for their batch
        # (kept only to be handed to ``on_computed``)
        self._pending_records: list[tuple[bytes, bytes]] = []
        self._contents: list[bytes] = []
        self._work = os.fspath(work)
        self._shard = shard
        self._config = config
        self._partitions = partitions
        self._spool: IO[bytes] = open(_spool_path(self._work, shard), "wb")  # noqa: SIM115
        if texts is not None:
            with open(_texts_path(self._work, shard), "wb") as handle:
                pickle.dump(texts, handle, protocol=5)
        self._end = 0
        self._ids: list[str] = []
        self._names: list[str] = []
        self._wheres: list[str] = []
        self._seqs: list[int] = []
        self._credits: list[str] = []
        self._digests: list[bytes] = []
        self._offsets: list[int] = []
        self._anchors: list[int] = []
        self._anchor_owners: list[int] = []
        self._keys: list[str] = []
        self._pending_positions: list[int] = []
        # (positions, values) chunks, put in position order on close
        self._words: list[tuple[I64, I64]] = []
        self._bands: list[tuple[I64, U64]] = []
        self._stems: list[U64] = []
        self._stem_owners: list[I64] = []
        self._pairs: list[U64] = []
        self._pair_owners: list[I64] = []
        # cached entries' arrays as their bytes, made into arrays a chunk at a time (an array
        # or four per document cost more than the rest of taking a cached entry)
        self._cached: list[int] = []
        self._cached_words: list[int] = []
        self._cached_bands: list[bytes] = []
        self._cached_stems: list[bytes] = []
        self._cached_pairs: list[bytes] = []

    def __enter__(self) -> ShardIndexer:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._spool.closed:
            self._spool.close()

    def add(self, doc: Document) -> None:
        """Index one document (in corpus order)."""
        if not isinstance(doc, Document):
            raise CorpusError(
                f"find_duplicates expects corpus.Document values, got {type(doc).__name__}: "
                "read files with corpus.read or corpus.parse first"
            )
        text = article_text(doc if doc.normalizer_version else normalize(doc))
        key = hashing_key(text)
        digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        anchors = tuple(_hash64(p) for p in _anchor_paragraphs(key))
        self._pending_positions.append(len(self._ids))
        body = text.encode("utf-8", "surrogatepass")
        tail = key.encode("utf-8", "surrogatepass")
        record = _RECORD.pack(len(body), len(tail)) + body + tail
        content = hashlib.blake2b(body + b"\0" + tail, digest_size=16).digest()
        self._register(doc.id, doc.name, str(doc.source), doc.seq, record, content,
                       source_credit(doc), digest, anchors)
        if self._on_computed is not None:
            self._pending_records.append((record, content))
        self._pending_anchors.append(anchors)
        self._keys.append(key)
        if len(self._keys) >= _BATCH:
            self._flush()

    @property
    def count(self) -> int:
        """Documents added so far (the position the next one gets)."""
        return len(self._ids)

    def add_entry(self, doc_id: str, name: str, where: str, seq: int,
                  entry: IndexEntry, text_key: bytes = b"") -> None:
        """Index one document whose entry was computed before (by this code, same settings).

        An entry without its record (``record`` empty: a cached entry, whose text the cache
        keeps apart) is spooled as a reference to the indexer's text store under
        ``text_key``; the text is read from there only if a later phase needs it.

        Documents waiting for their batch keep their positions (taken when they were added);
        their arrays are put in position order when the shard is closed, so a cached entry
        never forces a small batch to be hashed early."""
        local = len(self._ids)
        record = entry.record
        if not record:
            if self._text_store is None or not text_key:
                raise CorpusError(f"{where}: an index entry without its text needs a text "
                                  "store and the key of the text there")
            record = _RECORD.pack(_ELSEWHERE, len(text_key)) + text_key
        self._register(doc_id, name, where, seq, record, entry.content, entry.credit,
                       entry.digest, entry.anchors)
        self._cached.append(local)
        self._cached_words.append(entry.words)
        self._cached_bands.append(entry.bands)
        self._cached_stems.append(entry.stems)
        self._cached_pairs.append(entry.pairs)
        if len(self._cached) >= _CACHED_CHUNK:
            self._take_cached()

    def _take_cached(self) -> None:
        """Turn the cached entries' bytes taken since the last call into one chunk of arrays."""
        if not self._cached:
            return
        positions = np.array(self._cached, dtype=np.int64)
        self._bands.append((positions, np.frombuffer(b"".join(self._cached_bands), dtype="<u8")
                            .reshape(len(positions), -1).astype(np.uint64, copy=False)))
        self._words.append((positions, np.array(self._cached_words, dtype=np.int64)))
        self._stems.append(np.frombuffer(b"".join(self._cached_stems), dtype="<u8")
                           .astype(np.uint64, copy=False))
        self._stem_owners.append(np.repeat(positions, np.fromiter(
            (len(s) // 8 for s in self._cached_stems), dtype=np.int64, count=len(positions))))
        self._pairs.append(np.frombuffer(b"".join(self._cached_pairs), dtype="<u8")
                           .astype(np.uint64, copy=False))
        self._pair_owners.append(np.repeat(positions, np.fromiter(
            (len(s) // 8 for s in self._cached_pairs), dtype=np.int64, count=len(positions))))
        self._cached, self._cached_words = [], []
        self._cached_bands, self._cached_stems, self._cached_pairs = [], [], []

    def _register(self, doc_id: str, name: str, where: str, seq: int, record: bytes,
                  content: bytes, credit: str, digest: bytes, anchors: tuple[int, ...]) -> None:
        local = len(self._ids)
        self._ids.append(doc_id)
        self._names.append(name)
        self._wheres.append(where)
        self._seqs.append(seq)
        self._credits.append(credit)
        self._digests.append(digest)
        self._contents.append(content)
        self._spool.write(record)
        self._offsets.append(self._end)
        self._end += len(record)
        for anchor in anchors:
            self._anchors.append(anchor)
            self._anchor_owners.append(local)

    def _flush(self) -> None:
        if not self._keys:
            return
        positions = np.array(self._pending_positions, dtype=np.int64)
        minhash = self._config.minhash
        hashed = hash_words(self._keys)
        shingles, owners = ngram_hashes(hashed, minhash.ngram)
        signatures = signatures_from_shingles(
            shingles, owners, len(self._keys), num_perm=minhash.num_perm, seed=minhash.seed
        )
        bands = band_keys(signatures, *minhash.banding)
        self._bands.append((positions, bands))
        self._words.append((positions, hashed.counts))
        in_order = _content_words(hashed)
        stems, stem_owners = _content_stems(self._keys, in_order)
        self._stems.append(stems)
        self._stem_owners.append(positions[stem_owners])
        pairs, pair_owners = _word_pairs(*in_order, self._config.candidate_settings.word_pairs)
        self._pairs.append(pairs)
        self._pair_owners.append(positions[pair_owners])
        if self._on_computed is not None:
            bounds = np.searchsorted(stem_owners, np.arange(len(self._keys) + 1))
            pair_bounds = np.searchsorted(pair_owners, np.arange(len(self._keys) + 1))
            for k in range(len(self._keys)):
                position = int(positions[k])
                record, content = self._pending_records[k]
                self._on_computed(position, IndexEntry(
                    record=record, content=content, credit=self._credits[position],
                    digest=self._digests[position],
                    anchors=self._pending_anchors[k], words=int(hashed.counts[k]),
                    bands=bands[k].astype("<u8").tobytes(),
                    stems=stems[bounds[k]:bounds[k + 1]].astype("<u8").tobytes(),
                    pairs=pairs[pair_bounds[k]:pair_bounds[k + 1]].astype("<u8").tobytes(),
                ))
        self._keys.clear()
        self._pending_anchors.clear()
        self._pending_positions.clear()
        self._pending_records.clear()

    def close(self) -> IndexedShard:
        """Write the shard's index files; return what was indexed."""
        self._flush()
        self._take_cached()
        self._spool.close()
        n = len(self._ids)
        bands_count = self._config.minhash.banding[0]
        words = _in_position_order(self._words, np.zeros(0, np.int64))
        bands = _in_position_order(self._bands, np.zeros((0, bands_count), np.uint64))
        np.savez(
            _meta_path(self._work, self._shard),
            ids=np.array(self._ids, dtype="U16") if n else np.zeros(0, "U16"),
            names=np.array(self._names, dtype=str) if n else np.zeros(0, "U1"),
            wheres=np.array(self._wheres, dtype=str) if n else np.zeros(0, "U1"),
            credits=np.array(self._credits, dtype=str) if n else np.zeros(0, "U1"),
            seqs=np.array(self._seqs, dtype=np.int64),
            words=words.astype(np.int64),
            digests=np.frombuffer(b"".join(self._digests), dtype="<u8").reshape(-1, 2),
            contents=np.frombuffer(b"".join(self._contents), dtype="<u8").reshape(-1, 2),
            offsets=np.array(self._offsets, dtype=np.int64),
        )
        stems = np.concatenate(self._stems) if self._stems else np.zeros(0, np.uint64)
        stem_owners = (np.concatenate(self._stem_owners) if self._stem_owners
                       else np.zeros(0, np.int64))
        order = np.argsort(stem_owners, kind="stable")  # chunks came out of position order
        np.save(_stems_path(self._work, self._shard), stems[order], allow_pickle=False)
        np.save(_stem_bounds_path(self._work, self._shard),
                np.searchsorted(stem_owners[order], np.arange(n + 1, dtype=np.int64)),
                allow_pickle=False)
        # Documents without words are never paired: they send no keys to the shuffle.
        live = words > 0
        live_docs = np.flatnonzero(live).astype(np.int64)
        _write_partitions(self._work, "band", self._shard, self._partitions,
                          bands[live].reshape(-1),
                          np.repeat(live_docs, bands.shape[1]))
        anchor_owners = np.array(self._anchor_owners, dtype=np.int64)
        anchors = np.array(self._anchors, dtype=np.uint64)
        keep = live[anchor_owners] if len(anchor_owners) else np.zeros(0, dtype=bool)
        _write_partitions(self._work, "anchor", self._shard, self._partitions,
                          anchors[keep], anchor_owners[keep])
        pairs = np.concatenate(self._pairs) if self._pairs else np.zeros(0, np.uint64)
        pair_owners = (np.concatenate(self._pair_owners) if self._pair_owners
                       else np.zeros(0, np.int64))
        keep = live[pair_owners] if len(pair_owners) else np.zeros(0, dtype=bool)
        _write_partitions(self._work, "phrase", self._shard, self._partitions,
                          pairs[keep], pair_owners[keep])
        _write_sketches(self._work, self._shard, n, pairs[keep], pair_owners[keep],
                        self._config.candidate_settings.word_pairs)
        return IndexedShard(self._shard, n)


def _write_sketches(work: str, shard: int, n: int, values: U64, owners: I64,
                    width: int) -> None:
    """Write a shard's word-pair sketches (``(value, owner)`` rows, at most ``width`` an owner)
    as a padded ``n × (width + 1)`` array, each owner's sketch size last (:func:`_sketch_path`)."""
    order = np.lexsort((values, owners))
    values, owners = values[order], owners[order]
    dense = np.zeros((n, width + 1), dtype=np.uint64)
    column = np.arange(len(owners)) - np.searchsorted(owners, owners, side="left")
    dense[owners, column] = values
    dense[:, width] = np.bincount(owners, minlength=n).astype(np.uint64)
    np.save(_sketch_path(work, shard), dense, allow_pickle=False)


# -- the driver's view of the index ---------------------------------------------------------


class _Strings(Sequence[str]):
    """Strings kept as one buffer of UTF-8 bytes and their offsets (8 bytes a string besides
    its text), not a Python object each: the driver's per-document ids and names.

    Lone surrogates (file names that were not UTF-8) are kept too (``surrogatepass``).
    """

    __slots__ = ("_data", "_offsets")

    def __init__(self, data: npt.NDArray[np.uint8], offsets: I64) -> None:
        self._data = data
        self._offsets = offsets

    @classmethod
    def of(cls, texts: Iterable[str]) -> _Strings:
        """``texts``, packed."""
        encoded = [text.encode("utf-8", "surrogatepass") for text in texts]
        sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8),
                   np.concatenate([np.zeros(1, np.int64), np.cumsum(sizes)]))

    @classmethod
    def concat(cls, parts: Sequence[_Strings]) -> _Strings:
        """The strings of every part, in order."""
        if not parts:
            return cls.of(())
        starts = np.cumsum([0] + [len(p._data) for p in parts[:-1]])
        return cls(np.concatenate([p._data for p in parts]),
                   np.concatenate([parts[0]._offsets[:1]] + [
                       p._offsets[1:] + start for p, start in zip(parts, starts, strict=True)]))

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, item: int) -> str: ...

    @overload
    def __getitem__(self, item: slice) -> list[str]: ...

    def __getitem__(self, item: int | slice) -> str | list[str]:
        if isinstance(item, slice):
            return [self[k] for k in range(*item.indices(len(self)))]
        if not -len(self) <= item < len(self):
            raise IndexError(item)
        item %= len(self)
        start, stop = self._offsets[item], self._offsets[item + 1]
        return self._data[start:stop].tobytes().decode("utf-8", "surrogatepass")

    def _fixed(self) -> npt.NDArray[np.bytes_] | None:
        """The strings as one fixed-width bytes array (no copy) when they all have the same
        length and no NUL (which fixed-width bytes would drop); otherwise ``None``."""
        sizes = np.diff(self._offsets)
        width = int(sizes[0]) if len(sizes) else 0
        if not width or (sizes != width).any() or (self._data == 0).any():
            return None
        return self._data.view(f"S{width}")

    def sort_order(self) -> I64:
        """Positions in string order (code point order; equal strings by position): the
        order of ``sorted(range(len(s)), key=s.__getitem__)``."""
        fixed = self._fixed()
        if fixed is None:  # strings of different lengths (ids are all 16 digits): by Python
            return np.array(sorted(range(len(self)), key=self.__getitem__), dtype=np.int64)
        # UTF-8 bytes sort in code point order.
        return np.argsort(fixed, kind="stable").astype(np.int64)

    def first_repeat(self) -> tuple[int, int] | None:
        """The first position whose string occurred before, with the position of that
        earlier occurrence (what a scan in order meets first); ``None`` when all differ."""
        order = self.sort_order()
        if len(order) < 2:
            return None
        fixed = self._fixed()
        if fixed is not None:
            ordered = fixed[order]
            same = ordered[1:] == ordered[:-1]
        else:
            texts = [self[int(k)] for k in order]
            same = np.array([a == b for a, b in itertools.pairwise(texts)])
        if not same.any():
            return None
        # A stable sort keeps each run of one string in position order: every repeat follows
        # its run's first member, and the earliest repeat is the smallest later position.
        later = order[1:][same]
        second = int(later.min())
        run = int(np.flatnonzero(order == second)[0])
        while run > 0 and same[run - 1]:
            run -= 1
        return int(order[run]), second


@dataclass(frozen=True, slots=True, eq=False)
class _Meta:
    """Compact per-document data of the whole input, indexed by global position (corpus
    order: shard by shard). Numpy arrays and packed strings (:class:`_Strings`): no Python
    object per document, so the driver's memory grows by well under 100 bytes a document."""

    ids: _Strings
    names: _Strings
    seqs: I64
    words: I64
    credits: dict[int, str]
    digests: U64
    contents: U64
    shard_of: I64
    offsets: I64
    bases: tuple[int, ...]
    #: Where each document's verification profile was written (round, offset; round -1: not
    #: built yet), filled by :func:`_build_profiles`.
    profile_round: npt.NDArray[np.int32]
    profile_offset: I64

    @property
    def size(self) -> int:
        return len(self.ids)


def _load_meta(work: str, shards: Sequence[IndexedShard]) -> _Meta:
    id_parts: list[_Strings] = []
    name_parts: list[_Strings] = []
    credits: dict[int, str] = {}
    seqs, words, digests, contents, shard_of, offsets = [], [], [], [], [], []
    bases = []
    base = 0
    for shard in shards:
        bases.append(base)
        with np.load(_meta_path(work, shard.shard)) as data:
            id_parts.append(_Strings.of(data["ids"].tolist()))
            name_parts.append(_Strings.of(data["names"].tolist()))
            for i, credit in enumerate(data["credits"].tolist()):
                if credit:
                    credits[base + i] = credit
            seqs.append(data["seqs"])
            words.append(data["words"])
            digests.append(data["digests"])
            contents.append(data["contents"])
            offsets.append(data["offsets"])
            shard_of.append(np.full(len(data["seqs"]), shard.shard, dtype=np.int64))
            base += len(data["seqs"])
    ids, names = _Strings.concat(id_parts), _Strings.concat(name_parts)
    del id_parts, name_parts
    repeat = ids.first_repeat()
    if repeat is not None:
        first, second = repeat
        raise CorpusError(
            f"document id {ids[second]!r} occurs twice ({_where(work, shards, bases, first)} and "
            f"{_where(work, shards, bases, second)}): ids must be unique; corpus.read rejects "
            "the second file of an id, use it to read the corpus"
        )

    def cat(parts: list[Any], dtype: Any, shape: tuple[int, ...] = (0,)) -> Any:
        return np.concatenate(parts) if parts else np.zeros(shape, dtype=dtype)

    return _Meta(
        ids=ids, names=names, credits=credits,
        seqs=cat(seqs, np.int64), words=cat(words, np.int64),
        digests=cat(digests, np.uint64, (0, 2)), contents=cat(contents, np.uint64, (0, 2)),
        shard_of=cat(shard_of, np.int64),
        offsets=cat(offsets, np.int64), bases=tuple(bases),
        profile_round=np.full(len(ids), -1, dtype=np.int32),
        profile_offset=np.zeros(len(ids), dtype=np.int64),
    )


def _where(work: str, shards: Sequence[IndexedShard], bases: Sequence[int], item: int) -> str:
    """Where the document at global position ``item`` came from (its source, as indexed),
    read back from its shard's index file: the driver keeps no source per document."""
    k = int(np.searchsorted(np.asarray(bases), item, side="right")) - 1
    with np.load(_meta_path(work, shards[k].shard)) as data:
        return str(data["wheres"][item - bases[k]])


# -- a failed task names its stage and documents ----------------------------------------------


#: What a dedup task lets through as it is: the library's own errors, which say what is wrong
#: already, and the system's (a full disk, a missing permission), which name the work file.
_OWN_ERRORS = (CorpusError, OSError)

#: Documents a failed task's error names, before it says how many more it was working on.
_NAMED_DOCUMENTS = 3


class _Described(Protocol):
    """A task value that can say, for its error, what it was doing."""

    def doing(self) -> tuple[str, str]:
        """The stage (as its progress line names it) and what the task was working on."""
        ...


def _failure(stage: str, what: str, exc: Exception) -> StageError:
    """The error of a task that failed with the unexpected ``exc``: one line naming the
    stage, what the task was working on and the cause, as the read stage names its file."""
    return StageError(f"{stage}: {what}: {type(exc).__name__}: {exc}")


def _names_failures(fn: Callable[[D], R]) -> Callable[[D], R]:
    """Make the dedup task ``fn`` turn an unexpected exception into a :class:`StageError`
    that names its stage and what it worked on (:meth:`_Described.doing`).

    A worker's bare exception reached the command line as a traceback of the worker, with no
    file named (and exit 1, which says the input was rejected). The errors of
    :data:`_OWN_ERRORS` pass unchanged, and so does a :class:`StageError` a task raised
    itself, naming the very documents of a pair or cluster. Costs nothing until it fails:
    a ``try`` is free in Python 3.11. The wrapper keeps ``fn``'s name, so tasks still pickle
    by reference."""

    @functools.wraps(fn)
    def task(value: D) -> R:
        try:
            return fn(value)
        except _OWN_ERRORS:
            raise
        except Exception as exc:
            raise _failure(*value.doing(), exc) from exc

    return task


def _documents(work: str, found: Iterable[tuple[int, int]], *, offsets: bool = False) -> str:
    """The files of some documents, each ``(shard, local position)`` (or, with ``offsets``,
    ``(shard, spool offset)``): ``a.txt, b.txt, c.txt and 4 more``, the first
    :data:`_NAMED_DOCUMENTS` named as indexed (their source; their id when they have none).

    Only a failed task calls this: the names are read back from the shards' index files, so
    no task carries them. A name that cannot be read is given as the document's place."""
    distinct = list(dict.fromkeys(found))
    names = []
    for shard, at in distinct[:_NAMED_DOCUMENTS]:
        try:
            with np.load(_meta_path(work, shard)) as data:
                local = int(np.searchsorted(data["offsets"], at)) if offsets else at
                names.append(str(data["wheres"][local]) or str(data["ids"][local]))
        except Exception:  # the failure being reported may be this very file's
            names.append(f"document {at} of shard {shard}" if not offsets
                         else f"the document at byte {at} of shard {shard}'s spool")
    more = len(distinct) - len(names)
    return ", ".join(names) + (f" and {more} more" if more else "") if names else "no document"


def _located(work: str, locations: Mapping[int, Location], items: Iterable[int]) -> str:
    """:func:`_documents` of some global positions, found through their ``locations``."""
    found = []
    for item in items:
        try:
            shard, offset = locations[item][:2]
        except Exception:  # a position without a location is left out
            continue
        found.append((shard, offset))
    return _documents(work, found, offsets=True)


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
    if skip_above:
        starts, sizes = starts[sizes <= skip_above], sizes[sizes <= skip_above]
    codes: list[I64] = [np.zeros(0, dtype=np.int64)]
    # Buckets of one size at a time, all-to-all in one step (there may be millions of them).
    for size in np.unique(sizes[(sizes > 1) & (sizes <= max_bucket)]).tolist():
        firsts = starts[sizes == size]
        left, right = np.triu_indices(size, 1)
        codes.append((member_rank[firsts[:, None] + left] * n
                       + member_rank[firsts[:, None] + right]).reshape(-1))
    # Larger buckets: consecutive members only.
    for start, size in zip(starts[sizes > max_bucket].tolist(),
                           sizes[sizes > max_bucket].tolist(), strict=True):
        ranks = member_rank[start:start + size]
        codes.append(ranks[:-1] * n + ranks[1:])
    return np.concatenate(codes)


# -- phase 2 and 4b: shuffle tasks ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _GroupTask:
    """Pair the documents sharing a key in one partition of one kind of key."""

    work: str
    kind: str
    partition: int
    shards: tuple[tuple[int, int], ...]  # (shard, base) of every shard
    n: int
    max_bucket: int
    skip_above: int = 0
    count_shared: bool = False
    #: When not 0: write the pairs to the work folder in this many parts by code (for
    #: :func:`_sum_task`) and return none.
    spill: int = 0
    #: When set: only the documents at these positions take part (``representatives.npy``
    #: of the work folder), so a bucket's size counts them alone.
    only: str = ""
    #: Write the keys of buckets above ``skip_above`` (too common to pair anything) to the
    #: work folder (``common-{kind}-{partition}.npy``).
    write_common: bool = False
    stage: str = ""

    def doing(self) -> tuple[str, str]:
        # The documents sharing keys in a partition are many, and no one of them is at fault.
        return self.stage, f"partition {self.partition} of the {self.kind} keys"


def _partition_records(work: str, kind: str, shards: tuple[tuple[int, int], ...],
                       partition: int) -> tuple[U64, I64]:
    """Every shard's ``(key, doc)`` records of one partition of ``kind``, docs as global
    positions (``shards``: (shard, base) of every shard)."""
    keys, docs = [], []
    for shard, base in shards:
        records = _read_partition(work, kind, shard, partition)
        keys.append(records["key"])
        docs.append(records["doc"] + base)
    return (np.concatenate(keys) if keys else np.zeros(0, np.uint64),
            np.concatenate(docs) if docs else np.zeros(0, np.int64))


@_names_failures
def _group_task(task: _GroupTask) -> tuple[I64, I64]:
    """Codes of the pairs sharing a key (unique), and for each how many keys they share
    in this partition."""
    all_keys, all_docs = _partition_records(task.work, task.kind, task.shards, task.partition)
    rank = np.load(os.path.join(task.work, "rank.npy"), mmap_mode="r")
    if task.only:
        taking = np.isin(all_docs, np.load(os.path.join(task.work, task.only)))
        all_keys, all_docs = all_keys[taking], all_docs[taking]
    if task.write_common:
        distinct, sizes = np.unique(all_keys, return_counts=True)
        np.save(os.path.join(task.work, f"common-{task.kind}-{task.partition:03d}.npy"),
                distinct[sizes > task.skip_above], allow_pickle=False)
    codes = _bucket_pairs(all_keys, all_docs, rank, task.n, task.max_bucket, task.skip_above)
    unique, counts = np.unique(codes, return_counts=True)
    if task.spill:
        _write_partitions(task.work, f"pairs-{task.kind}", task.partition, task.spill,
                          unique.astype(np.uint64), counts.astype(np.int64))
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return unique, counts.astype(np.int64)


@dataclass(frozen=True, slots=True)
class _SumTask:
    """Sum the shared-key counts of one part of the pairs every group task wrote, and keep
    the pairs sharing at least ``min_count`` keys."""

    work: str
    kind: str
    part: int
    sources: int  # the group tasks (key partitions) that wrote pairs
    n: int
    min_count: int
    #: Also write the pairs one key short (``min_count - 1``) to the work folder
    #: (:func:`_short_path`), for :func:`_word_pair_gate_task` to read.
    write_short: bool = False
    stage: str = ""

    def doing(self) -> tuple[str, str]:
        return self.stage, f"part {self.part} of the pairs sharing {self.kind} keys"


@_names_failures
def _sum_task(task: _SumTask) -> tuple[I64, I64]:
    """Codes (sorted) of the pairs of this part sharing enough keys, and how many each."""
    results = []
    for source in range(task.sources):
        records = _read_partition(task.work, f"pairs-{task.kind}", source, task.part)
        results.append((records["key"].astype(np.int64), records["doc"]))
    codes, counts = _merge_counts(results, task.n)
    keep = counts >= task.min_count
    if task.write_short:
        np.save(_short_path(task.work, task.kind, task.part),
                codes[counts == task.min_count - 1], allow_pickle=False)
    return codes[keep], counts[keep]


@dataclass(frozen=True, slots=True)
class _GateTask:
    """Keep the pairs of some parts of ``short-rare`` whose word-pair sketches share at least
    ``need`` values that are not common phrases (``common.npy``)."""

    work: str
    parts: tuple[int, ...]
    shards: tuple[tuple[int, int], ...]  # (shard, base) of every shard
    n: int
    need: int
    width: int  # CandidateConfig.word_pairs

    def doing(self) -> tuple[str, str]:
        return ("dedup: recount rare terms",
                f"parts {self.parts[0]} to {self.parts[-1]} of the pairs one rare term short")


@_names_failures
def _word_pair_gate_task(task: _GateTask) -> I64:
    """Codes of the pairs of these parts (counted one rare term short) whose sketches share
    at least ``need`` word pairs, counted exactly from the two sketches."""
    codes: I64 = np.concatenate([np.load(_short_path(task.work, "rare", part))
                                 for part in task.parts])
    if len(codes) == 0:
        return codes
    by_rank = np.load(os.path.join(task.work, "by-rank.npy"), mmap_mode="r")
    common = np.load(os.path.join(task.work, "common.npy"))
    bases = np.array([base for _, base in task.shards], dtype=np.int64)
    # Both documents of every pair, each shard's sketches read once, in position order.
    wanted = np.asarray(by_rank[np.concatenate([codes // task.n, codes % task.n])])
    order = np.argsort(wanted, kind="stable")
    ordered = wanted[order]
    bounds = np.searchsorted(ordered, np.append(bases, np.iinfo(np.int64).max))
    found = np.zeros((len(wanted), task.width + 1), dtype=np.uint64)
    for k in np.flatnonzero(bounds[1:] > bounds[:-1]).tolist():
        low, high = int(bounds[k]), int(bounds[k + 1])
        sketch = np.load(_sketch_path(task.work, task.shards[k][0]), mmap_mode="r")
        found[order[low:high]] = sketch[ordered[low:high] - bases[k]]
    left, right = found[:len(codes)], found[len(codes):]
    width = task.width  # the last column: the sketch's size
    slots = np.arange(width)
    shared = np.zeros(len(codes), dtype=np.int64)
    for start in range(0, len(codes), 16_384):  # 16,384 × 16 × 16 comparisons: 4 MiB
        a, b = left[start:start + 16_384], right[start:start + 16_384]
        same = ((a[:, :width, None] == b[:, None, :width])
                & (slots < b[:, width, None].astype(np.int64))[:, None, :])
        hit = same.any(axis=2) & (slots < a[:, width, None].astype(np.int64))
        row, column = np.nonzero(hit)  # values are distinct within a sketch
        row = row[~np.isin(a[row, column], common)]  # common phrases pair nothing
        shared[start:start + len(a)] = np.bincount(row, minlength=len(a))
    return codes[shared >= task.need]


@dataclass(frozen=True, slots=True)
class _RecountTask:
    """Count exactly, in one partition of the rare terms, the kept terms that each pair of
    ``recount.npy`` (codes, in the work folder) shares."""

    work: str
    partition: int
    shards: tuple[tuple[int, int], ...]  # (shard, base) of every shard
    n: int

    def doing(self) -> tuple[str, str]:
        return "dedup: recount rare terms", f"partition {self.partition} of the rare terms"


@_names_failures
def _recount_task(task: _RecountTask) -> I64:
    """For each pair of ``recount.npy``, how many of its kept rare terms in this partition
    the two documents share."""
    codes = np.load(os.path.join(task.work, "recount.npy"))
    rank = np.load(os.path.join(task.work, "rank.npy"), mmap_mode="r")
    keys, docs = _partition_records(task.work, "rare", task.shards, task.partition)
    return _shared_counts(keys, np.asarray(rank[docs]), codes // task.n, codes % task.n)


def _shared_counts(keys: U64, owners: I64, left: I64, right: I64) -> I64:
    """For each pair ``(left[i], right[i])`` of owners, how many distinct keys both hold
    (``(key, owner)`` records). Vectorised: every key of the left owner is looked up among
    the right owner's, as one sorted array of ``owner × distinct keys + key number``."""
    take = np.isin(owners, np.union1d(left, right))
    keys, owners = keys[take], owners[take]
    if len(keys) == 0 or len(left) == 0:
        return np.zeros(len(left), dtype=np.int64)
    distinct, number = np.unique(keys, return_inverse=True)
    width = len(distinct)
    entries = np.unique(owners.astype(np.int64) * width + number.reshape(-1))
    owner_of = entries // width
    starts = np.searchsorted(owner_of, left, side="left")
    lengths = np.searchsorted(owner_of, left, side="right") - starts
    pair = np.repeat(np.arange(len(left)), lengths)
    at = (np.arange(len(pair)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
          + np.repeat(starts, lengths))
    query = right[pair] * width + entries[at] % width
    hit = np.minimum(np.searchsorted(entries, query), len(entries) - 1)
    return np.bincount(pair[entries[hit] == query], minlength=len(left)).astype(np.int64)


# -- phase 4a: rare terms -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _StemTask:
    """Count (``df`` is empty) or select (``df`` names the summed table) the content stems of
    one shard's representatives."""

    work: str
    shard: int
    base: int
    representatives: I64  # local positions
    settings: CandidateConfig
    partitions: int = 1
    select: bool = False
    cap: int = 0  # the document-frequency cap in force (CandidateConfig.df_cap)

    def doing(self) -> tuple[str, str]:
        return ("dedup: pick rare terms" if self.select else "dedup: count terms",
                _documents(self.work, ((self.shard, local)
                                       for local in self.representatives.tolist())))


def _shard_stems(task: _StemTask) -> tuple[U64, I64]:
    """The stems of the task's representatives and each one's owner, in position order."""
    stems = np.load(_stems_path(task.work, task.shard), mmap_mode="r")
    counts = np.diff(np.load(_stem_bounds_path(task.work, task.shard)))
    chosen = np.zeros(len(counts), dtype=bool)
    chosen[task.representatives] = True
    owners = np.flatnonzero(chosen)
    return (np.asarray(stems[np.repeat(chosen, counts)], dtype=np.uint64),
            np.repeat(owners, counts[owners]).astype(np.int64, copy=False))


@_names_failures
def _count_task(task: _StemTask) -> tuple[I64, I64]:
    """Document-frequency buckets of a shard's representatives: (bucket, count) pairs."""
    stems, _ = _shard_stems(task)
    buckets = (stems & np.uint64(_DF_BUCKETS - 1)).astype(np.int64)
    unique, counts = np.unique(buckets, return_counts=True)
    return unique, counts.astype(np.int64)


def _kept_limits(settings: CandidateConfig, owners: I64) -> I64:
    """For each (stem, owner) row of a document's distinct content stems, how many rare terms
    its owner keeps (:meth:`CandidateConfig.kept_terms` of its count of distinct stems)."""
    _, inverse, distinct = np.unique(owners, return_inverse=True, return_counts=True)
    sizes, where = np.unique(distinct, return_inverse=True)  # few distinct lengths
    limits = np.array([settings.kept_terms(int(size)) for size in sizes], dtype=np.int64)
    return limits[where][inverse]


@_names_failures
def _select_task(task: _StemTask) -> int:
    """Each representative's rarest shared stems, written to the rare-term shuffle."""
    stems, owners = _shard_stems(task)
    limits = _kept_limits(task.settings, owners)
    df = np.load(os.path.join(task.work, "df.npy"), mmap_mode="r")
    frequency = np.asarray(df[(stems & np.uint64(_DF_BUCKETS - 1)).astype(np.int64)])
    usable = (frequency >= 2) & (frequency <= task.cap)
    stems, owners, frequency = stems[usable], owners[usable], frequency[usable]
    order = np.lexsort((stems, frequency, owners))
    stems, owners, limits = stems[order], owners[order], limits[usable][order]
    first = np.searchsorted(owners, owners, side="left")
    take = (np.arange(len(owners)) - first) < limits
    _write_partitions(task.work, "rare", task.shard, task.partitions, stems[take], owners[take])
    return int(take.sum())


# -- phases 3 and 5: each candidate's profile, once -----------------------------------------


@dataclass(frozen=True, slots=True)
class _ProfileTask:
    """Build the verification profiles of some documents of one shard."""

    work: str
    shard: int
    round: int
    offsets: I64  # spool offsets of the documents, in order
    ngram: int

    def doing(self) -> tuple[str, str]:
        return "dedup: profiles", _documents(
            self.work, ((self.shard, offset) for offset in self.offsets.tolist()), offsets=True)


@_names_failures
def _profile_task(task: _ProfileTask) -> I64:
    """Write each document's profile (without text and key, which the spool holds) to the
    shard's profile file of this round; return where each one starts. The profiles are
    built :data:`_PROFILE_BATCH_CHARACTERS` of text at a time (:func:`profile_parts`)."""
    starts: list[int] = []
    end = 0
    first = 0  # the first document of the batch
    with _Spools(task.work) as spools, \
            open(_profiles_path(task.work, task.shard, task.round), "wb") as out:
        pending: list[tuple[str, str]] = []
        size = 0
        offsets = task.offsets.tolist()
        for k, offset in enumerate(offsets):
            text, key = spools.read(task.shard, offset)
            pending.append((text, key))
            size += len(text)
            if size < _PROFILE_BATCH_CHARACTERS and k + 1 < len(offsets):
                continue
            try:
                for parts in profile_parts(pending, task.ngram):
                    blob = _dump_profile(parts)
                    out.write(_SIZE.pack(len(blob)) + blob)
                    starts.append(end)
                    end += _SIZE.size + len(blob)
            except _OWN_ERRORS:
                raise
            except Exception as exc:  # the batch's documents, not the task's thousand
                raise _failure("dedup: profiles", _documents(
                    task.work, ((task.shard, at) for at in offsets[first:k + 1]), offsets=True),
                    exc) from exc
            pending, size, first = [], 0, k + 1
    return np.array(starts, dtype=np.int64)


def _build_profiles(run: RunMap, work: str, meta: _Meta, config: DedupConfig,
                    wanted: I64, round_: int) -> None:
    """Build, once, the profiles of the documents ``wanted`` (sorted, distinct) that have none
    yet (a map over shards); verification tasks then read them instead of building them again
    per pair."""
    if len(wanted) == 0:
        return
    wanted = wanted[meta.profile_round[wanted] < 0]
    tasks: list[_ProfileTask] = []
    members: list[I64] = []
    for shard in np.unique(meta.shard_of[wanted]).tolist():
        items = wanted[meta.shard_of[wanted] == shard]
        for chunk in _chunks(items, _PROFILES_PER_TASK):
            part = round_ * 10_000 + len(members)
            tasks.append(_ProfileTask(work, int(shard), part, meta.offsets[chunk],
                                      config.minhash.ngram))
            members.append(np.asarray(chunk))
    results: list[I64] = run(_profile_task, tasks, "dedup: profiles",
                                   [len(t.offsets) for t in tasks])
    for task, items, starts in zip(tasks, members, results, strict=True):
        meta.profile_round[items] = task.round
        meta.profile_offset[items] = starts


# -- phases 3 and 5: verification -----------------------------------------------------------


class TextStore(Protocol):
    """Where the texts of cached documents are kept (:class:`corpus.pipeline.cache.Cache`,
    kind :data:`TEXT_KIND`): picklable, so that a work folder can name it to every process."""

    def get(self, kind: str, keys: Iterable[bytes]) -> dict[bytes, Any]: ...


class VerdictCache(Protocol):
    """Where verdicts of earlier builds are kept (:class:`corpus.pipeline.cache.Cache`)."""

    def get(self, kind: str, keys: Iterable[bytes]) -> dict[bytes, Any]: ...

    def put(self, kind: str, items: Iterable[tuple[bytes, Any]]) -> None: ...

    def replace(self, kind: str, items: Iterable[tuple[bytes, Any]]) -> None: ...

    def prune_pairs(self, contents: Iterable[bytes]) -> int: ...


#: A document's place in the work folder: shard, spool offset, digest of its text and key,
#: and where its profile was written (round, offset; round -1 when it was not).
Location = tuple[int, int, bytes, int, int]


#: Profiles recently read or built in this process, by content digest and n-gram size (at
#: most :data:`_PROFILE_CACHE`; emptied at the end of a run by :func:`_forget_profiles`).
_LOADED: OrderedDict[tuple[bytes, int], Profile] = OrderedDict()
_LOADED_LOCK = threading.Lock()


def _forget_profiles() -> None:
    """Let the profiles of the last run go (a worker process ends with its run anyway)."""
    with _LOADED_LOCK:
        _LOADED.clear()


class _Verifier:
    """Verifies pairs of global positions, caching the profiles of recently used documents.

    With a ``cache``, a lexical verdict is looked up by the two documents' content digests
    first (:meth:`prefetch` loads a batch at once) and new verdicts are stored by
    :meth:`save`: a verdict depends on the two texts and the settings only. A key that a
    prefetch asked for and did not find is not asked for again (a pair not in the cache is
    verified; asking again cost a query a pair: 56,215 in a first build of 2,000 documents).
    """

    def __init__(self, spools: _Spools, locations: Mapping[int, Location],
                 config: DedupConfig, semantic: SemanticVerifier | None = None,
                 cache: VerdictCache | None = None) -> None:
        self._spools = spools
        self._locations = locations
        self._config = config
        self._semantic = semantic
        self._cache = cache
        self._known: dict[bytes, PairVerdict] = {}
        self._new: dict[bytes, PairVerdict] = {}
        self._known_evidence: dict[bytes, tuple[AlignedPassage, ...]] = {}
        self._new_evidence: dict[bytes, tuple[AlignedPassage, ...]] = {}
        self._asked: set[bytes] = set()  # keys a prefetch asked the cache for

    @property
    def locations(self) -> Mapping[int, Location]:
        """Where the documents this verifier may be asked about are."""
        return self._locations

    def _key(self, left: int, right: int, align: bool) -> bytes:
        return self._locations[left][2] + self._locations[right][2] + (b"A" if align else b"N")

    def prefetch(self, pairs: Iterable[Pair], align: bool, prune: bool = False, *,
                 asked: bool = False) -> None:
        """Load the cached verdicts of ``pairs`` in one query; with ``asked``, only note
        that the cache has none of them (the driver asked for them already)."""
        if self._cache is not None:
            tail = b"P" if prune else b""
            keys = [self._key(left, right, align) + tail for left, right in pairs]
            if not asked:
                self._known.update(self._cache.get("verdict", keys))
            self._asked.update(keys)

    def save(self, unique: bool = True) -> None:
        """Store the verdicts and evidence computed since the last save; with ``unique``
        false, not the verdicts that found a pair unique (bulk verification: the driver keeps
        those in :class:`_UniquePairs`, which the next build reads whole)."""
        if self._cache is not None and self._new:
            self._cache.put("verdict", self._new.items() if unique else (
                (key, found) for key, found in self._new.items()
                if found.relation is not Relation.UNIQUE))
            self._known.update(self._new)
            self._new = {}
        if self._cache is not None and self._new_evidence:
            self._cache.put("evidence", self._new_evidence.items())
            self._known_evidence.update(self._new_evidence)
            self._new_evidence = {}

    def _evidence_key(self, item: int, other: int, item_is_left: bool) -> bytes:
        left, right = (item, other) if item_is_left else (other, item)
        return self._key(left, right, True) + (b"L" if item_is_left else b"R")

    def prefetch_evidence(self, wanted: Iterable[tuple[int, int, bool]]) -> None:
        """Load the cached passages of ``(item, other, item_is_left)`` in one query."""
        if self._cache is not None:
            keys = [self._evidence_key(*w) for w in wanted]
            self._known_evidence.update(self._cache.get("evidence", keys))
            self._asked.update(keys)

    def passages(self, item: int, other: int, verdict: PairVerdict,
                 item_is_left: bool) -> tuple[AlignedPassage, ...]:
        """The aligned passages of ``verdict`` between ``item`` and ``other`` (from
        ``other``'s side: it is the document ``item`` is related to), as sentence texts.

        They depend on the two texts and the settings only, so an incremental build takes
        them from the cache and builds no profile for them.
        """
        key = self._evidence_key(item, other, item_is_left) if self._cache is not None else b""
        if key:
            known = self._known_evidence.get(key) or self._new_evidence.get(key)
            if known is None and self._cache is not None and key not in self._asked:
                known = self._cache.get("evidence", [key]).get(key)
            if known is not None:
                return tuple(known)
        mine, theirs = self.profile(item), self.profile(other)
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
        found = tuple(passages)
        if key:
            self._new_evidence[key] = found
        return found

    def profile(self, item: int) -> Profile:
        shard, offset, contents, stored, at = self._locations[item]
        # A profile depends on the text, the key and the n-gram size only: kept by the digest
        # of the first two, it serves every later task of this process (a worker verifies
        # many batches of one corpus; reading a profile back costs more than verifying).
        found = (contents, self._config.minhash.ngram)
        with _LOADED_LOCK:  # a Dask worker may run tasks in threads
            cached = _LOADED.get(found)
            if cached is not None:
                _LOADED.move_to_end(found)
                return cached
        text, key = self._spools.read(shard, offset)
        if stored >= 0:  # built once, by the profile stage
            built = self._spools.profile(shard, stored, at, text, key)
        else:
            built = build_profile(text, key, self._config.minhash.ngram)
        with _LOADED_LOCK:
            _LOADED[found] = built
            if len(_LOADED) > _PROFILE_CACHE:
                _LOADED.popitem(last=False)
        return built

    def _cached(self, key: bytes) -> PairVerdict | None:
        found = self._known.get(key) if key else None
        if found is None and key:
            found = self._new.get(key)
            if found is None and self._cache is not None and key not in self._asked:
                found = self._cache.get("verdict", [key]).get(key)  # not prefetched: ask
        return found

    def verify_many(self, left: int, rights: Sequence[int]) -> list[PairVerdict]:
        """``verify(left, right, prune=True, semantic=False)`` for each of ``rights``, the
        pairs not in the cache verified in one batch (:func:`~corpus.dedup.align.verify_many`)."""
        keys = [self._key(left, right, True) + b"P" if self._cache is not None else b""
                for right in rights]
        verdicts = [self._cached(key) for key in keys]
        todo = [k for k, found in enumerate(verdicts) if found is None]
        if todo:
            fresh = verify_many(self.profile(left), [self.profile(rights[k]) for k in todo],
                                self._config)
            for k, found in zip(todo, fresh, strict=True):
                verdicts[k] = found
                if keys[k]:
                    self._new[keys[k]] = found
        return [found for found in verdicts if found is not None]

    def verify(self, left: int, right: int, *, align: bool = True,
               semantic: bool = True, prune: bool = False) -> PairVerdict:
        """Verify the pair with ``left`` first (callers order pairs by id); ``prune`` as in
        :func:`~corpus.dedup.align.verify_pair`."""
        key = (self._key(left, right, align) + (b"P" if prune else b"")
               if self._cache is not None else b"")
        found = self._cached(key)
        if found is None:
            found = verify_pair(self.profile(left), self.profile(right), self._config,
                                align=align, prune=prune)
            if key:
                self._new[key] = found
        if (semantic and align and self._semantic is not None
                and found.relation is Relation.UNIQUE):
            found = self._semantic.verify(left, self.profile(left), right, self.profile(right))
        return found


@dataclass(frozen=True, slots=True)
class _VerifyTask:
    """Verify a batch of candidate pairs (global positions, ``left[k]`` first)."""

    work: str
    config: DedupConfig
    left: I64
    right: I64
    locations: Mapping[int, Location]
    align: bool
    cache: VerdictCache | None = None

    @property
    def stage(self) -> str:
        """The verification stage this task is part of, as its progress line names it."""
        return "dedup: verify rewrites" if self.align else "dedup: verify near copies"

    def doing(self) -> tuple[str, str]:
        return self.stage, "the pairs of " + _located(
            self.work, self.locations, itertools.chain(self.left.tolist(), self.right.tolist()))


@_names_failures
def _verify_task(task: _VerifyTask) -> tuple[I64, list[PairVerdict]]:
    """The positions (in the task) of the pairs that passed, and their verdicts.

    Rewrite candidates that share their left document are verified together
    (:func:`~corpus.dedup.align.verify_many`: the same verdicts, batched)."""
    pairs = list(zip(task.left.tolist(), task.right.tolist(), strict=True))
    hits: list[int] = []
    passed: list[PairVerdict] = []
    with _Spools(task.work) as spools:
        verifier = _Verifier(spools, task.locations, task.config, cache=task.cache)
        # _verify_all looked every pair up before it made the tasks: they hold the others.
        verifier.prefetch(pairs, task.align, prune=True, asked=True)
        start = 0
        while start < len(pairs):
            left = pairs[start][0]
            stop = start + 1
            while stop < len(pairs) and pairs[stop][0] == left:
                stop += 1
            rights = [right for _, right in pairs[start:stop]]
            try:
                if task.align:
                    verdicts = verifier.verify_many(left, rights)
                else:
                    verdicts = [verifier.verify(left, right, align=False, semantic=False,
                                                prune=True)
                                for right in rights]
            except _OWN_ERRORS:
                raise
            except Exception as exc:  # the pairs of one document, not the task's thousands
                raise _failure(task.stage, _located(task.work, task.locations, [left])
                               + " against " + _located(task.work, task.locations, rights),
                               exc) from exc
            for k, found in enumerate(verdicts, start):
                if found.relation is not Relation.UNIQUE:
                    hits.append(k)
                    passed.append(found)
            start = stop
        # Unique verdicts (nearly all) are not stored one by one: the driver files every
        # pair of this stage that is not in ``passed`` in the build's _UniquePairs. Storing
        # them took 0.7 s of a 2,000-document build's 9.4 s of verification tasks (under the
        # profiler), and a quarter of the cache.
        verifier.save(unique=False)
    return np.array(hits, dtype=np.int64), passed


#: The evidence stage, as its progress line names it.
_EVIDENCE = "dedup: evidence"


@dataclass(frozen=True, slots=True)
class _ClusterSpec:
    """One cluster to relate: members (global position, id, seq, name), the canonical one,
    why it was kept, and each member's path towards it (BFS parent over verified links)."""

    members: tuple[tuple[int, str, int, str], ...]
    canonical: int
    reason: str
    parent: dict[int, int]


@dataclass(frozen=True, slots=True)
class _RelateTask:
    work: str
    config: DedupConfig
    clusters: tuple[_ClusterSpec, ...]
    locations: Mapping[int, Location]
    cache: VerdictCache | None = None
    #: With ``part >= 0``, the clusters' ``clusters.parquet`` rows go to evidence work file
    #: ``part`` and the task returns each member with its best passage only.
    part: int = -1

    def doing(self) -> tuple[str, str]:
        return _EVIDENCE, "the clusters of " + _located(
            self.work, self.locations, (m[0] for s in self.clusters for m in s.members))


def _member(verifier: _Verifier, item: tuple[int, str, int, str], other: int, other_id: str,
            verdict: PairVerdict, item_is_left: bool) -> Member:
    return Member(
        id=item[1], seq=item[2], name=item[3], relation=verdict.relation, score=verdict.score,
        matched_with=other_id, jaccard=verdict.jaccard, containment=verdict.containment,
        coverage=verdict.coverage, aligned=verdict.aligned,
        evidence=verifier.passages(item[0], other, verdict, item_is_left),
    )


def _relate(spec: _ClusterSpec, verifier: _Verifier) -> Cluster:
    """Relate every member of one cluster to its canonical document, with the evidence; a
    member that only joined through another is related to the member it joined through."""
    by_position = {m[0]: m for m in spec.members}
    canonical = by_position[spec.canonical]

    def related(a: int, b: int) -> tuple[PairVerdict, bool]:
        left, right = (a, b) if by_position[a][1] < by_position[b][1] else (b, a)
        return verifier.verify(left, right), left == a

    entries = [Member(
        id=canonical[1], seq=canonical[2], name=canonical[3], relation=Relation.CANONICAL,
        score=1.0, matched_with="", jaccard=1.0, containment=1.0, coverage=1.0, aligned=0,
    )]
    for item in sorted(spec.members, key=lambda m: (m[2], m[1])):
        if item[0] == spec.canonical:
            continue
        found, is_left = related(item[0], spec.canonical)
        other = spec.canonical
        if found.relation is Relation.UNIQUE:
            other = spec.parent[item[0]]
            found, is_left = related(item[0], other)
        entries.append(_member(verifier, item, other, by_position[other][1], found, is_left))
    return Cluster(id=canonical[1], canonical=canonical[1], members=tuple(entries),
                   reason=spec.reason)


def _best_passages(cluster: Cluster) -> Cluster:
    """``cluster`` with each member's evidence cut to its best aligned passage pair (the first
    of the most similar: the one the release card shows)."""
    return replace(cluster, members=tuple(
        replace(member, evidence=(max(member.evidence, key=lambda p: p.similarity),))
        if len(member.evidence) > 1 else member
        for member in cluster.members))


def _relate_batch(specs: Sequence[_ClusterSpec], verifier: _Verifier, work: str,
                  part: int) -> list[Cluster]:
    """Relate a batch of clusters (:func:`_relate`). With ``part >= 0``, write their
    ``clusters.parquet`` rows (:func:`corpus.schema.cluster_rows`, every passage) to evidence
    work file ``part`` and return them with each member's best passage only."""
    clusters = []
    for spec in specs:
        try:
            clusters.append(_relate(spec, verifier))
        except _OWN_ERRORS:
            raise
        except Exception as exc:  # one cluster's members, not the batch's hundreds
            raise _failure(_EVIDENCE, "the cluster of " + _located(
                work, verifier.locations, [m[0] for m in spec.members]), exc) from exc
    if part < 0:
        return clusters
    from corpus.schema import CLUSTERS_SCHEMA, cluster_rows  # it imports corpus.dedup

    rows = pa.Table.from_pylist(list(cluster_rows(DedupResult(0, tuple(clusters)))),
                                schema=CLUSTERS_SCHEMA)
    path = _evidence_path(work, part)
    with pa.OSFile(path + ".part", "wb") as sink, \
            pa.ipc.new_file(sink, CLUSTERS_SCHEMA) as writer:
        writer.write_table(rows)
    os.replace(path + ".part", path)  # a retried task never leaves half a file
    return [_best_passages(cluster) for cluster in clusters]


@_names_failures
def _relate_task(task: _RelateTask) -> list[Cluster]:
    with _Spools(task.work) as spools:
        verifier = _Verifier(spools, task.locations, task.config, cache=task.cache)
        verifier.prefetch([(min(m[0], s.canonical, key=lambda i: _member_id(s, i)),
                            max(m[0], s.canonical, key=lambda i: _member_id(s, i)))
                           for s in task.clusters for m in s.members if m[0] != s.canonical],
                          True)
        verifier.prefetch_evidence(
            (m[0], s.canonical, m[1] < _member_id(s, s.canonical))
            for s in task.clusters for m in s.members if m[0] != s.canonical)
        clusters = _relate_batch(task.clusters, verifier, task.work, task.part)
        verifier.save()
        return clusters


def _member_id(spec: _ClusterSpec, item: int) -> str:
    return next(m[1] for m in spec.members if m[0] == item)


# -- the driver -----------------------------------------------------------------------------


def _held(found: PairVerdict, left_words: int, right_words: int) -> tuple[float, float]:
    """The share of the other text's distinct word 5-grams each text of a verified pair holds
    (left's, right's), from the pair's Jaccard ``J`` and containment ``c`` (shared over the
    smaller set): the larger set holds ``c`` of the smaller, the smaller ``1 / (1/J - 1/c +
    1)`` of the larger (both are the shared count over the other's size). Which set is the
    larger is taken from the word counts; at equal sizes the two shares are equal anyway."""
    jaccard, containment = found.jaccard, found.containment
    if jaccard <= 0 or containment <= 0:
        return 0.0, 0.0
    smaller_holds = 1.0 / (1.0 / jaccard - 1.0 / containment + 1.0)
    if left_words >= right_words:
        return containment, smaller_holds
    return smaller_holds, containment


def _canonical(group: list[int], meta: _Meta, links: dict[Pair, PairVerdict],
               config: DedupConfig, around: Collection[int] = ()) -> tuple[int, str]:
    """The member of ``group`` the keep policy keeps, given the verdicts ``links`` known, and
    why. A member's closeness (:class:`~corpus.dedup.cluster.Candidate`) is the sum, over
    the other members of ``around`` (default: ``group``) with a verdict known, of the share of
    that member's word 5-grams it holds (:func:`_held`): a real likeness of the texts, where
    a pair score is the verdict of one of several tests (a rewrite told sentence by sentence
    scores 1 against every copy). A source holds most of what each copy kept of it; a short
    copy holds little of a long source (their Jaccard, the measure before, is small both ways
    and let a condensed retelling outweigh its 4,700-word source)."""
    members = set(group)
    near = members | set(around)
    contained = set()
    closeness = dict.fromkeys(group, 0.0)
    for (left, right), found in links.items():  # in the run's order (the sums are rounded)
        if left in near and right in near:
            left_holds, right_holds = _held(found, int(meta.words[left]),
                                            int(meta.words[right]))
            if left in members:
                closeness[left] += left_holds
            if right in members:
                closeness[right] += right_holds
        if left not in members or right not in members:
            continue
        if found.left_in_right and not found.right_in_left:
            contained.add(left)
        elif found.right_in_left and not found.left_in_right:
            contained.add(right)
    candidates = [
        Candidate(index=i, id=meta.ids[i], seq=int(meta.seqs[i]), words=int(meta.words[i]),
                  credit=meta.credits.get(i, ""), contained=i in contained,
                  closeness=closeness[i])
        for i in group
    ]
    kept, reason = choose_canonical(candidates, config.keep)
    return kept.index, reason


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class _AllLocations(Mapping[int, Location]):
    """Every document's location, looked up in the index arrays when asked (no dict of a
    million entries on the driver)."""

    def __init__(self, meta: _Meta) -> None:
        self._meta = meta

    def __getitem__(self, item: int) -> Location:
        meta = self._meta
        return (int(meta.shard_of[item]), int(meta.offsets[item]), meta.contents[item].tobytes(),
                int(meta.profile_round[item]), int(meta.profile_offset[item]))

    def __iter__(self) -> Iterator[int]:
        return iter(range(self._meta.size))

    def __len__(self) -> int:
        return self._meta.size


class _Locations(Mapping[int, Location]):
    """The locations of some documents, as arrays (what a task carries to its worker: about
    40 bytes a document, not a dict entry and a tuple of Python values each)."""

    __slots__ = ("_at", "_contents", "_found", "_items", "_offset", "_round", "_shard")
    _found: dict[int, Location]

    def __init__(self, meta: _Meta, items: I64) -> None:
        self._items = items = np.unique(items)
        self._shard = meta.shard_of[items]
        self._offset = meta.offsets[items]
        self._contents = meta.contents[items]
        self._round = meta.profile_round[items]
        self._at = meta.profile_offset[items]
        self._found = {}

    def __getitem__(self, item: int) -> Location:
        # A task looks its documents up again and again: each is found in the arrays once.
        location = self._found.get(item)
        if location is None:
            k = int(np.searchsorted(self._items, item))
            if k == len(self._items) or self._items[k] != item:
                raise KeyError(item)
            location = self._found[item] = (
                int(self._shard[k]), int(self._offset[k]), bytes(self._contents[k].tobytes()),
                int(self._round[k]), int(self._at[k]))
        return location

    def __getstate__(self) -> dict[str, Any]:
        # What a task carries to its worker: the arrays, not the locations found so far.
        return {name: getattr(self, name) for name in self.__slots__ if name != "_found"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._found = {}

    def __iter__(self) -> Iterator[int]:
        return iter(self._items.tolist())

    def __len__(self) -> int:
        return len(self._items)


def _locations(meta: _Meta, items: I64 | Iterable[int]) -> _Locations:
    """The locations of ``items``."""
    if not isinstance(items, np.ndarray):
        items = np.fromiter(items, dtype=np.int64)
    return _Locations(meta, items.astype(np.int64, copy=False))


class _Pairs(Sequence[Pair]):
    """Pairs of global positions as two arrays (left first): 16 bytes a pair, where a tuple
    of two Python ints costs about 120. The driver keeps millions of candidate pairs."""

    __slots__ = ("left", "right")

    def __init__(self, left: I64, right: I64) -> None:
        self.left = left
        self.right = right

    @classmethod
    def of_codes(cls, codes: I64, by_rank: I64, n: int) -> _Pairs:
        """The pairs of candidate codes (``low_rank * n + high_rank``), lower id first."""
        return cls(by_rank[codes // n].astype(np.int64), by_rank[codes % n].astype(np.int64))

    def __len__(self) -> int:
        return len(self.left)

    @overload
    def __getitem__(self, item: int) -> Pair: ...

    @overload
    def __getitem__(self, item: slice) -> _Pairs: ...

    def __getitem__(self, item: int | slice) -> Pair | _Pairs:
        if isinstance(item, slice):
            return _Pairs(self.left[item], self.right[item])
        return int(self.left[item]), int(self.right[item])

    def take(self, positions: I64) -> _Pairs:
        """The pairs at ``positions``."""
        return _Pairs(self.left[positions], self.right[positions])


class _Union:
    """Union-find over the documents that have a link: a dict of those only, not a list over
    every document of the corpus (most documents are in no cluster)."""

    __slots__ = ("_parent", "_size")

    def __init__(self) -> None:
        self._parent: dict[int, int] = {}
        self._size: dict[int, int] = {}

    def find(self, item: int) -> int:
        """The representative of ``item``'s set (``item`` itself when it has no link)."""
        parent = self._parent
        while (up := parent.get(item, item)) != item:
            grand = parent.get(up, up)
            parent[item] = grand
            item = grand
        return item

    def union(self, a: int, b: int) -> None:
        """Merge the sets of ``a`` and ``b``."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        size_a, size_b = self._size.get(root_a, 1), self._size.get(root_b, 1)
        if size_a < size_b:
            root_a, root_b = root_b, root_a
        self._parent.setdefault(root_a, root_a)
        self._parent[root_b] = root_a
        self._size[root_a] = size_a + size_b
        self._size.pop(root_b, None)

    def groups(self) -> list[list[int]]:
        """The sets of linked documents, each sorted, in order of first member (what
        :meth:`~corpus.dedup.cluster.UnionFind.groups` gives over every document)."""
        found: dict[int, list[int]] = {}
        for item in sorted(self._parent):
            found.setdefault(self.find(item), []).append(item)
        return sorted((g for g in found.values() if len(g) > 1), key=lambda g: g[0])


def _local_order(left: I64, right: I64) -> I64:
    """Positions of the pairs ``(left[k], right[k])`` reordered so that pairs among the same
    documents come together (by connected component of the candidate graph, then by pair): a
    verification task then builds each document's profile once instead of once per pair.
    Deterministic; numpy only (the pairs are many: no Python object per pair)."""
    if len(left) == 0:
        return np.zeros(0, dtype=np.int64)
    _, inverse = np.unique(np.concatenate([left, right]), return_inverse=True)
    inverse = inverse.reshape(-1)
    a, b = inverse[:len(left)], inverse[len(left):]
    label = np.arange(int(inverse.max()) + 1)
    while True:  # the lowest label of each component, by hooking and pointer jumping
        low = np.minimum(label[a], label[b])
        hooked = label.copy()
        np.minimum.at(hooked, a, low)
        np.minimum.at(hooked, b, low)
        hooked = hooked[hooked]
        if np.array_equal(hooked, label):
            break
        label = hooked
    return np.lexsort((right, left, label[a])).astype(np.int64)


class _Lazy(Sequence[T]):
    """A sequence of ``count`` values made when asked (``make(k)``): a stage's tasks, so that
    an executor that keeps a few tasks in flight holds only those (their pairs are arrays
    already held by the driver)."""

    def __init__(self, count: int, make: Callable[[int], T]) -> None:
        self._count = count
        self._make = make

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, item: int) -> T: ...

    @overload
    def __getitem__(self, item: slice) -> list[T]: ...

    def __getitem__(self, item: int | slice) -> T | list[T]:
        if isinstance(item, slice):
            return [self[k] for k in range(*item.indices(self._count))]
        if not -self._count <= item < self._count:
            raise IndexError(item)
        return self._make(item % self._count)


def _verify_all(run: RunMap, work: str, meta: _Meta, config: DedupConfig, pairs: _Pairs,
                align: bool, stage: str, cache: VerdictCache | None = None,
                round_: int = 0) -> dict[int, PairVerdict]:
    """Verify ``pairs`` on the executor; the verdicts of those that passed, by position in
    ``pairs`` (every other pair was verified and did not pass).

    Verdicts already in ``cache`` are taken from it here, so only the other pairs have their
    documents' profiles built (round ``round_`` of the profile stage) and are verified.
    """
    pending = np.ones(len(pairs), dtype=bool)
    passed: dict[int, PairVerdict] = {}
    hashes = _pair_hashes(meta.contents, pairs, align) if cache is not None else None
    if hashes is not None and cache is not None and len(pairs):
        # Most pairs were found unique by the last build: one entry says which, and only
        # the others are looked up one by one.
        pending &= ~_UniquePairs.load(cache, align).holds(*hashes)
        asked = np.flatnonzero(pending)
        tail = (b"A" if align else b"N") + b"P"  # as the verification tasks file them
        keys = [meta.contents[left].tobytes() + meta.contents[right].tobytes() + tail
                for left, right in zip(pairs.left[asked].tolist(),
                                       pairs.right[asked].tolist(), strict=True)]
        known = cache.get("verdict", keys)
        for k, key in zip(asked.tolist(), keys, strict=True):
            found = known.get(key)
            if found is not None:
                pending[k] = False
                if found.relation is not Relation.UNIQUE:
                    passed[k] = found
        del asked, keys, known
    todo = np.flatnonzero(pending)
    left, right = pairs.left[todo], pairs.right[todo]
    _build_profiles(run, work, meta, config, np.union1d(left, right), round_)
    order = _local_order(left, right)
    todo, left, right = todo[order], left[order], right[order]
    size = _pairs_per_task(len(todo))
    starts = range(0, len(todo), size)

    def task(k: int) -> _VerifyTask:
        chunk = slice(starts[k], starts[k] + size)
        return _VerifyTask(work, config, left[chunk], right[chunk],
                           _locations(meta, np.concatenate([left[chunk], right[chunk]])),
                           align, cache)

    results = run(_verify_task, _Lazy(len(starts), task), stage,
                  [len(todo[start:start + size]) for start in starts])
    for start, (hits, verdicts) in zip(starts, results, strict=True):
        passed.update(zip(todo[start + hits].tolist(), verdicts, strict=True))
    if hashes is not None and cache is not None:
        unique = np.ones(len(pairs), dtype=bool)
        unique[np.fromiter(passed, dtype=np.int64, count=len(passed))] = False
        _UniquePairs.of(hashes[0][unique], hashes[1][unique]).save(cache, align)
    return passed


def _pairs_per_task(count: int) -> int:
    """Pairs per verification task for a stage of ``count`` pairs: :data:`_PAIRS_PER_TASK`,
    or fewer, so that a small stage still makes :data:`_MIN_TASKS` tasks."""
    return max(_MIN_PAIRS_PER_TASK, min(_PAIRS_PER_TASK, -(-count // _MIN_TASKS)))


#: Odd 64-bit multipliers of :func:`_pair_hashes` (from the digits of pi and e).
_MIX = np.array([0x243F6A8885A308D3, 0x13198A2E03707345, 0xB7E151628AED2A6B,
                 0x9E3779B97F4A7C15], dtype=np.uint64)


def _pair_hashes(contents: U64, pairs: _Pairs, align: bool) -> tuple[U64, U64]:
    """Two 64-bit hashes of each pair's content digests (lower id first) and kind: 128 bits
    that name the pair as its verdict's cache key does, made with numpy, without a bytes
    object per pair. The digests are SHA-256 bits, so products with odd constants mix them
    well; two different pairs share both hashes with a chance of about 2**-128."""
    left, right = contents[pairs.left], contents[pairs.right]
    first = left[:, 0] * _MIX[0] ^ right[:, 0] * _MIX[1] ^ np.uint64(align)
    second = left[:, 1] * _MIX[2] ^ right[:, 1] * _MIX[3]
    return first, second


class _UniquePairs:
    """The pairs a build verified and found unique, by :func:`_pair_hashes`, as one cache
    entry per kind (near copies, rewrites) that the next build reads whole.

    A rebuild after a small change verifies nearly the same pairs, most of them unique (at
    10,000 documents, 57,421 of 59,554): looking each one's verdict up by its key took 1.9 s
    of the driver, reading this set and searching it with numpy takes milliseconds. Only a
    match of both hashes counts, so a pair not in the set, or one whose first hash is shared
    by another pair of the set, is looked up by its key. The verification tasks store only
    the verdicts that passed by key: a pair found unique by the last build is known from this
    set alone, and one found unique earlier but not a candidate of the last build is verified
    again (a verdict depends on the two texts and the settings only, so it is the same).
    """

    __slots__ = ("_first", "_second")

    def __init__(self, first: U64, second: U64) -> None:
        self._first = first  # sorted
        self._second = second

    @classmethod
    def of(cls, first: U64, second: U64) -> _UniquePairs:
        order = np.argsort(first, kind="stable")
        return cls(first[order], second[order])

    @classmethod
    def load(cls, cache: VerdictCache, align: bool) -> _UniquePairs:
        """The set the last build saved (empty when there is none)."""
        found = cache.get(cls._kind(align), [b"pairs"]).get(b"pairs")
        if found is None:
            return cls(np.zeros(0, np.uint64), np.zeros(0, np.uint64))
        first, second = found
        return cls(np.asarray(first, np.uint64), np.asarray(second, np.uint64))

    def save(self, cache: VerdictCache, align: bool) -> None:
        cache.replace(self._kind(align), [(b"pairs", (self._first, self._second))])

    @staticmethod
    def _kind(align: bool) -> str:
        return "unique-rewrites" if align else "unique-near"

    def holds(self, first: U64, second: U64) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Whether each pair of hashes ``(first[k], second[k])`` is in the set."""
        if not len(self._first):
            return np.zeros(len(first), dtype=bool)
        at = np.minimum(np.searchsorted(self._first, first), len(self._first) - 1)
        found: np.ndarray[Any, np.dtype[np.bool_]] = (
            (self._first[at] == first) & (self._second[at] == second))
        return found


def _shard_bases(meta: _Meta, shards: Sequence[IndexedShard]) -> tuple[tuple[int, int], ...]:
    """(shard, base) of every shard: what tasks that read every shard's keys are given."""
    return tuple((s.shard, meta.bases[k]) for k, s in enumerate(shards))


#: Parts a shuffle's pairs are split in, per key partition, when they are summed (_SumTask).
_PARTS_PER_PARTITION = 4


def _shuffle(run: RunMap, work: str, kind: str, partitions: int, meta: _Meta,
             shards: Sequence[IndexedShard], max_bucket: int, skip_above: int = 0,
             stage: str = "", min_count: int = 1, only: str = "", write_short: bool = False,
             write_common: bool = False) -> tuple[I64, I64]:
    """The distinct pairs sharing a key of ``kind`` (codes, sorted) and how many they share.

    With ``min_count`` above 1, only the pairs sharing that many: the group tasks then write
    their pairs to the work folder split by code, and a second map sums each part's counts
    and keeps those pairs, so the driver never holds the pairs sharing too few keys (every
    pair sharing one rare term: tens a document, most of the candidate codes).
    ``write_short`` (to :class:`_SumTask`) and ``write_common`` (to :class:`_GroupTask`) leave
    the pairs one key short and the keys too common to pair in the work folder.
    """
    stage = stage or f"dedup: group {kind} keys"
    bases = _shard_bases(meta, shards)
    parts = _PARTS_PER_PARTITION * partitions if min_count > 1 else 0
    tasks = [_GroupTask(work, kind, p, bases, meta.size, max_bucket, skip_above, spill=parts,
                        only=only, write_common=write_common, stage=stage)
             for p in range(partitions)]
    results = run(_group_task, tasks, stage, [1] * len(tasks))
    if parts:
        results = run(_sum_task, [_SumTask(work, kind, part, partitions, meta.size, min_count,
                                           write_short, stage)
                                  for part in range(parts)], stage, [1] * parts)
    return _merge_counts(results, meta.size)


#: Bits of a packed ``code << _COUNT_BITS | count`` value that hold the count.
_COUNT_BITS = 8


def _merge_counts(results: list[tuple[I64, I64]], n: int) -> tuple[I64, I64]:
    """The distinct codes of every partition's ``(codes, counts)`` and their summed counts.

    A pair's keys may fall in several partitions, so the driver merges the partitions' codes:
    these are the largest arrays it holds (every pair sharing a rare term, tens of them a
    document). Each code is packed with its count in one 64-bit value and sorted in place,
    which needs a quarter of the memory of ``np.unique(..., return_inverse=True)``.
    """
    total = sum(len(r[0]) for r in results)
    limit = (1 << (63 - _COUNT_BITS)) - 1
    if n * n > limit or any(len(r[1]) and int(r[1].max()) >= 1 << _COUNT_BITS
                            for r in results):  # too large to pack: the plain way
        codes = np.concatenate([r[0] for r in results]) if results else np.zeros(0, np.int64)
        counts = np.concatenate([r[1] for r in results]) if results else np.zeros(0, np.int64)
        unique, inverse = np.unique(codes, return_inverse=True)
        summed = np.bincount(inverse.reshape(-1), weights=counts, minlength=len(unique))
        return unique, summed.astype(np.int64)
    packed = np.empty(total, dtype=np.int64)
    at = 0
    for k, (codes, counts) in enumerate(results):
        end = at + len(codes)
        np.left_shift(codes, _COUNT_BITS, out=packed[at:end])
        packed[at:end] |= counts
        at = end
        results[k] = (np.zeros(0, np.int64), np.zeros(0, np.int64))  # let it go now
    packed.sort()
    low = np.empty(total, dtype=np.uint8)
    np.bitwise_and(packed, (1 << _COUNT_BITS) - 1, out=low, casting="unsafe")
    packed >>= _COUNT_BITS  # the codes, sorted
    if total == 0:
        return packed, np.zeros(0, np.int64)
    fresh = np.empty(total, dtype=bool)
    fresh[0] = True
    np.not_equal(packed[1:], packed[:-1], out=fresh[1:])
    starts = np.flatnonzero(fresh)
    del fresh
    summed = np.add.reduceat(low, starts, dtype=np.int64)
    return packed[starts], summed


def dedup_shards(work: str | os.PathLike[str], shards: Sequence[IndexedShard],
                 config: DedupConfig, run: RunMap, partitions: int,
                 semantic: SemanticVerifier | None = None,
                 cache: VerdictCache | None = None, *,
                 spill_evidence: bool = False) -> DedupResult:
    """Phases 2–6 over the shards the index phase wrote to ``work``; returns the result.

    ``cache`` keeps lexical verdicts between builds (an incremental build verifies only the
    pairs it has not seen; semantic verdicts are never cached).

    ``run`` maps a stage's tasks (an executor's ``map`` with progress); ``partitions`` must be
    the count the index phase used; ``semantic`` is the verifier of
    :func:`~corpus.dedup.semantic.semantic_verifier` when ``config`` turns it on (opened by
    the caller before reading anything, so a missing extra fails at once). Deterministic:
    independent of the executor, the worker count and how the documents were split into shards.

    ``spill_evidence`` is for a build, whose ``clusters.parquet`` has every aligned passage but
    whose card shows one a member: each evidence task writes its clusters' ``clusters.parquet``
    rows to the work folder, where :func:`spilled_cluster_rows` reads them back in cluster-id
    order, and the result keeps each member's best passage only (the most similar, the first of
    equals). So the driver never holds every member's passages as Python objects.
    """
    work = os.fspath(work)
    meta = _load_meta(work, shards)
    n = meta.size
    if n == 0:
        if spill_evidence:
            _save_evidence_index(work, [])
        return DedupResult(documents=0, clusters=())
    by_rank = meta.ids.sort_order()
    rank = np.empty(n, dtype=np.int64)
    rank[by_rank] = np.arange(n)
    np.save(os.path.join(work, "rank.npy"), rank, allow_pickle=False)
    live = np.flatnonzero(meta.words > 0).astype(np.int64)

    def pair_of(code: int) -> Pair:
        return int(by_rank[code // n]), int(by_rank[code % n])

    union = _Union()  # over linked documents only
    links: dict[Pair, PairVerdict] = {}

    # Exact copies: equal key digests, chained in id order.
    _, digest_group = np.unique(meta.digests[live], axis=0, return_inverse=True)
    exact = _bucket_pairs(digest_group.reshape(-1).astype(np.uint64), live, rank, n, 2)
    exact_pairs = [pair_of(c) for c in np.unique(exact).tolist()]
    for left, right in exact_pairs:
        union.union(left, right)

    # Near copies: MinHash LSH candidates, and documents sharing a whole paragraph (a
    # truncated copy has a low Jaccard but keeps its paragraphs), on exact n-gram measures.
    # Pairs stay arrays (sorted codes: in id order) until verified.
    settings = config.candidate_settings
    lsh, _ = _shuffle(run, work, "band", partitions, meta, shards, settings.max_bucket)
    anchored_all, _ = _shuffle(run, work, "anchor", partitions, meta, shards,
                               settings.max_bucket, skip_above=settings.df_cap(len(live)))
    anchored = np.setdiff1d(anchored_all, lsh)
    del anchored_all
    near = _Pairs.of_codes(np.sort(np.concatenate([lsh, anchored])), by_rank, n)
    near = near.take(np.flatnonzero(
        (meta.digests[near.left] != meta.digests[near.right]).any(axis=1)))
    passed = _verify_all(run, work, meta, config, near, False, "dedup: verify near copies",
                         cache, 0)
    verified = len(near)
    for position in sorted(passed):
        pair = near[position]
        links[pair] = passed[position]
        union.union(*pair)
    failed = np.ones(len(near), dtype=bool)
    failed[np.fromiter(passed, dtype=np.int64, count=len(passed))] = False
    not_near = rank[near.left[failed]] * n + rank[near.right[failed]]
    del near, passed, failed
    trim_memory()  # each phase's arrays are freed before the next one's peak
    near_groups = union.groups()

    # Rewrites, among one representative per near group: the member the keep policy
    # would keep, so a deduplicated corpus is made of the same representatives.
    near_links: dict[int, dict[Pair, PairVerdict]] = {}
    for pair, found in links.items():
        near_links.setdefault(union.find(pair[0]), {})[pair] = found
    grouped = np.fromiter((i for g in near_groups for i in g), dtype=np.int64)
    chosen = np.array([_canonical(g, meta, near_links.get(union.find(g[0]), {}), config)[0]
                       for g in near_groups], dtype=np.int64)
    representatives = np.union1d(np.setdiff1d(live, grouped), chosen)
    del near_links, grouped, chosen, near_groups
    # Kept for explanations (corpus.dedup.explain): who took part in rare-term candidates.
    np.save(os.path.join(work, "representatives.npy"), representatives, allow_pickle=False)
    rare = np.zeros(0, dtype=np.int64)
    semantic_verified = semantic_rewrites = recounted = 0
    phrased = np.zeros(0, dtype=np.int64)
    if config.rewrites:
        # Word pairs first: the rare-term recount reads the common phrases they leave.
        phrased = _phrase_candidates(run, work, meta, shards, settings, partitions,
                                     representatives)
        rare, recounted = _rare_candidates(run, work, meta, shards, settings, partitions,
                                           representatives, by_rank)
        phrased = np.setdiff1d(phrased, rare)
        pairs = _Pairs.of_codes(np.union1d(np.union1d(rare, phrased), not_near), by_rank,
                                n)  # in id order
        passed = _verify_all(run, work, meta, config, pairs, True, "dedup: verify rewrites",
                             cache, 1)
        verified += len(pairs)
        for position in sorted(passed):
            pair = pairs[position]
            links[pair] = passed[position]
            union.union(*pair)
        if semantic is not None:
            rejected = np.ones(len(pairs), dtype=bool)
            rejected[np.fromiter(passed, dtype=np.int64, count=len(passed))] = False
            with _Spools(work) as spools:
                verifier = _Verifier(spools, _AllLocations(meta), config, semantic)
                for position in np.flatnonzero(rejected).tolist():  # id order: deterministic
                    left, right = pairs[position]
                    if union.find(left) == union.find(right):
                        continue
                    found = semantic.verify(left, verifier.profile(left), right,
                                            verifier.profile(right))
                    if found.relation is not Relation.UNIQUE:
                        links[(left, right)] = found
                        union.union(left, right)
            semantic_verified = semantic.verified
            semantic_rewrites = len(semantic.accepted)
        del pairs, passed
    del not_near
    trim_memory()

    # Clusters: exact twins are linked too, so every member has a path to the canonical.
    by_root: dict[int, dict[Pair, PairVerdict]] = {}
    for pair, found in links.items():
        by_root.setdefault(union.find(pair[0]), {})[pair] = found
    exact_link = PairVerdict(Relation.EXACT, 1.0, 1.0, 1.0, 1.0, 0, 0.0, 0, 1.0, True, True,
                             ())
    for pair in exact_pairs:
        by_root.setdefault(union.find(pair[0]), {}).setdefault(pair, exact_link)
    specs: list[_ClusterSpec] = []
    with _Spools(work) as spools:
        checker = _Verifier(spools, _AllLocations(meta), config, semantic,
                            cache if semantic is None else None)
        for group in union.groups():
            specs += _stars(group, meta, by_root.get(union.find(group[0]), {}), config,
                            checker)
        checker.save()
    duplicates = len(links) + len(exact_pairs)
    del by_root, links  # the verdicts (and their passages): the evidence stage relates again
    trim_memory()
    batches = _relate_all(run, work, meta, config, specs, semantic, cache, spill_evidence)
    del specs
    if spill_evidence:
        _save_evidence_index(work, batches)
    clusters = sorted((c for batch in batches for c in batch), key=lambda c: c.id)
    del batches
    _forget_profiles()
    if cache is not None:
        # The verdicts and passages of pairs whose texts changed or left, once they are many.
        cache.prune_pairs(row.tobytes() for row in meta.contents)
    stats = DedupStats(
        empty=n - len(live),
        exact_pairs=len(exact_pairs),
        minhash_candidates=len(lsh),
        paragraph_candidates=len(anchored),
        rare_term_candidates=len(rare),
        word_pair_candidates=len(phrased),
        recounted_candidates=recounted,
        verified=verified,
        duplicates=duplicates,
        semantic_verified=semantic_verified,
        semantic_rewrites=semantic_rewrites,
    )
    return DedupResult(documents=n, clusters=tuple(clusters), stats=stats)


def _phrase_candidates(run: RunMap, work: str, meta: _Meta, shards: Sequence[IndexedShard],
                       settings: CandidateConfig, partitions: int, reps: I64) -> I64:
    """Candidate codes from shared word pairs: representatives (``reps``, as
    ``representatives.npy`` of ``work`` holds them) whose word-pair sketches
    (:func:`_word_pairs`) share ``min_shared_pairs`` values. A value in more representatives'
    sketches than the rare-term cap is a common phrase and pairs nothing; the near copies a
    representative stands for do not count toward that."""
    if not settings.word_pairs or len(reps) < 2:
        return np.zeros(0, dtype=np.int64)
    codes, _ = _shuffle(run, work, "phrase", partitions, meta, shards, settings.max_bucket,
                        skip_above=settings.df_cap(len(reps)), stage="dedup: group word pairs",
                        min_count=settings.min_shared_pairs, only="representatives.npy",
                        write_common=_recounts(settings))
    return codes


def _recounts(settings: CandidateConfig) -> bool:
    """Whether pairs counted one rare term short get an exact recount (those whose sketches
    share ``min_shared_pairs - 1`` word pairs: :func:`_rare_candidates`)."""
    return bool(settings.rare_terms and settings.word_pairs and settings.min_shared > 1
                and settings.min_shared_pairs > 1)


def _rare_candidates(run: RunMap, work: str, meta: _Meta, shards: Sequence[IndexedShard],
                     settings: CandidateConfig, partitions: int, reps: I64,
                     by_rank: I64) -> tuple[I64, int]:
    """Candidate codes from shared rare stems (see :class:`CandidateConfig`), and how many
    of them were recounted.

    A key shared by more than ``max_bucket`` representatives only links them in a chain (id
    order), so a pair can share ``min_shared`` kept terms and be counted fewer. The pairs
    counted one term short whose word-pair sketches share at least ``min_shared_pairs - 1``
    values that are not common phrases (counted exactly, :func:`_word_pair_gate_task`: two
    weak signs of copying) have their shared kept terms counted exactly
    (:func:`_recount_task`, a map over the partitions) and become candidates when those
    reach ``min_shared``."""
    if not settings.rare_terms or len(reps) < 2:
        return np.zeros(0, dtype=np.int64), 0
    tasks = []
    for k, shard in enumerate(shards):
        low, high = meta.bases[k], meta.bases[k] + shard.documents
        local = reps[(reps >= low) & (reps < high)] - low
        tasks.append(_StemTask(work, shard.shard, low, local, settings, partitions))
    counted = run(_count_task, tasks, "dedup: count terms", [len(t.representatives)
                                                              for t in tasks])
    df = np.zeros(_DF_BUCKETS, dtype=np.int32)
    for buckets, counts in counted:
        np.add.at(df, buckets, counts.astype(np.int32))
    np.save(os.path.join(work, "df.npy"), df, allow_pickle=False)
    cap = settings.df_cap(len(reps))
    selecting = [_StemTask(t.work, t.shard, t.base, t.representatives, t.settings, partitions,
                           select=True, cap=cap) for t in tasks]
    run(_select_task, selecting, "dedup: pick rare terms", [len(t.representatives)
                                                             for t in selecting])
    recounts = _recounts(settings)
    codes, _ = _shuffle(run, work, "rare", partitions, meta, shards, settings.max_bucket,
                        stage="dedup: group rare terms", min_count=settings.min_shared,
                        write_short=recounts)
    if not recounts:
        return codes, 0
    bases = _shard_bases(meta, shards)
    common = [os.path.join(work, f"common-phrase-{p:03d}.npy") for p in range(partitions)]
    np.save(os.path.join(work, "common.npy"),
            np.concatenate([np.load(path) for path in common if os.path.exists(path)]
                           or [np.zeros(0, np.uint64)]), allow_pickle=False)
    np.save(os.path.join(work, "by-rank.npy"), by_rank, allow_pickle=False)
    # The rare-term shuffle split its pairs in parts (min_shared > 1); a task takes as many
    # as there are to a key partition.
    per = _PARTS_PER_PARTITION
    short = np.concatenate(run(_word_pair_gate_task,
                               [_GateTask(work, tuple(range(per * p, per * p + per)), bases,
                                          meta.size, settings.min_shared_pairs - 1,
                                          settings.word_pairs)
                                for p in range(partitions)],
                               "dedup: recount rare terms", [1] * partitions))
    if len(short) == 0:
        return codes, 0
    short.sort()
    np.save(os.path.join(work, "recount.npy"), short, allow_pickle=False)
    shared = run(_recount_task, [_RecountTask(work, p, bases, meta.size)
                                 for p in range(partitions)],
                 "dedup: recount rare terms", [1] * partitions)
    exact = np.sum(shared, axis=0)
    recounted = short[exact >= settings.min_shared]
    return np.union1d(codes, recounted), len(recounted)


def _stars(group: list[int], meta: _Meta, links: dict[Pair, PairVerdict],
           config: DedupConfig, checker: _Verifier) -> list[_ClusterSpec]:
    """Split a connected group of verified links into clusters that do not chain.

    Rounds over the documents not yet placed, until no verified link is left among them: in
    every connected component, the *center* is the member with the highest sum of verified
    pair scores (ties: lowest id); its star is the center with every member verified against
    it. The keep policy picks the canonical document of the star, and the cluster is the
    canonical document with every member of the *component* verified against it (the
    center at least, so every round places documents): a document verified against the
    canonical one joins it even when it is not verified against the center (a condensed
    retelling of a source whose moderate rewrite is the center). Documents left out go to
    the next round. A pair without a candidate link is verified on demand. So every member
    of a cluster is verified against its canonical document, and a document linked to two
    clusters (a text written independently on the same story) joins at most one of them,
    unless its links (or those it adds to the member it is linked to) make it or that member
    the center of a star across both (``docs/dedup.md``, "Clusters that do not chain").
    """
    verdicts: dict[Pair, PairVerdict] = dict(links)

    def key(a: int, b: int) -> Pair:
        return (a, b) if meta.ids[a] < meta.ids[b] else (b, a)

    def linked(a: int, b: int) -> bool:
        pair = key(a, b)
        found = verdicts.get(pair)
        if found is None:
            found = verdicts[pair] = checker.verify(*pair)
        return found.relation is not Relation.UNIQUE

    def unknown(pairs: list[Pair]) -> None:
        """Load the cached verdicts of the ``pairs`` that ``linked`` may ask for and that
        are not known yet, in one query (an incremental build asks thousands)."""
        wanted = [key(a, b) for a, b in pairs if a != b and key(a, b) not in verdicts]
        if wanted:
            checker.prefetch(wanted, align=True)

    specs: list[_ClusterSpec] = []
    remaining = sorted(group, key=lambda i: meta.ids[i])
    while len(remaining) > 1:
        local = {item: k for k, item in enumerate(remaining)}  # sets over this group only
        union = UnionFind(len(remaining))
        weight: dict[int, float] = dict.fromkeys(remaining, 0.0)
        for (left, right), found in links.items():
            if left in local and right in local:
                union.union(local[left], local[right])
                weight[left] += found.score
                weight[right] += found.score
        components = [[remaining[k] for k in g] for g in union.groups(range(len(remaining)))]
        if not components:
            break
        placed: set[int] = set()
        for component in components:
            center = _center(component, weight, meta)
            unknown([(center, i) for i in component])
            star = [center] + [i for i in component if i != center and linked(center, i)]
            unknown([(a, b) for k, a in enumerate(star) for b in star[k + 1:]])
            canonical, reason = _hub(star, center, meta, verdicts, config, linked)
            unknown([(canonical, i) for i in component])
            members = [canonical] + [i for i in component
                                     if i != canonical and linked(canonical, i)]
            placed.update(members)
            chosen = {key(canonical, i): verdicts[key(canonical, i)] for i in members
                      if i != canonical}
            specs.append(_spec(sorted(members), meta, chosen, config, canonical, reason))
        remaining = [i for i in remaining if i not in placed]
    return specs


def _center(component: list[int], weight: dict[int, float], meta: _Meta) -> int:
    """The center of a connected part: the member with the highest sum of verified pair
    scores (``weight``), ties to the lowest id. The heaviest links rather than the most links:
    on simulated link graphs with weak false links the count clusters worse
    (``benchmarks/sim_stars.py``)."""
    return min(component, key=lambda i: (-round(weight[i], 6), meta.ids[i]))


def _hub(star: list[int], center: int, meta: _Meta, verdicts: dict[Pair, PairVerdict],
         config: DedupConfig, linked: Callable[[int, int], bool]) -> tuple[int, str]:
    """The canonical document of a star: the member the keep policy prefers among those
    verified against every other member of the star (the center always is), each member's
    closeness counted against the whole star over the verdicts known: the run's links and
    each member's verdict against the center (no pair is verified for it: a star of a
    hundred copies of a wire story would ask for five thousand).

    Without that condition the policy could keep a member that only the center links to
    (say the longest text, a heavy rewrite of the source, while the source's near copy links
    to the source alone): the copy would then leave the cluster of its own source.
    """
    pool = list(star)
    passed: list[str] = []
    while len(pool) > 1:
        canonical, reason = _canonical(pool, meta, verdicts, config, star)
        if canonical == center or all(linked(canonical, i) for i in star if i != canonical):
            break
        passed.append(meta.ids[canonical])
        pool.remove(canonical)
    else:
        canonical, reason = center, "the member verified against every other one"
    if passed:
        reason = (f"{', '.join(passed)} not verified against every member; "
                  f"{reason or 'the member verified against every other one'}")
    return canonical, reason


def _spec(group: list[int], meta: _Meta, links: dict[Pair, PairVerdict],
          config: DedupConfig, canonical: int = -1, reason: str = "") -> _ClusterSpec:
    if canonical < 0:
        canonical, reason = _canonical(group, meta, links, config)
    neighbours: dict[int, list[int]] = {i: [] for i in group}
    for left, right in links:
        neighbours[left].append(right)
        neighbours[right].append(left)
    parent = {canonical: canonical}
    queue = [canonical]
    for current in queue:  # breadth first: each member's path towards the canonical one
        for nxt in sorted(neighbours[current], key=lambda i: meta.ids[i]):
            if nxt not in parent:
                parent[nxt] = current
                queue.append(nxt)
    members = tuple((i, meta.ids[i], int(meta.seqs[i]), meta.names[i]) for i in sorted(group))
    return _ClusterSpec(members, canonical, reason, parent)


def _relate_all(run: RunMap, work: str, meta: _Meta, config: DedupConfig,
                specs: list[_ClusterSpec], semantic: SemanticVerifier | None,
                cache: VerdictCache | None = None, spill: bool = False
                ) -> list[list[Cluster]]:
    """The clusters of ``specs``, by batch (an evidence task each, or run here with semantic
    verification on: the model lives in this process). With ``spill``, batch ``k`` wrote its
    rows to evidence work file ``k`` and keeps each member's best passage only."""
    batches: list[list[_ClusterSpec]] = []
    batch: list[_ClusterSpec] = []
    size = 0
    for spec in specs:
        batch.append(spec)
        size += len(spec.members)
        if size >= _MEMBERS_PER_TASK:
            batches.append(batch)
            batch, size = [], 0
    if batch:
        batches.append(batch)
    if semantic is not None:
        with _Spools(work) as spools:
            verifier = _Verifier(spools, _AllLocations(meta), config, semantic)
            if not spill:
                return [[_relate(spec, verifier) for spec in specs]]
            return [_relate_batch(b, verifier, work, k) for k, b in enumerate(batches)]
    tasks = [_relate_task_of(work, config, meta, b, cache, k if spill else -1)
             for k, b in enumerate(batches)]
    del batches
    return run(_relate_task, tasks, _EVIDENCE,
               [sum(len(s.members) for s in t.clusters) for t in tasks])


def _relate_task_of(work: str, config: DedupConfig, meta: _Meta, specs: list[_ClusterSpec],
                    cache: VerdictCache | None = None, part: int = -1) -> _RelateTask:
    items = {m[0] for s in specs for m in s.members}
    return _RelateTask(work, config, tuple(specs), _locations(meta, items), cache, part)


def _save_evidence_index(work: str, batches: list[list[Cluster]]) -> None:
    """Where each cluster's rows are in the evidence work files, in cluster-id order (the
    result's order): ``(part, first row, rows)`` a cluster."""
    found: list[tuple[str, int, int, int]] = []
    for part, clusters in enumerate(batches):
        first = 0
        for cluster in clusters:
            found.append((cluster.id, part, first, len(cluster.members)))
            first += len(cluster.members)
    found.sort()
    index = np.array([entry[1:] for entry in found], dtype=np.int64).reshape(-1, 3)
    np.save(_evidence_index_path(work), index, allow_pickle=False)


def spilled_cluster_rows(work: str | os.PathLike[str]) -> Iterator[pa.RecordBatch]:
    """The ``clusters.parquet`` rows of a :func:`dedup_shards` run with ``spill_evidence``,
    read back from the work folder: the rows of :func:`corpus.schema.cluster_rows` for the
    full result (every aligned passage), in the same order, :data:`_ROWS_PER_BATCH` a batch.

    The evidence work files are memory-mapped; each batch is a copy of its rows, so what stays
    in memory is what the caller keeps of the batches (as Arrow data: no Python object a row).
    """
    from corpus.schema import CLUSTERS_SCHEMA  # it imports corpus.dedup

    work = os.fspath(work)
    index = np.load(_evidence_index_path(work), allow_pickle=False)
    parts: dict[int, pa.Table] = {}
    pending: list[pa.Table] = []
    count = 0

    def batch() -> pa.RecordBatch:
        table = pa.concat_tables(pending).combine_chunks()
        return pa.RecordBatch.from_arrays(
            [table.column(name).chunk(0) for name in CLUSTERS_SCHEMA.names],
            schema=CLUSTERS_SCHEMA)

    for part, first, rows in index.tolist():
        table = parts.get(part)
        if table is None:
            source = pa.memory_map(_evidence_path(work, part))
            table = parts[part] = pa.ipc.open_file(source).read_all()  # no copy
        while rows:
            take = min(rows, _ROWS_PER_BATCH - count)
            pending.append(table.slice(first, take))
            first, rows, count = first + take, rows - take, count + take
            if count == _ROWS_PER_BATCH:
                yield batch()
                pending, count = [], 0
    if pending:
        yield batch()


def serial_run(fn: Callable[[Any], Any], tasks: Sequence[Any], stage: str,
               weights: Sequence[int]) -> list[Any]:
    """A :data:`RunMap` that runs every task in this process, in order, without progress."""
    return [fn(task) for task in tasks]


def find_in_folder(docs: Iterable[Document], config: DedupConfig, work: Path) -> DedupResult:
    """Index ``docs`` as one shard in ``work`` and run every phase in this process."""
    with semantic_verifier(config) as semantic:  # a missing extra fails before any reading
        with ShardIndexer(work, 0, config, 1) as indexer:
            for doc in docs:
                indexer.add(doc)
            shard = indexer.close()
        return dedup_shards(work, [shard], config, serial_run, 1, semantic)
