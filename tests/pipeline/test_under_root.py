"""``_under``: whether a real path lies in the corpus root, as ``os.path.commonpath`` says."""

from __future__ import annotations

import os
import posixpath

from hypothesis import given
from hypothesis import strategies as st

from corpus.pipeline.stages import _under

_PARTS = st.lists(st.sampled_from(["a", "b", "ab", "a b", "é", "a.b", "..a"]), max_size=4)


@given(_PARTS, _PARTS)
def test_the_prefix_test_agrees_with_the_common_path(root: list[str], path: list[str]) -> None:
    root_text = posixpath.join("/", *root)
    path_text = posixpath.join("/", *path)
    expected = path_text == root_text or os.path.commonpath([path_text, root_text]) == root_text
    assert _under(path_text, root_text) is expected


def test_a_sibling_with_the_root_as_prefix_is_outside() -> None:
    assert _under("/data/corpus", "/data/corpus")
    assert _under("/data/corpus/a.txt", "/data/corpus")
    assert not _under("/data/corpus2/a.txt", "/data/corpus")
    assert not _under("/data", "/data/corpus")
    assert _under("/anything", "/")
