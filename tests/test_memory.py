"""Freed memory is handed back to the operating system between stages."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from corpus._memory import _malloc_trim, trim_memory

_PROGRAM = """
import numpy as np
import pyarrow as pa
from corpus._memory import trim_memory

def anon():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("RssAnon")) >> 10

# A fragmented heap: many mid-sized arrays, every other one freed (glibc keeps the holes),
# and an Arrow array freed (pyarrow's pool keeps its pages).
arrays = [np.ones(20_000) for _ in range(6_000)]
del arrays[::2]
table = pa.array(np.arange(30_000_000))
del table
before = anon()
trim_memory()
print(before, anon())
"""


@pytest.mark.skipif(_malloc_trim() is None, reason="needs glibc's malloc_trim (Linux)")
def test_trim_memory_returns_freed_heap_and_arrow_pool() -> None:
    # glibc's defaults: importing dask.distributed (other tests do) sets MALLOC_TRIM_THRESHOLD_,
    # which turns off the dynamic mmap threshold, so mid-sized arrays never make holes.
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run([sys.executable, "-c", _PROGRAM], check=True, capture_output=True,
                         text=True, env=env).stdout
    before, after = map(int, out.split())
    # About 480 MB freed in holes of the C heap and 240 MB in Arrow's pool: at least 300 MB go.
    assert before - after >= 300, (before, after)


def test_trim_memory_is_harmless_when_nothing_was_freed() -> None:
    trim_memory()
    trim_memory()
