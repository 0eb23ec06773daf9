from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from peernet.feedback.models import MatchFeedback, MeetingAnswer
from peernet.feedback.nudges import queue_due_nudges
from peernet.outbox.models import OutboxMessage
from peernet.rounds.models import Match
from peernet.settings import Settings
from tests.peernet.conftest import Clock
from tests.peernet.factories import a_pair, a_published_round

pytestmark = pytest.mark.usefixtures("empty_db")


async def kinds_sent() -> list[tuple[str, str]]:
    rows = await OutboxMessage.exclude(kind="introduction").order_by("id")
    return [(r.kind, r.recipient_email) for r in rows]


@pytest.mark.parametrize(
    "published",
    [
        datetime(2026, 3, 20, 15, 0, tzinfo=UTC),  # summer time starts on 29 March
        datetime(2026, 10, 14, 22, 45, tzinfo=UTC),  # winter time starts on 25 October
    ],
)
async def test_nudges_go_out_once_after_the_worker_was_down_across_their_due_date(
    settings: Settings, frozen_clock: Clock, published: datetime
) -> None:
    frozen_clock.set(published)
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    match = await Match.get()
    assert match.nudge_met_due_at and match.feedback_due_at

    # Every minute until just before the due time: nothing.
    frozen_clock.set(match.nudge_met_due_at - timedelta(minutes=1))
    assert await queue_due_nudges(settings) == 0
    # The worker is down for three days across the due time, then comes back.
    frozen_clock.set(match.nudge_met_due_at + timedelta(days=3))
    assert await queue_due_nudges(settings) == 2
    assert await queue_due_nudges(settings) == 0
    frozen_clock.advance(timedelta(hours=1))
    assert await queue_due_nudges(settings) == 0
    assert sorted(await kinds_sent()) == [("nudge_met", anouk.email), ("nudge_met", ruud.email)]

    frozen_clock.set(match.feedback_due_at + timedelta(seconds=1))
    assert await queue_due_nudges(settings) == 2
    assert await queue_due_nudges(settings) == 0
    assert [k for k, _ in await kinds_sent()].count("feedback_request") == 2


async def test_walking_minute_by_minute_across_the_clock_change_sends_each_nudge_once(
    settings: Settings, frozen_clock: Clock
) -> None:
    # Published so that the nudge falls on the morning after the October change.
    frozen_clock.set(datetime(2026, 10, 11, 12, 0, tzinfo=UTC))
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    match = await Match.get()
    assert match.nudge_met_due_at is not None
    assert match.nudge_met_due_at.astimezone(settings.timezone).hour == 9
    frozen_clock.set(datetime(2026, 10, 24, 22, 0, tzinfo=UTC))
    total = 0
    while frozen_clock.current < match.nudge_met_due_at + timedelta(hours=3):
        total += await queue_due_nudges(settings)
        frozen_clock.advance(timedelta(minutes=10))
    assert total == 2


async def test_no_have_you_met_nudge_for_those_who_already_answered(
    settings: Settings, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    match = await Match.get()
    await MatchFeedback.create(
        match=match, attendee=anouk, answer=MeetingAnswer.MET, answered_at=frozen_clock.current
    )
    assert match.nudge_met_due_at is not None
    frozen_clock.set(match.nudge_met_due_at)
    assert await queue_due_nudges(settings) == 1
    assert await kinds_sent() == [("nudge_met", ruud.email)]


async def test_the_nudges_carry_signed_one_click_answers(
    settings: Settings, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    match = await Match.get()
    assert match.feedback_due_at is not None
    frozen_clock.set(match.feedback_due_at)
    await queue_due_nudges(settings)
    nudge = await OutboxMessage.get(kind="nudge_met", recipient_email=anouk.email)
    feedback = await OutboxMessage.get(kind="feedback_request", recipient_email=anouk.email)
    assert nudge.text.count("https://peernet.test/answer/") == 3
    assert feedback.text.count("https://peernet.test/answer/") == 3 + 5
    assert "Ruud van 't Hoff" in nudge.text
    assert nudge.headers["List-Unsubscribe"].startswith("https://peernet.test/unsubscribe/")
