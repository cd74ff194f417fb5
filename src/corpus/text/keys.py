"""The hashing key: the form of a text that deduplication compares, never the stored text.

The key folds away differences that do not make two articles different: Unicode
compatibility forms (NFKC), case (casefold), curly versus straight quotes, the various dashes,
punctuation and whitespace. Step order matters: NFKC first (so compatibility characters become
the plain ones the later steps fold), then casefold (which can produce characters NFKC would
change, so NFKC runs once more), then punctuation to spaces, then whitespace runs to one space.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["hashing_key"]

_QUOTES_AND_DASHES = str.maketrans(
    {
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
        "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    }
)
# Anything that is not a letter, a digit or a combining mark separates words; apostrophes
# inside words are dropped so that "Belarus's" and "Belarus’s" key alike.
_INNER_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_NON_WORD = re.compile(r"[\W_]+")


def hashing_key(text: str) -> str:
    """Return the dedup key of ``text``: NFKC, casefolded, quotes/dashes folded, no punctuation.

    Words are separated by single spaces and paragraph breaks (``"\\n"``) are kept, so passage
    alignment can still split the key into paragraphs. Idempotent: ``hashing_key(hashing_key(t))
    == hashing_key(t)``.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    folded = folded.translate(_QUOTES_AND_DASHES)
    folded = _INNER_APOSTROPHE.sub("", folded)
    paragraphs = (" ".join(_NON_WORD.sub(" ", p).split()) for p in folded.split("\n"))
    return "\n".join(p for p in paragraphs if p)
