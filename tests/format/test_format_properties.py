"""Property tests of the seed parser: round trips, intended roles, totality, error locations."""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from corpus import Document, FormatError, Role, parse, render
from corpus.format import parse_name
from corpus.format.parser import MAX_SEQ
from strategies import (
    Article,
    any_file_names,
    articles,
    documents,
    ids,
    line_endings,
    unicode_text,
)

BAD_SEQUENCES = (
    b"\xff",  # never valid in UTF-8
    b"\xc0\xaf",  # overlong encoding of "/"
    b"\xe2\x82",  # truncated three-byte sequence
    b"\xed\xa0\x80",  # an encoded surrogate (U+D800)
    b"\x80",  # a lone continuation byte
    b"\xf4\x90\x80\x80",  # beyond U+10FFFF
    b"\x00",  # valid UTF-8, but never allowed in a seed file
)


def _outcome(data: bytes, name: str) -> Document | FormatError:
    """Parse, turning the format error into a value so the test can assert on it."""
    try:
        return parse(data, name)
    except FormatError as exc:
        return exc


@given(articles())
def test_render_of_parse_gives_back_the_bytes(article: Article) -> None:
    doc = parse(article.data, article.name)
    assert render(doc) == article.data
    assert doc.bom is article.bom
    assert [line.text for line in doc.lines] == list(article.texts)
    assert [line.ending for line in doc.lines] == list(article.endings)
    assert [line.number for line in doc.lines] == list(range(1, len(doc.lines) + 1))
    kinds = {{"\n": "lf", "\r\n": "crlf", "\r": "cr"}[e] for e in article.endings if e}
    expected = kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else "none")
    assert doc.line_ending == expected


@given(articles())
def test_every_line_gets_its_intended_role(article: Article) -> None:
    doc = parse(article.data, article.name)
    got = [(line.number, line.role) for line in doc.lines]
    want = list(enumerate(article.roles, start=1))
    assert got == want


@given(documents())
def test_parse_of_render_gives_back_the_document(doc: Document) -> None:
    assert parse(render(doc), doc.source.path, member=doc.source.member) == doc


@given(st.binary(max_size=2000), any_file_names())
@example(b"x\n", "1" * 4301 + "_0123456789abcdef.txt")
@example(b"x\n", "9" * 20 + "_0123456789abcdef.txt")
@example(b"x\n", "001_0123456789abcdef.txt\n")
def test_parse_of_arbitrary_bytes_returns_a_document_or_raises_format_error(
    data: bytes, name: str
) -> None:
    outcome = _outcome(data, name)
    if isinstance(outcome, FormatError):
        assert outcome.rule in {"bad-name", "id-case", "invalid-utf8", "nul-byte", "empty"}
        assert outcome.line >= 0
        assert outcome.message
    else:
        assert render(outcome) == data


@given(st.text(alphabet="0123456789", min_size=1, max_size=6000), ids())
@example("1" * 4301, "0123456789abcdef")  # past Python's limit on converting digit strings
@example("0" * 5000 + "7", "0123456789abcdef")  # long, but the value is small
@example(str(MAX_SEQ), "0123456789abcdef")
@example(str(MAX_SEQ + 1), "0123456789abcdef")
def test_a_seq_of_any_length_is_its_value_or_a_bad_name(seq: str, doc_id: str) -> None:
    digits = seq.lstrip("0") or "0"
    fits = len(digits) < 19 or (len(digits) == 19 and int(digits) <= MAX_SEQ)
    if not fits:
        with pytest.raises(FormatError, match=str(MAX_SEQ)) as caught:
            parse_name(f"{seq}_{doc_id}.txt")
        assert caught.value.rule == "bad-name"
    else:
        assert parse_name(f"{seq}_{doc_id}.txt") == (int(digits), doc_id)


@given(articles(), st.binary(max_size=64), st.integers(min_value=0))
def test_parse_of_a_valid_file_with_garbage_appended_is_total(
    article: Article, garbage: bytes, cut: int
) -> None:
    data = article.data[: cut % (len(article.data) + 1)] + garbage
    outcome = _outcome(data, article.name)
    if isinstance(outcome, FormatError):
        assert outcome.rule in {"invalid-utf8", "nul-byte", "empty"}
    else:
        assert render(outcome) == data


def _inject(article: Article, line_pick: int, char_pick: int, bad: bytes) -> tuple[bytes, int, int]:
    """Insert ``bad`` inside one non-empty line; return the bytes, its line and byte offset."""
    candidates = [k for k, text in enumerate(article.texts) if text]
    k = candidates[line_pick % len(candidates)]
    text = article.texts[k]
    cut = char_pick % (len(text) + 1)
    prefix = "".join(t + e for t, e in zip(article.texts[:k], article.endings[:k], strict=True))
    head = (b"\xef\xbb\xbf" if article.bom else b"") + (prefix + text[:cut]).encode("utf-8")
    rest = (text[cut:] + article.endings[k]).encode("utf-8") + "".join(
        t + e for t, e in zip(article.texts[k + 1:], article.endings[k + 1:], strict=True)
    ).encode("utf-8")
    return head + bad + rest, k + 1, len(head)


@given(articles(), st.integers(min_value=0), st.integers(min_value=0),
       st.sampled_from(BAD_SEQUENCES))
def test_encoding_errors_are_reported_at_their_line_and_byte(
    article: Article, line_pick: int, char_pick: int, bad: bytes
) -> None:
    data, line, offset = _inject(article, line_pick, char_pick, bad)
    rule = "nul-byte" if bad == b"\x00" else "invalid-utf8"
    with pytest.raises(FormatError) as info:
        parse(data, article.name)
    assert (info.value.rule, info.value.line, info.value.offset) == (rule, line, offset)
    assert f"byte {offset}" in info.value.message


@given(st.lists(unicode_text(), min_size=1, max_size=8), st.lists(line_endings(), min_size=8,
       max_size=8), st.booleans())
def test_only_lf_crlf_and_cr_break_lines(texts: list[str], endings: list[str], final: bool) -> None:
    texts = [*texts, "x"]  # one non-blank line, so the file is never whitespace-only
    ends = [endings[k % len(endings)] for k in range(len(texts))]
    for k in range(1, len(texts)):  # "\r" then an empty line ending in "\n" would be one CRLF
        if ends[k - 1] == "\r" and texts[k] == "" and ends[k] == "\n":
            ends[k] = "\r"
    if not final:
        ends[-1] = ""
    assume(all("\x00" not in t for t in texts) and not texts[0].startswith("\ufeff"))
    data = "".join(t + e for t, e in zip(texts, ends, strict=True)).encode("utf-8")
    doc = parse(data, "000_0123456789abcdef.txt")
    assert [line.text for line in doc.lines] == texts
    assert [line.ending for line in doc.lines] == ends
    assert all((line.role is Role.BLANK) == (not line.text.strip()) for line in doc.lines)
