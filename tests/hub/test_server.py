"""The Hub stand-in answers the real huggingface_hub client as the Hub does (for what we use)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi, HfFileSystem
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.hf_api import RepoFile

from hub.env import HUB_URL
from hub.server import HubStore, git_blob_oid

BIG = bytes(range(256)) * 64  # binary: goes through LFS


@pytest.fixture
def api() -> HfApi:
    return HfApi()


def _seed(api: HfApi, repo_id: str) -> str:
    api.create_repo(repo_id, repo_type="dataset")
    info = api.create_commit(
        repo_id,
        [
            CommitOperationAdd(
                path_in_repo="README.md", path_or_fileobj=b"---\nlicense: mit\n---\n"
            ),
            CommitOperationAdd(path_in_repo="a/one.txt", path_or_fileobj=b"one\n"),
            CommitOperationAdd(path_in_repo="a/b/two.txt", path_or_fileobj=b"two\n"),
            CommitOperationAdd(path_in_repo="a/b/blob.bin", path_or_fileobj=BIG),
        ],
        commit_message="seed",
        repo_type="dataset",
    )
    return info.oid


def test_tree_listing_is_paginated_and_hashes_match_git(
    hub: HubStore, hub_repo_id: str, api: HfApi
) -> None:
    hub.page_size = 2
    _seed(api, hub_repo_id)

    entries = list(api.list_repo_tree(hub_repo_id, repo_type="dataset", recursive=True))
    top = [e.path for e in api.list_repo_tree(hub_repo_id, repo_type="dataset")]
    under_a = [e.path for e in api.list_repo_tree(hub_repo_id, "a", repo_type="dataset")]

    files = {e.path: e for e in entries if isinstance(e, RepoFile)}
    assert set(files) == {".gitattributes", "README.md", "a/one.txt", "a/b/two.txt", "a/b/blob.bin"}
    assert {e.path for e in entries} - set(files) == {"a", "a/b"}
    assert files["a/one.txt"].blob_id == git_blob_oid(b"one\n")
    assert files["a/one.txt"].lfs is None
    blob = files["a/b/blob.bin"]
    assert blob.lfs is not None
    assert blob.lfs.sha256 == hashlib.sha256(BIG).hexdigest()
    assert blob.size == len(BIG)
    assert top == [".gitattributes", "README.md", "a"]
    assert under_a == ["a/b", "a/one.txt"]
    assert sum(1 for r in hub.requests if "/tree/" in r[1]) > 3  # several pages were fetched


def test_paths_info_downloads_and_ranges(hub: HubStore, hub_repo_id: str, api: HfApi) -> None:
    sha = _seed(api, hub_repo_id)

    infos = api.get_paths_info(hub_repo_id, ["a/one.txt", "a/b", "missing"], repo_type="dataset")
    path = api.hf_hub_download(hub_repo_id, "a/b/blob.bin", repo_type="dataset", revision=sha)
    fs = HfFileSystem()
    with fs.open(f"datasets/{hub_repo_id}/a/b/blob.bin", "rb", block_size=100) as handle:
        handle.seek(1000)
        middle = handle.read(10)

    assert [i.path for i in infos] == ["a/one.txt", "a/b"]
    assert Path(path).read_bytes() == BIG
    assert middle == BIG[1000:1010]
    assert any(r[0] == "GET" and r[2] == 206 for r in hub.requests)


def test_errors_map_to_the_clients_exceptions(hub: HubStore, hub_repo_id: str, api: HfApi) -> None:
    _seed(api, hub_repo_id)

    with pytest.raises(RepositoryNotFoundError):
        api.dataset_info("nobody/nothing")
    with pytest.raises(RevisionNotFoundError):
        api.dataset_info(hub_repo_id, revision="v9.9.9")
    with pytest.raises(EntryNotFoundError):
        api.hf_hub_download(hub_repo_id, "missing.txt", repo_type="dataset")
    with pytest.raises(HfHubHTTPError) as conflict:
        api.create_repo(hub_repo_id, repo_type="dataset")
    assert conflict.value.response.status_code == 409


def test_tags_branches_and_deletions(hub: HubStore, hub_repo_id: str, api: HfApi) -> None:
    first = _seed(api, hub_repo_id)
    api.create_tag(hub_repo_id, tag="v1", revision=first, repo_type="dataset")
    api.create_branch(hub_repo_id, branch="dev", repo_type="dataset")
    second = api.create_commit(
        hub_repo_id,
        [CommitOperationDelete(path_in_repo="a/b/")],
        commit_message="drop a/b",
        repo_type="dataset",
    ).oid

    with pytest.raises(HfHubHTTPError) as taken:
        api.create_tag(hub_repo_id, tag="v1", revision=second, repo_type="dataset")
    refs = api.list_repo_refs(hub_repo_id, repo_type="dataset")

    assert taken.value.response.status_code == 409
    assert {t.name: t.target_commit for t in refs.tags} == {"v1": first}
    assert {b.name: b.target_commit for b in refs.branches} == {"dev": first, "main": second}
    assert "a/b/two.txt" in api.list_repo_files(hub_repo_id, repo_type="dataset", revision="v1")
    assert "a/b/two.txt" not in api.list_repo_files(hub_repo_id, repo_type="dataset")
    api.delete_tag(hub_repo_id, tag="v1", repo_type="dataset")
    assert api.list_repo_refs(hub_repo_id, repo_type="dataset").tags == []


def test_a_stale_parent_commit_is_refused(hub: HubStore, hub_repo_id: str, api: HfApi) -> None:
    first = _seed(api, hub_repo_id)
    api.upload_file(
        path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=hub_repo_id, repo_type="dataset"
    )

    with pytest.raises(HfHubHTTPError) as stale:
        api.create_commit(
            hub_repo_id,
            [CommitOperationAdd(path_in_repo="y.txt", path_or_fileobj=b"y")],
            commit_message="late",
            repo_type="dataset",
            parent_commit=first,
        )
    assert stale.value.response.status_code == 412


def test_writes_need_the_token_when_the_hub_has_one(
    hub: HubStore, hub_repo_id: str, api: HfApi
) -> None:
    hub.token = "hf_standin_token_for_server_test"

    with pytest.raises(HfHubHTTPError) as refused:
        api.create_repo(hub_repo_id, repo_type="dataset")
    HfApi(token=hub.token).create_repo(hub_repo_id, repo_type="dataset")

    assert refused.value.response.status_code == 401
    assert hub.repo("dataset", hub_repo_id)


def test_an_unknown_route_is_recorded_loudly(
    hub: HubStore, capfd: pytest.CaptureFixture[str]
) -> None:
    response = httpx2.get(f"{HUB_URL}/api/not-a-route")

    assert response.status_code == 404
    assert hub.unhandled == ["GET /api/not-a-route"]
    assert "[hub stand-in] UNHANDLED GET /api/not-a-route" in capfd.readouterr().err
    hub.unhandled.clear()  # expected here; the fixture fails any other test that has one
