"""The Arrow schema of a release: one declared schema for document rows, one for rejects.

:data:`SCHEMA` is the single source of truth for the columns of every Parquet shard of a release
(both configs, ``default`` and ``all``): one column per :class:`~corpus.records.Document` field, in
field order, so a row holds the whole record and :func:`from_row` ``(``:func:`to_row` ``(doc))
== doc``. Nested values keep their shape: ``source`` is a struct, ``lines`` and ``quotes`` are
lists of structs, tuples of strings are ``list<string>``, enums (``Role``, ``Relation``) are their
string values. Every column is non-nullable: an absent value is the field's default (``""``,
``0``, ``[]``), never null, so readers never have to handle two spellings of "nothing".

The Hugging Face :class:`datasets.Features` are derived from the schema (:func:`features`), never
written by hand, so the dataset card, :func:`corpus.load` and the Parquet files cannot disagree.

:data:`SCHEMA_VERSION` changes whenever :data:`SCHEMA` changes (a column added, removed, renamed
or retyped); a release built with another schema version gets a new major dataset version.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from corpus.dedup.result import DedupResult
from corpus.errors import PublishError, Reject
from corpus.records import Document, Line, Quote, Relation, Role, SourceRef

if TYPE_CHECKING:
    import datasets

__all__ = [
    "CLUSTERS_SCHEMA",
    "COLUMN_DESCRIPTIONS",
    "REJECTS_SCHEMA",
    "SCHEMA",
    "SCHEMA_VERSION",
    "cluster_rows",
    "features",
    "features_yaml",
    "from_row",
    "reject_features",
    "reject_from_row",
    "reject_to_row",
    "schema_description",
    "to_batch",
    "to_row",
]

#: Version of :data:`SCHEMA`. Bump it with every change of the schema; releases record it.
SCHEMA_VERSION = "1.0"

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _f(name: str, kind: pa.DataType) -> pa.Field:
    return pa.field(name, kind, nullable=False)


def _strings() -> pa.DataType:
    return pa.list_(_f("item", pa.string()))


_SOURCE = pa.struct([_f("path", pa.string()), _f("member", pa.string())])
_LINE = pa.struct(
    [_f("number", pa.int64()), _f("role", pa.string()), _f("text", pa.string()),
     _f("ending", pa.string())]
)
_QUOTE = pa.struct([_f("text", pa.string()), _f("attribution", pa.string())])

#: The Arrow schema of a document row: one non-nullable column per ``Document`` field, in order.
SCHEMA: pa.Schema = pa.schema(
    [
        # parse: identity, provenance and the exact original
        _f("id", pa.string()),
        _f("seq", pa.int64()),
        _f("source", _SOURCE),
        _f("bom", pa.bool_()),
        _f("lines", pa.list_(_f("item", _LINE))),
        _f("raw_sha256", pa.string()),
        _f("line_ending", pa.string()),
        # normalisation
        _f("title", pa.string()),
        _f("subtitle", pa.string()),
        _f("authors", _strings()),
        _f("headings", _strings()),
        _f("quotes", pa.list_(_f("item", _QUOTE))),
        _f("boilerplate", _strings()),
        _f("bio", pa.string()),
        _f("comments", _strings()),
        _f("text", pa.string()),
        _f("char_count", pa.int64()),
        _f("word_count", pa.int64()),
        _f("paragraph_count", pa.int64()),
        _f("text_sha256", pa.string()),
        _f("language", pa.string()),
        _f("language_probability", pa.float64()),
        _f("mojibake_fixed", pa.bool_()),
        _f("normalizer_version", pa.string()),
        # deduplication
        _f("cluster_id", pa.string()),
        _f("duplicate_of", pa.string()),
        _f("relation", pa.string()),
        _f("score", pa.float64()),
    ]
)

#: The Arrow schema of ``rejects.parquet``: one row per input file that was not accepted.
REJECTS_SCHEMA: pa.Schema = pa.schema(
    [
        _f("path", pa.string()),
        _f("line", pa.int64()),
        _f("rule", pa.string()),
        _f("message", pa.string()),
        _f("offset", pa.int64()),
    ]
)

_PASSAGE = pa.struct(
    [
        _f("canonical_sentence", pa.int64()),
        _f("canonical_paragraph", pa.int64()),
        _f("canonical_text", pa.string()),
        _f("member_sentence", pa.int64()),
        _f("member_paragraph", pa.int64()),
        _f("member_text", pa.string()),
        _f("similarity", pa.float64()),
        _f("jaccard", pa.float64()),
        _f("containment", pa.float64()),
    ]
)

#: The Arrow schema of ``clusters.parquet``: one row per member of a duplicate cluster (the
#: canonical member included), with the measures and aligned passages that justify it.
CLUSTERS_SCHEMA: pa.Schema = pa.schema(
    [
        _f("cluster_id", pa.string()),
        _f("canonical", pa.string()),
        _f("id", pa.string()),
        _f("name", pa.string()),
        _f("relation", pa.string()),
        _f("kept", pa.bool_()),
        _f("kept_because", pa.string()),
        _f("score", pa.float64()),
        _f("matched_with", pa.string()),
        _f("weakest_link", pa.float64()),
        _f("jaccard", pa.float64()),
        _f("containment", pa.float64()),
        _f("coverage", pa.float64()),
        _f("aligned", pa.int64()),
        _f("evidence", pa.list_(_f("item", _PASSAGE))),
    ]
)

#: One sentence per column, for the dataset card and the docs.
COLUMN_DESCRIPTIONS: Mapping[str, str] = {
    "id": "16 lower-case hex digits from the file name; unique in a release",
    "seq": "sequence number from the file name",
    "source": "where the file came from: path relative to the corpus root, archive member",
    "bom": "the file started with a UTF-8 byte-order mark",
    "lines": "every line of the file: number (1-based), role, exact text, exact line ending",
    "raw_sha256": "SHA-256 of the original file bytes",
    "line_ending": "lf, crlf, cr, mixed, or none (one line without ending)",
    "title": "the headline",
    "subtitle": "the standfirst (dek)",
    "authors": "author names from the byline",
    "headings": "section headings, in order",
    "quotes": "pull quotes with their attribution",
    "boilerplate": "site boilerplate lines (not in text)",
    "bio": "the author's biography (not in text)",
    "comments": "reader comments (not in text)",
    "text": "the article body: normalised paragraphs joined by a blank line",
    "char_count": "characters in text",
    "word_count": "words in text",
    "paragraph_count": "paragraphs in text",
    "text_sha256": "SHA-256 of text (UTF-8)",
    "language": "ISO 639-1 code of the detected language, und when unknown",
    "language_probability": "confidence of the detected language, 0 to 1",
    "mojibake_fixed": "mojibake was repaired during normalisation",
    "normalizer_version": "version and settings hash of the normaliser that produced the row",
    "cluster_id": "duplicate cluster the document belongs to, empty when unique",
    "duplicate_of": "id of the cluster's canonical document, empty for canonical and unique rows",
    "relation": "unique, canonical, exact, near or rewrite",
    "score": ("pair score of the verified link to the canonical document (0 to 1: containment "
              "for near, the alignment's pair score for rewrite; 1 for canonical, 0 for unique)"),
}


def _type_name(kind: pa.DataType) -> str:
    if pa.types.is_list(kind):
        item = kind.value_field
        return f"list<{_type_name(item.type)}{'' if item.nullable else ' not null'}>"
    if pa.types.is_struct(kind):
        inner = ", ".join(_field_name(kind.field(i)) for i in range(kind.num_fields))
        return f"struct<{inner}>"
    return str(kind)


def _field_name(field: pa.Field) -> str:
    return f"{field.name}: {_type_name(field.type)}{'' if field.nullable else ' not null'}"


def schema_description(schema: pa.Schema = SCHEMA) -> tuple[str, ...]:
    """One ``"name: type"`` line per column, independent of pyarrow's own formatting.

    Written into ``manifest.json`` and compared by the tests with a frozen copy, so a schema
    change that forgot to bump :data:`SCHEMA_VERSION` fails loudly.
    """
    return tuple(_field_name(schema.field(i)) for i in range(len(schema)))


@cache
def features() -> datasets.Features:
    """The Hugging Face ``datasets.Features`` of a document row, derived from :data:`SCHEMA`."""
    import datasets

    return datasets.Features.from_arrow_schema(SCHEMA)


@cache
def reject_features() -> datasets.Features:
    """The Hugging Face ``datasets.Features`` of a reject row (from :data:`REJECTS_SCHEMA`)."""
    import datasets

    return datasets.Features.from_arrow_schema(REJECTS_SCHEMA)


#: ``datasets``' name of each Arrow type the schemas use (its ``Value`` dtypes).
_DTYPES: dict[pa.DataType, str] = {
    pa.string(): "string",
    pa.large_string(): "large_string",
    pa.bool_(): "bool",
    pa.int32(): "int32",
    pa.int64(): "int64",
    pa.float32(): "float32",
    pa.float64(): "float64",
}


def _feature_yaml(kind: pa.DataType) -> tuple[str, Any]:
    if pa.types.is_struct(kind):
        return "struct", [_field_yaml(kind.field(i)) for i in range(kind.num_fields)]
    if pa.types.is_list(kind):
        key, value = _feature_yaml(kind.value_type)
        # datasets writes a list of one dtype or of one struct without the inner key.
        return "list", value if key in ("dtype", "struct") else {key: value}
    try:
        return "dtype", _DTYPES[kind]
    except KeyError:
        raise TypeError(f"no Hugging Face dtype known for the Arrow type {kind}") from None


def _field_yaml(field: pa.Field) -> dict[str, Any]:
    key, value = _feature_yaml(field.type)
    return {"name": field.name, key: value}


def features_yaml(schema: pa.Schema = SCHEMA) -> list[dict[str, Any]]:
    """The ``features`` list of a dataset card's ``dataset_info``, as ``datasets`` writes it
    for ``schema`` (``Features.from_arrow_schema(schema)._to_yaml_list()``).

    Written here so that a build does not import ``datasets`` (half a second and some 800
    modules) to describe its own schema; the tests compare it with ``datasets``' own output
    for every schema of a release. An Arrow type it does not know is a ``TypeError``."""
    return [_field_yaml(schema.field(i)) for i in range(len(schema))]


def _int64(doc_id: str, name: str, value: int) -> int:
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise PublishError(
            f"document {doc_id}: {name}={value} does not fit the schema's int64 column "
            f"(range {_INT64_MIN}..{_INT64_MAX}); shorten the number in the file name"
        )
    return value


def _float(doc_id: str, name: str, value: float) -> float:
    if math.isnan(value):
        raise PublishError(
            f"document {doc_id}: {name} is NaN; the schema stores a number between 0 and 1 "
            "(NaN would make rows compare unequal to themselves)"
        )
    return value


def to_row(doc: Document) -> dict[str, Any]:
    """The row of ``doc`` under :data:`SCHEMA`: plain Python values, enums as their strings.

    Raises :class:`~corpus.errors.PublishError` for a value the schema cannot hold (an integer
    beyond int64, a NaN score), naming the document and the field.
    """
    return {
        "id": doc.id,
        "seq": _int64(doc.id, "seq", doc.seq),
        "source": {"path": doc.source.path, "member": doc.source.member},
        "bom": doc.bom,
        "lines": [
            {
                "number": _int64(doc.id, "line number", line.number),
                "role": str(line.role.value),
                "text": line.text,
                "ending": line.ending,
            }
            for line in doc.lines
        ],
        "raw_sha256": doc.raw_sha256,
        "line_ending": doc.line_ending,
        "title": doc.title,
        "subtitle": doc.subtitle,
        "authors": list(doc.authors),
        "headings": list(doc.headings),
        "quotes": [{"text": q.text, "attribution": q.attribution} for q in doc.quotes],
        "boilerplate": list(doc.boilerplate),
        "bio": doc.bio,
        "comments": list(doc.comments),
        "text": doc.text,
        "char_count": _int64(doc.id, "char_count", doc.char_count),
        "word_count": _int64(doc.id, "word_count", doc.word_count),
        "paragraph_count": _int64(doc.id, "paragraph_count", doc.paragraph_count),
        "text_sha256": doc.text_sha256,
        "language": doc.language,
        "language_probability": _float(doc.id, "language_probability", doc.language_probability),
        "mojibake_fixed": doc.mojibake_fixed,
        "normalizer_version": doc.normalizer_version,
        "cluster_id": doc.cluster_id,
        "duplicate_of": doc.duplicate_of,
        "relation": str(doc.relation.value),
        "score": _float(doc.id, "score", doc.score),
    }


def to_batch(docs: Iterable[Document]) -> pa.RecordBatch:
    """A record batch of ``docs`` with exactly :data:`SCHEMA` (never an inferred schema)."""
    return pa.RecordBatch.from_pylist([to_row(doc) for doc in docs], schema=SCHEMA)


def _strs(row: Mapping[str, Any], name: str) -> tuple[str, ...]:
    return tuple(str(item) for item in row[name])


def from_row(row: Mapping[str, Any]) -> Document:
    """The :class:`Document` a row of :data:`SCHEMA` holds; the inverse of :func:`to_row`.

    ``row`` is a mapping as produced by ``pyarrow.Table.to_pylist()`` or by iterating a
    ``datasets.Dataset`` with these features. Raises :class:`~corpus.errors.PublishError` naming
    the row's id and the column when a column is missing or holds a value no Document can have.
    """
    doc_id = str(row.get("id", "?"))
    try:
        source = row["source"]
        return Document(
            id=str(row["id"]),
            seq=int(row["seq"]),
            source=SourceRef(path=str(source["path"]), member=str(source["member"])),
            bom=bool(row["bom"]),
            lines=tuple(
                Line(
                    number=int(line["number"]),
                    role=Role(line["role"]),
                    text=str(line["text"]),
                    ending=str(line["ending"]),
                )
                for line in row["lines"]
            ),
            raw_sha256=str(row["raw_sha256"]),
            line_ending=str(row["line_ending"]),
            title=str(row["title"]),
            subtitle=str(row["subtitle"]),
            authors=_strs(row, "authors"),
            headings=_strs(row, "headings"),
            quotes=tuple(
                Quote(text=str(q["text"]), attribution=str(q["attribution"]))
                for q in row["quotes"]
            ),
            boilerplate=_strs(row, "boilerplate"),
            bio=str(row["bio"]),
            comments=_strs(row, "comments"),
            text=str(row["text"]),
            char_count=int(row["char_count"]),
            word_count=int(row["word_count"]),
            paragraph_count=int(row["paragraph_count"]),
            text_sha256=str(row["text_sha256"]),
            language=str(row["language"]),
            language_probability=float(row["language_probability"]),
            mojibake_fixed=bool(row["mojibake_fixed"]),
            normalizer_version=str(row["normalizer_version"]),
            cluster_id=str(row["cluster_id"]),
            duplicate_of=str(row["duplicate_of"]),
            relation=Relation(row["relation"]),
            score=float(row["score"]),
        )
    except KeyError as exc:
        raise PublishError(
            f"row {doc_id}: column {exc.args[0]!r} is missing; a document row needs every column "
            f"of corpus.SCHEMA (schema version {SCHEMA_VERSION}): was it written by another tool "
            "or another schema version?"
        ) from None
    except (TypeError, ValueError) as exc:
        raise PublishError(
            f"row {doc_id}: {exc}; the row does not match corpus.SCHEMA "
            f"(schema version {SCHEMA_VERSION})"
        ) from None


def reject_to_row(reject: Reject) -> dict[str, Any]:
    """The row of ``reject`` under :data:`REJECTS_SCHEMA`."""
    return {
        "path": reject.path,
        "line": reject.line,
        "rule": reject.rule,
        "message": reject.message,
        "offset": reject.offset,
    }


def reject_from_row(row: Mapping[str, Any]) -> Reject:
    """The :class:`~corpus.errors.Reject` a row of :data:`REJECTS_SCHEMA` holds."""
    return Reject(
        path=str(row["path"]),
        line=int(row["line"]),
        rule=str(row["rule"]),
        message=str(row["message"]),
        offset=int(row["offset"]),
    )


def cluster_rows(result: DedupResult) -> Iterator[dict[str, Any]]:
    """The rows of ``clusters.parquet`` (:data:`CLUSTERS_SCHEMA`) for a dedup result: every
    member of every cluster, clusters in id order, canonical member first."""
    for cluster in result.clusters:
        for member in cluster.members:
            yield {
                "cluster_id": cluster.id,
                "canonical": cluster.canonical,
                "id": member.id,
                "name": member.name,
                "relation": str(member.relation.value),
                "kept": member.id == cluster.canonical,
                "kept_because": cluster.reason,
                "score": member.score,
                "matched_with": member.matched_with,
                "weakest_link": cluster.weakest_link,
                "jaccard": member.jaccard,
                "containment": member.containment,
                "coverage": member.coverage,
                "aligned": member.aligned,
                "evidence": [
                    {
                        "canonical_sentence": p.canonical_index,
                        "canonical_paragraph": p.canonical_paragraph,
                        "canonical_text": p.canonical_text,
                        "member_sentence": p.member_index,
                        "member_paragraph": p.member_paragraph,
                        "member_text": p.member_text,
                        "similarity": p.similarity,
                        "jaccard": p.jaccard,
                        "containment": p.containment,
                    }
                    for p in member.evidence
                ],
            }
