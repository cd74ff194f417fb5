"""The options every command that runs the pipeline shares: ``--engine``, ``--workers``,
``--scheduler``, and ``--progress`` / ``--no-progress``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from corpus.pipeline.build import Stages
from corpus.pipeline.executor import ENGINES, default_engine, make_executor
from corpus.pipeline.progress import ProgressSettings

__all__ = ["add_engine_arguments", "stages_from"]


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} workers: give at least 1")
    return value


def add_engine_arguments(parser: argparse.ArgumentParser, *, progress: bool = True) -> None:
    """Register the executor options (and, unless the command has its own, the progress ones)."""
    group = parser.add_argument_group("execution")
    group.add_argument(
        "--engine", choices=ENGINES, default=None,
        help="where the stages run: serial (this process), processes (every core of this "
             "machine) or dask (a Dask cluster; needs pip install 'news-corpus[dask]'). "
             "Default: processes, or serial for fewer than 256 files",
    )
    # A running cluster has the workers it has: --workers would be ignored with --scheduler.
    where = group.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=_workers, default=None, metavar="N",
        help="worker processes for --engine processes or a local Dask cluster "
             "(default: every core)",
    )
    where.add_argument(
        "--scheduler", metavar="ADDRESS", default=None,
        help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies "
             "--engine dask; not with --workers or another engine)",
    )
    if progress:
        bars = parser.add_mutually_exclusive_group()
        bars.add_argument(
            "--progress", dest="progress", action="store_true", default=None,
            help="show progress bars (default: bars on a terminal, periodic log lines "
                 "otherwise)",
        )
        bars.add_argument(
            "--no-progress", dest="progress", action="store_false",
            help="show no progress at all",
        )


@contextmanager
def stages_from(args: argparse.Namespace, files: int) -> Iterator[Stages]:
    """The stage runner the options ask for (closed when the command ends)."""
    engine = args.engine or default_engine(files, args.workers, args.scheduler)
    executor = make_executor(engine, args.workers, scheduler=args.scheduler)
    try:
        yield Stages(executor, ProgressSettings.of(getattr(args, "progress", None)))
    finally:
        executor.close()
