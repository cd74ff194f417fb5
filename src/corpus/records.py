"""The one record type of :mod:`corpus`: :class:`Document`, and the small values it holds.

A :class:`Document` is built by :func:`corpus.parse` from the bytes of one seed file and is
then enriched, never mutated, by later stages (``dataclasses.replace``): normalisation fills
the text and metadata fields, deduplication the cluster fields. Its ``lines`` keep every line
of the original with its exact line ending, and ``bom`` says whether the file started with a
UTF-8 byte-order mark, so :func:`corpus.render` can rebuild the original bytes exactly from any
stage's output. The fields map one to one onto the Arrow schema in :mod:`corpus.schema`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Document",
    "Line",
    "Quote",
    "Relation",
    "Role",
    "SourceRef",
]


class Role(StrEnum):
    """What a line of an article is. See ``docs/seed-format.md`` for the rules that assign them."""

    HEADLINE = "headline"
    STANDFIRST = "standfirst"
    BYLINE = "byline"
    HEADING = "heading"
    BODY = "body"
    QUOTE = "quote"
    BOILERPLATE = "boilerplate"
    BIO = "bio"
    COMMENT = "comment"
    BLANK = "blank"


class Relation(StrEnum):
    """How a document relates to the canonical document of its duplicate cluster."""

    UNIQUE = "unique"  # in no cluster
    CANONICAL = "canonical"  # the kept document of a cluster
    EXACT = "exact"  # identical hashing key
    NEAR = "near"  # same text with small edits, truncation or another trailer
    REWRITE = "rewrite"  # the same article rewritten passage by passage


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a document came from: a file path (or URL), and the member name inside an archive."""

    path: str
    member: str = ""

    def __str__(self) -> str:
        return f"{self.path}!{self.member}" if self.member else self.path


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the original file: 1-based number, role, exact text and its line ending.

    ``ending`` is ``"\\n"``, ``"\\r\\n"``, ``"\\r"`` or ``""`` (the last line without one).
    """

    number: int
    role: Role
    text: str
    ending: str


@dataclass(frozen=True, slots=True)
class Quote:
    """A pull quote and the person it is attributed to (``""`` when none is given)."""

    text: str
    attribution: str


@dataclass(frozen=True, slots=True)
class Document:
    """One news article: what the file held, what normalisation derived, what dedup found.

    Parse fields are always set. Normalisation fields keep their defaults until
    :func:`corpus.normalize` runs (``normalizer_version`` then is non-empty); dedup fields keep
    theirs (``relation == Relation.UNIQUE``) until :func:`corpus.find_duplicates` is applied.
    """

    # -- parse: identity, provenance and the exact original ---------------------------------
    id: str
    seq: int
    source: SourceRef
    bom: bool
    lines: tuple[Line, ...]
    raw_sha256: str
    line_ending: str  # "lf", "crlf", "cr", "mixed" or "none" (a single line without ending)

    # -- normalisation: clean text and typed metadata ----------------------------------------
    title: str = ""
    subtitle: str = ""
    authors: tuple[str, ...] = ()
    headings: tuple[str, ...] = ()
    quotes: tuple[Quote, ...] = ()
    boilerplate: tuple[str, ...] = ()
    bio: str = ""
    comments: tuple[str, ...] = ()
    text: str = ""
    char_count: int = 0
    word_count: int = 0
    paragraph_count: int = 0
    text_sha256: str = ""
    language: str = "und"
    language_probability: float = 0.0
    mojibake_fixed: bool = False
    normalizer_version: str = ""

    # -- deduplication ------------------------------------------------------------------------
    cluster_id: str = ""
    duplicate_of: str = ""
    relation: Relation = Relation.UNIQUE
    score: float = 0.0

    def lines_with(self, *roles: Role) -> tuple[Line, ...]:
        """The lines that have one of ``roles``, in file order."""
        return tuple(line for line in self.lines if line.role in roles)

    @property
    def name(self) -> str:
        """The file name (last path component of the member, else of the path)."""
        ref = self.source.member or self.source.path
        return ref.replace("\\", "/").rsplit("/", 1)[-1]
