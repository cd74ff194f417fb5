"""The ``corpus`` command and the process pool's workers do not import pandas, which pyarrow
imports on its first conversion of Python values and no stage uses; pandas stays importable."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _run(tmp_path: Path, script: str, *args: str) -> str:
    (tmp_path / "script.py").write_text(textwrap.dedent(script), encoding="utf-8")
    done = subprocess.run([sys.executable, str(tmp_path / "script.py"), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("command", ["dedup", "build"])
def test_a_pipeline_command_runs_without_importing_pandas(tmp_path: Path, command: str) -> None:
    pytest.importorskip("pandas")  # installed with datasets: otherwise nothing to show
    script = """
        import sys
        from corpus.cli import main
        sys.argv = ["corpus", *sys.argv[1:]]
        code = main()
        print(code, "pandas" in sys.modules)
    """
    out = ["--out", str(tmp_path / "releases")] if command == "build" else []
    assert _run(tmp_path, script, command, str(SEEDS), *out) == "0 False"


def test_the_process_pool_s_workers_do_not_import_pandas(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    (tmp_path / "probe_helper.py").write_text(textwrap.dedent("""
        import sys

        import pyarrow as pa


        def pandas_after_a_conversion(_: object) -> bool:
            pa.array(["converted"])
            return "pandas" in sys.modules
    """), encoding="utf-8")
    script = """
        from corpus.pipeline.executor import ProcessExecutor
        from probe_helper import pandas_after_a_conversion

        if __name__ == "__main__":
            with ProcessExecutor(2) as pool:
                print(pool.map(pandas_after_a_conversion, [0, 1]))
    """
    assert _run(tmp_path, script) == "[False, False]"


def test_pandas_works_as_usual_after_the_probe_is_skipped(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    script = """
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
    assert _run(tmp_path, script) == "False 2 True"  # a categorical stays a dictionary


def test_the_probe_is_left_alone_when_pandas_is_loaded(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    script = """
        import pandas as pd
        import pyarrow as pa
        from corpus._arrow import skip_pandas_probe

        skip_pandas_probe()
        print(pa.types.is_dictionary(pa.array(pd.Series(pd.Categorical(["x", "y"]))).type))
    """
    assert _run(tmp_path, script) == "True"
