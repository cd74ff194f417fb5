"""The hashing key dedup compares: what it folds, what it keeps, idempotence."""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import normalize_text
from corpus.text import keys
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


# -- the former implementation, the oracle of the faster one ------------------------------------
_FORMER_QUOTES_AND_DASHES = str.maketrans(
    {
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
        "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    }
)
_FORMER_INNER_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")


@functools.cache
def _former_non_word() -> re.Pattern[str]:
    marks = "".join(
        chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)).startswith("M")
    )
    return re.compile(f"(?:[^\\w{re.escape(marks)}]|_)+")


def former_hashing_key(text: str) -> str:
    visible = keys._INVISIBLE.sub("", text)
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", visible).casefold())
    folded = folded.translate(_FORMER_QUOTES_AND_DASHES)
    folded = _FORMER_INNER_APOSTROPHE.sub("", folded)
    paragraphs = (" ".join(_former_non_word().sub(" ", p).split()) for p in folded.split("\n"))
    return "\n".join(p for p in paragraphs if p)


KEY_TEXT = st.text(
    st.one_of(
        st.sampled_from("abcXYZ 09_'\"\n\r\t-.,;!?"),
        st.sampled_from("’‘‚‛′“”„‟″«»‐‑‒–—―−ﬁ＇ŉ\u00a0\u00ad\u200b\u200d\u0301\u093f\u05b4ßİı"),
        st.characters(),
    ),
    max_size=80,
)


@settings(max_examples=500)
@given(KEY_TEXT)
def test_hashing_key_equals_the_former_implementation(text: str) -> None:
    assert hashing_key(text) == former_hashing_key(text)


@pytest.mark.parametrize(
    "text",
    [
        "Belarus’s “Russian balcony” — it's 'quoted' and rock'n'roll",
        "a'b'c ''x'' 'y z' _'_ é'é 1'2 a' 'b",
        "a'\u0301b and x'\u093fy",
        "snake_case and__double _lead trail_",
        "first line\n\nsecond — line\r\nthird\u2028fourth",
        "Hindi किताब, Hebrew שָׁלוֹם, Arabic مُحَمَّد",
    ],
)
def test_hashing_key_examples_equal_the_former_implementation(text: str) -> None:
    assert hashing_key(text) == former_hashing_key(text)


def test_combining_marks_lie_in_the_scanned_planes() -> None:
    # _non_word scans only _MARK_PLANES for combining marks: every mark of the running
    # Python's Unicode database must be there, or words would be split at unseen marks.
    planes = {code >> 16 for code in range(sys.maxunicode + 1)
              if unicodedata.category(chr(code)).startswith("M")}
    assert planes <= set(keys._MARK_PLANES)
    assert planes  # the database has marks at all: the check above is not vacuous


def _former_separated(text: str) -> str:
    """What :func:`keys._separated` did before (the expression over the whole text)."""
    spaced = keys._non_word().sub(" ", text)
    return spaced.replace("_", " ") if "_" in spaced else spaced


# Mostly ASCII with separators, letters, marks, typography and non-ASCII separators of
# several planes (and lone surrogates, which the key keeps as separators too).
_MOSTLY_ASCII = st.text(st.one_of(
    st.characters(max_codepoint=0x7F),
    st.sampled_from("éÖß\u0301\u093f\u05b4•€×\u00a0\u2028\u3000、。\U0001f600\U0001d173\ud800"),
    st.characters(),
), max_size=60)


@given(st.one_of(_MOSTLY_ASCII, st.text()))
def test_separators_are_replaced_as_the_expression_replaced_them(text: str) -> None:
    collapse = functools.partial(re.sub, " +", " ")
    assert collapse(keys._separated(text)) == collapse(_former_separated(text))
    assert len(keys._separated(text)) == len(text)  # one for one
