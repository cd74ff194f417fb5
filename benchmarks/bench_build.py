"""End-to-end build benchmark: time, peak memory and speed-up of ``corpus build`` by corpus size
and executor, against a floor (read every file, write its raw text to Parquet with pyarrow).

The corpus is generated: ~600-word news-like articles in the seed format, with real
typography (curly quotes and apostrophes, dashes, accented names) because every sentence is
made from a sentence of the seeds or of the dedup development set with a share of its
content words replaced by the topic's own made-up names and words. One article in ten is a
planted copy of another (a paragraph dropped, a trailer added, a few words changed), so dedup
has real work. Corpora are generated once per size and seed and kept in ``--data``.

Each build runs as a user runs it, ``corpus build DIR --out STORE --engine E --workers N``,
in a fresh process; the peak RSS is the largest ``VmHWM`` of that process and every process it
starts, read every 50 ms while it runs (``RUSAGE_CHILDREN`` missed the workers: the fork server
reaps them, and nothing waits for the fork server). Results go to
``benchmarks/results/build_scaling.json`` (a list of ``{"documents", "seconds", "engine",
"workers", "peak_rss_mb", "floor_seconds"}``).

Run::

    python benchmarks/bench_build.py --docs 10000 --engines serial processes:1 processes:2
    python benchmarks/bench_build.py --docs 10000 30000 100000 --engines processes:2
    python benchmarks/bench_build.py --docs 10000 --engines processes:2 dask:2
    python benchmarks/bench_build.py --docs 10000 --engines processes:2 dask:2 --rounds 8
    python benchmarks/bench_build.py --docs 10000 --incremental --engines default --rounds 2
    python benchmarks/bench_build.py --docs 10000 --incremental   # 1% changed, cached rebuild
    python benchmarks/bench_build.py --docs 100000 --incremental --rounds 3   # median of 3
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "build_scaling.json"
_SENTENCE = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-zÀ-ÿ’']{5,}")


def _real_sentences() -> list[str]:
    """Body sentences of the seeds and of the development set (real typography)."""
    files = sorted((ROOT / "seeds").glob("*.txt"))
    files += sorted((ROOT / "benchmarks" / "data" / "dedup_dev" / "corpus").glob("*.txt"))
    found: list[str] = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            if len(line.split()) < 12:
                continue
            found.extend(s for s in _SENTENCE.split(line) if len(s.split()) >= 6)
    return sorted(set(found))


def _made_up(rng: random.Random) -> str:
    syllables = ["ka", "lo", "mir", "sen", "dra", "vel", "to", "nis", "bre", "zha", "ul", "pe"]
    name = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).capitalize()
    return name + rng.choice(["", "", "’s", "-Öberg", "é", "son"])


def _article(rng: random.Random, sentences: list[str], topic: list[str]) -> list[str]:
    """Paragraphs of ~600 words: real sentences with a third of their long words replaced by
    the topic's words (so articles of a topic share names and terms, not sentences)."""
    paragraphs: list[str] = []
    words = 0
    while words < 600:
        chosen = []
        for _ in range(rng.randint(2, 4)):
            text = rng.choice(sentences)
            text = _WORD.sub(lambda m: rng.choice(topic) if rng.random() < 0.33 else m.group(0),
                             text)
            chosen.append(text)
            words += len(text.split())
        paragraphs.append(" ".join(chosen))
    return paragraphs


def _copy(rng: random.Random, paragraphs: list[str]) -> list[str]:
    out = list(paragraphs)
    if len(out) > 3:
        del out[rng.randrange(len(out))]
    out = [p.replace(" the ", " a ", 1) if rng.random() < 0.3 else p for p in out]
    if rng.random() < 0.5:
        out.append("This article first appeared in another publication and is republished here.")
    return out


def generate(count: int, dest: Path, seed: int = 1) -> Path:
    """Write ``count`` articles (10% planted copies) into ``dest`` unless already there."""
    done = dest / ".complete"
    if done.exists():
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    rng = random.Random(seed)
    sentences = _real_sentences()
    topics = [[_made_up(rng) for _ in range(30)] for _ in range(max(1, count // 20))]
    kept: list[tuple[str, list[str]]] = []
    for seq in range(count):
        if kept and rng.random() < 0.1:
            headline, body = rng.choice(kept)
            body = _copy(rng, body)
        else:
            topic = rng.choice(topics)
            body = _article(rng, sentences, topic)
            headline = f"{rng.choice(topic)} and {rng.choice(topic)}: what we know"
            if len(kept) < 5000:
                kept.append((headline, body))
            else:
                kept[rng.randrange(len(kept))] = (headline, body)
        doc_id = hashlib.sha256(f"{seed}/{seq}".encode()).hexdigest()[:16]
        text = "\n".join([headline, f"By {rng.choice(topics[0])} Reporter", *body]) + "\n"
        (dest / f"{seq:07d}_{doc_id}.txt").write_text(text, encoding="utf-8")
    done.write_text("")
    return dest


def floor(corpus: Path, out: Path) -> float:
    """Seconds to read every file and write its raw text to Parquet with pyarrow (one core)."""
    start = time.perf_counter()
    names, texts = [], []
    writer = pq.ParquetWriter(out, pa.schema([("name", pa.string()), ("text", pa.string())]),
                              compression="zstd")
    for path in sorted(corpus.glob("*.txt")):
        names.append(path.name)
        texts.append(path.read_text(encoding="utf-8"))
        if len(names) == 10_000:
            writer.write_table(pa.table({"name": names, "text": texts}))
            names, texts = [], []
    if names:
        writer.write_table(pa.table({"name": names, "text": texts}))
    writer.close()
    return time.perf_counter() - start


def _engine_options(engine: str, workers: int) -> list[str]:
    """``--engine E --workers N``; none for ``default`` (what a user who names no engine gets)."""
    return [] if engine == "default" else ["--engine", engine, "--workers", str(workers)]


def timed_build(corpus: Path, store: Path, engine: str, workers: int) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, largest process) of one ``corpus build``."""
    shutil.rmtree(store, ignore_errors=True)
    command = [str(Path(sys.executable).with_name("corpus")), "build", str(corpus),
               "--out", str(store), *_engine_options(engine, workers)]
    peaks: dict[int, int] = {}
    with tempfile.TemporaryFile("w+") as errors:  # a pipe could fill up with log lines
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        while proc.poll() is None:
            for pid in _descendants(proc.pid):
                peak = _peak_kb(pid)
                if peak:
                    peaks[pid] = max(peaks.get(pid, 0), peak)
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"build failed ({proc.returncode}): {errors.read()}")
    return seconds, max(peaks.values(), default=0) / 1024


def _descendants(root: int) -> list[int]:
    """``root`` and every process below it (``/proc/PID/task/TID/children``)."""
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    stack += [int(child) for child in children.read().split()]
    return found


def _peak_kb(pid: int) -> int:
    """The peak resident set size of ``pid`` so far (``VmHWM``, kB); 0 once it is gone."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _edit_one_percent(corpus: Path, seed: int = 5) -> int:
    """Change 1% of the files: edit half of them, remove a quarter, add a quarter."""
    rng = random.Random(seed)
    files = sorted(corpus.glob("*.txt"))
    count = max(4, len(files) // 100)
    chosen = rng.sample(files, count)
    for path in chosen[: count // 2]:
        path.write_text(path.read_text(encoding="utf-8") + "An editor's note was added.\n",
                        encoding="utf-8")
    for path in chosen[count // 2: count // 2 + count // 4]:
        path.unlink()
    for k, path in enumerate(chosen[count // 2 + count // 4:]):
        seq = 9_000_000 + k
        doc_id = hashlib.sha256(f"added/{k}".encode()).hexdigest()[:16]
        shutil.copyfile(path, corpus / f"{seq:07d}_{doc_id}.txt")
    return count


def incremental(count: int, data: Path, engine: str, workers: int, rounds: int = 1) -> None:
    """Full build, then 1% of the files change: the cached rebuild against a clean build of
    the changed corpus (time, and the data files byte for byte).

    With ``rounds`` > 1 the pair (a full build from an empty store, then a rebuild after a
    fresh 1% edit) is repeated, each round's share computed from its own two runs taken
    minutes apart, and the median share printed: on a shared machine whose speed moves by a
    fifth within an hour, one pair is not a measurement. The clean build and the byte
    comparison follow the last round."""
    source = generate(count, data / f"news-{count}")
    corpus = data / f"incremental-{count}" / f"news-{count}"
    shutil.rmtree(corpus.parent, ignore_errors=True)
    shutil.copytree(source, corpus)
    # As in a real corpus, the unchanged files were written well before the builds: a file
    # changed in the 2 s before it was hashed is read again by the next build (racy stat).
    time.sleep(2.5)
    store, clean = data / "store-incremental", data / "store-clean"
    command = [str(Path(sys.executable).with_name("corpus")), "build", str(corpus), "--out",
               str(store), *_engine_options(engine, workers)]
    shares: list[float] = []
    for round_ in range(rounds):
        full, _ = timed_build(corpus, store, engine, workers)
        changed = _edit_one_percent(corpus, seed=5 + round_)
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        again = time.perf_counter() - start
        shares.append(again / full)
        if rounds > 1:
            print(f"round {round_ + 1}: full build {full:.1f} s, cached rebuild {again:.1f} s "
                  f"({100 * again / full:.1f}%)", flush=True)
        time.sleep(2.5)  # the edited files settle before the next round's full build
    scratch, _ = timed_build(corpus, clean, engine, workers)
    name = corpus.name
    new = sorted(p for p in (store / name).iterdir() if p.name.startswith("v"))[-1]
    fresh = sorted(p for p in (clean / name).iterdir() if p.name.startswith("v"))[-1]
    same = all((new / f).read_bytes() == (fresh / f).read_bytes()
               for f in ("clusters.parquet", "rejects.parquet")) and all(
        a.read_bytes() == b.read_bytes()
        for a, b in zip(sorted((new / "data").rglob("*.parquet")),
                        sorted((fresh / "data").rglob("*.parquet")), strict=True))
    print(f"{count:,} documents, {changed} files changed ({engine}:{workers}): full build "
          f"{full:.1f} s, cached rebuild {again:.1f} s ({100 * again / full:.0f}% of full), "
          f"clean build of the changed corpus {scratch:.1f} s; data files identical: {same}")
    if rounds > 1:
        print(f"rebuild share over {rounds} rounds: median {100 * statistics.median(shares):.1f}%"
              f", range {100 * min(shares):.1f}-{100 * max(shares):.1f}%")
    shutil.rmtree(corpus.parent, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[10_000])
    parser.add_argument("--engines", nargs="+", default=["processes:2"],
                        help="ENGINE:WORKERS items, e.g. serial processes:1 processes:2 dask:2; "
                             "default: no --engine nor --workers option")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp"))
                        / "corpus-bench")
    parser.add_argument("--no-save", action="store_true", help="do not update the JSON results")
    parser.add_argument("--incremental", action="store_true",
                        help="measure a cached rebuild after 1%% of the files change instead")
    parser.add_argument("--rounds", type=int, default=1,
                        help="builds per engine, the engines in turn (the results keep the "
                             "median; the ratios to the first engine are printed); with "
                             "--incremental: full build and rebuild pairs to take the median "
                             "share of")
    args = parser.parse_args(argv)
    if args.incremental:
        for count in args.docs:
            for item in args.engines:
                engine, _, workers = item.partition(":")
                incremental(count, args.data, engine, int(workers or 1), args.rounds)
        return 0
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    print(f"{'documents':>10} {'engine':>12} {'seconds':>9} {'docs/s':>8} {'peak MB':>8} "
          f"{'floor s':>8} {'÷ floor':>8}")
    for count in args.docs:
        corpus = generate(count, args.data / f"news-{count}")
        floor_seconds = floor(corpus, args.data / f"floor-{count}.parquet")
        runs: dict[str, list[tuple[float, float]]] = {item: [] for item in args.engines}
        for round_ in range(args.rounds):
            # Engines in turn, round after round: a drift of the machine's speed reaches
            # every engine alike, and each round's ratios compare builds run minutes apart.
            for item in args.engines:
                engine, _, workers = item.partition(":")
                seconds, rss = timed_build(corpus, args.data / "store", engine,
                                           int(workers or 1))
                runs[item].append((seconds, rss))
                label = item if args.rounds == 1 else f"{item} #{round_ + 1}"
                print(f"{count:>10,} {label:>12} {seconds:>9.1f} {count / seconds:>8,.0f} "
                      f"{rss:>8,.0f} {floor_seconds:>8.1f} {seconds / floor_seconds:>8.1f}")
        if args.rounds > 1:
            first = args.engines[0]
            for item in args.engines[1:]:
                ratios = [s / f for (s, _), (f, _) in zip(runs[item], runs[first], strict=True)]
                print(f"{item} ÷ {first} over {args.rounds} rounds: median "
                      f"{statistics.median(ratios):.2f}, range {min(ratios):.2f}-"
                      f"{max(ratios):.2f} ({', '.join(f'{r:.2f}' for r in ratios)})")
        for item in args.engines:
            engine, _, workers = item.partition(":")
            seconds = statistics.median(s for s, _ in runs[item])
            rss = max(r for _, r in runs[item])
            results = [r for r in results if not (r["documents"] == count and r["engine"] == engine
                                                  and r["workers"] == int(workers or 1))]
            results.append({"documents": count, "seconds": round(seconds, 2), "engine": engine,
                            "workers": int(workers or 1), "peak_rss_mb": round(rss),
                            "floor_seconds": round(floor_seconds, 2)})
    if not args.no_save:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        results.sort(key=lambda r: (r["engine"], r["workers"], r["documents"]))
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
