"""Can a pair feature tell heavy rewrites and condensed retellings from independent texts?

For every pair of documents of one topic of the development set (``benchmarks/data/dedup_dev``)
that is either a copy with its source (by level) or involves a text written independently to
the same prompt (a hard negative), this script computes candidate pair features and prints,
per feature, the largest value among the negatives against the median and the 10% quantile of
each level of copy. A feature could raise recall without losing precision only where a level's
values lie above the negatives' maximum.

Features (``a`` is the text with fewer sentences, ``b`` the other):

* ``pair_score``: the default pair score (:func:`corpus.dedup.align.pair_score`);
* ``chain_cover``: sentences of ``a`` in the aligned chain, over sentences of ``a``;
* ``order``: longest increasing run of the positions of each ``a`` sentence's best match in
  ``b`` (similarity >= 0.2), over sentences of ``a`` (in-order coverage, Kendall-like);
* ``stem_cont``: distinct content stems of ``a`` found in ``b``, over those of ``a``;
* ``topic_cont``: the same, each stem weighted by ``ln((T + 1) / df)`` with ``df`` its
  frequency among the topic's ``T`` documents (words the whole topic shares count little);
* ``best_mean``: mean over sentences of ``a`` of the best cosine in ``b``;
* ``anchor_cont``, ``anchor_order``: names and numbers (capitalised words not starting a
  sentence, tokens with digits) of ``a`` found in ``b``, and the in-order share of them.

Run::

    python benchmarks/devset_features.py
"""

from __future__ import annotations

import bisect
import math
import re
import sys
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus.dedup.align import (
    _local_chain,
    _similarity_matrix,
    build_profile,
    longest_run,
    pair_score,
)
from corpus.dedup.config import RewriteConfig
from corpus.dedup.text import article_text, split_sentences
from corpus.text.keys import hashing_key
from corpus.text.normalize import normalize
from eval_devset import load_devset, pair_kind

_TOKEN = re.compile(r"[\w$][\w.,'’-]*\w|\w")
FEATURES = ("pair_score", "chain_cover", "order", "stem_cont", "topic_cont", "best_mean",
            "anchor_cont", "anchor_order")


def _increasing(values: list[int]) -> int:
    tails: list[int] = []
    for x in values:
        k = bisect.bisect_left(tails, x)
        if k == len(tails):
            tails.append(x)
        else:
            tails[k] = x
    return len(tails)


def _anchors(text: str) -> dict[str, int]:
    first: dict[str, int] = {}
    for sentence in split_sentences(text):
        for k, word in enumerate(_TOKEN.findall(sentence.text)):
            if any(ch.isdigit() for ch in word) or (k > 0 and word[0].isupper()):
                first.setdefault(word.lower().rstrip(".,"), len(first))
    return first


def main() -> int:
    dev = load_devset()
    labels = dev.labels
    rewrite = RewriteConfig()
    texts = {d.id: article_text(normalize(d)) for d in dev.docs}
    profiles = {i: build_profile(t, hashing_key(t), 5) for i, t in texts.items()}
    anchors = {i: _anchors(t) for i, t in texts.items()}
    topics: dict[str, list[str]] = defaultdict(list)
    for doc_id, label in labels.items():
        topics[label.topic].append(doc_id)
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for ids in topics.values():
        df: dict[int, int] = defaultdict(int)
        for i in ids:
            for stem in set(profiles[i].term_stem.tolist()):
                df[stem] += 1
        for x, y in combinations(sorted(ids), 2):
            kind = pair_kind(labels[x], labels[y])
            if kind is None:
                continue
            if len(profiles[x].sentences) > len(profiles[y].sentences):
                x, y = y, x
            a, b = profiles[x], profiles[y]
            sim = _similarity_matrix(a, b)
            rows, cols = np.nonzero(sim >= rewrite.similarity)
            chain, strength = _local_chain(rows.astype(np.int64), cols.astype(np.int64),
                                           sim[rows, cols], rewrite.baseline,
                                           rewrite.gap_penalty)
            run = longest_run(rows[chain].astype(np.int64), cols[chain].astype(np.int64))
            m = max(len(a.sentences), 1)
            best = sim.max(axis=1) if sim.size else np.zeros(m)
            where = sim.argmax(axis=1) if sim.size else np.zeros(m, dtype=np.int64)
            stems_a, stems_b = set(a.term_stem.tolist()), set(b.term_stem.tolist())
            weight = {s: math.log((len(ids) + 1) / df[s]) for s in stems_a}
            shared = sorted(set(anchors[x]) & set(anchors[y]), key=lambda w: anchors[x][w])
            row = values[kind]
            row["pair_score"].append(pair_score(strength, m, run, rewrite))
            row["chain_cover"].append(len(chain) / m)
            row["order"].append(_increasing(where[best >= 0.2].tolist()) / m)
            row["stem_cont"].append(len(stems_a & stems_b) / max(len(stems_a), 1))
            row["topic_cont"].append(sum(weight[s] for s in stems_a & stems_b)
                                     / max(sum(weight.values()), 1e-9))
            row["best_mean"].append(float(best.mean()) if best.size else 0.0)
            row["anchor_cont"].append(len(shared) / max(len(anchors[x]), 1))
            row["anchor_order"].append(_increasing([anchors[y][w] for w in shared])
                                       / max(len(anchors[x]), 1))
    kinds = ("copy-paste", "light", "moderate", "heavy", "condensed")
    counts = ", ".join(f"{k} {len(values[k]['order'])}" for k in (*kinds, "negative"))
    print(f"pairs: {counts}")
    print("\n| feature | negatives: max | " + " | ".join(f"{k}: q10 / median" for k in kinds)
          + " |")
    print("| --- | --: |" + " --: |" * len(kinds))
    for feature in FEATURES:
        cells = [f"{np.quantile(values[k][feature], 0.1):.2f} / "
                 f"{np.median(values[k][feature]):.2f}" for k in kinds]
        print(f"| {feature} | {max(values['negative'][feature]):.2f} | " + " | ".join(cells)
              + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
