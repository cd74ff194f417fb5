"""Push a release folder to a Hugging Face Hub dataset repo: one commit, then a version tag.

A release folder ``STORE/NAME/vX.Y.Z/`` is already laid out as a dataset repo, so pushing it is:

1. create the dataset repo if it is missing;
2. if the tag ``vX.Y.Z`` exists, compare the files at the tagged commit with the folder: equal
   means the version is already published (nothing is done), different is a
   :class:`TagConflictError` (a published version is never moved);
3. otherwise compare ``main`` with the folder and make **one** commit on ``main`` that uploads the
   files that differ and deletes every file the version no longer has (``.gitattributes``, which
   the Hub manages, stays); if ``main`` already equals the folder (an earlier push committed but
   could not tag), no commit is made;
4. tag that commit ``vX.Y.Z``, so ``datasets.load_dataset(repo, revision="vX.Y.Z")`` loads
   exactly this version.

Files are compared by content hash through the Hub's tree listing: the SHA-256 the Hub records for
LFS files, the git blob id for the others. The whole sequence is idempotent, which is what makes
retries safe: a transient failure (a 500/502/503/504, 429 or 408 answer, a timeout, a refused or
dropped connection) runs the sequence again from the server's current state, with exponential
backoff, a bounded number of times (:class:`RetryPolicy`). The tag is only ever created after the
commit succeeded, and a failure between the two says so; running the same push again finds the
commit and adds the tag.

The real ``huggingface_hub`` client does the HTTP work. The endpoint is ``HF_ENDPOINT`` (or the
``endpoint`` argument), the token ``HF_TOKEN`` or the saved login (or the ``token`` argument); the
token is never printed, and is masked in every message this module produces.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus.errors import ConfigError, CorpusError, PublishError
from corpus.publish.compare import damaged_error
from corpus.publish.layout import MANIFEST, README, Version
from corpus.publish.store import fetch_release

if TYPE_CHECKING:
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import RepoFile

__all__ = [
    "PushResult",
    "PushStatus",
    "RetryPolicy",
    "TagConflictError",
    "push",
]

log = logging.getLogger(__name__)

REPO_TYPE = "dataset"
BRANCH = "main"
#: Remote files a push never deletes: the Hub writes ``.gitattributes`` (which paths go to LFS).
HUB_MANAGED = frozenset({".gitattributes"})
#: HTTP answers worth another try: timeouts, rate limits, server errors, and the two conflicts a
#: concurrent push causes (412: ``main`` moved between reading and committing; 409: the tag
#: appeared meanwhile): the next try reads the new state and plans again.
RETRYABLE_STATUS = frozenset({408, 409, 412, 429, 500, 502, 503, 504})
_HASH_BLOCK = 1 << 20
_REPO_PART = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$")


class PushStatus(StrEnum):
    """What a push did."""

    PUBLISHED = "published"  # made the release commit on main and tagged it
    TAGGED = "tagged"  # main already held exactly this release: only the tag was added
    ALREADY_PUBLISHED = "already-published"  # the tag existed with this content: nothing done


class TagConflictError(PublishError):
    """The version's tag exists on the Hub and points at different content.

    A published version is never moved: build the change as a new version and push that.
    ``differences`` lists the paths that differ (``+`` only in the folder, ``-`` only on the Hub,
    ``~`` in both with other content).
    """

    def __init__(self, repo_id: str, tag: str, commit: str, differences: tuple[str, ...]) -> None:
        self.repo_id = repo_id
        self.tag = tag
        self.commit = commit
        self.differences = differences
        shown = ", ".join(differences[:8]) + (", ..." if len(differences) > 8 else "")
        super().__init__(
            f"tag {tag} of {repo_id} already points at commit {commit[:12]}, whose files differ "
            f"from the release folder ({shown}); a published version is never moved: build the "
            "change as a new version (corpus build proposes the next one) and push that"
        )

    def __reduce__(self) -> tuple[type[TagConflictError], tuple[str, str, str, tuple[str, ...]]]:
        return (TagConflictError, (self.repo_id, self.tag, self.commit, self.differences))


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a push retries after a transient failure.

    ``attempts`` counts every try, the first included (1 = never retry). The wait before try
    ``n + 1`` is ``initial_delay * multiplier ** (n - 1)``, capped at ``max_delay`` seconds.
    The defaults wait 1, 2, 4 and 8 seconds between five tries: about a quarter of a minute
    before giving up on a Hub that keeps failing. A ``Retry-After`` answer lengthens a wait, up to
    ``max_delay``.
    """

    attempts: int = 5
    initial_delay: float = 1.0
    max_delay: float = 30.0
    multiplier: float = 2.0

    def __post_init__(self) -> None:
        if (
            isinstance(self.attempts, bool)
            or not isinstance(self.attempts, int)
            or self.attempts < 1
        ):
            raise ConfigError(
                f"RetryPolicy attempts={self.attempts!r} must be an integer >= 1 "
                "(1 tries once and never retries); the default is 5"
            )
        for name in ("initial_delay", "max_delay"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
                raise ConfigError(
                    f"RetryPolicy {name}={value!r} must be a number of seconds >= 0, e.g. 1.0"
                )
        if (
            isinstance(self.multiplier, bool)
            or not isinstance(self.multiplier, int | float)
            or not self.multiplier >= 1
        ):
            raise ConfigError(
                f"RetryPolicy multiplier={self.multiplier!r} must be a number >= 1 (1 waits "
                "initial_delay every time, 2 doubles the wait); the default is 2.0"
            )

    def delays(self) -> Iterator[float]:
        """The waits between consecutive tries: ``attempts - 1`` numbers."""
        delay = float(self.initial_delay)
        for _ in range(self.attempts - 1):
            yield min(delay, float(self.max_delay))
            delay *= self.multiplier


@dataclass(frozen=True, slots=True)
class PushResult:
    """The outcome of :func:`push`.

    ``commit`` is the commit the tag names; ``uploaded`` and ``deleted`` are the repo paths this
    push changed (empty unless ``status`` is ``PUBLISHED``); ``attempts`` counts the tries it took.
    """

    repo_id: str
    tag: str
    commit: str
    status: PushStatus
    url: str
    uploaded: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    attempts: int = 1

    @property
    def version(self) -> str:
        """The released version without its ``v``: ``"1.2.0"``."""
        return self.tag.removeprefix("v")


@dataclass(frozen=True, slots=True)
class _LocalFile:
    """A file of the release folder, with the two hashes the Hub may report for it."""

    path: str  # relative, with "/" separators: the path in the repo
    source: Path
    size: int
    sha256: str
    git_oid: str

    @property
    def pointer_oid(self) -> str:
        """The git blob id of the LFS pointer file that stands for this file in a Hub repo."""
        pointer = (
            f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\n"
            f"size {self.size}\n"
        ).encode()
        return _git_blob_oid(pointer)


@dataclass(frozen=True, slots=True)
class _Release:
    directory: Path
    version: Version
    files: tuple[_LocalFile, ...]

    @property
    def tag(self) -> str:
        return self.version.tag


@dataclass(frozen=True, slots=True)
class _Plan:
    """What makes a revision of the repo equal to the release."""

    upload: tuple[_LocalFile, ...]
    delete: tuple[str, ...]
    changed: tuple[str, ...]  # uploads that replace a remote file with other content

    @property
    def in_sync(self) -> bool:
        return not self.upload and not self.delete

    def differences(self) -> tuple[str, ...]:
        changed = set(self.changed)
        return tuple(
            sorted(
                [f"~{f.path}" if f.path in changed else f"+{f.path}" for f in self.upload]
                + [f"-{p}" for p in self.delete]
            )
        )


@dataclass(slots=True)
class _Progress:
    """What earlier attempts of this push already did (kept across retries, local to one call)."""

    commit: str | None = None  # the release commit, once known
    committed: bool = False  # this push made that commit
    commit_unknown: bool = False  # a commit request got no answer: it may have landed
    uploaded: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    attempts: int = 0
    tag_sent: bool = False

    def status(self) -> PushStatus:
        return PushStatus.PUBLISHED if self.committed else PushStatus.TAGGED


def push(
    release_dir: str | os.PathLike[str],
    repo_id: str,
    *,
    private: bool = False,
    token: str | None = None,
    endpoint: str | None = None,
    retry: RetryPolicy | None = None,
) -> PushResult:
    """Publish the release folder ``release_dir`` to the Hub dataset ``repo_id``, tagged ``vX.Y.Z``.

    ``release_dir`` may also be the fsspec URL of a release in a remote store
    (``s3://bucket/releases/NAME/v1.0.0``): it is downloaded to a temporary folder first.

    The version comes from the folder's name (``vX.Y.Z``, as ``corpus build`` names it) and must
    agree with ``manifest.json`` when that records one. ``private`` applies when the repo is
    created; pushing with ``private=True`` to an existing public repo is refused rather than
    publishing the data openly. ``token`` defaults to ``HF_TOKEN`` or the saved login,
    ``endpoint`` to ``HF_ENDPOINT`` (or https://huggingface.co). See the module docstring for the
    steps, the no-op and conflict rules and the retries.

    Raises :class:`TagConflictError` when the tag exists with other content, and
    :class:`~corpus.errors.PublishError` when no token is set (before anything is sent), when
    the Hub refuses the push or keeps failing after the retries (its message says whether a
    commit was made and how to finish).
    """
    policy = retry if retry is not None else RetryPolicy()
    _check_repo_id(repo_id)
    with fetch_release(release_dir) as local:
        return _push_release(_read_release(local), repo_id, private=private, token=token,
                             endpoint=endpoint, policy=policy)


def _push_release(release: _Release, repo_id: str, *, private: bool, token: str | None,
                  endpoint: str | None, policy: RetryPolicy) -> PushResult:
    from huggingface_hub import HfApi, get_token

    from corpus import __version__

    secret = token if token is not None else get_token()
    if not secret:
        # Without a token every write is refused; say so now instead of after the retries.
        raise PublishError(
            f"no Hub token is set, so {release.tag} cannot be pushed to {repo_id}: set HF_TOKEN "
            "(or run `hf auth login`) with a token that may write to the repo; nothing was sent"
        )
    api = HfApi(
        endpoint=(endpoint or os.environ.get("HF_ENDPOINT") or "").rstrip("/") or None,
        token=token,
        library_name="corpus",
        library_version=__version__,
    )
    progress = _Progress()
    delays = policy.delays()
    while True:
        progress.attempts += 1
        try:
            return _push_once(api, release, repo_id, private=private, progress=progress)
        except CorpusError as exc:
            raise _redacted(exc, secret) from None
        except Exception as exc:
            if not _is_transient(exc):
                raise _redacted(_refused(exc, repo_id, release, progress), secret) from exc
            delay = next(delays, None)
            if delay is None:
                failure = _gave_up(exc, api.endpoint, repo_id, release, progress)
                raise _redacted(failure, secret) from exc
            delay = max(delay, min(_retry_after(exc) or 0.0, float(policy.max_delay)))
            log.warning(
                "push of %s to %s: attempt %d of %d failed (%s); retrying in %.1f s",
                release.tag,
                repo_id,
                progress.attempts,
                policy.attempts,
                _mask(_summary(exc), secret),
                delay,
            )
            time.sleep(delay)


def _push_once(
    api: HfApi, release: _Release, repo_id: str, *, private: bool, progress: _Progress
) -> PushResult:
    """One pass over the steps; idempotent, so a retry simply runs it again."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    api.create_repo(repo_id, repo_type=REPO_TYPE, private=private, exist_ok=True)
    if private and not api.repo_info(repo_id, repo_type=REPO_TYPE).private:
        raise PublishError(
            f"{repo_id} already exists and is public, so --private cannot apply to it; make the "
            "repo private on the Hub first, or push without --private if it should be public"
        )
    refs = api.list_repo_refs(repo_id, repo_type=REPO_TYPE)
    url = f"{api.endpoint}/datasets/{repo_id}/tree/{release.tag}"

    def result(commit: str, status: PushStatus) -> PushResult:
        return PushResult(
            repo_id=repo_id,
            tag=release.tag,
            commit=commit,
            status=status,
            url=url,
            uploaded=progress.uploaded if progress.committed else (),
            deleted=progress.deleted if progress.committed else (),
            attempts=progress.attempts,
        )

    tagged = next((ref for ref in refs.tags if ref.name == release.tag), None)
    if tagged is not None:
        plan = _plan(release, _remote_files(api, repo_id, tagged.target_commit))
        if not plan.in_sync:
            raise TagConflictError(repo_id, release.tag, tagged.target_commit, plan.differences())
        if not progress.tag_sent:
            return result(tagged.target_commit, PushStatus.ALREADY_PUBLISHED)
        # An earlier attempt of this very push created the tag but its answer was lost.
        return result(tagged.target_commit, progress.status())

    head = next((ref.target_commit for ref in refs.branches if ref.name == BRANCH), None)
    remote = _remote_files(api, repo_id, head) if head is not None else {}
    plan = _plan(release, remote)
    if plan.in_sync and head is not None:
        # Either an earlier attempt's commit landed though its answer was lost, or an earlier
        # push committed this release and failed to tag it: tag what is there.
        commit = head
        if progress.commit_unknown:
            progress.committed = True
        elif not progress.committed:
            log.info("%s: %s already holds %s; only tagging", repo_id, BRANCH, release.tag)
    else:
        operations: list[CommitOperationAdd | CommitOperationDelete] = [
            CommitOperationAdd(path_in_repo=f.path, path_or_fileobj=str(f.source))
            for f in plan.upload
        ]
        operations += [CommitOperationDelete(path_in_repo=p) for p in plan.delete]
        progress.uploaded = tuple(f.path for f in plan.upload)
        progress.deleted = plan.delete
        unknown_before, progress.commit_unknown = progress.commit_unknown, True
        try:
            info = api.create_commit(
                repo_id,
                operations,
                commit_message=f"Release {release.tag}",
                commit_description=(
                    f"Dataset release {release.tag}: {len(plan.upload)} file(s) uploaded, "
                    f"{len(plan.delete)} deleted."
                ),
                repo_type=REPO_TYPE,
                revision=BRANCH,
                parent_commit=head,
            )
        except Exception as exc:
            if _status(exc) is not None:  # the Hub answered: this commit was not made
                progress.commit_unknown = unknown_before
            raise
        commit = info.oid
        progress.committed = True
    progress.commit = commit
    progress.tag_sent = True
    api.create_tag(
        repo_id,
        tag=release.tag,
        revision=commit,
        repo_type=REPO_TYPE,
        tag_message=f"Release {release.tag}",
    )
    return result(commit, progress.status())


# -- the release folder ------------------------------------------------------------------------


def _check_repo_id(repo_id: str) -> None:
    """Refuse a repo id the Hub would refuse, before any file is hashed or sent."""
    name_ok = all(
        _REPO_PART.fullmatch(part) and "--" not in part and ".." not in part
        for part in repo_id.split("/")
    )
    if repo_id.count("/") != 1 or not name_ok:
        raise ConfigError(
            f"repo id {repo_id!r} cannot name a Hub dataset repo: use ORG/NAME, e.g. "
            "'my-org/news-corpus': 1-96 ASCII letters, digits, '-', '_' or '.' on each side of the "
            "'/', not starting or ending with '-' or '.', without '--' or '..'"
        )


def _read_release(directory: Path) -> _Release:
    """The folder's files and version, after checking it looks like a release."""
    if not directory.is_dir():
        raise PublishError(f"release folder {directory} does not exist (or is not a folder)")
    if not (directory / README).is_file():
        raise PublishError(
            f"{directory} has no {README}, so it is not a release folder: push the "
            "STORE/NAME/vX.Y.Z folder that `corpus build` wrote"
        )
    manifest = _manifest_data(directory / MANIFEST)
    version = _version_of(directory, manifest)
    files = []
    for path in sorted(_walk(directory)):
        relative = path.relative_to(directory).as_posix()
        size, sha256, git_oid = _hashes(path)
        files.append(_LocalFile(relative, path, size, sha256, git_oid))
    _check_recorded(directory, version, files, manifest)
    return _Release(directory, version, tuple(files))


def _manifest_data(path: Path) -> Mapping[str, Any] | None:
    """The JSON object of ``manifest.json`` (read once: its version names the release and its
    file list checks the files), or ``None`` when there is none."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PublishError(f"{path} is not readable JSON ({exc}); rebuild the release") from exc
    return data if isinstance(data, Mapping) else None


def _check_recorded(directory: Path, version: Version, files: list[_LocalFile],
                    manifest: Mapping[str, Any] | None) -> None:
    """Refuse, before anything is sent, a release whose files are not those its
    ``manifest.json`` records (``files``: path, bytes, SHA-256): a missing, truncated or
    replaced data file would be published as the release. The files were just hashed for the
    upload, so the check costs nothing more. A manifest without a file list is not checked."""
    recorded = manifest.get("files") if manifest is not None else None
    if not isinstance(recorded, list):
        return
    found = {f.path: f for f in files}
    for entry in recorded:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("path"), str):
            continue
        local = found.get(entry["path"])
        if local is None:
            problem = "missing"
        elif local.size != entry.get("bytes") or local.sha256 != entry.get("sha256"):
            problem = (f"{local.size} bytes with SHA-256 {local.sha256[:12]}…, but {MANIFEST} "
                       f"records {entry.get('bytes')} bytes with {str(entry.get('sha256'))[:12]}…")
        else:
            continue
        raise damaged_error(f"{directory / entry['path']}: {problem}", str(version),
                            "is not pushed (nothing was sent)")


def _walk(directory: Path) -> Iterator[Path]:
    """Every regular file below ``directory``, skipping hidden files and folders (``.name``)."""
    for path in directory.iterdir():
        if path.name.startswith("."):
            continue
        if path.is_dir():
            yield from _walk(path)
        elif path.is_file():
            yield path


def _version_of(directory: Path, manifest: Mapping[str, Any] | None) -> Version:
    """The version from the folder name, checked against ``manifest`` (the folder's
    ``manifest.json``), or from the manifest."""
    from_name: Version | None = None
    try:
        from_name = Version.parse(directory.name) if directory.name.startswith("v") else None
    except ConfigError:
        from_name = None
    recorded = _manifest_version(directory / MANIFEST, manifest)
    if from_name is not None and recorded is not None and from_name != recorded:
        raise PublishError(
            f"{directory} is named {from_name.tag} but its {MANIFEST} records version "
            f"{recorded}: the folder was renamed or the manifest edited; push the folder "
            "`corpus build` wrote, unchanged"
        )
    version = from_name or recorded
    if version is None:
        raise PublishError(
            f"cannot tell the version of {directory}: name the folder vX.Y.Z (as `corpus build` "
            f'does) or record it as "version" in {MANIFEST}'
        )
    return version


def _manifest_version(path: Path, data: Mapping[str, Any] | None) -> Version | None:
    """The version the manifest ``data`` (read from ``path``) records, if any."""
    if data is None:
        return None
    candidates = [data.get("version")]
    release = data.get("release")
    if isinstance(release, Mapping):
        candidates.append(release.get("version"))
    for value in candidates:
        if isinstance(value, str):
            try:
                return Version.parse(value)
            except ConfigError as exc:
                raise PublishError(f"{path}: {exc}") from exc
    return None


def _git_blob_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _hashes(path: Path) -> tuple[int, str, str]:
    """Size, SHA-256 and git blob id of a file, read once in blocks."""
    size = path.stat().st_size
    sha256 = hashlib.sha256()
    git = hashlib.sha1(b"blob %d\0" % size, usedforsecurity=False)
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            sha256.update(block)
            git.update(block)
    return size, sha256.hexdigest(), git.hexdigest()


# -- comparing with the Hub --------------------------------------------------------------------


def _remote_files(api: HfApi, repo_id: str, revision: str) -> dict[str, RepoFile]:
    from huggingface_hub.hf_api import RepoFile

    return {
        entry.path: entry
        for entry in api.list_repo_tree(
            repo_id, revision=revision, recursive=True, repo_type=REPO_TYPE
        )
        if isinstance(entry, RepoFile)
    }


def _same(local: _LocalFile, remote: RepoFile) -> bool:
    if remote.lfs is not None:
        return remote.lfs.sha256 == local.sha256 and remote.size == local.size
    # Without LFS details (e.g. a listing that only gives Xet hashes), the git blob id still tells:
    # it is either the content's own or that of the LFS pointer standing for the content.
    return remote.blob_id in (local.git_oid, local.pointer_oid)


def _plan(release: _Release, remote: Mapping[str, RepoFile]) -> _Plan:
    local = {f.path: f for f in release.files}
    upload = tuple(f for f in release.files if f.path not in remote or not _same(f, remote[f.path]))
    changed = tuple(f.path for f in upload if f.path in remote)
    delete = tuple(sorted(p for p in remote if p not in local and p not in HUB_MANAGED))
    return _Plan(upload, delete, changed)


# -- failures ----------------------------------------------------------------------------------


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _status(exc: BaseException) -> int | None:
    """The HTTP status of the first Hub answer in the exception chain, if there is one."""
    from huggingface_hub.errors import HfHubHTTPError

    for item in _chain(exc):
        if isinstance(item, HfHubHTTPError) and item.response is not None:
            return int(item.response.status_code)
    return None


def _retry_after(exc: BaseException) -> float | None:
    """The wait a 429 or 503 answer asked for in ``Retry-After`` (seconds), if any."""
    from huggingface_hub.errors import HfHubHTTPError

    for item in _chain(exc):
        if isinstance(item, HfHubHTTPError):
            value = item.response.headers.get("Retry-After", "")
            return float(value) if value.strip().isdigit() else None
    return None


def _is_transient(exc: BaseException) -> bool:
    """A failure that another try may not meet: a retryable HTTP status or a transport error."""
    import httpx2

    status = _status(exc)
    if status is not None:
        return status in RETRYABLE_STATUS
    return any(
        isinstance(item, httpx2.TransportError | TimeoutError | ConnectionError)
        for item in _chain(exc)
    )


def _summary(exc: BaseException) -> str:
    """One line saying what failed: the HTTP status and the server's message, or the error type."""
    from huggingface_hub.errors import HfHubHTTPError

    for item in _chain(exc):
        if isinstance(item, HfHubHTTPError):
            request = item.response.request  # (item.request is unset in some client versions)
            method, path = request.method, request.url.path
            message = item.server_message or str(item).strip().splitlines()[0]
            return f"HTTP {item.response.status_code} on {method} {path}: {message.strip()}"
    import httpx2

    chain = list(_chain(exc))
    shown = next((item for item in chain if isinstance(item, httpx2.TransportError)), chain[-1])
    text = str(shown).strip().splitlines()[0] if str(shown).strip() else ""
    return f"{type(shown).__name__}: {text}" if text else type(shown).__name__


def _state(release: _Release, repo_id: str, progress: _Progress) -> str:
    """What the failed push left on the Hub, and how to finish it."""
    if progress.commit is not None:
        return (
            f"the files are committed to {BRANCH} as {progress.commit[:12]} but the tag "
            f"{release.tag} is missing: run the same push again to add it (it finds the commit "
            "and uploads nothing)"
        )
    if progress.commit_unknown:
        return (
            f"a commit may have reached {BRANCH} (its answer was lost) but {release.tag} is not "
            "tagged: run the same push again (it finds such a commit and only adds the tag)"
        )
    return f"nothing was committed or tagged: {release.tag} is not on {repo_id}"


def _refused(
    exc: BaseException, repo_id: str, release: _Release, progress: _Progress
) -> PublishError:
    status = _status(exc)
    hint = ""
    if status == 401:
        hint = (
            "; the Hub did not accept the token: set HF_TOKEN (or run `hf auth login`) with a "
            "token that may write to the repo"
        )
    elif status in (403, 404):
        hint = (
            f"; check that {repo_id!r} is right and that the token may create and write "
            "dataset repos in its namespace"
        )
    return PublishError(
        f"the Hub refused the push of {release.tag} to {repo_id}: {_summary(exc)}{hint}; "
        f"{_state(release, repo_id, progress)}"
    )


def _gave_up(
    exc: BaseException, endpoint: str, repo_id: str, release: _Release, progress: _Progress
) -> PublishError:
    return PublishError(
        f"pushing {release.tag} to {repo_id} at {endpoint} failed {progress.attempts} time(s), "
        f"the last with {_summary(exc)}; the Hub may be down or unreachable; "
        f"{_state(release, repo_id, progress)}; try again later"
    )


def _mask(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret and len(secret) >= 4 else text


def _redacted(exc: CorpusError, secret: str | None) -> CorpusError:
    """``exc`` with the token masked in its message (defence in depth: it should never be there)."""
    if secret and any(secret in str(arg) for arg in exc.args):
        exc.args = tuple(_mask(str(arg), secret) for arg in exc.args)
    return exc
