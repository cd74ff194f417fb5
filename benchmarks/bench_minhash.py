"""MinHash throughput and accuracy: corpus vs rensa vs datasketch, from raw text, in one run.

Throughput is measured on two corpora: articles with real typography (the seeds' sentences
shuffled into ~600-word articles: curly apostrophes and quotes, dashes, accented names and
no-break spaces, see ``realistic.py``), then ASCII word salad (Zipf-distributed random
words). Every tool gets the same generated documents and the same shingles: word 5-grams of
``text.split()``, 128 slots per signature. Throughput counts everything from the raw text to
the signature (tokenising and shingling included), on one core, in processor time. Accuracy is
the mean absolute error of each tool's Jaccard estimate against the exact Jaccard of the
shingle sets, over pairs whose true similarity spreads over the whole range. The script also
measures the dedup index's memory per document.

Run (takes a few minutes, most of it datasketch)::

    python benchmarks/bench_minhash.py            # 20,000 documents of each, 2,000 pairs
    python benchmarks/bench_minhash.py --docs 2000 --pairs 300   # a quick look

The figures also go to ``benchmarks/results/minhash.json`` (``--json PATH`` elsewhere, ``--json
''`` nowhere), from which ``python3 dev.py bench plots`` draws the plot of docs/benchmarks.md.

Needs the ``bench`` extra (``pip install 'news-corpus[bench]'``: rensa, datasketch).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from corpus.dedup import DedupConfig, minhash_signatures
from corpus.dedup.phases import ShardIndexer, _load_meta
from corpus.format.parser import parse
from corpus.text.normalize import normalize
from realistic import articles

NUM_PERM = 128
NGRAM = 5
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "minhash.json")


def generate(count: int, words: int, seed: int) -> list[str]:
    """``count`` documents of about ``words`` words, Zipf-distributed over 30,000 words."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("etaoinshrdlcumwfgypbvkjxqz"))
    weights = np.linspace(2.0, 0.2, len(letters))
    weights /= weights.sum()
    vocabulary = ["".join(rng.choice(letters, size=int(rng.integers(2, 11)), p=weights))
                  for _ in range(30_000)]
    ranks = 1.0 / np.arange(1, len(vocabulary) + 1) ** 1.05
    ranks /= ranks.sum()
    docs = []
    for _ in range(count):
        length = int(rng.integers(words - 100, words + 101))
        picks = rng.choice(len(vocabulary), size=length, p=ranks)
        docs.append(" ".join(vocabulary[i] for i in picks))
    return docs


def shingles(text: str) -> list[str]:
    """Word 5-grams as strings: what a user feeds rensa and datasketch."""
    words = text.split()
    if len(words) < NGRAM:
        return [" ".join(words)] if words else []
    return [" ".join(words[i:i + NGRAM]) for i in range(len(words) - NGRAM + 1)]


# -- the tools, each from raw text to signatures -------------------------------------------
def run_corpus(texts: Sequence[str]) -> np.ndarray:
    return minhash_signatures(texts, num_perm=NUM_PERM, ngram=NGRAM, seed=1)


def run_rensa_per_doc(texts: Sequence[str]) -> np.ndarray:
    import rensa

    out = np.empty((len(texts), NUM_PERM), dtype=np.uint32)
    for i, text in enumerate(texts):
        sketch = rensa.RMinHash(num_perm=NUM_PERM, seed=1)
        sketch.update(shingles(text))
        out[i] = sketch.digest()
    return out


def run_rensa_bulk(texts: Sequence[str]) -> np.ndarray:
    import rensa

    matrix = rensa.RMinHash.digest_matrix_from_token_sets(
        [shingles(t) for t in texts], NUM_PERM, 1
    )
    return np.asarray(matrix.to_rows(), dtype=np.uint32)


def run_datasketch(texts: Sequence[str]) -> np.ndarray:
    from datasketch import MinHash

    out = np.empty((len(texts), NUM_PERM), dtype=np.uint64)
    for i, text in enumerate(texts):
        sketch = MinHash(num_perm=NUM_PERM, seed=1)
        sketch.update_batch([s.encode("utf-8") for s in shingles(text)])
        out[i] = sketch.hashvalues
    return out


TOOLS: dict[str, Callable[[Sequence[str]], np.ndarray]] = {
    "corpus": run_corpus,
    "rensa (RMinHash per document)": run_rensa_per_doc,
    "rensa (bulk digest matrix)": run_rensa_bulk,
    "datasketch (MinHash.update_batch)": run_datasketch,
}
#: How the results file and the plot name each tool.
LABELS = {
    "corpus": "corpus minhash_signatures",
    "rensa (RMinHash per document)": "rensa RMinHash per document",
    "rensa (bulk digest matrix)": "rensa bulk digest_matrix_from_token_sets",
    "datasketch (MinHash.update_batch)": "datasketch MinHash.update_batch",
}


def throughput(tool: Callable[[Sequence[str]], np.ndarray], texts: Sequence[str],
               repeats: int) -> float:
    """Best documents per second of processor time over ``repeats`` runs (the least
    disturbed run; processor time because the machine may be shared)."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.process_time()
        tool(texts)
        best = min(best, time.process_time() - start)
    return len(texts) / best


# -- accuracy ------------------------------------------------------------------------------------
def edited_pairs(texts: Sequence[str], count: int, seed: int) -> list[tuple[str, str]]:
    """Pairs (text, edited copy) whose true Jaccard spreads over [0, 1].

    Edits replace a random share of the words (0 to 60%) and may truncate the copy, which
    gives low-, mid- and high-similarity pairs in about equal numbers.
    """
    rng = np.random.default_rng(seed)
    pairs = []
    for i in range(count):
        words = texts[i % len(texts)].split()
        rate = float(rng.choice([rng.uniform(0.0, 0.05), rng.uniform(0.05, 0.2),
                                 rng.uniform(0.2, 0.6)]))
        edited = [w if rng.random() > rate else f"{w}x" for w in words]
        if rng.random() < 0.3:
            edited = edited[: int(len(edited) * rng.uniform(0.3, 1.0))]
        pairs.append((" ".join(words), " ".join(edited)))
    return pairs


def exact_jaccard(a: str, b: str) -> float:
    left, right = set(shingles(a)), set(shingles(b))
    return len(left & right) / len(left | right) if left | right else 1.0


def accuracy(tool: Callable[[Sequence[str]], np.ndarray], pairs: list[tuple[str, str]],
             truth: np.ndarray) -> tuple[float, dict[str, float]]:
    left = tool([a for a, _ in pairs])
    right = tool([b for _, b in pairs])
    estimates = np.mean(left == right, axis=1)
    errors = np.abs(estimates - truth)
    bins = {}
    for low, high in ((0.0, 0.2), (0.2, 0.5), (0.5, 0.8), (0.8, 1.01)):
        inside = (truth >= low) & (truth < high)
        if inside.any():
            bins[f"{low:.1f}-{min(high, 1.0):.1f}"] = float(errors[inside].mean())
    return float(errors.mean()), bins


# -- memory of the dedup index -------------------------------------------------------------------
def index_memory(texts: Sequence[str]) -> tuple[float, float]:
    """Bytes per document the driver holds of the dedup index (the per-document arrays and
    ids every later phase uses), and bytes per document the index phase writes to disk (texts,
    keys, band keys, anchors, stems)."""
    # Normalise first (the index pass would), so that only the index's own memory is counted.
    docs = [normalize(parse(t.encode(), f"{i:06d}_{i:016x}.txt")) for i, t in enumerate(texts)]
    with tempfile.TemporaryDirectory() as work:
        with ShardIndexer(work, 0, DedupConfig(), 1) as indexer:
            for doc in docs:
                indexer.add(doc)
            shard = indexer.close()
        spooled = sum(f.stat().st_size for f in Path(work).iterdir())
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        meta = _load_meta(work, [shard])
        held = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        del meta
    return held / len(docs), spooled / len(docs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--words", type=int, default=600)
    parser.add_argument("--pairs", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per fast tool")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--json", default=str(RESULTS), metavar="PATH",
        help="where to write the figures as JSON ('' for nowhere; default: %(default)s)",
    )
    args = parser.parse_args(argv)

    print(f"# MinHash benchmark: {NUM_PERM} slots, word {NGRAM}-grams; "
          f"python {platform.python_version()}, numpy {np.__version__}, "
          f"{platform.machine()}, {os.cpu_count()} cores (one used)")
    corpora = {
        "realistic typography": articles(args.docs, args.words, args.seed),
        "ASCII word salad": generate(args.docs, args.words, args.seed),
    }
    for label, texts in corpora.items():
        mean_words = statistics.mean(len(t.split()) for t in texts)
        ascii_share = statistics.mean(t.isascii() for t in texts)
        print(f"\n## {label}: {len(texts)} documents, {mean_words:.0f} words on average, "
              f"{ascii_share:.0%} pure ASCII")
        rates = {}
        for name, tool in TOOLS.items():
            repeats = 1 if name.startswith("datasketch") else args.repeats
            rates[name] = throughput(tool, texts, repeats)
            print(f"{name:36s} {rates[name]:10,.0f} docs/s", flush=True)
        ours = rates["corpus"]
        best_rensa = max(v for k, v in rates.items() if k.startswith("rensa"))
        print("# ratios (corpus / other)")
        for name, rate in rates.items():
            if name != "corpus":
                print(f"{name:36s} {ours / rate:6.1f}x")
        print(f"{'best rensa':36s} {ours / best_rensa:6.1f}x")

    texts = corpora["ASCII word salad"]
    pairs = edited_pairs(texts, args.pairs, args.seed + 1)
    truth = np.array([exact_jaccard(a, b) for a, b in pairs])
    print(f"\n# accuracy: {len(pairs)} pairs, true Jaccard mean {truth.mean():.2f}, "
          f"quartiles {np.percentile(truth, [25, 50, 75]).round(2).tolist()}")
    errors = {}
    for name, tool in TOOLS.items():
        if name.startswith("rensa (bulk"):
            continue  # same sketch as per document
        errors[name], bins = accuracy(tool, pairs, truth)
        detail = ", ".join(f"J {k}: {v:.3f}" for k, v in bins.items())
        print(f"{name:36s} MAE {errors[name]:.4f}   ({detail})")

    held, spooled = index_memory(texts[: min(len(texts), 5_000)])
    bands, _ = DedupConfig().minhash.banding
    print(f"\n# dedup index: {held:,.0f} bytes per document in memory "
          f"({bands} band keys of 8 bytes, key digest, offsets, id, name, seq, counts); "
          f"{spooled:,.0f} bytes per document spooled to a temporary file")
    if args.json:
        command = "python benchmarks/bench_minhash.py " + " ".join(argv or sys.argv[1:])
        write_results(args.json, command.strip(), args, rates, errors)
    return 0


def write_results(path: str, command: str, args: argparse.Namespace,
                  rates: dict[str, float], errors: dict[str, float]) -> None:
    """The figures in the format ``benchmarks/plots.py`` reads (see its docstring)."""
    tools = [
        {"tool": name.split()[0], "label": LABELS.get(name, name),
         "docs_per_second": round(rate), "mae": round(errors[name], 4) if name in errors
         else None}
        for name, rate in rates.items()
    ]
    payload = {
        "benchmark": "minhash", "command": command,
        "date": datetime.date.today().isoformat(),
        "note": f"{platform.machine()}, {os.cpu_count()} cores (one used), "
                f"python {platform.python_version()}, numpy {np.__version__}",
        "documents": args.docs, "words": args.words, "num_perm": NUM_PERM, "ngram": NGRAM,
        "pairs": args.pairs, "tools": tools,
    }
    with open(path, "w", encoding="utf-8") as out:
        json.dump(payload, out, indent=2)
        out.write("\n")
    print(f"\n# figures written to {path}")


if __name__ == "__main__":
    sys.exit(main())
