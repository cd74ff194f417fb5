"""Load a release as a ``datasets.Dataset`` with the declared features, and get records back.

:func:`load` takes a local release folder or a Hub repository id and reads it as
``datasets.load_dataset`` does (so the card's ``configs`` decide which files belong to a config,
exactly as for any user of the Hub), or the fsspec URL of a release in a remote store (then the
manifest's file list decides, read with the ``parquet`` builder); then it checks that the
features are the ones :data:`corpus.SCHEMA` declares. :func:`documents` turns the rows back into
:class:`~corpus.records.Document` records, streaming Arrow batches.

A config may have no rows (``duplicates`` of a corpus without duplicates, every config of an
empty corpus). ``datasets`` prepares such a split but will not read it back: its reader
skips every file with no rows to take, then refuses the empty list ("Instruction 'train'
corresponds to no data!", ``datasets.arrow_reader``), whatever the card declares. So
:func:`load` takes the steps of ``load_dataset`` one at a time (builder, prepare, read) and
makes an empty split an empty dataset with the prepared features instead of reading it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from corpus.errors import ConfigError, PublishError
from corpus.publish.compare import damaged_error, damaged_file
from corpus.publish.layout import CONFIGS, MANIFEST, SPLIT, config_paths
from corpus.publish.manifest import Manifest
from corpus.publish.store import is_local, is_url, read_manifest, url_to_fs
from corpus.records import Document
from corpus.schema import SCHEMA_VERSION, features, from_row

if TYPE_CHECKING:
    import datasets

__all__ = ["documents", "load"]

_BATCH = 256
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")


def _check_release(path: Path | str, config: str, revision: str | None,
                   storage_options: Mapping[str, Any] | None) -> Manifest:
    kind = "local folder" if isinstance(path, Path) else "release URL"
    if revision is not None:
        raise ConfigError(
            f"revision={revision!r} was given for the {kind} {path}; a release in a store is "
            "one version already: drop revision, or pass a Hub repo id to pick a tag"
        )
    if isinstance(path, Path):
        if not (path / MANIFEST).is_file():
            raise PublishError(
                f"{path} is not a release folder (it has no {MANIFEST}): pass a folder written "
                "by `corpus build`, such as releases/NAME/vX.Y.Z, or a Hub repo id"
            )
        manifest = Manifest.read(path)
    else:
        manifest = read_manifest(path, storage_options)
    if manifest.schema_version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise PublishError(
            f"{path} was written with schema {manifest.schema_version}; this corpus "
            f"library reads schema {SCHEMA_VERSION}: install the version that wrote it "
            f"(pip install 'news-corpus=={manifest.libraries.get('corpus', '')}') to read it, "
            "or rebuild the release"
        )
    if config not in CONFIGS:
        raise ConfigError(
            f"config={config!r} is not a config of a corpus release: use one of "
            f"{', '.join(repr(c) for c in CONFIGS)}"
        )
    # A stat per data file of the config: `datasets` serves a folder from the copy it prepared
    # before when its cache key is unchanged, and truncating a data file does not change it
    # (checked: datasets 5.2), so a damaged release would load from that copy unnoticed.
    damage = damaged_file(path, manifest, config, storage_options=storage_options)
    if damage is not None:
        raise damaged_error(damage, manifest.version, "is not loaded")
    return manifest


def _has_etags(fs: Any, urls: list[str]) -> bool:
    """True when the store reports an ETag for the first of ``urls`` (S3, GCS, Azure do)."""
    if not urls:
        return True
    try:
        info = fs.info(fs._strip_protocol(urls[0]))
    except OSError:
        return True  # datasets will report the missing file itself
    return any(str(key).lower() == "etag" for key in info)


def load(
    path_or_repo_id: str | os.PathLike[str],
    *,
    config: str = "default",
    revision: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> datasets.Dataset:
    """The ``train`` split of ``config`` of a release, with the features of :data:`corpus.SCHEMA`.

    ``path_or_repo_id`` is a release folder (``releases/seeds/v1.0.0``) or a Hub dataset repo id
    (``org/name``; ``revision`` is then a tag such as ``"v1.0.0"``, a branch or a commit, and
    the endpoint and token come from ``HF_ENDPOINT`` / ``HF_TOKEN`` as for ``datasets``).
    It may also be the fsspec URL of a release in a remote store
    (``s3://bucket/releases/NAME/v1.0.0``, opened with ``storage_options``, which ``datasets``
    gets too): the files its manifest lists for ``config`` are loaded with the ``parquet``
    builder. ``config`` is ``"default"`` (deduplicated), ``"duplicates"`` (the documents dedup
    removed) or ``"all"`` (both: the kept rows, then the removed ones; sort by ``id`` or
    ``source`` for another order). A config without rows (``duplicates`` when dedup removed
    nothing) gives an empty dataset with the same features. Raises
    :class:`~corpus.errors.PublishError` when loading fails or the features differ from the
    declared ones (after trying a lossless cast).
    """
    import datasets

    local = Path(path_or_repo_id)
    target = os.fspath(path_or_repo_id)
    remote = False
    if is_url(target):
        fs, root = url_to_fs(target, storage_options)
        remote = not is_local(fs)
        local = Path(root)
    builder, data_files, options, mode, cache_name = target, None, None, None, None
    if remote:
        manifest = _check_release(target, config, revision, storage_options)
        base = target.rstrip("/")
        data_files = {SPLIT: [f"{base}/{path}" for path in
                              config_paths(config, (f.path for f in manifest.files))]}
        if not data_files[SPLIT]:
            raise PublishError(f"{target} has no data files for config {config!r} (a release "
                               "of an earlier format; rebuild it with `corpus build`)")
        builder, options = "parquet", dict(storage_options or {})
        cache_name = f"corpus-{config}-{manifest.fingerprint[:16]}"
        if not _has_etags(fs, data_files[SPLIT]):
            # datasets caches a download by URL and ETag: without ETags a replaced release
            # (--overwrite) would be served from the cache, so such a store is read afresh.
            mode = "force_redownload"
    elif local.is_dir():
        _check_release(local, config, revision, None)
        target = builder = str(local.resolve())
    elif not _REPO_ID.fullmatch(target):
        raise PublishError(
            f"{target} is neither a release folder (no such directory) nor a Hub repo id "
            "('name' or 'org/name'): check the path, e.g. releases/NAME/vX.Y.Z"
        )
    try:
        if data_files is None:
            prepared = datasets.load_dataset_builder(builder, config, revision=revision)
        else:
            # The config name carries the content's fingerprint, so datasets keeps a replaced
            # release's prepared Arrow files apart from the new one's.
            prepared = datasets.load_dataset_builder(builder, name=cache_name,
                                                     data_files=data_files,
                                                     storage_options=options,
                                                     download_mode=mode)
        prepared.download_and_prepare(download_mode=mode, storage_options=options)
        loaded = _read_split(prepared)
    except (ValueError, FileNotFoundError, OSError) as exc:
        raise PublishError(
            f"cannot load config {config!r} of {target}"
            f"{f' at revision {revision!r}' if revision else ''}: {exc}"
        ) from exc
    if not isinstance(loaded, datasets.Dataset):
        raise PublishError(f"{target}: expected one split {SPLIT!r}, got {type(loaded).__name__}")
    expected = features()
    if loaded.features != expected:
        try:
            loaded = loaded.cast(expected)
        except (ValueError, TypeError, pa.ArrowInvalid) as exc:
            raise PublishError(
                f"{target} (config {config!r}) has features that do not match corpus.SCHEMA "
                f"(schema version {SCHEMA_VERSION}): {exc}"
            ) from exc
    return loaded


def _read_split(prepared: datasets.DatasetBuilder) -> Any:
    """The prepared :data:`SPLIT` of ``prepared``, read as ``load_dataset`` reads it. A split
    of no rows, which ``datasets`` refuses to read, is an empty dataset with the prepared
    features and info instead (so :func:`load` checks its features as any other's)."""
    import datasets
    from datasets.utils.info_utils import is_small_dataset

    info = prepared.info
    split = (info.splits or {}).get(SPLIT)
    if split is not None and split.num_examples == 0:
        info = info.copy()
        columns: dict[str, list[Any]] = {name: [] for name in info.features or {}}
        return datasets.Dataset.from_dict(columns, features=info.features, info=info,
                                          split=SPLIT)
    return prepared.as_dataset(split=SPLIT, in_memory=is_small_dataset(info.dataset_size))


def documents(dataset: datasets.Dataset | pa.Table) -> Iterator[Document]:
    """The :class:`Document` of every row of ``dataset`` (a ``datasets.Dataset`` or an Arrow
    table with the columns of :data:`corpus.SCHEMA`), in row order, a batch at a time."""
    batches: Any
    if isinstance(dataset, pa.Table):
        batches = dataset.to_batches(max_chunksize=_BATCH)
    else:
        batches = dataset.with_format("arrow").iter(batch_size=_BATCH)
    for batch in batches:
        for row in batch.to_pylist():
            yield from_row(row)
