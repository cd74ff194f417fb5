"""``ahead``: the writer's rows made in a thread of their own, the same items in order."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus.pipeline.reuse import ahead


@given(st.lists(st.integers()), st.integers(min_value=1, max_value=5))
def test_items_come_in_order_whatever_the_depth(items: list[int], depth: int) -> None:
    assert list(ahead(iter(items), depth)) == items


def test_a_failure_is_raised_where_its_item_would_have_been() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("broken shard")

    values = ahead(items())
    assert [next(values), next(values)] == [1, 2]
    with pytest.raises(ValueError, match="broken shard"):
        next(values)


def test_the_thread_stops_when_the_caller_stops_early() -> None:
    made: list[int] = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            made.append(n)
            yield n
            n += 1

    before = threading.active_count()
    values = ahead(endless(), depth=2)
    assert [next(values) for _ in range(3)] == [0, 1, 2]
    values.close()
    assert threading.active_count() == before
    assert len(made) <= 3 + 2 + 1  # at most depth items (and one in hand) made ahead
