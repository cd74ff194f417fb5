"""Compare two releases: documents added, removed and changed, and duplicate-cluster changes.

``corpus diff OLD NEW`` takes two release folders (e.g. ``releases/seeds/v1.0.0`` and
``releases/seeds/v1.1.0``) or fsspec URLs of releases in a remote store
(``s3://bucket/releases/seeds/v1.0.0``), matches documents by id, and prints what was added,
removed and changed (with the columns that changed), the clusters that appeared, disappeared or
changed, and the version bump the difference calls for. ``--json`` prints the same as one JSON
object. Exits 0 whatever the difference; 3 when a folder is not a release, or is a damaged one (a
data file its ``manifest.json`` lists is missing or not of the size it records: the error names
it; a damaged release is never compared as if the rows it lost had been removed). ``--progress``
shows a progress bar of the rows compared on stderr (the default when stderr is a terminal).
"""

from __future__ import annotations

import argparse
import json

from corpus.commands._progress import add_progress_options
from corpus.publish.compare import ClusterChange, ReleaseDiff, diff

__all__ = ["add_arguments", "format_diff", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``OLD``, ``NEW``, ``--json`` and ``--progress``/``--no-progress``."""
    parser.add_argument("old", metavar="OLD", help="the older release (folder or URL)")
    parser.add_argument("new", metavar="NEW", help="the newer release (folder or URL)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_progress_options(parser)


def _cluster(change: ClusterChange) -> str:
    def members(items: tuple[tuple[str, str], ...]) -> str:
        return ", ".join(f"{doc_id} ({relation})" for doc_id, relation in items) or "-"

    return f"  {change.canonical}: {members(change.before)} -> {members(change.after)}"


def format_diff(result: ReleaseDiff) -> list[str]:
    """The text ``corpus diff`` prints, one line per item."""
    kind = "no" if result.kind == "none" else result.kind
    lines = [f"{result.old} -> {result.new}: {kind} change"
             f"{' (schema changed)' if result.schema_changed else ''}"
             f"{' (settings changed)' if result.settings_changed else ''}"]
    lines.append(f"added: {len(result.added)}")
    lines += [f"  + {d.id}  {d.path}" for d in result.added]
    lines.append(f"removed: {len(result.removed)}")
    lines += [f"  - {d.id}  {d.path}" for d in result.removed]
    lines.append(f"changed: {len(result.changed)}")
    lines += [f"  ~ {c.id}  {c.path}: {', '.join(c.fields)}" for c in result.changed]
    lines.append(f"unchanged: {result.unchanged}")
    for title, changes in (
        ("clusters added", result.clusters_added),
        ("clusters removed", result.clusters_removed),
        ("clusters changed", result.clusters_changed),
    ):
        lines.append(f"{title}: {len(changes)}")
        lines += [_cluster(c) for c in changes]
    return lines


def run(args: argparse.Namespace) -> int:
    """Print the difference between two releases; always 0 when both could be read."""
    result = diff(args.old, args.new, progress=args.progress)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print("\n".join(format_diff(result)))
    return 0
