"""Check the short part of the dedup development set against its labels.

For every file of ``labels-short.json`` this prints the word count and the share of word
5-grams (lower-cased, punctuation stripped) it shares with its topic's source: Jaccard
(shared / union) and containment (shared / the file's own 5-grams). The levels should
order themselves: copy-paste high, light medium, moderate lower, heavy and condensed low,
independent
near 0 (the same names and a quoted official may recur, as they do in real outlets, so
an independent text may share up to 10 percent of its 5-grams, nearly all of them quotes).

It also checks what the labels promise: the file name (``<seq>_<id>.txt``, seq 100-399),
the id (the first 16 hex digits of the SHA-256 of the label key, ``short/t03/heavy`` or
``short/t03/independent-2``), the word count, one source per topic that every copy is
derived from, and the length of condensed copies (20-40 percent of the source).

A file outside the expected band for its level is listed as a problem, and the script
exits 1 when there is any. ``--part explain`` checks the explanatory part the same way
(``labels-explain.json``, seq 500-699, texts of up to 520 words). Run::

    python benchmarks/data/dedup_dev/check_short.py
    python benchmarks/data/dedup_dev/check_short.py --part explain
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels-short.json"
CORPUS = HERE / "corpus"
SEQ_RANGE = range(100, 400)
NAME_RE = re.compile(r"^([0-9]+)_([0-9a-f]{16})\.txt$")
LEVELS = ("source", "copy-paste", "light", "moderate", "heavy", "condensed", "independent")
MAX_INDEPENDENT = 20

# Containment bands per level: (lowest allowed, highest allowed).
BANDS: dict[str, tuple[float, float]] = {
    "source": (1.0, 1.0),
    "copy-paste": (0.5, 1.0),
    "light": (0.1, 0.6),
    # Another outlet's rewrite in its own words, quotes kept: between light and heavy.
    "moderate": (0.05, 0.35),
    "heavy": (0.0, 0.05),
    "condensed": (0.0, 0.1),
    # Independent texts may quote the same official word for word, as outlets do.
    "independent": (0.0, 0.1),
}
MAX_INDEPENDENT_PAIR = 0.15
WORDS_SHORT = (150, 400)
WORDS_CONDENSED = (60, 150)


def tokens(text: str) -> list[str]:
    """Lower-cased words with punctuation stripped (apostrophes split words)."""
    return re.sub(r"[\W_]+", " ", text.lower()).split()


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    """The set of word n-grams of ``text``."""
    words = tokens(text)
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def expected_keys(topic: str, level: str) -> dict[str, str]:
    """Map each id the labels may carry for (topic, level) to its label key."""
    if level == "independent":
        keys = [f"{topic}/independent-{k}" for k in range(1, MAX_INDEPENDENT + 1)]
    else:
        keys = [f"{topic}/{level}"]
    return {hashlib.sha256(key.encode()).hexdigest()[:16]: key for key in keys}


def check_label(row: dict[str, object], text: str) -> list[str]:
    """Problems with one label row and its file (empty when it is consistent)."""
    problems = []
    file, topic, level = str(row["file"]), str(row["topic"]), str(row["level"])
    match = NAME_RE.match(file)
    if match is None:
        return [f"{file}: name is not <seq>_<16 hex>.txt"]
    if int(match.group(1)) not in SEQ_RANGE:
        problems.append(f"{file}: seq outside {SEQ_RANGE.start}-{SEQ_RANGE.stop - 1}")
    if match.group(2) != row["id"]:
        problems.append(f"{file}: id in name differs from label id {row['id']}")
    if row["id"] not in expected_keys(topic, level):
        problems.append(f"{file}: id is not sha256 of a {topic}/{level} label key")
    words = len(text.split())
    if words != row["words"]:
        problems.append(f"{file}: {words} words, label says {row['words']}")
    low, high = WORDS_CONDENSED if level == "condensed" else WORDS_SHORT
    if not low <= words <= high:
        problems.append(f"{file}: {words} words, outside {low}-{high} for {level}")
    if "\r" in text or not text.endswith("\n") or "\n\n" in text:
        problems.append(f"{file}: not one paragraph per line with LF endings")
    return problems


def check_independents(rows: list[dict[str, object]], texts: dict[str, str]) -> list[str]:
    """Print, per topic, the closest pair of an independent text and any other text of it.

    An independent text must be as far from the other independent texts and from the
    copies as from the source: a shared quote is fine, a shared paragraph is not.
    """
    problems = []
    grams = {file: shingles(text) for file, text in texts.items()}
    topics: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        topics[str(row["topic"])].append(str(row["file"]))
    independent = {str(r["file"]) for r in rows if r["level"] == "independent"}
    print()
    print("closest pair per topic (an independent text against any other text of its topic)")
    for topic, files in sorted(topics.items()):
        pairs = [(a, b) for a in files for b in files if a != b and a in independent]
        score, a, b = max((len(grams[a] & grams[b]) / len(grams[a]), a, b) for a, b in pairs)
        print(f"{topic:<10} containment {score:.3f}  {a} in {b}")
        if score > MAX_INDEPENDENT_PAIR:
            problems.append(f"{a}: shares {score:.3f} of its 5-grams with {b}")
    return problems


#: The parts this script checks: labels file, seq range, words of a text, words of a
#: condensed copy.
PARTS: dict[str, tuple[Path, range, tuple[int, int], tuple[int, int]]] = {
    "short": (LABELS, SEQ_RANGE, WORDS_SHORT, WORDS_CONDENSED),
    "explain": (HERE / "labels-explain.json", range(500, 700), (150, 520), (60, 180)),
}


def main(argv: list[str] | None = None) -> int:
    """Print the per-file table and the per-level summary; 1 when a check fails."""
    global LABELS, SEQ_RANGE, WORDS_SHORT, WORDS_CONDENSED
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=sorted(PARTS), default="short")
    LABELS, SEQ_RANGE, WORDS_SHORT, WORDS_CONDENSED = PARTS[parser.parse_args(argv).part]
    rows: list[dict[str, object]] = json.loads(LABELS.read_text(encoding="utf-8"))
    texts = {str(r["file"]): (CORPUS / str(r["file"])).read_text(encoding="utf-8") for r in rows}
    problems: list[str] = []
    sources: dict[str, dict[str, object]] = {}
    for row in rows:
        problems += check_label(row, texts[str(row["file"])])
        if row["level"] == "source":
            if row["topic"] in sources:
                problems.append(f"{row['file']}: second source for {row['topic']}")
            sources[str(row["topic"])] = row
    stats: dict[str, list[tuple[float, float]]] = defaultdict(list)
    print(f"{'file':<26} {'topic':<10} {'level':<12} {'words':>5} {'jaccard':>8} {'contain':>8}")
    for row in sorted(rows, key=lambda r: (str(r["topic"]), LEVELS.index(str(r["level"])))):
        file, topic, level = str(row["file"]), str(row["topic"]), str(row["level"])
        source = sources.get(topic)
        if source is None:
            problems.append(f"{file}: topic {topic} has no source")
            continue
        want = None if level in ("source", "independent") else source["id"]
        if row["derived_from"] != want:
            problems.append(f"{file}: derived_from should be {want}")
        mine, theirs = shingles(texts[file]), shingles(texts[str(source["file"])])
        shared = len(mine & theirs)
        jaccard = shared / len(mine | theirs)
        containment = shared / len(mine)
        stats[level].append((jaccard, containment))
        flag = ""
        low, high = BANDS[level]
        if not low <= containment <= high:
            flag = "  <- outside band"
            problems.append(f"{file}: {level} containment {containment:.3f} not in {low}-{high}")
        if level == "condensed":
            ratio = len(texts[file].split()) / int(str(source["words"]))
            if not 0.2 <= ratio <= 0.4:
                problems.append(f"{file}: condensed to {ratio:.0%} of the source, not 20-40%")
        cells = f"{file:<26} {topic:<10} {level:<12} {row['words']:>5}"
        print(f"{cells} {jaccard:>8.3f} {containment:>8.3f}{flag}")
    print()
    header = ("jacc mean", "jacc max", "cont mean", "cont max")
    print(f"{'level':<12} {'n':>3} " + " ".join(f"{h:>9}" for h in header))
    for level in LEVELS:
        values = stats.get(level, [])
        if not values:
            continue
        jac, con = [v[0] for v in values], [v[1] for v in values]
        print(
            f"{level:<12} {len(values):>3} {statistics.mean(jac):>9.3f} {max(jac):>9.3f}"
            f" {statistics.mean(con):>9.3f} {max(con):>9.3f}"
        )
    problems += check_independents(rows, texts)
    sys.stdout.flush()
    for problem in problems:
        print("PROBLEM:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
