"""The public agenda: published sessions from today on, soonest first, with seats left."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.functions import Count

from peernet.errors import FieldErrors, NotFound
from peernet.events.models import Event, Registration, RegistrationStatus
from peernet.events.service import local_today
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy


@dataclass(frozen=True)
class AgendaItem:
    event: Event
    registered: int
    waiting: int

    @property
    def seats_left(self) -> int | None:
        """``None``: no limit. Never below 0, also if a coordinator lowered the capacity."""
        if self.event.capacity is None:
            return None
        return max(0, self.event.capacity - self.registered)


def check_unit(unit: str | None, *, field: str = "unit") -> str | None:
    """An empty filter is no filter; an unknown police unit is named as the bad field."""
    if unit is None or unit == "":
        return None
    if unit not in get_taxonomy().regions:
        raise FieldErrors({field: "unknown_choice"})
    return unit


def unit_or_404(unit: str) -> str:
    if unit not in get_taxonomy().regions:
        raise NotFound(f"no police unit {unit!r}")
    return unit


async def registration_counts(event_ids: list[int]) -> dict[tuple[int, str], int]:
    rows = (
        await Registration.filter(event_id__in=event_ids)
        .group_by("event_id", "status")
        .annotate(n=Count("id"))
        .values_list("event_id", "status", "n")
    )
    return {(int(e), str(s)): int(n) for e, s, n in rows}


async def items_for(events: list[Event]) -> list[AgendaItem]:
    counts = await registration_counts([e.id for e in events])
    return [
        AgendaItem(
            event=e,
            registered=counts.get((e.id, RegistrationStatus.REGISTERED.value), 0),
            waiting=counts.get((e.id, RegistrationStatus.WAITING.value), 0),
        )
        for e in events
    ]


async def upcoming(settings: Settings, unit: str | None = None) -> list[AgendaItem]:
    """Published sessions whose day is today (local) or later, optionally in one unit."""
    query = Event.filter(published=True, date__gte=local_today(settings))
    if unit is not None:
        query = query.filter(region=unit)
    events = await query.order_by("date", "starts_at", "id")
    return await items_for(list(events))
