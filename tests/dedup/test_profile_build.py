"""Profiles built many documents at a time, and stored as their parts, are the profiles of the
code before: the same sentences, keys, words, terms and weights, bit for bit.

:mod:`.reference` keeps that code verbatim; texts are drawn with the typography of real news
(curly quotes, abbreviations and initials, numbers, dashes, ellipses, CJK full stops, other
scripts, combining and invisible characters, the many kinds of space and line break).
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.dedup.align import (
    Profile,
    _group_order,
    assemble_profile,
    build_profile,
    build_profiles,
    profile_parts,
)
from corpus.dedup.hashing import (
    _stopword_hashes,
    _stopword_slots,
    hash_lines,
    hash_words,
    is_stopword,
)
from corpus.dedup.phases import _dump_profile, _load_profile
from corpus.dedup.text import split_sentences
from corpus.text.keys import hashing_key

from . import reference

WORDS = (
    "said", "the", "minister", "talks", "border", "prisoners", "of", "and", "it", "was",
    "Mr.", "Mrs.", "Dr.", "Prof.", "St.", "Gen.", "Sept.", "Feb.", "No.", "Inc.", "vs.", "etc.",
    "approx.", "al.", "e.g.", "U.S.", "J.R.R.", "A.", "G.", "x.", "1,226", "3.5", "2024.",
    "10:00", "½", "42", "Straße", "l'été", "O’Neil", "Belarus’s", "don't", "rock'n'roll",
    "naïve", "cafe\u0301", "Émile", "Ørsted", "Łódź", "Москва", "Δελφοί", "東京", "会議",
    "سلام", "नमस्ते", "🎉", "👩‍💻", "snake_case", "ＡＢＣ", "ﬁne", "x\u200by", "co\u00adop",
    "İstanbul", "ſ", "\u212a", "ÀÖØÞ", "Ā", "ǅ", "Ⅻ", "١٢٣", "\u0301", "'tis", "’90s",
)
PUNCTUATION = (
    "", "", "", "", ".", ".", ".", "!", "?", "…", "...", "。", "！", "？", ",", ";", ":", " —",
    "–", "-", "'", "’", "”", "“", '"', "«", "»", "(", ")", "[", "]", ".”", "?’", ".)", "!»",
    "._", "·",
)
SPACES = (
    " ", " ", " ", " ", "  ", "\t", "\u00a0", "\u2009", "\u3000", "\n", "\n\n", "\r\n", "\r",
    "\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x1f", "\u0085", " \n ",
)


def _token(word: str, capital: bool, before: str, after: str, space: str) -> str:
    return before + (word[:1].upper() + word[1:] if capital else word) + after + space


#: Texts made of words, punctuation and spaces as news text mixes them.
news_texts = st.lists(
    st.builds(_token, st.sampled_from(WORDS), st.booleans(),
              st.sampled_from(("", "", "", "“", "‘", '"', "«", "(", "[")),
              st.sampled_from(PUNCTUATION), st.sampled_from(SPACES)),
    max_size=60,
).map("".join)

def _sentence(words: list[str], end: str) -> str:
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]]) + end


#: Paragraphs of sentences of one to six words, so that short ones are joined to their
#: neighbours in every combination.
paragraphs = st.lists(
    st.builds(_sentence, st.lists(st.sampled_from(WORDS), min_size=1, max_size=6),
              st.sampled_from((".", ".", "!", "?", "…", ".”", "?’", "。"))),
    min_size=1, max_size=8,
).map(" ".join)
sentence_texts = st.lists(paragraphs, min_size=1, max_size=3).map("\n\n".join)
#: Any text at all (but lone surrogates, which no decoded file holds).
any_texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200)
texts = st.one_of(news_texts, sentence_texts, any_texts)


def assert_same_profile(found: Profile, expected: Profile) -> None:
    for field in fields(Profile):
        got, want = getattr(found, field.name), getattr(expected, field.name)
        if isinstance(want, np.ndarray):
            assert isinstance(got, np.ndarray), field.name
            assert got.dtype == want.dtype, field.name
            assert got.shape == want.shape, field.name
            assert got.tobytes() == want.tobytes(), field.name  # bit for bit, floats too
        else:
            assert got == want, field.name


@settings(max_examples=300, deadline=None)
@given(texts)
def test_sentences_are_split_as_before(text: str) -> None:
    assert split_sentences(text) == reference.split_sentences(text)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_hashing_key_is_as_before(text: str) -> None:
    assert hashing_key(text) == reference.hashing_key(text)


@settings(max_examples=150, deadline=None)
@given(st.lists(texts, max_size=6), st.sampled_from([1, 3, 5]))
def test_profiles_built_together_are_the_profiles_built_before(
        batch: list[str], ngram: int) -> None:
    items = [(text, hashing_key(text)) for text in batch]
    together = build_profiles(items, ngram)
    assert len(together) == len(items)
    for (text, key), profile in zip(items, together, strict=True):
        expected = reference.build_profile(text, key, ngram)
        assert_same_profile(profile, expected)
        assert_same_profile(build_profile(text, key, ngram), expected)


@settings(max_examples=100, deadline=None)
@given(st.lists(texts, max_size=4))
def test_a_stored_profile_reads_back_as_built(batch: list[str]) -> None:
    items = [(text, hashing_key(text)) for text in batch]
    for (text, key), parts in zip(items, profile_parts(items, 5), strict=True):
        assert_same_profile(_load_profile(_dump_profile(parts), text, key),
                            assemble_profile(text, key, parts))


EDGE_TEXTS = [
    "",
    "Yes it is. No, it is. The minister said so. Talks went on. He left.",  # 3 + 3 words
    "   \n\n \u2028 ",
    "... !!! ??? — “” ()",  # sentences without words
    "The the of and it was. Of the and.",  # stopwords only
    "Short. Very short.",
    "Mr. Smith met Dr. Brown on Feb. 3. U.S. officials said so. “Why?” he asked.",
    "今日は晴れです。明日は雨が降るでしょう。大丈夫？はい！",
    " ".join(["minister"] * 300) + ". Then the talks ended in Minsk today.",  # counts > 255
    "\n".join(f"Paragraph number {i} says something new here." for i in range(300)),
]


@pytest.mark.parametrize("text", EDGE_TEXTS)
def test_edge_texts_give_the_profiles_of_before(text: str) -> None:
    key = hashing_key(text)
    expected = reference.build_profile(text, key, 5)
    assert_same_profile(build_profile(text, key, 5), expected)
    [parts] = profile_parts([(text, key)], 5)
    assert_same_profile(_load_profile(_dump_profile(parts), text, key), expected)


def test_edge_texts_built_together_give_the_profiles_of_before() -> None:
    items = [(text, hashing_key(text)) for text in EDGE_TEXTS]
    for (text, key), profile in zip(items, build_profiles(items, 5), strict=True):
        assert_same_profile(profile, reference.build_profile(text, key, 5))


def test_a_term_repeated_past_one_byte_is_counted_in_full() -> None:
    text = " ".join(["minister"] * 300) + "."
    [parts] = profile_parts([(text, hashing_key(text))], 5)
    assert parts.term_count.tolist() == [300]
    assert _load_profile(_dump_profile(parts), text, "").term_tf[0] == 1.0 + np.log(300)


def test_group_order_sorts_by_group_then_value_beyond_16_bits() -> None:
    rng = np.random.default_rng(7)
    values = rng.integers(0, 1 << 63, 5000, dtype=np.int64).astype(np.uint64)
    for top in (3, 70_000):  # a radix sort on 16 bits, and the general stable sort
        groups = np.sort(rng.integers(0, top, 5000))
        order = _group_order(values, groups)
        expected = np.lexsort((values, groups))
        assert np.array_equal(groups[order], groups[expected])
        assert np.array_equal(values[order], values[expected])


@given(st.lists(st.sampled_from((*WORDS, "the", "The", "of", "mr", "i", "s")), max_size=40))
def test_stopwords_are_found_in_their_slots(words: list[str]) -> None:
    hashed = hash_words([" ".join(words).lower()]).word
    assert is_stopword(hashed).tolist() == np.isin(hashed, _stopword_hashes()).tolist()


def test_no_hash_but_a_stopword_s_is_taken_for_one() -> None:
    """Not the values that fill the empty slots, not 0, not hashes that share a stopword's
    slot bits."""
    slots = _stopword_slots()
    assert slots is not None
    shift, table = slots
    stopwords = _stopword_hashes()
    near = stopwords ^ (np.uint64(1) << np.uint64((shift + 16) % 64))  # same slot, not equal
    hashes = np.concatenate([table, near, stopwords, np.array([0, 2**64 - 1], dtype=np.uint64)])
    assert is_stopword(hashes).tolist() == np.isin(hashes, stopwords).tolist()
    assert int(is_stopword(table).sum()) == len(stopwords)


@given(texts)
def test_lines_hash_as_texts_of_their_own(text: str) -> None:
    found, expected = hash_lines(text), hash_words(text.split("\n"))
    for name in ("word", "stem", "doc", "offsets"):
        assert np.array_equal(getattr(found, name), getattr(expected, name)), name


def test_lines_longer_than_a_buffer_hash_as_texts_of_their_own() -> None:
    """Past the buffer size (a megabyte) the lines are hashed in slices, as hash_words
    hashes them."""
    from corpus.dedup.hashing import _MAX_BUFFER

    text = "\n".join(f"line {i} with “some” words—and more" for i in range(30_000))
    assert len(text.encode()) > _MAX_BUFFER
    found, expected = hash_lines(text), hash_words(text.split("\n"))
    for name in ("word", "stem", "doc", "offsets"):
        assert np.array_equal(getattr(found, name), getattr(expected, name)), name
