"""Text normalisation: small pure, idempotent normalisers, and the stage that fills a record.

The normalisers each do one thing and are idempotent (``f(f(x)) == f(x)`` for every string,
property-tested):

* :func:`repair_mojibake` undoes encoding accidents with ``ftfy`` (UTF-8 read as
  Windows-1252 and the like), and nothing else: curly quotes, dashes and ligatures stay.
* :func:`remove_control_chars` removes C0/C1 control characters (other than whitespace),
  invisible format characters (zero-width space, soft hyphen, byte-order mark, bidi
  controls, ...) and lone surrogates; a zero-width joiner or non-joiner is kept where it sits
  between two letters, marks, digits or symbols, because there it is spelling (Persian,
  Indic scripts) or part of an emoji.
* :func:`normalize_unicode` puts the text in one Unicode normalisation form (NFC by default:
  canonical composition, which keeps the author's typography; NFKC would also fold
  ligatures, full-width forms and the like).
* :func:`collapse_whitespace` turns every whitespace run into one space, keeps line and
  paragraph breaks (one break stays ``"\\n"``, two or more, or U+2029, become ``"\\n\\n"``),
  keeps a lone typographic space such as a no-break space, and trims the ends.

:func:`normalize_text` composes them as :class:`NormalizeConfig` says. :func:`normalize`
turns a parsed :class:`~corpus.records.Document` into the row a dataset user wants (text,
metadata, counts, hashes, language) without touching its ``lines``, so the original file is
still rebuilt byte for byte by :func:`corpus.render`. :func:`normalize_batch` does
it for many documents at once (language identification over the batch), and
:func:`normalize_stream` and :class:`Normalize` are the same as a stage over a stream of
documents.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, get_args

import ftfy
from ftfy.badness import BADNESS_RE

from corpus.errors import ConfigError
from corpus.records import Document, Role
from corpus.text import metadata
from corpus.text.lang import (
    DEFAULT_MIN_LETTERS,
    LANGID_VERSION,
    UNDETERMINED,
    LanguageGuess,
    detect_language,
    detect_languages,
)

__all__ = [
    "NORMALIZED_FIELDS",
    "NORMALIZER_VERSION",
    "STREAM_BATCH",
    "UNICODE_FORMS",
    "Normalize",
    "NormalizeConfig",
    "UnicodeForm",
    "collapse_whitespace",
    "normalize",
    "normalize_batch",
    "normalize_stream",
    "normalize_text",
    "normalize_unicode",
    "remove_control_chars",
    "repair_mojibake",
]

#: Version of the normalisation rules; part of every :attr:`NormalizeConfig.version`.
NORMALIZER_VERSION = "1"
#: The :class:`~corpus.records.Document` fields :func:`normalize` fills, in record order.
NORMALIZED_FIELDS = (
    "title", "subtitle", "authors", "headings", "quotes", "boilerplate", "bio", "comments",
    "text", "char_count", "word_count", "paragraph_count", "text_sha256", "language",
    "language_probability", "mojibake_fixed", "normalizer_version",
)

UnicodeForm = Literal["NFC", "NFKC", "NFD", "NFKD"]
#: The Unicode normalisation forms :class:`NormalizeConfig` accepts.
UNICODE_FORMS: tuple[UnicodeForm, ...] = get_args(UnicodeForm)

# -- the normalisers ------------------------------------------------------------------------

# ftfy with only the encoding repairs switched on: typography (curly quotes, ligatures,
# full-width forms), HTML entities, line breaks and control characters are not its business
# here, and Unicode normalisation is a step of its own.
_MOJIBAKE_ONLY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


_NOT_TEXT = frozenset(("Cn", "Co", "Cs"))  # unassigned, private use, surrogate

# With the configuration above, ftfy changes a line (it works line by line) only when its
# mojibake expression matches the line (``ftfy.badness.is_bad``: C1 controls included) or the
# line has a surrogate; otherwise every step it runs returns the line as it is. Every match of
# that expression is at most _SUSPECT_WIDTH characters long and contains a character that is
# neither ASCII nor one of the typographic punctuation marks and spaces of _TYPOGRAPHY (every
# alternative needs one; both checked by the tests against the installed ftfy), so it lies
# within _SUSPECT_WIDTH characters of such a character: searching those neighbourhoods alone
# finds every match, at a fraction of the cost of searching the whole text. A line whose only
# non-ASCII characters are typography, the commonest kind in news text, is not searched at
# all; around accented letters, curly quotes and dashes nearby are left out of the search.
# MULTILINE makes ``^`` match at every line start, as it does in ftfy's per-line search.
_SUSPECT = re.compile(
    BADNESS_RE.pattern + r"|[\ud800-\udfff]", BADNESS_RE.flags | re.MULTILINE
)
_SUSPECT_WIDTH = 16
_TYPOGRAPHY = "’‘“”‚„—–…«»•\u00a0\u2009\u202f"
_BEYOND_TYPOGRAPHY = re.compile(f"[^\\x00-\\x7f{_TYPOGRAPHY}]+")


def _may_be_mojibake(text: str) -> bool:
    """False only if ftfy (configured as :data:`_MOJIBAKE_ONLY`) would return ``text``
    unchanged: no mojibake pattern near any of its characters beyond ASCII and typography,
    no surrogate.

    The neighbourhoods are joined by line breaks; that can only add matches (a ``^`` or
    ``\\s`` at a join), never lose one, so a false answer is always right.
    """
    if len(text) > _MOJIBAKE_ONLY.max_decode_length:
        return True  # ftfy cuts such lines into pieces: let it decide
    pieces: list[str] = []
    start = end = -1
    for run in _BEYOND_TYPOGRAPHY.finditer(text):
        low, high = max(run.start() - _SUSPECT_WIDTH, 0), run.end() + _SUSPECT_WIDTH
        if low > end:
            if end >= 0:
                pieces.append(text[start:end])
            start = low
        end = high
    if end < 0:
        return False  # ASCII and typography only
    pieces.append(text[start:end])
    return _SUSPECT.search("\n".join(pieces)) is not None


def repair_mojibake(text: str) -> str:
    """Undo mojibake (``"â€œHiâ€\\x9d"`` → ``"“Hi”"``, ``"Ã©"`` → ``"é"``) with ftfy.

    Only ftfy's encoding fixes run (its heuristics leave text alone unless it clearly is
    mis-decoded); typography is kept as written. A repair that would bring in characters
    that are not text (unassigned, private-use or surrogate code points) is refused: the
    sequence was not mojibake after all (``"ą¢’"`` is not Windows-1257 for U+0892).
    """
    if text.isascii() or not _may_be_mojibake(text):  # nothing ftfy would repair
        return text
    fixed = ftfy.fix_text(text, _MOJIBAKE_ONLY)
    if fixed != text and any(
        unicodedata.category(ch) in _NOT_TEXT and ch not in text for ch in fixed
    ):
        return text
    return fixed


# C0 and C1 controls that are not whitespace, invisible format characters (general category
# Cf, except the visible "prepended concatenation marks" such as U+0600, Egyptian hieroglyph
# format controls and emoji tag characters) and lone surrogates.
_INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\ud800-\udfff]+"
)
_JOINER_RE = re.compile("[\u200c\u200d]")


def _joinable(char: str) -> bool:
    return unicodedata.category(char)[0] in "LMN" or unicodedata.category(char) in ("So", "Sk")


def _keep_joiner(match: re.Match[str]) -> str:
    text, start, end = match.string, match.start(), match.end()
    if start > 0 and end < len(text) and _joinable(text[start - 1]) and _joinable(text[end]):
        return match.group()
    return ""


def remove_control_chars(text: str) -> str:
    """Remove control characters, zero-width and other invisible format characters.

    Whitespace controls (tab, line breaks) are left to :func:`collapse_whitespace`. A
    zero-width joiner or non-joiner survives only between two letters, marks, digits or
    symbols (``"می\\u200cخواهم"``, ``"👩\\u200d💻"``).
    """
    text = _INVISIBLE_RE.sub("", text)
    if "\u200c" in text or "\u200d" in text:
        text = _JOINER_RE.sub(_keep_joiner, text)
    return text


def normalize_unicode(text: str, form: UnicodeForm = "NFC") -> str:
    """``text`` in Unicode normalisation form ``form`` (NFC by default)."""
    return unicodedata.normalize(form, text)


# Whitespace runs that may need rewriting: two or more characters, or one that is not a plain
# space (a lone " " is already what a run becomes, and skipping it keeps this fast).
_WHITESPACE_RE = re.compile(r"\s{2,}|[^\S ]")
_OTHER_WHITESPACE = re.compile(r"[^\S ]")
# What str.splitlines() treats as a line boundary; U+2029 PARAGRAPH SEPARATOR counts twice.
_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028")


def _collapse_run(match: re.Match[str]) -> str:
    run = match.group()
    breaks = sum(1 for ch in run if ch in _BREAKS) - run.count("\r\n") + 2 * run.count("\u2029")
    if breaks >= 2:
        return "\n\n"
    if breaks == 1:
        return "\n"
    if len(run) == 1 and unicodedata.category(run) == "Zs":
        return run  # a lone typographic space: no-break, thin, ideographic, ...
    return " "


def collapse_whitespace(text: str) -> str:
    """Collapse whitespace runs, keep line and paragraph breaks, trim both ends.

    A run with no line break becomes one space (a single no-break, thin or other
    typographic space is kept as it is); a run with one line break becomes ``"\\n"``; a run
    with two or more (a blank line) or with U+2029 becomes the paragraph break ``"\\n\\n"``.
    ``"\\r\\n"`` counts as one break.
    """
    if "  " not in text and _OTHER_WHITESPACE.search(text) is None:
        return text.strip()  # no run to rewrite: the commonest case, found much faster
    return _WHITESPACE_RE.sub(_collapse_run, text).strip()


# -- configuration --------------------------------------------------------------------------


def _flag(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise ConfigError(
            f"NormalizeConfig.{name}={value!r} is invalid: it must be True or False; "
            f"pass {name}=True to run this normaliser or {name}=False to skip it"
        )


@dataclass(frozen=True, slots=True)
class NormalizeConfig:
    """How :func:`normalize` cleans text; validated when it is built.

    ``unicode_form``: Unicode normalisation form of the stored text (``"NFC"`` keeps the
    author's typography; ``"NFKC"`` also folds compatibility characters).
    ``fix_mojibake``: repair encoding accidents with ftfy, recorded in
    ``Document.mojibake_fixed``. ``remove_control_chars``: drop control and invisible format
    characters. ``collapse_whitespace``: one space per whitespace run, breaks kept.
    ``min_language_letters``: fewest letters a text needs for a language guess; shorter texts
    get ``"und"``.
    """

    unicode_form: UnicodeForm = "NFC"
    fix_mojibake: bool = True
    remove_control_chars: bool = True
    collapse_whitespace: bool = True
    min_language_letters: int = DEFAULT_MIN_LETTERS

    def __post_init__(self) -> None:
        form: object = self.unicode_form
        if form not in UNICODE_FORMS:
            hint = ""
            if isinstance(form, str) and form.strip().upper() in UNICODE_FORMS:
                hint = f" (did you mean {form.strip().upper()!r}?)"
            raise ConfigError(
                f"NormalizeConfig.unicode_form={form!r} is not a Unicode normalisation form"
                f"{hint}: use one of {', '.join(map(repr, UNICODE_FORMS))}; 'NFC' (the "
                "default) keeps the author's typography"
            )
        _flag("fix_mojibake", self.fix_mojibake)
        _flag("remove_control_chars", self.remove_control_chars)
        _flag("collapse_whitespace", self.collapse_whitespace)
        limit: object = self.min_language_letters
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ConfigError(
                f"NormalizeConfig.min_language_letters={limit!r} is invalid: it must be an "
                f"int >= 0 (texts with fewer letters get language 'und'); the default is "
                f"{DEFAULT_MIN_LETTERS}"
            )

    @property
    def version(self) -> str:
        """``"<rules>.<hash>"``: the normaliser version and a short hash of this config.

        The hash also covers what else decides the output: the Unicode database of the
        running Python, the ftfy version (when mojibake repair is on) and the language-ID
        method, so two rows with the same version were produced the same way.
        """
        facts: dict[str, object] = {
            "config": {f.name: getattr(self, f.name) for f in dataclasses.fields(self)},
            "unicode": unicodedata.unidata_version,
            "ftfy": ftfy.__version__ if self.fix_mojibake else None,
            "langid": LANGID_VERSION,
        }
        digest = hashlib.sha256(json.dumps(facts, sort_keys=True).encode("utf-8"))
        return f"{NORMALIZER_VERSION}.{digest.hexdigest()[:8]}"


DEFAULT_CONFIG = NormalizeConfig()
# One round of the normalisers can create work for another (removing a zero-width space can
# join the two halves of a mojibake sequence; composing a character can complete one), so
# the round repeats until the text no longer changes; two rounds almost always suffice.
_MAX_ROUNDS = 8


def _clean(text: str, config: NormalizeConfig) -> tuple[str, bool]:
    """``text`` normalised as ``config`` says, and whether mojibake was repaired."""
    repaired = False
    for _ in range(_MAX_ROUNDS):
        before = text
        if config.fix_mojibake:
            fixed = repair_mojibake(text)
            repaired = repaired or fixed != text
            text = fixed
        if config.remove_control_chars:
            text = remove_control_chars(text)
        text = normalize_unicode(text, config.unicode_form)
        if config.collapse_whitespace:
            text = collapse_whitespace(text)
        if text == before:
            break
    return text, repaired


def normalize_text(text: str, config: NormalizeConfig = DEFAULT_CONFIG) -> str:
    """``text`` through the normalisers ``config`` selects (idempotent).

    Order: mojibake repair (it needs the raw bytes' traces, C1 controls included), control
    and invisible characters, Unicode form, whitespace; repeated until nothing changes.
    """
    return _clean(text, config)[0]


# -- the record stage -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cleaned:
    """A document's lines normalised and sorted by role: everything but the language."""

    by_role: dict[Role, list[str]]
    repaired: bool
    text: str
    title: str
    subtitle: str
    headings: tuple[str, ...]

    @property
    def article(self) -> str | None:
        """Headline, standfirst, headings and body together, if there is more than the body:
        what the language is told from when the body alone is too short."""
        if not (self.title or self.subtitle or self.headings):
            return None
        return "\n\n".join((self.title, self.subtitle, *self.headings, self.text))


def _cleaned(doc: Document, config: NormalizeConfig) -> _Cleaned:
    by_role: dict[Role, list[str]] = {role: [] for role in Role}
    repaired = False
    for line in doc.lines:
        if line.role is not Role.BLANK:
            text, fixed = _clean(line.text, config)
            repaired = repaired or fixed
            if text:
                by_role[line.role].append(text)
    return _Cleaned(
        by_role=by_role,
        repaired=repaired,
        text="\n\n".join(by_role[Role.BODY]),
        title=" ".join(by_role[Role.HEADLINE]),
        subtitle=" ".join(by_role[Role.STANDFIRST]),
        headings=tuple(by_role[Role.HEADING]),
    )


def _filled(
    doc: Document, cleaned: _Cleaned, guess: LanguageGuess, config: NormalizeConfig
) -> Document:
    text = cleaned.text
    return dataclasses.replace(
        doc,
        title=cleaned.title,
        subtitle=cleaned.subtitle,
        authors=metadata.authors(cleaned.by_role[Role.BYLINE]),
        headings=cleaned.headings,
        quotes=metadata.quotes(cleaned.by_role[Role.QUOTE]),
        boilerplate=tuple(cleaned.by_role[Role.BOILERPLATE]),
        bio=metadata.bio(cleaned.by_role[Role.BIO]),
        comments=tuple(cleaned.by_role[Role.COMMENT]),
        text=text,
        char_count=len(text),
        word_count=metadata.count_words(text),
        paragraph_count=metadata.count_paragraphs(text),
        text_sha256=metadata.sha256_text(text),
        language=guess.code,
        language_probability=guess.probability,
        mojibake_fixed=cleaned.repaired,
        normalizer_version=config.version,
    )


def normalize(doc: Document, config: NormalizeConfig = DEFAULT_CONFIG) -> Document:
    """``doc`` with its text, metadata, counts, hashes and language filled in.

    Every field is derived from ``doc.lines`` (which stay as they are) and ``config`` alone,
    so ``normalize(normalize(d)) == normalize(d)`` and ``render(normalize(d)) == render(d)``.
    ``text`` is the body paragraphs joined by ``"\\n\\n"``; headline, standfirst, byline,
    headings, pull quotes, boilerplate, the author bio and reader comments go to their own
    fields (see :mod:`corpus.text.metadata`). The language is told from the body, or from the
    whole article when the body is too short. For many documents :func:`normalize_batch` is
    faster and gives the same records.
    """
    cleaned = _cleaned(doc, config)
    guess = detect_language(cleaned.text, min_letters=config.min_language_letters)
    article = cleaned.article
    if guess.code == UNDETERMINED and article is not None:
        guess = detect_language(article, min_letters=config.min_language_letters)
    return _filled(doc, cleaned, guess, config)


def normalize_batch(
    docs: Iterable[Document], config: NormalizeConfig = DEFAULT_CONFIG
) -> list[Document]:
    """``[normalize(d, config) for d in docs]``, with the language of all the documents told
    in one call of :func:`~corpus.text.lang.detect_languages` (the same answers, at a fraction
    of the cost per document). Memory grows with the batch: pass a few hundred documents at
    a time (:func:`normalize_stream` does)."""
    cleaned = [(doc, _cleaned(doc, config)) for doc in docs]
    letters = config.min_language_letters
    guesses = detect_languages([c.text for _, c in cleaned], min_letters=letters)
    retry = [
        (i, article)
        for i, ((_, c), guess) in enumerate(zip(cleaned, guesses, strict=True))
        if guess.code == UNDETERMINED and (article := c.article) is not None
    ]
    if retry:
        again = detect_languages([article for _, article in retry], min_letters=letters)
        for (i, _), guess in zip(retry, again, strict=True):
            guesses[i] = guess
    return [
        _filled(doc, c, guess, config) for (doc, c), guess in zip(cleaned, guesses, strict=True)
    ]


#: Documents :func:`normalize_stream` normalises together (see :func:`normalize_batch`).
STREAM_BATCH = 256


def normalize_stream(
    docs: Iterable[Document], config: NormalizeConfig = DEFAULT_CONFIG
) -> Iterator[Document]:
    """:func:`normalize` over a stream, in order, in batches of :data:`STREAM_BATCH`
    documents (:func:`normalize_batch`): memory stays bounded whatever the stream's length."""
    batch: list[Document] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == STREAM_BATCH:
            yield from normalize_batch(batch, config)
            batch = []
    if batch:
        yield from normalize_batch(batch, config)


@dataclass(frozen=True, slots=True)
class Normalize:
    """The normalisation stage as a picklable callable: ``Normalize(config)(docs)``."""

    config: NormalizeConfig = DEFAULT_CONFIG

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        return normalize_stream(docs, self.config)
