"""A factory for agenda sessions (published events with times and seats)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from peernet.events.models import Event
from peernet.events.service import check_details, create_event

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


async def a_session(
    slug: str,
    *,
    unit: str = "midden_nederland",
    on: date = date(2026, 12, 10),
    starts: str = "13:00",
    ends: str = "17:00",
    capacity: int | None = 30,
    published: bool = True,
    title: str = "Terugkomdag OMEI",
    description: str = "Workshops en een brainstorm.",
) -> Event:
    details = check_details(
        {
            "title": title,
            "date": on,
            "place": "Stadhuis",
            "organiser": "Expertise-unit",
            "region": unit,
            "starts": starts,
            "ends": ends,
            "capacity": "" if capacity is None else str(capacity),
            "description": description,
            "published": published,
        },
        region_required=True,
        tz=AMSTERDAM,
    )
    return await create_event(
        slug=slug,
        title=details.title,
        on=details.on,
        place=details.place,
        region=unit,
        details=details,
    )
