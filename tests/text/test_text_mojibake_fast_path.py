"""repair_mojibake skips ftfy when ftfy would change nothing: same answers as always calling it.

The skip rests on two facts about ftfy's mojibake expression (``ftfy.badness.BADNESS_RE``):
every match contains a non-ASCII character, and no match is longer than
``_SUSPECT_WIDTH``. Both are checked here against the installed ftfy, and the answers are
compared with the former implementation (ftfy on every non-ASCII text) on generated mojibake.
"""

from __future__ import annotations

import re
import unicodedata
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

import ftfy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.text import normalize as module
from corpus.text.normalize import repair_mojibake


def former_repair_mojibake(text: str) -> str:
    """The implementation before the fast path: ftfy on every text that is not ASCII."""
    if text.isascii():
        return text
    fixed = ftfy.fix_text(text, module._MOJIBAKE_ONLY)
    if fixed != text and any(
        unicodedata.category(ch) in module._NOT_TEXT and ch not in text for ch in fixed
    ):
        return text
    return fixed


def _needs_non_ascii(element: tuple[object, object]) -> bool:
    """Whether a pattern element always consumes one non-ASCII character."""
    op, value = element
    if op is sre_constants.LITERAL:
        return isinstance(value, int) and value >= 0x80
    if op is sre_constants.IN:
        assert isinstance(value, list)
        for kind, item in value:
            if kind is sre_constants.LITERAL and item >= 0x80:
                continue
            if kind is sre_constants.RANGE and item[0] >= 0x80:
                continue
            return False  # ASCII, a category (\s, \w) or a negated class
        return True
    return False


def test_every_mojibake_match_has_a_non_ascii_character_and_a_bounded_width() -> None:
    parsed = sre_parse.parse(module._SUSPECT.pattern, module._SUSPECT.flags)
    assert parsed.getwidth()[1] <= module._SUSPECT_WIDTH
    [(op, (_, branches))] = list(parsed)
    assert op is sre_constants.BRANCH
    assert len(branches) > 20  # ftfy's alternatives, and the surrogate class
    for branch in branches:
        assert any(_needs_non_ascii(e) for e in branch), branch


def _characters(element: tuple[object, object]) -> set[str] | None:
    """The characters a mandatory pattern element can consume; None when it may consume any
    or is not mandatory (a category, a negated class, an optional or zero-width part)."""
    op, value = element
    if op is sre_constants.LITERAL:
        assert isinstance(value, int)
        return {chr(value)}
    if op is sre_constants.IN:
        assert isinstance(value, list)
        found: set[str] = set()
        for kind, item in value:
            if kind is sre_constants.LITERAL:
                found.add(chr(item))
            elif kind is sre_constants.RANGE:
                found.update(map(chr, range(item[0], item[1] + 1)))
            else:
                return None
        return found
    return None


def test_no_mojibake_match_is_made_of_ascii_and_typography_alone() -> None:
    alphabet = set(map(chr, range(0x80))) | set(module._TYPOGRAPHY)
    parsed = sre_parse.parse(module._SUSPECT.pattern, module._SUSPECT.flags)
    [(_, (_, branches))] = list(parsed)
    for branch in branches:
        needed = [c for c in map(_characters, branch) if c is not None]
        # Some mandatory element of every alternative needs a character outside the alphabet.
        assert any(not (chars & alphabet) for chars in needed), branch


# Text with typography, some of it then mis-decoded the ways ftfy repairs.
TYPOGRAPHIC = st.text(
    st.one_of(
        st.sampled_from("abcdeXYZ .,;:!?'\"\n\t-0123"),
        st.sampled_from("’‘“”„«»—–…·éèçñüøłźčßœæ€£ÃÂ©®°²³½×\u00a0\u00ad\u2009\u200b"),
        st.characters(min_codepoint=0x80, max_codepoint=0x2FF),
        st.characters(min_codepoint=0x370, max_codepoint=0x4FF),
        st.characters(min_codepoint=0x2000, max_codepoint=0x221F),
    ),
    max_size=80,
)


def _mis_decoded(text: str, codec: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode(codec, "replace")


MOJIBAKE = st.one_of(
    TYPOGRAPHIC,
    st.builds(
        lambda before, middle, after, codec: before + _mis_decoded(middle, codec) + after,
        TYPOGRAPHIC, TYPOGRAPHIC, TYPOGRAPHIC,
        st.sampled_from(["cp1252", "latin-1", "cp1251", "cp1253", "cp1257", "mac_roman"]),
    ),
    st.text(max_size=60),
    st.text(st.characters(exclude_categories=()), max_size=30),  # surrogates too
    st.text(st.sampled_from("ab .\n" + module._TYPOGRAPHY + "ÃÂâ€™"), max_size=40),
    # Accented letters far from and next to typography and mojibake: the search looks only
    # near characters beyond ASCII and typography, and must still find every sequence.
    st.text(st.sampled_from("ab .\n" + module._TYPOGRAPHY + "ÃÂâ€™éÖ©"), max_size=80),
)


@settings(max_examples=500)
@given(MOJIBAKE)
def test_repair_mojibake_equals_the_former_implementation(text: str) -> None:
    assert repair_mojibake(text) == former_repair_mojibake(text)


@pytest.mark.parametrize(
    "text",
    [
        "Lukashenko’s “Russian balcony” — a café in Kraków… Ã©",  # mojibake far from the start
        "plain ascii " * 50 + "â€œquotedâ€\x9d" + " and more" * 50,
        "line one\nÃ tail",  # ftfy's ^[ÃÂ][ ] at a line start
        "x\n\u00c3 y",
        "\x85 C1 control alone",
        "lone \ud800 surrogate",
        "ГўВЂВ\x9cx",
        "naïve “fine” text – with ‘quotes’ and 3\u00a0km",
        "Ã" + " " * 20 + "©",
    ],
)
def test_repair_mojibake_examples_equal_the_former_implementation(text: str) -> None:
    assert repair_mojibake(text) == former_repair_mojibake(text)


def test_the_fast_path_skips_ftfy_on_clean_typography(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> str:
        raise AssertionError("ftfy was called")

    monkeypatch.setattr("ftfy.fix_text", refuse)
    text = "Lukashenko’s “Russian balcony” — José Martínez in Bogotá… 3\u00a0May"
    assert repair_mojibake(text) == text
    with pytest.raises(AssertionError, match="ftfy was called"):
        repair_mojibake("â€œHiâ€\x9d")


def test_suspect_expression_is_ftfys_own() -> None:
    assert module._SUSPECT.pattern.startswith(ftfy.badness.BADNESS_RE.pattern)
    assert module._SUSPECT.flags & re.MULTILINE
