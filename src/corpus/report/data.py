"""What the report shows, read from a release folder: typed records and streaming readers.

A release folder holds everything the report needs: ``manifest.json`` (name, version, counts),
the ``all`` config's shards (one row per accepted document), ``clusters.parquet`` (every
member of every duplicate cluster with its measures, why the canonical document was kept and
the aligned passage pairs) and ``rejects.parquet`` (file, line, rule, message). The readers
here stream those files a batch at a time and read only the columns they need; of the document
text only the start of untitled clustered documents is kept (to name them). So memory grows with
the number of clustered documents (their ids and titles), not with the size of the corpus.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus.errors import ConfigError, PublishError, Reject
from corpus.publish.layout import CLUSTERS, DATA_DIR, MANIFEST, REJECTS, config_paths
from corpus.publish.manifest import Manifest
from corpus.publish.parquet import WrittenFile
from corpus.records import Relation
from corpus.schema import reject_from_row

__all__ = [
    "SNIPPET",
    "ClusterView",
    "DocumentInfo",
    "DocumentScan",
    "Histogram",
    "MemberView",
    "PassagePair",
    "cluster_ids",
    "clusters_by_relation",
    "histogram",
    "iter_clusters",
    "read_manifest",
    "read_rejects",
    "scan_documents",
]

_DOC_COLUMNS = ["id", "title", "source", "language", "word_count", "relation"]
#: How much of an untitled document's text names it in the report.
SNIPPET = 90
_KEPT = frozenset({Relation.UNIQUE.value, Relation.CANONICAL.value})
#: At most this many bars in the length histogram (plus one for the longest documents).
_MAX_BINS = 24
_BATCH = 4096


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the report shows of one document: identity, title, file, language and length."""

    id: str
    title: str
    path: str
    language: str
    words: int
    #: The start of the text (at most :data:`SNIPPET` characters), to name an untitled document.
    snippet: str = ""

    @property
    def label(self) -> str:
        """The title, or for an untitled document the start of its text in quotes."""
        if self.title or not self.snippet:
            return self.title
        cut = self.snippet.rsplit(" ", 1)[0] if len(self.snippet) >= SNIPPET else self.snippet
        return f"“{cut}…”" if len(self.snippet) >= SNIPPET else f"“{cut}”"


@dataclass(frozen=True, slots=True)
class PassagePair:
    """One aligned passage pair: a sentence of the compared document and one of the member.

    Sentence and paragraph numbers are 1-based, as people count them. ``similarity`` is the
    TF-IDF cosine of the two sentences; ``jaccard`` and ``containment`` compare their words.
    """

    canonical_sentence: int
    canonical_paragraph: int
    canonical_text: str
    member_sentence: int
    member_paragraph: int
    member_text: str
    similarity: float
    jaccard: float
    containment: float


@dataclass(frozen=True, slots=True)
class MemberView:
    """One member of a cluster, with its document, relation, measures and evidence.

    ``matched_with`` is the document the evidence compares it with: the canonical one, which
    every member is verified against (clusters do not chain).
    """

    document: DocumentInfo
    relation: str
    score: float
    matched_with: str
    jaccard: float
    containment: float
    coverage: float
    aligned: int
    passages: tuple[PassagePair, ...]


@dataclass(frozen=True, slots=True)
class ClusterView:
    """A duplicate cluster: its canonical (kept) document first, why it was kept, the members,
    and its weakest link (the lowest score of a member's verified link to the canonical
    document, the ``weakest_link`` column of ``clusters.parquet``)."""

    id: str
    canonical: str
    kept_because: str
    members: tuple[MemberView, ...]
    weakest_link: float = 1.0

    @property
    def relations(self) -> tuple[str, ...]:
        """The relations of the non-canonical members, each once, in :class:`Relation` order."""
        present = {m.relation for m in self.members if m.relation != Relation.CANONICAL.value}
        return tuple(r.value for r in Relation if r.value in present)


@dataclass(frozen=True, slots=True)
class Histogram:
    """Counts of documents by length in words: bar ``i`` counts ``edges[i] <= words <
    edges[i + 1]``; when ``open_ended`` the last bar counts every document from its lower edge
    up (the longest 1% would otherwise squeeze every other bar)."""

    edges: tuple[int, ...]
    counts: tuple[int, ...]
    open_ended: bool = False


@dataclass(frozen=True, slots=True)
class DocumentScan:
    """What one pass over the ``all`` config gives the report.

    ``languages`` counts every accepted document by language, ``kept_languages`` only the
    deduplicated ones (unique and canonical, the ``default`` config); both are ordered by count,
    then language. ``documents`` holds the :class:`DocumentInfo` of the requested ids.
    """

    rows: int
    lengths: Histogram
    languages: Mapping[str, int]
    kept_languages: Mapping[str, int]
    documents: Mapping[str, DocumentInfo]


def _require(path: Path) -> Path:
    if not path.is_file():
        raise PublishError(
            f"{path}: missing; a release folder written by `corpus build` holds {MANIFEST}, "
            f"{CLUSTERS}, {REJECTS} and the shards under {DATA_DIR}/ (rebuild the release)"
        )
    return path


def _open(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(_require(path))
    except (OSError, ValueError) as exc:  # pyarrow raises ArrowInvalid (a ValueError)
        raise PublishError(f"{path}: not a readable Parquet file ({exc})") from None


def _batches(
    path: Path, columns: Sequence[str] | None = None, lazy: str = ""
) -> Iterator[tuple[list[dict[str, Any]], Any]]:
    """Rows of ``path`` a batch at a time, as dicts of ``columns``; the column ``lazy`` comes
    separately as an Arrow array, so only the values asked for become Python strings."""
    parquet = _open(path)
    names = set(parquet.schema_arrow.names)
    wanted = [*columns, lazy] if columns is not None and lazy else columns
    missing = [c for c in wanted or () if c not in names]
    if missing:
        raise PublishError(
            f"{path}: column(s) {', '.join(missing)} missing; was the release written by another "
            "schema version? (rebuild it with `corpus build`)"
        )
    for batch in parquet.iter_batches(batch_size=_BATCH, columns=wanted):
        if lazy:
            yield batch.drop_columns([lazy]).to_pylist(), batch.column(lazy)
        else:
            yield batch.to_pylist(), None


def _arrow_batches(path: Path, columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
    """:func:`_batches`, as Arrow record batches."""
    parquet = _open(path)
    missing = [c for c in columns if c not in parquet.schema_arrow.names]
    if missing:
        raise PublishError(
            f"{path}: column(s) {', '.join(missing)} missing; was the release written by another "
            "schema version? (rebuild it with `corpus build`)"
        )
    yield from parquet.iter_batches(batch_size=_BATCH, columns=list(columns))


def _value_counts(values: pa.Array) -> dict[str, int]:
    counted = pc.value_counts(values)
    return dict(zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist(),
                    strict=True))


def read_manifest(release_dir: Path) -> Manifest:
    """The manifest of ``release_dir``; raises :class:`PublishError` if it is not a release."""
    return Manifest.read(release_dir)


def _shards(release_dir: Path, files: Sequence[WrittenFile]) -> list[Path]:
    """The data files of the release's ``all`` config."""
    return [release_dir / p for p in config_paths("all", (f.path for f in files))]


def _round_widths() -> Iterator[int]:
    """1, 2, 5, 10, 20, 50, 100, ...: bin widths people read at a glance."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            yield step * scale
        scale *= 10


def histogram(lengths: npt.ArrayLike, max_bins: int = _MAX_BINS) -> Histogram:
    """The histogram of ``lengths`` (word counts) with round bin widths (1, 2 or 5 × 10ⁿ).

    The bars cover 0 to the 99th percentile; when longer documents exist they go into one last
    open-ended bar. An empty input gives an empty histogram. ``lengths`` is a sequence of
    non-negative ints or a numpy array of them; raises :class:`ConfigError` for a negative
    length or ``max_bins`` below 1.
    """
    if max_bins < 1:
        raise ConfigError(f"max_bins={max_bins} must be at least 1 (one bar)")
    values = np.asarray(lengths, dtype=np.int64)
    if values.size == 0:
        return Histogram(edges=(), counts=())
    if int(values.min()) < 0:
        raise ConfigError(f"a document length of {int(values.min())} words: lengths count "
                          "words and cannot be negative")
    top = int(values.max())
    cap = int(np.percentile(values, 99, method="higher"))
    width = next(w for w in _round_widths() if math.ceil((cap + 1) / w) <= max_bins)
    bins = max(1, math.ceil((cap + 1) / width))
    open_ended = top >= bins * width
    edges = [i * width for i in range(bins + 1)]
    counts = np.bincount(np.minimum(values // width, bins), minlength=bins + 1)
    if open_ended:
        edges.append(top + 1)
        return Histogram(tuple(edges), tuple(int(c) for c in counts), open_ended=True)
    return Histogram(tuple(edges), tuple(int(c) for c in counts[:bins]))


def _ordered(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def scan_documents(
    release_dir: Path, wanted: Set[str], manifest: Manifest | None = None, *,
    files: Sequence[WrittenFile] | None = None,
) -> DocumentScan:
    """One streaming pass over the ``all`` config: lengths, languages, and the documents of
    ``wanted`` (the clustered ones). Reads only the columns it needs, a batch at a time, and
    keeps no text but the first :data:`SNIPPET` characters of untitled wanted documents: the
    ``text`` column (most of a release's bytes) is read in a second pass, and only when some
    wanted document has no title. The shards are those of ``files`` (the release's files) if
    given, else of ``manifest`` (read from the folder if not given)."""
    if files is None:
        files = (read_manifest(release_dir) if manifest is None else manifest).files
    lengths: list[Any] = []
    languages: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    found: dict[str, DocumentInfo] = {}
    untitled: set[str] = set()
    shards = _shards(release_dir, files)
    wanted_ids = pa.array(sorted(wanted), pa.string())
    kept_values = pa.array(sorted(_KEPT), pa.string())
    for shard in shards:
        # Counted on the Arrow columns: a Python object is made for the wanted rows only.
        for batch in _arrow_batches(shard, _DOC_COLUMNS):
            lengths.append(batch.column("word_count").to_numpy(zero_copy_only=False)
                           .astype(np.int64))
            language = batch.column("language")
            languages.update(_value_counts(language))
            kept.update(_value_counts(pc.filter(
                language, pc.is_in(batch.column("relation"), value_set=kept_values))))
            chosen = batch.filter(pc.is_in(batch.column("id"), value_set=wanted_ids))
            for row in chosen.to_pylist():
                source = row["source"]
                path = source["path"] + (f"!{source['member']}" if source["member"] else "")
                found[row["id"]] = DocumentInfo(
                    id=row["id"], title=row["title"], path=path, language=row["language"],
                    words=int(row["word_count"]), snippet="",
                )
                if not row["title"]:
                    untitled.add(row["id"])
    if untitled:
        for shard in shards:
            for rows, texts in _batches(shard, ["id"], lazy="text"):
                for i, row in enumerate(rows):
                    if row["id"] in untitled:
                        snippet = str(texts[i].as_py())[:SNIPPET]
                        found[row["id"]] = replace(found[row["id"]],
                                                   snippet=" ".join(snippet.split()))
    values = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
    return DocumentScan(
        rows=int(values.size),
        lengths=histogram(values),
        languages=_ordered(languages),
        kept_languages=_ordered(kept),
        documents=found,
    )


def cluster_ids(release_dir: Path) -> frozenset[str]:
    """The ids of every document in a duplicate cluster of the release (canonical included)."""
    ids: set[str] = set()
    for rows, _ in _batches(release_dir / CLUSTERS, ["id"]):
        ids.update(row["id"] for row in rows)
    return frozenset(ids)


def _passage(item: Mapping[str, Any]) -> PassagePair:
    return PassagePair(
        canonical_sentence=int(item["canonical_sentence"]) + 1,
        canonical_paragraph=int(item["canonical_paragraph"]) + 1,
        canonical_text=str(item["canonical_text"]),
        member_sentence=int(item["member_sentence"]) + 1,
        member_paragraph=int(item["member_paragraph"]) + 1,
        member_text=str(item["member_text"]),
        similarity=float(item["similarity"]),
        jaccard=float(item["jaccard"]),
        containment=float(item["containment"]),
    )


def _member(row: Mapping[str, Any], documents: Mapping[str, DocumentInfo]) -> MemberView:
    doc_id = str(row["id"])
    info = documents.get(doc_id) or DocumentInfo(
        id=doc_id, title="", path=str(row["name"]), language="", words=0)
    return MemberView(
        document=info,
        relation=str(row["relation"]),
        score=float(row["score"]),
        matched_with=str(row["matched_with"]),
        jaccard=float(row["jaccard"]),
        containment=float(row["containment"]),
        coverage=float(row["coverage"]),
        aligned=int(row["aligned"]),
        passages=tuple(_passage(p) for p in row["evidence"]),
    )


def _cluster(rows: list[Mapping[str, Any]], documents: Mapping[str, DocumentInfo]) -> ClusterView:
    members = sorted(
        (_member(r, documents) for r in rows),
        key=lambda m: (m.relation != Relation.CANONICAL.value, m.document.id),
    )
    first = rows[0]
    links = [m.score for m in members if m.relation != Relation.CANONICAL.value]
    weakest = first.get("weakest_link")  # absent from releases written before the column
    return ClusterView(
        id=str(first["cluster_id"]),
        canonical=str(first["canonical"]),
        kept_because=str(first["kept_because"]),
        members=tuple(members),
        weakest_link=float(weakest) if weakest is not None else min(links, default=1.0),
    )


def iter_clusters(
    release_dir: Path, documents: Mapping[str, DocumentInfo]
) -> Iterator[ClusterView]:
    """Every cluster of ``clusters.parquet``, in the file's order (by cluster id), canonical
    member first. ``documents`` supplies titles, paths and languages (see
    :func:`scan_documents`); a member missing from it is shown with its file name only."""
    pending: list[Mapping[str, Any]] = []
    for rows, _ in _batches(release_dir / CLUSTERS):
        for row in rows:
            if pending and row["cluster_id"] != pending[0]["cluster_id"]:
                yield _cluster(pending, documents)
                pending = []
            pending.append(row)
    if pending:
        yield _cluster(pending, documents)


def clusters_by_relation(clusters: Iterable[ClusterView]) -> dict[str, int]:
    """How many clusters hold at least one member of each duplicate relation (a cluster with
    an exact copy and a rewrite counts under both), in :class:`Relation` order."""
    counts: Counter[str] = Counter()
    for cluster in clusters:
        counts.update(cluster.relations)
    return {r.value: counts[r.value] for r in Relation if counts[r.value]}


def read_rejects(release_dir: Path) -> Iterator[Reject]:
    """The rejects of the release (file, line, rule, message), in the file's order."""
    for rows, _ in _batches(release_dir / REJECTS):
        for row in rows:
            yield reject_from_row(row)
