"""Parse the bytes of one seed file into a :class:`~corpus.records.Document`, and render it back.

:func:`parse` is pure (no I/O) and total: for any bytes and any name it returns a document or
raises :class:`~corpus.errors.FormatError`. :func:`render` is its inverse on accepted input:
``render(parse(data, name)) == data`` byte for byte, BOM, line endings and final newline included.
Both run in time linear in the size of the file.
"""

from __future__ import annotations

import hashlib
import re

from corpus.errors import FormatError
from corpus.format.roles import assign_roles
from corpus.records import Document, Line, SourceRef

__all__ = ["FORMAT_VERSION", "MAX_SEQ", "NAME_RE", "parse", "parse_name", "render"]

#: Version of the format spec this parser implements (``docs/seed-format.md``).
FORMAT_VERSION = "1.0"

BOM = b"\xef\xbb\xbf"
#: The seed file name; anchored with ``\A``/``\Z`` (``$`` would also match before a final
#: newline) and used with ``fullmatch``.
NAME_RE = re.compile(r"\A(?P<seq>[0-9]+)_(?P<id>[0-9a-f]{16})\.txt\Z")
_NAME_ANY_CASE_RE = re.compile(r"\A(?P<seq>[0-9]+)_(?P<id>[0-9A-Fa-f]{16})\.txt\Z")
#: The largest seq: seqs are stored in a signed 64-bit column, so a larger one is a bad name.
MAX_SEQ = 2**63 - 1
_MAX_SEQ_DIGITS = len(str(MAX_SEQ))
_BREAK_RE = re.compile(r"(\r\n|\r|\n)")
_ENDING_NAMES = {"\n": "lf", "\r\n": "crlf", "\r": "cr"}


def _basename(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def parse_name(name: str, *, path: str | None = None) -> tuple[int, str]:
    """Check a file name against ``<seq>_<id>.txt`` and return ``(seq, id)``.

    ``name`` may be a path; only its last component is checked. Raises :class:`FormatError`
    (line 0: the name concerns the whole file) with rule ``bad-name`` or ``id-case``; a seq
    larger than :data:`MAX_SEQ` is a ``bad-name`` (checked on the digits, so a name of any
    length is handled without Python's limit on converting long digit strings).
    """
    where = name if path is None else path
    base = _basename(name)
    match = NAME_RE.fullmatch(base)
    if match is not None:
        digits = match["seq"].lstrip("0") or "0"
        if len(digits) > _MAX_SEQ_DIGITS or int(digits) > MAX_SEQ:
            shown = digits if len(digits) <= 40 else f"{digits[:20]}...({len(digits)} digits)"
            raise FormatError(
                where, 0, "bad-name",
                f"file name has seq {shown}, larger than {MAX_SEQ}, the largest seq (a signed "
                "64-bit integer): rename the file with a smaller seq",
            )
        return int(digits), match["id"]
    if _NAME_ANY_CASE_RE.fullmatch(base):
        raise FormatError(
            where, 0, "id-case",
            f"file name {base!r} has an id with upper-case hex digits; ids are 16 lower-case "
            f"hex digits: rename the file to {base.lower()!r}",
        )
    raise FormatError(
        where, 0, "bad-name",
        f"file name {base!r} is not '<seq>_<id>.txt' (seq: decimal digits, id: 16 lower-case "
        "hex digits, e.g. '000_dbad2dc0fe77bb11.txt'): rename it or move it out of the corpus",
    )


def _line_of_offset(data: bytes, offset: int) -> int:
    """1-based line number of byte ``offset``, counting CRLF, CR and LF as line breaks."""
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def _encoding_error(data: bytes, where: str, offset: int) -> FormatError:
    """The ``invalid-utf8`` error for the first undecodable byte at ``offset``."""
    bad = data[offset:offset + 1].hex()
    hint = "re-encode it as UTF-8 (e.g. `iconv -f WINDOWS-1252 -t UTF-8`)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        hint = "it starts with a UTF-16 byte-order mark: re-encode it as UTF-8"
    return FormatError(
        where, _line_of_offset(data, offset), "invalid-utf8",
        f"invalid UTF-8 at byte {offset} (0x{bad}): a seed file must be UTF-8; {hint}",
        offset,
    )


def _split_lines(text: str) -> list[tuple[str, str]]:
    """Split into ``(content, ending)`` pairs; a final line break does not start a new line."""
    if "\r" not in text:  # fast paths: files with one kind of line break (str.split is C)
        contents = text.split("\n")
        endings = ["\n"] * (len(contents) - 1) + [""]
    elif text.count("\r") == text.count("\n") == text.count("\r\n"):
        contents = text.split("\r\n")
        endings = ["\r\n"] * (len(contents) - 1) + [""]
    else:
        parts = _BREAK_RE.split(text)  # content, break, content, break, ..., content
        contents, endings = parts[0::2], [*parts[1::2], ""]
    if len(contents) > 1 and contents[-1] == "":
        contents.pop()
        endings.pop()
    return list(zip(contents, endings, strict=True))


def parse(data: bytes, name: str, *, member: str = "") -> Document:
    """Parse one seed file.

    ``name`` is the file's path or name (its last component must be ``<seq>_<id>.txt``);
    ``member`` is the member name when the file came out of an archive, in which case the
    member's last component is the one checked. Raises :class:`FormatError` naming the path,
    the line (0 for the name), the byte offset for encoding errors, and the broken rule.
    """
    path = name
    where = str(SourceRef(path, member))
    seq, doc_id = parse_name(member or name, path=where)

    bom = data.startswith(BOM)
    start = len(BOM) if bom else 0
    nul = data.find(b"\0", start)
    try:
        text = data[start:nul if nul >= 0 else len(data)].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _encoding_error(data, where, start + exc.start) from None
    if nul >= 0:
        # Everything before the NUL decodes; the NUL is the first problem in the file.
        raise FormatError(
            where, _line_of_offset(data, nul), "nul-byte",
            f"NUL byte at byte {nul}: a seed file is UTF-8 text and never contains NUL; this "
            "looks like a binary file (or UTF-16/32 text): remove it or re-encode it as UTF-8",
            nul,
        )
    if not text.strip():
        what = "empty" if not text else "whitespace-only"
        raise FormatError(
            where, 1, "empty",
            f"the file is {what}: a seed file holds at least one paragraph; remove the file "
            "or add the article text",
        )

    pairs = _split_lines(text)
    roles = assign_roles([content for content, _ in pairs])
    lines = tuple(
        Line(number=i, role=role, text=content, ending=ending)
        for i, ((content, ending), role) in enumerate(zip(pairs, roles, strict=True), start=1)
    )
    endings = {_ENDING_NAMES[e] for _, e in pairs if e}
    line_ending = endings.pop() if len(endings) == 1 else ("mixed" if endings else "none")
    return Document(
        id=doc_id,
        seq=seq,
        source=SourceRef(path=path, member=member),
        bom=bom,
        lines=lines,
        raw_sha256=hashlib.sha256(data).hexdigest(),
        line_ending=line_ending,
    )


def render(doc: Document) -> bytes:
    """The exact bytes of the file ``doc`` was parsed from (BOM and line endings included)."""
    text = "".join(line.text + line.ending for line in doc.lines)
    return (BOM if doc.bom else b"") + text.encode("utf-8")
