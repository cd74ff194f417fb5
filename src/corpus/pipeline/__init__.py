"""The build as named stages over shards, and the executors that run them.

:mod:`corpus.pipeline.stages` holds the per-shard stages (plain, picklable functions),
:mod:`corpus.pipeline.build` runs them in order for :func:`corpus.build` (an incremental
build's writer takes unchanged rows from the previous release, :mod:`corpus.pipeline.reuse`),
and
:mod:`corpus.pipeline.executor` runs a stage's tasks in this process
(:class:`SerialExecutor`), on every core (:class:`ProcessExecutor`) or on a Dask cluster
(:class:`DaskExecutor`, ``news-corpus[dask]``), with the same bytes out. ``docs/scaling.md`` says
how to use them.
"""

from corpus.pipeline.executor import (
    DaskExecutor,
    Engine,
    EngineUnavailableError,
    Executor,
    ExecutorError,
    ProcessExecutor,
    SerialExecutor,
    default_workers,
    make_executor,
)
from corpus.pipeline.progress import Progress, ProgressMode, ProgressSettings

__all__ = [
    "DaskExecutor",
    "Engine",
    "EngineUnavailableError",
    "Executor",
    "ExecutorError",
    "ProcessExecutor",
    "Progress",
    "ProgressMode",
    "ProgressSettings",
    "SerialExecutor",
    "default_workers",
    "make_executor",
]
