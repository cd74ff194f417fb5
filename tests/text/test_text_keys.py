"""The hashing key dedup compares: what it folds, what it keeps, idempotence."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus import normalize_text
from corpus.text.keys import hashing_key


@given(st.text())
def test_hashing_key_is_idempotent(text: str) -> None:
    key = hashing_key(text)
    assert hashing_key(key) == key


@given(st.text())
def test_hashing_key_has_only_words_single_spaces_and_paragraph_breaks(text: str) -> None:
    key = hashing_key(text)
    if not key:
        return
    for paragraph in key.split("\n"):
        assert paragraph
        assert "  " not in paragraph
        assert paragraph.strip(" ") == paragraph
        for ch in paragraph:
            assert ch.isalnum() or unicodedata.category(ch).startswith("M") or ch == " "


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("“It’s a deal,” he said — twice.", '"It\'s a deal," he said - twice.'),
        ("Belarus’s border", "belarus's BORDER"),
        ("ﬁnal ＡＢＣ", "final abc"),
        ("café", "cafe\u0301"),
        ("Straße", "STRASSE"),
        ("a   b\tc", "a b c"),
        ("Hello, world!", "hello world"),
    ],
)
def test_typographic_and_case_variants_share_a_key(a: str, b: str) -> None:
    assert hashing_key(a) == hashing_key(b)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("हिन्दी भाषा", "हिन्दी भाषा"),  # vowel signs and viramas are parts of words
        ("שָׁלוֹם, עוֹלָם!", "שָׁלוֹם עוֹלָם"),  # niqqud
        ("مَرْحَبًا.", "مَرْحَبًا"),  # harakat
        ("wo\u200brd co\u00adoperate", "word cooperate"),  # invisible characters do not split
        ("می\u200cخواهم", "میخواهم"),
    ],
)
def test_words_stay_whole(text: str, key: str) -> None:
    assert hashing_key(text) == key


def test_paragraph_breaks_are_kept_blank_paragraphs_dropped() -> None:
    assert hashing_key("One, two.\n\nThree!\n\n\n“Four”") == "one two\nthree\nfour"


def test_different_words_have_different_keys() -> None:
    assert hashing_key("the talks resumed") != hashing_key("the talks ended")


def test_the_key_never_changes_the_stored_text() -> None:
    text = "“It’s a deal,” he said — twice."
    assert normalize_text(text) == text
    assert hashing_key(text) == "its a deal he said twice"
