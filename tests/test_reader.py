"""corpus.read / scan / read_entries: corpus forms, order, rejects, security, sharding, counts."""

from __future__ import annotations

import io
import os
import pickle
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Literal

import fsspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus import (
    ConfigError,
    CorpusError,
    Document,
    FileRef,
    FormatError,
    Reject,
    Role,
    parse,
    read,
    read_entries,
    read_ref,
    render,
    scan,
)
from corpus.format.parser import parse_name
from pickling import unpickled_by_constructor

SEED_IDS = [
    "dbad2dc0fe77bb11", "8b6178791ad9aa8e", "ccf4b0b12e1d7c3c", "860389ee531be975",
    "e180362b89ccddc6",
]
VALID = b"A Headline Here\nBody text of the article.\n"


def _ids(docs: list[Document]) -> list[str]:
    return [doc.id for doc in docs]


def _write(root: Path, name: str, data: bytes = VALID) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


TarMode = Literal["w", "w:gz", "w:bz2", "w:xz"]


def _tar(path: Path, members: list[tuple[str, bytes]], mode: TarMode = "w") -> Path:
    with tarfile.open(path, mode) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name), data)
    return path


def _seed_members(seeds_dir: Path, prefix: str = "") -> list[tuple[str, bytes]]:
    """Seed files in reverse order, so the reader has to sort them."""
    paths = sorted(seeds_dir.glob("*.txt"), reverse=True)
    return [(prefix + p.name, p.read_bytes()) for p in paths]


# -- the seeds and the corpus forms -------------------------------------------------------------


def test_read_seeds_directory(seeds_dir: Path) -> None:
    reader = read(seeds_dir)
    docs = list(reader)
    assert _ids(docs) == SEED_IDS
    assert [doc.seq for doc in docs] == [0, 1, 2, 3, 4]
    assert (reader.files_seen, reader.documents, reader.rejects) == (5, 5, [])
    report = reader.report()
    assert report.ok
    assert report.files_seen == 5
    for doc in docs:
        path = Path(doc.source.path)
        assert path.parent == seeds_dir
        assert doc.source.member == ""
        assert render(doc) == path.read_bytes()


@pytest.mark.parametrize("suffix", [".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip"])
def test_archives_give_the_same_documents_as_the_directory(
    seeds_dir: Path, tmp_path: Path, suffix: str
) -> None:
    members = _seed_members(seeds_dir, "seeds/")
    target = tmp_path / f"corpus{suffix}"
    if suffix == ".zip":
        _zip(target, members)
    else:
        modes: dict[str, TarMode] = {".tar": "w", ".tar.gz": "w:gz", ".tgz": "w:gz",
                                     ".tar.bz2": "w:bz2", ".tar.xz": "w:xz"}
        mode = modes[suffix]
        _tar(target, members, mode)
    reader = read(target)
    docs = list(reader)
    assert _ids(docs) == SEED_IDS
    assert reader.rejects == []
    expected = {doc.id: doc.lines for doc in read(seeds_dir)}
    for doc in docs:
        assert doc.source.path == str(target)
        assert doc.source.member == f"seeds/{doc.name}"
        assert doc.lines == expected[doc.id]


def test_compressed_tar_members_are_read_once_in_corpus_order(
    seeds_dir: Path, tmp_path: Path
) -> None:
    archive = _tar(tmp_path / "c.tgz", _seed_members(seeds_dir), "w:gz")
    listing = scan(archive)
    assert [ref.member for ref in listing.refs] == sorted(ref.member for ref in listing.refs)
    one = read_ref(listing.refs[-1])
    assert isinstance(one, Document)
    assert one.id == SEED_IDS[-1]


def test_memory_url_directory_and_archive(seeds_dir: Path) -> None:
    fs = fsspec.filesystem("memory")
    for name, data in _seed_members(seeds_dir):
        fs.pipe(f"/readertest/dir/sub/{name}", data)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in _seed_members(seeds_dir):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    fs.pipe("/readertest/c.tar.gz", buffer.getvalue())
    try:
        docs = list(read("memory://readertest/dir"))
        assert _ids(docs) == SEED_IDS
        assert docs[0].source.path == "memory://readertest/dir/sub/000_dbad2dc0fe77bb11.txt"
        assert _ids(list(read("memory://readertest/c.tar.gz"))) == SEED_IDS
    finally:
        fs.rm("/readertest", recursive=True)


class _NoCredentialsError(Exception):
    """What a cloud client raises for a bucket it cannot reach (not an ``OSError``)."""


# fsspec has no type information: to mypy its base class is Any.
class _LockedFileSystem(fsspec.AbstractFileSystem):  # type: ignore[misc]
    """A back end whose every call fails as a cloud client does without credentials."""

    protocol = "lockedtest"

    def info(self, path: str, **kwargs: object) -> dict[str, object]:
        raise _NoCredentialsError("Unable to locate credentials")


def test_an_unusable_corpus_url_is_one_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # An unknown protocol, a missing back end and a back end's own client error are each a
    # CorpusError naming the URL (one line from the command line, exit 3), not a traceback.
    with pytest.raises(CorpusError, match=r"cannot read corpus nosuch://x: not a usable "
                                          r"fsspec URL \(Protocol not known: nosuch\)"):
        scan("nosuch://x")
    fsspec.register_implementation("lockedtest", _LockedFileSystem, clobber=True)
    with pytest.raises(CorpusError, match="cannot read corpus lockedtest://bucket/corpus: "
                                          "_NoCredentialsError: Unable to locate credentials"):
        scan("lockedtest://bucket/corpus")

    def missing(url: str, **kwargs: object) -> object:
        raise ImportError("Please install gcsfs to access Google Storage")

    monkeypatch.setattr(fsspec.core, "url_to_fs", missing)
    with pytest.raises(CorpusError, match=r"gs://b/c: Please install gcsfs .* install the "
                                          r"fsspec back end of its protocol"):
        scan("gs://b/c")


def test_file_url_is_read_as_a_local_path(seeds_dir: Path) -> None:
    assert _ids(list(read(seeds_dir.as_uri()))) == SEED_IDS


def test_single_file_is_a_corpus_of_one(seeds_dir: Path) -> None:
    listing = scan(seeds_dir / "004_e180362b89ccddc6.txt")
    assert (listing.kind, listing.files_seen) == ("file", 1)
    (doc,) = read(seeds_dir / "004_e180362b89ccddc6.txt")
    assert doc.lines[0].role is Role.HEADLINE


def test_missing_source_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such file or directory"):
        list(read(tmp_path / "nope"))


def test_corrupt_archive_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "c.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CorpusError, match="cannot read archive"):
        scan(bad)


# -- order, names and ids ---------------------------------------------------------------------


def test_order_is_numeric_seq_then_id_then_bad_names_by_path(tmp_path: Path) -> None:
    _write(tmp_path, "10_0000000000000001.txt")
    _write(tmp_path, "9_0000000000000003.txt")
    _write(tmp_path, "b/009_0000000000000002.txt")
    _write(tmp_path, "README.md")
    _write(tmp_path, "a/notes.txt")
    reader = read(tmp_path)
    docs = list(reader)
    assert [(d.seq, d.id) for d in docs] == [(9, "0000000000000002"), (9, "0000000000000003"),
                                            (10, "0000000000000001")]
    assert [(Path(r.path).name, r.rule) for r in reader.rejects] == [
        ("README.md", "bad-name"), ("notes.txt", "bad-name")]


def test_the_listing_reports_its_progress_in_batches_that_add_up(tmp_path: Path) -> None:
    # A folder of a million files takes seconds to list: the build shows a bar for it.
    for k in range(5000):
        _write(tmp_path, f"{k}_{k:016x}.txt")
    _write(tmp_path, "README.md")  # a reject is an entry too
    told: list[int] = []
    listing = scan(tmp_path, progress=told.append)
    assert sum(told) == len(listing.entries) == 5001
    assert told[0] == 4096  # in batches, not a call per file


def test_upper_case_id_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, "001_ABCDEF0123456789.txt")
    reader = read(tmp_path)
    assert list(reader) == []
    (reject,) = reader.rejects
    assert (reject.rule, reject.line) == ("id-case", 0)
    assert "001_abcdef0123456789.txt" in reject.message


def test_second_file_with_an_id_is_rejected_naming_the_first(tmp_path: Path) -> None:
    first = _write(tmp_path, "001_00000000000000aa.txt")
    second = _write(tmp_path, "sub/005_00000000000000aa.txt")
    reader = read(tmp_path)
    assert [d.source.path for d in reader] == [str(first)]
    (reject,) = reader.rejects
    assert (reject.path, reject.rule) == (str(second), "duplicate-id")
    assert str(first) in reject.message


def test_duplicate_member_names_in_a_tar_are_both_seen(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "c.tar", [("001_00000000000000aa.txt", VALID),
                                        ("001_00000000000000aa.txt", b"Other body.\n")])
    reader = read(archive)
    docs = list(reader)
    assert (reader.files_seen, len(docs)) == (2, 1)
    assert docs[0].lines[0].text == "A Headline Here"  # the first one in the archive wins
    assert reader.rejects[0].rule == "duplicate-id"


# -- bad contents, lenient and strict -----------------------------------------------------------


def test_lenient_records_the_reject_and_goes_on(tmp_path: Path) -> None:
    _write(tmp_path, "001_0000000000000001.txt", b"ok line.\nbad \xff byte.\n")
    _write(tmp_path, "002_0000000000000002.txt", b"")
    _write(tmp_path, "003_0000000000000003.txt")
    reader = read(tmp_path)
    assert _ids(list(reader)) == ["0000000000000003"]
    first, second = reader.rejects
    assert (first.rule, first.line, first.offset) == ("invalid-utf8", 2, 13)
    assert (second.rule, second.line) == ("empty", 1)
    assert (reader.files_seen, reader.documents) == (3, 1)


def test_strict_raises_the_first_reject_in_corpus_order(tmp_path: Path) -> None:
    _write(tmp_path, "001_0000000000000001.txt")
    _write(tmp_path, "002_0000000000000002.txt", b"\x00")
    _write(tmp_path, "003_0000000000000003.txt", b"")
    reader = read(tmp_path, strict=True)
    seen: list[Document] = []
    with pytest.raises(FormatError) as info:
        seen.extend(reader)
    assert _ids(seen) == ["0000000000000001"]
    assert (info.value.rule, info.value.line, info.value.offset) == ("nul-byte", 1, 0)
    assert info.value.path.endswith("002_0000000000000002.txt")
    assert (reader.files_seen, reader.documents, len(reader.rejects)) == (2, 1, 1)


def test_too_large_files_are_rejected_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = _write(tmp_path, "001_0000000000000001.txt", b"Body. " * 100)
    _write(tmp_path, "002_0000000000000002.txt")
    opened: list[str] = []
    real_open = os.open

    def spy(path: str, *args: int) -> int:
        opened.append(os.path.basename(path))
        return real_open(path, *args)

    monkeypatch.setattr(os, "open", spy)
    reader = read(tmp_path, max_file_bytes=100)
    assert _ids(list(reader)) == ["0000000000000002"]
    assert reader.rejects[0].rule == "too-large"
    assert f"the file is {big.stat().st_size} bytes" in reader.rejects[0].message
    assert "max_file_bytes" in reader.rejects[0].message
    assert opened == ["002_0000000000000002.txt"]  # the large file was never opened


def test_zip_member_larger_than_declared_is_cut_at_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listing that saw a small size (a lying or stale header) must not make the reader take
    more than ``max_file_bytes + 1`` bytes out of the member."""
    archive = _zip(tmp_path / "c.zip", [("001_0000000000000001.txt", b"Body. " * 10_000)])
    (ref,) = scan(archive).refs
    lying = FileRef(ref.path, "zip", member=ref.member, offset=ref.offset, size=10)
    taken: list[int] = []
    real_read = zipfile.ZipExtFile.read

    def spy(self: zipfile.ZipExtFile, n: int | None = -1) -> bytes:
        data = real_read(self, n)
        taken.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", spy)
    outcome = read_ref(lying, max_file_bytes=100)
    assert isinstance(outcome, Reject)
    assert outcome.rule == "too-large"
    assert "more than the limit of 100 bytes" in outcome.message
    assert taken
    assert sum(taken) <= 101


@pytest.mark.parametrize("value", [0, -1, True, 1.5])
def test_invalid_max_file_bytes_is_a_config_error(value: object) -> None:
    with pytest.raises(ConfigError, match="max_file_bytes"):
        read("seeds", max_file_bytes=value)  # type: ignore[arg-type]


def test_zip_member_with_an_unsupported_compression_method_is_a_reject(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "c.zip", [("001_0000000000000001.txt", VALID),
                                        ("002_0000000000000002.txt", VALID)])
    data = bytearray(archive.read_bytes())
    # Mark the first member as Deflate64 (method 9) in its local and central headers.
    data[8:10] = (9).to_bytes(2, "little")
    central = data.find(b"PK\x01\x02")
    data[central + 10:central + 12] = (9).to_bytes(2, "little")
    archive.write_bytes(bytes(data))
    reader = read(archive)
    assert _ids(list(reader)) == ["0000000000000002"]
    (reject,) = reader.rejects
    assert (reject.path, reject.rule) == (f"{archive}!001_0000000000000001.txt", "unreadable")
    assert "compression method 9" in reject.message
    assert scan(archive).rejects == (reject,)  # refused on sight, like an encrypted member
    lying = FileRef(str(archive), "zip", member="001_0000000000000001.txt", offset=0)
    outcome = read_ref(lying)  # a ref made before the archive changed: still a reject
    assert isinstance(outcome, Reject)
    assert outcome.rule == "unreadable"


# -- security -----------------------------------------------------------------------------------


def test_symlinks_leaving_the_root_are_refused_and_never_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _write(outside, "050_0000000000000050.txt")
    _write(outside, "dir/051_0000000000000051.txt")
    root = tmp_path / "corpus"
    _write(root, "001_0000000000000001.txt")
    (root / "002_0000000000000002.txt").symlink_to(outside / "050_0000000000000050.txt")
    (root / "linked").symlink_to(outside / "dir")
    reader = read(root)
    assert _ids(list(reader)) == ["0000000000000001"]
    assert sorted((Path(r.path).name, r.rule) for r in reader.rejects) == [
        ("002_0000000000000002.txt", "outside-root"), ("linked", "outside-root")]
    assert all("outside the corpus root" in r.message for r in reader.rejects)


def test_symlinks_inside_the_root_are_followed(tmp_path: Path) -> None:
    _write(tmp_path, "real/001_0000000000000001.txt")
    (tmp_path / "002_0000000000000002.txt").symlink_to(tmp_path / "real/001_0000000000000001.txt")
    reader = read(tmp_path)
    assert _ids(list(reader)) == ["0000000000000001", "0000000000000002"]


def test_broken_links_and_loops_are_rejected(tmp_path: Path) -> None:
    _write(tmp_path, "a/001_0000000000000001.txt")
    (tmp_path / "a" / "back").symlink_to(tmp_path)
    (tmp_path / "003_0000000000000003.txt").symlink_to(tmp_path / "missing.txt")
    reader = read(tmp_path)
    assert _ids(list(reader)) == ["0000000000000001"]
    assert sorted(r.rule for r in reader.rejects) == ["broken-link", "symlink-loop"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_is_rejected_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "001_0000000000000001.txt")
    reader = read(tmp_path)
    assert list(reader) == []
    assert reader.rejects[0].rule == "not-regular"


def test_hidden_entries_are_skipped_and_named(tmp_path: Path) -> None:
    _write(tmp_path, "001_0000000000000001.txt")
    _write(tmp_path, ".DS_Store", b"\x00\x01")
    _write(tmp_path, ".git/objects/xx", b"\x00")
    reader = read(tmp_path)
    assert len(list(reader)) == 1
    assert (reader.files_seen, reader.rejects) == (1, [])
    assert sorted(Path(s.path).name for s in reader.skipped) == [".DS_Store", ".git"]
    assert all(s.rule == "hidden" for s in reader.skipped)


UNSAFE = ["../001_0000000000000001.txt", "/tmp/001_0000000000000001.txt",
          "a/../../001_0000000000000001.txt", "C:/001_0000000000000001.txt",
          "..\\001_0000000000000001.txt"]


@pytest.mark.parametrize("name", UNSAFE)
@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_archive_members_with_unsafe_paths_are_refused(
    tmp_path: Path, name: str, kind: str
) -> None:
    members = [("002_0000000000000002.txt", VALID), (name, VALID)]
    if kind == "tar":
        archive = _tar(tmp_path / "c.tar", members)
    else:
        archive = _zip(tmp_path / "c.zip", members)
    reader = read(archive)
    assert _ids(list(reader)) == ["0000000000000002"]
    (reject,) = reader.rejects
    assert (reject.path, reject.rule) == (f"{archive}!{name}", "unsafe-path")


def test_tar_links_are_not_followed(tmp_path: Path) -> None:
    archive = tmp_path / "c.tar"
    with tarfile.open(archive, "w") as tar:
        links = [("001_0000000000000001.txt", "../../etc/passwd", tarfile.SYMTYPE),
                 ("002_0000000000000002.txt", "003_0000000000000003.txt", tarfile.LNKTYPE)]
        for name, target, kind in links:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, target
            tar.addfile(info)
        info = tarfile.TarInfo("003_0000000000000003.txt")
        info.size = len(VALID)
        tar.addfile(info, io.BytesIO(VALID))
    reader = read(archive)
    assert _ids(list(reader)) == ["0000000000000003"]
    assert [r.rule for r in reader.rejects] == ["outside-root", "not-regular"]


def test_zip_hidden_and_macos_metadata_are_skipped(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "c.zip", [("001_0000000000000001.txt", VALID),
                                        ("__MACOSX/._001_0000000000000001.txt", b"\x00"),
                                        ("sub/.hidden.txt", b"x")])
    reader = read(archive)
    assert len(list(reader)) == 1
    assert [s.path for s in reader.skipped] == [f"{archive}!__MACOSX", f"{archive}!sub/.hidden.txt"]


# -- sharding -------------------------------------------------------------------------------


def test_shards_read_separately_give_what_read_gives(tmp_path: Path, seeds_dir: Path) -> None:
    for name, data in _seed_members(seeds_dir):
        _write(tmp_path, name, data)
    _write(tmp_path, "notes.txt")
    listing = pickle.loads(pickle.dumps(scan(tmp_path)))
    assert listing.files_seen == 6
    for count in (1, 2, 4, 9):
        shards = listing.shards(count)
        assert len(shards) == count
        outcomes = [o for shard in shards for o in read_entries(pickle.loads(pickle.dumps(shard)))]
        docs = [o for o in outcomes if isinstance(o, Document)]
        assert _ids(docs) == SEED_IDS
        assert [o.rule for o in outcomes if isinstance(o, Reject)] == ["bad-name"]
    with pytest.raises(ConfigError, match="shard count"):
        listing.shards(0)


@given(st.text(max_size=20), st.sampled_from(["file", "url", "tar", "zip"]),
       st.text(max_size=10), st.integers(-1, 2**40), st.integers(-1, 2**40),
       st.sampled_from(["", "gz", "bz2", "xz"]), st.text(max_size=10))
def test_a_file_handle_travels_to_a_worker_whole_and_by_its_constructor(
        path: str, container: str, member: str, offset: int, size: int, compression: str,
        root: str) -> None:
    """Every field survives pickling, and unpickling calls the constructor, not the
    dataclass's state protocol (twice as slow, for every file sent to a worker)."""
    ref = FileRef(path, container, member, offset, size, compression, root)  # type: ignore[arg-type]
    assert unpickled_by_constructor(ref) == ref


def test_read_entries_strict_raises(tmp_path: Path) -> None:
    _write(tmp_path, "bad.txt")
    with pytest.raises(FormatError, match=r"<seq>_<id>\.txt"):
        list(read_entries(scan(tmp_path).entries, strict=True))


def test_reader_can_be_iterated_again_and_counts_restart(seeds_dir: Path) -> None:
    reader = read(seeds_dir)
    assert len(list(reader)) == 5
    partial = iter(reader)
    next(partial)
    assert (reader.files_seen, reader.documents) == (1, 1)
    assert len(list(partial)) == 4
    assert (reader.files_seen, reader.documents) == (5, 5)
    assert "files_seen=5" in repr(reader)


# -- the counting invariant ---------------------------------------------------------------------

_KINDS = st.sampled_from(["file", "file", "bad-name", "dup", "hidden"])
_CONTENTS = st.one_of(st.sampled_from([VALID, VALID, b"", b"ok\xff\n", b" \n"]),
                      st.binary(max_size=40))


def _valid(data: bytes) -> bool:
    try:
        parse(data, "000_0000000000000000.txt")
    except FormatError:
        return False
    return True


def _expected_documents(files: list[tuple[str, bytes]]) -> int:
    """Files are named so corpus order is list order; a "dup" reuses id 0 (so does entry 0)."""
    seen: set[int] = set()
    documents = 0
    for k, (kind, data) in enumerate(files):
        doc_id = 0 if kind == "dup" else k
        if kind in ("bad-name", "hidden") or doc_id in seen:
            continue
        seen.add(doc_id)
        documents += _valid(data)
    return documents


@given(st.lists(st.tuples(_KINDS, _CONTENTS), max_size=10), st.booleans())
def test_files_seen_is_documents_plus_rejects(
    files: list[tuple[str, bytes]], archive: bool
) -> None:
    members: list[tuple[str, bytes]] = []
    for k, (kind, data) in enumerate(files):
        name = f"{k:03d}_{(0 if kind == 'dup' else k):016x}.txt"
        if kind == "bad-name":
            name = f"notes-{k}.txt"
        elif kind == "hidden":
            name = f".{name}"
        members.append((f"d{k % 3}/{name}", data))
    kinds = [kind for kind, _ in files]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if archive:
            source = _zip(root / "c.zip", members)
        else:
            source = root / "c"
            source.mkdir()
            for name, data in members:
                _write(source, name, data)
        reader = read(source)
        for _ in reader:
            assert reader.files_seen == reader.documents + len(reader.rejects)
        assert reader.files_seen == reader.documents + len(reader.rejects)
        assert reader.files_seen == len(files) - kinds.count("hidden")
        assert len(reader.skipped) == kinds.count("hidden")
        assert reader.documents == _expected_documents(files)


_NAMES = st.one_of(
    st.builds(lambda seq, key: f"{seq:03d}_{key:016x}.txt",
              st.integers(0, 3), st.sampled_from([0, 1, 0xABC, 2**64 - 1])),
    st.sampled_from(["notes.txt", "x_0123.txt", "001_0123456789ABCDEF.txt", "9.txt"]),
)


def _reference_order(root: Path, found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Corpus order written the plain way: valid names by (seq, id, path), then the others
    by path; a later file reusing an id becomes a ``duplicate-id`` reject."""
    keyed: list[tuple[tuple[int, int, str, str], str]] = []
    for where, rule in sorted(found):  # scan order does not matter: the sort decides
        try:
            seq, doc_id = parse_name(os.path.basename(where))
        except FormatError:
            keyed.append(((1, 0, "", where), rule))
        else:
            keyed.append(((0, seq, doc_id, where), rule))
    keyed.sort(key=lambda item: item[0])
    first: set[str] = set()
    out = []
    for key, rule in keyed:
        if key[0] == 0 and key[2] in first:
            rule = "duplicate-id"
        elif key[0] == 0:
            first.add(key[2])
        out.append((os.path.relpath(key[3], root), rule))
    return out


@given(st.lists(st.tuples(st.sampled_from(["", "a", "b/c"]), _NAMES), max_size=12,
                unique=True))
def test_listing_order_and_duplicate_ids_match_a_plain_sort(
        files: list[tuple[str, str]]) -> None:
    """The listing sorts with integer arrays (a million files must not cost a tuple each):
    the order and the ``duplicate-id`` rejects are those of the plain sort by key."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        found = []
        for folder, name in files:
            path = root / folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"Headline\n")
            try:
                parse_name(name)
                kind = "file"
            except FormatError as exc:
                kind = exc.reject.rule
            found.append((str(path), kind))
        listing = scan(root)
        got = [(os.path.relpath(e.path, root), "file") if isinstance(e, FileRef)
               else (os.path.relpath(e.path, root), e.rule) for e in listing.entries]
        assert got == _reference_order(root, found)
        duplicates = [e for e in listing.entries
                      if isinstance(e, Reject) and e.rule == "duplicate-id"]
        for reject in duplicates:
            owner = reject.message.split("already used by ")[1].split(";")[0]
            assert os.path.basename(owner)[-20:] == os.path.basename(reject.path)[-20:]
