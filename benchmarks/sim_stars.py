"""How the rule that splits linked documents into clusters (:func:`corpus.dedup.phases._stars`)
fares on simulated link graphs, with and without weak false links, beside an alternative
choice of each part's *center*.

A trial is one story: 1–3 sources, each with 1–4 copies (a quarter of them condensed to 20–40%
of the source's length, the others 80–110%); a copy is verified against its source with
probability 0.85 and against each earlier copy of its source with probability ``copy-copy``,
at a score drawn from [0.55, 1.0]; then 1–4 texts written independently, each falsely linked to
every copy or source with probability ``false link``, at a weaker score drawn from [0.4, 0.65],
and as long as a source (400–1,300 words). The verifier answers a pair never verified with
"unique", as the run's does. Reported, over 3,000 trials a line: pair precision and recall of
the clusters, and the share of clusters whose canonical document is a source.

Rules:

* ``heaviest`` (the library's): the center is the member with the highest sum of verified pair
  scores;
* ``most``: the member verified against the most others, ties to the keep policy (which prefers
  the longest text, so a source over its condensed retelling when both are linked to as many
  members).

The figures are those of the model, not of real texts; the model says which rule is the more
robust when weak false links are present. Run::

    python benchmarks/sim_stars.py
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

import numpy as np

from corpus.dedup import phases
from corpus.dedup.align import PairVerdict
from corpus.dedup.config import DedupConfig
from corpus.records import Relation

Links = dict[tuple[int, int], PairVerdict]


def _verdict(score: float) -> PairVerdict:
    relation = Relation.REWRITE if score > 0 else Relation.UNIQUE
    return PairVerdict(relation, score, 0.0, 0.0, 0.0, 0, 0.0, 0, score, False, False, ())


class _Graph:
    """A verifier that answers from the simulated links (any other pair: unique)."""

    def __init__(self, links: Links) -> None:
        self.links = links

    def verify(self, left: int, right: int) -> PairVerdict:
        return self.links.get((left, right)) or _verdict(0.0)

    def prefetch(self, pairs: object, align: bool) -> None:
        pass


def _most_links(links: Links, config: DedupConfig
                ) -> Callable[[list[int], dict[int, float], Any], int]:
    """The alternative center: most verified links, ties to the keep policy."""
    def center(component: list[int], weight: dict[int, float], meta: Any) -> int:
        inside = set(component)
        degree = dict.fromkeys(component, 0)
        for left, right in links:
            if left in inside and right in inside:
                degree[left] += 1
                degree[right] += 1
        top = max(degree.values())
        tied = [i for i in component if degree[i] == top]
        return tied[0] if len(tied) == 1 else phases._canonical(tied, meta, links, config)[0]
    return center


def trial(rng: random.Random, false_link: float, copy_copy: float, rule: str
          ) -> tuple[int, int, int, int, int]:
    """One simulated story: (true pairs found, pairs found, gold pairs, clusters, clusters
    whose canonical document is a source)."""
    gold: list[int] = []
    words: list[int] = []
    scores: dict[tuple[int, int], float] = {}
    for _ in range(rng.randint(1, 3)):
        source = len(gold)
        gold.append(source)
        words.append(rng.randint(600, 1200))
        for _ in range(rng.randint(1, 4)):
            me = len(gold)
            gold.append(source)
            condensed = rng.random() < 0.25
            words.append(int(words[source] * (rng.uniform(0.2, 0.4) if condensed
                                              else rng.uniform(0.8, 1.1))))
            if rng.random() < 0.85:
                scores[(source, me)] = rng.uniform(0.55, 1.0)
            for other in range(source + 1, me):
                if rng.random() < copy_copy:
                    scores[(other, me)] = rng.uniform(0.55, 1.0)
    copies = len(gold)
    for _ in range(rng.randint(1, 4)):
        me = len(gold)
        gold.append(me)
        words.append(rng.randint(400, 1300))
        for other in range(copies):
            if rng.random() < false_link:
                scores[(other, me)] = rng.uniform(0.4, 0.65)
    links = {pair: _verdict(score) for pair, score in scores.items()}
    group = sorted({item for pair in links for item in pair})
    gold_pairs = {(a, b) for a in range(len(gold)) for b in range(a + 1, len(gold))
                  if gold[a] == gold[b]}
    if len(group) < 2:
        return 0, 0, len(gold_pairs), 0, 0
    ids = [f"{k:016x}" for k in range(len(gold))]
    meta = SimpleNamespace(ids=ids, names=[f"{k}.txt" for k in ids], seqs=np.arange(len(gold)),
                           words=np.array(words), credits={})
    config = DedupConfig()
    saved = phases._center
    if rule == "most":
        phases._center = _most_links(links, config)  # type: ignore[assignment]
    try:
        specs = phases._stars(group, cast(Any, meta), links, config, cast(Any, _Graph(links)))
    finally:
        phases._center = saved  # type: ignore[assignment]
    found: set[tuple[int, int]] = set()
    sources = 0
    for spec in specs:
        members = sorted(member[0] for member in spec.members)
        found.update((a, b) for k, a in enumerate(members) for b in members[k + 1:])
        sources += spec.canonical < copies and gold[spec.canonical] == spec.canonical
    return len(found & gold_pairs), len(found), len(gold_pairs), len(specs), sources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print("| false link | copy-copy | rule | pair precision | recall | canonical is a source |")
    print("| ---: | ---: | --- | ---: | ---: | ---: |")
    for false_link in (0.0, 0.1, 0.25):
        for copy_copy in (0.2, 0.6):
            for rule in ("heaviest", "most"):
                rng = random.Random(args.seed)
                true = found = wanted = clusters = sources = 0
                for _ in range(args.trials):
                    t, f, g, c, s = trial(rng, false_link, copy_copy, rule)
                    true, found, wanted = true + t, found + f, wanted + g
                    clusters, sources = clusters + c, sources + s
                print(f"| {false_link} | {copy_copy} | {rule} | {true / max(found, 1):.3f} "
                      f"| {true / wanted:.3f} | {sources / max(clusters, 1):.3f} |")


if __name__ == "__main__":
    main()
