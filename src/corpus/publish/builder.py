"""Build a release: read → normalise → deduplicate → write, deterministic and atomic.

The pipeline streams. Pass 1 reads the corpus, normalises each document and spills it to a
work file (Parquet, in the release's temporary folder), keeping only one compact entry per
input file for the manifest. Deduplication indexes the spilled documents (it may read them
twice) and returns a stage that annotates them; pass 2 streams them through it into the
shards of the ``all`` config and, for unique and canonical documents, of ``default``. Memory is
bounded by a row group per writer plus the dedup index, whatever the corpus size.

Determinism: documents come in corpus order (by seq, then id); paths are stored relative to
the corpus root; Parquet and ``manifest.json`` hold no timestamps; so the same inputs, settings
and version give byte-identical files.

Atomicity: everything is written into ``STORE/NAME/.build-*`` and renamed to
``STORE/NAME/vX.Y.Z`` only when complete (files fsynced first); any exception, Ctrl-C
included, removes the temporary folder. A build killed outright (SIGKILL, power loss) leaves at
most a ``.build-*`` folder, which is never taken for a release and is removed by the next build
on the same host once its process is gone.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import multiprocessing
import os
import shlex
import shutil
import socket
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus._meta import DISTRIBUTION
from corpus.errors import ConfigError, FormatError, PublishError, Reject
from corpus.format.parser import FORMAT_VERSION
from corpus.pipeline.build import BuiltData, Stages, run_build, same_bytes, scan_inputs
from corpus.pipeline.cache import CACHE_FORMAT, Cache, namespace_of
from corpus.pipeline.executor import (
    Engine,
    Executor,
    ProcessExecutor,
    default_engine,
    make_executor,
    start_fork_server,
    wants_workers,
)
from corpus.pipeline.progress import Progress, ProgressMode, ProgressSettings
from corpus.pipeline.reuse import PreviousRelease, previous_release
from corpus.pipeline.stages import WORK_SCHEMA, cache_key
from corpus.publish.card import render_card
from corpus.publish.compare import DamagedFile, ReleaseDiff, RowLookup, damaged_file, diff
from corpus.publish.config import BuildConfig, results_hash, settings_hash
from corpus.publish.layout import (
    FIRST_VERSION,
    MANIFEST,
    README,
    REJECTS,
    Version,
    check_name,
    list_releases,
)
from corpus.publish.manifest import FORMAT_VERSION as RELEASE_FORMAT_VERSION
from corpus.publish.manifest import ChangelogEntry, InputFile, InputFiles, Manifest
from corpus.publish.parquet import WrittenFile
from corpus.publish.store import (
    ReleaseExistsError,
    RemoteStore,
    default_cache_dir,
    is_local,
    is_url,
    open_store,
    read_manifest,
    url_to_fs,
)
from corpus.reader import Listing, scan
from corpus.records import Document, SourceRef
from corpus.report.page import REPORT, PreparedReport, finish_report, prepare_report
from corpus.schema import SCHEMA_VERSION, reject_to_row, schema_description

__all__ = ["BuildReport", "ReleaseExistsError", "build", "default_name"]

Status = Literal["built", "overwritten", "up-to-date"]

_TMP_PREFIX = ".build-"
#: Where incremental builds keep their caches: ``STORE/.cache/NAME/``.
_CACHE_DIR = ".cache"
#: Where ``--overwrite`` sets the old release aside between its two renames.
_OLD_PREFIX = f"{_TMP_PREFIX}old-"
_ARCHIVE_SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tbz2", ".txz", ".tar", ".zip")
_SEPARATORS = tuple(dict.fromkeys(("/", os.sep)))
_LIBRARIES = ("corpus", "pyarrow", "datasets", "huggingface_hub", "ftfy", "langdetect", "numpy")


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What :func:`build` did: the release it wrote (or found up to date) and its manifest.

    ``status`` is ``"built"`` (a new version), ``"overwritten"`` (an existing version replaced
    on request) or ``"up-to-date"`` (the release already holds exactly this content; nothing
    was written). ``diff`` compares with ``previous``, the release this one follows.
    """

    status: Status
    name: str
    version: Version
    #: Where the release is: its folder for a local store, its fsspec URL for a remote one
    #: (``s3://bucket/releases/NAME/v1.0.0``); :func:`corpus.load` takes either.
    url: str
    manifest: Manifest
    previous: Version | None = None
    diff: ReleaseDiff | None = None
    #: Wall seconds per pipeline stage of this build (empty when nothing was built).
    timings: Mapping[str, float] = field(default_factory=dict)

    @property
    def remote(self) -> bool:
        """True when the release is in a remote store (``url`` is an fsspec URL)."""
        return "://" in self.url or "::" in self.url

    @property
    def path(self) -> Path:
        """The release folder of a local store; raises :class:`PublishError` for a remote
        store, whose release has no local folder (use :attr:`url`)."""
        if self.remote:
            raise PublishError(
                f"release {self.version.tag} is in a remote store, at {self.url}: it has no "
                "local folder; use BuildReport.url (corpus.load and corpus.diff take it)"
            )
        return Path(self.url)

    def summary(self) -> list[str]:
        """The lines ``corpus build`` prints: where the release is and what is in it."""
        c = self.manifest.counts
        rules = ", ".join(f"{rule} {n}" for rule, n in c.rejects_by_rule.items())
        rows = ", ".join(f"{config} {n}" for config, n in c.rows.items())
        if self.status == "up-to-date":
            head = f"release {self.version.tag} is up to date: {self.url}"
        else:
            verb = "overwrote" if self.status == "overwritten" else "built"
            kind = self.manifest.changelog[-1].kind if self.manifest.changelog else ""
            since = f" ({kind} change after {self.previous.tag})" if self.previous else ""
            head = f"{verb} release {self.name} {self.version.tag}{since}: {self.url}"
        return [
            head,
            f"  files seen {c.files_seen}, documents {c.documents}, "
            f"rejects {c.rejects}{f' ({rules})' if rules else ''}, clusters {c.clusters}",
            f"  rows: {rows}",
        ]


def default_name(source: str | os.PathLike[str]) -> str:
    """The dataset name a source gives by default: its base name without archive suffixes
    (for a local path, the base name of its absolute form, so ``.`` names the folder)."""
    text = os.fspath(source)
    if "://" not in text and "::" not in text and os.path.basename(text.rstrip("/\\")) in (
            "", ".", ".."):
        text = os.path.abspath(text)
    text = text.rstrip("/\\")
    base = text.replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in _ARCHIVE_SUFFIXES:
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return base


def _local_path(source: str) -> str | None:
    """The local path ``source`` names: itself, or the path of a ``file://`` (``local://``)
    URL; ``None`` for any other URL."""
    if "://" not in source and "::" not in source:
        return source
    if "::" in source:
        return None
    try:
        fs, root = url_to_fs(source, None)
    except ConfigError:
        return None  # scan says what is wrong with it
    return root if is_local(fs) else None


def _library_versions() -> dict[str, str]:
    """Versions of everything that decides the bytes of a release: the libraries that write it
    or shape its text (ftfy, langdetect's profiles, numpy), Python's Unicode database, and
    this package's own files (``corpus source``: a checkout's code changes without its
    version number, and a cached result or an "up to date" release of other code would be
    stale)."""
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = package_version(DISTRIBUTION if name == "corpus" else name)
        except PackageNotFoundError:
            versions[name] = "unknown"
    versions["corpus source"] = _source_digest()
    versions["unicode"] = unicodedata.unidata_version
    return versions


@functools.cache
def _source_digest() -> str:
    """The first 16 hex digits of the SHA-256 of the ``corpus`` package's files (their paths
    and bytes; compiled ``__pycache__`` left out): the same for a wheel and a checkout of the
    same code, different after any edit. About 100 files, read once a process."""
    return _package_digest(Path(__file__).resolve().parent.parent)


def _package_digest(root: Path) -> str:
    """:func:`_source_digest` of the package folder ``root``."""
    digest = hashlib.sha256()
    files = sorted((p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                    and p.suffix not in (".pyc", ".pyo")), key=lambda p: p.relative_to(root).parts)
    for path in files:
        data = path.read_bytes()
        digest.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode("utf-8",
                                                                                  "surrogatepass"))
        digest.update(data)
    return digest.hexdigest()[:16]


class _Relativizer:
    """Rewrites paths under the corpus root as root-relative POSIX paths (the archive or single
    file itself becomes its base name), so releases do not depend on where the corpus lay."""

    def __init__(self, source: str) -> None:
        base = source.rstrip("/\\") or source
        # The listing names local files under the absolute path of the corpus (see build)
        self.prefixes = sorted({base, os.path.abspath(base), os.path.realpath(base)}
                               if "://" not in base else {base}, key=len, reverse=True)
        self.name = base.replace("\\", "/").rsplit("/", 1)[-1]
        self.base = base
        self.is_folder = "://" not in base and os.path.isdir(base)

    def path(self, path: str) -> str:
        for prefix in self.prefixes:
            if path == prefix:
                return self.name
            for sep in _SEPARATORS:
                if path.startswith(prefix + sep):
                    # Only the platform's separator becomes "/": on POSIX a backslash is part of
                    # a name (and of the escapes of names that are not UTF-8).
                    return path[len(prefix) + 1:].replace(os.sep, "/")
        return path

    def given(self, path: str) -> str:
        """``path`` (as :meth:`path` made it) as the corpus was given: under the folder, or the
        archive or file itself, so that an error names the file as ``corpus validate`` does."""
        head, bang, member = path.partition("!")
        if head == self.name and (bang or not self.is_folder):
            return self.base + bang + member
        if self.is_folder and "://" not in head and not os.path.isabs(head):
            return f"{self.base}/{head}{bang}{member}"
        return path

    def text(self, message: str) -> str:
        for prefix in self.prefixes:
            for sep in _SEPARATORS:
                message = message.replace(prefix + sep, "")
        return message

    def document(self, doc: Document) -> Document:
        path = self.path(doc.source.path)
        if path == doc.source.path:
            return doc
        return replace(doc, source=SourceRef(path=path, member=doc.source.member))

    def reject(self, reject: Reject) -> Reject:
        path, bang, member = reject.path.partition("!")
        return replace(reject, path=self.path(path) + bang + member,
                       message=self.text(reject.message))


def _cache_namespace(config: BuildConfig) -> str:
    """What cached per-document results depend on: versions (this package's files included),
    schema and the settings of the rows and of dedup (:func:`results_hash`: a new license or
    title keeps the cache)."""
    return namespace_of({
        "libraries": _library_versions(), "schema": SCHEMA_VERSION, "format": FORMAT_VERSION,
        "settings": results_hash(config.settings()), "entries": CACHE_FORMAT,
    })


def _unchanged_inputs(listing: Listing, rel: _Relativizer, config: BuildConfig,
                      manifest: Manifest, stages: Stages, cache: Cache | None = None,
                      hashed: list[tuple[str, ...]] | None = None, release: str | None = None,
                      storage_options: Mapping[str, Any] | None = None) -> bool:
    """True when ``manifest`` was built from exactly these input files with these settings,
    this schema, this release format and these library versions: then the release is up to
    date without a build (a release of an earlier format is built again, in today's).

    The files are hashed, not parsed (the same path and the same bytes give the same
    document or reject), so an unchanged corpus costs one read and a changed one little more;
    a corpus that hashing cannot judge (archives, URLs, files refused on sight) is read and
    parsed instead. With the ``cache`` of earlier builds, files whose stat is unchanged since
    they were hashed are not read at all. ``hashed`` receives the digests found (see
    :func:`~corpus.pipeline.build.same_bytes`).

    Every reject whose bytes were read has their digest in the manifest, whatever holds it
    (a folder, an archive, a URL), so a rejected file whose bytes change is built again. A
    reject refused without reading (no digest) is decided by what the listing saw, not by
    the bytes: its reject row (message included: an oversized file's names its size) is
    compared with the ``release``'s ``rejects.parquet`` instead.
    """
    if (manifest.settings_hash != settings_hash(config.settings())
            or manifest.schema_version != SCHEMA_VERSION
            or manifest.format_version != RELEASE_FORMAT_VERSION
            or dict(manifest.libraries) != _library_versions()):
        return False
    if len(listing.entries) != len(manifest.inputs):
        return False
    if config.strict and any(i.status != "accepted" for i in manifest.inputs):
        return False
    same = same_bytes(listing, rel, manifest.inputs, stages, cache, hashed)
    if same is not None:
        return same
    seen, rejects = scan_inputs(listing, rel, stages)
    if config.strict and rejects:
        return False
    if seen != manifest.inputs:
        return False
    unread = any(i.status == "rejected" and not i.sha256 for i in seen)
    return not unread or (release is not None
                          and _same_rejects(release, rejects, storage_options))


def _same_rejects(release: str, rejects: Sequence[Reject],
                  storage_options: Mapping[str, Any] | None) -> bool:
    """Whether the ``rejects.parquet`` of ``release`` (a folder or an fsspec URL) holds exactly
    ``rejects``, in order. A file refused without reading has no digest in the manifest, yet
    its reject can change while its path and rule stay (an oversized file that grows: the
    message names its size); a release whose rejects cannot be read is not up to date (the
    build that follows finds out why)."""
    try:
        if is_url(release):
            fs, root = url_to_fs(release, storage_options)
            table = pq.read_table(f"{str(root).rstrip('/')}/{REJECTS}", filesystem=fs)
        else:
            table = pq.read_table(os.path.join(release, REJECTS))
        return bool(table.to_pylist() == [reject_to_row(r) for r in rejects])
    except Exception:  # missing, damaged, unreadable: the build decides
        return False


def _known_digests(cache: Cache | None, previous: Manifest, built: BuiltData
                   ) -> tuple[pa.Table, pa.Table] | None:
    """The row digests of the release of manifest ``previous`` (kept in the cache by the build
    that made it, under its fingerprint) and of the new release, or ``None`` when the cache
    lacks them."""
    if cache is None:
        return None
    fingerprint = previous.fingerprint.encode()
    known: pa.Table | None = cache.get("release", [fingerprint]).get(fingerprint)
    return None if known is None else (known, built.row_digests)


def _cached_rows(cache: Cache | None, previous: Manifest, built: BuiltData
                 ) -> tuple[RowLookup, RowLookup] | None:
    """How the diff finds the changed rows of the previous and of the new release in the cache
    (their documents' rows before deduplication, filed under their bytes' digest and file
    name), instead of decoding every row group that holds one: with changes spread over the
    corpus, that is every row group of both releases. The diff checks each row found against
    the release's digest of it."""
    if cache is None:
        return None
    return (partial(_rows_in_cache, cache, _inputs_table(previous.inputs)),
            partial(_rows_in_cache, cache, _inputs_table(built.inputs)))


def _inputs_table(inputs: Sequence[InputFile]) -> pa.Table:
    return (inputs if isinstance(inputs, InputFiles) else InputFiles.of(inputs)).table


def _rows_in_cache(cache: Cache, inputs: pa.Table, ids: Sequence[str]
                   ) -> dict[str, dict[str, Any]]:
    """The cached rows of the documents ``ids`` of a release whose input files are ``inputs``
    (a manifest's, :data:`~corpus.publish.manifest.INPUTS_SCHEMA`)."""
    chosen = inputs.filter(pc.and_(inputs.column("accepted"),
                                   pc.is_in(inputs.column("id"),
                                            value_set=pa.array(ids, pa.string()))))
    keys = {cache_key(row["sha256"], _input_name(row["path"].decode("utf-8", "surrogatepass"))):
            str(row["id"])
            for row in chosen.select(["path", "sha256", "id"]).to_pylist() if row["sha256"]}
    found = cache.get("row", list(keys))
    rows: dict[str, dict[str, Any]] = {}
    for key, data in found.items():
        batch = pa.ipc.read_record_batch(pa.py_buffer(data), WORK_SCHEMA)
        rows[keys[key]] = batch.to_pylist()[0]
    return rows


def _input_name(path: str) -> str:
    """A manifest input's file name (an archive member's own: ``archive.tar!dir/name``)."""
    return path.replace("\\", "/").rsplit("/", 1)[-1].rsplit("!", 1)[-1]


def _previous_rows(folder: str, manifest: Manifest, cache: Cache, config: BuildConfig
                   ) -> PreviousRelease | None:
    """The latest release as the source of the rows of cached documents (see
    :mod:`corpus.pipeline.reuse`), or ``None`` when it cannot be one."""
    fingerprint = manifest.fingerprint.encode()
    known: pa.Table | None = cache.get("release", [fingerprint]).get(fingerprint)
    return previous_release(folder, manifest, known, results=results_hash(config.settings()),
                            schema_version=SCHEMA_VERSION, libraries=_library_versions())


def _same_content(manifest: Manifest, built: BuiltData, settings_digest: str) -> bool:
    return (
        manifest.fingerprint == built.fingerprint
        and manifest.settings_hash == settings_digest
        and manifest.schema_version == SCHEMA_VERSION
        and manifest.format_version == RELEASE_FORMAT_VERSION
    )


def _drop_if_empty(folder: Path) -> None:
    """Remove ``folder`` if it is empty: the dataset folder a first build made, once that
    build has failed (a strict-mode reject, a missing extra), so no empty ``STORE/NAME/`` is
    left. While a build runs or after it succeeds the folder holds its staging folder or its
    release, and this does nothing."""
    with contextlib.suppress(OSError):  # not empty (or gone)
        folder.rmdir()


def _rebuild_command(source: str, store: str, name: str, version: Version) -> str:
    """The command line that builds release ``version`` of ``name`` in ``store`` again, in
    place, from the corpus ``source``."""
    words = ["corpus", "build", source, "--out", store]
    if name != default_name(source):
        words += ["--name", name]
    return shlex.join([*words, "--version", str(version), "--overwrite"])


def _damaged_error(version: Version, damage: DamagedFile, source: str, store: str, name: str,
                   *, follows: bool) -> PublishError:
    """The error for release ``version`` found damaged (``damage``): one line naming the file
    and the command that repairs it.

    A damaged release is never up to date, and never followed: this build either holds its
    content (``follows`` false: the same content, so building it again in place repairs it)
    or would compare with it for its changelog (``follows``: a diff with a release that lost
    rows would report them removed), so it stops before writing anything."""
    here = _rebuild_command(source, store, name, version)
    if not follows:
        return PublishError(
            f"{damage}; release {version.tag} is damaged (this build has the same content): "
            f"build it again in place, with the same settings: {here}"
        )
    again = shlex.join(["corpus", "build", "CORPUS", "--out", store, "--name", name,
                        "--version", str(version), "--overwrite"])
    return PublishError(
        f"{damage}; release {version.tag}, which this build follows (its changelog compares "
        f"with it), is damaged: build it again in place from the corpus it was built from "
        f"({again}), or replace it with this corpus ({here})"
    )


def _fsync_tree(root: Path, done: Set[Path] = frozenset()) -> None:
    """Flush every file under ``root`` but those in ``done``, then ``root`` itself."""
    _fsync_files(p for p in sorted(root.rglob("*")) if p not in done and p.is_file())
    _fsync_dir(root)


def _fsync_files(paths: Iterable[Path]) -> list[Path]:
    """Flush each file of ``paths`` to disk; the paths flushed."""
    flushed = []
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        flushed.append(path)
    return flushed


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform or file system can fsync a folder
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _owner_gone(host: str, pid: str) -> bool:
    """True when ``host-pid`` names a process of this host that no longer runs."""
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _recover_overwrite(dataset_dir: Path, old: Path) -> None:
    """Finish or undo an ``--overwrite`` killed between its two renames.

    ``old`` (``.build-old-vX.Y.Z-HOST-PID-HEX``) is the release the overwrite set aside. When
    ``vX.Y.Z`` exists the new release is in place and only the removal of ``old`` was left;
    otherwise the kill came between the renames and ``old`` is put back, so no version is lost.
    Folders of a build still running, or of another host, are left alone.
    """
    tag, _, owner = old.name[len(_OLD_PREFIX):].partition("-")
    parts = owner.rsplit("-", 2)
    if len(parts) == 3 and not _owner_gone(parts[0], parts[1]):
        return
    try:
        Version.parse(tag)
    except ConfigError:
        return
    final = dataset_dir / tag
    if final.exists():
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(old, final)
        _fsync_dir(dataset_dir)


def _remove_stale(dataset_dir: Path) -> None:
    """Delete temporary folders of killed builds on this host (their process is gone), and
    finish or undo the ``--overwrite`` of such a build (see :func:`_recover_overwrite`)."""
    host = socket.gethostname()
    for old in sorted(dataset_dir.glob(f"{_OLD_PREFIX}*")):
        _recover_overwrite(dataset_dir, old)
    for child in dataset_dir.glob(f"{_TMP_PREFIX}*"):
        if child.name.startswith(_OLD_PREFIX):
            continue
        parts = child.name[len(_TMP_PREFIX):].rsplit("-", 2)
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue
        try:
            os.kill(int(parts[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(child, ignore_errors=True)
        except OSError:
            continue


def _write_error(exc: OSError, dataset_dir: Path) -> PublishError:
    """The one-line error for a failed write: where, and the system's reason."""
    cause = exc.strerror or str(exc) or type(exc).__name__
    where = f" ({exc.filename})" if exc.filename else ""
    return PublishError(
        f"cannot write the release into {dataset_dir}{where}: {cause}; nothing was published "
        "(free some space, lift the limit or fix the folder's permissions, then build again)"
    )


def _move_into_place(tmp: Path, final: Path, overwrite: bool,
                     synced: Future[list[Path]] | None = None) -> None:
    """Flush ``tmp`` to disk (the files ``synced`` flushed already are not flushed again)
    and rename it to ``final``, replacing an earlier folder only when ``overwrite``."""
    _fsync_tree(tmp, set() if synced is None else set(synced.result()))
    if final.exists():
        if not overwrite:
            raise ReleaseExistsError(
                f"{final} appeared while this build ran (another build?); nothing was replaced"
            )
        owner = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        old = final.with_name(f"{_OLD_PREFIX}{final.name}-{owner}")
        os.replace(final, old)
        try:
            os.replace(tmp, final)
        except BaseException:
            os.replace(old, final)  # put the old release back: a failed overwrite loses nothing
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        try:
            os.replace(tmp, final)
        except OSError as exc:
            raise ReleaseExistsError(
                f"cannot move the new release into {final}: {exc.strerror or exc} (did another "
                "build create it meanwhile?)"
            ) from None
    _fsync_dir(final.parent)


#: A manifest read before the stages is kept for the end of the build (the version, the diff,
#: the history) when it lists at most this many inputs (as columns, about 130 bytes each);
#: a bigger one is read again rather than held through the stages (at 100,000 inputs reading
#: one takes 0.2–0.9 s).
_KEEP_MANIFEST_INPUTS = 250_000

#: From this many input files on, a build on worker processes prepares its report in a
#: process of its own, while it compares the release with the previous one and writes the card
#: and the manifest (at 100,000 files the report takes about a second, the comparison 0.7 s);
#: below, starting the process would cost more than it saves.
_REPORT_ELSEWHERE = 20_000


def _prepare_report(tmp: Path, files: tuple[WrittenFile, ...]) -> PreparedReport:
    return prepare_report(tmp, tmp / REPORT, files)


class _Report:
    """Writes the release's report in two steps: prepared (the release read, the details
    files written) as soon as the data files are, here and now or ``elsewhere``, in a process
    forked from the worker processes' fork server, while the build compares the release with
    the previous one; the page is written by :meth:`finish` with the manifest, whose version
    the comparison decides (:meth:`close` in any case)."""

    def __init__(self, tmp: Path, files: tuple[WrittenFile, ...], *, elsewhere: bool) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._done: Future[PreparedReport] | None = None
        self._prepared: PreparedReport | None = None
        if elsewhere and "forkserver" in multiprocessing.get_all_start_methods():
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("forkserver"))
            self._done = self._pool.submit(_prepare_report, tmp, files)
        else:
            self._prepared = _prepare_report(tmp, files)

    def finish(self, manifest: Manifest) -> None:
        """Write the page (once the report is prepared); raises what preparing it raised."""
        prepared = self._done.result() if self._done is not None else self._prepared
        assert prepared is not None
        finish_report(prepared, manifest)

    def close(self) -> None:
        """Wait for the report's process to end. Call it in any case: after a failure too,
        so that the temporary folder is deleted only once nothing writes into it."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


@contextlib.contextmanager
def _executor_for(executor: Executor | Engine | None, workers: int | None,
                  scheduler: str | None, files: int) -> Iterator[Executor]:
    """The executor a build asked for; one made here is closed when the build ends."""
    if executor is not None and not isinstance(executor, str):
        yield executor
        return
    engine: Engine = default_engine(files, workers, scheduler) if executor is None else executor
    made = make_executor(engine, workers, scheduler=scheduler)
    try:
        yield made
    finally:
        made.close()


def build(
    source: str | os.PathLike[str] = "seeds",
    store: str | os.PathLike[str] = "releases",
    *,
    name: str | None = None,
    version: str | Version | None = None,
    overwrite: bool = False,
    config: BuildConfig | None = None,
    progress: bool | ProgressMode | ProgressSettings | None = None,
    executor: Executor | Engine | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    work_dir: str | os.PathLike[str] | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> BuildReport:
    """Build the corpus at ``source`` into a release ``store/name/vX.Y.Z`` and describe it.

    ``name`` defaults to the base name of ``source`` (``seeds`` → ``releases/seeds/...``).
    Without ``version`` the next version is proposed from the latest release in the store:
    1.0.0 for the first; otherwise a schema change bumps the major part, documents added or
    removed the minor part, anything else the patch part; and when the latest release already
    holds exactly this content (same data fingerprint and settings) nothing is written and the
    report says ``"up-to-date"``. An explicit ``version`` that exists with other content raises
    :class:`ReleaseExistsError` unless ``overwrite`` is true.

    The dedup settings are ``config.dedup``: no settings file is read here (``corpus build``
    reads ``corpus.toml`` or ``[tool.corpus]``; ``corpus.settings_file.settings_for(source)``
    gives what it would read, docs/dedup.md, "Settings").

    A damaged release (a file its manifest lists missing, or not of the size it records:
    ``corpus.publish.compare.damaged_file``, a stat per file) is never up to date and
    never followed: when it holds this content, or is the release this one would follow (its
    changelog compares with it), :class:`~corpus.errors.PublishError` names the file and the
    command that builds it again in place. That is an explicit ``version`` with ``overwrite``,
    which rewrites a damaged release even when it holds this very content.

    The stages run on ``executor``: an :class:`~corpus.pipeline.Executor` (left open for the
    caller to reuse), or an engine name, ``"serial"``, ``"processes"`` (``workers`` processes,
    default: every core) or ``"dask"`` (a ``LocalCluster`` of ``workers`` processes, or the
    running cluster at ``scheduler``; needs ``news-corpus[dask]``). The default is ``"processes"``,
    or ``"serial"`` for a corpus too small to gain from more processes. The release is
    byte-identical whatever runs it. ``progress``: bars on a terminal and periodic log lines
    elsewhere (``None``, the default), ``False`` for nothing, or a
    :class:`~corpus.pipeline.ProgressSettings`.

    ``store`` is a local folder or an fsspec URL (``s3://bucket/releases``, ``gs://...``,
    ``memory://...``; ``file://`` is a local folder), opened with ``storage_options``. A build
    into a remote store stages the release in a local temporary folder (in ``work_dir`` when
    given, which must then be seen by every worker of a ``scheduler`` cluster at the same path),
    then uploads it with ``manifest.json`` last: a release exists when its manifest does, so no
    reader ever sees a partial one (see ``docs/scaling.md``, "Remote release stores").

    ``cache`` keeps each document's normalised row and dedup entry, and each verified pair's
    verdict, in ``cache_dir/name/`` (by content, settings and versions), so the next build
    processes only what changed and writes the same bytes as a clean build. ``cache_dir``
    defaults to ``store/.cache`` for a local store and to a folder of the user's cache
    directory for a remote one (the cache is an SQLite file: it stays on this machine). It is
    off for a cluster reached through ``scheduler`` (its workers may not share this machine's
    disk). Raises :class:`~corpus.errors.CorpusError` subclasses for unreadable sources,
    strict-mode rejects (``config.strict``), bad settings and write failures; no half release
    is left.
    """
    config = BuildConfig() if config is None else config
    if not isinstance(config, BuildConfig):
        raise ConfigError(f"config={config!r} is not a corpus.BuildConfig")
    source_text = os.fspath(source)
    if source_text.rsplit("::", 1)[-1].startswith("memory:"):
        # An in-memory file system lives in this process only: workers would find no file.
        if scheduler or executor in ("processes", "dask") or (executor is None and workers):
            raise ConfigError(
                f"{source_text} is in this process's memory, which worker processes cannot "
                "read: build it with executor=\"serial\" (--engine serial), or copy it to a "
                "folder or a store the workers share")
        if executor is None:
            executor = "serial"
    name = check_name(default_name(source_text) if name is None else name)
    target = Version.parse(version) if isinstance(version, str) else version
    where = open_store(store, storage_options)
    remote: RemoteStore | None = None
    # The local folders this build made, deepest first (the dataset's, and the store's when
    # it did not exist): removed again, when empty, if the build fails.
    made_dirs: list[Path] = []
    releases: dict[Version, str]
    if isinstance(where, Path):
        if work_dir is not None:
            raise ConfigError(
                f"work_dir={os.fspath(work_dir)!r} applies to remote stores only: a local store "
                f"({where}) stages its releases inside itself, so that one rename publishes "
                "them; drop work_dir (--work-dir)"
            )
        dataset_dir = where / name
        made_dirs = [d for d in (dataset_dir, *dataset_dir.parents) if not d.exists()]
        try:
            dataset_dir.mkdir(parents=True, exist_ok=True)
            _remove_stale(dataset_dir)
        except OSError as exc:
            raise _write_error(exc, dataset_dir) from None
        releases = {v: str(p) for v, p in list_releases(dataset_dir)}
        staging = dataset_dir
        caches = where / _CACHE_DIR if cache_dir is None else Path(cache_dir)
    else:
        remote = where
        releases = dict(remote.releases(name))
        staging = Path(tempfile.gettempdir() if work_dir is None else work_dir)
        with contextlib.suppress(OSError):  # staging folders of killed builds on this host
            _remove_stale(staging)
        caches = default_cache_dir(remote.url) if cache_dir is None else Path(cache_dir)
    with contextlib.ExitStack() as running:
        for folder in reversed(made_dirs):  # the callbacks run last in, first out
            running.callback(_drop_if_empty, folder)
        runner: Executor | None = None
        if not scheduler and (executor in ("processes", "dask") or (executor is None and workers)):
            # Worker processes whatever the corpus: they start while the corpus is listed (a
            # local Dask cluster starts in the background as it is made).
            runner = running.enter_context(_executor_for(executor, workers, scheduler, 0))
            if isinstance(runner, ProcessExecutor):
                runner.start()
        elif executor is None and wants_workers(source_text, None, workers, scheduler):
            # No engine named, and a corpus big enough for workers: their fork server starts
            # importing the pipeline while the corpus is listed (the pool is made after it).
            start_fork_server()
        # A local corpus is listed under its absolute path, so that workers whose current
        # folder is another (a Dask cluster's) read the same files; a file:// URL is its path.
        local = _local_path(source_text)
        shown = ProgressSettings.of(progress)
        listed = time.perf_counter()
        with Progress("list", None, "file", shown) as bar:
            listing = scan(source_text if local is None else os.path.abspath(local),
                           progress=bar.update)
        listed = time.perf_counter() - listed
        rel = _Relativizer(source_text if local is None else local)
        if runner is None:
            runner = running.enter_context(
                _executor_for(executor, workers, scheduler, len(listing.entries)))
        stages = Stages(runner, shown)
        stages.timings["list"] = listed
        # An unchanged corpus is found up to date after one read, before any processing.
        store_cache = (Cache(caches / name / "pipeline.sqlite", _cache_namespace(config))
                       if cache and not scheduler else None)
        if store_cache is not None and (caches / name).is_dir():
            # Entries of files that left the corpus are deleted after this build if they are
            # many: the build then records which entries it uses.
            store_cache.track(len(listing.entries))
        if store_cache is not None:  # a build with other settings finishing first keeps it
            store_cache.claim()
        candidate = target if target is not None else (max(releases) if releases else None)
        below = [v for v in releases if target is None or v < target]
        followed = max(below) if below else None  # the release this one will follow
        store_text = os.fspath(store)

        def refuse(version: Version, damage: DamagedFile, *, follows: bool) -> PublishError:
            if store_cache is not None:
                store_cache.close()
            return _damaged_error(version, damage, source_text, store_text, name,
                                  follows=follows)

        previous_rows: PreviousRelease | None = None
        hashed: list[tuple[str, ...]] = []  # the files' digests, found by the check
        kept: dict[Version, Manifest] = {}  # manifests read here that the end reads again
        if candidate is not None and candidate in releases:
            existing = read_manifest(releases[candidate], storage_options)
            # The cache of earlier builds (if any) knows the digests of unchanged files.
            known = store_cache if (caches / name).is_dir() else None
            if _unchanged_inputs(listing, rel, config, existing, stages, known, hashed,
                                 releases[candidate], storage_options):
                # Up to date only if whole: a stat of each file its manifest lists. A damaged
                # one is built again in place when asked for by version with overwrite.
                damage = damaged_file(releases[candidate], existing,
                                      storage_options=storage_options)
                if damage is None:
                    if store_cache is not None:
                        store_cache.close()
                    return BuildReport("up-to-date", name, candidate, releases[candidate],
                                       existing)
                if target is None or not overwrite:
                    raise refuse(candidate, damage, follows=False)
            if known is not None and remote is None and candidate == max(releases):
                previous_rows = _previous_rows(releases[candidate], existing, known, config)
            if candidate == followed:
                damage = damaged_file(releases[candidate], existing,
                                      storage_options=storage_options)
                if damage is not None:
                    raise refuse(candidate, damage, follows=True)
            if len(existing.inputs) <= _KEEP_MANIFEST_INPUTS:
                kept[candidate] = existing
            del existing
        if followed is not None and followed != candidate:
            # An explicit version: it follows the release below it, which must be whole (the
            # rows may come from it, and the diff compares with it).
            before = read_manifest(releases[followed], storage_options)
            damage = damaged_file(releases[followed], before, storage_options=storage_options)
            if damage is not None:
                raise refuse(followed, damage, follows=True)
            if store_cache is not None and remote is None and (caches / name).is_dir():
                previous_rows = _previous_rows(releases[followed], before, store_cache, config)
            if len(before.inputs) <= _KEEP_MANIFEST_INPUTS:
                kept[followed] = before
            del before
        # Absolute: worker processes (a cluster's on other machines) may not share our cwd.
        tmp = Path(os.path.abspath(staging)) / (
            f"{_TMP_PREFIX}{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            tmp.mkdir(parents=remote is not None)
        except OSError as exc:
            raise _write_error(exc, staging) from None
        try:
            if store_cache is not None:
                (caches / name).mkdir(parents=True, exist_ok=True)
            handed = [listing]  # run_build lets the listing go once the files are read
            del listing
            built = run_build(handed, rel, tmp, config, stages, store_cache, previous_rows,
                              hashed)
            del previous_rows, hashed
            synced: Future[list[Path]] | None = None
            if remote is None:
                # The data files are flushed to disk while the rest of the release is made.
                syncing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="corpus-sync")
                synced = syncing.submit(_fsync_files, [tmp / f.path for f in built.files])
                syncing.shutdown(wait=False)
            if store_cache is not None:
                store_cache.prune()
                if store_cache.track_use:
                    store_cache.prune_unused()
        except BaseException as exc:  # a strict-mode reject, a missing extra, Ctrl-C, ...
            shutil.rmtree(tmp, ignore_errors=True)
            if store_cache is not None:  # closed, so SQLite folds its write-ahead log in
                store_cache.close()
            if isinstance(exc, FormatError):  # strict mode: the first reject, named as given
                raise FormatError(rel.given(exc.path), exc.line, exc.rule, exc.message,
                                  exc.offset) from None
            if isinstance(exc, OSError):  # the work files or shards: a full disk, a limit
                raise _write_error(exc, staging) from None
            raise
    where_text = str(dataset_dir) if remote is None else remote.url_of(remote.dataset(name))
    read: dict[Version, Manifest] = kept
    report: _Report | None = None

    def manifest_of(version: Version) -> Manifest:  # each read once: a big one is slow
        if version not in read:
            read[version] = read_manifest(releases[version], storage_options)
        return read[version]

    try:
        settings = config.settings()
        digest = settings_hash(settings)

        # Decide the version, or find that nothing changed.
        status: Status = "built"
        # A release with this content is up to date only when whole (a stat per file); a
        # damaged one is written again when asked for by version with overwrite.
        if target is not None and target in releases:
            existing = manifest_of(target)
            if _same_content(existing, built, digest):
                damage = damaged_file(releases[target], existing,
                                      storage_options=storage_options)
                if damage is None:
                    return BuildReport("up-to-date", name, target, releases[target], existing)
                if not overwrite:
                    raise _damaged_error(target, damage, source_text, store_text, name,
                                         follows=False)
            elif not overwrite:
                raise ReleaseExistsError(
                    f"release {target.tag} already exists in {where_text} with other content; "
                    "build a new version (omit --version to get the next one proposed) or pass "
                    "--overwrite to replace it"
                )
            status = "overwritten"
        if target is None and releases:
            latest = max(releases)
            existing = manifest_of(latest)
            if _same_content(existing, built, digest):
                damage = damaged_file(releases[latest], existing,
                                      storage_options=storage_options)
                if damage is None:
                    return BuildReport("up-to-date", name, latest, releases[latest], existing)
                raise _damaged_error(latest, damage, source_text, store_text, name,
                                     follows=False)
        # The report needs the data files only, until its page (which shows the version).
        report = _Report(tmp, built.files, elsewhere=isinstance(runner, ProcessExecutor)
                         and len(built.inputs) >= _REPORT_ELSEWHERE)
        earlier = sorted(v for v in releases if target is None or v < target)
        previous = earlier[-1] if earlier else None
        change = None
        if previous is not None:
            # Checked before the stages; again here, with the manifest in hand (a stat per
            # file), since the diff compares with it unchecked (it would read the manifest).
            damage = damaged_file(releases[previous], manifest_of(previous),
                                  storage_options=storage_options)
            if damage is not None:
                raise _damaged_error(previous, damage, source_text, store_text, name,
                                     follows=True)
            with stages.timed("diff"):
                change = diff(releases[previous], tmp, storage_options=storage_options,
                              progress=stages.progress,
                              digests=_known_digests(store_cache, manifest_of(previous), built),
                              rows=_cached_rows(store_cache, manifest_of(previous), built),
                              check=False)
        if store_cache is not None:  # this release's row digests, for the next build's diff
            store_cache.replace("release", [(built.fingerprint.encode(),
                                             built.row_digests)])
        if target is None:
            if previous is None or change is None:
                target = FIRST_VERSION
            else:
                target = previous.bump("patch" if change.kind == "none" else change.kind)

        # History: the previous release's changelog plus this version's entry.
        history: tuple[ChangelogEntry, ...] = ()
        if previous is not None and change is not None:
            before = manifest_of(previous)
            history = (*before.changelog, ChangelogEntry(
                version=str(target), previous=str(previous),
                kind="patch" if change.kind == "none" else change.kind,
                added=len(change.added), removed=len(change.removed),
                changed=len(change.changed), clusters_added=len(change.clusters_added),
                clusters_removed=len(change.clusters_removed),
                clusters_changed=len(change.clusters_changed),
                schema_changed=change.schema_changed,
            ))
        else:
            # Everything of a first release is new: its documents and clusters are "added".
            history = (ChangelogEntry(version=str(target), previous="", kind="initial",
                                      added=built.counts.documents,
                                      clusters_added=built.counts.clusters),)

        manifest = Manifest(
            name=name,
            version=str(target),
            schema_version=SCHEMA_VERSION,
            schema=schema_description(),
            seed_format_version=FORMAT_VERSION,
            libraries=_library_versions(),
            source=default_name(source_text),
            settings=settings,
            settings_hash=digest,
            inputs=built.inputs,
            counts=built.counts,
            files=built.files,
            fingerprint=built.fingerprint,
            changelog=history,
        )
        card = render_card(
            manifest,
            configs=built.configs,
            clusters=built.clusters,
            rejects=built.rejects,
            diff=change,
            license_id=config.license,
            pretty_name=config.pretty_name or name,
            license_name=config.license_name,
            license_link=config.license_link,
        )
        (tmp / README).write_text(card, encoding="utf-8", newline="\n")
        manifest.write(tmp / MANIFEST)
        # report.html (+ report_files/ when large) travels along
        report.finish(manifest)
        built.settled()
        if remote is None:
            final = dataset_dir / target.tag
            _move_into_place(tmp, final, overwrite=status == "overwritten", synced=synced)
            url = str(final)
        else:
            url = remote.publish(tmp, name, target, overwrite=status == "overwritten")
        return BuildReport(status, name, target, url, manifest, previous, change,
                           dict(stages.timings))
    except OSError as exc:  # a full disk, a file-size limit, a folder made read-only meanwhile
        raise _write_error(exc, staging) from None
    finally:
        if store_cache is not None:
            store_cache.close()
        if report is not None:
            report.close()
        # the threads are done before tmp goes (their errors, if any, were raised above)
        with contextlib.suppress(Exception):
            built.settled()
        if synced is not None:
            with contextlib.suppress(Exception):
                synced.result()
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        for folder in made_dirs:
            _drop_if_empty(folder)
