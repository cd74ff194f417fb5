"""The declared Arrow schema: record → row → record is the identity, and the schema is frozen."""

from __future__ import annotations

import dataclasses
import io
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

import corpus
from corpus.errors import PublishError, Reject
from corpus.records import Document, Line, Quote, Relation, Role, SourceRef
from corpus.schema import (
    REJECTS_SCHEMA,
    SCHEMA,
    SCHEMA_VERSION,
    features,
    from_row,
    reject_from_row,
    reject_to_row,
    schema_description,
    to_batch,
    to_row,
)

INT64 = st.integers(-(2**63), 2**63 - 1)
TEXT = st.text(max_size=40)
STRINGS = st.lists(TEXT, max_size=4).map(tuple)
FLOATS = st.floats(allow_nan=False)

lines = st.builds(
    Line,
    number=INT64,
    role=st.sampled_from(Role),
    text=TEXT,
    ending=st.sampled_from(["\n", "\r\n", "\r", ""]),
)
quotes = st.builds(Quote, text=TEXT, attribution=TEXT)

# Every field drawn independently and unconstrained (within what the column types hold), so
# the property covers any record a stage could produce, not only what today's parser emits.
documents = st.builds(
    Document,
    id=TEXT,
    seq=INT64,
    source=st.builds(SourceRef, path=TEXT, member=TEXT),
    bom=st.booleans(),
    lines=st.lists(lines, max_size=6).map(tuple),
    raw_sha256=TEXT,
    line_ending=st.sampled_from(["lf", "crlf", "cr", "mixed", "none"]),
    title=TEXT,
    subtitle=TEXT,
    authors=STRINGS,
    headings=STRINGS,
    quotes=st.lists(quotes, max_size=3).map(tuple),
    boilerplate=STRINGS,
    bio=TEXT,
    comments=STRINGS,
    text=st.text(max_size=200),
    char_count=INT64,
    word_count=INT64,
    paragraph_count=INT64,
    text_sha256=TEXT,
    language=TEXT,
    language_probability=FLOATS,
    mojibake_fixed=st.booleans(),
    normalizer_version=TEXT,
    cluster_id=TEXT,
    duplicate_of=TEXT,
    relation=st.sampled_from(Relation),
    score=FLOATS,
)


@given(documents)
def test_record_row_record_is_identity(doc: Document) -> None:
    assert from_row(to_row(doc)) == doc


@given(st.lists(documents, max_size=5))
def test_identity_through_arrow_and_parquet(docs: list[Document]) -> None:
    batch = to_batch(docs)
    assert batch.schema.equals(SCHEMA)
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_batches([batch], schema=SCHEMA), sink)
    table = pq.read_table(io.BytesIO(sink.getvalue()))
    assert table.schema.equals(SCHEMA)
    assert [from_row(row) for row in table.to_pylist()] == docs


def test_identity_on_the_seeds(seeds_dir: Path) -> None:
    docs = [corpus.parse(p.read_bytes(), p.name) for p in sorted(seeds_dir.glob("*.txt"))]
    rows = to_batch(docs).to_pylist()
    back = [from_row(row) for row in rows]
    assert back == docs
    assert all(type(line.role) is Role for doc in back for line in doc.lines)
    assert all(type(doc.relation) is Relation for doc in back)


def test_columns_are_the_document_fields_in_order() -> None:
    assert SCHEMA.names == [f.name for f in dataclasses.fields(Document)]
    assert set(corpus.schema.COLUMN_DESCRIPTIONS) == set(SCHEMA.names)


def test_no_column_is_nullable() -> None:
    assert all("not null" in line for line in schema_description())
    assert all(not SCHEMA.field(name).nullable for name in SCHEMA.names)


# The frozen description of schema 1.0. A change of SCHEMA must bump SCHEMA_VERSION and
# update this copy in the same change (releases record both, and versions bump on them).
FROZEN = {
    "1.0": (
        "id: string not null",
        "seq: int64 not null",
        "source: struct<path: string not null, member: string not null> not null",
        "bom: bool not null",
        "lines: list<struct<number: int64 not null, role: string not null, "
        "text: string not null, ending: string not null> not null> not null",
        "raw_sha256: string not null",
        "line_ending: string not null",
        "title: string not null",
        "subtitle: string not null",
        "authors: list<string not null> not null",
        "headings: list<string not null> not null",
        "quotes: list<struct<text: string not null, attribution: string not null> not null> "
        "not null",
        "boilerplate: list<string not null> not null",
        "bio: string not null",
        "comments: list<string not null> not null",
        "text: string not null",
        "char_count: int64 not null",
        "word_count: int64 not null",
        "paragraph_count: int64 not null",
        "text_sha256: string not null",
        "language: string not null",
        "language_probability: double not null",
        "mojibake_fixed: bool not null",
        "normalizer_version: string not null",
        "cluster_id: string not null",
        "duplicate_of: string not null",
        "relation: string not null",
        "score: double not null",
    ),
}


def test_schema_matches_the_frozen_copy_of_its_version() -> None:
    assert SCHEMA_VERSION in FROZEN, f"add the description of schema {SCHEMA_VERSION} to FROZEN"
    assert schema_description() == FROZEN[SCHEMA_VERSION]


def test_features_are_derived_from_the_schema() -> None:
    feats = features()
    assert list(feats) == SCHEMA.names
    # Same types; datasets does not carry nullability.
    derived = feats.arrow_schema
    for name in SCHEMA.names:
        assert str(derived.field(name).type).replace(" not null", "") == str(
            SCHEMA.field(name).type
        ).replace(" not null", "")


def test_seq_beyond_int64_is_refused_with_the_document_named() -> None:
    """The schema's own guard, for documents made in code: a file whose name has such a seq never
    gets here, it is a ``bad-name`` reject (tests/test_adversarial.py checks that validate and a
    lenient build agree on it)."""
    doc = Document(id="dbad2dc0fe77bb11", seq=2**63, source=SourceRef("x"), bom=False, lines=(),
                   raw_sha256="", line_ending="none")
    with pytest.raises(PublishError, match=r"dbad2dc0fe77bb11: seq=9223372036854775808"):
        to_row(doc)


def test_nan_score_is_refused() -> None:
    doc = Document(id="a", seq=0, source=SourceRef("x"), bom=False, lines=(), raw_sha256="",
                   line_ending="none", score=math.nan)
    with pytest.raises(PublishError, match="score is NaN"):
        to_row(doc)


def test_missing_column_names_the_column_and_the_row() -> None:
    doc = Document(id="abc", seq=0, source=SourceRef("x"), bom=False, lines=(), raw_sha256="",
                   line_ending="none")
    row = to_row(doc)
    del row["relation"]
    with pytest.raises(PublishError, match=r"row abc: column 'relation' is missing"):
        from_row(row)


def test_unknown_enum_value_is_refused() -> None:
    doc = Document(id="abc", seq=0, source=SourceRef("x"), bom=False, lines=(), raw_sha256="",
                   line_ending="none")
    row = to_row(doc) | {"relation": "cousin"}
    with pytest.raises(PublishError, match=r"row abc: 'cousin' is not a valid Relation"):
        from_row(row)


def test_parquet_refuses_a_null_in_any_column() -> None:
    doc = Document(id="abc", seq=0, source=SourceRef("x"), bom=False, lines=(), raw_sha256="",
                   line_ending="none")
    row = to_row(doc) | {"title": None}
    table = pa.Table.from_pylist([row], schema=SCHEMA)
    with pytest.raises(pa.ArrowInvalid, match="'title' is declared non-nullable"):
        pq.write_table(table, io.BytesIO())


@given(st.builds(Reject, path=TEXT, line=INT64, rule=TEXT, message=TEXT, offset=INT64))
def test_reject_row_round_trip(reject: Reject) -> None:
    table = pa.Table.from_pylist([reject_to_row(reject)], schema=REJECTS_SCHEMA)
    assert reject_from_row(table.to_pylist()[0]) == reject
