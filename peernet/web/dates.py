"""Moments shown to people: in the service's time zone, written the local way."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

_FORMATS = {"nl": "%d-%m-%Y %H:%M", "en": "%Y-%m-%d %H:%M"}


def local_time(moment: datetime | None, timezone: ZoneInfo, locale: str) -> str:
    """``12-11-2026 17:30`` on Dutch pages, ``2026-11-12 17:30`` on English ones."""
    if moment is None:
        return ""
    return moment.astimezone(timezone).strftime(_FORMATS.get(locale, _FORMATS["nl"]))
