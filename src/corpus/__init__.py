"""corpus: turn a folder of news-article text files into a versioned Hugging Face dataset."""

from corpus._meta import installed_version
from corpus.dedup import DedupConfig, DedupResult, find_duplicates, mark_duplicates
from corpus.errors import ConfigError, CorpusError, FormatError, PublishError, Reject
from corpus.format import FORMAT_VERSION, parse, render
from corpus.publish import (
    BuildConfig,
    BuildReport,
    ReleaseDiff,
    ReleaseExistsError,
    build,
    diff,
    documents,
    load,
)
from corpus.publish.hub import PushResult, PushStatus, RetryPolicy, TagConflictError, push
from corpus.reader import (
    FileRef,
    Listing,
    Reader,
    ReadReport,
    Skipped,
    read,
    read_entries,
    read_ref,
    scan,
)
from corpus.records import Document, Line, Quote, Relation, Role, SourceRef
from corpus.schema import SCHEMA, SCHEMA_VERSION, from_row, to_row
from corpus.text.lang import LanguageGuess, detect_language, detect_languages
from corpus.text.normalize import (
    Normalize,
    NormalizeConfig,
    normalize,
    normalize_batch,
    normalize_stream,
    normalize_text,
)

#: The installed version of the distribution ``news-corpus``.
__version__ = installed_version()

__all__ = [
    "FORMAT_VERSION",
    "SCHEMA",
    "SCHEMA_VERSION",
    "BuildConfig",
    "BuildReport",
    "ConfigError",
    "CorpusError",
    "DedupConfig",
    "DedupResult",
    "Document",
    "FileRef",
    "FormatError",
    "LanguageGuess",
    "Line",
    "Listing",
    "Normalize",
    "NormalizeConfig",
    "PublishError",
    "PushResult",
    "PushStatus",
    "Quote",
    "ReadReport",
    "Reader",
    "Reject",
    "Relation",
    "ReleaseDiff",
    "ReleaseExistsError",
    "RetryPolicy",
    "Role",
    "Skipped",
    "SourceRef",
    "TagConflictError",
    "__version__",
    "build",
    "detect_language",
    "detect_languages",
    "diff",
    "documents",
    "find_duplicates",
    "from_row",
    "load",
    "mark_duplicates",
    "normalize",
    "normalize_batch",
    "normalize_stream",
    "normalize_text",
    "parse",
    "push",
    "read",
    "read_entries",
    "read_ref",
    "render",
    "scan",
    "to_row",
]
