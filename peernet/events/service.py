from __future__ import annotations

import re
from datetime import date

from tortoise.exceptions import IntegrityError

from peernet import clock
from peernet.errors import Conflict, FieldErrors, NotFound, PeernetError
from peernet.events.models import Event

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class EventClosed(PeernetError):
    status_code = 410
    code = "signup_closed"

    def __init__(self, event: Event) -> None:
        super().__init__(f"sign-up for {event.slug!r} is closed")
        self.event = event


async def create_event(
    *, slug: str, title: str, on: date, place: str, organiser: str = "", is_open: bool = True
) -> Event:
    errors = {}
    if not SLUG.match(slug):
        errors["slug"] = "use 1-64 lower-case letters, digits and hyphens"
    if not title.strip() or len(title) > 200:
        errors["title"] = "required, at most 200 characters"
    if not place.strip() or len(place) > 200:
        errors["place"] = "required, at most 200 characters"
    if errors:
        raise FieldErrors(errors)
    try:
        return await Event.create(
            slug=slug,
            title=title.strip(),
            date=on,
            place=place.strip(),
            organiser=organiser.strip(),
            is_open=is_open,
            created_at=clock.now(),
        )
    except IntegrityError:
        raise Conflict(f"an event with slug {slug!r} already exists") from None


async def get_event(slug: str) -> Event:
    event = await Event.get_or_none(slug=slug)
    if event is None:
        raise NotFound(f"no event with slug {slug!r}")
    return event


async def get_open_event(slug: str) -> Event:
    """The event to sign up through; raises :class:`EventClosed` when sign-up has closed."""
    event = await get_event(slug)
    if not event.is_open:
        raise EventClosed(event)
    return event
