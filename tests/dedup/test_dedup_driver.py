"""The dedup driver's compact structures agree with the plain Python ones they replace: packed
strings with a list of str, the sparse union-find with :class:`UnionFind` over every document,
the packed merge of shuffle counts with ``np.unique``, the local verification order with the
candidate graph's components, the set of unique pairs with exact membership, a writer's
partitioned key file with a file per partition; and a repeated id is still reported with both
of its files."""

from __future__ import annotations

import dataclasses
import os
import pickle
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from corpus.dedup.align import PairVerdict
from corpus.dedup.cluster import UnionFind
from corpus.dedup.config import DedupConfig
from corpus.dedup.phases import (
    _MIN_PAIRS_PER_TASK,
    _MIN_TASKS,
    _PAIRS_PER_TASK,
    TEXT_KIND,
    IndexEntry,
    ShardIndexer,
    _canonical,
    _held,
    _local_order,
    _merge_counts,
    _pair_hashes,
    _Pairs,
    _pairs_per_task,
    _read_partition,
    _Spools,
    _stars,
    _Strings,
    _Union,
    _UniquePairs,
    _write_partitions,
    dedup_shards,
    serial_run,
)
from corpus.errors import CorpusError
from corpus.records import Relation, SourceRef
from corpus.text.keys import hashing_key
from pickling import unpickled_by_constructor

from .helpers import seed_docs

_HEX = st.text("0123456789abcdef", min_size=16, max_size=16)
_ANY = st.text(max_size=12) | st.sampled_from(["caf\udce9.txt", "\udcff", "a\x00b", ""])


def _first_repeat(texts: list[str]) -> tuple[int, int] | None:
    seen: dict[str, int] = {}
    for position, text in enumerate(texts):
        if text in seen:
            return seen[text], position
        seen[text] = position
    return None


@settings(max_examples=300, deadline=None)
@given(st.lists(_HEX, max_size=40) | st.lists(_ANY, max_size=40))
@example(["b" * 16, "a" * 16, "b" * 16, "a" * 16])
@example(["x", "x\x00", "x"])
def test_packed_strings_agree_with_the_list(texts: list[str]) -> None:
    packed = _Strings.of(texts)
    assert len(packed) == len(texts)
    assert list(packed) == texts
    assert packed[:] == texts
    if texts:
        assert packed[-1] == texts[-1]
    assert packed.sort_order().tolist() == sorted(range(len(texts)), key=texts.__getitem__)
    assert packed.first_repeat() == _first_repeat(texts)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(_ANY, max_size=6), max_size=5))
def test_packed_strings_concatenate_in_order(parts: list[list[str]]) -> None:
    joined = _Strings.concat([_Strings.of(part) for part in parts])
    assert list(joined) == [text for part in parts for text in part]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 10**6)), max_size=300),
       st.integers(1, 17))
def test_a_partitioned_key_file_reads_back_each_partition_in_order(
        records: list[tuple[int, int]], partitions: int) -> None:
    """Each partition reads back exactly the records whose key falls in it, in the order they
    were given (what the grouping tasks read of every shard), and all of them together; the
    writer makes one file, whatever the number of partitions."""
    keys = np.array([k for k, _ in records], dtype=np.uint64)
    docs = np.array([d for _, d in records], dtype=np.int64)
    with tempfile.TemporaryDirectory() as work:
        _write_partitions(work, "band", 3, partitions, keys, docs)
        assert os.listdir(work) == ["keys-band-00003.bin"]
        every = []
        for p in range(partitions):
            got = _read_partition(work, "band", 3, p)
            assert [(int(k), int(d)) for k, d in zip(got["key"], got["doc"], strict=True)] == [
                (k, d) for k, d in records if k % partitions == p]
            every += [(int(k), int(d)) for k, d in zip(got["key"], got["doc"], strict=True)]
        whole = _read_partition(work, "band", 3)
        assert [(int(k), int(d)) for k, d in zip(whole["key"], whole["doc"], strict=True)
                ] == every
        got["doc"] += 1  # writable: a reader may shift positions in place


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=40), st.binary(min_size=16, max_size=16), _ANY,
       st.binary(min_size=16, max_size=16), st.lists(st.integers(0, 2**64 - 1), max_size=4),
       st.integers(0, 10**6), st.binary(max_size=24), st.binary(max_size=24),
       st.binary(max_size=24))
def test_a_cached_index_entry_unpickles_whole_and_by_its_constructor(
        record: bytes, content: bytes, credit: str, digest: bytes, anchors: list[int],
        words: int, bands: bytes, stems: bytes, pairs: bytes) -> None:
    """Every field survives the cache's pickling, and unpickling calls the constructor, not
    the dataclass's state protocol (3.5 times slower, for every cached document of a
    rebuild)."""
    entry = IndexEntry(record, content, credit, digest, tuple(anchors), words, bands, stems,
                       pairs)
    assert unpickled_by_constructor(entry) == entry


@pytest.mark.parametrize("cut", [0, 5, 8 + 8 * 3, 8 + 8 * 3 + 16 * 2 + 3])
def test_a_key_file_cut_short_is_an_error_naming_it(tmp_path: Path, cut: int) -> None:
    keys = np.arange(10, dtype=np.uint64)
    _write_partitions(str(tmp_path), "rare", 0, 2, keys, np.arange(10, dtype=np.int64))
    path = tmp_path / "keys-rare-00000.bin"
    path.write_bytes(path.read_bytes()[:cut])
    with pytest.raises(OSError, match=r"keys-rare-00000\.bin"):
        _read_partition(str(tmp_path), "rare", 0, 1)


def test_packed_strings_refuse_positions_outside() -> None:
    packed = _Strings.of(["a", "b"])
    with pytest.raises(IndexError):
        packed[2]
    with pytest.raises(IndexError):
        packed[-3]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=40))
def test_sparse_union_find_groups_like_the_full_one(edges: list[tuple[int, int]]) -> None:
    full, sparse = UnionFind(31), _Union()
    for a, b in edges:
        full.union(a, b)
        sparse.union(a, b)
    assert sparse.groups() == full.groups(range(31))
    for item in range(31):
        assert (sparse.find(item) == sparse.find(0)) == (full.find(item) == full.find(0))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.integers(0, 99), st.integers(1, 64), max_size=30),
                max_size=5))
def test_merged_counts_are_the_sums_by_code(parts: list[dict[int, int]]) -> None:
    results = [(np.array(sorted(p), dtype=np.int64),
                np.array([p[c] for c in sorted(p)], dtype=np.int64)) for p in parts]
    summed: dict[int, int] = {}
    for part in parts:
        for code, count in part.items():
            summed[code] = summed.get(code, 0) + count
    codes, counts = _merge_counts(results, 10)
    assert codes.tolist() == sorted(summed)
    assert counts.tolist() == [summed[c] for c in sorted(summed)]


def test_merged_counts_too_large_to_pack_are_merged_the_plain_way() -> None:
    results = [(np.array([3, 5], dtype=np.int64), np.array([300, 1], dtype=np.int64)),
               (np.array([5], dtype=np.int64), np.array([2], dtype=np.int64))]
    codes, counts = _merge_counts(results, 10)
    assert codes.tolist() == [3, 5]
    assert counts.tolist() == [300, 3]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 25), st.integers(0, 25)).filter(lambda p: p[0] != p[1]),
                max_size=40, unique=True))
def test_local_order_keeps_every_pair_and_each_component_together(
        pairs: list[tuple[int, int]]) -> None:
    left = np.array([p[0] for p in pairs], dtype=np.int64)
    right = np.array([p[1] for p in pairs], dtype=np.int64)
    order = _local_order(left, right).tolist()
    assert sorted(order) == list(range(len(pairs)))
    union = UnionFind(26)
    for a, b in pairs:
        union.union(a, b)
    roots = [union.find(pairs[k][0]) for k in order]
    # Each component's pairs form one run: a root, once left, never comes back.
    runs = [r for k, r in enumerate(roots) if k == 0 or roots[k - 1] != r]
    assert len(runs) == len(set(runs))


def test_pairs_view_reads_like_a_list_of_tuples() -> None:
    pairs = _Pairs(np.array([4, 1], dtype=np.int64), np.array([7, 9], dtype=np.int64))
    assert list(pairs) == [(4, 7), (1, 9)]
    assert pairs[1] == (1, 9)
    assert list(pairs.take(np.array([1]))) == [(1, 9)]


def test_a_repeated_id_names_both_files_even_across_shards(tmp_path: Path) -> None:
    config = DedupConfig()
    first, other, again = seed_docs()[:3]
    again = dataclasses.replace(first, source=SourceRef("elsewhere/copy.txt"))
    shards = []
    for number, docs in enumerate([[first, other], [again]]):
        with ShardIndexer(tmp_path, number, config, 1) as indexer:
            for doc in docs:
                indexer.add(doc)
            shards.append(indexer.close())
    with pytest.raises(CorpusError, match="occurs twice") as raised:
        dedup_shards(tmp_path, shards, config, serial_run, 1)
    message = str(raised.value)
    assert repr(first.id) in message
    assert f"({first.source} and elsewhere/copy.txt)" in message


@settings(max_examples=50)
@given(st.integers(2, 40), st.data())
def test_the_set_of_unique_pairs_holds_exactly_the_pairs_put_in(count: int,
                                                                data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    contents = rng.integers(0, 2**64, size=(count, 2), dtype=np.uint64)
    every = [(a, b) for a in range(count) for b in range(count) if a != b]
    chosen = data.draw(st.lists(st.sampled_from(every), unique=True, max_size=30))
    stored = _Pairs(np.array([a for a, _ in chosen], np.int64),
                    np.array([b for _, b in chosen], np.int64))
    unique = _UniquePairs.of(*_pair_hashes(contents, stored, True))
    asked = _Pairs(np.array([a for a, _ in every], np.int64),
                   np.array([b for _, b in every], np.int64))
    held = unique.holds(*_pair_hashes(contents, asked, True))
    assert [pair for pair, hit in zip(every, held.tolist(), strict=True) if hit] == sorted(chosen)
    # The other kind of verification, and the other order of a pair, are other pairs.
    assert not unique.holds(*_pair_hashes(contents, asked, False)).any()


def test_a_pair_whose_first_hash_another_shares_is_not_taken_as_held() -> None:
    """Only a match of both hashes counts: a pair is then looked up as if the set lacked it."""
    unique = _UniquePairs.of(np.array([7, 7, 9], np.uint64), np.array([1, 2, 3], np.uint64))
    held = unique.holds(np.array([7, 7, 9, 9], np.uint64), np.array([1, 5, 3, 4], np.uint64))
    assert held.tolist() == [True, False, True, False]
    assert not _UniquePairs.of(np.zeros(0, np.uint64), np.zeros(0, np.uint64)).holds(
        np.array([7], np.uint64), np.array([1], np.uint64)).any()


def test_without_a_cache_no_pair_is_hashed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    """The pairs' hashes name them in the cache's set of unique pairs: without a cache
    (``--no-cache``, a ``--scheduler`` cluster) they are not computed."""
    from corpus.dedup import phases

    def refuse(*args: object) -> object:
        raise AssertionError("pairs hashed without a cache")

    monkeypatch.setattr(phases, "_pair_hashes", refuse)
    config = DedupConfig()
    with ShardIndexer(tmp_path, 0, config, 1) as indexer:
        for doc in seed_docs():
            indexer.add(doc)
        shard = indexer.close()
    found = dedup_shards(tmp_path, [shard], config, serial_run, 1)
    assert [sorted(m.id for m in c.members) for c in found.clusters] == [
        sorted(d.id for d in seed_docs()[2:4])]


@given(st.integers(0, 200_000))
@example(1_020)  # a rebuild's new pairs at 10,000 documents: one task of 2,048 before
def test_a_small_verification_stage_still_makes_several_tasks(count: int) -> None:
    size = _pairs_per_task(count)
    tasks = -(-count // size)
    assert _MIN_PAIRS_PER_TASK <= size <= _PAIRS_PER_TASK
    assert tasks >= min(_MIN_TASKS, -(-count // _MIN_PAIRS_PER_TASK))


# -- clusters that do not chain: the canonical document's own links -----------------------


def _verdict(score: float) -> PairVerdict:
    relation = Relation.UNIQUE if score <= 0 else Relation.REWRITE
    return PairVerdict(relation, score, 0.0, 0.0, 0.0, 0, 0.0, 0, score, False, False, ())


def _measured(a: set[int], b: set[int]) -> PairVerdict:
    """A verdict with the Jaccard and containment of ``a`` and ``b``, as verification gives
    them (rounded to four places)."""
    shared = len(a & b)
    jaccard = shared / len(a | b) if a | b else 0.0
    containment = shared / min(len(a), len(b)) if a and b else 0.0
    return PairVerdict(Relation.REWRITE, 0.5, round(jaccard, 4), round(containment, 4), 0.0, 0,
                       0.0, 0, 0.5, False, False, ())


@given(st.sets(st.integers(0, 400), min_size=1, max_size=300),
       st.sets(st.integers(0, 400), min_size=1, max_size=300))
def test_the_share_each_text_holds_is_found_from_jaccard_and_containment(
    a: set[int], b: set[int],
) -> None:
    left, right = _held(_measured(a, b), len(a), len(b))
    shared = len(a & b)
    assert left == pytest.approx(shared / len(b), abs=2e-3)  # of the other's 5-grams
    assert right == pytest.approx(shared / len(a), abs=2e-3)


def test_a_long_source_is_kept_before_its_condensed_retelling() -> None:
    """Seed 000 (4,700 words), its condensed retelling R (940 words) and a heavy rewrite H
    (900) linked to R: their Jaccard with the long source is small both ways, so R, which
    shares phrasing with H too, had the larger sum and was kept, and a copy verified against
    the source only then stayed out of the cluster. The source holds more of each copy's
    5-grams than the copies hold of each other."""
    source, retelling, heavy = 0, 1, 2
    ids = ["s" * 16, "r" * 16, "h" * 16]
    meta = SimpleNamespace(ids=ids, names=[f"{k}.txt" for k in ids], seqs=np.array([1, 2, 3]),
                           words=np.array([4700, 940, 900]), credits={})
    s_words = set(range(4700))
    r_words = set(range(0, 1880, 2)) | set(range(10_000, 10_400))  # 940 of the source's
    h_words = set(range(700)) | set(range(10_000, 10_200))  # 700 of it, 200 of R's own
    links = {(0, 1): _measured(s_words, r_words), (0, 2): _measured(s_words, h_words),
             (1, 2): _measured(r_words, h_words)}
    kept, reason = _canonical([source, retelling, heavy], cast(Any, meta), links,
                              DedupConfig())
    assert kept == source, reason
    jaccard_sums = {k: sum(v.jaccard for pair, v in links.items() if k in pair)
                    for k in range(3)}
    assert max(jaccard_sums, key=lambda k: jaccard_sums[k]) != source  # the old measure


class _Unlinked:
    """A verifier that finds every pair it is asked about unique (no candidate link)."""

    def __init__(self) -> None:
        self.asked: list[tuple[int, int]] = []

    def verify(self, left: int, right: int) -> PairVerdict:
        self.asked.append((left, right))
        return _verdict(0.0)

    def prefetch(self, pairs: object, align: bool) -> None:
        pass


def test_a_document_verified_against_the_canonical_one_joins_it_not_only_the_center_s_star(
) -> None:
    """A source S, its moderate rewrite M (the center: its links weigh most), a rewrite H of
    both, and a condensed retelling C verified against S only. The keep policy (``longest``;
    ``original`` would keep M, the member closest to the others) makes S canonical; C is
    verified against S, so it is in S's cluster, though not in M's star (it was left out
    alone, and so lost, before)."""
    s, m, h, c = range(4)
    ids = ["s" * 16, "m" * 16, "h" * 16, "c" * 16]
    meta = SimpleNamespace(ids=ids, names=[f"{k}.txt" for k in ids],
                           seqs=np.array([1, 2, 3, 4]), words=np.array([900, 800, 700, 200]),
                           credits={})
    links = {(s, m): _verdict(0.9), (h, m): _verdict(0.95), (h, s): _verdict(0.5),
             (c, s): _verdict(0.3)}
    links = {(a, b) if ids[a] < ids[b] else (b, a): v for (a, b), v in links.items()}
    checker = _Unlinked()
    specs = _stars([s, m, h, c], cast(Any, meta), links, DedupConfig(keep="longest"),
                   cast(Any, checker))
    assert len(specs) == 1
    assert specs[0].canonical == s
    assert [member[0] for member in specs[0].members] == [s, m, h, c]
    assert (m, c) in checker.asked or (c, m) in checker.asked  # the center's star lacks C


class _Graph:
    """A verifier that answers from a fixed set of verified links (any other pair is unique),
    as the run's verifier answers a pair that was never a candidate."""

    def __init__(self, links: dict[tuple[int, int], PairVerdict]) -> None:
        self.links = links

    def verify(self, left: int, right: int) -> PairVerdict:
        return self.links.get((left, right)) or _verdict(0.0)

    def prefetch(self, pairs: object, align: bool) -> None:
        pass


@st.composite
def _link_graphs(draw: st.DrawFn) -> tuple[list[int], dict[tuple[int, int], PairVerdict]]:
    """Up to 10 documents of random lengths and random verified links between them, at the
    scores a run gives (ids in index order, so a pair's key is (lower, higher))."""
    count = draw(st.integers(2, 10))
    words = draw(st.lists(st.integers(50, 2000), min_size=count, max_size=count))
    pairs = [(a, b) for a in range(count) for b in range(a + 1, count)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs)))
    scores = draw(st.lists(st.sampled_from([0.3, 0.45, 0.6, 0.75, 0.9, 1.0]),
                           min_size=len(chosen), max_size=len(chosen)))
    return words, {pair: _verdict(score) for pair, score in zip(chosen, scores, strict=True)}


def _star_clusters(words: list[int], links: dict[tuple[int, int], PairVerdict],
                   order: list[int]) -> list[tuple[int, list[int]]]:
    ids = [f"{k:016x}" for k in range(len(words))]
    meta = SimpleNamespace(ids=ids, names=[f"{k}.txt" for k in ids],
                           seqs=np.arange(len(words)), words=np.array(words), credits={})
    specs = _stars(order, cast(Any, meta), dict(links), DedupConfig(), cast(Any, _Graph(links)))
    return [(spec.canonical, [member[0] for member in spec.members]) for spec in specs]


@settings(max_examples=300)
@given(_link_graphs(), st.randoms(use_true_random=False))
def test_star_clusters_are_disjoint_and_every_member_is_verified_against_the_canonical(
        graph: tuple[list[int], dict[tuple[int, int], PairVerdict]], rng: Any) -> None:
    """Whatever the links: clusters of two or more documents, none in two clusters, each
    member verified against its cluster's canonical document (never joined through a chain of
    links), a document with no link in none; and the same clusters in any input order."""
    words, links = graph
    order = list(range(len(words)))
    clusters = _star_clusters(words, links, order)
    placed: list[int] = []
    for canonical, members in clusters:
        assert len(members) >= 2
        assert canonical in members
        for member in members:
            if member != canonical:
                assert (min(member, canonical), max(member, canonical)) in links
        placed += members
    assert len(placed) == len(set(placed))
    assert set(placed) <= {item for pair in links for item in pair}
    rng.shuffle(order)
    assert sorted(_star_clusters(words, links, order)) == sorted(clusters)


class _Texts:
    """A text store: a dict by key (picklable, as the work folder needs it)."""

    def __init__(self, records: dict[bytes, bytes]) -> None:
        self.records = records

    def get(self, kind: str, keys: Iterable[bytes]) -> dict[bytes, Any]:
        assert kind == TEXT_KIND
        return {k: self.records[k] for k in keys if k in self.records}


def _entries(tmp_path: Path) -> list[tuple[Any, IndexEntry]]:
    """The index entries of three seed documents, as a cache would receive them."""
    computed: dict[int, IndexEntry] = {}
    docs = seed_docs()[:3]
    (tmp_path / "first").mkdir()
    with ShardIndexer(tmp_path / "first", 0, DedupConfig(), 1,
                      lambda position, entry: computed.__setitem__(position, entry)) as indexer:
        for doc in docs:
            indexer.add(doc)
        indexer.close()
    return [(doc, computed[k]) for k, doc in enumerate(docs)]


def test_a_cached_entry_is_spooled_as_a_reference_and_read_back_from_the_store(
        tmp_path: Path) -> None:
    entries = _entries(tmp_path)
    texts = _Texts({doc.id.encode(): entry.record for doc, entry in entries})
    work = tmp_path / "work"
    work.mkdir()
    with ShardIndexer(work, 0, DedupConfig(), 1, texts=texts) as indexer:
        for doc, entry in entries:
            indexer.add_entry(doc.id, doc.name, str(doc.source), doc.seq,
                              dataclasses.replace(entry, record=b""), doc.id.encode())
        indexer.close()
    # each record is the key only, not the text
    assert (work / "spool-00000.bin").stat().st_size < 100 * len(entries)
    with _Spools(str(work)) as spools:
        offset = 0
        for doc, entry in entries:
            text, key = spools.read(0, offset)
            assert key == entry.key == hashing_key(text)
            assert text
            offset += 16 + len(doc.id.encode())
    texts.records.clear()  # pickled into the work folder: the lost text is the copy's
    (work / "texts-00000.pickle").write_bytes(pickle.dumps(texts))
    with _Spools(str(work)) as spools, pytest.raises(CorpusError, match="lost a document"):
        spools.read(0, 0)


def test_an_entry_without_its_text_needs_a_store_and_a_key(tmp_path: Path) -> None:
    doc, entry = _entries(tmp_path)[0]
    work = tmp_path / "work"
    work.mkdir()
    with ShardIndexer(work, 0, DedupConfig(), 1) as indexer, \
            pytest.raises(CorpusError, match="needs a text store"):
        indexer.add_entry(doc.id, doc.name, str(doc.source), doc.seq,
                          dataclasses.replace(entry, record=b""), doc.id.encode())
