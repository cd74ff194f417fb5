"""Word hashing: the vectorised path gives the same words and hashes as the former one.

``hash_words`` used to re-join every non-ASCII text on ``str.split()`` before hashing; it now
finds Unicode whitespace in the UTF-8 bytes directly. The former implementation is kept here,
verbatim, as the oracle, next to a plain-Python one that hashes each word of ``str.split()``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.dedup import hashing, minhash_signatures
from corpus.dedup.hashing import STEM_BYTES, Words, fmix64, hash_encoded, hash_words, slices
from corpus.dedup.hashing import _tables_for as tables_for

# -- oracles ---------------------------------------------------------------------------------
_OLD_SPACE = np.zeros(256, dtype=bool)
_OLD_SPACE[list(b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")] = True


def _old_hash_buffer(texts: Sequence[str]) -> Words:
    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    lengths = np.fromiter((len(e) + 1 for e in encoded), dtype=np.int64, count=len(encoded))
    text_starts = np.zeros(len(encoded), dtype=np.int64)
    if len(encoded) > 1:
        np.cumsum(lengths[:-1], out=text_starts[1:])
    data = np.frombuffer(b"\n".join(encoded) + b"\n", dtype=np.uint8)
    size = len(data)
    powers, inverses = tables_for(size)
    space = _OLD_SPACE[data]
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


def old_hash_words(texts: Sequence[str]) -> Words:
    """The former ``hash_words`` (one buffer: the inputs here are small)."""
    return _old_hash_buffer([t if t.isascii() else " ".join(t.split()) for t in texts])


_M = 0x100000001B3


def python_hash(data: bytes) -> int:
    value = 0
    for i, byte in enumerate(data):
        value = (value + byte * pow(_M, i, 1 << 64)) % (1 << 64)
    return int(fmix64(np.array([value], dtype=np.uint64))[0])


def python_words(texts: Sequence[str]) -> list[tuple[int, int, int]]:
    """``(text, word hash, stem hash)`` of every word of ``str.split()``, in order."""
    return [
        (i, python_hash(raw), python_hash(raw[:STEM_BYTES]))
        for i, text in enumerate(texts)
        for raw in (w.encode("utf-8", "surrogatepass") for w in text.split())
    ]


def assert_same(left: Words, right: Words) -> None:
    for field in ("word", "stem", "doc", "offsets"):
        assert np.array_equal(getattr(left, field), getattr(right, field)), field
        assert getattr(left, field).dtype == getattr(right, field).dtype, field


# -- strategies ------------------------------------------------------------------------------
WHITESPACE = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
TYPOGRAPHY = [*"’‘“”„«»—–‐…·éèçñüøłźčßœæ€£", "\u00a0", "\u202f", "\u2009", "\u0301"]
# Bytes that share a lead byte with whitespace: U+0080-U+00BF (C2), U+1600-U+1FFF (E1),
# U+2000-U+2FFF (E2), U+3000-U+3FFF (E3); a wrong decoder would confuse them.
NEIGHBOURS = st.one_of(
    st.integers(0x80, 0xBF), st.integers(0x1600, 0x1FFF), st.integers(0x2000, 0x2FFF),
    st.integers(0x3000, 0x3FFF),
).map(chr)
TYPOGRAPHIC_TEXT = st.text(
    st.one_of(
        st.sampled_from("abcdefghij ABC.,;'\"-\n\t"), st.sampled_from(TYPOGRAPHY),
        st.sampled_from(WHITESPACE), NEIGHBOURS,
    ),
    max_size=60,
)
# Any code point, lone surrogates included (they are hashed by their surrogatepass bytes).
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
TEXTS = st.lists(st.one_of(TYPOGRAPHIC_TEXT, ANY_TEXT), max_size=8)


# -- properties ------------------------------------------------------------------------------
@settings(max_examples=400)
@given(TEXTS)
def test_hash_words_equals_the_former_implementation(texts: list[str]) -> None:
    assert_same(hash_words(texts), old_hash_words(texts))


@given(TEXTS)
def test_hash_words_hashes_the_words_of_str_split(texts: list[str]) -> None:
    words = hash_words(texts)
    expected = python_words(texts)
    assert words.doc.tolist() == [i for i, _, _ in expected]
    assert words.word.tolist() == [w for _, w, _ in expected]
    assert words.stem.tolist() == [s for _, _, s in expected]
    assert words.counts.tolist() == [len(t.split()) for t in texts]


@given(TEXTS)
def test_hash_encoded_equals_hash_words(texts: list[str]) -> None:
    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    assert_same(hash_encoded(encoded), hash_words(texts))


# -- examples --------------------------------------------------------------------------------
@pytest.mark.parametrize("space", WHITESPACE, ids=lambda c: f"U+{ord(c):04X}")
def test_every_unicode_space_separates_words(space: str) -> None:
    words = hash_words([f"Lukashenko’s{space}“balcony”", "Lukashenko’s “balcony”"])
    assert words.counts.tolist() == [2, 2]
    assert np.array_equal(words.word[:2], words.word[2:])


def test_every_whitespace_character_lies_in_the_scanned_plane() -> None:
    # _whitespace() scans one plane for the characters str.split() splits on: every one of
    # the running Python's Unicode database must be there, or a text would hash differently
    # from its words.
    planes = {code >> 16 for code in range(sys.maxunicode + 1) if chr(code).isspace()}
    assert planes == {hashing._SPACE_PLANE}
    found = {chr(c) for c in range(sys.maxunicode + 1) if hashing._whitespace().code_points[c]}
    assert found == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


def test_typography_that_is_not_space_stays_inside_words() -> None:
    # U+2019, U+201C/D, U+2014, U+00E9, U+200B (zero-width space is not whitespace).
    words = hash_words(["it’s “so”—café x\u200by"])
    assert words.counts.tolist() == [3]
    assert_same(words, old_hash_words(["it’s “so”—café x\u200by"]))


def test_empty_batches_and_texts() -> None:
    assert_same(hash_words([]), old_hash_words([]))
    words = hash_words(["", "\u00a0\u2003 \n", "a"])
    assert words.counts.tolist() == [0, 0, 1]
    assert_same(words, old_hash_words(["", "\u00a0\u2003 \n", "a"]))


def test_batches_over_a_megabyte_are_hashed_in_slices_with_the_same_result() -> None:
    paragraph = "Lukashenko’s “Russian balcony” — café\u00a0au lait, naïve. " * 40
    texts = [paragraph * (1 + i % 3) for i in range(600)]
    assert len(slices(texts)) > 1
    whole = hash_words(texts)
    assert_same(whole, old_hash_words(texts))
    expected = minhash_signatures([" ".join(t.split()) for t in texts[:50]])
    assert np.array_equal(minhash_signatures(texts[:50]), expected)
