"""Check the long news part of the dedup development set against its labels.

For every file listed in ``labels-long.json`` this prints the word count and the share of word
5-grams (lower-cased, punctuation stripped) that the file shares with its topic's source:
Jaccard (shared / union) and containment (shared / the file's own 5-grams). A summary per
level follows (mean and max of both), so the intended levels can be verified: copy-paste
high, light medium, heavy and condensed low, independent near zero. The column ``vs-indep``
is the largest Jaccard between a file and the topic's independent articles other than itself:
for an independent article it shows that it was not copied from a sibling either.

It also checks that the labels agree with the files: file name ``<seq>_<id>.txt``, the id,
the word count (whitespace-separated tokens), the source of every copy, LF line ends and
UTF-8. Texts outside the bands of their level are flagged with ``!``. Independent articles
may share up to 8% of 5-grams with the source: they quote the same officials verbatim, as
real outlets reporting one story do, and nothing else. The exit status is 1
when a label disagrees with its file or a text misses its level, 0 otherwise.

Run::

    python benchmarks/data/dedup_dev/check_long.py
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels-long.json"
CORPUS = HERE / "corpus"
NAME_RE = re.compile(r"^([0-9]+)_([0-9a-f]{16})\.txt$")
WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
LEVELS = ("source", "copy-paste", "light", "moderate", "heavy", "condensed", "independent")

# (min Jaccard, max Jaccard) against the source, and (min words, max words), per level.
JACCARD_BANDS: dict[str, tuple[float, float]] = {
    "source": (1.0, 1.0),
    "copy-paste": (0.4, 1.0),
    "light": (0.05, 0.6),
    "moderate": (0.02, 0.25),
    "heavy": (0.0, 0.05),
    "condensed": (0.0, 0.05),
    "independent": (0.0, 0.08),
}
WORD_BANDS: dict[str, tuple[int, int]] = {
    "source": (600, 1000),
    "copy-paste": (600, 1000),
    "light": (600, 1000),
    "moderate": (600, 1000),
    "heavy": (600, 1000),
    "condensed": (150, 350),
    "independent": (600, 1000),
}


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    """Return the set of word n-grams of ``text``, lower-cased, without punctuation."""
    words = WORD_RE.findall(text.lower().replace("’", "'"))
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def similarity(a: set[tuple[str, ...]], source: set[tuple[str, ...]]) -> tuple[float, float]:
    """Return (Jaccard, containment of ``a`` in ``source``)."""
    shared = len(a & source)
    union = len(a | source)
    return (shared / union if union else 0.0, shared / len(a) if a else 0.0)


def main() -> int:
    """Print the per-file table and the per-level summary; return the exit status."""
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    problems: list[str] = []
    texts: dict[str, str] = {}
    for label in labels:
        path = CORPUS / label["file"]
        match = NAME_RE.match(label["file"])
        if match is None or match.group(2) != label["id"]:
            problems.append(f"{label['file']}: name does not match id {label['id']}")
        if not path.is_file():
            problems.append(f"{label['file']}: missing")
            continue
        data = path.read_bytes()
        if b"\r" in data:
            problems.append(f"{label['file']}: not LF line ends")
        text = data.decode("utf-8")
        texts[label["id"]] = text
        words = len(text.split())
        if words != label["words"]:
            problems.append(f"{label['file']}: {words} words, label says {label['words']}")
    sources = {lab["topic"]: lab["id"] for lab in labels if lab["level"] == "source"}
    per_level: dict[str, list[tuple[float, float]]] = defaultdict(list)
    shingled = {doc_id: shingles(text) for doc_id, text in texts.items()}
    print(
        f"{'file':<26} {'topic':<9} {'level':<12} {'words':>5} {'jaccard':>8} {'contain':>8} "
        f"{'vs-indep':>8}"
    )
    for label in labels:
        if label["id"] not in texts:
            continue
        source_id = sources.get(label["topic"])
        if source_id is None:
            problems.append(f"{label['topic']}: no source")
            continue
        expected = None if label["level"] in ("source", "independent") else source_id
        if label["derived_from"] != expected:
            problems.append(
                f"{label['file']}: derived_from {label['derived_from']}, not {expected}"
            )
        jac, con = similarity(shingled[label["id"]], shingled[source_id])
        others = [
            similarity(shingled[label["id"]], shingled[other["id"]])[0]
            for other in labels
            if other["topic"] == label["topic"]
            and other["level"] == "independent"
            and other["id"] != label["id"]
            and other["id"] in shingled
        ]
        vs_indep = max(others, default=0.0)
        per_level[label["level"]].append((jac, con))
        low, high = JACCARD_BANDS[label["level"]]
        min_words, max_words = WORD_BANDS[label["level"]]
        flag = ""
        if not low <= jac <= high:
            flag += " !jaccard"
        if label["level"] == "independent" and vs_indep > high:
            flag += " !vs-indep"
        if not min_words <= label["words"] <= max_words:
            flag += " !words"
        if flag:
            problems.append(f"{label['file']}: {label['level']} out of band:{flag}")
        print(
            f"{label['file']:<26} {label['topic']:<9} {label['level']:<12} {label['words']:>5} "
            f"{jac:>8.3f} {con:>8.3f} {vs_indep:>8.3f}{flag}"
        )
    print()
    print(f"{'level':<12} {'n':>3} {'jac mean':>9} {'jac max':>8} {'con mean':>9} {'con max':>8}")
    for level in LEVELS:
        rows = per_level.get(level, [])
        if not rows:
            continue
        jacs = [r[0] for r in rows]
        cons = [r[1] for r in rows]
        print(
            f"{level:<12} {len(rows):>3} {sum(jacs) / len(jacs):>9.3f} {max(jacs):>8.3f} "
            f"{sum(cons) / len(cons):>9.3f} {max(cons):>8.3f}"
        )
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
