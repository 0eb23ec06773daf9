from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from peernet.attendees.models import Attendee, AttendeeStatus, Consent
from peernet.attendees.subscription import add_months, resume_ended_pauses
from peernet.links import subscription_url
from peernet.outbox.models import OutboxMessage, OutboxStatus
from peernet.settings import Settings
from peernet.web.dates import local_date
from tests.peernet.conftest import Clock
from tests.peernet.factories import a_pair, a_published_round, an_event, signup_data

pytestmark = pytest.mark.usefixtures("frozen_clock")


def path(url: str) -> str:
    return url.removeprefix("https://peernet.test")


async def test_one_click_unsubscribe_works_without_cookies(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    intro = await OutboxMessage.get(recipient_email=anouk.email)
    url = intro.headers["List-Unsubscribe"]
    client.cookies.clear()
    # What a mail client sends for RFC 8058: a bare POST, no cookies, no CSRF token.
    response = await client.post(
        path(url),
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert "Je bent afgemeld" in response.text
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.LEFT
    # Unsent mail to them is cancelled; the partner's is untouched.
    assert (await OutboxMessage.get(id=intro.id)).status is OutboxStatus.FAILED
    assert (await OutboxMessage.get(recipient_email=ruud.email)).status is OutboxStatus.PENDING


async def test_a_get_of_the_unsubscribe_link_only_shows_the_button(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    page = await client.get(path(subscription_url(settings, "unsubscribe", anouk.public_id)))
    assert page.status_code == 200
    assert "Meld me af" in page.text
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ACTIVE


async def test_unsubscribing_withdraws_consent(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await an_event()
    await client.post("/api/v1/events/omei-utrecht/signups", json=signup_data())
    attendee = await Attendee.get()
    await Consent.create(
        attendee=attendee,
        purpose="matching_and_email",
        text_version="t",
        locale="nl",
        channel="test",
        given_at=datetime(2026, 1, 1, tzinfo=UTC),
        confirmed_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    confirmation = await OutboxMessage.get(kind="confirmation")
    await client.post(path(confirmation.headers["List-Unsubscribe"]))
    assert (await Consent.get()).withdrawn_at is not None


async def test_a_forged_unsubscribe_link_changes_nothing(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = subscription_url(settings, "unsubscribe", anouk.public_id)
    other_key = subscription_url(settings, "pause", anouk.public_id).rsplit("/", 1)[1]
    for bad in (url[:-2], f"/unsubscribe/{other_key}"):
        assert (await client.post(path(bad))).status_code == 404
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ACTIVE


@pytest.mark.parametrize("months", [1, 3])
async def test_a_pause_ends_on_its_own(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock, months: int
) -> None:
    anouk, _ = await a_pair()
    url = path(subscription_url(settings, "pause", anouk.public_id))
    assert "Pauzeer mijn koppelingen" in (await client.get(url)).text
    done = await client.post(url, data={"months": str(months)})
    assert done.status_code == 200
    paused = await Attendee.get(id=anouk.id)
    assert paused.status is AttendeeStatus.PAUSED
    assert paused.paused_until == add_months(frozen_clock.current, months)
    until = paused.paused_until.astimezone(settings.timezone).date()
    assert local_date(until, "nl") in done.text  # e.g. "12 december 2026"
    frozen_clock.set(paused.paused_until - timedelta(seconds=1))
    assert await resume_ended_pauses() == 0
    frozen_clock.set(paused.paused_until)
    assert await resume_ended_pauses() == 1
    resumed = await Attendee.get(id=anouk.id)
    assert (resumed.status, resumed.paused_until) == (AttendeeStatus.ACTIVE, None)


@pytest.mark.parametrize("months", ["2", "", "drie", None])
async def test_a_pause_of_another_length_is_refused_at_the_field(
    client: httpx.AsyncClient, settings: Settings, months: str | None
) -> None:
    anouk, _ = await a_pair()
    url = path(subscription_url(settings, "pause", anouk.public_id))
    response = await client.post(url, data={} if months is None else {"months": months})
    assert response.status_code == 422
    assert 'id="months-error"' in response.text
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ACTIVE


def test_add_months_keeps_the_day_or_takes_the_last_one() -> None:
    assert add_months(datetime(2026, 1, 31, 9, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, 9, tzinfo=UTC
    )
    assert add_months(datetime(2026, 11, 30, tzinfo=UTC), 3) == datetime(2027, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2027, 12, 15, tzinfo=UTC), 1) == datetime(2028, 1, 15, tzinfo=UTC)


async def test_a_pause_link_of_someone_not_being_matched_does_not_claim_a_pause(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    await Attendee.filter(id=anouk.id).update(status=AttendeeStatus.PENDING)
    await Attendee.filter(id=ruud.id).update(status=AttendeeStatus.LEFT)
    # In their own language: Anouk's is Dutch, Ruud's English.
    for person, status, says in (
        (anouk, AttendeeStatus.PENDING, "Deze link werkt niet"),
        (ruud, AttendeeStatus.LEFT, "This link does not work"),
    ):
        url = path(subscription_url(settings, "pause", person.public_id))
        assert (await client.get(url)).status_code == 404
        answer = await client.post(url, data={"months": "1"})
        assert answer.status_code == 404
        assert says in answer.text
        after = await Attendee.get(id=person.id)
        assert after.status is status and after.paused_until is None


async def test_a_pause_link_opened_again_says_they_are_already_paused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = path(subscription_url(settings, "pause", anouk.public_id))
    assert "Je hebt al pauze" not in (await client.get(url)).text
    await client.post(url, data={"months": "1"})
    again = await client.get(url)
    assert again.status_code == 200
    assert "Je hebt al pauze: tot 12 december 2026 koppelen we je niet." in again.text
    await client.post(url, data={"months": "until_resumed"})
    assert "we koppelen je niet tot je het zelf weer aanzet" in (await client.get(url)).text


async def test_an_unsubscribe_link_opened_again_says_they_have_already_left(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = path(subscription_url(settings, "unsubscribe", anouk.public_id))
    assert "Je bent al afgemeld" not in (await client.get(url)).text
    await client.post(url, data={"data": "keep"})
    again = await client.get(url)
    assert again.status_code == 200 and "Je bent al afgemeld" in again.text
