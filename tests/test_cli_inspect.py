"""`corpus inspect`: the parsed structure of one file, as a listing and as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from corpus import parse
from corpus.cli import main
from corpus.commands.inspect import inspect_payload

CORPUS = Path(sys.executable).with_name("corpus")
SEED_004 = "004_e180362b89ccddc6.txt"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CORPUS), *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_inspect_seed_004_json_shows_headline_byline_headings_and_bio(seeds_dir: Path) -> None:
    result = _run("inspect", str(seeds_dir / SEED_004), "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["id"] == "e180362b89ccddc6"
    assert payload["seq"] == 4
    assert payload["line_ending"] == "lf"
    assert payload["bom"] is False
    by_role: dict[str, list[str]] = {}
    for line in payload["lines"]:
        by_role.setdefault(line["role"], []).append(line["text"])
    assert by_role["headline"] == [
        "Swallowing the Red Pill: Trump, Lukashenka, and the Cycles of Western Normalization "
        "with Belarus"]
    assert by_role["byline"] == ["by Grigory Ioffe"]
    assert by_role["heading"] == [
        "Crackdown vs Rapprochement: The Patterns of Normalization",
        "Converging Realisms: Belarus and the United States"]
    assert by_role["bio"][0] == "About the Author:"
    assert by_role["bio"][1].startswith("Grigory Ioffe is Professor Emeritus")
    assert payload["roles"]["heading"] == [9, 17]
    assert payload["roles"]["bio"] == [22, 23]


def test_inspect_listing_has_numbers_roles_and_text(
    seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(seeds_dir / SEED_004)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"file         {seeds_dir / SEED_004}"
    assert "id           e180362b89ccddc6" in out
    assert "    1  headline     LF    Swallowing the Red Pill: Trump, Lukashenka, and the Cycles" \
           " of Western Normalization with Belarus" in out
    assert "    2  byline       LF    by Grigory Ioffe" in out
    assert "   22  bio          LF    About the Author:" in out
    assert any(row.startswith("    3  body         LF    On November 17") and row.endswith("…")
               for row in out)


def test_inspect_payload_round_trips_every_line(seeds_dir: Path) -> None:
    path = seeds_dir / "000_dbad2dc0fe77bb11.txt"
    data = path.read_bytes()
    payload = inspect_payload(parse(data, str(path)))
    lines = payload["lines"]
    assert isinstance(lines, list)
    assert "".join(line["text"] + line["ending"] for line in lines).encode() == data
    assert payload["line_count"] == len(lines) == 58


def test_inspect_rejected_file_exits_1_with_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "001_0000000000000001.txt"
    bad.write_bytes(b"Fine.\nnot \xc3( fine\n")
    assert main(["inspect", str(bad), "--json"]) == 1
    assert capsys.readouterr().out.startswith(f"{bad}:2 (byte 10): invalid UTF-8 at byte 10")


def test_inspect_a_directory_is_an_error(seeds_dir: Path) -> None:
    result = _run("inspect", str(seeds_dir))
    assert result.returncode == 3
    assert "corpus validate" in result.stderr


def test_listing_escapes_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "001_00000000000000aa.txt"
    path.write_bytes(b"A body line with an escape \x1b[31m red \x07 bell and a tab\there.\n")
    out = subprocess.run(
        [sys.executable, "-m", "corpus.cli", "inspect", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\\x1b[31m red \\x07 bell" in out
    assert "a tab\there." in out


def test_inspect_listing_shows_the_normalised_fields_the_readme_promises(
    seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(seeds_dir / SEED_004)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "title        Swallowing the Red Pill: Trump, Lukashenka, and the Cycles of Western " \
           "Normalization with Belarus" in out
    assert "authors      Grigory Ioffe" in out
    assert "language     en (probability 1.00)" in out
    payload = inspect_payload(parse((seeds_dir / SEED_004).read_bytes(), str(seeds_dir / SEED_004)))
    counts = (f"counts       {payload['word_count']} words, {payload['paragraph_count']} "
              f"paragraphs, {payload['char_count']} characters")
    assert counts in out
    assert f"text sha256  {payload['text_sha256']}" in out
    # The facts come before the line table.
    assert out.index("authors      Grigory Ioffe") < out.index(
        " line  role         end   text")


def test_inspect_listing_without_byline_says_no_authors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "001_0000000000000001.txt"
    path.write_bytes("Caf\u00c3\u00a9 opens\nThe caf\u00c3\u00a9 opened today.\n".encode())
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "title        Café opens" in out
    assert "authors      -" in out
    assert "mojibake     repaired" in out


def test_inspect_a_missing_file_or_a_folder_says_what_to_pass(
    tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(tmp_path / "001_aaaaaaaaaaaaaaa1.txt")]) == 3
    assert capsys.readouterr().err == (f"corpus inspect: error: cannot read {tmp_path}/"
                                       "001_aaaaaaaaaaaaaaa1.txt: no such file\n")
    archive = tmp_path / "seeds.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(seeds_dir / "004_e180362b89ccddc6.txt", "004_e180362b89ccddc6.txt")
    assert main(["inspect", str(archive)]) == 3
    assert f"{archive} is an archive, and inspect shows one seed file" in capsys.readouterr().err
