"""corpus.push against the loopback Hub stand-in, through the real huggingface_hub and datasets."""

from __future__ import annotations

import json
import pickle
import shutil
import socket
import time
import traceback
from pathlib import Path

import datasets
import pytest
from huggingface_hub import HfApi
from hypothesis import given
from hypothesis import strategies as st

from corpus import ConfigError, PublishError
from corpus.publish.hub import PushStatus, RetryPolicy, TagConflictError, push
from hub.releases import make_release, read_rows
from hub.server import HubStore, iter_requests

FAST = RetryPolicy(attempts=6, initial_delay=0.01, max_delay=0.05)
SECRET = "hf_StandInSecretToken0123456789abcdef"

DOCS_V1 = [
    {
        "id": "0001",
        "title": "Minister visits port",
        "text": "The minister visited.",
        "relation": "unique",
    },
    {"id": "0002", "title": "Port reopens", "text": "The port reopened.", "relation": "rewrite"},
    {
        "id": "0003",
        "title": "Port reopens",
        "text": "The port opened again.",
        "relation": "canonical",
    },
    {"id": "0004", "title": "Rain", "text": "It rained all week.", "relation": "unique"},
    {"id": "0005", "title": "Market", "text": "Prices fell.", "relation": "unique"},
]
DOCS_V2 = [
    *DOCS_V1[:4],
    {"id": "0006", "title": "Harvest", "text": "The harvest was early.", "relation": "unique"},
]


def _release_commits(hub: HubStore, repo_id: str) -> int:
    """Commits in the repo besides the initial one the Hub makes on creation."""
    return len(hub.repo("dataset", repo_id).commits) - 1


def _writes(hub: HubStore) -> list[tuple[str, str, int]]:
    return [
        r
        for r in hub.requests
        if r[0] in ("PUT", "DELETE")
        or "/commit/" in r[1]
        or "/tag/" in r[1]
        or "/preupload/" in r[1]
    ]


def _local_files(release: Path) -> dict[str, bytes]:
    return {
        p.relative_to(release).as_posix(): p.read_bytes() for p in release.rglob("*") if p.is_file()
    }


# -- publishing and loading ----------------------------------------------------------------


def test_push_creates_the_repo_commits_once_and_tags(
    hub: HubStore, hub_repo_id: str, tmp_path: Path
) -> None:
    release = make_release(tmp_path, "1.0.0", DOCS_V1, default_shards=2)

    result = push(release, hub_repo_id, retry=FAST)

    assert result.status is PushStatus.PUBLISHED
    assert (result.tag, result.version, result.attempts) == ("v1.0.0", "1.0.0", 1)
    assert result.uploaded == tuple(sorted(_local_files(release)))
    assert result.deleted == ()
    assert _release_commits(hub, hub_repo_id) == 1
    remote = hub.files_at("dataset", hub_repo_id, "v1.0.0")
    assert remote.pop(".gitattributes")
    assert remote == _local_files(release)
    refs = HfApi().list_repo_refs(hub_repo_id, repo_type="dataset")
    assert [(t.name, t.target_commit) for t in refs.tags] == [("v1.0.0", result.commit)]
    assert [(b.name, b.target_commit) for b in refs.branches] == [("main", result.commit)]
    # Parquet goes through the LFS batch endpoint, the card and manifest inline.
    assert any("/info/lfs/objects/batch" in r[1] for r in hub.requests)
    repo = hub.repo("dataset", hub_repo_id)
    head = repo.commits[result.commit]
    assert head.files["data/default/train-00000-of-00002.parquet"].lfs
    assert not head.files["manifest.json"].lfs


def test_two_versions_load_by_tag_and_a_dropped_shard_is_gone(
    hub: HubStore, hub_repo_id: str, tmp_path: Path
) -> None:
    v1 = make_release(tmp_path, "1.0.0", DOCS_V1, default_shards=2)
    v2 = make_release(tmp_path, "1.1.0", DOCS_V2, default_shards=1)

    first = push(v1, hub_repo_id, retry=FAST)
    second = push(v2, hub_repo_id, retry=FAST)

    api = HfApi()
    refs = api.list_repo_refs(hub_repo_id, repo_type="dataset")
    assert {t.name: t.target_commit for t in refs.tags} == {
        "v1.0.0": first.commit,
        "v1.1.0": second.commit,
    }
    assert first.commit != second.commit
    assert [b.target_commit for b in refs.branches if b.name == "main"] == [second.commit]

    for tag, release in (("v1.0.0", v1), ("v1.1.0", v2)):
        for config in ("default", "duplicates", "all"):
            loaded = datasets.load_dataset(hub_repo_id, config, revision=tag, split="train")
            assert loaded.to_list() == read_rows(release, config), (tag, config)

    old_shards = {"data/default/train-00000-of-00002.parquet",
                  "data/default/train-00001-of-00002.parquet"}
    files_v1 = set(api.list_repo_files(hub_repo_id, repo_type="dataset", revision="v1.0.0"))
    files_v2 = set(api.list_repo_files(hub_repo_id, repo_type="dataset", revision="v1.1.0"))
    assert old_shards <= files_v1
    assert not old_shards & files_v2
    assert "data/default/train-00000-of-00001.parquet" in files_v2
    assert set(second.deleted) == old_shards
    # Only what changed is sent again: the (empty) rejects table is the same in both versions.
    assert "rejects.parquet" not in second.uploaded
    assert "README.md" in second.uploaded
    assert _release_commits(hub, hub_repo_id) == 2


def test_pushing_a_published_version_again_does_nothing(
    hub: HubStore, hub_repo_id: str, tmp_path: Path
) -> None:
    release = make_release(tmp_path, "1.0.0", DOCS_V1)
    first = push(release, hub_repo_id, retry=FAST)
    copy = shutil.copytree(release, tmp_path / "elsewhere" / "v1.0.0")
    hub.requests.clear()

    again = push(release, hub_repo_id, retry=FAST)
    from_copy = push(copy, hub_repo_id, retry=FAST)

    for result in (again, from_copy):
        assert result.status is PushStatus.ALREADY_PUBLISHED
        assert result.commit == first.commit
        assert (result.uploaded, result.deleted) == ((), ())
    assert _writes(hub) == []
    assert _release_commits(hub, hub_repo_id) == 1


def test_content_is_recognised_by_pointer_id_when_listings_lack_lfs_details(
    hub: HubStore, hub_repo_id: str, tmp_path: Path
) -> None:
    hub.lfs_details = False  # listings give only git blob ids, as for files known by Xet hash
    v1 = make_release(tmp_path, "1.0.0", DOCS_V1)
    first = push(v1, hub_repo_id, retry=FAST)

    again = push(v1, hub_repo_id, retry=FAST)
    second = push(make_release(tmp_path, "1.1.0", DOCS_V2), hub_repo_id, retry=FAST)

    assert again.status is PushStatus.ALREADY_PUBLISHED
    assert again.commit == first.commit
    assert "rejects.parquet" not in second.uploaded  # unchanged LFS file recognised
    assert "data/default/train-00000-of-00001.parquet" in second.uploaded


def test_a_tag_with_other_content_is_never_moved(
    hub: HubStore, hub_repo_id: str, tmp_path: Path
) -> None:
    published = push(make_release(tmp_path / "a", "1.0.0", DOCS_V1), hub_repo_id, retry=FAST)
    other = make_release(tmp_path / "b", "1.0.0", DOCS_V2)
    hub.requests.clear()

    with pytest.raises(TagConflictError) as caught:
        push(other, hub_repo_id, retry=FAST)

    error = caught.value
    assert error.tag == "v1.0.0"
    assert error.commit == published.commit
    assert "~manifest.json" in error.differences
    assert "~data/default/train-00000-of-00001.parquet" in error.differences
    assert "never moved" in str(error)
    assert isinstance(error, PublishError)
    assert str(pickle.loads(pickle.dumps(error))) == str(error)
    assert _writes(hub) == []
    repo = hub.repo("dataset", hub_repo_id)
    assert repo.tags == {"v1.0.0": published.commit}
    assert repo.branches["main"] == published.commit


def test_files_no_longer_in_the_release_are_deleted_but_gitattributes_stays(
    hub: HubStore, hub_repo_id: str, tmp_path: Path
) -> None:
    push(make_release(tmp_path, "1.0.0", DOCS_V1), hub_repo_id, retry=FAST)
    HfApi().upload_file(
        path_or_fileobj=b"someone's notes\n",
        path_in_repo="notes/extra.txt",
        repo_id=hub_repo_id,
        repo_type="dataset",
    )

    result = push(make_release(tmp_path, "1.0.1", DOCS_V1[:3]), hub_repo_id, retry=FAST)

    assert "notes/extra.txt" in result.deleted
    files = hub.files_at("dataset", hub_repo_id, "v1.0.1")
    assert "notes/extra.txt" not in files
    assert ".gitattributes" in files


def test_hidden_files_in_the_release_folder_are_not_pushed(
    hub: HubStore, hub_repo_id: str, tmp_path: Path
) -> None:
    release = make_release(tmp_path, "1.0.0", DOCS_V1)
    (release / ".DS_Store").write_bytes(b"\0\1")
    (release / ".cache").mkdir()
    (release / ".cache" / "lock").write_text("x")

    result = push(release, hub_repo_id, retry=FAST)

    assert not [p for p in result.uploaded if p.startswith(".") or "/." in p]
    assert not [p for p in hub.files_at("dataset", hub_repo_id, "v1.0.0") if p.startswith(".c")]


def test_private_repo_is_created_private_and_a_public_one_is_not_reused_privately(
    hub: HubStore, hub_repo_id: str, tmp_path: Path
) -> None:
    push(make_release(tmp_path, "1.0.0", DOCS_V1), hub_repo_id, private=True, retry=FAST)
    assert hub.repo("dataset", hub_repo_id).private

    public_id = hub_repo_id + "-public"
    push(make_release(tmp_path / "p", "1.0.0", DOCS_V1), public_id, retry=FAST)
    with pytest.raises(PublishError, match="already exists and is public"):
        push(make_release(tmp_path / "p", "1.1.0", DOCS_V2), public_id, private=True, retry=FAST)
    assert list(hub.repo("dataset", public_id).tags) == ["v1.0.0"]


# -- failures and retries ------------------------------------------------------------------


def test_transient_failures_are_retried_until_the_push_completes(
    hub: HubStore, hub_repo_id: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hub.inject("POST", r"^/api/repos/create$", status=0)  # connection dropped
    hub.inject("GET", r"/refs$", status=503)
    hub.inject("POST", r"/commit/main$", status=500, times=2)
    hub.inject("POST", r"/tag/", status=429)
    release = make_release(tmp_path, "1.0.0", DOCS_V1)

    with caplog.at_level("WARNING", logger="corpus.publish.hub"):
        result = push(release, hub_repo_id, retry=FAST)

    assert result.status is PushStatus.PUBLISHED
    assert result.attempts == 6
    assert [f.hits for f in hub.faults] == [1, 1, 2, 1]
    assert _release_commits(hub, hub_repo_id) == 1
    assert hub.repo("dataset", hub_repo_id).tags == {"v1.0.0": result.commit}
    assert caplog.text.count("retrying in") == 5
    assert "HTTP 500 on POST" in caplog.text


def test_retry_after_lengthens_the_wait_up_to_max_delay(
    hub: HubStore, hub_repo_id: str, tmp_path: Path
) -> None:
    hub.inject("GET", r"/refs$", status=429, headers={"Retry-After": "60"})
    policy = RetryPolicy(attempts=2, initial_delay=0, max_delay=0.4)
    release = make_release(tmp_path, "1.0.0", DOCS_V1)

    started = time.monotonic()
    result = push(release, hub_repo_id, retry=policy)

    assert result.attempts == 2
    assert 0.4 <= time.monotonic() - started < 30


def test_a_commit_whose_answer_was_lost_is_tagged_not_made_twice(
    hub: HubStore, hub_repo_id: str, tmp_path: Path
) -> None:
    hub.inject("POST", r"/commit/main$", after=True)

    result = push(make_release(tmp_path, "1.0.0", DOCS_V1), hub_repo_id, retry=FAST)

    assert result.status is PushStatus.PUBLISHED
    assert result.attempts == 2
    assert _release_commits(hub, hub_repo_id) == 1
    repo = hub.repo("dataset", hub_repo_id)
    assert repo.tags == {"v1.0.0": repo.branches["main"]} == {"v1.0.0": result.commit}


def test_a_persistent_failure_gives_a_clear_error_and_no_tag(
    hub: HubStore, hub_repo_id: str, tmp_path: Path
) -> None:
    hub.inject("POST", r"/commit/main$", status=503, times=None)
    policy = RetryPolicy(attempts=3, initial_delay=0.01)

    with pytest.raises(PublishError) as caught:
        push(make_release(tmp_path, "1.0.0", DOCS_V1), hub_repo_id, retry=policy)

    message = str(caught.value)
    assert "failed 3 time(s)" in message
    assert "HTTP 503 on POST" in message
    assert "nothing was committed or tagged" in message
    assert hub.faults[0].hits == 3
    repo = hub.repo("dataset", hub_repo_id)
    assert repo.tags == {}
    assert _release_commits(hub, hub_repo_id) == 0


def test_a_failed_tag_is_reported_and_running_the_push_again_completes_it(
    hub: HubStore, hub_repo_id: str, tmp_path: Path
) -> None:
    release = make_release(tmp_path, "1.0.0", DOCS_V1)
    hub.inject("POST", r"/tag/", status=502, times=None)

    with pytest.raises(PublishError) as caught:
        push(release, hub_repo_id, retry=RetryPolicy(attempts=2, initial_delay=0.01))

    repo = hub.repo("dataset", hub_repo_id)
    head = repo.branches["main"]
    assert repo.tags == {}
    assert f"committed to main as {head[:12]}" in str(caught.value)
    assert "run the same push again" in str(caught.value)
    assert _release_commits(hub, hub_repo_id) == 1

    hub.clear_faults()
    hub.requests.clear()
    result = push(release, hub_repo_id, retry=FAST)

    assert result.status is PushStatus.TAGGED
    assert result.commit == head
    assert repo.tags == {"v1.0.0": head}
    assert _release_commits(hub, hub_repo_id) == 1
    assert not list(iter_requests(hub, "PUT", "/lfs-storage/"))
    assert not list(iter_requests(hub, "POST", "/commit/"))


def test_an_unreachable_hub_is_reported_after_the_retries(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{probe.getsockname()[1]}"
    release = make_release(tmp_path, "1.0.0", DOCS_V1)

    with pytest.raises(PublishError) as caught:
        push(release, "org/name", token="hf_unused_token", endpoint=endpoint,
             retry=RetryPolicy(attempts=2, initial_delay=0))

    message = str(caught.value)
    assert f"at {endpoint} failed 2 time(s)" in message
    assert "ConnectError" in message
    assert "unreachable" in message


def test_a_refused_push_is_not_retried(hub: HubStore, hub_repo_id: str, tmp_path: Path) -> None:
    hub.inject("POST", r"/commit/main$", status=403, times=None)

    with pytest.raises(PublishError) as caught:
        push(make_release(tmp_path, "1.0.0", DOCS_V1), hub_repo_id, retry=FAST)

    assert "the Hub refused the push" in str(caught.value)
    assert "HTTP 403" in str(caught.value)
    assert hub.faults[0].hits == 1


# -- the token -----------------------------------------------------------------------------


def _everything_said(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc)


def test_the_token_is_sent_and_never_shown(
    hub: HubStore,
    hub_repo_id: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hub.token = SECRET  # writes now need it
    release = make_release(tmp_path, "1.0.0", DOCS_V1)
    caplog.set_level("DEBUG")

    published = push(release, hub_repo_id, token=SECRET, retry=FAST)
    assert published.status is PushStatus.PUBLISHED

    wrong = "hf_WrongToken9876543210zyxwvutsrqpo"
    with pytest.raises(PublishError) as refused:
        push(make_release(tmp_path, "1.1.0", DOCS_V2), hub_repo_id, token=wrong, retry=FAST)
    assert "401" in str(refused.value)
    assert "HF_TOKEN" in str(refused.value)

    hub.inject("POST", r"/commit/main$", status=503, times=None)
    with pytest.raises(PublishError) as failed:
        push(
            make_release(tmp_path, "1.1.0", DOCS_V2),
            hub_repo_id,
            token=SECRET,
            retry=RetryPolicy(attempts=2, initial_delay=0),
        )

    said = capsys.readouterr()
    for token in (SECRET, wrong):
        assert token not in said.out + said.err
        assert token not in caplog.text
        assert token not in _everything_said(refused.value)
        assert token not in _everything_said(failed.value)
        assert token not in repr(published)


# -- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda root: root / "missing" / "v1.0.0", "does not exist"),
        (lambda root: _without(root, "README.md"), "no README.md"),
        (lambda root: _renamed(root, "latest"), "cannot tell the version"),
        (lambda root: _renamed(root, "v1.0"), "cannot tell the version"),
        (lambda root: _with_manifest(root, '{"version": "1.0.1"}'), "records version 1.0.1"),
        (lambda root: _with_manifest(root, "{not json"), "not readable JSON"),
        (lambda root: _with_manifest(root, '{"version": "one"}'), "MAJOR.MINOR.PATCH"),
    ],
    ids=[
        "missing",
        "no-card",
        "no-version",
        "bad-name",
        "version-mismatch",
        "bad-manifest",
        "bad-manifest-version",
    ],
)
def test_a_folder_that_is_not_a_release_is_refused_before_any_request(
    hub: HubStore, tmp_path: Path, setup: object, message: str
) -> None:
    release = make_release(tmp_path, "1.0.0", DOCS_V1)
    target = setup(release)  # type: ignore[operator]

    with pytest.raises(PublishError, match=message):
        push(target, "org/name", retry=FAST)
    assert hub.requests == []


@pytest.mark.parametrize("damage", ["truncated", "replaced", "missing"])
def test_a_damaged_release_is_refused_before_any_request(
    hub: HubStore, tmp_path: Path, seeds_dir: Path, damage: str
) -> None:
    # The files are hashed for the upload anyway: one not as manifest.json records it would
    # be published as the release.
    import corpus

    release = corpus.build(seeds_dir, tmp_path / "store", progress=False).path
    shard = next((release / "data" / "default").glob("*.parquet"))
    if damage == "missing":
        shard.unlink()
    else:
        data = shard.read_bytes()
        shard.write_bytes(data[:1000] if damage == "truncated" else data[:-1] + b"\0")
    with pytest.raises(PublishError, match=rf"{shard.name}: .*release v1\.0\.0 is damaged, "
                                           r"so it is not pushed \(nothing was sent\)"):
        push(release, "org/name", token=SECRET, retry=FAST)
    assert hub.requests == []


def _without(release: Path, name: str) -> Path:
    (release / name).unlink()
    return release


def _renamed(release: Path, name: str) -> Path:
    manifest = json.loads((release / "manifest.json").read_text())
    del manifest["version"]
    (release / "manifest.json").write_text(json.dumps(manifest))
    return release.rename(release.with_name(name))


def _with_manifest(release: Path, text: str) -> Path:
    (release / "manifest.json").write_text(text)
    return release


def test_the_manifest_version_names_a_folder_without_one(
    hub: HubStore, hub_repo_id: str, tmp_path: Path
) -> None:
    release = make_release(tmp_path, "2.3.4", DOCS_V1).rename(tmp_path / "latest")

    result = push(release, hub_repo_id, retry=FAST)

    assert result.tag == "v2.3.4"
    assert list(hub.repo("dataset", hub_repo_id).tags) == ["v2.3.4"]


@pytest.mark.parametrize(
    "repo_id",
    [
        "name-only",
        "a/b/c",
        "-org/name",
        "org/name-",
        "org/na--me",
        "org/na..me",
        "org/",
        "org/" + "n" * 97,
        "org/na me",
    ],
)
def test_a_bad_repo_id_is_refused_before_any_request(
    hub: HubStore, tmp_path: Path, repo_id: str
) -> None:
    release = make_release(tmp_path, "1.0.0", DOCS_V1)

    with pytest.raises(ConfigError, match="ORG/NAME") as caught:
        push(release, repo_id, retry=FAST)
    assert repr(repo_id) in str(caught.value)
    assert hub.requests == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"attempts": 0}, "attempts=0"),
        ({"attempts": 1.5}, "attempts=1.5"),
        ({"attempts": True}, "attempts=True"),
        ({"initial_delay": -1}, "initial_delay=-1"),
        ({"max_delay": float("nan")}, "max_delay=nan"),
        ({"multiplier": 0.5}, "multiplier=0.5"),
    ],
)
def test_retry_policy_is_checked_when_made(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


@given(
    attempts=st.integers(1, 12),
    initial=st.floats(0, 10),
    cap=st.floats(0, 60),
    multiplier=st.floats(1, 4),
)
def test_retry_delays_are_bounded_and_never_shrink(
    attempts: int, initial: float, cap: float, multiplier: float
) -> None:
    delays = list(RetryPolicy(attempts, initial, cap, multiplier).delays())

    assert len(delays) == attempts - 1
    assert all(0 <= d <= cap for d in delays)
    assert delays == sorted(delays)
