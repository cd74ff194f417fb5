"""`corpus inspect FILE --json` shows every normalised field, run as a user would."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from corpus import NormalizeConfig, normalize, parse
from corpus.commands.inspect import inspect_payload
from corpus.text.normalize import NORMALIZED_FIELDS

CORPUS = Path(sys.executable).with_name("corpus")


def test_inspect_json_shows_the_normalised_record(seeds_dir: Path) -> None:
    (path,) = seeds_dir.glob("004_*.txt")
    result = subprocess.run(
        [str(CORPUS), "inspect", str(path), "--json"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(NORMALIZED_FIELDS) <= set(payload)
    assert payload["title"].startswith("Swallowing the Red Pill")
    assert payload["authors"] == ["Grigory Ioffe"]
    assert len(payload["headings"]) == 2
    assert payload["bio"].startswith("Grigory Ioffe is Professor Emeritus")
    assert payload["language"] == "en"
    assert payload["language_probability"] > 0.99
    assert payload["text_sha256"] == hashlib.sha256(payload["text"].encode()).hexdigest()
    assert payload["raw_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert payload["normalizer_version"] == NormalizeConfig().version
    assert (payload["bom"], payload["line_ending"]) == (False, "lf")
    assert payload["lines"][1]["text"] == "by Grigory Ioffe"


def test_inspect_payload_lists_quotes_and_keeps_a_normalised_record(seeds_dir: Path) -> None:
    (path,) = seeds_dir.glob("001_*.txt")
    doc = parse(path.read_bytes(), str(path))
    payload = inspect_payload(doc)
    quotes = payload["quotes"]
    assert isinstance(quotes, list)
    assert quotes[1] == {
        "text": "It is hard to imagine the kind of openness that we are showing and ensuring "
        "at the exercise,",
        "attribution": "Viktor Khrenin",
    }
    # An already normalised record is shown as it is, with its own config's version.
    custom = normalize(doc, NormalizeConfig(unicode_form="NFKC"))
    assert inspect_payload(custom)["normalizer_version"] == custom.normalizer_version
    json.dumps(payload)  # JSON-ready as it is
