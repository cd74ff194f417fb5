"""``corpus push`` run as a user runs it: a subprocess, with HF_ENDPOINT and HF_TOKEN set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import datasets
import pytest

from corpus.cli import main
from hub.releases import make_release, read_rows
from hub.server import HubStore

SECRET = "hf_CliSecretToken0123456789abcdefghij"
DOCS = [
    {"id": "0001", "title": "One", "text": "First story.", "relation": "unique"},
    {"id": "0002", "title": "Two", "text": "Second story.", "relation": "canonical"},
    {"id": "0003", "title": "Two", "text": "Second story, retold.", "relation": "rewrite"},
]


def corpus(*args: str | Path, token: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m corpus.cli ARGS`` with the test environment (HF_ENDPOINT -> stand-in)."""
    env = dict(os.environ)
    if token is not None:
        env["HF_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "corpus.cli", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_push_publishes_then_says_already_published(
    hub: HubStore, hub_repo_id: str, tmp_path: Path
) -> None:
    hub.token = SECRET  # the stand-in refuses writes without it: HF_TOKEN must be used
    release = make_release(tmp_path / "store", "1.0.0", DOCS)

    first = corpus("push", release, "--repo", hub_repo_id, token=SECRET)
    again = corpus("push", release, "--repo", hub_repo_id, token=SECRET)

    assert first.returncode == 0, first.stderr
    assert f"published {hub_repo_id}@v1.0.0" in first.stdout
    assert f'load_dataset("{hub_repo_id}", revision="v1.0.0")' in first.stdout
    assert again.returncode == 0, again.stderr
    assert "already published" in again.stdout
    for run in (first, again):
        assert SECRET not in run.stdout + run.stderr
    loaded = datasets.load_dataset(hub_repo_id, "all", revision="v1.0.0", split="train")
    assert loaded.to_list() == read_rows(release, "all")


def test_push_with_a_wrong_token_fails_without_showing_it(
    hub: HubStore, hub_repo_id: str, tmp_path: Path
) -> None:
    hub.token = SECRET
    wrong = "hf_WrongCliToken000000000000000000000"

    run = corpus("push", make_release(tmp_path, "1.0.0", DOCS), "--repo", hub_repo_id, token=wrong)

    assert run.returncode == 3
    assert "corpus push: error: the Hub refused the push" in run.stderr
    assert "HF_TOKEN" in run.stderr
    assert wrong not in run.stdout + run.stderr
    assert hub.repos == {}  # the create call was refused: nothing exists


def test_push_refuses_to_move_a_tag(
    hub: HubStore, hub_repo_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["push", str(make_release(tmp_path / "a", "1.0.0", DOCS)), "--repo", hub_repo_id]) == 0
    )
    capsys.readouterr()

    code = main(
        ["push", str(make_release(tmp_path / "b", "1.0.0", DOCS[:2])), "--repo", hub_repo_id]
    )

    assert code == 1
    err = capsys.readouterr().err
    assert "corpus push: error: tag v1.0.0" in err
    assert "never moved" in err


def test_push_reports_retries_on_stderr(
    hub: HubStore, hub_repo_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub.inject("POST", r"/tag/", status=503)
    release = make_release(tmp_path, "1.0.0", DOCS)
    # One retry after the default first wait of 1 s; the stand-in fails the tag once.
    code = main(["push", str(release), "--repo", hub_repo_id, "--retries", "2"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "corpus push: push of v1.0.0" in captured.err
    assert "attempt 1 of 2 failed (HTTP 503 on POST" in captured.err
    assert f"published {hub_repo_id}@v1.0.0" in captured.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["push", "nowhere/v1.0.0", "--repo", "org/name"], "does not exist"),
        (["push", ".", "--repo", "not a repo"], "cannot name a Hub dataset repo"),
        (["push", ".", "--repo", "org/name", "--retries", "0"], "attempts=0"),
    ],
)
def test_push_bad_input_exits_3_with_the_reason(
    hub: HubStore, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 3
    assert message in capsys.readouterr().err
    assert hub.requests == []


def test_push_help_names_the_options() -> None:
    run = corpus("push", "--help")

    assert run.returncode == 0
    for option in ("RELEASE", "--repo", "--private", "--endpoint", "--retries", "HF_TOKEN"):
        assert option in run.stdout
