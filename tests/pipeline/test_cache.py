"""The incremental cache's store: values come back as they were put, whatever their size."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.pipeline.cache import Cache, _pack, _unpack


@given(st.binary(max_size=2048))
def test_packing_round_trips_small_and_large_values(data: bytes) -> None:
    assert _unpack(_pack(data)) == data


def test_small_values_are_stored_raw_and_large_ones_compressed() -> None:
    small, large = b"\xff" * 100, b"news " * 1000
    assert _pack(small).endswith(small)
    assert len(_pack(large)) < len(large) // 4
    assert _unpack(_pack(large)) == large


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(st.binary(min_size=1, max_size=16),
                       st.one_of(st.text(), st.binary(max_size=4096), st.integers()),
                       max_size=20))
def test_values_come_back_by_key_in_their_namespace(values: dict[bytes, object]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        cache = Cache(Path(folder) / "c.sqlite", "ns")
        cache.put("doc", values.items())
        assert cache.get("doc", [*values, b"missing-key"]) == values
        assert Cache(Path(folder) / "c.sqlite", "other").get("doc", values) == {}
        cache.close()
