"""Cost of verifying one candidate pair: the development set planted among N generated documents.

Runs the dedup phases in this process (:func:`corpus.dedup.phases.dedup_shards` with a serial
map) on the development set plus ``N`` generated documents whose vocabulary overlaps it
(:func:`eval_devset.planted_corpus`), times every stage, and reports the time per candidate
pair of the two verification stages (near copies: n-gram measures; rewrites: sentence
alignment). Only the phases are timed: reading, parsing and normalising are done before.

Run::

    python benchmarks/bench_verify.py --docs 1000
    python benchmarks/bench_verify.py --docs 1000 10000 --json benchmarks/results/verify.json
    python benchmarks/bench_verify.py --docs 1000 --check   # batched == pair-by-pair verdicts
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
from corpus.dedup.phases import ShardIndexer, _Spools, _Verifier, dedup_shards
from corpus.text.normalize import normalize
from eval_devset import load_devset, planted_corpus


def measure(size: int, config: DedupConfig, check: bool = False) -> dict[str, Any]:
    """Stage times, candidate counts and seconds per verified pair at ``size`` planted docs;
    with ``check``, every rewrite verdict of the batched verification is also compared with
    :func:`~corpus.dedup.align.verify_pair` on the pair alone (not timed)."""
    dev = load_devset()
    docs = [normalize(d) for d in list(dev.docs) + planted_corpus(dev, size)]
    stages: dict[str, list[float]] = {}
    checked = [0, 0]  # rewrite verdicts compared, and found different

    def run(fn: Callable[[Any], Any], tasks: Sequence[Any], stage: str,
            weights: Sequence[int]) -> list[Any]:
        start, cpu = time.perf_counter(), time.process_time()
        out = [fn(task) for task in tasks]
        row = stages.setdefault(stage, [0.0, 0, 0.0])
        row[0] += time.perf_counter() - start
        row[1] += int(sum(weights))
        row[2] += time.process_time() - cpu
        if check and stage == "dedup: verify rewrites":
            for task in tasks:
                compare(task)
        return out

    def compare(task: Any) -> None:
        """Every verdict of the batched verification against verify_pair, pair by pair."""
        from corpus.dedup.align import verify_many, verify_pair  # not before this change

        with _Spools(task.work) as spools:
            verifier = _Verifier(spools, task.locations, config)
            rights: dict[int, list[int]] = {}
            for left, right in zip(task.left.tolist(), task.right.tolist(), strict=True):
                rights.setdefault(left, []).append(right)
            for left, others in rights.items():
                a = verifier.profile(left)
                profiles = [verifier.profile(r) for r in others]
                batched = verify_many(a, profiles, config)
                single = [verify_pair(a, b, config, prune=True) for b in profiles]
                checked[0] += len(single)
                checked[1] += sum(x != y for x, y in zip(batched, single, strict=True))

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
        "stages": {k: {"seconds": round(v[0], 3), "cpu_seconds": round(v[2], 3), "items": v[1]}
                   for k, v in stages.items()},
    }
    for stage, key in (("dedup: verify near copies", "near"), ("dedup: verify rewrites",
                                                               "rewrite")):
        seconds, items, cpu = stages.get(stage, [0.0, 0, 0.0])
        report[f"{key}_pairs"] = items
        report[f"{key}_ms_per_pair"] = round(1000 * seconds / items, 4) if items else 0.0
        report[f"{key}_cpu_ms_per_pair"] = round(1000 * cpu / items, 4) if items else 0.0
    # What a candidate pair costs in all: its verification and its share of the profile stage.
    pairs = report["near_pairs"] + report["rewrite_pairs"]
    whole = sum(stages.get(s, [0.0, 0, 0.0])[2] for s in (
        "dedup: profiles", "dedup: verify near copies", "dedup: verify rewrites"))
    report["cpu_ms_per_pair_with_profiles"] = round(1000 * whole / pairs, 4) if pairs else 0.0
    if check:
        report["verdicts_compared"], report["verdicts_different"] = checked
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[1000])
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    parser.add_argument("--check", action="store_true",
                        help="compare every batched rewrite verdict with verify_pair's")
    args = parser.parse_args(argv)
    rows = []
    for size in args.docs:
        row = measure(size, DedupConfig(), args.check)
        rows.append(row)
        print(f"{size:>7,} planted: {row['documents']:,} documents, "
              f"index {row['index_seconds']} s, "
              f"phases {row['phases_seconds']} s; rewrite pairs {row['rewrite_pairs']:,} at "
              f"{row['rewrite_ms_per_pair']} ms ({row['rewrite_cpu_ms_per_pair']} ms CPU), "
              f"near pairs {row['near_pairs']:,} at {row['near_ms_per_pair']} ms; "
              f"with the profile stage {row['cpu_ms_per_pair_with_profiles']} ms CPU a pair")
        for stage, value in row["stages"].items():
            print(f"    {stage}: {value['seconds']} s ({value['cpu_seconds']} s CPU) "
                  f"for {value['items']:,}")
        if args.check:
            print(f"    verdicts compared: {row['verdicts_compared']:,}, different: "
                  f"{row['verdicts_different']}")
            if row["verdicts_different"]:
                print("batched and pair-by-pair verdicts differ", file=sys.stderr)
                return 1
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
