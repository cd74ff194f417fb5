"""Griffe extension: read the docstrings' reStructuredText roles as Markdown cross-references.

The docstrings of ``corpus`` are written for people reading the source and for ``help()``:
``:func:`read```, ``:class:`~corpus.errors.CorpusError```, literals in double backticks.
MkDocs renders Markdown, where a double-backtick literal is already a code span but a role is
not markup at all. This extension rewrites every role into an autorefs cross-reference
(``[`read`][read]``), which mkdocstrings resolves in the docstring's scope; one that cannot be
resolved makes ``mkdocs build --strict`` fail, so a stale reference in a docstring fails CI.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE_WITH_TITLE = re.compile(r":(?:py:)?[a-z]+:`([^`<]+?)\s*<([^`>]+)>`")
_ROLE = re.compile(r":(?:py:)?[a-z]+:`(~?)([^`]+)`")
_LITERAL_BLOCK = re.compile(r"(\S)::$", re.MULTILINE)


def markdown(text: str) -> str:
    """``text`` with reStructuredText roles as Markdown cross-references."""

    def role(match: re.Match[str]) -> str:
        short, target = match.group(1), match.group(2)
        title = target.rsplit(".", 1)[-1] if short else target.lstrip(".")
        return f"[`{title}`][{target}]"

    text = _ROLE_WITH_TITLE.sub(r"[\1][\2]", text)
    text = _ROLE.sub(role, text)
    return _LITERAL_BLOCK.sub(r"\1:", text)


class RstRoles(griffe.Extension):
    """Rewrites each docstring of a loaded package (see the module docstring)."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        seen: set[int] = set()
        stack: list[griffe.Object] = [pkg]
        while stack:
            obj = stack.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if obj.docstring is not None:
                obj.docstring.value = markdown(obj.docstring.value)
            stack.extend(m for m in obj.members.values() if not m.is_alias)  # type: ignore[misc]
