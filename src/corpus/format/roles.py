"""Line-role rules of the seed format (``docs/seed-format.md``, section "Roles").

The rules look only at the shape of a line (length, final punctuation, capitalisation), its
position in the file and a few cue phrases that news sites use everywhere ("By", "About the
Author", "Contact us", "Comments"); never at the words of a particular article. Where a rule is
uncertain it leaves the line as :attr:`Role.BODY`, which keeps the text in the article.

Every function here is pure and runs in time linear in the length of the lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from corpus.records import Role

__all__ = ["QUOTE_RE", "assign_roles", "byline_names", "is_title_case"]

#: Longest line (in characters, stripped) that can be a headline or standfirst.
HEADLINE_MAX = 200
STANDFIRST_MAX = 300
#: Longest line that can be a section heading, and its largest number of words.
HEADING_MAX = 120
HEADING_MAX_WORDS = 16
#: How many non-blank lines from the top a byline may be found in.
BYLINE_WINDOW = 4
#: Longest line that a boilerplate cue can mark as boilerplate.
BOILERPLATE_MAX = 160

_CLOSERS = "\"'”’»)]"
_NAME = r"(?:[A-Z\u00c0-\u024f][\w.'’\-]*|(?:de|da|van|von|der|al|bin|le|la|di|du)(?=\s))"
_NAME_RUN = rf"{_NAME}(?:\s+{_NAME}){{0,5}}"
BYLINE_RE = re.compile(
    rf"^\s*by\s+(?P<names>{_NAME_RUN}(?:\s*(?:,|&|\band\b)\s*{_NAME_RUN})*)\s*$",
    re.IGNORECASE,
)
_BYLINE_NAME_CHECK = re.compile(rf"^{_NAME_RUN}$")
QUOTE_RE = re.compile(
    r"^\s*[“\"„«‘'](?P<text>.+?)[”\"“»’']\s*,?\s*[–—-]{1,2}\s*"
    r"(?P<who>[^\s–—\-.!?“”\"][^–—!?“”\"]{0,79})$"
)
_BIO_RE = re.compile(r"^\s*about\s+the\s+authors?\b\s*:?", re.IGNORECASE)
_COMMENTS_MARKER_RE = re.compile(
    r"^\s*(?:\d+\s+)?(?:reader(?:s'?)?\s+)?comments?\s*(?:\(\d+\))?\s*:?\s*$", re.IGNORECASE
)
_BOILERPLATE_RE = re.compile(
    r"^\s*(?:contact\s+us\b|share\s+(?:this|on)\b|follow\s+us\b|subscribe\b|sign\s+up\b"
    r"|read\s+more\b|related\s*(?:articles|stories)?\s*:?\s*$|advertisement\s*$|copyright\b|©"
    r"|all\s+rights\s+reserved\b|click\s+here\b|leave\s+a\s+(?:comment|reply)\b"
    r"|send\s+(?:us\s+)?(?:tips|corrections)\b|this\s+article\s+(?:was\s+)?first\s+appeared\b)",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[^\W\d_][\w'’\-]*")
_SMALL_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor", "of", "on", "or", "over", "per", "the", "to", "up", "upon", "via", "vs", "with"]
)


def _last_char(text: str) -> str:
    """The last character of ``text`` that is not a closing quote or bracket ("" if none)."""
    stripped = text.rstrip().rstrip(_CLOSERS).rstrip()
    return stripped[-1] if stripped else ""


def is_title_case(text: str) -> bool:
    """True when most words of three letters or more after the first start with a capital.

    Headlines, standfirsts and section headings in English news are usually title-cased;
    body sentences almost never are. Needs at least two such words to decide.
    """
    words = [w for w in _WORD_RE.findall(text)[1:] if len(w) >= 3 and w.lower() not in _SMALL_WORDS]
    if len(words) < 2:
        return False
    capitals = sum(1 for w in words if w[0].isupper())
    return capitals * 10 >= len(words) * 7


def byline_names(text: str) -> tuple[str, ...]:
    """The names of a byline (``"by A and B"`` → ``("A", "B")``), or ``()`` if it is not one."""
    match = BYLINE_RE.match(text)
    if match is None:
        return ()
    parts = re.split(r"\s*(?:,|&|\band\b)\s*", match["names"])
    names = tuple(p.strip() for p in parts if p.strip())
    if not names or not all(_BYLINE_NAME_CHECK.match(n) for n in names):
        return ()
    return names


def _is_headline_shaped(text: str, limit: int) -> bool:
    stripped = text.strip()
    if not stripped or len(stripped) > limit:
        return False
    last = _last_char(stripped)
    if last in ".,;:!" or last == "…":
        return False
    return last != "?" or is_title_case(stripped)


def _is_standfirst(text: str) -> bool:
    stripped = text.strip()
    if not stripped or len(stripped) > STANDFIRST_MAX or byline_names(stripped):
        return False
    return _last_char(stripped) not in ".!?…" or is_title_case(stripped)


def _is_heading(text: str) -> bool:
    stripped = text.strip()
    if len(stripped) > HEADING_MAX or len(stripped.split()) > HEADING_MAX_WORDS:
        return False
    if QUOTE_RE.match(stripped):
        return False
    if not _is_headline_shaped(stripped, HEADING_MAX):
        return False
    return _last_char(stripped) != "?" or is_title_case(stripped)


def assign_roles(texts: Sequence[str]) -> list[Role]:
    """Give every line of a file its role, following the rules of the format spec.

    ``texts`` are the lines without their endings. The passes run in spec order: blank lines,
    the trailer (author bio, comments marker and reader comments, boilerplate cues), the top
    (headline, standfirst, byline), then pull quotes and section headings; the rest is body.
    """
    n = len(texts)
    roles: list[Role | None] = [Role.BLANK if not t.strip() else None for t in texts]
    content = [i for i in range(n) if roles[i] is None]

    # Trailer: an "About the Author" label starts the bio, which runs to the end of the file
    # (except for boilerplate cues and a comments section after it).
    bio_start = next((i for i in content if _BIO_RE.match(texts[i])), n)
    comments_start = next(
        (i for i in content if i > (content[0] if content else 0)
         and _COMMENTS_MARKER_RE.match(texts[i])),
        n,
    )
    for i in content:
        text = texts[i]
        if (len(text.strip()) <= BOILERPLATE_MAX and _BOILERPLATE_RE.match(text)) or i == comments_start:
            roles[i] = Role.BOILERPLATE
        elif i > comments_start:
            roles[i] = Role.COMMENT
        elif i >= bio_start:
            roles[i] = Role.BIO

    # Top of the article: headline, then standfirst and byline in either order.
    top = [i for i in content if roles[i] is None][: BYLINE_WINDOW + 1]
    body_follows = len([i for i in content if roles[i] is None]) >= 2
    pos = 0
    if top and body_follows and _is_headline_shaped(texts[top[0]], HEADLINE_MAX) and not (
        byline_names(texts[top[0]]) or QUOTE_RE.match(texts[top[0]])
    ):
        roles[top[0]] = Role.HEADLINE
        pos = 1
        seen_standfirst = False
        while pos < len(top) - 1:  # keep at least one line for the body
            text = texts[top[pos]]
            if byline_names(text):
                roles[top[pos]] = Role.BYLINE
            elif not seen_standfirst and _is_standfirst(text):
                roles[top[pos]] = Role.STANDFIRST
                seen_standfirst = True
            else:
                break
            pos += 1
    else:
        # No headline: a byline may still open the file.
        while pos < min(len(top) - 1, BYLINE_WINDOW) and byline_names(texts[top[pos]]):
            roles[top[pos]] = Role.BYLINE
            pos += 1

    # Body region: pull quotes and section headings; a heading needs body text after it.
    rest = [i for i in content if roles[i] is None]
    for k, i in enumerate(rest):
        text = texts[i]
        if QUOTE_RE.match(text):
            roles[i] = Role.QUOTE
        elif k + 1 < len(rest) and k > 0 and _is_heading(text) and not _is_heading(texts[rest[k + 1]]):
            roles[i] = Role.HEADING
        else:
            roles[i] = Role.BODY
    return [r if r is not None else Role.BODY for r in roles]
