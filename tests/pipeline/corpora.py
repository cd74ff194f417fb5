"""A corpus of a few hundred documents that looks real: the seeds, the dedup development set
(copies, rewrites and independent texts on the same topics), variants of them, and bad files."""

from __future__ import annotations

import hashlib
import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEVSET = REPO / "benchmarks" / "data" / "dedup_dev" / "corpus"


def _id(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()[:16]


def mixed_corpus(root: Path, variants: int = 2) -> Path:
    """Write the mixed corpus into ``root`` and return it.

    Per development-set file: the file itself and ``variants`` derived ones (its paragraphs
    cut short, or its body paragraphs reordered), so there are exact-ish copies, near copies
    and rewrites across shards; plus a few files every reader rejects.
    """
    root.mkdir(parents=True, exist_ok=True)
    for path in sorted((REPO / "seeds").glob("*.txt")):
        shutil.copyfile(path, root / path.name)
    rng = random.Random(7)
    seq = 1000
    for path in sorted(DEVSET.glob("*.txt")):
        shutil.copyfile(path, root / path.name)
        lines = path.read_text(encoding="utf-8").splitlines()
        for k in range(variants):
            head, body = lines[:1], lines[1:]
            if k % 2 == 0:
                body = body[: max(1, len(body) * 3 // 4)]  # a truncated copy
            else:
                body = body[:]
                rng.shuffle(body)  # same paragraphs, another order
            seq += 1
            name = f"{seq}_{_id(f'{path.name}/{k}')}.txt"
            (root / name).write_text("\n".join(head + body) + "\n", encoding="utf-8")
    (root / "notes.txt").write_text("not an article\n", encoding="utf-8")
    (root / f"0999_{_id('empty')}.txt").write_bytes(b"")
    (root / f"0998_{_id('latin1')}.txt").write_bytes("Caf\xe9 au lait\n".encode("latin-1"))
    return root
