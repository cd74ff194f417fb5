"""Placeholder for the `validate` command while it is being written."""

from __future__ import annotations

import argparse

from corpus.errors import CorpusError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="*")


def run(args: argparse.Namespace) -> int:
    raise CorpusError("the validate command is not available in this build")
