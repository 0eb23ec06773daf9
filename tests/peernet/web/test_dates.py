from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from peernet.web.dates import local_date, local_time, month, number, percent

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_moments_are_local_and_in_the_readers_language() -> None:
    moment = datetime(2026, 11, 12, 16, 30, tzinfo=UTC)
    assert local_time(moment, AMSTERDAM, "nl") == "12 nov 2026 17:30"
    assert local_time(moment, AMSTERDAM, "en") == "12 Nov 2026, 17:30"
    summer = datetime(2026, 7, 1, 7, 5, tzinfo=UTC)
    assert local_time(summer, AMSTERDAM, "nl") == "1 jul 2026 09:05"
    assert local_time(None, AMSTERDAM, "nl") == ""


def test_days_and_numbers_in_the_readers_language() -> None:
    assert local_date(date(2026, 12, 3), "nl") == "3 december 2026"
    assert local_date(date(2026, 12, 3), "en") == "3 December 2026"
    assert (number(1234.5, "nl"), number(1234.5, "en")) == ("1.234,5", "1,234.5")
    assert percent(0.857, "nl") == "86%"


def test_months_in_the_readers_language() -> None:
    assert (month("2026-11", "nl"), month("2026-11", "en")) == ("november 2026", "November 2026")
    assert month("2026-03", "nl", short=True) == "mrt 2026"  # Babel's "mrt." without the dot
    assert month("2026-10", "en", short=True) == "Oct 2026"
