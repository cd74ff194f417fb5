"""manifest.json: a fixed, lossless JSON form, and clear errors for what is not a manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus.errors import PublishError
from corpus.publish.manifest import ChangelogEntry, Counts, InputFile, InputFiles, Manifest
from corpus.publish.parquet import WrittenFile

names = st.text(min_size=1, max_size=12)
counts = st.dictionaries(names, st.integers(0, 10**9), max_size=3)

manifests = st.builds(
    Manifest,
    name=names,
    version=st.just("1.2.3"),
    schema_version=st.just("1.0"),
    schema=st.lists(names, max_size=3).map(tuple),
    seed_format_version=st.just("1.0"),
    libraries=st.dictionaries(names, names, max_size=3),
    source=names,
    settings=st.dictionaries(names, st.integers() | st.booleans() | names, max_size=4),
    settings_hash=names,
    inputs=st.lists(st.builds(InputFile, path=names, sha256=names, bytes=st.integers(0, 10**9),
                              status=st.sampled_from(["accepted", "rejected"]), id=names,
                              rule=names), max_size=3).map(tuple),
    counts=st.builds(Counts, files_seen=st.integers(0, 99), documents=st.integers(0, 99),
                     rejects=st.integers(0, 99), rejects_by_rule=counts, clusters=st.integers(0, 9),
                     duplicates=st.integers(0, 9), relations=counts, languages=counts, rows=counts,
                     skipped=st.integers(0, 9)),
    files=st.lists(st.builds(WrittenFile, path=names, rows=st.integers(0, 99),
                             bytes=st.integers(0, 99), sha256=names), max_size=3).map(tuple),
    fingerprint=names,
    changelog=st.lists(st.builds(ChangelogEntry, version=names, previous=names,
                                 kind=st.sampled_from(["initial", "major", "minor", "patch"]),
                                 added=st.integers(0, 9), schema_changed=st.booleans()),
                       max_size=3).map(tuple),
)


@given(manifests)
def test_json_round_trip(manifest: Manifest) -> None:
    text = manifest.to_json()
    again = Manifest.from_json(text)
    assert again == manifest
    assert again.to_json() == text


def test_not_a_manifest(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match=r"format is 'other', not 'corpus-release'"):
        Manifest.from_json(json.dumps({"format": "other"}))
    with pytest.raises(PublishError, match=r"x\.json: not a valid corpus release manifest"):
        Manifest.from_json("{", where="x.json")
    with pytest.raises(PublishError, match=r"KeyError: 'counts'"):
        Manifest.from_json(json.dumps({"format": "corpus-release", "format_version": "1"}))
    with pytest.raises(PublishError, match=r"cannot read the release manifest.*corpus build"):
        Manifest.read(tmp_path)


@pytest.mark.parametrize(
    ("entry", "summary"),
    [
        (ChangelogEntry("1.0.0", "", "initial"), "first release"),
        (ChangelogEntry("1.1.0", "1.0.0", "minor", added=2, changed=1),
         "2 added, 1 changed"),
        (ChangelogEntry("2.0.0", "1.1.0", "major", schema_changed=True, clusters_changed=1),
         "schema changed, 1 cluster(s) changed"),
        (ChangelogEntry("1.0.1", "1.0.0", "patch"), "no document changes (card or settings only)"),
    ],
)
def test_changelog_summaries(entry: ChangelogEntry, summary: str) -> None:
    assert entry.summary() == summary


@given(manifests)
def test_the_streamed_text_is_the_plain_json_layout(manifest: Manifest) -> None:
    """The manifest is written a part per input file, with the layout json.dumps gives."""
    text = manifest.to_json()
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    assert len(data["inputs"]) == len(manifest.inputs)
    parts = list(manifest.json_parts())
    assert len(parts) == (len(manifest.inputs) + 2 if manifest.inputs else 1)


def test_write_gives_the_text_of_to_json(tmp_path: Path) -> None:
    manifest = Manifest.from_json(Manifest(
        name="n", version="1.0.0", schema_version="1", schema=("a",), seed_format_version="1",
        libraries={}, source="s", settings={}, settings_hash="h",
        inputs=(InputFile("a\u00e9.txt", "ab", 3, "accepted", id="x"),
                InputFile('q"b.txt', "", 0, "rejected", rule="empty")),
        counts=Counts(2, 1, 1, {}, 0, 0, {}, {}, {}), files=(), fingerprint="f",
    ).to_json())
    manifest.write(tmp_path / "manifest.json")
    assert (tmp_path / "manifest.json").read_text(encoding="utf-8") == manifest.to_json()
    assert Manifest.read(tmp_path) == manifest


input_files = st.lists(st.builds(
    InputFile, path=st.text(max_size=8) | st.just("\udcff.txt"), sha256=names,
    bytes=st.integers(0, 10**12), status=st.sampled_from(["accepted", "rejected"]), id=names,
    rule=names), max_size=6).map(tuple)


@given(input_files, st.integers(-8, 8), st.integers(-8, 8), st.integers(1, 3))
def test_input_files_kept_as_columns_are_the_same_sequence(
        items: tuple[InputFile, ...], start: int, stop: int, step: int) -> None:
    columns = InputFiles.of(items)
    assert columns == items
    assert items == columns
    assert len(columns) == len(items)
    assert list(columns) == list(items)
    assert columns[start:stop:step] == items[start:stop:step]
    for k in range(-len(items), len(items)):
        assert columns[k] == items[k]
    with pytest.raises(IndexError):
        columns[len(items)]
    manifest = Manifest.from_json(Manifest(
        name="n", version="1.0.0", schema_version="1", schema=(), seed_format_version="1",
        libraries={}, source="s", settings={}, settings_hash="h", inputs=columns,
        counts=Counts(0, 0, 0, {}, 0, 0, {}, {}, {}), files=(), fingerprint="f").to_json())
    assert manifest.inputs == items
