"""Sign-up with double opt-in: a :class:`Signup` waits until its emailed link is used."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from notifications import Address
from peernet import clock, db
from peernet.attendees.consents import current_version, give_optional_consent, record_consent
from peernet.attendees.models import Attendance, Attendee, AttendeeStatus, Signup
from peernet.attendees.schemas import SignupIn
from peernet.errors import PeernetError
from peernet.events.service import get_open_event
from peernet.links import subscription_url
from peernet.outbox.service import enqueue
from peernet.settings import Settings
from peernet.web import ratelimit

CONFIRMATION_VALID_FOR = timedelta(days=7)
# secrets.token_urlsafe(32): 256 bits, 43 URL-safe characters.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")

logger = logging.getLogger(__name__)


class TokenInvalid(PeernetError):
    status_code = 404
    code = "token_invalid"


class TokenUsed(PeernetError):
    status_code = 409
    code = "token_used"


class TokenSuperseded(PeernetError):
    """A newer sign-up of the same person was confirmed: this older one may not undo it."""

    status_code = 410
    code = "token_superseded"


class TokenExpired(PeernetError):
    status_code = 410
    code = "token_expired"


@dataclass(frozen=True)
class SignupReceipt:
    """What the sign-up page may show: the same whether or not the address was known."""

    email: str
    locale: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def normalize_email(email: str) -> str:
    return email.strip().lower()


def confirm_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/confirm/{token}"


async def sign_up(
    settings: Settings,
    event_slug: str,
    data: SignupIn,
    *,
    channel: str,
    limits: ratelimit.RateLimits | None = None,
) -> SignupReceipt:
    """Store a pending sign-up and queue its confirmation email.

    ``limits`` (a visitor's request) caps the confirmation emails per address."""
    event = await get_open_event(settings, event_slug)
    if not await ratelimit.allow_confirmation_email(limits, data.email):
        # This address had its share of confirmation emails today: nothing is stored or
        # sent, and the visitor gets the same answer as always (no 429 that would tell a
        # prober anything about the address).
        return SignupReceipt(email=data.email, locale=data.locale)
    # Made once, so that a second attempt writes the same sign-up: the token's hash is
    # unique, which makes the write idempotent.
    token = secrets.token_urlsafe(32)
    now = clock.now()

    async def store() -> SignupReceipt:
        return await _store_signup(
            settings, event.id, event.title, data, channel=channel, token=token, now=now
        )

    try:
        return await store()
    except IntegrityError:
        # The same new address signed up at the same moment and won the insert: this
        # second attempt finds that attendee and attaches the sign-up to it.
        return await store()
    except db.CONNECTION_LOST as exc:
        # The connection went away: before the commit nothing was written (try once more),
        # after it the sign-up is there with this token (then it is done, not doubled).
        logger.warning(
            "sign-up for event %s: database connection lost (%r), retrying once", event.id, exc
        )
        if await Signup.exists(token_hash=hash_token(token)):
            return SignupReceipt(email=data.email, locale=data.locale)
        return await store()


async def _store_signup(
    settings: Settings,
    event_id: int,
    event_title: str,
    data: SignupIn,
    *,
    channel: str,
    token: str,
    now: datetime,
) -> SignupReceipt:
    details = data.details()
    async with in_transaction():
        attendee = await Attendee.get_or_none(email_normalized=normalize_email(data.email))
        if attendee is None:
            attendee = await Attendee.create(
                **details,
                email_normalized=normalize_email(data.email),
                status=AttendeeStatus.PENDING,
                created_at=now,
                updated_at=now,
            )
        # The optional consents ride along with the details until the confirmation.
        optional = {"optional_consents": data.optional_consents} if data.optional_consents else {}
        signup = await Signup.create(
            attendee=attendee,
            event_id=event_id,
            details={**details, **optional},
            channel=channel,
            consent_version=current_version(),
            locale=data.locale,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + CONFIRMATION_VALID_FOR,
        )
        # Addressed to the address typed in this sign-up: only its owner can confirm it.
        await enqueue(
            settings,
            key=f"confirmation:{signup.id}",
            kind="confirmation",
            locale=data.locale,
            recipient=Address(name=data.name, email=data.email),
            context={
                "name": data.name,
                "event_title": event_title,
                "confirm_url": confirm_url(settings, token),
                "expires_days": CONFIRMATION_VALID_FOR.days,
            },
            unsubscribe_url=subscription_url(settings, "unsubscribe", attendee.public_id),
        )
    return SignupReceipt(email=data.email, locale=data.locale)


async def _newer_confirmed(signup: Signup) -> bool:
    return await Signup.filter(
        attendee_id=signup.attendee_id, id__gt=signup.id, confirmed_at__isnull=False
    ).exists()


async def find_signup(token: str) -> Signup:
    """The sign-up a confirmation link belongs to, if it can still be confirmed."""
    if not _TOKEN_SHAPE.match(token):
        raise TokenInvalid("the confirmation link is malformed")
    signup = await Signup.get_or_none(token_hash=hash_token(token))
    if signup is None:
        raise TokenInvalid("the confirmation link is unknown")
    if signup.confirmed_at is not None:
        raise TokenUsed("the confirmation link was already used")
    if await _newer_confirmed(signup):
        raise TokenSuperseded("a newer sign-up of the same person was confirmed")
    if clock.now() >= signup.expires_at:
        raise TokenExpired("the confirmation link has expired")
    return signup


async def confirm_signup(token: str) -> Attendee:
    """Apply a sign-up to its attendee, make them active and record their consent."""
    signup = await find_signup(token)
    now = clock.now()
    async with in_transaction():
        # The attendee's row lock orders confirmations of the same person (an older and a
        # newer link at once); SQLite's BEGIN IMMEDIATE does the same for the whole file.
        attendee = await Attendee.select_for_update().get(id=signup.attendee_id)
        if await _newer_confirmed(signup):
            raise TokenSuperseded("a newer sign-up of the same person was confirmed")
        # The conditional update is the lock: of two simultaneous confirmations one wins.
        claimed = await Signup.filter(id=signup.id, confirmed_at__isnull=True).update(
            confirmed_at=now
        )
        if not claimed:
            raise TokenUsed("the confirmation link was already used")
        # Older links still on their way would roll these details back: they lapse now.
        await Signup.filter(
            attendee_id=signup.attendee_id, id__lt=signup.id, confirmed_at__isnull=True
        ).update(expires_at=now)
        if attendee.status is AttendeeStatus.ERASED:
            # Erased while this link was on its way: nothing of them may come back from it.
            raise TokenInvalid("the confirmation link is unknown")
        details = dict(signup.details)
        optional = details.pop("optional_consents", [])
        for field, value in details.items():
            setattr(attendee, field, value)
        attendee.email_normalized = normalize_email(attendee.email)
        attendee.status = AttendeeStatus.ACTIVE
        attendee.paused_until = None
        attendee.updated_at = now
        attendee.confirmed_at = attendee.confirmed_at or now
        attendee.last_active_at = now
        # Signing up again is coming back: no longer on the way to erasure.
        attendee.left_at = None
        attendee.stay_asked_at = None
        await attendee.save()
        await Attendance.get_or_create(
            attendee=attendee,
            event_id=signup.event_id,
            defaults={"created_at": now},
        )
        await record_consent(
            attendee,
            version=signup.consent_version,
            locale=signup.locale,
            channel=f"{signup.channel}:{signup.event_id}",
            signup=signup,
            given_at=signup.created_at,
            confirmed_at=now,
        )
        for purpose in optional:
            await give_optional_consent(
                attendee,
                purpose,
                locale=signup.locale,
                channel=f"{signup.channel}:{signup.event_id}",
                signup=signup,
                given_at=signup.created_at,
            )
    return attendee
