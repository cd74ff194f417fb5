"""Loading a release: corpus.load / corpus.documents, and plain datasets and Polars."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import datasets
import polars as pl
import pytest

import corpus
from corpus.errors import ConfigError, PublishError
from corpus.publish.hub import push
from corpus.publish.layout import CONFIGS, MANIFEST
from corpus.schema import SCHEMA, features
from hub.server import HubStore


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    return corpus.build(seeds_dir, tmp_path_factory.mktemp("store")).path


@pytest.fixture(scope="module")
def unique_dir(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    """The seeds without 002 and 003: a corpus without duplicates."""
    source = tmp_path_factory.mktemp("in") / "unique"
    source.mkdir()
    for path in seeds_dir.glob("*.txt"):
        if not path.name.startswith(("002_", "003_")):
            shutil.copy(path, source / path.name)
    return source


@pytest.fixture(scope="module")
def unique_release(tmp_path_factory: pytest.TempPathFactory, unique_dir: Path) -> Path:
    """The release of :func:`unique_dir`: its ``duplicates`` config has no rows."""
    return corpus.build(unique_dir, tmp_path_factory.mktemp("store")).path


def _assert_empty_like(loaded: datasets.Dataset, full: datasets.Dataset) -> None:
    """``loaded`` has no rows, and the features, Arrow schema and split of ``full``."""
    assert loaded.num_rows == 0
    assert loaded.features == full.features == features()
    assert loaded.data.schema.equals(full.data.schema)
    assert str(loaded.split) == str(full.split) == "train"
    assert list(corpus.documents(loaded)) == []


def test_load_dataset_on_the_folder_gives_the_default_config(release: Path) -> None:
    loaded = datasets.load_dataset(str(release))
    assert list(loaded) == ["train"]
    manifest = json.loads((release / MANIFEST).read_text())
    assert loaded["train"].num_rows == manifest["counts"]["rows"]["default"]
    assert loaded["train"].features == features()


def test_load_dataset_all_config_has_every_document(release: Path, seeds_dir: Path) -> None:
    full = datasets.load_dataset(str(release), "all", split="train")
    assert full.num_rows == 5
    assert sorted(full["raw_sha256"]) == sorted(
        hashlib.sha256(p.read_bytes()).hexdigest() for p in seeds_dir.glob("*.txt"))


def test_each_row_is_stored_once_in_default_or_duplicates(release: Path) -> None:
    kept = datasets.load_dataset(str(release), "default", split="train")
    removed = datasets.load_dataset(str(release), "duplicates", split="train")
    full = datasets.load_dataset(str(release), "all", split="train")
    assert (kept.num_rows, removed.num_rows, full.num_rows) == (4, 1, 5)
    assert set(removed["relation"]) == {"rewrite"}
    assert set(kept["relation"]) <= {"unique", "canonical"}
    # all: the kept rows, then the removed ones, each folder in corpus order
    assert list(full["id"]) == list(kept["id"]) + list(removed["id"])
    paths = [s["path"] for s in kept["source"]]
    assert paths == sorted(paths)
    assert len(list(release.rglob("*.parquet"))) == 4  # two data files, rejects, clusters


def test_load_dataset_parquet_with_data_files(release: Path) -> None:
    files = sorted(str(p) for p in (release / "data").glob("*/*.parquet"))
    loaded = datasets.load_dataset("parquet", data_files=files, split="train")
    assert loaded.num_rows == 5
    assert loaded.features == features()


def test_polars_reads_the_shards(release: Path) -> None:
    frame = pl.read_parquet(release / "data" / "*" / "*.parquet")
    assert frame.columns == SCHEMA.names
    assert frame.height == 5
    lines = frame.select(pl.col("lines").list.len()).to_series().to_list()
    assert all(n > 0 for n in lines)


def test_corpus_load_and_documents_give_typed_records_back(
    release: Path, seeds_dir: Path
) -> None:
    loaded = corpus.load(release, config="all")
    assert loaded.features == features()
    docs = list(corpus.documents(loaded))
    assert all(isinstance(d, corpus.Document) for d in docs)
    originals = {p.name: p.read_bytes() for p in seeds_dir.glob("*.txt")}
    assert {d.source.path: corpus.render(d) for d in docs} == originals
    default = list(corpus.documents(corpus.load(str(release))))
    assert {d.id for d in default} <= {d.id for d in docs}
    assert all(d.relation in (corpus.Relation.UNIQUE, corpus.Relation.CANONICAL)
               for d in default)


def test_local_release_refuses_a_revision(release: Path) -> None:
    with pytest.raises(ConfigError, match=r"revision='v1\.0\.0'.*drop revision"):
        corpus.load(release, revision="v1.0.0")


def test_unknown_config_names_the_configs(release: Path) -> None:
    with pytest.raises(ConfigError, match=r"config='dedup'.*'default', 'duplicates', 'all'"):
        corpus.load(release, config="dedup")


def test_a_release_of_another_schema_major_is_refused(release: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    manifest = json.loads((release / MANIFEST).read_text())
    manifest["schema_version"] = "0.1"
    manifest["libraries"]["corpus"] = "0.0.9"
    (old / MANIFEST).write_text(json.dumps(manifest))
    # The install hint names the distribution (`corpus` on PyPI is another project).
    with pytest.raises(PublishError, match=r"written with schema 0\.1.*pip install "
                                           r"'news-corpus==0\.0\.9'.*rebuild the release"):
        corpus.load(old)


def test_a_damaged_release_is_not_loaded_even_from_datasets_cache(
    release: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "v1.0.0"
    shutil.copytree(release, copy)
    assert corpus.load(copy, config="all").num_rows == 5  # datasets prepares and caches it
    shard = next((copy / "data" / "default").glob("*.parquet"))
    with shard.open("r+b") as handle:
        handle.truncate(1000)
    with pytest.raises(PublishError, match=r"train-00000-of-00001\.parquet: 1000 bytes, but "
                                           r"manifest\.json records .* is damaged, so it is "
                                           r"not loaded"):
        corpus.load(copy, config="all")
    assert corpus.load(copy, config="duplicates").num_rows == 1  # its files are whole
    shard.unlink()
    with pytest.raises(PublishError, match=r"train-00000-of-00001\.parquet: missing"):
        corpus.load(copy)


def test_a_folder_that_is_not_a_release_fails_with_publish_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    with pytest.raises(PublishError, match=r"is not a release folder \(it has no manifest"):
        corpus.load(tmp_path)


@pytest.mark.parametrize("where", ["releases/nothing/v1.0.0", "./missing", "/no/such/release"])
def test_a_missing_folder_is_not_taken_for_a_repo_id(where: str) -> None:
    with pytest.raises(PublishError, match="neither a release folder"):
        corpus.load(where)


# --- configs without rows: datasets prepares them but will not read a split of no rows ---


def test_an_empty_duplicates_config_loads_as_an_empty_dataset(unique_release: Path) -> None:
    manifest = json.loads((unique_release / MANIFEST).read_text())
    assert manifest["counts"]["rows"] == {"default": 3, "duplicates": 0, "all": 3}
    kept = corpus.load(unique_release)
    _assert_empty_like(corpus.load(unique_release, config="duplicates"), kept)
    assert corpus.load(unique_release, config="all")["id"] == kept["id"]


def test_every_config_of_an_empty_corpus_loads_as_an_empty_dataset(
    release: Path, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    empty = corpus.build(tmp_path / "empty", tmp_path / "store").path
    full = corpus.load(release)
    for config in CONFIGS:
        loaded = corpus.load(empty, config=config)
        _assert_empty_like(loaded, full)
        assert loaded.column_names == SCHEMA.names
        assert loaded.info.config_name == config


def test_an_empty_config_of_a_remote_release_loads_as_an_empty_dataset(
    unique_dir: Path, memory_store: str
) -> None:
    remote = corpus.build(unique_dir, memory_store, cache=False)
    assert remote.manifest.counts.rows["duplicates"] == 0
    kept = corpus.load(remote.url)
    assert kept.num_rows == 3
    _assert_empty_like(corpus.load(remote.url, config="duplicates"), kept)


def test_an_empty_config_of_a_hub_release_loads_as_an_empty_dataset(
    hub: HubStore, hub_repo_id: str, unique_release: Path
) -> None:
    push(unique_release, hub_repo_id)
    kept = corpus.load(hub_repo_id, revision="v1.0.0")
    assert kept.to_list() == corpus.load(unique_release).to_list()
    _assert_empty_like(corpus.load(hub_repo_id, config="duplicates", revision="v1.0.0"), kept)
