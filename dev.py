#!/usr/bin/env python3
"""Developer entry point: `python3 dev.py build|test|lint|bench`, needing only Python 3.11+.

Each command first makes sure the project's virtual environment (`.venv/`) exists and has the
project installed (editable, with the `dev` extra); it is (re)installed when missing or when
`pyproject.toml` changed since the last install, and what changed in `src/` is compiled to
bytecode. Then:

  build [ARGS...]   build the dataset release from `seeds/` (`corpus build`, extra ARGS passed on)
  test  [ARGS...]   run the whole test suite (pytest, extra ARGS passed on)
  lint              ruff, and mypy --strict on src and on tests, as CI runs them
  bench NAME        run `benchmarks/NAME.py` (installs the `bench` extra: datasketch, rensa);
                    `bench plots` redraws docs/images/ from benchmarks/results/ (`docs` extra)
  docs [ARGS...]    build the documentation site into `site/` (`mkdocs build --strict`,
                    installs the `docs` extra; `docs serve` serves it while you edit)
  setup [EXTRA...]  install more extras into `.venv`, e.g. `setup semantic` (CI does this, so
                    the semantic-verifier tests run there; without it they are skipped). For
                    `semantic`, a CPU PyTorch goes in first (`TORCH_SPEC`, default torch==2.13.0).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _run(*args: str | os.PathLike[str]) -> int:
    return subprocess.call([str(a) for a in args], cwd=ROOT)


def ensure_env(extras: str = "dev") -> None:
    """Create `.venv` and install the project into it unless it is already up to date."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras.replace(',', '-')}"
    if stamp.exists() and stamp.read_text() == digest and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"dev.py: creating the virtual environment in {VENV.name}/", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print(f"dev.py: installing news-corpus[{extras}] into {VENV.name}/", file=sys.stderr)
    code = _run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    code = code or _run(PYTHON, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]")
    if code:
        sys.exit(f"dev.py: installing the project failed (exit {code})")
    stamp.write_text(digest)


def compile_sources() -> None:
    """Compile `src/` to bytecode where it changed (about 0.1 s when nothing did).

    An editable install leaves the package's code uncompiled, and where
    `PYTHONDONTWRITEBYTECODE` is set (as on many CI machines) Python then compiles every
    module again in each process: about 0.15 s of every `corpus` command and of each of its
    worker processes' fork server. Compiled files are only read when they match the source,
    so an edit made later costs nothing but its own compilation."""
    _run(PYTHON, "-m", "compileall", "-q", ROOT / "src")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"build", "test", "lint", "bench", "setup", "docs"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "setup":
        ensure_env()
        if "semantic" in rest:
            torch = os.environ.get("TORCH_SPEC", "torch==2.13.0")
            if _run(PYTHON, "-m", "pip", "install", "--quiet", torch):
                return 1
        extras = ",".join(["dev", *rest])
        code = _run(PYTHON, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]")
        compile_sources()
        return code
    if command == "docs":
        ensure_env("dev,docs")
        compile_sources()
        if rest and rest[0] == "serve":
            return _run(BIN / "mkdocs", *rest)
        return _run(BIN / "mkdocs", "build", "--strict", *rest)
    if command == "bench":
        ensure_env("dev,docs" if rest[:1] == ["plots"] else "dev,bench")
        compile_sources()
        if not rest:
            names = sorted(p.stem for p in (ROOT / "benchmarks").glob("*.py"))
            print("dev.py bench NAME: one of " + ", ".join(names), file=sys.stderr)
            return 2
        return _run(PYTHON, ROOT / "benchmarks" / f"{rest[0]}.py", *rest[1:])
    ensure_env()
    compile_sources()
    if command == "build":
        return _run(BIN / "corpus", "build", *rest)
    if command == "test":
        return _run(PYTHON, "-m", "pytest", *rest)
    return (
        _run(BIN / "ruff", "check", "src", "tests", "benchmarks", "dev.py", "docs/hooks")
        or _run(BIN / "mypy", "--strict", "src")
        or _run(BIN / "mypy", "--strict", "tests")
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
