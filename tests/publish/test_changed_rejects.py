"""A rejected input file that changes makes the next build run, whatever holds the corpus.

The up-to-date check compares the manifest's inputs (path, SHA-256, bytes, status) with the
corpus as it is now. Every reject whose bytes were read records their SHA-256, in a folder, an
archive or at a URL alike; a reject refused without reading (an oversized file) has none, and
its reject row is compared with the release's ``rejects.parquet`` instead.
"""

from __future__ import annotations

import hashlib
import tarfile
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from corpus.publish import builder as builder_module
from corpus.publish.builder import BuildReport, build
from corpus.publish.layout import Version
from corpus.reader import DEFAULT_MAX_FILE_BYTES

BAD = "900_00000000000000ff.txt"
#: Invalid UTF-8 on line 2, then the same bytes with the bad byte moved to line 3: a reject of
#: the same rule at another line and offset.
ON_LINE_2 = b"Headline\nA body line \xff that is broken.\nA third line of text.\n"
ON_LINE_3 = b"Headline\nA body line that is fine.\nA third \xff line of text.\n"


def _archive(kind: str, seeds: Path, bad: bytes, target: Path) -> Path:
    """An archive of the seed files plus the rejected file ``BAD`` holding ``bad``."""
    target.unlink(missing_ok=True)
    members = [(p.name, p.read_bytes()) for p in sorted(seeds.glob("*.txt"))] + [(BAD, bad)]
    if kind == "zip":
        with zipfile.ZipFile(target, "w") as archive:
            for name, data in members:
                archive.writestr(name, data)
        return target
    with tarfile.open(target, "w") as tar:
        for name, data in members:
            (target.parent / name).write_bytes(data)
            tar.add(target.parent / name, arcname=name)
            (target.parent / name).unlink()
    return target


def _rejected_input(report: BuildReport) -> tuple[str, int]:
    (found,) = [i for i in report.manifest.inputs if i.status == "rejected"]
    return found.sha256, found.bytes


def _same_release(built: BuildReport, clean: BuildReport) -> None:
    """``built`` holds what a clean build of the same input holds."""
    assert built.manifest.fingerprint == clean.manifest.fingerprint
    assert built.manifest.inputs == clean.manifest.inputs
    assert ((built.path / "rejects.parquet").read_bytes()
            == (clean.path / "rejects.parquet").read_bytes())


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_an_archive_whose_rejected_member_changes_is_built_again(
    kind: str, seeds_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    archive = _archive(kind, seeds_dir, ON_LINE_2, tmp_path / "in" / f"news.{kind}")
    first = build(archive, tmp_path / "store", executor="serial", progress=False)

    _archive(kind, seeds_dir, ON_LINE_3, archive)
    again = build(archive, tmp_path / "store", executor="serial", progress=False)
    assert again.status == "built"
    assert again.version == Version(1, 0, 1)
    assert _rejected_input(first) == (hashlib.sha256(ON_LINE_2).hexdigest(), len(ON_LINE_2))
    assert _rejected_input(again) == (hashlib.sha256(ON_LINE_3).hexdigest(), len(ON_LINE_3))
    _same_release(again, build(archive, tmp_path / "clean", executor="serial", progress=False))
    assert build(archive, tmp_path / "store", executor="serial",
                 progress=False).status == "up-to-date"


@pytest.fixture
def memory_corpus(seeds_dir: Path) -> Iterator[str]:
    """A fresh ``memory://`` corpus of the seed files, deleted afterwards."""
    root = f"/corpus-in-{uuid.uuid4().hex[:12]}"
    fs = fsspec.filesystem("memory")
    for path in sorted(seeds_dir.glob("*.txt")):
        fs.pipe(f"{root}/news/{path.name}", path.read_bytes())
    yield f"memory://{root}/news"
    fs.rm(root, recursive=True)


def test_a_url_corpus_whose_rejected_file_changes_is_built_again(
    memory_corpus: str, tmp_path: Path
) -> None:
    fs = fsspec.filesystem("memory")
    bad = f"{memory_corpus.removeprefix('memory://')}/{BAD}"
    fs.pipe(bad, ON_LINE_2)
    first = build(memory_corpus, tmp_path / "store", executor="serial", progress=False)

    fs.pipe(bad, ON_LINE_3)
    again = build(memory_corpus, tmp_path / "store", executor="serial", progress=False)
    assert again.status == "built"
    assert again.version == Version(1, 0, 1)
    assert _rejected_input(first) == (hashlib.sha256(ON_LINE_2).hexdigest(), len(ON_LINE_2))
    assert _rejected_input(again) == (hashlib.sha256(ON_LINE_3).hexdigest(), len(ON_LINE_3))
    _same_release(again, build(memory_corpus, tmp_path / "clean", executor="serial",
                               progress=False))
    assert build(memory_corpus, tmp_path / "store", executor="serial",
                 progress=False).status == "up-to-date"


def test_a_folder_records_the_same_reject_digest_as_before(
    corpus_dir: Path, tmp_path: Path
) -> None:
    """The digest a local folder's reject always had is the one the others now have too."""
    (corpus_dir / BAD).write_bytes(ON_LINE_2)
    report = build(corpus_dir, tmp_path / "store", executor="serial", progress=False)
    assert _rejected_input(report) == (hashlib.sha256(ON_LINE_2).hexdigest(), len(ON_LINE_2))
    (corpus_dir / BAD).write_bytes(ON_LINE_3)
    assert build(corpus_dir, tmp_path / "store", executor="serial",
                 progress=False).status == "built"


def _no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the next build fail if it runs: only the up-to-date check may answer."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the up-to-date check should have found the release up to date")

    monkeypatch.setattr(builder_module, "run_build", refuse)


def test_a_file_refused_unread_is_judged_by_its_reject(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An oversized file is refused by its listed size, never read: the manifest records no
    digest for it. New bytes of the same size leave its reject as it was (up to date, found
    by the check); a new size changes its message, which names the size (built again, as a
    clean build)."""
    big = corpus_dir / "901_00000000000000fe.txt"
    big.write_bytes(b"a" * (DEFAULT_MAX_FILE_BYTES + 1))
    first = build(corpus_dir, tmp_path / "store", executor="serial", progress=False)
    assert _rejected_input(first) == ("", 0)

    big.write_bytes(b"b" * (DEFAULT_MAX_FILE_BYTES + 1))
    with monkeypatch.context() as patched:
        _no_build(patched)
        assert build(corpus_dir, tmp_path / "store", executor="serial",
                     progress=False).status == "up-to-date"

    big.write_bytes(b"b" * (DEFAULT_MAX_FILE_BYTES + 2))
    again = build(corpus_dir, tmp_path / "store", executor="serial", progress=False)
    assert again.status == "built"
    assert again.version == Version(1, 0, 1)
    _same_release(again, build(corpus_dir, tmp_path / "clean", executor="serial",
                               progress=False))


def test_a_remote_release_with_rejects_refused_unread_is_found_up_to_date_by_the_check(
    corpus_dir: Path, memory_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check reads the rejects of a release in a remote store too."""
    (corpus_dir / "notes.txt").write_text("not an article\n", encoding="utf-8")  # a bad name
    first = build(corpus_dir, memory_store, executor="serial", progress=False)
    assert _rejected_input(first) == ("", 0)
    _no_build(monkeypatch)
    assert build(corpus_dir, memory_store, executor="serial",
                 progress=False).status == "up-to-date"
