"""Small release folders written with pyarrow, laid out as ``corpus build`` lays them out.

They let the Hub tests run without a full build: a dataset card with ``configs``, Parquet shards
of the kept documents (``data/default/``) and of the removed ones (``data/duplicates/``), which
the ``all`` config reads both, ``manifest.json`` and ``rejects.parquet``. ``default`` can be cut
into several shards, so a later version can drop a shard.
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
- config_name: duplicates
  data_files:
  - split: train
    path: data/duplicates/train-*.parquet
- config_name: all
  data_files:
  - split: train
    path:
    - data/default/train-*.parquet
    - data/duplicates/train-*.parquet
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
    default_shards: int = 1,
    rejects: Sequence[dict[str, object]] = (),
) -> Path:
    """Write ``STORE/NAME/vVERSION/`` from ``documents`` (rows of :data:`ROW_SCHEMA`).

    ``default`` keeps the documents whose ``relation`` is ``unique`` or ``canonical``, cut into
    ``default_shards`` shards; ``duplicates`` the others.
    """
    tag = f"v{version}"
    root = store / name / tag
    kept = [d for d in documents if d["relation"] in ("unique", "canonical")]
    removed = [d for d in documents if d["relation"] not in ("unique", "canonical")]
    per_shard = -(-len(kept) // default_shards)
    for index in range(default_shards):
        shard = kept[index * per_shard : (index + 1) * per_shard]
        path = root / f"data/default/train-{index:05d}-of-{default_shards:05d}.parquet"
        _write(path, shard, ROW_SCHEMA)
    _write(root / "data/duplicates/train-00000-of-00001.parquet", removed, ROW_SCHEMA)
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
    """Every row of a config of a local release: folder by folder (``all`` reads ``default``
    then ``duplicates``), shards in name order."""
    folders = ("default", "duplicates") if config == "all" else (config,)
    shards = [p for f in folders for p in sorted((release / "data" / f).glob("*.parquet"))]
    rows: list[dict[str, object]] = []
    for shard in shards:
        rows.extend(pq.read_table(shard).to_pylist())
    return rows
