"""Rounds: storing a proposed set of matches and publishing it, which introduces every
member by email and sets the due dates of the follow-up nudges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from notifications import Address
from peernet import clock
from peernet.attendees.models import Attendee
from peernet.errors import Conflict, NotFound
from peernet.links import subscription_url
from peernet.outbox.service import enqueue
from peernet.rounds.introductions import introduction_context
from peernet.rounds.models import Match, MatchMember, Round, RoundStatus
from peernet.settings import Settings

NUDGE_LOCAL_TIME = time(9, 30)  # nudges arrive in the morning, local time


def due_at(start: datetime, days: int, zone: ZoneInfo) -> datetime:
    """``days`` calendar days after ``start`` at 09:30 local time, as UTC.

    Counting in local calendar days keeps nudges at the same wall-clock time across the
    daylight-saving changes; the instant is stored in UTC, so it happens exactly once.
    """
    local_day = start.astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(local_day, NUDGE_LOCAL_TIME, tzinfo=zone).astimezone(UTC)


async def create_round(
    period: str,
    groups: Sequence[Sequence[int]],
    *,
    stats: dict[str, object] | None = None,
    scores: Sequence[float] | None = None,
    explanations: Sequence[dict[str, object]] | None = None,
) -> Round:
    """Store a draft round whose matches are ``groups`` of attendee ids (pairs, one trio)."""
    async with in_transaction():
        rnd = await Round.create(period=period, stats=stats or {}, created_at=clock.now())
        for index, group in enumerate(groups):
            match = await Match.create(
                round=rnd,
                score=scores[index] if scores else 0.0,
                explanation=explanations[index] if explanations else {},
            )
            await MatchMember.bulk_create([MatchMember(match=match, attendee_id=a) for a in group])
    return rnd


async def publish_round(settings: Settings, round_id: int) -> int:
    """Publish a draft round: one introduction per member, written in the same transaction.

    Returns the number of introductions queued. Publishing twice is refused.
    """
    now = clock.now()
    zone = settings.timezone
    queued = 0
    async with in_transaction():
        if not await Round.exists(id=round_id):
            raise NotFound(f"no round with id {round_id}")
        claimed = await Round.filter(id=round_id, status=RoundStatus.DRAFT).update(
            status=RoundStatus.PUBLISHED, published_at=now
        )
        if not claimed:
            raise Conflict(f"round {round_id} is already published")
        matches = await Match.filter(round_id=round_id).order_by("id")
        members = await MatchMember.filter(match__round_id=round_id).order_by("id")
        attendees = {
            a.id: a for a in await Attendee.filter(id__in=[m.attendee_id for m in members])
        }
        by_match: dict[int, list[Attendee]] = {}
        for member in members:
            by_match.setdefault(member.match_id, []).append(attendees[member.attendee_id])
        for match in matches:
            group = by_match.get(match.id, [])
            for me in group:
                others = [o for o in group if o.id != me.id]
                await enqueue(
                    settings,
                    key=f"intro:{match.id}:{me.id}",
                    kind="introduction",
                    locale=me.locale,
                    recipient=Address(name=me.name, email=me.email),
                    context=introduction_context(settings, match, me, others),
                    unsubscribe_url=subscription_url(settings, "unsubscribe", me.id),
                )
                queued += 1
            match.introduced_at = now
            match.nudge_met_due_at = due_at(now, settings.nudge_met_after_days, zone)
            match.feedback_due_at = due_at(now, settings.feedback_after_days, zone)
            await match.save(update_fields=["introduced_at", "nudge_met_due_at", "feedback_due_at"])
    return queued
