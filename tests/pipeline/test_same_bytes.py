"""The release is byte-identical whatever runs the build: serial, 1, 2 or 4 processes, a Dask
LocalCluster, or a Dask cluster reached through ``--scheduler``; whatever the shard count."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

import corpus
from corpus.pipeline import build as pipeline_build

from .corpora import mixed_corpus

pytest.importorskip("distributed", reason="the dask extra is not installed")

BIN = Path(sys.executable).parent


def _files(release: Path) -> dict[str, bytes]:
    return {str(p.relative_to(release)): p.read_bytes()
            for p in sorted(release.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_corpus(tmp_path_factory.mktemp("mixed") / "news")


@pytest.fixture(scope="module")
def reference(mixed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    report = corpus.build(mixed, tmp_path_factory.mktemp("serial"), executor="serial",
                          progress=False)
    counts = report.manifest.counts
    # The corpus is what the test needs: hundreds of documents, rejects, and clusters of
    # every relation, so equal bytes mean something.
    assert counts.documents >= 250
    assert counts.rejects == 3
    assert {"near", "rewrite"} <= set(counts.relations)
    assert counts.clusters >= 20
    return _files(report.path)


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_processes_give_the_serial_bytes(mixed: Path, tmp_path: Path,
                                         reference: dict[str, bytes], workers: int) -> None:
    report = corpus.build(mixed, tmp_path, executor="processes", workers=workers,
                          progress=False)
    assert _files(report.path) == reference


def test_any_shard_count_gives_the_same_bytes(mixed: Path, tmp_path: Path,
                                              reference: dict[str, bytes],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline_build, "_FILES_PER_SHARD", 7)  # ~40 shards, in process
    assert len(pipeline_build.plan_shards(corpus.scan(mixed), 1)) > 30
    report = corpus.build(mixed, tmp_path, executor="serial", progress=False)
    assert _files(report.path) == reference


def test_a_dask_local_cluster_gives_the_serial_bytes(mixed: Path, tmp_path: Path,
                                                     reference: dict[str, bytes]) -> None:
    report = corpus.build(mixed, tmp_path, executor="dask", workers=2, progress=False)
    assert _files(report.path) == reference


def test_a_file_url_gives_the_bytes_of_its_path(mixed: Path, tmp_path: Path,
                                                reference: dict[str, bytes]) -> None:
    report = corpus.build(mixed.as_uri(), tmp_path, executor="processes", workers=2,
                          progress=False)
    assert _files(report.path) == reference


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[str]:
    """A ``dask scheduler`` and two ``dask worker`` processes on loopback, as a user starts
    them; yields the scheduler's address."""
    scheduler_file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = [subprocess.Popen(
        [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
         "--no-dashboard", "--scheduler-file", str(scheduler_file)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(2):
            procs.append(subprocess.Popen(
                [str(BIN / "dask"), "worker", address, "--nthreads", "1", "--nworkers", "1",
                 "--no-dashboard", "--host", "127.0.0.1"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,
            ))
        from distributed import Client

        with Client(address, timeout=60) as client:  # type: ignore[no-untyped-call,unused-ignore]
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def test_a_running_cluster_through_the_command_line_gives_the_serial_bytes(
    mixed: Path, tmp_path: Path, reference: dict[str, bytes], dask_cluster: str
) -> None:
    run = subprocess.run(
        [str(BIN / "corpus"), "build", str(mixed), "--out", str(tmp_path),
         "--scheduler", dask_cluster],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "built release news v1.0.0" in run.stdout
    assert _files(tmp_path / "news" / "v1.0.0") == reference


def test_a_running_cluster_reads_a_corpus_and_a_store_given_by_relative_paths(
    mixed: Path, tmp_path: Path, reference: dict[str, bytes], dask_cluster: str
) -> None:
    """The workers' current folder is not the driver's (on other machines it never is): the
    paths they are handed are absolute, not an empty release of "outside-root" rejects."""
    run = subprocess.run(
        [str(BIN / "corpus"), "build", os.path.relpath(mixed, tmp_path), "--out", "out",
         "--scheduler", dask_cluster],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert _files(tmp_path / "out" / "news" / "v1.0.0") == reference


def test_a_running_cluster_builds_into_an_s3_store_with_the_serial_bytes(
    mixed: Path, tmp_path: Path, reference: dict[str, bytes], dask_cluster: str,
    s3_env: dict[str, str],
) -> None:
    """Workers in other processes, the release store an S3 bucket (a loopback server): the
    workers share the staging folder (--work-dir), the driver uploads, manifest last."""
    store = f"s3://{s3_env['BUCKET']}/releases"
    run = subprocess.run(
        [str(BIN / "corpus"), "build", str(mixed), "--out", store, "--scheduler", dask_cluster,
         "--work-dir", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert f"built release news v1.0.0: {store}/news/v1.0.0" in run.stdout
    fs = fsspec.filesystem("s3", skip_instance_cache=True)
    root = f"{s3_env['BUCKET']}/releases/news/v1.0.0"
    uploaded = {str(p)[len(root) + 1:]: fs.cat_file(p) for p in sorted(fs.find(root))}
    assert uploaded == reference
    assert list((tmp_path / "work").iterdir()) == []


#: Write ranges of 37 documents: several write tasks, whose ranges start inside the read
#: stage's shards.
_RANGES = corpus.BuildConfig(shard_documents=37)


@pytest.fixture(scope="module")
def ranged(mixed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    report = corpus.build(mixed, tmp_path_factory.mktemp("ranged"), executor="serial",
                          progress=False, config=_RANGES)
    documents = report.manifest.counts.documents
    default = sorted((report.path / "data" / "default").iterdir())
    # a file per range (every range keeps documents), named in corpus order
    assert [p.name for p in default] == [
        f"train-{k:05d}-of-{len(default):05d}.parquet" for k in range(len(default))]
    assert len(default) == -(-documents // 37)
    loaded = corpus.load(report.path, config="all")
    assert len(loaded) == documents
    return _files(report.path)


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_write_tasks_give_the_same_bytes_on_every_executor(
        mixed: Path, tmp_path: Path, ranged: dict[str, bytes], engine: str) -> None:
    report = corpus.build(mixed, tmp_path, executor=engine, workers=2,  # type: ignore[arg-type]
                          progress=False, config=_RANGES)
    assert _files(report.path) == ranged


def test_write_ranges_do_not_depend_on_the_read_shards(
        mixed: Path, tmp_path: Path, ranged: dict[str, bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline_build, "_FILES_PER_SHARD", 7)  # ~40 shards, in process
    report = corpus.build(mixed, tmp_path, executor="serial", progress=False, config=_RANGES)
    assert _files(report.path) == ranged
