"""Vectorised word hashing: many texts per numpy call, no Python object per word.

A batch of texts is encoded into one byte buffer; words are the runs of bytes outside the
UTF-8 encodings of whitespace characters (the words of ``str.split()``, whatever the script).
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

import sys
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
    "hash_encoded",
    "hash_lines",
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


def _encode(texts: Sequence[str]) -> list[bytes]:
    """Each text's UTF-8 bytes (lone surrogates kept, as Python's ``surrogatepass``)."""
    return [t.encode("utf-8", "surrogatepass") for t in texts]


# Byte classes of _whitespace().bytes.
_ASCII_SPACE, _SPACE_LEAD = 1, 2


@dataclass(frozen=True, slots=True)
class _Whitespace:
    """What ``str.split()`` splits on, as tables over UTF-8 bytes (built once per process).

    ``bytes`` gives each byte value a class: :data:`_ASCII_SPACE` for the one-byte
    whitespace characters, :data:`_SPACE_LEAD` for the first bytes of the UTF-8 encodings of
    the others (no-break space, the U+2000 spaces, line and paragraph separators, ...), 0
    otherwise; ``code_points`` marks every whitespace code point.
    """

    bytes: npt.NDArray[np.uint8]
    code_points: npt.NDArray[np.bool_]


#: The Unicode plane with every whitespace character (a test checks every plane): scanning it
#: alone takes 5 ms, against 0.13 s for all 17, which every worker process of a build paid.
_SPACE_PLANE = 0


@cache
def _whitespace() -> _Whitespace:
    # str.split() splits on exactly the characters for which str.isspace() is true.
    first = _SPACE_PLANE << 16
    spaces = [chr(c) for c in range(first, first + 0x10000) if chr(c).isspace()]
    classes = np.zeros(256, dtype=np.uint8)
    classes[[ord(c) for c in spaces if ord(c) < 0x80]] = _ASCII_SPACE
    classes[[c.encode("utf-8")[0] for c in spaces if ord(c) >= 0x80]] = _SPACE_LEAD
    code_points = np.zeros(sys.maxunicode + 1, dtype=bool)
    code_points[[ord(c) for c in spaces]] = True
    classes.setflags(write=False)
    code_points.setflags(write=False)
    return _Whitespace(classes, code_points)


def _space_mask(data: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Which bytes of the UTF-8 ``data`` belong to a whitespace character.

    One-byte whitespace by table lookup; for the others, the code point is decoded only
    where a byte is the lead byte of some whitespace character (in news text mostly the
    ``E2`` of curly quotes and dashes, a small share of the bytes), and every byte of the
    whitespace characters found is marked. UTF-8 is self-synchronising, so a lead byte is
    always the start of a character and the decoding needs no state.
    """
    tables = _whitespace()
    classes = tables.bytes.take(data)  # take: much faster than fancy indexing here
    space: npt.NDArray[np.bool_] = classes == _ASCII_SPACE
    if data.size == 0 or int(data.max()) < 0x80:
        return space
    at = np.flatnonzero(classes == _SPACE_LEAD)
    if at.size == 0:
        return space
    last = data.size - 1
    # A lead byte is followed by its continuation bytes; reads past the end of a shorter
    # sequence (clamped to the buffer) are never used.
    b0, b1, b2, b3 = (data.take(np.minimum(at + k, last)).astype(np.int64) for k in range(4))
    # Sequence length from the lead byte: 110xxxxx two, 1110xxxx three, 11110xxx four.
    length = np.where(b0 < 0xE0, 2, np.where(b0 < 0xF0, 3, 4))
    point = np.select(
        [length == 2, length == 3],
        [
            ((b0 & 0x1F) << 6) | (b1 & 0x3F),
            ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F),
        ],
        ((b0 & 0x07) << 18) | ((b1 & 0x3F) << 12) | ((b2 & 0x3F) << 6) | (b3 & 0x3F),
    )
    hit = tables.code_points.take(np.minimum(point, sys.maxunicode))
    at, length = at[hit], length[hit]
    for k in range(4):
        space[at[length > k] + k] = True
    return space


def _hash_buffer(encoded: Sequence[bytes]) -> Words:
    """Hash the words of already encoded texts (one numpy pass over their joined bytes)."""
    lengths = np.fromiter((len(e) + 1 for e in encoded), dtype=np.int64, count=len(encoded))
    text_starts = np.zeros(len(encoded), dtype=np.int64)
    if len(encoded) > 1:
        np.cumsum(lengths[:-1], out=text_starts[1:])
    return _hash_joined(b"\n".join(encoded) + b"\n", text_starts)


def _hash_joined(buffer: bytes, text_starts: I64) -> Words:
    """Hash the words of texts joined by newlines (``buffer`` ends with one), text ``i``
    starting at byte ``text_starts[i]``."""
    data = np.frombuffer(buffer, dtype=np.uint8)
    size = len(data)
    powers, inverses = _tables_for(size)
    # Whether each byte is whitespace, after a virtual space before the buffer: a word starts
    # where this changes to False and ends where it changes back (the buffer ends in a
    # newline, so every word ends and the changes alternate start, end, start, ...).
    space = np.empty(size + 1, dtype=bool)
    space[0] = True
    space[1:] = _space_mask(data)
    changes = np.flatnonzero(space[:-1] != space[1:])
    starts, ends = changes[0::2], changes[1::2]
    prefix = np.empty(size + 1, dtype=np.uint64)
    prefix[0] = 0
    np.multiply(data, powers[:size], out=prefix[1:])
    np.cumsum(prefix[1:], out=prefix[1:])
    scale = inverses.take(starts)
    at_start = prefix.take(starts)
    word = fmix64((prefix.take(ends) - at_start) * scale)
    stem = fmix64((prefix.take(np.minimum(ends, starts + STEM_BYTES)) - at_start) * scale)
    doc = np.searchsorted(text_starts, starts, side="right") - 1
    offsets = np.searchsorted(doc, np.arange(len(text_starts) + 1), side="left").astype(np.int64)
    return Words(word=word, stem=stem, doc=doc.astype(np.int64), offsets=offsets)


def _byte_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _bounds(lengths: Sequence[int], max_bytes: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, stop)`` slices of items of these byte lengths (+1 separator
    each) of at most ``max_bytes`` bytes; an item longer than that gets a slice of its own."""
    bounds: list[tuple[int, int]] = []
    start, size = 0, 0
    for i, length in enumerate(lengths):
        if size and size + length + 1 > max_bytes:
            bounds.append((start, i))
            start, size = i, 0
        size += length + 1
    bounds.append((start, len(lengths)))
    return bounds


def slices(texts: Sequence[str], max_bytes: int = _MAX_BUFFER) -> list[tuple[int, int]]:
    """Split ``texts`` into consecutive ``(start, stop)`` slices of at most ``max_bytes`` bytes.

    A text longer than ``max_bytes`` gets a slice of its own. Hashing works best on slices
    that fit the processor's cache (a few hundred kilobytes).
    """
    return _bounds([_byte_length(t) for t in texts], max_bytes)


def _concatenate(parts: Sequence[Words], groups: Sequence[tuple[int, int]]) -> Words:
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


def hash_encoded(encoded: Sequence[bytes]) -> Words:
    """:func:`hash_words` of texts already encoded to UTF-8 (``str.encode("utf-8",
    "surrogatepass")``), so a caller that needs the bytes anyway encodes once."""
    groups = _bounds([len(e) for e in encoded], _MAX_BUFFER)
    if len(groups) == 1:
        return _hash_buffer(encoded)
    return _concatenate([_hash_buffer(encoded[a:b]) for a, b in groups], groups)


def hash_words(texts: Sequence[str]) -> Words:
    """Hash every word of every text (words: maximal runs of non-whitespace).

    Words are exactly those of ``str.split()``: whitespace is every character
    ``str.isspace()`` accepts (ASCII whitespace, no-break and typographic spaces, line and
    paragraph separators), found directly in the UTF-8 bytes, so text with curly quotes,
    dashes or accented letters takes the same vectorised path as ASCII. A word's hashes
    depend on its bytes only. Batches larger than a megabyte are hashed in slices; the
    result is the same either way.
    """
    return hash_encoded(_encode(texts))


def hash_lines(text: str) -> Words:
    """:func:`hash_words` of ``text.split("\\n")``, each line a text of its own, from one
    encoding of the whole text (no string per line)."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) >= _MAX_BUFFER:  # hashed in slices, as hash_words does
        return hash_words(text.split("\n"))
    buffer = encoded + b"\n"
    # hash_words joins the lines' encodings by newlines and ends them with one: this buffer.
    breaks = np.flatnonzero(np.frombuffer(buffer, dtype=np.uint8) == ord("\n"))
    text_starts = np.zeros(len(breaks), dtype=np.int64)
    text_starts[1:] = breaks[:-1] + 1
    return _hash_joined(buffer, text_starts)


@cache
def _stopword_hashes() -> U64:
    table = np.unique(hash_words([" ".join(sorted(STOPWORDS))]).word)
    table.setflags(write=False)
    return table


#: Bits of a word hash that place it in :func:`_stopword_slots`.
_SLOT_BITS = 16


@cache
def _stopword_slots() -> tuple[int, U64] | None:
    """A table in which every stopword hash has a slot of its own: the shift of the hash
    bits that tell the stopwords apart (the first that does), and the table of 2**16 slots
    holding each stopword's hash in its slot. An empty slot holds a value whose own slot is
    another, so no hash looked up there can equal it. ``None`` if no shift tells the
    stopwords apart."""
    table = _stopword_hashes()
    mask = np.uint64((1 << _SLOT_BITS) - 1)
    for shift in range(64 - _SLOT_BITS + 1):
        slots = ((table >> np.uint64(shift)) & mask).astype(np.intp)
        if len(np.unique(slots)) == len(table):
            found = (np.arange(1 << _SLOT_BITS, dtype=np.uint64) ^ np.uint64(1)) << np.uint64(
                shift)
            found[slots] = table
            found.setflags(write=False)
            return shift, found
    return None  # pragma: no cover - 16 bits tell a few hundred random hashes apart


def is_stopword(word_hashes: U64) -> npt.NDArray[np.bool_]:
    """Which of ``word_hashes`` (full-word hashes from :func:`hash_words`) are stopwords.

    Each hash is looked up in one slot of a table (:func:`_stopword_slots`): a word is a
    stopword when its slot holds its hash."""
    slots = _stopword_slots()
    if slots is None:  # pragma: no cover - see _stopword_slots
        return np.isin(word_hashes, _stopword_hashes())
    shift, table = slots
    at = ((word_hashes >> np.uint64(shift)) & np.uint64((1 << _SLOT_BITS) - 1)).astype(np.intp)
    found: npt.NDArray[np.bool_] = table.take(at) == word_hashes
    return found


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
