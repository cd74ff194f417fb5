"""Compare two releases: documents added, removed and changed, and duplicate clusters that moved.

Documents are matched by ``id``. A document is *changed* when any column of its row differs
(its original bytes, ``raw_sha256``, or anything derived from them: text, metadata, language,
cluster fields); :attr:`DocumentChange.fields` names the columns. Clusters are matched by their
canonical document: a cluster whose canonical document leads a cluster in both releases is
*changed* when its members or their relations differ, otherwise it is *added* or *removed*.

Memory: one compact entry per document of the old release (id, path, a 16-byte row digest),
plus the members of its clusters, and per-column digests for the changed documents only. The
releases' Parquet files are streamed in batches. When the rows' digests are known (a build
knows them), the ids, digests and the few columns clusters and paths need are held as Arrow
arrays, never as a Python object per row, and the changed rows are read a column at a time
from the row groups that hold them only; or, when the caller can look the changed rows up
(a build finds them in its cache), not read at all.

A release is compared only when it is whole: the data files its manifest lists must be there
with the sizes it records (:func:`damaged_file`, a stat per file); a damaged one is refused
with the file named, never compared as if the rows it lost had been removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus.errors import CorpusError, PublishError
from corpus.pipeline.progress import Progress, ProgressMode, ProgressSettings
from corpus.publish.layout import DATA_DIR, MANIFEST, config_paths
from corpus.publish.manifest import Manifest
from corpus.publish.store import is_local, is_url, read_manifest, store_error, url_to_fs
from corpus.records import SourceRef

__all__ = [
    "ClusterChange",
    "DamagedFile",
    "DocumentChange",
    "DocumentRef",
    "ReleaseDiff",
    "RowLookup",
    "damaged_error",
    "damaged_file",
    "diff",
    "row_json",
]

_BATCH = 512

#: Looks rows of a release up by id without reading the release (a build's cache): each row
#: as it was before deduplication (the dedup columns at their defaults; ``source`` may be
#: another copy's), for the ids it knows. A row is used only when it reproduces the release's
#: digest of that row before deduplication (the ``row_digest`` column of the digests), so a
#: wrong or stale answer costs a read, never a wrong diff.
RowLookup = Callable[[Sequence[str]], Mapping[str, Mapping[str, Any]]]

#: The dedup columns: what the release holds, not the looked-up row before deduplication.
_DEDUP_COLUMNS = ("cluster_id", "duplicate_of", "relation", "score")


def row_json(row: Mapping[str, Any]) -> bytes:
    """The canonical JSON bytes of a row (sorted keys, no whitespace): what digests hash."""
    return _json(row)


def _json(value: Any) -> bytes:
    """The canonical JSON bytes of any value (as :func:`row_json` writes it inside a row)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _row_digest(row: Mapping[str, Any]) -> bytes:
    """A digest of a row that two rows share exactly when they are equal (same columns in the
    same order): its pickle without the memo (so that equal values always give equal bytes,
    whatever objects they share), which is much cheaper than canonical JSON."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=5)
    pickler.fast = True  # no memo: the bytes depend on the values only
    pickler.dump(row)
    return _digest(out.getvalue())


@dataclass(frozen=True, slots=True, order=True)
class DocumentRef:
    """A document of a release: its id and its source path."""

    id: str
    path: str


@dataclass(frozen=True, slots=True, order=True)
class DocumentChange:
    """A document present in both releases whose row differs, with the columns that differ."""

    id: str
    path: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True, order=True)
class ClusterChange:
    """A duplicate cluster, keyed by its canonical document, before and after.

    ``before`` / ``after`` list ``(id, relation)`` for every member, canonical included, sorted
    by id; one of them is empty for a cluster that was added or removed.
    """

    canonical: str
    before: tuple[tuple[str, str], ...]
    after: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ReleaseDiff:
    """What changed from release ``old`` to release ``new`` (see :func:`diff`)."""

    old: str
    new: str
    schema_changed: bool
    added: tuple[DocumentRef, ...]
    removed: tuple[DocumentRef, ...]
    changed: tuple[DocumentChange, ...]
    clusters_added: tuple[ClusterChange, ...]
    clusters_removed: tuple[ClusterChange, ...]
    clusters_changed: tuple[ClusterChange, ...]
    unchanged: int
    #: Both releases have a manifest, and their settings differ (:func:`diff`).
    settings_changed: bool = False

    @property
    def kind(self) -> str:
        """The version part this difference bumps: ``major`` (schema), ``minor`` (documents
        added or removed), ``patch`` (anything else that differs, the settings included, as a
        build bumps them) or ``none``."""
        if self.schema_changed:
            return "major"
        if self.added or self.removed:
            return "minor"
        if (self.changed or self.clusters_added or self.clusters_removed
                or self.clusters_changed or self.settings_changed):
            return "patch"
        return "none"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values, as ``corpus diff --json`` prints them."""

        def cluster(c: ClusterChange) -> dict[str, Any]:
            return {
                "canonical": c.canonical,
                "before": [{"id": i, "relation": r} for i, r in c.before],
                "after": [{"id": i, "relation": r} for i, r in c.after],
            }

        return {
            "old": self.old,
            "new": self.new,
            "kind": self.kind,
            "schema_changed": self.schema_changed,
            "settings_changed": self.settings_changed,
            "added": [{"id": d.id, "path": d.path} for d in self.added],
            "removed": [{"id": d.id, "path": d.path} for d in self.removed],
            "changed": [{"id": c.id, "path": c.path, "fields": list(c.fields)}
                        for c in self.changed],
            "unchanged": self.unchanged,
            "clusters": {
                "added": [cluster(c) for c in self.clusters_added],
                "removed": [cluster(c) for c in self.clusters_removed],
                "changed": [cluster(c) for c in self.clusters_changed],
            },
        }


@dataclass(frozen=True, slots=True)
class _Shard:
    """A Parquet file of a release: a local path, or a path of an fsspec file system."""

    path: str
    fs: Any = None  # None: a local file

    @contextlib.contextmanager
    def open(self) -> Iterator[pq.ParquetFile]:
        if self.fs is None:
            yield pq.ParquetFile(self.path)
            return
        try:
            with self.fs.open(self.path, "rb") as handle:
                yield pq.ParquetFile(handle)
        except CorpusError:
            raise
        except Exception as exc:  # the back end's errors (an OSError, or its client's own)
            raise store_error(exc, f"cannot read {self.fs.unstrip_protocol(self.path)}") from None


@dataclass(frozen=True, slots=True)
class DamagedFile:
    """A file of a release that is not as its manifest records it: missing (``size`` is
    ``None``), or of another size (truncated, or replaced by other bytes)."""

    #: Where the file should be: the release's folder or URL, then the path its manifest lists.
    path: str
    #: The bytes the manifest records.
    expected: int
    #: The bytes found; ``None``: there is no such file.
    size: int | None = None

    def __str__(self) -> str:
        if self.size is None:
            return f"{self.path}: missing ({MANIFEST} records {self.expected} bytes)"
        return (f"{self.path}: {self.size} bytes, but {MANIFEST} records {self.expected} "
                "(truncated or replaced)")


def damaged_error(problem: object, version: str, refused: str) -> PublishError:
    """The one-line error of a command that refuses release ``version``: ``problem`` (a
    :class:`DamagedFile`, or the file and what is wrong with it), what the command does not
    do (``refused``: "cannot be compared", "is not loaded", ...) and how to repair it."""
    return PublishError(
        f"{problem}; release v{version} is damaged, so it {refused}: restore the file, or "
        "build the release again from the corpus it was built from (corpus build CORPUS --out "
        f"STORE --version {version} --overwrite)"
    )


def damaged_file(release: str | os.PathLike[str], manifest: Manifest,
                 config: str | None = None, *,
                 storage_options: Mapping[str, Any] | None = None) -> DamagedFile | None:
    """The first file ``manifest`` lists that ``release`` (a folder or an fsspec URL) does not
    hold with the size it records, or ``None`` when each is there: every file it lists, or
    only the data files of ``config`` (``"all"``: what :func:`diff` reads).

    One stat per file and nothing read, so a diff or an up-to-date check of a release of any
    size stays cheap; a file changed in place without a change of size passes. (An incremental
    build that takes rows from a release also checks their SHA-256:
    :meth:`corpus.pipeline.reuse.PreviousRelease.intact`.)
    """
    recorded = {f.path: f.bytes for f in manifest.files}
    paths = sorted(recorded) if config is None else config_paths(config, recorded)
    text = os.fspath(release)
    size: int | None
    if is_url(text):
        fs, root = url_to_fs(text, storage_options)
        base = str(root).rstrip("/")
        for path in paths:
            where = f"{text.rstrip('/')}/{path}"
            try:
                size = int(fs.size(f"{base}/{path}"))
            except FileNotFoundError:
                size = None
            except Exception as exc:  # the back end's errors (an OSError, or its client's own)
                raise store_error(exc, f"cannot check {where}") from None
            if size != recorded[path]:
                return DamagedFile(where, recorded[path], size)
        return None
    for path in paths:
        local = Path(text) / path
        try:
            size = local.stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            size = None
        if size != recorded[path]:
            return DamagedFile(str(local), recorded[path], size)
    return None


def _manifest(release: str, fs: Any, root: str,
              storage_options: Mapping[str, Any] | None) -> Manifest | None:
    """The manifest of ``release`` (a local folder when ``fs`` is None, else the folder
    ``root`` of ``fs``), or ``None`` when it has none."""
    if fs is None:
        return read_manifest(release) if (Path(release) / MANIFEST).is_file() else None
    try:
        present = bool(fs.isfile(f"{root}/{MANIFEST}"))
    except FileNotFoundError:
        present = False
    except Exception as exc:  # the back end's errors (an OSError, or its client's own)
        raise store_error(exc, f"{release}: cannot read its {MANIFEST}") from None
    return read_manifest(release, storage_options) if present else None


def _shards(release: str, storage_options: Mapping[str, Any] | None,
            check: bool = False) -> tuple[list[_Shard], Manifest | None]:
    """The data files of ``release``'s ``all`` config: ``data/default/`` and
    ``data/duplicates/`` (``data/all/`` in a release of format 1).

    With ``check``, a release with a manifest is held to it: its files are those it lists,
    and one missing or of another size (:func:`damaged_file`) raises :class:`PublishError`
    naming it. A folder without a manifest (bare data, or the release a build is making) is
    read as found."""
    fs: Any = None
    root = ""
    if is_url(release):
        fs, root = url_to_fs(release, storage_options)
        root = str(root).rstrip("/")
        if is_local(fs):
            fs, release = None, root
    if fs is not None:
        try:
            listed = fs.glob(f"{root}/{DATA_DIR}/*/*.parquet")
        except Exception as exc:  # the back end's errors (an OSError, or its client's own)
            raise store_error(exc, f"{release}: cannot list its shards") from None
        prefix = root + "/"
        found = [p[len(prefix):] if p.startswith(prefix) else p for p in map(str, listed)]
    else:
        local = Path(release)
        found = [p.relative_to(local).as_posix() for p in local.glob(f"{DATA_DIR}/*/*.parquet")]
    manifest = _manifest(release, fs, root, storage_options) if check else None
    if manifest is not None:
        damage = damaged_file(release, manifest, "all", storage_options=storage_options)
        if damage is not None:
            raise damaged_error(damage, manifest.version, "cannot be compared")
        found = [f.path for f in manifest.files]
    paths = config_paths("all", found)
    if not paths:
        raise PublishError(
            f"{release}: no Parquet shards under {DATA_DIR}/default/ or {DATA_DIR}/duplicates/; "
            "is it a release folder built by `corpus build`?"
        )
    if fs is not None:
        return [_Shard(f"{root}/{p}", fs) for p in paths], manifest
    return [_Shard(str(Path(release) / p)) for p in paths], manifest


def _schema(shards: list[_Shard]) -> pa.Schema:
    with shards[0].open() as parquet:
        return parquet.schema_arrow.remove_metadata()


def _rows(shards: list[_Shard], columns: list[str], ids: Iterable[str] | None = None
          ) -> Iterator[dict[str, Any]]:
    """The rows of ``shards`` (only those whose id is in ``ids`` when given)."""
    wanted = None if ids is None else pa.array(sorted(ids), pa.string())
    for shard in shards:
        with shard.open() as parquet:
            for batch in parquet.iter_batches(batch_size=_BATCH, columns=columns):
                if wanted is not None:
                    batch = batch.filter(pc.is_in(batch.column("id"), value_set=wanted))
                yield from batch.to_pylist()


def _path(row: Mapping[str, Any]) -> str:
    source = row.get("source")
    if isinstance(source, Mapping):
        path, member = str(source.get("path", "")), str(source.get("member", ""))
        return str(SourceRef(path, member))
    return ""


def _cluster_key(row: Mapping[str, Any]) -> str:
    relation = str(row.get("relation", "unique"))
    if relation == "unique":
        return ""
    return str(row.get("duplicate_of") or row["id"])


def _field_digests(row: Mapping[str, Any], columns: list[str]) -> dict[str, bytes]:
    return {name: _digest(row_json({name: row[name]})) for name in columns}


def _member(name: str, value: bytes) -> bytes:
    return json.dumps(name, ensure_ascii=False).encode() + b":" + value


def _pieces_row_json(pieces: Mapping[str, bytes]) -> bytes:
    """:func:`row_json` of a row whose values are given encoded (each value's :func:`_json`):
    the same bytes, from JSON encoded once per value."""
    return b"{" + b",".join(_member(name, pieces[name]) for name in sorted(pieces)) + b"}"


def diff(old: str | Path, new: str | Path, *,
         progress: bool | ProgressMode | ProgressSettings | None = False,
         storage_options: Mapping[str, Any] | None = None,
         digests: tuple[pa.Table, pa.Table] | None = None,
         rows: tuple[RowLookup, RowLookup] | None = None, check: bool = True) -> ReleaseDiff:
    """Compare release ``old`` with release ``new`` (the ``all`` config of each).

    Each is a release folder or the fsspec URL of a release in a remote store
    (``s3://bucket/releases/NAME/v1.0.0``, opened with ``storage_options``); the shards are
    streamed, never downloaded whole.

    Only the columns both releases have are compared; a schema difference is reported in
    :attr:`ReleaseDiff.schema_changed` (and makes :attr:`ReleaseDiff.kind` ``major``). Two
    releases whose manifests record different settings (read when ``check`` is on) are
    :attr:`ReleaseDiff.settings_changed`, at least a ``patch``, as the build versions them.
    Raises :class:`PublishError` if either folder has no ``all`` shards, or if either is a
    damaged release: a data file its manifest lists is missing or not of the size it records
    (``damaged_file`` in this module; the error names the file). A folder without a manifest
    is compared as found. ``check=False`` skips that check, for a caller that has just made it
    (a build, which holds the manifest already). ``progress`` reports the rows read on
    stderr: ``True`` a bar, ``None`` (or ``"auto"``) a bar when stderr is a terminal and a log
    line every 30 seconds otherwise, ``False`` nothing (see
    :class:`~corpus.pipeline.progress.ProgressSettings`).

    ``digests``: when the caller knows a digest of every row of both releases (``id`` and
    ``digest`` columns; equal digests exactly for equal rows, as a build keeps them), rows are
    compared by digest and only the changed ones are read whole. Same result, much less work.
    ``rows``: with ``digests`` that have a ``row_digest`` column, how to look the rows of the
    old and of the new release up (``RowLookup`` in this module); the changed rows found so are
    not read from the releases at all (their dedup columns excepted, which are read with the
    ids).
    """
    old_dir, new_dir = (os.fspath(x) if is_url(os.fspath(x)) else str(Path(x)) for x in (old, new))
    old_shards, old_manifest = _shards(old_dir, storage_options, check)
    new_shards, new_manifest = _shards(new_dir, storage_options, check)
    settings = ProgressSettings.of(progress)
    if digests is not None and _schema(old_shards).equals(_schema(new_shards)):
        total = digests[0].num_rows + digests[1].num_rows
        with Progress("diff", total, "row", settings) as bar:
            found = _diff_by_digest(old_dir, new_dir, old_shards, new_shards, *digests,
                                    rows=rows, advance=bar.update)
    else:
        total = _total(old_manifest, new_manifest, old_shards + new_shards, settings)
        with Progress("diff", total, "row", settings) as bar:
            found = _diff(old_dir, new_dir, old_shards, new_shards, bar.update)
    if (old_manifest is not None and new_manifest is not None
            and old_manifest.settings_hash != new_manifest.settings_hash):
        found = replace(found, settings_changed=True)
    return found


_LIGHT = ["id", "source", "relation", "duplicate_of"]
#: Read with the light columns when rows may be looked up: the rest of the dedup columns.
_MORE = ["cluster_id", "score"]


def _diff_by_digest(old_dir: str, new_dir: str, old_shards: list[_Shard],
                    new_shards: list[_Shard], old_digests: pa.Table, new_digests: pa.Table,
                    rows: tuple[RowLookup, RowLookup] | None = None,
                    advance: Callable[[int], None] = lambda count: None) -> ReleaseDiff:
    """:func:`_diff` for releases whose rows' digests are known: reads the light columns of
    every row and every column of the changed rows. ``advance`` is told the rows whose light
    columns were read, a row group at a time (the progress: reading them is most of the
    work).

    The ids, digests and light columns stay Arrow arrays; Python objects are made only for
    the rows added, removed or changed and for the members of clusters. The changed rows are
    read from the row groups that hold one of them only (see :func:`_changed_fields`), unless
    ``rows`` finds them (see :func:`_looked_up_fields`)."""
    columns = _schema(new_shards).names
    more = [c for c in _MORE if c in columns] if rows is not None else []
    old_light, new_light = _light(old_shards, more, advance), _light(new_shards, more, advance)
    for light, digests in ((old_light, old_digests), (new_light, new_digests)):
        if not _same_ids(light.column("id"), digests.column("id")):
            raise PublishError(f"the row digests given do not match {old_dir} and {new_dir}")
    old_ids = old_light.column("id").combine_chunks()
    new_ids = new_light.column("id").combine_chunks()
    # Each new row's position among the old digests (null: an added row).
    at = pc.index_in(new_digests.column("id"),
                     value_set=old_digests.column("id").combine_chunks())
    known = pc.is_valid(at)
    before = pc.take(old_digests.column("digest"), pc.drop_null(at))
    now = pc.filter(new_digests.column("digest"), known)
    same = pc.equal(before, now)
    unchanged = pc.sum(same).as_py() or 0
    changed_ids = pc.filter(pc.filter(new_digests.column("id"), known),
                            pc.invert(same)).combine_chunks()
    added = [DocumentRef(str(r["id"]), _path(r)) for r in
             new_light.filter(pc.invert(pc.is_in(new_ids, value_set=old_ids))).to_pylist()]
    removed = [DocumentRef(str(r["id"]), _path(r)) for r in
               old_light.filter(pc.invert(pc.is_in(old_ids, value_set=new_ids))).to_pylist()]
    changed: list[DocumentChange] = []
    if len(changed_ids):
        paths = {str(r["id"]): _path(r) for r in new_light.filter(
            pc.is_in(new_ids, value_set=changed_ids)).select(["id", "source"]).to_pylist()}
        wanted = [str(i) for i in changed_ids.to_pylist()]
        sides = []
        for k, (shards, light, digests) in enumerate(((old_shards, old_light, old_digests),
                                                      (new_shards, new_light, new_digests))):
            found = ({} if rows is None else
                     _looked_up_fields(rows[k], wanted, light, digests, columns))
            missing = [i for i in wanted if i not in found]
            if missing:
                found.update(_changed_fields(shards, light, columns,
                                             pa.array(missing, pa.string())))
            sides.append(found)
        old_fields, new_fields = sides
        for doc_id in wanted:
            fields = tuple(name for name in columns
                           if new_fields[doc_id][name] != old_fields[doc_id][name])
            changed.append(DocumentChange(doc_id, paths[doc_id], fields))
    return _result(old_dir, new_dir, False, added, removed, changed,
                   _clusters_of(_clustered(old_light)), _clusters_of(_clustered(new_light)),
                   unchanged)


def _light(shards: list[_Shard], more: Sequence[str] = (),
           advance: Callable[[int], None] = lambda count: None) -> pa.Table:
    """The light columns (and ``more``) of every row of ``shards``, with the shard and row
    group of each (``_shard``, ``_group``), as one Arrow table; ``advance`` is told the rows
    of each row group read."""
    tables = []
    for number, shard in enumerate(shards):
        with shard.open() as parquet:
            for group in range(parquet.num_row_groups):
                table = parquet.read_row_group(group, columns=[*_LIGHT, *more])
                size = table.num_rows
                advance(size)
                tables.append(table.append_column(
                    "_shard", pa.array(np.full(size, number, np.int32))).append_column(
                    "_group", pa.array(np.full(size, group, np.int32))))
    if not tables:
        return pa.table({"id": pa.array([], pa.string())})
    return pa.concat_tables(tables)


def _same_ids(ids: pa.ChunkedArray, digest_ids: pa.ChunkedArray) -> bool:
    """Whether a release's ids and its digests' ids are the same ids, each once."""
    return (len(ids) == len(digest_ids) == len(pc.unique(ids)) == len(pc.unique(digest_ids))
            and pc.sum(pc.is_in(ids, value_set=digest_ids.combine_chunks())).as_py() in
            (None, len(ids)))


def _looked_up_fields(lookup: RowLookup, ids: list[str], light: pa.Table, digests: pa.Table,
                      columns: list[str]) -> dict[str, dict[str, bytes]]:
    """The digest of each column of the rows ``lookup`` finds among ``ids``, for those whose
    row reproduces the release's digest of the row before deduplication (given the release's
    ``source``); the dedup columns' values are the release's own (from ``light``)."""
    if "row_digest" not in digests.column_names or not all(
            c in light.column_names for c in ("source", *_DEDUP_COLUMNS)):
        return {}
    found = lookup(ids)
    if not found:
        return {}
    chosen = pa.array(list(found), pa.string())
    expected = dict(zip(*(digests.filter(pc.is_in(digests.column("id"), value_set=chosen))
                          .select(["id", "row_digest"]).to_pydict().values()), strict=True))
    held = {row["id"]: row for row in light.filter(pc.is_in(light.column("id"), value_set=chosen))
            .select(["id", "source", *_DEDUP_COLUMNS]).to_pylist()}
    fields: dict[str, dict[str, bytes]] = {}
    for doc_id, looked_up in found.items():
        if doc_id not in held or doc_id not in expected:
            continue
        # Each value is encoded once, for the row's digest and for its own.
        pieces = {name: _json(value) for name, value in looked_up.items()
                  if name not in ("row_digest", "source")}
        pieces["source"] = _json(held[doc_id]["source"])
        if set(pieces) != set(columns) or _digest(_pieces_row_json(pieces)) != expected[doc_id]:
            continue  # not this release's row: read it
        pieces.update({name: _json(held[doc_id][name]) for name in _DEDUP_COLUMNS})
        fields[doc_id] = {name: _digest(b"{" + _member(name, pieces[name]) + b"}")
                          for name in columns}
    return fields


def _changed_fields(shards: list[_Shard], light: pa.Table, columns: list[str],
                    ids: pa.Array) -> dict[str, dict[str, bytes]]:
    """The digest of each column (as :func:`_field_digests` makes it) of the rows of
    ``shards`` whose id is in ``ids``. Only the row groups that hold one of them (as ``light``
    locates them) are read, one column at a time: a row group's text is never decoded with
    all its other columns."""
    where = light.filter(pc.is_in(light.column("id"), value_set=ids))
    groups = {(int(s), int(g)) for s, g in zip(where.column("_shard").to_numpy(),
                                                where.column("_group").to_numpy(), strict=True)}
    found: dict[str, dict[str, bytes]] = {}
    for number, shard in enumerate(shards):
        chosen = sorted(g for s, g in groups if s == number)
        if not chosen:
            continue
        with shard.open() as parquet:
            group_ids = parquet.read_row_groups(chosen, columns=["id"]).column("id")
            wanted = pc.is_in(group_ids, value_set=ids)
            row_ids = [str(i) for i in pc.filter(group_ids, wanted).to_pylist()]
            for name in columns:
                values: list[Any] = []
                start = 0
                for batch in parquet.iter_batches(batch_size=_BATCH, row_groups=chosen,
                                                  columns=[name]):
                    keep = wanted.slice(start, batch.num_rows)
                    start += batch.num_rows
                    values += batch.column(0).filter(keep).to_pylist()
                for doc_id, value in zip(row_ids, values, strict=True):
                    found.setdefault(doc_id, {})[name] = _digest(row_json({name: value}))
    return found


def _clustered(light: pa.Table) -> list[dict[str, Any]]:
    """The light rows that belong to a cluster (see :func:`_cluster_key`)."""
    if "relation" not in light.column_names:
        return []
    member = pc.fill_null(pc.not_equal(light.column("relation"), "unique"), True)
    rows: list[dict[str, Any]] = light.filter(member).select(
        ["id", "relation", "duplicate_of"]).to_pylist()
    return rows


def _clusters_of(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    clusters: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        key = _cluster_key(row)
        if key:
            clusters.setdefault(key, []).append((str(row["id"]), str(row["relation"])))
    return clusters


def _result(old_dir: str, new_dir: str, schema_changed: bool, added: list[DocumentRef],
            removed: list[DocumentRef], changed: list[DocumentChange],
            old_clusters: dict[str, list[tuple[str, str]]],
            new_clusters: dict[str, list[tuple[str, str]]], unchanged: int) -> ReleaseDiff:
    clusters_added, clusters_removed, clusters_changed = [], [], []
    for key in sorted(set(old_clusters) | set(new_clusters)):
        before_members = tuple(sorted(old_clusters.get(key, ())))
        after_members = tuple(sorted(new_clusters.get(key, ())))
        change = ClusterChange(key, before_members, after_members)
        if not before_members:
            clusters_added.append(change)
        elif not after_members:
            clusters_removed.append(change)
        elif before_members != after_members:
            clusters_changed.append(change)
    return ReleaseDiff(
        old=str(old_dir),
        new=str(new_dir),
        schema_changed=schema_changed,
        added=tuple(sorted(added)),
        removed=tuple(sorted(removed)),
        changed=tuple(sorted(changed)),
        clusters_added=tuple(clusters_added),
        clusters_removed=tuple(clusters_removed),
        clusters_changed=tuple(clusters_changed),
        unchanged=unchanged,
    )


def _total(old: Manifest | None, new: Manifest | None, shards: list[_Shard],
           settings: ProgressSettings) -> int | None:
    """The rows a diff will read, for its progress: from the two manifests when both are
    known, else from the shards' footers when a bar is shown (a read of each footer, which a
    remote store answers one request at a time: not for log lines, which do without)."""
    counts = [m.counts.rows.get("all") for m in (old, new) if m is not None]
    if len(counts) == 2 and None not in counts:
        return sum(c for c in counts if c is not None)
    if settings.shown_mode() != "bar":
        return None
    total = 0
    for shard in shards:
        with shard.open() as parquet:
            total += parquet.metadata.num_rows
    return total


def _diff(old_dir: str, new_dir: str, old_shards: list[_Shard], new_shards: list[_Shard],
          advance: Callable[[int], None]) -> ReleaseDiff:
    old_schema, new_schema = _schema(old_shards), _schema(new_shards)
    columns = [name for name in new_schema.names if name in set(old_schema.names)]
    if "id" not in columns:
        raise PublishError(f"{old_dir} and {new_dir} have no common 'id' column to match rows by")

    index: dict[str, tuple[bytes, str]] = {}
    old_clusters: dict[str, list[tuple[str, str]]] = {}
    for row in _rows(old_shards, columns):
        advance(1)
        doc_id = str(row["id"])
        index[doc_id] = (_row_digest(row), _path(row))
        key = _cluster_key(row)
        if key:
            old_clusters.setdefault(key, []).append((doc_id, str(row["relation"])))

    added: list[DocumentRef] = []
    changed_paths: dict[str, str] = {}
    unchanged = 0
    seen: set[str] = set()
    new_clusters: dict[str, list[tuple[str, str]]] = {}
    for row in _rows(new_shards, columns):
        advance(1)
        doc_id = str(row["id"])
        seen.add(doc_id)
        key = _cluster_key(row)
        if key:
            new_clusters.setdefault(key, []).append((doc_id, str(row["relation"])))
        before = index.get(doc_id)
        if before is None:
            added.append(DocumentRef(doc_id, _path(row)))
        elif before[0] != _row_digest(row):
            changed_paths[doc_id] = _path(row)
        else:
            unchanged += 1
    removed = [DocumentRef(i, path) for i, (_, path) in index.items() if i not in seen]
    del index, seen

    changed: list[DocumentChange] = []
    if changed_paths:
        old_digests = {
            str(row["id"]): _field_digests(row, columns)
            for row in _rows(old_shards, columns, changed_paths)
        }
        for row in _rows(new_shards, columns, changed_paths):
            doc_id = str(row["id"])
            if doc_id in old_digests:
                now = _field_digests(row, columns)
                fields = tuple(name for name in columns if now[name] != old_digests[doc_id][name])
                changed.append(DocumentChange(doc_id, changed_paths[doc_id], fields))

    return _result(old_dir, new_dir, not old_schema.equals(new_schema), added, removed,
                   changed, old_clusters, new_clusters, unchanged)
