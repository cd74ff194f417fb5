"""Dedup settings from ``corpus.toml`` or ``[tool.corpus]``: found, read, checked, overridden."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from corpus import ConfigError, DedupConfig
from corpus.cli import main
from corpus.commands._dedup_options import (
    OPTIONS,
    add_dedup_arguments,
    apply_settings,
    dedup_config,
)
from corpus.dedup import MinHashConfig
from corpus.settings_file import (
    dedup_from_table,
    find_settings_file,
    load_settings,
    settings_for,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_2, SEED_3 = "ccf4b0b12e1d7c3c", "860389ee531be975"

EXAMPLE = """\
[dedup]
keep = "first"
evidence_passages = 3

[dedup.rewrite]
threshold = 0.45

[dedup.near]
jaccard = 0.6
min_words = 30

[dedup.candidates]
max_df_fraction = 0.02
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def seeds_copy(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    return corpus


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corpus.cli", *args],
        capture_output=True, text=True, check=False, timeout=300, cwd=cwd,
    )


# -- reading --------------------------------------------------------------------------------


def test_corpus_toml_sets_every_table(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path / "corpus.toml", EXAMPLE))
    config = settings.dedup
    assert settings.path == str(tmp_path / "corpus.toml")
    assert settings.table == ""
    assert config.keep == "first"
    assert config.evidence_passages == 3
    assert config.rewrite.threshold == 0.45
    assert config.near.jaccard == 0.6
    assert config.near.min_words == 30
    assert config.candidates.max_df_fraction == 0.02
    # What the file leaves out keeps its default.
    assert config.near.containment == DedupConfig().near.containment
    assert config.minhash == DedupConfig().minhash


def test_pyproject_reads_tool_corpus(tmp_path: Path) -> None:
    text = "[project]\nname = 'x'\n\n" + EXAMPLE.replace("[dedup", "[tool.corpus.dedup")
    settings = load_settings(write(tmp_path / "pyproject.toml", text))
    assert settings.table == "tool.corpus"
    assert settings.dedup.rewrite.threshold == 0.45
    assert settings.dedup.keep == "first"


def test_every_field_of_every_table_is_settable(tmp_path: Path) -> None:
    text = """\
[dedup]
rewrites = true
[dedup.minhash]
num_perm = 64
ngram = 4
seed = 7
threshold = 0.6
bands = 16
rows = 4
[dedup.candidates]
rare_terms = 30
min_shared = 4
max_df = 100
max_bucket = 80
[dedup.near]
containment = 0.8
[dedup.rewrite]
similarity = 0.35
baseline = 0.25
gap_penalty = 0.15
min_passages = 4
min_coverage = 0.3
min_score = 0.5
min_run = 6
[dedup.semantic]
threshold = 0.3
batch_size = 32
"""
    config = load_settings(write(tmp_path / "corpus.toml", text)).dedup
    assert config.minhash.banding == (16, 4)
    assert config.minhash.ngram == 4
    assert config.candidates.min_shared == 4
    assert config.candidates.max_bucket == 80
    assert config.rewrite.min_run == 6
    assert config.rewrite.gap_penalty == 0.15
    assert config.semantic.batch_size == 32
    assert not config.semantic.enabled


def test_an_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path / "corpus.toml", "")).dedup == DedupConfig()
    assert dedup_from_table({}) == DedupConfig()


# -- bad input: ConfigError naming the file, the line and the key ----------------------------


@pytest.mark.parametrize(("text", "names"), [
    ("[normalize]\nx = 1\n", ["unknown settings table 'normalize'"]),
    ("[dedup]\nthreshold = 0.4\n", [":2: [dedup] threshold", "unknown setting 'threshold'"]),
    ("[dedup.rewrite]\nthreshhold = 0.4\n",
     [":2: [dedup.rewrite] threshhold", "unknown setting 'threshhold'", "min_run"]),
    ("[dedup.lsh]\nthreshold = 0.4\n", ["[dedup] lsh", "unknown setting 'lsh'", "[dedup.minhash]"]),
    ("[dedup]\nrewrite = 0.4\n", [":2: [dedup] rewrite = 0.4", "must be a table"]),
    ("[dedup.rewrite]\nthreshold = 1.5\n",
     [":2: [dedup.rewrite] threshold", "RewriteConfig.threshold=1.5", "(0, 1]"]),
    ("[dedup.rewrite]\nthreshold = \"0.4\"\n",
     [":2: [dedup.rewrite] threshold", "must be a number", "not a string"]),
    ("[dedup.near]\nmin_words = 2.5\n", ["[dedup.near] min_words", "must be an integer"]),
    ("[dedup.near]\nmin_words = true\n", ["[dedup.near] min_words", "not a boolean"]),
    ("[dedup]\nrewrites = 1\n", ["[dedup] rewrites", "must be a boolean"]),
    ("[dedup]\nkeep = \"newest\"\n", [":2: [dedup] keep", "'original'"]),
    ("[dedup.rewrite]\nsimilarity = 0.2\n", ["[dedup.rewrite] similarity", "baseline"]),
    ("[dedup.minhash]\nbands = 20\nrows = 8\n", ["[dedup.minhash]", "exceeds num_perm"]),
    ("[dedup]\nrewrites = false\n[dedup.semantic]\nenabled = true\n",
     ["[dedup]", "contradictory"]),
    ("dedup = 3\n", ["dedup = 3", "must be a table"]),
    ("[dedup.rewrite\nthreshold = 0.4\n", ["not valid TOML", "line 1"]),
])
def test_bad_settings_name_the_file_and_key(tmp_path: Path, text: str,
                                            names: list[str]) -> None:
    path = write(tmp_path / "corpus.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    for name in names:
        assert name in message


def test_bad_pyproject_settings_name_the_tool_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.corpus.dedup.near]\njaccard = 0\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml:2: \[tool.corpus.dedup.near\] jaccard"):
        load_settings(path)
    other = write(tmp_path / "b" / "pyproject.toml", "[tool.corpus.build]\nx = 1\n")
    with pytest.raises(ConfigError, match="unknown settings table 'build'"):
        load_settings(other)
    scalar = write(tmp_path / "c" / "pyproject.toml", "[tool]\ncorpus = 1\n")
    with pytest.raises(ConfigError, match=r"must be a table, \[tool.corpus\]"):
        load_settings(scalar)


def test_a_missing_or_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such settings file"):
        load_settings(tmp_path / "nothere.toml")
    with pytest.raises(ConfigError, match="is a folder"):
        load_settings(tmp_path)
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b"[dedup]\nkeep = \"caf\xe9\"\n")
    with pytest.raises(ConfigError, match=str(latin)):
        load_settings(latin)


def test_a_key_given_inline_is_still_named(tmp_path: Path) -> None:
    path = write(tmp_path / "corpus.toml", "dedup = { rewrite = { threshold = 2 } }\n")
    with pytest.raises(ConfigError, match=r"\[dedup.rewrite\] threshold: RewriteConfig"):
        load_settings(path)


# -- finding ---------------------------------------------------------------------------------


def test_corpus_toml_in_the_corpus_folder_or_beside_an_archive(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    assert find_settings_file(corpus, cwd=tmp_path) is None
    inside = write(corpus / "corpus.toml", EXAMPLE)
    assert find_settings_file(corpus, cwd=tmp_path) == inside
    archive = tmp_path / "corpus.tar.gz"
    archive.write_bytes(b"")
    assert find_settings_file(archive, cwd=tmp_path) is None
    beside = write(tmp_path / "corpus.toml", EXAMPLE)
    assert find_settings_file(archive, cwd=tmp_path) == beside
    assert find_settings_file(f"file://{archive}", cwd=tmp_path) == beside
    assert find_settings_file("memory://corpus", cwd=tmp_path / "corpus") is None


def test_the_nearest_pyproject_from_the_current_folder_upwards(tmp_path: Path) -> None:
    project = write(tmp_path / "pyproject.toml", "[tool.corpus.dedup]\nkeep = 'first'\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_settings_file(None, cwd=deep) == project
    # A nearer pyproject.toml without [tool.corpus] is a project without settings.
    write(tmp_path / "a" / "pyproject.toml", "[project]\nname = 'inner'\n")
    assert find_settings_file(None, cwd=deep) is None
    # corpus.toml beside the corpus comes first.
    corpus = tmp_path / "corpus"
    beside = write(corpus / "corpus.toml", EXAMPLE)
    assert find_settings_file(corpus, cwd=tmp_path) == beside
    assert settings_for(corpus, cwd=tmp_path).dedup.near.jaccard == 0.6
    assert settings_for(tmp_path / "elsewhere", cwd=tmp_path).dedup.keep == "first"


def test_explicit_file_wins(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "corpus.toml", EXAMPLE)
    other = write(tmp_path / "strict.toml", "[dedup.rewrite]\nthreshold = 0.9\n")
    settings = settings_for(corpus, explicit=other, cwd=tmp_path)
    assert settings.path == str(other)
    assert settings.dedup.rewrite.threshold == 0.9
    assert settings.dedup.near.jaccard == 0.5


# -- the commands, as a user runs them -------------------------------------------------------


def test_dedup_reads_corpus_toml_and_flags_override_it(tmp_path: Path) -> None:
    corpus = seeds_copy(tmp_path)
    write(corpus / "corpus.toml", "[dedup]\nkeep = 'first'\n[dedup.rewrite]\nthreshold = 0.95\n")
    done = run_cli("dedup", str(corpus), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["clusters"] == []  # 0.95 is above the seed rewrite's pair score
    assert payload["files_seen"] == 5
    assert payload["rejects"] == []
    done = run_cli("dedup", str(corpus), "--json", "--rewrite-threshold", "0.4", cwd=tmp_path)
    (cluster,) = json.loads(done.stdout)["clusters"]
    assert cluster["canonical"] == SEED_2  # keep = "first" from the file
    done = run_cli("dedup", str(corpus), "--json", "--rewrite-threshold", "0.4",
                   "--keep", "original", cwd=tmp_path)
    assert json.loads(done.stdout)["clusters"][0]["canonical"] == SEED_3
    readable = run_cli("dedup", str(corpus), cwd=tmp_path)
    assert f"settings: {corpus / 'corpus.toml'}" in readable.stdout
    explained = run_cli("dedup", str(corpus), "--explain", SEED_3, SEED_2, cwd=tmp_path)
    assert explained.returncode == 0, explained.stderr
    assert "pair score            0.6250 <  0.9500   fail" in explained.stdout
    assert explained.stdout.rstrip().endswith(f"settings: {corpus / 'corpus.toml'}")


def test_dedup_reads_pyproject_of_the_current_folder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.corpus.dedup.rewrite]\nthreshold = 0.95\n")
    done = run_cli("dedup", str(SEEDS), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["clusters"] == []
    explained = run_cli("dedup", str(SEEDS), "--explain", SEED_3, SEED_2, "--json", cwd=tmp_path)
    assert json.loads(explained.stdout)["verdict"] == "unique"


def test_dedup_config_option(tmp_path: Path) -> None:
    settings = write(tmp_path / "settings" / "strict.toml", "[dedup]\nrewrites = false\n")
    done = run_cli("dedup", str(SEEDS), "--json", "--config", str(settings), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["clusters"] == []
    missing = run_cli("dedup", str(SEEDS), "--config", str(tmp_path / "none.toml"), cwd=tmp_path)
    assert missing.returncode == 3
    assert "none.toml: no such settings file" in missing.stderr


def test_a_bad_value_in_the_file_exits_3_with_one_line(tmp_path: Path) -> None:
    corpus = seeds_copy(tmp_path)
    toml = write(corpus / "corpus.toml", "[dedup.near]\njaccard = 1.5\n")
    done = run_cli("dedup", str(corpus), cwd=tmp_path)
    assert done.returncode == 3
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"corpus dedup: error: {toml}:2: [dedup.near] jaccard")
    built = run_cli("build", str(corpus), "--out", str(tmp_path / "store"), "--no-progress",
                    cwd=tmp_path)
    assert built.returncode == 3
    assert "[dedup.near] jaccard" in built.stderr
    assert not (tmp_path / "store").exists()


def test_validate_lists_corpus_toml_as_skipped(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    corpus = seeds_copy(tmp_path)
    write(corpus / "corpus.toml", EXAMPLE)
    write(corpus / "sub" / "corpus.toml", EXAMPLE)  # only the top one is the settings file
    assert main(["validate", str(corpus), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert [s["rule"] for s in payload["skipped"]] == ["settings"]
    assert [r["path"].endswith("sub/corpus.toml") for r in payload["rejects"]] == [True]
    (corpus / "sub" / "corpus.toml").unlink()
    assert main(["validate", str(corpus)]) == 0
    assert "(settings file corpus.toml skipped)" in capsys.readouterr().out


def test_a_linked_corpus_toml_is_read_and_skipped_not_rejected(tmp_path: Path) -> None:
    """``corpus.toml`` as a link to a shared file outside the corpus: its settings apply and it
    is listed as the settings file, not refused as a file outside the corpus root (it was both
    read and rejected, and the run exited 1)."""
    shared = write(tmp_path / "shared" / "settings.toml", "[dedup.rewrite]\nthreshold = 0.95\n")
    corpus = seeds_copy(tmp_path)
    (corpus / "corpus.toml").symlink_to(shared)
    done = run_cli("dedup", str(corpus), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["clusters"] == []  # 0.95 from the linked file
    assert payload["rejects"] == []
    assert payload["files_seen"] == 5
    checked = run_cli("validate", str(corpus), "--json", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert [s["rule"] for s in json.loads(checked.stdout)["skipped"]] == ["settings"]


@pytest.mark.parametrize("kind", ["folder", "dangling link"])
def test_a_corpus_toml_that_is_not_a_file_is_refused(tmp_path: Path, kind: str) -> None:
    """A ``corpus.toml`` at the top of the corpus that cannot be read as settings (a folder, a
    link to nothing) stops the command with one line (it was passed over: defaults used)."""
    corpus = seeds_copy(tmp_path)
    place = corpus / "corpus.toml"
    if kind == "folder":
        place.mkdir()
    else:
        place.symlink_to(tmp_path / "gone.toml")
    for command in (("dedup", str(corpus)),
                    ("build", str(corpus), "--out", str(tmp_path / "store"), "--no-progress")):
        done = run_cli(*command, cwd=tmp_path)
        assert done.returncode == 3, done.stderr
        (line,) = done.stderr.strip().splitlines()
        assert f"{place}: is a {'folder' if kind == 'folder' else 'link to nothing'}" in line
    assert not (tmp_path / "store").exists()
    with pytest.raises(ConfigError, match="not a settings file"):
        find_settings_file(corpus)


def test_build_records_the_file_settings_in_the_manifest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    corpus = seeds_copy(tmp_path)
    write(corpus / "corpus.toml",
          "[dedup.rewrite]\nthreshold = 0.45\n[dedup.near]\njaccard = 0.6\n")
    assert main(["build", str(corpus), "--out", "store", "--no-progress",
                 "--near-containment", "0.75"]) == 0
    manifest = json.loads(next((tmp_path / "store").glob("*/v*/manifest.json")).read_text("utf-8"))
    dedup = manifest["settings"]["dedup"]
    assert dedup["rewrite"]["threshold"] == 0.45
    assert dedup["near"]["jaccard"] == 0.6
    assert dedup["near"]["containment"] == 0.75  # the flag on top of the file
    assert manifest["counts"]["relations"] == {"canonical": 1, "rewrite": 1, "unique": 3}


def test_build_reads_corpus_toml_beside_an_archive(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    archive = tmp_path / "seeds.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(SEEDS.glob("*.txt")):
            tar.add(path, arcname=path.name)
    write(tmp_path / "corpus.toml", "[dedup.rewrite]\nthreshold = 0.95\n")
    assert main(["build", str(archive), "--out", "store", "--no-progress"]) == 0
    manifest = json.loads(next((tmp_path / "store").glob("*/v*/manifest.json")).read_text("utf-8"))
    assert manifest["settings"]["dedup"]["rewrite"]["threshold"] == 0.95
    assert manifest["counts"]["relations"] == {"unique": 5}


def test_the_semantic_retelling_shares_are_settable_from_the_command_line_and_a_file(
    tmp_path: Path,
) -> None:
    parser = argparse.ArgumentParser()
    add_dedup_arguments(parser)
    args = parser.parse_args(["--semantic-min-sentences", "10", "--semantic-min-lift", "0.1"])
    semantic = dedup_config(args, DedupConfig()).semantic
    assert (semantic.min_sentences, semantic.min_lift) == (10, 0.1)
    text = "[dedup.semantic]\nmin_sentences = 14\nmin_lift = 0.3\n"
    semantic = load_settings(write(tmp_path / "corpus.toml", text)).dedup.semantic
    assert (semantic.min_sentences, semantic.min_lift) == (14, 0.3)
    bad = parser.parse_args(["--semantic-min-lift", "3"])
    with pytest.raises(ConfigError, match=r"SemanticConfig.min_lift=3.0 is invalid"):
        dedup_config(bad, DedupConfig())


def test_the_quotation_share_is_settable_from_the_command_line_and_a_file(
    tmp_path: Path,
) -> None:
    parser = argparse.ArgumentParser()
    add_dedup_arguments(parser)
    rewrite = dedup_config(parser.parse_args(["--rewrite-quotation-share", "0"]),
                           DedupConfig()).rewrite
    assert rewrite.quotation_share == 0.0
    text = "[dedup.rewrite]\nquotation_share = 0.8\n"
    rewrite = load_settings(write(tmp_path / "corpus.toml", text)).dedup.rewrite
    assert rewrite.quotation_share == 0.8
    assert DedupConfig().rewrite.quotation_share == 0.5
    bad = parser.parse_args(["--rewrite-quotation-share", "2"])
    with pytest.raises(ConfigError, match=r"RewriteConfig.quotation_share=2.0 is invalid"):
        dedup_config(bad, DedupConfig())


def test_each_option_says_its_setting_s_default() -> None:
    """The "(default X)" of every threshold option's help is the configuration's default, so
    a default changed in one place and not the other fails here."""
    defaults = DedupConfig()
    for flag, section, name, _, text in OPTIONS:
        found = re.search(r"\(default ([-0-9.]+)", text)
        assert found is not None, flag
        assert float(found.group(1)) == getattr(getattr(defaults, section), name), flag


#: A value for every threshold ``--explain`` prints, each unlike its default and every other.
_EXPLAINED = {
    "--near-jaccard": "0.51", "--near-containment": "0.71", "--near-min-words": "21",
    "--rewrite-min-passages": "4", "--rewrite-min-coverage": "0.26",
    "--rewrite-min-score": "0.41", "--rewrite-threshold": "0.43",
    "--rewrite-min-retold": "19", "--rewrite-retold-share": "0.69",
    "--rewrite-short-retold": "11", "--rewrite-short-retold-share": "0.74",
    "--rewrite-loose-run": "17",
}


def _checks(found: object) -> list[dict[str, object]]:
    """Every ``{"name", "value", "threshold", "passed"}`` object in an --explain JSON."""
    if isinstance(found, list):
        return [check for item in found for check in _checks(item)]
    if not isinstance(found, dict):
        return []
    if {"name", "value", "threshold", "passed"} <= found.keys():
        return [found]
    return [check for item in found.values() for check in _checks(item)]


def test_every_threshold_the_explanation_prints_is_an_option() -> None:
    """Every threshold ``corpus dedup --explain`` prints a measure against can be set on the
    command line: given a value of its own for each, every threshold printed is one of them."""
    options = [part for flag, value in _EXPLAINED.items() for part in (flag, value)]
    done = run_cli("dedup", str(SEEDS), "--explain", "860389ee531be975", "ccf4b0b12e1d7c3c",
                   "--json", *options)
    assert done.returncode == 0, done.stderr
    checks = _checks(json.loads(done.stdout))
    assert {c["name"] for c in checks} >= {"jaccard", "words", "aligned", "chain score",
                                           "pair score", "retold share", "loose run"}
    given = {float(value) for value in _EXPLAINED.values()}
    assert {c["name"]: c["threshold"] for c in checks
            if c["threshold"] not in given} == {}


def test_set_reaches_every_setting() -> None:
    """``--set`` takes every setting of every table, named as in the file: each one given its
    default value leaves the configuration as it is, and a changed value is changed."""
    import dataclasses

    base = DedupConfig()
    count = 0
    for top in dataclasses.fields(DedupConfig):
        value = getattr(base, top.name)
        if dataclasses.is_dataclass(value):
            for inner in dataclasses.fields(value):
                key = f"{top.name}.{inner.name}"
                assert apply_settings(base, [(key, getattr(value, inner.name))]) == base, key
                count += 1
        else:
            assert apply_settings(base, [(top.name, value)]) == base
            count += 1
    assert count > len(OPTIONS) + 3  # more than the named options reach
    changed = apply_settings(base, [("rewrite.retell_similarity", 0.25),
                                    ("dedup.semantic.min_run", 9), ("keep", "first")])
    assert changed.rewrite.retell_similarity == 0.25
    assert changed.semantic.min_run == 9
    assert changed.keep == "first"


def test_set_on_the_command_line(tmp_path: Path) -> None:
    """``--set KEY=VALUE`` from ``dedup`` and ``build``: it takes effect, the named options win
    over it, a table's settings are checked together, the build records it; a bad item exits
    3 (2 when it is not KEY=VALUE) with one line naming it."""
    corpus = seeds_copy(tmp_path)

    def clusters(*flags: str) -> list[dict[str, object]]:
        done = run_cli("dedup", str(corpus), "--json", *flags, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        found: list[dict[str, object]] = json.loads(done.stdout)["clusters"]
        return found

    assert clusters("--set", "rewrite.threshold=0.99") == []
    assert len(clusters("--set", "rewrite.threshold=0.99", "--rewrite-threshold", "0.5")) == 1
    assert clusters("--set", "keep=first")[0]["canonical"] == SEED_2
    assert clusters("--set", "keep=first", "--keep", "original")[0]["canonical"] == SEED_3
    # bands and rows must come together: the table is checked once both are in
    assert len(clusters("--set", "minhash.bands=20", "--set", "minhash.rows=6")) == 1
    built = run_cli("build", str(corpus), "--out", str(tmp_path / "store"), "--no-progress",
                    "--set", "rewrite.retell_similarity=0.25", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    manifest = json.loads(next((tmp_path / "store").glob("*/v*/manifest.json"))
                          .read_text("utf-8"))
    assert manifest["settings"]["dedup"]["rewrite"]["retell_similarity"] == 0.25
    for item, words in (("rewrite.threshold=1.5", "--set rewrite.threshold=1.5: "),
                        ("rewrite.nope=1", "unknown setting 'nope'"),
                        ("nope.x=1", "--set nope.x=1: unknown setting"),
                        ("rewrite.threshold=abc", "it must be a number"),
                        ("rewrites=1", "it must be a boolean")):
        done = run_cli("dedup", str(corpus), "--set", item, cwd=tmp_path)
        assert done.returncode == 3, item
        (line,) = done.stderr.strip().splitlines()
        assert words in line, line
    malformed = run_cli("dedup", str(corpus), "--set", "threshold", cwd=tmp_path)
    assert malformed.returncode == 2
    assert "is not KEY=VALUE" in malformed.stderr
    flag = run_cli("dedup", str(corpus), "--rewrite-threshold", "1.5", cwd=tmp_path)
    assert flag.returncode == 3
    assert "error: --rewrite-threshold 1.5: RewriteConfig.threshold=1.5 is invalid" in flag.stderr


def test_lsh_threshold_on_the_command_line_derives_the_banding_over_the_file_s(
        tmp_path: Path) -> None:
    """A file that fixes ``bands`` and ``rows`` made ``--lsh-threshold`` change nothing (the
    banding is derived from the threshold only when neither is set); the option now derives
    it, unless ``--set`` gives the banding too."""
    parser = argparse.ArgumentParser()
    add_dedup_arguments(parser)
    text = "[dedup.minhash]\nbands = 20\nrows = 6\n"
    base = load_settings(write(tmp_path / "corpus.toml", text)).dedup
    assert base.minhash.banding == (20, 6)
    derived = dedup_config(parser.parse_args(["--lsh-threshold", "0.9"]), base).minhash
    assert (derived.threshold, derived.bands, derived.rows) == (0.9, 0, 0)
    assert derived.banding == MinHashConfig(threshold=0.9).banding != (20, 6)
    kept = dedup_config(parser.parse_args(["--lsh-threshold", "0.9", "--set", "minhash.bands=16",
                                           "--set", "minhash.rows=8"]), base).minhash
    assert kept.banding == (16, 8)


@pytest.mark.parametrize(("text", "expected"), [
    ("# settings\n[dedupe.rewrite]\nthreshold = 0.5\n",
     "corpus.toml:2: [dedupe]: unknown settings table 'dedupe'"),
    ("# settings\n[dedup.extra]\nx = 1\n", "corpus.toml:2: [dedup] extra: unknown setting"),
    ("[dedup]\nkeep = 'first'\n\n[dedup.rewrites]\nthreshold = 0.5\n",
     "corpus.toml:4: [dedup] rewrites = {'threshold': 0.5} is invalid: it must be a boolean "
     "(default: True), not a table; did you mean the table [dedup.rewrite]?"),
])
def test_a_table_known_only_by_its_parts_is_named_with_its_line(tmp_path: Path, text: str,
                                                                 expected: str) -> None:
    """Tables opened under a wrong name (``[dedupe.rewrite]``, ``[dedup.extra]``, a setting
    opened as a table) are named with the line of their header (they had none)."""
    with pytest.raises(ConfigError) as raised:
        load_settings(write(tmp_path / "corpus.toml", text))
    assert expected in str(raised.value)
