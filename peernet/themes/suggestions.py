"""For a coordinator planning a session in a unit: the themes with the largest gap (wanting
to learn minus knowing well) in that unit and its neighbours, and who there knows them well
and agreed to be asked to co-host (the optional ``cohost`` consent)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from peernet.attendees.consents import COHOST, holding
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.events.announcements import units_near
from peernet.themes.service import counted_attendees

TOP = 5


@dataclass(frozen=True)
class CoHost:
    attendee: Attendee
    themes: tuple[str, ...]  # of the suggested ones, those they know well


@dataclass(frozen=True)
class Suggestions:
    themes: list[str]  # largest gap first; only themes more want to learn than know
    cohosts: list[CoHost]


async def suggestions_for(unit: str) -> Suggestions:
    near = units_near(unit)
    # The gap counts only people who agreed to be counted in statistics; no counts are shown.
    gap: Counter[str] = Counter()
    for person in await counted_attendees():
        if person.region in near:
            gap.update(person.gaps)
            gap.subtract(person.expertise)
    themes = [t for t, g in sorted(gap.items(), key=lambda i: (-i[1], i[0])) if g > 0][:TOP]
    nearby = await Attendee.filter(
        status=AttendeeStatus.ACTIVE, erased_at__isnull=True, region__in=sorted(near)
    ).order_by("name", "id")
    willing = await holding(COHOST, [a.id for a in nearby])
    cohosts = []
    for person in nearby:
        known = tuple(t for t in themes if t in person.expertise)
        if person.id in willing and known:
            cohosts.append(CoHost(person, known))
    cohosts.sort(key=lambda c: (-len(c.themes), c.attendee.region != unit, c.attendee.name))
    return Suggestions(themes, cohosts[:10])
