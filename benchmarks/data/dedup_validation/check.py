"""Check the dedup validation set against its labels, and print how much each text shares.

For every object of the ``labels-*.json`` files: the file exists, its name ends with its id,
its word count is the label's, and a copy's source is labelled (or is one of ``seeds/``). It
prints each text's share of word 5-grams (lower-cased, punctuation stripped) found in its
topic's source, for the whole text and outside double quotation marks. Exits 1 on a problem.
Run::

    python benchmarks/data/dedup_validation/check.py [FOLDER]

``FOLDER``: another labelled set of the same layout (default: this one).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
_QUOTED = re.compile(r'"[^"\n]*"|“[^”\n]*”')


def _shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def _contained(text: str, source: set[tuple[str, ...]]) -> float:
    own = _shingles(text)
    return len(own & source) / len(own) if own else 0.0


def main(here: Path = HERE) -> int:
    """Check the labelled set in ``here`` (this folder by default; the brief-answer set's
    ``check.py`` passes its own)."""
    labels = [item for part in sorted(here.glob("labels-*.json"))
              for item in json.loads(part.read_text("utf-8"))]
    by_id = {str(item["id"]): item for item in labels}
    problems: list[str] = []
    texts: dict[str, str] = {}
    for item in labels:
        path = here / "corpus" / str(item["file"])
        if not path.is_file():
            problems.append(f"{item['file']}: missing")
            continue
        text = path.read_text("utf-8")
        texts[str(item["id"])] = text
        if not str(item["file"]).endswith(f"_{item['id']}.txt"):
            problems.append(f"{item['file']}: the name does not end with the id {item['id']}")
        if len(text.split()) != item["words"]:
            problems.append(f"{item['file']}: {len(text.split())} words, label {item['words']}")
        source = item["derived_from"]
        if source and source not in by_id and not list(REPO.glob(f"seeds/*_{source}.txt")):
            problems.append(f"{item['file']}: its source {source} is not labelled")
    print(f"{'file':<26} {'topic':<12} {'level':<12} {'words':>5} {'whole':>6} {'unquoted':>8}")
    for item in labels:
        doc_id = str(item["id"])
        if doc_id not in texts or item["level"] == "source":
            continue
        topic = str(item["topic"])
        source_id = item["derived_from"] or next(
            (i for i, x in by_id.items() if x["topic"] == topic and x["level"] == "source"), None)
        if source_id in texts:
            source_text = texts[str(source_id)]
        else:
            seeds = list(REPO.glob(f"seeds/*_{source_id}.txt")) or list(
                REPO.glob(f"seeds/{topic.split('/')[-1]}_*.txt"))
            if not seeds:
                continue
            source_text = seeds[0].read_text("utf-8")
        shingled = _shingles(source_text)
        text = texts[doc_id]
        whole, unquoted = _contained(text, shingled), _contained(_QUOTED.sub(" ", text), shingled)
        print(f"{item['file']:<26} {topic:<12} {item['level']:<12} {item['words']:>5} "
              f"{whole:>6.3f} {unquoted:>8.3f}")
    for problem in problems:
        print("problem:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else HERE))
