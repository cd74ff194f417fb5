"""fsspec (and asyncio, which it imports) is loaded only where a corpus or a store is an
archive or a URL: a build of a local folder into a local store, and the process pool's
workers, start without it."""

from __future__ import annotations

from pathlib import Path

from .test_executors import last_line

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

_BUILD = """
import sys
from corpus.cli import main
sys.argv = ["corpus", *sys.argv[1:]]
code = main()
print(code, "fsspec" in sys.modules)
"""


def test_a_local_build_does_not_import_fsspec(tmp_path: Path) -> None:
    line = last_line(_BUILD, "build", str(SEEDS), "--out", str(tmp_path / "releases"),
                      "--engine", "processes", "--workers", "1")
    assert line == "0 False"


def test_a_store_url_imports_it(tmp_path: Path) -> None:
    line = last_line(_BUILD, "build", str(SEEDS), "--out", "memory://releases",
                      "--engine", "serial", "--work-dir", str(tmp_path))
    assert line == "0 True"


def test_the_process_pool_s_workers_start_without_it() -> None:
    code = """
from corpus.pipeline import ProcessExecutor
task = "'fsspec' in __import__('sys').modules"
with ProcessExecutor(2) as pool:
    print(pool.map(eval, [task] * 4))
"""
    assert last_line(code) == "[False, False, False, False]"
