"""`corpus report` as a user runs it: a subprocess, on a release folder and on a corpus."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .pages import scripts


def _corpus(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corpus.cli", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
    )


def test_report_of_a_release_folder(mixed_release: Path, tmp_path: Path) -> None:
    done = _corpus("report", str(mixed_release), "-o", "out/page.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = tmp_path / "out" / "page.html"
    assert done.stdout.startswith(f"wrote out/page.html ({page.stat().st_size:,} bytes): "
                                  "2 cluster(s), 1 reject(s)\n")
    index = scripts(page)["report-index"]
    assert len(index["clusters"]) == 2
    assert len(index["rejects"]) == 1


def test_report_of_a_corpus_builds_it_first_and_writes_report_html_here(
    mixed_corpus: Path, mixed_release: Path, tmp_path: Path
) -> None:
    done = _corpus("report", str(mixed_corpus), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wrote report.html (")
    # The same page `corpus build` put into the release of the same corpus, byte for byte.
    assert (tmp_path / "report.html").read_bytes() == (mixed_release / "report.html").read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no store left behind


def test_report_of_nothing_exits_3_with_the_reason(tmp_path: Path) -> None:
    done = _corpus("report", str(tmp_path / "missing"), cwd=tmp_path)
    assert done.returncode == 3
    assert done.stderr.startswith("corpus report: error: ")
    assert "missing" in done.stderr
    assert not (tmp_path / "report.html").exists()


def test_report_is_listed_in_the_help(tmp_path: Path) -> None:
    done = _corpus("--help", cwd=tmp_path)
    assert done.returncode == 0
    assert "report" in done.stdout
    usage = _corpus("report", cwd=tmp_path)
    assert usage.returncode == 2
    assert "RELEASE_OR_CORPUS" in usage.stderr
