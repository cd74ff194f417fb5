"""Generated articles with real typography, for the benchmarks (not part of the library).

The seed articles are real news texts: curly apostrophes and quotes, em and en dashes,
ellipses, accented names. :func:`articles` shuffles their sentences into new articles of a
given length, so a benchmark can run on thousands of documents that look like the seeds
(the same characters in about the same proportions) instead of on ASCII word salad.
A few sentences get an accented name or a no-break space so those paths are exercised too.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# Sentence ends: . ! ? or … (closing quotes kept with the sentence) before a space.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[”’\"')]*\s+")
# Names written with diacritics and a no-break space, mixed in at about one sentence in 12.
_EXTRAS = (
    "José Martínez told reporters in Bogotá that the talks would resume.",
    "The report by Zoë Müller and François Lefèvre was published on 3\u00a0May.",
    "Officials in Kraków and Łódź declined to comment on the figures.",
    "Søren Kierkegaard’s name came up twice in the debate — once as a joke.",
    "The fund, worth €2.5\u00a0billion, was approved by the committee.",
)


def sentences() -> list[str]:
    """Every sentence of the seed articles' longer lines (at least 40 characters)."""
    found: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text("utf-8").splitlines():
            if len(line) > 80:
                found += [s.strip() for s in _SENTENCE_END.split(line) if len(s.strip()) >= 40]
    return found


def articles(count: int, words: int = 600, seed: int = 0) -> list[str]:
    """``count`` articles of about ``words`` words (±100), in paragraphs of 2 to 5 sentences
    separated by blank lines, made of shuffled seed sentences."""
    pool = sentences()
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        target = rng.randint(words - 100, words + 100)
        paragraphs: list[str] = []
        total = 0
        while total < target:
            picked = [
                rng.choice(_EXTRAS) if rng.random() < 1 / 12 else rng.choice(pool)
                for _ in range(rng.randint(2, 5))
            ]
            paragraphs.append(" ".join(picked))
            total += sum(len(s.split()) for s in picked)
        result.append("\n\n".join(paragraphs))
    return result


def seed_files(count: int, words: int = 600, seed: int = 0) -> list[tuple[str, bytes]]:
    """``count`` seed-format files ``(name, bytes)``: a headline, a byline and the
    paragraphs of :func:`articles` one per line."""
    rng = random.Random(seed + 1)
    files = []
    for k, text in enumerate(articles(count, words, seed)):
        body = text.replace("\n\n", "\n")
        data = f"A Generated Headline Number {k}\nBy Jane Doe\n{body}\n".encode()
        files.append((f"{k:06d}_{rng.getrandbits(64):016x}.txt", data))
    return files
