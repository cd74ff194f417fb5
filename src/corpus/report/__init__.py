"""The report of a release: one self-contained HTML page to look at what a build did.

:func:`write_report` reads a release folder (``manifest.json``, ``clusters.parquet``,
``rejects.parquet``, the data files) and writes ``report.html``: counts, languages, a histogram of
document lengths, the rejects with file, line and reason, and every duplicate cluster with its
canonical document and each member side by side, the aligned passages highlighted pair by pair.
``corpus build`` writes it into every release; ``corpus report`` writes it for any release or
corpus.
"""

from corpus.report.data import (
    ClusterView,
    DocumentInfo,
    DocumentScan,
    Histogram,
    MemberView,
    PassagePair,
    cluster_ids,
    clusters_by_relation,
    histogram,
    iter_clusters,
    read_rejects,
    scan_documents,
)
from corpus.report.page import (
    CHUNK_BYTES,
    INLINE_LIMIT,
    REPORT,
    ReportSummary,
    data_dir,
    histogram_svg,
    write_report,
)

__all__ = [
    "CHUNK_BYTES",
    "INLINE_LIMIT",
    "REPORT",
    "ClusterView",
    "DocumentInfo",
    "DocumentScan",
    "Histogram",
    "MemberView",
    "PassagePair",
    "ReportSummary",
    "cluster_ids",
    "clusters_by_relation",
    "data_dir",
    "histogram",
    "histogram_svg",
    "iter_clusters",
    "read_rejects",
    "scan_documents",
    "write_report",
]
