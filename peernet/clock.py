"""The one source of "now". Tests swap it (``tests/peernet/conftest.py``) instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current moment, always timezone-aware UTC."""
    return _now()


def set_clock(clock: Callable[[], datetime]) -> None:
    global _now
    _now = clock


def reset_clock() -> None:
    set_clock(lambda: datetime.now(UTC))
