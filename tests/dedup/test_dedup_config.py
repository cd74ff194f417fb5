"""DedupConfig and its sub-configs: defaults, derived banding, and every validation message."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus import ConfigError
from corpus.dedup import (
    CandidateConfig,
    DedupConfig,
    MinHashConfig,
    NearConfig,
    RewriteConfig,
    optimal_bands,
)


def test_defaults_are_valid_and_banding_fits_the_signature() -> None:
    config = DedupConfig()
    bands, rows = config.minhash.banding
    assert config.minhash.num_perm == 128
    assert bands * rows <= 128
    assert bands > 1
    assert rows > 1
    assert config.keep == "original"


def test_banding_follows_the_threshold() -> None:
    low = MinHashConfig(threshold=0.3).banding
    high = MinHashConfig(threshold=0.9).banding
    # A higher threshold needs more rows per band (each band harder to match).
    assert high[1] > low[1]


@given(st.floats(min_value=0.05, max_value=0.95), st.integers(min_value=8, max_value=256))
def test_optimal_bands_never_exceed_num_perm(threshold: float, num_perm: int) -> None:
    bands, rows = optimal_bands(threshold, num_perm)
    assert bands >= 1
    assert rows >= 1
    assert bands * rows <= num_perm


def test_default_banding_catches_pairs_at_the_near_copy_threshold() -> None:
    """Near copies are decided at Jaccard 0.5: the default S-curve makes nearly every pair
    from just below that a candidate (25 bands of 5 rows caught about half of them)."""
    minhash = DedupConfig().minhash
    assert minhash.banding == (42, 3)
    assert minhash.probability(0.48) >= 0.99
    assert minhash.probability(DedupConfig().near.jaccard) >= 0.995
    assert minhash.probability(0.64) >= 0.9999
    assert MinHashConfig(bands=25, rows=5).probability(0.5) == pytest.approx(0.5478, abs=1e-4)
    assert minhash.probability(0.1) < 0.05  # unrelated texts stay apart


@given(st.floats(min_value=0.0, max_value=1.0), st.floats(min_value=0.0, max_value=1.0),
       st.integers(min_value=1, max_value=64), st.integers(min_value=1, max_value=8))
def test_band_probability_is_a_monotone_s_curve(a: float, b: float, bands: int,
                                                 rows: int) -> None:
    minhash = MinHashConfig(num_perm=512, bands=bands, rows=rows)
    low, high = sorted((a, b))
    assert 0.0 <= minhash.probability(low) <= minhash.probability(high) <= 1.0
    assert minhash.probability(0.0) == 0.0
    assert minhash.probability(1.0) == 1.0
    # The chance that one band matches is jaccard ** rows; some band: 1 - (1 - that) ** bands.
    assert minhash.probability(high) == pytest.approx(1 - (1 - high ** rows) ** bands)


def test_explicit_banding_is_used() -> None:
    assert MinHashConfig(bands=16, rows=8).banding == (16, 8)


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    [
        ({"bands": 20, "rows": 8}, ["bands * rows = 20 * 8 = 160", "num_perm=128"]),
        ({"bands": 4}, ["give both bands and rows"]),
        ({"rows": 4}, ["give both bands and rows"]),
        ({"threshold": 0.0}, ["threshold=0.0", "(0, 1]"]),
        ({"threshold": 1.0}, ["threshold=1.0", "below 1"]),
        ({"threshold": float("nan")}, ["threshold=nan"]),
        ({"threshold": "0.5"}, ["threshold='0.5'"]),
        ({"num_perm": 4}, ["num_perm=4", "from 8 to 4096"]),
        ({"num_perm": True}, ["num_perm=True"]),
        ({"ngram": 0}, ["ngram=0"]),
        ({"seed": -1}, ["seed=-1"]),
    ],
)
def test_minhash_config_rejects_bad_values(kwargs: dict[str, object], fragments: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        MinHashConfig(**kwargs)  # type: ignore[arg-type]
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("build", "fragments"),
    [
        (lambda: CandidateConfig(rare_terms=2, min_shared=3), ["min_shared=3", "rare_terms=2"]),
        (lambda: CandidateConfig(max_df=1), ["max_df=1"]),
        (lambda: CandidateConfig(max_bucket=1), ["max_bucket=1"]),
        (lambda: CandidateConfig(rare_terms=-1), ["rare_terms=-1"]),
        (lambda: CandidateConfig(long_terms=-1), ["long_terms=-1", "0 keeps rare_terms"]),
        (lambda: CandidateConfig(word_pairs=-1), ["word_pairs=-1", "0 turns word-pair"]),
        (lambda: CandidateConfig(min_shared_pairs=0), ["min_shared_pairs=0"]),
        (lambda: CandidateConfig(word_pairs=2, min_shared_pairs=3),
         ["min_shared_pairs=3", "word_pairs=2"]),
        (lambda: NearConfig(jaccard=1.5), ["jaccard=1.5", "(0, 1]"]),
        (lambda: NearConfig(containment=0), ["containment=0"]),
        (lambda: NearConfig(min_words=0), ["min_words=0"]),
        (lambda: RewriteConfig(similarity=-0.1), ["similarity=-0.1"]),
        (lambda: RewriteConfig(min_passages=0), ["min_passages=0"]),
        (lambda: RewriteConfig(min_coverage=2), ["min_coverage=2"]),
        (lambda: RewriteConfig(min_retold=-1), ["min_retold=-1", "turns the retelling"]),
        (lambda: RewriteConfig(retold_share=0), ["retold_share=0", "(0, 1]"]),
        (lambda: RewriteConfig(short_retold=-1), ["short_retold=-1", "short retellings off"]),
        (lambda: RewriteConfig(short_retold_share=1.5), ["short_retold_share=1.5", "(0, 1]"]),
        (lambda: RewriteConfig(loose_run=-1), ["loose_run=-1", "turns the test off"]),
        (lambda: RewriteConfig(loose_similarity=1.5), ["loose_similarity=1.5", "(0, 1]"]),
        (lambda: RewriteConfig(quotation_share=1.5), ["quotation_share=1.5", "[0, 1]",
                                                      "turns the quotation rule off"]),
        (lambda: RewriteConfig(quotation_share=True), ["quotation_share=True", "[0, 1]"]),
        (lambda: RewriteConfig(quotation_share=float("nan")), ["quotation_share=nan"]),
        (lambda: RewriteConfig(moved_passages=-1), ["moved_passages=-1", "counts none"]),
        (lambda: RewriteConfig(moved_score=-0.5), ["moved_score=-0.5", "finite number"]),
        (lambda: RewriteConfig(retell_similarity=0.1), ["retell_baseline=0.1",
                                                         "retell_similarity=0.1"]),
        (lambda: RewriteConfig(retell_gap=1.5), ["retell_gap=1.5"]),
        (lambda: DedupConfig(keep="newest"), ["keep='newest'", "'original'"]),  # type: ignore[arg-type]
        (lambda: DedupConfig(evidence_passages=-1), ["evidence_passages=-1"]),
        (lambda: DedupConfig(rewrites="yes"), ["rewrites='yes'"]),  # type: ignore[arg-type]
        (lambda: DedupConfig(minhash=NearConfig()), ["DedupConfig.minhash", "MinHashConfig"]),  # type: ignore[arg-type]
    ],
)
def test_configs_reject_bad_values(build: object, fragments: list[str]) -> None:
    assert callable(build)
    with pytest.raises(ConfigError) as caught:
        build()
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_rare_terms_zero_turns_the_generator_off() -> None:
    assert CandidateConfig(rare_terms=0).rare_terms == 0


@pytest.mark.parametrize(
    ("distinct", "kept"),
    [(0, 48), (250, 48), (400, 48), (401, 49), (444, 54), (1094, 132), (1600, 192),
     (50_000, 192)],
)
def test_a_long_document_keeps_proportionally_more_rare_terms(distinct: int, kept: int) -> None:
    assert CandidateConfig().kept_terms(distinct) == kept  # 48 x distinct / 400, at most 192


def test_long_terms_zero_keeps_the_same_number_for_every_document() -> None:
    settings = CandidateConfig(rare_terms=30, long_terms=0)
    assert {settings.kept_terms(n) for n in (10, 400, 5000)} == {30}
    assert CandidateConfig(rare_terms=30, long_terms=100).kept_terms(250) == 75
