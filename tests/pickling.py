"""A check shared by test packages: a value unpickles by its constructor.

Tests import it as ``from pickling import unpickled_by_constructor`` (``tests/`` is on the
path). A frozen dataclass with slots unpickles through the dataclass's state protocol, a
Python loop over its fields, unless it says how to be rebuilt (``__reduce__``): two to four
times slower for the values the pipeline sends to its workers or reads from its cache by the
thousand.
"""

from __future__ import annotations

import pickle
from typing import Any, TypeVar

T = TypeVar("T")


def unpickled_by_constructor(value: T) -> T:
    """``value`` pickled and unpickled, with its class's ``__setstate__`` refusing to run
    meanwhile (an :class:`AssertionError` if unpickling goes through it)."""
    kind: type[Any] = type(value)
    data = pickle.dumps(value, protocol=5)
    setstate = kind.__dict__.get("__setstate__")

    def refuse(self: object, state: object) -> None:
        raise AssertionError(f"{kind.__name__} unpickled through __setstate__")

    kind.__setstate__ = refuse
    try:
        back: T = pickle.loads(data)
    finally:
        if setstate is None:
            delattr(kind, "__setstate__")
        else:
            kind.__setstate__ = setstate
    return back
