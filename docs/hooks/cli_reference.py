"""MkDocs hook: write the command-line reference (``cli.md``) from ``corpus.cli.build_parser()``.

The page is generated at every build from the argument parser itself, so the reference cannot
drift from the ``corpus`` command: a new command, option or help text appears in it the next
time the site is built. :func:`markdown` is plain Python (the tests call it without MkDocs).
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from corpus.cli import build_parser, plain_text

PAGE = "cli.md"


def _prose(text: str) -> str:
    """Help text as Markdown that says what it says: brackets, stars and angle brackets are
    escaped, so ``[--out STORE]`` is not read as a link nor ``*`` as emphasis."""
    return re.sub(r"([\\[\]*<>_`])", r"\\\1", " ".join(text.split()))


def _cell(text: str) -> str:
    return _prose(text).replace("|", "\\|")


def _argument(action: argparse.Action) -> str:
    if action.option_strings:
        names = ", ".join(f"`{name}`" for name in action.option_strings)
        if action.nargs != 0:
            metavar = action.metavar or action.dest.upper()
            names += f" `{metavar}`"
        return names
    return f"`{action.metavar or action.dest}`"


def _help(action: argparse.Action) -> str:
    text = plain_text(action.help or "")
    if "%(" in text:
        text = text % {**vars(action), "prog": "corpus", "default": action.default}
    return _cell(text)


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise ValueError("the corpus parser has no sub-commands")


def markdown() -> str:
    """The whole reference page: the top-level usage, then one section per command with its
    usage line, description and a table of its arguments."""
    parser = build_parser()
    commands = _commands(parser)
    out = [
        "# Command line",
        "",
        "<!-- Generated from corpus.cli.build_parser() at every build; do not edit. -->",
        "",
        _prose(plain_text(parser.description or "")),
        "",
        "```console",
        parser.format_usage().strip(),
        "```",
        "",
        "Exit codes: 0 success, 1 the input was rejected or a check failed, 2 usage error, "
        "3 an error of the library stopped the command. `corpus COMMAND --help` prints the "
        "same help as this page.",
        "",
        "| command | what it does |",
        "| --- | --- |",
    ]
    for name, command in commands.items():
        summary = (command.description or "").strip().splitlines()[0]
        out.append(f"| [`corpus {name}`](#corpus-{name}) | {_cell(plain_text(summary))} |")
    for name, command in commands.items():
        out += ["", f"## corpus {name}", "", "```console", command.format_usage().strip(), "```"]
        description = plain_text(command.description or "")
        for paragraph in description.split("\n\n"):
            out += ["", _prose(paragraph)]
        out += ["", "| argument | meaning |", "| --- | --- |"]
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            out.append(f"| {_argument(action)} | {_help(action)} |")
    return "\n".join(out) + "\n"


def on_files(files: Any, config: Any) -> Any:
    """Add the generated page to the site's files (MkDocs event)."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, PAGE, content=markdown()))
    return files
