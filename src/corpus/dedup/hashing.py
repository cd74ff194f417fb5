"""Vectorised word hashing: many texts per numpy call, no Python object per word.

A batch of texts is encoded into one byte buffer; words are the runs of non-whitespace bytes.
Each word gets a 64-bit polynomial hash of its UTF-8 bytes computed for the whole buffer at
once from prefix sums (``sum(b[i] * M**i)`` mod 2**64, then multiplied by ``M**-start`` so the
hash does not depend on where the word sits), finished with the ``fmix64`` mixer of
MurmurHash3 so every output bit depends on every input bit. The same pass gives each word a
*stem* hash, the hash of its first :data:`STEM_BYTES` bytes: a crude but language-agnostic
stemmer (``release``, ``released``, ``releases`` share ``releas``) used for rewrite detection.

Everything is deterministic across processes and platforms (no Python ``hash()``), pure and
free of global mutable state: the only module-level values are read-only constant tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

__all__ = [
    "STEM_BYTES",
    "STOPWORDS",
    "Words",
    "fmix64",
    "hash_words",
    "is_stopword",
    "ngram_hashes",
    "slices",
]

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

#: Bytes of a word that make its stem (prefix stemming).
STEM_BYTES = 6
#: The largest buffer hashed in one call; longer batches are split, longer texts get own tables.
_MAX_BUFFER = 1 << 20
_MULTIPLIER = 0x100000001B3  # the 64-bit FNV prime: odd, so invertible modulo 2**64
_C1 = np.uint64(0xFF51AFD7ED558CCD)
_C2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)

_SPACE = np.zeros(256, dtype=bool)
_SPACE[list(b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")] = True
_SPACE.setflags(write=False)

_STOPWORD_TEXT = """
    a about above according across after again against ago all almost along already also
    although always am among an and another any anyone anything are around as at away back be
    became because become been before being below between both but by can cannot could did do
    does doing done down during each either else enough even ever every few first for from
    further get gets getting give given go going got had has have having he her here hers
    herself him himself his how however i if in including into is it its itself just last least
    less let like made make many may me might more most mostly much must my myself near neither
    never new next no nor not now of off often on once one only onto or other others otherwise
    our ours ourselves out over own part per perhaps put rather really s said same say says see
    seem seemed seems several she should since so some something still such t than that the
    their theirs them themselves then there these they thing things this those though through
    thus to together too took toward towards two under until up upon us use used very via was
    way we well were what whatever when where whether which while who whom whose why will with
    within without would yet you your yours yourself yourselves mr mrs ms dr"""
#: English function words and reporting verbs: they carry no evidence that two texts are related.
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())


def fmix64(values: U64) -> U64:
    """MurmurHash3's 64-bit finaliser, applied element-wise (a bijection on 64-bit integers)."""
    x = values ^ (values >> _S33)
    x *= _C1
    x ^= x >> _S33
    x *= _C2
    x ^= x >> _S33
    return x


def _power_tables(size: int) -> tuple[U64, U64]:
    """``(M**i, M**-i)`` modulo 2**64 for ``i < size``, read-only."""
    powers = np.full(size, np.uint64(_MULTIPLIER), dtype=np.uint64)
    powers[0] = 1
    inverses = np.full(size, np.uint64(pow(_MULTIPLIER, -1, 1 << 64)), dtype=np.uint64)
    inverses[0] = 1
    powers = np.cumprod(powers, dtype=np.uint64)
    inverses = np.cumprod(inverses, dtype=np.uint64)
    powers.setflags(write=False)
    inverses.setflags(write=False)
    return powers, inverses


@cache
def _shared_tables() -> tuple[U64, U64]:
    """The power tables every batch of at most :data:`_MAX_BUFFER` bytes uses (built once)."""
    return _power_tables(_MAX_BUFFER)


def _tables_for(length: int) -> tuple[U64, U64]:
    return _shared_tables() if length <= _MAX_BUFFER else _power_tables(length)


@dataclass(frozen=True, slots=True)
class Words:
    """The words of a batch of texts, flattened: one entry per word, in text order.

    ``doc[k]`` is the index (in the batch) of the text word ``k`` belongs to; ``offsets`` has
    ``len(texts) + 1`` entries, the words of text ``i`` being ``offsets[i]:offsets[i + 1]``.
    """

    word: U64
    stem: U64
    doc: I64
    offsets: I64

    @property
    def counts(self) -> I64:
        """Number of words of each text."""
        return np.diff(self.offsets)


def _encode(texts: Sequence[str]) -> tuple[bytes, I64]:
    """Join the UTF-8 texts with a newline; return the buffer and each text's start offset."""
    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    lengths = np.fromiter((len(e) + 1 for e in encoded), dtype=np.int64, count=len(encoded))
    starts = np.zeros(len(encoded), dtype=np.int64)
    if len(encoded) > 1:
        np.cumsum(lengths[:-1], out=starts[1:])
    return b"\n".join(encoded) + b"\n", starts


def _hash_buffer(texts: Sequence[str]) -> Words:
    buffer, text_starts = _encode(texts)
    data = np.frombuffer(buffer, dtype=np.uint8)
    size = len(data)
    powers, inverses = _tables_for(size)
    space = _SPACE[data]
    # +1 where a word starts, -1 where one ends (a space follows a non-space).
    edges = np.diff(space.view(np.int8), prepend=np.int8(1))
    starts = np.flatnonzero(edges == -1)
    ends = np.flatnonzero(edges == 1)
    prefix = np.empty(size + 1, dtype=np.uint64)
    prefix[0] = 0
    np.cumsum(data.astype(np.uint64) * powers[:size], out=prefix[1:])
    scale = inverses[starts]
    word = fmix64((prefix[ends] - prefix[starts]) * scale)
    stem_ends = np.minimum(ends, starts + STEM_BYTES)
    stem = fmix64((prefix[stem_ends] - prefix[starts]) * scale)
    doc = np.searchsorted(text_starts, starts, side="right") - 1
    offsets = np.searchsorted(doc, np.arange(len(texts) + 1), side="left").astype(np.int64)
    return Words(word=word, stem=stem, doc=doc.astype(np.int64), offsets=offsets)


def _prepare(texts: Sequence[str]) -> list[str]:
    return [t if t.isascii() else " ".join(t.split()) for t in texts]


def _byte_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def slices(texts: Sequence[str], max_bytes: int = _MAX_BUFFER) -> list[tuple[int, int]]:
    """Split ``texts`` into consecutive ``(start, stop)`` slices of at most ``max_bytes`` bytes.

    A text longer than ``max_bytes`` gets a slice of its own. Hashing works best on slices
    that fit the processor's cache (a few hundred kilobytes).
    """
    bounds: list[tuple[int, int]] = []
    start, size = 0, 0
    for i, text in enumerate(texts):
        length = _byte_length(text) + 1
        if size and size + length > max_bytes:
            bounds.append((start, i))
            start, size = i, 0
        size += length
    bounds.append((start, len(texts)))
    return bounds


def hash_words(texts: Sequence[str]) -> Words:
    """Hash every word of every text (words: maximal runs of non-whitespace).

    Whitespace is ASCII whitespace; a text with other characters is first re-joined on
    ``str.split()`` so Unicode spaces separate words too, exactly as ``str.split`` would.
    Batches larger than a megabyte are hashed in slices; the result is the same either way.
    """
    prepared = _prepare(texts)
    groups = slices(prepared)
    if len(groups) == 1:
        return _hash_buffer(prepared)
    parts = [_hash_buffer(prepared[a:b]) for a, b in groups]
    offsets = [np.zeros(1, dtype=np.int64)]
    total = 0
    for part in parts:
        offsets.append(part.offsets[1:] + total)
        total += len(part.word)
    return Words(
        word=np.concatenate([p.word for p in parts]),
        stem=np.concatenate([p.stem for p in parts]),
        doc=np.concatenate([p.doc + a for p, (a, _) in zip(parts, groups, strict=True)]),
        offsets=np.concatenate(offsets),
    )


@cache
def _stopword_hashes() -> U64:
    table = np.unique(hash_words([" ".join(sorted(STOPWORDS))]).word)
    table.setflags(write=False)
    return table


def is_stopword(word_hashes: U64) -> npt.NDArray[np.bool_]:
    """Which of ``word_hashes`` (full-word hashes from :func:`hash_words`) are stopwords."""
    return np.isin(word_hashes, _stopword_hashes())


# Odd 64-bit constants that weight the words of an n-gram by position (fixed, not secret).
_POSITION_WEIGHTS = fmix64(np.arange(1, 65, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))
_POSITION_WEIGHTS |= np.uint64(1)
_POSITION_WEIGHTS.setflags(write=False)


def ngram_hashes(words: Words, n: int) -> tuple[U64, I64]:
    """64-bit hashes of the word n-grams of each text, and the text each n-gram belongs to.

    An n-gram never spans two texts. A text with fewer than ``n`` (but at least one) words
    yields one shingle made of all its words; a text without words yields none. The hash of
    an n-gram depends on its words and their order only (not on the spacing between them).
    """
    word, doc = words.word, words.doc
    total = len(word)
    count = max(total - n + 1, 0)
    combined = np.zeros(count, dtype=np.uint64)
    for j in range(n):
        combined += word[j:j + count] * _POSITION_WEIGHTS[j]
    valid = doc[:count] == doc[n - 1:n - 1 + count]
    hashes = combined[valid]
    owners = doc[:count][valid]
    counts = words.counts
    short = np.flatnonzero((counts > 0) & (counts < n))
    if len(short):
        extra = np.zeros(len(short), dtype=np.uint64)
        for k, i in enumerate(short.tolist()):
            a, b = int(words.offsets[i]), int(words.offsets[i + 1])
            extra[k] = np.sum(word[a:b] * _POSITION_WEIGHTS[: b - a], dtype=np.uint64)
        hashes = np.concatenate([hashes, extra])
        owners = np.concatenate([owners, short.astype(np.int64)])
        order = np.argsort(owners, kind="stable")
        hashes, owners = hashes[order], owners[order]
    return fmix64(hashes), owners
