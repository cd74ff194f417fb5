"""The name this package is installed under, and its installed version.

The import name is ``corpus``, but the distribution on PyPI is ``news-corpus`` (the name
``corpus`` there belongs to an unrelated project), so ``pip install`` hints and
:func:`importlib.metadata.version` must use :data:`DISTRIBUTION`, never the import name.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["DISTRIBUTION", "installed_version"]

#: The distribution name: what ``pip install`` takes and package metadata is keyed by.
DISTRIBUTION = "news-corpus"


def installed_version() -> str:
    """The installed version of :data:`DISTRIBUTION`, or ``"0.0.0"`` when it is not installed
    (running from a source tree)."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0.0.0"
