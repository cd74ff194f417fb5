"""The incremental cache's store: values come back as they were put, whatever their size."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.pipeline.cache import Cache, _pack, _unpack


@given(st.binary(max_size=2048))
def test_packing_round_trips_small_and_large_values(data: bytes) -> None:
    assert _unpack(_pack(data)) == data


def test_small_values_are_stored_raw_and_large_ones_compressed() -> None:
    small, large = b"\xff" * 100, b"news " * 1000
    assert _pack(small).endswith(small)
    assert len(_pack(large)) < len(large) // 4
    assert _unpack(_pack(large)) == large


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(st.binary(min_size=1, max_size=16),
                       st.one_of(st.text(), st.binary(max_size=4096), st.integers()),
                       max_size=20))
def test_values_come_back_by_key_in_their_namespace(values: dict[bytes, object]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        cache = Cache(Path(folder) / "c.sqlite", "ns")
        cache.put("doc", values.items())
        assert cache.get("doc", [*values, b"missing-key"]) == values
        assert Cache(Path(folder) / "c.sqlite", "other").get("doc", values) == {}
        cache.close()


def test_values_put_again_replace_the_old_ones_and_replace_clears_a_kind(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.sqlite", "ns")
    cache.put("doc", [(b"a", 1), (b"b", 2)])
    cache.put("doc", [(b"a", "again")])
    cache.put("stat", [(b"a", "kept")])
    assert cache.get("doc", [b"a", b"b"]) == {b"a": "again", b"b": 2}
    cache.replace("doc", [(b"c", 3)])
    assert cache.get("doc", [b"a", b"b", b"c"]) == {b"c": 3}
    assert cache.get("stat", [b"a"]) == {b"a": "kept"}
    cache.close()


def test_prune_drops_other_namespaces_and_the_table_of_the_older_layout(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "c.sqlite"
    with sqlite3.connect(path) as old:  # a cache file written by the layout up to format 6
        old.execute("CREATE TABLE entries (ns TEXT NOT NULL, kind TEXT NOT NULL, key BLOB NOT"
                    " NULL, value BLOB NOT NULL, PRIMARY KEY (ns, kind, key)) WITHOUT ROWID")
        old.execute("INSERT INTO entries VALUES ('ns', 'doc', x'01', x'02')")
    old.close()
    Cache(path, "other").put("doc", [(b"k", "theirs")])
    cache = Cache(path, "ns")
    cache.put("doc", [(b"k", "ours")])
    cache.prune()
    assert cache.get("doc", [b"k"]) == {b"k": "ours"}
    assert Cache(path, "other").get("doc", [b"k"]) == {}
    cache.close()
    with sqlite3.connect(path) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    db.close()
    assert "entries" not in tables
    assert "cache_entries" in tables


def test_prune_unused_deletes_the_per_file_entries_a_tracked_build_did_not_touch(
        tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    cache = Cache(path, "ns")
    cache.put("doc", [(bytes([k]), k) for k in range(100)])
    cache.put("row", [(bytes([k]), k) for k in range(100)])
    cache.put("stat", [(b"s" + bytes([k]), "digest") for k in range(100)])
    cache.put("verdict", [(b"v", "kept: not a per-file kind")])
    assert not cache.track(100)  # as many entries as files: nothing to track
    assert cache.track(20)  # 100 entries for 20 files
    worker = Cache(path, "ns", track_use=True)  # as a worker process gets it
    assert worker.get("doc", [bytes([k]) for k in range(10)]) == {bytes([k]): k
                                                                    for k in range(10)}
    worker.get("stat", [b"s\x05"])
    worker.put("doc", [(b"new", "fresh")])
    worker.close()
    assert cache.prune_unused() == 90 + 90 + 99
    left = Cache(path, "ns")
    assert set(left.get("doc", [bytes([k]) for k in range(100)] + [b"new"])) == {
        *(bytes([k]) for k in range(10)), b"new"}
    # a document's row goes with its entry, under the same key
    assert set(left.get("row", [bytes([k]) for k in range(100)])) == {bytes([k])
                                                                      for k in range(10)}
    assert left.get("stat", [b"s\x05", b"s\x06"]) == {b"s\x05": "digest"}
    assert left.get("verdict", [b"v"]) == {b"v": "kept: not a per-file kind"}
    assert not left.overgrown(11)
    assert left.prune_unused() == 0  # a build that did not track its use deletes nothing
    left.close()
    cache.close()


_BARRIER: Any = None


def _hold(barrier: Any) -> None:
    global _BARRIER
    _BARRIER = barrier


def _open_get_and_put(path: str) -> int:
    _BARRIER.wait(30)  # every worker opens the new cache at the same moment
    cache = Cache(path, "ns")
    cache.get("stat", [b"a"])
    cache.put("stat", [(b"key-%d" % os.getpid(), "digest")])
    cache.close()
    return os.getpid()


def test_many_processes_opening_a_new_cache_at_once_all_succeed(tmp_path: Path) -> None:
    """Switching a new file to WAL mode answers "database is locked" at once, without
    SQLite's busy timeout, when other processes hold it: eight workers opening a new cache
    together failed one time in three until the opening waited and tried again."""
    context = multiprocessing.get_context("forkserver")  # no thread of the tests is forked
    barrier = context.Barrier(8)
    with context.Pool(8, initializer=_hold, initargs=(barrier,)) as pool:
        for trial in range(25):
            path = str(tmp_path / f"t{trial}" / "pipeline.sqlite")
            pids = pool.map(_open_get_and_put, [path] * 8, chunksize=1)
            assert len(set(pids)) == 8
            keys = {b"key-%d" % pid for pid in pids}
            assert len(Cache(path, "ns").get("stat", keys)) == len(keys)


def test_an_error_other_than_a_lock_is_not_retried(tmp_path: Path) -> None:
    (tmp_path / "pipeline.sqlite").write_bytes(b"not a database" * 100)
    started = time.monotonic()
    with pytest.raises(sqlite3.DatabaseError):
        Cache(tmp_path / "pipeline.sqlite", "ns").get("doc", [b"k"])
    assert time.monotonic() - started < 5


def test_equal_small_values_are_unpickled_once_and_others_apart(tmp_path: Path) -> None:
    """A look-up shares one object among small values stored with the same bytes (most
    verdicts are the same), and never between values that differ."""
    from corpus.dedup.align import PairVerdict
    from corpus.records import Relation

    unique = PairVerdict(relation=Relation.UNIQUE, score=0.0, jaccard=0.0, containment=0.0,
                         coverage=0.0, aligned=0, strength=0.0, run=0, link=0.0,
                         left_in_right=False, right_in_left=False, evidence=())
    near = PairVerdict(relation=Relation.NEAR, score=0.9, jaccard=0.8, containment=0.9,
                       coverage=0.9, aligned=3, strength=0.9, run=2, link=0.9,
                       left_in_right=False, right_in_left=False, evidence=())
    big = "x" * 4096
    cache = Cache(tmp_path / "c.sqlite", "ns")
    cache.put("verdict", [(b"a", unique), (b"b", unique), (b"c", near), (b"d", big),
                          (b"e", big)])
    found = cache.get("verdict", [b"a", b"b", b"c", b"d", b"e", b"f"])
    cache.close()
    assert found == {b"a": unique, b"b": unique, b"c": near, b"d": big, b"e": big}
    assert found[b"a"] is found[b"b"]
    assert found[b"c"] is not found[b"a"]


def test_prune_pairs_deletes_the_verdicts_of_texts_gone_once_they_have_grown(
        tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.sqlite", "ns")
    a, b, c = (bytes([k]) * 16 for k in (1, 2, 3))
    cache.put("verdict", [(a + b + b"NP", "a with b"), (a + c + b"AP", "a with c")])
    cache.put("evidence", [(c + a + b"AL", "passages of c with a")])
    cache.put("doc", [(c, "a per-file entry, not a pair's")])
    assert cache.prune_pairs([a, b]) == 0  # the first build only counts them
    gone = [(k.to_bytes(16, "big") + a + b"NP", k) for k in range(4096)]
    cache.put("verdict", gone)
    assert cache.prune_pairs(iter([a, b])) == 0  # 3 + 4,096 is within the growth allowed
    cache.put("verdict", [(k.to_bytes(16, "big") + b + b"AP", k) for k in range(4096, 4100)])
    assert cache.prune_pairs(iter([b, a, a])) == 4096 + 4 + 2  # c's pairs and the others
    assert cache.get("verdict", [a + b + b"NP", a + c + b"AP", gone[0][0]]) == {
        a + b + b"NP": "a with b"}
    assert cache.get("evidence", [c + a + b"AL"]) == {}
    assert cache.get("doc", [c]) == {c: "a per-file entry, not a pair's"}
    assert cache.prune_pairs([a]) == 0  # nothing grew since: not even scanned
    cache.close()
