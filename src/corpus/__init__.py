"""corpus: turn a folder of news-article text files into a versioned Hugging Face dataset."""

from importlib.metadata import PackageNotFoundError, version

from corpus.errors import ConfigError, CorpusError, FormatError, PublishError, Reject
from corpus.format import FORMAT_VERSION, parse, render
from corpus.records import Document, Line, Quote, Relation, Role, SourceRef

try:
    __version__ = version("corpus")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = [
    "FORMAT_VERSION",
    "ConfigError",
    "CorpusError",
    "Document",
    "FormatError",
    "Line",
    "PublishError",
    "Quote",
    "Reject",
    "Relation",
    "Role",
    "SourceRef",
    "__version__",
    "parse",
    "render",
]
