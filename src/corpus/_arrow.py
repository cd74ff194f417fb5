"""pyarrow without its search for pandas, in the processes this package runs on its own.

pyarrow looks for pandas the first time it converts Python values (``pa.array([...])``,
``Table.from_pydict``), to recognise pandas objects, and imports it when it is installed, as
``datasets`` installs it: some 400 modules, about 0.35 s of a core and 30 MB, in every process
that converts anything, though this package never hands pyarrow a pandas object.
:func:`skip_pandas_probe` lets that first search find pandas missing. Only the ``corpus``
command's own process and the process pool's fork server call it (never ``import corpus``,
which leaves pyarrow as the caller has it). pandas stays importable: ``import pandas`` works,
and ``pa.Table.from_pandas`` and ``to_pandas`` search again and find it; until one of them
runs, ``pa.array`` takes a pandas object for a plain sequence.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

__all__ = ["skip_pandas_probe"]


class _PandasMissing:
    """An import finder that says pandas is not installed."""

    @staticmethod
    def find_spec(name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name == "pandas":
            raise ModuleNotFoundError("No module named 'pandas'", name=name)
        return None


def skip_pandas_probe() -> None:
    """Make pyarrow's first conversion of Python values, made here, find pandas missing;
    nothing when pandas is imported already (pyarrow then uses it) or pyarrow searched
    before. Best effort: should pyarrow fail on it, it searches again later as it would
    have."""
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    finder = _PandasMissing()
    sys.meta_path.insert(0, finder)
    try:
        with contextlib.suppress(Exception):
            pa.array([0])
    finally:
        sys.meta_path.remove(finder)
