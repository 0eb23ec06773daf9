"""An older confirmation link, confirmed after a newer one, must not roll the profile back
(issue 12)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from peernet.attendees.models import Attendee, AttendeeStatus, Signup
from peernet.attendees.service import TokenSuperseded, confirm_signup
from tests.peernet.attendees.test_pages import submit
from tests.peernet.factories import an_event, signup_data
from tests.peernet.helpers import confirmation_token, csrf_token

pytestmark = pytest.mark.usefixtures("frozen_clock")
EMAIL = "anouk.devries@example.org"


async def two_signups(client: httpx.AsyncClient) -> tuple[str, str]:
    await an_event()
    await submit(client, signup_data(organisation="Oude Organisatie"))
    older = await confirmation_token(EMAIL)
    await submit(client, signup_data(organisation="Nieuwe Organisatie"))
    newer = await confirmation_token(EMAIL)
    assert older != newer
    return older, newer


async def confirm(client: httpx.AsyncClient, token: str) -> httpx.Response:
    page = await client.get("/join/omei-utrecht")
    return await client.post(f"/confirm/{token}", data={"csrf_token": csrf_token(page)})


async def test_an_older_link_after_a_newer_one_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    older, newer = await two_signups(client)
    assert (await confirm(client, newer)).status_code == 200
    assert (await Attendee.get()).organisation == "Nieuwe Organisatie"

    shown = await client.get(f"/confirm/{older}")
    assert shown.status_code == 410
    assert "nieuwere aanmelding" in shown.text
    refused = await confirm(client, older)
    assert refused.status_code == 410
    assert "nieuwere aanmelding" in refused.text
    attendee = await Attendee.get()
    assert attendee.organisation == "Nieuwe Organisatie"
    assert attendee.status is AttendeeStatus.ACTIVE
    assert await Signup.filter(confirmed_at__isnull=False).count() == 1


async def test_confirming_a_signup_lapses_the_older_pending_ones(
    client: httpx.AsyncClient,
) -> None:
    await two_signups(client)
    older_signup, newer_signup = await Signup.all().order_by("id")
    await confirm(client, await confirmation_token(EMAIL))
    await older_signup.refresh_from_db()
    await newer_signup.refresh_from_db()
    assert older_signup.confirmed_at is None
    assert older_signup.expires_at == newer_signup.confirmed_at


async def test_an_older_link_confirmed_first_is_then_updated_by_the_newer(
    client: httpx.AsyncClient,
) -> None:
    older, newer = await two_signups(client)
    assert (await confirm(client, older)).status_code == 200
    assert (await confirm(client, newer)).status_code == 200
    assert (await Attendee.get()).organisation == "Nieuwe Organisatie"


async def test_older_and_newer_confirmed_at_once_end_with_the_newer_details(
    client: httpx.AsyncClient,
) -> None:
    older, newer = await two_signups(client)
    results = await asyncio.gather(
        confirm_signup(older), confirm_signup(newer), return_exceptions=True
    )
    assert not isinstance(results[1], BaseException)
    # The older one either went first (then the newer overwrote it) or was refused.
    assert not isinstance(results[0], BaseException) or isinstance(results[0], TokenSuperseded)
    assert (await Attendee.get()).organisation == "Nieuwe Organisatie"
