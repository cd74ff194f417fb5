"""What dedup reads from a document: its article text, its sentences, and source-credit cues.

All functions are pure. The article text is the normalised ``doc.text`` when the document was
normalised (``doc.normalizer_version != ""``), else the BODY lines joined by blank lines: the
same paragraphs, without normalisation. Sentence splitting and cue detection look at the
shape of the text (punctuation, capitals, general phrases that credit a source), never at the
words of a particular article.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from corpus.records import Document, Role

__all__ = [
    "Sentence",
    "article_text",
    "credits_source",
    "sentence_table",
    "sentence_texts",
    "source_credit",
    "split_sentences",
]


def article_text(doc: Document) -> str:
    """The text dedup compares: ``doc.text`` once normalised, else the raw BODY lines.

    :func:`corpus.find_duplicates` normalises documents first, so it always compares
    ``doc.text``; the fallback serves callers holding parsed documents only. Paragraphs are
    separated by a blank line either way, so the hashing key keeps one paragraph per line.
    """
    if doc.normalizer_version:
        return doc.text
    return "\n\n".join(
        line.text.strip() for line in doc.lines if line.role is Role.BODY and line.text.strip()
    )


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of an article: its paragraph number (0-based) and its text."""

    paragraph: int
    text: str


# A sentence ends at . ! ? or … (plus closing quotes/brackets), before whitespace and a capital,
# a digit or an opening quote; CJK full stops end a sentence wherever they are. The match
# starts at the full stop itself (the sentence ends one character after the match starts):
# a pattern that begins with a character set is scanned for that set, about five times faster
# than trying a look-behind at every position, and it finds the same boundaries.
_BOUNDARY = re.compile(
    r"[.!?…。！？](?:(?<=[.!?…])[\"'”’»)\]]*\s+(?=[\"'“‘«(\[]?[\dA-ZÀ-ÖØ-ÞĀ-ſА-ЯΑ-Ω])|(?<=[。！？]))"
)
# Words after which a full stop does not end a sentence: titles, initials, month and common
# Latin abbreviations, and dotted acronyms such as "U.S.". Every alternative ends with a full
# stop, so it is only looked for where the sentence would end with one.
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Gen|Gov|Sen|Rep|Lt|Col|Sgt|Capt|Cmdr|Adm|Maj|Rev|Hon|"
    r"Pres|No|Nos|Vol|Fig|Inc|Corp|Ltd|Co|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|vs|"
    r"etc|approx|ca|cf|al)\.|\b[A-Za-z]\.|\b(?:[A-Za-z]\.){2,})[\"'”’)]*$"
)
#: Fragments shorter than this many words are joined to the sentence before them.
_MIN_SENTENCE_WORDS = 4
#: The characters before a sentence's end that decide whether it is an abbreviation: a
#: listed word (at most six letters) and its full stop, and the character before the word
#: for its word boundary. A dotted acronym ends with a letter between a full stop and a full
#: stop, which the single-letter alternative finds within this window too; so the verdict is
#: that of the sixteen characters looked at before, for half the search.
_ABBREVIATION_WINDOW = 8
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _split_paragraph(paragraph: str) -> list[str]:
    """The sentences of one paragraph (stripped, not empty)."""
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        end = match.start() + 1  # the piece ends with its full stop
        # Every abbreviation ends with a letter and a full stop.
        if (paragraph[match.start()] == "." and end - start >= 2
                and paragraph[end - 2] in _ASCII_LETTERS and _ABBREVIATION.search(
                    paragraph[max(start, end - _ABBREVIATION_WINDOW):end])):
            continue
        pieces.append(paragraph[start:end])
        start = match.end()
    if not pieces:
        return [paragraph]
    pieces.append(paragraph[start:])
    merged: list[str] = []
    # Whether each merged sentence is short needs its first words only: a count capped at
    # the minimum (a join adds the counts).
    sizes: list[int] = []
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        size = len(piece.split(None, _MIN_SENTENCE_WORDS - 1))
        if merged and (size < _MIN_SENTENCE_WORDS or sizes[-1] < _MIN_SENTENCE_WORDS):
            merged[-1] = f"{merged[-1]} {piece}"
            sizes[-1] = min(_MIN_SENTENCE_WORDS, sizes[-1] + size)
        else:
            merged.append(piece)
            sizes.append(size)
    return merged


def _paragraphs(text: str) -> Iterator[tuple[int, str, list[str]]]:
    """Each non-empty paragraph (line) of ``text``: its number, its stripped text and its
    sentences."""
    number = 0
    for line in text.splitlines():
        paragraph = line.strip()
        if paragraph:
            yield number, paragraph, _split_paragraph(paragraph)
            number += 1


def sentence_texts(text: str) -> tuple[list[int], list[str]]:
    """The paragraph number and the text of every sentence of :func:`split_sentences`, as
    two lists (no :class:`Sentence` object is made: what building many profiles needs)."""
    numbers: list[int] = []
    texts: list[str] = []
    for number, _, pieces in _paragraphs(text):
        numbers += [number] * len(pieces)
        texts += pieces
    return numbers, texts


#: A quotation within a paragraph: straight double quotes, or curly or angle ones, up to the
#: closing mark or the paragraph's end (a quotation that goes on in the next paragraph is
#: left open there, as news style does). Single quotes are left out: they are apostrophes too.
_QUOTATION = re.compile(r'"[^"]*(?:"|$)|“[^”]*(?:”|$)|«[^»]*(?:»|$)')
_QUOTE_MARKS = ('"', "“", "«")


def _quoted_pieces(paragraph: str, pieces: Sequence[str]) -> list[float]:
    """The share of each sentence of ``paragraph`` (``pieces``, in order) inside double
    quotation marks."""
    if not any(mark in paragraph for mark in _QUOTE_MARKS):
        return [0.0] * len(pieces)
    spans = [m.span() for m in _QUOTATION.finditer(paragraph)]
    shares = []
    cursor = 0
    for piece in pieces:
        at = paragraph.find(piece[:16], cursor)
        if at < 0:  # pragma: no cover - a piece is a stripped slice of its paragraph
            shares.append(0.0)
            continue
        end = min(len(paragraph), at + len(piece))
        cursor = end
        inside = sum(max(0, min(end, b) - max(at, a)) for a, b in spans)
        shares.append(inside / max(1, end - at))
    return shares


def sentence_table(text: str) -> tuple[list[int], list[str], list[float]]:
    """:func:`sentence_texts`, and for each sentence the share of its characters inside double
    quotation marks (straight, curly or angle; the quotation state starts closed each
    paragraph, and a quotation left open at a paragraph's end runs to it).

    A sentence mostly inside quotation marks is a *quotation*
    (:attr:`~corpus.dedup.config.RewriteConfig.quotation_share`): what a speaker said is what
    independent reports of one event share word for word, so a shared quotation is no sign
    that one text was written from the other (:func:`~corpus.dedup.align.run_counted`). A
    paragraph without a quotation mark is not searched."""
    numbers: list[int] = []
    texts: list[str] = []
    quoted: list[float] = []
    for number, paragraph, pieces in _paragraphs(text):
        numbers += [number] * len(pieces)
        texts += pieces
        quoted += _quoted_pieces(paragraph, pieces)
    return numbers, texts, quoted


def split_sentences(text: str) -> list[Sentence]:
    """Split an article text into sentences, paragraph by paragraph (non-empty lines).

    Full stops after titles, initials and dotted acronyms ("Mr.", "G.", "U.S.") do not end a
    sentence; fragments of fewer than four words join their neighbour, so every sentence says
    something on its own.
    """
    return list(map(Sentence, *sentence_texts(text)))


# -- source credits -------------------------------------------------------------------------
_CAP = r"[A-Z][\w'’&.\-]*"
_MEDIA_NOUN = (
    r"(?:article|report|story|piece|investigation|interview|analysis|dispatch|column|op-ed|"
    r"editorial|podcast|broadcast|feature|exclusive)"
)
_OUTLET = (
    rf"(?:(?:{_CAP}\s+){{0,4}}(?:Times|Post|Journal|News|Herald|Tribune|Gazette|Telegraph|"
    r"Guardian|Independent|Observer|Chronicle|Daily|Wire|Press|Magazine|Newsweek|Economist|"
    r"Reuters|Bloomberg|AFP|BBC|CNN|NPR|Politico|Axios)\b)"
)
_CREDIT_ANYWHERE = re.compile(
    "|".join(
        (
            # "according to a New York Times article", "according to an AP report"
            rf"\b[Aa]ccording\s+to\s+(?:a|an|the)\s+(?:(?:new|recent|latest|earlier|original)\s+)?"
            rf"(?:{_CAP}\s+){{1,6}}{_MEDIA_NOUN}\b",
            # "according to the Washington Post", "according to Reuters"
            rf"\b[Aa]ccording\s+to\s+(?:the\s+)?{_OUTLET}",
            # "first reported by", "originally published in", "first appeared on"
            r"\b(?i:first|originally)\s+(?i:reported|published|appeared|ran|aired)\s+(?i:by|in|on|at)\b",
            # "as reported by the Guardian"
            rf"\b(?i:as\s+)?(?i:reported)\s+(?i:by|in)\s+(?:the\s+)?{_OUTLET}",
            # "This article was adapted from", "this story was republished"
            r"\b(?i:this\s+(?:article|story|report|piece)\s+(?:was\s+|is\s+)?(?:first\s+)?"
            r"(?:appeared|published|adapted|republished|reprinted|syndicated|based\s+on))\b",
            # "reprinted with permission from", "adapted from"
            r"\b(?i:(?:reprinted|republished|adapted|syndicated)\s+(?:with\s+permission\s+)?from)\b",
            # "Source: Reuters", "Via: AP" at the start of a line
            r"^\s*(?i:source|sources|via|h/t|hat\s+tip)\s*:",
        )
    )
)
# In a headline or standfirst, "<Outlet> reports ..." announces a write-up of another's story.
_CREDIT_TOP = re.compile(rf"{_OUTLET}\s+(?i:reports|reported|reveals|says)\b")
_TOP_ROLES = (Role.HEADLINE, Role.STANDFIRST)
_TEXT_ROLES = (Role.HEADLINE, Role.STANDFIRST, Role.BODY, Role.HEADING, Role.BOILERPLATE)

# The words each phrase above cannot do without, so that a line lacking them is passed over
# without running the expressions (most lines): for each alternative, groups of words of
# which the line must hold at least one each (in any case), and the words a "Source:" line
# starts with. Case-insensitive matching also lets four non-ASCII characters stand for ASCII
# letters (dotted and dotless i, long s, Kelvin sign); a line holding one is always searched.
_CREDIT_WORDS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("according",),),
    (("first", "originally"), ("reported", "published", "appeared", "ran", "aired")),
    (("reported",),),
    (
        ("this",),
        ("article", "story", "report", "piece"),
        ("appeared", "published", "adapted", "reprinted", "syndicated", "based"),
    ),
    (("reprinted", "republished", "adapted", "syndicated"), ("from",)),
)
_CREDIT_STARTS = ("source", "via", "h/t", "hat")
_TOP_WORDS: tuple[tuple[tuple[str, ...], ...], ...] = ((("report", "reveals", "says"),),)
_CASE_TWINS = "\u0130\u0131\u017f\u212a"


def _may_match(text: str, alternatives: tuple[tuple[tuple[str, ...], ...], ...]) -> bool:
    """False only if no alternative's words are all in ``text`` (see _CREDIT_WORDS)."""
    if any(twin in text for twin in _CASE_TWINS):
        return True
    lower = text.lower()
    return any(
        all(any(word in lower for word in group) for group in groups) for groups in alternatives
    ) or (alternatives is _CREDIT_WORDS and lower.lstrip().startswith(_CREDIT_STARTS))


def _credit_in(text: str, top: bool) -> str:
    """The credit phrase of one line (``top``: a headline or standfirst), or ``""``."""
    match = _CREDIT_ANYWHERE.search(text) if _may_match(text, _CREDIT_WORDS) else None
    if match is None and top and _may_match(text, _TOP_WORDS):
        match = _CREDIT_TOP.search(text)
    return "" if match is None else match.group(0).strip()


def source_credit(doc: Document) -> str:
    """The phrase by which the document credits another outlet as its source, or ``""``.

    Looks at the headline, standfirst, body, headings and boilerplate (not at reader
    comments, which quote anything) for general phrases: "according to a <Name> article",
    "according to the <Outlet>", "first published in", "as reported by <Outlet>", "reprinted
    from", "Source:", and, in the headline or standfirst, "<Outlet> reports". A document that
    does is taken for the copy by the ``"original"`` keep policy, and the phrase is the reason
    the dedup report gives.
    """
    for line in doc.lines:
        if line.role in _TEXT_ROLES:
            credit = _credit_in(line.text, line.role in _TOP_ROLES)
            if credit:
                return credit
    return ""


def credits_source(doc: Document) -> bool:
    """Whether the document credits another outlet as the source of its story (see
    :func:`source_credit`)."""
    return bool(source_credit(doc))
