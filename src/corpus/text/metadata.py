"""Pure metadata helpers: authors from bylines, pull quotes, the author bio, counts, hashes.

They take lines that :func:`corpus.text.normalize.normalize_text` has already cleaned and
return the values of the :class:`~corpus.records.Document` fields. None of them drops text
without a trace: what a rule cannot split stays whole (a byline that is not a list of names
becomes one author; a pull quote without an attribution keeps ``attribution == ""``), and the
original lines are kept on the record anyway.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from corpus.format.roles import BIO_RE, QUOTE_RE, byline_names
from corpus.records import Quote

__all__ = [
    "authors",
    "bio",
    "count_paragraphs",
    "count_words",
    "quotes",
    "sha256_text",
    "split_byline",
]

_BY_PREFIX_RE = re.compile(r"^\s*by\b\s*:?\s*", re.IGNORECASE)


def split_byline(byline: str) -> tuple[str, ...]:
    """The names of a byline: ``"by Grigory Ioffe"`` → ``("Grigory Ioffe",)``.

    ``"by A, B and C"`` and ``"by A & B"`` give three and two names. A byline the name rules
    cannot split is kept whole as one author, without its leading "by".
    """
    names = byline_names(byline)
    if names:
        return names
    rest = _BY_PREFIX_RE.sub("", byline).strip()
    return (rest,) if rest else ()


def authors(bylines: Iterable[str]) -> tuple[str, ...]:
    """Every author named in ``bylines``, in order, each once."""
    seen: dict[str, None] = {}
    for byline in bylines:
        for name in split_byline(byline):
            seen.setdefault(name, None)
    return tuple(seen)


def quotes(lines: Iterable[str]) -> tuple[Quote, ...]:
    """Pull quotes (``“…” – NAME``) split into the quoted words and their attribution.

    A line that does not have the pull-quote shape is kept whole with ``attribution == ""``.
    """
    result = []
    for line in lines:
        match = QUOTE_RE.match(line)
        if match is None:
            result.append(Quote(text=line, attribution=""))
        else:
            result.append(Quote(text=match["text"].strip(), attribution=match["who"].strip()))
    return tuple(result)


def bio(lines: Iterable[str]) -> str:
    """The author bio: its paragraphs joined by ``"\\n\\n"``, without the "About the Author:"
    (or "About the Author —") label that opens it (:data:`corpus.format.roles.BIO_RE`)."""
    paragraphs = []
    for i, line in enumerate(lines):
        text = BIO_RE.sub("", line, count=1).strip() if i == 0 else line
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


# Ideographs, kana and the like are words by themselves: Chinese and Japanese put no spaces
# between words, so counting space-separated tokens would count a sentence as one word.
_CJK = (
    "\u3040-\u30ff\u3105-\u312f\u31a0-\u31bf\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
# An ideograph or kana that Unicode assigns (a letter); an unassigned code point of those
# blocks (U+2EBE1 before Unicode 15.1) is not a word.
_CJK_RE = re.compile(rf"(?=\w)[{_CJK}]")
# Any code point of those blocks, assigned or not: a plain class, which the expression engine
# scans for quickly, where the look-ahead of _CJK_RE is tried at every position (it was about
# half the time of counting an article's words, in text that mostly has no such character).
_CJK_BLOCK_RE = re.compile(f"[{_CJK}]")
_WORD_CHAR_RE = re.compile(rf"[^\W_{_CJK}]")


# A whitespace-separated token with no letter or digit in it (a dash, a bullet, "***"): one
# after a whitespace character (a match starts with it, so the engine tries only the
# positions of whitespace, not every position with a look-behind: 40% faster on articles),
# or at the start of the text.
_NOT_A_WORD_RE = re.compile(r"\s(?:[^\w\s]|_)+(?!\S)")
_NOT_A_WORD_FIRST_RE = re.compile(r"(?:[^\w\s]|_)+(?!\S)")


def _not_words(text: str) -> int:
    """The whitespace-separated tokens of ``text`` with no letter or digit in them."""
    first = _NOT_A_WORD_FIRST_RE.match(text) is not None
    return len(_NOT_A_WORD_RE.findall(text)) + first


def count_words(text: str) -> int:
    """Words in ``text``: whitespace-separated tokens with at least one letter or digit
    (so a lone dash or bullet is not a word), where every CJK ideograph or kana counts as a
    word of its own."""
    if _CJK_BLOCK_RE.search(text) is None or _CJK_RE.search(text) is None:
        return len(text.split()) - _not_words(text)
    count = 0
    for token in text.split():
        ideographs = len(_CJK_RE.findall(token))
        parts = _CJK_RE.split(token) if ideographs else [token]
        count += ideographs + sum(1 for part in parts if _WORD_CHAR_RE.search(part))
    return count


def count_paragraphs(text: str) -> int:
    """Paragraphs in ``text`` (separated by ``"\\n\\n"``; 0 for the empty text)."""
    return sum(1 for paragraph in text.split("\n\n") if paragraph.strip())


def sha256_text(text: str) -> str:
    """Hex SHA-256 of the UTF-8 bytes of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
