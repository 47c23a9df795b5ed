"""The server clock: the real one and the movable one of tests and the demo sandbox."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from ggzy.core.calendar import SHANGHAI
from ggzy.core.clock import Clock, MovableClock, SystemClock

START = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def test_system_clock_gives_aware_utc_now() -> None:
    now = SystemClock().now()
    assert now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_both_clocks_satisfy_the_clock_protocol() -> None:
    assert isinstance(SystemClock(), Clock)
    assert isinstance(MovableClock(START), Clock)


def test_movable_clock_starts_at_the_given_instant_in_utc() -> None:
    clock = MovableClock(datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI))
    assert clock.now() == START
    assert clock.now().tzinfo is UTC


def test_movable_clock_stands_still_until_moved() -> None:
    clock = MovableClock(START)
    assert clock.now() == clock.now() == START


def test_advance_moves_forwards() -> None:
    clock = MovableClock(START)
    assert clock.advance(days=20, hours=1) == START + timedelta(days=20, hours=1)
    assert clock.now() == START + timedelta(days=20, hours=1)


def test_advance_refuses_to_move_backwards() -> None:
    clock = MovableClock(START)
    with pytest.raises(ValueError):
        clock.advance(minutes=-1)
    assert clock.now() == START


def test_set_jumps_forwards() -> None:
    clock = MovableClock(START)
    clock.set(datetime(2026, 5, 1, tzinfo=UTC))
    assert clock.now() == datetime(2026, 5, 1, tzinfo=UTC)


def test_set_refuses_to_move_backwards() -> None:
    clock = MovableClock(START)
    with pytest.raises(ValueError):
        clock.set(START - timedelta(seconds=1))


def test_set_moves_backwards_when_allowed() -> None:
    clock = MovableClock(START)
    clock.set(START - timedelta(days=1), allow_backwards=True)
    assert clock.now() == START - timedelta(days=1)


def test_movable_clock_refuses_a_naive_start() -> None:
    with pytest.raises(ValueError):
        MovableClock(datetime(2026, 3, 2, 9, 30))


def test_set_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError):
        MovableClock(START).set(datetime(2026, 5, 1))


def test_concurrent_advances_are_all_counted() -> None:
    clock = MovableClock(START)

    def tick() -> None:
        for _ in range(1000):
            clock.advance(seconds=1)

    threads = [threading.Thread(target=tick) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.now() == START + timedelta(seconds=8000)
