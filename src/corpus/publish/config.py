"""The settings of a build: what goes into the card, how Parquet is cut, how the reader behaves.

:class:`BuildConfig` is frozen and checked when it is made, so a bad value fails before any file
is read. Its :meth:`~BuildConfig.settings` (plain JSON values) go into ``manifest.json`` and the
card, and their hash decides, with the data fingerprint, whether a rebuild changed anything.
The release's name, version and store are not settings: they say where a build goes, not what
it contains.
"""

from __future__ import annotations

import dataclasses
import difflib
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

__all__ = ["HUB_LICENSES", "BuildConfig", "jsonable", "settings_hash"]

MiB = 1 << 20

#: The license ids the Hugging Face Hub accepts in a card's ``license`` field (its documented
#: list, "Licenses" in the Hub documentation). ``other`` needs ``license_name`` and
#: ``license_link``; ``unknown`` says the rights were not established.
HUB_LICENSES = frozenset({
    "apache-2.0", "mit", "openrail", "bigscience-openrail-m", "creativeml-openrail-m",
    "bigscience-bloom-rail-1.0", "bigcode-openrail-m", "afl-3.0", "artistic-2.0", "bsl-1.0",
    "bsd", "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "c-uda", "cc", "cc0-1.0",
    "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0",
    "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0",
    "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0",
    "cdla-sharing-1.0", "cdla-permissive-1.0", "cdla-permissive-2.0", "wtfpl", "ecl-2.0",
    "epl-1.0", "epl-2.0", "etalab-2.0", "eupl-1.1", "eupl-1.2", "agpl-3.0", "gfdl", "gpl",
    "gpl-2.0", "gpl-3.0", "lgpl", "lgpl-2.1", "lgpl-3.0", "isc", "h-research", "intel-research",
    "lppl-1.3c", "ms-pl", "apple-ascl", "apple-amlr", "mpl-2.0", "odc-by", "odbl",
    "openrail++", "osl-3.0", "postgresql", "ofl-1.1", "ncsa", "unlicense", "zlib", "pddl",
    "lgpl-lr", "deepfloyd-if-license", "fair-noncommercial-research-license", "llama2",
    "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4", "gemma", "unknown", "other",
})
_LINK_RE = re.compile(r"^(https?://\S+|[^\s:]+)$")


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


#: The settings that decide a document's row and its dedup results: what the build's cache
#: keeps and what a new release takes from the previous one. The others (the license, the
#: title, row-group and shard sizes, strict mode) shape the card and the files, not the rows.
RESULT_SETTINGS = ("normalize", "dedup")


def results_hash(settings: Mapping[str, Any]) -> str:
    """:func:`settings_hash` of the :data:`RESULT_SETTINGS` of ``settings`` (a
    :meth:`BuildConfig.settings` value, or a manifest's ``settings``)."""
    return settings_hash({name: settings.get(name) for name in RESULT_SETTINGS})


def _positive(name: str, value: int, minimum: int, hint: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{name}={value!r} must be an integer >= {minimum}: {hint}")


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildConfig:
    """Settings of :func:`corpus.build`.

    ``license`` goes into the card's YAML header: one of the Hub's license ids
    (:data:`HUB_LICENSES`, e.g. ``"cc-by-4.0"``; ``"unknown"`` until you set one, since the
    rights in a news corpus are the publishers'). ``"other"`` is a license the Hub does not
    list: give its name in ``license_name`` (a lower-case id such as ``"news-agency-terms"``)
    and where to read it in ``license_link`` (a URL, or a file of the dataset repo such as
    ``"LICENSE.md"``); both stay empty otherwise. ``pretty_name`` titles the card (default: the
    dataset name).
    ``strict`` makes the first rejected file stop the build instead of being recorded.
    ``shard_documents`` cuts the corpus, in corpus order, into ranges of that many documents
    that the write stage writes as tasks of their own (in parallel, on any executor): each
    range's kept documents make one file of ``default``, its others one of ``duplicates``.
    ``row_group_rows`` / ``row_group_bytes`` cut Parquet row groups (whichever limit comes first;
    bytes are Arrow in-memory bytes), ``shard_bytes`` starts a new shard once a file reaches
    that size on disk. ``normalize`` and ``dedup`` are the configurations of those stages.
    """

    license: str = "unknown"
    license_name: str = ""
    license_link: str = ""
    pretty_name: str = ""
    strict: bool = False
    shard_documents: int = 10_000
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
        self._check_license()
        if not isinstance(self.pretty_name, str) or "\n" in self.pretty_name:
            raise ConfigError(
                f"pretty_name={self.pretty_name!r} must be a one-line string (or '' to use the "
                "dataset name)"
            )
        _positive("shard_documents", self.shard_documents, 1,
                  "give the documents each file of a config covers, e.g. 10000")
        _positive("row_group_rows", self.row_group_rows, 1,
                  "a row group needs at least one row; the default is 10000")
        _positive("row_group_bytes", self.row_group_bytes, 1,
                  "give the row-group size limit in bytes, e.g. 67108864 (64 MiB)")
        _positive("shard_bytes", self.shard_bytes, 1,
                  "give the shard size limit in bytes, e.g. 524288000 (500 MiB)")

    def _check_license(self) -> None:
        if not isinstance(self.license, str) or self.license not in HUB_LICENSES:
            close = difflib.get_close_matches(str(self.license).lower(), HUB_LICENSES, n=3)
            hint = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
            raise ConfigError(
                f"license={self.license!r} is not a Hub license id: {hint}use one of the Hub's "
                "ids, e.g. 'cc-by-4.0', 'mit' or 'unknown', or 'other' with license_name and "
                "license_link"
            )
        for name in ("license_name", "license_link"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise ConfigError(f"{name}={value!r} must be a string")
            if self.license != "other" and value:
                raise ConfigError(
                    f"{name}={value!r} is only for license='other', and license is "
                    f"{self.license!r}: drop {name}, or set license='other'"
                )
        if self.license != "other":
            return
        if not re.fullmatch(r"[a-z0-9][a-z0-9.+-]*", self.license_name):
            raise ConfigError(
                f"license='other' needs license_name, a lower-case id of the license (letters, "
                f"digits, '.', '+', '-'), e.g. 'news-agency-terms'; got {self.license_name!r}"
            )
        if not _LINK_RE.match(self.license_link):
            raise ConfigError(
                f"license='other' needs license_link, where the license text is: an http(s) URL "
                f"or a file of the dataset repo such as 'LICENSE.md'; got {self.license_link!r}"
            )

    def settings(self) -> dict[str, Any]:
        """Every setting as plain JSON values, for ``manifest.json`` and the card."""
        result: dict[str, Any] = jsonable(self)
        return result
