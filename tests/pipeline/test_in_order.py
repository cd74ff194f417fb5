"""The writer threads of the write stage: calls run in order, at most a few behind, and a
failure is raised, never lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.pipeline.build import _InOrder


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(), max_size=40), st.integers(min_value=1, max_value=6))
def test_every_value_is_handled_once_in_order(values: list[int], ahead: int) -> None:
    seen: list[int] = []
    with _InOrder(seen.append, ahead=ahead) as call:
        for value in values:
            call(value)
    assert seen == values


def _calls_made_before_waiting(make: Callable[[Callable[[int], None]], _InOrder],
                               expected: int) -> tuple[int, list[int]]:
    """Feed 10 values to the ``_InOrder`` that ``make`` builds around a call that blocks until
    released: how many calls the caller made before it had to wait (once ``expected`` were
    made, or 10 s passed, however slow the machine), and the values handled in the end."""
    release = threading.Event()
    started: list[int] = []
    calls = 0

    def slow(value: int) -> None:
        started.append(value)
        release.wait(5)

    def feed(call: _InOrder) -> None:
        nonlocal calls
        for value in range(10):
            call(value)
            calls += 1

    with make(slow) as call:
        feeder = threading.Thread(target=feed, args=(call,))
        feeder.start()
        deadline = time.monotonic() + 10
        while calls < expected and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        made = calls
        release.set()
        feeder.join(5)
    assert calls == 10
    return made, started


def test_the_caller_is_never_more_than_ahead_calls_in_front() -> None:
    made, started = _calls_made_before_waiting(lambda fn: _InOrder(fn, ahead=3), 3)
    assert made == 3  # the fourth call waits for the first to finish
    assert started == list(range(10))


def test_a_failure_in_the_thread_is_raised_by_a_later_call_or_on_exit() -> None:
    def failing(value: int) -> None:
        if value == 2:
            raise OSError(28, "No space left on device")

    def run(count: int, ahead: int) -> None:
        with _InOrder(failing, ahead=ahead) as call:
            for value in range(count):
                call(value)
                time.sleep(0.001)

    with pytest.raises(OSError, match="No space left"):
        run(3, 4)  # raised on exit
    with pytest.raises(OSError, match="No space left"):
        run(50, 2)  # raised by a later call


def test_the_caller_is_never_more_than_budget_bytes_in_front() -> None:
    """With a byte budget, the caller runs as many calls ahead as their values' sizes allow
    (the write stage's budget is a row group): here 3 values of 40 bytes, under 100."""
    made, started = _calls_made_before_waiting(
        lambda fn: _InOrder(fn, ahead=100, size=lambda value: 40, budget=100), 3)
    assert made == 3  # 120 bytes held: the fourth call waits
    assert started == list(range(10))


def test_a_step_runs_after_the_values_before_it_beside_the_other_writer() -> None:
    """The write stage closes both configs' writers with ``then``: each runs on its own
    thread after that writer's last row, the two at once (a barrier of two would time out if
    one close waited for the other), and a failing close is raised on exit."""
    barrier = threading.Barrier(2, timeout=5)
    seen: dict[str, list[object]] = {"a": [], "b": []}

    def closing(name: str) -> Callable[[], None]:
        def close() -> None:
            seen[name].append("closed")
            barrier.wait()
        return close

    with _InOrder(seen["a"].append, ahead=2) as a, _InOrder(seen["b"].append, ahead=2) as b:
        for value in range(5):
            a(value)
            b(value)
        a.then(closing("a"))
        b.then(closing("b"))
    assert seen == {"a": [0, 1, 2, 3, 4, "closed"], "b": [0, 1, 2, 3, 4, "closed"]}

    def failing() -> None:
        raise OSError(28, "No space left on device")

    def close_failing() -> None:
        with _InOrder(seen["a"].append) as call:
            call(5)
            call.then(failing)

    with pytest.raises(OSError, match="No space left"):
        close_failing()
