"""Peak memory and time of ``corpus build`` on one file made of a single very long paragraph.

A corpus of one seed file: a headline, then one paragraph of ``SIZE`` MiB (English-like
words, no line break) — the worst shape for the pipeline, since normalisation, language ID and
deduplication all work on a paragraph at a time. For each size the build runs in a fresh
subprocess (``python -m corpus.cli build``), and the script prints the file size, the child's
peak resident set size (``ru_maxrss``), the wall time and the ratio of the peak, less the peak of
building a one-kilobyte file, to the file size.

Run from the repository root::

    python benchmarks/bench_long_lines.py [--sizes 1,2,4,8]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = (
    "the", "minister", "said", "talks", "would", "resume", "next", "week", "after",
    "officials", "from", "both", "sides", "met", "in", "the", "capital", "to", "discuss",
    "trade", "energy", "prices", "and", "the", "border", "crossing", "which", "has", "been",
    "closed", "since", "spring", "according", "to", "people", "familiar", "with", "the",
    "matter",
)


def make_corpus(folder: Path, megabytes: float) -> Path:
    """One seed file whose second line is one paragraph of ``megabytes`` MB."""
    rng = random.Random(7)
    target = int(megabytes * 1024 * 1024)
    parts: list[str] = []
    size = 0
    while size < target:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 24))).capitalize()
        parts.append(sentence + ".")
        size += len(sentence) + 2
    corpus = folder / "corpus"
    corpus.mkdir()
    text = "Talks Resume in the Capital\n" + " ".join(parts) + "\n"
    (corpus / "001_0000000000000001.txt").write_text(text, encoding="utf-8")
    return corpus


def run_build(corpus: Path, store: Path, extra: list[str]) -> tuple[float, int, int, str]:
    """Build in a child process; returns (seconds, peak RSS in bytes, exit code, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "corpus.cli", "build", str(corpus), "--out", str(store),
         "--no-progress", *extra],
        capture_output=True, text=True, check=False,
    )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of the children is the largest any child reached: run sizes in rising order.
    scale = 1 if sys.platform == "darwin" else 1024
    return seconds, max(peak, before) * scale, done.returncode, done.stderr.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,2,4,8", help="paragraph sizes in MB, rising")
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    print(f"# {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs")
    print(f"{'size MiB':>8} {'peak RSS MiB':>12} {'seconds':>8} {'(peak-base)/size':>17}  exit")
    with tempfile.TemporaryDirectory() as work:
        base_dir = Path(work) / "base"
        base_dir.mkdir()
        _, base, _, _ = run_build(make_corpus(base_dir, 0.001), base_dir / "store", [])
        print(f"{0.001:>8} {base / 2**20:>12.0f} {'':>8} {'':>17}  (baseline)")
        for megabytes in sizes:
            folder = Path(work) / f"s{megabytes}"
            folder.mkdir()
            corpus = make_corpus(folder, megabytes)
            size = sum(p.stat().st_size for p in corpus.iterdir())
            seconds, peak, code, err = run_build(corpus, folder / "store", [])
            ratio = (peak - base) / size
            print(f"{size / 2**20:>8.1f} {peak / 2**20:>12.0f} {seconds:>8.1f} {ratio:>17.1f}  "
                  f"{code}{'  ' + err.splitlines()[-1] if code else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
