"""The dashboard and the results page ask the database the same few questions whether the
network has ten people or three hundred (no query per attendee, group or round)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tortoise import connections

from peernet import clock
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.dashboard.service import dashboard, results
from peernet.feedback.models import MatchFeedback, MeetingAnswer
from peernet.rounds.models import Match, MatchMember, Round, RoundStatus
from peernet.taxonomy.service import get_taxonomy

pytestmark = pytest.mark.usefixtures("frozen_clock", "empty_db")
STATUSES = (AttendeeStatus.ACTIVE,) * 6 + (AttendeeStatus.PAUSED, AttendeeStatus.PENDING)


async def a_network_of(size: int, first: int) -> None:
    """``size`` attendees over every role and police unit, confirmed over a year, and three
    published rounds in which everyone active is paired and answers."""
    taxonomy = get_taxonomy()
    roles, regions, themes = list(taxonomy.roles), list(taxonomy.regions), list(taxonomy.themes)
    now = clock.now()
    await Attendee.bulk_create(
        [
            Attendee(
                name=f"Deelnemer {n}",
                email=f"d{n}@example.org",
                email_normalized=f"d{n}@example.org",
                organisation=f"Organisatie {n % 40}",
                role=roles[n % len(roles)],
                region=regions[n % len(regions)],
                expertise=themes[n % 7 : n % 7 + 3],
                gaps=themes[n % 11 : n % 11 + 2],
                languages=["nl"],
                meeting_preference="either",
                status=STATUSES[n % len(STATUSES)],
                created_at=now,
                updated_at=now,
                confirmed_at=now - timedelta(days=n % 365),
            )
            for n in range(first, first + size)
        ]
    )
    active = sorted(
        await Attendee.filter(
            status=AttendeeStatus.ACTIVE,
            email__in=[f"d{n}@example.org" for n in range(first, first + size)],
        ).values_list("id", flat=True)
    )
    for month in ("08", "09", "10"):
        rnd = await Round.create(
            period=f"{first}-{month}",
            status=RoundStatus.PUBLISHED,
            created_at=now,
            published_at=now,
        )
        await Match.bulk_create([Match(round=rnd) for _ in range(len(active) // 2)])
        matches: list[Any] = (
            await Match.filter(round=rnd).order_by("id").values_list("id", flat=True)
        )
        pairs = list(zip(active[::2], active[1::2], strict=False))
        await MatchMember.bulk_create(
            [
                MatchMember(match_id=m, attendee_id=person)
                for m, pair in zip(matches, pairs, strict=False)
                for person in pair
            ]
        )
        await MatchFeedback.bulk_create(
            [
                MatchFeedback(
                    match_id=m,
                    attendee_id=pair[0],
                    answer=MeetingAnswer.MET if m % 3 else MeetingAnswer.REMATCH,
                    rating=1 + m % 5 if m % 3 else None,
                    answered_at=now,
                )
                for m, pair in zip(matches, pairs, strict=False)
            ]
        )


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    connection = connections.get("default")
    seen: list[str] = []
    originals: dict[str, Any] = {}
    for name in ("execute_query", "execute_query_dict"):
        original = getattr(connection, name)
        originals[name] = original

        def counted(query: str, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            seen.append(query)
            return _original(query, *args, **kwargs)

        setattr(connection, name, counted)
    try:
        yield seen
    finally:
        for name in originals:
            delattr(connection, name)


async def queries_for_both_pages() -> tuple[int, int]:
    with counting_queries() as seen:
        figures = await dashboard(ZoneInfo("Europe/Amsterdam"))
    on_dashboard = len(seen)
    with counting_queries() as seen:
        found = await results()
    assert figures.totals.total > 0 and found.rounds
    return on_dashboard, len(seen)


async def test_the_queries_do_not_grow_with_the_network() -> None:
    await a_network_of(10, first=1000)
    small = await queries_for_both_pages()
    await a_network_of(300, first=2000)
    large = await queries_for_both_pages()
    figures = await dashboard(ZoneInfo("Europe/Amsterdam"))
    assert figures.totals.total == 310
    assert large == small
    # One query per figure: statuses, growth, themes, rounds (list, groups, met, answers),
    # the grid, undelivered mail, sign-ups; the results: rounds (4) and members that met (2).
    assert large == (10, 6)
