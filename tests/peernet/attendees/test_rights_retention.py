"""Retention with a moved clock, leaving with a choice, and the "do you want to stay?" link."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from peernet.attendees.models import Attendee, AttendeeStatus, Signup
from peernet.attendees.retention import (
    delete_unconfirmed_signups,
    erase_the_silent,
    erase_those_who_left,
    run_retention,
)
from peernet.attendees.schemas import parse_signup
from peernet.attendees.service import confirm_signup, sign_up
from peernet.attendees.subscription import unsubscribe
from peernet.audit.models import AuditEntry
from peernet.feedback.service import record_answer
from peernet.links import answer_url, stay_url, subscription_url
from peernet.outbox.models import OutboxMessage, OutboxStatus
from peernet.rounds.models import Match
from peernet.settings import Settings
from tests.peernet.conftest import Clock, make_settings
from tests.peernet.factories import a_pair, a_published_round, an_attendee, an_event, signup_data
from tests.peernet.helpers import confirmation_token

pytestmark = pytest.mark.usefixtures("empty_db")
DAY = timedelta(days=1)
STAY_LINK = re.compile(r"https://peernet\.test/stay/[A-Za-z0-9_.-]+")


def path(url: str) -> str:
    return url.removeprefix("https://peernet.test")


async def test_who_left_is_erased_after_30_days_unless_they_came_back(
    settings: Settings, frozen_clock: Clock
) -> None:
    event = await an_event()
    anouk, ruud = await a_pair()
    await unsubscribe(anouk.id)
    await unsubscribe(ruud.id)
    frozen_clock.advance(29 * DAY)
    assert await erase_those_who_left(settings) == 0
    # Ruud signs up again and confirms: he is back, his profile stays.
    await sign_up(
        settings,
        event.slug,
        parse_signup(signup_data(name=ruud.name, email=ruud.email)),
        channel="form",
    )
    await confirm_signup(await confirmation_token(ruud.email))
    frozen_clock.advance(DAY + timedelta(minutes=1))
    assert await erase_those_who_left(settings) == 1
    assert await erase_those_who_left(settings) == 0  # run twice = once
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ERASED
    back = await Attendee.get(id=ruud.id)
    assert back.status is AttendeeStatus.ACTIVE and back.left_at is None
    [entry] = await AuditEntry.filter(action="attendee.erase")
    assert entry.actor == "worker" and entry.details == {"reason": "left"}


async def test_unconfirmed_signups_go_after_30_days_and_pending_people_with_them(
    settings: Settings, frozen_clock: Clock
) -> None:
    event = await an_event()
    member = await an_attendee("Ruud Bakker", email="ruud@example.org")
    await sign_up(settings, event.slug, parse_signup(signup_data()), channel="form")
    await sign_up(
        settings,
        event.slug,
        parse_signup(signup_data(name="Ruud Bakker", email="ruud@example.org")),
        channel="form",
    )
    stranger = await Attendee.get(email_normalized="anouk.devries@example.org")
    assert stranger.status is AttendeeStatus.PENDING
    frozen_clock.advance(29 * DAY)
    assert await delete_unconfirmed_signups(settings) == (0, 0)
    frozen_clock.advance(2 * DAY)
    assert await delete_unconfirmed_signups(settings) == (2, 1)
    assert await delete_unconfirmed_signups(settings) == (0, 0)
    assert not await Signup.exists()
    assert not await Attendee.exists(id=stranger.id)
    # Her confirmation email no longer holds her address; the member is untouched.
    assert not await OutboxMessage.filter(recipient_email="anouk.devries@example.org").exists()
    assert (await Attendee.get(id=member.id)).status is AttendeeStatus.ACTIVE


async def test_the_inactive_are_asked_once_and_erased_30_days_after_a_silent_question(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    start = frozen_clock.current
    anouk, ruud = await a_pair()
    quiet = await an_attendee("Carla Smit", email="carla@example.org")
    await a_published_round(settings, [[anouk.id, ruud.id]])
    await Attendee.filter(id=quiet.id).update(confirmed_at=start - 30 * DAY)

    frozen_clock.set(start + 23 * 30 * DAY)  # 23 months on: nobody yet
    report = await run_retention(settings)
    assert report.asked_to_stay == 0
    frozen_clock.set(start + 24 * 31 * DAY)
    assert (await run_retention(settings)).asked_to_stay == 3
    assert (await run_retention(settings)).asked_to_stay == 0  # asked once
    [summary] = await AuditEntry.filter(action="retention.run")
    assert summary.actor == "worker" and summary.details["asked_to_stay"] == 3
    asks = await OutboxMessage.filter(kind="stay_check").order_by("id")
    assert len(asks) == 3 and "wil je blijven meedoen" in asks[0].text

    # Anouk answers through the link; Ruud answers a nudge (a sign of life); Carla is silent.
    found = STAY_LINK.search(next(m for m in asks if m.recipient_email == anouk.email).text)
    assert found
    page = await client.get(path(found.group(0)))  # a scanner's GET changes nothing
    assert page.status_code == 200 and "Ja, ik blijf" in page.text
    assert (await Attendee.get(id=anouk.id)).stay_asked_at is not None
    answered = await client.post(path(found.group(0)))
    assert answered.status_code == 200 and "Fijn dat je blijft" in answered.text
    match = await Match.get()
    url = answer_url(settings, match_id=match.id, public_id=ruud.public_id, answer="met")
    frozen_clock.advance(DAY)
    await record_answer(settings, url.rsplit("/", 1)[1])

    frozen_clock.advance(28 * DAY)  # 29 days after the question
    assert await erase_the_silent(settings) == 0
    frozen_clock.advance(DAY)
    assert await erase_the_silent(settings) == 1
    assert await erase_the_silent(settings) == 0
    assert (await Attendee.get(id=quiet.id)).status is AttendeeStatus.ERASED
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ACTIVE
    assert (await Attendee.get(id=ruud.id)).status is AttendeeStatus.ACTIVE
    # Carla's question was not sent yet: it is gone, not sent to her later.
    assert not await OutboxMessage.filter(recipient_email=quiet.email).exists()


async def test_a_stay_link_is_refused_when_forged_or_after_erasure(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk = await an_attendee()
    url = path(stay_url(settings, anouk.public_id))
    forged = path(
        stay_url(
            make_settings(SECRET_KEY="another-secret-key-long-enough-0123456789"),
            anouk.public_id,
        )
    )
    assert (await client.get(forged)).status_code == 404
    assert (await client.post(url[:-2] + "xx")).status_code == 404
    await Attendee.filter(id=anouk.id).update(status=AttendeeStatus.ERASED)
    assert (await client.post(url)).status_code == 404


async def test_leaving_keeps_the_profile_by_default_or_erases_it_now(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    form = await client.get(path(subscription_url(settings, "unsubscribe", anouk.public_id)))
    assert 'value="keep" checked' in form.text and 'value="erase"' in form.text

    kept = await client.post(path(subscription_url(settings, "unsubscribe", ruud.public_id)))
    assert "30 more days" in kept.text  # Ruud's language is English
    left = await Attendee.get(id=ruud.id)
    assert left.status is AttendeeStatus.LEFT and left.left_at == frozen_clock.current

    erased = await client.post(
        path(subscription_url(settings, "unsubscribe", anouk.public_id)), data={"data": "erase"}
    )
    assert erased.status_code == 200 and "gewist" in erased.text
    gone = await Attendee.get(id=anouk.id)
    assert gone.status is AttendeeStatus.ERASED and gone.name == ""
    assert not await OutboxMessage.filter(recipient_email=anouk.email).exists()
    [entry] = await AuditEntry.filter(action="attendee.erase")
    assert entry.actor == "attendee" and entry.details == {"reason": "self"}
    # Ruud's introduction no longer names her.
    intro = await OutboxMessage.get(recipient_email=ruud.email)
    assert anouk.name not in intro.text and anouk.email not in intro.text
    assert intro.status is OutboxStatus.FAILED  # he left too: cancelled
