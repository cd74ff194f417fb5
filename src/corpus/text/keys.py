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
import itertools
import re
import unicodedata

__all__ = ["hashing_key"]

# Each replaced by its ASCII form (one str.replace per character found: much faster than
# str.translate with a table on non-ASCII text, and the same, as no replacement is replaced).
_QUOTES_AND_DASHES = (
    ("‘", "'"), ("’", "'"), ("‚", "'"), ("‛", "'"), ("′", "'"),
    ("“", '"'), ("”", '"'), ("„", '"'), ("‟", '"'), ("″", '"'), ("«", '"'), ("»", '"'),
    ("‐", "-"), ("‑", "-"), ("‒", "-"), ("–", "-"), ("—", "-"), ("―", "-"), ("−", "-"),
)
# Format characters that are invisible inside words (category Cf of the text normaliser,
# joiners included: the key ignores the spelling difference they make).
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]+")
# Apostrophes inside words (between two ``\w`` characters) are dropped so that "Belarus's"
# and "Belarus’s" key alike.
_WORD_CHAR = re.compile(r"\w")


#: What :func:`_non_word` and the underscore rule do to ASCII text, one character at a time:
#: every ASCII character but letters, digits, line breaks and spaces becomes a space (runs of
#: spaces are collapsed afterwards anyway). ``str.translate`` runs such a table over ASCII
#: text many times faster than a regular expression.
_ASCII_SEPARATORS = {c: " " for c in range(128) if not chr(c).isalnum() and chr(c) not in "\n "}
#: The same table for the UTF-8 bytes of any text, which ``bytes.translate`` runs at memory
#: speed: the bytes of a non-ASCII character are all 0x80 or more, so none is touched.
_ASCII_SEPARATOR_BYTES = bytes.maketrans(bytes(sorted(_ASCII_SEPARATORS)),
                                         b" " * len(_ASCII_SEPARATORS))
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


#: The Unicode planes with combining marks (category M): the Basic and Supplementary
#: Multilingual Planes, and the Supplementary Special-purpose Plane (variation selectors).
_MARK_PLANES = (0, 1, 14)


@functools.cache
def _non_word() -> re.Pattern[str]:
    """Runs of characters that separate words, except line breaks and plain spaces: anything
    but letters, digits, the underscore (``\\w``) and combining marks (vowel signs, viramas,
    niqqud and harakat are parts of words, though not ``\\w``). The underscore separates
    words too; it is replaced apart. Plain spaces are left out so that the commonest separator
    is not replaced by itself (runs of spaces are collapsed afterwards).

    Built on first use from the Unicode database of the running Python. Only the planes that
    hold combining marks are scanned (:data:`_MARK_PLANES`; a test checks every plane), which
    takes about 15 ms instead of 0.17 s: every worker process builds it.
    """
    ranges: list[str] = []
    start = previous = -2
    category = unicodedata.category
    for code in (c for plane in _MARK_PLANES for c in range(plane << 16, (plane + 1) << 16)):
        if category(chr(code))[0] == "M":
            if code != previous + 1:
                if start >= 0:
                    ranges.append(f"{chr(start)}-{chr(previous)}")
                start = code
            previous = code
    ranges.append(f"{chr(start)}-{chr(previous)}")
    return re.compile(f"[^\\w\\n {''.join(ranges)}]+")


def _drop_inner_apostrophes(text: str) -> str:
    """``text`` without the apostrophes that have a ``\\w`` character on both sides."""
    pieces = text.split("'")
    out = [pieces[0]]
    for before, after in itertools.pairwise(pieces):
        # The characters around this apostrophe: the last of the piece before it, the first
        # of the piece after it (an empty piece means another apostrophe or an end).
        inner = bool(before) and bool(after) and _WORD_CHAR.match(before[-1]) is not None
        if not (inner and _WORD_CHAR.match(after[0]) is not None):
            out.append("'")
        out.append(after)
    return "".join(out)


def _separated(text: str) -> str:
    """``text`` with every character :func:`_non_word` matches, and the underscore, replaced
    by a space, one for one (the caller collapses runs of spaces).

    News text that is not ASCII is mostly ASCII: its ASCII separators are replaced in its
    UTF-8 bytes (:data:`_ASCII_SEPARATOR_BYTES`), then each distinct non-ASCII separator
    with ``str.replace``, instead of running the expression over the text, which tries its
    class (letters, digits and hundreds of ranges of combining marks) at every character:
    the key of a realistic article takes a quarter less time.
    """
    spaced = text.encode("utf-8", "surrogatepass").translate(_ASCII_SEPARATOR_BYTES).decode(
        "utf-8", "surrogatepass")
    separator = _non_word().match
    for char in set(_NON_ASCII.findall(spaced)):
        if separator(char):
            spaced = spaced.replace(char, " ")
    return spaced


def hashing_key(text: str) -> str:
    """Return the dedup key of ``text``: NFKC, casefolded, quotes/dashes folded, no punctuation.

    Words are separated by single spaces and paragraph breaks (``"\\n"``) are kept, so passage
    alignment can still split the key into paragraphs. Idempotent: ``hashing_key(hashing_key(t))
    == hashing_key(t)``. Pure and cheap enough to call once per document and keep the result
    (about a tenth of a millisecond for a 600-word article).
    """
    visible = text if text.isascii() else _INVISIBLE.sub("", text)
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", visible).casefold())
    if not folded.isascii():
        for typographic, plain in _QUOTES_AND_DASHES:
            if typographic in folded:
                folded = folded.replace(typographic, plain)
    if "'" in folded:
        folded = _drop_inner_apostrophes(folded)
    # ASCII: most news text, once its quotes and dashes are folded.
    spaced = folded.translate(_ASCII_SEPARATORS) if folded.isascii() else _separated(folded)
    paragraphs = (" ".join(line.split()) for line in spaced.split("\n"))
    return "\n".join(p for p in paragraphs if p)
