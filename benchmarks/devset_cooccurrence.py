"""Rewrite candidates among generated same-topic texts: rare terms against co-occurring stems.

An exploration for issue 9's "lost once more same-topic articles are present", not a stage of
the library. The development set is planted among N generated documents drawn from its own
vocabulary (:func:`eval_devset.planted_corpus`, as ``eval_planted.py`` does). A copy and its
source are a rare-term candidate when they keep ``min_shared`` (3) terms in common among the
terms each keeps (its rarest content stems in 2 to ``df_cap(N)`` documents; 48 a document, more
for a long one: :class:`~corpus.dedup.config.CandidateConfig`). The generator draws every word
of a topic at its frequency there, so as N grows every word a heavy paraphrase shares with its
source becomes common and the two keep none in common.

Pairs of stems that occur near each other (within ``--window`` content words) stay rare much
longer: two stems of pool frequencies p and q fall in one window of a generated text with a
probability of about ``p * q * window`` a position. The script counts, for every document,
its window pairs of stems (stems in more than ``--stem-share`` of the documents left out), each
pair's document frequency, and reports for each pair cap and need: the document pairs sharing
``need`` pairs at that frequency or less (candidates a document), how many copies this makes a
candidate of their source, and which of the copies that rare terms lose it finds.

Run::

    python benchmarks/devset_cooccurrence.py --docs 1000 10000
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus.dedup import DedupConfig
from corpus.dedup.hashing import hash_words
from corpus.dedup.phases import _content_stems, _content_words
from corpus.dedup.text import article_text
from corpus.text.keys import hashing_key
from corpus.text.normalize import normalize
from eval_devset import load_devset, planted_corpus


def _kept_terms(stems: list[int], df: Counter[int], cap: int, keep: int) -> set[int]:
    usable = sorted((df[s], s) for s in stems if 2 <= df[s] <= cap)
    return {s for _, s in usable[:keep]}


def measure(size: int, window: int, stem_share: float, caps: Sequence[int],
            needs: Sequence[int]) -> None:
    start = time.perf_counter()
    dev = load_devset()
    docs = [normalize(d) for d in list(dev.docs) + planted_corpus(dev, size)]
    keys = [hashing_key(article_text(d)) for d in docs]
    words, owners = _content_words(hash_words(keys))  # in text order
    distinct, distinct_owners = _content_stems(keys, (words, owners))
    df = Counter(distinct.tolist())
    n = len(docs)
    settings = DedupConfig().candidates
    cap = settings.df_cap(n)
    bounds = np.searchsorted(owners, np.arange(n + 1))
    dbounds = np.searchsorted(distinct_owners, np.arange(n + 1))
    common = max(64, int(stem_share * n))
    windows: list[set[tuple[int, int]]] = []
    for k in range(n):
        seq = [s for s in words[bounds[k]:bounds[k + 1]].tolist() if df[s] <= common]
        pairs = set()
        for i, first in enumerate(seq):
            for second in seq[i + 1: i + window + 1]:
                if first != second:
                    pairs.add((first, second) if first < second else (second, first))
        windows.append(pairs)
    pair_df = Counter(itertools.chain.from_iterable(windows))
    index = {d.id: k for k, d in enumerate(docs)}
    copies = [(label.id, label.gold) for label in dev.labels.values() if label.gold != label.id]

    def kept(k: int) -> set[int]:
        stems = distinct[dbounds[k]:dbounds[k + 1]].tolist()
        return _kept_terms(stems, df, cap, settings.kept_terms(len(stems)))

    lost = [c for c, s in copies
            if len(kept(index[c]) & kept(index[s])) < settings.min_shared]
    print(f"\n## {size:,} generated documents ({n:,} in all; rare-term cap {cap}; "
          f"{time.perf_counter() - start:.0f} s to prepare)\n")
    print(f"Copies that are no rare-term candidate of their source: {len(lost)} of "
          f"{len(copies)} ({', '.join(sorted(lost))}). Window pairs a document: "
          f"{np.mean([len(p) for p in windows]):.0f} (window {window}, stems in more than "
          f"{common} documents left out).\n")
    print("| pair cap | need | candidates | a document | with a text of the set | copies with "
          "their source | of those lost by rare terms |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    ndev = len(dev.docs)
    for pair_cap in caps:
        posting: dict[tuple[int, int], list[int]] = defaultdict(list)
        for k, pairs in enumerate(windows):
            for pair in pairs:
                if 2 <= pair_df[pair] <= pair_cap:
                    posting[pair].append(k)
        shared: Counter[tuple[int, int]] = Counter()
        for members in posting.values():
            shared.update(itertools.combinations(members, 2))
        for need in needs:
            found = {pair for pair, count in shared.items() if count >= need}
            planted = sum(1 for a, _ in found if a < ndev)
            hits = {c for c, s in copies
                    if tuple(sorted((index[c], index[s]))) in found}
            print(f"| {pair_cap} | {need} | {len(found):,} | {len(found) / n:.1f} | "
                  f"{planted:,} | {len(hits)} of {len(copies)} | "
                  f"{len(hits & set(lost))} of {len(lost)} |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--window", type=int, default=8)
    parser.add_argument("--stem-share", type=float, default=0.1)
    parser.add_argument("--caps", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--needs", type=int, nargs="+", default=[3, 4, 6])
    args = parser.parse_args(argv)
    for size in args.docs:
        measure(size, args.window, args.stem_share, args.caps, args.needs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
