"""Seats and the waiting list of a session.

Every change to a session's registrations runs in one transaction that first locks the
session's row (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite every transaction takes
the write lock at ``BEGIN IMMEDIATE``), so counting the seats taken and taking one cannot
interleave: 50 people racing for the last seat get one seat and 49 places on the waiting
list. One row per attendee and session (unique), so registering twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from notifications import Address
from peernet import clock
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.audit.service import record
from peernet.errors import Gone, NotFound
from peernet.events.models import Event, Registration, RegistrationStatus
from peernet.events.registration_links import registration_url
from peernet.events.service import local_today
from peernet.links import LinkInvalid, page_url
from peernet.outbox.models import OutboxMessage
from peernet.outbox.service import enqueue
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy
from peernet.web.dates import local_date

REMINDER_DAYS_BEFORE = 2
# Who may hold a seat: someone who left, was erased or never confirmed may not.
CAN_REGISTER = (AttendeeStatus.ACTIVE, AttendeeStatus.PAUSED)


class RegistrationClosed(Gone):
    code = "registration_closed"


@dataclass(frozen=True)
class Offer:
    """What a registration link's page shows."""

    attendee: Attendee
    event: Event
    registration: Registration | None
    open: bool


async def _attendee(public_id: str) -> Attendee:
    attendee = await Attendee.get_or_none(public_id=public_id)
    if attendee is None or attendee.status not in CAN_REGISTER or attendee.erased_at:
        raise LinkInvalid("the registration link names no current attendee")
    return attendee


def registration_open(settings: Settings, event: Event) -> bool:
    """Published, and its day has not passed (local time)."""
    return event.published and event.date >= local_today(settings)


async def offer(settings: Settings, public_id: str, slug: str) -> Offer:
    """Read a registration link (GET): nothing changes."""
    attendee = await _attendee(public_id)
    event = await Event.get_or_none(slug=slug)
    if event is None:
        raise NotFound(f"no event {slug!r}")
    registration = await Registration.get_or_none(attendee_id=attendee.id, event_id=event.id)
    return Offer(attendee, event, registration, registration_open(settings, event))


async def _lock(event_id: int) -> Event:
    return await Event.select_for_update().get(id=event_id)


async def _seats_taken(event_id: int) -> int:
    return await Registration.filter(
        event_id=event_id, status=RegistrationStatus.REGISTERED
    ).count()


async def register(settings: Settings, attendee: Attendee, event: Event) -> Registration:
    """Give ``attendee`` a seat, or a place on the waiting list when the session is full.
    Registering again while registered or waiting returns the same row unchanged."""
    now = clock.now()
    for _attempt in range(3):
        try:
            async with in_transaction():
                locked = await _lock(event.id)
                if not registration_open(settings, locked):
                    raise RegistrationClosed(f"registration for {locked.slug!r} is closed")
                existing = await Registration.get_or_none(
                    attendee_id=attendee.id, event_id=locked.id
                )
                if existing is not None and existing.status != RegistrationStatus.CANCELLED:
                    return existing
                full = (
                    locked.capacity is not None and await _seats_taken(locked.id) >= locked.capacity
                )
                status = RegistrationStatus.WAITING if full else RegistrationStatus.REGISTERED
                if existing is None:
                    registration = await Registration.create(
                        attendee_id=attendee.id,
                        event_id=locked.id,
                        status=status,
                        queued_at=now,
                        updated_at=now,
                    )
                else:
                    existing.status = status
                    existing.queued_at = now
                    existing.updated_at = now
                    await existing.save(update_fields=["status", "queued_at", "updated_at"])
                    registration = existing
                await record(
                    "registration.create",
                    actor="attendee",
                    subject=f"event:{locked.id}",
                    details={"attendee": attendee.id, "status": status.value},
                )
                return registration
        except IntegrityError:
            # Only without a row lock (a database that ignores FOR UPDATE): the other
            # request made the row; read it on the next attempt.
            continue
    raise RuntimeError("registration kept conflicting")


async def cancel(
    settings: Settings, attendee: Attendee, event: Event, *, actor: str = "attendee"
) -> list[Registration]:
    """Give up a seat (or a place on the waiting list); repeated, nothing happens. Returns
    the registrations moved up from the waiting list (each told by email)."""
    now = clock.now()
    async with in_transaction():
        locked = await _lock(event.id)
        existing = await Registration.get_or_none(attendee_id=attendee.id, event_id=locked.id)
        if existing is None or existing.status == RegistrationStatus.CANCELLED:
            return []
        existing.status = RegistrationStatus.CANCELLED
        existing.updated_at = now
        await existing.save(update_fields=["status", "updated_at"])
        await record(
            "registration.cancel",
            actor=actor,
            subject=f"event:{locked.id}",
            details={"attendee": attendee.id},
        )
        return await _move_up(settings, locked)


async def fill_from_waiting_list(settings: Settings, event: Event) -> list[Registration]:
    """After the capacity was raised: give the free seats to the waiting list, in order."""
    async with in_transaction():
        return await _move_up(settings, await _lock(event.id))


async def _move_up(settings: Settings, event: Event) -> list[Registration]:
    """Call with the session's row locked."""
    if not registration_open(settings, event):
        return []
    free = None if event.capacity is None else event.capacity - await _seats_taken(event.id)
    waiting = Registration.filter(event_id=event.id, status=RegistrationStatus.WAITING).order_by(
        "queued_at", "id"
    )
    if free is not None:
        if free <= 0:
            return []
        waiting = waiting.limit(free)
    moved = []
    now = clock.now()
    for registration in await waiting:
        registration.status = RegistrationStatus.REGISTERED
        registration.updated_at = now
        await registration.save(update_fields=["status", "updated_at"])
        attendee = await Attendee.get(id=registration.attendee_id)
        await _tell_moved_up(settings, attendee, event, registration)
        moved.append(registration)
    if moved:
        await record(
            "registration.moved_up",
            actor="system",
            subject=f"event:{event.id}",
            details={"attendees": [r.attendee_id for r in moved]},
        )
    return moved


def when(settings: Settings, event: Event, locale: str) -> str:
    """ "10 december 2026, 13:00–17:00" in the service's time zone."""
    tz = settings.timezone
    text = local_date(event.date, locale)
    if event.starts_at is not None:
        text += ", " + event.starts_at.astimezone(tz).strftime("%H:%M")
        if event.ends_at is not None:
            text += "–" + event.ends_at.astimezone(tz).strftime("%H:%M")
    return text


def session_context(settings: Settings, attendee: Attendee, event: Event) -> dict[str, object]:
    """What every session email shows: the session, and the link to register or cancel."""
    return {
        "name": attendee.name,
        "event_title": event.title,
        "event_when": when(settings, event, attendee.locale),
        "event_place": event.place,
        "event_description": event.description,
        "registration_url": registration_url(
            settings, public_id=attendee.public_id, event_slug=event.slug
        ),
        "agenda_url": page_url(settings, "/agenda", attendee.locale),
        "privacy_url": page_url(settings, "/privacy", attendee.locale),
    }


async def _tell_moved_up(
    settings: Settings, attendee: Attendee, event: Event, registration: Registration
) -> None:
    if attendee.status not in CAN_REGISTER or attendee.erased_at:
        return
    await enqueue(
        settings,
        # Once per time they queued: moved up, cancelled, queued again is a new email.
        key=f"session_moved_up:{registration.id}:{registration.queued_at.isoformat()}",
        kind="session_moved_up",
        locale=attendee.locale,
        recipient=Address(name=attendee.name, email=attendee.email),
        context=session_context(settings, attendee, event),
    )


async def release_seats_of_leavers(settings: Settings) -> int:
    """Seats and waiting places of people who left, were erased or are unconfirmed again go
    back: cancelled, and the waiting list moves up (the worker runs it with the reminders).
    Returns how many registrations were cancelled."""
    stale = await Registration.filter(
        status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.WAITING],
        attendee__status__not_in=list(CAN_REGISTER),
    ).prefetch_related("attendee")
    for registration in stale:
        event = await Event.get(id=registration.event_id)
        await cancel(settings, registration.attendee, event, actor="system")
    return len(stale)


async def queue_reminders(settings: Settings) -> int:
    """Remind everyone with a seat, two days before (local time) the session: once each,
    however often this runs. Nobody who left or was erased."""
    today = local_today(settings)
    events = await Event.filter(
        published=True,
        date__gte=today,
        date__lte=today + timedelta(days=REMINDER_DAYS_BEFORE),
    )
    queued = 0
    for event in events:
        seats = await Registration.filter(
            event_id=event.id, status=RegistrationStatus.REGISTERED
        ).order_by("id")
        for registration in seats:
            attendee = await Attendee.get(id=registration.attendee_id)
            if attendee.status not in CAN_REGISTER or attendee.erased_at:
                continue
            key = f"session_reminder:{event.id}:{attendee.id}:{event.date.isoformat()}"
            try:
                async with in_transaction():
                    if await OutboxMessage.exists(idempotency_key=key):
                        continue
                    await enqueue(
                        settings,
                        key=key,
                        kind="session_reminder",
                        locale=attendee.locale,
                        recipient=Address(name=attendee.name, email=attendee.email),
                        context=session_context(settings, attendee, event),
                        reuse_existing=False,
                    )
            except IntegrityError:
                continue  # another worker queued it at the same moment
            queued += 1
    return queued


@dataclass(frozen=True)
class RegistrationRow:
    position: int  # 1, 2, … within its status
    status: str
    name: str
    email: str
    organisation: str
    role: str
    unit: str
    queued_at: str


async def registration_list(event: Event) -> list[RegistrationRow]:
    """Seats first, then the waiting list in order, then cancellations."""
    order = {
        RegistrationStatus.REGISTERED: 0,
        RegistrationStatus.WAITING: 1,
        RegistrationStatus.CANCELLED: 2,
    }
    rows = await Registration.filter(event_id=event.id).order_by("queued_at", "id")
    people = {a.id: a for a in await Attendee.filter(id__in=[r.attendee_id for r in rows])}
    rows.sort(key=lambda r: order[r.status])
    out: list[RegistrationRow] = []
    counters: dict[str, int] = {}
    for r in rows:
        person = people[r.attendee_id]
        counters[r.status.value] = counters.get(r.status.value, 0) + 1
        erased = person.erased_at is not None
        out.append(
            RegistrationRow(
                position=counters[r.status.value],
                status=r.status.value,
                name="" if erased else person.name,
                email="" if erased else person.email,
                organisation="" if erased else person.organisation,
                role=person.role,
                unit=person.region,
                queued_at=r.queued_at.isoformat(),
            )
        )
    return out


@dataclass(frozen=True)
class MySession:
    """A session on an attendee's own page: where they stand, and their link."""

    event: Event
    when: str
    status: str  # "registered", "waiting", "cancelled" or "" (not registered)
    url: str
    nearby: bool


async def my_sessions(settings: Settings, attendee: Attendee, locale: str) -> list[MySession]:
    """Upcoming published sessions: those nearby (their unit and its neighbours) and any they
    registered for elsewhere, each with their signed registration link."""
    from peernet.events.agenda import upcoming
    from peernet.events.announcements import units_near

    near = units_near(attendee.region) if attendee.region in get_taxonomy().regions else set()
    mine = {r.event_id: r.status.value for r in await Registration.filter(attendee_id=attendee.id)}
    out = []
    for item in await upcoming(settings):
        event = item.event
        if event.region not in near and event.id not in mine:
            continue
        out.append(
            MySession(
                event=event,
                when=when(settings, event, locale),
                status=mine.get(event.id, ""),
                url=registration_url(settings, public_id=attendee.public_id, event_slug=event.slug),
                nearby=event.region in near,
            )
        )
    return out
