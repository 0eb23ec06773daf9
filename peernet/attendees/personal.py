"""An attendee's personal page: single-use magic links, a short signed session, and what
they can do there (edit their profile, pause, see their matches, block, leave).

A magic link's token carries 256 bits of randomness and only its SHA-256 is stored. Opening
it (GET) only shows a button, so mail scanners change nothing; the POST spends it with one
conditional update, so of two POSTs at once exactly one starts a session.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer
from limits import parse
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from notifications import Address
from peernet import clock
from peernet.attendees import subscription
from peernet.attendees.models import Attendee, AttendeeBlock, AttendeeStatus, MagicLink
from peernet.attendees.rights import RENAME_ACTION
from peernet.attendees.schemas import ProfileIn
from peernet.attendees.service import normalize_email
from peernet.audit.service import record
from peernet.bulk import insert_rows
from peernet.coordinators.throttle import SignInLimiter
from peernet.errors import NotFound, PeernetError
from peernet.feedback.models import MatchFeedback
from peernet.links import ClockSigner, page_url
from peernet.outbox.service import enqueue
from peernet.rounds.models import Match, MatchMember, Round, RoundStatus
from peernet.settings import Settings
from peernet.web.ratelimit import address_key

LINK_VALID_DAYS = 30
SESSION_COOKIE = "peernet_me"
SESSION_PATH = "/me"
SESSION_SECONDS = 30 * 60
# Asking for a link: every request counts, not only failures (each one may send an email).
LINKS_PER_ADDRESS = parse("3 per hour")
LINKS_PER_CLIENT = parse("20 per hour")


class MagicLinkInvalid(PeernetError):
    """Unknown, tampered, used or expired: the page offers to send a new link."""

    status_code = 410
    code = "me_link_invalid"


class NotAPartner(NotFound):
    code = "not_a_partner"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def manage_link(settings: Settings, attendee_id: int) -> str:
    """Mint a single-use link to the attendee's personal page, valid for 30 days.

    Call it inside the transaction that enqueues the email carrying it."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    await MagicLink.create(
        attendee_id=attendee_id,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + timedelta(days=LINK_VALID_DAYS),
    )
    return f"{settings.base_url}/me/link/{token}"


async def manage_links(settings: Settings, attendee_ids: Sequence[int]) -> list[str]:
    """:func:`manage_link` for each of ``attendee_ids`` (one insert per batch), in order."""
    now = clock.now()
    tokens = [(person, secrets.token_urlsafe(32)) for person in attendee_ids]
    expires_at = now + timedelta(days=LINK_VALID_DAYS)
    await insert_rows(
        MagicLink,
        [
            {
                "attendee_id": person,
                "token_hash": _hash(token),
                "created_at": now,
                "expires_at": expires_at,
            }
            for person, token in tokens
        ],
    )
    return [f"{settings.base_url}/me/link/{token}" for _, token in tokens]


def privacy_url(settings: Settings, locale: str) -> str:
    return page_url(settings, "/privacy", locale)


async def footer_links(settings: Settings, attendee_id: int, locale: str) -> dict[str, str]:
    """The footer's "manage my participation" and privacy links, for an email's context in
    ``locale``.

    Mints a magic link: call it in the transaction that enqueues the email."""
    return {
        "manage_url": await manage_link(settings, attendee_id),
        "privacy_url": privacy_url(settings, locale),
    }


async def check_link(token: str) -> Attendee:
    """The attendee whose session ``token`` could still start (nothing is spent);
    :class:`MagicLinkInvalid` if it could not."""
    link = await MagicLink.get_or_none(token_hash=_hash(token))
    if link is None or link.used_at is not None or link.expires_at <= clock.now():
        raise MagicLinkInvalid("the link is unknown, used or expired")
    return await Attendee.get(id=link.attendee_id)


async def use_link(token: str) -> Attendee:
    """Spend the link (once, whoever else tries at the same moment) and return its attendee."""
    now = clock.now()
    token_hash = _hash(token)
    spent = await MagicLink.filter(
        token_hash=token_hash, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not spent:
        raise MagicLinkInvalid("the link is unknown, used or expired")
    link = await MagicLink.get(token_hash=token_hash)
    attendee = await Attendee.get(id=link.attendee_id)
    if attendee.status in (AttendeeStatus.ERASED, AttendeeStatus.PENDING):
        raise MagicLinkInvalid("the link's attendee cannot use the personal page")
    attendee.last_active_at = now
    await attendee.save(update_fields=["last_active_at"])
    return attendee


# -- the session -------------------------------------------------------------------------


def _sessions(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        settings.signing_keys, salt="peernet.me-session", signer=ClockSigner
    )


def session_value(settings: Settings, attendee: Attendee) -> str:
    return _sessions(settings).dumps({"a": attendee.id})


async def session_attendee(settings: Settings, value: str | None) -> Attendee | None:
    """The attendee of a valid session cookie; ``None`` if absent, expired, forged or erased."""
    if not value:
        return None
    try:
        data = _sessions(settings).loads(value, max_age=SESSION_SECONDS)
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        return None
    attendee = await Attendee.get_or_none(id=data["a"])
    if attendee is None or attendee.status in (AttendeeStatus.ERASED, AttendeeStatus.PENDING):
        return None
    return attendee


# -- asking for a link -------------------------------------------------------------------


class LinkRequestLimiter(SignInLimiter):
    """The sign-in throttle's store and windows, with limits of its own for link requests."""

    def _limits(self, email: str, client: str) -> list[tuple[Any, str, str]]:
        return [
            (LINKS_PER_ADDRESS, "me-link:address", address_key(email)),
            (LINKS_PER_CLIENT, "me-link:client", client),
        ]


async def request_link(settings: Settings, email: str) -> None:
    """Email a fresh link if ``email`` belongs to an attendee who may use it; else nothing.

    The caller answers the same either way, so the page tells nobody who takes part."""
    attendee = await Attendee.get_or_none(email_normalized=normalize_email(email))
    if attendee is None or attendee.status in (AttendeeStatus.ERASED, AttendeeStatus.PENDING):
        return
    async with in_transaction():
        url = await manage_link(settings, attendee.id)
        await enqueue(
            settings,
            key=f"magic_link:{_hash(url)[:32]}",
            kind="magic_link",
            locale=attendee.locale,
            recipient=Address(name=attendee.name, email=attendee.email),
            context={
                "name": attendee.name,
                "manage_url": url,
                "expires_days": LINK_VALID_DAYS,
                "privacy_url": privacy_url(settings, attendee.locale),
            },
        )


# -- the profile -------------------------------------------------------------------------


async def update_profile(attendee: Attendee, profile: ProfileIn) -> Attendee:
    former_name = attendee.name
    async with in_transaction():
        for field, value in profile.model_dump().items():
            setattr(attendee, field, value)
        attendee.updated_at = clock.now()
        await attendee.save(update_fields=[*ProfileIn.model_fields, "updated_at"])
        await record("attendee.profile_self", actor=f"attendee:{attendee.id}")
        if attendee.name != former_name:
            # The name they had went into emails to their partners; erasure looks here to
            # find it there too (and then removes it from this entry as well).
            await record(
                RENAME_ACTION,
                actor=f"attendee:{attendee.id}",
                subject=f"attendee:{attendee.id}",
                details={"former_name": former_name},
            )
    return attendee


async def pause(attendee: Attendee, months: object) -> Attendee:
    paused = await subscription.pause(attendee.id, months)
    await record("attendee.pause_self", actor=f"attendee:{attendee.id}")
    return paused


async def resume(attendee: Attendee) -> Attendee:
    resumed = await subscription.resume(attendee.id)
    await record("attendee.resume_self", actor=f"attendee:{attendee.id}")
    return resumed


async def leave(attendee: Attendee) -> Attendee:
    """Withdraw consent and stop: the profile is kept for a later return."""
    left = await subscription.unsubscribe(attendee.id)
    await record("attendee.leave_self", actor=f"attendee:{attendee.id}")
    return left


# -- matches and blocks ------------------------------------------------------------------


@dataclass(frozen=True)
class Partner:
    id: int
    name: str | None  # None: erased, shown as "a former participant"
    blocked: bool


@dataclass(frozen=True)
class MatchSeen:
    period: str  # "2026-12"
    partners: tuple[Partner, ...]
    answer: str | None  # the feedback they gave
    rating: int | None
    asked: bool = True  # whether they have been asked yet how it went (the nudge is due)


async def my_matches(attendee: Attendee) -> list[MatchSeen]:
    """Their matches in published rounds, newest first: partners' names and months only."""
    match_ids = await MatchMember.filter(attendee_id=attendee.id).values_list("match_id", flat=True)
    published = {
        r.id: r.period
        for r in await Round.filter(status=RoundStatus.PUBLISHED).only("id", "period")
    }
    matches = [
        m
        for m in await Match.filter(id__in=list(match_ids)).only(
            "id", "round_id", "feedback_due_at"
        )
        if m.round_id in published
    ]
    ids = [m.id for m in matches]
    members = await MatchMember.filter(match_id__in=ids).exclude(attendee_id=attendee.id)
    people = {a.id: a for a in await Attendee.filter(id__in=[m.attendee_id for m in members])}
    blocked = {b.blocked_id for b in await AttendeeBlock.filter(attendee_id=attendee.id)}
    feedback = {
        f.match_id: f for f in await MatchFeedback.filter(attendee_id=attendee.id, match_id__in=ids)
    }
    now = clock.now()
    seen = []
    for match in matches:
        partners = tuple(
            Partner(
                id=m.attendee_id,
                name=None
                if people[m.attendee_id].status is AttendeeStatus.ERASED
                else people[m.attendee_id].name,
                blocked=m.attendee_id in blocked,
            )
            for m in sorted(members, key=lambda m: m.attendee_id)
            if m.match_id == match.id
        )
        given = feedback.get(match.id)
        seen.append(
            MatchSeen(
                period=published[match.round_id],
                partners=partners,
                answer=given.answer.value if given and given.answer else None,
                rating=given.rating if given else None,
                asked=match.feedback_due_at is not None and match.feedback_due_at <= now,
            )
        )
    return sorted(seen, key=lambda s: s.period, reverse=True)


async def _was_partner(attendee_id: int, other_id: int) -> bool:
    if attendee_id == other_id:
        return False
    mine = [m.match_id for m in await MatchMember.filter(attendee_id=attendee_id)]
    return await MatchMember.filter(
        match_id__in=mine, attendee_id=other_id, match__round__status=RoundStatus.PUBLISHED
    ).exists()


async def block(attendee: Attendee, other_id: int) -> None:
    """Never group ``attendee`` with ``other_id`` again. Private: not audited, not shown."""
    if not await _was_partner(attendee.id, other_id):
        raise NotAPartner("only someone you were matched with can be blocked")
    # Blocked at the same moment in another tab: it holds all the same.
    with contextlib.suppress(IntegrityError):
        await AttendeeBlock.get_or_create(
            attendee_id=attendee.id, blocked_id=other_id, defaults={"created_at": clock.now()}
        )


async def unblock(attendee: Attendee, other_id: int) -> None:
    await AttendeeBlock.filter(attendee_id=attendee.id, blocked_id=other_id).delete()
