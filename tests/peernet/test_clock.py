from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from peernet import clock


@pytest.fixture
def restore_clock() -> Iterator[None]:
    yield
    clock.reset_clock()


@pytest.mark.usefixtures("restore_clock")
def test_a_demo_can_run_days_ahead_and_come_back() -> None:
    clock.shift_clock(15)
    ahead = clock.now() - datetime.now(UTC)
    assert timedelta(days=15) - timedelta(seconds=5) < ahead <= timedelta(days=15)
    clock.shift_clock(0)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
