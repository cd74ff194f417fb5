"""Every stage of a build reports its progress: a log line per stage when stderr is not a
terminal (here with a line at every update), under the stage's name as the timings give it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import corpus
from corpus.pipeline.progress import ProgressSettings

DEV = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "dedup_dev" / "corpus"

#: The timing that is not a stage with units to count: the dedup driver's reduce, which runs
#: between the dedup maps (joining their results; 1.3 s of a 100,000-document build).
_NOT_COUNTED = {"dedup: driver"}


def test_every_timed_stage_of_a_rebuild_logs_its_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # A rebuild runs every stage a first build does, and the diff with the previous release.
    # The diff had no progress at all: at a million documents it reads both releases' light
    # columns for many seconds with nothing on the terminal.
    source = tmp_path / "c"
    shutil.copytree(DEV, source)
    settings = ProgressSettings("log", log_every=0.0)
    corpus.build(source, tmp_path / "store", progress=settings, workers=1)
    next(source.glob("1*.txt")).unlink()
    capsys.readouterr()
    report = corpus.build(source, tmp_path / "store", progress=settings, workers=1)
    err = capsys.readouterr().err
    logged = set(re.findall(r"^corpus: (.+?): [0-9,]+(?:/[0-9,]+)? [a-z]+s,", err, re.M))
    timed = set(report.timings) - _NOT_COUNTED
    assert {"diff", "write", "read and normalise"} <= timed
    assert timed <= logged, sorted(timed - logged)
    diff_lines = [line for line in err.splitlines() if line.startswith("corpus: diff: ")]
    total = 2 * len(list(source.glob("*.txt"))) + 1  # the old release's rows and the new's
    assert diff_lines[-1].startswith(f"corpus: diff: {total:,}/{total:,} rows,"), diff_lines
