"""Draw the benchmark plots of docs/benchmarks.md from the results in benchmarks/results/.

Run (needs the ``docs`` extra, for matplotlib)::

    python3 dev.py bench plots          # or: python benchmarks/plots.py [--results DIR] [--out DIR]

Each plot is drawn from one JSON file of ``benchmarks/results/`` and written as a PNG to
``docs/images/``; a plot whose file is missing is written as a placeholder that says which
command produces it, so the page never links to a missing image. The files:

``minhash.json`` (written by ``benchmarks/bench_minhash.py``)
    ``{"command": str, "date": str, "tools": [{"tool": str, "label": str,
    "docs_per_second": float, "mae": float | null}, ...]}``: MinHash signatures per second
    from raw text, one core, and the mean absolute error against the exact Jaccard
    (``null`` when the row is the same sketch as another). → ``minhash_throughput.png``.

``langid.json`` (written by ``benchmarks/bench_langid.py``)
    ``{"command": str, "date": str, "sets": [{"set": str, "documents": int,
    "corpus_docs_per_second": float, "langdetect_docs_per_second": float,
    "agreement": float}, ...]}``: documents per second of ``corpus.detect_language`` and of
    langdetect on each test set, and the share of documents where both name the same language
    (0 to 1). → ``langid_throughput.png``.

``build_scaling.json``
    ``[{"documents": int, "seconds": float, "engine": str, "workers": int}, ...]``: wall-clock
    seconds of ``corpus build`` for a corpus of ``documents`` documents, run by ``engine``
    (e.g. ``"local"``, ``"dask"``) with ``workers`` worker processes; one line per
    (engine, workers). → ``build_scaling.png``.

``dedup_pr.json``
    ``[{"threshold": float, "precision": float, "recall": float,
    "mode": "lexical" | "semantic"}, ...]``: pair precision and recall of duplicate detection
    at each decision threshold; one curve per mode. → ``dedup_pr.png``.

``dedup_pr_dev.json``
    The same, measured on the development set alone. → ``dedup_pr_dev.png``.

A file may also be an object with the list under ``"results"`` and ``"command"`` / ``"date"``
beside it; the plot's caption then names them. The PNGs carry no timestamp, so drawing the
same results twice gives the same files.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
IMAGES = ROOT / "docs" / "images"
_PNG_METADATA = {"Software": None}  # no version or date in the file: same results, same bytes


class ResultsError(ValueError):
    """A results file does not have the documented shape (the message names file and field)."""


def _load(path: Path) -> tuple[list[dict[str, Any]] | dict[str, Any], str]:
    """The parsed file and a caption naming the command and date that produced it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    caption = ""
    if isinstance(data, dict):
        caption = " ".join(
            part for part in (data.get("command", ""), f"({data['date']})" if "date" in data
                              else "") if part
        )
        if "results" in data:
            data = data["results"]
    return data, caption


def _rows(path: Path, data: Any, key: str | None, fields: dict[str, type | tuple[type, ...]]
          ) -> list[dict[str, Any]]:
    rows = data.get(key) if key and isinstance(data, dict) else data
    if not isinstance(rows, list) or not rows:
        where = f"'{key}'" if key else "the top level"
        raise ResultsError(f"{path}: {where} must be a non-empty list of objects")
    for i, row in enumerate(rows):
        for name, kind in fields.items():
            if not isinstance(row, dict) or name not in row or not isinstance(row[name], kind):
                raise ResultsError(
                    f"{path}: item {i}: field {name!r} is missing or not {kind}: {row!r}")
    return rows


def _figure(title: str, caption: str) -> tuple[Figure, Any]:
    fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=100)
    ax.set_title(title)
    if caption:
        fig.text(0.01, 0.01, caption, fontsize=7, color="0.4")
    return fig, ax


def minhash(path: Path) -> Figure:
    """Signatures per second of each tool (bars, log scale) with its error in the label."""
    data, caption = _load(path)
    rows = _rows(path, data, "tools", {"label": str, "docs_per_second": (int, float)})
    fig, ax = _figure("MinHash from raw text: 128 slots, word 5-grams, one core", caption)
    labels = [r["label"] + (f"\nMAE {r['mae']:.4f}" if r.get("mae") is not None else "")
              for r in rows]
    colours = ["tab:blue" if r.get("tool") == "corpus" else "tab:gray" for r in rows]
    bars = ax.barh(labels[::-1], [r["docs_per_second"] for r in rows][::-1],
                   color=colours[::-1])
    ax.bar_label(bars, fmt="{:,.0f}", padding=3, fontsize=8)
    ax.set_xlim(0, 1.15 * max(r["docs_per_second"] for r in rows))
    ax.set_xlabel("documents per second (higher is better)")
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def langid(path: Path) -> Figure:
    """Documents per second of corpus (the batch API the build uses, and one call a text) and
    of langdetect per test set, with the ratios and the agreement."""
    data, caption = _load(path)
    rows = _rows(path, data, "sets", {
        "set": str, "corpus_docs_per_second": (int, float),
        "batch_docs_per_second": (int, float),
        "langdetect_docs_per_second": (int, float), "agreement": (int, float),
    })
    fig, ax = _figure("Language identification: corpus vs langdetect", caption)
    y = range(len(rows))
    height = 0.27
    bars = (
        ("batch_docs_per_second", "corpus, detect_languages (batch)", "tab:blue", -height),
        ("corpus_docs_per_second", "corpus, detect_language (one call a text)", "tab:cyan", 0.0),
        ("langdetect_docs_per_second", "langdetect", "tab:gray", height),
    )
    for field, label, color, offset in bars:
        drawn = ax.barh([i + offset for i in y], [r[field] for r in rows], height,
                        label=label, color=color)
        if field == "langdetect_docs_per_second":
            ax.bar_label(drawn, fmt="{:,.0f}", padding=3, fontsize=7)
        else:
            ax.bar_label(drawn, labels=[
                f"{r[field] / r['langdetect_docs_per_second']:.0f}x"
                + (f", agree {100 * r['agreement']:.0f}%" if field == "batch_docs_per_second"
                   else "")
                for r in rows], padding=3, fontsize=7)
    ax.set_yticks(list(y), [r["set"] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    fastest = max(max(r["batch_docs_per_second"], r["corpus_docs_per_second"],
                      r["langdetect_docs_per_second"]) for r in rows)
    ax.set_xlim(right=fastest * 6)  # room for the labels
    ax.set_xlabel("documents per second (log scale; higher is better)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def build_scaling(path: Path) -> Figure:
    """Build time against corpus size, one line per engine and worker count."""
    data, caption = _load(path)
    rows = _rows(path, data, None, {
        "documents": int, "seconds": (int, float), "engine": str, "workers": int})
    fig, ax = _figure("corpus build: time against corpus size", caption)
    series: dict[tuple[str, int], list[tuple[int, float]]] = {}
    for r in rows:
        series.setdefault((r["engine"], r["workers"]), []).append((r["documents"], r["seconds"]))
    for (engine, workers), points in sorted(series.items()):
        points.sort()
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                label=f"{engine}, {workers} worker{'s' * (workers != 1)}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("documents (log scale)")
    ax.set_ylabel("seconds (log scale; lower is better)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def dedup_pr(path: Path) -> Figure:
    """Precision against recall over the decision thresholds, one curve per mode."""
    data, caption = _load(path)
    rows = _rows(path, data, None, {
        "threshold": (int, float), "precision": (int, float), "recall": (int, float),
        "mode": str})
    fig, ax = _figure("Duplicate detection: precision and recall by threshold", caption)
    for mode in sorted({r["mode"] for r in rows}):
        points = sorted((r for r in rows if r["mode"] == mode), key=lambda r: r["threshold"])
        ax.plot([r["recall"] for r in points], [r["precision"] for r in points], marker="o",
                label=mode)
        for r in points:
            ax.annotate(f"{r['threshold']:g}", (r["recall"], r["precision"]), fontsize=7,
                        textcoords="offset points", xytext=(4, 4))
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.05)
    ax.set_ylim(0, 1.05)
    ax.grid(True, alpha=0.3)
    ax.legend(title="mode (labels: threshold)", fontsize=8)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def placeholder(title: str, source: str) -> Figure:
    """The image shown until ``source`` exists: the title and how to produce the results."""
    fig, ax = _figure(title, "")
    ax.axis("off")
    ax.text(0.5, 0.5, f"No results yet.\nThis plot is drawn from benchmarks/results/{source}\n"
            "by `python3 dev.py bench plots` once that file exists.",
            ha="center", va="center", fontsize=11, color="0.35", transform=ax.transAxes)
    return fig


#: Results file → (image name, title for the placeholder, drawing function).
PLOTS: dict[str, tuple[str, str, Callable[[Path], Figure]]] = {
    "minhash.json": ("minhash_throughput.png", "MinHash throughput", minhash),
    "langid.json": ("langid_throughput.png", "Language identification", langid),
    "build_scaling.json": ("build_scaling.png", "Build time against corpus size", build_scaling),
    "dedup_pr.json": ("dedup_pr.png", "Dedup precision and recall", dedup_pr),
    "dedup_pr_dev.json": ("dedup_pr_dev.png", "Dedup precision and recall, development set",
                          dedup_pr),
}


def draw_all(results: Path = RESULTS, out: Path = IMAGES) -> dict[str, bool]:
    """Write every plot into ``out``; returns image name → drawn from results (False: the
    placeholder, as its results file is missing)."""
    out.mkdir(parents=True, exist_ok=True)
    drawn = {}
    for source, (image, title, draw) in PLOTS.items():
        path = results / source
        fig = draw(path) if path.exists() else placeholder(title, source)
        fig.savefig(out / image, metadata=_PNG_METADATA)
        plt.close(fig)
        drawn[image] = path.exists()
    return drawn


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS, help="the results folder")
    parser.add_argument("--out", type=Path, default=IMAGES, help="where the PNGs go")
    args = parser.parse_args(argv)
    try:
        drawn = draw_all(args.results, args.out)
    except ResultsError as exc:
        print(f"plots: {exc}", file=sys.stderr)
        return 1
    for image, from_results in drawn.items():
        print(f"{args.out / image}: {'drawn' if from_results else 'placeholder (no results yet)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
