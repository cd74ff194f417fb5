"""Shared test configuration: Hypothesis profiles and paths to the built-in seed corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

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
