"""Verification does not depend on how many threads BLAS uses.

The sentence similarities of a pair are one matrix product. OpenBLAS computes it on one
thread or on several, and the last bits of the result differ: in the mixed corpus, the
canonical document of a near group and its copy with reordered paragraphs repeat
sentences, whose similarity came out as 1 + 2e-16 in one process and 1 - 2e-16 in another.
A Dask worker runs BLAS on one thread, the driver on all; the moved passages and the
evidence of that pair then differed (moved passages were computed for near copies then), and
so did ``clusters.parquet``. The similarities are
rounded to 12 decimals, where the two agree.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .corpora import mixed_corpus

#: The mixed corpus's pair whose similarities differed between one and two BLAS threads:
#: a near group's canonical document (a development-set file) and a copy of it whose body
#: paragraphs are reordered.
PAIR = ("721_2f3fd65c17a44b5c.txt", "1456_d2e33e23a631e1f3.txt")

_SCRIPT = """
import hashlib, sys
from pathlib import Path
from corpus import parse
from corpus.dedup.align import _similarity_matrix, build_profile, verify_pair
from corpus.dedup.config import DedupConfig
from corpus.dedup.text import article_text
from corpus.text.keys import hashing_key
from corpus.text.normalize import normalize

def profile(path):
    path = Path(path)
    text = article_text(normalize(parse(path.read_bytes(), path.name)))
    return build_profile(text, hashing_key(text), 5)

a, b = profile(sys.argv[1]), profile(sys.argv[2])
print(hashlib.sha256(_similarity_matrix(a, b).tobytes()).hexdigest())
print(verify_pair(a, b, DedupConfig()))
"""


def _run(threads: int, paths: list[Path]) -> str:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    done = subprocess.run([sys.executable, "-c", _SCRIPT, *map(str, paths)], env=env,
                          capture_output=True, text=True, check=True)
    return done.stdout


def test_similarities_and_verdicts_do_not_depend_on_blas_threads(tmp_path: Path) -> None:
    root = mixed_corpus(tmp_path / "news")
    paths = [root / name for name in PAIR]
    assert all(path.is_file() for path in paths)
    one = _run(1, paths)
    assert "relation=<Relation.NEAR" in one
    assert _run(2, paths) == one
