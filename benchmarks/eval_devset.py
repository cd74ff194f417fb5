"""Dedup quality on the hand-written development set: pair precision, recall and ARI.

The development set (``benchmarks/data/dedup_dev/``, format in its ``labels-*.json``) holds, per
topic, a source text, copies of it at several levels (``copy-paste``, ``light``, ``moderate``,
``heavy``, ``condensed``) and texts written *independently* to the same prompt (same facts, names
and numbers, no copying): the hard negatives of real corpora. Its ``seeds`` part labels rewrites
of the repository's ``seeds/`` and independent same-story articles. Gold clusters: a source
with its copies; every independent text alone.

This script runs :func:`corpus.find_duplicates` on the union of the development set and
``seeds/`` and reports:

* pair precision and recall (over all pairs of documents put in one cluster) and the adjusted
  Rand index, overall, per length (``short``, ``long``) and per level (recall: the copies of
  that level clustered with their source; false pairs: predicted pairs that involve a
  document of that level and are not gold);
* a precision-recall curve over the rewrite threshold (``RewriteConfig.threshold``, the pair
  score a rewrite needs), for the lexical verifier and, with ``--semantic``, the semantic one;
  written to ``benchmarks/results/dedup_pr.json`` and plotted to
  ``docs/images/dedup_pr.png`` (needs matplotlib: ``pip install 'corpus[bench]'``);
* with ``--plant N [N ...]``, the same measures with the development set planted among N
  generated documents whose vocabulary overlaps it (:func:`planted_corpus`), so recall and
  precision can be compared across corpus sizes.

Run::

    python benchmarks/eval_devset.py                      # tables and the curve (lexical)
    python benchmarks/eval_devset.py --semantic           # also the semantic verifier
    python benchmarks/eval_devset.py --plant 1000 10000 30000 --no-curve
    python benchmarks/eval_devset.py --set validation --no-curve   # the validation set
    python benchmarks/eval_devset.py --set dev validation --no-curve --without-sources
    python benchmarks/eval_devset.py --set dev validation --no-curve   # both together
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import combinations
from pathlib import Path

import numpy as np

from corpus import Document, find_duplicates, parse
from corpus.dedup import CandidateConfig, DedupConfig, DedupResult, RewriteConfig, SemanticConfig
from corpus.dedup.align import Profile
from corpus.text.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT / "benchmarks" / "data" / "dedup_dev"
RESULTS = ROOT / "benchmarks" / "results" / "dedup_pr.json"
PLOT = ROOT / "docs" / "images" / "dedup_pr.png"
LEVELS = ("copy-paste", "light", "moderate", "heavy", "condensed", "independent")
#: The rewrite thresholds swept for the precision-recall curve.
SWEEP = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


@dataclass(frozen=True, slots=True)
class Label:
    """One labelled document of the development set."""

    id: str
    topic: str
    level: str
    length: str
    gold: str  # the gold cluster: the source's id (the document's own id for a source/independent)
    words: int = 0  # the body's words, as the labels file counts them


@dataclass(frozen=True, slots=True)
class DevSet:
    docs: tuple[Document, ...]
    labels: dict[str, Label]


#: The labelled sets: the development set; the validation set written after the
#: verification tests were set (``benchmarks/data/dedup_validation/``); the brief-answer set
#: (``dedup_brief``, blind once, then used to set the threshold); the blind set
#: (``dedup_blind``, news made from one fact sheet, measured once before anything was changed).
SETS = {"dev": "dedup_dev", "validation": "dedup_validation", "brief": "dedup_brief",
        "blind": "dedup_blind"}


def load_devset(root: Path = ROOT, sets: Sequence[str] = ("dev",)) -> DevSet:
    """The documents of every ``labels-*.json`` part of ``sets`` (names of :data:`SETS`) plus
    ``seeds/``, with their labels. The seeds' own labels (seed 002 a heavy rewrite of 003) come
    from the development set's ``labels-seeds.json`` whichever sets are loaded."""
    labels: dict[str, Label] = {}
    paths: dict[str, Path] = {}
    data = root / "benchmarks" / "data"
    parts = [(data / "dedup_dev" / "labels-seeds.json", True)]
    for name in sets:
        parts += [(part, False) for part in sorted((data / SETS[name]).glob("labels-*.json"))]
    for part, seeds_only in parts:
        for item in json.loads(part.read_text("utf-8")):
            name = str(item["file"])
            if seeds_only and not name.startswith("seeds/"):
                continue
            path = root / name if name.startswith("seeds/") else part.parent / "corpus" / name
            doc_id = str(item["id"])
            labels[doc_id] = Label(doc_id, str(item["topic"]), str(item["level"]),
                                   str(item["length"]), str(item["derived_from"] or doc_id),
                                   int(item.get("words", 0)))
            paths[doc_id] = path
    for path in sorted((root / "seeds").glob("*.txt")):
        doc_id = path.stem.split("_", 1)[1]
        if doc_id not in labels:
            labels[doc_id] = Label(doc_id, f"seeds/{path.stem[:3]}", "source", "long", doc_id)
            paths[doc_id] = path
    docs = tuple(parse(paths[i].read_bytes(), paths[i].name) for i in sorted(paths))
    for doc in docs:
        if doc.id not in labels:
            raise SystemExit(f"{doc.source}: id {doc.id} is not the one its label gives")
        if not labels[doc.id].words:  # a seed without a label: count its words here
            labels[doc.id] = replace(labels[doc.id], words=normalize(doc).word_count)
    return DevSet(docs, labels)


#: Topics that report one story: the seeds all report the United States' reopening to Belarus
#: (001 and 003 the same meeting in Minsk, 000 an interview of the same months, 004 an essay
#: on it), so every seeds topic is one story.
STORIES = {"seeds/000": "seeds", "seeds/001": "seeds", "seeds/003": "seeds",
           "seeds/004": "seeds"}


def story(label: Label) -> str:
    """The story a document's topic reports (:data:`STORIES`; else the topic itself): the
    pair studies measure every pair of one story, across topics too."""
    return STORIES.get(label.topic, label.topic)


def story_pairs(labels: dict[str, Label]) -> Iterator[tuple[str, str]]:
    """Every pair of documents of one story (:func:`story`), each once, in id order."""
    stories: dict[str, list[str]] = defaultdict(list)
    for doc_id, label in labels.items():
        stories[story(label)].append(doc_id)
    for _, ids in sorted(stories.items()):
        yield from combinations(sorted(ids), 2)


def without_sources(dev: DevSet) -> DevSet:
    """``dev`` without the sources that have copies (their copies keep their gold cluster)."""
    copied = {lab.gold for lab in dev.labels.values() if lab.gold != lab.id}
    return DevSet(tuple(d for d in dev.docs if d.id not in copied),
                  {i: lab for i, lab in dev.labels.items() if i not in copied})


def pair_kind(a: Label, b: Label) -> str | None:
    """What a pair of one story is to the pair studies (``devset_features.py``,
    ``devset_retelling.py``): a copy with its source (the copy's level), ``"negative"`` when
    an independent text is in it or the two belong to different topics of one story
    (:data:`STORIES`), or ``None`` (two copies of one source, left out)."""
    if a.gold == b.gold:
        if "source" not in (a.level, b.level):
            return None
        return a.level if a.level != "source" else b.level
    return "negative" if "independent" in (a.level, b.level) or a.topic != b.topic else None


def gated_scores(dev: DevSet, config: DedupConfig | None = None
                 ) -> tuple[dict[str, Profile], dict[tuple[str, str], float]]:
    """Each document's profile, and the rewrite test's pair score with its gates opened
    (:func:`corpus.dedup.explain._alignment`, the text with fewer sentences first) for every
    pair of one story (:func:`story_pairs`): what the pair studies compare."""
    from corpus.dedup.align import build_profile
    from corpus.dedup.explain import _alignment
    from corpus.dedup.text import article_text
    from corpus.text.keys import hashing_key

    config = config or DedupConfig()
    texts = {d.id: article_text(normalize(d)) for d in dev.docs}
    profiles = {i: build_profile(t, hashing_key(t), 5) for i, t in texts.items()}
    scores = {}
    for a, b in story_pairs(dev.labels):
        x, y = (a, b) if len(profiles[a].sentences) <= len(profiles[b].sentences) else (b, a)
        scores[(a, b)] = _alignment(profiles[x], profiles[y], config).link
    return profiles, scores


def score_table(scores: dict[tuple[str, str], float]) -> dict[str, dict[str, float]]:
    """The pair scores of :func:`gated_scores` by document: ``table[a][b]`` and
    ``table[b][a]`` are the score of the pair ``(a, b)``."""
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for (a, b), score in scores.items():
        table[a][b] = table[b][a] = score
    return table


# -- measures -----------------------------------------------------------------------------

#: Length bands of a topic, by the words of its source (its longest text when it has none):
#: the issue's short (150–400 words) and long (600–1,500) texts, and what falls between or
#: beyond them.
BANDS = (("150–400 words", 0, 400), ("401–599 words", 401, 599), ("600–1,500 words", 600, 1500),
         ("over 1,500 words", 1501, 10**9))
#: What a topic needs to meet the development set's specification: a source, at least six
#: independent texts, and a copy at each of these levels.
COMPLETE_LEVELS = ("copy-paste", "light", "heavy", "condensed")


def topic_words(labels: dict[str, Label]) -> dict[str, int]:
    """Each topic's length: its source's words (its longest text's when it has no source)."""
    sources: dict[str, int] = {}
    longest: dict[str, int] = defaultdict(int)
    for lab in labels.values():
        longest[lab.topic] = max(longest[lab.topic], lab.words)
        if lab.level == "source":
            sources[lab.topic] = max(sources.get(lab.topic, 0), lab.words)
    return {topic: sources.get(topic, words) for topic, words in longest.items()}


def complete_topics(labels: dict[str, Label]) -> set[str]:
    """The topics that meet the specification (:data:`COMPLETE_LEVELS`)."""
    levels: dict[str, Counter[str]] = defaultdict(Counter)
    for lab in labels.values():
        levels[lab.topic][lab.level] += 1
    return {topic for topic, count in levels.items()
            if count["source"] >= 1 and count["independent"] >= 6
            and all(count[level] >= 1 for level in COMPLETE_LEVELS)}



def _pairs(groups: Iterable[Sequence[str]]) -> set[tuple[str, str]]:
    return {(a, b) if a < b else (b, a) for g in groups for a, b in combinations(g, 2)}


def adjusted_rand(truth: dict[str, str], predicted: dict[str, str]) -> float:
    """Adjusted Rand index of two clusterings given as id -> cluster label (same ids)."""
    ids = sorted(truth)
    table = Counter((truth[i], predicted[i]) for i in ids)
    rows = Counter(truth[i] for i in ids)
    cols = Counter(predicted[i] for i in ids)

    def c2(x: int) -> float:
        return x * (x - 1) / 2

    index = sum(c2(v) for v in table.values())
    a, b = sum(c2(v) for v in rows.values()), sum(c2(v) for v in cols.values())
    expected = a * b / c2(len(ids)) if len(ids) > 1 else 0.0
    top = (a + b) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)


def _ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")


def score(result: DedupResult, labels: dict[str, Label]) -> dict[str, object]:
    """Pair precision, recall and ARI overall, per length and per level (labelled ids only)."""
    predicted = {i: i for i in labels}
    for cluster in result.clusters:
        for member in cluster.members:
            if member.id in predicted:
                predicted[member.id] = cluster.id
    truth = {i: lab.gold for i, lab in labels.items()}

    def groups(of: dict[str, str], ids: Iterable[str]) -> list[list[str]]:
        found: dict[str, list[str]] = {}
        for i in ids:
            found.setdefault(of[i], []).append(i)
        return list(found.values())

    def measures(ids: list[str]) -> dict[str, float]:
        gold, found = _pairs(groups(truth, ids)), _pairs(groups(predicted, ids))
        true = len(gold & found)
        sub_t = {i: truth[i] for i in ids}
        sub_p = {i: predicted[i] for i in ids}
        return {"documents": len(ids), "gold_pairs": len(gold), "found_pairs": len(found),
                "false_pairs": len(found - gold), "precision": _ratio(true, len(found)),
                "recall": _ratio(true, len(gold)), "ari": adjusted_rand(sub_t, sub_p)}

    ids = sorted(labels)
    by_gold: dict[str, list[str]] = {}
    for i in ids:
        by_gold.setdefault(truth[i], []).append(i)

    def joined(i: str) -> bool:
        """A copy clustered with its source, or, when the source is not in the corpus
        (``--without-sources``), with another copy of it."""
        gold = labels[i].gold
        if gold in predicted:
            return predicted[i] == predicted[gold]
        return any(predicted[j] == predicted[i] for j in by_gold[gold] if j != i)

    report: dict[str, object] = {"overall": measures(ids)}
    for length in ("short", "long"):
        report[length] = measures([i for i in ids if labels[i].length == length])
    # By the measured length of each topic, and over the topics that meet the specification.
    sizes = topic_words(labels)
    bands: dict[str, object] = {}
    for name, low, high in BANDS:
        chosen = [i for i in ids if low <= sizes[labels[i].topic] <= high]
        if chosen:
            bands[name] = {**measures(chosen),
                           "topics": len({labels[i].topic for i in chosen})}
    report["bands"] = bands
    complete = complete_topics(labels)
    if complete:
        report["complete"] = {**measures([i for i in ids if labels[i].topic in complete]),
                              "topics": len(complete)}
    found_pairs = _pairs(groups(predicted, ids))
    gold_pairs = _pairs(groups(truth, ids))
    per_level: dict[str, dict[str, object]] = {}
    for level in LEVELS:
        members = [i for i in ids if labels[i].level == level]
        involved = {p for p in found_pairs if labels[p[0]].level == level
                    or labels[p[1]].level == level}
        row: dict[str, object] = {"documents": len(members),
                                  "false_pairs": len(involved - gold_pairs)}
        if level != "independent":
            # a copy left alone with no other copy of its source has nothing to join
            members = [i for i in members if labels[i].gold in predicted
                       or len(by_gold[labels[i].gold]) > 1]
            row["documents"] = len(members)
            hit = [i for i in members if joined(i)]
            row["found"] = len(hit)
            row["recall"] = _ratio(len(hit), len(members))
            row["missed"] = sorted(i for i in members if i not in hit)
            # Pair precision, recall and ARI of the corpus this level makes: every source, the
            # copies of this level and every independent text (the other copies left out,
            # clusters as the whole run made them).
            kept_ids = [i for i in ids if labels[i].level in ("source", "independent", level)]
            row["pairs"] = measures(kept_ids)
        else:
            row["merged"] = sorted(i for i in members if any(i in p for p in involved
                                                            if p not in gold_pairs))
        per_level[level] = row
    report["levels"] = per_level
    # Which text each cluster of a source and its copies kept (the keep policy's choice).
    kept: Counter[str] = Counter(
        labels[c.canonical].level for c in result.clusters
        if c.canonical in labels and labels[c.canonical].gold in by_gold
        and len(by_gold[labels[c.canonical].gold]) > 1)
    report["kept"] = dict(sorted(kept.items()))
    return report


def print_report(title: str, report: dict[str, object], seconds: float) -> None:
    print(f"\n### {title} ({seconds:.1f} s)\n")
    print("| part | documents | gold pairs | found pairs | false pairs | precision | recall "
          "| ARI |")
    print("| ---- | --------: | ---------: | ----------: | ----------: | --------: | -----: "
          "| --: |")
    for part in ("overall", "short", "long"):
        row = report[part]
        assert isinstance(row, dict)
        print(f"| {part} | {row['documents']} | {row['gold_pairs']} | {row['found_pairs']} | "
              f"{row['false_pairs']} | {row['precision']:.3f} | {row['recall']:.3f} | "
              f"{row['ari']:.3f} |")
    extra: list[tuple[str, dict[str, object]]] = []
    bands = report.get("bands", {})
    assert isinstance(bands, dict)
    extra += [(f"topics of {name} ({row['topics']})", row) for name, row in bands.items()]
    complete = report.get("complete")
    if isinstance(complete, dict):
        extra.append((f"complete topics ({complete['topics']})", complete))
    for part, row in extra:
        print(f"| {part} | {row['documents']} | {row['gold_pairs']} | {row['found_pairs']} | "
              f"{row['false_pairs']} | {row['precision']:.3f} | {row['recall']:.3f} | "
              f"{row['ari']:.3f} |")
    print("\n| level | documents | found with their source | recall | false pairs "
          "| sources + level + independent: precision / recall / ARI |")
    print("| ----- | --------: | ---------------------: | -----: | ----------: | --- |")
    levels = report["levels"]
    assert isinstance(levels, dict)
    for level, row in levels.items():
        found = row.get("found", "–")
        recall = f"{row['recall']:.3f}" if "recall" in row else "–"
        pairs = row.get("pairs")
        shown = (f"{pairs['precision']:.3f} / {pairs['recall']:.3f} / {pairs['ari']:.3f}"
                 if isinstance(pairs, dict) else "–")
        print(f"| {level} | {row['documents']} | {found} | {recall} | {row['false_pairs']} "
              f"| {shown} |")
    kept = report.get("kept")
    if kept:
        assert isinstance(kept, dict)
        print("canonical documents of clusters with copies, by level: "
              + ", ".join(f"{level} {count}" for level, count in kept.items()))
    for level, row in levels.items():
        if row.get("missed"):
            print(f"missed {level}: {', '.join(row['missed'])}")
        if row.get("merged"):
            print(f"wrongly clustered {level}: {', '.join(row['merged'])}")


# -- the precision-recall curve -------------------------------------------------------------


def with_threshold(config: DedupConfig, threshold: float, semantic: bool) -> DedupConfig:
    """``config`` with the rewrite threshold (the pair score a rewrite needs) set."""
    if semantic:
        return replace(config, semantic=replace(config.semantic, enabled=True,
                                                threshold=threshold))
    return replace(config, rewrite=replace(config.rewrite, threshold=threshold))


def curve(dev: DevSet, config: DedupConfig, semantic: bool) -> list[dict[str, object]]:
    """The sweep's points, and the mode's default threshold among them (starred in the plot)."""
    points: list[dict[str, object]] = []
    default = SemanticConfig().threshold if semantic else RewriteConfig().threshold
    for threshold in sorted({*SWEEP, default}):
        result = find_duplicates(dev.docs, with_threshold(config, threshold, semantic))
        overall = score(result, dev.labels)["overall"]
        assert isinstance(overall, dict)
        points.append({"threshold": threshold, "precision": round(overall["precision"], 4),
                       "recall": round(overall["recall"], 4),
                       "mode": "semantic" if semantic else "lexical"})
        print(f"| {points[-1]['mode']} | {threshold:.2f} | {overall['precision']:.3f} | "
              f"{overall['recall']:.3f} | {overall['ari']:.3f} |")
    return points


def plot(points: list[dict[str, object]], default: dict[str, float], path: Path,
         sets: Sequence[str] = ("dev",)) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise SystemExit("the plot needs matplotlib: pip install 'corpus[bench]'") from error
    fig, ax = plt.subplots(figsize=(6, 4.2), dpi=120)
    for mode, marker in (("lexical", "o"), ("semantic", "s")):
        rows = [p for p in points if p["mode"] == mode]
        if not rows:
            continue
        xs = [float(str(p["recall"])) for p in rows]
        ys = [float(str(p["precision"])) for p in rows]
        ax.plot(xs, ys, marker=marker, label=mode)
        for p, x, y in zip(rows, xs, ys, strict=True):
            ax.annotate(f"{float(str(p['threshold'])):g}", (x, y), fontsize=7,
                        textcoords="offset points", xytext=(3, 3))
        if mode in default:
            hit = [(x, y) for p, x, y in zip(rows, xs, ys, strict=True)
                   if math.isclose(float(str(p["threshold"])), default[mode])]
            if hit:
                ax.plot(*hit[0], marker="*", markersize=14, color="black", linestyle="none",
                        label=f"{mode} default ({default[mode]})")
    ax.set_xlabel("pair recall")
    ax.set_ylabel("pair precision")
    named = {"dev": "development", "validation": "validation", "brief": "brief-answer",
             "blind": "blind"}
    ax.set_title(f"Dedup: threshold sweep (pair score)\n"
                 f"{' + '.join(named.get(s, s) for s in sets)} set{'s' if len(sets) > 1 else ''}",
                 fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# -- planted in a generated corpus ----------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


def planted_corpus(dev: DevSet, size: int, seed: int = 0) -> list[Document]:
    """``size`` generated documents whose vocabulary is the development set's own.

    Each generated document is a news-like text of 8-16 paragraphs, each sentence drawn word
    by word from the vocabulary of one topic of the development set (names, numbers and terms
    included, at their frequency in the set), mixed with a few words of another topic: a
    corpus full of same-topic texts that share no passage with the set.
    """
    rng = np.random.default_rng(seed)
    topics: dict[str, list[str]] = {}
    for doc in dev.docs:
        topics.setdefault(dev.labels[doc.id].topic, []).extend(
            _WORD.findall(normalize(doc).text))
    names = sorted(topics)
    pools = [np.array(topics[t]) for t in names]
    everything = np.concatenate(pools)
    docs: list[Document] = []
    for k in range(size):
        pool = pools[int(rng.integers(len(pools)))]
        paragraphs = []
        for _ in range(int(rng.integers(8, 17))):
            sentences = []
            for _ in range(int(rng.integers(1, 4))):
                count = int(rng.integers(10, 26))
                words = np.where(rng.random(count) < 0.85, rng.choice(pool, count),
                                 rng.choice(everything, count))
                text = " ".join(str(w) for w in words)
                sentences.append(text[0].upper() + text[1:] + ".")
            paragraphs.append(" ".join(sentences))
        body = f"Generated report {k}\n" + "\n".join(paragraphs) + "\n"
        name = f"{900000 + k}_{k:016x}.txt"
        docs.append(parse(body.encode(), name))
    return docs


# -- main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--semantic", action="store_true",
                        help="also measure the semantic verifier (needs corpus[semantic])")
    parser.add_argument("--no-curve", action="store_true", help="skip the threshold sweep")
    parser.add_argument("--plant", type=int, nargs="*", default=[],
                        help="also plant the set among this many generated documents")
    parser.add_argument("--rare-terms", type=int, default=CandidateConfig().rare_terms,
                        help="rarest terms kept per document for rewrite candidates")
    parser.add_argument("--min-shared", type=int, default=CandidateConfig().min_shared,
                        help="kept rare terms two documents must share to be candidates")
    parser.add_argument("--rewrite-threshold", type=float, default=RewriteConfig().threshold,
                        help="the pair score a rewrite needs (RewriteConfig.threshold)")
    parser.add_argument("--set", dest="sets", nargs="+", choices=sorted(SETS), default=["dev"],
                        help="the labelled sets to measure on, together (default: dev)")
    parser.add_argument("--without-sources", action="store_true",
                        help="leave out every source that has copies: copies whose original "
                             "is not in the corpus, as on the web (a copy then counts as found "
                             "when it is clustered with another copy of its source)")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where the curve goes")
    parser.add_argument("--plot", type=Path, default=PLOT, help="where its plot goes")
    args = parser.parse_args(argv)
    dev = load_devset(sets=args.sets)
    if args.without_sources:
        dev = without_sources(dev)
    counts = Counter(lab.level for lab in dev.labels.values())
    topics = len({lab.topic for lab in dev.labels.values()})
    print(f"# {' + '.join(args.sets)} set: {len(dev.docs)} documents, {topics} topics, "
          f"{dict(sorted(counts.items()))}")
    config = DedupConfig(candidates=CandidateConfig(rare_terms=args.rare_terms,
                                                    min_shared=args.min_shared),
                         rewrite=RewriteConfig(threshold=args.rewrite_threshold))
    modes = [False, True] if args.semantic else [False]
    for semantic in modes:
        mode_config = replace(config, semantic=SemanticConfig(enabled=semantic))
        start = time.perf_counter()
        result = find_duplicates(dev.docs, mode_config)
        seconds = time.perf_counter() - start
        left_out = (", sources left out: a copy is found when clustered with another copy"
                    if args.without_sources else "")
        print_report(f"{'semantic' if semantic else 'lexical'} (defaults{left_out})",
                     score(result, dev.labels), seconds)
    for size in args.plant:
        docs = list(dev.docs) + planted_corpus(dev, size)
        start = time.perf_counter()
        result = find_duplicates(docs, config)
        seconds = time.perf_counter() - start
        print(f"# stats: {result.stats.to_dict()}")
        print_report(f"lexical, planted among {size:,} generated documents",
                     score(result, dev.labels), seconds)
    if args.no_curve:
        return 0
    print("\n| mode | threshold | precision | recall | ARI |")
    print("| ---- | --------: | --------: | -----: | --: |")
    points: list[dict[str, object]] = []
    for semantic in modes:
        points += curve(dev, config, semantic)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    given = list(argv if argv is not None else sys.argv[1:])
    shown_args = [a for k, a in enumerate(given) if not a.startswith(("--json", "--plot"))
                  and not (k and given[k - 1] in ("--json", "--plot"))]
    command = " ".join(["python benchmarks/eval_devset.py", *shown_args])
    args.json.write_text(json.dumps({"command": command,
                                     "date": time.strftime("%Y-%m-%d"),
                                     "results": points}, indent=1) + "\n", "utf-8")
    defaults = {"lexical": RewriteConfig().threshold, "semantic": SemanticConfig().threshold}
    plot(points, defaults, args.plot, args.sets)
    shown = [str(p.resolve().relative_to(ROOT)) if p.resolve().is_relative_to(ROOT) else str(p)
             for p in (args.json, args.plot)]
    print(f"\n# wrote {shown[0]} and {shown[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
