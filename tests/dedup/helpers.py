"""Builders for dedup tests: documents from text, copies of seeds with known edits."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from corpus import Document, parse

DATA = Path(__file__).resolve().parent / "data"
SEEDS = Path(__file__).resolve().parent.parent.parent / "seeds"


def doc_id(label: str) -> str:
    """A stable 16-hex-digit id derived from ``label``."""
    return hashlib.sha256(label.encode()).hexdigest()[:16]


def make_doc(paragraphs: list[str], seq: int, label: str, *, ending: str = "\n",
             bom: bool = False) -> Document:
    """A document whose body is ``paragraphs`` (one per line), named ``<seq>_<id(label)>.txt``."""
    text = ending.join(paragraphs) + ending
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    return parse(data, f"{seq:03d}_{doc_id(label)}.txt")


def seed_docs() -> list[Document]:
    """The five seed documents, in file order."""
    return [parse(p.read_bytes(), p.name) for p in sorted(SEEDS.glob("*.txt"))]


def seed_bytes(number: int) -> bytes:
    """The raw bytes of seed ``number`` (0-4)."""
    return sorted(SEEDS.glob("*.txt"))[number].read_bytes()


def relabel(data: bytes, seq: int, label: str) -> Document:
    """Parse ``data`` as a new file ``<seq>_<id(label)>.txt``."""
    return parse(data, f"{seq:03d}_{doc_id(label)}.txt")


@dataclass(frozen=True)
class Topic:
    """One hand-written topic: a source, a light and a heavy rewrite, an independent text."""

    name: str
    source: list[str]
    light: list[str]
    heavy: list[str]
    independent: list[str]


def topics() -> list[Topic]:
    """The hand-written rewrite topics of ``data/rewrites.json``."""
    raw = json.loads((DATA / "rewrites.json").read_text(encoding="utf-8"))
    return [Topic(t["name"], t["source"], t["light"], t["heavy"], t["independent"])
            for t in raw["topics"]]


#: The repository's labelled dedup sets (``benchmarks/data/<name>``: ``corpus/`` and
#: ``labels-*.json``) and its seeds.
LABELLED = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@cache
def set_labels(name: str) -> Mapping[str, Mapping[str, object]]:
    """Every label of the labelled set ``name`` (``dedup_dev``, ``dedup_validation``), by id
    (read once per test process)."""
    labels: dict[str, dict[str, object]] = {}
    for part in sorted((LABELLED / name).glob("labels-*.json")):
        for item in json.loads(part.read_text("utf-8")):
            labels[str(item["id"])] = item
    return labels


@cache
def set_documents(name: str) -> tuple[Document, ...]:
    """Every text of the labelled set ``name`` with the seeds, parsed (once per test process)."""
    paths = sorted((LABELLED / name / "corpus").glob("*.txt")) + sorted(SEEDS.glob("*.txt"))
    docs = []
    for path in paths:
        doc = parse(path.read_bytes(), path.name)
        assert isinstance(doc, Document), doc
        docs.append(doc)
    return tuple(docs)
