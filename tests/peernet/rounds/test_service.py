from __future__ import annotations

from datetime import UTC, datetime

import pytest

from peernet.outbox.models import OutboxMessage
from peernet.rounds.models import Match, Round, RoundStatus
from peernet.rounds.planning import RoundPublished, create_round
from peernet.rounds.publishing import publish_round
from peernet.rounds.service import due_at
from peernet.settings import Settings
from tests.peernet.conftest import Clock
from tests.peernet.factories import a_pair, an_attendee
from tests.peernet.rounds.explained import an_explained_round, explanation_of

pytestmark = pytest.mark.usefixtures("empty_db", "frozen_clock")


async def test_publishing_introduces_every_member_in_their_language_saying_why(
    settings: Settings,
) -> None:
    anouk, ruud = await a_pair()
    rnd = await an_explained_round("2026-11", [[anouk, ruud]])
    assert (await publish_round(settings, rnd.id)).introductions == 2
    to_anouk = await OutboxMessage.get(idempotency_key=f"intro:{(await Match.get()).id}:{anouk.id}")
    to_ruud = await OutboxMessage.get(recipient_email="ruud@example.org")
    assert to_anouk.kind == to_ruud.kind == "introduction"
    assert (to_anouk.locale, to_ruud.locale) == ("nl", "en")
    # Who the other is, and why, in plain words.
    assert "Ruud van 't Hoff" in to_anouk.text and "Wijkagent" in to_anouk.text
    assert "ruud@example.org" in to_anouk.text
    assert "Ruud weet veel van gesprekstechnieken: daar wil jij meer over leren." in to_anouk.text
    assert (
        "Jij weet veel van lokaal beleid & netwerk: daar wil Ruud meer over leren." in to_anouk.text
    )
    assert "politie & handhaving" in to_anouk.text
    assert "Anouk knows a lot about local policy & network" in to_ruud.text
    assert "Municipal policy officer" in to_ruud.text
    # The partner in the third person, and advice that fits both.
    assert "Fysiek of online, allebei goed" in to_anouk.text
    assert "In person or online, either is fine" in to_ruud.text
    assert (
        "Jullie werken in dezelfde regio, Midden-Nederland: spreek af op locatie, of online als "
        "dat makkelijker is." in " ".join(to_anouk.text.split())
    )
    assert to_anouk.headers["List-Unsubscribe"].startswith("https://peernet.test/unsubscribe/")
    assert (await Round.get()).status is RoundStatus.PUBLISHED


async def test_a_trio_introduces_each_member_to_both_others(settings: Settings) -> None:
    anouk, ruud = await a_pair()
    elif_ = await an_attendee(
        "Elif Yılmaz", email="elif.yilmaz@example.org", role="teacher", region="amsterdam"
    )
    rnd = await an_explained_round("2026-11", [[anouk, ruud, elif_]])
    assert (await publish_round(settings, rnd.id)).introductions == 3
    to_elif = await OutboxMessage.get(recipient_email=elif_.email)
    assert "Anouk de Vries" in to_elif.text and "Ruud van 't Hoff" in to_elif.text
    assert "trio" in to_elif.text
    text = " ".join(to_elif.text.split())
    assert "Anouk werkt in regio Midden-Nederland, naast jouw regio Amsterdam." in text
    assert (
        "Jullie kijken vanuit verschillende vakgebieden: ‘onderwijs’, ‘gemeente & beleid’ en "
        "‘politie & handhaving’." in text
    )


async def test_the_introduction_says_what_was_stored_when_the_round_was_planned(
    settings: Settings,
) -> None:
    anouk, ruud = await a_pair()
    rnd = await create_round("2026-11", [[anouk.id, ruud.id]])
    assert (await Match.get()).explanation == explanation_of([anouk, ruud])
    # Anouk changes her gaps after the draft was made: the introduction keeps to the
    # reasons the coordinator saw.
    anouk.gaps = ["family_approach"]
    await anouk.save()
    await publish_round(settings, rnd.id)
    to_anouk = await OutboxMessage.get(recipient_email=anouk.email)
    assert "Ruud weet veel van gesprekstechnieken: daar wil jij meer over leren." in to_anouk.text


async def test_a_round_is_published_once(settings: Settings) -> None:
    anouk, ruud = await a_pair()
    rnd = await create_round("2026-11", [[anouk.id, ruud.id]])
    await publish_round(settings, rnd.id)
    with pytest.raises(RoundPublished):
        await publish_round(settings, rnd.id)
    assert await OutboxMessage.all().count() == 2


async def test_nudges_are_due_at_half_past_nine_local_time(
    settings: Settings, frozen_clock: Clock
) -> None:
    frozen_clock.set(datetime(2026, 3, 20, 15, 0, tzinfo=UTC))  # before summer time starts
    anouk, ruud = await a_pair()
    rnd = await create_round("2026-03", [[anouk.id, ruud.id]])
    await publish_round(settings, rnd.id)
    match = await Match.get()
    zone = settings.timezone
    assert match.nudge_met_due_at is not None and match.feedback_due_at is not None
    assert match.nudge_met_due_at.astimezone(zone).isoformat() == "2026-04-03T09:30:00+02:00"
    assert match.feedback_due_at.astimezone(zone).isoformat() == "2026-04-24T09:30:00+02:00"


def test_due_at_counts_local_calendar_days_across_both_clock_changes(settings: Settings) -> None:
    zone = settings.timezone
    autumn = due_at(datetime(2026, 10, 20, 22, 30, tzinfo=UTC), 14, zone)  # 00:30 local on the 21st
    assert autumn.astimezone(zone).isoformat() == "2026-11-04T09:30:00+01:00"
    spring = due_at(datetime(2026, 3, 28, 12, 0, tzinfo=UTC), 1, zone)
    assert spring.astimezone(zone).isoformat() == "2026-03-29T09:30:00+02:00"
