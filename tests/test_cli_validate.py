"""`corpus validate`: run as a user would (a subprocess) and in-process for the details."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.cli import main

CORPUS = Path(sys.executable).with_name("corpus")
VALID = b"A Headline Here\nBody text of the article.\n"


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CORPUS), *args], capture_output=True, text=True, timeout=60, check=False, cwd=cwd
    )


def _bad_corpus(root: Path) -> Path:
    root.mkdir()
    (root / "001_0000000000000001.txt").write_bytes(VALID)
    (root / "002_0000000000000002.txt").write_bytes(b"Good line.\nbad \xff here.\n")
    (root / "003_0000000000000003.txt").write_bytes(b"")
    (root / "notes.txt").write_bytes(VALID)
    return root


def test_validate_seeds_json_reports_five_documents_and_no_rejects(seeds_dir: Path) -> None:
    result = _run("validate", "seeds/", "--json", cwd=seeds_dir.parent)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["files_seen"] == 5
    assert payload["documents"] == 5
    assert payload["rejects"] == []


def test_validate_seeds_text_summary(seeds_dir: Path) -> None:
    result = _run("validate", str(seeds_dir))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "5 files seen: 5 valid, 0 rejected"


def test_validate_prints_one_path_line_message_per_reject(tmp_path: Path) -> None:
    root = _bad_corpus(tmp_path / "c")
    result = _run("validate", str(root))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[:-1] == [
        f"{root}/002_0000000000000002.txt:2: invalid UTF-8 at byte 15 (0xff): a seed file must "
        "be UTF-8; re-encode it as UTF-8 (e.g. `iconv -f WINDOWS-1252 -t UTF-8`)",
        f"{root}/003_0000000000000003.txt:1: the file is empty: a seed file holds at least one "
        "paragraph; remove the file or add the article text",
        f"{root}/notes.txt:0: file name 'notes.txt' is not '<seq>_<id>.txt' (seq: decimal "
        "digits, id: 16 lower-case hex digits, e.g. '000_dbad2dc0fe77bb11.txt'): rename it or "
        "move it out of the corpus",
    ]
    assert lines[-1] == "4 files seen: 1 valid, 3 rejected"


def test_validate_json_lists_rejects_with_path_line_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _bad_corpus(tmp_path / "c")
    assert main(["validate", str(root), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert (payload["files_seen"], payload["documents"]) == (4, 1)
    assert [(r["path"], r["line"], r["rule"]) for r in payload["rejects"]] == [
        (f"{root}/002_0000000000000002.txt", 2, "invalid-utf8"),
        (f"{root}/003_0000000000000003.txt", 1, "empty"),
        (f"{root}/notes.txt", 0, "bad-name"),
    ]
    assert payload["rejects"][0]["offset"] == 15
    assert all(r["reason"] for r in payload["rejects"])
    assert payload["complete"] is True


def test_validate_strict_stops_at_the_first_reject(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _bad_corpus(tmp_path / "c")
    assert main(["validate", str(root), "--strict"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{root}/002_0000000000000002.txt:2: invalid UTF-8")
    assert lines[1] == (
        "2 files seen: 1 valid, 1 rejected (stopped at the first rejected file: --strict)")
    assert main(["validate", str(root), "--strict", "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert (payload["files_seen"], len(payload["rejects"]), payload["complete"]) == (2, 1, False)


def test_validate_names_skipped_hidden_entries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "001_0000000000000001.txt").write_bytes(VALID)
    (tmp_path / ".DS_Store").write_bytes(b"\x00")
    assert main(["validate", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "1 file seen: 1 valid, 0 rejected (1 hidden entry skipped)"
    assert ".DS_Store: skipped: hidden entry" in captured.err


def test_validate_archive(tmp_path: Path, seeds_dir: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    import tarfile

    archive = tmp_path / "seeds.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(seeds_dir, arcname="seeds")
    assert main(["validate", str(archive), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 5


def test_validate_missing_path_exits_3(tmp_path: Path) -> None:
    result = _run("validate", str(tmp_path / "missing"))
    assert result.returncode == 3
    assert "no such file or directory" in result.stderr
    assert result.stdout == ""


def test_validate_an_unknown_url_protocol_exits_3_with_one_line() -> None:
    result = _run("validate", "nosuch://x")
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr == ("corpus validate: error: cannot read corpus nosuch://x: not a "
                             "usable fsspec URL (Protocol not known: nosuch)\n")


def test_a_line_break_in_a_file_name_keeps_each_reject_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One `path:line: message` line per reject, as tools that read the output expect; the
    # JSON keeps the name as it is.
    (tmp_path / "bad\nname.txt").write_text("x\n")
    (tmp_path / "tab\there\u2028.txt").write_text("x\n")
    assert main(["validate", str(tmp_path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":0: ")[0] for line in lines[:-1]] == [
        f"{tmp_path}/bad\\nname.txt", f"{tmp_path}/tab\\there\\u2028.txt"]
    assert lines[-1] == "2 files seen: 0 valid, 2 rejected"
    assert main(["validate", str(tmp_path), "--json"]) == 1
    paths = [r["path"] for r in json.loads(capsys.readouterr().out)["rejects"]]
    assert paths == [f"{tmp_path}/bad\nname.txt", f"{tmp_path}/tab\there\u2028.txt"]
