"""The diff step of an incremental rebuild: time and peak memory of comparing a release with the
next one when the rows' digests are known (as a build knows them), on a generated corpus of
which 1% of the files changed (as ``bench_build.py --incremental`` changes them).

The two releases are built once into ``--data`` (``diff-N/store``) and reused by later runs.
The diff runs in a fresh process, twice: once for the wall time and the growth of the peak
RSS above the RSS before it (Linux: ``/proc/self/clear_refs``), once under ``tracemalloc``
for the peak of the Python objects; the peak of pyarrow's memory pool is printed too.

Run::

    python benchmarks/bench_diff.py --docs 10000 --data DIR
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import _edit_one_percent, generate

_MEASURE = """
import sys, time, tracemalloc
import pyarrow as pa, pyarrow.parquet as pq
from corpus.publish.compare import diff
old, new, old_digests, new_digests = sys.argv[1:5]
digests = (pq.read_table(old_digests), pq.read_table(new_digests))
def rss(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field))
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")  # the peak RSS starts again from the current RSS
base = rss("VmRSS:")
start = time.perf_counter()
result = diff(old, new, digests=digests)
seconds = time.perf_counter() - start
peak = rss("VmHWM:") - base
arrow = pa.default_memory_pool().max_memory()
tracemalloc.start()
again = diff(old, new, digests=digests)
python = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
assert again == result
print(f"{seconds:.2f} s, peak RSS +{peak / 1024:.0f} MB, Python objects {python / 2**20:.1f} MB,"
      f" pyarrow pool {arrow / 2**20:.1f} MB; {len(result.added)} added, {len(result.removed)}"
      f" removed, {len(result.changed)} changed, {result.unchanged} unchanged,"
      f" {len(result.clusters_added)}/{len(result.clusters_removed)}/"
      f"{len(result.clusters_changed)} clusters added/removed/changed")
"""


def _digests(release: Path, dest: Path) -> None:
    """Write a digest of every row of ``release`` (id, digest) to ``dest``."""
    from corpus.publish.compare import _row_digest

    ids, digests = [], []
    for shard in sorted((release / "data").glob("*/*.parquet")):
        for batch in pq.ParquetFile(shard).iter_batches(batch_size=512):
            for row in batch.to_pylist():
                ids.append(row["id"])
                digests.append(_row_digest(row))
    pq.write_table(pa.table({"id": pa.array(ids, pa.string()),
                             "digest": pa.array(digests, pa.binary(16))}), dest)


def prepare(count: int, data: Path) -> list[str]:
    """Build the two releases (unless already built); the diff's arguments."""
    root = data / f"diff-{count}"
    done = root / ".complete"
    corpus, store = root / f"news-{count}", root / "store"
    if not done.exists():
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(generate(count, data / f"news-{count}"), corpus)
        build = [str(Path(sys.executable).with_name("corpus")), "build", str(corpus), "--out",
                 str(store)]
        subprocess.run(build, check=True, stdout=subprocess.DEVNULL)
        time.sleep(2.5)  # files changed in the 2 s after a build's hashing are read again
        _edit_one_percent(corpus)
        subprocess.run(build, check=True, stdout=subprocess.DEVNULL)
        old, new = sorted(p for p in (store / corpus.name).iterdir() if p.name.startswith("v"))
        _digests(old, root / "old-digests.parquet")
        _digests(new, root / "new-digests.parquet")
        done.write_text("")
    old, new = sorted(p for p in (store / corpus.name).iterdir() if p.name.startswith("v"))
    return [str(old), str(new), str(root / "old-digests.parquet"),
            str(root / "new-digests.parquet")]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp"))
                        / "corpus-bench")
    args = parser.parse_args(argv)
    arguments = prepare(args.docs, args.data)
    out = subprocess.run([sys.executable, "-c", _MEASURE, *arguments], check=True,
                         capture_output=True, text=True)
    print(f"{args.docs:,} documents, 1% of the files changed; diff: {out.stdout.strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
