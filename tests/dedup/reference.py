"""The sentence splitter, hashing key and profile builder as they were before profiles were
built many documents at a time: kept verbatim, so that tests can check that the faster code
gives exactly the same sentences, keys and profiles."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata

import numpy as np

from corpus.dedup.align import Profile
from corpus.dedup.hashing import _stopword_hashes, hash_words, ngram_hashes
from corpus.dedup.text import Sentence, sentence_table

__all__ = ["build_profile", "hashing_key", "split_sentences"]


# -- corpus.dedup.text ------------------------------------------------------------------------
# A sentence ends at . ! ? or … (plus closing quotes/brackets), before whitespace and a capital,
# a digit or an opening quote; CJK full stops end a sentence wherever they are.
_BOUNDARY = re.compile(
    r"(?<=[.!?…])[\"'”’»)\]]*\s+(?=[\"'“‘«(\[]?[\dA-ZÀ-ÖØ-ÞĀ-ſА-ЯΑ-Ω])|(?<=[。！？])"
)
# Words after which a full stop does not end a sentence: titles, initials, month and common
# Latin abbreviations, and dotted acronyms such as "U.S.".
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Gen|Gov|Sen|Rep|Lt|Col|Sgt|Capt|Cmdr|Adm|Maj|Rev|Hon|"
    r"Pres|No|Nos|Vol|Fig|Inc|Corp|Ltd|Co|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|vs|"
    r"etc|approx|ca|cf|al)\.|\b[A-Za-z]\.|\b(?:[A-Za-z]\.){2,})[\"'”’)]*$"
)
#: Fragments shorter than this many words are joined to the sentence before them.
_MIN_SENTENCE_WORDS = 4


def _split_paragraph(paragraph: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        head = paragraph[start:match.start()]
        if _ABBREVIATION.search(head[-16:]):
            continue
        pieces.append(head)
        start = match.end()
    pieces.append(paragraph[start:])
    merged: list[str] = []
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        short = len(piece.split()) < _MIN_SENTENCE_WORDS
        if merged and (short or len(merged[-1].split()) < _MIN_SENTENCE_WORDS):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def split_sentences(text: str) -> list[Sentence]:
    """Split an article text into sentences, paragraph by paragraph (non-empty lines).

    Full stops after titles, initials and dotted acronyms ("Mr.", "G.", "U.S.") do not end a
    sentence; fragments of fewer than four words join their neighbour, so every sentence says
    something on its own.
    """
    sentences: list[Sentence] = []
    paragraphs = (p.strip() for p in text.splitlines())
    for number, paragraph in enumerate(p for p in paragraphs if p):
        sentences.extend(Sentence(number, piece) for piece in _split_paragraph(paragraph))
    return sentences



# -- corpus.text.keys -------------------------------------------------------------------------
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


def hashing_key(text: str) -> str:
    """Return the dedup key of ``text``: NFKC, casefolded, quotes/dashes folded, no punctuation.

    Words are separated by single spaces and paragraph breaks (``"\\n"``) are kept, so passage
    alignment can still split the key into paragraphs. Idempotent: ``hashing_key(hashing_key(t))
    == hashing_key(t)``. Pure and cheap enough to call once per document and keep the result
    (about a tenth of a millisecond for a 600-word article).
    """
    visible = _INVISIBLE.sub("", text)
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", visible).casefold())
    if not folded.isascii():
        for typographic, plain in _QUOTES_AND_DASHES:
            if typographic in folded:
                folded = folded.replace(typographic, plain)
    if "'" in folded:
        folded = _drop_inner_apostrophes(folded)
    spaced = _non_word().sub(" ", folded)
    if "_" in spaced:
        spaced = spaced.replace("_", " ")
    paragraphs = (" ".join(line.split()) for line in spaced.split("\n"))
    return "\n".join(p for p in paragraphs if p)


# -- corpus.dedup.align -----------------------------------------------------------------------
#: A word put before every sentence when the sentences of a text are keyed in one call, so
#: that a sentence without words keeps its line (the key drops empty lines).
_SENTINEL = "0 "


def _sentence_keys(sentences: tuple[Sentence, ...]) -> list[str]:
    """The hashing key of every sentence, all keyed in one call (one call per sentence was
    a third of the time of verification)."""
    if not sentences:
        return []
    joined = "\n".join(_SENTINEL + s.text.replace("\n", " ") for s in sentences)
    keys = hashing_key(joined).split("\n")
    if len(keys) != len(sentences):  # pragma: no cover - every line starts with a word
        return [hashing_key(s.text) for s in sentences]
    return [k[len(_SENTINEL):] for k in keys]


def build_profile(text: str, key: str, ngram: int) -> Profile:
    """Tokenise, shingle, split and weight one document (all vectorised per document)."""
    doc_words = hash_words([key])
    shingles, _ = ngram_hashes(doc_words, ngram)
    sentences = tuple(split_sentences(text))
    words = hash_words(_sentence_keys(sentences))
    sentence_words = words.counts
    content = ~np.isin(words.word, _stopword_hashes())
    stems, owners = words.stem[content], words.doc[content]
    if len(stems):
        # Aggregate repeated stems within a sentence: tf = 1 + ln(count).
        order = np.lexsort((stems, owners))
        stems, owners = stems[order], owners[order]
        fresh = np.ones(len(stems), dtype=bool)
        fresh[1:] = (stems[1:] != stems[:-1]) | (owners[1:] != owners[:-1])
        starts = np.flatnonzero(fresh)
        counts = np.diff(np.append(starts, len(stems)))
        stems, owners = stems[starts], owners[starts]
        tf = 1.0 + np.log(counts)
    else:
        tf = np.zeros(0, dtype=np.float64)
    if len(stems):
        norms = np.sqrt(np.bincount(owners, weights=tf**2, minlength=len(sentences)))
        unit = tf / norms[owners]
    else:
        unit = np.zeros(0, dtype=np.float64)
    vocabulary, column = np.unique(stems, return_inverse=True)
    return Profile(
        text=text,
        key=key,
        words=len(doc_words.word),
        shingles=np.unique(shingles),
        sentences=sentences,
        sentence_words=sentence_words,
        term_sentence=owners,
        term_stem=stems,
        term_tf=tf,
        term_unit=unit,
        vocabulary=vocabulary,
        term_column=column.reshape(-1).astype(np.int64),
        quoted=np.array(sentence_table(text)[2], dtype=np.float32),
    )


