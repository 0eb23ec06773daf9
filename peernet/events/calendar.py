"""iCalendar (RFC 5545) for the agenda's feeds and the announcement's attachment.

Every session has one UID for life, made from its slug (which never changes: printed QR
codes point at it), and its SEQUENCE grows with every edit, so a calendar app replaces its
copy instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, timedelta

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from peernet.events.models import Event
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy

PRODID = "-//peernet//agenda//NL"


def event_uid(event: Event) -> str:
    return f"event-{event.slug}@peernet"


def agenda_url(settings: Settings, event: Event) -> str:
    return f"{settings.base_url}/agenda#{event.slug}"


def _component(settings: Settings, event: Event, locale: str) -> CalendarEvent:
    item = CalendarEvent()
    item.add("uid", event_uid(event))
    item.add("sequence", event.sequence)
    item.add("dtstamp", (event.updated_at or event.created_at).astimezone(UTC))
    item.add("summary", event.title)
    if event.starts_at is not None:
        item.add("dtstart", event.starts_at.astimezone(UTC))
        item.add("dtend", (event.ends_at or event.starts_at + timedelta(hours=3)).astimezone(UTC))
    else:
        # Only a day is known: an all-day event (DTEND is exclusive).
        item.add("dtstart", event.date)
        item.add("dtend", event.date + timedelta(days=1))
    unit = get_taxonomy().regions.get(event.region or "")
    place = event.place if unit is None else f"{event.place} ({unit.label(locale)})"
    item.add("location", place)
    parts = [event.description] if event.description else []
    if event.organiser:
        parts.append(("Organisator: " if locale == "nl" else "Organiser: ") + event.organiser)
    if parts:
        item.add("description", "\n\n".join(parts))
    item.add("url", agenda_url(settings, event))
    return item


def calendar_of(
    settings: Settings, events: Iterable[Event], *, name: str, locale: str = "nl"
) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(_component(settings, event, locale))
    ical: bytes = cal.to_ical()
    return ical
