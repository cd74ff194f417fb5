"""The text normalisers one by one, and composed: idempotence, examples, typography kept."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus import NormalizeConfig, normalize_text
from corpus.text.normalize import (
    collapse_whitespace,
    normalize_unicode,
    remove_control_chars,
    repair_mojibake,
)

# Pieces that make normalisers interact: mojibake fragments and C1 controls, zero-width and
# format characters, combining marks, compatibility characters, every kind of whitespace
# and line break, joiners inside words and emoji, case oddities.
NASTY = (
    "Ã", "©", "â€œ", "â€\x9d", "\x9d", "\x93", "Ã©", "A\u0303", "Ð¿Ñ€Ð¸", "ą¢", "\x1b[31m", "\x00",
    "\x7f", "\x85", "\x1c", "\x1f", "\u200b", "\u200c", "\u200d", "\u00ad", "\ufeff", "\u202e",
    "\u2066", "\u0301", "\u0308", "\u0345", "e", "a", " ", "  ", "\u00a0", "\u202f", "\u3000",
    "\t", "\n", "\r", "\r\n", "\v", "\u2028", "\u2029", "ﬁ", "Ⅸ", "ǅ", "ß", "İ", "ΐ", "¨", "㈱",
    "👩", "💻", "🏽", "می", "ख", "\u094d", "’", "“", "”", "—", "–", "\U000e0067",
)
nasty_text = st.lists(st.one_of(st.text(), st.sampled_from(NASTY)), max_size=12).map("".join)

NORMALISERS: dict[str, Callable[[str], str]] = {
    "repair_mojibake": repair_mojibake,
    "remove_control_chars": remove_control_chars,
    "normalize_unicode NFC": normalize_unicode,
    "normalize_unicode NFKC": lambda t: normalize_unicode(t, "NFKC"),
    "normalize_unicode NFD": lambda t: normalize_unicode(t, "NFD"),
    "normalize_unicode NFKD": lambda t: normalize_unicode(t, "NFKD"),
    "collapse_whitespace": collapse_whitespace,
    "normalize_text": normalize_text,
    "normalize_text NFKC": lambda t: normalize_text(t, NormalizeConfig(unicode_form="NFKC")),
    "normalize_text NFD": lambda t: normalize_text(t, NormalizeConfig(unicode_form="NFD")),
    "normalize_text no mojibake": lambda t: normalize_text(t, NormalizeConfig(fix_mojibake=False)),
}


@pytest.mark.parametrize("name", sorted(NORMALISERS))
@given(text=nasty_text)
def test_every_normaliser_is_idempotent(name: str, text: str) -> None:
    normalise = NORMALISERS[name]
    once = normalise(text)
    assert normalise(once) == once


@given(text=nasty_text)
def test_normalize_text_leaves_no_control_or_stray_whitespace(text: str) -> None:
    clean = normalize_text(text)
    assert clean == clean.strip()
    assert "  " not in clean
    assert "\n\n\n" not in clean
    assert "\r" not in clean
    assert "\t" not in clean
    assert unicodedata.is_normalized("NFC", clean)
    for ch in clean:
        assert unicodedata.category(ch) != "Cc" or ch == "\n"
        assert ch not in "\u200b\u00ad\ufeff\u202e\u2066\u2028\u2029"


# -- repair_mojibake ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("â€œHelloâ€\x9d, she said", "“Hello”, she said"),
        ("CafÃ© in ZÃ¼rich", "Café in Zürich"),
        ("lâ€™Ã©tÃ©", "l’été"),
        ("Ð¿Ñ€Ð¸Ð²ÐµÑ‚", "привет"),
        ("\x93quoted\x94", "“quoted”"),
    ],
)
def test_repair_mojibake_fixes_mis_decoded_text(broken: str, fixed: str) -> None:
    assert repair_mojibake(broken) == fixed


@pytest.mark.parametrize(
    "text",
    [
        "“Curly” quotes — and dashes – stay, it’s ﬁne…",
        "ą¢’",  # would "decode" (Windows-1257 → UTF-8) to U+0892, unassigned: not mojibake
        "naïve café, Zürich, São Paulo, Ærø",
        "Full-width ＡＢＣ and ½ and ① stay as written",
        "&amp; HTML entities are not this normaliser's business",
        "Ελληνικά, русский, 中文, العربية, हिन्दी",
    ],
)
def test_repair_mojibake_leaves_good_text_and_typography_alone(text: str) -> None:
    assert repair_mojibake(text) == text


# -- remove_control_chars -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zero\u200bwidth", "zerowidth"),
        ("soft\u00adhyphen", "softhyphen"),
        ("\ufeffbyte order mark", "byte order mark"),
        ("bell\x07 and escape\x1b and delete\x7f", "bell and escape and delete"),
        ("C1\x81 control", "C1 control"),
        ("bidi \u202eoverride\u202c and \u2067isolate\u2069", "bidi override and isolate"),
        ("lone \ud800 surrogate", "lone  surrogate"),
        # Whitespace controls are the whitespace normaliser's business.
        ("tab\tline\nfeed\x0bform\x0c nel\x85", "tab\tline\nfeed\x0bform\x0c nel\x85"),
    ],
)
def test_remove_control_chars_examples(text: str, expected: str) -> None:
    assert remove_control_chars(text) == expected


@pytest.mark.parametrize(
    "word",
    [
        "می\u200cخواهم",  # Persian: the non-joiner is spelling
        "क्\u200dष",  # Devanagari: joiner after a virama (a mark)
        "👩\u200d💻",  # emoji ZWJ sequence
        "👨🏽\u200d🦰",  # after a skin-tone modifier (Sk)
    ],
)
def test_joiners_inside_words_and_emoji_are_kept(word: str) -> None:
    assert remove_control_chars(word) == word


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\u200cleading", "leading"),
        ("trailing\u200d", "trailing"),
        ("word \u200d word", "word  word"),
        ("a\u200c\u200cb", "ab"),  # a joiner next to a joiner joins nothing
    ],
)
def test_stray_joiners_are_removed(text: str, expected: str) -> None:
    assert remove_control_chars(text) == expected


# -- normalize_unicode ----------------------------------------------------------------------


def test_nfc_composes_and_keeps_compatibility_characters() -> None:
    assert normalize_unicode("cafe\u0301 ﬁ ½") == "café ﬁ ½"


def test_nfkc_also_folds_compatibility_characters() -> None:
    assert normalize_unicode("cafe\u0301 ﬁ ＡＢＣ", "NFKC") == "café fi ABC"


def test_nfd_decomposes() -> None:
    assert normalize_unicode("café", "NFD") == "cafe\u0301"


# -- collapse_whitespace --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  many   spaces\tand\ttabs  ", "many spaces and tabs"),
        ("one\nbreak", "one\nbreak"),
        ("windows\r\nbreak", "windows\nbreak"),
        ("old mac\rbreak", "old mac\nbreak"),
        ("blank\n\n\n\nline", "blank\n\nline"),
        ("spaced \n \t \n blank", "spaced\n\nblank"),
        ("line\u2028separator", "line\nseparator"),
        ("paragraph\u2029separator", "paragraph\n\nseparator"),
        ("10\u00a0km and 5\u202f%", "10\u00a0km and 5\u202f%"),  # lone typographic spaces stay
        ("wide\u3000\u3000gap", "wide gap"),
        ("\u00a0\n edges \u2003", "edges"),
        ("", ""),
    ],
)
def test_collapse_whitespace_examples(text: str, expected: str) -> None:
    assert collapse_whitespace(text) == expected


# -- composed -------------------------------------------------------------------------------


def test_normalize_text_keeps_typography() -> None:
    text = "“It’s a deal,” he said — not “maybe”… (see p. 12–14)"
    assert normalize_text(text) == text


def test_normalize_text_repeats_until_nothing_changes() -> None:
    # Removing the zero-width space joins two halves of a mojibake sequence, which a
    # second round then repairs.
    assert normalize_text("Ã\u200b©t\u200bÃ©") == "été"


def test_normalize_text_respects_switches() -> None:
    text = " CafÃ©\u200b  ﬁ "
    assert normalize_text(text) == "Café ﬁ"
    assert normalize_text(text, NormalizeConfig(fix_mojibake=False)) == "CafÃ© ﬁ"
    assert normalize_text(text, NormalizeConfig(remove_control_chars=False)) == "Café\u200b ﬁ"
    assert normalize_text(text, NormalizeConfig(collapse_whitespace=False)) == " Café  ﬁ "
    assert normalize_text(text, NormalizeConfig(unicode_form="NFKC")) == "Café fi"


@given(
    st.text(
        st.one_of(
            st.sampled_from("ab. \n\r\t\x0b\x0c\x1c\x85\u00a0\u2009\u2028\u2029\u3000"),
            st.characters(),
        ),
        max_size=60,
    )
)
def test_collapse_whitespace_equals_the_former_implementation(text: str) -> None:
    from corpus.text import normalize as module

    former = module._WHITESPACE_RE.sub(module._collapse_run, text).strip()
    assert collapse_whitespace(text) == former
