"""Public names of a package imported on first use (PEP 562).

A package's ``__init__`` lists where each of its names is defined and answers
``__getattr__`` with :func:`attribute`: importing the package then imports none of its
modules, so ``import corpus`` is quick and the modules of the pipeline do not import each
other in an order fixed by the package (``corpus.pipeline.build`` and ``corpus.publish``
use each other's modules).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, MutableMapping
from typing import Any

__all__ = ["attribute"]


def attribute(package: str, exports: Mapping[str, str], namespace: MutableMapping[str, Any],
              name: str) -> Any:
    """The name ``name`` of ``package``, imported from the module ``exports`` gives for it
    and kept in the package's ``namespace`` (so it is imported once); ``AttributeError``
    for a name the package does not export."""
    where = exports.get(name)
    if where is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    namespace[name] = value
    return value
