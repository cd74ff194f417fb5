"""Adversarial inputs and hostile environments: odd names, huge seqs, bombs, full disks, crashes.

Each test names the failure it guards against; see CHANGELOG.md ("Hardening").
"""

from __future__ import annotations

import errno
import io
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpus import Document, FormatError, Reject, parse, read, read_entries, read_ref, scan
from corpus.cli import main
from corpus.errors import ConfigError, CorpusError, PublishError
from corpus.format.parser import MAX_SEQ
from corpus.publish.builder import build
from corpus.reader import DEFAULT_MAX_FILE_BYTES

VALID = b"A Headline Here\nBody text of the article, long enough to be a paragraph.\n"
ID1 = "0000000000000001"


def _corpus(root: Path, *names: str, data: bytes = VALID) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        (root / name).write_bytes(data)
    return root


def _cli(*args: str | Path, cwd: Path | None = None,
         limit_file_bytes: int | None = None) -> subprocess.CompletedProcess[bytes]:
    """``python -m corpus.cli ARGS`` in a child, optionally under ``ulimit -f``."""

    def limit() -> None:  # runs in the child before exec
        if limit_file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_bytes, limit_file_bytes))

    return subprocess.run(
        [sys.executable, "-m", "corpus.cli", *map(str, args)], capture_output=True,
        timeout=300, check=False, cwd=cwd, preexec_fn=limit,
    )


def _files(release: Path) -> dict[str, bytes]:
    return {p.relative_to(release).as_posix(): p.read_bytes()
            for p in sorted(release.rglob("*")) if p.is_file()}


# -- 1. file names that are not UTF-8 ----------------------------------------------------------


def _non_utf8_corpus(root: Path) -> Path:
    _corpus(root, f"001_{ID1}.txt")
    fd = os.open(os.fsencode(root) + b"/notes\xff.txt", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, VALID)
    os.close(fd)
    os.mkdir(os.fsencode(root) + b"/dir\xfe")
    fd = os.open(os.fsencode(root) + b"/dir\xfe/002_0000000000000002.txt",
                 os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, VALID)
    os.close(fd)
    return root


def test_a_name_that_is_not_utf8_is_a_reject_with_an_escaped_name(tmp_path: Path) -> None:
    root = _non_utf8_corpus(tmp_path / "c")
    run = _cli("validate", "--json", root)
    assert run.returncode == 1, run.stderr
    payload = json.loads(run.stdout.decode("utf-8"))  # strict: the output is valid UTF-8
    rejects = {r["path"].rsplit("/", 1)[-1]: r for r in payload["rejects"]}
    assert set(rejects) == {"notes\\xff.txt", "dir\\xfe"}
    assert {r["rule"] for r in rejects.values()} == {"bad-name"}
    assert "not valid UTF-8" in rejects["notes\\xff.txt"]["reason"]
    assert payload["files_seen"] == 3
    assert payload["documents"] == 1


def test_build_of_a_corpus_with_a_name_that_is_not_utf8(tmp_path: Path) -> None:
    root = _non_utf8_corpus(tmp_path / "c")
    run = _cli("build", root, "--out", tmp_path / "store", "--no-progress")
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    rows = pq.read_table(tmp_path / "store/c/v1.0.0/rejects.parquet").to_pylist()
    assert sorted((r["path"], r["rule"]) for r in rows) == [
        ("dir\\xfe", "bad-name"), ("notes\\xff.txt", "bad-name")]


def test_a_tar_member_name_that_is_not_utf8_is_a_reject(tmp_path: Path) -> None:
    archive = tmp_path / "c.tar"
    with tarfile.open(archive, "w", encoding="utf-8", errors="surrogateescape") as tar:
        for name in (f"001_{ID1}.txt", "notes\udcff.txt"):
            info = tarfile.TarInfo(name)
            info.size = len(VALID)
            tar.addfile(info, io.BytesIO(VALID))
    reader = read(archive)
    assert [d.id for d in reader] == [ID1]
    (reject,) = reader.rejects
    assert (reject.rule, reject.path) == ("bad-name", f"{archive}!notes\\xff.txt")
    reject.path.encode("utf-8")


# -- 2, 3. seqs of any length; validate and build agree ----------------------------------------


def test_a_seq_past_the_int_conversion_limit_is_a_format_error() -> None:
    with pytest.raises(FormatError) as caught:
        parse(b"x\n", "1" * 4301 + "_0123456789abcdef.txt")
    assert caught.value.rule == "bad-name"
    assert parse(b"x\n", "0" * 5000 + "7_0123456789abcdef.txt").seq == 7


@pytest.mark.parametrize("seq", [str(MAX_SEQ + 1), "9" * 200])
def test_validate_and_a_lenient_build_agree_on_a_huge_seq(tmp_path: Path, seq: str) -> None:
    root = _corpus(tmp_path / "c", f"001_{ID1}.txt", f"{seq}_0000000000000002.txt")
    assert main(["validate", str(root)]) == 1  # rejected, not "all valid"
    report = build(root, tmp_path / "store")  # and the build records it instead of aborting
    assert report.manifest.counts.documents == 1
    assert report.manifest.counts.rejects_by_rule == {"bad-name": 1}
    outcomes = list(read_entries(scan(root).entries))
    assert [type(o).__name__ for o in outcomes] == ["Document", "Reject"]


def test_the_largest_seq_is_accepted_and_published(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c", f"{MAX_SEQ}_{ID1}.txt")
    report = build(root, tmp_path / "store")
    assert report.manifest.counts.documents == 1
    rows = pq.read_table(report.path / "data/default/train-00000-of-00001.parquet").to_pylist()
    assert rows[0]["seq"] == MAX_SEQ


# -- 4. full matches ----------------------------------------------------------------------------


def test_a_name_ending_in_a_newline_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(FormatError) as caught:
        parse(VALID, f"001_{ID1}.txt\n")
    assert caught.value.rule == "bad-name"
    root = _corpus(tmp_path / "c", f"001_{ID1}.txt\n", "002_0000000000000002.txt")
    report = build(root, tmp_path / "store")
    assert report.manifest.counts.documents == 1
    assert [i.path for i in report.manifest.inputs if i.status == "accepted"] == [
        "002_0000000000000002.txt"]
    assert all("\n" not in i.path for i in report.manifest.inputs if i.status == "accepted")


def test_names_and_versions_with_a_trailing_newline_are_refused() -> None:
    from corpus.publish.layout import Version, check_name

    with pytest.raises(ConfigError):
        check_name("news\n")
    assert Version.parse("1.0.0\n") == Version(1, 0, 0)  # surrounding whitespace is stripped
    with pytest.raises(ConfigError):
        Version.parse("1.0.0\nx")


# -- 5. write failures --------------------------------------------------------------------------


def test_a_file_size_limit_is_an_operational_error_naming_the_cause(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c", f"001_{ID1}.txt")
    run = _cli("build", root, "--out", tmp_path / "store", "--no-progress",
               limit_file_bytes=1024)
    err = run.stderr.decode()
    assert run.returncode == 3, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "File too large" in err
    assert str(tmp_path / "store" / "c") in err
    assert not (tmp_path / "store" / "c").exists()  # nothing half-written, nor the empty folder


def test_a_full_disk_is_a_publish_error_naming_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _corpus(tmp_path / "c", f"001_{ID1}.txt")
    real_write_text, real_open = Path.write_text, Path.open

    def full(self: Path, *args: object, **kwargs: object) -> int:
        if self.name == "manifest.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_write_text(self, *args, **kwargs)  # type: ignore[arg-type]

    def full_open(self: Path, mode: str = "r", *args: object, **kwargs: object) -> object:
        if self.name == "manifest.json" and "w" in mode:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_open(self, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "write_text", full)
    monkeypatch.setattr(Path, "open", full_open)
    with pytest.raises(PublishError) as caught:
        build(root, tmp_path / "store")
    message = str(caught.value)
    assert "No space left on device" in message
    assert "manifest.json" in message
    assert main(["build", str(root), "--out", str(tmp_path / "store")]) == 3


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_store_is_an_operational_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _corpus(tmp_path / "c", f"001_{ID1}.txt")
    store = tmp_path / "store"
    (store / "c").mkdir(parents=True)
    (store / "c").chmod(0o555)
    try:
        assert main(["build", str(root), "--out", str(store)]) == 3
    finally:
        (store / "c").chmod(0o755)
    err = capsys.readouterr().err
    assert "Permission denied" in err
    assert str(store / "c") in err


# -- 6. compressed tar bombs --------------------------------------------------------------------


def test_a_tar_gz_bomb_is_not_spooled_to_the_temporary_folder(tmp_path: Path) -> None:
    """A member far over the limit (refused when listed) must not be decompressed to disk, and
    the valid members must be read: under ``ulimit -f`` below the bomb's size the reader still
    accepts them (it used to spool the whole stream and fail with "File too large")."""
    archive = tmp_path / "bomb.tar.gz"
    bomb = 8 * 1024 * 1024
    with tarfile.open(archive, "w:gz") as tar:
        for name, size in ((f"001_{ID1}.txt", 0), ("002_0000000000000002.txt", bomb),
                           ("003_0000000000000003.txt", 0)):
            info = tarfile.TarInfo(name)
            info.size = size or len(VALID)
            tar.addfile(info, io.BytesIO(VALID if not size else b"\0" * size))
    assert archive.stat().st_size < 100_000
    script = textwrap.dedent(f"""
        import json, resource
        resource.setrlimit(resource.RLIMIT_FSIZE, ({bomb // 4}, {bomb // 4}))
        from corpus import read
        reader = read({str(archive)!r}, max_file_bytes=1024 * 1024)
        docs = [d.id for d in reader]
        print(json.dumps([docs, [(r.rule, r.message) for r in reader.rejects]]))
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    docs, rejects = json.loads(run.stdout)
    assert docs == [ID1, "0000000000000003"]
    assert [rule for rule, _ in rejects] == ["too-large"]
    assert f"is {bomb} bytes" in rejects[0][1]


def test_a_compressed_tar_spools_only_the_members_it_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "c.tgz"
    big = VALID * 20_000  # 1.4 MB, over the limit below
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in ((f"001_{ID1}.txt", VALID), ("002_0000000000000002.txt", big)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    import tempfile

    written: list[int] = []
    real_temporary_file = tempfile.TemporaryFile

    class Counting:
        """A temporary file that counts the bytes written to it."""

        def __init__(self) -> None:
            self.file = real_temporary_file()

        def write(self, data: bytes) -> int:
            written.append(len(data))
            return self.file.write(data)

        def __getattr__(self, name: str) -> object:
            return getattr(self.file, name)

        def __enter__(self) -> Counting:
            return self

        def __exit__(self, *exc: object) -> None:
            self.file.close()

    def counting_file() -> Counting:
        return Counting()

    monkeypatch.setattr(tempfile, "TemporaryFile", counting_file)
    reader = read(archive, max_file_bytes=1024 * 1024)
    assert [d.id for d in reader] == [ID1]
    assert [r.rule for r in reader.rejects] == ["too-large"]
    assert sum(written) == len(VALID)


# -- 7. an --overwrite killed between its renames -----------------------------------------------


_KILL_BETWEEN_RENAMES = """
import os, signal, sys
from pathlib import Path
real_replace = os.replace
def replace(src, dst):
    name = Path(src).name
    if name.startswith(".build-") and not name.startswith(".build-old-"):
        os.kill(os.getpid(), signal.SIGKILL)  # the new release never reaches its place
    real_replace(src, dst)
os.replace = replace
from corpus.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_an_overwrite_killed_between_its_renames_loses_nothing(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c", f"001_{ID1}.txt")
    store = tmp_path / "store"
    first = build(root, store)
    before = _files(first.path)
    (root / "002_0000000000000002.txt").write_bytes(VALID.replace(b"Body", b"Other"))
    killed = subprocess.run(
        [sys.executable, "-c", _KILL_BETWEEN_RENAMES, "build", str(root), "--out", str(store),
         "--version", "1.0.0", "--overwrite", "--no-progress"],
        capture_output=True, timeout=300, check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    assert not (store / "c" / "v1.0.0").exists()  # set aside, in .build-old-*
    # The next build (any build) puts the old release back before it looks at the store.
    again = build(root, store, version="1.1.0")
    assert _files(store / "c" / "v1.0.0") == before
    assert again.previous is not None
    assert again.previous.tag == "v1.0.0"
    assert sorted(p.name for p in (store / "c").iterdir()) == ["v1.0.0", "v1.1.0"]


def test_an_overwrite_that_fails_between_its_renames_puts_the_old_release_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _corpus(tmp_path / "c", f"001_{ID1}.txt")
    store = tmp_path / "store"
    before = _files(build(root, store).path)
    (root / "002_0000000000000002.txt").write_bytes(VALID)
    real_replace = os.replace

    def interrupted(src: str | Path, dst: str | Path) -> None:
        name = Path(src).name
        if name.startswith(".build-") and not name.startswith(".build-old-"):
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(root, store, version="1.0.0", overwrite=True)
    monkeypatch.undo()
    assert _files(store / "c" / "v1.0.0") == before
    assert sorted(p.name for p in (store / "c").iterdir()) == ["v1.0.0"]


# -- 8. nothing of the build machine in a release -----------------------------------------------


def _corpus_with_escaping_links(root: Path, outside: Path) -> Path:
    _corpus(root, f"001_{ID1}.txt", "002_0000000000000002.txt")
    (root / "002_0000000000000002.txt").write_bytes(VALID.replace(b"Body", b"Other body"))
    outside.mkdir(exist_ok=True)
    (outside / "x.txt").write_bytes(VALID)
    (root / "003_0000000000000003.txt").symlink_to(outside / "x.txt")  # absolute target
    (root / "004_0000000000000004.txt").symlink_to("../../../nowhere/y.txt")
    (root / "sub").mkdir()
    (root / "sub" / "005_0000000000000005.txt").symlink_to("/")
    return root


def test_a_release_is_byte_identical_wherever_the_corpus_lies(tmp_path: Path) -> None:
    outside = tmp_path / "shared"
    one = _corpus_with_escaping_links(tmp_path / "a" / "news", outside)
    two = _corpus_with_escaping_links(tmp_path / "b" / "deeper" / "place" / "news", outside)
    first = build(one, tmp_path / "store1")
    second = build(two, tmp_path / "store2")
    assert first.manifest.counts.rejects_by_rule == {"outside-root": 3}
    assert _files(first.path) == _files(second.path)
    for content in _files(first.path).values():
        for where in (str(tmp_path), os.path.realpath(tmp_path)):
            assert where.encode() not in content


# -- 9. listing-time rejects with valid names ---------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_listing_rejects_with_valid_names_keep_corpus_order_and_claim_their_id(
    tmp_path: Path,
) -> None:
    root = _corpus(tmp_path / "c", f"001_{ID1}.txt", "notes.txt")
    os.mkfifo(root / "002_00000000000000aa.txt")
    (root / "003_00000000000000aa.txt").write_bytes(VALID)  # same id, later: a duplicate
    (tmp_path / "elsewhere.txt").write_bytes(VALID)
    (root / "004_00000000000000bb.txt").symlink_to(tmp_path / "elsewhere.txt")
    (root / "005_00000000000000bb.txt").write_bytes(VALID)
    (root / "006_00000000000000cc.txt").write_bytes(b"")  # empty: claims its id too
    (root / "007_00000000000000cc.txt").write_bytes(VALID)
    reader = read(root)
    assert [d.id for d in reader] == [ID1]
    got = [(Path(r.path).name, r.rule) for r in reader.rejects]
    assert got == [
        ("002_00000000000000aa.txt", "not-regular"),
        ("003_00000000000000aa.txt", "duplicate-id"),
        ("004_00000000000000bb.txt", "outside-root"),
        ("005_00000000000000bb.txt", "duplicate-id"),
        ("006_00000000000000cc.txt", "empty"),
        ("007_00000000000000cc.txt", "duplicate-id"),
        ("notes.txt", "bad-name"),
    ]


# -- 10, 11. sizes, links, tokens ---------------------------------------------------------------


def test_the_default_size_limit_is_the_one_the_memory_bound_allows() -> None:
    # docs/benchmarks.md: peak RSS <= 256 MiB + 64 x the largest accepted file; the default keeps
    # a build of one-paragraph files under about 768 MiB.
    assert DEFAULT_MAX_FILE_BYTES == 8 * 1024 * 1024


def test_too_large_found_while_reading_reports_the_files_size(tmp_path: Path) -> None:
    path = _corpus(tmp_path / "c", f"001_{ID1}.txt") / f"001_{ID1}.txt"
    (ref,) = scan(path.parent, max_file_bytes=1000).refs
    path.write_bytes(VALID * 100)  # grew after the listing
    outcome = read_ref(ref, max_file_bytes=1000)
    assert isinstance(outcome, Reject)
    assert outcome.rule == "too-large"
    assert f"the file is {len(VALID) * 100} bytes" in outcome.message
    assert "1001" not in outcome.message


def test_a_cycle_of_two_symlinks_is_a_loop_not_a_broken_link(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c", f"001_{ID1}.txt")
    (root / "002_0000000000000002.txt").symlink_to("003_0000000000000003.txt")
    (root / "003_0000000000000003.txt").symlink_to("002_0000000000000002.txt")
    (root / "004_0000000000000004.txt").symlink_to("missing.txt")
    reader = read(root)
    assert [d.id for d in reader] == [ID1]
    assert [(Path(r.path).name, r.rule) for r in reader.rejects] == [
        ("002_0000000000000002.txt", "symlink-loop"),
        ("003_0000000000000003.txt", "symlink-loop"),
        ("004_0000000000000004.txt", "broken-link"),
    ]
    assert "cycle" in reader.rejects[0].message


def test_push_without_a_token_says_so_at_once(tmp_path: Path, hub_repo_id: str) -> None:
    from hub.releases import make_release

    release = make_release(tmp_path, "1.0.0", [
        {"id": "0001", "title": "One", "text": "First story.", "relation": "unique"}])
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")}
    # An endpoint where nothing listens: a try would fail slowly, with retries.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{probe.getsockname()[1]}"
    run = subprocess.run(
        [sys.executable, "-m", "corpus.cli", "push", str(release), "--repo", hub_repo_id,
         "--endpoint", endpoint],
        capture_output=True, text=True, timeout=60, check=False, env=env,
    )
    assert run.returncode == 3
    assert "no Hub token is set" in run.stderr
    assert "HF_TOKEN" in run.stderr
    assert "retrying" not in run.stderr


def test_read_entries_accepts_a_generator(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c", f"001_{ID1}.txt")
    outcomes = list(read_entries(e for e in scan(root).entries))
    assert [o.id for o in outcomes if isinstance(o, Document)] == [ID1]


def test_a_zip_whose_names_are_not_utf8_is_a_corpus_error(tmp_path: Path) -> None:
    archive = tmp_path / "c.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"001_{ID1}.txt", VALID)
    data = bytearray(archive.read_bytes())
    # Flag the name as UTF-8 (bit 11) in the central directory and break its first byte.
    central = data.find(b"PK\x01\x02")
    data[central + 8:central + 10] = (0x800).to_bytes(2, "little")
    data[central + 46] = 0xFF
    archive.write_bytes(bytes(data))
    with pytest.raises(CorpusError, match="cannot read archive"):
        scan(archive)
