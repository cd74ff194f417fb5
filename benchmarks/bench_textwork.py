"""Per-document text work of a build: normalise, hashing key, source credit (one core).

Generates articles with real typography (``realistic.py``: the seeds' sentences shuffled
into ~600-word articles, as seed files with a headline and a byline), parses them, then times
each step a build does once per document:

* ``normalize``: the record stage (mojibake repair, control characters, NFC, whitespace,
  metadata, counts, SHA-256, language ID), one document per call;
* ``normalize_batch``: the same documents in batches (language ID over the batch), when the
  installed version has it; the rows must equal ``normalize``'s;
* ``hashing_key`` of the normalised text, and ``source_credit`` of the document.

Then a cProfile of the three steps together, top functions by own time.

Run from the repository root::

    python benchmarks/bench_textwork.py [--docs 2000] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import platform
import pstats
import sys
import time
from collections.abc import Callable

import ftfy

import corpus
from corpus.dedup.text import article_text, source_credit
from corpus.records import Document
from corpus.text import normalize as normalize_module
from corpus.text.keys import hashing_key
from corpus.text.normalize import normalize
from realistic import seed_files


def best(fn: Callable[[], object], repeat: int) -> float:
    """Best processor time (``time.process_time``) of ``repeat`` runs."""
    result = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        fn()
        result = min(result, time.process_time() - start)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="also print a cProfile")
    args = parser.parse_args(argv)

    docs: list[Document] = [corpus.parse(data, name) for name, data in seed_files(args.docs)]
    chars = sum(len(line.text) for d in docs for line in d.lines)
    print(f"# {len(docs)} generated articles, {chars / len(docs):,.0f} characters each; "
          f"python {platform.python_version()}, ftfy {ftfy.__version__}, one core")
    normalize(docs[0])  # warm up: language model, key tables
    hashing_key("warm up")
    normalised = [normalize(d) for d in docs]
    texts = [article_text(d) for d in normalised]

    timings: dict[str, float] = {}
    timings["normalize"] = best(lambda: [normalize(d) for d in docs], args.repeat)
    batch = getattr(normalize_module, "normalize_batch", None)
    if batch is not None:
        if batch(docs) != normalised:
            raise SystemExit("normalize_batch differs from normalize: a bug")
        timings["normalize_batch"] = best(lambda: batch(docs), args.repeat)
    timings["hashing_key"] = best(lambda: [hashing_key(t) for t in texts], args.repeat)
    timings["source_credit"] = best(lambda: [source_credit(d) for d in docs], args.repeat)
    step = "normalize_batch" if batch is not None else "normalize"
    timings["total"] = timings[step] + timings["hashing_key"] + timings["source_credit"]
    print(f"{'step':<18}{'seconds':>9}{'ms/doc':>9}{'docs/s':>10}")
    for name, seconds in timings.items():
        print(f"{name:<18}{seconds:>9.3f}{1000 * seconds / len(docs):>9.3f}"
              f"{len(docs) / seconds:>10,.0f}")

    if args.profile:
        def work() -> None:
            done = batch(docs) if batch is not None else [normalize(d) for d in docs]
            for doc in done:
                hashing_key(article_text(doc))
                source_credit(doc)

        profiler = cProfile.Profile()
        profiler.runcall(work)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
    return 0


if __name__ == "__main__":
    sys.exit(main())
