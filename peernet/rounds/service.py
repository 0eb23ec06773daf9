"""Storing a round's groups and reading them back; the due dates of the follow-up nudges."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from peernet.rounds.models import Match, MatchMember

NUDGE_LOCAL_TIME = time(9, 30)  # nudges arrive in the morning, local time


def due_at(start: datetime, days: int, zone: ZoneInfo) -> datetime:
    """``days`` calendar days after ``start`` at 09:30 local time, as UTC.

    Counting in local calendar days keeps nudges at the same wall-clock time across the
    daylight-saving changes; the instant is stored in UTC, so it happens exactly once.
    """
    local_day = start.astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(local_day, NUDGE_LOCAL_TIME, tzinfo=zone).astimezone(UTC)


async def current_groups(round_id: int) -> list[list[int]]:
    """The round's groups as lists of attendee ids, in the order they were stored."""
    by_match: dict[int, list[int]] = defaultdict(list)
    for member in await MatchMember.filter(match__round_id=round_id).order_by("match_id", "id"):
        by_match[member.match_id].append(member.attendee_id)
    return list(by_match.values())


async def store_groups(
    round_id: int,
    groups: Sequence[Sequence[int]],
    *,
    scores: Sequence[float] | None = None,
    explanations: Sequence[dict[str, Any]] | None = None,
    replace: bool = False,
) -> list[Match]:
    """Write ``groups`` of attendee ids (pairs, a trio) as the round's matches; with
    ``replace``, the round's earlier matches go first. Call inside a transaction."""
    if replace:
        await MatchMember.filter(match__round_id=round_id).delete()
        await Match.filter(round_id=round_id).delete()
    matches: list[Match] = []
    for index, group in enumerate(groups):
        match = await Match.create(
            round_id=round_id,
            score=scores[index] if scores else 0.0,
            explanation=explanations[index] if explanations else {},
        )
        await MatchMember.bulk_create([MatchMember(match=match, attendee_id=a) for a in group])
        matches.append(match)
    return matches


def as_published(stats: Mapping[str, Any]) -> Mapping[str, Any]:
    """The round's figures: the plan's, or where publishing changed the plan (people left,
    or the rules changed since), those of the groups it introduced."""
    published = stats.get("published") or {}
    if not published.get("changed"):
        return stats
    return {**stats, **published.get("figures", {})}
