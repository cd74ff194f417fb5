"""Language identification: ``corpus.detect_language`` against ``langdetect.detect_langs``.

``corpus`` is timed twice: one call of ``detect_language`` per document, and one call of
``detect_languages`` for the whole set (the batch API, which must give the same answers:
the script stops if one differs).

Builds a multilingual document set (English documents from the seed articles' body
paragraphs, 29 other languages from ``data/langid_samples.json``), each document 1 to 16
paragraphs of one language, so lengths run from a short brief to a long article, plus two
stress sets: articles with one paragraph of another language inserted, and single sentences.
Both tools run on the same documents in one process, one document per call; langdetect is
seeded (``DetectorFactory.seed = 0``) as its documentation asks for reproducible results.

Prints, per set and per length band: documents per second of processor time for each tool
(``time.process_time``, best of ``--repeat`` passes, the passes of the tools alternating so
they meet the same machine load; processor time rather than wall time because the machine
may be shared), the speed ratio, how often the two agree on the top language (langdetect's
``zh-cn``/``zh-tw`` count as ``zh``), how often langdetect agrees with itself under another
seed (the ceiling any reimplementation can be held to), and each tool's accuracy against the
language the documents were written in.

Run from the repository root::

    python benchmarks/bench_langid.py [--docs-per-language 40] [--repeat 3]

The figures also go to ``benchmarks/results/langid.json`` (``--json PATH`` elsewhere, ``--json
''`` nowhere), from which ``python3 dev.py bench plots`` draws the plot of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

import corpus
from corpus.records import Role

REPO = Path(__file__).resolve().parent.parent
#: Paragraphs in 29 languages written for this benchmark, by ISO 639-1 code.
SAMPLES: dict[str, list[str]] = json.loads(
    (REPO / "benchmarks" / "data" / "langid_samples.json").read_text(encoding="utf-8")
)["samples"]


def english_paragraphs() -> list[str]:
    """Body paragraphs of the seed articles (English news text)."""
    paragraphs: list[str] = []
    for path in sorted((REPO / "seeds").glob("*.txt")):
        doc = corpus.parse(path.read_bytes(), path.name)
        paragraphs += [line.text for line in doc.lines_with(Role.BODY)]
    return paragraphs


def build_documents(per_language: int, seed: int) -> list[tuple[str, str]]:
    """``(language, text)`` pairs: ``per_language`` documents of 1 to 16 paragraphs each."""
    rng = random.Random(seed)
    pools = {"en": english_paragraphs(), **SAMPLES}
    documents = []
    for language in sorted(pools):
        pool = pools[language]
        for _ in range(per_language):
            count = rng.randint(1, 16)
            documents.append((language, "\n\n".join(rng.choice(pool) for _ in range(count))))
    return documents


def build_mixed(per_language: int, seed: int) -> list[tuple[str, str]]:
    """``(language, text)`` pairs: 4 to 12 paragraphs of one language with one paragraph of
    another language inserted (a quotation, a translated statement); the truth is the main
    language."""
    rng = random.Random(seed)
    pools = {"en": english_paragraphs(), **SAMPLES}
    languages = sorted(pools)
    documents = []
    for language in languages:
        for _ in range(per_language):
            body = [rng.choice(pools[language]) for _ in range(rng.randint(4, 12))]
            other = rng.choice([code for code in languages if code != language])
            body.insert(rng.randint(0, len(body)), rng.choice(pools[other]))
            documents.append((language, "\n\n".join(body)))
    return documents


def build_sentences(min_chars: int) -> list[tuple[str, str]]:
    """``(language, sentence)`` pairs: every sentence of the sample paragraphs (and of the
    first four seed paragraphs) with at least ``min_chars`` characters; a stress test."""
    pools = {"en": english_paragraphs()[:4], **SAMPLES}
    pairs = []
    for language in sorted(pools):
        for paragraph in pools[language]:
            for sentence in re.split(r"(?<=[.!?。।])\s*", paragraph):
                if len(sentence) >= min_chars:
                    pairs.append((language, sentence))
    return pairs


def build_band(per_language: int, low: int, high: int, seed: int) -> list[tuple[str, str]]:
    """``(language, text)`` pairs of ``low`` to ``high`` characters: the start of an article
    of the language, cut at a random length in that range (at a space when there is one)."""
    rng = random.Random(seed)
    pools = {"en": english_paragraphs(), **SAMPLES}
    documents = []
    for language in sorted(pools):
        for _ in range(per_language):
            text = "\n\n".join(rng.choice(pools[language]) for _ in range(16))
            cut = rng.randint(low, high - 1)
            space = text.rfind(" ", low, cut)
            documents.append((language, text[: space if space > 0 else cut]))
    return documents


def langdetect_top(text: str) -> str:
    """langdetect's top language as an ISO 639-1 code ("und" when it finds none)."""
    try:
        guesses = detect_langs(text)
    except LangDetectException:
        return "und"
    if not guesses:
        return "und"
    code = str(guesses[0].lang)
    return "zh" if code.startswith("zh") else code


def ours_top(text: str) -> str:
    return corpus.detect_language(text).code


def timed_pair(
    texts: Sequence[str], repeat: int
) -> tuple[list[str], float, float, list[str], float]:
    """Answers and best wall time of ``repeat`` full passes of each tool over ``texts``:
    ours one call per text, ours in one batch, langdetect.

    The passes alternate (ours, batch, langdetect, ours, ...) so that the tools meet the same
    machine load; langdetect runs with ``DetectorFactory.seed = 0``.
    """
    ours_best = batch_best = theirs_best = float("inf")
    ours: list[str] = []
    theirs: list[str] = []
    DetectorFactory.seed = 0
    for _ in range(repeat):
        start = time.process_time()
        guesses = [corpus.detect_language(text) for text in texts]
        ours_best = min(ours_best, time.process_time() - start)
        start = time.process_time()
        batch = corpus.detect_languages(texts)
        batch_best = min(batch_best, time.process_time() - start)
        if batch != guesses:
            raise SystemExit("detect_languages differs from detect_language: a bug")
        ours = [g.code for g in guesses]
        start = time.process_time()
        theirs = [langdetect_top(text) for text in texts]
        theirs_best = min(theirs_best, time.process_time() - start)
    return ours, ours_best, batch_best, theirs, theirs_best


HEADER = (
    f"{'set':<22}{'docs':>6}{'corpus/s':>10}{'batch/s':>9}{'langdetect/s':>14}{'ratio':>8}"
    f"{'batch ratio':>13}"
    f"{'agree %':>9}{'ld 0vs1 %':>11}{'acc corpus %':>14}{'acc ld %':>10}"
)


#: One results row per table row, in the format ``benchmarks/plots.py`` reads.
ROWS: list[dict[str, object]] = []


def compare(name: str, pairs: Sequence[tuple[str, str]], repeat: int) -> list[str]:
    """Run both tools on ``pairs`` and print one row of the table (and add it to
    :data:`ROWS`); returns the disagreements."""
    truth = [language for language, _ in pairs]
    texts = [text for _, text in pairs]
    ours, ours_time, batch_time, theirs, theirs_time = timed_pair(texts, repeat)
    DetectorFactory.seed = 1
    other_seed = [langdetect_top(text) for text in texts]
    DetectorFactory.seed = 0
    n = len(texts)

    def percent(a: Sequence[str], b: Sequence[str]) -> float:
        return 100 * sum(x == y for x, y in zip(a, b, strict=True)) / n

    print(
        f"{name:<22}{n:>6}{n / ours_time:>10.0f}{n / batch_time:>9.0f}{n / theirs_time:>14.0f}"
        f"{theirs_time / ours_time:>7.1f}x{theirs_time / batch_time:>12.1f}x"
        f"{percent(ours, theirs):>9.2f}"
        f"{percent(theirs, other_seed):>11.2f}{percent(ours, truth):>14.2f}"
        f"{percent(theirs, truth):>10.2f}"
    )
    ROWS.append({
        "set": name.strip(), "documents": n, "corpus_docs_per_second": round(n / ours_time),
        "batch_docs_per_second": round(n / batch_time),
        "langdetect_docs_per_second": round(n / theirs_time),
        "agreement": round(percent(ours, theirs) / 100, 4),
    })
    counts = Counter((t, a, b) for a, b, t in zip(ours, theirs, truth, strict=True) if a != b)
    return [
        f"  {name}: written in {language}, corpus {mine}, langdetect {other} ({count}x)"
        for (language, mine, other), count in sorted(counts.items())
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--docs-per-language", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3, help="passes per tool; best is kept")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the document assembly")
    parser.add_argument(
        "--json", default=str(Path(__file__).resolve().parent / "results" / "langid.json"),
        metavar="PATH", help="where to write the figures as JSON ('' for nowhere)",
    )
    args = parser.parse_args(argv)

    documents = build_documents(args.docs_per_language, args.seed)
    lengths = sorted(len(text) for _, text in documents)
    print(
        f"{len(documents)} documents in {len({lang for lang, _ in documents})} languages, "
        f"characters per document: min {lengths[0]}, median {lengths[len(lengths) // 2]}, "
        f"max {lengths[-1]}"
    )
    print(f"python {platform.python_version()}, {platform.machine()}, one process, one core")
    start = time.perf_counter()
    corpus.detect_language("warm up: build the model from the profiles once")
    print(f"corpus model build (once per process): {time.perf_counter() - start:.2f} s")
    DetectorFactory.seed = 0
    langdetect_top("warm up: load the profiles once")

    print()
    print(HEADER)
    notes = compare("articles (all)", documents, args.repeat)
    for low, high in ((100, 300), (300, 1_000)):
        band = build_band(args.docs_per_language, low, high, args.seed)
        notes += compare(f"  {low}-{high} chars", band, args.repeat)
    for low, high in ((1_000, 4_000), (4_000, 10**9)):
        bucket = [(lang, text) for lang, text in documents if low <= len(text) < high]
        label = f"  {low}-{high} chars" if high < 10**9 else f"  >= {low} chars"
        compare(label, bucket, args.repeat)
    notes += compare("mixed-language articles", build_mixed(10, args.seed), args.repeat)
    notes += compare("sentences (>= 40 chars)", build_sentences(40), args.repeat)
    if notes:
        print("\ndisagreements:")
        print("\n".join(notes))
    if args.json:
        payload = {
            "benchmark": "langid",
            "command": " ".join(["python benchmarks/bench_langid.py", *(argv or sys.argv[1:])]),
            "date": datetime.date.today().isoformat(),
            "note": f"python {platform.python_version()}, {platform.machine()}, one core",
            "sets": ROWS,
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
