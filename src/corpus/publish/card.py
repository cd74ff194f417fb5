"""The dataset card: ``README.md`` with the Hugging Face YAML header and a human description.

The header is produced by the Hub's own libraries (``huggingface_hub.DatasetCardData`` for the
metadata, ``datasets.DatasetInfosDict`` for ``dataset_info``), so it is exactly what the Hub and
``datasets.load_dataset`` expect: ``configs`` with their ``data_files``, and per config the
features derived from :data:`corpus.SCHEMA`, the split sizes and the download size. The prose
below it says where the data came from, how it was built, what was found (counts, duplicate
clusters, rejects) and how the dataset changed from version to version. Everything in it comes
from the build's own results, so the card is as deterministic as the data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from corpus.errors import Reject
from corpus.publish.compare import ReleaseDiff
from corpus.publish.layout import (
    CLUSTERS,
    CONFIG_FOLDERS,
    CONFIGS,
    DATA_DIR,
    MANIFEST,
    REJECTS,
    SPLIT,
)
from corpus.publish.manifest import Manifest, input_bytes
from corpus.schema import COLUMN_DESCRIPTIONS, features_yaml, schema_description

__all__ = ["ClusterMember", "ConfigStats", "render_card", "size_category"]

#: How many clusters, rejects, inputs and changed documents the card lists before it says
#: "and N more" and points at the files that hold them all.
LIST_LIMIT = 50

_CONFIG_DESCRIPTIONS = {
    "default": "the deduplicated corpus: unique and canonical documents (the one to train on)",
    "duplicates": "the documents deduplication removed, each with the cluster_id, "
    "duplicate_of, relation and score that say why",
    "all": "every accepted document: the files of `default` and of `duplicates` (the kept rows, "
    "then the removed ones); its lines and bom rebuild each original file byte for byte",
}
_SIZE_STEPS = (
    (1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"), (10_000_000_000, "1B<n<10B"),
)


@dataclass(frozen=True, slots=True)
class ConfigStats:
    """The size of one config: rows, Arrow bytes (``num_bytes``) and Parquet bytes on disk."""

    name: str
    rows: int
    num_bytes: int
    download_bytes: int


@dataclass(frozen=True, slots=True, order=True)
class ClusterMember:
    """A document of a duplicate cluster, as the card lists it."""

    id: str
    path: str
    relation: str
    score: float
    title: str
    aligned: int = 0
    #: The best aligned passage pair: canonical text, member text, similarity.
    evidence: tuple[str, str, float] | None = None
    #: Why the keep policy kept the cluster's canonical document (the same for every member).
    kept_because: str = ""
    #: The member the evidence compares with when it is not the canonical document (a member
    #: that only joined the cluster through another member); ``""`` for the canonical one.
    compared_with: str = ""


def size_category(n: int) -> str:
    """The Hub's ``size_categories`` value for ``n`` examples (``"n<1K"``, ``"1K<n<10K"``, ...)."""
    for limit, label in _SIZE_STEPS:
        if n < limit:
            return label
    return "n>10B"


def _cell(text: object) -> str:
    """``text`` made safe for one cell of a Markdown table."""
    return " ".join(str(text).split()).replace("|", "\\|") or " "


def _excerpt(text: str, limit: int = 240) -> str:
    """One line of at most ``limit`` characters, for a quoted passage."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _more(total: int, shown: int, where: str) -> list[str]:
    return [f"\n… and {total - shown} more: see {where}."] if total > shown else []


def _data_paths(config: str) -> str | list[str]:
    """The ``path`` of ``config``'s train split in the card's YAML: a glob per folder that
    holds its rows (each row is stored once; ``all`` reads two folders)."""
    paths = [f"{DATA_DIR}/{folder}/{SPLIT}-*" for folder in CONFIG_FOLDERS[config]]
    return paths[0] if len(paths) == 1 else paths


def _dataset_info(configs: Sequence[ConfigStats]) -> dict[str, Any] | list[dict[str, Any]]:
    """The header's ``dataset_info``: per config its features, split sizes and download size,
    as ``datasets.DatasetInfosDict.to_dataset_card_data`` writes it (one config: a mapping;
    more: a list sorted by config name, ``config_name`` first).

    Written here rather than by ``datasets`` itself: importing it costs a build half a second,
    and importing it in a thread beside the build (as we did) raced with the stages' own
    imports of the modules it shares (numpy, pyarrow), which Python can answer with a module
    half made ("cannot import name ... from partially initialized module"). The tests compare
    this with ``datasets``' own output."""
    infos = {
        stats.name: {
            # a list of its own per config: a list written twice would be a YAML alias
            "features": features_yaml(),
            "splits": [{"name": SPLIT, "num_bytes": stats.num_bytes,
                        "num_examples": stats.rows}],
            "download_size": stats.download_bytes,
            "dataset_size": stats.num_bytes,
        }
        for stats in configs
    }
    if len(infos) == 1:
        name, info = next(iter(infos.items()))
        return info if name == "default" else {"config_name": name, **info}
    return [{"config_name": name, **infos[name]} for name in sorted(infos)]


def _yaml_header(manifest: Manifest, configs: Sequence[ConfigStats], license_id: str,
                 pretty_name: str, license_name: str, license_link: str) -> str:
    from huggingface_hub import DatasetCardData

    languages = sorted(code for code in manifest.counts.languages if code != "und")
    # The Hub asks for a name and a link with "other", and for neither otherwise.
    other: dict[str, Any] = (
        {"license_name": license_name, "license_link": license_link}
        if license_id == "other" else {}
    )
    data = DatasetCardData(
        pretty_name=pretty_name,
        license=license_id,
        language=languages or None,
        size_categories=[size_category(manifest.counts.documents)],
        task_categories=["text-generation", "text-classification"],
        tags=["news", "deduplicated", "corpus"],
        **other,
        configs=[
            {
                "config_name": stats.name,
                "data_files": [{"split": SPLIT, "path": _data_paths(stats.name)}],
                **({"default": True} if stats.name == CONFIGS[0] else {}),
            }
            for stats in configs
        ],
    )
    if configs:
        data["dataset_info"] = _dataset_info(configs)
    return data.to_yaml()


def render_card(
    manifest: Manifest,
    *,
    configs: Sequence[ConfigStats],
    clusters: Mapping[str, Sequence[ClusterMember]],
    rejects: Sequence[Reject],
    diff: ReleaseDiff | None,
    license_id: str,
    pretty_name: str,
    license_name: str = "",
    license_link: str = "",
) -> str:
    """The full text of ``README.md`` for a release described by ``manifest``.

    ``license_id`` is a Hub license id; for ``"other"``, ``license_name`` and ``license_link``
    name the license and say where it is (see :class:`~corpus.publish.config.BuildConfig`).
    ``clusters`` maps a cluster id to its members (canonical first), for the first
    :data:`LIST_LIMIT` clusters at least (the card lists those, and counts them all from
    ``manifest.counts``); ``diff`` is the difference
    from the previous release (None for the first one); ``manifest.changelog`` holds the history
    this version's entry is the last of.
    """
    counts = manifest.counts
    header = _yaml_header(manifest, configs, license_id, pretty_name, license_name, license_link)
    out: list[str] = ["---", header, "---", ""]
    add = out.append

    add(f"# {pretty_name}")
    add("")
    add(
        f"Version **{manifest.version}** of `{manifest.name}`: {counts.documents} news articles "
        f"read from `{manifest.source}` ({counts.files_seen} files seen, {counts.rejects} "
        f"rejected), cleaned, language-tagged and deduplicated; {counts.rows.get('default', 0)} "
        "remain after deduplication."
    )
    add("")

    add("## Configurations")
    add("")
    add("| config | rows | Parquet bytes | what it holds |")
    add("| --- | ---: | ---: | --- |")
    for stats in configs:
        add(f"| `{stats.name}` | {stats.rows} | {stats.download_bytes} | "
            f"{_cell(_CONFIG_DESCRIPTIONS.get(stats.name, ''))} |")
    add("")
    add("```python")
    add("from datasets import load_dataset")
    add("")
    add('ds = load_dataset("<this repo or folder>", split="train")           # default config')
    add('full = load_dataset("<this repo or folder>", "all", split="train")  # every document')
    add("")
    add("import corpus  # typed records back: corpus.Document")
    add('docs = list(corpus.documents(corpus.load("<this repo or folder>", config="all")))')
    add("```")
    add("")
    empty = [stats.name for stats in configs if stats.rows == 0]
    if empty:
        # datasets prepares a split of no rows but refuses to read it back ("Instruction
        # 'train' corresponds to no data!"), whatever the card declares.
        names = ", ".join(f"`{name}`" for name in empty)
        add(f"{names} {'has' if len(empty) == 1 else 'have'} no rows in this release, and "
            "`datasets.load_dataset` cannot load a config without rows (it raises `Instruction "
            "\"train\" corresponds to no data!`); `corpus.load` gives an empty dataset with "
            "the release's features, and `load_dataset(..., streaming=True)` an empty "
            "iterable.")
        add("")

    add("## Sources")
    add("")
    total_bytes = input_bytes(manifest.inputs)
    add(f"{len(manifest.inputs)} input files ({total_bytes} bytes) from `{manifest.source}`; "
        f"each is listed in `{MANIFEST}` with its full SHA-256 (the table shows the first 16 "
        "hex digits).")
    add("")
    add("| path | id | status | bytes | SHA-256 (first 16 hex digits) |")
    add("| --- | --- | --- | ---: | --- |")
    for item in manifest.inputs[:LIST_LIMIT]:
        status = item.status + (f" ({item.rule})" if item.rule else "")
        add(f"| `{_cell(item.path)}` | {item.id or '—'} | {status} | {item.bytes} | "
            f"`{item.sha256[:16] or '—'}` |")
    out.extend(_more(len(manifest.inputs), LIST_LIMIT, f"`{MANIFEST}`"))
    add("")

    add("## How it was built")
    add("")
    libs = ", ".join(f"{name} {version}" for name, version in manifest.libraries.items())
    add(f"Built with {libs}: read (seed format {manifest.seed_format_version}) → normalise → "
        f"deduplicate → write Parquet (schema {manifest.schema_version}, zstd, page index, "
        "content-defined chunking). Same inputs, settings and version give byte-identical files.")
    add("")
    add(f"Settings (hash `{manifest.settings_hash[:16]}`):")
    add("")
    add("| setting | value |")
    add("| --- | --- |")
    for key, value in _flatten(manifest.settings):
        shown = f"`{_cell(json.dumps(value, ensure_ascii=False))}`"
        if key == "pretty_name" and value == "":
            # Unset: the card is titled with the dataset name, as the YAML header says.
            shown = f"`{_cell(json.dumps(pretty_name, ensure_ascii=False))}` (the dataset name)"
        add(f"| `{key}` | {shown} |")
    add("")

    add("## Counts")
    add("")
    add("What each count is counted over: the input files, the `all` config (every accepted "
        "document) or the `default` config (duplicates removed).")
    add("")
    add("| what | counted over | count |")
    add("| --- | --- | ---: |")
    add(f"| files seen | input files | {counts.files_seen} |")
    add(f"| documents accepted | input files | {counts.documents} |")
    add(f"| files rejected | input files | {counts.rejects} |")
    if counts.skipped:
        add(f"| hidden entries skipped | input files | {counts.skipped} |")
    for rule, n in counts.rejects_by_rule.items():
        add(f"| rejected: {rule} | input files | {n} |")
    add(f"| duplicate clusters | `all` | {counts.clusters} |")
    for relation, n in counts.relations.items():
        add(f"| relation {relation} | `all` | {n} |")
    for language, n in counts.languages.items():
        add(f"| language {language} | `default` | {n} |")
    for config, n in counts.rows.items():
        add(f"| rows | `{config}` | {n} |")
    add("")

    add("## Duplicate clusters")
    add("")
    if not clusters:
        add("No duplicates were found.")
    else:
        add("Each cluster keeps its canonical document in `default`; the others are in "
            "`duplicates` (and so in `all`), with `duplicate_of` naming the canonical document. "
            "Every member's measures "
            f"and aligned passages are in `{CLUSTERS}`.")
        for cluster_id in list(clusters)[:LIST_LIMIT]:
            add("")
            add(f"Cluster `{cluster_id}`:")
            add("")
            reason = next((m.kept_because for m in clusters[cluster_id] if m.kept_because), "")
            if reason:
                add(f"Kept `{cluster_id}` because {reason}.")
                add("")
            links = [m.score for m in clusters[cluster_id] if m.relation != "canonical"]
            if links:
                add(f"Every member is verified against the canonical document; the weakest "
                    f"link scores {min(links):.3f}.")
                add("")
            add("| id | relation | score | path | title |")
            add("| --- | --- | ---: | --- | --- |")
            for m in clusters[cluster_id]:
                add(f"| {m.id} | {m.relation} | {m.score:.3f} | `{_cell(m.path)}` | "
                    f"{_cell(m.title)} |")
            for m in clusters[cluster_id]:
                if m.evidence is not None:
                    canonical, member, similarity = m.evidence
                    add("")
                    add(f"Evidence for {m.id}: {m.aligned} aligned sentences; the closest pair "
                        f"(similarity {similarity:.2f}):")
                    add("")
                    add(f"> {m.compared_with or 'canonical'}: {_excerpt(canonical)}")
                    add(">")
                    add(f"> {m.id}: {_excerpt(member)}")
        out.extend(_more(max(len(clusters), counts.clusters), LIST_LIMIT, "the `all` config"))
    add("")

    add("## Rejects")
    add("")
    if not rejects:
        add("Every input file was accepted.")
    else:
        add(f"These files were not accepted; all of them are in `{REJECTS}` "
            "(columns path, line, rule, message, offset).")
        add("")
        add("| path | line | rule | reason |")
        add("| --- | ---: | --- | --- |")
        for r in rejects[:LIST_LIMIT]:
            add(f"| `{_cell(r.path)}` | {r.line} | {r.rule} | {_cell(r.message)} |")
        out.extend(_more(len(rejects), LIST_LIMIT, f"`{REJECTS}`"))
    add("")

    add("## Schema")
    add("")
    add("Both configs have the same columns, one per field of `corpus.Document` "
        f"(schema version {manifest.schema_version}); no column is ever null.")
    add("")
    add("| column | type | meaning |")
    add("| --- | --- | --- |")
    for line in schema_description():
        name, kind = line.split(": ", 1)
        add(f"| `{name}` | `{_cell(kind)}` | {_cell(COLUMN_DESCRIPTIONS.get(name, ''))} |")
    add("")

    add("## Changelog")
    add("")
    for entry in reversed(manifest.changelog):
        since = f" (from {entry.previous})" if entry.previous else ""
        add(f"- **{entry.version}**{since}: {entry.summary()}.")
    if diff is not None:
        out.extend(_diff_details(diff))
    add("")
    return "\n".join(out)


def _diff_details(diff: ReleaseDiff) -> list[str]:
    lines: list[str] = []
    sections = (
        ("Added", [f"{d.id} (`{_cell(d.path)}`)" for d in diff.added]),
        ("Removed", [f"{d.id} (`{_cell(d.path)}`)" for d in diff.removed]),
        ("Changed", [f"{c.id} (`{_cell(c.path)}`): {', '.join(c.fields)}" for c in diff.changed]),
        ("Clusters added", [_cluster_line(c.canonical, c.after) for c in diff.clusters_added]),
        ("Clusters removed", [_cluster_line(c.canonical, c.before) for c in diff.clusters_removed]),
        ("Clusters changed", [
            f"{_cluster_line(c.canonical, c.before)} → {_members(c.after)}"
            for c in diff.clusters_changed
        ]),
    )
    for title, items in sections:
        if items:
            lines += ["", f"{title} in this version:", ""]
            lines += [f"- {item}" for item in items[:LIST_LIMIT]]
            lines += _more(len(items), LIST_LIMIT, "`corpus diff`")
    return lines


def _members(members: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{doc_id} ({relation})" for doc_id, relation in members)


def _cluster_line(canonical: str, members: Sequence[tuple[str, str]]) -> str:
    return f"canonical {canonical}: {_members(members)}"


def _flatten(settings: Mapping[str, object], prefix: str = "") -> list[tuple[str, object]]:
    items: list[tuple[str, object]] = []
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            items += _flatten(value, f"{name}.")
        else:
            items.append((name, value))
    return items
