"""Metadata helpers: bylines, pull quotes, the bio label, word and paragraph counts, hashes."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus import Quote
from corpus.text.metadata import (
    authors,
    bio,
    count_paragraphs,
    count_words,
    quotes,
    sha256_text,
    split_byline,
)


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("by Grigory Ioffe", ("Grigory Ioffe",)),
        ("By Jane Doe and John Roe", ("Jane Doe", "John Roe")),
        ("BY Jane Doe, John Roe, and Mary Major", ("Jane Doe", "John Roe", "Mary Major")),
        ("by Jane Doe & John Roe", ("Jane Doe", "John Roe")),
        ("by Ana de la Cruz", ("Ana de la Cruz",)),
        ("by Zoë Łukasz O’Neil", ("Zoë Łukasz O’Neil",)),
    ],
)
def test_split_byline_names(byline: str, names: tuple[str, ...]) -> None:
    assert split_byline(byline) == names


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("by staff reporters", ("staff reporters",)),  # not names: kept whole, "by" dropped
        ("Reuters", ("Reuters",)),
        ("by", ()),
        ("", ()),
    ],
)
def test_split_byline_keeps_what_it_cannot_split(byline: str, names: tuple[str, ...]) -> None:
    assert split_byline(byline) == names


def test_authors_in_order_each_once() -> None:
    assert authors(["By Jane Doe and John Roe", "by John Roe & Mary Major"]) == (
        "Jane Doe", "John Roe", "Mary Major",
    )
    assert authors([]) == ()


@pytest.mark.parametrize(
    ("line", "quote"),
    [
        (
            "“It is hard to imagine the kind of openness,” – Viktor Khrenin",
            Quote("It is hard to imagine the kind of openness,", "Viktor Khrenin"),
        ),
        (
            '"We have to move." — Alexander Lukashenko',
            Quote("We have to move.", "Alexander Lukashenko"),
        ),
        ("«Nous verrons» - Jean Dupont, diplomat", Quote("Nous verrons", "Jean Dupont, diplomat")),
        ("A line that is not a pull quote", Quote("A line that is not a pull quote", "")),
    ],
)
def test_quotes_split_text_and_attribution(line: str, quote: Quote) -> None:
    assert quotes([line]) == (quote,)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["About the Author:", "Grigory Ioffe is a professor."], "Grigory Ioffe is a professor."),
        (["About the author — Jane Doe writes about Europe."], "Jane Doe writes about Europe."),
        (["ABOUT THE AUTHORS:", "Jane Doe is a reporter.", "John Roe is an editor."],
         "Jane Doe is a reporter.\n\nJohn Roe is an editor."),
        (["Jane Doe is a reporter; about the author: nothing."],
         "Jane Doe is a reporter; about the author: nothing."),
        ([], ""),
    ],
)
def test_bio_drops_only_the_opening_label(lines: list[str], expected: str) -> None:
    assert bio(lines) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("One two three.", 3),
        ("Belarus’s U.S.-backed deal — done", 4),  # the lone dash is not a word
        ("1,226 prisoners * * *", 2),
        ("___ ... ---", 0),
        ("東京で会議", 5),  # ideographs and kana count one each
        ("東京 talks resumed", 4),
        ("안녕하세요 세계", 2),  # Korean separates words with spaces
        ("Привет, мир!", 2),
        ("\U0002fffe", 0),  # in a CJK block, but a noncharacter: never a letter
    ],
)
def test_count_words(text: str, words: int) -> None:
    assert count_words(text) == words


@given(st.text())
def test_count_words_is_bounded_by_tokens_and_characters(text: str) -> None:
    count = count_words(text)
    assert 0 <= count <= len(text)
    if not any(ch.isalnum() for ch in text):
        assert count == 0


_BLOCKS = ("\u3040-\u30ff\u3105-\u312f\u31a0-\u31bf\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
           "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f")
_IDEOGRAPH = re.compile(f"(?=\\w)[{_BLOCKS}]")
_WORD_CHAR = re.compile(f"[^\\W_{_BLOCKS}]")
_NOT_A_WORD = re.compile(r"(?<!\S)(?:[^\w\s]|_)+(?!\S)")


def former_count_words(text: str) -> int:
    """count_words before the quick scan for the CJK blocks (its ranges written out again)."""
    if not _IDEOGRAPH.search(text):
        return len(text.split()) - len(_NOT_A_WORD.findall(text))
    count = 0
    for token in text.split():
        ideographs = len(_IDEOGRAPH.findall(token))
        parts = _IDEOGRAPH.split(token) if ideographs else [token]
        count += ideographs + sum(1 for part in parts if _WORD_CHAR.search(part))
    return count


# Words, dashes and bullets, kana and ideographs (assigned and not), at the edges of the
# blocks too.
_MIXED = st.text(st.one_of(
    st.sampled_from("ab 1 _ — * • \n\t,.東京で会議안녕"
                    "\u3040\u30ff\u4e00\u9fff\U0002fffe\U0003134f"),
    st.characters(min_codepoint=0x3000, max_codepoint=0x3200),
    st.characters(min_codepoint=0x2fff0, max_codepoint=0x31400),
), max_size=40)


@given(st.one_of(_MIXED, st.text()))
def test_count_words_equals_the_former_implementation(text: str) -> None:
    assert count_words(text) == former_count_words(text)


@pytest.mark.parametrize(
    ("text", "paragraphs"),
    [("", 0), ("one", 1), ("one\n\ntwo", 2), ("one\ntwo", 1), ("a\n\nb\n\nc", 3)],
)
def test_count_paragraphs(text: str, paragraphs: int) -> None:
    assert count_paragraphs(text) == paragraphs


def test_sha256_text_is_of_the_utf8_bytes() -> None:
    assert sha256_text("café") == hashlib.sha256("café".encode()).hexdigest()
    assert sha256_text("") == hashlib.sha256(b"").hexdigest()
