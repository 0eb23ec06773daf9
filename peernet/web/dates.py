"""Dates, times and numbers shown to people, in the reader's language (Babel's CLDR data):
"12 nov 2026 17:30" on Dutch pages, "12 Nov 2026, 17:30" on English ones."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

# The interface's languages as CLDR locales: Dutch as in the Netherlands, English as in
# Europe (day before month).
_CLDR = {"nl": "nl_NL", "en": "en_GB"}
# A medium date with hours and minutes (CLDR's medium time has seconds, which nobody needs).
_TIME_PATTERN = {"nl": "d MMM y HH:mm", "en": "d MMM y, HH:mm"}


def _cldr(locale: str) -> str:
    return _CLDR.get(locale, _CLDR["nl"])


def local_time(moment: datetime | None, timezone: ZoneInfo, locale: str) -> str:
    """A moment in the service's time zone: "12 nov 2026 17:30"."""
    if moment is None:
        return ""
    pattern = _TIME_PATTERN.get(locale, _TIME_PATTERN["nl"])
    return format_datetime(moment.astimezone(timezone), pattern, locale=_cldr(locale))


def local_date(day: date | None, locale: str, *, length: str = "long") -> str:
    """A calendar day: "3 december 2026" (nl) or "3 December 2026" (en)."""
    if day is None:
        return ""
    return format_date(day, length, locale=_cldr(locale))


def half_up(value: float, digits: int = 0) -> Decimal:
    """``value`` rounded as people round, halves away from zero: 2.5 -> 3, 0.125 -> 0.13
    (Python's ``round`` and Babel round halves to even: 2.5 -> 2). From the float's shortest
    decimal form, so 0.285 rounds to 0.29 although the float is slightly below it."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def number(value: float, locale: str, digits: int | None = None) -> str:
    """1234.5 -> "1.234,5" (nl) or "1,234.5" (en); with ``digits``, rounded half up to
    that many decimals first (:func:`half_up`)."""
    shown = value if digits is None else half_up(value, digits)
    return format_decimal(shown, locale=_cldr(locale))


def percent(share: float, locale: str, decimals: int = 0) -> str:
    """0.857 -> "86%", or with one decimal "85,7%" (nl) and "85.7%" (en); Babel places
    the sign and the decimal mark the local way."""
    pattern = "#,##0%" if decimals <= 0 else "#,##0." + "0" * decimals + "%"
    with localcontext(rounding=ROUND_HALF_UP):  # 2.5% -> "3%", as people round
        return format_percent(share, pattern, locale=_cldr(locale))


def month(period: str, locale: str, *, short: bool = False) -> str:
    """ "2026-11" -> "november 2026" (nl) or "November 2026" (en); short: "nov 2026" or
    "Nov 2026", for a chart's axis."""
    year, number = (int(part) for part in period.split("-"))
    pattern = "LLL y" if short else "LLLL y"
    return format_date(date(year, number, 1), pattern, locale=_cldr(locale)).replace(".", "")
