"""The per-document cache of incremental builds.

A build keeps, for every document it processed, what the expensive per-document stages made
of it (the normalised row with its digest, the dedup index entry and the file's rendered
size), for every pair it verified the verdict, and for every pair it related in a cluster the
aligned passages; all keyed by content (the raw bytes' SHA-256 and the file name; the digests
of the two texts) inside a *namespace*: a hash of the library, schema and format versions, of
the cache's own layout and of every setting that shapes the output. It also files each file's
SHA-256 under its stat identity, so an unchanged file is not even read. When 1% of a corpus
changes, the next build reads, parses, normalises, indexes, verifies and relates only what is
new, and its release is byte-identical to a clean build of the same input: cached values are
exactly what the stages would compute again.

The cache is one SQLite file (``STORE/.cache/NAME/pipeline.sqlite`` for a build; WAL mode, so
worker processes of this machine read and write it at once). Entries of other namespaces are
deleted after a successful build, so changing a setting does not grow the cache forever; so
are the per-file entries (:data:`PER_FILE`) of files that left the corpus, once they are many
(:meth:`Cache.track`, :meth:`Cache.prune_unused`), so the cache does not grow with every
file the corpus ever held; and the verdicts and passages of pairs whose texts are gone, once
they have grown by a quarter (:meth:`Cache.prune_pairs`).
For a Dask cluster spread over several machines the cache is off (workers could not share
the file).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import pickle
import socket
import sqlite3
import struct
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any

import pyarrow as pa

__all__ = ["CACHE_FORMAT", "PER_FILE", "PER_PAIR", "Cache", "namespace_of"]

#: The layout of the cached values; part of every namespace, so entries of an older layout are
#: never read (they are pruned after the next build).
CACHE_FORMAT = 12

#: The entries, in insertion order (a table with row ids), found through a unique index of
#: ``(ns, kind, key)``. A document's values (several KB) are stored whole in the table's pages
#: and the entries of one batch next to each other, where a table keyed by ``(ns, kind, key)``
#: (``WITHOUT ROWID``, the layout up to :data:`CACHE_FORMAT` 6) stored about 1 KB of a value
#: in its index page and the rest in two overflow pages, at a random place of the file: a
#: cached document is read about four times faster.
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cache_entries (ns TEXT NOT NULL, kind TEXT NOT NULL,"
    " key BLOB NOT NULL, value BLOB NOT NULL)",
    "CREATE UNIQUE INDEX IF NOT EXISTS cache_entries_key ON cache_entries (ns, kind, key)",
)
#: The table of the layout up to :data:`CACHE_FORMAT` 6, dropped by :meth:`Cache.prune`.
_OLD_TABLE = "entries"
#: The keys of the per-file entries a build used (while :attr:`Cache.track_use` is on).
_USED = "CREATE TABLE IF NOT EXISTS cache_used (key BLOB PRIMARY KEY) WITHOUT ROWID"
#: The namespaces builds running now use (:meth:`Cache.claim`): :meth:`Cache.prune` keeps
#: them, so that a build with other settings that finishes first does not delete the entries
#: of one still running (which then stopped, its cached texts gone).
_CLAIMS = ("CREATE TABLE IF NOT EXISTS cache_claims (token TEXT PRIMARY KEY, ns TEXT NOT NULL,"
           " host TEXT NOT NULL, pid INTEGER NOT NULL, since REAL NOT NULL)")
#: A claim of another host (a store on a shared file system) is taken for a live build for
#: this long: its process cannot be looked up from here.
_FOREIGN_CLAIM_SECONDS = 7 * 24 * 3600.0

#: The kinds of entries kept per input file: a document's results, its text and row (under its
#: cache key) and a file's digest (under its stat identity). When a file leaves the corpus, or
#: changes, its entries are no longer used; :meth:`Cache.prune_unused` deletes them. (A
#: document's text is read only when a phase needs it, but it is kept as long as its results,
#: which are read by every build and share its key.)
PER_FILE = ("doc", "row", "stat", "text")


#: The kinds of entries kept per pair of documents: a verification's verdict and a related
#: pair's aligned passages, keyed by the two documents' content digests (then a tag). Once one
#: of the two texts changes or leaves the corpus, the entry is never asked for again;
#: :meth:`Cache.prune_pairs` deletes such entries once they are many.
PER_PAIR = ("verdict", "evidence")
#: Per-pair entries may grow by this share (and :data:`_PAIRS_SLACK` entries) over their
#: count after the last :meth:`Cache.prune_pairs` before it scans them again.
_PAIRS_GROWTH = 0.25
_PAIRS_SLACK = 4096
#: The kind of the entry holding that count.
_PAIRS_COUNTED = "pairs-counted"

_SIZE = struct.Struct("<Q")


#: Values shorter than this are stored as they are (most verdicts): compressing them saves
#: little and decompressing costs more than the rest of reading them.
_SMALL = 512
_RAW = b"\xff" * _SIZE.size  # in place of the size: a value stored uncompressed
#: Stored values up to this size that are equal as bytes are unpickled once per look-up.
_SHARED = 512
_MISSING = object()


def _pack(data: bytes) -> bytes:
    """LZ4 (through pyarrow), after the size: decompresses about 5x faster than zlib for 15%
    more bytes, and a rebuild decompresses every cached document. Small values stay raw."""
    if len(data) < _SMALL:
        return _RAW + data
    packed: bytes = pa.compress(data, codec="lz4", asbytes=True)
    return _SIZE.pack(len(data)) + packed


def _unpack(blob: bytes) -> bytes:
    if blob.startswith(_RAW):
        return blob[_SIZE.size:]
    (size,) = _SIZE.unpack_from(blob)
    data: bytes = pa.decompress(blob[_SIZE.size:], decompressed_size=size, codec="lz4",
                                asbytes=True)
    return data


#: How long a connection waits for another process's lock before it gives up (seconds).
_TIMEOUT = 120.0


def _set_up(db: sqlite3.Connection) -> None:
    """WAL mode (persistent in the file: switched only once) and the tables."""
    (mode,) = db.execute("PRAGMA journal_mode").fetchone()
    if str(mode).lower() != "wal":
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    for statement in (*_SCHEMA, _USED, _CLAIMS):
        db.execute(statement)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` of this host runs (or cannot be told apart from one that
    does: it exists under another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _retrying(step: Callable[[], None], timeout: float = _TIMEOUT) -> None:
    """Run ``step``, again while SQLite says the file is busy, up to ``timeout`` seconds.

    SQLite's busy timeout does not cover everything: switching a new file to WAL mode takes an
    exclusive lock and answers "database is locked" at once when another process holds the
    file (as when several workers open a new cache together), and so can opening a file whose
    write-ahead log another connection is recovering.
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def namespace_of(parts: Mapping[str, Any]) -> str:
    """The namespace of a build: a digest of everything that decides the cached values."""
    text = repr(sorted((k, repr(v)) for k, v in parts.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class Cache:
    """Get and put pickled values by ``(kind, key)`` in one namespace of a SQLite file.

    Picklable (only the path, namespace and :attr:`track_use` travel); each process opens its
    own connection.
    """

    def __init__(self, path: str | os.PathLike[str], namespace: str, *,
                 track_use: bool = False) -> None:
        self.path = os.fspath(path)
        self.namespace = namespace
        #: Record the key of every per-file entry (:data:`PER_FILE`) read or written, so that
        #: :meth:`prune_unused` can delete the others after the build (see :meth:`track`).
        self.track_use = track_use
        self._db: sqlite3.Connection | None = None
        self._claim = ""  # the token of this object's claim (:meth:`claim`), if any

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "namespace": self.namespace, "track_use": self.track_use}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.path = state["path"]
        self.namespace = state["namespace"]
        self.track_use = bool(state.get("track_use", False))
        self._db = None
        self._claim = ""  # a worker's copy: the claim is the driver's

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            db = sqlite3.connect(self.path, timeout=_TIMEOUT, isolation_level=None)
            try:
                _retrying(lambda: _set_up(db))
            except BaseException:
                db.close()
                raise
            self._db = db
        return self._db

    def get(self, kind: str, keys: Iterable[bytes]) -> dict[bytes, Any]:
        """The cached values of those ``keys`` that are present.

        Small values stored with the same bytes are unpickled once and the object shared
        (cached values are immutable: frozen dataclasses, tuples, bytes): most verdicts are
        the same "unique, no evidence" value, and a rebuild looks some 60,000 of them up."""
        wanted = list(dict.fromkeys(keys))
        found: dict[bytes, Any] = {}
        shared: dict[bytes, Any] = {}
        db = self._connect()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(
                "SELECT key, value FROM cache_entries WHERE ns = ? AND kind = ?"
                f" AND key IN ({marks})",
                (self.namespace, kind, *chunk),
            )
            for key, value in rows:
                if len(value) > _SHARED:
                    found[key] = pickle.loads(_unpack(value))
                    continue
                item = shared.get(value, _MISSING)
                if item is _MISSING:
                    item = shared[value] = pickle.loads(_unpack(value))
                found[key] = item
        if self.track_use and kind in PER_FILE and found:
            with self._transaction() as db:
                self._mark(db, found)
        return found

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection, in a write transaction committed on exit (rolled back on error)."""
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    @staticmethod
    def _mark(db: sqlite3.Connection, keys: Iterable[bytes]) -> None:
        """Record ``keys`` as used (in the caller's transaction)."""
        db.executemany("INSERT OR IGNORE INTO cache_used VALUES (?)", ((k,) for k in keys))

    def put(self, kind: str, items: Iterable[tuple[bytes, Any]]) -> None:
        """Store values (one transaction)."""
        rows = [(self.namespace, kind, key, _pack(pickle.dumps(value, protocol=5)))
                for key, value in items]
        if not rows:
            return
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO cache_entries VALUES (?, ?, ?, ?)", rows)
            if self.track_use and kind in PER_FILE:
                self._mark(db, (row[2] for row in rows))

    def replace(self, kind: str, items: Iterable[tuple[bytes, Any]]) -> None:
        """Store values in place of every value of ``kind`` (one transaction)."""
        rows = [(self.namespace, kind, key, _pack(pickle.dumps(value, protocol=5)))
                for key, value in items]
        with self._transaction() as db:
            db.execute("DELETE FROM cache_entries WHERE ns = ? AND kind = ?",
                       (self.namespace, kind))
            db.executemany("INSERT OR REPLACE INTO cache_entries VALUES (?, ?, ?, ?)", rows)

    def claim(self) -> None:
        """Record that a build of this process uses this namespace until :meth:`close`, so
        that a concurrent build with other settings does not :meth:`prune` it. A claim left
        by a process that died is dropped by the next prune.

        Best effort: a cache that cannot be written now (a full disk, a file-size limit) is
        not claimed, and the build meets the cause where it writes its own files, which name
        it (SQLite says only "disk I/O error")."""
        token = uuid.uuid4().hex
        try:
            with self._transaction() as db:
                db.execute("INSERT INTO cache_claims VALUES (?, ?, ?, ?, ?)",
                           (token, self.namespace, socket.gethostname(), os.getpid(),
                            time.time()))
        except sqlite3.Error:
            return
        self._claim = token

    def _live_claims(self, db: sqlite3.Connection) -> set[str]:
        """The namespaces claimed by builds that still run, after dropping the claims of
        processes of this host that are gone (and of other hosts' that are old)."""
        host, now = socket.gethostname(), time.time()
        live: set[str] = set()
        stale: list[tuple[str]] = []
        for token, ns, owner, pid, since in db.execute(
                "SELECT token, ns, host, pid, since FROM cache_claims").fetchall():
            running = (_alive(int(pid)) if owner == host
                       else now - float(since) < _FOREIGN_CLAIM_SECONDS)
            if running:
                live.add(str(ns))
            else:
                stale.append((token,))
        db.executemany("DELETE FROM cache_claims WHERE token = ?", stale)
        return live

    def prune(self) -> None:
        """Delete the entries of every other namespace (and those of an older layout), except
        the namespaces that running builds have claimed (:meth:`claim`)."""
        with self._transaction() as db:
            kept = sorted(self._live_claims(db) | {self.namespace})
            # Ranges of the key's index between the kept namespaces, not `ns NOT IN (...)`,
            # which scans every entry's row.
            db.execute("DELETE FROM cache_entries WHERE ns < ?", (kept[0],))
            for low, high in itertools.pairwise(kept):
                db.execute("DELETE FROM cache_entries WHERE ns > ? AND ns < ?", (low, high))
            db.execute("DELETE FROM cache_entries WHERE ns > ?", (kept[-1],))
        self._connect().execute(f"DROP TABLE IF EXISTS {_OLD_TABLE}")

    def track(self, files: int) -> bool:
        """Track the use of per-file entries in this build (:attr:`track_use`, forgetting any
        earlier use) if the cache is :meth:`overgrown` for a corpus of ``files`` files; then
        :meth:`prune_unused` after the build. Whether it does."""
        self.track_use = self.overgrown(files)
        if self.track_use:
            self._connect().execute("DELETE FROM cache_used")
        return self.track_use

    def overgrown(self, files: int) -> bool:
        """Whether this namespace holds clearly more per-file entries of a kind than a corpus
        of ``files`` files needs (a tenth more, and at least 64): entries of files that left
        the corpus or changed. Counted on the index, without reading a value."""
        db = self._connect()
        limit = files + max(64, files // 10)
        for kind in ("doc", "stat"):
            (count,) = db.execute(
                "SELECT count(*) FROM cache_entries WHERE ns = ? AND kind = ?",
                (self.namespace, kind)).fetchone()
            if count > limit:
                return True
        return False

    def prune_unused(self) -> int:
        """Delete this namespace's per-file entries (:data:`PER_FILE`) that were neither read
        nor written since use was last tracked (:attr:`track_use`), and forget that use.
        Call it after a successful build that tracked its use (it does nothing unless
        :attr:`track_use` is on); returns how many were deleted.
        """
        if not self.track_use:
            return 0
        kinds = ",".join("?" * len(PER_FILE))
        with self._transaction() as db:
            deleted = db.execute(
                f"DELETE FROM cache_entries WHERE ns = ? AND kind IN ({kinds})"
                " AND key NOT IN (SELECT key FROM cache_used)",
                (self.namespace, *PER_FILE)).rowcount
            db.execute("DELETE FROM cache_used")
        return int(deleted)

    def prune_pairs(self, contents: Iterable[bytes]) -> int:
        """Delete this namespace's per-pair entries (:data:`PER_PAIR`) whose key names a
        document content not in ``contents`` (the digests of the corpus's documents now, all
        of one width), once those entries have grown by a quarter (and 4,096) since the last
        time; returns how many were deleted.

        Each incremental build adds the verdicts of its new pairs and keeps the old ones, whose
        documents may have changed or left: without this, a cache rebuilt after every small
        change grows without end. The scan reads every per-pair key once, so it runs only
        after such growth, not after every build (not after a first rebuild); between scans
        the check is one count on the index, and ``contents`` is not read. Call it once a
        run's dedup is done (its pairs verified and related).
        """
        kinds = ",".join("?" * len(PER_PAIR))
        db = self._connect()
        (count,) = db.execute(
            f"SELECT count(*) FROM cache_entries WHERE ns = ? AND kind IN ({kinds})",
            (self.namespace, *PER_PAIR)).fetchone()
        last = self.get(_PAIRS_COUNTED, [b"count"]).get(b"count")
        if last is not None and count <= last * (1 + _PAIRS_GROWTH) + _PAIRS_SLACK:
            return 0
        deleted = 0
        live = sorted(set(contents)) if last is not None else []
        if live:
            width = len(live[0])
            with self._transaction() as db:
                db.execute("CREATE TEMP TABLE IF NOT EXISTS live_contents"
                           " (digest BLOB PRIMARY KEY) WITHOUT ROWID")
                db.execute("DELETE FROM live_contents")
                db.executemany("INSERT OR IGNORE INTO live_contents VALUES (?)",
                               ((d,) for d in live))
                deleted = db.execute(
                    f"DELETE FROM cache_entries WHERE ns = ? AND kind IN ({kinds}) AND ("
                    "substr(key, 1, ?) NOT IN (SELECT digest FROM live_contents) OR "
                    "substr(key, ? + 1, ?) NOT IN (SELECT digest FROM live_contents))",
                    (self.namespace, *PER_PAIR, width, width, width)).rowcount
                db.execute("DROP TABLE live_contents")
        self.replace(_PAIRS_COUNTED, [(b"count", count - deleted)])
        return int(deleted)

    def close(self) -> None:
        """Release this object's claim (:meth:`claim`), if any, and close the file."""
        try:
            if self._claim:  # best effort: a claim left is dropped once this process is gone
                token, self._claim = self._claim, ""
                with suppress(sqlite3.Error), self._transaction() as db:
                    db.execute("DELETE FROM cache_claims WHERE token = ?", (token,))
        finally:
            if self._db is not None:
                self._db.close()
                self._db = None
