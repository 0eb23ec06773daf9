"""The one source of "now". Tests swap it (``tests/peernet/conftest.py``) instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def _utc_now() -> datetime:
    return datetime.now(UTC)


_now: Callable[[], datetime] = _utc_now


def now() -> datetime:
    """The current moment, always timezone-aware UTC."""
    return _now()


def set_clock(clock: Callable[[], datetime]) -> None:
    global _now
    _now = clock


def reset_clock() -> None:
    set_clock(_utc_now)


def shift_clock(days: int) -> None:
    """Run ``days`` ahead of the real time (a demo's time travel); 0 is the real time."""
    if days:
        offset = timedelta(days=days)
        set_clock(lambda: _utc_now() + offset)
    else:
        reset_clock()
