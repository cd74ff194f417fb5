"""Releases: Parquet shards with the declared schema, manifest, dataset card, versions, loading.

See ``docs/publishing.md`` for the layout of a release and the rules of versioning.

The names below are imported on first use (:mod:`corpus._lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corpus._lazy import attribute

if TYPE_CHECKING:
    from corpus.publish.builder import BuildReport, ReleaseExistsError, build
    from corpus.publish.compare import ClusterChange, DocumentChange, DocumentRef, ReleaseDiff, diff
    from corpus.publish.config import BuildConfig
    from corpus.publish.hub import PushResult, PushStatus, RetryPolicy, TagConflictError, push
    from corpus.publish.layout import Version
    from corpus.publish.loader import documents, load
    from corpus.publish.manifest import Manifest

#: Where each public name is defined.
_EXPORTS = {
    "BuildReport": "corpus.publish.builder",
    "ReleaseExistsError": "corpus.publish.builder",
    "build": "corpus.publish.builder",
    "ClusterChange": "corpus.publish.compare",
    "DocumentChange": "corpus.publish.compare",
    "DocumentRef": "corpus.publish.compare",
    "ReleaseDiff": "corpus.publish.compare",
    "diff": "corpus.publish.compare",
    "BuildConfig": "corpus.publish.config",
    "PushResult": "corpus.publish.hub",
    "PushStatus": "corpus.publish.hub",
    "RetryPolicy": "corpus.publish.hub",
    "TagConflictError": "corpus.publish.hub",
    "push": "corpus.publish.hub",
    "Version": "corpus.publish.layout",
    "documents": "corpus.publish.loader",
    "load": "corpus.publish.loader",
    "Manifest": "corpus.publish.manifest",
}


def __getattr__(name: str) -> Any:
    return attribute(__name__, _EXPORTS, globals(), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "BuildConfig",
    "BuildReport",
    "ClusterChange",
    "DocumentChange",
    "DocumentRef",
    "Manifest",
    "PushResult",
    "PushStatus",
    "ReleaseDiff",
    "ReleaseExistsError",
    "RetryPolicy",
    "TagConflictError",
    "Version",
    "build",
    "diff",
    "documents",
    "load",
    "push",
]
