"""benchmarks/plots.py: the plots of docs/benchmarks.md, drawn from benchmarks/results/*.json."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("matplotlib")

REPO = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n"


def _plots() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_plots", REPO / "benchmarks" / "plots.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCALING = [
    {"documents": n, "seconds": n / rate, "engine": engine, "workers": workers}
    for engine, workers, rate in (("local", 1, 150.0), ("local", 2, 280.0), ("dask", 2, 260.0))
    for n in (1_000, 10_000, 100_000)
]
PR = [
    {"threshold": t, "precision": 1 - t / 4, "recall": t, "mode": mode}
    for mode in ("lexical", "semantic") for t in (0.2, 0.5, 0.8)
]


def test_missing_results_give_placeholders_and_present_ones_plots(tmp_path: Path) -> None:
    plots = _plots()
    results, out = tmp_path / "results", tmp_path / "images"
    results.mkdir()
    drawn = plots.draw_all(results, out)
    assert drawn == dict.fromkeys(
        ["minhash_throughput.png", "langid_throughput.png", "build_scaling.png", "dedup_pr.png",
         "dedup_pr_dev.png"], False)
    placeholder = (out / "build_scaling.png").read_bytes()
    assert placeholder.startswith(PNG)

    (results / "build_scaling.json").write_text(json.dumps(SCALING))
    (results / "dedup_pr.json").write_text(json.dumps({"command": "x", "results": PR}))
    drawn = plots.draw_all(results, out)
    assert drawn["build_scaling.png"] is True
    assert drawn["dedup_pr.png"] is True
    assert drawn["minhash_throughput.png"] is False
    assert (out / "build_scaling.png").read_bytes() != placeholder


def test_the_committed_results_draw_and_drawing_again_gives_the_same_bytes(
    tmp_path: Path,
) -> None:
    plots = _plots()
    drawn = plots.draw_all(REPO / "benchmarks" / "results", tmp_path / "a")
    assert drawn["minhash_throughput.png"] is True
    assert drawn["langid_throughput.png"] is True
    plots.draw_all(REPO / "benchmarks" / "results", tmp_path / "b")
    for image in drawn:
        assert (tmp_path / "a" / image).read_bytes() == (tmp_path / "b" / image).read_bytes()
        assert (REPO / "docs" / "images" / image).read_bytes().startswith(PNG)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("build_scaling.json", [{"documents": 10, "seconds": 1.0, "engine": "local"}],
         r"item 0: field 'workers' is missing"),
        ("dedup_pr.json", [], r"the top level must be a non-empty list"),
        ("dedup_pr.json", [{"threshold": "high", "precision": 1, "recall": 1, "mode": "lexical"}],
         r"item 0: field 'threshold'"),
        ("minhash.json", {"tools": []}, r"'tools' must be a non-empty list"),
        ("langid.json", "{not json", r"langid.json:1: not JSON"),
    ],
)
def test_bad_results_are_refused_with_file_and_field(
    tmp_path: Path, name: str, content: object, message: str
) -> None:
    plots = _plots()
    (tmp_path / name).write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(plots.ResultsError, match=message):
        plots.draw_all(tmp_path, tmp_path / "images")
    assert plots.main(["--results", str(tmp_path), "--out", str(tmp_path / "images")]) == 1
