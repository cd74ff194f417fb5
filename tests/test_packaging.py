"""The distribution: `python -m build` makes an sdist and a wheel named news-corpus, and the wheel
installs into a fresh virtual environment where `corpus` imports and the command runs."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

from corpus._meta import DISTRIBUTION

REPO = Path(__file__).resolve().parent.parent


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=900,
                          check=False, cwd=cwd)


def test_the_distribution_name_is_the_one_the_code_uses() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["name"] == DISTRIBUTION == "news-corpus"
    assert project["license"] == "Apache-2.0"
    assert "Apache License" in (REPO / "LICENSE").read_text()
    assert "Version 2.0, January 2004" in (REPO / "LICENSE").read_text()


@pytest.mark.slow
def test_wheel_and_sdist_build_and_the_wheel_installs_in_a_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = _run(sys.executable, "-m", "build", "--outdir", dist, REPO)
    assert built.returncode == 0, built.stdout + built.stderr
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    wheel = dist / f"news_corpus-{version}-py3-none-any.whl"
    assert sorted(p.name for p in dist.iterdir()) == [wheel.name, f"news_corpus-{version}.tar.gz"]
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(f"news_corpus-{version}.dist-info/METADATA").decode()
    assert "corpus/__init__.py" in names
    assert "corpus/py.typed" in names
    assert f"news_corpus-{version}.dist-info/licenses/LICENSE" in names
    assert "Name: news-corpus\n" in metadata
    assert "License-Expression: Apache-2.0\n" in metadata

    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    python = env / "bin" / "python"
    installed = _run(python, "-m", "pip", "install", "--quiet", wheel)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    # Run from an empty folder, so that nothing of the checkout can be imported by accident.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shown = _run(env / "bin" / "corpus", "--version", cwd=outside)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == f"corpus {version}"
    imported = _run(python, "-c", "import corpus; print(corpus.__version__, corpus.__file__)",
                    cwd=outside)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.split()[0] == version
    assert str(env) in imported.stdout  # the installed copy, not the checkout
    checked = _run(env / "bin" / "corpus", "validate", REPO / "seeds", cwd=outside)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "5 files seen: 5 valid, 0 rejected"
