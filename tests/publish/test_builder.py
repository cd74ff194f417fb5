"""corpus.build: layout, determinism, atomicity, versioning, rejects, sharding."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import tarfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

import corpus
from corpus.errors import ConfigError, FormatError, PublishError, StageError
from corpus.pipeline import build as pipeline_module
from corpus.pipeline.reuse import PreviousRelease
from corpus.publish import builder as build_module
from corpus.publish import card as card_module
from corpus.publish.builder import ReleaseExistsError, build, default_name
from corpus.publish.compare import row_json
from corpus.publish.config import BuildConfig
from corpus.publish.layout import MANIFEST, Version, list_releases
from corpus.publish.manifest import Manifest
from corpus.publish.parquet import write_batches, write_table
from corpus.schema import CLUSTERS_SCHEMA, REJECTS_SCHEMA, SCHEMA, from_row
from damage import SHARD, damage

BAD_UTF8 = b"Headline\nA body paragraph that is long enough to be body text.\n\xff\xfe broken\n"


def _files(release: Path) -> dict[str, bytes]:
    return {p.relative_to(release).as_posix(): p.read_bytes()
            for p in sorted(release.rglob("*")) if p.is_file()}


def _card_header(release: Path) -> dict[str, object]:
    text = (release / "README.md").read_text(encoding="utf-8")
    _, header, _ = text.split("---\n", 2)
    data: dict[str, object] = yaml.safe_load(header)
    return data


def test_build_writes_a_hugging_face_dataset_folder(corpus_dir: Path, tmp_path: Path) -> None:
    report = build(corpus_dir, tmp_path / "store")
    release = tmp_path / "store" / "seeds" / "v1.0.0"
    assert report.status == "built"
    assert report.path == release
    assert report.version == Version(1, 0, 0)
    assert sorted(_files(release)) == [
        "README.md",
        "clusters.parquet",
        "data/default/train-00000-of-00001.parquet",
        "data/duplicates/train-00000-of-00001.parquet",
        "manifest.json",
        "rejects.parquet",
        "report.html",
    ]
    manifest = Manifest.read(release)
    assert (manifest.name, manifest.version) == ("seeds", "1.0.0")
    assert manifest.counts.files_seen == 5
    assert manifest.counts.documents == 5
    assert manifest.counts.rows["all"] == 5
    assert manifest.counts.rows["default"] == 5 - manifest.counts.duplicates
    assert manifest.counts.rows["duplicates"] == manifest.counts.duplicates == 1
    assert manifest.format_version == "2"
    assert manifest.schema_version == corpus.SCHEMA_VERSION
    assert {i.path for i in manifest.inputs} == {p.name for p in corpus_dir.iterdir()}
    for item in manifest.inputs:
        raw = (corpus_dir / item.path).read_bytes()
        assert item.sha256 == hashlib.sha256(raw).hexdigest()
        assert item.bytes == len(raw)
    for entry in manifest.files:
        assert hashlib.sha256((release / entry.path).read_bytes()).hexdigest() == entry.sha256
    assert not [p for p in (tmp_path / "store" / "seeds").iterdir() if p.name.startswith(".")]


def test_every_shard_has_the_declared_schema(corpus_dir: Path, tmp_path: Path) -> None:
    release = build(corpus_dir, tmp_path).path
    for shard in release.glob("data/*/*.parquet"):
        assert pq.read_schema(shard).remove_metadata().equals(SCHEMA)
    assert pq.read_schema(release / "rejects.parquet").remove_metadata().equals(REJECTS_SCHEMA)
    assert pq.read_schema(release / "clusters.parquet").remove_metadata().equals(
        CLUSTERS_SCHEMA)


def test_the_seed_rewrite_is_a_cluster_with_its_evidence(
    corpus_dir: Path, tmp_path: Path
) -> None:
    report = build(corpus_dir, tmp_path)
    assert report.manifest.counts.clusters == 1
    assert report.manifest.counts.rows == {"default": 4, "duplicates": 1, "all": 5}
    assert report.manifest.counts.relations == {"unique": 3, "canonical": 1, "rewrite": 1}
    rows = pq.read_table(report.path / "clusters.parquet").to_pylist()
    assert [(r["id"], r["relation"], r["kept"]) for r in rows] == [
        ("860389ee531be975", "canonical", True), ("ccf4b0b12e1d7c3c", "rewrite", False)]
    assert {r["cluster_id"] for r in rows} == {"860389ee531be975"}
    assert {r["kept_because"] for r in rows} == {
        "ccf4b0b12e1d7c3c credits another outlet as its source ('The New York Post Reports')"}
    assert rows[1]["evidence"]
    assert rows[1]["aligned"] >= 3
    card = (report.path / "README.md").read_text(encoding="utf-8")
    assert "Cluster `860389ee531be975`:" in card
    assert "Kept `860389ee531be975` because ccf4b0b12e1d7c3c credits another outlet" in card
    assert "| ccf4b0b12e1d7c3c | rewrite |" in card
    assert "Evidence for ccf4b0b12e1d7c3c:" in card


def test_all_config_rebuilds_each_original_file_byte_for_byte(
    corpus_dir: Path, tmp_path: Path
) -> None:
    release = build(corpus_dir, tmp_path).path
    rows = corpus.load(release, config="all").to_list()
    assert len(rows) == 5
    for row in rows:
        doc = from_row(row)
        original = (corpus_dir / doc.source.path).read_bytes()
        assert corpus.render(doc) == original
        assert hashlib.sha256(corpus.render(doc)).hexdigest() == doc.raw_sha256


def test_card_header_declares_configs_and_sizes(corpus_dir: Path, tmp_path: Path) -> None:
    release = build(corpus_dir, tmp_path, config=BuildConfig(license="cc-by-4.0")).path
    header = _card_header(release)
    assert header["license"] == "cc-by-4.0"
    assert header["pretty_name"] == "seeds"
    assert header["size_categories"] == ["n<1K"]
    assert "text-generation" in header["task_categories"]  # type: ignore[operator]
    assert "und" not in header.get("language", [])  # type: ignore[operator]
    configs = {c["config_name"]: c for c in header["configs"]}  # type: ignore[attr-defined]
    assert configs["default"]["data_files"] == [
        {"split": "train", "path": "data/default/train-*"}]
    assert configs["duplicates"]["data_files"] == [
        {"split": "train", "path": "data/duplicates/train-*"}]
    assert configs["all"]["data_files"] == [
        {"split": "train", "path": ["data/default/train-*", "data/duplicates/train-*"]}]
    infos = {i["config_name"]: i for i in header["dataset_info"]}  # type: ignore[attr-defined]
    manifest = Manifest.read(release)
    for name in ("default", "duplicates", "all"):
        split = infos[name]["splits"][0]
        assert split["name"] == "train"
        assert split["num_examples"] == manifest.counts.rows[name]
        folders = ("default", "duplicates") if name == "all" else (name,)
        assert infos[name]["download_size"] == sum(
            (release / f"data/{f}/train-00000-of-00001.parquet").stat().st_size for f in folders)
        assert [f["name"] for f in infos[name]["features"]] == SCHEMA.names


def test_card_prose_has_sources_settings_counts_clusters_rejects_changelog(
    corpus_dir: Path, tmp_path: Path
) -> None:
    (corpus_dir / "005_0123456789abcdef.txt").write_bytes(BAD_UTF8)
    release = build(corpus_dir, tmp_path).path
    text = (release / "README.md").read_text(encoding="utf-8")
    for heading in ("## Configurations", "## Sources", "## How it was built", "## Counts",
                    "## Duplicate clusters", "## Rejects", "## Schema", "## Changelog"):
        assert heading in text
    assert f"corpus {corpus.__version__}" in text
    assert "`005_0123456789abcdef.txt` | 3 | invalid-utf8 |" in text
    assert "- **1.0.0**: first release." in text
    for name in SCHEMA.names:
        assert f"| `{name}` |" in text


def test_rebuilding_unchanged_inputs_is_up_to_date(corpus_dir: Path, tmp_path: Path) -> None:
    first = build(corpus_dir, tmp_path)
    before = _files(first.path)
    again = build(corpus_dir, tmp_path)
    assert again.status == "up-to-date"
    assert again.version == first.version
    assert again.path == first.path
    assert _files(first.path) == before
    assert [str(v) for v, _ in list_releases(tmp_path / "seeds")] == ["1.0.0"]
    assert "is up to date" in again.summary()[0]


def test_an_unchanged_corpus_is_found_up_to_date_without_processing(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(corpus_dir, tmp_path)

    def no_processing(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged corpus must not be normalised again")

    monkeypatch.setattr("corpus.pipeline.stages.normalize", no_processing)
    monkeypatch.setattr("corpus.pipeline.stages.normalize_batch", no_processing)
    assert build(corpus_dir, tmp_path).status == "up-to-date"


def test_a_new_library_version_with_the_same_output_is_still_up_to_date(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(corpus_dir, tmp_path)
    versions = build_module._library_versions() | {"pyarrow": "99.0.0"}
    monkeypatch.setattr(build_module, "_library_versions", lambda: versions)
    report = build(corpus_dir, tmp_path)  # processed again: the fingerprint decides
    assert report.status == "up-to-date"
    assert report.version == Version(1, 0, 0)


def test_a_release_of_format_1_is_built_again_in_format_2(
    corpus_dir: Path, tmp_path: Path
) -> None:
    """A release written before each row was stored once (every row in data/all/, the kept
    ones again in data/default/) is not up to date: the same inputs give a patch release in
    today's layout, and the diff reads the old one's data/all/."""
    first = build(corpus_dir, tmp_path).path
    rows = pa.concat_tables([pq.read_table(p) for p in sorted(first.glob("data/*/*.parquet"))])
    written = write_table(first, "data/all/train-00000-of-00001.parquet", rows.to_pylist(),
                          SCHEMA)
    shutil.rmtree(first / "data" / "duplicates")
    manifest = json.loads((first / MANIFEST).read_text())
    manifest["format_version"] = "1"
    manifest["files"] = [f for f in manifest["files"] if not f["path"].startswith("data/dup")]
    manifest["files"].append({"path": written.path, "rows": written.rows,
                              "bytes": written.bytes, "sha256": written.sha256})
    (first / MANIFEST).write_text(json.dumps(manifest))

    again = build(corpus_dir, tmp_path)
    assert again.status == "built"
    assert again.version == Version(1, 0, 1)
    assert again.diff is not None
    assert (again.diff.added, again.diff.removed, again.diff.changed) == ((), (), ())
    assert again.diff.unchanged == 5
    assert again.manifest.format_version == "2"
    assert (again.path / "data/duplicates/train-00000-of-00001.parquet").is_file()
    assert not (again.path / "data" / "all").exists()
    assert build(corpus_dir, tmp_path).status == "up-to-date"


def test_two_builds_are_byte_identical_wherever_the_corpus_lies(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = build(corpus_dir.resolve(), tmp_path / "a").path
    elsewhere = tmp_path / "elsewhere" / "seeds"
    shutil.copytree(corpus_dir, elsewhere)
    monkeypatch.chdir(elsewhere.parent)
    b = build("seeds/", tmp_path / "b").path
    assert _files(a) == _files(b)


def test_changed_text_proposes_a_patch(corpus_dir: Path, tmp_path: Path) -> None:
    build(corpus_dir, tmp_path)
    path = corpus_dir / "001_8b6178791ad9aa8e.txt"
    path.write_bytes(path.read_bytes().replace(b"the", b"THE", 1))
    report = build(corpus_dir, tmp_path)
    assert report.status == "built"
    assert report.version == Version(1, 0, 1)
    assert report.previous == Version(1, 0, 0)
    assert report.diff is not None
    assert [c.id for c in report.diff.changed] == ["8b6178791ad9aa8e"]
    assert "raw_sha256" in report.diff.changed[0].fields
    entry = report.manifest.changelog[-1]
    assert (entry.version, entry.previous, entry.kind, entry.changed) == ("1.0.1", "1.0.0",
                                                                          "patch", 1)
    card = (report.path / "README.md").read_text(encoding="utf-8")
    assert "- **1.0.1** (from 1.0.0): 1 changed." in card
    assert "- **1.0.0**: first release." in card


def test_added_or_removed_documents_propose_a_minor_version(
    corpus_dir: Path, tmp_path: Path, seeds_dir: Path
) -> None:
    build(corpus_dir, tmp_path)
    source = (seeds_dir / "004_e180362b89ccddc6.txt").read_bytes()
    (corpus_dir / "005_00000000000000ff.txt").write_bytes(source.replace(b"Belarus", b"Ruritania"))
    added = build(corpus_dir, tmp_path)
    assert added.version == Version(1, 1, 0)
    assert added.diff is not None
    assert [d.id for d in added.diff.added] == ["00000000000000ff"]
    (corpus_dir / "000_dbad2dc0fe77bb11.txt").unlink()
    removed = build(corpus_dir, tmp_path)
    assert removed.version == Version(1, 2, 0)
    assert removed.diff is not None
    assert [d.id for d in removed.diff.removed] == ["dbad2dc0fe77bb11"]
    kinds = [(e.version, e.kind) for e in removed.manifest.changelog]
    assert kinds == [("1.0.0", "initial"), ("1.1.0", "minor"), ("1.2.0", "minor")]
    # The first release's entry counts everything it holds as added (the seeds: five
    # documents, one cluster), as later entries count what they add.
    first = removed.manifest.changelog[0]
    assert (first.added, first.clusters_added, first.removed) == (5, 1, 0)


def test_a_schema_change_proposes_a_major_version(corpus_dir: Path, tmp_path: Path) -> None:
    first = build(corpus_dir, tmp_path).path
    # Make v1.0.0 look as if an older schema wrote it: one column fewer, older schema version,
    # and its manifest recording those files (a release whose files are not as its manifest
    # records them is damaged, and refused).
    manifest = json.loads((first / MANIFEST).read_text())
    for shard in first.glob("data/*/train-*.parquet"):
        pq.write_table(pq.read_table(shard).drop_columns(["score"]), shard)
        for entry in manifest["files"]:
            if entry["path"] == shard.relative_to(first).as_posix():
                entry["bytes"] = shard.stat().st_size
                entry["sha256"] = hashlib.sha256(shard.read_bytes()).hexdigest()
    manifest["schema_version"] = "0.9"
    (first / MANIFEST).write_text(json.dumps(manifest))
    report = build(corpus_dir, tmp_path)
    assert report.version == Version(2, 0, 0)
    assert report.diff is not None
    assert report.diff.schema_changed


def test_settings_change_alone_makes_a_patch(corpus_dir: Path, tmp_path: Path) -> None:
    build(corpus_dir, tmp_path)
    report = build(corpus_dir, tmp_path, config=BuildConfig(license="mit"))
    assert report.version == Version(1, 0, 1)
    assert report.manifest.changelog[-1].summary() == (
        "no document changes (card or settings only)")


def test_an_existing_version_with_other_content_is_refused_unless_overwrite(
    corpus_dir: Path, tmp_path: Path
) -> None:
    first = build(corpus_dir, tmp_path, version="1.0.0")
    kept = _files(first.path)
    (corpus_dir / "002_ccf4b0b12e1d7c3c.txt").unlink()
    with pytest.raises(ReleaseExistsError, match=r"v1\.0\.0 already exists.*--overwrite"):
        build(corpus_dir, tmp_path, version="1.0.0")
    assert _files(first.path) == kept
    replaced = build(corpus_dir, tmp_path, version="v1.0.0", overwrite=True)
    assert replaced.status == "overwritten"
    assert replaced.manifest.counts.documents == 4
    assert [str(v) for v, _ in list_releases(tmp_path / "seeds")] == ["1.0.0"]
    assert not [p for p in (tmp_path / "seeds").iterdir() if p.name.startswith(".")]


def test_an_explicit_version_with_the_same_content_is_up_to_date(
    corpus_dir: Path, tmp_path: Path
) -> None:
    build(corpus_dir, tmp_path, version="2.3.4")
    assert build(corpus_dir, tmp_path, version="2.3.4").status == "up-to-date"


def test_an_explicit_version_follows_the_highest_lower_release(
    corpus_dir: Path, tmp_path: Path
) -> None:
    build(corpus_dir, tmp_path, version="1.0.0")
    (corpus_dir / "000_dbad2dc0fe77bb11.txt").unlink()
    build(corpus_dir, tmp_path, version="3.0.0")
    report = build(corpus_dir, tmp_path, version="2.0.0", config=BuildConfig(license="mit"))
    assert report.previous == Version(1, 0, 0)
    assert report.diff is not None
    assert [d.id for d in report.diff.removed] == ["dbad2dc0fe77bb11"]


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_a_failure_midway_leaves_no_release_and_no_temporary_folder(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    calls = {"n": 0}
    real_row_json = row_json

    def failing_row_json(row: Mapping[str, object]) -> bytes:
        # clusters.parquet's rows are made on a thread of their own; the build's own first
        # call is in the write stage, once work files and shards exist
        if threading.current_thread() is threading.main_thread():
            calls["n"] += 1
            raise error
        return real_row_json(row)

    monkeypatch.setattr(pipeline_module, "row_json", failing_row_json)
    # the write task's failure names its documents; Ctrl-C passes as it is
    expected = StageError if isinstance(error, Exception) else type(error)
    with pytest.raises(expected):
        build(corpus_dir, tmp_path)
    assert calls["n"] == 1
    assert not (tmp_path / "seeds").exists()  # nor the dataset folder the first build made


def test_a_failure_writing_the_clusters_file_fails_the_build_and_leaves_nothing(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline_module, "write_batches", full_disk)
    with pytest.raises(PublishError, match="No space left on device"):
        build(corpus_dir, tmp_path)
    assert not (tmp_path / "seeds").exists()  # nor the dataset folder the first build made


def test_a_failed_write_stage_waits_for_the_clusters_file_before_cleaning_up(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """clusters.parquet is written on a thread beside the write stage: when the write stage
    fails first, the build still waits for that thread, so that it does not write into a
    temporary folder already deleted (or leave files behind in it)."""
    failed = threading.Event()
    finished: list[bool] = []

    def slow_write_batches(*args: Any, **kwargs: Any) -> Any:
        failed.wait(10)  # until the write stage has failed
        time.sleep(0.3)
        written = write_batches(*args, **kwargs)
        finished.append(True)
        return written

    def failing_annotate(self: object, batch: object, order: object = None) -> None:
        failed.set()
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pipeline_module, "write_batches", slow_write_batches)
    monkeypatch.setattr(pipeline_module._Annotator, "__call__", failing_annotate)
    with pytest.raises(StageError, match="write: documents 1 to 5 of the corpus: RuntimeError: "
                       "disk on fire"):
        build(corpus_dir, tmp_path)
    assert finished == [True]
    assert not (tmp_path / "seeds").exists()  # nor the dataset folder the first build made


def test_a_failure_after_the_data_is_written_leaves_nothing_either(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_card(*args: object, **kwargs: object) -> str:
        raise PublishError("card failed")

    monkeypatch.setattr(build_module, "render_card", broken_card)
    with pytest.raises(PublishError, match="card failed"):
        build(corpus_dir, tmp_path)
    assert not (tmp_path / "seeds").exists()  # nor the dataset folder the first build made


def test_a_killed_build_is_cleaned_up_by_the_next_one(corpus_dir: Path, tmp_path: Path) -> None:
    dataset = tmp_path / "seeds"
    host = socket.gethostname()
    dead = dataset / f".build-{host}-999999999-deadbeef"
    alive = dataset / f".build-{host}-{os.getpid()}-0badc0de"
    foreign = dataset / ".build-otherhost-1-cafebabe"
    # Releases set aside by an --overwrite killed between its two renames:
    # v1.0.0 never got its replacement (put back), v2.0.0 did (the old copy is removed).
    set_aside = dataset / f".build-old-v1.0.0-{host}-999999999-feedface"
    replaced = dataset / f".build-old-v2.0.0-{host}-999999999-facefeed"
    running = dataset / f".build-old-v3.0.0-{host}-{os.getpid()}-0ddba11"
    for folder in (dead, alive, foreign, set_aside, replaced, running):
        (folder / "data").mkdir(parents=True)
    (set_aside / "marker").write_text("the old v1.0.0")
    (dataset / "v2.0.0").mkdir()
    build(corpus_dir, tmp_path, version="9.0.0")
    assert not dead.exists()
    assert alive.exists()  # a running build
    assert foreign.exists()  # another host's
    assert (dataset / "v1.0.0" / "marker").read_text() == "the old v1.0.0"
    assert running.exists()  # its overwrite may still finish
    assert sorted(p.name for p in dataset.iterdir()) == sorted(
        [alive.name, foreign.name, running.name, "v1.0.0", "v2.0.0", "v9.0.0"])


def test_rejects_are_recorded_with_path_line_rule_and_reason(
    corpus_dir: Path, tmp_path: Path
) -> None:
    (corpus_dir / "005_0123456789abcdef.txt").write_bytes(BAD_UTF8)
    (corpus_dir / "notes.txt").write_text("not a seed file\n")
    (corpus_dir / ".DS_Store").write_bytes(b"\0")
    report = build(corpus_dir, tmp_path)
    counts = report.manifest.counts
    assert (counts.files_seen, counts.documents, counts.rejects) == (7, 5, 2)
    assert counts.rejects_by_rule == {"bad-name": 1, "invalid-utf8": 1}
    assert counts.skipped == 1
    rows = pq.read_table(report.path / "rejects.parquet").to_pylist()
    assert [(r["path"], r["line"], r["rule"]) for r in rows] == [
        ("005_0123456789abcdef.txt", 3, "invalid-utf8"),
        ("notes.txt", 0, "bad-name"),
    ]
    assert rows[0]["offset"] == BAD_UTF8.index(b"\xff")
    inputs = {i.path: i for i in report.manifest.inputs}
    assert inputs["005_0123456789abcdef.txt"].status == "rejected"
    assert inputs["005_0123456789abcdef.txt"].sha256 == hashlib.sha256(BAD_UTF8).hexdigest()
    assert inputs["notes.txt"].rule == "bad-name"
    assert "rejects 2 (bad-name 1, invalid-utf8 1)" in report.summary()[1]


def test_strict_mode_stops_at_the_first_reject_and_writes_nothing(
    corpus_dir: Path, tmp_path: Path
) -> None:
    (corpus_dir / "005_0123456789abcdef.txt").write_bytes(BAD_UTF8)
    with pytest.raises(FormatError, match="invalid UTF-8") as raised:
        build(corpus_dir, tmp_path, config=BuildConfig(strict=True))
    # The file named as given (as `corpus validate` names it), not relative to the corpus.
    assert raised.value.path == f"{corpus_dir}/005_0123456789abcdef.txt"
    # Nothing left, not even the dataset's folder this first build made; the cache keeps
    # what was read, closed (no write-ahead log left beside it).
    assert not (tmp_path / "seeds").exists()
    assert [p.name for p in (tmp_path / ".cache" / "seeds").iterdir()] == ["pipeline.sqlite"]


def test_a_missing_extra_leaves_no_dataset_folder(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from corpus.pipeline import EngineUnavailableError

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the dask extra were missing
    with pytest.raises(EngineUnavailableError, match=r"news-corpus\[dask\]"):
        build(corpus_dir, tmp_path, executor="dask")
    assert not (tmp_path / "seeds").exists()
    (tmp_path / "seeds").mkdir()  # a folder that was there before the build stays
    with pytest.raises(EngineUnavailableError):
        build(corpus_dir, tmp_path, executor="dask")
    assert (tmp_path / "seeds").is_dir()
    # A store the build made for it goes too, up to the first folder that was there.
    with pytest.raises(EngineUnavailableError):
        build(corpus_dir, tmp_path / "new" / "store", executor="dask")
    assert not (tmp_path / "new").exists()


def test_small_limits_give_several_shards_that_still_load(
    corpus_dir: Path, tmp_path: Path
) -> None:
    config = BuildConfig(row_group_rows=1, shard_bytes=1)
    release = build(corpus_dir, tmp_path, config=config).path
    shards = sorted(p.name for p in (release / "data" / "default").iterdir())
    assert shards == [f"train-{i:05d}-of-00004.parquet" for i in range(4)]
    assert [p.name for p in (release / "data" / "duplicates").iterdir()] == [
        "train-00000-of-00001.parquet"]
    dataset = corpus.load(release, config="all")
    assert sorted(dataset["id"]) == sorted(p.name[4:20] for p in corpus_dir.iterdir())
    assert len(Manifest.read(release).files) == len(list(release.rglob("*.parquet")))


def test_an_archive_builds_like_the_folder(corpus_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "seeds.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(corpus_dir.iterdir()):
            tar.add(path, arcname=path.name)
    report = build(archive, tmp_path / "store")
    assert report.name == "seeds"
    assert report.manifest.counts.documents == 5
    docs = list(corpus.documents(corpus.load(report.path, config="all")))
    assert {d.source.path for d in docs} == {"seeds.tar.gz"}
    assert {d.source.member for d in docs} == {p.name for p in corpus_dir.iterdir()}


def test_a_missing_source_is_a_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(corpus.CorpusError, match="no such file or directory"):
        build(tmp_path / "nowhere", tmp_path / "store")
    assert not (tmp_path / "store" / "nowhere").exists()


@pytest.mark.parametrize(
    ("source", "name"),
    [("seeds", "seeds"), ("seeds/", "seeds"), ("/data/news.tar.gz", "news"),
     ("x/y.zip", "y"), ("memory://bucket/corpus", "corpus"), (r"C:\data\news", "news")],
)
def test_default_name(source: str, name: str) -> None:
    assert default_name(source) == name


def test_default_name_of_the_current_folder_is_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    monkeypatch.chdir(folder)
    assert default_name(".") == "articles"
    assert default_name("./") == "articles"
    monkeypatch.chdir(folder.parent)
    assert default_name("articles/.") == "articles"


def test_a_bad_name_or_version_fails_before_reading(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="pass --name"):
        build(tmp_path / "nowhere", tmp_path, name="no/slashes")
    with pytest.raises(ConfigError, match=r"MAJOR\.MINOR\.PATCH"):
        build(tmp_path / "nowhere", tmp_path, version="1.0")


def test_manifest_is_stable_json(corpus_dir: Path, tmp_path: Path) -> None:
    release = build(corpus_dir, tmp_path).path
    text = (release / MANIFEST).read_text(encoding="utf-8")
    data = json.loads(text)
    assert list(data)[:4] == ["format", "format_version", "name", "version"]
    assert Manifest.from_json(text).to_json() == text
    assert str(tmp_path) not in text


def test_reject_paths_and_messages_are_relative_to_the_corpus_root(
    corpus_dir: Path, tmp_path: Path
) -> None:
    (corpus_dir / "more").mkdir()
    first = corpus_dir / "000_dbad2dc0fe77bb11.txt"
    shutil.copy(first, corpus_dir / "more" / "007_dbad2dc0fe77bb11.txt")
    report = build(corpus_dir.resolve(), tmp_path / "store")
    rows = pq.read_table(report.path / "rejects.parquet").to_pylist()
    assert [(r["path"], r["rule"]) for r in rows] == [
        ("more/007_dbad2dc0fe77bb11.txt", "duplicate-id")]
    assert "already used by 000_dbad2dc0fe77bb11.txt" in rows[0]["message"]
    for release_file in report.path.rglob("*"):
        if release_file.is_file():
            assert str(tmp_path).encode() not in release_file.read_bytes()


def test_the_card_lists_the_first_clusters_and_counts_them_all(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build keeps the members of the clusters the card lists only (a big corpus has
    hundreds of thousands); the card and the manifest still count every cluster."""
    seeds = sorted(corpus_dir.glob("00[014]_*.txt"))
    for k, seed in enumerate(seeds):
        (corpus_dir / f"{10 + k:03d}_{k:016x}.txt").write_bytes(seed.read_bytes())
    monkeypatch.setattr(pipeline_module, "LIST_LIMIT", 2)
    monkeypatch.setattr(card_module, "LIST_LIMIT", 2)
    given: list[int] = []
    render = card_module.render_card

    def spy(*args: Any, **kwargs: Any) -> str:
        given.append(len(kwargs["clusters"]))
        return render(*args, **kwargs)

    monkeypatch.setattr(build_module, "render_card", spy)
    release = build(corpus_dir, tmp_path).path
    assert given == [2]
    text = (release / "README.md").read_text(encoding="utf-8")
    clusters = pq.read_table(release / "clusters.parquet").column("cluster_id").to_pylist()
    assert len(set(clusters)) == 4
    assert Manifest.read(release).counts.clusters == 4
    listed = [line for line in text.splitlines() if line.startswith("Cluster `")]
    assert listed == [f"Cluster `{c}`:" for c in sorted(set(clusters))[:2]]
    assert "… and 2 more: see the `all` config." in text


def test_every_file_of_a_release_is_flushed_once_before_it_is_published(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The data files are flushed in a thread while the card and the report are written, the
    rest when the release is moved into place: together, every file once."""
    flushed: list[Path] = []
    real_fsync_files = build_module._fsync_files

    def fsync_files(paths: Any) -> list[Path]:
        done = real_fsync_files(paths)
        flushed.extend(done)
        return done

    monkeypatch.setattr(build_module, "_fsync_files", fsync_files)
    report = build(corpus_dir, tmp_path / "store", executor="serial", progress=False)
    # flushed in the temporary folder, which became the release: compare relative paths
    temporary = {p.parents[len(p.relative_to(report.path.parent).parts) - 2] for p in flushed}
    assert len(temporary) == 1
    (tmp,) = temporary
    relative = [p.relative_to(tmp).as_posix() for p in flushed]
    assert sorted(relative) == sorted(set(relative)) == sorted(_files(report.path))
    assert "data/duplicates/train-00000-of-00001.parquet" in relative


def test_a_big_builds_report_is_written_in_a_process_of_its_own(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With worker processes and enough files the report is prepared elsewhere (this
    process's ``prepare_report`` is never called), and it is the report a serial build
    writes."""
    serial = build(corpus_dir, tmp_path / "serial", executor="serial", progress=False)

    def not_here(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the report was written in the build's own process")

    monkeypatch.setattr(build_module, "_REPORT_ELSEWHERE", 1)
    monkeypatch.setattr(build_module, "prepare_report", not_here)
    elsewhere = build(corpus_dir, tmp_path / "processes", executor="processes", workers=2,
                      progress=False)
    assert (elsewhere.path / "report.html").read_bytes() == (
        serial.path / "report.html").read_bytes()


def test_a_report_that_fails_elsewhere_raises_its_error(corpus_dir: Path, tmp_path: Path
                                                        ) -> None:
    """A failure in the report's process is raised by ``finish``, never lost."""
    manifest = build(corpus_dir, tmp_path / "store", executor="serial", progress=False).manifest
    report = build_module._Report(tmp_path / "missing", manifest.files, elsewhere=True)
    try:
        with pytest.raises(PublishError, match="missing"):
            report.finish(manifest)
    finally:
        report.close()


# A damaged release (a file its manifest lists missing, or of another size) is never up to
# date and never followed; building it again in place (--version X --overwrite) repairs it.


def _offered_rows(monkeypatch: pytest.MonkeyPatch) -> list[PreviousRelease | None]:
    """What the builder offers the writer as the previous release to take rows from."""
    offered: list[PreviousRelease | None] = []
    real = build_module._previous_rows

    def recording(*args: Any) -> PreviousRelease | None:
        offered.append(real(*args))
        return offered[-1]

    monkeypatch.setattr(build_module, "_previous_rows", recording)
    return offered


@pytest.mark.parametrize(("how", "path"), [("missing", SHARD), ("truncated", SHARD),
                                           ("missing", "rejects.parquet")])
def test_a_damaged_release_of_the_same_content_is_not_up_to_date(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str, path: str
) -> None:
    """Before, an unchanged corpus over a damaged latest release was "up to date"."""
    build(corpus_dir, tmp_path)
    path_change = corpus_dir / "001_8b6178791ad9aa8e.txt"
    path_change.write_bytes(path_change.read_bytes().replace(b"the", b"THE", 1))
    latest = build(corpus_dir, tmp_path)
    assert latest.version == Version(1, 0, 1)
    clean = _files(latest.path)
    damaged = damage(latest.path, how, path)

    with pytest.raises(PublishError) as caught:
        build(corpus_dir, tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{damaged}: ")
    assert "\n" not in message
    repair = f"corpus build {corpus_dir} --out {tmp_path} --version 1.0.1 --overwrite"
    assert message.endswith(repair)
    with pytest.raises(PublishError, match=rf"release v1\.0\.1 is damaged.*{re.escape(repair)}"):
        build(corpus_dir, tmp_path, version="1.0.1")  # an explicit version, no overwrite
    assert not damaged.exists() or damaged.stat().st_size < len(clean[path])
    assert sorted(p.name for p in (tmp_path / "seeds").iterdir()) == ["v1.0.0", "v1.0.1"]

    offered = _offered_rows(monkeypatch)
    repaired = build(corpus_dir, tmp_path, version="1.0.1", overwrite=True)
    assert repaired.status == "overwritten"
    if path.startswith("data/"):  # the damaged release's rows were not taken
        assert offered
        assert all(p is None or Path(p.folder) != latest.path for p in offered)
    assert _files(repaired.path) == clean  # as the clean build wrote it, changelog included
    assert build(corpus_dir, tmp_path).status == "up-to-date"


def test_a_damaged_release_is_found_after_the_stages_too(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same content from other inputs (here: other library versions, so the inputs'
    check does not decide): the fingerprint's check at the end requires a whole release too."""
    build(corpus_dir, tmp_path, version="1.0.0")
    damaged = damage(tmp_path / "seeds" / "v1.0.0", "truncated")
    versions = build_module._library_versions() | {"pyarrow": "99.0.0"}
    monkeypatch.setattr(build_module, "_library_versions", lambda: versions)
    with pytest.raises(PublishError, match=rf"^{re.escape(str(damaged))}: .*is damaged"):
        build(corpus_dir, tmp_path, version="1.0.0")
    repaired = build(corpus_dir, tmp_path, version="1.0.0", overwrite=True)
    assert repaired.status == "overwritten"
    assert damaged.stat().st_size == next(f.bytes for f in repaired.manifest.files
                                          if f.path == SHARD)


def test_a_new_release_does_not_follow_a_damaged_one(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its changelog would compare with what is left of it; the build stops before reading
    the corpus, and says how to repair it or replace it."""
    first = build(corpus_dir, tmp_path)
    damaged = damage(first.path, "missing")
    (corpus_dir / "000_dbad2dc0fe77bb11.txt").unlink()

    def no_stages(*args: object, **kwargs: object) -> None:
        raise AssertionError("the stages must not run")

    with monkeypatch.context() as patched:
        patched.setattr(build_module, "run_build", no_stages)
        with pytest.raises(PublishError, match=rf"^{re.escape(str(damaged))}: missing") as caught:
            build(corpus_dir, tmp_path)
        assert "release v1.0.0, which this build follows" in str(caught.value)
        assert str(caught.value).endswith(
            f"(corpus build {corpus_dir} --out {tmp_path} --version 1.0.0 --overwrite)")
        with pytest.raises(PublishError, match=r"release v1\.0\.0, which this build follows"):
            build(corpus_dir, tmp_path, version="2.0.0")  # an explicit version above it
    assert sorted(p.name for p in (tmp_path / "seeds").iterdir()) == ["v1.0.0"]
    replaced = build(corpus_dir, tmp_path, version="1.0.0", overwrite=True)
    assert replaced.status == "overwritten"
    assert replaced.manifest.counts.documents == 4
