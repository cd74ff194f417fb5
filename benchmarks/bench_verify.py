"""Cost of verifying one candidate pair: the development set planted among N generated documents.

Runs the dedup phases in this process (:func:`corpus.dedup.phases.dedup_shards` with a serial
map) on the development set plus ``N`` generated documents whose vocabulary overlaps it
(:func:`eval_devset.planted_corpus`), times every stage, and reports the time per candidate
pair of the two verification stages (near copies: n-gram measures; rewrites: sentence
alignment). Only the phases are timed: reading, parsing and normalising are done before.

Run::

    python benchmarks/bench_verify.py --docs 1000
    python benchmarks/bench_verify.py --docs 1000 10000 --json benchmarks/results/verify.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus.dedup import DedupConfig
from corpus.dedup.phases import ShardIndexer, dedup_shards
from corpus.text.normalize import normalize
from eval_devset import load_devset, planted_corpus


def measure(size: int, config: DedupConfig) -> dict[str, Any]:
    """Stage times, candidate counts and seconds per verified pair at ``size`` planted docs."""
    dev = load_devset()
    docs = [normalize(d) for d in list(dev.docs) + planted_corpus(dev, size)]
    stages: dict[str, list[float]] = {}

    def run(fn: Callable[[Any], Any], tasks: Sequence[Any], stage: str,
            weights: Sequence[int]) -> list[Any]:
        start = time.perf_counter()
        out = [fn(task) for task in tasks]
        row = stages.setdefault(stage, [0.0, 0])
        row[0] += time.perf_counter() - start
        row[1] += int(sum(weights))
        return out

    with tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        with ShardIndexer(work, 0, config, 1) as indexer:
            for doc in docs:
                indexer.add(doc)
            shard = indexer.close()
        indexed = time.perf_counter() - start
        start = time.perf_counter()
        result = dedup_shards(work, [shard], config, run, 1)
        phases = time.perf_counter() - start
    report: dict[str, Any] = {
        "documents": len(docs), "index_seconds": round(indexed, 2),
        "phases_seconds": round(phases, 2), "stats": result.stats.to_dict(),
        "stages": {k: {"seconds": round(v[0], 3), "items": v[1]} for k, v in stages.items()},
    }
    for stage, key in (("dedup: verify near copies", "near"), ("dedup: verify rewrites",
                                                               "rewrite")):
        seconds, items = stages.get(stage, [0.0, 0])
        report[f"{key}_pairs"] = items
        report[f"{key}_ms_per_pair"] = round(1000 * seconds / items, 4) if items else 0.0
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[1000])
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args(argv)
    rows = []
    for size in args.docs:
        row = measure(size, DedupConfig())
        rows.append(row)
        print(f"{size:>7,} planted: {row['documents']:,} documents, "
              f"index {row['index_seconds']} s, "
              f"phases {row['phases_seconds']} s; rewrite pairs {row['rewrite_pairs']:,} at "
              f"{row['rewrite_ms_per_pair']} ms, near pairs {row['near_pairs']:,} at "
              f"{row['near_ms_per_pair']} ms")
        for stage, value in row["stages"].items():
            print(f"    {stage}: {value['seconds']} s for {value['items']:,}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
