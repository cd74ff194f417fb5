"""The lexical retelling test's calibration: how much of the shorter text the longer one
retells in order over the lexical sentence similarity, for every same-topic pair of the
development set, by length and by alignment parameters.

For each part (long texts: the ``long/*`` and ``seeds/*`` topics; short texts: the others)
and each count C, the largest share of the shorter text's sentences that a pair with an
independent text retells with at least C of them retold, and the heavy rewrites and condensed
retellings that retell more (with C or more). The default test (``RewriteConfig``:
``min_retold`` 20, ``retold_share`` 0.7, cut 0.2, baseline 0.1, gap 0.05) sits above every
such negative of the long texts. For the short texts it also searches the *short retelling*
tier (``short_retold``, ``short_retold_share``: fewer sentences retold, a larger share) on
all topics and topic by topic.

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


#: The short retelling tier's grid: (sentences retold at least, share at least).
TIERS = tuple((count, share) for count in (10, 11, 12, 13, 14) for share in (0.7, 0.75, 0.8, 0.85))


def _tier_counts(rows: Sequence[tuple[str, str, int, float]], count: int, share: float
                 ) -> tuple[int, int]:
    """Heavy and condensed copies, and negatives, that retell ``count`` or more sentences
    making ``share`` or more of the shorter text."""
    hits = [r for r in rows if r[2] >= count and r[3] >= share - 1e-9]
    return (sum(r[1] in ("heavy", "condensed") for r in hits),
            sum(r[1] == "negative" for r in hits))


def _short_tier(rows: Sequence[tuple[str, str, int, float]]) -> None:
    """The short retelling tier (``short_retold``, ``short_retold_share``) on the short
    texts: every setting of :data:`TIERS` on all topics, then chosen topic by topic (on the
    other topics: the most copies with no false pair, then the larger share and count) and
    applied to the topic left out."""
    short = [r for r in rows if not _long(r[0])]
    copies = sum(r[1] in ("heavy", "condensed") for r in short)
    print("\n## Short texts: a tier of fewer sentences retold at a larger share "
          "(cut 0.2, baseline 0.1, gap 0.05)\n")
    print(f"| at least C retold | share S | heavy and condensed (of {copies}) | false pairs |")
    print("| ---: | ---: | ---: | ---: |")
    for count, share in TIERS:
        found, false = _tier_counts(short, count, share)
        print(f"| {count} | {share} | {found} | {false} |")
    found = false = 0
    for topic in sorted({r[0] for r in short}):
        train = [r for r in short if r[0] != topic]
        test = [r for r in short if r[0] == topic]
        best = max((_tier_counts(train, c, s)[0], s, c) for c, s in TIERS
                   if _tier_counts(train, c, s)[1] == 0)
        got, bad = _tier_counts(test, best[2], best[1])
        found, false = found + got, false + bad
    print(f"\nchosen topic by topic: {found} of {copies} found, {false} false pairs")


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
        if (cut, baseline, gap) == PARAMETERS[0]:
            _short_tier(rows)
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
