"""An attendee changes their own email address: a signed link goes to the new address, and
the address changes only when that link is opened and confirmed there.

The link names the attendee (by public id), the new address and a fingerprint (an HMAC) of
the address it was made from. It works only while that is still their address, so once the
change is made (or made otherwise) every other link of the kind is spent, and a link
that leaks does not carry the old address along in the URL. It is valid for 24 hours.
Opening it (GET) only shows a button, so mail scanners change nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from limits import parse
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from notifications import Address
from peernet import clock
from peernet.attendees.models import Attendee, AttendeeStatus, MagicLink, Signup
from peernet.attendees.personal import privacy_url
from peernet.attendees.rights import EMAIL_CHANGE_ACTION
from peernet.attendees.schemas import parse_email
from peernet.attendees.service import normalize_email
from peernet.audit.service import record
from peernet.errors import FieldErrors, PeernetError
from peernet.links import ClockSigner
from peernet.outbox.service import enqueue
from peernet.settings import Settings

LINK_VALID_HOURS = 24
# Every request mails an address nobody has confirmed yet: enough for a few typos a day,
# too few to make peernet mail strangers in bulk.
REQUESTS_PER_ATTENDEE = parse("5 per day")
_CLOSED = (AttendeeStatus.ERASED, AttendeeStatus.LEFT, AttendeeStatus.PENDING)


class EmailChangeRefused(PeernetError):
    """The link cannot change the address; ``reason`` says why, for the page (in the
    attendee's language, ``locale``, when the link names someone)."""

    status_code = 409
    code = "email_change_refused"
    reason = "refused"

    def __init__(self, message: str, *, locale: str | None = None) -> None:
        super().__init__(message)
        self.locale = locale


class EmailLinkInvalid(EmailChangeRefused):
    """Forged, cut off, or naming nobody (an erased attendee's public id is replaced)."""

    status_code = 404
    code = "email_link_invalid"
    reason = "invalid"


class EmailLinkExpired(EmailChangeRefused):
    status_code = 410
    code = "email_link_expired"
    reason = "expired"


class EmailChangeClosed(EmailChangeRefused):
    """They left, were erased or never confirmed their sign-up."""

    status_code = 410
    code = "email_change_closed"
    reason = "closed"


class EmailLinkStale(EmailChangeRefused):
    """Their address is no longer the one the link was made from."""

    status_code = 409
    code = "email_link_stale"
    reason = "stale"


class EmailTaken(EmailChangeRefused):
    """Another attendee has the new address (one attendee per mailbox)."""

    status_code = 409
    code = "email_taken"
    reason = "taken"


@dataclass(frozen=True)
class EmailChangeLink:
    attendee: Attendee
    new_email: str
    # The address already is the new one: opened again after the change, nothing to do.
    done: bool


@dataclass(frozen=True)
class _Payload:
    public_id: str
    new_email: str
    made_from: str  # the fingerprint of the address it was made from


def _links(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        settings.signing_keys, salt="peernet.email-change", signer=ClockSigner
    )


def _fingerprint(key: str, address: str) -> str:
    message = f"peernet.email-change:{normalize_email(address)}".encode()
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()[:32]


def _made_from(settings: Settings, address: str, fingerprint: str) -> bool:
    # Any key that could have signed the link (SECRET_KEY and, while rotating, the old one).
    return any(
        hmac.compare_digest(_fingerprint(key, address), fingerprint)
        for key in settings.signing_keys
    )


def parse_new_email(attendee: Attendee, value: object) -> str:
    """The typed address as the sign-up accepts it, and not the one they have;
    :class:`FieldErrors` naming ``new_email`` if not."""
    try:
        address = parse_email(value)
    except FieldErrors:
        raise FieldErrors({"new_email": "invalid_email"}) from None
    if normalize_email(address) == attendee.email_normalized:
        raise FieldErrors({"new_email": "same_email"})
    return address


async def request_email_change(settings: Settings, attendee: Attendee, new_email: object) -> str:
    """Email a confirmation link to the new address, in the attendee's language, and return
    the address. Whether another attendee has it is not looked at here: the answer is the
    same either way, and the confirmation refuses it.

    The caller limits how often (:data:`REQUESTS_PER_ATTENDEE`)."""
    address = parse_new_email(attendee, new_email)
    key = settings.signing_keys[-1]  # the one itsdangerous signs with
    token = _links(settings).dumps(
        {
            "p": attendee.public_id,
            "n": address,
            "f": _fingerprint(key, attendee.email_normalized),
        }
    )
    minute = clock.now().strftime("%Y%m%d%H%M")
    await enqueue(
        settings,
        # A double click in the same minute is one email.
        key=f"email_change:{attendee.id}:{_fingerprint(key, address)}:{minute}",
        kind="email_change",
        locale=attendee.locale,
        recipient=Address(name=attendee.name, email=address),
        context={
            "name": attendee.name,
            "new_email": address,
            "confirm_url": f"{settings.base_url}/me/email/{token}",
            "expires_hours": LINK_VALID_HOURS,
            "privacy_url": privacy_url(settings, attendee.locale),
        },
    )
    return address


async def _locale_of(payload: Any) -> str | None:
    attendee = (
        await Attendee.get_or_none(public_id=payload["p"])
        if isinstance(payload, dict) and isinstance(payload.get("p"), str)
        else None
    )
    return attendee.locale if attendee is not None else None


async def _read(settings: Settings, token: str) -> _Payload:
    links = _links(settings)
    try:
        data = links.loads(token, max_age=LINK_VALID_HOURS * 3600)
    except SignatureExpired as exc:
        # Genuine, only too old: the page can still speak their language.
        try:
            locale = await _locale_of(links.load_payload(exc.payload)) if exc.payload else None
        except BadData:
            locale = None
        raise EmailLinkExpired("the email change link has expired", locale=locale) from None
    except BadData:
        raise EmailLinkInvalid("the email change link is invalid") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in "pnf"):
        raise EmailLinkInvalid("the email change link is invalid")
    return _Payload(public_id=data["p"], new_email=data["n"], made_from=data["f"])


async def _checked(
    settings: Settings, attendee: Attendee | None, link: _Payload
) -> EmailChangeLink:
    if attendee is None:
        raise EmailLinkInvalid("the email change link names no attendee")
    locale = attendee.locale
    if attendee.status in _CLOSED:
        raise EmailChangeClosed(f"a {attendee.status.value} attendee", locale=locale)
    new = normalize_email(link.new_email)
    if attendee.email_normalized == new:
        return EmailChangeLink(attendee, link.new_email, done=True)
    if not _made_from(settings, attendee.email_normalized, link.made_from):
        raise EmailLinkStale("the address changed since the link was made", locale=locale)
    if await Attendee.filter(email_normalized=new).exclude(id=attendee.id).exists():
        raise EmailTaken("another attendee has the new address", locale=locale)
    return EmailChangeLink(attendee, link.new_email, done=False)


async def check_email_change(settings: Settings, token: str) -> EmailChangeLink:
    """What the link would do, changing nothing; :class:`EmailChangeRefused` if nothing."""
    link = await _read(settings, token)
    return await _checked(settings, await Attendee.get_or_none(public_id=link.public_id), link)


async def confirm_email_change(settings: Settings, token: str) -> EmailChangeLink:
    """Change the address to the link's new one, record it, and tell the former address.

    ``done`` in the answer: it already was the new one (the link used again), and nothing
    happened now. Refused with :class:`EmailChangeRefused` like :func:`check_email_change`.
    """
    link = await _read(settings, token)
    locale: str | None = None
    try:
        async with in_transaction():
            # The row lock orders two confirmations of the same person (SQLite's BEGIN
            # IMMEDIATE does the same for the whole file): the second sees the first's change.
            attendee = await Attendee.select_for_update().get_or_none(public_id=link.public_id)
            checked = await _checked(settings, attendee, link)
            locale = checked.attendee.locale
            if checked.done:
                return checked
            await _change(settings, checked.attendee, link.new_email)
    except IntegrityError:
        # Another attendee took the address between the check and the update.
        raise EmailTaken("another attendee has the new address", locale=locale) from None
    return checked


async def _change(settings: Settings, attendee: Attendee, new_email: str) -> None:
    former = attendee.email
    now = clock.now()
    changed = await Attendee.filter(
        id=attendee.id, email_normalized=attendee.email_normalized
    ).update(email=new_email, email_normalized=normalize_email(new_email), updated_at=now)
    if not changed:
        raise EmailLinkStale("the address changed meanwhile", locale=attendee.locale)
    attendee.email = new_email
    attendee.email_normalized = normalize_email(new_email)
    attendee.updated_at = now
    # A sign-up confirmation still on its way to the former address would put it back (a
    # sign-up carries the address it was made with): those links lapse now.
    await Signup.filter(attendee_id=attendee.id, confirmed_at__isnull=True).update(expires_at=now)
    # So do the unused links to the personal page sent there: whoever reads the former
    # mailbox (a former employer's) must not sign in with one and change the address back.
    await MagicLink.filter(attendee_id=attendee.id, used_at__isnull=True).update(expires_at=now)
    # Export and erasure look here for the mail sent to the former address.
    entry = await record(
        EMAIL_CHANGE_ACTION,
        actor=f"attendee:{attendee.id}",
        subject=f"attendee:{attendee.id}",
        details={"former_email": former},
    )
    await enqueue(
        settings,
        key=f"email_changed:{entry.id}",
        kind="email_changed",
        locale=attendee.locale,
        recipient=Address(name=attendee.name, email=former),
        context={
            "name": attendee.name,
            "new_email": new_email,
            "contact": settings.privacy_contact,
            "privacy_url": privacy_url(settings, attendee.locale),
        },
    )
