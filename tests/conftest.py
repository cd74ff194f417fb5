"""Shared test configuration: Hypothesis profiles and paths to the built-in seed corpus."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest
from hypothesis import HealthCheck, settings

# Hub stand-in (tests/hub): importing hub.env points HF_ENDPOINT at a loopback server and gives
# the run an empty HF_HOME. It must run before huggingface_hub or datasets is imported anywhere
# (it raises if not); hub.fixtures provides the `hub_server`, `hub` and `hub_repo_id` fixtures.
from hub.env import HUB_URL  # noqa: F401
from hub.fixtures import hub, hub_repo_id, hub_server  # noqa: F401

# "ci": fixed seed (derandomised) and at least 500 examples per property, selected when CI is set.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=500,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The built-in seed corpus (read-only: copy it before changing anything)."""
    return SEEDS


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3 API on loopback: moto's server in a thread of this process (skips without it)."""
    moto_server = pytest.importorskip("moto.server")
    pytest.importorskip("s3fs")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Credentials and the endpoint as s3fs (botocore) reads them, and a fresh bucket."""
    values = {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": s3_endpoint,
        "XDG_CACHE_HOME": str(tmp_path / "user-cache"),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE",
                "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(key, raising=False)
    bucket = f"corpus-{uuid.uuid4().hex[:12]}"
    fs = fsspec.filesystem("s3", skip_instance_cache=True, client_kwargs={
        "endpoint_url": s3_endpoint})
    fs.mkdir(bucket)
    values["BUCKET"] = bucket
    return values
