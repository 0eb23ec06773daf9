"""What a coordinator can do from a person's page: take them out of (or back into) the
current draft round, keep them apart from someone for good, and send their confirmation
link again. Each is safe to repeat, also after the person left, and is written to the
audit log."""

from __future__ import annotations

import contextlib
import secrets
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from notifications import Address
from peernet import clock
from peernet.attendees.directory import current_draft, get_attendee
from peernet.attendees.importing import INVITATION_VALID_FOR, invitation_context
from peernet.attendees.models import Attendee, Signup
from peernet.attendees.service import CONFIRMATION_VALID_FOR, confirm_url, hash_token
from peernet.audit.service import record
from peernet.coordinators.models import Coordinator
from peernet.errors import Conflict, FieldErrors
from peernet.events.models import Event
from peernet.links import subscription_url
from peernet.outbox.models import OutboxMessage
from peernet.outbox.service import enqueue
from peernet.rounds import adjustments
from peernet.rounds.models import KeepApart
from peernet.settings import Settings

# A second resend within this time sends nothing: a double click is not two emails.
RESEND_QUIET = timedelta(minutes=15)


def _valid_for(kind: str) -> timedelta:
    return INVITATION_VALID_FOR if kind == "invitation" else CONFIRMATION_VALID_FOR


class NoDraftRound(Conflict):
    code = "no_draft_round"


class NothingToResend(Conflict):
    code = "nothing_to_resend"


async def exclude_from_draft(
    settings: Settings, attendee_id: int, *, coordinator: Coordinator | None
) -> None:
    await get_attendee(attendee_id)
    draft = await current_draft()
    if draft is None:
        raise NoDraftRound("there is no draft round to take anyone out of")
    await adjustments.exclude(settings, draft.id, attendee_id, coordinator=coordinator)


async def include_in_draft(
    settings: Settings, attendee_id: int, *, coordinator: Coordinator | None
) -> None:
    await get_attendee(attendee_id)
    draft = await current_draft()
    if draft is None:
        raise NoDraftRound("there is no draft round to include anyone in")
    await adjustments.include(settings, draft.id, attendee_id, coordinator=coordinator)


async def keep_apart_always(
    settings: Settings, attendee_id: int, other: object, *, coordinator: Coordinator | None
) -> None:
    """Never group the two again. With a draft round, it is planned again without them
    together (through the rounds' own adjustment); without one, the rule waits for the next."""
    await get_attendee(attendee_id)
    draft = await current_draft()
    if draft is not None:
        await adjustments.keep_apart(
            settings, draft.id, attendee_id, other, coordinator=coordinator
        )
        return
    if isinstance(other, bool) or not isinstance(other, int):
        raise FieldErrors({"other": "invalid"})
    if other == attendee_id:
        raise FieldErrors({"other": "same_attendee"})
    if not await Attendee.exists(id=other):
        raise FieldErrors({"other": "unknown_attendee"})
    first, second = sorted((attendee_id, other))
    with contextlib.suppress(IntegrityError):  # already kept apart
        await KeepApart.create(attendee_a_id=first, attendee_b_id=second, created_at=clock.now())
    await record(
        "attendee.keep_apart",
        coordinator=coordinator,
        subject=f"attendee:{attendee_id}",
        details={"attendee_a": first, "attendee_b": second},
    )


async def resend_confirmation(
    settings: Settings, attendee_id: int, *, coordinator: Coordinator | None
) -> bool:
    """Send the newest open sign-up's link again, with a fresh token (the old link stops
    working). Returns False when a resend went out less than :data:`RESEND_QUIET` ago."""
    attendee = await get_attendee(attendee_id)
    now = clock.now()
    signup = (
        await Signup.filter(attendee_id=attendee.id, confirmed_at__isnull=True)
        .order_by("-id")
        .first()
    )
    if signup is None:
        raise NothingToResend("this person has no sign-up waiting for confirmation")
    # The idempotency key is the quiet period's slot: two clicks in one slot are one email.
    slot = int(now.timestamp() // RESEND_QUIET.total_seconds())
    key = f"{signup.kind}-resend:{signup.id}:{slot}"
    recent = await OutboxMessage.filter(
        idempotency_key__startswith=f"{signup.kind}-resend:{signup.id}:",
        created_at__gt=now - RESEND_QUIET,
    ).exists()
    if recent:
        return False
    token = secrets.token_urlsafe(32)
    event = await Event.get(id=signup.event_id)
    name = str(signup.details.get("name") or attendee.name)
    email = str(signup.details.get("email") or attendee.email)
    async with in_transaction():
        # The conditional update is the lock: of two simultaneous resends one wins.
        claimed = await Signup.filter(
            id=signup.id, token_hash=signup.token_hash, confirmed_at__isnull=True
        ).update(
            token_hash=hash_token(token),
            expires_at=max(signup.expires_at, now + _valid_for(signup.kind)),
        )
        if not claimed:
            return False
        if signup.kind == "invitation":
            kind, context = "invitation", invitation_context(settings, name, event, token)
        else:
            kind = "confirmation"
            context = {
                "name": name,
                "event_title": event.title,
                "confirm_url": confirm_url(settings, token),
                "expires_days": CONFIRMATION_VALID_FOR.days,
            }
        await enqueue(
            settings,
            key=key,
            kind=kind,
            locale=signup.locale,
            recipient=Address(name=name, email=email),
            context=context,
            unsubscribe_url=subscription_url(settings, "unsubscribe", attendee.public_id),
        )
        await record(
            "attendee.resend_confirmation",
            coordinator=coordinator,
            subject=f"attendee:{attendee.id}",
            details={"signup": signup.id, "kind": signup.kind},
        )
    return True
