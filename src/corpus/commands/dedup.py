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

``--explain ID ID`` explains one pair instead: whether and how it became a candidate (same key
digest, shared LSH bands, a shared paragraph, shared rare terms), each score against its
threshold, the aligned passages, the verdict and the cluster each document ended in (with
``--json``, one JSON object). Exit 0, or 3 when an id is not in the corpus.

The settings come from ``corpus.toml`` beside PATH, the ``[tool.corpus]`` table of the nearest
``pyproject.toml``, or ``--config FILE`` (see ``docs/dedup.md``, "Settings"); the threshold
options override them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

from corpus.commands._dedup_options import (
    add_dedup_arguments,
    add_policy_arguments,
    dedup_config,
    file_settings,
    policy_config,
)
from corpus.commands._engine import add_engine_arguments, stages_from
from corpus.dedup import DedupConfig, DedupResult
from corpus.dedup.explain import Check, PairExplanation, Placement, explain_pair
from corpus.dedup.result import AlignedPassage, Cluster, Member
from corpus.errors import FormatError
from corpus.pipeline.build import dedup_corpus
from corpus.reader import ReadReport, scan
from corpus.records import Relation

__all__ = ["add_arguments", "render_explanation", "render_report", "run"]


class _TwoIds(argparse.Action):
    """``--explain ID ID``: two different document ids (a usage error otherwise)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        first, second = values
        if first == second:
            parser.error(f"{option_string} needs two different document ids, got {first} twice")
        setattr(namespace, self.dest, (first, second))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``PATH`` and the options ``--json``, ``--keep``, ``--no-rewrites``, ``--semantic``,
    ``--strict``, ``--progress``/``--no-progress``."""
    parser.add_argument("path", metavar="PATH", help="the corpus: directory, archive or fsspec URL")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument(
        "--explain", nargs=2, metavar="ID", action=_TwoIds, default=None,
        help="explain one pair of documents: how it became a candidate (or not), each score "
             "against its threshold, the aligned passages, the verdict and the clusters",
    )
    add_policy_arguments(
        parser, no_rewrites="look for exact and near copies only",
        semantic="also verify rewrite candidates by sentence embeddings, to find paraphrases "
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


def _check_line(check: Check, width: int = 18) -> str:
    def number(value: float) -> str:
        return str(int(value)) if float(value).is_integer() and value >= 1 else f"{value:.4f}"

    sign = ">=" if check.passed else "< "
    return (f"    {check.name:<{width}} {number(check.value):>9} {sign} "
            f"{number(check.threshold):<8} {'pass' if check.passed else 'fail'}")


def _limits(limits: tuple[int, int]) -> str:
    """``48`` when both documents could keep as many rare terms, else ``48 and 132``."""
    return str(limits[0]) if limits[0] == limits[1] else f"{limits[0]} and {limits[1]}"


def _candidate_lines(found: PairExplanation) -> list[str]:
    c = found.candidates
    routes = [name for name, on in (("same key digest", c.exact), ("MinHash LSH", c.minhash),
                                    ("shared paragraph", c.paragraph), ("rare terms", c.rare),
                                    ("word pairs", c.phrase))
              if on]
    lines = [f"candidate: {'yes, from ' + ', '.join(routes) if routes else 'no'}"]
    lines.append(f"  exact copy (same key digest): {'yes' if c.exact else 'no'}")
    if c.bands:
        shown = ", ".join(str(b) for b in c.bands)
        lines.append(f"  MinHash LSH: {len(c.bands)} shared band{'s' * (len(c.bands) != 1)} of "
                     f"{c.band_count} ({c.rows} rows each): {shown}"
                     + ("" if c.minhash else " (not proposed: a bucket too large, chained)"))
    else:
        lines.append(f"  MinHash LSH: no shared band of {c.band_count} ({c.rows} rows each)")
    if c.paragraphs:
        shown = ", ".join(f"{x} = {y}" for x, y in c.paragraphs[:8])
        more = f" and {len(c.paragraphs) - 8} more" if len(c.paragraphs) > 8 else ""
        lines.append(f"  shared paragraphs (a = b): {shown}{more}"
                     + ("" if c.paragraph else " (not proposed: too common a paragraph)"))
    else:
        lines.append("  shared paragraphs: none")
    if not found.rewrites_enabled:
        lines.append("  rare terms: off (--no-rewrites)")
    else:
        terms = ", ".join(f"{t.word} ({t.df})" for t in c.shared_terms) or "none"
        lines.append(
            f"  rare terms: {len(c.shared_terms)} shared, {c.min_shared} needed "
            f"(kept {c.kept[0]} and {c.kept[1]} of at most {_limits(c.limits)}; a rare term "
            f"occurs in 2 to {c.df_cap} of {c.representatives} representatives): {terms}"
        )
        if c.recounted:
            lines.append(f"    counted exactly: the grouping counted one term short (terms in "
                         f"more than {c.max_bucket} representatives are chained in id order) "
                         f"and the two share at least {c.min_shared_pairs - 1} word pairs")
        elif len(c.shared_terms) >= c.min_shared and not c.rare:
            lines.append(f"    not proposed: terms in more than {c.max_bucket} representatives "
                         "are chained in id order, so the grouping counted fewer")
        if c.word_pairs:
            shown = ", ".join(repr(p) for p in c.shared_pairs) or "none"
            lines.append(f"  word pairs: {len(c.shared_pairs)} shared of {c.word_pairs} "
                         f"sketched, {c.min_shared_pairs} needed: {shown}")
        else:
            lines.append("  word pairs: off (--word-pairs 0)")
        for doc_id, other in zip((found.a, found.b), c.represented_by, strict=True):
            if other:
                lines.append(f"    {doc_id} takes no part: its near group is represented by "
                             f"{other}")
    checked = [name for name, on in (("near-copy", c.near_checked),
                                     ("rewrite", c.rewrite_checked)) if on]
    lines.append("  checked in the run by: "
                 + (f"the {' and the '.join(checked)} tests (the verdict is below)" if checked
                    else "no test") + (" (exact copies need no check)" if c.exact else ""))
    return lines


def _placement_line(place: Placement, pair: tuple[str, str]) -> str:
    if not place.cluster:
        return f"  {place.id}: unique (in no cluster)"
    if place.relation.value == "canonical":
        head = f"  {place.id}: canonical of cluster {place.cluster} ({place.size} documents)"
    else:
        head = (f"  {place.id}: {place.relation.value} in cluster {place.cluster} "
                f"({place.size} documents), verified against {place.matched_with}, "
                f"score {place.score:.4f}")
    says = place.reason and (place.canonical == place.id or place.canonical not in pair)
    tail = f"; kept {place.canonical}: {place.reason}" if says else ""
    return f"{head}{tail}; weakest link {place.weakest_link:.4f}"


def _wrapped(lines: list[str], width: int) -> list[str]:
    """Each line wrapped to ``width``, continuation lines indented two more spaces."""
    out: list[str] = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()) + 2)
        out += textwrap.wrap(line, max(width, 40), subsequent_indent=indent,
                             break_on_hyphens=False) or [""]
    return out


def _test_lines(checks: Sequence[Check], title: str, what: str, score: str, *,
                deciding: Sequence[Check] | None = None) -> list[str]:
    """One more test of an explanation: its verdict (``deciding`` checks, default all, must
    pass), what it measures, each check, and its pair score; none when it was not run."""
    if not checks:
        return []
    passed = all(c.passed for c in (checks if deciding is None else deciding))
    return ["", f"{title}: {'yes' if passed else 'no'} ({what})",
            *(_check_line(c) for c in checks), f"    pair score = {score}"]


def render_explanation(found: PairExplanation, *, width: int = 100) -> str:
    """The readable explanation of one pair (``corpus dedup PATH --explain ID ID``)."""
    a, b = found.names
    lines = [f"pair a = {found.a} ({a}, {found.words[0]} words)",
             f"     b = {found.b} ({b}, {found.words[1]} words)", ""]
    lines += _wrapped(_candidate_lines(found), width)
    near = any(c.passed for c in found.near[:2]) and found.near[2].passed
    lines += ["", f"near copy: {'yes' if near else 'no'} (jaccard or containment, and words)"]
    lines += [_check_line(c) for c in found.near]
    rewrite = all(c.passed for c in found.rewrite)
    state = "off (--no-rewrites)" if not found.rewrites_enabled else (
        "yes" if rewrite else "no")
    lines += ["", f"rewrite: {state} (every check)"]
    lines += [_check_line(c) for c in found.rewrite]
    if found.run >= found.min_run and found.shorter >= found.min_run_text:
        run = f"run {found.run} / (2 x {found.min_run}) = {found.run / (2 * found.min_run):.4f}"
    elif found.run >= found.min_run:
        run = (f"run {found.run}, but the shorter text has {found.shorter} sentences < "
               f"{found.min_run_text}: 0")
    else:
        run = f"run {found.run} < {found.min_run}: 0"
    lines.append(f"    pair score = max(density {found.density:.4f}, {run}), at most 1")
    if all(found.quotations):
        lines.append(f"    quotations (sentences at least half in double quotes): "
                     f"{found.quotations[0]} in a, {found.quotations[1]} in b; one aligned "
                     "with another counts toward no run and retells nothing")
    if found.moved:
        lines.append(f"    {found.moved} of the {found.aligned} aligned pairs are in moved "
                     "passages (chains beside the main one; they count toward the density, "
                     "not the run)")
    lines += _test_lines(
        found.retelling, "rewrite, retold in order", "every check; the longer text's sentences "
        "aligned in order onto the shorter's, several onto one where it condenses",
        "the retold share, when the chain's checks fail")
    lines += _test_lines(
        found.loose, "rewrite, sentence by sentence", "every check; the longest loose run: "
        "sentence pairs at the loose similarity, each step one or two sentences on in both "
        "texts", "loose run / (2 x least run), when the chain's and the retelling's checks fail")
    lines += _test_lines(
        found.semantic, "semantic retelling", "chain score and pair score; sentences aligned "
        "in order by embeddings", "the larger of the shares whose count is reached",
        deciding=found.semantic[-2:])
    linked = ("a verified link of the run: verified when its cluster was formed, not as a "
              "candidate" if found.on_demand else
              "a verified link of the run") if found.linked else (
        "not verified in the run: never a candidate" if not found.candidates.candidate
        else "not a link")
    lines += ["", f"verdict: {found.verdict.value}, score {found.score:.4f} ({linked})"]
    column = max((width - 7) // 2, 20)
    if found.passages:
        lines += ["", f"aligned passages ({found.aligned} aligned sentence pair"
                      f"{'s' * (found.aligned != 1)}, the best {len(found.passages)}): a | b"]
        for passage in found.passages:
            lines.extend(_passage_lines(passage, column))
    else:
        lines += ["", "aligned passages: none (no sentence pair reaches the similarity)"]
    clusters = [_placement_line(p, (found.a, found.b)) for p in found.placements]
    if found.same_cluster:
        clusters.append("  both in one cluster")
    if found.note:
        clusters.append(f"  {found.note}")
    lines += ["", "clusters:", *_wrapped(clusters, width)]
    return "\n".join(lines)


def _config(args: argparse.Namespace) -> tuple[DedupConfig, str]:
    """The settings file's configuration with the command line's options on top."""
    settings = file_settings(args)
    # the thresholds (--set, then the named options), then what dedup looks for: the
    # named options win over --set
    return policy_config(args, dedup_config(args, settings.dedup)), settings.path


def _explain(args: argparse.Namespace, config: DedupConfig, settings_path: str) -> int:
    from corpus.reader import read

    reader = read(args.path, strict=args.strict)
    found = explain_pair(reader, args.explain[0], args.explain[1], config)
    if args.json:
        json.dump(found.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        width = shutil.get_terminal_size((100, 24)).columns
        print(render_explanation(found, width=max(width, 60)))
        if settings_path:  # the thresholds above are the file's where no option gave them
            print(f"settings: {settings_path}")
    for reject in reader.rejects:
        print(f"rejected: {reject}", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    """Read, deduplicate and report; 0, or 1 when any file was rejected."""
    config, settings_path = _config(args)
    if args.explain is not None:
        return _explain(args, config, settings_path)
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
        if settings_path:
            print(f"settings: {settings_path}")
        if config.semantic.enabled:  # from the command line or the settings file
            stats = result.stats
            print(f"semantic verification: {stats.semantic_verified} pair"
                  f"{'s' * (stats.semantic_verified != 1)} aligned by sentence embeddings, "
                  f"{stats.semantic_rewrites} rewrite{'s' * (stats.semantic_rewrites != 1)} "
                  "found that the lexical alignment missed")
        for reject in report.rejects:
            print(f"rejected: {reject}")
    return 1 if report.rejects else 0
