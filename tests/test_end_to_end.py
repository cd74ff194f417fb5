"""The main command as a user runs it: build seeds/, load with datasets, rebuild identically."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import datasets

import corpus


def _corpus(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corpus.cli", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
    )


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_build_load_rebuild(tmp_path: Path, seeds_dir: Path) -> None:
    shutil.copytree(seeds_dir, tmp_path / "seeds")

    first = _corpus("build", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == "built release seeds v1.0.0: releases/seeds/v1.0.0"
    release = tmp_path / "releases" / "seeds" / "v1.0.0"

    # The default config is the deduplicated corpus: 002 (a rewrite of 003) is left out.
    default = datasets.load_dataset(str(release), split="train")
    assert default.num_rows == 4
    assert "ccf4b0b12e1d7c3c" not in default["id"]
    everything = datasets.load_dataset(str(release), "all", split="train")
    assert everything.num_rows == 5
    rows = {row["id"]: row for row in everything}
    rewrite = rows["ccf4b0b12e1d7c3c"]
    assert rewrite["relation"] == "rewrite"
    assert rewrite["duplicate_of"] == "860389ee531be975"
    assert rows["860389ee531be975"]["relation"] == "canonical"
    assert rewrite["cluster_id"] == rows["860389ee531be975"]["cluster_id"] != ""

    # Each original file comes back byte for byte from the `all` config.
    for doc in corpus.documents(everything):
        raw = (seeds_dir / doc.source.path).read_bytes()
        assert corpus.render(doc) == raw
        assert hashlib.sha256(raw).hexdigest() == doc.raw_sha256

    # The same command again does nothing; another store gets byte-identical files.
    again = _corpus("build", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("release v1.0.0 is up to date")
    other = _corpus("build", "seeds", "--out", "elsewhere", cwd=tmp_path)
    assert other.returncode == 0, other.stderr
    assert _files(tmp_path / "elsewhere" / "seeds" / "v1.0.0") == _files(release)

    # A changed corpus gets the next version, and diff explains it.
    (tmp_path / "seeds" / "001_8b6178791ad9aa8e.txt").unlink()
    second = _corpus("build", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "v1.1.0" in second.stdout.splitlines()[0]
    changes = _corpus("diff", str(release), str(release.parent / "v1.1.0"), cwd=tmp_path)
    assert changes.returncode == 0, changes.stderr
    assert "removed: 1\n  - 8b6178791ad9aa8e" in changes.stdout


def test_python_m_corpus_runs_the_command_line(tmp_path: Path, seeds_dir: Path) -> None:
    """``python -m corpus`` is the ``corpus`` script: its version, and a dedup of the seeds
    (003 canonical, 002 its rewrite)."""
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "corpus", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300, check=False)

    version = run("--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"corpus {corpus.__version__}"
    found = run("dedup", str(seeds_dir))
    assert found.returncode == 0, found.stderr
    assert "1 duplicate cluster" in found.stdout
    assert "rewrite    002_ccf4b0b12e1d7c3c.txt" in found.stdout
