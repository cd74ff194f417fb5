"""Reading back what a report page holds: the index and the inline cluster details."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_SCRIPT = re.compile(r'<script type="application/json" id="([\w-]+)">(.*?)</script>', re.S)


def scripts(page: Path) -> dict[str, Any]:
    """The JSON data blocks of ``page`` by element id (``report-index``, ``chunk-0``, ...)."""
    text = page.read_text(encoding="utf-8")
    return {name: json.loads(body) for name, body in _SCRIPT.findall(text)}


def external_chunk(path: Path) -> tuple[int, dict[str, Any]]:
    """The chunk number and details held by a ``clusters-NNNNN.js`` file."""
    text = path.read_text(encoding="utf-8")
    match = re.fullmatch(r"corpusReport\.chunk\((\d+),(.*)\);\n", text, re.S)
    assert match is not None, text[:200]
    return int(match[1]), json.loads(match[2])
