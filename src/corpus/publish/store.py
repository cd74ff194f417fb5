"""Release stores that are fsspec URLs (``s3://bucket/releases``, ``gs://...``, ``memory://...``).

A release store is a local folder or any fsspec URL; both hold ``STORE/NAME/vX.Y.Z/`` with the
same files. A local store is handled by :mod:`corpus.publish.builder` with folder renames; this
module is the remote side.

The rule for a remote store, as for a local one: **a release exists when its**
``STORE/NAME/vX.Y.Z/manifest.json`` **exists**. Object stores have no atomic rename, so a build
stages the release in a local folder (as for a local store), then publishes it by uploading
every other file first and ``manifest.json`` last. Listing, ``latest``, version numbering, the
up-to-date check, ``corpus diff`` and :func:`corpus.load` only ever take a folder with a
manifest for a release, so a reader never sees a partial one: an upload that fails or is killed
leaves at most files without a manifest, which the next publish of that version clears first.
Replacing a release (``overwrite``) deletes its manifest before anything else: the old version
stops existing at that moment, and the new one exists when its manifest is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.errors import ConfigError, PublishError
from corpus.publish.layout import MANIFEST, Version
from corpus.publish.manifest import Manifest

__all__ = [
    "ReleaseExistsError",
    "RemoteStore",
    "default_cache_dir",
    "fetch_release",
    "is_local",
    "is_release_url",
    "is_url",
    "open_store",
    "read_manifest",
    "store_error",
    "url_to_fs",
]

#: The distribution's folder in the user's cache directory.
_CACHE_APP = "news-corpus"


class ReleaseExistsError(PublishError):
    """The requested version exists with other content and ``overwrite`` was not given."""


def is_url(location: str | os.PathLike[str]) -> bool:
    """True when ``location`` is an fsspec URL (``proto://...`` or a chained ``a::b``)."""
    text = os.fspath(location)
    return "://" in text or "::" in text


def url_to_fs(url: str, storage_options: Mapping[str, Any] | None) -> tuple[Any, str]:
    """``fsspec.core.url_to_fs`` with errors that say what to install or fix."""
    import fsspec  # here: a build of a local corpus into a local store never needs it (60 ms)

    try:
        fs, root = fsspec.core.url_to_fs(url, **dict(storage_options or {}))
    except ImportError as exc:
        raise ConfigError(
            f"cannot open {url}: {exc}; install the fsspec back end of its protocol (for "
            "s3:// pip install 'news-corpus[s3]' or s3fs, for gs:// gcsfs, for az:// adlfs)"
        ) from None
    except ValueError as exc:
        raise ConfigError(f"{url} is not a usable fsspec URL: {exc}") from None
    return fs, str(root)


def is_local(fs: Any) -> bool:
    """True when the fsspec file system ``fs`` is this machine's (``file://``)."""
    protocols = (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
    return "file" in protocols or "local" in protocols


def _cause(exc: BaseException) -> str:
    """The reason of a failed store operation, in one line. Back ends raise ``OSError`` for
    what they understood and their client's own errors otherwise (botocore's
    ``EndpointConnectionError`` for an unreachable endpoint): those are named by type."""
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@dataclass(frozen=True, slots=True)
class RemoteStore:
    """A release store at an fsspec URL: the file system, and the store's path in it."""

    url: str
    root: str
    fs: Any = field(compare=False, repr=False)

    def url_of(self, path: str) -> str:
        """The URL of ``path`` (a path of this store's file system)."""
        return str(self.fs.unstrip_protocol(path))

    def dataset(self, name: str) -> str:
        """The path of ``STORE/NAME``."""
        return f"{self.root}/{name}"

    def releases(self, name: str) -> list[tuple[Version, str]]:
        """The releases of ``name``, oldest first, as (version, URL): the ``vX.Y.Z`` folders
        that hold a ``manifest.json``."""
        found: list[tuple[Version, str]] = []
        try:
            self.fs.invalidate_cache()
            manifests = self.fs.glob(f"{self.dataset(name)}/v*/{MANIFEST}")
        except FileNotFoundError:
            return []
        except Exception as exc:  # the back end's errors: see _cause
            raise PublishError(
                f"cannot list the releases in {self.url_of(self.dataset(name))}: {_cause(exc)}"
            ) from None
        for path in manifests:
            folder = str(path).rsplit("/", 2)[-2]
            try:
                found.append((Version.parse(folder), self.url_of(str(path).rsplit("/", 1)[0])))
            except ConfigError:
                continue
        return sorted(found)

    def publish(self, staged: Path, name: str, version: Version, *, overwrite: bool) -> str:
        """Upload the release folder ``staged`` as ``STORE/NAME/vX.Y.Z``, manifest last; returns
        the release's URL.

        Files left under that prefix without a manifest (a failed publish) are deleted first;
        so is a release of that version when ``overwrite`` is true, starting with its manifest.
        Raises :class:`ReleaseExistsError` when the version exists and ``overwrite`` is false,
        and :class:`PublishError` when an upload fails: no release of that version is visible
        then.
        """
        final = f"{self.dataset(name)}/{version.tag}"
        manifest = f"{final}/{MANIFEST}"
        files = sorted(
            p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file()
        )
        if MANIFEST not in files:
            raise PublishError(f"{staged} holds no {MANIFEST}: it is not a staged release")
        try:
            self.fs.invalidate_cache()
            if self.fs.exists(manifest):
                if not overwrite:
                    raise ReleaseExistsError(
                        f"{self.url_of(final)} appeared while this build ran (another build?); "
                        "nothing was replaced"
                    )
                self.fs.rm_file(manifest)  # the old release ends here
            self.fs.invalidate_cache()
            if self.fs.exists(final):  # leftovers of a failed publish, or the replaced release
                self.fs.rm(final, recursive=True)
            rest = [f for f in files if f != MANIFEST]
            if rest:
                self.fs.put([str(staged / f) for f in rest], [f"{final}/{f}" for f in rest])
            self.fs.put_file(str(staged / MANIFEST), manifest)  # the release exists from here
        except PublishError:
            raise
        except Exception as exc:  # the back end's errors: see _cause
            raise PublishError(
                f"cannot publish release {version.tag} to {self.url_of(final)}: {_cause(exc)}; "
                f"no release {version.tag} is visible there (it has no {MANIFEST}): build again "
                "to publish it"
            ) from None
        return self.url_of(final)


def store_error(exc: Exception, what: str) -> PublishError:
    """A :class:`PublishError` for a failed operation on a remote store: ``what`` failed, and
    the back end's reason."""
    return PublishError(f"{what}: {_cause(exc)}")


def open_store(
    store: str | os.PathLike[str], storage_options: Mapping[str, Any] | None = None
) -> Path | RemoteStore:
    """The local folder of ``store`` (a path, or a ``file://`` URL), or the remote store at it."""
    text = os.fspath(store)
    if not is_url(text):
        if storage_options:
            raise ConfigError(
                f"storage_options were given for the local store {text}: they apply to fsspec "
                "URLs only (e.g. s3://bucket/releases)"
            )
        return Path(text)
    fs, root = url_to_fs(text, storage_options)
    if is_local(fs):
        return Path(root)
    root = str(root).rstrip("/")
    return RemoteStore(url=str(fs.unstrip_protocol(root)), root=root, fs=fs)


def read_manifest(release: str | os.PathLike[str],
                  storage_options: Mapping[str, Any] | None = None) -> Manifest:
    """The manifest of the release at ``release`` (a folder or an fsspec URL)."""
    text = os.fspath(release)
    if not is_url(text):
        return Manifest.read(Path(text))
    fs, root = url_to_fs(text, storage_options)
    where = f"{text.rstrip('/')}/{MANIFEST}"
    try:
        data = fs.cat_file(f"{str(root).rstrip('/')}/{MANIFEST}")
    except FileNotFoundError:
        raise PublishError(
            f"{text} is not a release (it has no {MANIFEST}): pass a release written by "
            "`corpus build`, such as STORE/NAME/vX.Y.Z"
        ) from None
    except Exception as exc:  # the back end's errors: see _cause
        raise PublishError(f"{where}: cannot read the release manifest ({_cause(exc)})") from None
    return Manifest.from_json(bytes(data).decode("utf-8"), where=where)


def is_release_url(location: str, storage_options: Mapping[str, Any] | None = None) -> bool:
    """True when ``location`` is an fsspec URL of a folder holding a ``manifest.json``."""
    if not is_url(location):
        return False
    fs, root = url_to_fs(location, storage_options)
    try:
        return bool(fs.isfile(f"{root.rstrip('/')}/{MANIFEST}"))
    except FileNotFoundError:
        return False
    except Exception as exc:  # the back end's errors: see _cause
        raise PublishError(f"cannot read {location}: {_cause(exc)}") from None


def default_cache_dir(store_url: str) -> Path:
    """Where builds into the remote store ``store_url`` keep their caches by default: a folder
    of the user's cache directory named after the store, so two stores never share one."""
    from platformdirs import user_cache_dir

    digest = hashlib.sha256(store_url.encode("utf-8")).hexdigest()[:16]
    return Path(user_cache_dir(_CACHE_APP)) / "stores" / digest


@contextlib.contextmanager
def fetch_release(release: str | os.PathLike[str],
                  storage_options: Mapping[str, Any] | None = None) -> Iterator[Path]:
    """The release at ``release`` as a local folder: itself when local; for a URL a temporary
    copy (checked to be a release first), removed when the context ends."""
    text = os.fspath(release)
    if not is_url(text):
        yield Path(text)
        return
    fs, root = url_to_fs(text, storage_options)
    if is_local(fs):
        yield Path(root)
        return
    read_manifest(text, storage_options)
    root = str(root).rstrip("/")
    with tempfile.TemporaryDirectory(prefix="corpus-release-") as scratch:
        local = Path(scratch) / root.rsplit("/", 1)[-1]
        try:
            for path in sorted(fs.find(root)):
                target = local / str(path)[len(root) + 1:]
                target.parent.mkdir(parents=True, exist_ok=True)
                fs.get_file(path, str(target))
        except Exception as exc:  # the back end's errors: see _cause
            raise PublishError(f"cannot download the release {text}: {_cause(exc)}") from None
        yield local
