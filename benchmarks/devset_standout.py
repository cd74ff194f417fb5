"""Would a rewrite link have to *stand out* among each text's links? A pair-level study.

For every pair of one story of the labelled sets (``--set``; default all four) the script
takes the rewrite test's pair score with its gates opened (as ``devset_margin.py`` does), then
asks of each pair scoring at least the rewrite threshold and under ``--upper``: does it stand
out for both texts, that is, does no other text that is not linked to the partner (a pair
score under the threshold) score within ``delta`` of it? With ``--strong``, texts linked to
either text at ``--upper`` or more are left out of that comparison too (copies of one source).
It prints, per set, the copy pairs and the negative pairs (a pair with an independent text)
in the band that the rule keeps, for several ``delta``. Run::

    python benchmarks/devset_standout.py                   # about 10 seconds
    python benchmarks/devset_standout.py --strong --show 0  # and the pairs that flip at 0
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus.dedup.config import DedupConfig
from eval_devset import ROOT, SETS, gated_scores, load_devset, score_table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", nargs="+", default=sorted(SETS), choices=sorted(SETS))
    parser.add_argument("--upper", type=float, default=0.6,
                        help="pairs at this score or more need not stand out (default 0.6)")
    parser.add_argument("--strong", action="store_true",
                        help="leave texts linked at --upper or more out of the comparison")
    parser.add_argument("--show", type=float, default=None, metavar="DELTA",
                        help="also list the copy pairs lost and the negatives kept at DELTA")
    args = parser.parse_args()
    dev = load_devset(ROOT, args.set)
    labels = dev.labels
    threshold = DedupConfig().rewrite.threshold
    scores = score_table(gated_scores(dev)[1])

    def kind(a: str, b: str) -> str:
        la, lb = labels[a], labels[b]
        if la.gold == lb.gold:
            return "copy"
        if "independent" in (la.level, lb.level) or la.topic != lb.topic:
            return "negative"
        return ""  # two copies of two sources of one story: neither

    def stands_out(a: str, b: str, delta: float) -> bool:
        score = scores[a][b]
        for other, value in scores[a].items():
            if other == b or scores[b].get(other, 0.0) >= threshold:
                continue
            if args.strong and (value >= args.upper or scores[b].get(other, 0.0) >= args.upper):
                continue
            if value > score - delta:
                return False
        return True

    band = [(a, b) for a in scores for b in scores[a]
            if a < b and kind(a, b) and threshold <= scores[a][b] < args.upper]
    names = {i: labels[i].topic.split("/")[0] for i in labels}
    print(f"Pairs of one story scoring {threshold}-{args.upper} ({' and '.join(args.set)}"
          f"{', strong links left out' if args.strong else ''}): kept / in the band\n")
    groups = sorted({names[a] for a, _ in band})
    print("| delta | " + " | ".join(f"{g}: copies | {g}: negatives" for g in groups) + " |")
    print("| ---: |" + " ---: | ---: |" * len(groups))
    for delta in (0.0, 0.03, 0.05, 0.1):
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for a, b in band:
            kept = stands_out(a, b, delta) and stands_out(b, a, delta)
            row = counts[names[a]]
            offset = 0 if kind(a, b) == "copy" else 2
            row[offset] += kept
            row[offset + 1] += 1
        print(f"| {delta} | " + " | ".join(f"{c[0]}/{c[1]} | {c[2]}/{c[3]}"
                                          for _, c in sorted(counts.items())) + " |")
    if args.show is not None:
        print()
        for a, b in sorted(band, key=lambda p: -scores[p[0]][p[1]]):
            kept = stands_out(a, b, args.show) and stands_out(b, a, args.show)
            if kept != (kind(a, b) == "copy"):
                print(f"{kind(a, b)} {labels[a].topic} {labels[a].level}-{labels[b].level} "
                      f"{a} {b} {scores[a][b]:.3f} {'kept' if kept else 'lost'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
