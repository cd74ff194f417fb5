"""Write the report of a release: one HTML page with its CSS and JavaScript inline.

The page is static HTML for what is small and fixed (counts, languages, rejects by reason, the
length histogram as an inline SVG) and a small script for what can be long (the clusters and the
rejects): it renders them 50 rows a page, filters them as the reader types, and builds a
cluster's side-by-side comparison only when the cluster is opened. Nothing is fetched from the
network; the page works from a file opened in a browser.

Size: the cluster *list* (ids, titles, relations, languages, scores) is always in the page.
The cluster *details* (the aligned passage pairs) go into the page too while they total at most
:data:`INLINE_LIMIT` bytes; beyond that they are written as ``clusters-NNNNN.js`` files of about
:data:`CHUNK_BYTES` each into the folder ``<page name>_files/`` next to the page, which the page
loads with ``<script src>`` when a cluster is opened (``fetch()`` of ``file://`` URLs is blocked
by browsers, a script element is not). So a 100,000-document release gives a page of a few MB
that opens in well under a second, however much evidence its clusters hold.

Determinism: no timestamps, no random ids, clusters in id order, JSON with fixed key order: the
same release gives the same bytes, so the page can live inside a release.
"""

from __future__ import annotations

import html
import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from corpus.errors import ConfigError, PublishError
from corpus.publish.manifest import Manifest
from corpus.publish.parquet import WrittenFile
from corpus.records import Relation
from corpus.report.data import (
    ClusterView,
    DocumentScan,
    Histogram,
    cluster_ids,
    iter_clusters,
    read_manifest,
    read_rejects,
    scan_documents,
)

__all__ = [
    "CHUNK_BYTES",
    "INLINE_LIMIT",
    "REPORT",
    "PreparedReport",
    "ReportSummary",
    "data_dir",
    "finish_report",
    "histogram_svg",
    "prepare_report",
    "write_report",
]

#: The file name of the report inside a release.
REPORT = "report.html"
#: Cluster details up to this many bytes (UTF-8 JSON) stay in the page; more go to files.
INLINE_LIMIT = 2_000_000
#: The size a details file grows to before the next one starts.
CHUNK_BYTES = 256_000
_CHUNK_PREFIX = "clusters-"
_DUPLICATES = tuple(r.value for r in Relation if r not in (Relation.UNIQUE, Relation.CANONICAL))


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """What :func:`write_report` wrote: the page, its details folder (``None`` when every
    detail is inline), the number of details files, clusters and rejects, and the page size."""

    path: Path
    details: Path | None
    chunks: int
    clusters: int
    rejects: int
    bytes: int


def data_dir(page: Path) -> Path:
    """The folder of the details files of ``page``: ``report.html`` → ``report_files/``."""
    return page.with_name(f"{page.stem}_files")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _in_script(text: str) -> str:
    """JSON text made safe inside a ``<script>`` element: ``<`` only occurs inside JSON strings,
    where ``\\u003c`` means the same, so no ``</script>`` or ``<!--`` can appear."""
    return text.replace("<", "\\u003c")


def _r(x: float) -> float:
    return round(x, 3)


def _index_entry(cluster: ClusterView, chunk: int) -> list[Any]:
    return [
        cluster.id,
        chunk,
        [[m.document.id, m.document.label, m.relation, m.document.language, _r(m.score),
          m.document.words, m.document.path] for m in cluster.members],
        _r(cluster.weakest_link),
    ]


def _detail(cluster: ClusterView) -> dict[str, Any]:
    return {
        "k": cluster.kept_because,
        "m": [
            [m.document.id, m.matched_with or cluster.canonical, _r(m.jaccard),
             _r(m.containment), _r(m.coverage), m.aligned,
             [[p.canonical_sentence, p.canonical_paragraph, p.canonical_text,
               p.member_sentence, p.member_paragraph, p.member_text, _r(p.similarity),
               _r(p.jaccard), _r(p.containment)] for p in m.passages]]
            for m in cluster.members
            if m.relation != Relation.CANONICAL.value
        ],
    }


class _Chunks:
    """Cluster details grouped into chunks; inline until they pass ``inline_limit`` bytes,
    then every chunk (the earlier ones too) goes to a file in ``folder``."""

    def __init__(self, folder: Path, inline_limit: int, chunk_bytes: int) -> None:
        self.folder = folder
        self.inline_limit = inline_limit
        self.chunk_bytes = chunk_bytes
        self.inline: list[str] = []
        self.external = False
        self.count = 0
        self._total = 0
        self._parts: list[str] = []
        self._size = 0

    def add(self, cluster_id: str, detail: Mapping[str, Any]) -> int:
        """Add one cluster's details; returns the chunk number it is in."""
        part = f"{_json(cluster_id)}:{_json(detail)}"
        size = len(part.encode())
        if self._parts and self._size + size > self.chunk_bytes:
            self._flush()
        self._parts.append(part)
        self._size += size
        return self.count

    def close(self) -> None:
        """Write out the last chunk."""
        if self._parts:
            self._flush()

    def _flush(self) -> None:
        text = "{" + ",".join(self._parts) + "}"
        self._parts, self._size = [], 0
        self._total += len(text.encode())
        if not self.external and self._total > self.inline_limit:
            self.external = True
            self.folder.mkdir(parents=True, exist_ok=True)
            for n, earlier in enumerate(self.inline):
                self._write(n, earlier)
            self.inline = []
        if self.external:
            self._write(self.count, text)
        else:
            self.inline.append(text)
        self.count += 1

    def _write(self, n: int, text: str) -> None:
        path = self.folder / f"{_CHUNK_PREFIX}{n:05d}.js"
        path.write_text(f"corpusReport.chunk({n},{text});\n", encoding="utf-8", newline="\n")


def _clear_details(folder: Path) -> None:
    """Remove details files of an earlier report at the same place (only ours)."""
    if not folder.is_dir():
        return
    for old in folder.glob(f"{_CHUNK_PREFIX}*.js"):
        old.unlink()
    if not any(folder.iterdir()):
        folder.rmdir()


def _asset(name: str) -> str:
    return files("corpus.report").joinpath("assets", name).read_text(encoding="utf-8")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _n(value: int) -> str:
    return f"{value:,}"


def _count_table(title: str, head: str, counts: Mapping[str, int], empty: str,
                 table_id: str) -> str:
    rows = "".join(
        f'<tr><td>{_e(key)}</td><td class="num">{_n(n)}</td></tr>' for key, n in counts.items()
    ) or f'<tr><td class="empty" colspan="2">{_e(empty)}</td></tr>'
    return (f'<section><h3>{_e(title)}</h3><table class="small" id="{table_id}"><thead><tr>'
            f'<th>{_e(head)}</th><th class="num">count</th></tr></thead><tbody>{rows}'
            "</tbody></table></section>")


def _languages_table(scan: DocumentScan) -> str:
    rows = "".join(
        f'<tr><td>{_e(lang)}</td><td class="num">{_n(n)}</td>'
        f'<td class="num">{_n(scan.kept_languages.get(lang, 0))}</td></tr>'
        for lang, n in scan.languages.items()
    ) or '<tr><td class="empty" colspan="3">no documents</td></tr>'
    return ('<section><h3>Languages</h3><table class="small" id="languages"><thead><tr>'
            '<th>language</th><th class="num">all</th><th class="num">deduplicated</th>'
            f"</tr></thead><tbody>{rows}</tbody></table></section>")


def histogram_svg(hist: Histogram, width: int = 760, height: int = 220) -> str:
    """The histogram as an inline SVG bar chart with axis labels and a tooltip per bar."""
    if not hist.counts:
        return '<p class="empty">no documents</p>'
    left, right, top, bottom = 48, 10, 10, 38
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(hist.counts) or 1
    bar_w = plot_w / len(hist.counts)
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" '
             'aria-label="Histogram of document lengths in words">']
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" '
                 f'y2="{top + plot_h}" stroke="#b9c2cf"/>')
    for tick in (0, peak // 2, peak) if peak > 1 else (0, peak):
        y = top + plot_h - plot_h * tick / peak
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_n(tick)}</text>')
    last = len(hist.counts) - 1
    label_every = max(1, len(hist.counts) // 8)
    for i, count in enumerate(hist.counts):
        lo, hi = hist.edges[i], hist.edges[i + 1]
        span = f"{_n(lo)}+ words" if hist.open_ended and i == last else (
            f"{_n(lo)}–{_n(hi - 1)} words")
        h = plot_h * count / peak
        x = left + i * bar_w
        parts.append(f'<rect class="bar" x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" '
                     f'width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}"><title>{span}: '
                     f"{_n(count)} document(s)</title></rect>")
        if i % label_every == 0 or i == last:
            label = f"{_n(lo)}+" if hist.open_ended and i == last else _n(lo)
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" '
                         f'text-anchor="middle">{label}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">'
                 "words per document</text>")
    parts.append(f'<text x="12" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
                 f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">documents</text></svg>')
    return "".join(parts)


def _page(
    manifest: Manifest,
    scan: DocumentScan,
    by_relation: Mapping[str, int],
    index: Mapping[str, Any],
    inline: Sequence[str],
) -> str:
    c = manifest.counts
    title = f"{manifest.name} {manifest.version}"
    cards = "".join(
        f'<div class="card" data-count="{key}"><div class="value">{_n(value)}</div>'
        f'<div class="label">{_e(label)}</div></div>'
        for key, value, label in (
            ("files_seen", c.files_seen, "files seen"),
            ("documents", c.documents, "documents"),
            ("rejects", c.rejects, "rejects"),
            ("clusters", c.clusters, "duplicate clusters"),
            ("duplicates", c.duplicates, "duplicates removed"),
            ("default", c.rows.get("default", c.documents - c.duplicates),
             "documents after dedup"),
        )
    )
    documents_by_relation = dict(c.relations)
    chunks = "".join(
        f'<script type="application/json" id="chunk-{n}">{_in_script(text)}'
        "</script>\n"
        for n, text in enumerate(inline)
    )
    version = manifest.libraries.get("corpus", "")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Report: {_e(title)}</title>
<link rel="icon" href="data:,">
<style>
{_asset("report.css")}</style>
</head>
<body>
<main>
<h1>{_e(manifest.name)} <span class="subtitle">v{_e(manifest.version)}</span></h1>
<p class="subtitle">Dataset release report: what was read, what was rejected and why, which
documents are duplicates of which, and the passages that show it.</p>
<section class="cards" id="counts">{cards}</section>
<div class="grid">
{_count_table("Documents by relation", "relation", documents_by_relation, "no documents",
              "relations")}
{_count_table("Clusters by relation", "relation", by_relation, "no duplicate clusters",
              "cluster-relations")}
{_count_table("Rejects by reason", "reason", c.rejects_by_rule, "no rejects", "reject-reasons")}
{_languages_table(scan)}
</div>
<h2>Document lengths</h2>
<div class="histogram" id="histogram">{histogram_svg(scan.lengths)}</div>
<h2>Duplicate clusters</h2>
<p class="subtitle">Every member is verified against its cluster's canonical document; the
score is that verified link's pair score, and the weakest link is the lowest of them. Click a
cluster to compare each member with the canonical document, side by side: every aligned
passage pair has its own colour, its similarity (TF-IDF cosine) and word Jaccard (J) in the
middle, and the words the two passages share are marked (except the
commonest function words).</p>
<div class="controls">
<input id="search" type="search" placeholder="Search id, title or file (clusters and rejects)"
 aria-label="Search by id, title or file" autocomplete="off">
<select id="relation" aria-label="Relation"><option value="">any relation</option></select>
<select id="language" aria-label="Language"><option value="">any language</option></select>
<span class="status" id="cluster-status"></span>
</div>
<table id="clusters"><thead><tr><th></th><th>canonical document</th><th class="num">members</th>
<th>relations</th><th>languages</th><th class="num">weakest link</th></tr></thead>
<tbody></tbody></table>
<div class="pager" id="cluster-pager"></div>
<h2>Rejects</h2>
<p class="status" id="reject-status"></p>
<table id="rejects"><thead><tr><th>file</th><th class="num">line</th><th>reason</th>
<th>message</th></tr></thead><tbody></tbody></table>
<div class="pager" id="reject-pager"></div>
<footer>Written by corpus {_e(version)} from the release's manifest.json, clusters.parquet,
rejects.parquet and data files.</footer>
</main>
<script type="application/json" id="report-index">{_in_script(_json(index))}</script>
{chunks}<script>
{_asset("report.js")}</script>
</body>
</html>
"""


def write_report(
    release_dir: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    inline_limit: int = INLINE_LIMIT,
    chunk_bytes: int = CHUNK_BYTES,
    manifest: Manifest | None = None,
) -> ReportSummary:
    """Write the report of the release folder ``release_dir`` to ``out_path`` (an HTML file).

    Reads ``manifest.json``, ``clusters.parquet``, ``rejects.parquet`` and the ``all`` config's
    shards a batch at a time (never the document text). Cluster details beyond
    ``inline_limit`` bytes go into ``<out_path stem>_files/`` (see the module docstring); details
    files of an earlier report at the same place are removed first. Raises
    :class:`~corpus.errors.PublishError` naming the file when the folder is not a readable
    release, :class:`~corpus.errors.ConfigError` for a negative limit. ``manifest``: the
    release's manifest when the caller holds it already (a build), so it is not read again.
    """
    release = Path(release_dir)
    manifest = read_manifest(release) if manifest is None else manifest
    return finish_report(prepare_report(release, out_path, manifest.files,
                                        inline_limit=inline_limit, chunk_bytes=chunk_bytes),
                         manifest)


@dataclass(frozen=True, slots=True)
class PreparedReport:
    """Everything of a report but the page itself (:func:`prepare_report`): its details files
    are written, and the page needs only the manifest (:func:`finish_report`)."""

    page: Path
    folder: Path
    scan: DocumentScan
    by_relation: Mapping[str, int]
    index: Mapping[str, Any]
    inline: tuple[str, ...]
    external: bool
    chunks: int
    clusters: int
    rejects: int


def prepare_report(release_dir: str | os.PathLike[str], out_path: str | os.PathLike[str],
                   data_files: Sequence[WrittenFile], *, inline_limit: int = INLINE_LIMIT,
                   chunk_bytes: int = CHUNK_BYTES) -> PreparedReport:
    """The reading and the details files of :func:`write_report`, for a release whose data
    ``data_files`` are written (its manifest need not be): a build prepares its report while it
    compares the release with the previous one, which decides its version, and writes the
    page once the manifest is made."""
    if inline_limit < 0 or chunk_bytes < 1:
        raise ConfigError(
            f"inline_limit={inline_limit} and chunk_bytes={chunk_bytes}: the limit must be 0 or "
            "more (0 puts every detail in files) and the chunk size at least 1 byte"
        )
    release = Path(release_dir)
    page = Path(out_path)
    scan = scan_documents(release, cluster_ids(release), files=data_files)
    folder = data_dir(page)
    try:
        page.parent.mkdir(parents=True, exist_ok=True)
        _clear_details(folder)
    except OSError as exc:
        raise PublishError(f"{page}: cannot write the report ({exc.strerror or exc})") from None

    chunks = _Chunks(folder, inline_limit, chunk_bytes)
    entries: list[list[Any]] = []
    relations: Counter[str] = Counter()
    languages: set[str] = set()
    for cluster in iter_clusters(release, scan.documents):
        entries.append(_index_entry(cluster, chunks.add(cluster.id, _detail(cluster))))
        relations.update(cluster.relations)
        languages.update(m.document.language for m in cluster.members if m.document.language)
    chunks.close()
    rejects = [[r.path, r.line, r.rule, r.message] for r in read_rejects(release)]
    by_relation = {r: relations[r] for r in _DUPLICATES if relations[r]}
    index = {
        "chunks": {"mode": "external" if chunks.external else "inline",
                   "dir": folder.name, "count": chunks.count},
        "relations": list(by_relation),
        "languages": sorted(languages),
        "clusters": entries,
        "rejects": rejects,
    }
    return PreparedReport(page, folder, scan, by_relation, index, tuple(chunks.inline),
                          chunks.external, chunks.count, len(entries), len(rejects))


def finish_report(prepared: PreparedReport, manifest: Manifest) -> ReportSummary:
    """Write the page of a :func:`prepare_report` with the release's ``manifest``."""
    text = _page(manifest, prepared.scan, prepared.by_relation, prepared.index,
                 prepared.inline)
    try:
        prepared.page.write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise PublishError(
            f"{prepared.page}: cannot write the report ({exc.strerror or exc})") from None
    return ReportSummary(
        path=prepared.page,
        details=prepared.folder if prepared.external else None,
        chunks=prepared.chunks,
        clusters=prepared.clusters,
        rejects=prepared.rejects,
        bytes=len(text.encode()),
    )
