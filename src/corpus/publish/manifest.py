"""``manifest.json``: what a release is, what made it, from which inputs, with which result.

The manifest is written last and is what makes a folder a release (see
:func:`corpus.publish.layout.list_releases`). It holds no timestamps and no absolute paths, and
its JSON is written with a fixed key order, so the same inputs, settings and version give the
same bytes. Its ``fingerprint`` is a hash of the *logical* content (every row of the ``all``
config, every reject and every cluster row, plus the schema version), not of the Parquet bytes,
so it survives a change of compression or of the pyarrow version; together with
``settings_hash`` it decides whether a rebuild changed anything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import pyarrow as pa
import pyarrow.compute as pc

from corpus.errors import PublishError
from corpus.publish.layout import MANIFEST
from corpus.publish.parquet import WrittenFile

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "INPUTS_SCHEMA",
    "ChangelogEntry",
    "Counts",
    "InputFile",
    "InputFiles",
    "Manifest",
    "input_bytes",
]

#: Encodes one string as ``json.dumps(..., ensure_ascii=False)`` does.
_STRING = json.JSONEncoder(ensure_ascii=False)
#: Stands for the inputs while the rest of the manifest is laid out.
_INPUTS_MARK = "\0inputs\0"

FORMAT = "corpus-release"
#: Version of the release layout and manifest format described in ``docs/publishing.md``.
FORMAT_VERSION = "2"


@dataclass(frozen=True, slots=True)
class InputFile:
    """One input file: path relative to the corpus root, SHA-256, size, and what became of it.

    ``status`` is ``"accepted"`` (``id`` is the document's id) or ``"rejected"`` (``rule`` says
    why). ``sha256`` is empty only for a reject whose bytes could not be read (a dangling link).
    """

    path: str
    sha256: str
    bytes: int
    status: str
    id: str = ""
    rule: str = ""


#: The input files of a release as Arrow columns (what :class:`InputFiles` keeps): ``path``
#: is UTF-8 (the lone surrogates of undecodable names kept), so byte order is path order.
INPUTS_SCHEMA: pa.Schema = pa.schema([
    pa.field("path", pa.binary(), nullable=False),
    pa.field("sha256", pa.string(), nullable=False),
    pa.field("bytes", pa.int64(), nullable=False),
    pa.field("accepted", pa.bool_(), nullable=False),
    pa.field("id", pa.string(), nullable=False),
    pa.field("rule", pa.string(), nullable=False),
])


def _input_fields(inputs: Sequence[InputFile]
                  ) -> Iterator[tuple[str, str, int, str, str, str]]:
    if isinstance(inputs, InputFiles):
        return inputs.fields()
    return ((i.path, i.sha256, i.bytes, i.status, i.id, i.rule) for i in inputs)


def input_bytes(inputs: Sequence[InputFile]) -> int:
    """The bytes of ``inputs``, summed (on the columns when they are :class:`InputFiles`)."""
    if isinstance(inputs, InputFiles):
        return inputs.total_bytes()
    return sum(i.bytes for i in inputs)


class InputFiles(Sequence[InputFile]):
    """A sequence of :class:`InputFile` kept as Arrow columns (:data:`INPUTS_SCHEMA`).

    A build of a million files keeps its manifest's inputs so: about 130 bytes a file instead
    of an object and five strings; the items are made when read. Equal to any sequence of the
    same items.
    """

    __slots__ = ("_table",)

    def __init__(self, table: pa.Table) -> None:
        self._table = table.cast(INPUTS_SCHEMA)

    @classmethod
    def of(cls, items: Iterable[InputFile]) -> InputFiles:
        """The sequence of ``items``."""
        columns: dict[str, list[Any]] = {name: [] for name in INPUTS_SCHEMA.names}
        for i in items:
            columns["path"].append(i.path.encode("utf-8", "surrogatepass"))
            columns["sha256"].append(i.sha256)
            columns["bytes"].append(i.bytes)
            columns["accepted"].append(i.status == "accepted")
            columns["id"].append(i.id)
            columns["rule"].append(i.rule)
        return cls(pa.Table.from_pydict(columns, schema=INPUTS_SCHEMA))

    @property
    def table(self) -> pa.Table:
        """The columns."""
        return self._table

    @staticmethod
    def _item(row: Mapping[str, Any]) -> InputFile:
        return InputFile(row["path"].decode("utf-8", "surrogatepass"), row["sha256"],
                         row["bytes"], "accepted" if row["accepted"] else "rejected",
                         id=row["id"], rule=row["rule"])

    def __len__(self) -> int:
        return int(self._table.num_rows)

    @overload
    def __getitem__(self, index: int) -> InputFile: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[InputFile, ...]: ...

    def __getitem__(self, index: int | slice) -> InputFile | tuple[InputFile, ...]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step == 1:
                return tuple(InputFiles(self._table.slice(start, max(0, stop - start))))
            return tuple(self[k] for k in range(start, stop, step))
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(f"input file {index} of {len(self)}")
        return self._item(self._table.slice(position, 1).to_pylist()[0])

    def __iter__(self) -> Iterator[InputFile]:
        for batch in self._table.to_batches(max_chunksize=4096):
            for row in batch.to_pylist():
                yield self._item(row)

    def fields(self) -> Iterator[tuple[str, str, int, str, str, str]]:
        """Each input's ``(path, sha256, bytes, status, id, rule)``, without making the items
        (what writing a manifest of a million inputs needs)."""
        for batch in self._table.to_batches(max_chunksize=4096):
            paths = [p.decode("utf-8", "surrogatepass") for p in batch.column("path").to_pylist()]
            status = ["accepted" if a else "rejected"
                      for a in batch.column("accepted").to_pylist()]
            yield from zip(paths, batch.column("sha256").to_pylist(),
                           batch.column("bytes").to_pylist(), status,
                           batch.column("id").to_pylist(), batch.column("rule").to_pylist(),
                           strict=True)

    def total_bytes(self) -> int:
        """The inputs' bytes, summed."""
        return int(pc.sum(self._table.column("bytes")).as_py() or 0)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"InputFiles({len(self)} files)"


def _parsed_inputs(items: list[dict[str, Any]]) -> InputFiles:
    """The ``inputs`` of a parsed manifest as columns, without an object per file (a manifest
    of 100,000 inputs is read in half the time). A status other than the two is refused."""
    statuses = [i["status"] for i in items]
    if any(s not in ("accepted", "rejected") for s in statuses):
        raise ValueError("an input's status is neither 'accepted' nor 'rejected'")
    columns = {
        "path": [str(i["path"]).encode("utf-8", "surrogatepass") for i in items],
        "sha256": [str(i["sha256"]) for i in items],
        "bytes": [int(i["bytes"]) for i in items],
        "accepted": [s == "accepted" for s in statuses],
        "id": [str(i.get("id", "")) for i in items],
        "rule": [str(i.get("rule", "")) for i in items],
    }
    return InputFiles(pa.Table.from_pydict(columns, schema=INPUTS_SCHEMA))


@dataclass(frozen=True, slots=True)
class Counts:
    """The numbers of a build, as the card and the command line report them."""

    files_seen: int
    documents: int
    rejects: int
    rejects_by_rule: Mapping[str, int]
    clusters: int
    duplicates: int
    relations: Mapping[str, int]
    languages: Mapping[str, int]
    rows: Mapping[str, int]
    skipped: int = 0  # hidden entries (".name", "__MACOSX"): not files of the corpus


@dataclass(frozen=True, slots=True)
class ChangelogEntry:
    """One line of the dataset's history: a version and how it differs from the one before."""

    version: str
    previous: str
    kind: str  # "initial", "major", "minor" or "patch"
    added: int = 0
    removed: int = 0
    changed: int = 0
    clusters_added: int = 0
    clusters_removed: int = 0
    clusters_changed: int = 0
    schema_changed: bool = False

    def summary(self) -> str:
        """A one-line human summary, e.g. ``"2 added, 1 changed, 1 cluster changed"``."""
        if self.kind == "initial":
            return "first release"
        parts = [
            f"{n} {what}"
            for n, what in (
                (self.added, "added"),
                (self.removed, "removed"),
                (self.changed, "changed"),
                (self.clusters_added, "cluster(s) added"),
                (self.clusters_removed, "cluster(s) removed"),
                (self.clusters_changed, "cluster(s) changed"),
            )
            if n
        ]
        if self.schema_changed:
            parts.insert(0, "schema changed")
        return ", ".join(parts) if parts else "no document changes (card or settings only)"


@dataclass(frozen=True, slots=True)
class Manifest:
    """The content of ``manifest.json``; see the module docstring and ``docs/publishing.md``."""

    name: str
    version: str
    schema_version: str
    schema: tuple[str, ...]
    seed_format_version: str
    libraries: Mapping[str, str]
    source: str
    settings: Mapping[str, Any]
    settings_hash: str
    inputs: Sequence[InputFile]
    counts: Counts
    files: tuple[WrittenFile, ...]
    fingerprint: str
    changelog: tuple[ChangelogEntry, ...] = ()
    format: str = FORMAT
    format_version: str = FORMAT_VERSION

    def to_json(self) -> str:
        """The manifest as JSON text with a fixed key order and a final newline."""
        return "".join(self.json_parts())

    def write(self, path: Path) -> None:
        """Write :meth:`to_json` to ``path`` a part at a time (a manifest of a million
        inputs is never one string in memory)."""
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(self.json_parts())

    def json_parts(self) -> Iterator[str]:
        """The text of :meth:`to_json` in parts: everything but the inputs as one part, then
        one part per input file (as ``json.dumps(..., indent=2)`` would lay it out)."""
        data = {
            "format": self.format,
            "format_version": self.format_version,
            "name": self.name,
            "version": self.version,
            "schema_version": self.schema_version,
            "schema": list(self.schema),
            "seed_format_version": self.seed_format_version,
            "libraries": dict(self.libraries),
            "source": self.source,
            "settings": dict(self.settings),
            "settings_hash": self.settings_hash,
            "counts": {
                "files_seen": self.counts.files_seen,
                "documents": self.counts.documents,
                "rejects": self.counts.rejects,
                "rejects_by_rule": dict(self.counts.rejects_by_rule),
                "clusters": self.counts.clusters,
                "duplicates": self.counts.duplicates,
                "relations": dict(self.counts.relations),
                "languages": dict(self.counts.languages),
                "rows": dict(self.counts.rows),
                "skipped": self.counts.skipped,
            },
            "fingerprint": self.fingerprint,
            "files": [
                {"path": f.path, "rows": f.rows, "bytes": f.bytes, "sha256": f.sha256}
                for f in self.files
            ],
            "inputs": [_INPUTS_MARK] if self.inputs else [],
            "changelog": [
                {"version": c.version, "previous": c.previous, "kind": c.kind, "added": c.added,
                 "removed": c.removed, "changed": c.changed, "clusters_added": c.clusters_added,
                 "clusters_removed": c.clusters_removed, "clusters_changed": c.clusters_changed,
                 "schema_changed": c.schema_changed}
                for c in self.changelog
            ],
        }
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if not self.inputs:
            yield text
            return
        head, _, tail = text.partition(f"    {_STRING.encode(_INPUTS_MARK)}\n")
        yield head
        last = len(self.inputs) - 1
        encode = _STRING.encode
        for k, (path, sha256, size, status, doc_id, rule) in enumerate(_input_fields(self.inputs)):
            yield (
                f'    {{\n      "path": {encode(path)},\n'
                f'      "sha256": {encode(sha256)},\n'
                f'      "bytes": {int(size)},\n'
                f'      "status": {encode(status)},\n'
                f'      "id": {encode(doc_id)},\n'
                f'      "rule": {encode(rule)}\n    }}{"," if k < last else ""}\n'
            )
        yield tail

    @classmethod
    def from_json(cls, text: str, *, where: str = "manifest.json") -> Manifest:
        """Parse a manifest; raises :class:`PublishError` naming ``where`` if it is not one."""
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise PublishError(
                    f"{where}: format is {data.get('format')!r}, not {FORMAT!r}: this is not a "
                    "corpus release manifest"
                )
            counts = data["counts"]
            return cls(
                format=data["format"],
                format_version=str(data["format_version"]),
                name=str(data["name"]),
                version=str(data["version"]),
                schema_version=str(data["schema_version"]),
                schema=tuple(data["schema"]),
                seed_format_version=str(data["seed_format_version"]),
                libraries=dict(data["libraries"]),
                source=str(data["source"]),
                settings=dict(data["settings"]),
                settings_hash=str(data["settings_hash"]),
                counts=Counts(
                    files_seen=int(counts["files_seen"]),
                    documents=int(counts["documents"]),
                    rejects=int(counts["rejects"]),
                    rejects_by_rule=dict(counts["rejects_by_rule"]),
                    clusters=int(counts["clusters"]),
                    duplicates=int(counts["duplicates"]),
                    relations=dict(counts["relations"]),
                    languages=dict(counts["languages"]),
                    rows=dict(counts["rows"]),
                    skipped=int(counts.get("skipped", 0)),
                ),
                fingerprint=str(data["fingerprint"]),
                files=tuple(
                    WrittenFile(str(f["path"]), int(f["rows"]), int(f["bytes"]), str(f["sha256"]))
                    for f in data["files"]
                ),
                inputs=_parsed_inputs(data["inputs"]),
                changelog=tuple(ChangelogEntry(**c) for c in data.get("changelog", [])),
            )
        except PublishError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PublishError(
                f"{where}: not a valid corpus release manifest ({type(exc).__name__}: {exc}); "
                "rebuild the release with `corpus build`"
            ) from None

    @classmethod
    def read(cls, release_dir: Path) -> Manifest:
        """Read ``release_dir/manifest.json``."""
        path = release_dir / MANIFEST
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PublishError(
                f"{path}: cannot read the release manifest ({exc.strerror or exc}); is "
                f"{release_dir} a release folder built by `corpus build`?"
            ) from None
        return cls.from_json(text, where=str(path))
