"""Find exact copies, near copies and rewrites in a corpus, and show the evidence.

``corpus dedup PATH`` reads PATH (a directory, an archive or an fsspec URL) like ``corpus
validate``, compares every document's article text and prints each duplicate cluster: the
canonical document, every other member with its relation (exact, near, rewrite), score,
Jaccard and containment, and the best aligned passages side by side (canonical | member).
``--json`` prints ``{"documents": n, "clusters": [{"id", "canonical", "members": [{"id",
"relation", "score", "evidence": [...], ...}]}], ...}`` instead, where ``members`` lists every
document of the cluster, the canonical one first. ``--semantic`` also verifies rewrite
candidates by sentence embeddings (needs ``pip install 'news-corpus[semantic]'``). Exit 0, or 1 when
a file was rejected (the rejected files are listed and left out; ``corpus validate`` says
more; with ``--strict`` the first rejected file stops the run, nothing is reported), or 3 when
the semantic extra is missing. ``--progress`` shows a progress bar of the files read on stderr
(the default when stderr is a terminal).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from typing import get_args

from corpus.commands._dedup_options import add_dedup_arguments, dedup_config
from corpus.commands._engine import add_engine_arguments, stages_from
from corpus.dedup import DedupConfig, DedupResult, KeepPolicy, SemanticConfig
from corpus.dedup.result import AlignedPassage, Cluster, Member
from corpus.errors import FormatError
from corpus.pipeline.build import dedup_corpus
from corpus.reader import ReadReport, scan
from corpus.records import Relation

__all__ = ["add_arguments", "render_report", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``PATH`` and the options ``--json``, ``--keep``, ``--no-rewrites``, ``--semantic``,
    ``--strict``, ``--progress``/``--no-progress``."""
    parser.add_argument("path", metavar="PATH", help="the corpus: directory, archive or fsspec URL")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument(
        "--keep", choices=get_args(KeepPolicy), default="original",
        help="which member of a cluster is canonical (default: original; see docs/dedup.md)",
    )
    rewrites = parser.add_mutually_exclusive_group()
    rewrites.add_argument(
        "--no-rewrites", action="store_true", help="look for exact and near copies only"
    )
    rewrites.add_argument(
        "--semantic", action="store_true",
        help="also verify rewrite candidates by sentence embeddings, to find paraphrases "
        "(needs: pip install 'news-corpus[semantic]'; see docs/dedup.md)",
    )
    parser.add_argument("--strict", action="store_true", help="stop at the first rejected file")
    add_dedup_arguments(parser)
    add_engine_arguments(parser)


def _columns(left: str, right: str, width: int) -> list[str]:
    """Two texts wrapped side by side into columns of ``width`` characters, ``|`` between."""
    a = textwrap.wrap(left, width) or [""]
    b = textwrap.wrap(right, width) or [""]
    a += [""] * (len(b) - len(a))
    b += [""] * (len(a) - len(b))
    return [f"{x:<{width}} | {y}".rstrip() for x, y in zip(a, b, strict=True)]


def _passage_lines(passage: AlignedPassage, width: int) -> list[str]:
    head = (
        f"sentence {passage.canonical_index + 1} (paragraph {passage.canonical_paragraph + 1})"
    )
    tail = f"sentence {passage.member_index + 1} (paragraph {passage.member_paragraph + 1})"
    lines = [
        f"    similarity {passage.similarity:.2f}, words: jaccard {passage.jaccard:.2f}, "
        f"containment {passage.containment:.2f}"
    ]
    lines += ["    " + line for line in _columns(head, tail, width)]
    texts = _columns(passage.canonical_text, passage.member_text, width)
    lines += ["    " + line for line in texts]
    return lines


def _member_line(member: Member) -> str:
    if member.relation is Relation.CANONICAL:
        return f"  canonical  {member.name}"
    return (
        f"  {member.relation.value:<10} {member.name}  score {member.score:.2f}  "
        f"jaccard {member.jaccard:.3f}  containment {member.containment:.3f}  "
        f"aligned {member.aligned} sentence{'s' * (member.aligned != 1)}"
    )


def _cluster_lines(cluster: Cluster, width: int) -> list[str]:
    lines = [f"cluster {cluster.id} ({len(cluster.members)} documents)"]
    if cluster.reason:
        lines.append(f"  kept {cluster.canonical}: {cluster.reason}")
    names = {m.id: m.name for m in cluster.members}
    for member in cluster.members:
        lines.append(_member_line(member))
        if member.relation is Relation.CANONICAL:
            continue
        if member.matched_with != cluster.canonical:
            through = names.get(member.matched_with, member.matched_with)
            lines.append(f"    (joined through {through})")
        if member.evidence:
            other = names.get(member.matched_with, member.matched_with)
            lines.append(f"    best aligned passages: {other} | {member.name}")
            for passage in member.evidence:
                lines.extend(_passage_lines(passage, width))
    return lines


def render_report(result: DedupResult, *, width: int = 100) -> str:
    """The readable report: a summary line, then every cluster with its evidence."""
    clusters = len(result.clusters)
    lines = [
        f"{result.documents} document{'s' * (result.documents != 1)}: {clusters} duplicate "
        f"cluster{'s' * (clusters != 1)}, {result.duplicates} duplicate"
        f"{'s' * (result.duplicates != 1)}"
    ]
    column = max((width - 7) // 2, 20)
    for cluster in result.clusters:
        lines.append("")
        lines.extend(_cluster_lines(cluster, column))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Read, deduplicate and report; 0, or 1 when any file was rejected."""
    config = dedup_config(args, DedupConfig(keep=args.keep, rewrites=not args.no_rewrites,
                                            semantic=SemanticConfig(enabled=args.semantic)))
    listing = scan(args.path)
    try:
        with stages_from(args, len(listing.entries)) as stages:
            result, rejects = dedup_corpus(listing, config, stages, strict=args.strict)
    except FormatError as exc:
        print(f"corpus dedup: rejected (--strict): {exc}", file=sys.stderr)
        return 1
    report = ReadReport(source=listing.source, files_seen=len(listing.entries),
                        documents=result.documents, rejects=rejects, skipped=listing.skipped)
    if args.json:
        payload = result.to_dict()
        payload["files_seen"] = report.files_seen
        payload["rejects"] = [
            {"path": r.path, "line": r.line, "rule": r.rule, "reason": r.message}
            for r in report.rejects
        ]
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        width = shutil.get_terminal_size((100, 24)).columns
        print(render_report(result, width=max(width, 60)))
        if args.semantic:
            stats = result.stats
            print(f"semantic verification: {stats.semantic_verified} pair"
                  f"{'s' * (stats.semantic_verified != 1)} aligned by sentence embeddings, "
                  f"{stats.semantic_rewrites} rewrite{'s' * (stats.semantic_rewrites != 1)} "
                  "found that the lexical alignment missed")
        for reject in report.rejects:
            print(f"rejected: {reject}")
    return 1 if report.rejects else 0
