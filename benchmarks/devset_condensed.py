"""Can a rule on two texts alone tell a condensed retelling from a text written independently
to the same facts? Measured on every pair of one story of the development set (with ``--set``,
of the validation set too; a pair across two topics of one story is a negative).

A condensed retelling (20-40% of its source's length, the source's order of topics kept,
4 to 13 sentences) merges several sentences of its source into one. This script aligns the
*shorter* text's sentences in order onto *windows* of 1 to ``W`` consecutive sentences of the
longer text (a window's embedding is the normalised mean of its sentences' all-MiniLM-L6-v2
embeddings), as a weighted in-order matching: each sentence of the shorter text takes at most
one window, windows do not overlap and follow the shorter text's order, and skipping a sentence
of either text costs nothing; an aligned pair adds its cosine minus ``base`` (pairs below
``base``, or whose cosine stands less than ``lift`` above the shorter sentence's mean cosine
with the longer text's sentences, cannot align). From the alignment, per pair:

* ``share``: the shorter text's sentences aligned, over its sentences; ``aligned`` their count;
* ``mean_cos`` / ``mean_lift``: mean cosine of the aligned pairs, and mean lift over each
  shorter sentence's mean cosine with the longer text;
* ``score_m``: the alignment's score over the shorter text's sentences (sum of cos - base);
* ``covered``: share of the longer text's sentences inside aligned windows;
  ``span``: share of the longer text between the first and last aligned window;
  ``max_gap``: the longest stretch of the longer text without an aligned window (ends
  included), over its sentences (small: the retelling covers all of it evenly);
  ``diag``: mean distance between a shorter sentence's relative position and its window's
  (small: the two texts advance together);

and without the alignment: ``ratio`` (words of the shorter over the longer text),
``best_cos`` (mean over the shorter text's sentences of the best window cosine, any order),
``merge_gain`` (how much the best window of 2-4 sentences beats the best single sentence,
mean over the shorter text's sentences), and lexically ``rare_shared`` (numbers and
capitalised words inside sentences of the shorter text that the longer text also has, over
those of the shorter text), ``rare_order`` (the longest common in-order run of those shared
tokens' first occurrences, over their number) and ``tri`` (word 3-gram containment of the
shorter text in the longer).

Pairs: a heavy or condensed copy with its source (``heavy``, ``condensed``; what recall
counts), the same copies with another copy of their source (``heavy~copy``,
``condensed~copy``; a link that also joins them), and every pair of one topic that involves an
independent text (``negative``). Rules are searched as "feature >= t" and as "f1 >= t1 and
f2 >= t2" at zero negatives, with their margin (the smallest found positive's distance to the
negatives' maximum, in the feature's own units), and checked topic by topic (leave one topic
out: the rule's thresholds chosen on the other topics, most positives at zero negatives there,
placed halfway between the nearest negative and the next positive; then applied to the topic
left out).

Needs the ``semantic`` extra. Run (a few minutes on 2 cores, most of it embedding)::

    python benchmarks/devset_condensed.py
    python benchmarks/devset_condensed.py --cache /tmp/vectors.npz   # reuse the embeddings
    python benchmarks/devset_condensed.py --set dev validation   # rules chosen on the first
                                                                 # applied to the second
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus.dedup.align import Profile, build_profile, retelling
from corpus.dedup.config import SemanticConfig
from corpus.dedup.text import article_text
from corpus.text.keys import hashing_key
from corpus.text.normalize import normalize
from eval_devset import ROOT, SETS, Label, load_devset, story, story_pairs

WINDOW = 4
COPIES = ("heavy", "condensed")
#: (base, lift) of the windowed alignment measured; the first is the one reported in full.
SETTINGS = ((0.5, 0.1), (0.4, 0.0), (0.5, 0.0), (0.6, 0.0), (0.5, 0.2), (0.4, 0.1))
#: Features where larger means "more like a retelling"; those with a minus are negated.
FEATURES = ("share", "aligned", "mean_cos", "mean_lift", "score_m", "covered", "span",
            "-max_gap", "-diag", "best_cos", "merge_gain", "rare_shared", "rare_order", "tri",
            "-ratio", "distinct", "cur_share", "cur_retold")


@dataclass
class Pair:
    topic: str
    kind: str
    longer: str
    shorter: str
    m: int
    n: int
    f: dict[str, float] = field(default_factory=dict)


# -- pairs ---------------------------------------------------------------------------------


def _kind(a: Label, b: Label) -> str | None:
    if a.gold == b.gold:
        levels = {a.level, b.level}
        if "source" in levels:
            return (levels - {"source"}).pop()
        for level in COPIES:
            if level in levels:
                return f"{level}~copy"
        return None
    return "negative" if "independent" in (a.level, b.level) or a.topic != b.topic else None


def _pairs(labels: dict[str, Label], profiles: dict[str, Profile]) -> list[Pair]:
    """Every pair of one story (:func:`eval_devset.story`: the seeds' topics are one), by
    :func:`_kind`; a pair's ``topic`` is its story."""
    found = []
    for x, y in story_pairs(labels):
        kind = _kind(labels[x], labels[y])
        if kind is None:
            continue
        if len(profiles[x].sentences) < len(profiles[y].sentences):
            x, y = y, x
        found.append(Pair(story(labels[x]), kind, x, y, len(profiles[y].sentences),
                          len(profiles[x].sentences)))
    return found


# -- the windowed in-order alignment --------------------------------------------------------


def windows(vectors: np.ndarray, width: int = WINDOW) -> list[np.ndarray]:
    """Unit mean embeddings of every window of ``w`` consecutive sentences, ``w`` = 1..width;
    entry ``w - 1`` has one row per start."""
    out = []
    n = len(vectors)
    csum = np.vstack([np.zeros((1, vectors.shape[1])), np.cumsum(vectors, axis=0)])
    for w in range(1, width + 1):
        if w > n:
            out.append(np.zeros((0, vectors.shape[1])))
            continue
        mean = csum[w:] - csum[:-w]
        mean /= np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
        out.append(mean)
    return out


def window_cosines(short: np.ndarray, long_windows: list[np.ndarray], n: int) -> np.ndarray:
    """``sim[w - 1, j, s]``: cosine of shorter sentence ``j`` with the window of ``w``
    sentences starting at ``s`` of the longer text (-inf where the window does not fit)."""
    sim = np.full((len(long_windows), len(short), n), -np.inf)
    for w, win in enumerate(long_windows):
        if len(win):
            sim[w, :, : len(win)] = short @ win.T
    return sim


def align(sim: np.ndarray, single_mean: np.ndarray, base: float, lift: float
          ) -> list[tuple[int, int, int, float]]:
    """The best in-order matching of shorter sentences onto windows: ``(j, start, width,
    cosine)`` per aligned sentence. ``single_mean[j]`` is sentence ``j``'s mean cosine with
    the longer text's sentences."""
    width, m, n = sim.shape
    ok = (sim >= base) & (sim - single_mean[None, :, None] >= lift)
    gain = np.where(ok, sim - base, -np.inf)
    score = np.zeros((m + 1, n + 1))
    how = np.zeros((m + 1, n + 1), dtype=np.int64)  # 0 skip long, -1 skip short, w aligned
    for j in range(1, m + 1):
        previous = score[j - 1]
        best = previous.copy()
        choice = np.full(n + 1, -1, dtype=np.int64)
        for w in range(1, width + 1):
            cand = np.full(n + 1, -np.inf)
            cand[w:] = previous[: n + 1 - w] + gain[w - 1, j - 1, : n + 1 - w]
            better = cand > best + 1e-12
            best = np.where(better, cand, best)
            choice = np.where(better, w, choice)
        row = np.maximum.accumulate(best)
        skip_long = np.concatenate(([False], row[1:] > best[1:] + 1e-12))
        score[j] = row
        how[j] = np.where(skip_long, 0, choice)
    out = []
    j, i = m, n
    while j > 0 and i > 0:
        h = how[j, i]
        if h == 0:
            i -= 1  # the running maximum came from further left
            continue
        if h == -1:
            j -= 1
            continue
        out.append((j - 1, i - h, int(h), float(sim[h - 1, j - 1, i - h])))
        j, i = j - 1, i - h
    out.reverse()
    return out


def alignment_features(found: list[tuple[int, int, int, float]], single_mean: np.ndarray,
                       m: int, n: int, base: float) -> dict[str, float]:
    k = len(found)
    if not k:
        return {"share": 0.0, "aligned": 0, "mean_cos": 0.0, "mean_lift": 0.0, "score_m": 0.0,
                "covered": 0.0, "span": 0.0, "-max_gap": -1.0, "-diag": -1.0}
    cos = np.array([c for _, _, _, c in found])
    lifts = cos - single_mean[[j for j, _, _, _ in found]]
    starts = [s for _, s, _, _ in found]
    ends = [s + w for _, s, w, _ in found]
    gaps = [starts[0]] + [starts[t + 1] - ends[t] for t in range(k - 1)] + [n - ends[-1]]
    diag = np.mean([abs((s + w / 2) / n - (j + 0.5) / m) for j, s, w, _ in found])
    return {"share": k / m, "aligned": k, "mean_cos": float(cos.mean()),
            "mean_lift": float(lifts.mean()), "score_m": float((cos - base).sum() / m),
            "covered": sum(w for _, _, w, _ in found) / n,
            "span": (ends[-1] - starts[0]) / n, "-max_gap": -max(gaps) / n, "-diag": -diag}


# -- lexical --------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z0-9][\w'’.,-]*[\w]|[\w]")
_NUMBER = re.compile(r"\d")


def rare_tokens(sentences: Sequence[str]) -> list[str]:
    """Numbers and capitalised words that do not open their sentence, in text order."""
    out = []
    for s in sentences:
        words = _WORD.findall(s)
        for t, w in enumerate(words):
            if _NUMBER.search(w):
                out.append(re.sub(r"[.,]+$", "", w).lower())
            elif t > 0 and w[:1].isupper():
                out.append(w.lower())
    return out


def lcs(a: Sequence[str], b: Sequence[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for t, y in enumerate(b):
            cur.append(prev[t] + 1 if x == y else max(prev[t + 1], cur[t]))
        prev = cur
    return prev[-1]


def _first(tokens: Sequence[str], keep: set[str]) -> list[str]:
    seen, out = set(), []
    for t in tokens:
        if t in keep and t not in seen:
            seen.add(t)
            out.append(t)
    return out


def trigrams(text: str) -> set[tuple[str, ...]]:
    w = re.findall(r"\w+", text.lower())
    return {tuple(w[t:t + 3]) for t in range(len(w) - 2)}


# -- rules ----------------------------------------------------------------------------------


def single_rules(pairs: Sequence[Pair], kinds: Sequence[str]) -> list[tuple[str, float, int,
                                                                            float, list[str]]]:
    """Per feature: the negatives' maximum, the positives above it, the margin of the
    nearest found one."""
    out = []
    neg = [p for p in pairs if p.kind == "negative"]
    pos = [p for p in pairs if p.kind in kinds]
    for f in FEATURES:
        top = max(p.f[f] for p in neg)
        above = sorted(p.f[f] for p in pos if p.f[f] > top + 1e-9)
        names = [f"{p.topic} {p.kind}" for p in pos if p.f[f] > top + 1e-9]
        out.append((f, top, len(above), above[0] - top if above else float("nan"), names))
    return out


def best_pair_rule(train: Sequence[Pair], kinds: Sequence[str], f1: str, f2: str
                   ) -> tuple[int, float, float]:
    """Most positives with ``f1 >= t1 and f2 >= t2`` and no negative, thresholds halfway
    between the nearest negative and the next positive: (found, t1, t2)."""
    neg = np.array([(p.f[f1], p.f[f2]) for p in train if p.kind == "negative"])
    pos = np.array([(p.f[f1], p.f[f2]) for p in train if p.kind in kinds])
    best = (0, np.inf, np.inf)
    if not len(pos):
        return best
    for t1 in np.unique(pos[:, 0]):
        blocking = neg[neg[:, 0] >= t1 - 1e-12]
        limit = blocking[:, 1].max() if len(blocking) else -np.inf
        hit = pos[(pos[:, 0] >= t1 - 1e-12) & (pos[:, 1] > limit + 1e-12)]
        if len(hit) > best[0]:
            # thresholds: halfway from the hits' minima to the negatives below them
            lo1 = neg[neg[:, 0] < t1 - 1e-12]
            lo1 = lo1[lo1[:, 1] > limit + 1e-12]
            below1 = lo1[:, 0].max() if len(lo1) else -np.inf
            m1 = hit[:, 0].min()
            t1c = (m1 + below1) / 2 if np.isfinite(below1) else m1
            m2 = hit[:, 1].min()
            t2c = (m2 + limit) / 2 if np.isfinite(limit) else m2
            best = (len(hit), t1c, t2c)
    return best


def pair_rules(pairs: Sequence[Pair], kinds: Sequence[str]) -> list[tuple[str, str, int, float]]:
    out = []
    for f1 in FEATURES:
        for f2 in FEATURES:
            if f1 == f2:
                continue
            found, t1, t2 = best_pair_rule(pairs, kinds, f1, f2)
            out.append((f1, f2, found, t1, t2))
    out.sort(key=lambda r: -r[2])
    return out


def margin2(pairs: Sequence[Pair], kinds: Sequence[str], f1: str, f2: str, t1: float,
            t2: float) -> tuple[float, float]:
    """The nearest negative's shortfall: min over negatives of max(t1 - f1, t2 - f2) (how far
    it stands outside the rule) and the nearest found positive's min(f1 - t1, f2 - t2)."""
    neg = [max(t1 - p.f[f1], t2 - p.f[f2]) for p in pairs if p.kind == "negative"]
    pos = [min(p.f[f1] - t1, p.f[f2] - t2) for p in pairs if p.kind in kinds
           and p.f[f1] >= t1 and p.f[f2] >= t2]
    return min(neg), min(pos) if pos else float("nan")


def loto_single(pairs: Sequence[Pair], kinds: Sequence[str], f: str) -> tuple[int, int]:
    found = false = 0
    for topic in sorted({p.topic for p in pairs}):
        train = [p for p in pairs if p.topic != topic]
        top = max(p.f[f] for p in train if p.kind == "negative")
        above = [p.f[f] for p in train if p.kind in kinds and p.f[f] > top + 1e-9]
        t = (top + min(above)) / 2 if above else np.inf
        test = [p for p in pairs if p.topic == topic and p.f[f] >= t]
        found += sum(p.kind in kinds for p in test)
        false += sum(p.kind == "negative" for p in test)
    return found, false


def loto_pair(pairs: Sequence[Pair], kinds: Sequence[str], f1: str | None = None,
              f2: str | None = None) -> tuple[int, int, list[str]]:
    """Leave one topic out; with ``f1``/``f2`` None the feature pair itself is chosen on the
    other topics too (the best two-feature rule there)."""
    found = false = 0
    chosen = []
    for topic in sorted({p.topic for p in pairs}):
        train = [p for p in pairs if p.topic != topic]
        if f1 is None:
            a, b, _, t1, t2 = pair_rules(train, kinds)[0]
        else:
            a, b = f1, f2
            _, t1, t2 = best_pair_rule(train, kinds, a, b)
        chosen.append(f"{a}&{b}")
        test = [p for p in pairs if p.topic == topic and p.f[a] >= t1 and p.f[b] >= t2]
        found += sum(p.kind in kinds for p in test)
        false += sum(p.kind == "negative" for p in test)
    return found, false, chosen


def count_share(pairs: Sequence[Pair], count_key: str, share_key: str) -> None:
    """The rule "at least C sentences of the shorter text aligned, making at least S of its
    sentences": per C, the largest share of a negative and the copies above it."""
    print("| at least C aligned | negatives: largest share | condensed above it | heavy above "
          "it | condensed above it, by how much |")
    print("| ---: | ---: | ---: | ---: | --- |")
    for c in (4, 5, 6, 8, 10, 12, 14, 16, 20):
        chosen = [p for p in pairs if p.f[count_key] >= c]
        top = max((p.f[share_key] for p in chosen if p.kind == "negative"), default=0.0)
        above = {k: [p for p in chosen if p.kind == k and p.f[share_key] > top + 1e-9]
                 for k in COPIES}
        listed = ", ".join(f"{p.topic} +{p.f[share_key] - top:.2f}" for p in above["condensed"])
        print(f"| {c} | {top:.2f} | {len(above['condensed'])} | {len(above['heavy'])} | "
              f"{listed} |")


def choose_count_share(pairs: Sequence[Pair], count_key: str, share_key: str,
                       kinds: Sequence[str]) -> tuple[int, float]:
    """C and S with the most positives of ``kinds`` and no negative among ``pairs`` (ties:
    the larger S, then C)."""
    best: tuple[int, float, int] | None = None
    for c in range(3, 25):
        for sh in np.arange(0.5, 1.001, 0.05):
            hits = [p for p in pairs if p.f[count_key] >= c and p.f[share_key] >= sh - 1e-9]
            if any(p.kind == "negative" for p in hits):
                continue
            key = (sum(p.kind in kinds for p in hits), float(sh), c)
            if best is None or key > best:
                best = key
    assert best is not None
    return best[2], best[1]


def loto_count_share(pairs: Sequence[Pair], count_key: str, share_key: str,
                     kinds: Sequence[str]) -> tuple[int, int, int]:
    """C and S chosen on the other topics (most positives of ``kinds`` with no negative;
    ties: the larger S, then C), applied to the topic left out: (found, of them condensed,
    false pairs)."""
    found = cond = false = 0
    for topic in sorted({p.topic for p in pairs}):
        train = [p for p in pairs if p.topic != topic]
        best = None
        for c in range(3, 25):
            for sh in np.arange(0.5, 1.001, 0.05):
                hits = [p for p in train if p.f[count_key] >= c and p.f[share_key] >= sh - 1e-9]
                if any(p.kind == "negative" for p in hits):
                    continue
                key = (sum(p.kind in kinds for p in hits), sh, c)
                if best is None or key > best:
                    best = key
        _, sh, c = best
        test = [p for p in pairs if p.topic == topic and p.f[count_key] >= c
                and p.f[share_key] >= sh - 1e-9]
        found += sum(p.kind in kinds for p in test)
        cond += sum(p.kind == "condensed" for p in test)
        false += sum(p.kind == "negative" for p in test)
    return found, cond, false


# -- main -----------------------------------------------------------------------------------


def _quantiles(values: Sequence[float]) -> str:
    if not values:
        return "–"
    v = np.array(values)
    return f"{v.min():.2f} / {np.median(v):.2f} / {v.max():.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=Path, help="write the pairs and features (pickle)")
    parser.add_argument("--cache", type=Path, help="an .npz of sentence embeddings to reuse "
                        "(written when missing)")
    parser.add_argument("--set", nargs="+", default=["dev"], choices=sorted(SETS),
                        help="the labelled sets to measure on, together (default: dev); with "
                        "both, rules chosen on the development set are also applied to the "
                        "validation set's pairs")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    dev = load_devset(ROOT, args.set)
    development = {d.id for d in load_devset(ROOT, ("dev",)).docs} if len(args.set) > 1 else None
    texts = {d.id: article_text(normalize(d)) for d in dev.docs}
    profiles = {i: build_profile(t, hashing_key(t), 5) for i, t in texts.items()}
    if args.cache and args.cache.exists():
        stored = np.load(args.cache)
        vectors = {i: stored[i] for i in profiles}
    else:
        from corpus.dedup.semantic import load_encoder

        encoder = load_encoder()
        vectors = {i: encoder.encode([s.text for s in p.sentences], batch_size=64)
                   for i, p in profiles.items()}
        if args.cache:
            np.savez(args.cache, **vectors)
    vectors = {i: v.astype(np.float64) for i, v in vectors.items()}
    embedded = time.perf_counter()
    pairs = _pairs(dev.labels, profiles)
    rare = {i: rare_tokens([s.text for s in p.sentences]) for i, p in profiles.items()}
    tri = {i: trigrams(t) for i, t in texts.items()}
    wins = {i: windows(v) for i, v in vectors.items()}

    timing = 0.0
    for p in pairs:
        long_v, short_v = vectors[p.longer], vectors[p.shorter]
        t0 = time.perf_counter()
        single_mean = (short_v @ long_v.T).mean(axis=1)
        sim = window_cosines(short_v, wins[p.longer], p.n)
        for base, lift in SETTINGS:
            found = align(sim, single_mean, base, lift)
            feats = alignment_features(found, single_mean, p.m, p.n, base)
            if (base, lift) == SETTINGS[0]:
                p.f.update(feats)
            for k in ("share", "aligned", "score_m", "mean_cos"):
                p.f[f"{k}@{base},{lift}"] = feats[k]
        timing += time.perf_counter() - t0
        found = align(sim, single_mean, *SETTINGS[0])
        margins = []
        for j, s, w, c in found:
            elsewhere = sim[:, j, :].copy()
            for width in range(1, WINDOW + 1):  # windows overlapping the aligned one, +-1
                elsewhere[width - 1, max(0, s - width):s + w + 1] = -np.inf
            margins.append(c - float(elsewhere.max()) if np.isfinite(elsewhere.max()) else c)
        p.f["distinct"] = float(np.mean(margins)) if margins else -1.0
        gate = SemanticConfig()
        current = retelling(long_v @ short_v.T, profiles[p.longer].sentence_words,
                            profiles[p.shorter].sentence_words, gate.alignment,
                            min_sentences=gate.min_sentences, min_lift=gate.min_lift)
        p.f["cur_share"] = current.lifted.share
        p.f["cur_retold"] = current.lifted.retold
        best_single = sim[0].max(axis=1)
        best_any = sim.max(axis=(0, 2))
        p.f["best_cos"] = float(best_any.mean())
        p.f["merge_gain"] = float((best_any - best_single).mean())
        words = (profiles[p.shorter].words, profiles[p.longer].words)
        p.f["-ratio"] = -words[0] / max(words[1], 1)
        ra, rb = rare[p.shorter], rare[p.longer]
        shared = set(ra) & set(rb)
        p.f["rare_shared"] = len(shared) / max(len(set(ra)), 1)
        p.f["rare_order"] = (lcs(_first(ra, shared), _first(rb, shared)) / len(shared)
                             if shared else 0.0)
        p.f["tri"] = len(tri[p.shorter] & tri[p.longer]) / max(len(tri[p.shorter]), 1)

    if args.dump:
        import pickle

        args.dump.write_bytes(pickle.dumps([(p.topic, p.kind, p.longer, p.shorter, p.m, p.n,
                                             p.f) for p in pairs]))
    kinds_all = ("heavy", "condensed", "heavy~copy", "condensed~copy", "negative")
    print(f"# Condensed retellings against independent texts ({' and '.join(args.set)})\n")
    print(f"{len(profiles)} documents, {len(pairs)} same-topic pairs: " + ", ".join(
        f"{k} {sum(p.kind == k for p in pairs)}" for k in kinds_all)
        + f". Windows of 1-{WINDOW} sentences; alignment base/lift {SETTINGS[0]}.\n")
    print(f"Embedding {embedded - started:.1f} s; windowed alignment, {len(SETTINGS)} settings, "
          f"{timing:.2f} s for {len(pairs)} pairs ({1e3 * timing / len(pairs) / len(SETTINGS):.2f} "
          "ms a pair and setting).\n")

    print("## Features by kind (min / median / max)\n")
    print("| feature | negative | heavy | condensed | heavy~copy | condensed~copy |")
    print("| --- | --- | --- | --- | --- | --- |")
    extra = [f"{k}@{b},{t}" for b, t in SETTINGS for k in ("share", "score_m")]
    for f in (*FEATURES, *extra):
        print(f"| {f} | " + " | ".join(
            _quantiles([p.f[f] for p in pairs if p.kind == k])
            for k in ("negative", "heavy", "condensed", "heavy~copy", "condensed~copy")) + " |")

    print("\n## Condensed copies with their source, one by one\n")
    print("| topic | m / n sentences | ratio | share | aligned | mean_cos | mean_lift | score_m "
          "| -max_gap | -diag | best_cos | rare_order | nearest negatives of the topic "
          "(share, score_m, best_cos: max) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
          "| --- |")
    for p in pairs:
        if p.kind != "condensed":
            continue
        neg = [q for q in pairs if q.topic == p.topic and q.kind == "negative"]
        print(f"| {p.topic} | {p.m} / {p.n} | {-p.f['-ratio']:.2f} | {p.f['share']:.2f} | "
              f"{p.f['aligned']} | {p.f['mean_cos']:.2f} | {p.f['mean_lift']:.2f} | "
              f"{p.f['score_m']:.3f} | {p.f['-max_gap']:.2f} | {p.f['-diag']:.2f} | "
              f"{p.f['best_cos']:.2f} | {p.f['rare_order']:.2f} | "
              f"{max(q.f['share'] for q in neg):.2f}, {max(q.f['score_m'] for q in neg):.3f}, "
              f"{max(q.f['best_cos'] for q in neg):.2f} |")

    print("\n## At least C sentences of the shorter text aligned, at least S of them\n")
    for label, count_key, share_key in (
            ("today's semantic alignment (lift 0.2, one sentence a window)", "cur_retold",
             "cur_share"),
            *((f"windows of 1-{WINDOW}, base {b}, lift {t}", f"aligned@{b},{t}",
               f"share@{b},{t}") for b, t in SETTINGS)):
        print(f"\n### {label}\n")
        count_share(pairs, count_key, share_key)
        for title, kinds in (("condensed", ("condensed",)), ("heavy and condensed", COPIES)):
            found, cond, false = loto_count_share(pairs, count_key, share_key, kinds)
            print(f"\nLeave one topic out, chosen for {title}: {found} found "
                  f"({cond} condensed), {false} false pairs.")

    if development is not None:
        held = [p for p in pairs if p.longer not in development or p.shorter not in development]
        chosen_on = [p for p in pairs if p not in held]
        print("\n## Chosen on the development set, applied to the validation set\n")
        print(f"{len(held)} pairs with a validation text: " + ", ".join(
            f"{k} {sum(p.kind == k for p in held)}" for k in kinds_all) + ".\n")
        print("| alignment | C, S chosen | development: found (condensed), false | "
              "validation: heavy, condensed found, false pairs |")
        print("| --- | --- | --- | --- |")
        for label, count_key, share_key in (
                ("today's semantic alignment", "cur_retold", "cur_share"),
                *((f"windows 1-{WINDOW}, base {b}, lift {t}", f"aligned@{b},{t}",
                   f"share@{b},{t}") for b, t in SETTINGS)):
            c, sh = choose_count_share(chosen_on, count_key, share_key, COPIES)
            train = [p for p in chosen_on if p.f[count_key] >= c
                     and p.f[share_key] >= sh - 1e-9]
            test = [p for p in held if p.f[count_key] >= c and p.f[share_key] >= sh - 1e-9]
            print(f"| {label} | {c}, {sh:.2f} | {sum(p.kind in COPIES for p in train)} "
                  f"({sum(p.kind == 'condensed' for p in train)}), "
                  f"{sum(p.kind == 'negative' for p in train)} | "
                  f"{sum(p.kind == 'heavy' for p in test)} of "
                  f"{sum(p.kind == 'heavy' for p in held)}, "
                  f"{sum(p.kind == 'condensed' for p in test)} of "
                  f"{sum(p.kind == 'condensed' for p in held)}, "
                  f"{sum(p.kind == 'negative' for p in test)} |")

    print("\n## Each condensed copy against its source and against the topic's independent "
          "texts (windows 1-4, base 0.4, lift 0)\n")
    print("| topic | with its source: aligned / m, share, score_m | best independent text: "
          "aligned / m, share, score_m | source ahead by (share, score_m) |")
    print("| --- | --- | --- | --- |")
    key = "0.4,0.0"
    for p in pairs:
        if p.kind != "condensed":
            continue
        copy = p.shorter if dev.labels[p.shorter].level == "condensed" else p.longer
        rivals = [q for q in pairs if q.kind == "negative" and copy in (q.shorter, q.longer)]
        best = max(rivals, key=lambda q: (q.f[f"share@{key}"], q.f[f"score_m@{key}"]))
        print(f"| {p.topic} | {p.f[f'aligned@{key}']} / {p.m}, {p.f[f'share@{key}']:.2f}, "
              f"{p.f[f'score_m@{key}']:.3f} | {best.f[f'aligned@{key}']} / {best.m}, "
              f"{best.f[f'share@{key}']:.2f}, {best.f[f'score_m@{key}']:.3f} | "
              f"{p.f[f'share@{key}'] - best.f[f'share@{key}']:+.2f}, "
              f"{p.f[f'score_m@{key}'] - best.f[f'score_m@{key}']:+.3f} |")

    # cost of one setting: window means of the longer text, the cosines, the alignment
    t0 = time.perf_counter()
    for p in pairs:
        long_v, short_v = vectors[p.longer], vectors[p.shorter]
        single_mean = (short_v @ long_v.T).mean(axis=1)
        align(window_cosines(short_v, windows(long_v), p.n), single_mean, 0.4, 0.0)
    cost = (time.perf_counter() - t0) / len(pairs)
    t0 = time.perf_counter()
    gate = SemanticConfig()
    for p in pairs:
        retelling(vectors[p.longer] @ vectors[p.shorter].T, profiles[p.longer].sentence_words,
                  profiles[p.shorter].sentence_words, gate.alignment,
                  min_sentences=gate.min_sentences, min_lift=gate.min_lift)
    today = (time.perf_counter() - t0) / len(pairs)
    print(f"\nCost a pair (embeddings given): windowed alignment, one setting, {1e3 * cost:.2f} ms "
          f"(windows rebuilt each time); today's alignment {1e3 * today:.2f} ms.")

    for title, kinds in (("condensed with source", ("condensed",)),
                         ("heavy and condensed with source", COPIES),
                         ("condensed with source or another copy",
                          ("condensed", "condensed~copy"))):
        total = sum(p.kind in kinds for p in pairs)
        print(f"\n## One feature, zero negatives: {title} (of {total})\n")
        print("| feature | negatives: max | found above it | margin of the nearest found "
              "| leave one topic out: found, false pairs | found |")
        print("| --- | ---: | ---: | ---: | ---: | --- |")
        for f, top, n_above, margin, names in single_rules(pairs, kinds):
            lf, lfalse = loto_single(pairs, kinds, f)
            print(f"| {f} | {top:.3f} | {n_above} | {margin:.3f} | {lf}, {lfalse} | "
                  f"{', '.join(names)} |")
        rules = pair_rules(pairs, kinds)
        print(f"\n## Two features, zero negatives: {title} (of {total}); the best 8\n")
        print("| f1 >= t1 | f2 >= t2 | found | nearest negative outside by | nearest found "
              "inside by | leave one topic out (this pair): found, false |")
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        for f1, f2, n_found, t1, t2 in rules[:8]:
            mneg, mpos = margin2(pairs, kinds, f1, f2, t1, t2)
            lf, lfalse, _ = loto_pair(pairs, kinds, f1, f2)
            print(f"| {f1} >= {t1:.3f} | {f2} >= {t2:.3f} | {n_found} | {mneg:.3f} | "
                  f"{mpos:.3f} | {lf}, {lfalse} |")
        lf, lfalse, chosen = loto_pair(pairs, kinds)
        print(f"\nLeave one topic out, the feature pair also chosen on the other topics: "
              f"{lf} of {total} found, {lfalse} false pairs (pairs chosen: "
              f"{sorted(set(chosen))}).")
    print(f"\nTotal {time.perf_counter() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
