"""Check the ``seeds`` part of the dedup development set against its labels.

The part is built on the repository's own seed articles (``seeds/``): rewrites of seeds 000,
001 and 004 at known levels, and independently written articles on the same stories (the hard
negatives). For every labelled file this prints the word count and the share of word 5-grams
(lower-cased, punctuation and apostrophes stripped) it shares with its topic's source, as
Jaccard and as containment (the share of the file's own 5-grams found in the source, which is
the fair measure for a condensed text or a rewrite of part of the source). Independent texts
are also compared with every seed, since they must not be copies of any of them.

It then checks that each file reaches its level, and exits 1 when one does not:

* every file exists once, its name is ``<seq>_<id>.txt`` with the labelled id, and the labelled
  word count is right; copies name their topic's source in ``derived_from``;
* ``heavy`` and ``condensed``: containment below 0.03 (a heavy rewrite above 0.10 is light);
* ``condensed``: between 15% and 40% of the source's length;
* ``light``: containment between 0.10 and 0.70 (reworded, not copied);
* ``moderate``: containment between 0.03 and 0.30 (another outlet's own words, quotes kept);
* ``independent``: containment below 0.03 against every seed.

Run from anywhere (standard library only)::

    python benchmarks/data/dedup_dev/check_seeds.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
LABELS = HERE / "labels-seeds.json"
CORPUS = HERE / "corpus"
SEEDS = ROOT / "seeds"
N = 5
NAME_RE = re.compile(r"^([0-9]+)_([0-9a-f]{16})\.txt$")
SEQ_RANGE = range(700, 800)

MAX_LOW = 0.03  # heavy, condensed, independent
LIGHT = (0.10, 0.70)
MODERATE = (0.03, 0.30)
CONDENSED_RATIO = (0.15, 0.40)


def words(text: str) -> list[str]:
    """Lower-cased words with punctuation and apostrophes removed."""
    text = text.lower().replace("’", "").replace("'", "")
    return re.findall(r"[^\W_]+", text)


def ngrams(tokens: list[str], n: int = N) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def containment(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    return len(a & b) / len(a) if a else 0.0


def resolve(entry: dict[str, object]) -> Path:
    file = str(entry["file"])
    return ROOT / file if file.startswith("seeds/") else CORPUS / file


def main() -> int:
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    problems: list[str] = []
    texts: dict[str, str] = {}
    ids = [e["id"] for e in labels]
    problems += [f"id {i} is labelled more than once" for i in sorted(set(ids)) if ids.count(i) > 1]
    for entry in labels:
        path = resolve(entry)
        if not path.is_file():
            problems.append(f"{entry['file']}: no such file")
            continue
        texts[entry["id"]] = path.read_text(encoding="utf-8")
    sources = {e["topic"]: e for e in labels if e["role"] == "source"}
    seed_grams = {
        p.name: ngrams(words(p.read_text(encoding="utf-8"))) for p in sorted(SEEDS.glob("*.txt"))
    }

    header = (
        f"{'file':34} {'topic':9} {'level':11} {'words':>5} {'ratio':>5}"
        f" {'jacc':>6} {'cont':>6}  max-seed"
    )
    print(header)
    print("-" * len(header))
    counts: dict[str, int] = {}
    for entry in labels:
        ident, level, topic = entry["id"], entry["level"], entry["topic"]
        if ident not in texts:
            continue
        counts[level] = counts.get(level, 0) + 1
        text = texts[ident]
        name = Path(str(entry["file"])).name
        where = str(entry["file"])
        m = NAME_RE.match(name)
        if not m or m.group(2) != ident:
            problems.append(f"{where}: name does not carry id {ident}")
        elif not where.startswith("seeds/") and int(m.group(1)) not in SEQ_RANGE:
            problems.append(f"{where}: seq {m.group(1)} outside 700-799")
        if not where.startswith("seeds/") and ("\r" in text or not text.endswith("\n")):
            problems.append(f"{where}: not LF line ends with a final newline")
        n_words = len(text.split())
        if entry["words"] != n_words:
            problems.append(f"{where}: labelled {entry['words']} words, has {n_words}")
        source = sources.get(topic)
        if source is None:
            problems.append(f"{where}: topic {topic} has no source")
            continue
        if entry["role"] == "copy" and entry["derived_from"] != source["id"]:
            problems.append(f"{where}: derived_from is not the source of {topic}")
        if entry["role"] != "copy" and entry["derived_from"] is not None:
            problems.append(f"{where}: only copies have derived_from")
        grams = ngrams(words(text))
        src_grams = ngrams(words(texts[source["id"]]))
        jac, cont = jaccard(grams, src_grams), containment(grams, src_grams)
        ratio = n_words / len(texts[source["id"]].split())
        best_seed, best = max(
            ((seed, containment(grams, g)) for seed, g in seed_grams.items() if seed != name),
            key=lambda item: item[1],
        )
        print(
            f"{name:34} {topic:9} {level:11} {n_words:5d} {ratio:5.2f} {jac:6.3f} {cont:6.3f}"
            f"  {best:.3f} {best_seed[:3]}"
        )
        if level in ("heavy", "condensed") and cont >= MAX_LOW:
            problems.append(f"{where}: {level} shares {cont:.3f} of its 5-grams with the source")
        if level == "condensed" and not CONDENSED_RATIO[0] <= ratio <= CONDENSED_RATIO[1]:
            problems.append(f"{where}: condensed to {ratio:.2f} of the source's length")
        if level == "light" and not LIGHT[0] <= cont <= LIGHT[1]:
            problems.append(f"{where}: light shares {cont:.3f} of its 5-grams with the source")
        if level == "moderate" and not MODERATE[0] <= cont <= MODERATE[1]:
            problems.append(f"{where}: moderate shares {cont:.3f} of its 5-grams with the source")
        if level == "independent" and best >= MAX_LOW:
            problems.append(
                f"{where}: independent shares {best:.3f} of its 5-grams with seed {best_seed}"
            )

    print()
    print("files: " + ", ".join(f"{level} {n}" for level, n in sorted(counts.items())))
    for problem in problems:
        print("PROBLEM " + problem)
    print(f"summary: {len(texts)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
