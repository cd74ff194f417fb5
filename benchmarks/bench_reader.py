"""Benchmark the seed parser and the corpus reader (run on demand, not part of the test suite).

Two measurements, printed as a Markdown table each:

1. Parse time of single-line files of 1 to 16 MB (is it linear?), next to the floor any reader
   pays: ``bytes.decode("utf-8")`` plus ``str.splitlines()``.
2. Documents per second reading a generated corpus of article files (paragraphs drawn from
   the seeds) with ``corpus.read`` from a directory, .tar, .tar.gz and .zip, next to what a user
   would do instead: a plain Python loop (sorted glob, read, decode, splitlines; no checks, no
   roles) and ``datasets.load_dataset("text", sample_by="document")``.

Usage: python benchmarks/bench_reader.py [--docs N] [--repeat R]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from corpus import parse, read

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _best(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by other processes)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_long_lines(repeat: int) -> None:
    print("\n| single line | corpus.parse | decode + splitlines | ratio | parse time / previous |")
    print("|---|---|---|---|---|")
    previous = 0.0
    for megabytes in (1, 2, 4, 8, 16):
        data = ("Word, " * (megabytes * 1024 * 1024 // 6)).encode() + b"end."
        ours = _best(lambda data=data: parse(data, "000_0123456789abcdef.txt"), repeat)
        floor = _best(lambda data=data: data.decode("utf-8").splitlines(), repeat)
        growth = f"{ours / previous:.2f}x" if previous else "-"
        print(f"| {megabytes} MB | {ours * 1000:.1f} ms | {floor * 1000:.1f} ms "
              f"| {ours / floor:.1f}x | {growth} |")
        previous = ours


def _make_corpus(root: Path, docs: int) -> int:
    """Write ``docs`` articles of 8 to 40 seed paragraphs each; returns the total bytes."""
    paragraphs = [
        line for path in sorted(SEEDS.glob("*.txt"))
        for line in path.read_text("utf-8").splitlines() if len(line) > 80
    ]
    rng = random.Random(20251121)
    root.mkdir(parents=True)
    total = 0
    for k in range(docs):
        body = rng.sample(paragraphs, rng.randint(8, min(40, len(paragraphs))))
        data = ("A Generated Headline Number " + str(k) + "\nby Jane Doe\n"
                + "\n".join(body) + "\n").encode()
        (root / f"{k:05d}_{rng.getrandbits(64):016x}.txt").write_bytes(data)
        total += len(data)
    return total


def _plain_loop(root: Path) -> int:
    count = 0
    for path in sorted(root.rglob("*.txt")):
        path.read_bytes().decode("utf-8").splitlines()
        count += 1
    return count


def _hf_text(root: Path, cache: Path) -> int:
    import datasets

    datasets.disable_progress_bars()
    shutil.rmtree(cache, ignore_errors=True)
    files = sorted(str(p) for p in root.glob("*.txt"))
    dataset = datasets.load_dataset(
        "text", data_files=files, sample_by="document", split="train", cache_dir=str(cache)
    )
    return len(dataset)


def _corpus(source: Path) -> int:
    reader = read(source)
    for _ in reader:
        pass
    if reader.rejects:
        raise RuntimeError(f"unexpected rejects: {reader.rejects[:3]}")
    return reader.documents


def bench_corpus(docs: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = base / "corpus"
        total = _make_corpus(root, docs)
        with tarfile.open(base / "c.tar", "w") as tar:
            tar.add(root, arcname="corpus")
        with tarfile.open(base / "c.tar.gz", "w:gz") as tar:
            tar.add(root, arcname="corpus")
        with zipfile.ZipFile(base / "c.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.iterdir()):
                archive.write(path, f"corpus/{path.name}")
        print(f"\n{docs} files, {total / 1e6:.1f} MB, mean {total / docs / 1024:.1f} KB per file;"
              f" best of {repeat}\n")
        runs: list[tuple[str, Callable[[], int]]] = [
            ("plain loop: glob, read, decode, splitlines (no checks)", lambda: _plain_loop(root)),
            ("datasets.load_dataset('text', sample_by='document')",
             lambda: _hf_text(root, base / "hf-cache")),
            ("corpus.read(directory)", lambda: _corpus(root)),
            ("corpus.read(.tar)", lambda: _corpus(base / "c.tar")),
            ("corpus.read(.tar.gz)", lambda: _corpus(base / "c.tar.gz")),
            ("corpus.read(.zip)", lambda: _corpus(base / "c.zip")),
        ]
        results = {}
        for label, fn in runs:
            if fn() != docs:
                raise RuntimeError(f"{label} did not read {docs} documents")
            results[label] = _best(fn, repeat)
        plain = results[runs[0][0]]
        hf = results[runs[1][0]]
        print("| reader | docs/s | MB/s | time vs plain loop | time vs datasets text |")
        print("|---|---|---|---|---|")
        for label, seconds in results.items():
            print(f"| {label} | {docs / seconds:,.0f} | {total / seconds / 1e6:.1f} "
                  f"| {seconds / plain:.1f}x | {seconds / hf:.2f}x |")
        per_doc = statistics.mean([results[r[0]] for r in runs[2:]]) / docs * 1e6
        print(f"\ncorpus.read mean cost per document over the four forms: {per_doc:.0f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000, help="files in the generated corpus")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    args = parser.parse_args()
    bench_long_lines(args.repeat)
    bench_corpus(args.docs, args.repeat)


if __name__ == "__main__":
    main()
