"""Events: the training afternoons people sign up through. Created, edited, closed and
reopened by coordinators (pages or command line); every change is in the audit log."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from peernet import clock
from peernet.attendees.models import Signup
from peernet.audit.service import record
from peernet.coordinators.models import Coordinator
from peernet.errors import Conflict, FieldErrors, NotFound, PeernetError
from peernet.events.models import Event
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
TEXT_MAX = 200
DESCRIPTION_MAX = 2000
# What the event form says of a text that is too long ("at most 200 characters").
TEXT_LIMITS = {
    "title": TEXT_MAX,
    "place": TEXT_MAX,
    "organiser": TEXT_MAX,
    "description": DESCRIPTION_MAX,
}
CAPACITY_MAX = 10_000
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class EventClosed(PeernetError):
    status_code = 410
    code = "signup_closed"

    def __init__(self, event: Event) -> None:
        super().__init__(f"sign-up for {event.slug!r} is closed")
        self.event = event


class StaleEdit(Conflict):
    """Someone else saved the event after this form was opened."""

    code = "stale_edit"

    def __init__(self, event: Event) -> None:
        super().__init__(f"event {event.slug!r} was changed by someone else")
        self.event = event


@dataclass(frozen=True)
class EventDetails:
    """What a coordinator fills in; checked by :func:`check_details`."""

    title: str
    on: date
    place: str
    organiser: str
    region: str | None
    signup_until: date | None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    description: str = ""
    capacity: int | None = None
    published: bool = False

    def as_fields(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "date": self.on,
            "place": self.place,
            "organiser": self.organiser,
            "region": self.region,
            "signup_until": self.signup_until,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "description": self.description,
            "capacity": self.capacity,
            "published": self.published,
        }


def local_today(settings: Settings) -> date:
    """Today in the service's time zone: a sign-up "until 3 December" ends at local midnight."""
    return clock.now().astimezone(settings.timezone).date()


def signup_is_open(event: Event, today: date) -> bool:
    return event.is_open and (event.signup_until is None or today <= event.signup_until)


def _text(errors: dict[str, str], field: str, value: str, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        errors[field] = "required"
    elif len(value) > TEXT_MAX:
        errors[field] = "too_long"
    elif _CONTROL.search(value):
        errors[field] = "invalid_characters"
    return value


def _date(errors: dict[str, str], field: str, value: object, *, required: bool) -> date | None:
    if isinstance(value, date):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            errors[field] = "required"
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = "invalid_date"
        return None


def _time(errors: dict[str, str], field: str, value: object) -> time | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return None
    if not _TIME.match(text):
        errors[field] = "invalid_time"
        return None
    return time.fromisoformat(text)


def _capacity(errors: dict[str, str], value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            return None
        if not text.isdigit():
            errors["capacity"] = "invalid_number"
            return None
        number = int(text)
    if not 1 <= number <= CAPACITY_MAX:
        errors["capacity"] = "out_of_range"
        return None
    return number


def _published(value: object) -> bool:
    return value is True or value in ("on", "1", "true", "yes")


def check_details(
    raw: Mapping[str, object], *, region_required: bool, tz: tzinfo | None = None
) -> EventDetails:
    """Check a form's (or the command line's) values; every bad field is named at once.

    Dates may be :class:`date` objects or ISO strings (what an ``<input type=date>`` sends);
    ``starts`` and ``ends`` are local times of that day (``HH:MM``, in ``tz``, which the
    caller must give with them: the service's time zone, ``settings.timezone``).
    """
    errors: dict[str, str] = {}

    def text(field: str) -> str:
        value = raw.get(field)
        return value if isinstance(value, str) else ""

    title = _text(errors, "title", text("title"), required=True)
    place = _text(errors, "place", text("place"), required=True)
    organiser = _text(errors, "organiser", text("organiser"), required=False)
    on = _date(errors, "date", raw.get("date"), required=True)
    until = _date(errors, "signup_until", raw.get("signup_until"), required=False)
    region = text("region").strip() or None
    if region is None:
        if region_required:
            errors["region"] = "required"
    elif region not in get_taxonomy().regions:
        errors["region"] = "unknown_choice"
    # People sign up during and after the afternoon (the QR code on the last slide), so
    # closing sign-up before the event itself would only make the room's QR code useless.
    if on is not None and until is not None and until < on:
        errors["signup_until"] = "signup_before_event"
    starts = _time(errors, "starts", raw.get("starts"))
    ends = _time(errors, "ends", raw.get("ends"))
    if ends is not None and starts is None and "starts" not in errors:
        errors["starts"] = "required"
    if starts is not None and ends is not None and ends <= starts:
        errors["ends"] = "ends_before_start"
    description = raw.get("description")
    description = description.strip().replace("\r\n", "\n") if isinstance(description, str) else ""
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = "too_long"
    elif re.search(r"[\x00-\x09\x0b-\x1f\x7f]", description):
        errors["description"] = "invalid_characters"
    capacity = _capacity(errors, raw.get("capacity"))
    if errors:
        raise FieldErrors(errors)
    assert on is not None
    if (starts or ends) is not None and tz is None:
        raise ValueError("check_details: times need the service's time zone (tz=)")
    return EventDetails(
        title,
        on,
        place,
        organiser,
        region,
        until,
        starts_at=datetime.combine(on, starts, tz) if starts is not None else None,
        ends_at=datetime.combine(on, ends, tz) if ends is not None else None,
        description=description,
        capacity=capacity,
        published=_published(raw.get("published")),
    )


def slug_base(title: str, on: date) -> str:
    """ "Terugkomdag OMEI Utrecht" on 12 Nov 2026 -> "terugkomdag-omei-utrecht-2026-11-12"."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = _NOT_SLUG.sub("-", ascii_title.lower()).strip("-")
    # Room for the date (10), a hyphen and a "-99" de-duplication suffix in 64 characters.
    words = words[:50].rstrip("-")
    return f"{words}-{on.isoformat()}" if words else on.isoformat()


async def _free_slug(base: str) -> str:
    taken = {
        str(slug)
        for slug in await Event.filter(slug__startswith=base).values_list("slug", flat=True)
    }
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _audit_details(event: Event) -> dict[str, Any]:
    return {
        "title": event.title,
        "date": event.date.isoformat(),
        "place": event.place,
        "organiser": event.organiser,
        "region": event.region,
        "signup_until": event.signup_until.isoformat() if event.signup_until else None,
        "starts_at": event.starts_at.isoformat() if event.starts_at else None,
        "ends_at": event.ends_at.isoformat() if event.ends_at else None,
        "capacity": event.capacity,
        "published": event.published,
    }


async def create_event(
    *,
    title: str,
    on: date,
    place: str,
    slug: str | None = None,
    organiser: str = "",
    region: str | None = None,
    signup_until: date | None = None,
    is_open: bool = True,
    region_required: bool = False,
    coordinator: Coordinator | None = None,
    actor: str | None = None,
    details: EventDetails | None = None,
) -> Event:
    """Create an event (``details``, when given, are checked already and win over the
    single fields: the agenda's times, description, seats and publication); without
    ``slug`` one is made from the title and date (``-2``, ``-3``
    … when taken). The slug never changes afterwards: printed QR codes point at it."""
    errors: dict[str, str] = {}
    # "new" is the address of the new-event form, not an event.
    if slug is not None and (not SLUG.match(slug) or slug == "new"):
        errors["slug"] = "invalid_slug"
    try:
        checked = check_details(
            {
                "title": title,
                "date": on,
                "place": place,
                "organiser": organiser,
                "region": region or "",
                "signup_until": signup_until,
            },
            region_required=region_required,
        )
    except FieldErrors as exc:
        errors.update(exc.errors)
    if errors:
        raise FieldErrors(errors)
    details = details or checked
    base = slug_base(details.title, details.on) if slug is None else slug
    for _attempt in range(5):
        candidate = slug or await _free_slug(base)
        now = clock.now()
        try:
            async with in_transaction():
                event = await Event.create(
                    slug=candidate,
                    is_open=is_open,
                    created_at=now,
                    updated_at=now,
                    **details.as_fields(),
                )
                await record(
                    "event.create",
                    coordinator=coordinator,
                    actor=actor,
                    subject=f"event:{event.id}",
                    details={"slug": event.slug, **_audit_details(event)},
                )
            return event
        except IntegrityError:
            if slug is not None:
                raise Conflict(f"an event with slug {slug!r} already exists") from None
            # Someone created an event with the same title and date at this moment.
    raise Conflict(f"could not find a free slug for {base!r}")


async def get_event(slug: str) -> Event:
    # A slug that could never have been made (too long, other characters) names no event;
    # the database is not asked (a too-long value would not even fit the column).
    event = await Event.get_or_none(slug=slug) if SLUG.match(slug) else None
    if event is None:
        raise NotFound(f"no event with slug {slug!r}")
    return event


async def get_open_event(settings: Settings, slug: str) -> Event:
    """The event to sign up through; raises :class:`EventClosed` when a coordinator closed
    it or its last sign-up day (local time) has passed."""
    event = await get_event(slug)
    if not signup_is_open(event, local_today(settings)):
        raise EventClosed(event)
    return event


def version_of(event: Event) -> str:
    """The edit form's hidden version: the moment of the last edit."""
    return event.updated_at.isoformat() if event.updated_at else ""


def _parse_version(version: str) -> datetime | None:
    try:
        return datetime.fromisoformat(version) if version else None
    except ValueError:
        return None


async def update_event(
    slug: str,
    raw: Mapping[str, object],
    *,
    version: str,
    coordinator: Coordinator | None = None,
    actor: str | None = None,
    tz: tzinfo | None = None,
) -> Event:
    """Save an edit made on the form opened at ``version``; :class:`StaleEdit` when the
    event was saved by someone else in between (a conditional update, so two browsers
    saving at once cannot both win)."""
    event = await get_event(slug)
    # An event that has a police unit keeps one; an old event without may stay without.
    details = check_details(raw, region_required=event.region is not None, tz=tz)
    seen = _parse_version(version)
    if version and seen is None:
        raise FieldErrors({"version": "invalid"})
    if version_of(event) != version:
        raise StaleEdit(event)
    now = clock.now()
    # Versions must grow even when the clock stands still or runs behind (tests, NTP).
    if event.updated_at is not None and now <= event.updated_at:
        now = event.updated_at + timedelta(microseconds=1)
    changed = {
        key: value for key, value in details.as_fields().items() if getattr(event, key) != value
    }
    async with in_transaction():
        query = Event.filter(id=event.id)
        query = query.filter(updated_at=seen) if seen is not None else query.filter(updated_at=None)
        # SEQUENCE grows with every saved edit: calendar apps replace their copy.
        fields = {**details.as_fields(), "sequence": F("sequence") + 1}
        if await query.update(updated_at=now, **fields) != 1:
            raise StaleEdit(event)
        await record(
            "event.edit",
            coordinator=coordinator,
            actor=actor,
            subject=f"event:{event.id}",
            details={
                "slug": event.slug,
                "changed": {
                    key: value.isoformat() if isinstance(value, date | datetime) else value
                    for key, value in changed.items()
                },
            },
        )
    return await Event.get(id=event.id)


async def set_open(
    slug: str, is_open: bool, *, coordinator: Coordinator | None = None, actor: str | None = None
) -> bool:
    """Close (or reopen) sign-up; ``True`` if this call changed it. Repeating it, or two
    coordinators pressing at once, changes and logs it once."""
    event = await get_event(slug)
    async with in_transaction():
        changed = await Event.filter(id=event.id, is_open=not is_open).update(is_open=is_open)
        if changed:
            await record(
                "event.reopen" if is_open else "event.close",
                coordinator=coordinator,
                actor=actor,
                subject=f"event:{event.id}",
                details={"slug": event.slug},
            )
    return bool(changed)


async def _signups_per_event(query: QuerySet[Signup]) -> dict[int, int]:
    counted = await query.group_by("event_id").annotate(n=Count("id")).values_list("event_id", "n")
    return {int(event_id): int(n) for event_id, n in counted}


@dataclass(frozen=True)
class EventRow:
    event: Event
    signups: int
    confirmed: int
    upcoming: bool
    open: bool


async def list_events(settings: Settings) -> list[EventRow]:
    """Upcoming events first (soonest first), then past ones (latest first), each with its
    sign-ups and how many of them were confirmed."""
    rows = await _rows(settings, await Event.all().order_by("date", "id"))
    upcoming = [r for r in rows if r.upcoming]
    past = [r for r in rows if not r.upcoming]
    return upcoming + past[::-1]


async def event_row(settings: Settings, event: Event) -> EventRow:
    return (await _rows(settings, [event], Signup.filter(event_id=event.id)))[0]


async def _rows(
    settings: Settings, events: list[Event], signups: QuerySet[Signup] | None = None
) -> list[EventRow]:
    today = local_today(settings)
    query = signups if signups is not None else Signup.all()
    made = await _signups_per_event(query)
    confirmed = await _signups_per_event(query.filter(confirmed_at__isnull=False))
    return [
        EventRow(
            event=e,
            signups=made.get(e.id, 0),
            confirmed=confirmed.get(e.id, 0),
            upcoming=e.date >= today,
            open=signup_is_open(e, today),
        )
        for e in events
    ]


def signup_url(settings: Settings, event: Event) -> str:
    return f"{settings.base_url}/join/{event.slug}"
