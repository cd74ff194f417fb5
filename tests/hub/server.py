"""A loopback stand-in for the part of the Hugging Face Hub HTTP API that ``huggingface_hub`` and
``datasets`` use to create a dataset repo, commit to it, tag it, list it and download from it.

The real clients are driven against it unchanged; only ``HF_ENDPOINT`` points here. It is generic
(API level, not shaped after one test): any repo type, any number of repos, branches and tags.

State lives in memory in a :class:`HubStore`:

- a repo is a set of commits, each a full snapshot ``path -> Blob`` with its parent, plus
  branches and tags that name commits; a new repo starts with one commit holding
  ``.gitattributes``, as on the Hub, and that file decides which paths are stored through LFS;
- LFS objects are kept by SHA-256 in one store shared by all repos (the batch endpoint hands out
  upload URLs on this server; the commit endpoint refuses an LFS pointer to a missing object);
- object ids follow git: a blob's ``oid`` is ``sha1("blob <size>\\0" + bytes)``, an LFS file's is
  that of its pointer file, so the clients' own change detection works as against the Hub.

Failure injection (:meth:`HubStore.inject`) answers chosen requests with an HTTP error or drops the
connection, for a given number of times or for good. Every request is logged; a request that no
route handles is printed to stderr and kept in :attr:`HubStore.unhandled`, so a missing endpoint is
obvious (the pytest fixture fails the test when that list is not empty).
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import itertools
import json
import re
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import yaml

__all__ = ["Blob", "Commit", "Fault", "HubError", "HubServer", "HubStore", "Repo"]

DEFAULT_GITATTRIBUTES = b"""\
*.7z filter=lfs diff=lfs merge=lfs -text
*.arrow filter=lfs diff=lfs merge=lfs -text
*.bin filter=lfs diff=lfs merge=lfs -text
*.bz2 filter=lfs diff=lfs merge=lfs -text
*.ckpt filter=lfs diff=lfs merge=lfs -text
*.gz filter=lfs diff=lfs merge=lfs -text
*.h5 filter=lfs diff=lfs merge=lfs -text
*.lz4 filter=lfs diff=lfs merge=lfs -text
*.npy filter=lfs diff=lfs merge=lfs -text
*.npz filter=lfs diff=lfs merge=lfs -text
*.onnx filter=lfs diff=lfs merge=lfs -text
*.parquet filter=lfs diff=lfs merge=lfs -text
*.pickle filter=lfs diff=lfs merge=lfs -text
*.pkl filter=lfs diff=lfs merge=lfs -text
*.pt filter=lfs diff=lfs merge=lfs -text
*.safetensors filter=lfs diff=lfs merge=lfs -text
*.tar filter=lfs diff=lfs merge=lfs -text
*.xz filter=lfs diff=lfs merge=lfs -text
*.zip filter=lfs diff=lfs merge=lfs -text
*.zst filter=lfs diff=lfs merge=lfs -text
"""
# Files at least this big go through LFS whatever .gitattributes says (the Hub's rule is 10 MB).
LFS_SIZE_THRESHOLD = 10 * 1024 * 1024
REPO_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
_COMMIT_SHA = re.compile(r"^[0-9a-f]{40}$")


def git_blob_oid(data: bytes) -> str:
    """The git object id of a blob holding ``data``."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    """The git-lfs pointer file that git stores in place of an LFS object."""
    return (
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()
    )


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class Blob:
    """One file's content, and whether the repo stores it through LFS."""

    data: bytes
    lfs: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def oid(self) -> str:
        """The git object id: of the pointer file for LFS content, of the bytes otherwise."""
        if self.lfs:
            return git_blob_oid(lfs_pointer(self.sha256, len(self.data)))
        return git_blob_oid(self.data)

    def entry(self, path: str, *, lfs_details: bool = True) -> dict[str, Any]:
        """The JSON the Hub returns for this file in tree and paths-info listings."""
        out: dict[str, Any] = {
            "type": "file",
            "oid": self.oid,
            "size": len(self.data),
            "path": path,
        }
        if self.lfs and lfs_details:
            pointer = lfs_pointer(self.sha256, len(self.data))
            out["lfs"] = {"oid": self.sha256, "size": len(self.data), "pointerSize": len(pointer)}
        return out


@dataclass(frozen=True, slots=True)
class Commit:
    """A snapshot of a repo: every file, the parent commit and the message."""

    sha: str
    parent: str | None
    files: dict[str, Blob]
    title: str
    message: str
    date: datetime

    def folders(self) -> set[str]:
        """Every folder that holds at least one file (git has no empty folders)."""
        out: set[str] = set()
        for path in self.files:
            parts = path.split("/")[:-1]
            out.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        return out

    def folder_oid(self, folder: str) -> str:
        """A stable id for a folder's content (a hash of its entries, like a git tree id)."""
        prefix = folder + "/"
        digest = hashlib.sha1(usedforsecurity=False)
        for path in sorted(p for p in self.files if p.startswith(prefix)):
            digest.update(f"{path}\0{self.files[path].oid}\n".encode())
        return digest.hexdigest()


@dataclass(slots=True)
class Repo:
    """A repository: its commits, branches and tags. Mutated only under :attr:`HubStore.lock`."""

    repo_type: str
    repo_id: str
    private: bool
    created: datetime
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    def resolve(self, revision: str) -> Commit:
        """The commit a revision names: a branch, a tag, ``refs/heads|tags/...`` or a commit sha."""
        name = revision
        if name.startswith("refs/heads/"):
            name = name.removeprefix("refs/heads/")
        elif name.startswith("refs/tags/"):
            name = name.removeprefix("refs/tags/")
        sha = self.branches.get(name) or self.tags.get(name)
        if sha is None and _COMMIT_SHA.match(revision) and revision in self.commits:
            sha = revision
        if sha is None:
            raise HubError(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        return self.commits[sha]

    def lfs_patterns(self, commit: Commit) -> list[str]:
        """The patterns that ``.gitattributes`` at ``commit`` sends to LFS."""
        attributes = commit.files.get(".gitattributes")
        if attributes is None:
            return []
        patterns = []
        for line in attributes.data.decode("utf-8", "replace").splitlines():
            parts = line.split()
            if len(parts) >= 2 and "filter=lfs" in parts[1:]:
                patterns.append(parts[0])
        return patterns

    def last_commit(self, head: Commit, path: str) -> Commit:
        """The latest commit, from ``head`` back, that changed ``path`` (a file or a folder)."""

        def state(commit: Commit) -> list[tuple[str, str]]:
            return sorted(
                (p, b.oid) for p, b in commit.files.items() if p == path or p.startswith(path + "/")
            )

        current = head
        while current.parent is not None:
            parent = self.commits[current.parent]
            if state(parent) != state(current):
                return current
            current = parent
        return current


@dataclass(slots=True)
class Fault:
    """An injected failure: requests matching ``method`` and ``path`` (a regex searched in the URL
    path) get ``status`` (or a dropped connection when ``status`` is 0), ``remaining`` more times
    (None: for ever). With ``after``, the request is carried out first and only its answer is
    lost (the connection is dropped): the case of a commit that landed unbeknown to the client."""

    method: str
    path: re.Pattern[str]
    status: int
    remaining: int | None
    after: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    hits: int = 0


class HubError(Exception):
    """An error answer: HTTP status, the Hub's ``X-Error-Code`` (may be empty) and a message."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


class HubStore:
    """The in-memory state of the stand-in Hub, shared by all request threads.

    ``token``: when set, writes need ``Authorization: Bearer <token>`` and private repos are
    visible only with it. ``page_size``: entries per page of tree listings (the Hub uses 1000).
    ``lfs_details``: whether listings give LFS files' SHA-256 (``lfs``); turned off, only the git
    blob id of the pointer tells the content, as for files a listing only knows by Xet hash.
    """

    def __init__(
        self, *, token: str | None = None, page_size: int = 1000, lfs_details: bool = True
    ) -> None:
        self.lock = threading.RLock()
        self.token = token
        self.page_size = page_size
        self.lfs_details = lfs_details
        self.repos: dict[tuple[str, str], Repo] = {}
        self.lfs: dict[str, bytes] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, int]] = []
        self.unhandled: list[str] = []
        self._counter = itertools.count()

    # -- for tests ----------------------------------------------------------------------------

    def inject(
        self,
        method: str,
        path: str,
        *,
        status: int = 503,
        times: int | None = 1,
        after: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Make the next ``times`` requests (all, if None) whose method is ``method`` and whose URL
        path matches the regex ``path`` fail with ``status``, or drop the connection if it is 0.
        ``after=True`` carries the request out and then drops the connection (status is unused);
        ``headers`` are added to the error answer (e.g. ``Retry-After``)."""
        fault = Fault(method.upper(), re.compile(path), status, times, after, dict(headers or {}))
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every injected failure."""
        with self.lock:
            self.faults.clear()

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first active fault matching this request, counting it as used."""
        with self.lock:
            for fault in self.faults:
                if fault.method == method and fault.path.search(path):
                    if fault.remaining is not None:
                        if fault.remaining <= 0:
                            continue
                        fault.remaining -= 1
                    fault.hits += 1
                    return fault
        return None

    def repo(self, repo_type: str, repo_id: str) -> Repo:
        """The repo, or a RepoNotFound error."""
        with self.lock:
            found = self.repos.get((repo_type, repo_id))
        if found is None:
            raise HubError(404, "RepoNotFound", f"Repository not found: {repo_type}s/{repo_id}")
        return found

    def files_at(self, repo_type: str, repo_id: str, revision: str) -> dict[str, bytes]:
        """Every file of the repo at a revision, as bytes (for assertions in tests)."""
        with self.lock:
            commit = self.repo(repo_type, repo_id).resolve(revision)
            return {path: blob.data for path, blob in commit.files.items()}

    # -- state changes --------------------------------------------------------------------------

    def new_commit(
        self, repo: Repo, parent: Commit | None, files: dict[str, Blob], title: str, message: str
    ) -> Commit:
        """Record a commit (the caller moves the branch)."""
        with self.lock:
            serial = next(self._counter)
            digest = hashlib.sha1(usedforsecurity=False)
            digest.update(f"{parent.sha if parent else ''}\n{serial}\n{title}\n".encode())
            for path in sorted(files):
                digest.update(f"{path}\0{files[path].oid}\n".encode())
            commit = Commit(
                digest.hexdigest(),
                parent.sha if parent else None,
                files,
                title,
                message,
                datetime.now(UTC),
            )
            repo.commits[commit.sha] = commit
            return commit

    def create_repo(self, repo_type: str, repo_id: str, *, private: bool) -> Repo:
        """A new repo whose ``main`` holds the default ``.gitattributes``; 409 if it exists."""
        with self.lock:
            if (repo_type, repo_id) in self.repos:
                raise HubError(409, "", f"You already created this {repo_type} repo")
            repo = Repo(repo_type, repo_id, private, datetime.now(UTC))
            initial = self.new_commit(
                repo,
                None,
                {".gitattributes": Blob(DEFAULT_GITATTRIBUTES, False)},
                "initial commit",
                "",
            )
            repo.branches["main"] = initial.sha
            self.repos[(repo_type, repo_id)] = repo
            return repo


# -- the HTTP layer ----------------------------------------------------------------------------

_REPO = r"(?P<ns>[^/]+)/(?P<name>[^/]+?)"
_API = rf"^/api/(?P<kind>models|datasets|spaces)/{_REPO}"
_PREFIXED = rf"^/(?:(?P<kind>datasets|spaces)/)?{_REPO}"

Handler = Callable[["_Request", dict[str, str]], None]


class _Request(BaseHTTPRequestHandler):
    """One HTTP request against the :class:`HubStore` of the server."""

    protocol_version = "HTTP/1.1"
    server: _Server
    body: bytes = b""
    _status: int = 0

    # BaseHTTPRequestHandler calls do_<METHOD>.
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: requests are kept in :attr:`HubStore.requests` instead of printed."""

    # -- plumbing ---------------------------------------------------------------------------------

    @property
    def store(self) -> HubStore:
        return self.server.store

    @property
    def base_url(self) -> str:
        return f"http://{self.headers.get('Host', '127.0.0.1')}"

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self, method: str) -> None:
        self.body = self._read_body()
        url = urlsplit(self.path)
        status = 500
        try:
            fault = self.store.take_fault(method, url.path)
            if fault is not None and fault.after:
                self.wfile = io.BytesIO()  # carry the request out, throw the answer away
                self.close_connection = True
            elif fault is not None and fault.status == 0:
                self.close_connection = True
                status = 0
                return
            elif fault is not None:
                raise HubError(
                    fault.status, "", f"injected failure ({fault.status})", fault.headers
                )
            for route_method, pattern, handler in _ROUTES:
                if route_method != method and not (route_method == "GET" and method == "HEAD"):
                    continue
                match = pattern.match(url.path)
                if match:
                    params = {k: unquote(v) for k, v in match.groupdict(default="").items()}
                    handler(self, params)
                    status = 0 if fault is not None else self._status
                    return
            message = f"route not implemented by the Hub stand-in: {method} {url.path}"
            with self.store.lock:
                self.store.unhandled.append(f"{method} {self.path}")
            print(f"[hub stand-in] UNHANDLED {method} {self.path}", file=sys.stderr, flush=True)
            raise HubError(404, "", message)
        except HubError as err:
            status = err.status
            self._error(err)
        except Exception as exc:  # a bug in the stand-in: say so loudly, answer 500
            print(
                f"[hub stand-in] CRASH {method} {self.path}: {exc!r}", file=sys.stderr, flush=True
            )
            with self.store.lock:
                self.store.unhandled.append(f"CRASH {method} {self.path}: {exc!r}")
            self._error(HubError(500, "", f"stand-in crashed: {exc!r}"))
        finally:
            with self.store.lock:
                self.store.requests.append((method, url.path, status))

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self._status = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, value: Any, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(value).encode(), "application/json", headers)

    def _error(self, err: HubError) -> None:
        headers = {"X-Error-Message": err.message, **err.headers}
        if err.code:
            headers["X-Error-Code"] = err.code
        self._json({"error": err.message}, err.status, headers)

    def _bearer(self) -> str | None:
        value = self.headers.get("Authorization", "")
        return value.removeprefix("Bearer ").strip() if value.startswith("Bearer ") else None

    def _require_write(self) -> None:
        """Writes need the server's token when it has one."""
        if self.store.token is not None and self._bearer() != self.store.token:
            raise HubError(401, "", "Invalid credentials in Authorization header")

    def _repo(self, params: dict[str, str], *, write: bool = False) -> Repo:
        if write:
            self._require_write()
        repo_type = REPO_TYPES[params.get("kind") or "models"]
        repo = self.store.repo(repo_type, f"{params['ns']}/{params['name']}")
        if repo.private and self.store.token is not None and self._bearer() != self.store.token:
            raise HubError(404, "RepoNotFound", "Repository not found")
        return repo

    def _json_body(self) -> Any:
        try:
            return json.loads(self.body or b"{}")
        except json.JSONDecodeError as exc:
            raise HubError(400, "", f"request body is not JSON: {exc}") from exc

    def _query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)


def _truthy(values: list[str] | None) -> bool:
    return bool(values) and values[-1].lower() in {"1", "true", "yes"}  # type: ignore[index]


# -- repos ---------------------------------------------------------------------------------------


def _create_repo(req: _Request, _: dict[str, str]) -> None:
    req._require_write()
    payload = req._json_body()
    name, organization = payload.get("name"), payload.get("organization")
    if not name:
        raise HubError(400, "", "missing repo name")
    repo_id = f"{organization}/{name}" if organization else f"stand-in-user/{name}"
    repo_type = payload.get("type") or "model"
    private = bool(payload.get("private")) or payload.get("visibility") == "private"
    try:
        req.store.create_repo(repo_type, repo_id, private=private)
    except HubError as err:
        url = f"{req.base_url}/{'' if repo_type == 'model' else repo_type + 's/'}{repo_id}"
        req._json({"error": err.message, "url": url}, err.status)
        return
    prefix = "" if repo_type == "model" else f"{repo_type}s/"
    req._json({"url": f"{req.base_url}/{prefix}{repo_id}", "name": repo_id, "id": repo_id})


def _delete_repo(req: _Request, _: dict[str, str]) -> None:
    req._require_write()
    payload = req._json_body()
    org, name = payload.get("organization"), payload.get("name")
    repo_id = f"{org}/{name}" if org else f"stand-in-user/{name}"
    with req.store.lock:
        if req.store.repos.pop((payload.get("type") or "model", repo_id), None) is None:
            raise HubError(404, "RepoNotFound", f"Repository not found: {repo_id}")
    req._json({})


def _repo_info(req: _Request, params: dict[str, str]) -> None:
    repo = req._repo(params)
    with req.store.lock:
        commit = repo.resolve(params.get("rev") or "main")
        blobs = _truthy(req._query().get("blobs"))
        siblings = []
        for path in sorted(commit.files):
            sibling: dict[str, Any] = {"rfilename": path}
            if blobs:
                blob = commit.files[path]
                sibling.update(size=len(blob.data), blobId=blob.oid)
                if blob.lfs:
                    pointer = lfs_pointer(blob.sha256, len(blob.data))
                    sibling["lfs"] = {
                        "size": len(blob.data),
                        "sha256": blob.sha256,
                        "pointerSize": len(pointer),
                    }
            siblings.append(sibling)
        card = _card_data(commit.files.get("README.md"))
        req._json(
            {
                "_id": hashlib.sha1(repo.repo_id.encode(), usedforsecurity=False).hexdigest()[:24],
                "id": repo.repo_id,
                "author": repo.repo_id.split("/")[0],
                "sha": commit.sha,
                "lastModified": _iso(commit.date),
                "createdAt": _iso(repo.created),
                "private": repo.private,
                "gated": False,
                "disabled": False,
                "downloads": 0,
                "likes": 0,
                "tags": [],
                "cardData": card,
                "siblings": siblings,
                "usedStorage": sum(len(b.data) for b in commit.files.values()),
            }
        )


def _card_data(readme: Blob | None) -> dict[str, Any] | None:
    """The YAML header of a README, as the Hub returns it in ``cardData``."""
    if readme is None:
        return None
    header = _front_matter(readme.data.decode("utf-8", "replace"))
    if header is None:
        return None
    try:
        loaded = yaml.safe_load(header)
    except yaml.YAMLError:
        return None
    return loaded if isinstance(loaded, dict) else None


def _front_matter(text: str) -> str | None:
    match = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", text, re.DOTALL)
    return match.group(1) if match else None


def _validate_yaml(req: _Request, _: dict[str, str]) -> None:
    payload = req._json_body()
    header = _front_matter(str(payload.get("content", "")))
    if header is not None:
        try:
            loaded = yaml.safe_load(header)
        except yaml.YAMLError as exc:
            req._json({"errors": [{"message": f"Invalid YAML: {exc}"}], "warnings": []}, 400)
            return
        if loaded is not None and not isinstance(loaded, dict):
            req._json({"errors": [{"message": "metadata must be a mapping"}], "warnings": []}, 400)
            return
    req._json({"errors": [], "warnings": []})


def _whoami(req: _Request, _: dict[str, str]) -> None:
    if req.store.token is not None and req._bearer() != req.store.token:
        raise HubError(401, "", "Invalid credentials in Authorization header")
    req._json(
        {
            "type": "user",
            "id": "0",
            "name": "stand-in-user",
            "fullname": "Stand-in user",
            "orgs": [],
            "auth": {
                "type": "access_token",
                "accessToken": {"displayName": "test", "role": "write"},
            },
        }
    )


# -- refs ----------------------------------------------------------------------------------------


def _refs(req: _Request, params: dict[str, str]) -> None:
    repo = req._repo(params)
    with req.store.lock:
        branches = [
            {"name": n, "ref": f"refs/heads/{n}", "targetCommit": s}
            for n, s in sorted(repo.branches.items())
        ]
        tags = [
            {"name": n, "ref": f"refs/tags/{n}", "targetCommit": s}
            for n, s in sorted(repo.tags.items())
        ]
    out: dict[str, Any] = {"branches": branches, "converts": [], "tags": tags}
    if _truthy(req._query().get("include_prs")):
        out["pullRequests"] = []
    req._json(out)


def _create_tag(req: _Request, params: dict[str, str]) -> None:
    repo = req._repo(params, write=True)
    tag = str(req._json_body().get("tag") or "")
    if not tag:
        raise HubError(400, "", "missing tag name")
    with req.store.lock:
        commit = repo.resolve(params["rev"])
        if tag in repo.tags:
            raise HubError(409, "", f"Tag {tag} already exists")
        repo.tags[tag] = commit.sha
    req._json({})


def _delete_tag(req: _Request, params: dict[str, str]) -> None:
    repo = req._repo(params, write=True)
    with req.store.lock:
        if repo.tags.pop(params["rev"], None) is None:
            raise HubError(404, "RevisionNotFound", f"Tag {params['rev']} not found")
    req._json({})


def _create_branch(req: _Request, params: dict[str, str]) -> None:
    repo = req._repo(params, write=True)
    payload = req._json_body()
    with req.store.lock:
        if params["rev"] in repo.branches:
            raise HubError(409, "", f"Branch {params['rev']} already exists")
        start = repo.resolve(str(payload.get("startingPoint") or "main"))
        if payload.get("emptyBranch"):
            start = req.store.new_commit(repo, None, {}, "empty branch", "")
        repo.branches[params["rev"]] = start.sha
    req._json({})


def _delete_branch(req: _Request, params: dict[str, str]) -> None:
    repo = req._repo(params, write=True)
    with req.store.lock:
        if params["rev"] == "main" or repo.branches.pop(params["rev"], None) is None:
            raise HubError(
                400 if params["rev"] == "main" else 404, "", f"cannot delete {params['rev']}"
            )
    req._json({})


def _commits(req: _Request, params: dict[str, str]) -> None:
    repo = req._repo(params)
    out = []
    with req.store.lock:
        current: Commit | None = repo.resolve(params["rev"])
        while current is not None:
            out.append(
                {
                    "id": current.sha,
                    "title": current.title,
                    "message": current.message,
                    "authors": [{"user": "stand-in-user"}],
                    "date": _iso(current.date),
                }
            )
            current = repo.commits[current.parent] if current.parent else None
    req._json(out)


# -- listing -------------------------------------------------------------------------------------


def _entry(store: HubStore, repo: Repo, commit: Commit, path: str, expand: bool) -> dict[str, Any]:
    blob = commit.files.get(path)
    entry: dict[str, Any] = (
        blob.entry(path, lfs_details=store.lfs_details)
        if blob is not None
        else {"type": "directory", "oid": commit.folder_oid(path), "size": 0, "path": path}
    )
    if expand:
        last = repo.last_commit(commit, path)
        entry["lastCommit"] = {"id": last.sha, "title": last.title, "date": _iso(last.date)}
    return entry


def _tree(req: _Request, params: dict[str, str]) -> None:
    repo = req._repo(params)
    query = req._query()
    recursive, expand = _truthy(query.get("recursive")), _truthy(query.get("expand"))
    folder = params.get("path", "").strip("/")
    with req.store.lock:
        commit = repo.resolve(params["rev"])
        folders = commit.folders()
        if folder and folder not in folders:
            raise HubError(404, "EntryNotFound", f"{folder} does not exist on {params['rev']}")
        prefix = folder + "/" if folder else ""
        paths = sorted(
            p
            for p in (set(commit.files) | folders)
            if p.startswith(prefix) and (recursive or "/" not in p[len(prefix) :])
        )
        cursor = int((query.get("cursor") or ["0"])[-1])
        page = paths[cursor : cursor + req.store.page_size]
        entries = [_entry(req.store, repo, commit, p, expand) for p in page]
    headers = {}
    if cursor + req.store.page_size < len(paths):
        url = urlsplit(req.path)
        next_query = f"recursive={recursive}&expand={expand}&cursor={cursor + req.store.page_size}"
        headers["Link"] = f'<{req.base_url}{url.path}?{next_query}>; rel="next"'
    req._json(entries, headers=headers)


def _paths_info(req: _Request, params: dict[str, str]) -> None:
    repo = req._repo(params)
    content_type = req.headers.get("Content-Type", "")
    if content_type.startswith("application/json"):
        payload = req._json_body()
        paths, expand = list(payload.get("paths", [])), bool(payload.get("expand"))
    else:
        form = parse_qs(req.body.decode())
        paths, expand = form.get("paths", []), _truthy(form.get("expand"))
    with req.store.lock:
        commit = repo.resolve(params["rev"])
        folders = commit.folders()
        entries = [
            _entry(req.store, repo, commit, p.strip("/"), expand)
            for p in paths
            if p.strip("/") in commit.files or p.strip("/") in folders
        ]
    req._json(entries)


# -- uploads -------------------------------------------------------------------------------------


def _preupload(req: _Request, params: dict[str, str]) -> None:
    repo = req._repo(params, write=True)
    payload = req._json_body()
    with req.store.lock:
        commit = repo.resolve(params["rev"])
        patterns = repo.lfs_patterns(commit)
    files = []
    for item in payload.get("files", []):
        path, size = str(item["path"]), int(item["size"])
        sample = base64.b64decode(item.get("sample", ""))
        lfs = (
            size >= LFS_SIZE_THRESHOLD
            or b"\0" in sample
            or any(
                fnmatch.fnmatch(path.rsplit("/", 1)[-1], p) or fnmatch.fnmatch(path, p)
                for p in patterns
            )
        )
        existing = commit.files.get(path)
        oid = None
        if existing is not None:
            oid = existing.sha256 if existing.lfs else existing.oid
        files.append(
            {
                "path": path,
                "uploadMode": "lfs" if lfs else "regular",
                "shouldIgnore": False,
                "oid": oid,
            }
        )
    req._json({"files": files, "commitOid": commit.sha})


def _lfs_batch(req: _Request, params: dict[str, str]) -> None:
    req._repo(params, write=True)
    payload = req._json_body()
    if payload.get("operation") != "upload":
        raise HubError(
            400, "", f"the stand-in only supports LFS uploads, not {payload.get('operation')!r}"
        )
    objects = []
    for item in payload.get("objects", []):
        oid, size = str(item["oid"]), int(item["size"])
        entry: dict[str, Any] = {"oid": oid, "size": size}
        with req.store.lock:
            present = oid in req.store.lfs
        if not present:
            href = f"{req.base_url}/lfs-storage/{oid}"
            entry["authenticated"] = True
            entry["actions"] = {
                "upload": {"href": f"{href}?size={size}"},
                "verify": {"href": f"{href}/verify"},
            }
        objects.append(entry)
    req._send(
        200,
        json.dumps({"transfer": "basic", "objects": objects}).encode(),
        "application/vnd.git-lfs+json",
    )


def _lfs_put(req: _Request, params: dict[str, str]) -> None:
    oid = params["oid"]
    if hashlib.sha256(req.body).hexdigest() != oid:
        raise HubError(400, "", f"uploaded content does not hash to {oid}")
    size = req._query().get("size")
    if size and int(size[-1]) != len(req.body):
        raise HubError(400, "", f"uploaded {len(req.body)} bytes, expected {size[-1]}")
    with req.store.lock:
        req.store.lfs[oid] = req.body
    req._send(200, b"", "text/plain")


def _lfs_verify(req: _Request, params: dict[str, str]) -> None:
    payload = req._json_body()
    with req.store.lock:
        data = req.store.lfs.get(params["oid"])
    if data is None or len(data) != int(payload.get("size", len(data))):
        raise HubError(404, "", f"LFS object {params['oid']} is not stored")
    req._json({})


def _commit(req: _Request, params: dict[str, str]) -> None:
    repo = req._repo(params, write=True)
    if _truthy(req._query().get("create_pr")):
        raise HubError(400, "", "the stand-in does not support pull requests (create_pr)")
    lines = [json.loads(line) for line in req.body.splitlines() if line.strip()]
    if not lines or lines[0].get("key") != "header":
        raise HubError(400, "", "commit payload must start with a header line")
    header = lines[0]["value"]
    with req.store.lock:
        branch = params["rev"]
        if branch not in repo.branches:
            raise HubError(
                404, "RevisionNotFound", f"Invalid rev id: {branch} (commits go to branches)"
            )
        parent = repo.commits[repo.branches[branch]]
        expected = header.get("parentCommit")
        if expected is not None and expected != parent.sha:
            raise HubError(
                412, "", f"A commit has happened since: {branch} is at {parent.sha}, not {expected}"
            )
        files = dict(parent.files)
        for line in lines[1:]:
            key, value = line.get("key"), line.get("value", {})
            path = str(value.get("path", "")).strip("/")
            if key == "file":
                if value.get("encoding", "base64") != "base64":
                    raise HubError(400, "", f"unsupported encoding {value.get('encoding')!r}")
                files[path] = Blob(base64.b64decode(value["content"]), False)
            elif key == "lfsFile":
                data = req.store.lfs.get(str(value.get("oid")))
                if data is None:
                    raise HubError(
                        400, "", f"LFS object {value.get('oid')} for {path} was never uploaded"
                    )
                files[path] = Blob(data, True)
            elif key == "deletedFile":
                if files.pop(path, None) is None:
                    raise HubError(
                        404, "EntryNotFound", f"A file with this name doesn't exist: {path}"
                    )
            elif key == "deletedFolder":
                doomed = [p for p in files if p.startswith(path + "/")]
                if not doomed:
                    raise HubError(
                        404, "EntryNotFound", f"A folder with this name doesn't exist: {path}"
                    )
                for p in doomed:
                    del files[p]
            else:
                raise HubError(400, "", f"the stand-in does not support commit operation {key!r}")
        commit = req.store.new_commit(
            repo,
            parent,
            files,
            str(header.get("summary") or ""),
            str(header.get("description") or ""),
        )
        repo.branches[branch] = commit.sha
    prefix = "" if repo.repo_type == "model" else f"{repo.repo_type}s/"
    req._json(
        {
            "success": True,
            "commitOid": commit.sha,
            "commitUrl": f"{req.base_url}/{prefix}{repo.repo_id}/commit/{commit.sha}",
            "pullRequestUrl": None,
        }
    )


# -- downloads -----------------------------------------------------------------------------------


def _resolve(req: _Request, params: dict[str, str]) -> None:
    repo = req._repo(params)
    with req.store.lock:
        commit = repo.resolve(params["rev"])
        blob = commit.files.get(params["path"])
    if blob is None:
        raise HubError(404, "EntryNotFound", f"Entry not found: {params['path']}")
    etag = blob.sha256 if blob.lfs else blob.oid
    headers = {
        "ETag": f'"{etag}"',
        "X-Repo-Commit": commit.sha,
        "Accept-Ranges": "bytes",
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(params['path'].split('/')[-1])}",
    }
    if blob.lfs:
        headers.update({"X-Linked-Etag": f'"{etag}"', "X-Linked-Size": str(len(blob.data))})
    data, status = blob.data, 200
    byte_range = req.headers.get("Range")
    if byte_range:
        start, end = _parse_range(byte_range, len(data))
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{len(data)}"
        data, status = data[start:end], 206
    req._send(status, data, "application/octet-stream", headers)


def _parse_range(value: str, size: int) -> tuple[int, int]:
    """``bytes=a-b``, ``bytes=a-`` or ``bytes=-n`` as a half-open ``[start, end)``; else 416."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", value.strip())
    if not match or match.groups() == ("", ""):
        raise HubError(416, "", f"unsupported Range {value!r}")
    first, last = match.groups()
    if first == "":
        start, end = max(0, size - int(last)), size
    else:
        start, end = int(first), min(size, int(last) + 1) if last else size
    if start >= size and size > 0:
        raise HubError(416, "", f"Range {value!r} outside a file of {size} bytes")
    return start, end


def _route(method: str, pattern: str, handler: Handler) -> tuple[str, re.Pattern[str], Handler]:
    return method, re.compile(pattern), handler


_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    _route("POST", r"^/api/repos/create$", _create_repo),
    _route("DELETE", r"^/api/repos/delete$", _delete_repo),
    _route("POST", r"^/api/validate-yaml$", _validate_yaml),
    _route("GET", r"^/api/whoami-v2$", _whoami),
    _route("GET", _API + r"(?:/revision/(?P<rev>[^/]+))?$", _repo_info),
    _route("GET", _API + r"/refs$", _refs),
    _route("POST", _API + r"/tag/(?P<rev>[^/]+)$", _create_tag),
    _route("DELETE", _API + r"/tag/(?P<rev>[^/]+)$", _delete_tag),
    _route("POST", _API + r"/branch/(?P<rev>[^/]+)$", _create_branch),
    _route("DELETE", _API + r"/branch/(?P<rev>[^/]+)$", _delete_branch),
    _route("GET", _API + r"/commits/(?P<rev>[^/]+)$", _commits),
    _route("GET", _API + r"/tree/(?P<rev>[^/]+)(?:/(?P<path>.*))?$", _tree),
    _route("POST", _API + r"/paths-info/(?P<rev>[^/]+)$", _paths_info),
    _route("POST", _API + r"/preupload/(?P<rev>[^/]+)$", _preupload),
    _route("POST", _API + r"/commit/(?P<rev>[^/]+)$", _commit),
    _route("POST", _PREFIXED + r"\.git/info/lfs/objects/batch$", _lfs_batch),
    _route("PUT", r"^/lfs-storage/(?P<oid>[0-9a-f]{64})$", _lfs_put),
    _route("POST", r"^/lfs-storage/(?P<oid>[0-9a-f]{64})/verify$", _lfs_verify),
    _route("GET", _PREFIXED + r"/resolve/(?P<rev>[^/]+)/(?P<path>.+)$", _resolve),
]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    store: HubStore


class HubServer:
    """The stand-in served on ``127.0.0.1:port`` (0: any free port) from a background thread.

    Use as a context manager, or call :meth:`start` and :meth:`stop`. :attr:`url` is the value for
    ``HF_ENDPOINT``.
    """

    def __init__(self, store: HubStore | None = None, *, port: int = 0) -> None:
        self.store = store if store is not None else HubStore()
        self._server = _Server(("127.0.0.1", port), _Request)
        self._server.store = self.store
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="hub-stand-in", daemon=True
        )

    def use(self, store: HubStore) -> None:
        """Serve ``store`` from now on (a fresh Hub for the next test, same port)."""
        self.store = store
        self._server.store = store

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def iter_requests(store: HubStore, method: str, pattern: str) -> Iterator[tuple[str, str, int]]:
    """The logged requests with this method whose path matches the regex ``pattern``."""
    regex = re.compile(pattern)
    with store.lock:
        logged = list(store.requests)
    return (r for r in logged if r[0] == method and regex.search(r[1]))
