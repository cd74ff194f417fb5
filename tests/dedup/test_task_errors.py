"""A dedup task that fails on its own names its stage and the documents it worked on.

A bare exception in a worker reached the command line as the worker's traceback, with no file
named and exit 1 (which says the input was rejected); every task the dedup phases hand to an
executor now raises a one-line :class:`~corpus.errors.StageError` instead (exit 3), and lets
the library's own errors and the system's pass unchanged.
"""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import corpus
from corpus.dedup import phases
from corpus.errors import CorpusError, StageError
from corpus.records import Document

REPO = Path(__file__).resolve().parents[2]
DEVSET = REPO / "benchmarks" / "data" / "dedup_dev" / "corpus"

#: A file of the development set, as the reader names it.
A_FILE = r"[^ ,]*dedup_dev/corpus/\d{3}_[0-9a-f]{16}\.txt"


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    """The development set: copies, near copies and rewrites, so that every stage runs."""
    return list(corpus.read(DEVSET))


def injected(*args: object, **kwargs: object) -> object:
    raise RuntimeError("injected")


#: (what to break, the stage whose error names it, whether the error names files).
CASES = [
    ("profile_parts", "dedup: profiles", True),
    ("verify_pair", "dedup: verify near copies", True),
    ("verify_many", "dedup: verify rewrites", True),
    ("_Verifier.passages", "dedup: evidence", True),
    ("_partition_records", "dedup: group band keys", False),
    ("_shard_stems", "dedup: count terms", True),
    ("_kept_limits", "dedup: pick rare terms", True),
]


def _break(monkeypatch: pytest.MonkeyPatch, target: str,
           replacement: Callable[..., object]) -> None:
    owner: object = phases
    *path, name = target.split(".")
    for part in path:
        owner = getattr(owner, part)
    monkeypatch.setattr(owner, name, replacement)


@pytest.mark.parametrize(("target", "stage", "names_files"), CASES)
def test_a_failed_task_names_its_stage_and_documents(
        docs: list[Document], monkeypatch: pytest.MonkeyPatch, target: str, stage: str,
        names_files: bool) -> None:
    _break(monkeypatch, target, injected)
    with pytest.raises(StageError) as failed:
        corpus.find_duplicates(docs)
    message = str(failed.value)
    assert message.startswith(f"{stage}: ")
    assert message.endswith(": RuntimeError: injected")
    assert "\n" not in message
    if names_files:
        assert re.search(A_FILE, message), message
    else:
        assert "partition 0 of the band keys" in message
    assert isinstance(failed.value.__cause__, RuntimeError)


def test_a_verification_error_names_the_pair_s_documents(
        docs: list[Document], monkeypatch: pytest.MonkeyPatch) -> None:
    # The document whose pairs were being verified, and the ones it was paired with: not the
    # thousands of the task.
    _break(monkeypatch, "verify_many", injected)
    with pytest.raises(StageError, match=rf"^dedup: verify rewrites: {A_FILE} against "
                                         rf"{A_FILE}(, {A_FILE})*( and \d+ more)?: Runtime"):
        corpus.find_duplicates(docs)


@pytest.mark.parametrize("error", [CorpusError("on purpose"),
                                   OSError(28, "No space left on device", "work/x.bin")])
def test_the_library_s_own_and_the_system_s_errors_pass_unchanged(
        docs: list[Document], monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    def raising(*args: object, **kwargs: object) -> object:
        raise error

    for target in ("verify_pair", "_Verifier.passages"):
        with monkeypatch.context() as patch:
            _break(patch, target, raising)
            with pytest.raises(type(error)) as failed:
                corpus.find_duplicates(docs)
        assert failed.value is error


def test_the_shuffle_and_recount_tasks_name_their_part(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Vectorised over every document sharing a key: they name the part of the keys.
    np.save(tmp_path / "recount.npy", np.zeros(1, np.int64))
    np.save(tmp_path / "rank.npy", np.zeros(1, np.int64))
    for target in ("_read_partition", "_short_path", "_partition_records"):
        _break(monkeypatch, target, injected)
    work = str(tmp_path)
    with pytest.raises(StageError, match=r"^dedup: group rare terms: part 2 of the pairs "
                                         r"sharing rare keys: RuntimeError: injected$"):
        phases._sum_task(phases._SumTask(work, "rare", 2, 1, 10, 2,
                                         stage="dedup: group rare terms"))
    with pytest.raises(StageError, match=r"^dedup: recount rare terms: parts 4 to 7 of the "
                                         r"pairs one rare term short: RuntimeError"):
        phases._word_pair_gate_task(phases._GateTask(work, (4, 5, 6, 7), ((0, 0),), 10, 1, 16))
    with pytest.raises(StageError, match=r"^dedup: recount rare terms: partition 3 of the "
                                         r"rare terms: RuntimeError"):
        phases._recount_task(phases._RecountTask(work, 3, ((0, 0),), 10))


def test_every_task_the_phases_map_names_its_failures() -> None:
    # A task added later without the wrapper would fail as a bare traceback again.
    source = Path(phases.__file__).read_text(encoding="utf-8")
    mapped = set(re.findall(r"\brun\(\s*(_\w+)", source))
    assert mapped == {"_profile_task", "_verify_task", "_group_task", "_sum_task",
                      "_count_task", "_select_task", "_word_pair_gate_task", "_recount_task",
                      "_relate_task"}
    for name in sorted(mapped):
        task = getattr(phases, name)
        assert getattr(task, "__wrapped__", None) is not None, name
        assert pickle.loads(pickle.dumps(task)) is task  # still pickled by reference


def test_the_command_line_prints_one_line_from_worker_processes(tmp_path: Path) -> None:
    # Through worker processes (they import the patch as they start) and the command line:
    # one line naming the stage and the files, exit 3 (an error stopped the command), where
    # it printed the worker's traceback and exited 1 (which says the input was rejected).
    (tmp_path / "patch").mkdir()
    (tmp_path / "patch" / "sitecustomize.py").write_text(textwrap.dedent("""
        import corpus.dedup.phases

        def injected(*args, **kwargs):
            raise RuntimeError("injected")

        corpus.dedup.phases.verify_many = injected
    """), encoding="utf-8")
    paths = [str(tmp_path / "patch"), str(REPO / "src"), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    done = subprocess.run(
        [sys.executable, "-m", "corpus.cli", "build", str(DEVSET), "--out",
         str(tmp_path / "out"), "--workers", "2", "--no-progress"],
        capture_output=True, text=True, env=env, timeout=600, check=False)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    assert re.fullmatch(r"corpus build: error: dedup: verify rewrites: \d{3}_[0-9a-f]{16}\.txt "
                        r"against .*: RuntimeError: injected\n", done.stderr), done.stderr
