"""Where things are in a store and in a release, and how versions are named and ordered.

A *store* holds the releases of any number of datasets: ``STORE/NAME/vX.Y.Z/``. A *release* is a
folder laid out as a Hugging Face dataset repository::

    README.md                                   dataset card (YAML header + prose)
    manifest.json                               versions, settings, inputs, counts, fingerprint
    rejects.parquet                             input files that were not accepted, with why
    clusters.parquet                            duplicate clusters with measures and evidence
    report.html                                 the release's HTML report (``corpus.report``)
    data/default/train-00000-of-00001.parquet     deduplicated corpus (canonical + unique)
    data/duplicates/train-00000-of-00001.parquet  the documents dedup removed

Each accepted document's row is written once: the ``default`` config is ``data/default/``, the
``duplicates`` config ``data/duplicates/``, and the ``all`` config both folders (the kept rows,
then the removed ones, each in corpus order). Releases of format 1 held ``all`` in a folder of
its own, ``data/all/``, in corpus order (:func:`config_paths` reads both).

Folders whose names start with ``.`` inside ``STORE/NAME`` are work in progress of a build (or
left over by a killed one) and are never taken for releases. In a local store as in a remote one
(an fsspec URL, :mod:`corpus.publish.store`), a release exists when ``vX.Y.Z/manifest.json``
exists: it is the last file a build writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from corpus.errors import ConfigError

__all__ = [
    "CLUSTERS",
    "CONFIGS",
    "CONFIG_FOLDERS",
    "DATA_DIR",
    "FIRST_VERSION",
    "MANIFEST",
    "README",
    "REJECTS",
    "SPLIT",
    "Version",
    "check_name",
    "config_paths",
    "list_releases",
    "shard_name",
]

MANIFEST = "manifest.json"
README = "README.md"
REJECTS = "rejects.parquet"
CLUSTERS = "clusters.parquet"
DATA_DIR = "data"
SPLIT = "train"
#: The configs of a release, in the order the card lists them; the first is the default.
CONFIGS = ("default", "duplicates", "all")
#: The folders under ``data/`` that hold each config's rows, in the order they are read.
CONFIG_FOLDERS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "default": ("default",),
    "duplicates": ("duplicates",),
    "all": ("default", "duplicates"),
})


def config_paths(config: str, paths: Iterable[str]) -> list[str]:
    """The data files of ``config`` among a release's file ``paths`` (relative, as its
    manifest lists them), in the order the config reads them: folder by folder
    (:data:`CONFIG_FOLDERS`), each folder's shards by name. A release of format 1 keeps
    ``all`` in ``data/all/``; its files are the ``all`` config's there."""
    paths = sorted(paths)
    if config == "all":
        legacy = [p for p in paths if p.startswith(f"{DATA_DIR}/all/")]
        if legacy:
            return legacy
    return [p for folder in CONFIG_FOLDERS.get(config, ())
            for p in paths if p.startswith(f"{DATA_DIR}/{folder}/")]


#: Each part at most 18 digits: any larger number is no version (and Python's int() refuses
#: strings of more than 4,300 digits, which must not escape as a ValueError).
_VERSION_RE = re.compile(
    r"^v?(0|[1-9][0-9]{0,17})\.(0|[1-9][0-9]{0,17})\.(0|[1-9][0-9]{0,17})$"
)
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")


@dataclass(frozen=True, slots=True, order=True)
class Version:
    """A dataset version ``MAJOR.MINOR.PATCH``; ordered numerically, shown as ``vX.Y.Z``."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse ``"1.2.3"`` or ``"v1.2.3"``; raises :class:`ConfigError` for anything else."""
        match = _VERSION_RE.fullmatch(text.strip())
        if match is None:
            raise ConfigError(
                f"version {text[:60]!r} is not MAJOR.MINOR.PATCH (three numbers of at most 18 "
                "digits without leading zeros, optionally prefixed with 'v'): use e.g. '1.0.0' "
                "or 'v1.2.0'"
            )
        return cls(int(match[1]), int(match[2]), int(match[3]))

    def bump(self, part: str) -> Version:
        """The next version after a change of kind ``part`` ("major", "minor" or "patch")."""
        if part == "major":
            return Version(self.major + 1, 0, 0)
        if part == "minor":
            return Version(self.major, self.minor + 1, 0)
        if part == "patch":
            return Version(self.major, self.minor, self.patch + 1)
        raise ConfigError(f"version part {part!r} is not one of 'major', 'minor', 'patch'")

    @property
    def tag(self) -> str:
        """The folder name and Hub tag of this version: ``vX.Y.Z``."""
        return f"v{self}"

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


#: The version of the first release of a dataset.
FIRST_VERSION = Version(1, 0, 0)


def check_name(name: str) -> str:
    """Return ``name`` if it can name a dataset folder (and a Hub repo); else raise ConfigError."""
    if not _NAME_RE.fullmatch(name) or ".." in name:
        raise ConfigError(
            f"dataset name {name!r} is not usable as a folder and repository name: use 1-96 "
            "ASCII letters, digits, '.', '_' or '-', starting with a letter or digit (pass "
            "--name)"
        )
    return name


def list_releases(dataset_dir: Path) -> list[tuple[Version, Path]]:
    """The finished releases in ``STORE/NAME``, oldest first.

    A folder counts when it is named ``vX.Y.Z`` and holds a ``manifest.json`` (the last file a
    build writes before the folder is renamed into place).
    """
    if not dataset_dir.is_dir():
        return []
    found: list[tuple[Version, Path]] = []
    for child in dataset_dir.iterdir():
        if not child.name.startswith("v") or not child.is_dir():
            continue
        try:
            version = Version.parse(child.name)
        except ConfigError:
            continue
        if (child / MANIFEST).is_file():
            found.append((version, child))
    return sorted(found)


def shard_name(config: str, index: int, count: int, split: str = SPLIT) -> str:
    """The release-relative path of shard ``index`` of ``count``, e.g.
    ``data/default/train-00000-of-00001.parquet`` (the Hugging Face naming)."""
    return f"{DATA_DIR}/{config}/{split}-{index:05d}-of-{count:05d}.parquet"
