"""pytest fixtures for the Hub stand-in; ``tests/conftest.py`` imports them for every test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from hub.env import HUB_PORT
from hub.server import HubServer, HubStore

__all__ = ["hub", "hub_repo_id", "hub_server"]


@pytest.fixture(scope="session")
def hub_server() -> Iterator[HubServer]:
    """The stand-in, listening on the port ``HF_ENDPOINT`` names, for the whole session."""
    with HubServer(port=HUB_PORT) as server:
        yield server


@pytest.fixture
def hub(hub_server: HubServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[HubStore]:
    """A fresh, empty Hub for one test (its store: inject faults, read repos, check requests).

    Fails the test if a client called an endpoint the stand-in does not implement.
    """
    import datasets

    # Loading revision "main" would ask the dataset viewer (another host) for a Parquet export.
    monkeypatch.setattr(datasets.config, "USE_PARQUET_EXPORT", False)
    # A push needs a token; the stand-in ignores it unless the test sets ``store.token``.
    monkeypatch.setenv("HF_TOKEN", "hf_standin_default_token")
    store = HubStore()
    hub_server.use(store)
    yield store
    hub_server.use(HubStore())
    assert not store.unhandled, f"the Hub stand-in got requests it cannot handle: {store.unhandled}"


@pytest.fixture
def hub_repo_id() -> str:
    """A repo id used by no other test (the ``datasets`` cache is keyed by repo name)."""
    return f"corpus-tests/news-{uuid.uuid4().hex[:12]}"
