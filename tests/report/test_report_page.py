"""write_report: what the page holds, deterministic bytes, details inline or in files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus.errors import ConfigError, PublishError
from corpus.report import REPORT, data_dir, write_report
from corpus.report.page import _in_script, _json

from .conftest import EXACT_COPY, NOT_UTF8
from .pages import external_chunk, scripts

ORIGINAL, REWRITE, COPIED = "860389ee531be975", "ccf4b0b12e1d7c3c", "e180362b89ccddc6"


def test_the_page_holds_counts_clusters_rejects_and_the_histogram(
    mixed_release: Path, tmp_path: Path
) -> None:
    summary = write_report(mixed_release, tmp_path / "r.html")
    assert (summary.clusters, summary.rejects, summary.details) == (2, 1, None)
    text = summary.path.read_text(encoding="utf-8")
    assert summary.bytes == len(text.encode())
    for key, value in (("files_seen", 7), ("documents", 6), ("rejects", 1), ("clusters", 2),
                       ("duplicates", 2), ("default", 4)):
        assert re.search(rf'data-count="{key}"><div class="value">{value}<', text), key
    assert text.count('<rect class="bar"') >= 2
    assert "words per document" in text
    assert re.search(r"<td>en</td><td class=\"num\">6</td><td class=\"num\">4</td>", text)
    # No network at view time: nothing is loaded from another origin.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)

    data = scripts(summary.path)
    index = data["report-index"]
    assert index["chunks"] == {"mode": "inline", "dir": "r_files", "count": 1}
    assert index["relations"] == ["exact", "rewrite"]
    assert index["languages"] == ["en"]
    clusters = {c[0]: c for c in index["clusters"]}
    assert set(clusters) == {ORIGINAL, COPIED}
    members = clusters[ORIGINAL][2]
    assert [(m[0], m[2]) for m in members] == [(ORIGINAL, "canonical"), (REWRITE, "rewrite")]
    assert members[1][1].startswith("A Diplomatic Thaw")
    assert members[0][1].startswith("“The senior American diplomat")
    assert [m[6] for m in clusters[COPIED][2]] == ["004_e180362b89ccddc6.txt", EXACT_COPY]
    assert index["rejects"][0][:2] == [NOT_UTF8, 3]

    details = data["chunk-0"]
    assert set(details) == {ORIGINAL, COPIED}
    assert "credits another outlet" in details[ORIGINAL]["k"]
    (member,) = details[ORIGINAL]["m"]
    assert member[0] == REWRITE
    assert member[1] == ORIGINAL
    passages = member[6]
    assert len(passages) == 5
    assert all(0 < p[6] <= 1 for p in passages)
    assert "Lukashenko" in passages[0][2]
    assert "Lukashenko" in passages[0][5]


def test_the_same_release_gives_the_same_bytes(mixed_release: Path, tmp_path: Path) -> None:
    first = write_report(mixed_release, tmp_path / "a" / REPORT).path.read_bytes()
    second = write_report(mixed_release, tmp_path / "b" / REPORT).path.read_bytes()
    assert first == second
    assert str(tmp_path).encode() not in first
    assert str(mixed_release).encode() not in first


def test_large_details_go_to_files_next_to_the_page(mixed_release: Path, tmp_path: Path) -> None:
    page = tmp_path / "out" / "big.html"
    summary = write_report(mixed_release, page, inline_limit=0, chunk_bytes=1)
    assert summary.details == data_dir(page) == tmp_path / "out" / "big_files"
    assert summary.chunks == 2  # one cluster a file: each is more than one byte
    data = scripts(page)
    assert data["report-index"]["chunks"] == {"mode": "external", "dir": "big_files", "count": 2}
    assert [name for name in data if name.startswith("chunk-")] == []
    files = sorted(summary.details.iterdir())
    assert [f.name for f in files] == ["clusters-00000.js", "clusters-00001.js"]
    loaded = dict(external_chunk(f) for f in files)
    assert set(loaded) == {0, 1}
    assert {cid for chunk in loaded.values() for cid in chunk} == {ORIGINAL, COPIED}
    by_cluster = {c[0]: c[1] for c in data["report-index"]["clusters"]}
    for cluster_id, chunk in by_cluster.items():
        assert cluster_id in loaded[chunk]


def test_inline_details_switch_to_files_once_they_pass_the_limit(
    mixed_release: Path, tmp_path: Path
) -> None:
    inline = write_report(mixed_release, tmp_path / "all.html", chunk_bytes=1)
    assert inline.details is None
    assert inline.chunks == 2
    first = len(_json(scripts(tmp_path / "all.html")["chunk-0"]).encode())
    mixed = write_report(mixed_release, tmp_path / "some.html", inline_limit=first,
                         chunk_bytes=1)
    # The first chunk fitted, the second did not: both went to files, none stays inline.
    assert mixed.details is not None
    assert sorted(p.name for p in mixed.details.iterdir()) == [
        "clusters-00000.js", "clusters-00001.js"]
    assert not [k for k in scripts(tmp_path / "some.html") if k.startswith("chunk-")]


def test_a_new_report_removes_the_details_files_of_the_old_one(
    mixed_release: Path, tmp_path: Path
) -> None:
    page = tmp_path / REPORT
    write_report(mixed_release, page, inline_limit=0)
    other = data_dir(page) / "notes.txt"
    other.write_text("mine")
    write_report(mixed_release, page)
    assert sorted(p.name for p in data_dir(page).iterdir()) == ["notes.txt"]
    other.unlink()
    write_report(mixed_release, page, inline_limit=0)
    write_report(mixed_release, page)
    assert not data_dir(page).exists()


def test_a_release_without_clusters_is_an_error(mixed_release: Path, tmp_path: Path) -> None:
    copy = tmp_path / "release"
    shutil.copytree(mixed_release, copy)
    (copy / "clusters.parquet").unlink()
    with pytest.raises(PublishError, match=r"clusters\.parquet: missing"):
        write_report(copy, tmp_path / REPORT)
    assert not (tmp_path / REPORT).exists()


def test_a_folder_that_is_not_a_release_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match=r"manifest\.json"):
        write_report(tmp_path, tmp_path / REPORT)


@pytest.mark.parametrize(("inline_limit", "chunk_bytes"), [(-1, 10), (0, 0)])
def test_bad_limits_are_refused(
    mixed_release: Path, tmp_path: Path, inline_limit: int, chunk_bytes: int
) -> None:
    with pytest.raises(ConfigError, match="inline_limit"):
        write_report(mixed_release, tmp_path / REPORT, inline_limit=inline_limit,
                     chunk_bytes=chunk_bytes)


@given(st.recursive(st.text() | st.integers() | st.none(),
                    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
                    max_leaves=10))
def test_json_in_a_script_element_cannot_end_it_and_reads_back_the_same(value: object) -> None:
    import json

    text = _in_script(_json(value))
    assert "<" not in text
    assert json.loads(text) == value
