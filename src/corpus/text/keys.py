"""The hashing key: the form of a text that deduplication compares, never the stored text.

The key folds away differences that do not make two articles different: invisible
characters (zero-width spaces and joiners, soft hyphens, bidi controls), Unicode compatibility
forms (NFKC), case (casefold), curly versus straight quotes, the various dashes, punctuation and
whitespace. Step order matters: invisible characters go first (they would otherwise split a
word in two), then NFKC (so compatibility characters become the plain ones the later steps
fold), then casefold (which can produce characters NFKC would change, so NFKC runs once more),
then punctuation to spaces, then whitespace runs to one space.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

__all__ = ["hashing_key"]

_QUOTES_AND_DASHES = str.maketrans(
    {
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
        "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    }
)
# Format characters that are invisible inside words (category Cf of the text normaliser,
# joiners included: the key ignores the spelling difference they make).
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]+")
# Apostrophes inside words are dropped so that "Belarus's" and "Belarus’s" key alike.
_INNER_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")


@functools.cache
def _non_word() -> re.Pattern[str]:
    """Runs of characters that separate words: anything but letters, digits and combining
    marks (vowel signs, viramas, niqqud and harakat are parts of words, though not ``\\w``).

    Built on first use from the Unicode database of the running Python (about 0.1 s).
    """
    ranges: list[str] = []
    start = previous = -2
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)).startswith("M"):
            if code != previous + 1:
                if start >= 0:
                    ranges.append(f"{chr(start)}-{chr(previous)}")
                start = code
            previous = code
    ranges.append(f"{chr(start)}-{chr(previous)}")
    return re.compile(f"(?:[^\\w{''.join(ranges)}]|_)+")


def hashing_key(text: str) -> str:
    """Return the dedup key of ``text``: NFKC, casefolded, quotes/dashes folded, no punctuation.

    Words are separated by single spaces and paragraph breaks (``"\\n"``) are kept, so passage
    alignment can still split the key into paragraphs. Idempotent: ``hashing_key(hashing_key(t))
    == hashing_key(t)``.
    """
    visible = _INVISIBLE.sub("", text)
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", visible).casefold())
    folded = folded.translate(_QUOTES_AND_DASHES)
    folded = _INNER_APOSTROPHE.sub("", folded)
    non_word = _non_word()
    paragraphs = (" ".join(non_word.sub(" ", p).split()) for p in folded.split("\n"))
    return "\n".join(p for p in paragraphs if p)
