"""The settings of a build: what goes into the card, how Parquet is cut, how the reader behaves.

:class:`BuildConfig` is frozen and checked when it is made, so a bad value fails before any file
is read. Its :meth:`~BuildConfig.settings` (plain JSON values) go into ``manifest.json`` and the
card, and their hash decides, with the data fingerprint, whether a rebuild changed anything.
The release's name, version and store are not settings: they say where a build goes, not what
it contains.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from corpus.dedup.config import DedupConfig
from corpus.errors import ConfigError
from corpus.text.normalize import NormalizeConfig

__all__ = ["BuildConfig", "jsonable", "settings_hash"]

MiB = 1 << 20
_LICENSE_RE = re.compile(r"^[a-z0-9][a-z0-9.+-]*$")


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON values: dataclasses become objects, enums their values, tuples lists.

    Used for configs (this one and the stage configs it carries), so the manifest records every
    setting with its name.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = [jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, frozenset | set) else items
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def settings_hash(settings: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``settings`` (sorted keys, no whitespace)."""
    canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _positive(name: str, value: int, minimum: int, hint: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{name}={value!r} must be an integer >= {minimum}: {hint}")


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildConfig:
    """Settings of :func:`corpus.build`.

    ``license`` goes into the card's YAML header as a Hub license id (``"other"`` until you set
    one, e.g. ``"cc-by-4.0"``); ``pretty_name`` titles the card (default: the dataset name).
    ``strict`` makes the first rejected file stop the build instead of being recorded.
    ``row_group_rows`` / ``row_group_bytes`` cut Parquet row groups (whichever limit comes first;
    bytes are Arrow in-memory bytes), ``shard_bytes`` starts a new shard once a file reaches
    that size on disk. ``normalize`` and ``dedup`` are the configurations of those stages.
    """

    license: str = "other"
    pretty_name: str = ""
    strict: bool = False
    row_group_rows: int = 10_000
    row_group_bytes: int = 64 * MiB
    shard_bytes: int = 500 * MiB
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)

    def __post_init__(self) -> None:
        for name, kind in (("normalize", NormalizeConfig), ("dedup", DedupConfig)):
            value = getattr(self, name)
            if not isinstance(value, kind):
                raise ConfigError(
                    f"BuildConfig.{name}={value!r} is not a {kind.__name__}: pass "
                    f"{name}=corpus.{kind.__name__}(...)"
                )
        if not isinstance(self.license, str) or not _LICENSE_RE.fullmatch(self.license):
            raise ConfigError(
                f"license={self.license!r} is not a Hub license id (lower-case letters, digits, "
                "'.', '+', '-'): use e.g. 'cc-by-4.0', 'mit', or 'other'"
            )
        if not isinstance(self.pretty_name, str) or "\n" in self.pretty_name:
            raise ConfigError(
                f"pretty_name={self.pretty_name!r} must be a one-line string (or '' to use the "
                "dataset name)"
            )
        _positive("row_group_rows", self.row_group_rows, 1,
                  "a row group needs at least one row; the default is 10000")
        _positive("row_group_bytes", self.row_group_bytes, 1,
                  "give the row-group size limit in bytes, e.g. 67108864 (64 MiB)")
        _positive("shard_bytes", self.shard_bytes, 1,
                  "give the shard size limit in bytes, e.g. 524288000 (500 MiB)")

    def settings(self) -> dict[str, Any]:
        """Every setting as plain JSON values, for ``manifest.json`` and the card."""
        result: dict[str, Any] = jsonable(self)
        return result
