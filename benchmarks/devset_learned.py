"""Would a learned combination of the verifier's lexical pair measures find more copies than
its hand-set rules, on texts it was not fitted to?

For every pair of one story of the development and validation sets (a copy with its source, by
level, or a negative: a pair with an independent text or across two topics of one story, as
:func:`eval_devset.pair_kind` says), the script measures, with the shorter text first:

* from the rewrite test's alignment with its gates opened (``corpus dedup --explain`` shows the
  same): the pair's link score, its longest run (also over the shorter text's sentences), its
  coverage, the aligned sentences and the chain's strength over the shorter text's sentences;
* the lexical retelling: sentences retold in order and their share;
* the longest loose run (also over the shorter text's sentences);
* the shorter and the longer text's share of content stems that the other has, the length
  ratio and the shorter text's sentences, the mean best sentence similarity, and the word
  5-gram Jaccard and containment.

Models are fitted on the development set's pairs (positives: copies of every level), their
threshold set at the highest score of a development negative (no false pair there, as the
hand-set rules are calibrated), and then applied to the pairs that involve a validation text.
The verifier's own pair verdicts (its defaults) are shown beside them. Needs scikit-learn
(installed with the ``semantic`` extra). Run (about 10 seconds)::

    python benchmarks/devset_learned.py
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus.dedup.align import (
    _similarity_matrix,
    build_profile,
    loose_run_of,
    retold_in_order,
    verify_pair,
)
from corpus.dedup.config import DedupConfig
from corpus.dedup.explain import _alignment
from corpus.dedup.text import article_text
from corpus.records import Relation
from corpus.text.keys import hashing_key
from corpus.text.normalize import normalize
from eval_devset import ROOT, load_devset, pair_kind, story_pairs

LEVELS = ("copy-paste", "light", "moderate", "heavy", "condensed")


@dataclass(frozen=True, slots=True)
class Row:
    kind: str
    held_out: bool  # involves a text of the validation set
    features: dict[str, float]
    verified: bool  # the verifier's own verdict at its defaults


def measure() -> list[Row]:
    """Every story pair of both sets with its features."""
    both = load_devset(ROOT, ("dev", "validation"))
    development = {d.id for d in load_devset(ROOT, ("dev",)).docs}
    labels = both.labels
    texts = {d.id: article_text(normalize(d)) for d in both.docs}
    profiles = {i: build_profile(t, hashing_key(t), 5) for i, t in texts.items()}
    config = DedupConfig()
    rows = []
    for x, y in story_pairs(labels):
        kind = pair_kind(labels[x], labels[y])
        if kind is None:
            continue
        if len(profiles[x].sentences) > len(profiles[y].sentences):
            x, y = y, x
        a, b = profiles[x], profiles[y]
        m = max(len(a.sentences), 1)
        aligned = _alignment(a, b, config)  # the rewrite test's alignment, gates opened
        retold = retold_in_order(a, b, config.rewrite)
        loose, _ = loose_run_of(a, b, config.rewrite)
        similarity = _similarity_matrix(a, b)
        stems_a, stems_b = set(a.term_stem.tolist()), set(b.term_stem.tolist())
        shared = len(stems_a & stems_b)
        features = {
            "link": aligned.link, "run": aligned.run, "run_share": aligned.run / m,
            "coverage": aligned.coverage, "aligned_share": aligned.aligned / m,
            "strength_share": aligned.strength / m,
            "retold": retold.retold if retold else 0,
            "retold_share": retold.share if retold else 0.0,
            "loose_run": len(loose), "loose_share": len(loose) / m,
            "stems_of_shorter": shared / max(len(stems_a), 1),
            "stems_of_longer": shared / max(len(stems_b), 1),
            "length_ratio": m / max(len(b.sentences), 1), "sentences": m,
            "best_similarity": float(similarity.max(axis=1).mean()) if similarity.size
            else 0.0,
            "jaccard": aligned.jaccard, "containment": aligned.containment,
        }
        verdict = verify_pair(a, b, config)
        rows.append(Row(kind, not (x in development and y in development), features,
                        verdict.relation is not Relation.UNIQUE))
    return rows


def _counts(found: npt.NDArray[np.bool_], kinds: npt.NDArray[np.str_],
            part: npt.NDArray[np.bool_]) -> str:
    cells = [f"{int((found & part & (kinds == level)).sum())}/"
             f"{int((part & (kinds == level)).sum())}" for level in LEVELS]
    false = int((found & part & (kinds == "negative")).sum())
    return " | ".join(cells) + f" | {false}"


def main() -> int:
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    rows = measure()
    names = sorted(rows[0].features)
    x = np.array([[r.features[k] for k in names] for r in rows])
    kinds = np.array([r.kind for r in rows])
    held = np.array([r.held_out for r in rows])
    positive = (kinds != "negative").astype(int)
    train = ~held
    print(f"{len(rows)} story pairs, {int(held.sum())} with a validation text; "
          f"{int((kinds == 'negative').sum())} negatives.\n")
    print("| model | set | " + " | ".join(LEVELS) + " | false pairs |")
    print("| --- | --- |" + " ---: |" * (len(LEVELS) + 1))
    verified = np.array([r.verified for r in rows])
    for part, mask in (("development", train), ("validation", held)):
        print(f"| the verifier's rules (its defaults) | {part} | "
              f"{_counts(verified, kinds, mask)} |")
    scale = x[train].std(axis=0) + 1e-9
    z = (x - x[train].mean(axis=0)) / scale
    models: list[tuple[str, npt.NDArray[np.float64]]] = []
    for c in (0.1, 1.0, 10.0):
        fitted = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
        fitted.fit(z[train], positive[train])
        models.append((f"logistic regression, C = {c}", fitted.decision_function(z)))
    for depth in (2, 3):
        boosted = GradientBoostingClassifier(max_depth=depth, n_estimators=200, random_state=0)
        boosted.fit(x[train], positive[train])
        models.append((f"boosted trees, depth {depth}", boosted.decision_function(x)))
    for name, score in models:
        threshold = score[train & (positive == 0)].max()
        found = score > threshold
        for part, mask in (("development", train), ("validation", held)):
            print(f"| {name} | {part} | {_counts(found, kinds, mask)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
