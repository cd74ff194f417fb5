"""The ``corpus`` command: a thin argparse layer over the public API.

Each sub-command lives in :mod:`corpus.commands` as a module with ``add_arguments(parser)`` and
``run(args) -> int``; its docstring's first line is the command's help and the whole docstring
its ``--help`` description, shown as plain text (:func:`plain_text` strips the reStructuredText
markup the docstrings are written in). Exit codes: 0 success,
1 the input was rejected or a check failed, 2 usage error (argparse), 3 an error of the library
(:class:`~corpus.errors.CorpusError`) or of the system (an ``OSError``: a full disk, a missing
permission) stopped the command.
"""

from __future__ import annotations

import argparse
import ast
import gc
import importlib
import importlib.util
import inspect
import os
import re
import sys
import textwrap
import tokenize
from collections.abc import Sequence

from corpus import __version__
from corpus.errors import CorpusError

__all__ = ["PlainHelpFormatter", "build_parser", "main", "plain_text"]

COMMANDS = ("validate", "inspect", "dedup", "build", "diff", "push", "report")
EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_ERROR = 0, 1, 2, 3


# A role with a title and a target (:func:`title <target>`), a role (:class:`~a.b.C`), an inline
# literal (``x``) and interpreted text (`x`), in the order they must be replaced.
_ROLE_WITH_TITLE = re.compile(r":[a-z]+(?::[a-z]+)?:`([^`<]+?)\s*<[^`>]+>`")
_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`~?([^`]+)`")
_LITERAL = re.compile(r"``(.+?)``", re.DOTALL)
_INTERPRETED = re.compile(r"`([^`]+)`")


def plain_text(text: str) -> str:
    """``text`` without reStructuredText inline markup, for people reading ``--help``.

    A literal in double backticks loses its backticks (``corpus validate PATH`` is shown as
    corpus validate PATH), and so does interpreted text in single ones; a role such as
    :func:`plain_text` becomes its target (with ``~``, the target's last dotted part), a role
    with a title and a target its title. Backslash escapes lose their backslash.
    """

    def role(match: re.Match[str]) -> str:
        target = match.group(1)
        return target.rsplit(".", 1)[-1] if match.group(0).count("`~") else target

    text = _ROLE_WITH_TITLE.sub(r"\1", text)
    text = _ROLE.sub(role, text)
    text = _LITERAL.sub(r"\1", text)
    text = _INTERPRETED.sub(r"\1", text)
    return re.sub(r"\\(.)", r"\1", text)


class PlainHelpFormatter(argparse.HelpFormatter):
    """Help as plain text: reStructuredText markup removed (:func:`plain_text`) from the
    description and every argument's help; the description's paragraphs (separated by a blank
    line) are kept apart and each is wrapped to the terminal width, never inside a word such as
    an option's name."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = [" ".join(p.split()) for p in plain_text(text).split("\n\n")]
        return "\n\n".join(
            textwrap.fill(p, width, initial_indent=indent, subsequent_indent=indent,
                          break_on_hyphens=False)
            for p in paragraphs if p
        )

    def _split_lines(self, text: str, width: int) -> list[str]:
        # Options such as --license-link are never cut at their hyphens.
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        return None if action.help is None else plain_text(action.help)


def _module_doc(name: str) -> str:
    """The docstring of command ``name``'s module, read from its source without importing it
    (importing a command imports the pipeline, pyarrow and numpy: 0.3 s). Only the source's
    first tokens are read: parsing whole modules took 15 ms of every run of ``corpus``."""
    spec = importlib.util.find_spec(f"corpus.commands.{name}")
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return (importlib.import_module(f"corpus.commands.{name}").__doc__ or "").strip()
    with open(spec.origin, "rb") as source:
        for token in tokenize.tokenize(source.readline):
            if token.type in _BEFORE_DOCSTRING:
                continue
            if token.type != tokenize.STRING:
                return ""  # the module starts with code: it has no docstring
            return inspect.cleandoc(ast.literal_eval(token.string)).strip()
    return ""


#: Tokens that may come before a module's docstring.
_BEFORE_DOCSTRING = frozenset({tokenize.ENCODING, tokenize.COMMENT, tokenize.NL,
                               tokenize.NEWLINE})


def _chosen(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names: its first argument that is not an option (argparse takes
    the sub-command there, spelled out), or ``None``."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser of ``corpus`` with every sub-command registered.

    With ``argv`` (the arguments about to be parsed), only the command they name is imported
    and given its options; the others are listed with their help line, read from their
    module's source, so that ``corpus --help`` and ``corpus --version`` answer at once
    instead of importing every command and the pipeline with them."""
    parser = argparse.ArgumentParser(
        prog="corpus",
        description="Turn a folder of news-article text files into a versioned dataset.",
        formatter_class=PlainHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"corpus {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = None if argv is None else _chosen(argv)
    for name in COMMANDS:
        full = argv is None or name == chosen
        module = importlib.import_module(f"corpus.commands.{name}") if full else None
        doc = (module.__doc__ or "").strip() if module is not None else _module_doc(name)
        help_line = doc.splitlines()[0] if doc else name
        command = sub.add_parser(
            name, help=help_line, description=doc, formatter_class=PlainHelpFormatter
        )
        if module is not None:
            module.add_arguments(command)
            command.set_defaults(_run=module.run)
    return parser


#: The commands that run the pipeline's stages (``--engine``, ``--workers``, ``--scheduler``).
_PIPELINE_COMMANDS = ("validate", "dedup", "build")
#: Commands whose work converts Python values with pyarrow (:func:`main` lets its search for
#: pandas find it missing there; ``validate`` and ``inspect`` convert nothing, so pyarrow
#: never looks for pandas in them).
_ARROW_COMMANDS = ("build", "dedup", "diff", "report")


#: Settings of pyarrow's memory allocator (mimalloc) that the command's processes start with
#: unless the environment sets them: with its default, mimalloc commits its arenas eagerly,
#: and on Linux the kernel then backs the Arrow buffers of the write stage with huge pages it
#: zeroes on first touch: 0.8–1.1 s of system time in a 10,000-document build's
#: command process against 0.4 s without, and the write stage 0.25–0.3 s (a third) longer.
#: It must be set before pyarrow is first imported (the allocator reads it once); the fork
#: server and the workers inherit it.
_ALLOCATOR_SETTINGS = {"MIMALLOC_ARENA_EAGER_COMMIT": "0"}


def _tune_allocator() -> None:
    """Put :data:`_ALLOCATOR_SETTINGS` in the environment, keeping any value already set."""
    for name, value in _ALLOCATOR_SETTINGS.items():
        os.environ.setdefault(name, value)


def _start_workers_early(argv: Sequence[str]) -> None:
    """Start the worker processes' fork server before the commands' modules are imported,
    when the run will want worker processes (:func:`~corpus.pipeline.executor.wants_workers`:
    ``--engine processes``, ``--workers`` without an engine, or no engine and a corpus folder
    of at least 256 files): it imports the pipeline meanwhile, on another core. Only these
    options and the command's first argument (its corpus) are read here; the real parser
    judges every argument afterwards."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("command", nargs="?")
    early.add_argument("path", nargs="?")
    for option in ("--engine", "--workers", "--scheduler"):
        early.add_argument(option)
    try:
        known, _ = early.parse_known_args(list(argv))
    except SystemExit:  # a malformed option: the real parser reports it
        return
    if known.command not in _PIPELINE_COMMANDS:
        return
    from corpus.pipeline.executor import start_fork_server, wants_workers

    if wants_workers(known.path or "", known.engine, 1 if known.workers else None,
                     known.scheduler):
        start_fork_server()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (also the process exit code).

    ``argv`` ``None`` is the program's own run (the ``corpus`` script): its arguments are
    ``sys.argv``, and the garbage collector is frozen (:func:`gc.freeze`) once the commands'
    modules are imported, so that its collections during the run skip their objects, and
    again at the end, so that the interpreter exits without walking every object left (0.2 s
    after a build: the objects of the modules, of ``datasets`` and pandas among them); and in
    the commands that convert with pyarrow, its search for pandas finds it missing
    (:func:`corpus._arrow.skip_pandas_probe`: pandas is not imported for nothing); and
    pyarrow's allocator starts with the settings of :data:`_ALLOCATOR_SETTINGS` (its write
    stage a third faster). A caller passing ``argv`` keeps its collector, pyarrow and its
    environment as they are."""
    program = argv is None
    if program:
        _tune_allocator()  # before anything imports pyarrow, the fork server included
    _start_workers_early(sys.argv[1:] if argv is None else argv)
    args = build_parser(sys.argv[1:] if argv is None else argv).parse_args(argv)
    if program:
        if args.command in _ARROW_COMMANDS:
            from corpus._arrow import skip_pandas_probe

            skip_pandas_probe()  # 0.35 s of imports that pyarrow would make for nothing
        gc.freeze()
    try:
        return _run(args)
    finally:
        if program:
            gc.freeze()


def _run(args: argparse.Namespace) -> int:
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
    except OSError as exc:
        # An operational failure the command did not turn into a CorpusError itself (a full
        # disk, a file-size limit, a permission): one line naming the file and the cause.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"corpus {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
