"""Deterministic, vectorised language identification on langdetect's language profiles.

:func:`detect_language` uses the 55 n-gram profiles that ship with ``langdetect`` (the JSON
files in ``langdetect/profiles``) and extracts 1- to 3-character n-grams exactly the way
langdetect does (same character normalisation, same word-boundary and all-capitals rules,
same removal of URLs and e-mail addresses, same cut at 10,000 characters), but scores them
differently:

* langdetect runs seven random trials, each multiplying language probabilities by randomly
  drawn n-grams until one language passes 0.99999, and averages the trials. That is slow (a
  Python loop over 55 languages per drawn n-gram) and random unless seeded.
* Here the n-grams of a deterministic sample of the text (the whole text up to
  :data:`SAMPLE_CHARS` characters, else :data:`WINDOWS` evenly spaced windows of it) are
  looked up at once in a matrix of log-probabilities (n-gram × language, built lazily once
  per process from the profiles) and summed: the naive Bayes score that langdetect's
  sampling estimates. The language with the highest total wins. A row of the matrix holds
  an n-gram's log-probabilities plus those of its shorter endings, so each character of the
  sample is one row (that of the longest n-gram ending there that a profile knows) rather
  than up to three: the same sums from about two fifths as many rows.

The probability reported is the mean, over :data:`PARTS` consecutive parts of the sample, of
each part's posterior for the winning language (the deterministic counterpart of averaging
langdetect's trials): close to 1 when every part of the text points to the same language,
lower when the parts disagree or are too short to be sure. Three parts keep a few hundred
n-grams in each part of an article, so proper names in one part do not make an article look
uncertain.

Same text, same answer, in any process and any order: there is no random number generator
and no state besides the read-only model. Texts with fewer than ``min_letters`` letters (a
Han ideograph, kana or hangul syllable counts as :data:`SYLLABIC_LETTER_WEIGHT` letters) or
with no n-gram any profile knows get ``"und"`` with probability 0.0 rather than a guess.
langdetect's ``zh-cn`` and ``zh-tw`` both become ISO 639-1 ``zh`` (probabilities added).

The model takes about 35 MB per process: the log-probability matrix (87,598 n-grams × 55
languages, float32, padded to 64 columns), a hash table of the n-grams, and per-code-point
tables.

:func:`detect_languages` gives exactly :func:`detect_language`'s answer for each of many texts,
with the fixed cost of a call (a few dozen numpy operations) paid once per batch.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from corpus.errors import ConfigError

__all__ = [
    "DEFAULT_MIN_LETTERS",
    "LANGID_VERSION",
    "MAX_TEXT_LENGTH",
    "PARTS",
    "SAMPLE_CHARS",
    "SYLLABIC_LETTER_WEIGHT",
    "UNDETERMINED",
    "WINDOWS",
    "LanguageGuess",
    "detect_language",
    "detect_languages",
    "supported_languages",
]

#: Version of the identification method (sampling, scoring); part of the normaliser version.
LANGID_VERSION = "2"
#: The code given to a text whose language cannot be told (ISO 639-2 "undetermined").
UNDETERMINED = "und"
#: Fewest letters a text needs before a language is guessed (see :func:`detect_language`).
DEFAULT_MIN_LETTERS = 20
#: How many letters one character of a script that writes a syllable or a word per
#: character (Han ideographs, kana, hangul syllables) counts as.
SYLLABIC_LETTER_WEIGHT = 3
# Blocks of those scripts: kana, CJK ideographs (with extension A and compatibility),
# hangul syllables, and the supplementary ideographic planes.
_SYLLABIC_RANGES = (
    (0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF),
    (0x20000, 0x3134F),
)
#: Like langdetect, only the first this many characters (after URL/e-mail removal) are used.
MAX_TEXT_LENGTH = 10_000
#: About how many characters are scored per text; longer texts are sampled in windows.
SAMPLE_CHARS = 400
#: Number of evenly spaced windows a longer text is sampled in.
WINDOWS = 4
#: Number of consecutive parts whose posteriors are averaged into the reported probability.
PARTS = 3
#: How far (in characters) a window edge may move to reach a word boundary.
_SNAP = 24
# Probabilities are rounded to this many decimals (beyond that they are noise, and rounding
# keeps printed values stable), and a guess never rounds down to 0.0.
_DIGITS = 6
_MIN_PROBABILITY = 10.0**-_DIGITS

# langdetect's smoothing: each n-gram multiplies a language's probability by p(ngram|lang) +
# alpha / BASE_FREQ (Detector.ALPHA_DEFAULT = 0.5, Detector.BASE_FREQ = 10000).
_SMOOTHING = 0.5 / 10_000
_ISO_639_1 = {"zh-cn": "zh", "zh-tw": "zh"}
_UNICODE_SIZE = 0x110000
_SPACE = 0x20
_BITS = 21  # every code point fits in 21 bits, so three of them fit in a uint64 key
# Fields of _Model.classes: letter weight, then three flags (read as ``classes >> 2``).
_WEIGHT, _LATIN, _HIGH, _VI_MARK = 0b11, 0b100, 0b1000, 0b10000


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """The language of a text: an ISO 639-1 ``code`` (``"und"`` if unknown) and its probability."""

    code: str
    probability: float


_UNKNOWN = LanguageGuess(UNDETERMINED, 0.0)


@dataclass(frozen=True, slots=True)
class _Model:
    """Read-only tables built once per process from langdetect's profiles and rules."""

    languages: tuple[str, ...]  # ISO 639-1 code of every column (zh twice)
    same_code: tuple[npt.NDArray[np.intp], ...]  # per column: the columns with its code
    # One row per n-gram of the profiles: log(p(ngram | language) + smoothing), plus the same
    # of the n-gram's shorter endings that are taken with it (see _position_rows); a last
    # row of zeros is the padding; columns past the languages are zeros
    log_probs: npt.NDArray[np.float32]
    # Hash table from n-gram key to row: one slot per hash value holding the first key that
    # hashes there; the keys that collide with it are in the sorted overflow arrays.
    slot_keys: npt.NDArray[np.uint64]
    slot_rows: npt.NDArray[np.intp]
    crowded: npt.NDArray[np.bool_]  # slots that more than one key hashes to
    overflow_keys: npt.NDArray[np.uint64]
    overflow_rows: npt.NDArray[np.intp]
    char_map: npt.NDArray[np.uint32]  # langdetect's NGram.normalize for every code point
    is_upper: npt.NDArray[np.bool_]  # str.isupper of every code point
    # Per code point: letter weight (0, 1 or SYLLABIC_LETTER_WEIGHT) in the low two bits,
    # _LATIN if in A..z, _HIGH if at or above U+0300 (langdetect's script test), _VI_MARK
    # for the five combining marks langdetect composes with Vietnamese letters.
    classes: npt.NDArray[np.uint8]


_HASH_BITS = 18
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: odd, well mixed bits
_HASH_SHIFT = np.uint64(64 - _HASH_BITS)


def _slots(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """Hash table slot of each key (multiplication wraps modulo 2**64 in numpy)."""
    return ((keys * _HASH_MULTIPLIER) >> _HASH_SHIFT).astype(np.intp)


def _key(gram: str) -> int:
    key = 0
    for ch in gram:
        key = (key << _BITS) | ord(ch)
    return key


#: The layout of the model files kept in the user's cache; part of their folder's name.
_MODEL_FORMAT = 2
_ARRAYS = ("log_probs", "slot_keys", "slot_rows", "crowded", "overflow_keys", "overflow_rows",
           "char_map", "is_upper", "classes")


def _model_folder() -> Path:
    """Where the built model is kept: a folder of the user's cache directory named after what
    the tables depend on (this module's code, langdetect's version, the Unicode database)."""
    from platformdirs import user_cache_dir

    parts = (f"{_MODEL_FORMAT}/{importlib.metadata.version('langdetect')}/"
             f"{unicodedata.unidata_version}/{np.__version__}/").encode()
    digest = hashlib.sha256(parts + Path(__file__).read_bytes()).hexdigest()[:16]
    return Path(user_cache_dir("news-corpus")) / "langid" / digest


@functools.cache
def _model() -> _Model:
    """The model, built once per machine and memory-mapped by every process after that.

    Building it from langdetect's profiles takes about 0.6 s, paid by every worker process of
    a build; the tables are kept as ``.npy`` files in the user's cache directory and mapped
    read-only (the processes of one machine then share their pages). When the folder cannot
    be read or written the model is built in memory, as before: the answers are the same.
    """
    folder = _model_folder()
    try:
        languages = tuple(json.loads((folder / "languages.json").read_text(encoding="utf-8")))
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False
                                ).view(np.ndarray) for name in _ARRAYS}
        return _with_languages(languages, arrays)
    except FileNotFoundError:
        pass
    except (OSError, ValueError):  # damaged: made again
        shutil.rmtree(folder, ignore_errors=True)
    model = _build_model()
    with contextlib.suppress(OSError):
        _save_model(model, folder)
    return model


def _with_languages(languages: tuple[str, ...], arrays: dict[str, Any]) -> _Model:
    return _Model(
        languages=languages,
        same_code=tuple(
            np.array([j for j, other in enumerate(languages) if other == code], dtype=np.intp)
            for code in languages
        ),
        **arrays,
    )


def _save_model(model: _Model, folder: Path) -> None:
    """Write the model's tables into ``folder`` at once: written into a temporary folder beside
    it and renamed, so a reader never sees half a model (two writers: the first rename wins)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder.parent))
    try:
        for name in _ARRAYS:
            np.save(partial / f"{name}.npy", getattr(model, name), allow_pickle=False)
        (partial / "languages.json").write_text(json.dumps(list(model.languages)),
                                                encoding="utf-8")
        os.rename(partial, folder)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _build_model() -> _Model:
    """Build the model from langdetect's installed profiles."""
    # Imported here: langdetect's modules are only needed to build the tables.
    from langdetect.utils.ngram import NGram

    profiles = []
    folder = resources.files("langdetect").joinpath("profiles")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.startswith(".") or not entry.is_file():
            continue
        profiles.append(json.loads(entry.read_text(encoding="utf-8")))
    names = [str(p["name"]) for p in profiles]
    # Rows in order of falling frequency over all profiles (ties by key): the n-grams a text
    # is made of are mostly among the first rows, which then share the processor's cache.
    frequency: dict[str, float] = {}
    for profile in profiles:
        for gram, count in profile["freq"].items():
            if 1 <= len(gram) <= 3:
                share = count / profile["n_words"][len(gram) - 1]
                frequency[gram] = frequency.get(gram, 0.0) + share
    grams = sorted(frequency, key=lambda g: (-frequency[g], _key(g)))
    row = {g: i for i, g in enumerate(grams)}
    # One extra row stays all zeros: the padding row of _part_scores. The columns are padded
    # with zeros to a multiple of 16 (55 languages: 64 columns, 256 bytes a row): rows then
    # sit on cache-line boundaries and are gathered much faster; the sums of the real columns
    # are the same, column by column.
    columns = -(-len(profiles) // 16) * 16
    single = np.zeros((len(grams), columns), dtype=np.float64)
    for col, profile in enumerate(profiles):
        n_words = profile["n_words"]
        column = np.zeros(len(grams), dtype=np.float64)
        for gram, count in profile["freq"].items():
            if 1 <= len(gram) <= 3:
                column[row[gram]] = count / n_words[len(gram) - 1]
        single[:, col] = np.log(column + _SMOOTHING)
    # A row holds its n-gram's log-probabilities plus those of the n-gram's shorter endings
    # that langdetect takes with it (see _position_rows), summed in float64 and rounded once.
    log_probs = np.zeros((len(grams) + 1, columns), dtype=np.float32)
    log_probs[:-1] = single + _ending_sums(grams, row, single)
    del profiles, row, single
    char_map = np.arange(_UNICODE_SIZE, dtype=np.uint32)
    # langdetect only rewrites characters of the Basic Multilingual Plane.
    char_map[:0x10000] = np.fromiter(
        (ord(NGram.normalize(chr(c))) for c in range(0x10000)), dtype=np.uint32, count=0x10000
    )
    keys = np.fromiter((_key(g) for g in grams), dtype=np.uint64, count=len(grams))
    slots = _slots(keys)
    taken, first = np.unique(slots, return_index=True)
    slot_keys = np.zeros(1 << _HASH_BITS, dtype=np.uint64)  # 0 is no key: never a match
    slot_rows = np.zeros(1 << _HASH_BITS, dtype=np.intp)
    slot_keys[taken], slot_rows[taken] = keys[first], first
    overflow = np.ones(keys.size, dtype=np.bool_)
    overflow[first] = False  # a slot holds its most frequent key; the others overflow
    overflow_rows = np.flatnonzero(overflow)
    overflow_rows = overflow_rows[np.argsort(keys[overflow_rows], kind="stable")]
    crowded = np.zeros(1 << _HASH_BITS, dtype=np.bool_)
    crowded[slots[overflow]] = True
    languages = tuple(_ISO_639_1.get(n, n) for n in names)
    # Generated twice rather than held: a list of every character would take ~60 MB.
    def every_char() -> Iterator[str]:
        return map(chr, range(_UNICODE_SIZE))

    classes = np.fromiter(map(str.isalpha, every_char()), dtype=np.uint8, count=_UNICODE_SIZE)
    for low, high in _SYLLABIC_RANGES:
        classes[low : high + 1] *= SYLLABIC_LETTER_WEIGHT
    classes[0x41 : 0x7A + 1] |= _LATIN
    classes[0x300:] |= _HIGH
    classes[[0x300, 0x301, 0x303, 0x309, 0x323]] |= _VI_MARK
    return _with_languages(languages, {
        "log_probs": log_probs,
        "slot_keys": slot_keys,
        "slot_rows": slot_rows,
        "crowded": crowded,
        "overflow_keys": keys[overflow_rows],  # sorted, for searchsorted
        "overflow_rows": overflow_rows,
        "char_map": char_map,
        "is_upper": np.fromiter(
            map(str.isupper, every_char()), dtype=np.bool_, count=_UNICODE_SIZE
        ),
        "classes": classes,
    })


def _ending_sums(grams: list[str], row: dict[str, int], single: npt.NDArray[np.float64]
                 ) -> npt.NDArray[np.float64]:
    """For every n-gram, the sum of the rows of its shorter endings that a position taking
    it also takes: a 3-gram ``xyz`` is taken with the 2-gram ``yz`` and the 1-gram ``z``, a
    2-gram ``yz`` with the 1-gram ``z`` (never a lone space); unknown endings add nothing."""
    sums = np.zeros_like(single)
    for cut in (1, 2):
        ending = np.array([row.get(g[cut:], -1) if g[cut:] not in ("", " ") else -1
                           for g in grams], dtype=np.intp)
        has = np.flatnonzero(ending >= 0)
        sums[has] += single[ending[has]]
    return sums


def supported_languages() -> tuple[str, ...]:
    """The ISO 639-1 codes :func:`detect_language` can return (besides ``"und"``), sorted."""
    return tuple(sorted(set(_model().languages)))


# The same patterns langdetect removes before it looks at a text (Detector.URL_RE, MAIL_RE).
_URL_RE = re.compile(r"https?://[-_.?&~;+=/#0-9A-Za-z]{1,2076}")
_MAIL_RE = re.compile(r"[-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}")


def _prepare(text: str) -> str:
    """The first part of langdetect's ``Detector.append``: URLs and e-mail addresses out,
    then the first :data:`MAX_TEXT_LENGTH` characters."""
    # The removals can only shorten the text, so twice the cut is enough to look at.
    head = text[: 2 * MAX_TEXT_LENGTH]
    if "://" in head:
        head = _URL_RE.sub(" ", head)
    if "@" in head:
        head = _MAIL_RE.sub(" ", head)
    return head[:MAX_TEXT_LENGTH]


def _code_points(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@dataclass(frozen=True, slots=True)
class _Reading:
    """What langdetect would look at: ``head``, and whether it drops the Latin letters.

    ``points`` and ``classes`` are ``head``'s code points and their classes when they were
    needed to decide (a non-ASCII head), kept so a short text is not encoded twice.
    """

    head: str
    drop_latin: bool
    points: npt.NDArray[np.uint32] | None = None
    classes: npt.NDArray[np.uint8] | None = None


def _read(text: str, model: _Model) -> _Reading:
    """The text langdetect looks at, and whether it drops the Latin letters from it.

    Vietnamese letters written with combining tone marks are composed
    (``NGram.normalize_vi``), and, as ``Detector.cleaning_text`` does, the characters in
    ``A``..``z`` are dropped when the text has more than twice as many characters at or
    above U+0300. (langdetect also tests ``unicode_block(ch) != 'Latin Extended Additional'``
    there, which compares a block number with a string and is always true: left out.) Both
    are decided on the whole text, not the sample, as langdetect does.
    """
    head = _prepare(text)
    if head.isascii():
        return _Reading(head, drop_latin=False)
    points = _code_points(head)
    classes = model.classes[points]
    flags = np.bincount(classes >> 2, minlength=8)
    if flags[_VI_MARK >> 2 :].any():
        from langdetect.utils.ngram import NGram

        head = NGram.normalize_vi(head)
        points = _code_points(head)
        classes = model.classes[points]
        flags = np.bincount(classes >> 2, minlength=8)
    latin = int(flags[1::2].sum())  # every flag value with the _LATIN bit
    high = int(flags[2:4].sum() + flags[6:8].sum())  # with the _HIGH bit
    return _Reading(head, 2 * latin < high, points, classes)


def _sample(reading: _Reading, model: _Model) -> tuple[npt.NDArray[np.uint32], int]:
    """Code points of the sample of ``reading.head`` and its letters (an ideograph, kana or
    hangul syllable counting as :data:`SYLLABIC_LETTER_WEIGHT`)."""
    sample = _sample_text(reading.head)
    if sample is reading.head and reading.points is not None and reading.classes is not None:
        points, classes = reading.points, reading.classes
    else:
        points = _code_points(sample)
        classes = model.classes[points]
    return points, int((classes & _WEIGHT).sum(dtype=np.int64))


def _normalise_chars(
    points: npt.NDArray[np.uint32], model: _Model, drop_latin: bool
) -> npt.NDArray[np.uint32]:
    """langdetect's character rules: Latin letters dropped if ``drop_latin`` (see
    :func:`_read`), then ``NGram.normalize`` for every character (non-letters of Basic Latin
    and general punctuation become spaces, kana, hangul and CJK ideographs fold to a
    representative, and so on)."""
    if drop_latin:
        points = points[(points < 0x41) | (points > 0x7A)]
    chars: npt.NDArray[np.uint32] = model.char_map[points]
    return chars


def _sample_text(text: str) -> str:
    """At most about :data:`SAMPLE_CHARS` characters of ``text``: :data:`WINDOWS` evenly
    spaced windows, joined by spaces so that no n-gram spans two of them.

    Each window edge moves forward to the next space when one is near (scripts written
    without spaces are cut where the window falls). Shorter texts are used whole.
    """
    if len(text) <= SAMPLE_CHARS:
        return text
    width = SAMPLE_CHARS // WINDOWS
    pieces = []
    for k in range(WINDOWS):
        start = k * (len(text) - width) // (WINDOWS - 1)
        end = start + width
        boundary = text.find(" ", start, start + _SNAP)
        start = start if boundary < 0 else boundary
        boundary = text.find(" ", end, end + _SNAP)
        end = end if boundary < 0 else boundary
        pieces.append(text[start:end])
    return " ".join(pieces)


def _kept(chars: npt.NDArray[np.uint32]) -> npt.NDArray[np.intp]:
    """Positions of the characters of ``chars`` that are kept: every run of spaces made one
    space, and a space at the start dropped (the text starts after a virtual space)."""
    space = chars == _SPACE
    previous_space = np.empty_like(space)
    previous_space[0] = True
    previous_space[1:] = space[:-1]
    # Boolean masks are turned into indices once and used with take: much faster in numpy.
    keep: npt.NDArray[np.intp] = np.flatnonzero(~(space & previous_space))
    return keep


def _ngram_keys(chars: npt.NDArray[np.uint32], model: _Model) -> npt.NDArray[np.uint64]:
    """Keys of every 1-, 2- and 3-gram langdetect would extract from normalised ``chars``, in
    its order (known to the profiles or not).

    As in ``NGram.add_char``: every word is read with one space before and after it; at each
    character the 1-, 2- and 3-gram ending there is taken, except a lone space, a 3-gram with
    a space in the middle, and anything inside a run of two or more capitals (acronyms say
    little about a language).
    """
    if chars.size == 0:
        return np.empty(0, dtype=np.uint64)
    kept = chars.take(_kept(chars))
    grams, valid = _gram_matrix(kept, model.is_upper[kept])
    result: npt.NDArray[np.uint64] = grams[valid]
    return result


def _text_rows(chars: npt.NDArray[np.uint32], model: _Model) -> npt.NDArray[np.intp]:
    """The model row of every character of normalised ``chars`` that has one, in order: the
    row of the longest n-gram ending there that langdetect takes and a profile knows, which
    holds that n-gram's score and its shorter endings' (see :func:`_position_rows`)."""
    if chars.size == 0:
        return np.empty(0, dtype=np.intp)
    kept = chars.take(_kept(chars))
    grams, valid = _gram_matrix(kept, model.is_upper[kept])
    rows, found = _position_rows(grams, valid, model)
    result: npt.NDArray[np.intp] = rows[found]
    return result


def _position_rows(grams: npt.NDArray[np.uint64], valid: npt.NDArray[np.bool_], model: _Model
                   ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """One model row for every position of :func:`_gram_matrix`'s ``grams``, and whether it
    has one.

    A position where langdetect takes anything takes its 2-gram, its 1-gram unless that is a
    space, and its 3-gram unless the middle character is a space (:func:`_gram_matrix`). So
    what the position adds to a language's score is fixed by the longest n-gram it takes that
    a profile knows: a 3-gram's row in the model holds the 3-gram's log-probabilities plus
    its 2-gram's and (not a space) 1-gram's, a 2-gram's row its own plus its 1-gram's
    (:func:`_ending_sums`; an unknown n-gram adds nothing, as langdetect skips it). One row a
    character is gathered instead of up to three: the same sum from about two fifths of the rows
    (about 380 rather than 970 for a sample of 400 characters).
    """
    looked, known = _lookup(grams.reshape(-1), model)  # one lookup: few numpy calls
    known = known.reshape(-1, 3) & valid
    # The longest known n-gram: column 2 if known, else 1 if known, else 0.
    pick = np.where(known[:, 2], 2, known[:, 1].astype(np.intp))
    rows: npt.NDArray[np.intp] = looked.reshape(-1, 3)[np.arange(pick.size), pick]
    found: npt.NDArray[np.bool_] = np.logical_or.reduce(known, axis=1)
    return rows, found


def _position_rows_many(
    grams: npt.NDArray[np.uint64], valid: npt.NDArray[np.bool_], model: _Model
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """:func:`_position_rows` for the characters of many texts: the same rows, with the
    3-grams looked up first and then only the 2-grams and 1-grams of the characters still
    without a row (fewer keys, more numpy calls: cheaper when there are many characters)."""
    rows = np.zeros(grams.shape[0], dtype=np.intp)
    found = np.zeros(grams.shape[0], dtype=np.bool_)
    for n in (2, 1, 0):
        at = np.flatnonzero(valid[:, n] if n == 2 else valid[:, n] & ~found)
        looked, known = _lookup(grams[at, n], model)
        hit = at[known]
        rows[hit] = looked[known]
        found[hit] = True
    return rows, found


def _gram_matrix(kept: npt.NDArray[np.unsignedinteger[Any]], upper: npt.NDArray[np.bool_]
                 ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.bool_]]:
    """The 1-, 2- and 3-gram keys ending at every kept character (``n`` × 3), and which of
    them langdetect takes: no lone space, no space inside a 3-gram, and outside runs of
    capitals only the 2-grams. Shared by one text and a batch of texts."""
    n = kept.size
    # Two leading spaces: the previous and the one-before character of every character are
    # then views of one array.
    padded = np.empty(n + 2, dtype=np.uint64)
    padded[:2] = _SPACE
    padded[2:] = kept
    before, previous, current = padded[:-2], padded[1:-1], padded[2:]
    grams = np.empty((n, 3), dtype=np.uint64)
    grams[:, 0] = current
    np.left_shift(previous, _BITS, out=grams[:, 1])
    grams[:, 1] |= current
    np.left_shift(before, 2 * _BITS, out=grams[:, 2])
    grams[:, 2] |= grams[:, 1]
    valid = np.empty((n, 3), dtype=np.bool_)
    np.not_equal(current, _SPACE, out=valid[:, 0])  # no lone space
    np.not_equal(previous, _SPACE, out=valid[:, 2])  # no space inside a 3-gram
    not_capitals = valid[:, 1]  # 2-grams are always taken, outside runs of capitals
    if n:
        not_capitals[0] = True
    np.logical_and(upper[1:], upper[:-1], out=not_capitals[1:])
    np.logical_not(not_capitals[1:], out=not_capitals[1:])
    valid[:, 0] &= not_capitals
    valid[:, 2] &= not_capitals
    return grams, valid


def _part_scores(rows: npt.NDArray[np.intp], model: _Model) -> npt.NDArray[np.float64]:
    """Log-likelihood of every language for up to :data:`PARTS` consecutive parts of ``rows``.

    The rows are padded with the model's all-zero row to ``PARTS * 8 * k`` so the sums run
    over a wide, contiguous inner axis (much faster in numpy than summing 55-wide rows one
    after the other); parts made of padding only are dropped.
    """
    columns = model.log_probs.shape[1]
    lanes = 8
    chunk = lanes * -(-rows.size // (PARTS * lanes))
    padded = np.full(PARTS * chunk, model.log_probs.shape[0] - 1, dtype=np.intp)
    padded[: rows.size] = rows
    scores = model.log_probs.take(padded, axis=0).reshape(PARTS, chunk // lanes, lanes * columns)
    lane_sums = scores.sum(axis=1).reshape(PARTS, lanes, columns)
    used = -(-rows.size // chunk)
    result: npt.NDArray[np.float64] = lane_sums[:used, :, : len(model.languages)].sum(
        axis=1, dtype=np.float64
    )
    return result


def detect_language(text: str, *, min_letters: int = DEFAULT_MIN_LETTERS) -> LanguageGuess:
    """The language of ``text``: ISO 639-1 code and probability, or ``"und"`` and 0.0.

    ``"und"`` is returned when the text has fewer than ``min_letters`` letters (counted in
    the sample that is scored; a Han ideograph, kana or hangul syllable counts as
    :data:`SYLLABIC_LETTER_WEIGHT` letters, being a syllable or a word), or none of its n-grams
    is in any profile. Deterministic and thread-safe; the first call in a process builds the
    model from langdetect's profiles (a fraction of a second).
    """
    min_letters = _validated(min_letters)
    if len(text) * SYLLABIC_LETTER_WEIGHT < min_letters:
        return _UNKNOWN
    model = _model()
    reading = _read(text, model)
    points, letters = _sample(reading, model)
    if letters < max(min_letters, 1):
        return _UNKNOWN
    rows = _text_rows(_normalise_chars(points, model, reading.drop_latin), model)
    if rows.size == 0:
        return _UNKNOWN
    parts = _part_scores(rows, model)
    best = int(parts.sum(axis=0).argmax())
    # Mean over the parts of each part's posterior for the winner (its columns: zh has two).
    likelihood = np.exp(parts - parts.max(axis=1, keepdims=True))
    posterior = likelihood[:, model.same_code[best]].sum(axis=1) / likelihood.sum(axis=1)
    # 0.0 is reserved for "und": a guess keeps at least the smallest probability shown.
    probability = max(float(posterior.mean()), _MIN_PROBABILITY)
    return LanguageGuess(model.languages[best], round(probability, _DIGITS))


# -- many texts at once -----------------------------------------------------------------------
#: Most n-gram rows gathered in one numpy step of :func:`detect_languages`: 256 bytes per
#: row, so the scores stay in the processor's cache; more are scored in several passes.
_BATCH_ROWS = 1 << 13
#: Most texts scored together by :func:`detect_languages`; larger batches are cut.
_BATCH_TEXTS = 4096


def _validated(min_letters: object) -> int:
    if isinstance(min_letters, bool) or not isinstance(min_letters, int) or min_letters < 0:
        raise ConfigError(
            f"min_letters={min_letters!r} is invalid: it must be an int >= 0 (the fewest letters "
            f"a text needs for a language guess); pass e.g. {DEFAULT_MIN_LETTERS}"
        )
    return min_letters


def _bounds(lengths: list[int]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Start and end offsets of consecutive pieces of these lengths."""
    ends = np.cumsum(np.array(lengths, dtype=np.intp), dtype=np.intp)
    return ends - np.array(lengths, dtype=np.intp), ends


def _segment_sums(
    values: npt.NDArray[np.int64], starts: npt.NDArray[np.intp], ends: npt.NDArray[np.intp]
) -> npt.NDArray[np.int64]:
    """``values[starts[i]:ends[i]].sum()`` for every ``i`` (empty segments give 0)."""
    total = np.zeros(values.size + 1, dtype=np.int64)
    np.cumsum(values, out=total[1:])
    result: npt.NDArray[np.int64] = total[ends] - total[starts]
    return result


def _readings(texts: list[str], model: _Model) -> list[_Reading]:
    """:func:`_read` of many texts, the characters of every class counted in one numpy pass
    over the texts that are not ASCII (an ASCII text keeps its Latin letters)."""
    heads = [_prepare(t) for t in texts]
    readings = [_Reading(head, drop_latin=False) for head in heads]
    wide = [i for i, head in enumerate(heads) if not head.isascii()]
    if not wide:
        return readings
    # A text that is not ASCII is not empty: every segment below has at least one character.
    starts, _ = _bounds([len(heads[i]) for i in wide])
    flags = model.classes.take(_code_points("".join(heads[i] for i in wide))) >> 2
    # Per text, how many characters have each flag (one pass each, no wide temporaries).
    latin = np.add.reduceat(flags & (_LATIN >> 2), starts, dtype=np.int64)
    high = np.add.reduceat((flags & (_HIGH >> 2)) >> 1, starts, dtype=np.int64)
    marks = np.add.reduceat(flags >> 2, starts, dtype=np.int64)  # the _VI_MARK bit
    for k, i in enumerate(wide):
        if marks[k]:  # Vietnamese combining marks: composed one text at a time (rare)
            readings[i] = _read(texts[i], model)
        else:
            readings[i] = _Reading(heads[i], bool(2 * latin[k] < high[k]))
    return readings


def _text_rows_batch(
    chars: npt.NDArray[np.uint32], ends: npt.NDArray[np.intp], model: _Model
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """:func:`_text_rows` of many texts at once, and where each text's rows end.

    ``chars`` are the normalised characters of the texts, each text followed by one space
    (the separator), text ``i`` ending before ``ends[i]`` (its separator at ``ends[i] - 1``).
    No n-gram crosses two texts: a text's first character follows a space (the separator, or
    the previous text's trailing space), as it follows the virtual space in
    :func:`_text_rows`, and nothing is taken at a separator. Returns the rows and, for every
    text, the number of rows of it and the texts before it.
    """
    keep = _kept(chars)
    kept = chars.take(keep)
    kept_ends = np.searchsorted(keep, ends)  # characters kept before each text's end
    grams, valid = _gram_matrix(kept, model.is_upper.take(kept))
    # A text's separator, when kept (it is not when the text ends in a space), is its last
    # kept character.
    last = kept_ends[kept_ends > 0] - 1
    ending = ends[kept_ends > 0] - 1
    valid[last[keep.take(last) == ending]] = False
    rows, found = _position_rows_many(grams, valid, model)
    known = np.flatnonzero(found)
    row_ends: npt.NDArray[np.intp] = np.searchsorted(known, kept_ends)
    return rows.take(known), row_ends


def _lookup(
    keys: npt.NDArray[np.uint64], model: _Model
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Model row of every key, and whether the profiles know it (see :func:`_rows`)."""
    slots = _slots(keys)
    rows = model.slot_rows.take(slots)
    found = model.slot_keys.take(slots) == keys
    retry = model.crowded.take(slots) & ~found
    if retry.any():
        wanted = keys[retry]
        at = np.searchsorted(model.overflow_keys, wanted)
        at[at == model.overflow_keys.size] = 0
        hit = model.overflow_keys[at] == wanted
        places = np.flatnonzero(retry)
        rows[places[hit]] = model.overflow_rows[at[hit]]
        found[places[hit]] = True
    return rows, found


def _batch_part_scores(
    rows: npt.NDArray[np.intp], counts: npt.NDArray[np.intp], model: _Model
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """:func:`_part_scores` of many texts (``counts[i]`` consecutive ``rows`` each, at least
    one): a ``len(counts)`` × :data:`PARTS` × languages array, parts made of padding only
    left at zero, and the number of parts used by each text.

    Texts whose parts have the same length are scored together, laid out and padded exactly
    as :func:`_part_scores` does, with the same reductions over the same axes: the sums add
    the same numbers in the same order, so the scores are bit for bit the same (a padding
    part sums to exactly zero).
    """
    columns, languages = model.log_probs.shape[1], len(model.languages)
    lanes = 8
    chunk = lanes * -(-counts // (PARTS * lanes))
    used = -(-counts // chunk)
    row_starts = np.zeros(counts.size, dtype=np.intp)
    np.cumsum(counts[:-1], out=row_starts[1:])
    result = np.empty((counts.size, PARTS, languages), dtype=np.float64)
    padding = model.log_probs.shape[0] - 1
    for size in np.unique(chunk).tolist():
        members = np.flatnonzero(chunk == size)
        sizes = counts[members]
        block = PARTS * size  # rows of one text, padded
        padded = np.full(members.size * block, padding, dtype=np.intp)
        local = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        slot = np.repeat(np.arange(members.size) * block, sizes) + local
        padded[slot] = rows[np.repeat(row_starts[members], sizes) + local]
        # Step j adds, for every text, part and lane, the j-th row of that lane: the same
        # additions in the same order as summing a gathered block over its rows, but each
        # step's rows stay in the processor's cache.
        steps = padded.reshape(members.size * PARTS, size // lanes, lanes).transpose(1, 0, 2)
        group = max(1, _BATCH_ROWS // (PARTS * lanes))  # texts per pass: bounded memory
        for first in range(0, members.size, group):
            window = slice(first * PARTS, (first + group) * PARTS)
            lane_sums = model.log_probs.take(steps[0, window], axis=0)
            for j in range(1, size // lanes):
                lane_sums += model.log_probs.take(steps[j, window], axis=0)
            texts = members[first : first + group]
            result[texts] = lane_sums.reshape(texts.size, PARTS, lanes, columns)[
                ..., :languages
            ].sum(axis=2, dtype=np.float64)
    return result, used


def _guesses(
    rows: npt.NDArray[np.intp], counts: npt.NDArray[np.intp], model: _Model
) -> list[LanguageGuess]:
    """The guesses of texts with ``counts`` (at least one each) consecutive ``rows``."""
    parts, used = _batch_part_scores(rows, counts, model)
    best = parts.sum(axis=1).argmax(axis=1)
    likelihood = np.exp(parts - parts.max(axis=2, keepdims=True))
    winners = _same_code_matrix()[best]  # texts × languages: the winner's columns
    posterior = (likelihood * winners[:, None, :]).sum(axis=2) / likelihood.sum(axis=2)
    posterior[np.arange(PARTS)[None, :] >= used[:, None]] = 0.0
    means = posterior.sum(axis=1) / used
    return [
        LanguageGuess(model.languages[b], round(max(float(m), _MIN_PROBABILITY), _DIGITS))
        for b, m in zip(best.tolist(), means.tolist(), strict=True)
    ]


@functools.cache
def _same_code_matrix() -> npt.NDArray[np.float64]:
    """Row ``j``: 1.0 in the columns whose code is column ``j``'s, else 0.0."""
    model = _model()
    size = len(model.languages)
    matrix = np.zeros((size, size), dtype=np.float64)
    for j, columns in enumerate(model.same_code):
        matrix[j, columns] = 1.0
    matrix.setflags(write=False)
    return matrix


def detect_languages(
    texts: Sequence[str], *, min_letters: int = DEFAULT_MIN_LETTERS
) -> list[LanguageGuess]:
    """:func:`detect_language` of every text, computed together: exactly the same guesses
    and probabilities, at a fraction of the cost per text for short texts.

    One call of :func:`detect_language` costs a few dozen small numpy operations whatever the
    text's length; here those operations run once per batch over all the texts' characters
    and n-grams, so a batch of a few hundred short texts costs little more than one.
    """
    min_letters = _validated(min_letters)
    guesses: list[LanguageGuess] = [_UNKNOWN] * len(texts)
    candidates = [
        i for i, t in enumerate(texts) if len(t) * SYLLABIC_LETTER_WEIGHT >= min_letters
    ]
    if not candidates:
        return guesses
    model = _model()
    readings = _readings([texts[i] for i in candidates], model)
    samples = [_sample_text(r.head) for r in readings]
    # Every sample followed by a space: the separator no n-gram crosses.
    starts, ends = _bounds([len(s) + 1 for s in samples])
    points = _code_points(" ".join(samples) + " ")
    weights = (model.classes.take(points) & _WEIGHT).astype(np.int64)
    letters = _segment_sums(weights, starts, ends - 1)
    enough = letters >= max(min_letters, 1)
    drop = np.array([r.drop_latin for r in readings], dtype=np.bool_)
    if not enough.all() or drop.any():  # texts too short, Latin letters to drop
        owner = np.repeat(np.arange(len(samples), dtype=np.intp), ends - starts)
        keep = enough[owner] & ~(drop[owner] & (points >= 0x41) & (points <= 0x7A))
        kept = np.flatnonzero(keep)
        points = points.take(kept)
        # A text left out loses its separator too: its end falls on the previous text's.
        ends = np.searchsorted(kept, ends)
    chars = model.char_map.take(points)
    if chars.size == 0:
        return guesses
    rows, row_ends = _text_rows_batch(chars, ends, model)
    counts = np.diff(row_ends, prepend=0)
    scored = np.flatnonzero(counts)
    # Scored in groups of texts, which bounds the memory of the per-text arrays.
    for first in range(0, scored.size, _BATCH_TEXTS):
        group = scored[first : first + _BATCH_TEXTS]
        start = int(row_ends[group[0]] - counts[group[0]])
        stop = int(row_ends[group[-1]])
        for index, guess in zip(
            group.tolist(), _guesses(rows[start:stop], counts[group], model), strict=True
        ):
            guesses[candidates[index]] = guess
    return guesses
