"""Is a marginal link made of what a third text of the story also says? A pair-level study.

News made from one press release shares the release's wording: an independent report and a
source align on sentences that other reports of the story also have. The study asks whether
taking those sentences out separates such reports from real rewrites. For every pair of one
story of the labelled sets (``--set``; default all four) whose rewrite score with its gates
opened (as ``devset_margin.py``) is at least 0.40, an aligned cell (a sentence of each text
with cosine at least the rewrite test's sentence similarity) is *explained* when some third
text of the story has one sentence with cosine at least ``e`` to both sentences of the cell.
Third texts linked to either text of the pair at ``--strong`` or more (the pair's own
copies) are left out. The pair is verified again with the explained cells set to zero, and
the script prints, per kind of pair and per ``e``, how many of the pairs linked before are
still linked. Run::

    python benchmarks/devset_third_party.py                  # a few seconds
    python benchmarks/devset_third_party.py --set blind --show 0.7
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus.dedup.align import _similarity_matrix, verify_pair
from corpus.dedup.config import DedupConfig
from corpus.records import Relation
from eval_devset import ROOT, SETS, gated_scores, load_devset, pair_kind, score_table, story

KINDS = ("copy-paste", "light", "moderate", "heavy", "condensed", "negative")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", nargs="+", default=sorted(SETS), choices=sorted(SETS))
    parser.add_argument("--e", nargs="+", type=float, default=[0.3, 0.5, 0.7, 0.8],
                        help="cosine a third text's sentence needs with both sentences")
    parser.add_argument("--strong", type=float, default=0.6,
                        help="third texts linked to either text at this score are left out")
    parser.add_argument("--show", type=float, default=None, metavar="E",
                        help="also list each pair linked before: cells explained at E")
    args = parser.parse_args()
    dev = load_devset(ROOT, args.set)
    labels = dev.labels
    config = DedupConfig()
    profiles, gated = gated_scores(dev, config)
    scores = score_table(gated)
    stories: dict[str, list[str]] = defaultdict(list)
    for doc_id, label in labels.items():
        stories[story(label)].append(doc_id)
    matrices: dict[tuple[str, str], np.ndarray] = {}

    def similarity(a: str, b: str) -> np.ndarray:
        if (a, b) not in matrices:
            matrices[(a, b)] = _similarity_matrix(profiles[a], profiles[b])
            matrices[(b, a)] = matrices[(a, b)].T
        return matrices[(a, b)]

    cut = config.rewrite.similarity - 1e-12
    kept: Counter[tuple[str, float]] = Counter()
    linked: Counter[str] = Counter()
    shown: list[str] = []
    for _, ids in sorted(stories.items()):
        for a, b in combinations(sorted(ids), 2):
            kind = pair_kind(labels[a], labels[b])
            if kind is None or scores[a].get(b, 0.0) < 0.40:
                continue
            x, y = (a, b) if len(profiles[a].sentences) <= len(profiles[b].sentences) else (b, a)
            matrix = similarity(x, y)
            if verify_pair(profiles[x], profiles[y], config,
                           similarity=matrix).relation is Relation.UNIQUE:
                continue
            linked[kind] += 1
            thirds = [t for t in ids if t not in (a, b) and scores[a].get(t, 0.0) < args.strong
                      and scores[b].get(t, 0.0) < args.strong]
            cells = matrix >= cut
            for e in args.e:
                explained = np.zeros_like(cells)
                for t in thirds:
                    left = (similarity(x, t) >= e).astype(np.int32)
                    right = (similarity(y, t) >= e).astype(np.int32)
                    explained |= (left @ right.T) > 0
                verdict = verify_pair(profiles[x], profiles[y], config,
                                      similarity=np.where(explained, 0.0, matrix))
                if verdict.relation is not Relation.UNIQUE:
                    kept[(kind, e)] += 1
                if args.show is not None and abs(e - args.show) < 1e-9:
                    shown.append(f"{kind:11s} {labels[a].topic:12s} {scores[a][b]:.3f} → "
                                 f"{verdict.link:.3f} ({verdict.relation.value}); cells "
                                 f"explained {int((cells & explained).sum())} of "
                                 f"{int(cells.sum())}")
    print(f"sets {', '.join(args.set)}; third texts linked at {args.strong} or more left out")
    print("| pairs linked | " + " | ".join(f"kept, e = {e}" for e in args.e) + " |")
    print("| --- | " + " | ".join("---:" for _ in args.e) + " |")
    for kind in KINDS:
        if linked[kind]:
            print(f"| {kind}: {linked[kind]} | "
                  + " | ".join(str(kept[(kind, e)]) for e in args.e) + " |")
    for line in sorted(shown):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
