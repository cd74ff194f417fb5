"""`corpus dedup PATH [--json]` run as a user would: a subprocess of the installed command."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from corpus.cli import main

from .helpers import SEEDS

SEED_2, SEED_3 = "ccf4b0b12e1d7c3c", "860389ee531be975"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corpus.cli", "dedup", *args],
        capture_output=True, text=True, check=False, timeout=120,
    )


def test_json_report_on_the_seeds() -> None:
    done = run_cli(str(SEEDS), "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["documents"] == 5
    assert payload["files_seen"] == 5
    assert payload["rejects"] == []
    (cluster,) = payload["clusters"]
    assert cluster["canonical"] == SEED_3
    members = cluster["members"]
    expected = [(SEED_3, "canonical"), (SEED_2, "rewrite")]
    assert [(m["id"], m["relation"]) for m in members] == expected
    rewrite = members[1]
    assert set(rewrite) >= {"id", "relation", "score", "evidence", "jaccard", "containment"}
    assert 0 < rewrite["score"] <= 1
    assert rewrite["evidence"], "the rewrite must come with aligned passages"
    passage = rewrite["evidence"][0]
    assert set(passage) == {"canonical", "member", "similarity", "jaccard", "containment"}
    assert passage["canonical"]["text"]
    assert passage["member"]["text"]
    assert members[0]["evidence"] == []


def test_readable_report_shows_passages_side_by_side() -> None:
    done = run_cli(str(SEEDS))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("5 documents: 1 duplicate cluster, 1 duplicate")
    assert "canonical  003_860389ee531be975.txt" in out
    assert "rewrite    002_ccf4b0b12e1d7c3c.txt" in out
    assert "best aligned passages: 003_860389ee531be975.txt | 002_ccf4b0b12e1d7c3c.txt" in out
    assert any(" | " in line and "sentence" in line for line in out.splitlines())


def test_keep_and_no_rewrites_options(capsys: object) -> None:
    assert main(["dedup", str(SEEDS), "--json", "--keep", "first"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert json.loads(out)["clusters"][0]["canonical"] == SEED_2
    assert main(["dedup", str(SEEDS), "--json", "--no-rewrites"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert json.loads(out)["clusters"] == []


def test_the_command_line_undoes_the_settings_file_s_choices(tmp_path: Path) -> None:
    """A settings file that turns rewrites off, or semantic verification on, is undone from
    the command line (``--rewrites``, ``--no-semantic``), and ``--no-rewrites`` turns a file's
    semantic verification off with the rewrites instead of meeting a contradiction (it
    failed: "DedupConfig(rewrites=False, semantic=...) is contradictory"). A flag and its
    opposite together exit 3 with one line."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    settings = corpus / "corpus.toml"

    def clusters(*flags: str) -> list[object]:
        done = run_cli(str(corpus), "--json", *flags)
        assert done.returncode == 0, done.stderr
        found: list[object] = json.loads(done.stdout)["clusters"]
        return found

    settings.write_text("[dedup]\nrewrites = false\n", encoding="utf-8")
    assert clusters() == []
    assert len(clusters("--rewrites")) == 1
    settings.write_text("[dedup.semantic]\nenabled = true\n", encoding="utf-8")
    assert clusters("--no-rewrites") == []
    assert len(clusters("--no-semantic")) == 1  # the lexical test finds the seeds' rewrite
    for pair in (("--rewrites", "--no-rewrites"), ("--semantic", "--no-semantic")):
        done = run_cli(str(corpus), *pair)
        assert done.returncode == 3
        (line,) = done.stderr.strip().splitlines()
        assert "contradict each other" in line


def test_rejected_files_are_listed_and_exit_1(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "005_0123456789abcdef.txt").write_bytes(b"\xff\xfe not utf-8\n")
    done = run_cli(str(corpus), "--json")
    assert done.returncode == 1
    payload = json.loads(done.stdout)
    assert payload["documents"] == 5
    assert payload["files_seen"] == 6
    assert [r["rule"] for r in payload["rejects"]] == ["invalid-utf8"]
    assert len(payload["clusters"]) == 1
    readable = run_cli(str(corpus))
    assert readable.returncode == 1
    assert "rejected: " in readable.stdout


def test_strict_stops_at_the_first_rejected_file_and_exits_1(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "005_0123456789abcdef.txt").write_bytes(b"\xff\xfe not utf-8\n")
    done = run_cli(str(corpus), "--strict", "--json")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "corpus dedup: rejected (--strict): " in done.stderr
    assert "005_0123456789abcdef.txt" in done.stderr


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    done = run_cli(str(tmp_path / "nowhere"))
    assert done.returncode == 3
    assert "corpus dedup: error:" in done.stderr
