"""The ``corpus`` command: a thin argparse layer over the public API.

Each sub-command lives in :mod:`corpus.commands` as a module with ``add_arguments(parser)`` and
``run(args) -> int``; its docstring's first line is the command's help. Exit codes: 0 success,
1 the input was rejected or a check failed, 2 usage error (argparse), 3 an error of the library
(:class:`~corpus.errors.CorpusError`) stopped the command.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from corpus import __version__
from corpus.errors import CorpusError

__all__ = ["main"]

COMMANDS = ("validate", "inspect", "dedup", "build", "diff", "push", "report")
EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_ERROR = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``corpus`` with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="corpus",
        description="Turn a folder of news-article text files into a versioned dataset.",
    )
    parser.add_argument("--version", action="version", version=f"corpus {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"corpus.commands.{name}")
        doc = (module.__doc__ or "").strip()
        help_line = doc.splitlines()[0] if doc else name
        command = sub.add_parser(name, help=help_line, description=doc)
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (also the process exit code)."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args._run(args)
    except CorpusError as exc:
        print(f"corpus {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"corpus {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`corpus inspect FILE | head`): not an error.
        # Point stdout at devnull so the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
