"""Write the HTML report of a release (or of a corpus, built on the fly) to look at in a browser.

``corpus report RELEASE_OR_CORPUS [-o report.html]``: RELEASE_OR_CORPUS is a release folder
(it holds ``manifest.json``, e.g. ``releases/seeds/v1.0.0``), the fsspec URL of a release in a
remote store (downloaded to a temporary folder first), or a corpus (a directory, archive or
fsspec URL, as for ``corpus build``), which is then built into a temporary store first and
reported. The page shows the counts, languages, a histogram of document lengths, the rejects
with file, line and reason, and every duplicate cluster with its documents side by side and
the aligned passages highlighted; it needs no network. For a large release the cluster details
go into the folder ``report_files/`` next to the page (keep them together). Exit 0 when the
report was written; 3 when the input could not be read or built.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from corpus.errors import ConfigError
from corpus.publish.builder import build, default_name
from corpus.publish.layout import MANIFEST, check_name
from corpus.publish.store import fetch_release, is_release_url
from corpus.report import REPORT, ReportSummary, write_report

__all__ = ["add_arguments", "report", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``RELEASE_OR_CORPUS`` and ``-o/--output``."""
    parser.add_argument(
        "path", metavar="RELEASE_OR_CORPUS",
        help="a release folder (with manifest.json) or a corpus to build and report",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", default=REPORT,
        help=f"the HTML file to write (default: {REPORT} in the current directory)",
    )


def report(source: str, output: str | Path) -> ReportSummary:
    """Write the report of ``source`` (a release folder, or a corpus built first) to ``output``."""
    if (Path(source) / MANIFEST).is_file():
        return write_report(source, output)
    if is_release_url(source):
        with fetch_release(source) as release:
            return write_report(release, output)
    try:
        name = check_name(default_name(source))
    except ConfigError:
        name = "corpus"
    with tempfile.TemporaryDirectory(prefix="corpus-report-") as store:
        built = build(source, store, name=name, progress=False)
        return write_report(built.path, output)


def run(args: argparse.Namespace) -> int:
    """Write the report and say where it is; see the module docstring."""
    summary = report(args.path, args.output)
    details = (f"; cluster details in {summary.details}/ ({summary.chunks} file(s))"
               if summary.details else "")
    print(f"wrote {summary.path} ({summary.bytes:,} bytes): {summary.clusters} cluster(s), "
          f"{summary.rejects} reject(s){details}")
    return 0
