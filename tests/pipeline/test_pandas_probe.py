"""The ``corpus`` command and the process pool's workers do not import pandas, which pyarrow
imports on its first conversion of Python values and no stage uses; pandas stays importable."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_executors import last_line

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

pytest.importorskip("pandas")  # installed with datasets: otherwise there is nothing to show


@pytest.mark.parametrize("command", ["dedup", "build"])
def test_a_pipeline_command_runs_without_importing_pandas(tmp_path: Path, command: str) -> None:
    code = """
import sys
from corpus.cli import main
sys.argv = ["corpus", *sys.argv[1:]]
code = main()
print(code, "pandas" in sys.modules)
"""
    out = ["--out", str(tmp_path / "releases")] if command == "build" else []
    assert last_line(code, command, str(SEEDS), *out) == "0 False"


def test_the_process_pool_s_workers_convert_without_importing_pandas() -> None:
    code = """
from corpus.pipeline import ProcessExecutor
task = "(__import__('pyarrow').array(['x']), 'pandas' in __import__('sys').modules)[1]"
with ProcessExecutor(2) as pool:
    print(pool.map(eval, [task] * 4))
"""
    assert last_line(code) == "[False, False, False, False]"


def test_pandas_works_as_usual_after_the_probe_is_skipped() -> None:
    code = """
import sys
import pyarrow as pa
from corpus._arrow import skip_pandas_probe

skip_pandas_probe()
pa.array(["a"])
before = "pandas" in sys.modules
import pandas as pd
table = pa.Table.from_pandas(pd.DataFrame({"a": [1, 2]}))
kind = pa.types.is_dictionary(pa.array(pd.Series(pd.Categorical(["x", "y"]))).type)
print(before, table.num_rows, kind)
"""
    assert last_line(code) == "False 2 True"  # a categorical stays a dictionary


def test_the_probe_is_left_alone_when_pandas_is_loaded() -> None:
    """With pandas imported already, nothing is done: no conversion, no import finder (pyarrow
    then finds pandas, and a categorical stays a dictionary)."""
    code = """
import sys
import pandas as pd
import pyarrow as pa
from corpus._arrow import skip_pandas_probe

calls, finders, convert = [], list(sys.meta_path), pa.array
pa.array = lambda *a, **k: calls.append(a) or convert(*a, **k)
skip_pandas_probe()
pa.array = convert
kind = pa.types.is_dictionary(pa.array(pd.Series(pd.Categorical(["x", "y"]))).type)
print(len(calls), sys.meta_path == finders, kind)
"""
    assert last_line(code) == "0 True True"
