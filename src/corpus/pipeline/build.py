"""The build as named stages over shards, run by any executor.

    scan ─► prepare (map: read, parse, normalise, index) ─► dedup phases (shuffle, verify,
    reduce, evidence) ─► write (map: annotate and write each range of the corpus's documents)

:func:`run_build` runs them for :func:`corpus.build` into a release's temporary folder and
returns what the release needs (:class:`BuiltData`); :func:`list_inputs` runs the light
read-only variant that tells whether a release is up to date. ``corpus validate``,
``corpus dedup`` and ``corpus build`` share these stages.

Same bytes everywhere: the listing is cut into contiguous shards in corpus order, every
stage's results come back in task order, dedup orders everything by content, and the write
stage cuts the corpus into ranges by document count alone, each range's rows read from the
shards' work files in corpus order. So the release is byte-identical whatever the executor,
the number of workers or the number of shards.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpus._memory import trim_memory
from corpus.dedup.config import DedupConfig
from corpus.dedup.phases import dedup_shards, partitions_for, spilled_cluster_rows
from corpus.dedup.result import Cluster, DedupResult, Member
from corpus.dedup.semantic import semantic_verifier
from corpus.errors import CorpusError, FormatError, Reject, StageError
from corpus.pipeline.cache import Cache
from corpus.pipeline.executor import Executor, SerialExecutor
from corpus.pipeline.progress import Progress, ProgressSettings
from corpus.pipeline.reuse import (
    PreviousRelease,
    ReleaseFiles,
    ReusePlan,
    ShardRange,
    plan_reuse,
    rows_in_corpus_order,
)
from corpus.pipeline.stages import (
    WORK_SCHEMA,
    Accepted,
    HashTask,
    ListTask,
    Outcome,
    PreparedShard,
    PrepareTask,
    Rejected,
    Relativize,
    hash_inputs,
    list_inputs,
    prepare,
    read_work_from,
)
from corpus.publish.card import LIST_LIMIT, ClusterMember, ConfigStats
from corpus.publish.compare import row_json
from corpus.publish.config import BuildConfig
from corpus.publish.layout import CLUSTERS, CONFIGS, REJECTS, shard_name
from corpus.publish.manifest import INPUTS_SCHEMA, Counts, InputFile, InputFiles
from corpus.publish.parquet import (
    ShardWriter,
    WrittenFile,
    write_batches,
    write_table,
)
from corpus.reader import Entry, FileRef, Listing, ReadReport
from corpus.records import Document, Relation, SourceRef
from corpus.schema import (
    CLUSTERS_SCHEMA,
    REJECTS_SCHEMA,
    SCHEMA,
    SCHEMA_VERSION,
    reject_to_row,
)
from corpus.text.normalize import NormalizeConfig

__all__ = [
    "ROW_DIGESTS",
    "BuiltData",
    "Stages",
    "WriteTask",
    "WrittenRange",
    "dedup_corpus",
    "plan_shards",
    "read_report",
    "run_build",
    "same_bytes",
    "scan_inputs",
    "write_range",
]

_WORK = ".work"
#: The columns the write stage's caller reads of every document, in corpus order (the others
#: only the writers copy, each row once).
_NARROW = ["id", "source", "title", "language", "cluster_id", "relation", "score"]

#: Batches of the write stage between two hand-backs of freed memory (about 32,000 rows).
_TRIM_EVERY = 64
#: Files per shard the planner aims at: small enough to balance the load over the workers.
_FILES_PER_SHARD = 2_000
_KEPT = (Relation.UNIQUE, Relation.CANONICAL)


@dataclass(frozen=True, slots=True)
class BuiltData:
    """The data part of a release, written into the temporary folder by :func:`run_build`."""

    inputs: Sequence[InputFile]
    counts: Counts
    files: tuple[WrittenFile, ...]
    fingerprint: str
    configs: tuple[ConfigStats, ...]
    #: The clusters the card lists (the first :data:`~corpus.publish.card.LIST_LIMIT` by id)
    #: with their members, canonical first; ``counts.clusters`` says how many there are.
    clusters: dict[str, list[ClusterMember]]
    rejects: tuple[Reject, ...]
    #: Every ``all`` row's id and 16-byte digest (see :data:`ROW_DIGESTS`), in corpus order:
    #: what lets the next build compare its rows with this release's without reading them.
    row_digests: pa.Table
    #: The removal of the work folder, which goes on in a thread while the caller writes the
    #: rest of the release (at 100,000 documents it holds some 700 MB in 100 files): wait for
    #: it (:meth:`settled`) before the temporary folder is published or deleted.
    work_removed: Future[None] | None = None

    def settled(self) -> None:
        """Wait until the work folder is gone; raises what removing it raised."""
        if self.work_removed is not None:
            self.work_removed.result()


#: ``id``, ``digest`` and ``row_digest`` of every row of a release: ``row_digest`` is the digest
#: of the row before dedup (:func:`~corpus.pipeline.stages.row_digest`), ``digest`` the same or,
#: for a row in a cluster, the digest of that and of its dedup columns. Equal digests, equal
#: rows; the next build finds the rows it can take from this release by ``row_digest``, and
#: ``kept`` says which folder holds each (``default`` when true, ``duplicates`` otherwise).
ROW_DIGESTS: pa.Schema = pa.schema([pa.field("id", pa.string(), nullable=False),
                                    pa.field("digest", pa.binary(16), nullable=False),
                                    pa.field("row_digest", pa.binary(16), nullable=False),
                                    pa.field("kept", pa.bool_(), nullable=False)])


def plan_shards(listing: Listing, workers: int) -> tuple[tuple[Entry, ...], ...]:
    """Contiguous shards of the listing in corpus order: a few per worker (so a slow shard
    does not hold the rest up), at most :data:`_FILES_PER_SHARD` files each."""
    n = len(listing.entries)
    if n == 0:
        return ()
    count = max(workers * 4 if workers > 1 else 1, -(-n // _FILES_PER_SHARD))
    return tuple(s for s in listing.shards(min(n, count)) if s)


class Stages:
    """Runs stages on an executor, each with its progress bar or log lines, and keeps the
    wall time of each stage (``timings``: where a build's time went)."""

    def __init__(self, executor: Executor, progress: ProgressSettings) -> None:
        self.executor = executor
        self.progress = progress
        self.timings: dict[str, float] = {}
        #: Where the writer took the rows of cached documents from (``release``, ``cache``).
        self.reused: dict[str, int] = {}

    def run(self, fn: Callable[[Any], Any], tasks: Sequence[Any], stage: str,
            weights: Sequence[int], *, here: bool = False) -> list[Any]:
        """``executor.map(fn, tasks)`` with progress counted in ``weights``; then the memory
        this process freed meanwhile is handed back (:func:`~corpus._memory.trim_memory`).
        ``here`` runs the tasks in this process instead: for a stage too small to be worth
        waiting for the workers (and what runs where does not change its results)."""
        unit = "pair" if "verify" in stage else "partition" if "group" in stage else "doc"
        start = time.perf_counter()
        executor: Executor = SerialExecutor() if here else self.executor
        try:
            with Progress(stage, sum(weights), unit, self.progress) as bar:
                return executor.map(fn, tasks, progress=bar, weights=weights)
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - start
            trim_memory()

    @contextlib.contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Count the time of work done in this process under ``stage`` (and hand the memory
        it freed back at its end)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - start
            trim_memory()


def _input_file(outcome: Outcome) -> InputFile:
    """The manifest's entry for ``outcome``: a reject has the digest and size of the bytes read
    for it (:class:`Rejected`), whatever holds the file, as :func:`prepare` records them."""
    if isinstance(outcome, Accepted):
        return InputFile(outcome.path, outcome.sha256, outcome.bytes, "accepted", id=outcome.id)
    reject = outcome.reject
    return InputFile(reject.path, outcome.sha256, outcome.bytes, "rejected", rule=reject.rule)


def scan_inputs(listing: Listing, relativize: Relativize, stages: Stages
                ) -> tuple[tuple[InputFile, ...], tuple[Reject, ...]]:
    """Read and parse every file (no normalising): the manifest's input entries, sorted by
    path, and the rejects in corpus order."""
    shards = plan_shards(listing, stages.executor.workers)
    tasks = [ListTask(k, shard, relativize) for k, shard in enumerate(shards)]
    results: list[tuple[Outcome, ...]] = stages.run(list_inputs, tasks, "read",
                                                    [len(t.entries) for t in tasks])
    outcomes = [o for shard in results for o in shard]
    rejects = tuple(o.reject for o in outcomes if isinstance(o, Rejected))
    return tuple(sorted((_input_file(o) for o in outcomes), key=lambda i: i.path)), rejects


#: Up to this many files, the up-to-date check hashes them in the driver: with the stat
#: identities of earlier builds it reads only the changed files, 10,000 files take about
#: 0.4 s, and the worker processes start meanwhile (on the workers, the check of a
#: 10,000-file rebuild took 2.1 s, most of it waiting for them to start). Above it, the
#: workers share the stats and the reading.
CHECK_HERE = 25_000


def same_bytes(listing: Listing, relativize: Relativize, recorded: Sequence[InputFile],
               stages: Stages, cache: Cache | None = None,
               hashed: list[tuple[str, ...]] | None = None) -> bool | None:
    """Whether every file of ``listing`` has the path and the bytes ``recorded`` (a release's
    inputs) says, found by hashing the files without parsing them.

    Same paths and same bytes give the same documents and rejects (parsing is a function of
    the bytes and the name), so ``True`` means the release was built from exactly this input.
    ``None`` when hashing cannot tell: an entry that is not a plain file (an archive member, a
    URL, a file refused on sight) or a recorded input without a digest. With a ``cache``, a
    file whose stat says it is unchanged since a build hashed it is not read again.
    ``hashed`` (a list) receives the digests found, a tuple per shard of
    :func:`plan_shards`: the build that follows takes them as known
    (:attr:`PrepareTask.digests`) instead of looking every file up again.
    """
    entries = listing.entries
    digests, complete = _recorded_digests(recorded)
    if len(entries) != len(recorded) or any(
            not isinstance(e, FileRef) or e.container != "file" for e in entries) or not complete:
        return None
    shards = plan_shards(listing, stages.executor.workers)
    tasks = [HashTask(k, shard, cache=cache) for k, shard in enumerate(shards)]
    results: list[list[str]] = stages.run(hash_inputs, tasks, "check inputs",
                                          [len(t.entries) for t in tasks],
                                          here=len(entries) <= CHECK_HERE)
    if hashed is not None:
        hashed.extend(tuple(shard) for shard in results)
    for entry, digest in zip(entries, (d for shard in results for d in shard), strict=True):
        assert isinstance(entry, FileRef)
        path = relativize.path(entry.path)
        if not digest or digests.get(str(SourceRef(path, entry.member))) != digest:
            return False
    return True


def _recorded_digests(recorded: Sequence[InputFile]) -> tuple[dict[str, str], bool]:
    """Each recorded input's SHA-256 by path, and whether every input has one (read from the
    columns of :class:`InputFiles`, without an object per input)."""
    pairs = ([(path, sha256) for path, sha256, *_ in recorded.fields()]
             if isinstance(recorded, InputFiles) else [(i.path, i.sha256) for i in recorded])
    return dict(pairs), all(sha256 for _, sha256 in pairs)


def _cluster_member(row: dict[str, Any], membership: tuple[Cluster, Member] | None
                    ) -> ClusterMember:
    """How the card shows a document of a cluster: with its best aligned passage pair."""
    source = row["source"]
    where = source["path"] + (f"!{source['member']}" if source["member"] else "")
    passages = membership[1].evidence if membership else ()
    best = max(passages, key=lambda p: p.similarity, default=None)
    matched = membership[1].matched_with if membership else ""
    return ClusterMember(
        id=row["id"], path=where, relation=row["relation"], score=row["score"],
        title=row["title"], aligned=membership[1].aligned if membership else 0,
        evidence=(best.canonical_text, best.member_text, best.similarity) if best else None,
        kept_because=membership[0].reason if membership else "",
        compared_with=matched if membership and matched != membership[0].canonical else "",
    )


def _shards(root: Path, name: str, config: BuildConfig) -> ShardWriter:
    return ShardWriter(root, name, SCHEMA, row_group_rows=config.row_group_rows,
                       row_group_bytes=config.row_group_bytes, shard_bytes=config.shard_bytes)


#: Rows for one folder's writer: a table, where each document's row is in it (``None``: in
#: corpus order, one row each), which documents go to that folder, how many, and about how
#: many bytes they hold.
_Selected = tuple[pa.Table, "np.ndarray[Any, np.dtype[np.int64]] | None", pa.ChunkedArray, int,
                  int]


def _selected(table: pa.Table, order: np.ndarray[Any, np.dtype[np.int64]] | None,
              mask: pa.ChunkedArray, count: int, nbytes: int) -> _Selected:
    """The :data:`_Selected` value of the ``count`` documents that ``mask`` (in corpus order)
    chooses, whose rows are in ``table`` (of ``nbytes`` bytes) as ``order`` says."""
    documents = len(mask)
    return table, order, mask, count, nbytes * count // max(1, documents)


def _selected_bytes(value: _Selected) -> int:
    return value[4]


def _write_selected(writer: ShardWriter, value: _Selected) -> None:
    """Write the selected rows, on the writer's thread: the caller, which reads and annotates
    the rows of every folder, makes no copy of them, and the writer copies each row once,
    into its batch, in corpus order."""
    table, order, mask, count, _ = value
    if order is None and count == table.num_rows:
        writer.write_batch(table)
        return
    rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    writer.write_batch(table, rows if order is None else order[rows])


def _write_ahead(config: BuildConfig) -> dict[str, Any]:
    """How far the write stage's caller may run in front of each folder's writer thread
    (:class:`_InOrder`): an eighth of a row group's rows. A writer encodes each row group on
    a thread of its own (:class:`~corpus.publish.parquet.ShardWriter`) and takes the next
    group's rows meanwhile, so it keeps up with the caller; a budget of a whole row group,
    needed while the writer encoded on the thread that takes the rows, held 64 MB more at
    100,000 documents for the same time."""
    return {"ahead": 256, "size": _selected_bytes, "budget": config.row_group_bytes // 8}


class _Annotator:
    """Sets the dedup columns (cluster, canonical document, relation, score) of the rows of a
    work-file batch from the dedup result, with Arrow compute: no Python row per document."""

    _COLUMNS = ("cluster_id", "duplicate_of", "relation", "score")

    def __init__(self, table: pa.Table) -> None:
        self._ids = table.column("id").combine_chunks()
        self._values = {name: table.column(name).combine_chunks() for name in self._COLUMNS}

    @classmethod
    def table_of(cls, found: DedupResult) -> pa.Table:
        """Every clustered document's id and dedup columns (what :meth:`save` writes)."""
        values: dict[str, list[Any]] = {name: [] for name in ("id", *cls._COLUMNS)}
        for cluster in found.clusters:
            for member in cluster.members:
                values["id"].append(member.id)
                values["cluster_id"].append(cluster.id)
                values["duplicate_of"].append(
                    "" if member.relation is Relation.CANONICAL else cluster.canonical)
                values["relation"].append(str(member.relation.value))
                values["score"].append(member.score)
        return pa.Table.from_arrays(
            [pa.array(values["id"], pa.string()),
             *(pa.array(values[name], SCHEMA.field(name).type) for name in cls._COLUMNS)],
            names=["id", *cls._COLUMNS])

    @classmethod
    def save(cls, found: DedupResult, path: str) -> None:
        """Write the dedup columns of ``found``'s clustered documents to ``path`` (Arrow IPC),
        for the write tasks to read (:meth:`load`)."""
        table = cls.table_of(found)
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)

    @classmethod
    def load(cls, path: str) -> _Annotator:
        """The annotator of the table :meth:`save` wrote."""
        with pa.OSFile(path, "rb") as source:
            return cls(pa.ipc.open_file(source).read_all())

    def __call__(self, batch: pa.Table | pa.RecordBatch,
                 order: np.ndarray[Any, np.dtype[np.int64]] | None = None
                 ) -> tuple[pa.Table, pa.Table | None]:
        """The batch as release rows (:data:`SCHEMA`, in the batch's order), and its annotated
        documents' dedup columns with their ids, in corpus order (the rows at ``order``, if
        given), ``None`` when no document of the batch is in a cluster."""
        columns = {name: batch.column(name) for name in SCHEMA.names}
        annotated = None
        if len(self._ids):
            where = pc.index_in(batch.column("id"), value_set=self._ids)
            hit = pc.is_valid(where)
            if pc.any(hit).as_py():
                for name in self._COLUMNS:
                    columns[name] = pc.if_else(hit, pc.take(self._values[name], where),
                                               batch.column(name))
                annotated = pa.table({name: columns[name] for name in ("id", *self._COLUMNS)})
                if order is not None:
                    annotated, hit = annotated.take(order), hit.take(order)
                annotated = annotated.filter(hit)
                if not annotated.num_rows:  # only rows that the order leaves out
                    annotated = None
        table = pa.Table.from_arrays([columns[name] for name in SCHEMA.names], schema=SCHEMA)
        return table, annotated


def run_build(listing: Listing | list[Listing], relativize: Relativize, tmp: Path,
              config: BuildConfig, stages: Stages, cache: Cache | None = None,
              previous: PreviousRelease | None = None,
              hashed: Sequence[tuple[str, ...]] = ()) -> BuiltData:
    """Run every stage of a build of ``listing`` into the temporary release folder ``tmp``.

    ``listing`` may be handed over in a one-item list, which is emptied: the listing (an
    object per file) is then let go once its files are read, not kept for the whole build.

    With a ``cache`` (:mod:`corpus.pipeline.cache`), documents and pairs seen by an earlier
    build with the same settings and versions are taken from it, not processed again; the
    release is the same byte for byte. With a cache and the ``previous`` release made from it
    (:func:`~corpus.pipeline.reuse.previous_release`), the rows of cached documents are not
    written to the work files: the writer takes them from that release's ``all`` shards
    (:mod:`corpus.pipeline.reuse`), or from the cache should the release turn out damaged.
    ``hashed``: the digests :func:`same_bytes` found for this listing, a tuple per shard (the
    files' stat is then not looked up again).

    Strict mode (``config.strict``) raises the first reject in corpus order as a
    :class:`~corpus.errors.FormatError`, after the files were read, so which file is reported
    never depends on timing.

    The data fingerprint is the SHA-256 of: a header naming the schema version; the 16-byte
    digest of every ``all`` row as it was before deduplication (:func:`row_digest`, made by the
    read stage), in corpus order; the dedup columns of every row in a cluster, in corpus order;
    every reject row; every ``clusters.parquet`` row (rows as canonical JSON). It changes
    whenever a byte of the data changes, and never depends on the executor.
    """
    if isinstance(listing, list):
        listing = listing.pop()
    files_seen, skipped = len(listing.entries), len(listing.skipped)
    work = tmp / _WORK
    work.mkdir(parents=True, exist_ok=True)
    reuse = previous is not None and cache is not None
    checking = ThreadPoolExecutor(max_workers=1, thread_name_prefix="corpus-check")
    intact = checking.submit(previous.intact) if previous is not None and reuse else None
    checking.shutdown(wait=False)
    with semantic_verifier(config.dedup) as semantic:  # a missing extra fails before reading
        shards = plan_shards(listing, stages.executor.workers)
        del listing  # the shards' tasks hold the entries until they are read
        partitions = partitions_for(files_seen, config.dedup)
        planned = len(hashed) == len(shards) and all(
            len(d) == len(s) for d, s in zip(hashed, shards, strict=True))
        known = list(hashed) if planned else [None] * len(shards)
        tasks = [PrepareTask(k, shard, relativize, str(work), config.normalize, config.dedup,
                             partitions, cache=cache, reuse=reuse,
                             digests=known[k] if cache is not None else None)
                 for k, shard in enumerate(shards)]
        del known
        del shards
        prepared: list[PreparedShard] = stages.run(prepare, tasks, "read and normalise",
                                                   [len(t.entries) for t in tasks])
        del tasks
        # The manifest's input entries wait in the work folder until the rows are written:
        # at a million files they are 126 MB the write stage's peak would come on top of.
        spilled_inputs = [_spill_inputs(work, p) for p in prepared]
        prepared = [replace(p, inputs=_NO_INPUTS) for p in prepared]
        trim_memory()
        rejects = [r.reject for p in prepared for r in p.rejects]
        if config.strict and rejects:
            first = rejects[0]
            raise FormatError(first.path, first.line, first.rule, first.message, first.offset)
        start = time.perf_counter()
        found = dedup_shards(work, [p.index for p in prepared], config.dedup, stages.run,
                             partitions, semantic, cache, spill_evidence=True)
        mapped = sum(t for name, t in stages.timings.items() if name.startswith("dedup"))
        stages.timings["dedup: driver"] = time.perf_counter() - start - mapped
    # The evidence tasks wrote every member's passages to the work folder, and ``found`` keeps
    # each member's best passage only (the one the card shows): clusters.parquet is written
    # from the work files, in cluster-id order, and its rows as the fingerprint hashes them
    # are spilled to the work folder; in a thread, beside the write stage (it reads only the
    # evidence files; 0.15 s of a 10,000-document build, 0.7 s of a 100,000-document rebuild
    # in an earlier profile).
    spilled_rows = work / "cluster-rows.jsonl"
    clustering = ThreadPoolExecutor(max_workers=1, thread_name_prefix="corpus-clusters")
    clusters_written = clustering.submit(_write_clusters, tmp, work, spilled_rows)
    clustering.shutdown(wait=False)
    handed = [(prepared, found)]  # let go inside, before the write stage (see there)
    del prepared, found
    try:
        return _write_release(tmp, work, config, stages, handed, rejects, files_seen,
                              skipped, spilled_inputs, spilled_rows, clusters_written,
                              previous, cache, intact)
    finally:
        with contextlib.suppress(Exception):  # raised above, or by _write_release's wait
            clusters_written.result()  # done before the caller deletes ``tmp``


def _write_clusters(tmp: Path, work: Path, spilled_rows: Path) -> WrittenFile:
    """Write clusters.parquet from the evidence work files, spilling its rows as canonical
    JSON to ``spilled_rows`` (for the fingerprint)."""
    with open(spilled_rows, "wb") as spill:
        return write_batches(tmp, CLUSTERS, _tee_json(spilled_cluster_rows(work), spill),
                             CLUSTERS_SCHEMA)


def _write_release(tmp: Path, work: Path, config: BuildConfig, stages: Stages,
                   handed: list[tuple[list[PreparedShard], DedupResult]],
                   rejects: list[Reject],
                   files_seen: int, skipped: int, spilled_inputs: list[Path],
                   spilled_rows: Path, clusters_written: Future[WrittenFile],
                   previous: PreviousRelease | None, cache: Cache | None,
                   intact: Future[bool] | None) -> BuiltData:
    """The rest of :func:`run_build` once dedup is done: annotate and write both configs
    (the write stage: a map over ranges of the corpus, :func:`write_range`), then the
    rejects, the fingerprint and the inputs. ``handed`` holds the read stage's shards
    and the dedup result in a one-item list, which is emptied: both are let go before the rows
    are written (at a million documents the result holds some 200,000 members as objects)."""
    prepared, found = handed.pop()
    plans = [(p.shard, p.documents, p.reused) for p in prepared]
    del prepared

    # The card lists the first clusters only: their members are kept, the result let go (at a
    # million documents it holds some 200,000 members as Python objects). The write tasks
    # read the clustered documents' dedup columns from the work folder.
    cluster_count = len(found.clusters)
    listed = {m.id: (c, m) for c in found.clusters[:LIST_LIMIT] for m in c.members}
    listed_ids = tuple(sorted({c.id for c in found.clusters[:LIST_LIMIT]}))
    annotations = str(work / "annotations.arrow")
    _Annotator.save(found, annotations)
    del found
    trim_memory()  # the driver's level before the write stage is what its peak adds to
    # The previous release's shards are used only if they are the ones its manifest records
    # (checked while the files were read); otherwise every reused row comes from the cache.
    source = previous if intact is not None and intact.result() else None
    tasks = _write_tasks(str(work), plans, plan_reuse(str(work), plans, source), config,
                         source.data if source is not None else None, cache, listed_ids,
                         annotations)
    written: list[WrittenRange] = stages.run(write_range, tasks, "write",
                                             [task.count for task in tasks])
    del tasks

    fingerprint = hashlib.sha256(f"corpus-release schema {SCHEMA_VERSION} rows\n".encode())
    dedup_part = hashlib.sha256()
    relations: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    clusters: dict[str, list[ClusterMember]] = {}
    for part in written:
        # fixed 16-byte values, side by side
        data = part.before_dedup.buffers()[1]
        assert data is not None
        fingerprint.update(data.slice(16 * part.before_dedup.offset,
                                      16 * len(part.before_dedup)))
        dedup_part.update(part.dedup_rows)
        relations.update(part.relations)
        languages.update(part.languages)
        for row in part.members:
            clusters.setdefault(row["cluster_id"], []).append(
                _cluster_member(row, listed.get(row["id"])))
        for name, count in part.reused.items():
            stages.reused[name] = stages.reused.get(name, 0) + count
    fingerprint.update(b"dedup\n" + dedup_part.digest())
    files = {name: _place_files(tmp, work, name, written) for name in CONFIGS if name != "all"}

    fingerprint.update(b"rejects\n")
    for reject in rejects:
        fingerprint.update(row_json(reject_to_row(reject)) + b"\n")
    rejects_file = write_table(tmp, REJECTS, (reject_to_row(r) for r in rejects), REJECTS_SCHEMA)
    clusters_file = clusters_written.result()
    fingerprint.update(b"clusters\n")
    with open(spilled_rows, "rb") as spilled:
        while chunk := spilled.read(1 << 20):
            fingerprint.update(chunk)
    inputs = _sorted_inputs([_read_spilled(path) for path in spilled_inputs])
    removing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="corpus-clean")
    work_removed = removing.submit(shutil.rmtree, work)
    removing.shutdown(wait=False)

    for members_of in clusters.values():
        members_of.sort(key=lambda m: (m.relation != Relation.CANONICAL.value, m.id))
    stats = {name: ConfigStats(name, sum(p.rows[name] for p in written),
                               sum(p.nbytes[name] for p in written),
                               sum(f.bytes for f in files[name]))
             for name in files}
    documents = stats["default"].rows + stats["duplicates"].rows
    stats["all"] = ConfigStats("all", documents,
                               stats["default"].num_bytes + stats["duplicates"].num_bytes,
                               stats["default"].download_bytes
                               + stats["duplicates"].download_bytes)
    counts = Counts(
        files_seen=files_seen,
        documents=documents,
        rejects=len(rejects),
        rejects_by_rule=dict(sorted(Counter(r.rule for r in rejects).items())),
        clusters=cluster_count,
        duplicates=stats["duplicates"].rows,
        relations={r.value: relations[r.value] for r in Relation if relations[r.value]},
        languages=dict(sorted(languages.items(), key=lambda item: (-item[1], item[0]))),
        rows={name: stats[name].rows for name in CONFIGS},
        skipped=skipped,
    )
    if counts.files_seen != counts.documents + counts.rejects:
        raise CorpusError(
            f"files seen {counts.files_seen} != documents {counts.documents} + rejects "
            f"{counts.rejects}: a file was lost between reading and writing (a bug; please "
            "report it)")
    configs = tuple(stats[name] for name in CONFIGS)
    return BuiltData(
        inputs=inputs,
        counts=counts,
        files=tuple(sorted((*files["default"], *files["duplicates"], rejects_file,
                            clusters_file), key=lambda f: f.path)),
        fingerprint=fingerprint.hexdigest(),
        configs=configs,
        clusters=dict(sorted(clusters.items())),
        rejects=tuple(rejects),
        row_digests=pa.Table.from_arrays(
            [pa.chunked_array([p.ids for p in written], pa.string()),
             pa.chunked_array([p.row_digests for p in written], pa.binary(16)),
             pa.chunked_array([p.before_dedup for p in written], pa.binary(16)),
             pa.chunked_array([p.kept for p in written], pa.bool_())],
            schema=ROW_DIGESTS),
        work_removed=work_removed,
    )


def _write_tasks(work: str, shards: Sequence[tuple[int, int, int]],
                 reuse: dict[int, ReusePlan], config: BuildConfig,
                 release: ReleaseFiles | None, cache: Cache | None, listed: tuple[str, ...],
                 annotations: str) -> list[WriteTask]:
    """The write stage's tasks: the corpus cut, in corpus order, into ranges of
    ``config.shard_documents`` documents (the last may hold fewer), each made of the parts of
    the read stage's shards it covers. The ranges depend on the documents alone, never on the
    executor or its shards, so neither do the files they make. At least one task, so that an
    empty corpus still gets a file in each config."""
    size = config.shard_documents
    tasks: list[WriteTask] = []
    ranges: list[ShardRange] = []
    start = held = 0  # the first document of the range being made, and its documents so far
    for shard, documents, _ in shards:
        first = 0
        while first < documents:
            last = min(documents, first + size - held)
            ranges.append(ShardRange(shard, documents, first, last, reuse.get(shard)))
            held += last - first
            first = last
            if held == size:
                tasks.append(WriteTask(work, len(tasks), start, held, tuple(ranges), config,
                                       release, cache, listed, annotations))
                start, held, ranges = start + held, 0, []
    if held or not tasks:
        tasks.append(WriteTask(work, len(tasks), start, held, tuple(ranges), config, release,
                               cache, listed, annotations))
    return tasks


def _place_files(tmp: Path, work: Path, name: str, written: Sequence[WrittenRange]
                 ) -> list[WrittenFile]:
    """Move the files of config ``name`` that the write tasks made (in their folders of the
    work folder) into the release, named in corpus order: ``train-00000-of-000NN.parquet``.
    A task's file without rows is left out, unless the config has no rows at all: it then
    keeps one (the schema alone), so that every config the card declares has a file."""
    made = [(part.group, f) for part in written for f in part.files[name]]
    kept = [(group, f) for group, f in made if f.rows] or made[:1]
    placed = []
    (tmp / "data" / name).mkdir(parents=True, exist_ok=True)
    for index, (group, f) in enumerate(kept):
        relpath = shard_name(name, index, len(kept))
        shutil.move(_task_root(work, group) / f.path, tmp / relpath)
        placed.append(WrittenFile(relpath, f.rows, f.bytes, f.sha256))
    return placed


def _task_root(work: Path | str, group: int) -> Path:
    """The folder in the work folder where write task ``group`` makes its files."""
    return Path(work) / f"write-{group:05d}"


@dataclass(frozen=True, slots=True)
class WriteTask:
    """Annotate and write the documents ``start`` to ``start + count`` of the corpus (the
    ``ranges`` of the read stage's shards that hold them): their rows with the dedup columns
    set (``annotations``: the clustered documents' columns in the work folder), the kept ones
    into a file of ``default``, the others into one of ``duplicates`` (more where a file
    reaches ``config.shard_bytes``), made in the task's folder of the work folder. The rows of
    reused documents come from ``release`` (the previous release's files) or the ``cache``.
    ``listed``: the clusters whose members the card lists."""

    work: str
    group: int
    start: int
    count: int
    ranges: tuple[ShardRange, ...]
    config: BuildConfig
    release: ReleaseFiles | None
    cache: Cache | None
    listed: tuple[str, ...]
    annotations: str

    def doing(self) -> str:
        return f"documents {self.start + 1} to {self.start + self.count} of the corpus"


@dataclass(frozen=True, slots=True)
class WrittenRange:
    """What :func:`write_range` did with one range, for the driver to put together: each
    config's files (in the task's folder), rows and in-memory bytes; every document's id, row
    digest before dedup, digest with its dedup columns and whether it was kept, in corpus
    order; the annotated rows as canonical JSON lines (for the fingerprint); the members of
    the listed clusters; the counts of relations and of the kept documents' languages; and
    where the reused rows came from."""

    group: int
    files: dict[str, tuple[WrittenFile, ...]]
    rows: dict[str, int]
    nbytes: dict[str, int]
    ids: pa.Array
    before_dedup: pa.Array
    row_digests: pa.Array
    kept: pa.Array
    dedup_rows: bytes
    members: list[dict[str, Any]]
    relations: dict[str, int]
    languages: dict[str, int]
    reused: dict[str, int]


def write_range(task: WriteTask) -> WrittenRange:
    """The write stage's task (:class:`WriteTask`): a failure names the documents of the
    range, as a :class:`~corpus.errors.StageError` (the library's own errors, and the
    system's, which name their file, pass as they are)."""
    try:
        return _write_range(task)
    except (CorpusError, OSError):
        raise
    except Exception as exc:
        raise StageError(f"write: {task.doing()}: {type(exc).__name__}: {exc}") from exc


def _write_range(task: WriteTask) -> WrittenRange:
    root = _task_root(task.work, task.group)
    annotate = _Annotator.load(task.annotations)
    listed_ids = pa.array(task.listed, pa.string())
    kept = pa.array([r.value for r in _KEPT], pa.string())
    ids: list[pa.Array] = []
    row_digests: list[pa.Array] = []
    before_dedup: list[pa.Array] = []
    kept_flags: list[pa.Array] = []
    dedup_lines: list[bytes] = []
    members: list[dict[str, Any]] = []
    relations: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    reused: dict[str, int] = {}
    # Each row is written once: the kept ones to ``default``, the others to ``duplicates``
    # (the ``all`` config is both folders).
    with _shards(root, "default", task.config) as default, \
            _shards(root, "duplicates", task.config) as duplicates, \
            _InOrder(partial(_write_selected, default),
                     **_write_ahead(task.config)) as write_default, \
            _InOrder(partial(_write_selected, duplicates),
                     **_write_ahead(task.config)) as write_duplicates:
        for k, (batch, order) in enumerate(rows_in_corpus_order(
                task.work, task.ranges, read_work_from, WORK_SCHEMA, task.release, task.cache,
                reused)):
            if k % _TRIM_EVERY == _TRIM_EVERY - 1:
                trim_memory()  # the writers' freed row groups
            table, annotated = annotate(batch, order)
            # The narrow columns in corpus order (the rows of ``table`` are, unless ``order``
            # says where each document's row is); the writers take the wide ones themselves.
            view = table.select(_NARROW).add_column(0, "row_digest", batch.column("row_digest"))
            if order is not None:
                view = view.take(order)
            documents_here = view.num_rows
            digests = view.column("row_digest").combine_chunks()
            before_dedup.append(digests)
            ids.append(view.column("id").combine_chunks())
            dedup_rows: list[bytes] = []
            if annotated is None:
                row_digests.append(digests)
            else:
                # each annotated document's dedup columns as canonical JSON, once for both uses
                dedup_rows = [row_json(item) for item in annotated.to_pylist()]
                row_digests.append(_annotated_digests(digests, view.column("id"), annotated,
                                                      dedup_rows))
            for value, count in _counts(view.column("relation")):
                relations[value] += count
            is_kept = pc.is_in(view.column("relation"), value_set=kept)
            kept_flags.append(is_kept.combine_chunks()
                              if isinstance(is_kept, pa.ChunkedArray) else is_kept)
            kept_rows = pc.sum(is_kept).as_py() or 0
            nbytes = int(table.nbytes) * documents_here // max(1, table.num_rows)
            if kept_rows:
                write_default(_selected(table, order, is_kept, kept_rows, nbytes))
            if kept_rows < documents_here:
                write_duplicates(_selected(table, order, pc.invert(is_kept),
                                           documents_here - kept_rows, nbytes))
            for value, count in _counts(pc.filter(view.column("language"), is_kept)):
                languages[value] += count
            if annotated is not None:
                dedup_lines.extend(row + b"\n" for row in dedup_rows)
                chosen = view.filter(pc.is_in(view.column("cluster_id"), value_set=listed_ids))
                members += chosen.select(["id", "source", "relation", "score", "title",
                                          "cluster_id"]).to_pylist()
        # Each config's last row group is encoded, and its files hashed, on its own thread.
        write_default.then(default.close)
        write_duplicates.then(duplicates.close)
    total = sum(len(d) for d in ids)
    if total != task.count:
        raise CorpusError(f"the write stage wrote {total} rows for {task.doing()} (a bug; "
                          "please report it)")
    return WrittenRange(
        group=task.group,
        files={"default": default.files, "duplicates": duplicates.files},
        rows={"default": default.rows, "duplicates": duplicates.rows},
        nbytes={"default": default.nbytes, "duplicates": duplicates.nbytes},
        ids=_joined(ids, pa.string()),
        before_dedup=_joined(before_dedup, pa.binary(16)),
        row_digests=_joined(row_digests, pa.binary(16)),
        kept=_joined(kept_flags, pa.bool_()),
        dedup_rows=b"".join(dedup_lines),
        members=members,
        relations=dict(relations),
        languages=dict(languages),
        reused=reused,
    )


def _joined(arrays: Sequence[pa.Array], kind: pa.DataType) -> pa.Array:
    """``arrays`` as one array of type ``kind`` (an empty one when there are none)."""
    return pa.concat_arrays(list(arrays)) if arrays else pa.array([], kind)


def _tee_json(batches: Iterable[pa.RecordBatch], sink: IO[bytes]) -> Iterator[pa.RecordBatch]:
    """``batches``, each row written to ``sink`` as canonical JSON on its way (a line each)."""
    for batch in batches:
        for row in batch.to_pylist():
            sink.write(row_json(row) + b"\n")
        yield batch


class _InOrder:
    """Calls ``fn`` on each value given, in order, in a thread of its own, at most ``ahead``
    calls behind the caller: each config's rows are taken into row groups in a thread of
    their own (and the groups encoded in another, by the writer) while the caller reads and
    annotates the next rows (Arrow's gathers, Parquet encoding and compression release the
    GIL), so writing both configs takes little more than encoding one.

    The caller may run ``ahead`` calls, and ``budget`` bytes of values (``size`` measures
    one), in front of the thread, so that it keeps feeding one config's writer while the
    other is busy (with one call in flight the caller waited for each row group a writer
    encoded: 3.2 s of an 11 s write of 100,000 documents, before the writers encoded on
    threads of their own). The first failure is raised by the next call or on exit."""

    def __init__(self, fn: Callable[[Any], None], ahead: int = 4, *,
                 size: Callable[[Any], int] | None = None, budget: int = 0) -> None:
        self._fn = fn
        self._ahead = ahead
        self._size = size
        self._budget = budget
        self._held = 0  # bytes of the values not yet handled (with ``size``)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="corpus-write")
        self._pending: deque[tuple[Future[None], int]] = deque()

    def __enter__(self) -> _InOrder:
        return self

    def _full(self) -> bool:
        return len(self._pending) >= self._ahead or (
            self._size is not None and self._held >= self._budget)

    def __call__(self, value: Any) -> None:
        while self._pending and (self._pending[0][0].done() or self._full()):
            self._pop()
        nbytes = self._size(value) if self._size is not None else 0
        self._held += nbytes
        self._pending.append((self._pool.submit(self._fn, value), nbytes))

    def _pop(self) -> None:
        future, nbytes = self._pending.popleft()
        self._held -= nbytes
        future.result()

    def _wait(self) -> None:
        while self._pending:
            self._pop()

    def then(self, step: Callable[[], Any]) -> None:
        """Run ``step`` on the thread after every value given so far (e.g. close the writer,
        beside the other config's writer closing on its own thread)."""
        self._pending.append((self._pool.submit(step), 0))

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        try:
            if exc_type is None:
                self._wait()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _annotated_digests(digests: pa.Array, ids: pa.ChunkedArray, annotated: pa.Table,
                       dedup_rows: list[bytes]) -> pa.Array:
    """``digests`` (of the documents ``ids``) with each annotated document's replaced by the
    digest of its digest and its dedup columns (``dedup_rows``: each annotated row as
    canonical JSON)."""
    values = digests.to_pylist()
    where = pc.index_in(annotated.column("id"), value_set=ids).to_pylist()
    for position, row in zip(where, dedup_rows, strict=True):
        values[position] = hashlib.blake2b(values[position] + row, digest_size=16).digest()
    return pa.array(values, pa.binary(16))


def _counts(column: pa.ChunkedArray | pa.Array) -> list[tuple[str, int]]:
    """``(value, count)`` of a string column."""
    counted = pc.value_counts(column)
    return list(zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist(),
                    strict=True))


#: What a prepared shard holds of its input entries once they are spilled. (Not
#: ``Schema.empty_table()``, which imports pandas when this module is imported: half a second
#: before anything else could run; the fork server preloads pandas on its own.)
_NO_INPUTS = pa.Table.from_batches([], schema=INPUTS_SCHEMA)


def _spill_inputs(work: Path, shard: PreparedShard) -> Path:
    """Write ``shard``'s input entries to the work folder (Arrow IPC); their path."""
    path = work / f"inputs-{shard.shard}.arrow"
    with pa.OSFile(str(path), "wb") as sink, \
            pa.ipc.new_file(sink, shard.inputs.schema) as writer:
        writer.write_table(shard.inputs)
    return path


def _read_spilled(path: Path) -> pa.Table:
    """The table :func:`_spill_inputs` wrote (memory-mapped: its pages are the file's)."""
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def _sorted_inputs(tables: Sequence[pa.Table]) -> InputFiles:
    """The manifest's input entries of every shard, sorted by path (code point order: the
    UTF-8 bytes sort the same way), kept as columns."""
    if not tables:
        return InputFiles.of(())
    table = pa.concat_tables(tables)
    return InputFiles(table.take(pc.sort_indices(table, sort_keys=[("path", "ascending")])))


class _AsRead:
    """Leaves paths as the reader gave them (``corpus dedup`` reports them so)."""

    def path(self, path: str) -> str:
        return path

    def document(self, doc: Document) -> Document:
        return doc

    def reject(self, reject: Reject) -> Reject:
        return reject


def dedup_corpus(listing: Listing, config: DedupConfig, stages: Stages,
                 normalize_config: NormalizeConfig | None = None, *, strict: bool = False
                 ) -> tuple[DedupResult, tuple[Reject, ...]]:
    """Read, normalise and deduplicate ``listing`` with the build's stages, in a temporary work
    folder: the dedup result and the rejects (in corpus order). ``strict`` raises the first
    reject as a :class:`~corpus.errors.FormatError` instead."""
    normalize_config = NormalizeConfig() if normalize_config is None else normalize_config
    with tempfile.TemporaryDirectory(prefix="corpus-dedup-") as work, \
            semantic_verifier(config) as semantic:
        shards = plan_shards(listing, stages.executor.workers)
        partitions = partitions_for(len(listing.entries), config)
        tasks = [PrepareTask(k, shard, _AsRead(), work, normalize_config, config, partitions)
                 for k, shard in enumerate(shards)]
        prepared: list[PreparedShard] = stages.run(prepare, tasks, "read and normalise",
                                                   [len(t.entries) for t in tasks])
        rejects = tuple(r.reject for p in prepared for r in p.rejects)
        if strict and rejects:
            first = rejects[0]
            raise FormatError(first.path, first.line, first.rule, first.message, first.offset)
        found = dedup_shards(work, [p.index for p in prepared], config, stages.run,
                             partitions, semantic)
    return found, rejects


def read_report(listing: Listing, stages: Stages, *, strict: bool = False) -> ReadReport:
    """Read and parse every file of ``listing`` with the build's read stage; the report of
    what was accepted and rejected (paths as the reader gives them). With ``strict`` the
    report stops at the first reject in corpus order, as a strict reader would."""
    shards = plan_shards(listing, stages.executor.workers)
    tasks = [ListTask(k, shard, _AsRead()) for k, shard in enumerate(shards)]
    results: list[tuple[Outcome, ...]] = stages.run(list_inputs, tasks, "read",
                                                    [len(t.entries) for t in tasks])
    outcomes = [o for shard in results for o in shard]
    if strict:
        first = next((k for k, o in enumerate(outcomes) if isinstance(o, Rejected)), None)
        if first is not None:
            outcomes = outcomes[:first + 1]
    rejects = tuple(o.reject for o in outcomes if isinstance(o, Rejected))
    return ReadReport(source=listing.source, files_seen=len(outcomes),
                      documents=len(outcomes) - len(rejects), rejects=rejects,
                      skipped=listing.skipped)
