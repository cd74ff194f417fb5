"""Line-role rules of the seed format (``docs/seed-format.md``, section "Roles").

The rules look only at the shape of a line (length, final punctuation, capitalisation), its
position in the file and a few cue phrases that news sites use everywhere ("By", "About the
Author", "Contact us", "Comments"); never at the words of a particular article. Where a rule is
uncertain it leaves the line as :attr:`Role.BODY`, which keeps the text in the article.

Every function here is pure. Each pattern is applied only to lines no longer than its limit and
none can backtrack more than linearly, so role assignment runs in time linear in the size of
the file, however long a line is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from corpus.records import Role

__all__ = [
    "BIO_MAX",
    "BIO_RE",
    "BOILERPLATE_MAX",
    "BOILERPLATE_RE",
    "BYLINE_MAX",
    "BYLINE_MAX_NAMES",
    "BYLINE_NAME_MAX_WORDS",
    "BYLINE_RE",
    "BYLINE_WINDOW",
    "COMMENTS_MARKER_MAX",
    "COMMENTS_MARKER_RE",
    "CONTINUATION",
    "DATE_RE",
    "HEADING_MAX",
    "HEADING_MAX_WORDS",
    "HEADLINE_MAX",
    "QUESTION",
    "QUOTE_MAX",
    "QUOTE_RE",
    "QUOTE_WHO_MAX_WORDS",
    "STANDFIRST_MAX",
    "TERMINAL",
    "WHITESPACE",
    "assign_roles",
    "byline_names",
    "is_blank",
    "is_quote",
    "is_title_case",
]

#: The characters a blank line may consist of: exactly those for which ``str.isspace()`` is
#: true (and that Python's ``re`` matches with ``\s``). Listed so a second parser can match it.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

#: Longest line (in characters, after stripping whitespace) that can be a headline.
HEADLINE_MAX = 200
#: Longest line that can be a standfirst (dek).
STANDFIRST_MAX = 300
#: Longest line that can be a section heading, and its largest number of words.
HEADING_MAX = 120
HEADING_MAX_WORDS = 16
#: Longest line that can be a byline; at most this many names, of at most this many words.
BYLINE_MAX = 160
BYLINE_MAX_NAMES = 8
BYLINE_NAME_MAX_WORDS = 6
#: How many non-blank lines from the top (after the headline) a byline may be found in.
BYLINE_WINDOW = 4
#: Longest line that can be a pull quote; longest attribution, in characters and words.
QUOTE_MAX = 1000
QUOTE_WHO_MAX_WORDS = 12
#: Longest line that a boilerplate cue can mark as boilerplate.
BOILERPLATE_MAX = 160
#: Longest line that can be a comments marker.
COMMENTS_MARKER_MAX = 60
#: Longest line that can be an "About the Author" label (the label and an inline bio).
BIO_MAX = 2000

_CLOSERS = "\"'”’»)]"
#: Final characters that end a statement: a line ending with one is never a headline,
#: standfirst or heading. ``QUESTION`` ends are allowed there only when the line is
#: title-cased; ``CONTINUATION`` ends (the line goes on) never.
TERMINAL = ".!…。！．।"
QUESTION = "?？؟"
CONTINUATION = ",;:，；："

#: ``by NAMES`` with an optional lead-in ("Written by", "Reporting by"...); the names part is
#: then split on ``,``, ``&`` and ``and`` and every name checked word by word (no nested
#: quantifiers, so no catastrophic backtracking).
BYLINE_RE = re.compile(
    r"^(?:(?:written|words|story|text|reporting|report|interview)\s+)?by\s+(?P<names>\S.*)$",
    re.IGNORECASE,
)
_BYLINE_SPLIT_RE = re.compile(r"\s*(?:,|&|\b[Aa][Nn][Dd]\b)\s*")
_NAME_PARTICLES = frozenset(
    ["al", "bin", "da", "de", "del", "della", "der", "di", "dos", "du", "el", "la", "le",
     "st.", "ten", "ter", "van", "von", "y", "zu"]
)
_NAME_PUNCTUATION = frozenset(".'’-")

#: A pull quote: an opening quote, the quoted text, a closing quote, an optional comma, one
#: or two dashes (hyphen, en or em dash) and the attribution (see :func:`is_quote`).
QUOTE_RE = re.compile(
    r"^\s*[“\"„«‘'](?P<text>.+?)[”\"“»’']\s*(?:,\s*)?[–—-]{1,2}\s*"
    r"(?P<who>[^\s–—\-.!?“”\"][^–—!?“”\"]{0,79})$"
)
#: The author-bio label: "About the author(s)", alone or followed by ":" or a dash.
BIO_RE = re.compile(r"^\s*about\s+the\s+authors?\s*(?::|[–—-]|$)", re.IGNORECASE)
#: A comments marker: "Comments", "3 Comments", "Reader comments (12):", "Show comments"...
COMMENTS_MARKER_RE = re.compile(
    r"^\s*(?:(?:show|view|see|load|read)\s+(?:all\s+)?)?(?:\d+\s+)?(?:readers?['’]?\s+)?"
    r"(?:comments?|responses?|discussion)\s*(?:\(\d+\))?\s*:?\s*$"
    r"|^\s*join\s+the\s+(?:conversation|discussion)\s*:?\s*$",
    re.IGNORECASE,
)
#: Cue phrases of site boilerplate (contact lines, sharing, subscriptions, copyright...).
BOILERPLATE_RE = re.compile(
    r"^\s*(?:contact\s+us\b|share\s+(?:this|on)\b|follow\s+us\b"
    r"|subscribe\s+(?:to|now|for|today|here)\b|subscribe\s*$|sign\s+up\s+(?:for|to|now|here)\b"
    r"|read\s+more\s*(?::|$|about\b|at\b|on\b)|related\s*(?:articles|stories|content)?\s*:?\s*$"
    r"|advertisement\s*$|©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\)|\d{4})"
    r"|all\s+rights\s+reserved\b|click\s+here\b|leave\s+a\s+(?:comment|reply)\b"
    r"|comments\s+are\s+closed\b|send\s+(?:us\s+)?(?:your\s+)?(?:tips|corrections)\b"
    r"|this\s+(?:article|story)\s+(?:was\s+)?(?:first|originally)\s+(?:appeared|published)\b)",
    re.IGNORECASE,
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
#: A date or time-stamp line ("June 3, 2024", "3 June 2024", "2024-06-03", "Updated ...").
#: Such lines are kept as body: they are not headlines, standfirsts or headings.
DATE_RE = re.compile(
    r"^\s*(?:(?:published|updated|posted|last\s+updated|first\s+published)\b"
    rf"|(?:[^\W\d_]+,?\s+)?(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\b)",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[^\W\d_][\w'’\-]*")
_SMALL_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor", "of",
     "on", "or", "over", "per", "the", "to", "up", "upon", "via", "vs", "with"]
)


def is_blank(text: str) -> bool:
    """True when ``text`` is empty or consists only of :data:`WHITESPACE` characters."""
    return not text.strip(WHITESPACE)


def _last_char(text: str) -> str:
    """The last character of ``text`` that is not a closing quote or bracket ("" if none)."""
    stripped = text.rstrip().rstrip(_CLOSERS).rstrip()
    return stripped[-1] if stripped else ""


def _first_letter_is_lower(text: str) -> bool:
    letter = next((c for c in text if c.isalpha()), "")
    return letter.islower()


def is_title_case(text: str) -> bool:
    """True when most words of three letters or more after the first start with a capital.

    Headlines, standfirsts and section headings in English news are usually title-cased;
    body sentences almost never are. Small words ("and", "of", "the"...) are not counted.
    Needs at least two counted words to decide, and 70% of them capitalised.
    """
    words = [
        w for w in _WORD_RE.findall(text)[1:] if len(w) >= 3 and w.lower() not in _SMALL_WORDS
    ]
    if len(words) < 2:
        return False
    capitals = sum(1 for w in words if w[0].isupper())
    return capitals * 10 >= len(words) * 7


def _is_name(name: str) -> bool:
    words = name.split()
    if len(words) > 2 * BYLINE_NAME_MAX_WORDS:
        return False
    proper = 0
    for word in words:
        if word.lower() in _NAME_PARTICLES and word[0].islower():
            continue
        if not word[0].isalpha() or word[0].islower():
            return False
        if not all(c.isalnum() or c in _NAME_PUNCTUATION or _is_mark(c) for c in word[1:]):
            return False
        proper += 1
    return 0 < proper <= BYLINE_NAME_MAX_WORDS


def _is_mark(char: str) -> bool:
    """Combining marks (category M*), so decomposed names like "Jose\u0301" stay names."""
    return unicodedata.category(char).startswith("M")


def byline_names(text: str) -> tuple[str, ...]:
    """The names of a byline (``"by A and B"`` → ``("A", "B")``), or ``()`` if it is not one.

    A byline is at most :data:`BYLINE_MAX` characters, matches :data:`BYLINE_RE`, and its names
    part splits (on ``,``, ``&``, ``and``) into 1 to :data:`BYLINE_MAX_NAMES` names. A name
    has 1 to :data:`BYLINE_NAME_MAX_WORDS` words besides lower-case particles ("van", "de",
    "al"...), at most twice that in all; each non-particle word starts with a letter that is
    not lower-case and holds only letters, digits, combining marks, ``.``, ``'``, ``’``, ``-``.
    """
    stripped = text.strip()
    if len(stripped) > BYLINE_MAX:
        return ()
    match = BYLINE_RE.match(stripped)
    if match is None:
        return ()
    names = tuple(part for part in _BYLINE_SPLIT_RE.split(match["names"]) if part)
    if not 1 <= len(names) <= BYLINE_MAX_NAMES or not all(_is_name(n) for n in names):
        return ()
    return names


def is_quote(text: str) -> bool:
    """True when ``text`` is a pull quote with attribution: ``“…” – NAME``.

    The stripped line is at most :data:`QUOTE_MAX` characters and the line matches
    :data:`QUOTE_RE`; the attribution has at most :data:`QUOTE_WHO_MAX_WORDS` words and does
    not end with a full stop unless its last word has at most three characters ("Jr.", "J.").
    """
    if len(text.strip()) > QUOTE_MAX:
        return False
    match = QUOTE_RE.match(text)
    if match is None:
        return False
    who = match["who"].rstrip()
    words = who.split()
    if len(words) > QUOTE_WHO_MAX_WORDS:
        return False
    return not who.endswith(".") or len(words[-1]) <= 3


def _is_headline_shaped(text: str, limit: int) -> bool:
    stripped = text.strip()
    if not stripped or len(stripped) > limit or DATE_RE.match(stripped):
        return False
    if not any(c.isalpha() for c in stripped):
        return False
    last = _last_char(stripped)
    if last in TERMINAL or last in CONTINUATION:
        return False
    return last not in QUESTION or is_title_case(stripped)


def _is_standfirst(text: str) -> bool:
    stripped = text.strip()
    if not stripped or len(stripped) > STANDFIRST_MAX or byline_names(stripped):
        return False
    if DATE_RE.match(stripped) or is_quote(stripped):
        return False
    last = _last_char(stripped)
    if last in CONTINUATION:
        return False
    return (last not in TERMINAL and last not in QUESTION) or is_title_case(stripped)


def _is_heading(text: str) -> bool:
    stripped = text.strip()
    if len(stripped) > HEADING_MAX or len(stripped.split()) > HEADING_MAX_WORDS:
        return False
    if is_quote(stripped) or _first_letter_is_lower(stripped) or byline_names(stripped):
        return False
    return _is_headline_shaped(stripped, HEADING_MAX)


def _is_bio_label(text: str) -> bool:
    return len(text.strip()) <= BIO_MAX and BIO_RE.match(text) is not None


def _is_comments_marker(text: str) -> bool:
    return (
        len(text.strip()) <= COMMENTS_MARKER_MAX and COMMENTS_MARKER_RE.match(text) is not None
    )


def _is_boilerplate(text: str) -> bool:
    return len(text.strip()) <= BOILERPLATE_MAX and BOILERPLATE_RE.match(text) is not None


def assign_roles(texts: Sequence[str]) -> list[Role]:
    """Give every line of a file its role, following the rules of the format spec.

    ``texts`` are the lines without their endings. The passes run in spec order: blank lines,
    the trailer (author bio, comments marker and reader comments, boilerplate cues), the top
    (headline, standfirst, byline), then pull quotes and section headings; the rest is body.
    """
    n = len(texts)
    roles: list[Role | None] = [Role.BLANK if is_blank(t) else None for t in texts]
    content = [i for i in range(n) if roles[i] is None]
    first = content[0] if content else n

    # Trailer. A comments marker and a bio label count only after the first content line.
    # Reader comments run from the marker to the end; the bio from its label to the end (or to
    # the marker); boilerplate cues win over both.
    comments_start = next((i for i in content if i > first and _is_comments_marker(texts[i])), n)
    bio_start = next((i for i in content if i > first and _is_bio_label(texts[i])), n)
    for i in content:
        if i == comments_start or _is_boilerplate(texts[i]):
            roles[i] = Role.BOILERPLATE
        elif i > comments_start:
            roles[i] = Role.COMMENT
        elif i >= bio_start:
            roles[i] = Role.BIO

    # Top: a headline, then standfirst (at most one) and bylines in any order; date lines
    # there stay body and do not end the top. Without a headline, bylines may open the file.
    top = [i for i in content if roles[i] is None][: BYLINE_WINDOW + 1]
    body_follows = len(top) >= 2
    pos = 0
    head = texts[top[0]] if top else ""
    if body_follows and _is_headline_shaped(head, HEADLINE_MAX) and not (
        byline_names(head) or is_quote(head)
    ):
        roles[top[0]] = Role.HEADLINE
        pos = 1
        seen_standfirst = False
        while pos < len(top) - 1:  # keep at least one line for the body
            text = texts[top[pos]]
            if byline_names(text):
                roles[top[pos]] = Role.BYLINE
            elif DATE_RE.match(text):
                roles[top[pos]] = Role.BODY
            elif not seen_standfirst and _is_standfirst(text):
                roles[top[pos]] = Role.STANDFIRST
                seen_standfirst = True
            else:
                break
            pos += 1
    else:
        while pos < len(top) - 1 and byline_names(texts[top[pos]]):
            roles[top[pos]] = Role.BYLINE
            pos += 1

    # Body region: pull quotes and section headings; a heading is never the region's first
    # line, needs a line after it, and that line must not look like a heading itself.
    rest = [i for i in content if roles[i] is None]
    for k, i in enumerate(rest):
        text = texts[i]
        if is_quote(text):
            roles[i] = Role.QUOTE
        elif 0 < k < len(rest) - 1 and _is_heading(text) and not _is_heading(texts[rest[k + 1]]):
            roles[i] = Role.HEADING
        else:
            roles[i] = Role.BODY
    return [r if r is not None else Role.BODY for r in roles]
