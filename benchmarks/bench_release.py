"""Release writing: speed, size, and how many bytes a new version shares with the old one.

The point of content-defined chunking (CDC) in the release's Parquet files is that after a small
change of the corpus most bytes of the new version already exist in the old one, so a
content-addressed store (the Hugging Face Hub's Xet storage) uploads and stores only the
difference. This script measures that, side by side with what a user would otherwise write
Parquet with, in one run:

- ``corpus``: :class:`corpus.publish.parquet.ShardWriter`, as ``corpus build`` writes shards
  (declared schema, zstd, page index, CDC, row groups of 10,000 rows / 64 MiB);
- ``corpus, CDC off``: the same writer settings without CDC (what CDC itself buys);
- ``datasets``: ``datasets.Dataset.from_list(rows, features).to_parquet(path)`` (CDC on by
  default in datasets 5, row groups of about 100 MB);
- ``polars``: ``polars.DataFrame.write_parquet`` with its defaults (zstd, no CDC).

Three versions 2 are measured against the same version 1: **append** (2% new documents at the
end, as a news corpus grows), **sparse** (0.05% of the documents edited by one word, 0.05% removed,
0.05% new ones inserted between existing ones) and **dense** (the same at 1%, spread over the
whole corpus). Each file is cut into chunks the way Xet does it: FastCDC (pyfastcdc) with 64 KiB
average chunks (Xet: a gear hash with 64 KiB target chunks); a chunk of version 2 whose bytes
also occur as a chunk of version 1 need not be uploaded again. Reported: write throughput of
version 1 (documents/s, one core, from rows in memory), file size, and per scenario the bytes of
version 2 that are new (share of the file, and ratio to ``corpus``).

Run::

    python benchmarks/bench_release.py              # 20,000 documents (~2 minutes)
    python benchmarks/bench_release.py --docs 2000  # a quick look

Needs the ``bench`` extra (``pip install 'news-corpus[bench]'``: pyfastcdc) and polars (``dev``).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import platform
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import datasets
import polars as pl
import pyarrow as pa
from pyfastcdc import FastCDC

import corpus
from corpus.publish.parquet import ShardWriter
from corpus.schema import SCHEMA, features, to_row

WORDS = (
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "was", "with", "as", "by",
    "at", "from", "his", "her", "they", "government", "minister", "president", "talks",
    "sanctions", "border", "prisoners", "release", "policy", "economy", "market", "report",
    "official", "country", "city", "region", "power", "election", "court", "law", "police",
    "army", "war", "peace", "agreement", "meeting", "visit", "embassy", "diplomat", "opposition",
    "leader", "support", "pressure", "analysts", "relations", "western", "eastern", "capital",
    "village", "families", "workers", "prices", "exports", "banks",
)

Writer = Callable[[list[dict[str, Any]], Path], None]


def _paragraph(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _article(rng: random.Random, seq: int, doc_id: str) -> corpus.Document:
    headline = _paragraph(rng, 9)[:-1].title()
    body = [_paragraph(rng, rng.randint(35, 70)) for _ in range(rng.randint(8, 16))]
    data = "\n".join([headline, f"By {rng.choice(WORDS).title()} Writer", *body]).encode() + b"\n"
    doc = corpus.parse(data, f"{seq:06d}_{doc_id}.txt")
    return dataclasses.replace(
        doc, title=headline, text="\n\n".join(body), word_count=sum(len(p.split()) for p in body),
        paragraph_count=len(body), language="en", language_probability=0.99,
    )


def corpus_v1(count: int, seed: int) -> list[corpus.Document]:
    """Version 1: ``count`` articles, seq 0, 10, 20, ... (room for insertions), in corpus order."""
    rng = random.Random(seed)
    return [_article(rng, 10 * i, f"{rng.getrandbits(64):016x}") for i in range(count)]


def _edit(doc: corpus.Document, rng: random.Random) -> corpus.Document:
    lines = list(doc.lines)
    k = rng.randrange(2, len(lines))
    lines[k] = dataclasses.replace(lines[k], text=lines[k].text.replace(" the ", " a ", 1) + " ")
    raw = corpus.render(dataclasses.replace(doc, lines=tuple(lines)))
    return dataclasses.replace(doc, lines=tuple(lines), raw_sha256=hashlib.sha256(raw).hexdigest())


def version_2(v1: list[corpus.Document], scenario: str, seed: int) -> list[corpus.Document]:
    """Version 2 of ``v1`` under one of the scenarios of :data:`SCENARIOS`, in corpus order."""
    rng = random.Random(seed + 1)
    n = len(v1)
    if scenario == "append 2%":
        last = v1[-1].seq
        return v1 + [_article(rng, last + 10 * (i + 1), f"{rng.getrandbits(64):016x}")
                     for i in range(max(1, n // 50))]
    share = 0.0005 if scenario.startswith("sparse") else 0.01
    picks = rng.sample(range(n), 3 * max(1, round(n * share)))
    k = len(picks) // 3
    edited, removed, inserted_after = set(picks[:k]), set(picks[k:2 * k]), picks[2 * k:]
    out = [(_edit(d, rng) if i in edited else d) for i, d in enumerate(v1) if i not in removed]
    out += [_article(rng, v1[i].seq + 5, f"{rng.getrandbits(64):016x}") for i in inserted_after]
    return sorted(out, key=lambda d: (d.seq, d.id))


#: How version 2 differs from version 1.
SCENARIOS = (
    "append 2%",
    "sparse: 0.05% edited, removed, inserted",
    "dense: 1% edited, removed, inserted",
)


def write_corpus(rows: list[dict[str, Any]], path: Path, *, cdc: bool = True) -> None:
    """What ``corpus build`` does per config (one shard here: the limit is far above)."""
    if cdc:
        config = corpus.BuildConfig()  # the build's row groups, whatever their defaults become
        with ShardWriter(path, "all", SCHEMA, row_group_rows=config.row_group_rows,
                         row_group_bytes=config.row_group_bytes, shard_bytes=1 << 40) as writer:
            for row in rows:
                writer.write(row)
        return
    import pyarrow.parquet as pq

    out = path / "data.parquet"
    path.mkdir(parents=True, exist_ok=True)
    writer_no_cdc = pq.ParquetWriter(str(out), SCHEMA, compression="zstd", write_page_index=True)
    for start in range(0, len(rows), 10_000):
        table = pa.Table.from_pylist(rows[start:start + 10_000], schema=SCHEMA)
        writer_no_cdc.write_table(table, row_group_size=table.num_rows)
    writer_no_cdc.close()


def write_datasets(rows: list[dict[str, Any]], path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    datasets.Dataset.from_list(rows, features=features()).to_parquet(str(path / "data.parquet"))


def write_polars(rows: list[dict[str, Any]], path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    pl.from_arrow(pa.Table.from_pylist(rows, schema=SCHEMA)).write_parquet(path / "data.parquet")


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.parquet") if p.is_file())


def _chunks(paths: Sequence[Path]) -> dict[bytes, int]:
    chunker = FastCDC(avg_size=64 * 1024)
    found: dict[bytes, int] = {}
    for path in paths:
        for chunk in chunker.cut_buf(path.read_bytes()):
            found[hashlib.blake2b(chunk.data, digest_size=16).digest()] = chunk.length
    return found


def measure(name: str, write: Writer, v1: list[dict[str, Any]],
            versions: dict[str, list[dict[str, Any]]], root: Path) -> dict[str, Any]:
    """Write v1 (timed) and each v2 with one writer; the share of each v2's bytes that is new."""
    start = time.perf_counter()
    write(v1, root / name / "v1")
    seconds = time.perf_counter() - start
    old = _chunks(_files(root / name / "v1"))
    result: dict[str, Any] = {
        "tool": name,
        "docs_per_s": len(v1) / seconds,
        "mb": sum(p.stat().st_size for p in _files(root / name / "v1")) / 1e6,
    }
    for index, (scenario, rows) in enumerate(versions.items()):
        folder = root / name / f"v2-{index}"
        write(rows, folder)
        chunks = _chunks(_files(folder))
        size = sum(p.stat().st_size for p in _files(folder))
        fresh = sum(length for digest, length in chunks.items() if digest not in old)
        result[scenario] = (fresh / 1e6, fresh / size)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    v1_docs = corpus_v1(args.docs, args.seed)
    v1 = [to_row(d) for d in v1_docs]
    versions = {s: [to_row(d) for d in version_2(v1_docs, s, args.seed)] for s in SCENARIOS}
    raw_mb = sum(len(corpus.render(d)) for d in v1_docs) / 1e6
    print(f"# {datetime.date.today()} · Python {platform.python_version()} · pyarrow "
          f"{pa.__version__} · datasets {datasets.__version__} · polars {pl.__version__}")
    print(f"# v1: {len(v1)} documents ({raw_mb:.1f} MB of text files); chunks: FastCDC, "
          "64 KiB average")
    writers: list[tuple[str, Writer]] = [
        ("corpus", write_corpus),
        ("corpus, CDC off", lambda rows, path: write_corpus(rows, path, cdc=False)),
        ("datasets.to_parquet", write_datasets),
        ("polars.write_parquet", write_polars),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        results = [measure(name, write, v1, versions, Path(tmp)) for name, write in writers]
    ours = results[0]
    print("| writer | docs/s (v1) | MB (v1) | "
          + " | ".join(f"new in v2, {s}" for s in SCENARIOS) + " |")
    print("| --- | ---: | ---: | " + " | ".join("---:" for _ in SCENARIOS) + " |")
    for r in results:
        cells = []
        for s in SCENARIOS:
            mb, share = r[s]
            ratio = mb / ours[s][0] if ours[s][0] else float("inf")
            cells.append(f"{mb:.1f} MB ({100 * share:.0f}%; {ratio:.1f}×)")
        print(f"| {r['tool']} | {r['docs_per_s']:,.0f} | {r['mb']:.1f} | " + " | ".join(cells)
              + " |")


if __name__ == "__main__":
    main()
