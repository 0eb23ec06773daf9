"""Pause and unsubscribe links work for 180 days after sending, then say they expired."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from peernet.attendees.models import Attendee, AttendeeStatus, Consent
from peernet.links import SUBSCRIPTION_LINK_VALID_FOR_SECONDS, stay_url, subscription_url
from peernet.outbox.models import OutboxMessage
from peernet.settings import Settings
from peernet.web.app import create_app
from tests.peernet.conftest import Clock, make_settings
from tests.peernet.factories import a_pair, a_published_round

VALID_FOR = timedelta(seconds=SUBSCRIPTION_LINK_VALID_FOR_SECONDS)
ONE_CLICK = {
    "content": b"List-Unsubscribe=One-Click",
    "headers": {"content-type": "application/x-www-form-urlencoded"},
}


def path(url: str) -> str:
    return url.removeprefix("https://peernet.test")


def test_the_links_last_180_days_well_beyond_the_30_days_senders_are_held_to() -> None:
    assert timedelta(days=180) == VALID_FOR


async def test_a_pause_link_works_until_its_180th_day_then_points_to_the_personal_page(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, _ = await a_pair()
    link = path(subscription_url(settings, "pause", anouk.public_id))
    frozen_clock.advance(VALID_FOR - timedelta(minutes=1))
    assert (await client.get(link)).status_code == 200
    frozen_clock.advance(timedelta(minutes=2))
    page = await client.get(link)
    assert page.status_code == 410
    assert "Deze link is verlopen" in page.text
    assert 'href="/me"' in page.text
    english = await client.get(f"{link}?lang=en")
    assert english.status_code == 410 and "This link has expired" in english.text
    refused = await client.post(link, data={"months": "3"})
    assert refused.status_code == 410
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ACTIVE


async def test_a_one_click_unsubscribe_with_an_expired_link_is_answered_410_and_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    intro = await OutboxMessage.get(recipient_email=anouk.email)
    link = path(intro.headers["List-Unsubscribe"])
    consents_before = await Consent.filter(attendee_id=anouk.id, withdrawn_at__isnull=True).count()
    frozen_clock.advance(VALID_FOR + timedelta(days=1))
    client.cookies.clear()
    answer = await client.post(link, **ONE_CLICK)  # type: ignore[arg-type]
    assert answer.status_code == 410
    assert "Deze link is verlopen" in answer.text
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ACTIVE
    assert (
        await Consent.filter(attendee_id=anouk.id, withdrawn_at__isnull=True).count()
        == consents_before
    )
    # A fresh link from a newer email works.
    fresh = path(subscription_url(settings, "unsubscribe", anouk.public_id))
    assert (await client.post(fresh, **ONE_CLICK)).status_code == 200  # type: ignore[arg-type]
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.LEFT


async def test_an_altered_link_is_still_invalid_not_expired(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, _ = await a_pair()
    link = path(subscription_url(settings, "unsubscribe", anouk.public_id))
    frozen_clock.advance(VALID_FOR + timedelta(days=1))
    altered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    page = await client.get(altered)
    assert page.status_code == 404
    assert "Deze link werkt niet" in page.text


@pytest.fixture
async def rotated_client(empty_db: None) -> AsyncIterator[httpx.AsyncClient]:
    """The app after a key rotation: the new SECRET_KEY, the old one as SECRET_KEY_PREVIOUS."""
    rotated = make_settings(
        SECRET_KEY="the-new-secret-key-long-enough-0123456789",
        SECRET_KEY_PREVIOUS=str(make_settings().secret_key),
    )
    app = create_app(rotated, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://peernet.test") as c:
        yield c


async def test_links_signed_with_the_previous_key_keep_their_age_after_a_rotation(
    rotated_client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, _ = await a_pair()
    before_rotation = path(subscription_url(settings, "unsubscribe", anouk.public_id))
    frozen_clock.advance(VALID_FOR - timedelta(days=1))
    assert (await rotated_client.get(before_rotation)).status_code == 200
    frozen_clock.advance(timedelta(days=2))
    page = await rotated_client.get(before_rotation)
    assert page.status_code == 410
    assert "Deze link is verlopen" in page.text


async def test_a_stay_link_expires_after_60_days_on_peernets_clock(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, _ = await a_pair()
    link = path(stay_url(settings, anouk.public_id))
    frozen_clock.advance(timedelta(days=59))
    assert (await client.get(link)).status_code == 200
    frozen_clock.advance(timedelta(days=2))
    assert (await client.post(link)).status_code == 410
