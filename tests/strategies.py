"""Hypothesis strategies for seed files and documents, shared by every test package.

:func:`articles` generates realistic news-article files: headline, standfirst, byline, date
line, body paragraphs, section headings, pull quotes with attribution, boilerplate, an
"About the Author" bio and reader comments after a comments marker; Unicode text (accents,
Greek, Cyrillic, CJK, Arabic, emoji, combining characters); LF, CRLF, CR or mixed line
endings; a BOM or not; a final line break or not; blank and whitespace-only lines (with the
Unicode spaces and separators that are *not* line breaks). Each example carries the bytes and
the role every line is meant to get, for constructs the format spec makes unambiguous.

:func:`documents` gives parsed :class:`~corpus.records.Document` values built from them.
Tests import it as ``from strategies import articles, documents`` (``tests/`` is on the path).
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from corpus.format.parser import parse
from corpus.records import Document, Role

__all__ = [
    "Article",
    "any_file_names",
    "articles",
    "body_paragraphs",
    "documents",
    "file_names",
    "ids",
    "line_endings",
    "unicode_text",
]

BOM = b"\xef\xbb\xbf"

# -- vocabulary ------------------------------------------------------------------------------
# Lower-case words of three letters or more (so body sentences are never title-cased), in
# several scripts, some with combining characters (decomposed accents).
LOWER_WORDS = (
    "talks", "border", "minister", "village", "prisoners", "sanctions", "envoy", "policy",
    "réunion", "café", "naïve", "über", "straße", "façade", "crème", "señor", "jalapeño",
    "smörgåsbord", "cafe\u0301", "nai\u0308ve", "pin\u0303ata", "δημοκρατία", "переговоры",
    "granica", "współpraca", "dialogue", "économie", "ações", "çalışma", "tiếng",
)
# Tokens without letter case or without letters; never counted as capitalised words.
OTHER_TOKENS = (
    "会議", "東京", "和平", "سلام", "नमस्ते", "🎉", "👩‍💻", "🇧🇾", "2024", "1,226", "½",
    "U.S.", "e.g.", "(and", "again)", "\u00a0—\u00a0",
)
# Capitalised words for headlines, headings and names.
CAP_WORDS = (
    "Belarus", "Talks", "Border", "Minister", "Zürich", "Émile", "Ørsted", "Łódź", "Über",
    "Δελφοί", "Москва", "Café", "Cafe\u0301", "São", "Ærø", "Diplomacy", "Engagement",
    "Sanctions", "Thaw", "Europe", "Kyiv", "Vilnius", "Prisoners", "Normalization",
)
SMALL_WORDS = ("of", "and", "the", "in", "for", "with", "to")
# First words of body sentences: none is a cue phrase of another role.
STARTERS = (
    "Officials", "The", "Diplomats", "Analysts", "Residents", "Several", "Many", "Talks",
    "Émile", "Ørsted", "Zürich", "Москва", "Δελφοί", "東京", "Observers", "Critics",
)
FIRST_NAMES = (
    "Grigory", "Jane", "José", "Zoë", "Søren", "Łukasz", "Jose\u0301", "Li", "Mary-Jane",
    "Ngozi", "Ólafur", "Anaïs", "Zoe\u0308", "Ιωάννης", "Ольга",
)
LAST_NAMES = (
    "Ioffe", "Doe", "O’Neil", "Nguyễn", "Wei", "Kowalski", "Smith-Jones", "Okonjo-Iweala",
    "Grímsson", "Müller", "van der Berg", "de la Cruz", "Jr.", "Παπαδόπουλος", "Иванова",
)
BYLINE_LEADS = ("By", "by", "BY", "Written by", "Reporting by")
BYLINE_SEPARATORS = (" and ", ", ", " & ", ", and ")
QUOTE_MARKS = (("“", "”"), ('"', '"'), ("„", "“"), ("«", "»"))
DASHES = (" – ", " — ", " - ", " -- ", " –", "— ")
DATES = ("June 3, 2024", "3 June 2024", "2024-06-03", "Updated 2024-06-03 10:00 UTC",
         "Published Monday, March 3, 2025")
BOILERPLATE = (
    "Contact us at news@example.com.", "Share this article", "Follow us on X",
    "Advertisement", "© 2025 Example Media", "Copyright 2024 Example Media. All rights reserved.",
    "Subscribe to our newsletter", "Sign up for alerts", "Read more:", "Related articles:",
    "Click here to comment", "This article first appeared in Example Weekly.",
    "Comments are closed.", "Send us your tips at tips@example.com",
)
BIO_LABELS = ("About the Author:", "About the author", "ABOUT THE AUTHORS:", "About the Author —")
COMMENT_MARKERS = ("Comments", "3 Comments", "Reader comments (12):", "Comments:",
                   "Join the discussion", "Show all 5 comments")
# Blank-line contents: whitespace that is not a line break (U+0085, U+2028, U+2029, VT, FF
# and the information separators are whitespace but do not split lines).
BLANK_TEXTS = ("", "", "", " ", "\t", "  \t ", "\u3000", "\u00a0", "\x0b", "\x0c", "\x1c",
               "\u0085", "\u2028", "\u2029", "\u2003 ")
ENDINGS = ("\n", "\r\n", "\r")


@dataclass(frozen=True, slots=True)
class Article:
    """One generated seed file: its name and bytes, and each line's text, ending and role."""

    name: str
    data: bytes
    texts: tuple[str, ...]
    endings: tuple[str, ...]
    roles: tuple[Role, ...]
    bom: bool


# -- pieces ----------------------------------------------------------------------------------


def ids() -> st.SearchStrategy[str]:
    """Document ids: 16 lower-case hex digits."""
    return st.text(alphabet="0123456789abcdef", min_size=16, max_size=16)


def file_names() -> st.SearchStrategy[str]:
    """Valid file names ``<seq>_<id>.txt`` with a zero-padded decimal seq."""
    seqs = st.integers(min_value=0, max_value=999_999)
    widths = st.integers(min_value=1, max_value=6)
    return st.builds(
        lambda seq, width, doc_id: f"{seq:0{width}d}_{doc_id}.txt", seqs, widths, ids()
    )


def any_file_names() -> st.SearchStrategy[str]:
    """Names a parser meets in the wild, valid or not: valid names, seqs of up to 6,000 digits
    (past Python's 4,300-digit limit on converting digit strings, and past int64), names with a
    trailing newline or other junk around a valid name, and arbitrary text."""
    long_seqs = st.text(alphabet="0123456789", min_size=1, max_size=6000)
    long_names = st.builds(lambda seq, doc_id: f"{seq}_{doc_id}.txt", long_seqs, ids())
    junk = st.sampled_from(["\n", "\r\n", " ", "\x00", "/", "\\", ".txt"])
    decorated = st.builds(lambda name, extra, after: name + extra if after else extra + name,
                          file_names(), junk, st.booleans())
    return st.one_of(file_names(), long_names, decorated, st.text(max_size=40))


def unicode_text() -> st.SearchStrategy[str]:
    """Arbitrary single-line Unicode text (no CR or LF; any other code point but surrogates)."""
    return st.text(st.characters(codec="utf-8", exclude_characters="\r\n"))


def line_endings() -> st.SearchStrategy[str]:
    """A line ending: LF, CRLF or CR."""
    return st.sampled_from(ENDINGS)


def _words(pool: tuple[str, ...], min_size: int, max_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(pool), min_size=min_size, max_size=max_size)


_LOWER = st.sampled_from(LOWER_WORDS)
_ANY_WORD = st.sampled_from(LOWER_WORDS + OTHER_TOKENS + CAP_WORDS + SMALL_WORDS)
_STARTER = st.sampled_from(STARTERS)
_SENTENCE_END = st.sampled_from((".", ".", ".", "!", "?", "。"))


@st.composite
def sentences(draw: st.DrawFn) -> str:
    """A body sentence: a starter, then at least two lower-case words in every three tokens.

    Built so it is never title-cased, and it ends with ``.``, ``!``, ``?`` or ``。``.
    """
    groups = draw(st.integers(min_value=1, max_value=5))
    lower = draw(st.lists(_LOWER, min_size=2 * groups + 1, max_size=2 * groups + 1))
    other = draw(st.lists(_ANY_WORD, min_size=groups, max_size=groups))
    words = [draw(_STARTER)]
    for k in range(groups):
        words += [lower[2 * k], lower[2 * k + 1], other[k]]
    words.append(lower[-1])
    return " ".join(words) + draw(_SENTENCE_END)


@st.composite
def body_paragraphs(draw: st.DrawFn) -> str:
    """A body paragraph: one to three sentences."""
    return " ".join(draw(st.lists(sentences(), min_size=1, max_size=3)))


@st.composite
def _title(draw: st.DrawFn, min_words: int, max_words: int) -> str:
    words = [draw(st.sampled_from(CAP_WORDS))]
    words += draw(_words(CAP_WORDS + SMALL_WORDS + ("会議", "東京"), min_words - 1, max_words - 1))
    return " ".join(words)


@st.composite
def headlines(draw: st.DrawFn) -> str:
    """A headline: title-like words, no final punctuation, optionally "Title: Subtitle"."""
    title = draw(_title(2, 10))
    if draw(st.booleans()):
        title += ": " + draw(_title(2, 8))
    return title


@st.composite
def standfirsts(draw: st.DrawFn) -> str:
    """A standfirst: a sentence-case phrase without final punctuation."""
    words = [draw(st.sampled_from(("How", "Why", "What", "After", "Inside")))]
    words += draw(_words(LOWER_WORDS + SMALL_WORDS + CAP_WORDS, 3, 20))
    return " ".join(words)


@st.composite
def names(draw: st.DrawFn) -> str:
    """A person's name: a first name and one or two last names."""
    parts = [draw(st.sampled_from(FIRST_NAMES))]
    parts += draw(st.lists(st.sampled_from(LAST_NAMES), min_size=1, max_size=2, unique=True))
    return " ".join(parts)


@st.composite
def bylines(draw: st.DrawFn) -> str:
    """A byline: a lead-in ("By", "Written by"...) and one to three names."""
    people = draw(st.lists(names(), min_size=1, max_size=3))
    text = people[0]
    for person in people[1:]:
        text += draw(st.sampled_from(BYLINE_SEPARATORS)) + person
    return f"{draw(st.sampled_from(BYLINE_LEADS))} {text}"


@st.composite
def headings(draw: st.DrawFn) -> str:
    """A section heading: short, capitalised, no final punctuation (or a title-cased "?")."""
    if draw(st.booleans()):
        return draw(_title(1, 8))
    words = [draw(st.sampled_from(("What", "Could", "Why", "Where")))]
    words += draw(_words(CAP_WORDS[:10], 2, 6))
    return " ".join(words) + "?"


@st.composite
def pull_quotes(draw: st.DrawFn) -> str:
    """A pull quote: ``“sentence,” – Name`` with varied quote marks, commas and dashes."""
    opener, closer = draw(st.sampled_from(QUOTE_MARKS))
    said = draw(sentences())
    if draw(st.booleans()):
        said = said[:-1] + ","
    who = draw(names())
    if draw(st.booleans()):
        who += draw(st.sampled_from((", EU diplomat", ", analyst", ", 東京")))
    return f"{opener}{said}{closer}{draw(st.sampled_from(DASHES))}{who}"


@st.composite
def comment_lines(draw: st.DrawFn) -> str:
    """A reader comment: any shape (a sentence, a short title-like line, a quote...)."""
    return draw(st.one_of(sentences(), headings(), pull_quotes(), bylines(), body_paragraphs()))


# -- whole files -----------------------------------------------------------------------------


@st.composite
def _structure(draw: st.DrawFn) -> list[tuple[str, Role]]:
    """The content lines of an article in order, each with the role it must get."""
    out: list[tuple[str, Role]] = []
    if draw(st.booleans()):
        out.append((draw(headlines()), Role.HEADLINE))
        top = []
        if draw(st.booleans()):
            top.append((draw(standfirsts()), Role.STANDFIRST))
        if draw(st.booleans()):
            top.append((draw(bylines()), Role.BYLINE))
        if draw(st.booleans()):
            top.reverse()
        out += top
    elif draw(st.booleans()):
        out.append((draw(bylines()), Role.BYLINE))
    if draw(st.booleans()):
        out.append((draw(st.sampled_from(DATES)), Role.BODY))

    out.append((draw(body_paragraphs()), Role.BODY))
    for kind in draw(st.lists(st.sampled_from("bbbhqa"), max_size=10)):
        if kind == "b":
            out.append((draw(body_paragraphs()), Role.BODY))
        elif kind == "q":
            out.append((draw(pull_quotes()), Role.QUOTE))
        elif kind == "a":
            out.append(("Advertisement", Role.BOILERPLATE))
        else:
            out.append((draw(headings()), Role.HEADING))
            out.append((draw(body_paragraphs()), Role.BODY))

    for text in draw(st.lists(st.sampled_from(BOILERPLATE), max_size=2)):
        out.append((text, Role.BOILERPLATE))
    if draw(st.booleans()):
        label = draw(st.sampled_from(BIO_LABELS))
        if label.endswith(("—", ":")) and draw(st.booleans()):
            label += " " + draw(names()) + " writes about Europe."
        out.append((label, Role.BIO))
        for _ in range(draw(st.integers(min_value=0, max_value=2))):
            out.append((f"{draw(names())} is a reporter. " + draw(sentences()), Role.BIO))
    if draw(st.booleans()):
        out.append((draw(st.sampled_from(COMMENT_MARKERS)), Role.BOILERPLATE))
        for _ in range(draw(st.integers(min_value=0, max_value=3))):
            out.append((draw(comment_lines()), Role.COMMENT))
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        out.append((draw(st.sampled_from(BOILERPLATE)), Role.BOILERPLATE))
    return out


@st.composite
def articles(draw: st.DrawFn) -> Article:
    """A whole seed file with the role each line must get (see the module docstring)."""
    content = draw(_structure())
    lines: list[tuple[str, Role]] = []
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        lines.append((draw(st.sampled_from(BLANK_TEXTS)), Role.BLANK))
    for text, role in content:
        lines.append((text, role))
        for _ in range(draw(st.integers(min_value=0, max_value=2))):
            if draw(st.booleans()):
                lines.append((draw(st.sampled_from(BLANK_TEXTS)), Role.BLANK))

    style = draw(st.sampled_from(("lf", "crlf", "cr", "mixed")))
    fixed = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}.get(style)
    endings: list[str] = []
    for k, (text, _) in enumerate(lines):
        ending = fixed if fixed is not None else draw(line_endings())
        # An empty line after a CR-ended line must not start with LF: CR + LF is one CRLF.
        if k > 0 and endings[-1] == "\r" and text == "" and ending == "\n":
            ending = "\r"
        endings.append(ending)
    if not draw(st.booleans()):  # no final line break
        endings[-1] = ""
        if lines[-1][0] == "":  # an empty last line without ending would not exist
            lines[-1] = (" ", Role.BLANK)

    bom = draw(st.booleans())
    text = "".join(t + e for (t, _), e in zip(lines, endings, strict=True))
    data = (BOM if bom else b"") + text.encode("utf-8")
    return Article(
        name=draw(file_names()),
        data=data,
        texts=tuple(t for t, _ in lines),
        endings=tuple(endings),
        roles=tuple(r for _, r in lines),
        bom=bom,
    )


def documents() -> st.SearchStrategy[Document]:
    """Parsed documents of generated articles, some with an archive member as source."""
    members = st.one_of(st.just(""), st.builds(lambda d: f"corpus/{d}", file_names()))

    def build(article: Article, member: str) -> Document:
        if member:
            return parse(article.data, "corpus.tar.gz", member=member)
        return parse(article.data, f"seeds/{article.name}")

    return st.builds(build, articles(), members)
