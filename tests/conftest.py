"""Shared test configuration: Hypothesis profiles and paths to the built-in seed corpus."""

from __future__ import annotations

import os
from pathlib import Path

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
