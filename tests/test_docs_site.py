"""The documentation site's generated parts: the command-line reference and the docstring roles."""

from __future__ import annotations

import argparse
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from corpus.cli import COMMANDS, build_parser

HOOKS = Path(__file__).resolve().parent.parent / "docs" / "hooks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"docs_hooks_{name}", HOOKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_cli_reference_has_a_section_for_every_command_and_option() -> None:
    page = _load("cli_reference").markdown()
    headings = re.findall(r"^## corpus (\S+)$", page, re.MULTILINE)
    assert headings == list(COMMANDS)
    for name, command in _subparsers().items():
        section = page.split(f"\n## corpus {name}\n", 1)[1].split("\n## ", 1)[0]
        assert f"usage: corpus {name}" in section
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            label = action.option_strings[0] if action.option_strings else action.metavar
            assert f"`{label}" in section, (name, label)
            if action.help:
                first_word = action.help.split()[0].strip("`")
                assert first_word in section, (name, label, first_word)


def test_cli_reference_is_plain_markdown_prose() -> None:
    page = _load("cli_reference").markdown()
    assert ":func:" not in page
    assert re.search(r"(?<!`)``(?!`)", page) is None  # no rST literal (code fences aside)
    # Bracketed usage in prose is escaped, so it is not read as a link.
    assert "\\[--out STORE\\]" in page


def test_docstring_roles_become_cross_references() -> None:
    pytest.importorskip("griffe")
    convert = _load("rst_roles").markdown
    assert convert(":func:`inspect_payload`") == "[`inspect_payload`][inspect_payload]"
    assert convert(":class:`~corpus.errors.CorpusError`") == (
        "[`CorpusError`][corpus.errors.CorpusError]")
    assert convert(":meth:`~BuildConfig.settings`") == "[`settings`][BuildConfig.settings]"
    assert convert(":ref:`the format <seed-format>`") == "[the format][seed-format]"
    assert convert("``literal`` stays") == "``literal`` stays"
    assert convert("Run::\n\n    code") == "Run:\n\n    code"
