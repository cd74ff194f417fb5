"""The loose-run test's calibration: the longest loose run of every same-topic pair of the
development set, against texts written independently and against generated same-topic texts.

A loose run (:func:`corpus.dedup.align.loose_run`) is a sequence of sentence pairs, each step
one or two sentences on in both texts, each pair at ``loose_similarity`` or more and (by
default) among the 3 best matches of one of its two sentences. For the long texts (the
shorter text of a pair has 24 sentences or more) and then the short ones, the script prints,
for the default test and for the same run without the best-matches condition:

- the longest run of a pair with an independent text (the negatives);
- the longest run of two generated texts of one topic (``eval_planted.py``'s background
  documents: words drawn from one topic's vocabulary, so that every sentence shares a few
  words with every other, 400 documents);
- each heavy rewrite's run with its source, and the copies of every level above the
  negatives.

Run::

    python benchmarks/devset_loose_run.py
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus.dedup import align
from corpus.dedup.align import Profile, _similarity_matrix, build_profile, loose_run
from corpus.dedup.text import article_text
from corpus.text.keys import hashing_key
from corpus.text.normalize import normalize
from devset_retelling import _pairs
from eval_devset import load_devset
from eval_planted import _pools, background

#: Similarity cuts tried; the first is the default (``RewriteConfig.loose_similarity``).
CUTS = (0.1, 0.12, 0.15)
#: Sentences of the shorter text a pair needs (``RewriteConfig.min_run_text``).
LONG = 24
#: Generated documents of the background.
BACKGROUND = 400


def _profile(text: str) -> Profile:
    return build_profile(text, hashing_key(text), 5)


def _run(similarity: np.ndarray, cut: float, best: bool) -> int:
    if best:
        return len(loose_run(similarity, cut)[0])
    saved = align._LOOSE_BEST
    align._LOOSE_BEST = max(similarity.shape)  # every pair is among its row's best
    try:
        return len(loose_run(similarity, cut)[0])
    finally:
        align._LOOSE_BEST = saved


def _background_pairs() -> list[tuple[int, np.ndarray]]:
    """``(sentences of the shorter text, similarity)`` of same-topic pairs of generated
    documents."""
    pools, _ = _pools()
    topics: dict[int, list[Profile]] = {}
    for k in range(BACKGROUND):
        topic = int(np.random.default_rng([0, k]).integers(len(pools)))  # as background() draws
        topics.setdefault(topic, []).append(_profile(article_text(normalize(background(k)))))
    return [(min(len(p.sentences), len(q.sentences)), _similarity_matrix(p, q))
            for profiles in topics.values() for p, q in combinations(profiles, 2)]


def _shorter(profiles: dict[str, Profile], x: str, y: str) -> int:
    return min(len(profiles[x].sentences), len(profiles[y].sentences))


def main(argv: Sequence[str] | None = None) -> int:
    dev = load_devset()
    profiles = {d.id: _profile(article_text(normalize(d))) for d in dev.docs}
    every = _pairs(dev.labels, profiles)
    matrices = {(x, y): _similarity_matrix(profiles[x], profiles[y]) for _, _, x, y in every}
    generated = _background_pairs()
    for part, long in (("long", True), ("short", False)):
        pairs = [(topic, kind, x, y) for topic, kind, x, y in every
                 if (_shorter(profiles, x, y) >= LONG) == long]
        made = [m for shorter, m in generated if (shorter >= LONG) == long]
        negatives = sum(kind == "negative" for _, kind, _, _ in pairs)
        print(f"\n## {part} texts: {len(pairs)} same-topic pairs ({negatives} with an "
              f"independent text), {len(made)} pairs of generated same-topic texts\n")
        print("| pairs among the 3 best | cut | negatives: max | generated: max | heavy "
              "rewrites (run / sentences of the shorter text) | copies of any level above "
              "the negatives |")
        print("| --- | ---: | ---: | ---: | --- | ---: |")
        for best in (True, False):
            for cut in CUTS:
                runs = {(x, y): _run(matrices[(x, y)], cut, best) for _, _, x, y in pairs}
                top = max(runs[(x, y)] for _, kind, x, y in pairs if kind == "negative")
                made_top = max((_run(m, cut, best) for m in made), default=0)
                heavy = ", ".join(f"{topic} {runs[(x, y)]}/{_shorter(profiles, x, y)}"
                                  for topic, kind, x, y in pairs if kind == "heavy")
                above = sum(runs[(x, y)] > top for _, kind, x, y in pairs if kind != "negative")
                copies = sum(kind != "negative" for _, kind, _, _ in pairs)
                print(f"| {'yes' if best else 'no'} | {cut} | {top} | {made_top} | {heavy} "
                      f"| {above} of {copies} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
