"""Check every file of a corpus against the seed format, without writing anything.

``corpus validate PATH`` reads PATH (a directory, a .tar/.tar.gz/.tgz/.zip archive or an fsspec
URL), prints one ``path:line: message`` line per rejected file and a one-line summary, and exits
0 when every file is valid, 1 when any is rejected. ``--strict`` stops at the first rejected
file. ``--json`` prints ``{"files_seen", "documents", "rejects": [{"path", "line", "reason",
"rule", "offset"}], "skipped": [...], "complete"}`` instead (``complete`` is false when
``--strict`` stopped early). ``--progress`` shows a progress bar on stderr (the default when
stderr is a terminal).
"""

from __future__ import annotations

import argparse
import json
import sys

from corpus.commands._engine import add_engine_arguments, stages_from
from corpus.errors import Reject
from corpus.pipeline.build import read_report
from corpus.reader import ReadReport, Skipped, scan

__all__ = ["add_arguments", "report_payload", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``PATH``, ``--strict``, ``--json`` and ``--progress``/``--no-progress``."""
    parser.add_argument(
        "path", metavar="PATH", help="the corpus: directory, archive or fsspec URL"
    )
    parser.add_argument(
        "--strict", action="store_true", help="stop at the first rejected file"
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of text"
    )
    add_engine_arguments(parser)


def _reject_payload(reject: Reject) -> dict[str, object]:
    return {
        "path": reject.path,
        "line": reject.line,
        "reason": reject.message,
        "rule": reject.rule,
        "offset": reject.offset,
    }


def _skipped_payload(skipped: Skipped) -> dict[str, object]:
    return {"path": skipped.path, "rule": skipped.rule, "reason": skipped.message}


def report_payload(report: ReadReport) -> dict[str, object]:
    """The JSON object ``corpus validate --json`` prints for ``report``."""
    return {
        "files_seen": report.files_seen,
        "documents": report.documents,
        "rejects": [_reject_payload(r) for r in report.rejects],
        "skipped": [_skipped_payload(s) for s in report.skipped],
    }


def _summary(report: ReadReport) -> str:
    line = (
        f"{report.files_seen} file{'s' * (report.files_seen != 1)} seen: "
        f"{report.documents} valid, {len(report.rejects)} rejected"
    )
    hidden = sum(1 for s in report.skipped if s.rule == "hidden")
    notes = []
    if hidden:
        notes.append(f"{hidden} hidden entr{'ies' if hidden != 1 else 'y'} skipped")
    if len(report.skipped) > hidden:
        notes.append("settings file corpus.toml skipped")
    if notes:
        line += f" ({', '.join(notes)})"
    return line


def run(args: argparse.Namespace) -> int:
    """Read the whole corpus, print the rejects and a summary; 0 when all valid, else 1."""
    listing = scan(args.path)
    with stages_from(args, len(listing.entries)) as stages:
        report = read_report(listing, stages, strict=args.strict)
    stopped = args.strict and bool(report.rejects)
    if args.json:
        payload = report_payload(report)
        payload["complete"] = not stopped
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for reject in report.rejects:
            print(f"{reject.where}: {reject.message}")
        for skipped in report.skipped:
            print(f"{skipped.path}: skipped: {skipped.message}", file=sys.stderr)
        summary = _summary(report)
        if stopped:
            summary += " (stopped at the first rejected file: --strict)"
        print(summary)
    return 1 if report.rejects else 0
