"""corpus.diff: documents added, removed, changed (with the columns), and cluster changes."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import corpus
from corpus.errors import PublishError
from corpus.publish.compare import (
    DamagedFile,
    _digest,
    _field_digests,
    _json,
    _member,
    _pieces_row_json,
    _row_digest,
    damaged_file,
    diff,
    row_json,
)
from corpus.publish.layout import shard_name
from corpus.publish.manifest import Manifest
from corpus.publish.parquet import write_table
from corpus.records import Document, Relation, SourceRef
from corpus.schema import SCHEMA, to_row
from damage import SHARD, damage

from .conftest import ReleaseMaker


def _doc(doc_id: str, text: str = "", **fields: object) -> Document:
    base = Document(id=doc_id, seq=int(doc_id, 16) % 1000, source=SourceRef(f"{doc_id}.txt"),
                    bom=False, lines=(), raw_sha256=f"sha-{doc_id}-{text}", line_ending="lf",
                    text=text)
    return replace(base, **fields)  # type: ignore[arg-type]


def _cluster(canonical: str, *members: tuple[str, Relation]) -> list[Document]:
    docs = [_doc(canonical, cluster_id=canonical, relation=Relation.CANONICAL, score=1.0)]
    docs += [_doc(m, cluster_id=canonical, duplicate_of=canonical, relation=r, score=0.9)
             for m, r in members]
    return docs


def test_identical_releases_differ_in_nothing(tmp_path: Path, data_release: ReleaseMaker) -> None:
    docs = [_doc("a1", "x"), _doc("b2", "y")]
    result = diff(data_release(tmp_path / "old", docs), data_release(tmp_path / "new", docs))
    assert result.kind == "none"
    assert (result.added, result.removed, result.changed) == ((), (), ())
    assert result.unchanged == 2
    assert not result.schema_changed


def test_added_removed_and_changed_documents(tmp_path: Path, data_release: ReleaseMaker) -> None:
    old = data_release(tmp_path / "old", [_doc("a1", "x"), _doc("b2", "y"), _doc("c3", "z")])
    new = data_release(tmp_path / "new", [_doc("a1", "x"), _doc("c3", "z!", language="en"),
                                          _doc("d4", "w")])
    result = diff(old, new)
    assert [(d.id, d.path) for d in result.added] == [("d4", "d4.txt")]
    assert [(d.id, d.path) for d in result.removed] == [("b2", "b2.txt")]
    assert [(c.id, c.fields) for c in result.changed] == [
        ("c3", ("raw_sha256", "text", "language"))]
    assert result.unchanged == 1
    assert result.kind == "minor"


def test_a_change_of_derived_fields_only_is_a_patch(
    tmp_path: Path, data_release: ReleaseMaker
) -> None:
    old = data_release(tmp_path / "old", [_doc("a1", "x")])
    new = data_release(tmp_path / "new", [_doc("a1", "x", word_count=1)])
    result = diff(old, new)
    assert [(c.id, c.fields) for c in result.changed] == [("a1", ("word_count",))]
    assert result.kind == "patch"


def test_cluster_added_removed_and_changed(tmp_path: Path, data_release: ReleaseMaker) -> None:
    old = data_release(tmp_path / "old", [
        *_cluster("aa", ("ab", Relation.NEAR)),
        *_cluster("ba", ("bb", Relation.EXACT)),
        _doc("ca"), _doc("cb"),
    ])
    new = data_release(tmp_path / "new", [
        *_cluster("aa", ("ab", Relation.NEAR), ("ac", Relation.REWRITE)),
        _doc("ba"), _doc("bb"),
        *_cluster("ca", ("cb", Relation.REWRITE)),
    ])
    result = diff(old, new)
    assert [(c.canonical, c.before, c.after) for c in result.clusters_changed] == [
        ("aa", (("aa", "canonical"), ("ab", "near")),
         (("aa", "canonical"), ("ab", "near"), ("ac", "rewrite"))),
    ]
    assert [(c.canonical, c.before) for c in result.clusters_removed] == [
        ("ba", (("ba", "canonical"), ("bb", "exact")))]
    assert [(c.canonical, c.after) for c in result.clusters_added] == [
        ("ca", (("ca", "canonical"), ("cb", "rewrite")))]
    assert result.kind == "minor"  # "ac" was added
    payload = result.to_dict()
    assert payload["clusters"]["added"] == [
        {"canonical": "ca", "before": [],
         "after": [{"id": "ca", "relation": "canonical"}, {"id": "cb", "relation": "rewrite"}]}]


def test_a_folder_without_shards_is_named(tmp_path: Path, data_release: ReleaseMaker) -> None:
    new = data_release(tmp_path / "new", [_doc("a1")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(PublishError, match=r"empty: no Parquet shards under data/default/"):
        diff(tmp_path / "empty", new)


def test_a_release_of_format_1_is_compared_with_one_of_format_2(
    tmp_path: Path, data_release: ReleaseMaker
) -> None:
    """Format 1 kept every row in data/all/ (the kept ones twice); format 2 stores each once,
    in data/default/ or data/duplicates/. The diff reads either."""
    docs = [_doc("a1"), _doc("b2")]
    old = tmp_path / "old"
    write_table(old, shard_name("all", 0, 1), [to_row(d) for d in docs], SCHEMA)
    write_table(old, shard_name("default", 0, 1), [to_row(docs[0])], SCHEMA)  # not read
    new = data_release(tmp_path / "new", [docs[1], _doc("c3")])
    result = diff(old, new)
    assert [d.id for d in result.added] == ["c3"]
    assert [d.id for d in result.removed] == ["a1"]
    assert result.unchanged == 1


ids = st.sets(st.sampled_from([f"{i:02x}" for i in range(40)]), max_size=12)


@settings(max_examples=30)  # each example writes two Parquet files; 30 cover the set algebra
@given(ids, ids)
def test_added_and_removed_are_the_set_differences(
    tmp_path_factory: pytest.TempPathFactory, old_ids: set[str], new_ids: set[str]
) -> None:
    root = tmp_path_factory.mktemp("d")
    for name, chosen in (("old", old_ids), ("new", new_ids)):
        rows = [to_row(_doc(i, "t")) for i in sorted(chosen)]
        write_table(root / name, shard_name("all", 0, 1), rows, SCHEMA)
    result = diff(root / "old", root / "new")
    assert {d.id for d in result.added} == new_ids - old_ids
    assert {d.id for d in result.removed} == old_ids - new_ids
    assert result.changed == ()
    assert result.unchanged == len(old_ids & new_ids)


# A document's state in a random release: its text, the group it shares a cluster with (None:
# none; a group of one is no cluster) and its relation to the group's canonical document.
_state = st.tuples(st.sampled_from(["", "x", "y"]), st.sampled_from([None, 0, 1, 2]),
                   st.sampled_from([Relation.NEAR, Relation.EXACT, Relation.REWRITE]))
_releases = st.dictionaries(st.sampled_from([f"{i:02x}" for i in range(16)]), _state,
                            max_size=12)


def _release_docs(states: dict[str, tuple[str, int | None, Relation]]) -> list[Document]:
    groups: dict[int, list[str]] = {}
    for doc_id, (_, group, _) in sorted(states.items()):
        if group is not None:
            groups.setdefault(group, []).append(doc_id)
    docs = []
    for doc_id, (text, group, relation) in sorted(states.items()):
        members = groups.get(group, []) if group is not None else []
        if len(members) < 2:
            docs.append(_doc(doc_id, text))
        elif members[0] == doc_id:
            docs.append(_doc(doc_id, text, cluster_id=doc_id, relation=Relation.CANONICAL,
                             score=1.0))
        else:
            docs.append(_doc(doc_id, text, cluster_id=members[0], duplicate_of=members[0],
                             relation=relation, score=0.9))
    return docs


def _write_release(folder: Path, docs: list[Document]) -> pa.Table:
    """Two shards of row groups of three rows; returns the rows' digests (id, digest)."""
    rows = [to_row(d) for d in docs]
    half = len(rows) // 2
    for index, part in enumerate((rows[:half], rows[half:])):
        path = folder / shard_name("all", index, 2)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(part, schema=SCHEMA), path, row_group_size=3)
    return pa.table({"id": pa.array([r["id"] for r in rows], pa.string()),
                     "digest": pa.array([_row_digest(r) for r in rows], pa.binary(16))})


@settings(max_examples=60)  # each example writes four Parquet files
@given(_releases, _releases)
def test_the_diff_by_digest_equals_the_diff_of_every_row(
    tmp_path_factory: pytest.TempPathFactory,
    old: dict[str, tuple[str, int | None, Relation]],
    new: dict[str, tuple[str, int | None, Relation]],
) -> None:
    root = tmp_path_factory.mktemp("d")
    old_digests = _write_release(root / "old", _release_docs(old))
    new_digests = _write_release(root / "new", _release_docs(new))
    by_digest = diff(root / "old", root / "new", digests=(old_digests, new_digests))
    assert by_digest == diff(root / "old", root / "new")


def test_digests_of_other_rows_are_refused(tmp_path: Path) -> None:
    docs = [_doc("a1", "x"), _doc("b2", "y")]
    old_digests = _write_release(tmp_path / "old", docs)
    new_digests = _write_release(tmp_path / "new", docs)
    with pytest.raises(PublishError, match="the row digests given do not match"):
        diff(tmp_path / "old", tmp_path / "new", digests=(old_digests.slice(1), new_digests))
    twice = pa.concat_tables([new_digests.slice(0, 1), new_digests.slice(0, 1)])
    with pytest.raises(PublishError, match="the row digests given do not match"):
        diff(tmp_path / "old", tmp_path / "new", digests=(old_digests, twice))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                 max_size=3),
    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=6), _JSON, max_size=6))
def test_a_row_assembled_from_its_encoded_values_is_its_canonical_json(
        row: dict[str, object]) -> None:
    """The diff encodes each value of a looked-up row once, for the row's digest and for each
    column's: both must be the bytes that encoding the whole row, or one column, gives."""
    pieces = {name: _json(value) for name, value in row.items()}
    assert _pieces_row_json(pieces) == row_json(row)
    assert {name: _digest(b"{" + _member(name, pieces[name]) + b"}") for name in row} == \
        _field_digests(row, list(row))


# A damaged release: diff refuses it, naming the file, instead of comparing what is left.


@pytest.fixture
def releases(corpus_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Two releases of the seeds: v1.0.0, and v1.1.0 without one of its documents."""
    first = corpus.build(corpus_dir, tmp_path / "store", progress=False).path
    (corpus_dir / "000_dbad2dc0fe77bb11.txt").unlink()
    return first, corpus.build(corpus_dir, tmp_path / "store", progress=False).path


@pytest.mark.parametrize(("how", "side", "path"), [
    ("missing", 1, SHARD),
    ("truncated", 0, SHARD),
    ("missing", 0, "data/duplicates/train-00000-of-00001.parquet"),
])
def test_a_release_with_a_data_file_missing_or_truncated_is_refused(
    releases: tuple[Path, Path], how: str, side: int, path: str
) -> None:
    """Before, a missing shard gave "minor change, removed: N" (its rows taken for removed)
    and a truncated one an error of pyarrow's; now the file is named in one line."""
    damaged = damage(releases[side], how, path)
    found = "missing" if how == "missing" else r"[0-9]+ bytes, but manifest\.json records"
    with pytest.raises(PublishError, match=rf"^{re.escape(str(damaged))}: {found}") as caught:
        corpus.diff(*releases)
    message = str(caught.value)
    assert "\n" not in message
    assert f"release {releases[side].name} is damaged" in message
    assert f"--version {releases[side].name[1:]} --overwrite" in message


def test_damaged_file_stats_every_file_the_manifest_lists(releases: tuple[Path, Path]) -> None:
    first = releases[0]
    manifest = Manifest.read(first)
    assert damaged_file(first, manifest) is None
    (first / "rejects.parquet").unlink()  # not a data file: the diff does not read it
    assert damaged_file(first, manifest, "all") is None
    found = damaged_file(first, manifest)
    assert found == DamagedFile(str(first / "rejects.parquet"),
                                next(f.bytes for f in manifest.files
                                     if f.path == "rejects.parquet"))
    assert str(found).startswith(f"{first / 'rejects.parquet'}: missing (manifest.json records ")


def test_a_data_file_the_manifest_does_not_list_is_not_compared(
    releases: tuple[Path, Path]
) -> None:
    before = corpus.diff(*releases)
    write_table(releases[1], "data/default/train-00009-of-00010.parquet",
                [to_row(_doc("ee", "stray"))], SCHEMA)
    assert corpus.diff(*releases) == before


def test_a_damaged_release_in_a_remote_store_is_refused(
    corpus_dir: Path, memory_store: str
) -> None:
    first = corpus.build(corpus_dir, memory_store, cache=False, progress=False)
    (corpus_dir / "000_dbad2dc0fe77bb11.txt").unlink()
    second = corpus.build(corpus_dir, memory_store, cache=False, progress=False)
    assert corpus.diff(first.url, second.url).removed
    fs = fsspec.filesystem("memory")
    shard = f"{second.url}/{SHARD}"
    fs.pipe_file(shard, fs.cat_file(shard)[:100])
    with pytest.raises(PublishError, match=rf"^{re.escape(shard)}: 100 bytes, but manifest"):
        corpus.diff(first.url, second.url)
    fs.rm(shard)
    with pytest.raises(PublishError, match=rf"^{re.escape(shard)}: missing"):
        corpus.diff(first.url, second.url)
