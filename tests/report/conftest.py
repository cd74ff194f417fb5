"""Fixtures for the report tests: releases built once per session, and a headless Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus.publish.builder import build

from .browser import Browser, open_browser

#: An exact copy of seed 004 under another id, and a file that is not UTF-8: one more cluster
#: (relation exact) and one reject, next to the seeds' rewrite cluster.
EXACT_COPY = "005_00000000000000aa.txt"
NOT_UTF8 = "006_00000000000000bb.txt"
BAD_UTF8 = b"Headline\nA body paragraph that is long enough to be body text.\n\xff\xfe broken\n"


@pytest.fixture(scope="session")
def seeds_release(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    """The release of the seed corpus (one rewrite cluster, no rejects)."""
    store = tmp_path_factory.mktemp("seeds-store")
    return build(seeds_dir, store, progress=False).path


@pytest.fixture(scope="session")
def mixed_corpus(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    """The seeds plus an exact copy of 004 and a file that is not UTF-8."""
    root = tmp_path_factory.mktemp("mixed") / "mixed"
    shutil.copytree(seeds_dir, root)
    shutil.copy(root / "004_e180362b89ccddc6.txt", root / EXACT_COPY)
    (root / NOT_UTF8).write_bytes(BAD_UTF8)
    return root


@pytest.fixture(scope="session")
def mixed_release(tmp_path_factory: pytest.TempPathFactory, mixed_corpus: Path) -> Path:
    """The release of :func:`mixed_corpus`: two clusters (rewrite, exact) and one reject."""
    store = tmp_path_factory.mktemp("mixed-store")
    return build(mixed_corpus, store, progress=False).path


@pytest.fixture(scope="session")
def browser_session() -> Iterator[Browser]:
    """One headless Chromium for the session (skips the test when there is none)."""
    with open_browser() as browser:
        yield browser


@pytest.fixture
def browser(browser_session: Browser) -> Browser:
    """The session's Chromium with its console log emptied, so each test sees only its own."""
    browser_session.console()
    return browser_session
