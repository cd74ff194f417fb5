"""From seed files to a tagged Hub dataset: ``corpus build`` then ``corpus push``, twice, as a
user runs them, then loading each tag with ``corpus.load`` and ``datasets.load_dataset``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import datasets
from huggingface_hub import HfApi

import corpus
from hub.server import HubStore


def _corpus(*args: str | Path, cwd: Path) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "corpus.cli", *map(str, args)],
        cwd=cwd,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, f"corpus {args[0]} failed:\n{run.stdout}\n{run.stderr}"
    return run.stdout


def test_build_push_and_load_two_versions(
    hub: HubStore, hub_repo_id: str, tmp_path: Path, seeds_dir: Path
) -> None:
    sources = shutil.copytree(seeds_dir, tmp_path / "news")
    _corpus("build", sources, "--out", "store", cwd=tmp_path)
    v1 = tmp_path / "store" / "news" / "v1.0.0"
    # The next version drops one article: documents removed -> a minor version.
    sorted(sources.glob("*.txt"))[-1].unlink()
    _corpus("build", sources, "--out", "store", cwd=tmp_path)
    v2 = tmp_path / "store" / "news" / "v1.1.0"

    out1 = _corpus("push", v1, "--repo", hub_repo_id, cwd=tmp_path)
    out2 = _corpus("push", v2, "--repo", hub_repo_id, cwd=tmp_path)

    assert f"published {hub_repo_id}@v1.0.0" in out1
    assert f"published {hub_repo_id}@v1.1.0" in out2
    tags = HfApi().list_repo_refs(hub_repo_id, repo_type="dataset").tags
    assert sorted(t.name for t in tags) == ["v1.0.0", "v1.1.0"]
    for tag, release in (("v1.0.0", v1), ("v1.1.0", v2)):
        for config in ("default", "duplicates", "all"):
            local = corpus.load(release, config=config)
            remote = corpus.load(hub_repo_id, config=config, revision=tag)
            plain = datasets.load_dataset(hub_repo_id, config, revision=tag, split="train")
            assert remote.features == local.features
            assert remote.to_list() == local.to_list(), (tag, config)
            assert plain.to_list() == local.to_list(), (tag, config)
            assert [d.id for d in corpus.documents(remote)] == local["id"]
    assert len(corpus.load(hub_repo_id, config="all", revision="v1.0.0")) == 5
    assert len(corpus.load(hub_repo_id, config="all", revision="v1.1.0")) == 4
