"""Reading a release for the report: documents, clusters, rejects, the length histogram."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus.errors import ConfigError, PublishError
from corpus.report import (
    DocumentInfo,
    cluster_ids,
    clusters_by_relation,
    histogram,
    iter_clusters,
    read_rejects,
    scan_documents,
)

from .conftest import EXACT_COPY, NOT_UTF8

REWRITE, ORIGINAL, COPIED = "ccf4b0b12e1d7c3c", "860389ee531be975", "e180362b89ccddc6"


def test_cluster_ids_are_every_member_canonical_included(mixed_release: Path) -> None:
    assert cluster_ids(mixed_release) == {REWRITE, ORIGINAL, COPIED, "00000000000000aa"}


def test_scan_reads_lengths_languages_and_only_the_wanted_documents(mixed_release: Path) -> None:
    scan = scan_documents(mixed_release, {REWRITE, ORIGINAL})
    assert scan.rows == 6
    assert sum(scan.lengths.counts) == 6
    assert scan.languages == {"en": 6}
    assert scan.kept_languages == {"en": 4}  # the rewrite and the exact copy are not kept
    assert set(scan.documents) == {REWRITE, ORIGINAL}
    rewrite = scan.documents[REWRITE]
    assert rewrite.title.startswith("A Diplomatic Thaw in Belarus")
    assert rewrite.path == "002_ccf4b0b12e1d7c3c.txt"
    assert rewrite.words == 1187
    # 003 has no headline: it is named by the start of its text.
    original = scan.documents[ORIGINAL]
    assert original.title == ""
    assert original.label.startswith("“The senior American diplomat slipped quietly")
    assert original.label.endswith("…”")


def test_label_of_a_short_untitled_text_has_no_ellipsis() -> None:
    doc = DocumentInfo(id="a" * 16, title="", path="x.txt", language="en", words=2,
                       snippet="Two words")
    assert doc.label == "“Two words”"
    assert DocumentInfo(id="b" * 16, title="T", path="", language="", words=0,
                        snippet="text").label == "T"


def test_clusters_come_with_members_passages_and_why_the_canonical_was_kept(
    mixed_release: Path,
) -> None:
    scan = scan_documents(mixed_release, cluster_ids(mixed_release))
    clusters = {c.id: c for c in iter_clusters(mixed_release, scan.documents)}
    assert set(clusters) == {ORIGINAL, COPIED}

    rewrite_cluster = clusters[ORIGINAL]
    assert [m.document.id for m in rewrite_cluster.members] == [ORIGINAL, REWRITE]
    assert [m.relation for m in rewrite_cluster.members] == ["canonical", "rewrite"]
    assert rewrite_cluster.relations == ("rewrite",)
    assert "credits another outlet" in rewrite_cluster.kept_because
    member = rewrite_cluster.members[1]
    assert member.matched_with == ORIGINAL
    assert len(member.passages) == 5
    assert member.aligned >= len(member.passages)
    first = member.passages[0]
    assert first.canonical_sentence >= 1
    assert first.member_sentence >= 1
    assert "Lukashenko" in first.canonical_text
    assert "Lukashenko" in first.member_text
    assert 0 < first.similarity <= 1
    assert rewrite_cluster.members[0].passages == ()

    exact_cluster = clusters[COPIED]
    assert [m.relation for m in exact_cluster.members] == ["canonical", "exact"]
    assert exact_cluster.members[1].document.path == EXACT_COPY
    assert exact_cluster.members[1].score == 1.0
    assert clusters_by_relation(clusters.values()) == {"exact": 1, "rewrite": 1}


def test_a_cluster_carries_its_weakest_link_from_clusters_parquet(mixed_release: Path) -> None:
    """The report shows the cluster's weakest link as ``clusters.parquet`` stores it (the
    lowest score of a member's verified link to the canonical document)."""
    stored = {row["cluster_id"]: row["weakest_link"] for row in
              pq.read_table(mixed_release / "clusters.parquet").to_pylist()}
    for cluster in iter_clusters(mixed_release, {}):
        links = [m.score for m in cluster.members if m.relation != "canonical"]
        assert cluster.weakest_link == stored[cluster.id] == min(links)
    assert any(s < 1 for s in stored.values())  # the rewrite's link, not only exact copies


def test_members_without_a_document_row_keep_their_file_name(mixed_release: Path) -> None:
    clusters = list(iter_clusters(mixed_release, {}))
    member = clusters[0].members[1]
    assert member.document.path.endswith(".txt")
    assert member.document.title == ""


def test_rejects_have_file_line_and_reason(mixed_release: Path) -> None:
    rejects = list(read_rejects(mixed_release))
    assert len(rejects) == 1
    assert rejects[0].path == NOT_UTF8
    assert rejects[0].line == 3
    assert rejects[0].rule
    assert rejects[0].message


def test_a_folder_without_clusters_is_refused_with_the_file_named(
    mixed_release: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "release"
    broken.mkdir()
    (broken / "manifest.json").write_bytes((mixed_release / "manifest.json").read_bytes())
    with pytest.raises(PublishError, match=r"clusters\.parquet: missing"):
        cluster_ids(broken)
    (broken / "clusters.parquet").write_bytes(b"not parquet")
    with pytest.raises(PublishError, match=r"clusters\.parquet: not a readable Parquet file"):
        cluster_ids(broken)


def test_a_release_of_another_schema_is_refused_with_the_column_named(
    mixed_release: Path, tmp_path: Path
) -> None:
    table = pq.read_table(mixed_release / "clusters.parquet").drop_columns(["id"])
    pq.write_table(table, tmp_path / "clusters.parquet")
    with pytest.raises(PublishError, match=r"column\(s\) id missing"):
        cluster_ids(tmp_path)


def test_histogram_of_nothing_is_empty() -> None:
    assert histogram([]).counts == ()
    assert histogram([]).edges == ()


def test_histogram_bins_have_round_widths() -> None:
    hist = histogram([0, 5, 9, 10, 15, 19, 20])
    assert hist.edges == tuple(range(22))  # 21 bars of one word: fewer than 24
    assert sum(hist.counts) == 7
    assert hist.counts[5] == hist.counts[20] == 1
    wide = histogram(list(range(1000)))
    assert wide.edges[1] - wide.edges[0] == 50  # 1000 / 24 bars -> 50 words a bar
    assert len(wide.counts) == 20
    assert not wide.open_ended


def test_the_longest_documents_share_one_open_ended_bar() -> None:
    hist = histogram([*range(100), *([10_000] * 1)])
    assert hist.open_ended
    assert hist.counts[-1] == 1
    assert hist.edges[-1] == 10_001
    assert max(hist.edges[:-1]) < 200


def test_histogram_needs_at_least_one_bar() -> None:
    with pytest.raises(ConfigError, match="max_bins=0"):
        histogram([1, 2, 3], max_bins=0)


def test_histogram_refuses_a_negative_length() -> None:
    with pytest.raises(ConfigError, match="length of -3 words"):
        histogram([1, -3, 2])


@given(st.lists(st.integers(min_value=0, max_value=10**7), max_size=300),
       st.integers(min_value=1, max_value=40))
def test_histogram_counts_every_document_once_in_its_bar(values: list[int], bins: int) -> None:
    hist = histogram(values, max_bins=bins)
    assert sum(hist.counts) == len(values)
    if not values:
        return
    assert len(hist.counts) == len(hist.edges) - 1
    assert len(hist.counts) <= bins + 1
    assert list(hist.edges) == sorted(set(hist.edges))
    width = hist.edges[1] - hist.edges[0]
    assert str(width).strip("0") in ("1", "2", "5")
    for value in values:
        bar = min(value // width, len(hist.counts) - 1)
        assert hist.edges[bar] <= value
        assert value < hist.edges[bar + 1]
