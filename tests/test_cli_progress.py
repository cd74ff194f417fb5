"""Progress bars of `corpus validate`, `corpus dedup` and `corpus diff` (stderr, on request)."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from tqdm import tqdm

from corpus.cli import main
from corpus.commands._progress import reading
from corpus.errors import FormatError
from corpus.reader import read

VALID = b"A Headline Here\nBody text of the article.\n"


def _corpus(root: Path) -> Path:
    root.mkdir()
    (root / "001_0000000000000001.txt").write_bytes(VALID)
    (root / "002_0000000000000002.txt").write_bytes(b"Good line.\nbad \xff here.\n")
    (root / "003_0000000000000003.txt").write_bytes(VALID.replace(b"Body", b"Other body"))
    return root


def test_reading_counts_every_file_rejects_included(tmp_path: Path) -> None:
    reader = read(_corpus(tmp_path / "c"))
    bar = tqdm(file=io.StringIO(), mininterval=0)
    docs = list(reading(reader, bar))
    assert [d.seq for d in docs] == [1, 3]
    assert (bar.n, bar.total) == (3, 3)
    assert "3/3" in bar.fp.getvalue()


def test_reading_counts_the_file_that_stopped_a_strict_run(tmp_path: Path) -> None:
    reader = read(_corpus(tmp_path / "c"), strict=True)
    bar = tqdm(file=io.StringIO(), mininterval=0)
    with pytest.raises(FormatError):
        list(reading(reader, bar))
    assert bar.n == 2


@pytest.mark.parametrize(("command", "stage"), [("validate", "read"), ("dedup", "dedup: verify")])
def test_corpus_commands_show_a_bar_on_request_only(
    seeds_dir: Path, capsys: pytest.CaptureFixture[str], command: str, stage: str
) -> None:
    assert main([command, str(seeds_dir), "--progress"]) == 0
    out, err = capsys.readouterr()
    assert re.search(rf"{stage}[a-z ]*: +[0-9]+%\|[^|]*\| [0-9]+/[1-9][0-9]* \[", err), err
    assert stage not in out  # the bar is not on stdout
    assert main([command, str(seeds_dir)]) == 0
    assert capsys.readouterr().err == ""  # not a terminal: no bar by default
    assert main([command, str(seeds_dir), "--no-progress"]) == 0
    assert capsys.readouterr().err == ""


def test_validate_json_stays_parseable_with_a_bar(
    seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    assert main(["validate", str(seeds_dir), "--json", "--progress"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["documents"] == 5
    assert re.search(r"read: +[0-9]+%\|[^|]*\| [0-5]/5 \[", err), err


def test_diff_shows_a_bar_over_the_rows_of_both_releases(
    tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.copytree(seeds_dir, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    assert main(["build"]) == 0
    (tmp_path / "seeds/000_dbad2dc0fe77bb11.txt").unlink()
    assert main(["build"]) == 0
    capsys.readouterr()
    old, new = "releases/seeds/v1.0.0", "releases/seeds/v1.1.0"
    assert main(["diff", old, new, "--progress"]) == 0
    out, err = capsys.readouterr()
    assert "diff" in err
    assert "/9" in err  # 5 rows in the old release, 4 in the new
    assert out.startswith(f"{old} -> {new}")
    assert main(["diff", old, new, "--no-progress"]) == 0
    assert capsys.readouterr().err == ""
