"""The dataset card: a YAML header the Hub reads, and prose made from the build's results."""

from __future__ import annotations

from pathlib import Path

import datasets
import pyarrow as pa
import pytest
import yaml
from huggingface_hub import DatasetCard

from corpus.errors import Reject
from corpus.publish.card import (
    LIST_LIMIT,
    ClusterMember,
    ConfigStats,
    render_card,
    size_category,
)
from corpus.publish.compare import ClusterChange, DocumentChange, DocumentRef, ReleaseDiff
from corpus.publish.manifest import ChangelogEntry, Counts, InputFile, Manifest
from corpus.schema import (
    CLUSTERS_SCHEMA,
    REJECTS_SCHEMA,
    SCHEMA,
    features_yaml,
    schema_description,
)


def _manifest(**counts: object) -> Manifest:
    values: dict[str, object] = {
        "files_seen": 3, "documents": 2, "rejects": 1, "rejects_by_rule": {"empty": 1},
        "clusters": 1, "duplicates": 1, "relations": {"canonical": 1, "rewrite": 1},
        "languages": {"en": 1, "und": 1, "fr": 1},
        "rows": {"default": 1, "duplicates": 1, "all": 2},
    }
    values.update(counts)
    return Manifest(
        name="news", version="1.1.0", schema_version="1.0", schema=schema_description(),
        seed_format_version="1.0", libraries={"corpus": "9.9.9"}, source="news",
        settings={"license": "mit", "strict": False}, settings_hash="ab" * 32,
        inputs=(InputFile("a|b.txt", "cd" * 32, 10, "accepted", id="0000000000000001"),),
        counts=Counts(**values),  # type: ignore[arg-type]
        files=(), fingerprint="ef" * 32,
        changelog=(ChangelogEntry("1.0.0", "", "initial"),
                   ChangelogEntry("1.1.0", "1.0.0", "minor", added=1, clusters_added=1)),
    )


CONFIGS = (ConfigStats("default", 1, 100, 50), ConfigStats("duplicates", 1, 100, 40),
           ConfigStats("all", 2, 200, 90))
CLUSTERS = {
    "c1": [ClusterMember("c1", "003.txt", "canonical", 1.0, "Original"),
           ClusterMember("c2", "002.txt", "rewrite", 0.8125, "A | piped title")],
}
REJECTS = [Reject("bad.txt", 1, "empty", "the file is empty: remove it")]
DIFF = ReleaseDiff(
    old="v1.0.0", new="v1.1.0", schema_changed=False,
    added=(DocumentRef("c2", "002.txt"),), removed=(),
    changed=(DocumentChange("c1", "003.txt", ("cluster_id", "relation")),),
    clusters_added=(ClusterChange("c1", (), (("c1", "canonical"), ("c2", "rewrite"))),),
    clusters_removed=(), clusters_changed=(), unchanged=0,
)


def _render(**overrides: object) -> str:
    arguments: dict[str, object] = {
        "configs": CONFIGS, "clusters": CLUSTERS, "rejects": REJECTS, "diff": DIFF,
        "license_id": "mit", "pretty_name": "News",
    }
    arguments.update(overrides)
    manifest = arguments.pop("manifest", _manifest())
    return render_card(manifest, **arguments)  # type: ignore[arg-type]


def test_header_is_what_the_hub_reads() -> None:
    card = DatasetCard(_render())
    data = card.data.to_dict()  # type: ignore[no-untyped-call]  # huggingface_hub: untyped
    assert data["pretty_name"] == "News"
    assert data["license"] == "mit"
    assert data["language"] == ["en", "fr"]  # "und" is not a language
    assert data["size_categories"] == ["n<1K"]
    assert data["task_categories"] == ["text-generation", "text-classification"]
    assert [c["config_name"] for c in data["configs"]] == ["default", "duplicates", "all"]
    assert data["configs"][0]["default"] is True
    # each row is stored once: all reads the folders of the other two
    paths = {c["config_name"]: c["data_files"][0]["path"] for c in data["configs"]}
    assert paths == {"default": "data/default/train-*", "duplicates": "data/duplicates/train-*",
                     "all": ["data/default/train-*", "data/duplicates/train-*"]}
    infos = {i["config_name"]: i for i in data["dataset_info"]}
    assert infos["all"]["splits"] == [{"name": "train", "num_bytes": 200, "num_examples": 2}]
    assert infos["all"]["download_size"] == 90
    assert infos["default"]["dataset_size"] == 100
    assert [f["name"] for f in infos["default"]["features"]] == SCHEMA.names


def test_no_detected_language_leaves_the_field_out() -> None:
    text = _render(manifest=_manifest(languages={"und": 2}))
    header = yaml.safe_load(text.split("---\n", 2)[1])
    assert "language" not in header


def test_prose_lists_clusters_rejects_and_the_changelog() -> None:
    text = _render()
    assert "| c2 | rewrite | 0.812 | `002.txt` | A \\| piped title |" in text
    assert "| `bad.txt` | 1 | empty | the file is empty: remove it |" in text
    assert "| `a\\|b.txt` | 0000000000000001 | accepted | 10 |" in text
    assert "- **1.1.0** (from 1.0.0): 1 added, 1 cluster(s) added." in text
    assert text.index("**1.1.0**") < text.index("**1.0.0**")  # newest first
    assert "- c2 (`002.txt`)" in text
    assert "- c1 (`003.txt`): cluster_id, relation" in text
    assert "- canonical c1: c1 (canonical), c2 (rewrite)" in text
    assert "| `settings_hash` |" not in text
    assert '| `license` | `"mit"` |' in text


def test_evidence_names_the_document_it_compares_with() -> None:
    evidence = ("Canonical sentence.", "Member sentence.", 0.9)
    members = [
        ClusterMember("c1", "003.txt", "canonical", 1.0, "Original"),
        ClusterMember("c2", "002.txt", "rewrite", 0.8, "Rewrite", aligned=9, evidence=evidence),
        ClusterMember("c3", "004.txt", "rewrite", 0.7, "Via c2", aligned=5,
                      evidence=("Rewrite sentence.", "Second-hand sentence.", 0.8),
                      compared_with="c2"),
    ]
    text = _render(clusters={"c1": members})
    assert "> canonical: Canonical sentence.\n>\n> c2: Member sentence." in text
    assert "> c2: Rewrite sentence.\n>\n> c3: Second-hand sentence." in text


def test_empty_sections_say_so() -> None:
    text = _render(clusters={}, rejects=[], diff=None)
    assert "No duplicates were found." in text
    assert "Every input file was accepted." in text


def test_a_config_without_rows_is_named_with_how_to_load_it() -> None:
    # datasets.load_dataset refuses a split of no rows: the card says so where it shows it.
    assert "cannot load a config without rows" not in _render()
    empty = (ConfigStats("default", 2, 200, 90), ConfigStats("duplicates", 0, 0, 0),
             ConfigStats("all", 2, 200, 90))
    text = _render(configs=empty)
    assert ("`duplicates` has no rows in this release, and `datasets.load_dataset` cannot load "
            "a config without rows") in text
    nothing = tuple(ConfigStats(name, 0, 0, 0) for name in ("default", "duplicates", "all"))
    assert "`default`, `duplicates`, `all` have no rows in this release" in _render(
        configs=nothing)


def test_long_lists_are_cut_and_point_at_the_full_file() -> None:
    rejects = [Reject(f"f{i}.txt", 0, "bad-name", "bad") for i in range(LIST_LIMIT + 7)]
    text = _render(rejects=rejects)
    assert "… and 7 more: see `rejects.parquet`." in text
    assert f"`f{LIST_LIMIT - 1}.txt`" in text
    assert f"`f{LIST_LIMIT}.txt`" not in text


@pytest.mark.parametrize(
    ("n", "label"),
    [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (123_456, "100K<n<1M"),
     (10**10, "n>10B")],
)
def test_size_categories(n: int, label: str) -> None:
    assert size_category(n) == label


def _header(text: str) -> dict[str, object]:
    header: dict[str, object] = yaml.safe_load(text.split("---\n", 2)[1])
    return header


def test_other_license_writes_its_name_and_link_for_the_hub() -> None:
    text = _render(license_id="other", license_name="agency-terms",
                   license_link="https://example.org/terms")
    header = _header(text)
    assert header["license"] == "other"
    assert header["license_name"] == "agency-terms"
    assert header["license_link"] == "https://example.org/terms"
    data = DatasetCard(text).data.to_dict()  # type: ignore[no-untyped-call]
    assert (data["license_name"], data["license_link"]) == (
        "agency-terms", "https://example.org/terms")


def test_a_listed_license_has_no_name_or_link() -> None:
    header = _header(_render(license_id="cc-by-4.0", license_name="x", license_link="y"))
    assert header["license"] == "cc-by-4.0"
    assert "license_name" not in header
    assert "license_link" not in header


def test_counts_say_which_config_or_input_they_are_counted_over() -> None:
    text = _render()
    assert "| what | counted over | count |" in text
    assert "| files seen | input files | 3 |" in text
    assert "| files rejected | input files | 1 |" in text
    assert "| duplicate clusters | `all` | 1 |" in text
    assert "| relation rewrite | `all` | 1 |" in text
    assert "| language en | `default` | 1 |" in text
    assert "| rows | `default` | 1 |" in text
    assert "| rows | `all` | 2 |" in text
    counts = text[text.index("## Counts"):text.index("## Duplicate clusters")]
    rows = [line for line in counts.splitlines() if line.startswith("| ") and "---" not in line]
    assert all(len(row.split(" | ")) == 3 for row in rows), rows


def test_sources_column_says_the_hash_is_a_prefix() -> None:
    text = _render()
    assert "| path | id | status | bytes | SHA-256 (first 16 hex digits) |" in text
    assert f"| `a\\|b.txt` | 0000000000000001 | accepted | 10 | `{'cd' * 8}` |" in text
    assert "its full SHA-256" in text


def test_settings_show_the_pretty_name_the_header_uses() -> None:
    manifest = _manifest()
    unset = Manifest(**{**{f: getattr(manifest, f) for f in manifest.__dataclass_fields__},
                        "settings": {"license": "mit", "pretty_name": ""}})
    text = _render(manifest=unset, pretty_name="news")
    assert _header(text)["pretty_name"] == "news"
    assert '| `pretty_name` | `"news"` (the dataset name) |' in text
    assert '`""`' not in text
    given = Manifest(**{**{f: getattr(manifest, f) for f in manifest.__dataclass_fields__},
                        "settings": {"license": "mit", "pretty_name": "News"}})
    assert '| `pretty_name` | `"News"` |' in _render(manifest=given, pretty_name="News")


@pytest.mark.parametrize("schema", [
    SCHEMA, REJECTS_SCHEMA, CLUSTERS_SCHEMA,
    pa.schema([("nested", pa.list_(pa.list_(pa.string()))),
               ("rows", pa.list_(pa.list_(pa.struct([("a", pa.int32())])))),
               ("point", pa.struct([("x", pa.float32()), ("tags", pa.list_(pa.bool_()))])),
               ("long", pa.large_string())]),
], ids=["documents", "rejects", "clusters", "nested"])
def test_the_features_are_written_as_datasets_writes_them(schema: pa.Schema) -> None:
    assert features_yaml(schema) == datasets.Features.from_arrow_schema(schema)._to_yaml_list()


def test_a_type_without_a_hub_dtype_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="no Hugging Face dtype known for the Arrow type date32"):
        features_yaml(pa.schema([("day", pa.date32())]))


def _hub_header(manifest: Manifest, configs: list[ConfigStats]) -> str:
    """The card's YAML header with ``dataset_info`` made by ``datasets`` itself, as the card
    was written before it stopped importing it."""
    from datasets.info import DatasetInfo, DatasetInfosDict
    from datasets.splits import SplitDict, SplitInfo

    data = DatasetCard(_render(manifest=manifest, configs=configs)).data
    data.pop("dataset_info", None)  # ours, replaced by datasets' own
    infos = DatasetInfosDict()
    for stats in configs:
        splits = SplitDict()
        splits.add(SplitInfo(name="train", num_bytes=stats.num_bytes, num_examples=stats.rows))
        infos[stats.name] = DatasetInfo(
            features=datasets.Features.from_arrow_schema(SCHEMA), config_name=stats.name,
            splits=splits, download_size=stats.download_bytes, dataset_size=stats.num_bytes)
    infos.to_dataset_card_data(data)
    yaml_text: str = data.to_yaml()
    return yaml_text


@pytest.mark.parametrize("names", [
    ["default"], ["all"], ["default", "duplicates", "all"], ["all", "default"],
])
def test_the_header_is_what_datasets_writes(names: list[str]) -> None:
    configs = [ConfigStats(name, rows=3 + i, num_bytes=1000 * i, download_bytes=700 + i)
               for i, name in enumerate(names)]
    manifest = _manifest()
    text = _render(manifest=manifest, configs=configs)
    assert text.split("---\n", 2)[1] == _hub_header(manifest, configs) + "\n"


def test_a_build_does_not_import_datasets(tmp_path: Path) -> None:
    """The card is written without ``datasets``: importing it in a thread beside the stages
    once handed the build a module half made (a circular-import error in a small build)."""
    import subprocess
    import sys

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "001_0000000000000001.txt").write_text(
        "Title\n\nA body paragraph of the only document.\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from corpus.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] == 'datasets')[:3])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "build", str(corpus), "--out", str(tmp_path / "store"),
         "--no-progress"], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.splitlines()[-1] == "0 []", out.stderr
