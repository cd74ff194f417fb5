"""Executors: run a stage's tasks in this process, on every core, or on a Dask cluster.

A stage is a plain, picklable function applied to a sequence of tasks (a shard of input files,
a batch of candidate pairs, a partition of keys). An executor maps it and returns the results
**in task order**, whatever order the tasks finished in, so what a stage produces depends on
its tasks only, never on the executor, the number of workers or timing. Stages never know
where they run (datatrove's ``PipelineExecutor`` split, made smaller):

- :class:`SerialExecutor`: in this process, one task after another (``engine="serial"``);
- :class:`ProcessExecutor`: a pool of worker processes on this machine (``engine="processes"``,
  ``workers`` default: every core);
- :class:`DaskExecutor`: a ``dask.distributed`` cluster (``engine="dask"``): a
  ``LocalCluster`` it starts, or a running scheduler at ``scheduler="tcp://HOST:8786"``.
  Needs the ``dask`` extra; a task lost with its worker is run again (``retries`` times on a
  local cluster), a task that fails on its own is not.

A failing task raises in the caller: the stage's own errors (:class:`~corpus.errors.CorpusError`,
which name the file being worked on) pass through; a worker that died, a lost scheduler or
Ctrl-C cancel the remaining tasks and raise :class:`ExecutorError` or ``KeyboardInterrupt``.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, Protocol, TypeVar

from corpus.errors import ConfigError, CorpusError
from corpus.pipeline.progress import Progress

__all__ = [
    "SMALL_CORPUS",
    "DaskExecutor",
    "Engine",
    "EngineUnavailableError",
    "Executor",
    "ExecutorError",
    "ProcessExecutor",
    "SerialExecutor",
    "default_engine",
    "default_workers",
    "make_executor",
    "wants_workers",
]

T = TypeVar("T")
R = TypeVar("R")

#: The names of the executors, as ``--engine`` takes them.
Engine = Literal["serial", "processes", "dask"]
ENGINES: tuple[Engine, ...] = ("serial", "processes", "dask")

#: Tasks per worker a process pool has submitted and not finished at any time.
_TASKS_AHEAD = 4

#: Seconds an aborted process pool's thread is given to end once its workers are terminated
#: (it takes milliseconds).
_ABORT_WAIT = 10.0

#: Modules a fresh worker process imports before its first task (forkserver preload), in
#: order: :mod:`corpus.pipeline._without_pandas` first, so that pyarrow's first conversion of
#: Python values finds pandas missing instead of importing it (0.35 s of a core, in the server
#: and so in none of the workers; no stage uses pandas); then :mod:`corpus.pipeline._warm`,
#: which imports the stages, builds their per-process tables and freezes the garbage
#: collector's generations, last.
_WARM = "corpus.pipeline._warm"
_PRELOAD = ["corpus.pipeline._without_pandas", _WARM]

#: The variable the executor's own ``LocalCluster`` puts in its workers' environment: there
#: :mod:`corpus.pipeline._warm` makes them ignore ``SIGINT``, as the process pool's workers do
#: (:func:`_ignore_interrupts`). The workers of a cluster started by hand keep Dask's
#: handling (``dask worker --no-nanny`` stops on Ctrl-C).
LOCAL_DASK_WORKER = "CORPUS_LOCAL_DASK_WORKER"


def start_fork_server() -> bool:
    """Start the fork server that :class:`ProcessExecutor`'s workers are forked from, now,
    without waiting for it; ``False`` where the platform has none (the workers are then
    spawned).

    The server imports the pipeline's modules (:data:`_PRELOAD`, 1–2 s) before it forks a
    worker. The command line calls this before it imports them itself, so that the two
    imports run at once on two cores instead of one after the other: a small rebuild waited
    about 2 s for its first worker. Idempotent; a pool made later uses the running server.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    multiprocessing.get_context("forkserver").set_forkserver_preload(_PRELOAD)
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return True


class ExecutorError(CorpusError):
    """The executor itself failed: a worker process died, or the Dask scheduler went away."""


class EngineUnavailableError(ExecutorError, ImportError):
    """The engine needs an optional dependency that is not installed (the message names the
    extra to install)."""


def _is_guard(node: ast.AST) -> bool:
    """Whether ``node`` tells the main process from a worker: a comparison with ``__name__``
    (``if __name__ == "__main__":``) or a use of ``multiprocessing``'s ``parent_process`` or
    ``current_process``."""
    if isinstance(node, ast.Compare):
        return any(isinstance(side, ast.Name) and side.id == "__name__"
                   for side in (node.left, *node.comparators))
    return isinstance(node, ast.Attribute | ast.Name) and (
        getattr(node, "attr", None) or getattr(node, "id", None)) in (
            "parent_process", "current_process")


def unguarded_main() -> str | None:
    """The path of the program's main script when worker processes would run its top-level
    code again: a script run by path (or as ``python -m module``) whose code has no
    ``if __name__ == "__main__":`` guard, or a program read from standard input
    (``python -``, whose ``__file__`` is ``"<stdin>"``: workers cannot import it at all).
    ``None`` otherwise (a guarded script, the ``corpus`` command, an interactive session, a
    notebook, or a file that is not Python source).

    Python's ``forkserver`` and ``spawn`` start methods (the process pool's, and Dask's) make
    each new worker import the main module, under the name ``__mp_main__``, so that it can
    unpickle what the module defines: unguarded, the script's call that started the workers
    runs again in each of them, and they die as they start, with an error Python prints to
    the terminal and the caller sees only as dead workers.
    """
    if multiprocessing.parent_process() is not None:
        return None  # a worker itself
    main = sys.modules.get("__main__")
    spec_name = getattr(getattr(main, "__spec__", None), "name", None) or ""
    if spec_name == "__main__" or spec_name.endswith(".__main__"):
        return None  # `python -m package`: workers do not import its __main__
    path = getattr(main, "__file__", None)
    if not isinstance(path, str):
        return None
    try:
        with open(path, "rb") as handle:
            tree = ast.parse(handle.read(), filename=path)
    except OSError:
        return path  # no file to import again (`python - < script.py`: "<stdin>")
    except (SyntaxError, ValueError):
        return None  # not Python source (a frozen program, bytecode): not judged
    return None if any(_is_guard(node) for node in ast.walk(tree)) else path


def _why_not(path: str) -> str:
    """Why workers cannot start from the main program ``path`` (:func:`unguarded_main`)."""
    if os.path.isfile(path):
        return (f"{path} has no `if __name__ == \"__main__\":` guard, and every worker "
                "process would run it again")
    return (f"the main program {path} is not a file, and every worker process imports the "
            "main program again (run it as a script file, with an `if __name__ == "
            "\"__main__\":` guard)")


def _check_main_guard(engine: str) -> None:
    """Raise :class:`ExecutorError` before any worker starts if :func:`unguarded_main` finds
    a script whose top-level code every worker would run again."""
    path = unguarded_main()
    if path is not None:
        raise ExecutorError(
            f"the {engine} executor cannot start its worker processes: {_why_not(path)} "
            "(Python's forkserver and spawn start methods import it in each); put the "
            "script's top-level code under that guard (see docs/scaling.md), or pass "
            "executor=\"serial\""
        )


#: Below this many input files a run that names no engine runs in this process: starting
#: worker processes would cost more than it saves.
SMALL_CORPUS = 256


def default_engine(files: int, workers: int | None, scheduler: str | None) -> Engine:
    """The engine of a run that names none: ``dask`` with a scheduler, else ``serial`` for
    fewer than :data:`SMALL_CORPUS` input files (unless ``workers`` is given), else
    ``processes``; but ``serial``, with a ``RuntimeWarning`` that says why, when neither
    ``workers`` nor an engine was asked for and the program is a script that worker
    processes cannot start from (:func:`unguarded_main`): the same bytes, on one core,
    rather than an error for a choice the caller did not make."""
    if scheduler:
        return "dask"
    if files < SMALL_CORPUS and workers is None:
        return "serial"
    script = unguarded_main() if workers is None else None
    if script is not None:
        warnings.warn(
            f"{_why_not(script)}: running on one core; put its top-level code under that "
            "guard to use every core (see docs/scaling.md)", RuntimeWarning,
            stacklevel=_callers_level())
        return "serial"
    return "processes"


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _callers_level() -> int:
    """The ``stacklevel`` at which a warning raised by this function's caller names the
    first frame outside this package and :mod:`contextlib`: the user's line that called
    :func:`corpus.build` (or another entry point), however deep the call went."""
    frame = sys._getframe(2)  # the caller's caller: stacklevel 2
    level = 2
    while frame.f_back is not None and (
            frame.f_code.co_filename.startswith(_PACKAGE + os.sep)
            or frame.f_code.co_filename == contextlib.__file__):
        frame = frame.f_back
        level += 1
    return level


def wants_workers(source: str | os.PathLike[str], engine: str | None, workers: int | None,
                  scheduler: str | None) -> bool:
    """Whether a run of ``source`` with these options will want this machine's worker
    processes, told before its corpus is listed, so that their fork server can start first
    (:func:`start_fork_server`): ``--engine processes``, ``--workers`` without an engine, or no
    engine and a local directory of at least :data:`SMALL_CORPUS` entries (counted until
    there are that many, hidden ones left out; an archive or a URL is listed first). Only a
    guess for the last case, and a cheap one: the engine itself is chosen from the listing
    (:func:`default_engine`), and a server started for nothing is left idle."""
    if scheduler or engine not in (None, "processes"):
        return False
    if engine == "processes" or workers:
        return True
    return _has_entries(os.fspath(source), SMALL_CORPUS)


def _has_entries(root: str, count: int) -> bool:
    """Whether the local directory ``root`` holds at least ``count`` entries that are not
    hidden, in it or in its folders (not followed through links)."""
    found = 0
    folders = [root]
    while folders:
        try:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    if entry.name.startswith(".") or entry.name == "__MACOSX":
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
                        continue
                    found += 1
                    if found >= count:
                        return True
        except OSError:  # not a directory, or unreadable: the listing will say so
            continue
    return False


def default_workers() -> int:
    """The cores this process may use (its CPU affinity where the platform tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def _weights(tasks: Sequence[Any], weights: Sequence[int] | None) -> list[int]:
    if weights is None:
        return [1] * len(tasks)
    if len(weights) != len(tasks):
        raise ConfigError(f"{len(weights)} weights given for {len(tasks)} tasks")
    return list(weights)


class Executor(Protocol):
    """What a stage runner needs: an ordered ``map`` and a ``close``."""

    @property
    def name(self) -> str: ...

    @property
    def workers(self) -> int: ...

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], *, progress: Progress | None = None,
            weights: Sequence[int] | None = None) -> list[R]:
        """``[fn(t) for t in tasks]``, run by this executor; ``progress`` advances by each
        finished task's weight (default 1)."""
        ...

    def close(self) -> None:
        """Release the workers (idempotent)."""
        ...


class SerialExecutor:
    """Run every task in this process, in order. The reference every other executor matches."""

    name = "serial"
    workers = 1

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], *, progress: Progress | None = None,
            weights: Sequence[int] | None = None) -> list[R]:
        results = []
        for task, weight in zip(tasks, _weights(tasks, weights), strict=True):
            results.append(fn(task))
            if progress is not None:
                progress.update(weight)
        return results

    def close(self) -> None:
        return None


def _ignore_interrupts() -> None:
    """A pool worker's first step: ignore ``SIGINT``. Ctrl-C at a terminal goes to every
    process of the group; the driver answers it (its :meth:`ProcessExecutor.map` stops the
    workers, the build leaves nothing behind) and the workers' own ``KeyboardInterrupt``
    tracebacks were only noise above its one line."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessExecutor:
    """Run tasks on a pool of ``workers`` processes of this machine (default: every core).

    Workers start from a fork server that has already imported the pipeline's modules, so a
    new worker costs little and shares no threads with this process. The pool is made on the
    first :meth:`map` and reused by later stages.
    """

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        count = default_workers() if workers is None else workers
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ConfigError(f"workers={workers!r} is invalid: give a whole number of at least 1")
        self.workers = count
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            _check_main_guard(self.name)
            method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() \
                else "spawn"
            context = multiprocessing.get_context(method)
            if method == "forkserver":
                context.set_forkserver_preload(_PRELOAD)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                             initializer=_ignore_interrupts)
        return self._pool

    def start(self) -> None:
        """Start the worker processes now, in a thread, without waiting for them: the fork
        server imports the pipeline's modules (about a second) while this process goes on
        (a build lists the corpus meanwhile), and the first :meth:`map` finds the workers
        ready. Optional: :meth:`map` starts them otherwise."""
        pool = self._get_pool()

        def spawn() -> None:
            with contextlib.suppress(Exception):  # the pool closed meanwhile: nothing to start
                for _ in range(self.workers):
                    pool.submit(os.getpid)

        threading.Thread(target=spawn, name="corpus-start-workers", daemon=True).start()

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], *, progress: Progress | None = None,
            weights: Sequence[int] | None = None) -> list[R]:
        weight = _weights(tasks, weights)
        if not tasks:
            return []
        pool = self._get_pool()
        # A few tasks per worker in flight, the next submitted as one finishes: a task is
        # made (``tasks[k]``) and held only while it waits or runs, so a stage of many tasks
        # that are made on demand costs the driver the memory of a few.
        ahead = self.workers * _TASKS_AHEAD
        results: list[Any] = [None] * len(tasks)
        running: dict[Future[R], int] = {}
        submitted = 0
        try:
            while submitted < len(tasks) or running:
                while submitted < len(tasks) and len(running) < ahead:
                    running[pool.submit(fn, tasks[submitted])] = submitted
                    submitted += 1
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=running.__getitem__):
                    position = running.pop(future)
                    results[position] = future.result()  # raises the task's own error
                    if progress is not None:
                        progress.update(weight[position])
        except BrokenProcessPool:
            self._abort(list(running))
            raise ExecutorError(
                "a worker process died (killed, or out of memory) while the pipeline ran; "
                "nothing was written; run again, with fewer --workers if memory is short"
            ) from None
        except BaseException:
            self._abort(list(running))
            raise
        return results

    def _abort(self, futures: list[Future[R]]) -> None:
        for future in futures:
            future.cancel()
        if self._pool is not None:
            pool, self._pool = self._pool, None
            processes = list((getattr(pool, "_processes", None) or {}).values())
            manager = getattr(pool, "_executor_manager_thread", None)
            for process in processes:  # running tasks are not waited for
                process.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            # With its workers gone, the pool's thread finds the pool broken, closes its pipes
            # and ends, at once. Left running, it raced the interpreter's exit handler, which
            # wakes it through one of those pipes without the pool's lock ("Exception ignored
            # ... OSError: [Errno 9] Bad file descriptor" after Ctrl-C). A bounded wait: a
            # Python without gh-107219's fix may block it on a pipe to a dead worker.
            if manager is not None:
                manager.join(timeout=_ABORT_WAIT)

    def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=True, cancel_futures=True)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise EngineUnavailableError(
            "the dask engine needs the optional dependency dask.distributed, which is not "
            "installed: pip install 'news-corpus[dask]'"
        ) from None
    return distributed


#: The variable and value Dask's nanny puts in the environment of every worker it starts, by
#: default (``distributed.nanny.pre-spawn-environ``), and that the local cluster leaves out. A
#: fixed glibc trim threshold turns off the allocator's dynamic mmap threshold, so every large
#: numpy temporary of a task is mapped, faulted in page by page and unmapped again: 4.0 million
#: page faults in a 10,000-document build, against 0.3 million without it, as in the process
#: pool's workers, which keep glibc's defaults.
_DASK_TRIM = ("MALLOC_TRIM_THRESHOLD_", "65536")


@contextlib.contextmanager
def _local_worker_environment(retries: int) -> Iterator[None]:
    """While a ``LocalCluster`` starts: Dask's worker settings for a cluster that serves one
    build and has no dashboard.

    - The workers' environment without Dask's default trim threshold. A value the user
      configured (another one) is kept. Set after ``distributed`` is imported, since its
      defaults are merged into a value set before.
    - A task whose worker dies is run again ``retries`` times (the scheduler's
      ``allowed-failures``), then fails the build.
    - No statistical profiler in the workers: it samples each task's thread 100 times a
      second for the dashboard, taking the interpreter's lock from the task every time (about
      40% of a worker's context switches), and this cluster has no dashboard to show it on.
    """
    import dask

    settings: dict[str, Any] = {"distributed.worker.profile.enabled": False,
                                "distributed.scheduler.allowed-failures": retries}
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {})
    name, value = _DASK_TRIM
    if str(environ.get(name)) == value:
        del environ[name]
        settings["distributed.nanny.pre-spawn-environ"] = environ
    with dask.config.set(settings):
        yield


#: The loggers of the Dask client's side of its connection to the scheduler.
_CLIENT_LOGGERS = ("distributed.client", "distributed.batched")


@contextlib.contextmanager
def _quiet_client_log() -> Iterator[None]:
    """While a map runs on Dask, or the executor closes: no records of the client's loggers
    (:data:`_CLIENT_LOGGERS`) below ``CRITICAL``.

    When the scheduler goes away, the client logs the broken connection (an error with a
    traceback of some 35 lines, or "Failed to reconnect to scheduler"; the closed comm with
    another), as the map fails or as the client is closed after it, above the one line of
    :class:`ExecutorError` that says the same. The loggers' levels are restored afterwards,
    so the client's records at other times (connecting) are left as they were."""
    loggers = [logging.getLogger(name) for name in _CLIENT_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _without_gc_diagnosis(distributed: Any) -> None:
    """Turn off ``distributed``'s garbage-collection timing in this process (a scheduler
    started here turns it on; its own close then finds it off, which it allows)."""
    with contextlib.suppress(Exception):  # a Dask without the hook: nothing to turn off
        importlib.import_module(f"{distributed.__name__}.gc").disable_gc_diagnosis(force=True)


class DaskExecutor:
    """Run tasks on a ``dask.distributed`` cluster.

    With ``scheduler`` (``"tcp://HOST:8786"``) it connects to a running cluster; without, it
    starts a ``LocalCluster`` of ``workers`` single-threaded worker processes on loopback and
    stops it on :meth:`close`. The local cluster starts in the background, while the caller
    goes on (a build lists its corpus meanwhile); the first :meth:`map` waits for it, and a
    failure to start is raised there. Its workers import the pipeline's modules and build their
    tables as they start (:mod:`corpus.pipeline._warm`), and keep glibc's default memory
    thresholds, as the process pool's do (Dask sets a fixed trim threshold that costs
    numpy-heavy tasks page faults). A task lost with a worker of the local cluster is run
    again ``retries`` times (a running cluster's scheduler decides that by its own
    ``distributed.scheduler.allowed-failures``); a task that raises is not run again: its
    error is raised at once.
    Workers must be able to import ``corpus`` and to read the paths the stages name (the
    input, and the build's work folder: local paths work for a cluster on one machine).
    """

    name = "dask"

    def __init__(self, workers: int | None = None, *, scheduler: str | None = None,
                 retries: int = 2, timeout: float = 30.0) -> None:
        self._distributed = _import_distributed()
        self._cluster: Any = None
        self._client: Any = None
        self._retries = retries
        self._starting: Future[None] | None = None
        if scheduler:
            info = self._connect(scheduler, timeout).scheduler_info()
            self.workers = max(1, sum(w.get("nthreads", 1)
                                      for w in info.get("workers", {}).values()))
            return
        count = default_workers() if workers is None else workers
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ConfigError(f"workers={workers!r} is invalid: give a whole number of at least 1")
        self.workers = count  # one thread per worker
        _check_main_guard(self.name)
        starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="corpus-dask-start")
        self._starting = starter.submit(self._start_local, count)
        starter.shutdown(wait=False)

    def _connect(self, scheduler: str, timeout: float) -> Any:
        try:
            self._client = self._distributed.Client(scheduler, timeout=timeout,
                                                    set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        return self._client

    def _start_local(self, count: int) -> None:
        try:
            with _local_worker_environment(self._retries):
                # No dashboard; the scheduler's HTTP server (health, metrics) on a free port,
                # not Dask's default 8787, which another cluster of this machine may hold.
                self._cluster = self._distributed.LocalCluster(
                    n_workers=count, threads_per_worker=1, processes=True,
                    dashboard_address=None, host="127.0.0.1", silence_logs=logging.ERROR,
                    preload=[_WARM], scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    env={LOCAL_DASK_WORKER: "1"},
                )
            # The cluster's scheduler runs in this process and times every garbage
            # collection from a callback; a Ctrl-C that lands in it printed two tracebacks
            # ("Exception ignored in ... GCDiagnosis", then its timer's AssertionError) above
            # the build's one line. The timing only feeds Dask's warnings about long pauses.
            _without_gc_diagnosis(self._distributed)
            self._client = self._distributed.Client(self._cluster, set_as_default=False)
        except (OSError, TimeoutError, RuntimeError) as exc:
            raise ExecutorError(f"cannot start a local Dask cluster: {exc}") from None

    def _ready(self) -> Any:
        """The client, once the local cluster has started (raises what stopped it)."""
        if self._starting is not None:
            starting, self._starting = self._starting, None
            try:
                starting.result()
            except BaseException:
                self.close()
                raise
        if self._client is None:
            raise ExecutorError("the Dask executor is closed")
        return self._client

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], *, progress: Progress | None = None,
            weights: Sequence[int] | None = None) -> list[R]:
        weight = _weights(tasks, weights)
        if not tasks:
            return []
        with _quiet_client_log():
            return self._map(fn, tasks, weight, progress)

    def _map(self, fn: Callable[[T], R], tasks: Sequence[T], weight: list[int],
             progress: Progress | None) -> list[R]:
        futures = self._ready().map(fn, list(tasks), pure=False)
        position = {f.key: i for i, f in enumerate(futures)}
        finished: queue.Queue[Any] = queue.Queue()
        for future in futures:
            future.add_done_callback(finished.put)
        failed: Any = None
        try:
            for _ in futures:
                future = self._next(finished)
                if future.status == "error":  # the task raised, or its workers kept dying
                    failed = future
                    break
                if future.status != "finished":
                    future.result()  # raises CancelledError
                if progress is not None:
                    progress.update(weight[position[future.key]])
            else:
                results: list[R] = self._client.gather(futures)
        except CorpusError:
            self._cancel(futures)
            raise
        except (OSError, TimeoutError, CancelledError) as exc:
            self._cancel(futures)
            # One line: Dask's reasons span two ("... scheduler-connection-lost.\nClient ...").
            raise ExecutorError(
                f"lost the Dask scheduler or its workers while the pipeline ran "
                f"({type(exc).__name__}: {' '.join(str(exc).split())}); nothing was written"
            ) from None
        except BaseException:
            self._cancel(futures)
            raise
        if failed is not None:
            # Raised here, not in the handlers above: a task's own OSError is not a lost
            # scheduler.
            error = self._task_error(failed)  # read before the cancel, which drops it
            self._cancel(futures)
            raise error
        return results

    def _task_error(self, future: Any) -> BaseException:
        """What to raise for a task that failed: its own error (a stage's names its file),
        or, for a task whose workers kept dying, an :class:`ExecutorError` that says so."""
        try:
            future.result()
        except BaseException as exc:  # the task's error, re-raised here
            error = exc
        else:  # pragma: no cover - an errored future raises
            return ExecutorError(f"a task of the pipeline ({future.key}) failed")
        if isinstance(error, self._distributed.KilledWorker):
            return ExecutorError(
                f"a task of the pipeline ({future.key}) was lost with its worker every time it "
                f"ran: the worker process died (killed, or out of memory) running it; nothing "
                f"was written ({error})"
            )
        return error

    def _next(self, finished: queue.Queue[Any]) -> Any:
        """The next finished future; raises when the client lost its scheduler."""
        while True:
            try:
                return finished.get(timeout=1.0)
            except queue.Empty:
                if self._client is None or self._client.status not in ("running", "connecting"):
                    raise ExecutorError(
                        "lost the Dask scheduler while the pipeline ran; nothing was written"
                    ) from None

    def _cancel(self, futures: list[Any]) -> None:
        with contextlib.suppress(Exception):  # the scheduler may be gone already
            self._client.cancel(futures)

    def close(self) -> None:
        starting, self._starting = self._starting, None
        if starting is not None:  # closed before its first map: let the start finish first
            with contextlib.suppress(Exception):
                starting.result()
        client, self._client = self._client, None
        cluster, self._cluster = self._cluster, None
        with _quiet_client_log():
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()


def make_executor(engine: Engine | None = None, workers: int | None = None, *,
                  scheduler: str | None = None) -> SerialExecutor | ProcessExecutor | DaskExecutor:
    """The executor ``engine`` names (by default ``"dask"`` with a ``scheduler``, else
    ``"processes"``). A ``scheduler`` with another engine, or with ``workers`` (a running
    cluster has the workers it has), is refused: one of the two would be ignored."""
    if scheduler:
        if engine not in (None, "dask"):
            raise ConfigError(
                f"engine={engine!r} and scheduler={scheduler!r} contradict each other: a "
                "scheduler runs the stages on its Dask cluster; drop one of the two")
        if workers is not None:
            raise ConfigError(
                f"workers={workers!r} with scheduler={scheduler!r}: a running cluster has the "
                "workers it has (start more `dask worker` processes to add some); drop workers")
        engine = "dask"
    if engine is None:
        engine = "processes"
    if engine == "serial":
        return SerialExecutor()
    if engine == "processes":
        return ProcessExecutor(workers)
    if engine == "dask":
        return DaskExecutor(workers, scheduler=scheduler)
    raise ConfigError(f"engine={engine!r} is invalid: it must be one of {', '.join(ENGINES)}")
