"""Keeping data no longer than needed, run daily by the worker.

- Who left is erased 30 days later, unless they came back (signing up again clears left_at).
- A sign-up never confirmed is deleted after 30 days; so is a pending attendee with nothing
  else (they never consented to anything).
- Who showed no sign of life (no round, no answer, no sign-up) for RETENTION_INACTIVE_MONTHS
  is asked once whether to stay; 30 days without an answer and they are erased.

Each job is idempotent (a second run the same day finds nothing to do) and decides per person
again at the moment it acts, so a person who answered or was erased meanwhile is left alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from notifications import Address
from peernet import clock
from peernet.attendees.models import Attendee, AttendeeStatus, Consent, Signup
from peernet.attendees.personal import footer_links
from peernet.attendees.rights import AttendeeNotFound, erase_attendee
from peernet.attendees.subscription import add_months
from peernet.audit.service import record
from peernet.links import LinkInvalid, stay_url, subscription_url
from peernet.outbox.service import enqueue
from peernet.rounds.models import MatchMember
from peernet.settings import Settings

logger = logging.getLogger("peernet.retention")

LEFT_KEPT_FOR = timedelta(days=30)
UNCONFIRMED_KEPT_FOR = timedelta(days=30)
STAY_ANSWER_WAIT = timedelta(days=30)
ASKABLE = (AttendeeStatus.ACTIVE, AttendeeStatus.PAUSED)


@dataclass
class RetentionReport:
    erased_after_leaving: int = 0
    signups_deleted: int = 0
    pending_deleted: int = 0
    asked_to_stay: int = 0
    erased_inactive: int = 0


async def _erase(settings: Settings, attendee_id: int, reason: str) -> bool:
    try:
        return await erase_attendee(settings, attendee_id, actor="worker", reason=reason)
    except AttendeeNotFound:  # deleted since the query
        return False


async def erase_those_who_left(settings: Settings) -> int:
    cutoff = clock.now() - LEFT_KEPT_FOR
    erased = 0
    for attendee in await Attendee.filter(status=AttendeeStatus.LEFT, left_at__lte=cutoff).only(
        "id"
    ):
        # Checked again per person: who came back since the query keeps their data.
        if await Attendee.exists(id=attendee.id, status=AttendeeStatus.LEFT, left_at__lte=cutoff):
            erased += await _erase(settings, attendee.id, "left")
    return erased


async def delete_unconfirmed_signups(settings: Settings) -> tuple[int, int]:
    """Returns (sign-ups deleted, pending attendees deleted)."""
    cutoff = clock.now() - UNCONFIRMED_KEPT_FOR
    # Not one whose link a coordinator sent again lately and which still works.
    signups = await Signup.filter(
        confirmed_at__isnull=True, created_at__lte=cutoff, expires_at__lte=clock.now()
    ).delete()
    pending = 0
    for attendee in await Attendee.filter(
        status=AttendeeStatus.PENDING, created_at__lte=cutoff
    ).only("id"):
        if (
            await Signup.exists(attendee_id=attendee.id)
            or await Consent.exists(attendee_id=attendee.id)
            or await MatchMember.exists(attendee_id=attendee.id)
        ):
            continue  # something else of theirs is still kept: a newer sign-up, say
        # Erased first (mail to them, their name in reports), then the row itself goes.
        await _erase(settings, attendee.id, "unconfirmed")
        pending += await Attendee.filter(id=attendee.id, status=AttendeeStatus.ERASED).delete()
    return signups, pending


async def ask_the_inactive(settings: Settings) -> int:
    now = clock.now()
    cutoff = add_months(now, -settings.retention_inactive_months)
    quiet = (
        Q(last_active_at__lte=cutoff)
        | Q(last_active_at__isnull=True, confirmed_at__lte=cutoff)
        | Q(last_active_at__isnull=True, confirmed_at__isnull=True, created_at__lte=cutoff)
    )
    asked = 0
    for attendee in await Attendee.filter(
        quiet, status__in=ASKABLE, stay_asked_at__isnull=True
    ).order_by("id"):
        async with in_transaction():
            # The conditional update is the lock: two workers ask once.
            claimed = await Attendee.filter(
                quiet, id=attendee.id, status__in=ASKABLE, stay_asked_at__isnull=True
            ).update(stay_asked_at=now)
            if not claimed:
                continue
            unsubscribe_url = subscription_url(settings, "unsubscribe", attendee.public_id)
            await enqueue(
                settings,
                key=f"stay_check:{attendee.id}:{now.date().isoformat()}",
                kind="stay_check",
                locale=attendee.locale,
                recipient=Address(name=attendee.name, email=attendee.email),
                context={
                    "name": attendee.name,
                    "inactive_months": settings.retention_inactive_months,
                    "erase_after_days": STAY_ANSWER_WAIT.days,
                    "stay_url": stay_url(settings, attendee.public_id),
                    "pause_url": subscription_url(settings, "pause", attendee.public_id),
                    "unsubscribe_url": unsubscribe_url,
                    **await footer_links(settings, attendee.id, attendee.locale),
                },
                unsubscribe_url=unsubscribe_url,
            )
            asked += 1
    return asked


async def erase_the_silent(settings: Settings) -> int:
    cutoff = clock.now() - STAY_ANSWER_WAIT
    erased = 0
    for attendee in await Attendee.filter(stay_asked_at__lte=cutoff).exclude(
        status=AttendeeStatus.ERASED
    ):
        fresh = await Attendee.get_or_none(id=attendee.id)
        if fresh is None or fresh.stay_asked_at is None or fresh.stay_asked_at > cutoff:
            continue  # they answered meanwhile
        if fresh.last_active_at and fresh.last_active_at > fresh.stay_asked_at:
            continue  # a sign of life since the question: a round, an answer, a sign-up
        erased += await _erase(settings, attendee.id, "inactive")
    return erased


async def stay(settings: Settings, public_id: str) -> Attendee:
    """The answer "yes, I am staying": active again in the retention check's eyes."""
    attendee = await Attendee.get_or_none(public_id=public_id)
    if attendee is None or attendee.status is AttendeeStatus.ERASED:
        raise LinkInvalid("the stay link names no attendee (any more)")
    now = clock.now()
    await (
        Attendee.filter(id=attendee.id)
        .exclude(status=AttendeeStatus.ERASED)
        .update(last_active_at=now, stay_asked_at=None, updated_at=now)
    )
    return attendee


async def run_retention(settings: Settings) -> RetentionReport:
    """The worker's daily job: every rule above, in an order where none undoes another."""
    report = RetentionReport()
    report.erased_after_leaving = await erase_those_who_left(settings)
    report.signups_deleted, report.pending_deleted = await delete_unconfirmed_signups(settings)
    report.erased_inactive = await erase_the_silent(settings)
    report.asked_to_stay = await ask_the_inactive(settings)
    # Each erasure has its own entry; the deletions and questions are summed up here.
    if report.signups_deleted or report.pending_deleted or report.asked_to_stay:
        await record(
            "retention.run",
            actor="worker",
            details={
                "signups_deleted": report.signups_deleted,
                "pending_deleted": report.pending_deleted,
                "asked_to_stay": report.asked_to_stay,
            },
        )
    return report
