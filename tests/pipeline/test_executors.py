"""Executors: every one gives the same results, and failures say where they happened."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from corpus.errors import CorpusError
from corpus.pipeline import (
    EngineUnavailableError,
    ExecutorError,
    ProcessExecutor,
    Progress,
    ProgressSettings,
    SerialExecutor,
    make_executor,
)
from corpus.pipeline.executor import SMALL_CORPUS, default_engine, wants_workers
from corpus.pipeline.stages import StageError


def square(x: int) -> int:
    return x * x


def slow_first(x: int) -> int:
    if x == 0:  # the first task finishes last
        import time

        time.sleep(0.3)
    return x


def fail_on_three(x: int) -> int:
    if x == 3:
        raise StageError("corpus/003_x.txt: ValueError: broken")
    return x


def die(x: int) -> int:
    os._exit(17)


def fresh_python(code: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with ``args`` in a fresh interpreter (its own modules, collector and fork
    server); the finished process, its output as text."""
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=600, check=check)


def last_line(code: str, *args: str) -> str:
    """The last line ``code`` printed in a fresh interpreter, which must exit 0."""
    out = fresh_python(code, *args, check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_serial_and_processes_return_results_in_task_order() -> None:
    tasks = list(range(12))
    with SerialExecutor() as serial, ProcessExecutor(3) as pool:
        assert serial.map(square, tasks) == [x * x for x in tasks]
        assert pool.map(slow_first, tasks) == tasks  # finished out of order, returned in order


def worker_pid(x: int) -> int:
    return os.getpid()


def test_workers_started_ahead_run_the_first_stage() -> None:
    with ProcessExecutor(2) as pool:
        pool.start()
        assert pool.map(square, list(range(8))) == [x * x for x in range(8)]
        pids = set(pool.map(worker_pid, list(range(16))))
        assert 1 <= len(pids) <= 2  # the workers started ahead, not more
        assert os.getpid() not in pids


#: Run in a fresh interpreter: a fork server runs once per process, with the preload of the
#: first pool (or of ``multiprocessing``'s own user) that starts it, so the test's own process
#: may hold one started without it. The workers evaluate the expression (``eval`` pickles by
#: name, a function of this module would need the tests on the workers' path).
_WARM = """
from corpus.pipeline import ProcessExecutor
state = ("(__import__('corpus.dedup.hashing', fromlist=['_'])._whitespace.cache_info().currsize,"
         " __import__('corpus.text.keys', fromlist=['_'])._non_word.cache_info().currsize,"
         " __import__('corpus.dedup.config', fromlist=['_']).optimal_bands.cache_info().currsize,"
         " 'pandas' not in __import__('sys').modules,"
         " __import__('gc').get_freeze_count() > 0)")
with ProcessExecutor(2) as pool:
    print(sorted(set(pool.map(eval, [state] * 4))))
"""


def test_workers_start_with_their_tables_built_and_the_collector_frozen() -> None:
    """The fork server builds the text work's per-process tables (the default banding too),
    lets pyarrow's search for pandas find it missing (pandas is not imported) and freezes the
    collector before it forks: a worker does none of it again."""
    out = fresh_python(_WARM)
    assert out.stdout.splitlines()[-1] == "[(1, 1, 1, True, True)]", out.stderr


def test_a_pool_closed_right_after_start_closes_cleanly() -> None:
    pool = ProcessExecutor(2)
    pool.start()
    pool.close()
    pool.close()  # idempotent
    with ProcessExecutor(2) as again:  # a new pool works as before
        assert again.map(square, [3]) == [9]


def test_progress_counts_every_weight() -> None:
    with ProcessExecutor(2) as pool, \
            Progress("stage", 6, "doc", ProgressSettings("off")) as bar:
        pool.map(square, [1, 2, 3], progress=bar, weights=[1, 2, 3])
    assert bar.done == 6


def test_a_stage_error_in_a_worker_reaches_the_caller_with_its_file() -> None:
    with ProcessExecutor(2) as pool, pytest.raises(StageError, match=r"corpus/003_x\.txt"):
        pool.map(fail_on_three, list(range(6)))


def interrupt_self(x: int) -> int:
    import signal
    import time

    os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C sends every process of the terminal's group
    time.sleep(0.05)
    return x


def test_workers_leave_ctrl_c_to_the_driver() -> None:
    # The driver stops the workers itself; a worker's own KeyboardInterrupt only printed a
    # traceback per worker above the driver's one line.
    with ProcessExecutor(2) as pool:
        try:
            results = pool.map(interrupt_self, [1, 2, 3])
        except KeyboardInterrupt:  # not let through: it would stop the whole test run
            pytest.fail("a worker's KeyboardInterrupt reached the driver")
        assert results == [1, 2, 3]


def test_a_dead_worker_is_an_executor_error() -> None:
    with ProcessExecutor(2) as pool, pytest.raises(ExecutorError, match="worker process died"):
        pool.map(die, [1, 2])


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(CorpusError, match="workers=0"):
        ProcessExecutor(0)
    with pytest.raises(CorpusError, match="engine='threads'"):
        make_executor("threads")  # type: ignore[arg-type]


def test_a_scheduler_with_another_engine_or_with_workers_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # One of the two would be ignored: the stages would run elsewhere than asked.
    with pytest.raises(CorpusError, match=r"engine='serial' and scheduler=.* contradict"):
        make_executor("serial", scheduler="tcp://127.0.0.1:1")
    with pytest.raises(CorpusError, match=r"workers=2 with scheduler=.*has the workers it has"):
        make_executor(None, 2, scheduler="tcp://127.0.0.1:1")
    from corpus import cli

    seeds = Path(__file__).resolve().parents[2] / "seeds"
    with pytest.raises(SystemExit) as usage:
        cli.main(["validate", str(seeds), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"])
    assert usage.value.code == 2
    assert "--scheduler: not allowed with argument --workers" in capsys.readouterr().err


def test_the_dask_engine_without_the_extra_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    with pytest.raises(EngineUnavailableError, match=r"pip install 'news-corpus\[dask\]'"):
        make_executor("dask", 2)


def test_log_lines_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    settings = ProgressSettings("log", log_every=0.0)
    with Progress("dedup: verify rewrites", 4, "pair", settings) as bar:
        bar.update(1)
        bar.update(3)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("corpus: dedup: verify rewrites: 1/4 pairs,")
    assert "ETA" in lines[0]
    assert lines[-1].startswith("corpus: dedup: verify rewrites: 4/4 pairs,")
    assert "elapsed" in lines[-1]


def test_short_stages_stay_quiet_in_a_log(capsys: pytest.CaptureFixture[str]) -> None:
    with Progress("read", 2, "doc", ProgressSettings("log", log_every=60.0)) as bar:
        bar.update(2)
    assert capsys.readouterr().err == ""


def test_stage_paths_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A failure while normalising a file names that file (serial run, so the patch applies).
    corpus_dir = tmp_path / "c"
    corpus_dir.mkdir()
    (corpus_dir / "001_0000000000000001.txt").write_text("Headline\nBody text here.\n")

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("normaliser exploded")

    monkeypatch.setattr("corpus.pipeline.stages.normalize", broken)
    monkeypatch.setattr("corpus.pipeline.stages.normalize_batch", broken)
    from corpus import build

    with pytest.raises(StageError, match=r"001_0000000000000001\.txt: RuntimeError"):
        build(corpus_dir, tmp_path / "out", executor="serial")
    assert not (tmp_path / "out" / "c").exists()  # nothing left, not even the dataset folder


def die_once(marker: str) -> str:
    """Kill the worker the first time (as a crashed or lost machine would), succeed after."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died once")
        os._exit(1)
    return "done"


def test_a_dask_task_lost_with_its_worker_is_retried(tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    from corpus.pipeline import DaskExecutor

    marker = tmp_path / "died"
    with DaskExecutor(2) as cluster:
        assert cluster.map(die_once, [str(marker)]) == ["done"]
    assert marker.read_text() == "died once"  # the first attempt really died


def fail_counting(marker: str) -> str:
    """Count the run in ``marker``, then fail as a stage does on a bad file."""
    with open(marker, "a") as handle:
        handle.write("ran\n")
    raise StageError("corpus/003_x.txt: ValueError: broken")


def task_oserror(_: object) -> str:
    raise FileNotFoundError(2, "No such file or directory", "work/docs-00001.parquet")


def test_a_dask_task_that_fails_on_its_own_runs_once_and_names_its_file(tmp_path: Path) -> None:
    # Only a task lost with its worker is run again: a bug or a bad file fails the same way
    # every time, and running it again only delays the error.
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    from corpus.pipeline import DaskExecutor

    marker = tmp_path / "runs"
    with DaskExecutor(2) as cluster, pytest.raises(StageError, match=r"corpus/003_x\.txt"):
        cluster.map(fail_counting, [str(marker)])
    assert marker.read_text() == "ran\n"


def test_a_dask_task_s_own_oserror_is_not_a_lost_scheduler() -> None:
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    from corpus.pipeline import DaskExecutor

    with DaskExecutor(1) as cluster, pytest.raises(FileNotFoundError, match="docs-00001"):
        cluster.map(task_oserror, [1])


def test_a_dask_task_whose_worker_always_dies_is_an_executor_error() -> None:
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    from corpus.pipeline import DaskExecutor

    with DaskExecutor(1) as cluster, pytest.raises(ExecutorError, match="lost with its worker"):
        cluster.map(die, [1])


def test_a_corpus_in_memory_is_refused_with_worker_processes(tmp_path: Path) -> None:
    # Workers would see an empty memory file system: every file rejected, an empty release.
    import fsspec

    from corpus import build

    fsspec.filesystem("memory").pipe("/in-memory-news/001_0000000000000001.txt",
                                     b"Headline\nBody text here.\n")
    with pytest.raises(CorpusError, match="worker processes cannot read"):
        build("memory://in-memory-news", tmp_path, executor="processes", workers=2)
    report = build("memory://in-memory-news", tmp_path, workers=None, progress=False)
    assert report.manifest.counts.documents == 1  # no engine named: this process


def malloc_environment(_: object) -> dict[str, str]:
    """The glibc allocator's variables in the environment of the process running the task."""
    return {k: v for k, v in os.environ.items() if k.startswith("MALLOC_")}


def test_local_cluster_workers_keep_the_allocator_defaults() -> None:
    # Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which costs numpy
    # temporaries millions of page faults; the local cluster leaves it out, but keeps a
    # threshold the user configured.
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    import dask

    from corpus.pipeline import DaskExecutor

    assert "MALLOC_TRIM_THRESHOLD_" in dask.config.get("distributed.nanny.pre-spawn-environ")
    with DaskExecutor(1) as cluster:
        assert cluster.map(malloc_environment, [None]) == [{}]
    assert dask.config.get("distributed.nanny.pre-spawn-environ")["MALLOC_TRIM_THRESHOLD_"] \
        == 65536  # the configuration is restored
    own = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 131072}
    with dask.config.set(own), DaskExecutor(1) as cluster:
        kept = cluster.map(malloc_environment, [None])
    assert kept == [{"MALLOC_TRIM_THRESHOLD_": "131072"}]


def worker_state(_: object) -> dict[str, object]:
    """What a task finds in its worker: the frozen objects of the warm-up module, whether the
    pipeline's stages were imported before it, and Dask's profiler setting."""
    import gc

    import dask

    return {"frozen": gc.get_freeze_count() > 0,
            "stages": "corpus.pipeline.stages" in sys.modules,
            "profiler": dask.config.get("distributed.worker.profile.enabled")}


def test_local_cluster_workers_start_warm_and_without_the_profiler() -> None:
    # As the process pool's: the pipeline imported and the collector's view frozen before the
    # first task; and no statistical profiler, since the cluster has no dashboard.
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    from corpus.pipeline import DaskExecutor

    with DaskExecutor(1) as cluster:
        assert cluster.map(worker_state, [None]) == [
            {"frozen": True, "stages": True, "profiler": False}]


def test_the_local_cluster_starts_in_the_background(monkeypatch: pytest.MonkeyPatch) -> None:
    # Making the executor does not wait for the cluster: the caller goes on (a build lists its
    # corpus meanwhile) and the first map waits for it.
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    from corpus.pipeline import DaskExecutor

    release = threading.Event()
    waited: list[bool] = []
    real = distributed.LocalCluster

    def held(*args: object, **kwargs: object) -> object:
        waited.append(release.wait(timeout=30))
        return real(*args, **kwargs)

    monkeypatch.setattr(distributed, "LocalCluster", held)
    with DaskExecutor(1) as cluster:
        assert cluster.workers == 1
        release.set()  # only now may the cluster start: the constructor has returned
        assert cluster.map(square, [3]) == [9]
    assert waited == [True]


def test_a_local_cluster_that_cannot_start_fails_the_first_map(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    from corpus.pipeline import DaskExecutor

    def refused(*args: object, **kwargs: object) -> object:
        raise OSError("no free port")

    monkeypatch.setattr(distributed, "LocalCluster", refused)
    with DaskExecutor(1) as cluster:
        assert cluster.map(square, []) == []  # nothing to run: nothing waited for
        with pytest.raises(ExecutorError, match="cannot start a local Dask cluster: no free port"):
            cluster.map(square, [3])
        with pytest.raises(ExecutorError, match="closed"):
            cluster.map(square, [3])


_EARLY = """
import sys

import corpus.pipeline.executor as executor

started = []
real = executor.start_fork_server


def start() -> bool:
    started.append(sorted(m for m in ("pyarrow", "corpus.pipeline.stages") if m in sys.modules))
    return real()


executor.start_fork_server = start
from corpus.cli import main

code = main(sys.argv[1:])
print(started, code)
"""


@pytest.mark.parametrize(("options", "early"), [
    (["--engine", "processes", "--workers", "2"], True),
    (["--workers", "2"], True),
    (["--engine", "serial"], False),
    ([], False),  # the engine depends on the corpus's size: decided after listing it
])
def test_the_command_line_starts_the_fork_server_before_it_imports_the_pipeline(
    tmp_path: Path, options: list[str], early: bool
) -> None:
    """The fork server imports the pipeline while the command imports it too: it is started
    before the command's modules are, when the options ask for worker processes."""
    seeds = Path(__file__).resolve().parents[2] / "seeds"
    out = fresh_python(_EARLY, "build", str(seeds), "--out", str(tmp_path / "store"),
                       "--no-progress", *options, check=False)
    assert out.stdout.splitlines()[-1] == ("[[]] 0" if early else "[] 0"), out.stderr


def _seed_copies(folder: Path, count: int) -> Path:
    """``count`` seed files (copies of one seed, each under a name of its own) in ``folder``."""
    seeds = Path(__file__).resolve().parents[2] / "seeds"
    text = sorted(seeds.glob("*.txt"))[0].read_bytes()
    folder.mkdir()
    for k in range(count):
        (folder / f"{k:03d}_{k:016x}.txt").write_bytes(text)
    return folder


@pytest.mark.parametrize(("files", "early"), [(SMALL_CORPUS, True), (SMALL_CORPUS - 1, False)])
def test_no_engine_and_a_large_folder_start_the_fork_server_first(
    tmp_path: Path, files: int, early: bool
) -> None:
    """With no engine named, a corpus folder of at least SMALL_CORPUS files will be read by
    worker processes, so the command line starts their fork server before it imports the
    pipeline; a smaller one runs in this process, and none is started."""
    corpus = _seed_copies(tmp_path / "corpus", files)
    out = fresh_python(_EARLY, "validate", str(corpus), "--no-progress", check=False)
    assert out.stdout.splitlines()[-1] == ("[[]] 0" if early else "[] 0"), out.stderr


def test_wants_workers_counts_a_folder_until_it_is_large_enough(tmp_path: Path) -> None:
    """The guess made before listing: the options decide when they name the engine; with
    none, a local folder of at least SMALL_CORPUS entries, hidden ones left out and folders
    counted by what they hold; a file, an archive or a URL is listed first."""
    corpus = tmp_path / "corpus"
    (corpus / "a" / "b").mkdir(parents=True)
    for k in range(SMALL_CORPUS - 2):
        (corpus / "a" / f"{k}.txt").touch()
    (corpus / ".hidden").touch()
    (corpus / "__MACOSX").mkdir()
    (corpus / "__MACOSX" / "x.txt").touch()
    (corpus / "b.txt").touch()
    assert not wants_workers(corpus, None, None, None)  # 255 entries that count
    (corpus / "a" / "b" / "last.txt").touch()
    assert wants_workers(corpus, None, None, None)
    assert wants_workers(str(corpus), None, None, None)
    assert not wants_workers(corpus, "serial", None, None)
    assert not wants_workers(corpus, "dask", None, None)
    assert not wants_workers(corpus, None, None, "tcp://127.0.0.1:8786")
    assert not wants_workers(corpus / "b.txt", None, None, None)
    assert not wants_workers(tmp_path / "missing", None, None, None)
    assert not wants_workers(f"file://{corpus}", None, None, None)
    assert wants_workers(tmp_path / "missing", "processes", None, None)
    assert wants_workers(tmp_path / "missing", None, 2, None)
    assert default_engine(SMALL_CORPUS - 1, None, None) == "serial"
    assert default_engine(SMALL_CORPUS, None, None) == "processes"
    assert default_engine(1, 2, None) == "processes"
    assert default_engine(10**6, None, "tcp://127.0.0.1:8786") == "dask"


def test_importing_the_package_imports_none_of_its_modules() -> None:
    """``import corpus`` is quick; each public name is imported when first used."""
    code = (
        "import sys, corpus\n"
        "print(sorted(m for m in sys.modules if m.startswith(('corpus.', 'pyarrow', 'numpy'))))\n"
        "missing = [n for n in corpus.__all__ if getattr(corpus, n, None) is None]\n"
        "print(missing, set(corpus.__all__) <= set(dir(corpus)), 'pyarrow' in sys.modules)\n"
    )
    out = fresh_python(code)
    loaded, names = out.stdout.splitlines()
    assert loaded == "['corpus._lazy']"
    assert names == "[] True True"
    import corpus

    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        corpus.nothing  # noqa: B018


_FROZEN = """
import gc, sys
from corpus import cli
args = ["validate", sys.argv[1], "--engine", "serial", "--no-progress"]
if sys.argv[2] == "program":
    sys.argv = ["corpus", *args]
    code = cli.main()
else:
    code = cli.main(args)
print(code, gc.get_freeze_count() > 0)
"""


@pytest.mark.parametrize(("how", "frozen"), [("program", True), ("caller", False)])
def test_only_the_program_freezes_the_collector(how: str, frozen: bool) -> None:
    """The ``corpus`` script freezes the collector (no final collection at exit); a caller of
    ``main(argv)`` keeps its own."""
    seeds = Path(__file__).resolve().parents[2] / "seeds"
    out = fresh_python(_FROZEN, str(seeds), how)
    assert out.stdout.splitlines()[-1].split() == ["0", str(frozen)], out.stderr


_SCRIPTS = {
    "unguarded": "import corpus\ncorpus.build({seeds!r}, {store!r}, executor='processes', "
                 "workers=2, progress=False)\nprint('built')\n",
    "guarded": "import corpus\n\nif __name__ == '__main__':\n    print(corpus.build({seeds!r}, "
               "{store!r}, executor='processes', workers=2, progress=False).status)\n",
}


@pytest.mark.parametrize("kind", ["unguarded", "guarded"])
def test_a_script_without_a_main_guard_is_told_so_before_any_worker_starts(
    tmp_path: Path, seeds_dir: Path, kind: str
) -> None:
    # Every worker imports the main script again (forkserver, spawn): unguarded, each would
    # build again and die as it starts, which the caller used to see as "a worker process
    # died (killed, or out of memory)". Now: one clear error, and no worker started.
    script = tmp_path / f"{kind}.py"
    script.write_text(_SCRIPTS[kind].format(seeds=str(seeds_dir), store=str(tmp_path / "out")))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=600, cwd=tmp_path)
    if kind == "guarded":
        assert (out.returncode, out.stdout) == (0, "built\n"), out.stderr
        return
    assert (out.returncode, out.stdout) == (1, "")
    assert ("ExecutorError: the processes executor cannot start its worker processes: "
            f'{script} has no `if __name__ == "__main__":` guard') in out.stderr
    assert "bootstrapping" not in out.stderr  # no worker got as far as importing the script


def test_a_program_read_from_stdin_is_told_it_cannot_start_workers(
    tmp_path: Path, seeds_dir: Path
) -> None:
    # `python - < script.py`: workers cannot import "<stdin>" again, guard or not; they used to
    # die with FileNotFoundError, reported as "killed, or out of memory".
    out = subprocess.run([sys.executable, "-"], input=_SCRIPTS["guarded"].format(
        seeds=str(seeds_dir), store=str(tmp_path / "out")), capture_output=True, text=True,
        timeout=600, cwd=tmp_path)
    assert (out.returncode, out.stdout) == (1, "")
    assert "the main program <stdin> is not a file" in out.stderr
    assert "FileNotFoundError" not in out.stderr


@pytest.mark.parametrize(("source", "spec", "unguarded"), [
    ("import corpus\ncorpus.build('in', 'out')\n", None, True),
    ("import corpus\n\nif __name__ == '__main__':\n    corpus.build('in', 'out')\n", None, False),
    ("import corpus\n\nif '__main__' == __name__:\n    corpus.build('in', 'out')\n", None, False),
    ("import multiprocessing as mp\nif mp.parent_process() is None:\n    pass\n", None, False),
    ("import corpus\ncorpus.build('in', 'out')\n", "tool.__main__", False),  # python -m tool
    ("import corpus\ncorpus.build('in', 'out')\n", "tool.run", True),  # python -m tool.run
    ("def (:\n", None, False),  # not Python source: not judged
    (None, None, True),  # python - (the file "<stdin>" does not exist)
])
def test_unguarded_main_finds_scripts_whose_workers_would_run_them_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str | None, spec: str | None,
    unguarded: bool
) -> None:
    import importlib.machinery
    import types

    from corpus.pipeline.executor import unguarded_main

    script = tmp_path / ("script.py" if source is not None else "<stdin>")
    if source is not None:
        script.write_text(source)
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    main.__spec__ = None if spec is None else importlib.machinery.ModuleSpec(spec, None)
    monkeypatch.setitem(sys.modules, "__main__", main)
    assert unguarded_main() == (str(script) if unguarded else None)
    del main.__file__  # an interactive session, python -c, a notebook
    assert unguarded_main() is None


def test_with_no_engine_named_an_unguarded_script_runs_on_one_core_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import corpus.pipeline.executor as executor
    from corpus import build

    script = tmp_path / "script.py"
    script.write_text("import corpus\n")
    monkeypatch.setattr(executor, "unguarded_main", lambda: str(script))
    with pytest.warns(RuntimeWarning, match=r"script\.py has no .* running on one core"):
        assert default_engine(SMALL_CORPUS, None, None) == "serial"
    # The warning names the caller's line, not a frame of the library (or contextlib's).
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    for k in range(SMALL_CORPUS):
        (corpus_dir / f"{k:04d}_{k:016x}.txt").write_text(f"Headline {k}\nBody {k}.\n")
    with pytest.warns(RuntimeWarning, match="running on one core") as caught:
        build(corpus_dir, tmp_path / "store", progress=False)
    assert caught[0].filename == __file__
    # Asked for workers, the caller gets the error (raised as the pool is made), not serial.
    assert default_engine(SMALL_CORPUS, 2, None) == "processes"
    with pytest.raises(ExecutorError, match=r"cannot start its worker processes: .*script\.py "
                                            "has no"):
        ProcessExecutor(2).map(square, [1])
    monkeypatch.setattr(executor, "unguarded_main", lambda: None)
    assert default_engine(SMALL_CORPUS, None, None) == "processes"
