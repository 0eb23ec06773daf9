"""An imported person's invitation: the emailed link opens the join form, prefilled with
what the registration list said; only their consent there makes them an active attendee."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from peernet import clock
from peernet.attendees.consents import current_version, record_consent
from peernet.attendees.models import Attendance, Attendee, AttendeeStatus, Signup
from peernet.attendees.schemas import SignupIn
from peernet.attendees.service import (
    TokenInvalid,
    TokenUsed,
    find_signup,
    normalize_email,
)
from peernet.events.models import Event


async def find_invitation(token: str) -> tuple[Signup, Event]:
    signup = await find_signup(token)
    if signup.kind != "invitation":
        raise TokenInvalid("the link is not an invitation")
    return signup, await Event.get(id=signup.event_id)


async def accept_invitation(token: str, data: SignupIn) -> Attendee:
    """Apply the completed form to the invited attendee and record their consent. The
    address stays the invited one: the link proved only that mailbox."""
    signup, _ = await find_invitation(token)
    now = clock.now()
    details = data.details()
    details["email"] = signup.details.get("email", details["email"])
    async with in_transaction():
        claimed = await Signup.filter(id=signup.id, confirmed_at__isnull=True).update(
            confirmed_at=now, details=details
        )
        if not claimed:
            raise TokenUsed("the invitation was already used")
        attendee = await Attendee.get(id=signup.attendee_id)
        if attendee.status is AttendeeStatus.ERASED:
            # Erased while the invitation was on its way: nothing of them comes back from it.
            raise TokenUsed("the invitation was already used")
        for name, value in details.items():
            setattr(attendee, name, value)
        attendee.email_normalized = normalize_email(attendee.email)
        attendee.status = AttendeeStatus.ACTIVE
        attendee.paused_until = None
        attendee.updated_at = now
        attendee.confirmed_at = attendee.confirmed_at or now
        attendee.last_active_at = now
        attendee.left_at = None
        attendee.stay_asked_at = None
        await attendee.save()
        await Attendance.get_or_create(
            attendee=attendee, event_id=signup.event_id, defaults={"created_at": now}
        )
        # The text they agreed to is the one the form showed them now, not at the import.
        await record_consent(
            attendee,
            version=current_version(),
            locale=data.locale,
            channel=f"invitation:{signup.event_id}",
            signup=signup,
            given_at=now,
            confirmed_at=now,
        )
    return attendee
