"""The server clock (服务器时钟): the system clock in production, a movable one in tests and demos.

>>> clock = MovableClock(datetime(2026, 3, 2, 1, 30, tzinfo=UTC))
>>> clock.advance(days=20).isoformat()
'2026-03-22T01:30:00+00:00'
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Anything with now() -> timezone-aware UTC datetime, e.g. SystemClock()."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


def _aware_utc(dt: datetime) -> datetime:
    """Refuse naive datetimes; convert aware ones to UTC."""
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, not {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime refused: give a timezone-aware datetime")
    return dt.astimezone(UTC)


class SystemClock:
    """The real clock, e.g. SystemClock().now() -> datetime(..., tzinfo=UTC)."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(UTC)


class MovableClock:
    """A clock that moves only when told, never backwards unless asked, e.g. .advance(hours=1)."""

    def __init__(self, start: datetime) -> None:
        self._now = _aware_utc(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The clock's current instant in UTC."""
        with self._lock:
            return self._now

    def set(self, dt: datetime, *, allow_backwards: bool = False) -> datetime:
        """Jump to dt, e.g. set(datetime(2026, 5, 1, tzinfo=UTC)); earlier needs allow_backwards."""
        target = _aware_utc(dt)
        with self._lock:
            if target < self._now and not allow_backwards:
                raise ValueError(
                    f"the clock does not move backwards ({self._now.isoformat()} -> "
                    f"{target.isoformat()}); pass allow_backwards=True"
                )
            self._now = target
            return target

    def advance(self, **timedelta_kwargs: float) -> datetime:
        """Move forwards, e.g. advance(days=3, hours=2); returns the new instant."""
        delta = timedelta(**timedelta_kwargs)
        if delta < timedelta(0):
            raise ValueError(f"the clock does not move backwards (advance by {delta})")
        with self._lock:
            self._now += delta
            return self._now
