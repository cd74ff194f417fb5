"""Small release folders written with pyarrow, laid out as ``corpus build`` lays them out.

They let the Hub tests run without a full build: a dataset card with ``configs``, Parquet shards
for the ``default`` and ``all`` configs, ``manifest.json`` and ``rejects.parquet``. ``all`` can be
cut into several shards, so a later version can drop a shard.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["ROW_SCHEMA", "make_release", "read_rows"]

ROW_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("relation", pa.string(), nullable=False),
    ]
)
_REJECTS_SCHEMA = pa.schema(
    [("path", pa.string()), ("line", pa.int64()), ("rule", pa.string()), ("message", pa.string())]
)

_CARD = """\
---
pretty_name: {name}
license: other
language:
- en
configs:
- config_name: default
  data_files:
  - split: train
    path: data/default/train-*.parquet
  default: true
- config_name: all
  data_files:
  - split: train
    path: data/all/train-*.parquet
---

# {name} {tag}

A test release with {n_default} deduplicated and {n_all} accepted documents.
"""


def _write(path: Path, rows: Sequence[dict[str, str]], schema: pa.Schema) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(list(rows), schema=schema)
    pq.write_table(table, path, compression="zstd")


def make_release(
    store: Path,
    version: str,
    documents: Sequence[dict[str, str]],
    *,
    name: str = "news",
    all_shards: int = 1,
    rejects: Sequence[dict[str, object]] = (),
) -> Path:
    """Write ``STORE/NAME/vVERSION/`` from ``documents`` (rows of :data:`ROW_SCHEMA`).

    ``default`` keeps the documents whose ``relation`` is ``unique`` or ``canonical``; ``all``
    keeps every document, cut into ``all_shards`` shards.
    """
    tag = f"v{version}"
    root = store / name / tag
    kept = [d for d in documents if d["relation"] in ("unique", "canonical")]
    _write(root / "data/default/train-00000-of-00001.parquet", kept, ROW_SCHEMA)
    per_shard = -(-len(documents) // all_shards)
    for index in range(all_shards):
        shard = documents[index * per_shard : (index + 1) * per_shard]
        path = root / f"data/all/train-{index:05d}-of-{all_shards:05d}.parquet"
        _write(path, shard, ROW_SCHEMA)
    _write(root / "rejects.parquet", list(rejects), _REJECTS_SCHEMA)  # type: ignore[arg-type]
    card = _CARD.format(name=name, tag=tag, n_default=len(kept), n_all=len(documents))
    (root / "README.md").write_text(card, encoding="utf-8")
    fingerprint = hashlib.sha256(
        json.dumps(list(documents), sort_keys=True).encode("utf-8")
    ).hexdigest()
    manifest = {"version": version, "fingerprint": fingerprint, "documents": len(documents)}
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return root


def read_rows(release: Path, config: str) -> list[dict[str, object]]:
    """Every row of a config of a local release, shards in name order."""
    shards = sorted((release / "data" / config).glob("*.parquet"))
    rows: list[dict[str, object]] = []
    for shard in shards:
        rows.extend(pq.read_table(shard).to_pylist())
    return rows
