"""Incremental builds: after a few files change, only they are processed again, and the release
is byte-identical to a clean build of the same input."""

from __future__ import annotations

import compileall
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import corpus
import corpus.dedup.phases as phases_module
import corpus.pipeline.reuse as reuse_module
import corpus.pipeline.stages as stages_module
import corpus.publish.builder as builder_module
from corpus.dedup.phases import _UniquePairs
from corpus.errors import Reject
from corpus.pipeline.build import run_build as real_run_build
from corpus.pipeline.cache import PER_FILE, Cache
from corpus.pipeline.reuse import previous_release
from corpus.pipeline.stages import ListTask, Outcome
from corpus.pipeline.stages import list_inputs as real_list_inputs
from corpus.publish.compare import diff
from corpus.publish.config import BuildConfig, results_hash
from corpus.reader import Entry, FileRef
from corpus.reader import parse_ref as real_parse_ref
from corpus.reader import read_raw as real_read_raw
from corpus.records import Document, Relation
from corpus.text.normalize import normalize_batch as real_normalize_batch

from .corpora import mixed_corpus


def _files(release: Path) -> dict[str, bytes]:
    return {str(p.relative_to(release)): p.read_bytes()
            for p in sorted(release.rglob("*")) if p.is_file()}


@pytest.fixture
def news(tmp_path: Path) -> Path:
    return mixed_corpus(tmp_path / "news", variants=1)


def _edit(news: Path) -> None:
    """Change about 1% of the corpus: edit one file, remove one, add one."""
    files = sorted(news.glob("1*.txt"))
    first = files[0]
    first.write_text(first.read_text(encoding="utf-8") + "A late correction was added.\n",
                     encoding="utf-8")
    files[1].unlink()
    shutil.copyfile(files[2], news / "9999_00000000000000ff.txt")


@pytest.mark.parametrize("chunk", [None, 3])
def test_a_rebuild_after_small_changes_processes_only_them_and_gives_clean_bytes(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int | None
) -> None:
    if chunk is not None:  # cached index entries made into arrays a few at a time
        monkeypatch.setattr("corpus.dedup.phases._CACHED_CHUNK", chunk)
    store = tmp_path / "store"
    first = corpus.build(news, store, executor="serial", progress=False)
    assert (store / ".cache" / "news" / "pipeline.sqlite").exists()
    _edit(news)

    normalised = _normalised(monkeypatch)
    parsed: list[str] = []
    # The files the up-to-date check parses, apart: the file the listing refuses on its name
    # (notes.txt) has no digest, so the check reads and parses the corpus instead of hashing it.
    checked: list[str] = []
    checking = False

    def parsing(ref: FileRef, data: bytes) -> Document | Reject:
        (checked if checking else parsed).append(Path(ref.path).name)
        return real_parse_ref(ref, data)

    def listing(task: ListTask) -> tuple[Outcome, ...]:
        nonlocal checking
        checking = True
        try:
            return real_list_inputs(task)
        finally:
            checking = False

    monkeypatch.setattr("corpus.pipeline.stages.parse_ref", parsing)
    monkeypatch.setattr("corpus.pipeline.build.list_inputs", listing)
    edited = sorted(news.glob("1*.txt"))[0].name
    second = corpus.build(news, store, executor="serial", progress=False)
    assert second.version != first.version
    # Only the edited file and the added one were parsed and normalised (and the files the
    # parser rejects, which are never cached); every other came from the cache.
    assert sorted(normalised) == sorted(["00000000000000ff", _id_of(news, "1")])
    rejected = {Path(r.path).name for r in second.manifest.inputs if r.status == "rejected"}
    assert "notes.txt" in rejected  # refused by the listing on its name: never read
    assert sorted(parsed) == sorted({"9999_00000000000000ff.txt", edited}
                                    | rejected - {"notes.txt"})
    assert second.timings["read and normalise"] > 0
    assert next(iter(second.timings)) == "list"  # the listing, timed first

    # Built again unchanged: found up to date by the check, nothing parsed by the build.
    parsed.clear()
    checked.clear()
    again = corpus.build(news, store, executor="serial", progress=False)
    assert again.status == "up-to-date"
    assert again.version == second.version
    assert parsed == []
    assert sorted(checked) == sorted(p.name for p in news.glob("*.txt") if p.name != "notes.txt")

    clean = corpus.build(news, tmp_path / "clean", executor="serial", progress=False,
                         cache=False, version=str(second.version))
    assert len(normalised) > 2  # the clean build processed everything
    assert _files(clean.path).keys() == _files(second.path).keys()
    for name, data in _files(clean.path).items():
        if name in {"README.md", "manifest.json", "report.html"}:
            continue  # they differ in the changelog (v1.0.0 → vX) only; checked below
        assert _files(second.path)[name] == data, name
    assert second.manifest.fingerprint == clean.manifest.fingerprint


def _id_of(news: Path, prefix: str) -> str:
    first = sorted(news.glob(f"{prefix}*.txt"))[0]
    return first.stem.split("_")[1]


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_the_cache_gives_the_same_bytes_under_several_processes(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    if engine == "dask":
        pytest.importorskip("distributed", reason="the dask extra is not installed")
    store = tmp_path / "store"
    first = corpus.build(news, store, executor=engine, workers=2,  # type: ignore[arg-type]
                         progress=False)
    _edit(news)
    counts = _row_sources(monkeypatch)
    again = corpus.build(news, store, executor=engine, workers=2,  # type: ignore[arg-type]
                         progress=False, version="9.0.0")
    # The rows of cached documents came from the first release, whatever ran the stages.
    assert counts == {"release": first.manifest.counts.documents - 2, "cache": 0}
    clean = corpus.build(news, tmp_path / "clean", executor="serial", progress=False,
                         cache=False, version="9.0.0")
    assert again.manifest.fingerprint == clean.manifest.fingerprint
    assert again.manifest.counts.duplicates > 0  # rows of both folders were reused
    for name in ("data/default/train-00000-of-00001.parquet",
                 "data/duplicates/train-00000-of-00001.parquet", "clusters.parquet"):
        assert (again.path / name).read_bytes() == (clean.path / name).read_bytes()


def test_a_rebuild_looks_up_only_the_verdicts_the_last_build_did_not_find_unique(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last build's unique pairs are one cache entry: the rebuild asks for the verdicts
    of the other pairs only, and gives the same bytes as without that entry (then those pairs
    are asked for, not found, and verified again: their verdicts are kept in the set only)."""
    asked: list[int] = []
    real_get = Cache.get

    def counting(self: Cache, kind: str, keys: Iterable[bytes]) -> dict[bytes, Any]:
        wanted = list(keys)
        if kind == "verdict":
            asked.append(len(wanted))
        return real_get(self, kind, wanted)

    monkeypatch.setattr(Cache, "get", counting)
    held: list[int] = []
    real_holds = _UniquePairs.holds

    def holding(self: _UniquePairs, first: Any, second: Any) -> Any:
        found = real_holds(self, first, second)
        held.append(int(found.sum()))
        return found

    monkeypatch.setattr(_UniquePairs, "holds", holding)
    store = tmp_path / "store"
    corpus.build(news, store, executor="serial", progress=False)
    saved = tmp_path / "saved"
    shutil.copytree(store, saved)
    _edit(news)
    asked.clear()
    held.clear()
    with_set = corpus.build(news, store, executor="serial", progress=False)
    with_set_asked, skipped = sum(asked), sum(held)
    assert skipped > 0

    with sqlite3.connect(saved / ".cache" / "news" / "pipeline.sqlite") as db:
        deleted = db.execute("DELETE FROM cache_entries WHERE kind LIKE 'unique-%'").rowcount
    assert deleted == 2  # near copies and rewrites
    asked.clear()
    held.clear()
    without_set = corpus.build(news, saved, executor="serial", progress=False)
    assert sum(held) == 0
    assert sum(asked) >= with_set_asked + skipped
    assert with_set.manifest.fingerprint == without_set.manifest.fingerprint
    for name, data in _files(with_set.path).items():
        if name not in {"README.md", "manifest.json", "report.html"}:
            assert _files(without_set.path)[name] == data, name


def test_bulk_verification_files_unique_pairs_in_the_set_only(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The verification stages store by key only the verdicts that passed; the pairs they
    found unique are in the build's set of unique pairs (what the next build reads). A key
    that a task asked the cache for in its batch is not asked for again on its own."""
    single: list[str] = []
    real_get = Cache.get

    def counting(self: Cache, kind: str, keys: Iterable[bytes]) -> dict[bytes, Any]:
        wanted = list(keys)
        if len(wanted) == 1 and kind in ("verdict", "evidence"):
            single.append(kind)
        return real_get(self, kind, wanted)

    monkeypatch.setattr(Cache, "get", counting)
    store = tmp_path / "store"
    corpus.build(news, store, executor="serial", progress=False)
    # A few pairs the clustering verifies on demand; asking again once per pair a batch had
    # asked for was about 2,000 queries here.
    assert len(single) <= 16
    monkeypatch.setattr(Cache, "get", real_get)
    with sqlite3.connect(store / ".cache" / "news" / "pipeline.sqlite") as db:
        (namespace,) = db.execute(
            "SELECT ns FROM cache_entries WHERE kind = 'unique-rewrites'").fetchone()
        keys = [key for (key,) in db.execute(
            "SELECT key FROM cache_entries WHERE kind = 'verdict'")]
    cache = Cache(store / ".cache" / "news" / "pipeline.sqlite", namespace)
    bulk = cache.get("verdict", [key for key in keys if key.endswith(b"P")])
    assert bulk  # the near copies and rewrites that passed
    assert all(found.relation is not Relation.UNIQUE for found in bulk.values())
    for align in (False, True):
        unique = _UniquePairs.load(cache, align)
        assert len(unique._first) > 0
    cache.close()


@pytest.mark.parametrize("check_here", [None, 0])
def test_the_check_of_a_small_corpus_runs_in_the_builds_own_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, check_here: int | None
) -> None:
    """Up to ``CHECK_HERE`` files the up-to-date check does not wait for the workers; above
    it the workers hash the files. The answer is the same."""
    from corpus.pipeline.executor import ProcessExecutor

    seeds = tmp_path / "seeds"  # plain files only: the check hashes them
    shutil.copytree(Path(__file__).resolve().parents[2] / "seeds", seeds)
    store = tmp_path / "store"
    corpus.build(seeds, store, executor="serial", progress=False)
    if check_here is not None:
        monkeypatch.setattr("corpus.pipeline.build.CHECK_HERE", check_here)
    mapped: list[str] = []
    with ProcessExecutor(2) as workers:
        real_map = workers.map

        def recording(fn: Any, tasks: Any, **options: Any) -> Any:
            mapped.append(fn.__name__)
            return real_map(fn, tasks, **options)

        monkeypatch.setattr(workers, "map", recording)
        again = corpus.build(seeds, store, executor=workers, progress=False)
    assert again.status == "up-to-date"
    assert mapped == ([] if check_here is None else ["hash_inputs"])


def test_other_settings_never_use_entries_of_the_old_ones(news: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    corpus.build(news, store, executor="serial", progress=False)
    from corpus.dedup.config import DedupConfig, NearConfig

    other = BuildConfig(dedup=replace(DedupConfig(), near=NearConfig(jaccard=0.9)))
    cached = corpus.build(news, store, executor="serial", progress=False, config=other,
                          version="2.0.0")
    clean = corpus.build(news, tmp_path / "clean", executor="serial", progress=False,
                         config=other, cache=False, version="2.0.0")
    assert cached.manifest.fingerprint == clean.manifest.fingerprint


def test_a_rebuild_compares_rows_by_their_digests_with_the_same_result(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The previous release's row digests come from the cache, and so do the changed rows of
    both releases (with changes spread over a corpus, every row group holds one): no row is
    read whole, and the difference is the one the full comparison finds."""
    store = tmp_path / "store"
    first = corpus.build(news, store, executor="serial", progress=False)
    _edit(news)
    with monkeypatch.context() as patched:
        def no_full_read(*args: object) -> None:
            raise AssertionError("the rows were compared one by one")

        def no_read(*args: object) -> None:
            raise AssertionError("changed rows were read from a release")

        patched.setattr("corpus.publish.compare._diff", no_full_read)
        patched.setattr("corpus.publish.compare._changed_fields", no_read)
        second = corpus.build(news, store, executor="serial", progress=False)
    assert second.diff is not None
    assert second.diff.added
    assert second.diff.removed
    assert second.diff.changed
    full = diff(first.path, second.path)
    assert second.diff == replace(full, new=second.diff.new)  # built in a temporary folder


def test_changed_rows_missing_from_the_cache_are_read_from_the_releases(
    news: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    first = corpus.build(news, store, executor="serial", progress=False)
    _edit(news)
    cache = store / ".cache" / "news" / "pipeline.sqlite"
    with sqlite3.connect(cache) as db:  # the previous rows of the edited file are gone
        db.execute("DELETE FROM cache_entries WHERE kind = 'row'")
    second = corpus.build(news, store, executor="serial", progress=False)
    assert second.diff is not None
    assert second.diff.changed
    assert second.diff == replace(diff(first.path, second.path), new=second.diff.new)


def test_a_looked_up_row_that_is_not_the_releases_is_not_trusted(
    news: Path, tmp_path: Path
) -> None:
    """The diff checks each row it looked up against the release's digest of it: a lookup
    that answers with other rows costs reads, never a wrong difference."""
    from corpus.publish.builder import _cache_namespace, _cached_rows
    from corpus.publish.store import read_manifest

    store = tmp_path / "store"
    first = corpus.build(news, store, executor="serial", progress=False)
    cache = Cache(store / ".cache" / "news" / "pipeline.sqlite",
                  _cache_namespace(BuildConfig()))
    before = read_manifest(first.path)
    old_digests = cache.get("release", [before.fingerprint.encode()])[
        before.fingerprint.encode()]
    _edit(news)
    second = corpus.build(news, store, executor="serial", progress=False)
    after = read_manifest(second.path)
    new_digests = cache.get("release", [after.fingerprint.encode()])[
        after.fingerprint.encode()]

    class Built:
        inputs = after.inputs

    lookups = _cached_rows(cache, before, Built())  # type: ignore[arg-type]
    assert lookups is not None

    def tampered(lookup: Any) -> Any:
        return lambda ids: {i: {**row, "title": row["title"] + "!"}
                            for i, row in lookup(ids).items()}

    plain = diff(first.path, second.path)
    assert plain.changed
    digests = (old_digests, new_digests)
    assert diff(first.path, second.path, digests=digests, rows=lookups) == plain
    assert diff(first.path, second.path, digests=digests,
                rows=(lookups[0], tampered(lookups[1]))) == plain


def _settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treat every file as settled (the status-change time of a file just written cannot be
    set back, and a test should not wait for it): digests are filed under stat at once."""
    monkeypatch.setattr("corpus.pipeline.stages._SETTLE_NS", -3600 * 10**9)


def _hashable(news: Path) -> Path:
    """The corpus without the file the listing refuses on its name: every input then has a
    digest, so the up-to-date check hashes files instead of parsing them."""
    (news / "notes.txt").unlink()
    return news


def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the name of every file the stages read."""
    read: list[str] = []

    def reading(entries: Iterable[Entry], **kwargs: int) -> Iterator[bytes | Reject]:
        entries = list(entries)
        read.extend(Path(e.path).name for e in entries if isinstance(e, FileRef))
        return real_read_raw(entries, **kwargs)

    monkeypatch.setattr("corpus.pipeline.stages.read_raw", reading)
    return read


def test_files_whose_stat_is_unchanged_are_not_read_again(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _settled_at_once(monkeypatch)
    news = _hashable(news)
    store = tmp_path / "store"
    corpus.build(news, store, executor="serial", progress=False)
    read = _counting_reads(monkeypatch)

    # Unchanged: the up-to-date check reads nothing.
    again = corpus.build(news, store, executor="serial", progress=False)
    assert again.status == "up-to-date"
    assert read == []

    # An edit of the same size with the modification time set back: the status-change time
    # still tells, and the file is read; so are the added file and the parser's rejects.
    files = sorted(news.glob("1*.txt"))
    edited = files[0]
    before = edited.stat()
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("the", "The", 1), encoding="utf-8")
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert edited.stat().st_size == before.st_size
    assert edited.stat().st_mtime_ns == before.st_mtime_ns
    shutil.copyfile(files[2], news / "9999_00000000000000ff.txt")
    second = corpus.build(news, store, executor="serial", progress=False)
    assert second.status != "up-to-date"
    rejected = {Path(r.path).name for r in second.manifest.inputs if r.status == "rejected"}
    # Only these were read (the file count changed: the up-to-date check stops before it
    # reads anything), every other input came from the cache by its stat.
    assert sorted(set(read)) == sorted({edited.name, "9999_00000000000000ff.txt"} | rejected)

    clean = corpus.build(news, tmp_path / "clean", executor="serial", progress=False,
                         cache=False, version=str(second.version))
    assert second.manifest.fingerprint == clean.manifest.fingerprint
    assert second.manifest.inputs == clean.manifest.inputs


def test_a_file_changed_just_before_it_was_hashed_is_hashed_again(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Files written a moment ago could still change within their timestamps' granularity:
    # their digests are not filed under their stat, so the next build reads them again.
    news = _hashable(news)
    store = tmp_path / "store"
    corpus.build(news, store, executor="serial", progress=False)
    read = _counting_reads(monkeypatch)
    again = corpus.build(news, store, executor="serial", progress=False)
    assert again.status == "up-to-date"
    assert sorted(read) == sorted(p.name for p in news.iterdir())


# -- rows taken from the previous release -----------------------------------------------------


def _normalised(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the documents the next build normalises (not taken from the cache)."""
    normalised: list[str] = []

    def counting(docs: list[Document], *args: object) -> list[Document]:
        normalised.extend(doc.id for doc in docs)
        return real_normalize_batch(docs, *args)  # type: ignore[arg-type]

    monkeypatch.setattr("corpus.pipeline.stages.normalize_batch", counting)
    return normalised


def _row_sources(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Where the write tasks of the next build take the rows of cached documents from (their
    counts, which the driver sums in the stages' ``reused``), whatever runs the tasks."""
    counts: dict[str, int] = {}

    def counting(*args: Any, **kwargs: Any) -> Any:
        built = real_run_build(*args, **kwargs)
        counts.update(args[4].reused)
        return built

    monkeypatch.setattr("corpus.publish.builder.run_build", counting)
    return counts


def _same_data(built: corpus.BuildReport, clean: corpus.BuildReport) -> None:
    assert built.manifest.fingerprint == clean.manifest.fingerprint
    for name, data in _files(clean.path).items():
        if name.endswith(".parquet"):
            assert _files(built.path)[name] == data, name


def _clean(news: Path, tmp_path: Path, version: Any) -> corpus.BuildReport:
    return corpus.build(news, tmp_path / "clean", executor="serial", progress=False, cache=False,
                        version=str(version))


@pytest.mark.parametrize("window", [None, 3])
def test_a_rebuild_takes_unchanged_rows_from_the_previous_release(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, window: int | None
) -> None:
    if window is not None:  # windows of a few documents: rows of every source in one
        monkeypatch.setattr(reuse_module, "_BATCH", window)
    store = tmp_path / "store"
    first = corpus.build(news, store, executor="serial", progress=False)
    _edit(news)
    counts = _row_sources(monkeypatch)

    def no_row_decoded(*args: object) -> None:
        raise AssertionError("a cached row was written to a work file")

    monkeypatch.setattr("corpus.pipeline.stages._hit_row", no_row_decoded)
    kinds: list[str] = []
    real_get = Cache.get

    def recording(self: Cache, kind: str, keys: Iterable[bytes]) -> dict[bytes, Any]:
        kinds.append(kind)
        return real_get(self, kind, keys)

    monkeypatch.setattr(Cache, "get", recording)
    real_diff = diff

    def diffing(*args: Any, **kwargs: Any) -> Any:
        kinds.append("(diff)")
        return real_diff(*args, **kwargs)

    monkeypatch.setattr(builder_module, "diff", diffing)
    second = corpus.build(news, store, executor="serial", progress=False)
    # Every document but the edited and the added one came from the first release, and no
    # cached row was read to write the data (the diff reads those of the changed rows).
    assert counts == {"release": first.manifest.counts.documents - 2, "cache": 0}
    assert "doc" in kinds
    assert "row" not in kinds[:kinds.index("(diff)")]
    _same_data(second, _clean(news, tmp_path, second.version))


def test_a_moved_file_gets_its_cached_row_with_the_new_path(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    first = corpus.build(news, store, executor="serial", progress=False)
    moved = sorted(news.glob("1*.txt"))[4]
    (news / "later").mkdir()
    moved.rename(news / "later" / moved.name)  # same bytes and name: cached, another path
    normalised = _normalised(monkeypatch)
    counts = _row_sources(monkeypatch)
    second = corpus.build(news, store, executor="serial", progress=False)
    assert normalised == []
    # Its row (with the new path) went through the work file; every other one was reused.
    assert counts == {"release": first.manifest.counts.documents - 1, "cache": 0}
    assert f"later/{moved.name}" in {i.path for i in second.manifest.inputs}
    _same_data(second, _clean(news, tmp_path, second.version))


def test_rows_come_from_the_cache_when_the_previous_release_is_damaged(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    first = corpus.build(news, store, executor="serial", progress=False)
    shard = first.path / "data" / "duplicates" / "train-00000-of-00001.parquet"
    data = shard.read_bytes()
    assert data.count(b"parquet-cpp-arrow version ") == 1
    # Same size, other bytes, still a Parquet file (the diff with it still reads it).
    shard.write_bytes(data.replace(b"parquet-cpp-arrow version ", b"parquet-cpp-arrow Version "))
    _edit(news)
    counts = _row_sources(monkeypatch)
    second = corpus.build(news, store, executor="serial", progress=False)
    assert counts == {"release": 0, "cache": first.manifest.counts.documents - 2}
    _same_data(second, _clean(news, tmp_path, second.version))


def test_the_normal_path_is_taken_when_the_previous_release_is_gone(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    first = corpus.build(news, store, executor="serial", progress=False)
    shutil.rmtree(first.path)  # the cache stays, with the digests of its rows
    _edit(news)
    counts = _row_sources(monkeypatch)
    second = corpus.build(news, store, executor="serial", progress=False)
    assert counts == {"release": 0, "cache": 0}  # the work files held every row
    _same_data(second, _clean(news, tmp_path, second.version))


@pytest.mark.parametrize("window", [None, 3])
def test_a_file_back_after_a_release_without_it_comes_from_the_cache(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, window: int | None
) -> None:
    if window is not None:  # its row (from the cache) beside rows from both folders
        monkeypatch.setattr(reuse_module, "_BATCH", window)
    store = tmp_path / "store"
    corpus.build(news, store, executor="serial", progress=False)
    gone = sorted(news.glob("1*.txt"))[3]
    kept = gone.read_bytes()
    gone.unlink()
    corpus.build(news, store, executor="serial", progress=False)
    gone.write_bytes(kept)  # the same bytes and name: cached, but not in the latest release
    counts = _row_sources(monkeypatch)
    third = corpus.build(news, store, executor="serial", progress=False)
    assert counts["cache"] == 1
    assert counts["release"] == third.manifest.counts.documents - 1
    _same_data(third, _clean(news, tmp_path, third.version))


def test_a_previous_release_of_other_settings_or_an_older_cache_gives_no_rows(
    news: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    first = corpus.build(news, store, executor="serial", progress=False)
    manifest = first.manifest
    known = pa.table({"id": ["a"] * manifest.counts.documents,
                      "digest": [bytes(16)] * manifest.counts.documents,
                      "row_digest": [bytes(16)] * manifest.counts.documents,
                      "kept": [True] * manifest.counts.rows["default"]
                      + [False] * manifest.counts.duplicates})
    same: dict[str, Any] = {"results": results_hash(manifest.settings),
                            "schema_version": manifest.schema_version,
                            "libraries": dict(manifest.libraries)}
    assert previous_release(first.path, manifest, known, **same) is not None
    assert previous_release(first.path, manifest, known,
                            **{**same, "results": "other"}) is None
    assert previous_release(first.path, manifest, known,
                            **{**same, "schema_version": "0"}) is None
    assert previous_release(first.path, manifest, known,
                            **{**same, "libraries": {"corpus": "0"}}) is None
    assert previous_release(first.path, manifest, known.drop_columns(["row_digest"]),
                            **same) is None  # a cache written before rows were reused
    assert previous_release(first.path, manifest, known.drop_columns(["kept"]),
                            **same) is None  # a cache written before rows were stored once
    assert previous_release(first.path, manifest, known.slice(1), **same) is None
    assert previous_release(first.path, manifest, None, **same) is None
    every_row_kept = known.set_column(3, "kept", pa.array([True] * known.num_rows))
    # the files of the two folders hold other counts of rows
    assert previous_release(first.path, manifest, every_row_kept, **same) is None
    shard = first.path / "data" / "default" / "train-00000-of-00001.parquet"
    with shard.open("ab") as grown:
        grown.write(b"x")
    assert previous_release(first.path, manifest, known, **same) is None


def test_rows_out_of_order_in_the_previous_release_come_from_the_cache(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were the previous release's rows in another order than the corpus's (it cannot happen
    with today's listing), the writer would take them from the cache instead."""
    store = tmp_path / "store"
    first = corpus.build(news, store, executor="serial", progress=False)
    _edit(news)
    real = reuse_module._ReleaseRows.take

    def backwards(self: Any, kept: Any, slots: Any) -> Any:
        return real(self, kept[::-1], slots[::-1]) if len(slots) > 1 else real(self, kept, slots)

    monkeypatch.setattr(reuse_module._ReleaseRows, "take", backwards)
    counts = _row_sources(monkeypatch)
    second = corpus.build(news, store, executor="serial", progress=False)
    assert counts["cache"] > 0
    assert counts["release"] + counts["cache"] == first.manifest.counts.documents - 2
    _same_data(second, _clean(news, tmp_path, second.version))


def test_the_build_takes_the_digests_the_up_to_date_check_found(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _settled_at_once(monkeypatch)
    news = _hashable(news)
    store = tmp_path / "store"
    corpus.build(news, store, executor="serial", progress=False)
    _edit(news)  # as many files as before: the up-to-date check hashes them
    stat_looked_up: list[str] = []
    real_identity = stages_module._identity

    def counting(entry: Entry, *args: Any) -> Any:
        stat_looked_up.append(Path(entry.path).name if isinstance(entry, FileRef) else "")
        return real_identity(entry, *args)

    monkeypatch.setattr("corpus.pipeline.stages._identity", counting)
    read = _counting_reads(monkeypatch)
    second = corpus.build(news, store, executor="serial", progress=False)
    # Each file's stat was looked up once (by the check). The edited and the added file were
    # read by the check (their stat was new) and again by the build, to parse them; the files
    # the parser rejects (never cached) by the build only: the check knew them by stat.
    inputs = len(list(news.iterdir()))
    assert sorted(stat_looked_up) == sorted(p.name for p in news.iterdir())
    assert len(stat_looked_up) == inputs
    rejected = {Path(r.path).name for r in second.manifest.inputs if r.status == "rejected"}
    new = {sorted(news.glob("1*.txt"))[0].name, "9999_00000000000000ff.txt"}
    assert sorted(read) == sorted([*new, *new, *rejected])
    _same_data(second, _clean(news, tmp_path, second.version))


def _doc_entries(store: Path) -> int:
    import sqlite3

    db = sqlite3.connect(store / ".cache" / "news" / "pipeline.sqlite")
    try:
        (count,) = db.execute("SELECT count(*) FROM cache_entries WHERE kind = 'doc'").fetchone()
    finally:
        db.close()
    return int(count)


def test_entries_of_files_that_left_the_corpus_are_pruned_once_they_are_many(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    first = corpus.build(news, store, executor="serial", progress=False)
    documents = first.manifest.counts.documents
    assert _doc_entries(store) == documents
    # A few files leave: too few to prune for (the cache keeps their entries).
    files = sorted(news.glob("1*.txt"))
    kept_aside = tmp_path / "aside"
    kept_aside.mkdir()
    for path in files[:3]:
        shutil.move(path, kept_aside / path.name)
    corpus.build(news, store, executor="serial", progress=False)
    assert _doc_entries(store) == documents
    # Many leave: the next build deletes the entries no file of the corpus used.
    for path in files[3:103]:
        shutil.move(path, kept_aside / path.name)
    second = corpus.build(news, store, executor="serial", progress=False)
    assert second.manifest.counts.documents == documents - 103
    assert _doc_entries(store) == documents - 103
    # They come back: only they are processed again, and the release is the first one's.
    for path in kept_aside.iterdir():
        shutil.move(path, news / path.name)
    normalised = _normalised(monkeypatch)
    third = corpus.build(news, store, executor="serial", progress=False)
    assert len(normalised) == 103
    assert third.manifest.fingerprint == first.manifest.fingerprint
    assert _files(third.path / "data") == _files(first.path / "data")


def test_the_cache_forgets_the_verdicts_of_texts_that_are_gone(
        news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each rebuild adds its new pairs' verdicts; once those of texts no longer in the corpus
    are many, they are deleted, and the release stays the one a clean build makes."""
    monkeypatch.setattr("corpus.pipeline.cache._PAIRS_SLACK", 0)
    store = tmp_path / "store"
    corpus.build(news, store, executor="serial", progress=False)
    path = store / ".cache" / "news" / "pipeline.sqlite"

    def pair_keys() -> list[bytes]:
        with sqlite3.connect(path) as db:
            rows = db.execute("SELECT key FROM cache_entries WHERE kind IN"
                              " ('verdict', 'evidence')").fetchall()
        db.close()
        return [bytes(key) for (key,) in rows]

    before = pair_keys()
    assert before
    for path_ in sorted(news.glob("*.txt")):  # every text changes: every pair is new
        path_.write_bytes(path_.read_bytes() + b"A note was added.\n")
    again = corpus.build(news, store, executor="serial", progress=False)
    after = pair_keys()
    assert not set(before) & set(after)
    clean = corpus.build(news, tmp_path / "clean", executor="serial", progress=False,
                         cache=False)
    rebuilt, fresh = _files(again.path), _files(clean.path)
    assert rebuilt.keys() == fresh.keys()
    assert all(rebuilt[f] == fresh[f] for f in rebuilt if f.endswith(".parquet"))


def test_a_cached_documents_text_is_read_from_the_cache_only_when_a_pair_needs_it(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild spools a cached document as a reference to its text in the cache: a new near
    copy of it is verified against the text fetched from there, and the release is the clean
    build's, byte for byte."""
    store = tmp_path / "store"
    corpus.build(news, store, executor="serial", progress=False)
    original = sorted(news.glob("1*.txt"))[5]
    lines = original.read_text(encoding="utf-8").splitlines()
    (news / "9998_00000000000000fe.txt").write_text(
        "\n".join(lines[:-1]) + "\nA paragraph the copy added at its end.\n", encoding="utf-8")
    fetched: list[bytes] = []
    real = phases_module._Spools._elsewhere

    def counting(self: phases_module._Spools, shard: int, key: bytes) -> tuple[str, str]:
        fetched.append(key)
        return real(self, shard, key)

    monkeypatch.setattr(phases_module._Spools, "_elsewhere", counting)
    second = corpus.build(news, store, executor="serial", progress=False)
    copy_id, original_id = "00000000000000fe", original.stem.split("_")[1]
    assert fetched  # the cached original's text, for the pair's verification
    assert len(set(fetched)) < len(second.manifest.inputs) // 10  # not every cached text
    rows = {r["id"]: r for r in corpus.load(second.path, config="all").to_list()}
    assert rows[copy_id]["cluster_id"] == rows[original_id]["cluster_id"] != ""
    clean = corpus.build(news, tmp_path / "clean", executor="serial", progress=False,
                         cache=False, version=str(second.version))
    for name, data in _files(clean.path).items():
        if name not in {"README.md", "manifest.json", "report.html"}:
            assert _files(second.path)[name] == data, name


def test_per_file_entries_include_the_documents_texts() -> None:
    """A document's text is pruned with its other entries, never before them."""
    assert phases_module.TEXT_KIND in PER_FILE


def test_a_new_license_or_title_keeps_the_cache_and_the_rows(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The card's settings decide no row: a build that changes them (and 1% of the files)
    takes the cached documents and the previous release's rows, as any rebuild does."""
    store = tmp_path / "store"
    corpus.build(news, store, executor="serial", progress=False)
    _edit(news)
    normalised = _normalised(monkeypatch)
    counts = _row_sources(monkeypatch)
    config = BuildConfig(license="cc-by-4.0", pretty_name="Our news")
    second = corpus.build(news, store, executor="serial", progress=False, config=config)
    assert sorted(normalised) == sorted(["00000000000000ff", _id_of(news, "1")])
    assert counts == {"release": second.manifest.counts.documents - 2, "cache": 0}
    assert "cc-by-4.0" in (second.path / "README.md").read_text(encoding="utf-8")
    clean = corpus.build(news, tmp_path / "clean", executor="serial", progress=False,
                         cache=False, version=str(second.version), config=config)
    _same_data(second, clean)


def test_compiled_files_do_not_change_the_source_digest(tmp_path: Path) -> None:
    """The package's digest is of its source: compiling it (as `dev.py` and an installer do)
    keeps the digest, and so every cached result; an edited module changes it."""
    package = tmp_path / "corpus"
    shutil.copytree(Path(builder_module.__file__).resolve().parent.parent, package,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    before = builder_module._package_digest(package)
    assert compileall.compile_dir(package, quiet=1, force=True)
    assert list(package.rglob("__pycache__/*.pyc"))
    assert builder_module._package_digest(package) == before
    module = package / "publish" / "builder.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert builder_module._package_digest(package) != before


def test_other_code_of_the_same_version_uses_no_cached_result(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkout's code changes without its version number: the release records a digest
    of the package's files, and a build with other code neither finds the release up to date
    without building nor takes a result cached by the other code."""
    store = tmp_path / "store"
    first = corpus.build(news, store, executor="serial", progress=False)
    assert first.manifest.libraries["corpus source"] == builder_module._source_digest()
    monkeypatch.setattr(builder_module, "_source_digest", lambda: "0" * 16)  # code edited
    normalised = _normalised(monkeypatch)
    again = corpus.build(news, store, executor="serial", progress=False)
    assert len(set(normalised)) == first.manifest.counts.documents  # every one again
    # The same rows: no new version (the release keeps what the first code recorded).
    assert again.status == "up-to-date"
    assert again.version == first.version


@pytest.mark.parametrize("engine", ["serial", "processes"])
def test_write_tasks_of_a_few_documents_take_their_rows_from_the_release_row_groups(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    """With write ranges of 37 documents and row groups of 5 rows, each write task starts
    reading the previous release's folders in the middle of a file (at the row group that
    holds its first row): every reused row still comes from the release, none from the
    cache, and the data files are a clean build's."""
    config = BuildConfig(shard_documents=37, row_group_rows=5)
    store = tmp_path / "store"
    first = corpus.build(news, store, executor=engine, workers=2,  # type: ignore[arg-type]
                         progress=False, config=config)
    default = sorted((first.path / "data" / "default").iterdir())
    assert len(default) >= 5
    _edit(news)
    counts = _row_sources(monkeypatch)
    opened: list[int] = []
    real_open = reuse_module._FolderRows._open

    def opening(self: Any, row: int) -> bool:
        opened.append(row)
        return bool(real_open(self, row))

    monkeypatch.setattr(reuse_module._FolderRows, "_open", opening)
    second = corpus.build(news, store, executor=engine, workers=2,  # type: ignore[arg-type]
                          progress=False, config=config)
    assert counts == {"release": first.manifest.counts.documents - 2, "cache": 0}
    if engine == "serial":  # the tasks opened the folders past their first rows
        assert max(opened) > 37
    clean = corpus.build(news, tmp_path / "clean", executor="serial", progress=False,
                         cache=False, version=str(second.version), config=config)
    _same_data(second, clean)
