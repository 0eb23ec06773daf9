from __future__ import annotations

from datetime import UTC, datetime

import pytest

from peernet.outbox.models import OutboxMessage
from peernet.rounds.models import Round, RoundStatus
from peernet.rounds.schedule import plan_month_on_schedule
from peernet.settings import Settings
from peernet.worker import build_scheduler, make_transport
from tests.peernet.conftest import make_settings
from tests.peernet.factories import a_coordinator, a_pair


def test_the_month_is_planned_on_the_first_monday_at_nine_local_time() -> None:
    settings = make_settings()
    scheduler = build_scheduler(settings, make_transport(settings))
    trigger = scheduler.get_job("monthly_round").trigger
    after = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    first = trigger.get_next_fire_time(None, after)
    assert first.isoformat() == "2026-12-07T09:00:00+01:00"
    second = trigger.get_next_fire_time(first, first.replace(minute=1))
    assert second.isoformat() == "2027-01-04T09:00:00+01:00"


def test_the_day_and_time_are_settings() -> None:
    settings = make_settings(ROUND_DRAFT_DAY="15", ROUND_DRAFT_TIME="14:30")
    trigger = build_scheduler(settings, make_transport(settings)).get_job("monthly_round").trigger
    fire = trigger.get_next_fire_time(None, datetime(2026, 11, 29, tzinfo=UTC))
    assert fire.isoformat() == "2026-12-15T14:30:00+01:00"


@pytest.mark.usefixtures("empty_db", "frozen_clock")
async def test_the_worker_plans_the_draft_once_and_tells_the_coordinators(
    settings: Settings,
) -> None:
    await a_pair()
    carla = await a_coordinator()
    outcome = await plan_month_on_schedule(settings)
    assert outcome is not None and not outcome.published
    assert outcome.period == "2026-11"  # the frozen clock's month
    assert await plan_month_on_schedule(settings) is None  # the month has its round
    rnd = await Round.get(period="2026-11")
    assert rnd.status is RoundStatus.DRAFT
    notes = await OutboxMessage.filter(kind="round_ready").order_by("recipient_email")
    # The account and the COORDINATOR_EMAILS address without an account, once each.
    assert [m.recipient_email for m in notes] == [carla.email, "coordinator@peernet.test"]
    assert notes[0].text.startswith("Hoi Carla,")
    assert notes[1].text.startswith("Hallo,")
    assert f"https://peernet.test/coordinator/rounds/{rnd.id}" in notes[0].text
    assert await OutboxMessage.filter(kind="introduction").count() == 0


@pytest.mark.usefixtures("empty_db", "frozen_clock")
async def test_with_auto_publish_the_worker_publishes_too() -> None:
    settings = make_settings(AUTO_PUBLISH="1")
    await a_pair()
    outcome = await plan_month_on_schedule(settings)
    assert outcome is not None and outcome.published
    assert (await Round.get(period="2026-11")).status is RoundStatus.PUBLISHED
    assert await OutboxMessage.filter(kind="introduction").count() == 2
    note = await OutboxMessage.get(kind="round_ready")
    assert "automatisch gepubliceerd" in note.text
