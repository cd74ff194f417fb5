"""`corpus --help` and `corpus COMMAND --help` are plain text for people, not reStructuredText."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus.cli import COMMANDS, main, plain_text

# What reStructuredText inline markup looks like: a literal, a role, interpreted text.
_MARKUP = re.compile(r"``|:[a-z]+(?::[a-z]+)?:`|`[^`\s][^`]*`")


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_has_no_restructuredtext_markup(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    text = _help(capsys, command)
    assert text.startswith(f"usage: corpus {command}")
    assert _MARKUP.search(text) is None, _MARKUP.search(text)
    # The description is there, with its literals kept as words.
    assert f"corpus {command}" in text.split("\n\n", 1)[1]


def test_top_level_help_lists_every_command_in_plain_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = _help(capsys)
    assert _MARKUP.search(text) is None
    for command in COMMANDS:
        assert re.search(rf"^\s+{command}\s+\S", text, re.MULTILINE), command


def test_inspect_help_names_the_function_not_the_role(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, "inspect")
    assert ":func:" not in text
    assert "corpus inspect FILE" in " ".join(text.split())


@pytest.mark.parametrize("columns", ["40", "60", "100"])
def test_help_never_cuts_an_option_name_at_its_hyphen(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    text = _help(capsys, "build")
    options = {"--license-name", "--license-link", "--no-progress", "--pretty-name"}
    words = set(text.split())
    for option in options:
        assert any(option in word for word in words), option
    assert not re.search(r"--[a-z]+-$", text, re.MULTILINE)


def test_argument_help_is_cleaned_too(capsys: pytest.CaptureFixture[str]) -> None:
    # push's RELEASE help says "written by `corpus build`" in the source.
    text = " ".join(_help(capsys, "push").split())
    assert "written by corpus build: STORE/NAME/vX.Y.Z" in text


@pytest.mark.parametrize(
    ("source", "plain"),
    [
        ("``corpus validate PATH``", "corpus validate PATH"),
        (":func:`inspect_payload`", "inspect_payload"),
        (":class:`~corpus.errors.CorpusError`", "CorpusError"),
        (":data:`corpus.SCHEMA`", "corpus.SCHEMA"),
        (":py:meth:`~BuildConfig.settings`", "settings"),
        (":ref:`the seed format <seed-format>`", "the seed format"),
        ("a `corpus build` release", "a corpus build release"),
        ("shown escaped (``\\\\x1b``)", "shown escaped (\\x1b)"),
        ("``{\"files_seen\", ...}`` instead", "{\"files_seen\", ...} instead"),
        ("no markup: 3 < 4, a:b", "no markup: 3 < 4, a:b"),
    ],
)
def test_plain_text_examples(source: str, plain: str) -> None:
    assert plain_text(source) == plain


@given(st.text(alphabet=st.characters(blacklist_characters="`\\")))
def test_plain_text_leaves_text_without_markup_alone(text: str) -> None:
    assert plain_text(text) == text


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The sub-command parsers of ``parser``, by name."""
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_top_level_help_is_the_same_without_importing_the_commands() -> None:
    """``corpus --help`` reads the commands' help lines from their source: the same help as
    with every command imported, and each command's own help is complete."""
    from corpus.cli import build_parser

    assert build_parser(["--help"]).format_help() == build_parser().format_help()
    full = _commands(build_parser())
    for command in COMMANDS:
        lazy = _commands(build_parser([command, "--help"]))
        assert lazy[command].format_help() == full[command].format_help()


def test_module_docs_read_from_the_first_tokens_match_the_parsed_source() -> None:
    """Each command's description, read from the first tokens of its source, is the docstring
    ``ast`` finds in the whole module."""
    import ast
    import importlib.util

    from corpus.cli import _module_doc

    for command in COMMANDS:
        spec = importlib.util.find_spec(f"corpus.commands.{command}")
        assert spec is not None
        assert spec.origin is not None
        source = Path(spec.origin).read_text(encoding="utf-8")
        expected = (ast.get_docstring(ast.parse(source)) or "").strip()
        assert expected
        assert _module_doc(command) == expected


def test_version_and_help_do_not_import_the_pipeline() -> None:
    """``corpus --version`` and ``corpus --help`` answer without importing a command's module
    (and with it the pipeline, pyarrow and numpy); ``corpus build`` imports its own only."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from corpus.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('corpus.commands.')"
        " or m in ('corpus.pipeline', 'pyarrow')), file=sys.stderr)\n"
    )
    for argv in (["--version"], ["--help"]):
        out = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True,
                             text=True, check=True)
        assert out.stderr.strip() == "[]", (argv, out.stderr)
    out = subprocess.run([sys.executable, "-c", probe, "inspect", "--help"],
                         capture_output=True, text=True, check=True)
    assert "'corpus.commands.inspect'" in out.stderr
    assert "'corpus.commands.build'" not in out.stderr
