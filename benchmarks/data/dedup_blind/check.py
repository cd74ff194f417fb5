"""Check the blind set against its labels, and print how much each text shares with
its source: the validation set's checker (``../dedup_validation/check.py``), run on this folder.
Exits 1 on a problem. Run::

    python benchmarks/data/dedup_blind/check.py
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    spec = importlib.util.spec_from_file_location(
        "validation_check", HERE.parent / "dedup_validation" / "check.py")
    assert spec is not None
    assert spec.loader is not None
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    result: int = checker.main(HERE)
    return result


if __name__ == "__main__":
    sys.exit(main())
