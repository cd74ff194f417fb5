"""Settings from a file: the dedup thresholds in ``corpus.toml`` or ``pyproject.toml``.

``corpus dedup`` and ``corpus build`` read one settings file, the first of:

1. the file given with ``--config FILE`` (a ``pyproject.toml`` is read in its
   ``[tool.corpus]`` table, any other file from its top level);
2. ``corpus.toml`` beside the corpus: inside the corpus folder, or in the folder of an archive
   or a single file (never for a remote URL);
3. the nearest ``pyproject.toml``, looking from the current directory upwards, in its
   ``[tool.corpus]`` table (a ``pyproject.toml`` without that table ends the search: its project
   has no settings).

The format is the :class:`~corpus.dedup.config.DedupConfig` tree, one table per
sub-configuration, e.g. in ``corpus.toml``::

    [dedup]
    keep = "original"
    [dedup.rewrite]
    threshold = 0.45
    [dedup.near]
    jaccard = 0.6

(``[tool.corpus.dedup]``, ``[tool.corpus.dedup.rewrite]``... in ``pyproject.toml``). Options on
the command line override the file. An unknown table or key, a value of the wrong kind and a
value out of range raise :class:`~corpus.errors.ConfigError` naming the file, its line where it
can be found, and the key, with the rule from the configuration's own checks.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.dedup.config import DedupConfig
from corpus.errors import ConfigError

__all__ = [
    "CORPUS_TOML",
    "SettingsFile",
    "dedup_from_table",
    "find_settings_file",
    "kind_of",
    "load_settings",
    "same_kind",
    "settings_for",
]

#: The name of the settings file looked for beside a corpus.
CORPUS_TOML = "corpus.toml"
_PYPROJECT = "pyproject.toml"
#: The sub-tables of ``[dedup]``: each one a field of :class:`DedupConfig` holding a dataclass.
_SECTIONS = tuple(f.name for f in dataclasses.fields(DedupConfig)
                  if f.default_factory is not dataclasses.MISSING)
_SCALARS = tuple(f.name for f in dataclasses.fields(DedupConfig) if f.name not in _SECTIONS)
_TOP_LEVEL = ("dedup",)


@dataclass(frozen=True, slots=True)
class SettingsFile:
    """The settings read from one file: where from (``path``, ``""`` when no file was found),
    the table they sit in (``"tool.corpus"`` in a ``pyproject.toml``, ``""`` at the top level),
    and the dedup configuration they give (the defaults for every key the file leaves out)."""

    path: str = ""
    table: str = ""
    dedup: DedupConfig = field(default_factory=DedupConfig)


def _is_remote(corpus: str) -> bool:
    return "://" in corpus and not corpus.startswith("file://")


def find_settings_file(corpus: str | os.PathLike[str] | None = None, *,
                       cwd: str | os.PathLike[str] | None = None) -> Path | None:
    """The settings file that applies to ``corpus`` (see the module docstring), or ``None``.

    ``corpus.toml`` beside the corpus comes first, then the nearest ``pyproject.toml`` from
    ``cwd`` (default: the current directory) upwards, if it has a ``[tool.corpus]`` table.
    """
    if corpus is not None and not _is_remote(os.fspath(corpus)):
        text = os.fspath(corpus)
        if text.startswith("file://"):
            text = text[len("file://"):]
        place = Path(text)
        folder = place if place.is_dir() else place.parent
        candidate = folder / CORPUS_TOML
        if candidate.is_file():  # a link to a file is followed: the file is read
            return candidate
        if candidate.is_symlink() or candidate.exists():
            # There, but not a file to read: saying nothing would build with the defaults.
            what = ("a link to nothing" if not candidate.exists()
                    else "a folder" if candidate.is_dir() else "not a regular file")
            raise ConfigError(f"{candidate}: is {what}, not a settings file; make it the "
                              "settings file (TOML) or remove it")
    here = Path(os.getcwd() if cwd is None else cwd).resolve()
    for folder in (here, *here.parents):
        candidate = folder / _PYPROJECT
        if candidate.is_file():
            data = _parse(candidate)
            tool = data.get("tool")
            if isinstance(tool, Mapping) and "corpus" in tool:
                return candidate
            return None
    return None


def _parse(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such settings file; check the path given with --config"
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a settings file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _line_of(path: Path, table: str, key: str) -> int:
    """The line (1-based) of ``key`` under the header ``[table]`` of ``path``, or of the
    header itself when ``key`` is empty; else of the first header that opens a table inside
    it (``[table.key]``, ``[table.key.more]``: a key given as a table, or a table known only
    by its parts); 0 when it cannot be told (a dotted or inline key)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 0
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$")
    inside = f"{table}.{key}" if key else table
    current = ""
    nested = 0
    for number, line in enumerate(lines, 1):
        found = header.match(line)
        if found:
            current = re.sub(r"\s*\.\s*", ".", found.group(1).strip().strip('"'))
            if not key and current == table:
                return number
            if not nested and (current == inside or current.startswith(f"{inside}.")):
                nested = number
            continue
        if key and current == table and re.match(rf"^\s*\"?{re.escape(key)}\"?\s*=", line):
            return number
    return nested


def _where(path: Path, table: str, key: str) -> str:
    line = _line_of(path, table, key)
    place = f"{path}:{line}" if line else str(path)
    return f"{place}: [{table}] {key}" if key else f"{place}: [{table}]"


def kind_of(value: object) -> str:
    """How a message names the kind of ``value`` ("a number", "a table", ...)."""
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            dict: "a table", list: "an array"}.get(type(value), type(value).__name__)


def dedup_from_table(table: Mapping[str, Any], *, path: str | os.PathLike[str] = "<settings>",
                     prefix: str = "") -> DedupConfig:
    """The :class:`DedupConfig` a ``[dedup]`` table gives (the defaults for keys left out).

    ``path`` and ``prefix`` (``"tool.corpus"`` in a ``pyproject.toml``) only name the place in
    error messages. Raises :class:`ConfigError` naming the file, line and key of an unknown
    table or key, or of a value the configuration refuses.
    """
    where = Path(os.fspath(path))
    name = f"{prefix}.dedup" if prefix else "dedup"
    base = DedupConfig()
    sections: dict[str, Any] = {}
    scalars: dict[str, Any] = {}
    for key, value in table.items():
        if key in _SECTIONS:
            if not isinstance(value, Mapping):
                raise ConfigError(
                    f"{_where(where, name, key)} = {value!r} is invalid: it must be a table, "
                    f"[{name}.{key}], holding the {type(getattr(base, key)).__name__} settings"
                )
            sections[key] = value
        elif key in _SCALARS:
            scalars[key] = value
        else:
            known = ", ".join(sorted(_SCALARS)) + "; tables: " + ", ".join(
                f"[{name}.{s}]" for s in sorted(_SECTIONS))
            raise ConfigError(
                f"{_where(where, name, key)}: unknown setting {key!r}; the keys of [{name}] "
                f"are {known} (docs/dedup.md, \"Settings\")"
            )
    built: dict[str, Any] = {}
    for section, values in sections.items():
        default = getattr(base, section)
        owner = type(default).__name__
        allowed = {f.name: f for f in dataclasses.fields(default)}
        for key, value in values.items():
            if key not in allowed:
                raise ConfigError(
                    f"{_where(where, f'{name}.{section}', key)}: unknown setting {key!r}; the "
                    f"keys of [{name}.{section}] ({owner}) are {', '.join(sorted(allowed))}"
                )
            _check_kind(where, f"{name}.{section}", key, value, getattr(default, key))
        try:
            built[section] = dataclasses.replace(default, **dict(values))
        except ConfigError as exc:
            key = _blamed(str(exc), owner, tuple(values))
            raise ConfigError(f"{_where(where, f'{name}.{section}', key)}: {exc}") from None
    for key, value in scalars.items():
        _check_kind(where, name, key, value, getattr(base, key))
    try:
        return DedupConfig(**{**{f.name: getattr(base, f.name)
                                 for f in dataclasses.fields(DedupConfig)},
                              **built, **scalars})
    except ConfigError as exc:
        key = _blamed(str(exc), "DedupConfig", tuple(scalars))
        raise ConfigError(f"{_where(where, name, key)}: {exc}") from None


def same_kind(value: object, default: object) -> bool:
    """Whether ``value`` is of the kind of a setting whose default is ``default`` (a whole
    number for a number, never a boolean for a number or a number for a boolean); the
    settings file and ``--set`` check values with it."""
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, type(default))


def _check_kind(path: Path, table: str, key: str, value: object, default: object) -> None:
    """A value of another kind than the setting's default (a string for a number, a number
    for a boolean) is refused here, with the kind expected: the configuration checks ranges."""
    if not same_kind(value, default):
        hint = ""
        if isinstance(value, Mapping):  # ``[dedup.rewrites]``: a setting opened as a table
            close = difflib.get_close_matches(key, _SECTIONS, n=1)
            hint = f"; did you mean the table [{table}.{close[0]}]?" if close else ""
        raise ConfigError(
            f"{_where(path, table, key)} = {value!r} is invalid: it must be {kind_of(default)} "
            f"(default: {default!r}), not {kind_of(value)}{hint}"
        )


def _blamed(message: str, owner: str, keys: tuple[str, ...]) -> str:
    """The key a configuration error message is about (``Owner.key=...``), if one of ``keys``."""
    for key in keys:
        if f"{owner}.{key}=" in message or f"{key}=" in message:
            return key
    return keys[0] if len(keys) == 1 else ""


def load_settings(path: str | os.PathLike[str]) -> SettingsFile:
    """Read and check the settings file ``path`` (a ``pyproject.toml`` in its ``[tool.corpus]``
    table, any other file at its top level)."""
    where = Path(os.fspath(path))
    data = _parse(where)
    prefix = ""
    if where.name == _PYPROJECT:
        tool = data.get("tool", {})
        corpus = tool.get("corpus", {}) if isinstance(tool, Mapping) else {}
        if not isinstance(corpus, Mapping):
            raise ConfigError(f"{where}: [tool] corpus must be a table, [tool.corpus]")
        data, prefix = dict(corpus), "tool.corpus"
    lead = f"{prefix}." if prefix else ""
    for key in data:
        if key not in _TOP_LEVEL:
            line = _line_of(where, key, "")
            place = (_where(where, prefix, key) if prefix
                     else f"{where}:{line}: [{key}]" if line else f"{where}: {key}")
            tables = ", ".join(f"[{lead}{t}]" for t in _TOP_LEVEL)
            raise ConfigError(
                f"{place}: unknown settings table {key!r}; the file may hold {tables} "
                "(docs/dedup.md, \"Settings\")"
            )
    dedup = data.get("dedup", {})
    name = f"{prefix}.dedup" if prefix else "dedup"
    if not isinstance(dedup, Mapping):
        raise ConfigError(f"{where}: {name} = {dedup!r} is invalid: it must be a table, [{name}]")
    return SettingsFile(path=str(where), table=prefix,
                        dedup=dedup_from_table(dedup, path=where, prefix=prefix))


def settings_for(corpus: str | os.PathLike[str] | None = None, *,
                 explicit: str | os.PathLike[str] | None = None,
                 cwd: str | os.PathLike[str] | None = None) -> SettingsFile:
    """The settings that apply to ``corpus``: from ``explicit`` when given, else from the file
    :func:`find_settings_file` finds, else the defaults (``path`` empty)."""
    if explicit is not None:
        return load_settings(explicit)
    found = find_settings_file(corpus, cwd=cwd)
    return SettingsFile() if found is None else load_settings(found)
