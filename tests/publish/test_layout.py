"""Version names and order, dataset names, and which folders of a store count as releases."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus.errors import ConfigError
from corpus.publish.layout import (
    MANIFEST,
    Version,
    check_name,
    config_paths,
    list_releases,
    shard_name,
)

parts = st.integers(0, 10_000)


@given(parts, parts, parts)
def test_version_text_round_trip(major: int, minor: int, patch: int) -> None:
    version = Version(major, minor, patch)
    assert Version.parse(str(version)) == version
    assert Version.parse(version.tag) == version
    assert version.tag == f"v{major}.{minor}.{patch}"


@given(st.tuples(parts, parts, parts), st.tuples(parts, parts, parts))
def test_versions_order_numerically(a: tuple[int, int, int], b: tuple[int, int, int]) -> None:
    assert (Version(*a) < Version(*b)) == (a < b)


def test_bump_rules() -> None:
    v = Version(1, 2, 3)
    assert v.bump("major") == Version(2, 0, 0)
    assert v.bump("minor") == Version(1, 3, 0)
    assert v.bump("patch") == Version(1, 2, 4)
    with pytest.raises(ConfigError, match="'huge' is not one of"):
        v.bump("huge")


@pytest.mark.parametrize("text", ["1.0", "1.0.0.0", "01.0.0", "1.0.x", "", "V1.0.0", "-1.0.0"])
def test_bad_versions_say_what_a_version_looks_like(text: str) -> None:
    with pytest.raises(ConfigError, match=r"is not MAJOR\.MINOR\.PATCH"):
        Version.parse(text)


@pytest.mark.parametrize("name", ["seeds", "news-2025", "a.b_c", "X1"])
def test_good_names(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["", ".hidden", "a/b", "..", "a..b", "with space", "x" * 97,
                                  "Ünï"])
def test_bad_names_are_refused_with_the_fix(name: str) -> None:
    # The rule says ASCII: "letters" alone read as if "Ünï" should pass.
    with pytest.raises(ConfigError, match=r"use 1-96 ASCII letters, .*pass --name"):
        check_name(name)


def test_only_finished_versions_count_as_releases(tmp_path: Path) -> None:
    for folder in ["v1.0.0", "v1.10.0", "v1.2.0", ".build-host-1-abcd", "v2.0.0", "notes", "v3"]:
        (tmp_path / folder).mkdir()
    for folder in ["v1.0.0", "v1.10.0", "v1.2.0", ".build-host-1-abcd", "v3"]:
        (tmp_path / folder / MANIFEST).write_text("{}")
    # v2.0.0 has no manifest: an unfinished or foreign folder, not a release.
    assert [str(v) for v, _ in list_releases(tmp_path)] == ["1.0.0", "1.2.0", "1.10.0"]
    assert list_releases(tmp_path / "missing") == []


def test_shard_names_follow_the_hub_convention() -> None:
    assert shard_name("default", 0, 1) == "data/default/train-00000-of-00001.parquet"
    assert shard_name("all", 11, 12) == "data/all/train-00011-of-00012.parquet"


@pytest.mark.parametrize(
    "text", ["1" * 4301 + ".0.0", "0." + "9" * 19 + ".0", "v1.2." + "7" * 5000]
)
def test_versions_with_huge_parts_are_refused_as_config_errors(text: str) -> None:
    with pytest.raises(ConfigError, match=r"is not MAJOR\.MINOR\.PATCH"):
        Version.parse(text)


def test_config_paths_read_each_stored_folder_in_order() -> None:
    files = ["rejects.parquet", "data/duplicates/train-00000-of-00001.parquet",
             "data/default/train-00001-of-00002.parquet",
             "data/default/train-00000-of-00002.parquet", "clusters.parquet"]
    assert config_paths("default", files) == [
        "data/default/train-00000-of-00002.parquet", "data/default/train-00001-of-00002.parquet"]
    assert config_paths("duplicates", files) == ["data/duplicates/train-00000-of-00001.parquet"]
    assert config_paths("all", files) == [
        *config_paths("default", files), *config_paths("duplicates", files)]
    assert config_paths("other", files) == []
    # a release of format 1 kept ``all`` in a folder of its own
    legacy = ["data/default/train-00000-of-00001.parquet", "data/all/train-00000-of-00001.parquet"]
    assert config_paths("all", legacy) == ["data/all/train-00000-of-00001.parquet"]
    assert config_paths("duplicates", legacy) == []
