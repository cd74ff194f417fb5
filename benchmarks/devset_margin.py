"""The pairs near the rewrite threshold: copies against texts written apart, and what else
tells them apart.

For every pair of one story of the labelled sets (``--set``; default all of them) whose density
(the rewrite test's pair score from its alignment, gates opened) is at least ``--floor``, the
script prints its kind (a copy with a copy or its source, by level, or ``NEG``: a pair with an
independent text or across two topics of one story), the density, and two word measures of the
shorter text against the longer: its word 3-grams found in the other (containment), and its
4-grams of function words (every word found in fewer than a fifth of the documents masked)
found in the other. Negatives first, by density; then copies, by density. Run::

    python benchmarks/devset_margin.py                        # about 10 seconds
    python benchmarks/devset_margin.py --set brief --floor 0.3
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus.dedup.config import DedupConfig
from corpus.dedup.text import article_text
from corpus.text.normalize import normalize
from eval_devset import ROOT, SETS, gated_scores, load_devset

_WORD = re.compile(r"[a-z0-9]+")


def _grams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[k:k + n]) for k in range(len(words) - n + 1)}


def _contained(a: list[str], b: list[str], n: int) -> float:
    mine = _grams(a, n)
    return len(mine & _grams(b, n)) / max(len(mine), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", nargs="+", default=sorted(SETS), choices=sorted(SETS))
    parser.add_argument("--floor", type=float, default=0.33,
                        help="the lowest density printed (default 0.33)")
    args = parser.parse_args()
    dev = load_devset(ROOT, args.set)
    labels = dev.labels
    texts = {d.id: article_text(normalize(d)) for d in dev.docs}
    profiles, scores = gated_scores(dev)
    words = {i: _WORD.findall(t.lower()) for i, t in texts.items()}
    df: Counter[str] = Counter()
    for found in words.values():
        df.update(set(found))
    common = {w for w, c in df.items() if c >= len(words) / 5}
    masked = {i: [w if w in common else "_" for w in found] for i, found in words.items()}
    config = DedupConfig()
    rows = []
    for (a, b), density in scores.items():  # the gates opened
        la, lb = labels[a], labels[b]
        if la.gold == lb.gold:
            kind = "/".join(sorted((la.level, lb.level)))
        elif "independent" in (la.level, lb.level) or la.topic != lb.topic:
            kind = "NEG"
        else:
            continue
        if len(profiles[a].sentences) > len(profiles[b].sentences):
            a, b = b, a
        if density < args.floor:
            continue
        rows.append((kind != "NEG", -density, kind, labels[a].topic, a, b,
                     _contained(words[a], words[b], 3), _contained(masked[a], masked[b], 4)))
    rows.sort()
    print(f"Pairs of one story with a density of {args.floor} or more ({' and '.join(args.set)}); "
          f"the rewrite threshold is {config.rewrite.threshold}.\n")
    print("| kind | topic | shorter | longer | density | word 3-grams | function-word 4-grams |")
    print("| --- | --- | --- | --- | ---: | ---: | ---: |")
    for _, density, kind, topic, a, b, tri, skeleton in rows:
        print(f"| {kind} | {topic} | {a} | {b} | {-density:.3f} | {tri:.3f} | {skeleton:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
