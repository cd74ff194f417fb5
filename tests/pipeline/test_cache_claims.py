"""Builds with other settings at once keep each other's cache entries: a build claims its
namespace while it runs, and a build that finishes meanwhile prunes every namespace but the
claimed ones (the first to finish deleted the other's, which then stopped: its cached texts
were gone)."""

from __future__ import annotations

import multiprocessing
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import corpus
import corpus.pipeline.build as pipeline_build
from corpus.pipeline.cache import Cache

DEV = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "dedup_dev" / "corpus"
#: A source of the development set with copies: a change to it makes the rebuild verify it
#: against its copies again, whose texts come from the cache.
SOURCE = "100_7fdad425d75d2025.txt"


def _entries(path: Path) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT ns, count(*) FROM cache_entries GROUP BY ns").fetchall()
    db.close()
    return {str(ns): int(count) for ns, count in rows}


def test_a_build_with_other_settings_finishing_first_keeps_the_running_builds_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    source, store = tmp_path / "c", tmp_path / "store"
    shutil.copytree(DEV, source)
    corpus.build(source, store, progress=False, executor="serial")
    cache_file = store / ".cache" / "c" / "pipeline.sqlite"
    (ours,) = _entries(cache_file)
    with (source / SOURCE).open("a", encoding="utf-8") as handle:
        handle.write("A correction was appended.\n")

    real = getattr(pipeline_build, "dedup_shards")  # noqa: B009  (not exported)
    others: list[subprocess.CompletedProcess[str]] = []

    def other_build_first(*args: Any, **kwargs: Any) -> Any:
        # The other build runs from start to end while this one is between its read and dedup
        # stages: it prunes the cache as it finishes.
        others.append(subprocess.run(
            [sys.executable, "-m", "corpus", "build", str(source), "--out", str(store),
             "--rewrite-threshold", "0.6", "--version", "9.0.0", "--no-progress"],
            capture_output=True, text=True, check=False))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline_build, "dedup_shards", other_build_first)
    report = corpus.build(source, store, progress=False, executor="serial")
    assert others[0].returncode == 0, others[0].stderr
    assert report.status == "built"
    assert ours in _entries(cache_file)
    monkeypatch.undo()
    clean = corpus.build(source, tmp_path / "clean", progress=False, cache=False,
                         executor="serial")
    data = sorted(p.relative_to(report.path / "data") for p in (report.path / "data").rglob("*"))
    for name in data:
        mine, theirs = report.path / "data" / name, clean.path / "data" / name
        assert mine.is_dir() or mine.read_bytes() == theirs.read_bytes(), name
    # With both done, the next build keeps its own namespace only.
    (source / SOURCE).unlink()
    corpus.build(source, store, progress=False, executor="serial")
    assert list(_entries(cache_file)) == [ours]


def _claim_and_exit(path: str) -> None:
    Cache(path, "b-dead").claim()  # the process ends without closing: its claim stays


def test_prune_keeps_claimed_namespaces_until_their_process_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    for namespace in ("a", "b-dead", "b-live", "c", "d"):
        Cache(path, namespace).put("doc", [(b"k", namespace)])
    live = Cache(path, "b-live")
    live.claim()
    child = multiprocessing.get_context("spawn").Process(target=_claim_and_exit,
                                                         args=(str(path),))
    child.start()
    child.join()
    assert child.exitcode == 0
    cache = Cache(path, "c")
    cache.prune()
    # "a" and "d" lie on either side of the kept ones, "b-dead" between them.
    assert sorted(_entries(path)) == ["b-live", "c"]
    live.close()  # the claim goes with it
    cache.prune()
    assert sorted(_entries(path)) == ["c"]
    cache.close()


def test_a_worker_copy_of_a_claimed_cache_does_not_release_the_claim(tmp_path: Path) -> None:
    import pickle

    path = tmp_path / "c.sqlite"
    Cache(path, "other").put("doc", [(b"k", 1)])
    driver = Cache(path, "other")
    driver.claim()
    worker = pickle.loads(pickle.dumps(driver))
    worker.get("doc", [b"k"])
    worker.close()
    Cache(path, "mine").prune()
    assert "other" in _entries(path)
    driver.close()
