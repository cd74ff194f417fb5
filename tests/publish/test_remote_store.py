"""Release stores at fsspec URLs: ``memory://`` in this process, and S3 through a local server.

The rule under test: a release exists when ``STORE/NAME/vX.Y.Z/manifest.json`` exists; the
manifest is uploaded last, so a failed or interrupted publish leaves no visible release.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import datasets
import fsspec
import pytest
from fsspec.implementations.memory import MemoryFileSystem
from hypothesis import given
from hypothesis import strategies as st

import corpus
from corpus.cli import main
from corpus.errors import ConfigError, PublishError
from corpus.publish.builder import ReleaseExistsError, build
from corpus.publish.layout import MANIFEST, Version
from corpus.publish.store import RemoteStore, fetch_release, open_store, read_manifest
from corpus.schema import features
from hub.server import HubStore

ADDED = "005_00000000000000ff.txt"


def _local_files(release: Path) -> dict[str, bytes]:
    return {p.relative_to(release).as_posix(): p.read_bytes()
            for p in sorted(release.rglob("*")) if p.is_file()}


def _remote_files(url: str) -> dict[str, bytes]:
    fs, root = fsspec.core.url_to_fs(url)
    root = root.rstrip("/")
    return {p[len(root) + 1:]: fs.cat_file(p) for p in sorted(fs.find(root))}


@pytest.fixture
def no_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the user's cache directory into the test's folder."""
    cache = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def _add_document(corpus_dir: Path) -> None:
    source = (corpus_dir / "000_dbad2dc0fe77bb11.txt").read_bytes()
    (corpus_dir / ADDED).write_bytes(source.replace(b"Belarus", b"Ruritania"))


def test_a_remote_release_has_the_bytes_of_a_local_one(
    corpus_dir: Path, tmp_path: Path, memory_store: str
) -> None:
    local = build(corpus_dir, tmp_path / "local", cache=False)
    remote = build(corpus_dir, memory_store, cache_dir=tmp_path / "cache")
    assert remote.status == "built"
    assert remote.remote
    assert remote.url == f"memory:///{memory_store.removeprefix('memory://')}/seeds/v1.0.0"
    assert _remote_files(remote.url) == _local_files(local.path)
    assert remote.manifest == local.manifest
    assert remote.summary()[0] == f"built release seeds v1.0.0: {remote.url}"
    # The incremental cache stayed on this machine, in the folder given for it.
    assert (tmp_path / "cache" / "seeds" / "pipeline.sqlite").is_file()
    assert not any(".cache" in name for name in _remote_files(memory_store))


def test_a_remote_report_has_no_local_folder(
    corpus_dir: Path, tmp_path: Path, memory_store: str
) -> None:
    report = build(corpus_dir, memory_store, cache=False)
    with pytest.raises(PublishError, match=r"remote store.*BuildReport\.url"):
        _ = report.path


def test_building_again_is_up_to_date_and_uploads_nothing(
    corpus_dir: Path, tmp_path: Path, memory_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build(corpus_dir, memory_store, cache=False)
    calls: list[str] = []
    monkeypatch.setattr(MemoryFileSystem, "put_file",
                        lambda self, lpath, rpath, **kw: calls.append(rpath))
    again = build(corpus_dir, memory_store, cache=False)
    assert (again.status, again.url, again.version) == ("up-to-date", first.url, first.version)
    assert calls == []


def test_versions_are_numbered_from_the_remote_store(
    corpus_dir: Path, memory_store: str, no_user_cache: Path
) -> None:
    first = build(corpus_dir, memory_store)
    _add_document(corpus_dir)
    second = build(corpus_dir, memory_store)
    assert second.version == Version(1, 1, 0)
    assert second.previous == Version(1, 0, 0)
    assert second.diff is not None
    assert [d.path for d in second.diff.added] == [ADDED]
    assert second.diff.old == first.url
    kinds = [(e.version, e.kind) for e in second.manifest.changelog]
    assert kinds == [("1.0.0", "initial"), ("1.1.0", "minor")]
    store = open_store(memory_store)
    assert isinstance(store, RemoteStore)
    assert [v for v, _ in store.releases("seeds")] == [Version(1, 0, 0), Version(1, 1, 0)]
    # Without a cache_dir, the cache went to the user's cache directory, not to the store.
    assert list(no_user_cache.rglob("pipeline.sqlite"))


def test_a_version_folder_without_manifest_is_no_release_and_is_cleared(
    corpus_dir: Path, tmp_path: Path, memory_store: str
) -> None:
    build(corpus_dir, memory_store, cache=False)
    fs = fsspec.filesystem("memory")
    base = memory_store.removeprefix("memory://")
    stale = f"/{base}/seeds/v1.1.0/data/default/train-00001-of-00002.parquet"
    fs.pipe(stale, b"left by a publish that died")
    store = open_store(memory_store)
    assert isinstance(store, RemoteStore)
    assert [v for v, _ in store.releases("seeds")] == [Version(1, 0, 0)]
    with pytest.raises(PublishError, match=r"has no manifest\.json"):
        corpus.load(f"{memory_store}/seeds/v1.1.0")

    _add_document(corpus_dir)
    report = build(corpus_dir, memory_store, cache=False)
    assert report.version == Version(1, 1, 0)
    assert not fs.exists(stale)
    local = build(corpus_dir, tmp_path / "local", version="1.1.0", cache=False)
    assert set(_remote_files(report.url)) == set(_local_files(local.path))


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_an_interrupted_publish_leaves_no_visible_release(
    corpus_dir: Path, tmp_path: Path, memory_store: str, monkeypatch: pytest.MonkeyPatch,
    failure: BaseException,
) -> None:
    first = build(corpus_dir, memory_store, cache=False)
    _add_document(corpus_dir)
    real = MemoryFileSystem.put_file
    uploaded: list[str] = []

    def failing(self: MemoryFileSystem, lpath: str, rpath: str, **kwargs: Any) -> None:
        if len(uploaded) == 3:
            raise failure
        uploaded.append(rpath)
        real(self, lpath, rpath, **kwargs)

    monkeypatch.setattr(MemoryFileSystem, "put_file", failing)
    work = tmp_path / "work"
    expected: type[BaseException] = (
        PublishError if isinstance(failure, OSError) else KeyboardInterrupt)
    with pytest.raises(expected) as info:
        build(corpus_dir, memory_store, cache=False, work_dir=work)
    if isinstance(failure, OSError):
        assert "No space left on device" in str(info.value)
        assert "no release v1.1.0 is visible" in str(info.value)
    assert len(uploaded) == 3
    assert not any(path.endswith(MANIFEST) for path in uploaded)
    # Some files of v1.1.0 are there, but it is no release: listing, latest and load agree.
    store = open_store(memory_store)
    assert isinstance(store, RemoteStore)
    assert [v for v, _ in store.releases("seeds")] == [Version(1, 0, 0)]
    assert any("/v1.1.0/" in p for p in fsspec.filesystem("memory").find(store.root))
    with pytest.raises(PublishError, match=r"has no manifest\.json"):
        corpus.load(f"{memory_store}/seeds/v1.1.0")
    assert list(work.iterdir()) == []  # the local staging folder is gone too

    monkeypatch.setattr(MemoryFileSystem, "put_file", real)
    again = build(corpus_dir, memory_store, cache=False, work_dir=work)
    assert (again.status, again.version, again.previous) == (
        "built", Version(1, 1, 0), first.version)
    assert corpus.load(again.url, config="all").num_rows == 6


def test_staging_folders_of_killed_builds_are_removed(
    corpus_dir: Path, tmp_path: Path, memory_store: str
) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    work = tmp_path / "work"
    dead = work / f".build-{socket.gethostname()}-{gone.pid}-0123abcd"
    alive = work / f".build-{socket.gethostname()}-{os.getpid()}-0123abcd"
    other = work / "notes"
    for folder in (dead, alive, other):
        (folder / "data").mkdir(parents=True)
    build(corpus_dir, memory_store, cache=False, work_dir=work)
    assert sorted(p.name for p in work.iterdir()) == sorted([alive.name, other.name])


def test_an_existing_remote_version_is_refused_unless_overwrite(
    corpus_dir: Path, memory_store: str
) -> None:
    first = build(corpus_dir, memory_store, version="1.0.0", cache=False)
    kept = _remote_files(first.url)
    assert corpus.load(first.url, config="all").num_rows == 5
    (corpus_dir / "002_ccf4b0b12e1d7c3c.txt").unlink()
    with pytest.raises(ReleaseExistsError, match=r"v1\.0\.0 already exists in memory://.*"):
        build(corpus_dir, memory_store, version="1.0.0", cache=False)
    assert _remote_files(first.url) == kept
    replaced = build(corpus_dir, memory_store, version="1.0.0", overwrite=True, cache=False)
    assert replaced.status == "overwritten"
    assert read_manifest(replaced.url).counts.documents == 4
    assert corpus.load(replaced.url, config="all").num_rows == 4


def test_load_from_a_remote_store(corpus_dir: Path, memory_store: str) -> None:
    report = build(corpus_dir, memory_store, cache=False)
    everything = corpus.load(report.url, config="all")
    assert everything.features == features()
    assert everything.num_rows == 5
    assert {d.id for d in corpus.documents(everything)} == {
        i.id for i in report.manifest.inputs}
    deduplicated = corpus.load(report.url)
    assert deduplicated.num_rows == report.manifest.counts.rows["default"]
    with pytest.raises(ConfigError, match=r"revision"):
        corpus.load(report.url, revision="v1.0.0")
    with pytest.raises(ConfigError, match=r"config="):
        corpus.load(report.url, config="nope")


def test_diff_report_and_fetch_read_remote_releases(
    corpus_dir: Path, tmp_path: Path, memory_store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    first = build(corpus_dir, memory_store, cache=False)
    _add_document(corpus_dir)
    second = build(corpus_dir, memory_store, cache=False)
    assert main(["diff", first.url, second.url, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["kind"] == "minor"
    assert [d["path"] for d in result["added"]] == [ADDED]

    page = tmp_path / "page.html"
    assert main(["report", second.url, "-o", str(page)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert ADDED in page.read_text(encoding="utf-8") or "Ruritania" in page.read_text(
        encoding="utf-8")

    with fetch_release(second.url) as folder:
        assert folder.name == "v1.1.0"
        assert _local_files(folder) == _remote_files(second.url)
    assert not folder.exists()
    with pytest.raises(PublishError, match=r"has no manifest\.json"), \
            fetch_release(f"{memory_store}/seeds/v9.9.9"):
        pass


def test_push_from_a_remote_store(
    corpus_dir: Path, memory_store: str, hub: HubStore, hub_repo_id: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    secret = "hf_RemoteStoreToken0123456789abcdefgh"
    hub.token = secret
    monkeypatch.setenv("HF_TOKEN", secret)
    report = build(corpus_dir, memory_store, cache=False)
    assert main(["push", report.url, "--repo", hub_repo_id]) == 0
    assert f"published {hub_repo_id}@v1.0.0" in capsys.readouterr().out
    loaded = datasets.load_dataset(hub_repo_id, "all", revision="v1.0.0", split="train")
    assert sorted(loaded["id"]) == sorted(i.id for i in report.manifest.inputs)
    assert main(["push", f"{memory_store}/seeds/v2.0.0", "--repo", hub_repo_id]) == 3
    assert "has no manifest.json" in capsys.readouterr().err


def test_a_failed_read_of_a_remote_shard_is_a_publish_error(
    corpus_dir: Path, memory_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = build(corpus_dir, memory_store, cache=False)

    def lost(self: MemoryFileSystem, path: str, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("connection lost")

    monkeypatch.setattr(MemoryFileSystem, "_open", lost)
    with pytest.raises(PublishError, match=r"cannot read memory://.*\.parquet: RuntimeError: "
                                           r"connection lost"):
        corpus.diff(report.url, report.url)


def test_cli_builds_into_a_memory_store(
    corpus_dir: Path, tmp_path: Path, memory_store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["build", str(corpus_dir), "--out", memory_store, "--engine", "serial",
            "--cache-dir", str(tmp_path / "cache"), "--work-dir", str(tmp_path / "work")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("built release seeds v1.0.0: memory:///")
    assert main(args) == 0
    assert "is up to date: memory:///" in capsys.readouterr().out
    assert (tmp_path / "cache" / "seeds" / "pipeline.sqlite").is_file()
    assert list((tmp_path / "work").iterdir()) == []


def test_worker_processes_build_into_a_memory_store(
    corpus_dir: Path, tmp_path: Path, memory_store: str
) -> None:
    """Only the driver touches the store, so even memory:// works with worker processes."""
    serial = build(corpus_dir, tmp_path / "local", executor="serial", cache=False)
    parallel = build(corpus_dir, memory_store, executor="processes", workers=2, cache=False)
    assert _remote_files(parallel.url) == _local_files(serial.path)


def test_file_urls_are_local_stores(corpus_dir: Path, tmp_path: Path) -> None:
    report = build(corpus_dir, (tmp_path / "store").as_uri(), cache=False)
    assert not report.remote
    assert report.path == tmp_path / "store" / "seeds" / "v1.0.0"
    assert (report.path / MANIFEST).is_file()
    assert corpus.load(f"file://{report.path}", config="all").num_rows == 5


def test_cache_dir_moves_the_cache_of_a_local_store(
    corpus_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, caches = tmp_path / "store", tmp_path / "caches"
    assert main(["build", str(corpus_dir), "--out", str(store), "--cache-dir", str(caches)]) == 0
    assert (caches / "seeds" / "pipeline.sqlite").is_file()
    assert not (store / ".cache").exists()
    assert main(["build", str(corpus_dir), "--out", str(store), "--work-dir", "w"]) == 3
    assert "applies to remote stores only" in capsys.readouterr().err


def test_bad_stores_are_config_errors(corpus_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"storage_options.*local store"):
        build(corpus_dir, tmp_path / "store", storage_options={"anon": True})
    with pytest.raises(ConfigError, match=r"not a usable fsspec URL: Protocol not known"):
        build(corpus_dir, "nosuchprotocol-xyz://bucket/releases")
    if importlib.util.find_spec("adlfs") is None:  # a known protocol whose back end is missing
        with pytest.raises(ConfigError, match=r"install the fsspec back end"):
            build(corpus_dir, "abfs://container/releases")


@given(folders=st.dictionaries(
    st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)).map(
        lambda t: "v{}.{}.{}".format(*t)) | st.sampled_from(["v1.0", "vx.y.z", "latest", ".tmp"]),
    st.booleans(), max_size=8))
def test_a_folder_is_a_release_exactly_when_it_has_a_manifest(folders: dict[str, bool]) -> None:
    url = f"memory://corpus-prop-{uuid.uuid4().hex[:12]}"
    fs = fsspec.filesystem("memory")
    try:
        for folder, has_manifest in folders.items():
            fs.pipe(f"/{url[9:]}/ds/{folder}/README.md", b"card")
            if has_manifest:
                fs.pipe(f"/{url[9:]}/ds/{folder}/{MANIFEST}", b"{}")
        store = open_store(url)
        assert isinstance(store, RemoteStore)
        expected = []
        for folder, has_manifest in folders.items():
            try:
                version = Version.parse(folder)
            except ConfigError:
                continue
            if has_manifest:
                expected.append(version)
        assert [v for v, _ in store.releases("ds")] == sorted(expected)
    finally:
        if fs.exists(f"/{url[9:]}"):
            fs.rm(f"/{url[9:]}", recursive=True)


# --- a real S3 API: moto's server on the loopback interface, s3fs, the command line --------

def _corpus(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corpus.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300, check=False)


def test_cli_builds_diffs_and_loads_through_an_s3_server(
    corpus_dir: Path, tmp_path: Path, s3_env: dict[str, str]
) -> None:
    store = f"s3://{s3_env['BUCKET']}/releases"
    first = _corpus(["build", str(corpus_dir), "--out", store, "--engine", "serial"], s3_env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == f"built release seeds v1.0.0: {store}/seeds/v1.0.0"
    again = _corpus(["build", str(corpus_dir), "--out", store], s3_env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == (
        f"release v1.0.0 is up to date: {store}/seeds/v1.0.0")
    _add_document(corpus_dir)
    second = _corpus(["build", str(corpus_dir), "--out", store, "--workers", "2"], s3_env)
    assert second.returncode == 0, second.stderr
    assert "built release seeds v1.1.0 (minor change after v1.0.0)" in second.stdout
    # The cache stayed local, in the user's cache directory; nothing but releases in the bucket.
    assert list((tmp_path / "user-cache").rglob("pipeline.sqlite"))
    fs = fsspec.filesystem("s3", skip_instance_cache=True)
    names = sorted(p.split("/", 3)[3] for p in fs.find(f"{s3_env['BUCKET']}/releases/seeds"))
    assert [n for n in names if n.endswith(MANIFEST)] == [
        "v1.0.0/manifest.json", "v1.1.0/manifest.json"]

    diffed = _corpus(["diff", f"{store}/seeds/v1.0.0", f"{store}/seeds/v1.1.0", "--json"],
                     s3_env)
    assert diffed.returncode == 0, diffed.stderr
    assert [d["path"] for d in json.loads(diffed.stdout)["added"]] == [ADDED]

    # The data files are those of a local build (card, manifest and report differ: the local
    # store has no v1.0.0 to follow).
    local = build(corpus_dir, tmp_path / "local", version="1.1.0", cache=False)
    remote_data = {k: v for k, v in _remote_files(f"{store}/seeds/v1.1.0").items()
                   if k.endswith(".parquet")}
    local_data = {k: v for k, v in _local_files(local.path).items() if k.endswith(".parquet")}
    assert len(remote_data) == 4
    assert remote_data == local_data
    loaded = corpus.load(f"{store}/seeds/v1.1.0", config="all")
    assert loaded.num_rows == 6
    assert loaded.features == features()

    missing = _corpus(["diff", f"{store}/seeds/v1.0.0", f"{store}/seeds/v7.0.0"], s3_env)
    assert missing.returncode == 3
    assert "no Parquet shards" in missing.stderr


def test_an_unreachable_store_is_a_publish_error(
    corpus_dir: Path, s3_env: dict[str, str], tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a loopback port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    options = {"client_kwargs": {"endpoint_url": closed},
               "config_kwargs": {"retries": {"max_attempts": 1}}}
    with pytest.raises(PublishError, match=r"cannot list the releases in s3://.*Connect"):
        build(corpus_dir, f"s3://{s3_env['BUCKET']}/releases", storage_options=options,
              cache=False, work_dir=tmp_path / "work")
    with pytest.raises(PublishError, match=r"cannot list its shards: EndpointConnectionError"):
        corpus.diff(f"s3://{s3_env['BUCKET']}/releases/seeds/v1.0.0", corpus_dir,
                    storage_options=options)
