"""Example tests of the seed parser: every bad input of the spec, and the valid edge cases."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

from corpus import FormatError, Role, parse, render
from corpus.format import parse_name

NAME = "007_0123456789abcdef.txt"


def _error(data: bytes, name: str = NAME) -> FormatError:
    with pytest.raises(FormatError) as info:
        parse(data, name)
    return info.value


# -- bad inputs ---------------------------------------------------------------------------


def test_empty_file_is_rejected() -> None:
    error = _error(b"")
    assert (error.rule, error.line, error.path) == ("empty", 1, NAME)
    assert "empty" in error.message


@pytest.mark.parametrize("data", [b" ", b"\n\n", b"\r\n \t\r\n", " \u2028\u3000\n".encode()])
def test_whitespace_only_file_is_rejected(data: bytes) -> None:
    error = _error(data)
    assert error.rule == "empty"
    assert "whitespace-only" in error.message


def test_bom_only_file_is_empty() -> None:
    assert _error(b"\xef\xbb\xbf").rule == "empty"


def test_invalid_utf8_in_the_middle_names_line_and_byte() -> None:
    data = "Héadline\nfirst paragraph.\nsecond ".encode() + b"\xe9" + b"t\xc3\xa9.\nlast.\n"
    error = _error(data)
    offset = data.index(b"\xe9t")
    assert (error.rule, error.line, error.offset) == ("invalid-utf8", 3, offset)
    assert f"byte {offset} (0xe9)" in error.message
    assert "re-encode" in error.message
    assert str(error) == f"{NAME}:3 (byte {offset}): {error.message}"


def test_utf16_file_gets_a_utf16_hint() -> None:
    error = _error("Hello.\n".encode("utf-16"))
    assert (error.rule, error.offset) == ("invalid-utf8", 0)
    assert "UTF-16" in error.message


def test_binary_file_is_rejected_at_its_first_nul() -> None:
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    error = _error(data)
    # The 0x89 lead byte comes before the NUL, so the first problem is the encoding.
    assert (error.rule, error.line, error.offset) == ("invalid-utf8", 1, 0)
    error = _error(b"GIF89a\x01\x00\x01\x00")
    assert (error.rule, error.line, error.offset) == ("nul-byte", 1, 7)
    assert "binary" in error.message


def test_nul_byte_line_counts_crlf_and_cr_as_one_break_each() -> None:
    data = b"one\r\ntwo\rthree\nfo\x00ur\n"
    error = _error(data)
    assert (error.rule, error.line, error.offset) == ("nul-byte", 4, data.index(b"\x00"))


def test_nul_before_invalid_utf8_is_the_reported_error() -> None:
    error = _error(b"ok\n\x00\n\xff\n")
    assert (error.rule, error.line) == ("nul-byte", 2)


@pytest.mark.parametrize(
    "name",
    ["article.txt", "7_0123456789abcdef.md", "007-0123456789abcdef.txt", "007_0123456789abcde.txt",
     "007_0123456789abcdefa.txt", "_0123456789abcdef.txt", "007_0123456789abcdeg.txt",
     "007_0123456789abcdef.txt.bak", "", "x7_0123456789abcdef.txt"],
)
def test_name_that_is_not_seq_id_txt_is_rejected(name: str) -> None:
    error = _error(b"Body text.\n", name)
    assert (error.rule, error.line) == ("bad-name", 0)
    assert "<seq>_<id>.txt" in error.message


def test_upper_case_id_is_rejected_with_the_fixed_name() -> None:
    error = _error(b"Body text.\n", "corpus/007_0123456789ABCDEF.txt")
    assert (error.rule, error.line, error.path) == ("id-case", 0, "corpus/007_0123456789ABCDEF.txt")
    assert "'007_0123456789abcdef.txt'" in error.message


def test_name_errors_inside_an_archive_name_the_member() -> None:
    with pytest.raises(FormatError) as info:
        parse(b"Body.\n", "c.tar", member="dir/README.md")
    assert info.value.path == "c.tar!dir/README.md"


def test_parse_name_returns_seq_and_id() -> None:
    assert parse_name("a/b/000123_00000000000000ff.txt") == (123, "00000000000000ff")


# -- valid edge cases -----------------------------------------------------------------------


def test_bom_and_crlf_are_recorded_and_round_trip() -> None:
    data = b"\xef\xbb\xbfA Headline Here\r\nBody text one.\r\n\r\nBody text two.\r\n"
    doc = parse(data, NAME)
    assert doc.bom is True
    assert doc.line_ending == "crlf"
    assert [line.text for line in doc.lines] == ["A Headline Here", "Body text one.", "",
                                                  "Body text two."]
    assert {line.ending for line in doc.lines} == {"\r\n"}
    assert render(doc) == data


def test_lone_cr_breaks_lines_and_round_trips() -> None:
    data = b"First paragraph.\rSecond paragraph.\rThird."
    doc = parse(data, NAME)
    assert doc.line_ending == "cr"
    assert [line.text for line in doc.lines] == ["First paragraph.", "Second paragraph.", "Third."]
    assert doc.lines[-1].ending == ""
    assert render(doc) == data


def test_mixed_endings_are_recorded_per_line() -> None:
    data = b"a.\nb.\r\nc.\rd."
    doc = parse(data, NAME)
    assert doc.line_ending == "mixed"
    assert [line.ending for line in doc.lines] == ["\n", "\r\n", "\r", ""]
    assert render(doc) == data


def test_single_line_without_ending() -> None:
    doc = parse(b"Only one paragraph.", NAME)
    assert doc.line_ending == "none"
    assert len(doc.lines) == 1


def test_trailing_blank_line_is_a_line() -> None:
    doc = parse(b"Body.\n\n", NAME)
    assert [(line.text, line.ending, line.role) for line in doc.lines] == [
        ("Body.", "\n", Role.BODY), ("", "\n", Role.BLANK)]


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x1c"])
def test_unicode_line_separators_do_not_break_lines(separator: str) -> None:
    data = f"First half{separator}second half.\nNext.".encode()
    doc = parse(data, NAME)
    assert [line.text for line in doc.lines] == [f"First half{separator}second half.", "Next."]
    assert render(doc) == data


def test_combining_characters_are_preserved_byte_for_byte() -> None:
    text = "Cafe\u0301 owners in Zu\u0308rich met Jose\u0301. The nai\u0308ve plan failed.\n"
    data = text.encode()
    assert unicodedata.normalize("NFC", text) != text
    doc = parse(data, NAME)
    assert doc.lines[0].text == text[:-1]
    assert render(doc) == data


def test_control_characters_other_than_nul_are_accepted() -> None:
    data = b"Body \x01 with \x7f controls.\n"
    assert render(parse(data, NAME)) == data


def test_ten_megabyte_single_line_parses_quickly() -> None:
    data = ("word, " * 1_750_000).encode() + b"end."
    assert len(data) > 10_000_000
    start = time.perf_counter()
    doc = parse(data, NAME)
    elapsed = time.perf_counter() - start
    assert len(doc.lines) == 1
    assert doc.lines[0].role is Role.BODY
    assert render(doc) == data
    assert elapsed < 5.0, f"10 MB line took {elapsed:.1f} s"


@pytest.mark.parametrize(
    "line",
    [
        "by " + "A and " * 200 + "!",  # once exponential in a regular expression
        "“" + "”" + " " * 200_000 + "x",
        "by " + "Ab, " * 5000,
        "About the author" + " " * 100_000 + "x",
        " " * 500_000 + "Comments x",
    ],
)
def test_pathological_lines_are_linear(line: str) -> None:
    data = f"Headline Words Here\n{line}\nBody text.\n".encode()
    start = time.perf_counter()
    parse(data, NAME)
    assert time.perf_counter() - start < 2.0


def test_parse_is_pure_and_deterministic(seeds_dir: Path) -> None:
    """Equal inputs give equal documents: in other objects, after other parses, and in another
    process with another hash seed (so nothing depends on set or dict order or global state)."""
    path = seeds_dir / "004_e180362b89ccddc6.txt"
    data = path.read_bytes()
    first = parse(data, str(path))
    for other in sorted(seeds_dir.glob("*.txt")):
        parse(other.read_bytes(), str(other))
    again = parse(bytes(bytearray(data)), "".join(str(path)))
    assert again == first
    assert again is not first
    script = (
        "import pickle, sys\n"
        "from corpus import parse\n"
        "sys.stdout.buffer.write(pickle.dumps(parse(open(sys.argv[1], 'rb').read(), sys.argv[1])))"
    )
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", script, str(path)], env=env,
                             capture_output=True, check=True, timeout=60).stdout
        assert pickle.loads(out) == first
    assert path.read_bytes() == data


def test_every_seed_round_trips(seeds_dir: Path) -> None:
    paths = sorted(seeds_dir.glob("*.txt"))
    assert len(paths) == 5
    for path in paths:
        data = path.read_bytes()
        doc = parse(data, str(path))
        assert render(doc) == data
        assert doc.name == path.name
