"""Point ``huggingface_hub`` and ``datasets`` at the loopback Hub stand-in, in isolation.

Both libraries read ``HF_ENDPOINT`` (and their cache paths) once, when they are first imported, so
:func:`configure` must run before that: ``tests/conftest.py`` calls it at import time. It picks a
free loopback port for the stand-in (the session fixture starts the server on it), gives the run a
fresh ``HF_HOME`` (no cache, token or login of the machine is ever used) and switches off what
would otherwise reach out to other hosts (telemetry, download counters, Xet storage).
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path

__all__ = ["HUB_HOME", "HUB_PORT", "HUB_URL", "configure"]

_REMOVED = (
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "HF_TOKEN_PATH",
    "HF_STORED_TOKENS_PATH",
    "HF_HUB_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HF_HUB_CACHE",
    "HUGGINGFACE_HUB_CACHE",
    "HF_ASSETS_CACHE",
    "HF_XET_CACHE",
    "HF_HUB_ENABLE_HF_TRANSFER",
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def configure() -> tuple[int, Path]:
    """Set the environment for the stand-in; returns its port and the run's ``HF_HOME``."""
    early = sorted(m for m in ("huggingface_hub", "datasets") if m in sys.modules)
    if early:
        raise RuntimeError(
            f"{', '.join(early)} was imported before the Hub stand-in environment was set, so it "
            "would talk to the real Hub: import tests/hub/env.py first (tests/conftest.py does)"
        )
    port = _free_port()
    home = Path(tempfile.mkdtemp(prefix="corpus-test-hf-home-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    for name in _REMOVED:
        os.environ.pop(name, None)
    os.environ.update(
        {
            "HF_ENDPOINT": f"http://127.0.0.1:{port}",
            "HF_HOME": str(home),
            "HF_DATASETS_CACHE": str(home / "datasets"),
            "HF_HUB_DISABLE_XET": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_UPDATE_DOWNLOAD_COUNTS": "0",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
        }
    )
    return port, home


HUB_PORT, HUB_HOME = configure()
HUB_URL = f"http://127.0.0.1:{HUB_PORT}"
