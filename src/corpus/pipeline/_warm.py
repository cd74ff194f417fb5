"""What the workers' fork server loads before it forks a worker, so that no worker does it again.

Importing this module imports the stages, builds the tables their text work builds on first
use in every process (the Unicode classes of the word hasher and of the hashing key, the
rolling-hash powers, the stopword hashes, the language model's mapping, the default
banding, pyarrow's search for pandas that its first conversion of Python values makes, which
in the fork server finds it missing (:mod:`corpus.pipeline._without_pandas`) and on a Dask
worker imports it: about 0.25 s a process besides pandas), then freezes the garbage
collector's view of everything loaded so far (:func:`gc.freeze`). A worker forked from the
server inherits the tables, and its collections skip the modules' objects instead of walking
them again and again (the Python documentation advises freezing before a fork for that
reason, and so that the pages shared with the server are not written to). Only
:data:`corpus.pipeline.executor._PRELOAD` imports it, and Dask's workers preload it
(:func:`dask_setup`).
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal

import pyarrow as pa

import corpus.pipeline.stages  # noqa: F401  (the tasks' module: imported for its side effect)
from corpus.dedup import hashing
from corpus.dedup.config import MinHashConfig
from corpus.pipeline.executor import LOCAL_DASK_WORKER
from corpus.text import keys, lang

__all__ = ["dask_setup"]


def dask_setup(worker: object) -> None:
    """Dask's hook for a preloaded module, called in each worker as it starts (in its main
    thread). A worker of :class:`~corpus.pipeline.executor.DaskExecutor`'s own
    ``LocalCluster`` (:data:`~corpus.pipeline.executor.LOCAL_DASK_WORKER` set) ignores
    ``SIGINT``, as the process pool's workers do: Ctrl-C at a terminal goes to every process
    of the group, the driver answers it and closes the cluster, and each worker's own
    ``KeyboardInterrupt`` printed a traceback of some 35 lines above its one line. Other
    clusters' workers keep Dask's handling."""
    if os.environ.get(LOCAL_DASK_WORKER) == "1":
        with contextlib.suppress(ValueError):  # not the main thread: Dask's handling stays
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def _warm() -> None:
    """Build the per-process tables. A failure is left for the first task that needs the
    table to raise, with that task's location: the server must not die of it."""
    with contextlib.suppress(Exception):
        _build()


def _build() -> None:
    hashing._whitespace()
    hashing._shared_tables()
    hashing._stopword_hashes()
    hashing._stopword_slots()
    keys._non_word()
    lang._model()
    MinHashConfig().banding  # noqa: B018  (optimal_bands of the defaults: 10-15 ms)
    pa.array(["warm"])  # pyarrow's first conversion looks for pandas


_warm()
gc.freeze()
