"""Labelled evaluation of find_duplicates: planted copies at known edit levels, same-topic texts.

The generated corpus has topics; every topic has its own names, places and vocabulary, and
several *independent* articles written from them (same story, different sentences: the hard
negatives). Some articles get planted copies at known edit levels:

* ``exact``: CRLF line endings, a byte-order mark, straight instead of curly quotes;
* ``near-dropped``: one or two paragraphs dropped;
* ``near-truncated``: only the first 40 to 70 percent of the paragraphs;
* ``near-boilerplate``: a trailer paragraph and boilerplate lines added;
* ``near-swapped``: 4 percent of the words replaced or swapped with a neighbour;
* ``rewrite-light``: a quarter of the content words replaced, a few words dropped or added
  in every sentence, some sentences reordered inside their paragraph;
* ``rewrite-heavy``: half of the content words replaced, sentences split and merged, a fifth
  of them dropped and new ones added, as a rewriter working from the source would.

Recall per edit level is the share of planted copies that end in the cluster of their source;
precision per level the share of pairs labelled with that relation that are true copies; pair
precision over all clustered pairs, and the number of same-topic pairs wrongly clustered. The
real texts (the seeds, the hand-written rewrites of ``tests/dedup/data/rewrites.json`` and the
hand-written paraphrases of ``tests/dedup/data/paraphrases.json``, level ``paraphrase``) are
scored apart. Time per 1,000 documents covers the whole of ``find_duplicates``.
``--semantic`` turns on the semantic verifier (needs ``pip install 'news-corpus[semantic]'``).

Run::

    python benchmarks/eval_dedup.py                   # 100 topics, about 3,500 documents
    python benchmarks/eval_dedup.py --topics 20       # a quick look
    python benchmarks/eval_dedup.py --semantic        # with sentence-embedding verification
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus import Document, Relation, find_duplicates, parse
from corpus.dedup import DedupConfig, DedupResult, SemanticConfig

ROOT = Path(__file__).resolve().parent.parent


def _words(text: str) -> list[str]:
    return text.split()


NOUNS = _words("""
agency airport alliance analyst army artist bank battle border budget cabinet campaign
capital ceasefire charity city coalition company contract council court crisis critic debt deal
decision delegation deputy diplomat director district doctor economy election embassy energy
envoy factory farmer festival fleet forest fuel government governor harbour hospital hotel
inquiry island journalist judge labour landlord lawyer leader market mayor meeting merger
minister mission museum neighbour network office official opposition parliament partner party
patient pension pilot plant police policy port president price prison prisoner programme
project protest railway refugee region report republic researcher reserve resident river road
ruling sanction school scientist season senate shipment spokesman stadium station strike summit
supplier survey tariff tax team teacher territory town trade treaty tribunal troops union
university valley village vote voter wage war warehouse weapon witness worker""")
VERBS = _words("""
accept accuse admit agree allow announce appoint approve argue arrest ask attack ban
block borrow build buy call cancel cause claim close collapse complete confirm cut debate
decline defend delay demand deny deploy describe design destroy develop discover dismiss draft
drop earn ease elect end estimate expand expect face fail fear fund gain grant halt hire hold
impose improve increase insist invest join launch lead lift limit lose meet move negotiate
oppose order pay plan pledge predict prepare promise propose protect publish push raise reach
reduce reject release remove repair replace report rescue restore resume reveal rise rule seize
sell sign spend stage suspend threaten track urge visit warn welcome win withdraw""")
ADJECTIVES = _words("""angry annual bitter brief broad central cheap close costly critical crucial
difficult direct distant domestic early eastern economic fierce final financial foreign formal
fragile frozen global gradual heavy historic huge illegal initial internal key large late legal
local long loyal major military modest narrow national northern official open partial political
popular poor powerful private public quiet rapid rare recent regional remote rural secret senior
serious sharp short slow small southern special stable steady strong sudden temporary tense
tough urban urgent vast violent weak western wide""")
FUNCTION = _words("""the a an of to in on for with by at from as after before during while but and
or that which who it its their his her they he she we this these those was were is are has
have had will would could should may might also not only than then there""")
SYLLABLES = _words("ka lo mi nu pe ro su ti va zo bar den fis gol hum jek mor pal rin tov ash el")
CURLY = str.maketrans({"'": "’", '"': "”"})


def made_up_name(rng: np.random.Generator) -> str:
    parts = rng.choice(SYLLABLES, size=int(rng.integers(2, 4)))
    return "".join(parts).capitalize()


@dataclass
class Topic:
    """A story: its names, its own words, and the vocabulary its articles draw from."""

    names: list[str]
    words: list[str]


def make_topic(rng: np.random.Generator) -> Topic:
    names = [made_up_name(rng) for _ in range(8)]
    words = list(rng.choice(NOUNS, size=25, replace=False)) + [
        made_up_name(rng).lower() for _ in range(10)
    ]
    return Topic(names, words)


def sentence(rng: np.random.Generator, topic: Topic) -> str:
    """A news-like sentence: function words, general words, the topic's words and names."""
    length = int(rng.integers(12, 28))
    words = []
    for _ in range(length):
        draw = rng.random()
        if draw < 0.38:
            words.append(str(rng.choice(FUNCTION)))
        elif draw < 0.55:
            words.append(str(rng.choice(topic.words)))
        elif draw < 0.62:
            words.append(str(rng.choice(topic.names)))
        elif draw < 0.72:
            words.append(str(rng.choice(VERBS)) + str(rng.choice(["", "s", "ed", "ing"])))
        elif draw < 0.82:
            words.append(str(rng.choice(ADJECTIVES)))
        elif draw < 0.85:
            words.append(str(int(rng.integers(2, 5000))))
        else:
            words.append(str(rng.choice(NOUNS)))
    if rng.random() < 0.2:
        quoted = int(rng.integers(3, 8))
        start = int(rng.integers(0, max(1, length - quoted)))
        words[start] = "“" + words[start]
        words[min(start + quoted, length - 1)] += "”"
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def article(rng: np.random.Generator, topic: Topic) -> list[list[str]]:
    """Paragraphs of sentences: 6 to 14 paragraphs of 1 to 4 sentences."""
    return [[sentence(rng, topic) for _ in range(int(rng.integers(1, 5)))]
            for _ in range(int(rng.integers(6, 15)))]


def replace_words(rng: np.random.Generator, text: str, rate: float, topic: Topic) -> str:
    words = text.split()
    for i, word in enumerate(words):
        bare = word.strip("“”.,").lower()
        if bare in FUNCTION or rng.random() >= rate:
            continue
        pool = NOUNS
        if bare.rstrip("sdeing") in VERBS:
            pool = VERBS
        elif bare in ADJECTIVES:
            pool = ADJECTIVES
        words[i] = word.replace(word.strip("“”.,"), str(rng.choice(pool)))
    return " ".join(words)


def jitter(rng: np.random.Generator, text: str, count: int) -> str:
    """Drop or insert ``count`` words here and there (a rewriter's small changes)."""
    words = text.split()
    for _ in range(count):
        if rng.random() < 0.5 and len(words) > 6:
            del words[int(rng.integers(1, len(words) - 1))]
        else:
            words.insert(int(rng.integers(1, len(words))), str(rng.choice(FUNCTION + ADJECTIVES)))
    out = " ".join(words).rstrip(".") + "."
    return out[0].upper() + out[1:]


def rewrite(rng: np.random.Generator, paragraphs: list[list[str]], topic: Topic,
            heavy: bool) -> list[list[str]]:
    out = []
    for paragraph in paragraphs:
        sentences = []
        for s in paragraph:
            if heavy and rng.random() < 0.2:
                continue  # dropped
            s = jitter(rng, replace_words(rng, s, 0.5 if heavy else 0.25, topic),
                       int(rng.integers(2, 6 if heavy else 4)))
            if heavy and rng.random() < 0.3 and len(s.split()) > 14:
                words = s.rstrip(".").split()
                cut = len(words) // 2
                sentences += [" ".join(words[:cut]) + ".",
                              " ".join(words[cut:])[0].upper() + " ".join(words[cut:])[1:] + "."]
            elif heavy and sentences and rng.random() < 0.2:
                sentences[-1] = sentences[-1].rstrip(".") + ", and " + s[0].lower() + s[1:]
            else:
                sentences.append(s)
            if heavy and rng.random() < 0.15:
                sentences.append(sentence(rng, topic))  # the rewriter's own addition
        if not heavy and len(sentences) > 2 and rng.random() < 0.3:
            i = int(rng.integers(0, len(sentences) - 1))
            sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
        if sentences:
            out.append(sentences)
    return out


def swap_words(rng: np.random.Generator, paragraphs: list[list[str]], rate: float,
               topic: Topic) -> list[list[str]]:
    out = []
    for paragraph in paragraphs:
        sentences = []
        for s in paragraph:
            words = s.split()
            for i in range(1, len(words) - 1):
                if rng.random() < rate / 2:
                    words[i], words[i + 1] = words[i + 1], words[i]
                elif rng.random() < rate / 2:
                    words[i] = str(rng.choice(topic.words))
            sentences.append(" ".join(words))
        out.append(sentences)
    return out


LEVELS = ("exact", "near-dropped", "near-truncated", "near-boilerplate", "near-swapped",
          "rewrite-light", "rewrite-heavy")
#: Levels of the hand-written real texts only (never generated).
REAL_LEVELS = ("paraphrase",)
EXPECTED = {level: Relation.EXACT if level == "exact" else
            Relation.NEAR if level.startswith("near") else Relation.REWRITE
            for level in LEVELS + REAL_LEVELS}


def render(paragraphs: list[list[str]], *, ending: str = "\n", bom: bool = False,
           straight: bool = False, extra: Sequence[str] = ()) -> bytes:
    lines = [" ".join(p) for p in paragraphs] + list(extra)
    text = ending.join(lines) + ending
    if straight:
        text = text.replace("“", '"').replace("”", '"').replace("’", "'")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def planted(rng: np.random.Generator, level: str, paragraphs: list[list[str]],
            topic: Topic) -> bytes:
    if level == "exact":
        return render(paragraphs, ending="\r\n", bom=True, straight=True)
    if level == "near-dropped":
        size = int(rng.integers(1, 3))
        drop = set(rng.choice(len(paragraphs), size=size, replace=False).tolist())
        return render([p for i, p in enumerate(paragraphs) if i not in drop])
    if level == "near-truncated":
        keep = max(2, int(len(paragraphs) * rng.uniform(0.4, 0.7)))
        return render(paragraphs[:keep])
    if level == "near-boilerplate":
        trailer = [f"This report was produced with support from the {made_up_name(rng)} "
                   "Foundation, which had no say over its content or conclusions."]
        return render([*paragraphs, trailer], extra=["Follow us on social media.",
                                                     "Copyright 2025. All rights reserved."])
    if level == "near-swapped":
        return render(swap_words(rng, paragraphs, 0.04, topic))
    return render(rewrite(rng, paragraphs, topic, heavy=level == "rewrite-heavy"))


def doc_name(seq: int, label: str) -> str:
    return f"{seq:06d}_{hashlib.sha256(label.encode()).hexdigest()[:16]}.txt"


@dataclass
class Labelled:
    docs: list[Document]
    family: dict[str, str]  # doc id -> family (the source article it derives from)
    topic: dict[str, int]
    level: dict[str, str]  # doc id of a planted copy -> its edit level


def generate(topics: int, articles: int, seed: int) -> Labelled:
    rng = np.random.default_rng(seed)
    docs: list[Document] = []
    family: dict[str, str] = {}
    topic_of: dict[str, int] = {}
    level_of: dict[str, str] = {}
    seq = 0
    for t in range(topics):
        topic = make_topic(rng)
        for a in range(articles):
            paragraphs = article(rng, topic)
            source = parse(render(paragraphs, straight=False), doc_name(seq, f"{seed}-{t}-{a}"))
            seq += 1
            docs.append(source)
            family[source.id], topic_of[source.id] = source.id, t
            if rng.random() < 0.5:
                continue  # half the articles have no copy: the same-topic negatives
            for level in rng.choice(LEVELS, size=int(rng.integers(1, 3)), replace=False):
                data = planted(rng, str(level), [list(p) for p in paragraphs], topic)
                copy = parse(data, doc_name(seq, f"{seed}-{t}-{a}-{level}"))
                seq += 1
                docs.append(copy)
                family[copy.id], topic_of[copy.id], level_of[copy.id] = source.id, t, str(level)
    return Labelled(docs, family, topic_of, level_of)


def score(result: DedupResult, data: Labelled) -> dict[str, object]:
    cluster_of = {m.id: c.id for c in result.clusters for m in c.members}
    relation_of = {m.id: m for c in result.clusters for m in c.members}
    per_level: dict[str, dict[str, float]] = {}
    for level in LEVELS + REAL_LEVELS:
        copies = [d for d, lv in data.level.items() if lv == level]
        found = [d for d in copies if d in cluster_of
                 and cluster_of.get(data.family[d]) == cluster_of[d]]
        # The relation is stated against the canonical member; it can be checked against the
        # edit level only where the copy and its source are compared directly.
        checked = labelled = 0
        for d in found:
            source = data.family[d]
            for member, other in ((relation_of[d], source), (relation_of[source], d)):
                if member.matched_with == other:
                    checked += 1
                    labelled += member.relation is EXPECTED[level]
        per_level[level] = {
            "planted": len(copies),
            "recall": len(found) / len(copies) if copies else float("nan"),
            "right_relation": labelled / checked if checked else float("nan"),
        }
    # Precision per predicted relation: member/matched pairs labelled so, that are true copies.
    predicted: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for cluster in result.clusters:
        for member in cluster.members[1:]:
            predicted[member.relation.value] += 1
            correct[member.relation.value] += (
                data.family[member.id] == data.family[member.matched_with])
    pairs = true_pairs = same_topic_false = 0
    for cluster in result.clusters:
        ids = [m.id for m in cluster.members]
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                pairs += 1
                if data.family[a] == data.family[b]:
                    true_pairs += 1
                elif data.topic[a] == data.topic[b]:
                    same_topic_false += 1
    return {
        "levels": per_level,
        "precision": {k: correct[k] / predicted[k] for k in sorted(predicted)},
        "pair_precision": true_pairs / pairs if pairs else float("nan"),
        "clustered_pairs": pairs,
        "same_topic_false_pairs": same_topic_false,
    }


def real_texts() -> Labelled:
    """The seeds (002 rewrites 003) and the hand-written rewrites, labelled."""
    docs: list[Document] = []
    family: dict[str, str] = {}
    topic_of: dict[str, int] = {}
    level_of: dict[str, str] = {}
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        doc = parse(path.read_bytes(), path.name)
        docs.append(doc)
        family[doc.id], topic_of[doc.id] = doc.id, 0
    family["ccf4b0b12e1d7c3c"] = "860389ee531be975"
    level_of["ccf4b0b12e1d7c3c"] = "rewrite-heavy"
    raw = json.loads((ROOT / "tests" / "dedup" / "data" / "rewrites.json").read_text("utf-8"))
    seq = 100
    for t, item in enumerate(raw["topics"], start=1):
        source_id = ""
        for kind in ("source", "light", "heavy", "independent"):
            doc = parse(("\n".join(item[kind]) + "\n").encode(), doc_name(seq, f"real-{t}-{kind}"))
            seq += 1
            docs.append(doc)
            source_id = source_id or doc.id
            family[doc.id] = doc.id if kind == "independent" else source_id
            topic_of[doc.id] = t
            if kind in ("light", "heavy"):
                level_of[doc.id] = f"rewrite-{kind}"
    raw = json.loads((ROOT / "tests" / "dedup" / "data" / "paraphrases.json").read_text("utf-8"))
    for t, item in enumerate(raw["topics"], start=max(topic_of.values()) + 1):
        source_id = ""
        for kind in ("source", "paraphrase", "independent"):
            doc = parse(("\n".join(item[kind]) + "\n").encode(),
                        doc_name(seq, f"paraphrase-{t}-{kind}"))
            seq += 1
            docs.append(doc)
            source_id = source_id or doc.id
            family[doc.id] = doc.id if kind == "independent" else source_id
            topic_of[doc.id] = t
            if kind == "paraphrase":
                level_of[doc.id] = "paraphrase"
    return Labelled(docs, family, topic_of, level_of)


def print_report(title: str, report: dict[str, object], documents: int, seconds: float) -> None:
    print(f"\n## {title}: {documents} documents, {seconds:.2f} s "
          f"({1000 * seconds / documents:.2f} s per 1,000 documents)")
    print(f"{'edit level':18s} {'planted':>8s} {'recall':>8s} {'right relation':>15s}")
    levels = report["levels"]
    assert isinstance(levels, dict)
    for level, row in levels.items():
        if row["planted"]:
            print(f"{level:18s} {row['planted']:8.0f} {row['recall']:8.3f} "
                  f"{row['right_relation']:15.3f}")
    precision = report["precision"]
    assert isinstance(precision, dict)
    print("precision by predicted relation: "
          + ", ".join(f"{k} {v:.3f}" for k, v in precision.items()))
    print(f"pair precision {report['pair_precision']:.4f} over {report['clustered_pairs']} "
          f"clustered pairs; same-topic pairs wrongly clustered: "
          f"{report['same_topic_false_pairs']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=100)
    parser.add_argument("--articles", type=int, default=20, help="independent articles per topic")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--semantic", action="store_true",
                        help="also verify rewrite candidates by sentence embeddings")
    args = parser.parse_args(argv)
    config = DedupConfig(semantic=SemanticConfig(enabled=args.semantic))
    if args.semantic:
        from corpus.dedup.semantic import load_encoder

        start = time.perf_counter()
        load_encoder()  # once per process; timed apart from find_duplicates
        print(f"# semantic verification on; model loaded in {time.perf_counter() - start:.1f} s")

    data = generate(args.topics, args.articles, args.seed)
    counts = Counter(data.level.values())
    print(f"# generated: {len(data.docs)} documents, {args.topics} topics x {args.articles} "
          f"articles, planted copies: {dict(sorted(counts.items()))}")
    start = time.perf_counter()
    result = find_duplicates(data.docs, config)
    seconds = time.perf_counter() - start
    print(f"# stats: {result.stats.to_dict()}")
    print_report("Generated corpus", score(result, data), len(data.docs), seconds)

    real = real_texts()
    start = time.perf_counter()
    result = find_duplicates(real.docs, config)
    seconds = time.perf_counter() - start
    print_report("Real texts (seeds + hand-written rewrites and paraphrases)", score(result, real),
                 len(real.docs), seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
