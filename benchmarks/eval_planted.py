"""Recall that does not fade as the corpus grows: the development set and near copies of a
controlled 5-gram Jaccard planted among N generated documents that share their vocabulary.

For each size N the corpus is

* the labelled development set (``benchmarks/data/dedup_dev/``, with ``seeds/``; loader in
  ``eval_devset.py``);
* N background documents made from the development set's own vocabulary: each one draws the
  words of its sentences from one topic of the set (its names, numbers and terms, at their
  frequency there) with a few words of other topics (:func:`background`), so that, as N grows,
  every rare term of the set occurs in more and more other documents (rare terms collide, and
  rare-term and band buckets fill up), while no background document copies a passage;
* ``--copies`` near copies of background documents whose word 5-gram Jaccard with their source
  (on the hashing key, as dedup shingles it) lies in ``[--low, --high]`` (default 0.48–0.64):
  half of them are edited copies (words replaced at random places, every paragraph touched, so
  that no paragraph anchor backs LSH up), half truncated copies with fewer edits (a share of the
  trailing paragraphs dropped). The number of replaced words is searched so that the measured
  Jaccard is just below a target drawn uniformly from the range.

The dedup phases run as a build runs them (:func:`corpus.dedup.phases.dedup_shards`) on the
processes executor (``--workers``); indexing runs there too, one task per shard, each task
making its own documents. Candidate pairs are recorded from the verification tasks.

Reported per size: pair precision, recall and ARI on the development set (overall, per length,
per level); false pairs that involve a planted document (development set or near copy) and
any other document not its gold partner; for the near copies, the share that were LSH
candidates (from the band keys of each pair, for the banding in force and for ``--compare``
bandings: the S-curve measured), candidates of the near-copy stage (LSH or a shared paragraph),
candidates of any kind, and verified (clustered with their source); and the stage times.

Run::

    python benchmarks/eval_planted.py --docs 1000 100000
    python benchmarks/eval_planted.py --docs 10000 --copies 2000 --compare 25x5 32x4 42x3
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import Document, parse
from corpus.dedup import DedupConfig, MinHashConfig
from corpus.dedup.hashing import hash_words, ngram_hashes
from corpus.dedup.minhash import band_keys, signatures_from_shingles
from corpus.dedup.phases import IndexedShard, ShardIndexer, dedup_shards, partitions_for
from corpus.dedup.text import article_text
from corpus.pipeline.executor import ProcessExecutor
from corpus.text.keys import hashing_key
from corpus.text.normalize import normalize
from eval_devset import _WORD, SETS, DevSet, load_devset, score

ROOT = Path(__file__).resolve().parent.parent
#: Documents per index task.
_SHARD = 5000
#: Kinds of generated documents (background documents and near copies), hashed into their ids.
_BACKGROUND, _COPY = 0xB << 60, 0xC << 60


#: The labelled sets planted (``eval_devset.SETS``), comma-separated: an environment variable,
#: so that the worker processes, which generate the background from their vocabulary, see it.
_SETS_VARIABLE = "CORPUS_EVAL_SETS"


@cache
def _dev() -> DevSet:
    return load_devset(ROOT, os.environ.get(_SETS_VARIABLE, "dev").split(","))


@cache
def _pools() -> tuple[list[np.ndarray], np.ndarray]:
    dev = _dev()
    topics: dict[str, list[str]] = {}
    for doc in dev.docs:
        topics.setdefault(dev.labels[doc.id].topic, []).extend(_WORD.findall(normalize(doc).text))
    pools = [np.array(topics[t]) for t in sorted(topics)]
    return pools, np.concatenate(pools)


def _background_paragraphs(k: int, seed: int) -> list[str]:
    """The paragraphs of background document ``k``: 8-16 paragraphs of 1-3 sentences, each
    sentence 10-25 words, 85% from one topic's vocabulary and 15% from the whole set's."""
    rng = np.random.default_rng([seed, k])
    pools, everything = _pools()
    pool = pools[int(rng.integers(len(pools)))]
    paragraphs = []
    for _ in range(int(rng.integers(8, 17))):
        sentences = []
        for _ in range(int(rng.integers(1, 4))):
            count = int(rng.integers(10, 26))
            words = np.where(rng.random(count) < 0.85, rng.choice(pool, count),
                             rng.choice(everything, count))
            text = " ".join(str(w) for w in words)
            sentences.append(text[0].upper() + text[1:] + ".")
        paragraphs.append(" ".join(sentences))
    return paragraphs


def _document(prefix: int, k: int, seq: int, paragraphs: list[str]) -> Document:
    """A document of the corpus. Its id is a hash, as in a real corpus, so that generated and
    planted documents interleave in id order (chained buckets follow it)."""
    body = f"Report {prefix >> 60:x}{k}\n" + "\n".join(paragraphs) + "\n"
    digest = hashlib.blake2b(f"{prefix:x}/{k}".encode(), digest_size=8).hexdigest()
    return parse(body.encode(), f"{seq}_{digest}.txt")


def background(k: int, seed: int = 0) -> Document:
    """Background document ``k`` (deterministic in ``k`` and ``seed``)."""
    return _document(_BACKGROUND, k, 900_000 + k, _background_paragraphs(k, seed))


def shingles(doc: Document, ngram: int = 5) -> np.ndarray:
    """The document's distinct word n-gram hashes, as the dedup index makes them."""
    key = hashing_key(article_text(normalize(doc)))
    found, _ = ngram_hashes(hash_words([key]), ngram)
    return np.unique(found)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared) if len(a) + len(b) else 0.0


@dataclass(frozen=True, slots=True)
class Plan:
    """What a corpus of one size holds: its background size, copies and their sources."""

    size: int
    copies: int
    low: float
    high: float
    seed: int

    def source(self, c: int) -> int:
        """The background document near copy ``c`` copies (distinct for distinct ``c``)."""
        return (c * self.size) // max(self.copies, 1)


def near_copy(plan: Plan, c: int) -> tuple[Document, str, float]:
    """Near copy ``c``: the document, its kind (``edited`` or ``truncated``) and its Jaccard."""
    rng = np.random.default_rng([plan.seed, 7, c])
    source = background(plan.source(c), plan.seed)
    base = shingles(source)
    target = float(rng.uniform(plan.low, plan.high - 0.01))
    paragraphs = _background_paragraphs(plan.source(c), plan.seed)
    kind = "edited" if c % 2 == 0 else "truncated"
    if kind == "truncated":  # keep a share of the paragraphs, then edit down to the target
        keep = float(rng.uniform(target + 0.05, 1.0))  # by words
        total = sum(len(p.split()) for p in paragraphs)
        kept, words = [], 0
        for paragraph in paragraphs:
            if kept and words + len(paragraph.split()) > keep * total:
                break
            kept.append(paragraph)
            words += len(paragraph.split())
        paragraphs = kept
    tokens = [p.split() for p in paragraphs]
    places = [(i, j) for i, p in enumerate(tokens) for j in range(len(p))]
    order = rng.permutation(len(places))
    _, everything = _pools()
    fresh = rng.choice(everything, len(places))

    def edited(count: int) -> Document:
        out = [list(p) for p in tokens]
        for t in order[:count].tolist():
            i, j = places[t]
            out[i][j] = str(fresh[t]).lower()
        return _document(_COPY, c, 800_000 + c, [" ".join(p) for p in out])

    low, high = 0, len(places)  # the most edits that keep the Jaccard at the target
    while low < high:
        middle = (low + high + 1) // 2
        if jaccard(base, shingles(edited(middle))) >= target:
            low = middle
        else:
            high = middle - 1
    doc = edited(low)
    return doc, kind, jaccard(base, shingles(doc))


@dataclass(frozen=True, slots=True)
class _IndexTask:
    work: str
    shard: int
    plan: Plan
    start: int  # global positions [start, stop): dev set, background, copies
    stop: int
    config: DedupConfig
    partitions: int


def _docs(plan: Plan, start: int, stop: int) -> list[Document]:
    dev = len(_dev().docs)
    out = []
    for g in range(start, stop):
        if g < dev:
            out.append(_dev().docs[g])
        elif g < dev + plan.size:
            out.append(background(g - dev, plan.seed))
        else:
            out.append(near_copy(plan, g - dev - plan.size)[0])
    return out


def _index_task(task: _IndexTask) -> IndexedShard:
    with ShardIndexer(task.work, task.shard, task.config, task.partitions) as indexer:
        for doc in _docs(task.plan, task.start, task.stop):
            indexer.add(normalize(doc))
        return indexer.close()


def _copy_task(args: tuple[Plan, int, int]) -> list[tuple[str, str, str, float, bytes]]:
    """(copy id, source id, kind, Jaccard, band signature bytes of both) for copies a..b."""
    plan, a, b = args
    out = []
    for c in range(a, b):
        doc, kind, value = near_copy(plan, c)
        source = background(plan.source(c), plan.seed)
        shingled = [shingles(doc), shingles(source)]
        sig = np.concatenate([signatures_from_shingles(
            s, np.zeros(len(s), dtype=np.int64), 1, num_perm=128, seed=1) for s in shingled])
        out.append((doc.id, source.id, kind, value, sig.tobytes()))
    return out


def _lsh_hits(signatures: np.ndarray, bands: int, rows: int) -> bool:
    keys = band_keys(signatures, bands, rows)
    return bool(np.any(keys[0] == keys[1]))


def run_size(plan: Plan, config: DedupConfig, workers: int,
             compare: Sequence[tuple[int, int]]) -> dict[str, Any]:
    dev = _dev()
    total = len(dev.docs) + plan.size + plan.copies
    times: dict[str, float] = {}
    candidates: set[tuple[str, str]] = set()
    near_stage: set[tuple[str, str]] = set()
    with ProcessExecutor(workers) as executor, tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        step = max(1, -(-plan.copies // (4 * workers)))
        copies = [row for part in executor.map(_copy_task, [
            (plan, a, min(a + step, plan.copies)) for a in range(0, plan.copies, step)])
            for row in part]
        times["make copies"] = time.perf_counter() - start
        partitions = partitions_for(total, config)
        tasks = [_IndexTask(work, s, plan, a, min(a + _SHARD, total), config, partitions)
                 for s, a in enumerate(range(0, total, _SHARD))]
        start = time.perf_counter()
        shards = executor.map(_index_task, tasks)
        times["index"] = time.perf_counter() - start
        ids: list[str] = []
        for shard in shards:
            with np.load(os.path.join(work, f"meta-{shard.shard:05d}.npz")) as data:
                ids.extend(data["ids"].tolist())

        def run(fn: Callable[[Any], Any], items: Sequence[Any], stage: str,
                weights: Sequence[int]) -> list[Any]:
            if stage.startswith("dedup: verify"):
                for item in items:
                    found = {(ids[a], ids[b]) if ids[a] < ids[b] else (ids[b], ids[a])
                             for a, b in zip(item.left.tolist(), item.right.tolist(),
                                             strict=True)}
                    candidates.update(found)
                    if "near" in stage:
                        near_stage.update(found)
            begin = time.perf_counter()
            out = executor.map(fn, items, weights=weights)
            times[stage] = times.get(stage, 0.0) + time.perf_counter() - begin
            return out

        start = time.perf_counter()
        result = dedup_shards(work, shards, config, run, partitions)
        times["phases"] = time.perf_counter() - start

    cluster_of: dict[str, str] = {}
    for cluster in result.clusters:
        for member in cluster.members:
            cluster_of[member.id] = cluster.id
    gold: dict[str, str] = {copy_id: source_id for copy_id, source_id, *_ in copies}
    labels = dev.labels
    false: dict[str, int] = {"dev with other": 0, "copy with other": 0, "background": 0}
    examples: list[tuple[str, str]] = []
    for cluster in result.clusters:
        members = [m.id for m in cluster.members]
        for a, b in combinations(sorted(members), 2):
            if a in labels and b in labels:
                continue  # scored by eval_devset.score
            if gold.get(a) == b or gold.get(b) == a:
                continue
            kind = ("dev with other" if a in labels or b in labels else
                    "copy with other" if a in gold or b in gold else "background")
            false[kind] += 1
            if len(examples) < 10:
                examples.append((a, b))
    # Candidate generation apart from verification: was each copy of the development set
    # paired with its source, or with another copy of it, at all (a candidate of any kind)?
    # (A near group is represented by one member in the rewrite stage.)
    dev_candidates: dict[str, list[int]] = {}
    members: dict[str, list[str]] = {}
    for doc_id, label in labels.items():
        members.setdefault(label.gold, []).append(doc_id)
    for doc_id, label in labels.items():
        if label.gold != doc_id:
            paired = any((doc_id, other) in candidates or (other, doc_id) in candidates
                         for other in members[label.gold] if other != doc_id)
            row_ = dev_candidates.setdefault(label.level, [0, 0])
            row_[0] += paired
            row_[1] += 1
    band = config.minhash.banding
    rows: dict[str, Any] = {}
    for kind in ("edited", "truncated", "all"):
        chosen = [c for c in copies if kind in ("all", c[2]) and plan.low <= c[3] <= plan.high]
        pairs = [(c[0], c[1]) if c[0] < c[1] else (c[1], c[0]) for c in chosen]
        sigs = [np.frombuffer(c[4], dtype=np.uint32).reshape(2, -1) for c in chosen]
        row: dict[str, Any] = {
            "copies": len(chosen),
            "outside_range": sum(kind in ("all", c[2]) for c in copies) - len(chosen),
            "jaccard": [round(min((c[3] for c in chosen), default=0), 3),
                        round(max((c[3] for c in chosen), default=0), 3)],
            "near_stage": sum(p in near_stage for p in pairs) / max(len(pairs), 1),
            "candidates": sum(p in candidates for p in pairs) / max(len(pairs), 1),
            "verified": sum(cluster_of.get(c[0], "?") == cluster_of.get(c[1], "!")
                            for c in chosen) / max(len(chosen), 1),
        }
        for bands, rows_ in sorted({band, *compare}):
            row[f"lsh {bands}x{rows_}"] = sum(_lsh_hits(s, bands, rows_) for s in sigs) / max(
                len(sigs), 1)
        rows[kind] = row
    return {
        "size": plan.size, "documents": total, "banding": f"{band[0]}x{band[1]}",
        "stats": result.stats.to_dict(), "dev": score(result, labels),
        "dev_candidates": dev_candidates, "false_pairs_outside_dev": false,
        "false_examples": examples, "near_copies": rows,
        "seconds": {k: round(v, 1) for k, v in times.items()},
        "verified_pairs": len(candidates),
    }


def _print(report: dict[str, Any]) -> None:
    dev = report["dev"]
    print(f"\n## {report['size']:,} background documents ({report['documents']:,} in all), "
          f"banding {report['banding']}")
    print(f"stats: {report['stats']}")
    print(f"seconds: {report['seconds']}")
    print("| part | precision | recall | ARI | false pairs |")
    for part in ("overall", "short", "long"):
        row = dev[part]
        print(f"| {part} | {row['precision']:.3f} | {row['recall']:.3f} | {row['ari']:.3f} | "
              f"{row['false_pairs']} |")
    print("| level | found | recall | false pairs | missed |")
    for level, row in dev["levels"].items():
        recall = f"{row['recall']:.3f}" if "recall" in row else "-"
        print(f"| {level} | {row.get('found', '-')} | {recall} | {row['false_pairs']} | "
              f"{' '.join(row.get('missed', row.get('merged', [])))} |")
    print("development set copies paired with their source as candidates: " + ", ".join(
        f"{level} {hit}/{total}" for level, (hit, total) in report["dev_candidates"].items()))
    print(f"false pairs outside the development set's own: {report['false_pairs_outside_dev']} "
          f"{report['false_examples'][:5]}")
    for kind, row in report["near_copies"].items():
        print(f"near copies ({kind}): " + ", ".join(
            f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[1000, 100000],
                        help="background sizes")
    parser.add_argument("--copies", type=int, default=1000,
                        help="near copies per size (at most half the background)")
    parser.add_argument("--low", type=float, default=0.48)
    parser.add_argument("--high", type=float, default=0.64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bands", type=str, default="",
                        help="banding to run with, BxR (default: the configuration's)")
    parser.add_argument("--compare", nargs="*", default=["25x5", "32x4", "42x3"],
                        help="bandings whose LSH recall is also measured on the copies")
    parser.add_argument("--rare-terms", type=int, default=0,
                        help="rare terms kept per document (default: the configuration's)")
    parser.add_argument("--set", dest="sets", nargs="+", choices=sorted(SETS), default=["dev"],
                        help="the labelled sets to plant, together (default: dev)")
    parser.add_argument("--json", type=Path, default=None, help="also write the reports here")
    args = parser.parse_args(argv)
    os.environ[_SETS_VARIABLE] = ",".join(args.sets)
    config = DedupConfig()
    if args.bands:
        bands, rows = (int(x) for x in args.bands.split("x"))
        config = replace(config, minhash=MinHashConfig(bands=bands, rows=rows))
    if args.rare_terms:
        config = replace(config, candidates=replace(config.candidates,
                                                    rare_terms=args.rare_terms))
    compare = [tuple(int(x) for x in c.split("x")) for c in args.compare]
    reports = []
    for size in args.docs:
        plan = Plan(size, min(args.copies, size // 2), args.low, args.high, args.seed)
        report = run_size(plan, config, args.workers, compare)  # type: ignore[arg-type]
        _print(report)
        reports.append(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(reports, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
