"""Pausing and leaving, from the links in every email; a pause ends on its own."""

from __future__ import annotations

from calendar import monthrange
from datetime import datetime

from tortoise.transactions import in_transaction

from peernet import clock
from peernet.attendees.consents import withdraw_consents
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.attendees.rights import cancel_queued_mail
from peernet.errors import FieldErrors
from peernet.links import LinkInvalid

PAUSE_MONTHS = (1, 3)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later, or that month's last day (31 January + 1 = 28 February)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


async def _attendee(attendee_id: int) -> Attendee:
    attendee = await Attendee.get_or_none(id=attendee_id)
    if attendee is None:
        raise LinkInvalid("the link names no attendee")
    return attendee


async def pause(attendee_id: int, months: object) -> Attendee:
    if not isinstance(months, str) or not months.isdigit() or int(months) not in PAUSE_MONTHS:
        raise FieldErrors({"months": "months"})
    attendee = await _attendee(attendee_id)
    if attendee.status in (AttendeeStatus.LEFT, AttendeeStatus.ERASED):
        return attendee
    now = clock.now()
    attendee.status = AttendeeStatus.PAUSED
    attendee.paused_until = add_months(now, int(months))
    attendee.updated_at = now
    await attendee.save(update_fields=["status", "paused_until", "updated_at"])
    return attendee


async def unsubscribe(attendee_id: int) -> Attendee:
    """Stop matching and mailing: status left, consent withdrawn, unsent mail cancelled."""
    attendee = await _attendee(attendee_id)
    if attendee.status is AttendeeStatus.ERASED:
        return attendee
    now = clock.now()
    async with in_transaction():
        attendee.status = AttendeeStatus.LEFT
        attendee.updated_at = now
        # Erased 30 days after leaving unless they come back (see attendees.retention).
        attendee.left_at = attendee.left_at or now
        await attendee.save(update_fields=["status", "updated_at", "left_at"])
        await withdraw_consents(attendee.id)
        await cancel_queued_mail(attendee.id, reason="unsubscribed")
    return attendee


async def resume_ended_pauses() -> int:
    """Pauses whose time is up end here; returns how many attendees are active again."""
    now = clock.now()
    return await Attendee.filter(status=AttendeeStatus.PAUSED, paused_until__lte=now).update(
        status=AttendeeStatus.ACTIVE, paused_until=None, updated_at=now
    )
