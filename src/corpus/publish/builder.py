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
import hashlib
import os
import shutil
import socket
import sys
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Literal, Never

import pyarrow.parquet as pq
from tqdm import tqdm

from corpus.dedup.find import find_duplicates, mark_duplicates
from corpus.dedup.result import DedupResult
from corpus.errors import ConfigError, PublishError, Reject
from corpus.format.parser import FORMAT_VERSION, render
from corpus.publish.card import ClusterMember, ConfigStats, render_card
from corpus.publish.compare import ReleaseDiff, diff, row_json
from corpus.publish.config import BuildConfig, settings_hash
from corpus.publish.layout import (
    CLUSTERS,
    CONFIGS,
    FIRST_VERSION,
    MANIFEST,
    README,
    REJECTS,
    Version,
    check_name,
    list_releases,
)
from corpus.publish.manifest import ChangelogEntry, Counts, InputFile, Manifest
from corpus.publish.parquet import ShardWriter, WrittenFile, file_sha256, write_table
from corpus.reader import DEFAULT_MAX_FILE_BYTES, FileRef, Listing, read_entries, scan
from corpus.records import Document, Relation, SourceRef
from corpus.report import REPORT, write_report
from corpus.schema import (
    CLUSTERS_SCHEMA,
    REJECTS_SCHEMA,
    SCHEMA,
    SCHEMA_VERSION,
    cluster_rows,
    from_row,
    reject_to_row,
    schema_description,
    to_row,
)
from corpus.text.normalize import normalize

__all__ = ["BuildReport", "ReleaseExistsError", "build", "default_name"]

Status = Literal["built", "overwritten", "up-to-date"]

_WORK = ".work"
_TMP_PREFIX = ".build-"
_ARCHIVE_SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tbz2", ".txz", ".tar", ".zip")
#: Rejects whose file the reader did not read (unsafe or unreadable): never re-read to hash.
_UNREAD_RULES = frozenset(
    {"outside-root", "broken-link", "symlink-loop", "not-regular", "unreadable", "unsafe-path",
     "too-large"}
)
_KEPT = (Relation.UNIQUE, Relation.CANONICAL)
_SEPARATORS = tuple(dict.fromkeys(("/", os.sep)))
_LIBRARIES = ("corpus", "pyarrow", "datasets", "huggingface_hub", "ftfy", "langdetect", "numpy")


class ReleaseExistsError(PublishError):
    """The requested version exists with other content and ``overwrite`` was not given."""


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
    path: Path
    manifest: Manifest
    previous: Version | None = None
    diff: ReleaseDiff | None = None

    def summary(self) -> list[str]:
        """The lines ``corpus build`` prints: where the release is and what is in it."""
        c = self.manifest.counts
        rules = ", ".join(f"{rule} {n}" for rule, n in c.rejects_by_rule.items())
        rows = ", ".join(f"{config} {n}" for config, n in c.rows.items())
        if self.status == "up-to-date":
            head = f"release {self.version.tag} is up to date: {self.path}"
        else:
            verb = "overwrote" if self.status == "overwritten" else "built"
            kind = self.manifest.changelog[-1].kind if self.manifest.changelog else ""
            since = f" ({kind} change after {self.previous.tag})" if self.previous else ""
            head = f"{verb} release {self.name} {self.version.tag}{since}: {self.path}"
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


def _library_versions() -> dict[str, str]:
    """Versions of everything that decides the bytes of a release: the libraries that write it
    or shape its text (ftfy, langdetect's profiles, numpy) and Python's Unicode database."""
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = package_version(name)
        except PackageNotFoundError:
            versions[name] = "unknown"
    versions["unicode"] = unicodedata.unidata_version
    return versions


class _Relativizer:
    """Rewrites paths under the corpus root as root-relative POSIX paths (the archive or single
    file itself becomes its base name), so releases do not depend on where the corpus lay."""

    def __init__(self, source: str) -> None:
        base = source.rstrip("/\\") or source
        self.prefixes = sorted({base, os.path.realpath(base)} if "://" not in base else {base},
                               key=len, reverse=True)
        self.name = base.replace("\\", "/").rsplit("/", 1)[-1]

    def path(self, path: str) -> str:
        for prefix in self.prefixes:
            if path == prefix:
                return self.name
            for sep in _SEPARATORS:
                if path.startswith(prefix + sep):
                    return path[len(prefix) + 1:].replace("\\", "/")
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


class _Spill:
    """The normalised documents of pass 1, on disk; iterable any number of times."""

    def __init__(self, files: Iterable[Path]) -> None:
        self.files = tuple(files)

    def __iter__(self) -> Iterator[Document]:
        for path in self.files:
            for batch in pq.ParquetFile(path).iter_batches(batch_size=256):
                for row in batch.to_pylist():
                    yield from_row(row)


@dataclass(frozen=True, slots=True)
class _Built:
    """The data part of a release, written into the temporary folder."""

    inputs: tuple[InputFile, ...]
    counts: Counts
    files: tuple[WrittenFile, ...]
    fingerprint: str
    configs: tuple[ConfigStats, ...]
    clusters: dict[str, list[ClusterMember]]
    rejects: tuple[Reject, ...]


def _hash_input(ref: FileRef) -> tuple[str, int]:
    try:
        path = Path(os.path.realpath(ref.path))
        return file_sha256(path), path.stat().st_size
    except OSError:
        return "", max(ref.size, 0)


def _progress(enabled: bool | None, desc: str, total: int | None = None) -> tqdm[Never]:
    show = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(desc=desc, total=total, unit="doc", disable=not show, file=sys.stderr,
                leave=False)


def _cluster_member(doc: Document, found: DedupResult) -> ClusterMember:
    """How the card shows ``doc``: with its best aligned passage pair as the evidence."""
    where = str(doc.source)
    membership = found.membership(doc.id)
    passages = membership[1].evidence if membership else ()
    best = max(passages, key=lambda p: p.similarity, default=None)
    matched = membership[1].matched_with if membership else ""
    return ClusterMember(
        id=doc.id, path=where, relation=doc.relation.value, score=doc.score, title=doc.title,
        aligned=membership[1].aligned if membership else 0,
        evidence=(best.canonical_text, best.member_text, best.similarity) if best else None,
        kept_because=membership[0].reason if membership else "",
        compared_with=matched if membership and matched != membership[0].canonical else "",
    )


def _shards(root: Path, name: str, config: BuildConfig) -> ShardWriter:
    return ShardWriter(root, name, SCHEMA, row_group_rows=config.row_group_rows,
                       row_group_bytes=config.row_group_bytes, shard_bytes=config.shard_bytes)


def _read_inputs(
    listing: Listing, rel: _Relativizer, strict: bool
) -> Iterator[tuple[InputFile, Document | Reject]]:
    """Read the corpus: each file's manifest entry, and its document or reject (paths made
    relative to the corpus root). Strict mode raises the first reject as a FormatError."""
    outcomes = read_entries(listing.entries, strict=strict)
    for entry, outcome in zip(listing.entries, outcomes, strict=True):
        if isinstance(outcome, Reject):
            reject = rel.reject(outcome)
            digest, size = "", 0
            if isinstance(entry, FileRef) and entry.container == "file" and (
                    outcome.rule not in _UNREAD_RULES) and entry.size <= DEFAULT_MAX_FILE_BYTES:
                digest, size = _hash_input(entry)
            yield InputFile(reject.path, digest, size, "rejected", rule=reject.rule), reject
            continue
        doc = rel.document(outcome)
        where = str(doc.source)
        yield InputFile(where, doc.raw_sha256, len(render(doc)), "accepted", id=doc.id), doc


def _unchanged_inputs(source: str, config: BuildConfig, manifest: Manifest) -> bool:
    """True when ``manifest`` was built from exactly these input files with these settings,
    this schema and these library versions: then the release is up to date without a build.

    Reading and parsing is cheap next to normalising, deduplicating and writing, so this
    check runs first and an unchanged corpus costs one read.
    """
    if (manifest.settings_hash != settings_hash(config.settings())
            or manifest.schema_version != SCHEMA_VERSION
            or dict(manifest.libraries) != _library_versions()):
        return False
    listing = scan(source)
    if len(listing.entries) != len(manifest.inputs):
        return False
    seen = sorted((item for item, _ in _read_inputs(listing, _Relativizer(source), config.strict)),
                  key=lambda i: i.path)
    return tuple(seen) == manifest.inputs


def _write_data(source: str, tmp: Path, config: BuildConfig, progress: bool | None) -> _Built:
    rel = _Relativizer(source)
    listing = scan(source)
    inputs: list[InputFile] = []
    rejects: list[Reject] = []

    # Pass 1: read, normalise, spill.
    work = tmp / _WORK
    with _shards(work, "documents", config) as spill, \
            _progress(progress, "read", len(listing.entries)) as bar:
        for item, outcome in _read_inputs(listing, rel, config.strict):
            bar.update(1)
            inputs.append(item)
            if isinstance(outcome, Reject):
                rejects.append(outcome)
            else:
                spill.write(to_row(normalize(outcome, config.normalize)))
    documents = _Spill(work / f.path for f in spill.files)

    # Deduplicate, then pass 2: annotate and write both configs.
    found = find_duplicates(documents, config.dedup)
    fingerprint = hashlib.sha256(f"corpus-release schema {SCHEMA_VERSION}\n".encode())
    relations: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    clusters: dict[str, list[ClusterMember]] = {}
    with _shards(tmp, "default", config) as default, \
            _shards(tmp, "all", config) as everything, \
            _progress(progress, "write", spill.rows) as bar:
        for doc in mark_duplicates(documents, found):
            bar.update(1)
            row = to_row(doc)
            everything.write(row)
            fingerprint.update(row_json(row) + b"\n")
            relations[doc.relation.value] += 1
            if doc.relation in _KEPT:
                default.write(row)
                languages[doc.language] += 1
            if doc.relation is not Relation.UNIQUE:
                key = doc.cluster_id or doc.duplicate_of or doc.id
                clusters.setdefault(key, []).append(_cluster_member(doc, found))
    shutil.rmtree(work)

    fingerprint.update(b"rejects\n")
    for reject in rejects:
        fingerprint.update(row_json(reject_to_row(reject)) + b"\n")
    rejects_file = write_table(tmp, REJECTS, (reject_to_row(r) for r in rejects), REJECTS_SCHEMA)
    fingerprint.update(b"clusters\n")
    for cluster_row in cluster_rows(found):
        fingerprint.update(row_json(cluster_row) + b"\n")
    clusters_file = write_table(tmp, CLUSTERS, cluster_rows(found), CLUSTERS_SCHEMA)

    for members in clusters.values():
        members.sort(key=lambda m: (m.relation != Relation.CANONICAL.value, m.id))
    writers = {"default": default, "all": everything}
    counts = Counts(
        files_seen=len(listing.entries),
        documents=everything.rows,
        rejects=len(rejects),
        rejects_by_rule=dict(sorted(Counter(r.rule for r in rejects).items())),
        clusters=len(clusters),
        duplicates=everything.rows - default.rows,
        relations={r.value: relations[r.value] for r in Relation if relations[r.value]},
        languages=dict(sorted(languages.items(), key=lambda item: (-item[1], item[0]))),
        rows={name: writers[name].rows for name in CONFIGS},
        skipped=len(listing.skipped),
    )
    configs = tuple(
        ConfigStats(name, writers[name].rows, writers[name].nbytes,
                    sum(f.bytes for f in writers[name].files))
        for name in CONFIGS
    )
    return _Built(
        inputs=tuple(sorted(inputs, key=lambda i: i.path)),
        counts=counts,
        files=tuple(sorted((*default.files, *everything.files, rejects_file, clusters_file),
                           key=lambda f: f.path)),
        fingerprint=fingerprint.hexdigest(),
        configs=configs,
        clusters=dict(sorted(clusters.items())),
        rejects=tuple(rejects),
    )


def _same_content(manifest: Manifest, built: _Built, settings_digest: str) -> bool:
    return (
        manifest.fingerprint == built.fingerprint
        and manifest.settings_hash == settings_digest
        and manifest.schema_version == SCHEMA_VERSION
    )


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform or file system can fsync a folder
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_stale(dataset_dir: Path) -> None:
    """Delete temporary folders of killed builds on this host (their process is gone)."""
    host = socket.gethostname()
    for child in dataset_dir.glob(f"{_TMP_PREFIX}*"):
        parts = child.name[len(_TMP_PREFIX):].rsplit("-", 2)
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue
        try:
            os.kill(int(parts[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(child, ignore_errors=True)
        except OSError:
            continue


def _move_into_place(tmp: Path, final: Path, overwrite: bool) -> None:
    _fsync_tree(tmp)
    if final.exists():
        if not overwrite:
            raise ReleaseExistsError(
                f"{final} appeared while this build ran (another build?); nothing was replaced"
            )
        old = final.with_name(f"{_TMP_PREFIX}old-{final.name}-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
        os.replace(tmp, final)
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


def build(
    source: str | os.PathLike[str] = "seeds",
    store: str | os.PathLike[str] = "releases",
    *,
    name: str | None = None,
    version: str | Version | None = None,
    overwrite: bool = False,
    config: BuildConfig | None = None,
    progress: bool | None = None,
) -> BuildReport:
    """Build the corpus at ``source`` into a release ``store/name/vX.Y.Z`` and describe it.

    ``name`` defaults to the base name of ``source`` (``seeds`` → ``releases/seeds/...``).
    Without ``version`` the next version is proposed from the latest release in the store:
    1.0.0 for the first; otherwise a schema change bumps the major part, documents added or
    removed the minor part, anything else the patch part; and when the latest release already
    holds exactly this content (same data fingerprint and settings) nothing is written and the
    report says ``"up-to-date"``. An explicit ``version`` that exists with other content raises
    :class:`ReleaseExistsError` unless ``overwrite`` is true.

    ``progress`` shows progress bars on stderr (default: only when stderr is a terminal).
    Raises :class:`~corpus.errors.CorpusError` subclasses for unreadable sources, strict-mode
    rejects (``config.strict``), bad settings and write failures; no half release is left.
    """
    config = BuildConfig() if config is None else config
    if not isinstance(config, BuildConfig):
        raise ConfigError(f"config={config!r} is not a corpus.BuildConfig")
    source_text = os.fspath(source)
    name = check_name(default_name(source_text) if name is None else name)
    target = Version.parse(version) if isinstance(version, str) else version
    dataset_dir = Path(store) / name
    try:
        dataset_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"cannot create the release store {dataset_dir}: {exc}") from None
    _remove_stale(dataset_dir)
    releases = dict(list_releases(dataset_dir))
    # An unchanged corpus is found up to date after one read, before any processing.
    candidate = target if target is not None else (max(releases) if releases else None)
    if candidate is not None and candidate in releases:
        existing = Manifest.read(releases[candidate])
        if _unchanged_inputs(source_text, config, existing):
            return BuildReport("up-to-date", name, candidate, releases[candidate], existing)
    tmp = dataset_dir / f"{_TMP_PREFIX}{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        built = _write_data(source_text, tmp, config, progress)
        settings = config.settings()
        digest = settings_hash(settings)

        # Decide the version, or find that nothing changed.
        status: Status = "built"
        if target is not None and target in releases:
            existing = Manifest.read(releases[target])
            if _same_content(existing, built, digest):
                return BuildReport("up-to-date", name, target, releases[target], existing)
            if not overwrite:
                raise ReleaseExistsError(
                    f"release {target.tag} already exists in {dataset_dir} with other content; "
                    "build a new version (omit --version to get the next one proposed) or pass "
                    "--overwrite to replace it"
                )
            status = "overwritten"
        if target is None and releases:
            latest = max(releases)
            existing = Manifest.read(releases[latest])
            if _same_content(existing, built, digest):
                return BuildReport("up-to-date", name, latest, releases[latest], existing)
        earlier = sorted(v for v in releases if target is None or v < target)
        previous = earlier[-1] if earlier else None
        change = diff(releases[previous], tmp) if previous is not None else None
        if target is None:
            if previous is None or change is None:
                target = FIRST_VERSION
            else:
                target = previous.bump("patch" if change.kind == "none" else change.kind)

        # History: the previous release's changelog plus this version's entry.
        history: tuple[ChangelogEntry, ...] = ()
        if previous is not None and change is not None:
            before = Manifest.read(releases[previous])
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
            history = (ChangelogEntry(version=str(target), previous="", kind="initial"),)

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
        )
        (tmp / README).write_text(card, encoding="utf-8", newline="\n")
        (tmp / MANIFEST).write_text(manifest.to_json(), encoding="utf-8", newline="\n")
        write_report(tmp, tmp / REPORT)  # report.html (+ report_files/ when large) travels along
        final = dataset_dir / target.tag
        _move_into_place(tmp, final, overwrite=status == "overwritten")
        return BuildReport(status, name, target, final, manifest, previous, change)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
