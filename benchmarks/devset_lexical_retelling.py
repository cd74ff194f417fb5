"""The lexical retelling test's calibration: how much of the shorter text the longer one
retells in order over the lexical sentence similarity, for every same-topic pair of the
development set, by length and by alignment parameters.

For each part (long texts: the ``long/*`` and ``seeds/*`` topics; short texts: the others)
and each count C, the largest share of the shorter text's sentences that a pair with an
independent text retells with at least C of them retold, and the heavy rewrites and condensed
retellings that retell more (with C or more). The default test (``RewriteConfig``:
``min_retold`` 20, ``retold_share`` 0.7, cut 0.2, baseline 0.1, gap 0.05) sits above every
such negative of the long texts.

Run::

    python benchmarks/devset_lexical_retelling.py
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus.dedup.align import Profile, _retold, _similarity_matrix, build_profile
from corpus.dedup.config import RewriteConfig
from corpus.dedup.text import article_text
from corpus.text.keys import hashing_key
from corpus.text.normalize import normalize
from devset_retelling import _pairs
from eval_devset import load_devset

#: (cut, baseline, gap) of the in-order alignment; the first is the default.
PARAMETERS = ((0.2, 0.1, 0.05), (0.3, 0.2, 0.1), (0.25, 0.15, 0.05), (0.2, 0.1, 0.1),
              (0.15, 0.05, 0.05))
COUNTS = (12, 16, 20)


def _long(topic: str) -> bool:
    return topic.startswith(("long/", "seeds/"))


def main(argv: Sequence[str] | None = None) -> int:
    dev = load_devset()
    texts = {d.id: article_text(normalize(d)) for d in dev.docs}
    profiles: dict[str, Profile] = {i: build_profile(t, hashing_key(t), 5)
                                    for i, t in texts.items()}
    pairs = _pairs(dev.labels, profiles)
    similarity = {(x, y): _similarity_matrix(profiles[x], profiles[y]) for _, _, x, y in pairs}
    for cut, baseline, gap in PARAMETERS:
        # min_retold 1: every pair's alignment is run (the counts are applied below)
        rewrite = RewriteConfig(min_retold=1, retell_similarity=cut, retell_baseline=baseline,
                                retell_gap=gap)
        rows = []
        for topic, kind, x, y in pairs:
            found = _retold(profiles[x], profiles[y], similarity[(x, y)], rewrite,
                            bound=False)
            assert found is not None
            rows.append((topic, kind, found[0].retold, found[0].share))
        print(f"\n## cut {cut}, baseline {baseline}, gap {gap}\n")
        print("| texts | at least C retold | largest share of a negative | heavy and condensed "
              "above it |")
        print("| --- | ---: | ---: | --- |")
        for part in ("long", "short"):
            chosen = [r for r in rows if _long(r[0]) == (part == "long")]
            copies = sum(r[1] in ("heavy", "condensed") for r in chosen)
            for count in COUNTS:
                top = max((r[3] for r in chosen if r[1] == "negative" and r[2] >= count),
                          default=0.0)
                above = [r for r in chosen if r[1] in ("heavy", "condensed")
                         and r[2] >= count and r[3] > top]
                listed = ", ".join(f"{r[0]} {r[1]} {r[3]:.2f}" for r in above)
                print(f"| {part} | {count} | {top:.2f} | {len(above)} of {copies}"
                      f"{': ' + listed if listed else ''} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
