"""Exceptions raised by :mod:`corpus`, and the reject record that lenient mode keeps instead.

Every error that concerns a file carries its location (path, line and, for encoding errors,
the byte offset) and a message that names the rule that was broken and how to fix it. In lenient
mode the same facts are kept as a :class:`Reject` value, so nothing is ever lost silently.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "CorpusError",
    "FormatError",
    "PublishError",
    "Reject",
    "StageError",
]


class CorpusError(Exception):
    """Root of every exception this library raises on purpose."""


#: Characters that would break a ``path:line: message`` line apart, or hide in it (C0 and C1
#: controls, Unicode's line and paragraph separators), each shown as its escape.
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))} | {
    ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", 0x2028: "\\u2028",
    0x2029: "\\u2029"}


@dataclass(frozen=True, slots=True)
class Reject:
    """A file that was seen but not accepted, with where and why.

    ``line`` is 1-based; 0 means the problem concerns the file as a whole (its name, say).
    ``offset`` is the byte offset of an encoding error, or -1 when it does not apply.
    ``rule`` is a short stable code (``"invalid-utf8"``, ``"bad-name"``, ...) to group rejects by.
    """

    path: str
    line: int
    rule: str
    message: str
    offset: int = -1

    @property
    def where(self) -> str:
        """``path:line``, on one line: a control character or line break in the path (a file
        may be named so) is shown as its escape; :attr:`path` keeps the name as it is."""
        return f"{self.path.translate(_ESCAPES)}:{self.line}"

    def __str__(self) -> str:
        where = self.where
        if self.offset >= 0:
            where += f" (byte {self.offset})"
        return f"{where}: {self.message}"


class FormatError(CorpusError, ValueError):
    """A seed file breaks the format described in ``docs/seed-format.md``.

    Raised by :func:`corpus.parse` and by :func:`corpus.read` in strict mode; lenient mode
    records :attr:`reject` instead.
    """

    def __init__(self, path: str, line: int, rule: str, message: str, offset: int = -1) -> None:
        self.reject = Reject(path=path, line=line, rule=rule, message=message, offset=offset)
        super().__init__(str(self.reject))

    @property
    def path(self) -> str:
        return self.reject.path

    @property
    def line(self) -> int:
        return self.reject.line

    @property
    def rule(self) -> str:
        return self.reject.rule

    @property
    def message(self) -> str:
        return self.reject.message

    @property
    def offset(self) -> int:
        return self.reject.offset

    def __reduce__(self) -> tuple[type[FormatError], tuple[str, int, str, str, int]]:
        r = self.reject
        return (FormatError, (r.path, r.line, r.rule, r.message, r.offset))


class ConfigError(CorpusError, ValueError):
    """A configuration value is invalid; raised when the configuration is built, not later."""


class PublishError(CorpusError):
    """Writing, loading or pushing a release failed; the message says which step and why."""


class StageError(CorpusError):
    """A stage of the pipeline failed on its own (a bug, a file the reader could not reject):
    the message names the file, or the dedup stage and the documents it was working on, and
    the cause, on one line. Defined here, not with the build's stages, so that the dedup
    phases, which those stages import, raise it too."""
