"""`explain_pair` and `corpus dedup PATH --explain ID ID`: one pair's way through dedup."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corpus import CorpusError, DedupConfig, DedupResult, find_duplicates, read
from corpus.dedup import CandidateConfig, RewriteConfig
from corpus.dedup.explain import PairExplanation, explain_pair
from corpus.records import Relation

from .helpers import SEEDS, doc_id, make_doc, relabel, seed_bytes, seed_docs

SEED_0, SEED_2, SEED_3 = "dbad2dc0fe77bb11", "ccf4b0b12e1d7c3c", "860389ee531be975"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corpus.cli", "dedup", *args],
        capture_output=True, text=True, check=False, timeout=120,
    )


@pytest.fixture(scope="module")
def seeds_pair() -> PairExplanation:
    return explain_pair(SEEDS, SEED_3, SEED_2)


def test_the_seed_rewrite_is_a_rare_term_candidate_verified_as_a_rewrite(
    seeds_pair: PairExplanation,
) -> None:
    found = seeds_pair
    c = found.candidates
    assert (found.a, found.b) == (SEED_3, SEED_2)
    assert c.candidate
    assert c.rare
    assert not c.exact
    assert not c.minhash
    assert not c.paragraph
    assert len(c.shared_terms) >= c.min_shared == 3
    assert c.df_cap == 64
    assert c.representatives == 5
    assert all(2 <= t.df <= c.df_cap for t in c.shared_terms)
    assert "kolesnikova" in {t.word for t in c.shared_terms}
    assert c.rewrite_checked
    assert not c.near_checked
    assert found.verdict is Relation.REWRITE
    assert found.linked
    near = {check.name: check for check in found.near}
    assert not near["jaccard"].passed
    assert near["jaccard"].threshold == 0.5
    assert not near["containment"].passed
    assert near["containment"].threshold == 0.7
    rewrite = {check.name: check for check in found.rewrite}
    assert all(check.passed for check in found.rewrite)
    assert rewrite["pair score"].threshold == 0.44
    assert rewrite["pair score"].value == found.score
    assert found.score == max(found.density, found.run / (2 * found.min_run))


def test_the_explanation_agrees_with_find_duplicates(seeds_pair: PairExplanation) -> None:
    result = find_duplicates(seed_docs())
    (cluster,) = result.clusters
    member = cluster.members[1]
    assert seeds_pair.score == member.score
    assert seeds_pair.aligned == member.aligned
    canonical, rewrite = seeds_pair.placements
    assert canonical.relation is Relation.CANONICAL
    assert canonical.cluster == SEED_3
    assert rewrite.relation is Relation.REWRITE
    assert rewrite.matched_with == SEED_3
    assert rewrite.weakest_link == cluster.weakest_link
    assert "credits another outlet" in canonical.reason
    assert seeds_pair.same_cluster
    assert not seeds_pair.note
    # The passages are a's sentences beside b's, the best of the whole alignment.
    assert [p.canonical_text for p in seeds_pair.passages] == [
        p.canonical_text for p in member.evidence]
    assert [p.member_text for p in seeds_pair.passages] == [
        p.member_text for p in member.evidence]


def test_every_seed_pair_has_the_verdict_and_clusters_of_the_run() -> None:
    result = find_duplicates(seed_docs())
    ids = sorted(d.id for d in seed_docs())
    for a, b in itertools.combinations(ids, 2):
        found = explain_pair(seed_docs(), a, b)
        linked = {SEED_2, SEED_3} == {a, b}
        assert found.linked is linked
        assert (found.verdict is Relation.REWRITE) is linked
        for place in found.placements:
            membership = result.membership(place.id)
            assert place.cluster == ("" if membership is None else membership[0].id)


def test_a_long_document_keeps_more_rare_terms() -> None:
    # Seed 000 (4,700 words) has 1,094 distinct content terms, seed 003 has 444: they may
    # keep 48 x 1,094 / 400 and 48 x 444 / 400 of them, and share 22 (9 with 48 each).
    found = explain_pair(SEEDS, SEED_0, SEED_3).candidates
    assert found.limits == (132, 54)
    assert found.kept == (132, 54)
    assert len(found.shared_terms) == 22
    fixed = explain_pair(SEEDS, SEED_0, SEED_3, DedupConfig(
        candidates=CandidateConfig(long_terms=0))).candidates
    assert (fixed.limits, fixed.kept) == ((48, 48), (48, 48))
    assert len(fixed.shared_terms) == 9
    assert found.to_dict()["rare_terms"]["limits"] == [132, 54]  # type: ignore[index]
    shown = run_cli(str(SEEDS), "--explain", SEED_0, SEED_3)
    assert "kept 132 and 54 of at most 132 and 54" in shown.stdout
    shown = run_cli(str(SEEDS), "--explain", SEED_0, SEED_3, "--long-terms", "0")
    assert "kept 48 and 48 of at most 48;" in shown.stdout


def test_the_explanation_shows_the_shared_word_pairs(seeds_pair: PairExplanation) -> None:
    c = seeds_pair.candidates
    assert (c.word_pairs, c.min_shared_pairs) == (16, 3)
    assert c.shared_pairs == ("lukashenko release", "strength agenda")
    assert not c.phrase  # 2 of 3: the rare terms proposed the pair
    payload = c.to_dict()["word_pairs"]
    assert payload == {"candidate": False, "shared": ["lukashenko release", "strength agenda"],
                       "min_shared": 3, "per_document": 16}
    shown = run_cli(str(SEEDS), "--explain", SEED_3, SEED_2)
    assert "word pairs: 2 shared of 16 sketched, 3 needed: 'lukashenko release'" in shown.stdout
    off = run_cli(str(SEEDS), "--explain", SEED_3, SEED_2, "--word-pairs", "0")
    assert "word pairs: off (--word-pairs 0)" in off.stdout


def test_order_of_the_ids_only_mirrors_the_explanation(seeds_pair: PairExplanation) -> None:
    mirrored = explain_pair(SEEDS, SEED_2, SEED_3)
    assert mirrored.verdict is seeds_pair.verdict
    assert mirrored.score == seeds_pair.score
    assert [p.canonical_text for p in mirrored.passages] == [
        p.member_text for p in seeds_pair.passages]
    assert mirrored.candidates.shared_terms == seeds_pair.candidates.shared_terms


def test_same_story_articles_are_candidates_but_not_rewrites() -> None:
    found = explain_pair(SEEDS, SEED_0, SEED_3)
    assert found.verdict is Relation.UNIQUE
    assert not found.linked
    assert not all(check.passed for check in found.rewrite)
    assert found.placements[0].cluster == ""


def test_an_exact_copy_shares_its_digest() -> None:
    docs = [*seed_docs(), relabel(seed_bytes(0), 7, "copy of 000")]
    copy = doc_id("copy of 000")
    found = explain_pair(docs, SEED_0, copy)
    assert found.candidates.exact
    assert found.candidates.candidate
    assert found.verdict is Relation.EXACT
    assert found.linked
    assert found.same_cluster
    assert len(found.candidates.bands) == found.candidates.band_count
    # One of the two twins represents their near group in the rare-term phase.
    assert sorted(found.candidates.represented_by) in (["", SEED_0], ["", copy])


def test_a_near_copy_shares_lsh_bands() -> None:
    paragraphs = seed_bytes(4).decode("utf-8").split("\n")
    edited = "\n".join(p.replace(" the ", " a ", 1) if k % 5 == 0 else p
                       for k, p in enumerate(paragraphs))
    docs = [*seed_docs(), relabel(edited.encode("utf-8"), 8, "edited 004")]
    found = explain_pair(docs, "e180362b89ccddc6", doc_id("edited 004"))
    assert found.candidates.bands
    assert found.candidates.minhash
    assert found.candidates.near_checked
    assert found.verdict is Relation.NEAR
    near = {check.name: check for check in found.near}
    assert near["jaccard"].passed
    assert near["jaccard"].value >= 0.5


def test_a_truncated_copy_shares_whole_paragraphs() -> None:
    lines = seed_bytes(3).decode("utf-8").split("\n")
    truncated = "\n".join(lines[:8]) + "\n"  # the first 8 of 30 paragraphs
    docs = [*seed_docs(), relabel(truncated.encode("utf-8"), 9, "truncated 003")]
    found = explain_pair(docs, SEED_3, doc_id("truncated 003"))
    assert found.candidates.paragraphs
    assert all(a >= 1 and b >= 1 for a, b in found.candidates.paragraphs)
    assert found.candidates.paragraph or found.candidates.minhash


def test_unrelated_texts_are_never_candidates() -> None:
    one = make_doc(["Tide tables for the northern harbour were revised after the storm "
                    "surge moved a sandbank near the pier."], 1, "tides")
    two = make_doc(["A violin maker in Cremona restored a cello that had been kept in an "
                    "attic for ninety years."], 2, "violin")
    found = explain_pair([one, two], one.id, two.id)
    assert not found.candidates.candidate
    assert not found.candidates.shared_terms
    assert not found.candidates.bands
    assert found.verdict is Relation.UNIQUE
    assert not found.linked
    assert not found.passages
    assert [p.cluster for p in found.placements] == ["", ""]


def test_the_thresholds_in_force_are_the_ones_reported() -> None:
    config = DedupConfig(rewrite=RewriteConfig(threshold=0.9))
    found = explain_pair(SEEDS, SEED_3, SEED_2, config)
    pair_score = next(c for c in found.rewrite if c.name == "pair score")
    assert pair_score.threshold == 0.9
    assert not pair_score.passed
    assert found.verdict is Relation.UNIQUE
    assert not found.linked
    assert [p.cluster for p in found.placements] == ["", ""]


def test_to_dict_is_json_and_complete(seeds_pair: PairExplanation) -> None:
    payload = json.loads(json.dumps(seeds_pair.to_dict()))
    assert payload["a"]["id"] == SEED_3
    assert payload["b"]["id"] == SEED_2
    assert payload["verdict"] == "rewrite"
    assert payload["candidates"]["rare_terms"]["candidate"] is True
    assert payload["passages"][0]["a"]["sentence"] >= 1
    assert {p["id"] for p in payload["placements"]} == {SEED_2, SEED_3}


@pytest.mark.parametrize("ids", [(SEED_3, "0000000000000000"), ("nothere", SEED_2)])
def test_an_id_not_in_the_corpus_is_named(ids: tuple[str, str]) -> None:
    missing = ids[0] if ids[0] != SEED_3 else ids[1]
    with pytest.raises(CorpusError, match=repr(missing)):
        explain_pair(SEEDS, *ids)


def test_the_same_id_twice_is_refused() -> None:
    with pytest.raises(CorpusError, match="two different documents"):
        explain_pair(SEEDS, SEED_3, SEED_3)


def test_a_config_that_is_not_one_is_refused() -> None:
    with pytest.raises(CorpusError, match="DedupConfig"):
        explain_pair(SEEDS, SEED_3, SEED_2, {"keep": "first"})  # type: ignore[arg-type]


# -- the command line, as a user runs it -----------------------------------------------------


def test_cli_explains_the_seed_rewrite() -> None:
    done = run_cli(str(SEEDS), "--explain", SEED_3, SEED_2)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "candidate: yes, from rare terms" in out
    assert "MinHash LSH: no shared band of 42 (3 rows each)" in out
    assert re.search(r"kolesnikova\s+\(2\)", out)  # the list of terms is wrapped
    assert "near copy: no" in out
    assert "rewrite: yes" in out
    assert "verdict: rewrite" in out
    assert "aligned passages (" in out
    assert " | " in out
    assert f"{SEED_2}: rewrite in cluster {SEED_3}" in out
    assert "both in one cluster" in out


def test_cli_says_a_checked_pair_was_checked_not_verified_as_a_rewrite() -> None:
    """Seeds 000 and 003 (one story) are a rare-term candidate; the run puts them to the
    rewrite tests, which they fail. The line names the tests, not a verdict."""
    done = run_cli(str(SEEDS), "--explain", SEED_0, SEED_3)
    assert done.returncode == 0, done.stderr
    assert "checked in the run by: the rewrite tests (the verdict is below)" in done.stdout
    assert "verified in the run as" not in done.stdout
    assert "verdict: unique" in done.stdout


def test_cli_explain_json() -> None:
    done = run_cli(str(SEEDS), "--explain", SEED_0, SEED_3, "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["verdict"] == "unique"
    assert payload["linked"] is False
    assert payload["same_cluster"] is False


def test_cli_explain_follows_the_threshold_options() -> None:
    done = run_cli(str(SEEDS), "--explain", SEED_3, SEED_2, "--json",
                   "--rewrite-threshold", "0.95")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["verdict"] == "unique"
    (pair_score,) = [c for c in payload["rewrite"] if c["name"] == "pair score"]
    assert pair_score["threshold"] == 0.95
    assert pair_score["passed"] is False
    assert 0.4 <= pair_score["value"] < 0.95


def test_cli_unknown_id_exits_3_naming_it() -> None:
    done = run_cli(str(SEEDS), "--explain", SEED_3, "0123456789abcdef")
    assert done.returncode == 3
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "'0123456789abcdef' is not in the corpus" in lines[0]


@pytest.mark.parametrize("ids", [[SEED_3], [SEED_3, SEED_2, SEED_0], [SEED_3, SEED_3]])
def test_cli_explain_needs_two_different_ids(ids: list[str]) -> None:
    done = run_cli(str(SEEDS), "--explain", *ids)
    assert done.returncode == 2
    assert "usage:" in done.stderr


def test_cli_explain_with_a_rejected_file_still_explains(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "005_0123456789abcdef.txt").write_bytes(b"\xff\xfe not utf-8\n")
    done = run_cli(str(corpus), "--explain", SEED_3, SEED_2)
    assert done.returncode == 0
    assert "verdict: rewrite" in done.stdout
    assert "invalid" in done.stderr or "UTF-8" in done.stderr


def test_the_explanation_in_the_docs_is_what_the_command_prints() -> None:
    """``docs/dedup.md`` ("Explaining a verdict") shows the seeds' rewrite pair as the command
    prints it today, its passages cut short after the second ("... (three more passages)")."""
    page = (SEEDS.parent / "docs" / "dedup.md").read_text(encoding="utf-8")
    command = f"$ corpus dedup seeds --explain {SEED_3} {SEED_2}\n"
    shown = page.split(command, 1)[1].split("```", 1)[0].splitlines()
    cut = shown.index("    ... (three more passages)")
    done = subprocess.run(  # the width the page was made at, whatever the terminal's
        [sys.executable, "-m", "corpus.cli", "dedup", str(SEEDS), "--explain", SEED_3, SEED_2],
        capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert done.returncode == 0, done.stderr
    printed = done.stdout.splitlines()
    assert printed[:cut] == shown[:cut]
    assert printed[-(len(shown) - cut - 1):] == shown[cut + 1:]
    assert printed[cut].startswith("    similarity ")  # the cut falls between two passages


def test_a_pair_that_was_never_a_candidate_gets_no_note_about_clusters() -> None:
    """With candidates made scarce (30 shared rare terms, no word pairs) the seeds' rewrite
    pair is never verified in the run: its verdict, verified on demand, is a rewrite, but the
    two documents are in no cluster and the note on why a verified link did not end in one
    cluster does not apply (it said "the pair is a verified link, ...")."""
    scarce = DedupConfig(candidates=CandidateConfig(min_shared=30, word_pairs=0))
    found = explain_pair(list(seed_docs()), SEED_3, SEED_2, scarce)
    assert found.verdict is Relation.REWRITE
    assert not found.linked
    assert found.note == ""
    assert found.to_dict()["note"] == ""
    done = run_cli(str(SEEDS), "--explain", SEED_3, SEED_2, "--min-shared", "30",
                   "--word-pairs", "0")
    assert done.returncode == 0, done.stderr
    assert "never a candidate" in done.stdout
    assert "the pair is a verified link" not in done.stdout


def test_python_callers_get_python_errors() -> None:
    """A configuration of the wrong type is a ``ConfigError`` (a ``CorpusError``), as every
    other bad setting is, from ``find_duplicates`` and ``explain_pair``; a pair of one id twice
    is refused without naming a command-line option (it said "--explain needs ...")."""
    from corpus import ConfigError

    docs = list(seed_docs())
    with pytest.raises(ConfigError, match="config must be a DedupConfig, got dict"):
        find_duplicates(docs, {"rewrite": {"threshold": 0.5}})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="config must be a DedupConfig, got dict"):
        explain_pair(docs, SEED_3, SEED_2, {"keep": "first"})  # type: ignore[arg-type]
    with pytest.raises(CorpusError) as raised:
        explain_pair(docs, SEED_3, SEED_3)
    assert "--explain" not in str(raised.value)
    assert "given twice" in str(raised.value)


DEV_CORPUS = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "dedup_dev" / "corpus"


@pytest.fixture(scope="module")
def dev_result() -> DedupResult:
    return find_duplicates(read(DEV_CORPUS))


def test_a_link_verified_when_its_cluster_was_formed_is_a_link() -> None:
    """long/t02's copy-paste copy is represented by its source, so it is no candidate of the
    moderate rewrite that the cluster keeps; the cluster verifies it against that rewrite,
    and the explanation says so instead of "never a candidate"."""
    found = explain_pair(DEV_CORPUS, "4277d7120233bf07", "20fa958f1f34efb1")
    assert not found.candidates.candidate
    assert found.verdict is Relation.REWRITE
    assert found.same_cluster
    assert found.placements[1].matched_with == "4277d7120233bf07"
    assert found.linked
    assert found.on_demand
    assert found.score == found.placements[1].score


def test_the_passages_of_a_retelling_are_the_ones_the_cluster_stores(
        dev_result: DedupResult) -> None:
    """A condensed retelling found by the retelling test: the explanation shows the
    retelling's alignment, as clusters.parquet does, not the chain that failed."""
    found = explain_pair(DEV_CORPUS, "2f3fd65c17a44b5c", "85acbe01240373cf")
    assert not all(check.passed for check in found.rewrite)
    assert all(check.passed for check in found.retelling)
    placed = dev_result.membership("85acbe01240373cf")
    assert placed is not None
    cluster, member = placed
    assert cluster.canonical == "2f3fd65c17a44b5c"
    assert found.aligned == member.aligned
    assert [(p.canonical_index, p.member_index) for p in found.passages] == [
        (p.canonical_index, p.member_index) for p in member.evidence]
