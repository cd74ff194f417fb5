"""Progress bars of the commands that read a whole corpus or release (``--progress``).

A bar goes to stderr, so it never mixes with a command's output (text or ``--json``), and by
default only when stderr is a terminal: piped or captured runs stay quiet.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Never

from tqdm import tqdm

from corpus.reader import Reader
from corpus.records import Document

__all__ = ["add_progress_options", "progress_bar", "reading"]


def add_progress_options(parser: argparse.ArgumentParser) -> None:
    """Register ``--progress`` and ``--no-progress`` (destination ``progress``: None, True or
    False)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--progress", dest="progress", action="store_true", default=None,
        help="show a progress bar on stderr (default: only when stderr is a terminal)",
    )
    group.add_argument(
        "--no-progress", dest="progress", action="store_false", help="never show a progress bar",
    )


def progress_bar(
    enabled: bool | None, desc: str, total: int | None = None, unit: str = "file"
) -> tqdm[Never]:
    """A bar on stderr, shown when ``enabled`` (None: when stderr is a terminal)."""
    show = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(desc=desc, total=total, unit=unit, disable=not show, file=sys.stderr,
                leave=False)


def reading(reader: Reader, bar: tqdm[Never]) -> Iterator[Document]:
    """The documents of ``reader``, advancing ``bar`` by every file read (rejects included),
    against the number of files the reader listed."""
    try:
        for doc in reader:
            if bar.total is None:
                bar.total = reader.files_listed
            bar.update(reader.files_seen - bar.n)
            yield doc
    finally:
        bar.update(reader.files_seen - bar.n)
