"""Hand memory the process no longer uses back to the operating system, between stages.

A long build frees large amounts of memory at the end of each stage (the listing, the dedup
phases' arrays, the write stage's row groups), but the allocators keep much of it mapped:
pyarrow's mimalloc or jemalloc pool caches freed pages, and glibc's ``malloc`` keeps freed
blocks of its heap (numpy's arrays, Python's larger objects) for reuse. The resident size
then grows stage after stage though the live data does not, and the next stage's peak comes
on top of it. :func:`trim_memory` asks both to give what is free back, as
``dask.distributed`` does for its workers with ``malloc_trim``.

It never changes a result, only the resident size; on a platform without glibc it only
releases pyarrow's pool.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Callable

import pyarrow as pa

__all__ = ["trim_memory"]


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or ``None`` where there is none (macOS, Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def trim_memory() -> None:
    """Return freed memory of pyarrow's pool and of the C heap to the operating system."""
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
