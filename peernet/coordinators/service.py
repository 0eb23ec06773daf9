"""Coordinator accounts: passwords (argon2id), sign-in, and bearer tokens for the API."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from tortoise.exceptions import IntegrityError

from notifications import Address
from peernet import clock
from peernet.attendees.service import normalize_email
from peernet.coordinators.models import ApiToken, Coordinator
from peernet.errors import Conflict, FieldErrors, NotFound, PeernetError
from peernet.settings import Settings

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; this only bounds the work per attempt
TOKEN_PREFIX = "pn_"  # noqa: S105 (a marker, not a secret)

_hasher = PasswordHasher()
# Verified against when the account does not exist, so that a wrong address costs the
# same time as a wrong password and sign-in timing does not tell which addresses exist.
_DUMMY_HASH = _hasher.hash("peernet-no-such-coordinator")


class SignInFailed(PeernetError):
    status_code = 401
    code = "sign_in_failed"


@dataclass(frozen=True)
class IssuedToken:
    """A new API token: ``token`` is shown once and never stored."""

    record: ApiToken
    token: str


def _checked_email(email: str) -> str:
    try:
        checked = validate_email(email.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise FieldErrors({"email": "invalid_email"}) from None
    return str(checked.ascii_email or checked.normalized)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FieldErrors({"password": "password_too_short"})
    if len(password) > MAX_PASSWORD_LENGTH:
        raise FieldErrors({"password": "too_long"})


def hash_password(password: str) -> str:
    return _hasher.hash(password)


async def create_coordinator(email: str, password: str, *, name: str = "") -> Coordinator:
    address = _checked_email(email)
    check_password(password)
    name = " ".join(name.split()) or address.split("@")[0]
    if len(name) > 120:
        raise FieldErrors({"name": "too_long"})
    now = clock.now()
    try:
        return await Coordinator.create(
            email=address,
            email_normalized=normalize_email(address),
            name=name,
            password_hash=hash_password(password),
            created_at=now,
        )
    except IntegrityError:
        raise Conflict(f"a coordinator with address {address} already exists") from None


async def get_coordinator(email: str) -> Coordinator:
    coordinator = await Coordinator.get_or_none(email_normalized=normalize_email(email))
    if coordinator is None:
        raise NotFound(f"no coordinator with address {email.strip()}")
    return coordinator


async def authenticate(email: str, password: str) -> Coordinator:
    """The active coordinator with this address and password; :class:`SignInFailed` if not."""
    coordinator = await Coordinator.get_or_none(email_normalized=normalize_email(email))
    stored = coordinator.password_hash if coordinator else _DUMMY_HASH
    try:
        _hasher.verify(stored, password[:MAX_PASSWORD_LENGTH])
    except (VerificationError, InvalidHashError):
        raise SignInFailed("wrong address or password") from None
    if coordinator is None or not coordinator.is_active:
        raise SignInFailed("wrong address or password")
    now = clock.now()
    coordinator.last_sign_in_at = now
    fields = ["last_sign_in_at"]
    if _hasher.check_needs_rehash(coordinator.password_hash):
        coordinator.password_hash = hash_password(password)
        fields.append("password_hash")
    await coordinator.save(update_fields=fields)
    return coordinator


async def end_sessions(coordinator: Coordinator) -> None:
    """Sign out everywhere: every session cookie issued before now stops working."""
    await Coordinator.filter(id=coordinator.id).update(session_epoch=coordinator.session_epoch + 1)
    coordinator.session_epoch += 1


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def create_api_token(coordinator: Coordinator, *, label: str = "") -> IssuedToken:
    label = " ".join(label.split())
    if len(label) > 80:
        raise FieldErrors({"label": "too_long"})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = await ApiToken.create(
        coordinator=coordinator,
        label=label,
        token_hash=hash_token(token),
        prefix=token[:10],
        created_at=clock.now(),
    )
    return IssuedToken(record=record, token=token)


async def list_api_tokens(coordinator: Coordinator | None = None) -> list[ApiToken]:
    query = ApiToken.all() if coordinator is None else ApiToken.filter(coordinator=coordinator)
    return await query.order_by("id").prefetch_related("coordinator")


async def revoke_api_token(token_id: int) -> ApiToken:
    """Revoke a token; revoking it again changes nothing."""
    record = await ApiToken.get_or_none(id=token_id)
    if record is None:
        raise NotFound(f"no API token with id {token_id}")
    if record.revoked_at is None:
        now = clock.now()
        await ApiToken.filter(id=token_id, revoked_at__isnull=True).update(revoked_at=now)
        record.revoked_at = now
    return record


async def coordinator_for_token(token: str) -> Coordinator | None:
    """The active coordinator a bearer token belongs to, or ``None``."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    record = await ApiToken.get_or_none(token_hash=hash_token(token), revoked_at__isnull=True)
    if record is None:
        return None
    coordinator = await Coordinator.get_or_none(id=record.coordinator_id, is_active=True)
    if coordinator is not None:
        await ApiToken.filter(id=record.id).update(last_used_at=clock.now())
    return coordinator


async def coordinator_recipients(settings: Settings) -> list[Address]:
    """Who hears from peernet as a coordinator: every active account, by name, then each
    COORDINATOR_EMAILS address that has no account, without a name; one entry per mailbox,
    whatever the case of the address.

    An address whose account was deactivated gets nothing, even if COORDINATOR_EMAILS still
    lists it: switching the account off is the later, deliberate decision.
    """
    accounts = await Coordinator.all().order_by("id")
    recipients = [Address(name=c.name, email=c.email) for c in accounts if c.is_active]
    seen = {c.email_normalized for c in accounts}
    for email in settings.coordinators:
        if normalize_email(email) not in seen:
            seen.add(normalize_email(email))
            recipients.append(Address(name="", email=email))
    return recipients
