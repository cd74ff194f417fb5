"""The ``corpus`` command starts pyarrow's allocator with its own settings (eager commits of
mimalloc's arenas off): set before pyarrow is first imported, inherited by the fork server of
the workers, and never over a value the user set; a caller of ``main(argv)`` keeps its
environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
NAME = "MIMALLOC_ARENA_EAGER_COMMIT"

#: Runs the command in a fresh interpreter; prints the exit code, the setting seen when
#: pyarrow was first imported, and the setting in the fork server's environment.
_RUN = """
import multiprocessing.forkserver as forkserver, os, sys

seen = []


class Spy:
    def find_spec(self, name, path=None, target=None):
        if name == "pyarrow" and not seen:
            seen.append(os.environ.get(NAME, "unset"))
        return None


sys.meta_path.insert(0, Spy())
from corpus.cli import main

if sys.argv[1] == "argv":
    code = main(sys.argv[2:])
else:
    sys.argv = ["corpus", *sys.argv[1:]]
    code = main()
server = forkserver._forkserver._forkserver_pid
with open(f"/proc/{server}/environ", "rb") as handle:
    env = dict(item.split(b"=", 1) for item in handle.read().split(b"\\0") if b"=" in item)
print(code, seen[0], env.get(NAME.encode(), b"unset").decode())
"""


def _run(tmp_path: Path, *args: str, preset: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != NAME}
    if preset is not None:
        env[NAME] = preset
    code = f"NAME = {NAME!r}\n{_RUN}"
    out = subprocess.run([sys.executable, "-c", code, *args, "build", str(SEEDS), "--out",
                          str(tmp_path / "releases"), "--workers", "2"],
                         capture_output=True, text=True, timeout=600, env=env, check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads the fork server's environment from /proc")


def test_the_command_sets_the_allocator_before_pyarrow_and_for_its_workers(
        tmp_path: Path) -> None:
    assert _run(tmp_path) == "0 0 0"


def test_a_value_the_user_set_is_kept(tmp_path: Path) -> None:
    assert _run(tmp_path, preset="1") == "0 1 1"


def test_a_caller_passing_argv_keeps_its_environment(tmp_path: Path) -> None:
    assert _run(tmp_path, "argv") == "0 unset unset"
