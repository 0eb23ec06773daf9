"""Announcing a session to the people who asked to hear about sessions near them.

One email per interested attendee (the optional ``announcements`` consent) whose police
unit is the session's or a neighbouring one, with the session as an ``.ics`` attachment.
Once per person and session: the outbox's idempotency key is the record, so announcing
twice, or two coordinators pressing at once, sends nothing more. Nobody who is paused,
left, erased or has not confirmed yet.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from notifications import Address, Attachment
from peernet.attendees.consents import ANNOUNCEMENTS, holding, withdraw_optional_consent
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.audit.service import record
from peernet.coordinators.models import Coordinator
from peernet.errors import Conflict
from peernet.events.calendar import calendar_of
from peernet.events.models import Event
from peernet.events.registration_links import announcements_off_url, read_announcements_off
from peernet.events.registrations import registration_open, session_context
from peernet.events.service import get_event
from peernet.links import LinkInvalid
from peernet.outbox.models import OutboxMessage
from peernet.outbox.service import enqueue
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy

KIND = "session_announcement"


class NotAnnounceable(Conflict):
    code = "not_announceable"


def announcement_key(event: Event, attendee_id: int) -> str:
    return f"{KIND}:{event.id}:{attendee_id}"


def units_near(unit: str) -> set[str]:
    return {unit, *get_taxonomy().regions[unit].neighbours}


async def interested_in(event: Event) -> list[Attendee]:
    """Active attendees in the session's unit or a neighbouring one who asked to be told."""
    if event.region is None:
        return []
    nearby = await Attendee.filter(
        status=AttendeeStatus.ACTIVE,
        erased_at__isnull=True,
        region__in=sorted(units_near(event.region)),
    ).order_by("id")
    wanting = await holding(ANNOUNCEMENTS, [a.id for a in nearby])
    return [a for a in nearby if a.id in wanting]


async def announce(
    settings: Settings,
    slug: str,
    *,
    coordinator: Coordinator | None = None,
    actor: str | None = None,
) -> int:
    """Queue the announcement for everyone interested who has not had it; how many now."""
    event = await get_event(slug)
    if event.region is None or not registration_open(settings, event):
        raise NotAnnounceable(
            f"{slug!r} cannot be announced: it needs a police unit, to be published"
            " and to lie ahead"
        )
    people = await interested_in(event)
    told = {
        str(k)
        for k in await OutboxMessage.filter(
            idempotency_key__in=[announcement_key(event, a.id) for a in people]
        ).values_list("idempotency_key", flat=True)
    }
    unit_label = get_taxonomy().regions[event.region].label
    queued = 0
    for attendee in people:
        key = announcement_key(event, attendee.id)
        if key in told:
            continue
        ics = calendar_of(settings, [event], name=event.title, locale=attendee.locale)
        off_url = announcements_off_url(settings, public_id=attendee.public_id)
        try:
            async with in_transaction():
                # Another announcement may have queued it since the list above was read.
                if await OutboxMessage.exists(idempotency_key=key):
                    continue
                await enqueue(
                    settings,
                    key=key,
                    kind=KIND,
                    locale=attendee.locale,
                    recipient=Address(name=attendee.name, email=attendee.email),
                    context={
                        **session_context(settings, attendee, event),
                        "unit_label": unit_label(attendee.locale),
                        "announcements_off_url": off_url,
                    },
                    # A mail client's one-click unsubscribe stops these announcements only
                    # (RFC 8058 POST to the same link), not the person's membership.
                    unsubscribe_url=off_url,
                    reuse_existing=False,
                    attachments=[
                        Attachment(
                            filename=f"{event.slug}.ics",
                            content_type="text/calendar",
                            data=ics,
                            params=(("method", "PUBLISH"),),
                        )
                    ],
                )
        except IntegrityError:
            continue  # announced by someone else at this moment: once is enough
        queued += 1
    await record(
        "event.announce",
        coordinator=coordinator,
        actor=actor,
        subject=f"event:{event.id}",
        details={"slug": event.slug, "queued": queued, "interested": len(people)},
    )
    return queued


async def attendee_of_off_link(settings: Settings, token: str) -> Attendee:
    public_id = read_announcements_off(settings, token)
    attendee = await Attendee.get_or_none(public_id=public_id)
    if attendee is None or attendee.status is AttendeeStatus.ERASED:
        raise LinkInvalid("the link names no current attendee")
    return attendee


async def stop_announcements(settings: Settings, token: str) -> bool:
    """The announcement's one-click stop (POST): withdraws that consent only."""
    attendee = await attendee_of_off_link(settings, token)
    return await withdraw_optional_consent(attendee.id, ANNOUNCEMENTS, actor="attendee")
