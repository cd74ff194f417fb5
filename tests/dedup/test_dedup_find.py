"""find_duplicates end to end: seeds, constructed copies, hand-written rewrites, properties."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import CorpusError, Document, Relation, find_duplicates, mark_duplicates
from corpus.dedup import DedupConfig, DedupResult, RewriteConfig
from corpus.dedup.text import article_text
from corpus.text.keys import hashing_key
from strategies import body_paragraphs

from .helpers import make_doc, relabel, seed_bytes, seed_docs, topics

SEED_2, SEED_3 = "ccf4b0b12e1d7c3c", "860389ee531be975"


def relations(result: DedupResult) -> dict[str, tuple[str, Relation]]:
    """doc id -> (cluster id, relation) for every clustered document."""
    return {m.id: (c.id, m.relation) for c in result.clusters for m in c.members}


def body_lines(data: bytes) -> list[str]:
    return data.decode("utf-8-sig").splitlines()


# -- the seeds --------------------------------------------------------------------------------
def test_seeds_form_exactly_one_cluster_003_canonical_002_rewrite() -> None:
    result = find_duplicates(seed_docs())
    assert result.documents == 5
    assert len(result.clusters) == 1
    (cluster,) = result.clusters
    assert cluster.canonical == SEED_3
    assert [(m.id, m.relation) for m in cluster.members] == [
        (SEED_3, Relation.CANONICAL), (SEED_2, Relation.REWRITE)
    ]
    rewrite = cluster.members[1]
    assert rewrite.matched_with == SEED_3
    assert rewrite.jaccard < 0.05  # MinHash could never see it
    assert 0.25 <= rewrite.score <= 1.0
    assert rewrite.aligned >= 10
    assert 1 <= len(rewrite.evidence) <= DedupConfig().evidence_passages
    indices = [(p.canonical_index, p.member_index) for p in rewrite.evidence]
    assert indices == sorted(indices)  # evidence in document order, monotone
    assert all(p.similarity >= DedupConfig().rewrite.similarity for p in rewrite.evidence)


def test_seed_cluster_says_why_003_is_kept() -> None:
    (cluster,) = find_duplicates(seed_docs()).clusters
    assert cluster.reason.startswith(f"{SEED_2} credits another outlet as its source")
    assert cluster.to_dict()["reason"] == cluster.reason
    longest = find_duplicates(seed_docs(), DedupConfig(keep="longest")).clusters[0]
    assert "credits" not in longest.reason


def test_seed_evidence_shows_the_rewritten_passages() -> None:
    (cluster,) = find_duplicates(seed_docs()).clusters
    texts = " ".join(p.member_text + " " + p.canonical_text for p in cluster.members[1].evidence)
    assert "Khomich" in texts or "Vilnius" in texts


def test_one_shot_iterator_and_reversed_order_give_the_same_result() -> None:
    docs = seed_docs()
    expected = find_duplicates(docs)
    assert find_duplicates(iter(docs[::-1])) == expected
    assert find_duplicates(d for d in docs) == expected


# -- constructed copies ---------------------------------------------------------------------------
def exact_copy_of_seed_3() -> Document:
    data = seed_bytes(3).decode("utf-8")
    data = data.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    data = data.replace("\n", "\r\n")
    return relabel(b"\xef\xbb\xbf" + data.encode("utf-8"), 10, "exact-copy-of-003")


def test_exact_copy_with_crlf_bom_and_straight_quotes_is_exact() -> None:
    copy = exact_copy_of_seed_3()
    assert copy.bom
    assert copy.line_ending == "crlf"
    result = find_duplicates([*seed_docs(), copy])
    found = relations(result)
    assert found[copy.id] == (SEED_3, Relation.EXACT)
    assert found[SEED_3] == (SEED_3, Relation.CANONICAL)  # lower seq wins between equals
    assert found[SEED_2] == (SEED_3, Relation.REWRITE)
    member = next(m for c in result.clusters for m in c.members if m.id == copy.id)
    assert member.score == 1.0
    assert member.jaccard == 1.0
    assert member.containment == 1.0


def near_copies_of_seed_4() -> dict[str, Document]:
    lines = body_lines(seed_bytes(4))
    body = [i for i, line in enumerate(lines) if len(line) > 200]
    truncated = lines[: body[len(body) * 2 // 5]]
    dropped = [line for i, line in enumerate(lines) if i != body[len(body) // 2]]
    note = ("This analysis was produced with support from a regional journalism fund, which "
            "had no say over its content or its conclusions in any way.")
    trailer = [*lines[:-3], note, *lines[-3:]]
    return {
        name: relabel(("\n".join(text) + "\n").encode("utf-8"), 20 + k, f"near-{name}")
        for k, (name, text) in enumerate(
            (("truncated", truncated), ("dropped", dropped), ("trailer", trailer))
        )
    }


@pytest.mark.parametrize("kind", ["truncated", "dropped", "trailer"])
def test_near_copies_are_near(kind: str) -> None:
    copy = near_copies_of_seed_4()[kind]
    original = seed_docs()[4]
    result = find_duplicates([*seed_docs(), copy])
    found = relations(result)
    assert found[copy.id][1] in (Relation.NEAR, Relation.CANONICAL)
    assert found[original.id][1] in (Relation.NEAR, Relation.CANONICAL)
    assert found[copy.id][0] == found[original.id][0]
    members = {m.id: m for c in result.clusters for m in c.members}
    pair = members[copy.id] if members[copy.id].relation is Relation.NEAR else members[original.id]
    assert pair.containment >= DedupConfig().near.containment
    if kind == "truncated":
        assert pair.jaccard < 0.5  # Jaccard alone would miss it; containment catches it
    # The contained document is the copy: the original stays canonical, except when the copy
    # added a trailer, which makes the original the contained one.
    expected = copy.id if kind == "trailer" else original.id
    assert found[expected][1] is Relation.CANONICAL
    assert len(result.clusters) == 2  # and the 002/003 rewrite cluster, nothing else


def test_all_near_copies_together_form_one_cluster() -> None:
    copies = near_copies_of_seed_4()
    result = find_duplicates([*seed_docs(), *copies.values()])
    found = relations(result)
    clusters = {found[d.id][0] for d in copies.values()}
    assert len(clusters) == 1
    assert all(found[d.id][1] in (Relation.NEAR, Relation.CANONICAL) for d in copies.values())


# -- hand-written rewrites and same-story texts -----------------------------------------------
def topic_docs() -> tuple[list[Document], dict[str, tuple[str, str]]]:
    docs: list[Document] = []
    labels: dict[str, tuple[str, str]] = {}
    for t, topic in enumerate(topics()):
        for k, kind in enumerate(("source", "light", "heavy", "independent")):
            doc = make_doc(getattr(topic, kind), 100 + 4 * t + k, f"{topic.name}-{kind}")
            docs.append(doc)
            labels[doc.id] = (topic.name, kind)
    return docs, labels


def test_hand_written_rewrites_are_found_and_same_story_texts_are_not() -> None:
    # Heavy rewrites of five to seven sentences score 0.16-0.42: below the default
    # threshold (0.44), all of them; texts written independently to the same facts reach 0.31
    # on the development set, so the default keeps them apart (docs/dedup.md, Limits).
    docs, labels = topic_docs()
    result = find_duplicates([*docs, *seed_docs()])
    found = relations(result)
    heavy = 0
    for doc_id, (name, kind) in labels.items():
        if kind == "independent":
            assert doc_id not in found, f"{name}: an independent text on the same story was paired"
        elif kind == "light":
            assert doc_id in found, f"{name}: the {kind} text was not clustered"
        elif kind == "heavy":
            heavy += doc_id in found
    assert heavy == 0
    at_04 = relations(find_duplicates([*docs, *seed_docs()],
                                      DedupConfig(rewrite=RewriteConfig(threshold=0.4))))
    assert sum(i in at_04 for i, (_, kind) in labels.items() if kind == "heavy") == 1  # 0.415
    lenient = find_duplicates([*docs], DedupConfig(rewrite=RewriteConfig(threshold=0.15)))
    assert all(doc_id in relations(lenient) for doc_id, (_, kind) in labels.items()
               if kind != "independent")
    for cluster in result.clusters:
        names = {labels.get(m.id, ("seed", ""))[0] for m in cluster.members}
        assert len(names) == 1  # never across topics
        for member in cluster.members[1:]:
            assert member.relation is Relation.REWRITE


def test_rewrite_detection_can_be_turned_off() -> None:
    docs, _ = topic_docs()
    result = find_duplicates([*docs, *seed_docs()], DedupConfig(rewrites=False))
    assert result.clusters == ()


# -- keep policies and the stage ------------------------------------------------------------------
def test_keep_policies() -> None:
    docs = seed_docs()
    first = find_duplicates(docs, DedupConfig(keep="first"))
    assert first.clusters[0].canonical == SEED_2  # seq 2 before seq 3
    original = find_duplicates(docs, DedupConfig(keep="original"))
    assert original.clusters[0].canonical == SEED_3  # 002 credits the New York Times


def test_mark_duplicates_sets_the_dedup_fields() -> None:
    docs = seed_docs()
    result = find_duplicates(docs)
    marked = {d.id: d for d in mark_duplicates(iter(docs), result)}
    assert marked[SEED_3].relation is Relation.CANONICAL
    assert marked[SEED_3].cluster_id == SEED_3
    assert marked[SEED_3].duplicate_of == ""
    assert marked[SEED_3].score == 1.0
    assert marked[SEED_2].relation is Relation.REWRITE
    assert marked[SEED_2].cluster_id == SEED_3
    assert marked[SEED_2].duplicate_of == SEED_3
    assert marked[SEED_2].score == result.clusters[0].members[1].score
    unique = docs[0]
    assert marked[unique.id] == unique  # untouched


# -- bad input ----------------------------------------------------------------------------------
def test_duplicate_ids_are_refused() -> None:
    doc = seed_docs()[0]
    with pytest.raises(CorpusError, match="occurs twice"):
        find_duplicates([doc, doc])


def test_non_documents_are_refused() -> None:
    with pytest.raises(CorpusError, match=r"expects corpus\.Document"):
        find_duplicates(["not a document"])  # type: ignore[list-item]


def test_config_must_be_a_dedup_config() -> None:
    with pytest.raises(CorpusError, match="DedupConfig"):
        find_duplicates(seed_docs(), {"keep": "first"})  # type: ignore[arg-type]


def test_empty_input_and_documents_without_words() -> None:
    assert find_duplicates([]) == DedupResult(documents=0, clusters=())
    wordless = [make_doc(["* * *", "— … —", "!!!"], i, f"h{i}") for i in range(3)]
    assert all(hashing_key(article_text(d)) == "" for d in wordless)
    result = find_duplicates(wordless)
    assert result.clusters == ()
    assert result.stats.empty == 3


# -- properties ---------------------------------------------------------------------------------
# 2,500 made-up words: random documents drawn from them share words only by chance.
VOCABULARY = [f"{a}{b}{c}" for a in ("ka", "lo", "mi", "nu", "pe", "ro", "su", "ti", "va", "zo")
              for b in ("bar", "den", "fis", "gol", "hum", "jek", "mor", "pal", "rin", "tov")
              for c in ("a", "e", "i", "o", "u", "an", "el", "is", "om", "ur", "ta", "ke", "di",
                        "su", "ra", "no", "mi", "pe", "lo", "vu", "za", "ho", "gi", "fe", "bo")]


def random_paragraphs(rng: random.Random, paragraphs: int) -> list[str]:
    out = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(rng.randint(2, 4)):
            words = [rng.choice(VOCABULARY) for _ in range(rng.randint(8, 16))]
            sentences.append(" ".join(words).capitalize() + ".")
        out.append(" ".join(sentences))
    return out


@st.composite
def corpora(draw: st.DrawFn) -> tuple[list[Document], set[tuple[str, str]]]:
    """A few unrelated documents plus planted exact and near copies; returns docs and copy pairs."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    bases = draw(st.integers(2, 5))
    docs: list[Document] = []
    planted: set[tuple[str, str]] = set()
    seq = 0
    for b in range(bases):
        paragraphs = random_paragraphs(rng, rng.randint(3, 6))
        original = make_doc(paragraphs, seq, f"base-{b}-{seq}")
        docs.append(original)
        seq += 1
        for c in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from(["exact", "drop-last", "trailer"]))
            if kind == "exact":
                copy = make_doc(paragraphs, seq, f"copy-{b}-{c}-{seq}", ending="\r\n", bom=True)
            elif kind == "drop-last":
                copy = make_doc(paragraphs[:-1], seq, f"copy-{b}-{c}-{seq}")
            else:
                longer = [*paragraphs, *random_paragraphs(rng, 1)]
                copy = make_doc(longer, seq, f"copy-{b}-{c}-{seq}")
            docs.append(copy)
            planted.add((original.id, copy.id))
            seq += 1
    return docs, planted


# Each example runs the whole pipeline (index, spool, verification) on up to 15 documents,
# ~20 ms; 50 examples keep the property well exercised without dominating the CI run.
@settings(max_examples=50)
@given(corpora(), st.randoms(use_true_random=False))
def test_result_is_independent_of_input_order(
    corpus: tuple[list[Document], set[tuple[str, str]]], rnd: random.Random
) -> None:
    docs, _ = corpus
    shuffled = list(docs)
    rnd.shuffle(shuffled)
    assert find_duplicates(shuffled) == find_duplicates(docs)


@settings(max_examples=50)  # see above: a whole pipeline run per example
@given(corpora())
def test_planted_copies_are_found_and_nothing_is_its_own_duplicate(
    corpus: tuple[list[Document], set[tuple[str, str]]],
) -> None:
    docs, planted = corpus
    result = find_duplicates(docs)
    found = relations(result)
    for original, copy in planted:
        assert original in found
        assert copy in found
        assert found[original][0] == found[copy][0]
    seen: set[str] = set()
    for cluster in result.clusters:
        ids = [m.id for m in cluster.members]
        assert len(ids) == len(set(ids)) >= 2
        assert not seen & set(ids)
        seen |= set(ids)
        assert cluster.members[0].id == cluster.canonical
        assert cluster.members[0].relation is Relation.CANONICAL
        for member in cluster.members[1:]:
            assert member.relation is not Relation.CANONICAL
            assert member.matched_with != member.id
    for doc in mark_duplicates(docs, result):
        assert doc.duplicate_of != doc.id


@settings(max_examples=50)  # see above: two whole pipeline runs per example
@given(corpora())
def test_deduplicating_a_deduplicated_corpus_finds_nothing(
    corpus: tuple[list[Document], set[tuple[str, str]]],
) -> None:
    docs, _ = corpus
    kept = [d for d in mark_duplicates(docs, find_duplicates(docs))
            if d.relation in (Relation.UNIQUE, Relation.CANONICAL)]
    assert find_duplicates(kept).clusters == ()


@settings(max_examples=50)  # see above
@given(st.lists(body_paragraphs(), min_size=1, max_size=5),
       st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_an_exact_copy_is_always_found(paragraphs: list[str], ending: str, bom: bool) -> None:
    # Realistic multilingual prose (accents, combining marks, Greek, Cyrillic, CJK, emoji), not
    # arbitrary code points: on random strings ftfy may read "’" next to, say, "ą£" as mojibake
    # and repair the copy but not the original, which says nothing about copies of articles.
    body = [f'Paragraph {i} says: "{p}" and it\'s the end of it.' for i, p in enumerate(paragraphs)]
    original = make_doc(body, 1, "original")
    curly = [p.replace("'", "’").replace('"', "“") for p in body]
    copy = make_doc(curly, 2, "copy", ending=ending, bom=bom)
    others = seed_docs()[:2]
    found = relations(find_duplicates([original, copy, *others]))
    assert found[copy.id] == (original.id, Relation.EXACT)


def _iterate_once(docs: list[Document]) -> Iterator[Document]:
    yield from docs


def test_generator_input_is_read_once() -> None:
    docs = seed_docs()
    result = find_duplicates(_iterate_once(docs))
    assert len(result.clusters) == 1
