"""What encoding a release's rows costs, by Parquet writer setting: CPU seconds per 100,000
rows and the file's size, in one thread.

A rebuild encodes every row again (a 1% change falls in every row group), so the write stage's
floor is this encoding. The rows are the first row groups of an existing release's first data
file (a build of ``bench_build.py``'s corpus, say); each setting differs from the release's
own in one respect.

With ``--layouts``, every row of the release (kept and removed ones) is encoded in two release
layouts with the release's settings: format 1's, where the ``default`` config held the rows
dedup keeps and ``all`` every row again, and today's, where ``all`` is declared as the
``default`` files plus the ``duplicates`` files of the removed rows (each row encoded once).

Run::

    python benchmarks/bench_encode.py STORE/news-100000/v1.0.0 --groups 4 --repeat 3
    python benchmarks/bench_encode.py STORE/news-100000/v1.1.0 --layouts --repeat 2   # every row
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus.records import Relation

#: The release's writer settings (``corpus.publish.parquet.parquet_writer``).
RELEASE: dict[str, Any] = {
    "compression": "zstd", "write_statistics": True, "write_page_index": True,
    "use_content_defined_chunking": True, "store_schema": True,
}

VARIANTS: list[tuple[str, dict[str, Any], list[str] | None]] = [
    ("the release's", {}, None),
    ("no compression", {"compression": "none"}, None),
    ("no content-defined chunking", {"use_content_defined_chunking": False}, None),
    ("no dictionary", {"use_dictionary": False}, None),
    ("no statistics or page index", {"write_statistics": False, "write_page_index": False},
     None),
    ("zstd level -1", {"compression_level": -1}, None),
]
_PLAIN = {"use_dictionary": False, "write_statistics": False,
          "use_content_defined_chunking": False}
for _codec in ("zstd", "lz4", "snappy", "none"):
    VARIANTS.append((f"text column, {_codec}", {**_PLAIN, "compression": _codec}, ["text"]))


def encode(groups: Sequence[pa.Table], settings: dict[str, Any]) -> tuple[float, int]:
    """CPU seconds and bytes of writing ``groups`` (a row group each) to memory."""
    sink = pa.BufferOutputStream()
    start = time.process_time()
    writer = pq.ParquetWriter(sink, groups[0].schema, **{**RELEASE, **settings})
    for group in groups:
        writer.write_table(group, row_group_size=group.num_rows)
    writer.close()
    seconds = time.process_time() - start
    return seconds, len(sink.getvalue())


#: The relations of the rows a release's ``default`` config keeps.
KEPT = pa.array([Relation.UNIQUE.value, Relation.CANONICAL.value])


def layouts(rows: pa.Table, group_rows: int, repeat: int) -> None:
    """CPU seconds and bytes of ``rows`` written as format 1 stored them (``default`` and
    ``all``: each kept row twice) against each row written once (``default`` and
    ``duplicates``, today), in row groups of ``group_rows``."""
    kept_mask = pc.is_in(rows.column("relation"), value_set=KEPT)
    kept, removed = rows.filter(kept_mask), rows.filter(pc.invert(kept_mask))

    def groups(table: pa.Table) -> list[pa.Table]:
        return [table.slice(k, group_rows) for k in range(0, table.num_rows, group_rows)]

    print(f"{rows.num_rows:,} rows: {kept.num_rows:,} kept, {removed.num_rows:,} removed; "
          f"row groups of {group_rows:,}; CPU seconds, one thread, fastest of {repeat}")
    for name, parts in (("default + all (format 1)", (kept, rows)),
                        ("default + duplicates", (kept, removed))):
        best: tuple[float, int] | None = None
        for _ in range(repeat):
            done = [encode(groups(part), {}) for part in parts if part.num_rows]
            total = (sum(d[0] for d in done), sum(d[1] for d in done))
            best = total if best is None or total[0] < best[0] else best
        assert best is not None
        print(f"{name:24s} {best[0]:6.2f} s  {best[1] / 1e6:7.1f} MB")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("release", type=Path,
                        help="a release folder (holds data/default/ and data/duplicates/)")
    parser.add_argument("--groups", type=int, default=4,
                        help="row groups to encode (with --layouts: every row is)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each setting, interleaved; the fastest is reported (the "
                             "machine's speed moves within a minute)")
    parser.add_argument("--layouts", action="store_true",
                        help="compare each row written once with format 1's two configs")
    args = parser.parse_args(argv)
    shards = sorted((args.release / "data").glob("*/*.parquet"))
    shard = shards[0]
    source = pq.ParquetFile(shard)
    if args.layouts:
        layouts(pa.concat_tables([pq.read_table(s) for s in shards]),
                source.metadata.row_group(0).num_rows, args.repeat)
        return 0
    count = min(args.groups, source.metadata.num_row_groups)
    tables = [source.read_row_group(i) for i in range(count)]
    rows = sum(t.num_rows for t in tables)
    print(f"{rows:,} rows of {shard.name}; CPU seconds per 100,000 rows, one thread, "
          f"fastest of {args.repeat}")
    best: dict[str, tuple[float, int]] = {}
    for _ in range(args.repeat):
        for name, settings, columns in VARIANTS:
            chosen = [t.select(columns) for t in tables] if columns else tables
            seconds, size = encode(chosen, settings)
            best[name] = min(best.get(name, (seconds, size)), (seconds, size))
    for name, (seconds, size) in best.items():
        print(f"{name:32s} {seconds / rows * 1e5:6.2f} s  {size / 1e6 * 1e5 / rows:7.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
