"""Damaging a release as a disk or a careless hand would: shared by the tests of the commands
that must refuse one (diff, build, load)."""

from __future__ import annotations

from pathlib import Path

#: The data file of the ``default`` config of a small release (one shard).
SHARD = "data/default/train-00000-of-00001.parquet"


def damage(release: Path, how: str, path: str = SHARD) -> Path:
    """Delete the file ``path`` of ``release`` (``how="missing"``), or cut it to half its
    size (any other ``how``); the file's path."""
    target = release / path
    if how == "missing":
        target.unlink()
    else:
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    return target
