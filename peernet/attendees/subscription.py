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

PAUSE_MONTHS = (1, 3, 6)
# Paused with no end: matching starts again only when they resume on their personal page.
UNTIL_RESUMED = "until_resumed"


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later, or that month's last day (31 January + 1 = 28 February)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


_NOT_MATCHABLE = (AttendeeStatus.LEFT, AttendeeStatus.ERASED, AttendeeStatus.PENDING)


async def _attendee(attendee_id: int) -> Attendee:
    attendee = await Attendee.get_or_none(id=attendee_id)
    if attendee is None:
        raise LinkInvalid("the link names no attendee")
    return attendee


def _months(months: object) -> int | None:
    """1, 3 or 6 months, or ``None`` for "until I resume"."""
    if months == UNTIL_RESUMED:
        return None
    if not isinstance(months, str) or not months.isdigit() or int(months) not in PAUSE_MONTHS:
        raise FieldErrors({"months": "months"})
    return int(months)


async def pause(attendee_id: int, months: object) -> Attendee:
    """Pause for ``months`` ("1", "3", "6") or, with "until_resumed", until they resume."""
    length = _months(months)
    attendee = await _attendee(attendee_id)
    if attendee.status in _NOT_MATCHABLE:
        return attendee
    now = clock.now()
    attendee.status = AttendeeStatus.PAUSED
    attendee.paused_until = add_months(now, length) if length is not None else None
    attendee.updated_at = now
    await attendee.save(update_fields=["status", "paused_until", "updated_at"])
    return attendee


async def resume(attendee_id: int) -> Attendee:
    """End a pause now; anyone not paused is left as they are."""
    attendee = await _attendee(attendee_id)
    now = clock.now()
    resumed = await Attendee.filter(id=attendee_id, status=AttendeeStatus.PAUSED).update(
        status=AttendeeStatus.ACTIVE, paused_until=None, updated_at=now
    )
    if resumed:
        await attendee.refresh_from_db()
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
