"""Releases: Parquet shards with the declared schema, manifest, dataset card, versions, loading.

See ``docs/publishing.md`` for the layout of a release and the rules of versioning.
"""

from corpus.publish.builder import BuildReport, ReleaseExistsError, build
from corpus.publish.compare import ClusterChange, DocumentChange, DocumentRef, ReleaseDiff, diff
from corpus.publish.config import BuildConfig
from corpus.publish.hub import PushResult, PushStatus, RetryPolicy, TagConflictError, push
from corpus.publish.layout import Version
from corpus.publish.loader import documents, load
from corpus.publish.manifest import Manifest

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
