"""The optional consents on the sign-up form: recorded at confirmation, each its own record
of its own text, none needed to take part, and the main text's renewal unaffected."""

from __future__ import annotations

import httpx

from peernet.attendees.consents import (
    ANNOUNCEMENTS,
    CONSENT_PURPOSE,
    STATISTICS,
    needing_renewal,
    optional_consent,
    optional_consents_of,
)
from peernet.attendees.models import Attendee, Consent
from tests.peernet.conftest import Clock
from tests.peernet.factories import an_event, signup_data
from tests.peernet.helpers import confirmation_token, csrf_token, form_fields


async def _join(client: httpx.AsyncClient, extra: list[tuple[str, str]]) -> httpx.Response:
    page = await client.get("/join/omei-utrecht")
    assert "Mail me over bijeenkomsten in mijn politie-eenheid" in page.text
    fields: list[tuple[str, str | int | float | bool | None]] = [
        ("csrf_token", csrf_token(page)),
        *form_fields(signup_data()),
        *extra,
    ]
    return await client.post(
        "/join/omei-utrecht",
        content=str(httpx.QueryParams(fields)).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


async def test_ticked_optional_consents_are_recorded_when_confirmed(
    client: httpx.AsyncClient, frozen_clock: Clock
) -> None:
    await an_event()
    answer = await _join(client, [("consent_announcements", "yes"), ("consent_statistics", "yes")])
    assert answer.status_code == 303  # post/redirect/get: the thank-you page is a GET
    token = await confirmation_token(signup_data()["email"])
    page = await client.get(f"/confirm/{token}")
    assert page.status_code == 200
    await client.post(f"/confirm/{token}", data={"csrf_token": csrf_token(page)})
    attendee = await Attendee.get(email_normalized=signup_data()["email"])
    assert await optional_consents_of(attendee.id) == {ANNOUNCEMENTS, STATISTICS}
    record = await Consent.get(attendee_id=attendee.id, purpose=STATISTICS)
    assert record.text_version == optional_consent(STATISTICS).version
    assert await Consent.filter(attendee_id=attendee.id, purpose=CONSENT_PURPOSE).count() == 1
    assert await needing_renewal([attendee.id]) == set()


async def test_no_optional_consent_is_needed_to_join(
    client: httpx.AsyncClient, frozen_clock: Clock
) -> None:
    await an_event()
    assert (await _join(client, [])).status_code == 303
    token = await confirmation_token(signup_data()["email"])
    page = await client.get(f"/confirm/{token}")
    await client.post(f"/confirm/{token}", data={"csrf_token": csrf_token(page)})
    attendee = await Attendee.get(email_normalized=signup_data()["email"])
    assert attendee.status.value == "active"
    assert await optional_consents_of(attendee.id) == set()
