from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from peernet.web.dates import half_up, local_date, local_time, month, number, percent

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


def test_halves_round_up_as_people_round_them() -> None:
    # Python's round and Babel round halves to even: 1 of 40 was "2%", 1 of 8 "12%".
    assert (percent(1 / 40, "nl"), percent(1 / 8, "nl"), percent(0.145, "en")) == (
        "3%",
        "13%",
        "15%",
    )
    assert percent(1 / 80, "nl", 1) == "1,3%"
    assert (number(2.5, "nl", 0), number(0.125, "en", 2), number(-2.5, "nl", 0)) == (
        "3",
        "0.13",
        "-3",
    )
    assert half_up(0.285, 2) == Decimal("0.29")  # the float is a hair below 0.285
    assert number(1234.5, "nl") == "1.234,5"  # without digits: as it is


def test_months_in_the_readers_language() -> None:
    assert (month("2026-11", "nl"), month("2026-11", "en")) == ("november 2026", "November 2026")
    assert month("2026-03", "nl", short=True) == "mrt 2026"  # Babel's "mrt." without the dot
    assert month("2026-10", "en", short=True) == "Oct 2026"
