"""The dedup thresholds on the command line, shared by ``corpus dedup`` and ``corpus build``.

Every option defaults to ``None`` (not given): the value of the base configuration stays. The
base is the settings file that applies (``--config FILE``, ``corpus.toml`` beside the corpus,
or ``[tool.corpus]`` of the nearest ``pyproject.toml``; :mod:`corpus.settings_file`), so the
command line overrides the file. ``--set KEY=VALUE`` reaches every setting, named as in the
file (``rewrite.retell_similarity=0.25``, ``keep=first``); the named options win over it. A
bad value is a :class:`~corpus.errors.ConfigError` naming the option and value given (and,
for the file, the file and key), raised when the configuration is built, as for a
configuration made in Python.
"""

from __future__ import annotations

import argparse
import dataclasses
import tomllib
from dataclasses import replace
from typing import Any, get_args

from corpus.dedup.config import DedupConfig, KeepPolicy
from corpus.errors import ConfigError
from corpus.settings_file import SettingsFile, kind_of, same_kind, settings_for

__all__ = [
    "OPTIONS",
    "add_dedup_arguments",
    "add_policy_arguments",
    "apply_settings",
    "dedup_config",
    "file_settings",
    "policy_config",
]

#: ``(flag, section, field, type, help)``: one command-line option per threshold.
OPTIONS: tuple[tuple[str, str, str, type, str], ...] = (
    ("--rewrite-threshold", "rewrite", "threshold", float,
     "pair score a rewrite needs, whichever test finds it, in (0, 1] (default 0.44)"),
    ("--rewrite-min-passages", "rewrite", "min_passages", int,
     "aligned sentence pairs a rewrite's alignment has at least (default 3)"),
    ("--rewrite-min-score", "rewrite", "min_score", float,
     "score an alignment (a rewrite's chain, a retelling) reaches at least: each aligned "
     "pair adds its similarity minus the baseline, each sentence skipped between two costs "
     "the gap penalty (default 0.4)"),
    ("--rewrite-min-run", "rewrite", "min_run", int,
     "consecutive aligned sentences that are evidence on their own (default 8)"),
    ("--rewrite-min-run-text", "rewrite", "min_run_text", int,
     "sentences the shorter text has at least for a run to count on its own; 0: any "
     "(default 24)"),
    ("--rewrite-moved-passages", "rewrite", "moved_passages", int,
     "aligned sentence pairs a moved passage beside the main chain needs to count toward a "
     "rewrite's alignment; 0 counts none (default 2)"),
    ("--rewrite-moved-score", "rewrite", "moved_score", float,
     "alignment score a moved passage needs to count (default 0.8)"),
    ("--rewrite-similarity", "rewrite", "similarity", float,
     "sentence similarity from which two sentences can be aligned (default 0.3)"),
    ("--rewrite-min-coverage", "rewrite", "min_coverage", float,
     "share of a text's words a rewrite's alignment covers at least (default 0.25)"),
    ("--rewrite-min-retold", "rewrite", "min_retold", int,
     "sentences of the shorter text that a longer one must retell in order for the retelling "
     "test to count; 0 turns it off (default 20)"),
    ("--rewrite-retold-share", "rewrite", "retold_share", float,
     "share of the shorter text's sentences a retelling of it aligns in order at least, in "
     "(0, 1] (default 0.7)"),
    ("--rewrite-short-retold", "rewrite", "short_retold", int,
     "sentences of the shorter text a short retelling retells in order at least, below "
     "--rewrite-min-retold; 0 turns short retellings off (default 12)"),
    ("--rewrite-short-retold-share", "rewrite", "short_retold_share", float,
     "share of the shorter text's sentences a short retelling aligns in order at least, in "
     "(0, 1] (default 0.75)"),
    ("--rewrite-loose-run", "rewrite", "loose_run", int,
     "sentence pairs in a row, each step one or two sentences on in both texts, each among "
     "its sentence's best matches, that make a rewrite told sentence by sentence; 0 turns "
     "the test off (default 18)"),
    ("--rewrite-loose-similarity", "rewrite", "loose_similarity", float,
     "sentence similarity each pair of such a run reaches at least (default 0.1)"),
    ("--rewrite-quotation-share", "rewrite", "quotation_share", float,
     "share of a sentence's characters inside double quotes that makes it a quotation, "
     "which aligned with a quotation counts toward no run and retells nothing; 0 turns "
     "this off (default 0.5)"),
    ("--semantic-threshold", "semantic", "threshold", float,
     "semantic pair score a retelling found by sentence embeddings needs: the share of the "
     "longer text's words or of the shorter text's sentences it aligns in order (default "
     "0.65)"),
    ("--semantic-min-passages", "semantic", "min_passages", int,
     "sentences of the longer text a retelling found by sentence embeddings aligns at least "
     "for its share of the longer text's words to count (default 20)"),
    ("--semantic-min-sentences", "semantic", "min_sentences", int,
     "sentences of the shorter text a retelling found by sentence embeddings aligns at least "
     "for its share of the shorter text's sentences to count (default 12)"),
    ("--semantic-min-score", "semantic", "min_score", float,
     "score the alignment of a retelling found by sentence embeddings reaches at least "
     "(default 0.5)"),
    ("--semantic-min-lift", "semantic", "min_lift", float,
     "how far above the shorter text's sentence's mean cosine with the longer text a pair's "
     "cosine must be for the pair to align in a retelling found by sentence embeddings "
     "(default 0.2)"),
    ("--near-jaccard", "near", "jaccard", float,
     "word 5-gram Jaccard of a near copy (default 0.5)"),
    ("--near-containment", "near", "containment", float,
     "word 5-gram containment of a near copy (default 0.7)"),
    ("--near-min-words", "near", "min_words", int,
     "words both texts have at least for a near copy (default 20)"),
    ("--lsh-threshold", "minhash", "threshold", float,
     "Jaccard the MinHash LSH bands are tuned for (default 0.3: 42 bands of 3 rows)"),
    ("--rare-terms", "candidates", "rare_terms", int,
     "rarest terms kept per document for rewrite candidates (default 48)"),
    ("--long-terms", "candidates", "long_terms", int,
     "distinct content terms above which a document keeps proportionally more rare terms "
     "(at most 4 times --rare-terms); 0 turns that off (default 400)"),
    ("--word-pairs", "candidates", "word_pairs", int,
     "hashed pairs of adjacent content words each document keeps (a sketch) for rewrite "
     "candidates; 0 turns them off (default 16)"),
    ("--min-shared-pairs", "candidates", "min_shared_pairs", int,
     "sketched word pairs two documents must share to be a rewrite candidate (default 3)"),
    ("--min-shared", "candidates", "min_shared", int,
     "kept rare terms two documents must share to be a rewrite candidate (default 3)"),
    ("--max-df", "candidates", "max_df", int,
     "document frequency a rare term may have, at least (default 64)"),
    ("--max-df-fraction", "candidates", "max_df_fraction", float,
     "share of the documents a rare term may occur in, when above --max-df (default 0.01)"),
)


def _dest(section: str, name: str) -> str:
    return f"dedup_{section}_{name}"


def add_dedup_arguments(parser: argparse.ArgumentParser) -> None:
    """Register one option per dedup threshold (:data:`OPTIONS`) and ``--set``, in a group of
    their own."""
    group = parser.add_argument_group("dedup thresholds (docs/dedup.md)")
    group.add_argument(
        "--config", metavar="FILE", default=None,
        help="read the settings from FILE (a corpus.toml, or a pyproject.toml's [tool.corpus]) "
             "instead of corpus.toml beside the corpus or the nearest pyproject.toml; options "
             "given here override it",
    )
    group.add_argument(
        "--set", metavar="KEY=VALUE", dest="dedup_set", action="append", type=_setting,
        default=None,
        help="set any dedup setting, named as in the settings file's [dedup] table (e.g. "
             "rewrite.retell_similarity=0.25, minhash.num_perm=256, keep=first); repeatable; "
             "the options below win over it",
    )
    for flag, section, name, kind, text in OPTIONS:
        group.add_argument(flag, dest=_dest(section, name), type=kind, default=None,
                           metavar="N" if kind is int else "X", help=text)


def _setting(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` of ``--set``: the value read as TOML (``0.25``, ``true``, ``"first"``),
    or as a string when it is a bare word (``keep=first``)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip() or not raw.strip():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not KEY=VALUE (e.g. rewrite.threshold=0.5)")
    try:
        value = tomllib.loads(f"value = {raw.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.strip(), value


def apply_settings(base: DedupConfig, items: list[tuple[str, Any]],
                   flags: dict[tuple[str, str], tuple[str, Any]] | None = None) -> DedupConfig:
    """``base`` with the ``--set`` items (``section.key`` or a ``[dedup]`` key, an optional
    leading ``dedup.``) and then ``flags`` (``(section, key)`` → the option as typed and its
    value), each section changed at once (its settings are checked together). An unknown
    key, a value of another kind than the setting's or one the configuration refuses is a
    :class:`ConfigError` naming the option and value given."""
    sections = {f.name for f in dataclasses.fields(DedupConfig)
                if dataclasses.is_dataclass(getattr(base, f.name))}
    changes: dict[str, dict[str, tuple[str, Any]]] = {}  # section ("" for [dedup]) → key
    for key, value in items:
        given = f"--set {key}={value!r}"
        parts = key.removeprefix("dedup.").split(".")
        if len(parts) == 1 and parts[0] not in sections:
            section, name, owner = "", parts[0], base
        elif len(parts) == 2 and parts[0] in sections:
            section, name, owner = parts[0], parts[1], getattr(base, parts[0])
        else:
            keys = sorted({f.name for f in dataclasses.fields(DedupConfig)} - sections)
            raise ConfigError(
                f"{given}: unknown setting; give a key of [dedup] ({', '.join(keys)}) or "
                f"SECTION.KEY with a section of {', '.join(sorted(sections))}")
        fields = {f.name for f in dataclasses.fields(owner)} - sections
        if name not in fields:
            raise ConfigError(f"{given}: unknown setting {name!r}; the keys of "
                              f"{type(owner).__name__} are {', '.join(sorted(fields))}")
        default = getattr(owner, name)
        if not same_kind(value, default):
            raise ConfigError(f"{given}: it must be {kind_of(default)} (now {default!r})")
        changes.setdefault(section, {})[name] = (given, value)
    for (section, name), (flag, value) in (flags or {}).items():
        changes.setdefault(section, {})[name] = (f"{flag} {value}", value)
    config = base
    for section, fields_given in sorted(changes.items(), key=lambda item: item[0] != ""):
        values = {name: value for name, (_, value) in fields_given.items()}
        try:
            if section:
                config = replace(config, **{section: replace(getattr(config, section),
                                                             **values)})
            else:
                config = replace(config, **values)
        except ConfigError as exc:
            blamed = [given for name, (given, _) in fields_given.items()
                      if f".{name}=" in str(exc) or f"{name}=" in str(exc)]
            named = blamed[0] if blamed else ", ".join(g for g, _ in fields_given.values())
            raise ConfigError(f"{named}: {exc}") from None
    return config


def dedup_config(args: argparse.Namespace, base: DedupConfig) -> DedupConfig:
    """``base`` with ``--set`` and then the thresholds given on the command line; validated
    (a :class:`ConfigError` names the option and the value given)."""
    flags = {(section, name): (flag, getattr(args, _dest(section, name)))
             for flag, section, name, _, _ in OPTIONS
             if getattr(args, _dest(section, name), None) is not None}
    items = getattr(args, "dedup_set", None) or []
    if not flags and not items:
        return base
    banding = {key.removeprefix("dedup.") for key, _ in items} & {"minhash.bands",
                                                                   "minhash.rows"}
    if ("minhash", "threshold") in flags and not banding:
        # The banding is derived from the threshold given here, not kept from the file (where
        # bands and rows, when set, would make the option change nothing).
        flags[("minhash", "bands")] = ("--lsh-threshold (derived)", 0)
        flags[("minhash", "rows")] = ("--lsh-threshold (derived)", 0)
    return apply_settings(base, items, flags)



def file_settings(args: argparse.Namespace) -> SettingsFile:
    """The settings file that applies to ``args.path`` (``--config`` when given); the
    defaults, with an empty ``path``, when there is none."""
    return settings_for(args.path, explicit=getattr(args, "config", None))


def add_policy_arguments(parser: argparse.ArgumentParser, *, no_rewrites: str,
                         semantic: str) -> None:
    """``--keep``, and ``--no-rewrites`` or ``--semantic`` (not both), with the commands' own
    help for the last two: the choices of what dedup looks for, shared by ``corpus dedup``
    and ``corpus build`` (:func:`policy_config` applies them). ``--rewrites`` and
    ``--no-semantic`` undo a settings file's ``rewrites = false`` and ``enabled = true``."""
    parser.add_argument(
        "--keep", choices=get_args(KeepPolicy), default=None,
        help="which member of a cluster is canonical (default: original, or the settings "
             "file's; see docs/dedup.md)",
    )
    rewrites = parser.add_mutually_exclusive_group()
    rewrites.add_argument("--no-rewrites", action="store_true",
                          help=f"{no_rewrites} (semantic verification off too)")
    rewrites.add_argument("--semantic", action="store_true", help=semantic)
    parser.add_argument("--rewrites", action="store_true",
                        help="look for rewrites (the default), where the settings file says "
                             "rewrites = false")
    parser.add_argument("--no-semantic", action="store_true",
                        help="no semantic verification (the default), where the settings file "
                             "turns it on")


def policy_config(args: argparse.Namespace, base: DedupConfig) -> DedupConfig:
    """``base`` with the options of :func:`add_policy_arguments` that were given.

    The command line's choice of what dedup looks for wins over the settings file's as a
    whole: ``--no-rewrites`` turns semantic verification (a rewrite test) off with the
    rewrites, and ``--semantic`` turns rewrites on with it, so that neither flag meets a
    contradiction in the file."""
    for first, second in (("rewrites", "no_rewrites"), ("semantic", "no_semantic")):
        if getattr(args, first) and getattr(args, second):
            raise ConfigError(f"--{first} and --{second.replace('_', '-')} contradict each "
                              "other: give one")
    config = base
    if args.keep is not None:
        config = replace(config, keep=args.keep)
    if args.no_rewrites:
        config = replace(config, rewrites=False,
                         semantic=replace(config.semantic, enabled=False))
    if args.rewrites:
        config = replace(config, rewrites=True)
    if args.semantic:
        config = replace(config, rewrites=True,
                         semantic=replace(config.semantic, enabled=True))
    if args.no_semantic:
        config = replace(config, semantic=replace(config.semantic, enabled=False))
    return config
