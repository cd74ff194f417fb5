"""Show one seed file parsed and normalised: identity, metadata, and every line with its role.

``corpus inspect FILE`` prints a readable listing: the file's identity, its normalised fields
(title, subtitle, authors, language, counts, text hash), then one row per line (number, role,
text). ``--json`` prints the same facts as one JSON object, every normalised field included
(built by :func:`inspect_payload`).
FILE is a local path or an fsspec URL. Exit code 0 when the file parses, 1 when it is rejected
(the reason is printed as ``path:line: message``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import unicodedata

from corpus.errors import CorpusError, Reject
from corpus.format.parser import FORMAT_VERSION
from corpus.publish.store import is_url
from corpus.reader import read_entries, scan
from corpus.records import Document, Role

__all__ = ["add_arguments", "inspect_payload", "run"]

#: Characters of a line's text shown in the readable listing before it is cut with "…".
TEXT_WIDTH = 96
_ENDING_LABELS = {"\n": "LF", "\r\n": "CRLF", "\r": "CR", "": "-"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``FILE`` and ``--json``."""
    parser.add_argument("file", metavar="FILE", help="a seed file: local path or fsspec URL")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of the listing"
    )


def inspect_payload(doc: Document) -> dict[str, object]:
    """The JSON-ready description of ``doc`` that ``corpus inspect --json`` prints.

    Parse facts: identity, provenance, how to rebuild the bytes, each line (number, role,
    text, ending) and, per role, the numbers of the lines that have it. Normalisation facts
    (``doc`` is normalised with the default config unless it already is): every field of
    :data:`corpus.text.normalize.NORMALIZED_FIELDS` (title, authors, text, counts, hashes,
    language...). Keys are stable; later stages add their own keys here rather than building
    a second payload.
    """
    from corpus.text.normalize import NORMALIZED_FIELDS, normalize

    roles: dict[str, list[int]] = {role.value: [] for role in Role}
    for line in doc.lines:
        roles[line.role.value].append(line.number)
    normalised = doc if doc.normalizer_version else normalize(doc)
    fields: dict[str, object] = {}
    for field in NORMALIZED_FIELDS:
        value = getattr(normalised, field)
        if field == "quotes":
            value = [{"text": q.text, "attribution": q.attribution} for q in value]
        fields[field] = list(value) if isinstance(value, tuple) else value
    return {
        "id": doc.id,
        "seq": doc.seq,
        "name": doc.name,
        "source": {"path": doc.source.path, "member": doc.source.member},
        "format_version": FORMAT_VERSION,
        "bom": doc.bom,
        "line_ending": doc.line_ending,
        "raw_sha256": doc.raw_sha256,
        **fields,
        "line_count": len(doc.lines),
        "roles": {role: numbers for role, numbers in roles.items() if numbers},
        "lines": [
            {"number": line.number, "role": line.role.value, "text": line.text,
             "ending": line.ending}
            for line in doc.lines
        ],
    }


def _shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, with control characters shown escaped (``\\x1b``)
    so that a file's bytes can never drive the terminal the listing is printed on."""
    shown = "".join(
        ch if ch == "\t" or unicodedata.category(ch) != "Cc"
        else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def _normalised_facts(doc: Document) -> list[str]:
    """The normalised fields a reader looks for first, one ``name  value`` row each."""
    from corpus.text.normalize import normalize

    norm = doc if doc.normalizer_version else normalize(doc)
    rows = [("title", norm.title or "-")]
    if norm.subtitle:
        rows.append(("subtitle", norm.subtitle))
    rows += [
        ("authors", "; ".join(norm.authors) or "-"),
        ("language", f"{norm.language} (probability {norm.language_probability:.2f})"),
        ("counts", f"{norm.word_count} words, {norm.paragraph_count} paragraphs, "
                   f"{norm.char_count} characters"),
        ("headings", str(len(norm.headings))),
        ("quotes", str(len(norm.quotes))),
        ("text sha256", norm.text_sha256),
    ]
    if norm.mojibake_fixed:
        rows.append(("mojibake", "repaired"))
    return [f"{name:<12} {_shorten(value, TEXT_WIDTH)}" for name, value in rows]


def _listing(doc: Document) -> str:
    """The readable form: identity, normalised fields, then one row per line."""
    header = [
        f"file         {doc.source}",
        f"id           {doc.id}",
        f"seq          {doc.seq}",
        f"bom          {'yes' if doc.bom else 'no'}",
        f"line ending  {doc.line_ending}",
        f"raw sha256   {doc.raw_sha256}",
        f"lines        {len(doc.lines)}",
        *_normalised_facts(doc),
        "",
        f"{'line':>5}  {'role':<11}  {'end':<4}  text",
    ]
    rows = [
        f"{line.number:>5}  {line.role.value:<11}  {_ENDING_LABELS[line.ending]:<4}  "
        f"{_shorten(line.text, TEXT_WIDTH)}"
        for line in doc.lines
    ]
    return "\n".join(header + rows)


def load(path: str) -> Document | Reject:
    """Read and parse the one seed file at ``path`` (local path or fsspec URL).

    Goes through the corpus reader, so the same rules apply (size limit, no FIFOs). Raises
    :class:`~corpus.errors.CorpusError` when ``path`` is missing or is a whole corpus.
    """
    if not is_url(path) and not os.path.lexists(path):
        raise CorpusError(f"cannot read {path}: no such file")
    listing = scan(path)
    if listing.kind != "file":
        article = "an" if listing.kind[0] in "aeiou" else "a"
        raise CorpusError(
            f"{path} is {article} {listing.kind}, and inspect shows one seed file: pass one of "
            f"its files, or run `corpus validate {path}` to check them all"
        )
    (outcome,) = read_entries(listing.entries)
    return outcome


def run(args: argparse.Namespace) -> int:
    """Parse FILE and print its structure; exit 1 with ``path:line: message`` when rejected."""
    doc = load(args.file)
    if isinstance(doc, Reject):
        print(str(doc))
        return 1
    if args.json:
        json.dump(inspect_payload(doc), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(_listing(doc))
    return 0
