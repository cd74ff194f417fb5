"""corpus: turn a folder of news-article text files into a versioned Hugging Face dataset.

The names of the public API are imported on first use (PEP 562): ``import corpus`` costs
a few milliseconds, and a command that starts worker processes starts them before it imports
the pipeline, so that both imports run at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corpus._lazy import attribute

if TYPE_CHECKING:
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
    __version__: str

#: Where each public name is defined.
_EXPORTS = {
    "DedupConfig": "corpus.dedup",
    "DedupResult": "corpus.dedup",
    "find_duplicates": "corpus.dedup",
    "mark_duplicates": "corpus.dedup",
    "ConfigError": "corpus.errors",
    "CorpusError": "corpus.errors",
    "FormatError": "corpus.errors",
    "PublishError": "corpus.errors",
    "Reject": "corpus.errors",
    "FORMAT_VERSION": "corpus.format",
    "parse": "corpus.format",
    "render": "corpus.format",
    "BuildConfig": "corpus.publish",
    "BuildReport": "corpus.publish",
    "ReleaseDiff": "corpus.publish",
    "ReleaseExistsError": "corpus.publish",
    "build": "corpus.publish",
    "diff": "corpus.publish",
    "documents": "corpus.publish",
    "load": "corpus.publish",
    "PushResult": "corpus.publish.hub",
    "PushStatus": "corpus.publish.hub",
    "RetryPolicy": "corpus.publish.hub",
    "TagConflictError": "corpus.publish.hub",
    "push": "corpus.publish.hub",
    "FileRef": "corpus.reader",
    "Listing": "corpus.reader",
    "Reader": "corpus.reader",
    "ReadReport": "corpus.reader",
    "Skipped": "corpus.reader",
    "read": "corpus.reader",
    "read_entries": "corpus.reader",
    "read_ref": "corpus.reader",
    "scan": "corpus.reader",
    "Document": "corpus.records",
    "Line": "corpus.records",
    "Quote": "corpus.records",
    "Relation": "corpus.records",
    "Role": "corpus.records",
    "SourceRef": "corpus.records",
    "SCHEMA": "corpus.schema",
    "SCHEMA_VERSION": "corpus.schema",
    "from_row": "corpus.schema",
    "to_row": "corpus.schema",
    "LanguageGuess": "corpus.text.lang",
    "detect_language": "corpus.text.lang",
    "detect_languages": "corpus.text.lang",
    "Normalize": "corpus.text.normalize",
    "NormalizeConfig": "corpus.text.normalize",
    "normalize": "corpus.text.normalize",
    "normalize_batch": "corpus.text.normalize",
    "normalize_stream": "corpus.text.normalize",
    "normalize_text": "corpus.text.normalize",
}


def __getattr__(name: str) -> Any:
    """The public name ``name``, imported from its module the first time it is asked for."""
    if name == "__version__":
        from corpus._meta import installed_version

        globals()[name] = installed_version()
        return globals()[name]
    return attribute(__name__, _EXPORTS, globals(), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


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
