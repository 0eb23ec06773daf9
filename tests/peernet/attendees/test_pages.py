from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from peernet.attendees.models import Attendance, Attendee, AttendeeStatus, Consent
from peernet.outbox.models import OutboxMessage
from tests.peernet.conftest import Clock
from tests.peernet.factories import an_event, signup_data
from tests.peernet.helpers import confirmation_token, csrf_token, form_fields

pytestmark = pytest.mark.usefixtures("frozen_clock")


async def submit(
    client: httpx.AsyncClient, data: dict[str, object], *, lang: str = "nl", follow: bool = True
) -> httpx.Response:
    """Fill in the form and send it, as a browser does (following the redirect)."""
    page = await client.get(f"/join/omei-utrecht?lang={lang}")
    fields: list[tuple[str, str | int | float | bool | None]] = [
        ("csrf_token", csrf_token(page)),
        *form_fields(data),
    ]
    return await client.post(
        f"/join/omei-utrecht?lang={lang}",
        content=str(httpx.QueryParams(fields)).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=follow,
    )


async def test_the_form_is_dutch_by_default_and_english_one_click_away(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    dutch = await client.get("/join/omei-utrecht")
    assert dutch.status_code == 200
    assert '<html lang="nl">' in dutch.text
    assert "Aanmelden voor het peernetwerk" in dutch.text
    assert 'href="/join/omei-utrecht?lang=en"' in dutch.text
    english = await client.get("/join/omei-utrecht?lang=en")
    assert '<html lang="en">' in english.text
    assert "Join the peer network" in english.text
    # The choice is remembered.
    assert '<html lang="en">' in (await client.get("/join/omei-utrecht")).text


async def test_every_input_has_a_label_and_the_consent_text_is_shown(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    page = (await client.get("/join/omei-utrecht")).text
    for field in ("name", "email", "organisation", "role", "region"):
        assert f'<label for="{field}">' in page
        assert f'id="{field}"' in page
    assert "<legend>" in page
    assert "peernet bewaart je naam" in page
    assert 'name="consent" value="yes"' in page


async def test_a_valid_form_signs_up_and_shows_check_your_inbox(client: httpx.AsyncClient) -> None:
    await an_event()
    response = await submit(client, signup_data())
    assert response.status_code == 200
    assert "Kijk in je mailbox" in response.text
    assert "anouk.devries@example.org" in response.text
    attendee = await Attendee.get()
    assert attendee.status is AttendeeStatus.PENDING
    assert attendee.locale == "nl"


async def test_an_english_form_sends_an_english_confirmation(client: httpx.AsyncClient) -> None:
    await an_event()
    response = await submit(client, signup_data(), lang="en")
    assert "Check your inbox" in response.text
    message = await OutboxMessage.get(kind="confirmation")
    assert message.locale == "en"


async def test_a_bad_field_rerenders_with_input_kept_and_the_message_at_the_field(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    response = await submit(client, signup_data(email="anouk@", name="Ümit Çelik"))
    assert response.status_code == 422
    page = response.text
    assert 'value="Ümit Çelik"' in page
    assert 'value="anouk@"' in page
    assert '<p class="error" id="email-error">' in page
    assert 'aria-describedby="email-hint email-error" aria-invalid="true"' in page
    assert 'value="cross_domain_cooperation" checked' in page
    assert await Attendee.all().count() == 0


async def test_a_form_without_consent_is_refused_at_the_consent_box(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    response = await submit(client, signup_data(consent=False))
    assert response.status_code == 422
    assert 'id="consent-error"' in response.text
    assert "Geef toestemming om gekoppeld te worden" in response.text


@pytest.mark.parametrize("token", [None, "", "forged", "InR3ZWFrZWQi.ZX.abc"])
async def test_a_missing_or_wrong_csrf_token_is_refused(
    client: httpx.AsyncClient, token: str | None
) -> None:
    await an_event()
    await client.get("/join/omei-utrecht")
    fields = form_fields(signup_data())
    if token is not None:
        fields.append(("csrf_token", token))
    response = await client.post("/join/omei-utrecht", data=dict(fields))
    assert response.status_code == 403
    assert "Het formulier is verlopen" in response.text
    assert await Attendee.all().count() == 0


async def test_a_csrf_token_from_another_visitor_is_refused(
    client: httpx.AsyncClient, settings: object
) -> None:
    await an_event()
    page = await client.get("/join/omei-utrecht")
    token = csrf_token(page)
    client.cookies.set("peernet_csrf", "someone-elses-cookie")
    response = await client.post(
        "/join/omei-utrecht", data={"csrf_token": token, **dict(form_fields(signup_data()))}
    )
    assert response.status_code == 403


async def test_an_unknown_event_is_a_404_page_and_a_closed_one_says_so(
    client: httpx.AsyncClient,
) -> None:
    await an_event("gesloten", is_open=False, title="Training Rotterdam")
    unknown = await client.get("/join/bestaat-niet")
    assert unknown.status_code == 404
    assert "Pagina niet gevonden" in unknown.text
    closed = await client.get("/join/gesloten")
    assert closed.status_code == 410
    assert "Aanmelden is gesloten" in closed.text
    assert "Training Rotterdam" in closed.text
    posted = await client.post("/join/gesloten", data={"name": "x"})
    assert posted.status_code == 410


async def test_the_confirmation_link_shows_a_button_and_only_the_post_confirms(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    await submit(client, signup_data())
    token = await confirmation_token("anouk.devries@example.org")
    page = await client.get(f"/confirm/{token}")
    assert page.status_code == 200
    assert "Bevestig mijn aanmelding" in page.text
    assert (
        await Attendee.get()
    ).status is AttendeeStatus.PENDING  # a mail scanner's GET changes nothing
    done = await client.post(f"/confirm/{token}", data={"csrf_token": csrf_token(page)})
    assert done.status_code == 200
    assert "Je aanmelding is bevestigd" in done.text
    attendee = await Attendee.get()
    assert attendee.status is AttendeeStatus.ACTIVE
    assert await Attendance.filter(attendee=attendee).count() == 1
    consent = await Consent.get(attendee=attendee)
    assert consent.purpose == "matching_and_email"
    assert consent.text_version
    assert consent.channel.startswith("form:")


async def test_a_confirmation_link_works_once(client: httpx.AsyncClient) -> None:
    await an_event()
    await submit(client, signup_data())
    token = await confirmation_token("anouk.devries@example.org")
    page = await client.get(f"/confirm/{token}")
    await client.post(f"/confirm/{token}", data={"csrf_token": csrf_token(page)})
    again = await client.post(f"/confirm/{token}", data={"csrf_token": csrf_token(page)})
    assert again.status_code == 409
    assert "al gebruikt" in again.text
    assert (await client.get(f"/confirm/{token}")).status_code == 409
    assert await Consent.all().count() == 1


async def test_a_confirmation_link_expires_after_seven_days(
    client: httpx.AsyncClient, frozen_clock: Clock
) -> None:
    await an_event()
    await submit(client, signup_data())
    token = await confirmation_token("anouk.devries@example.org")
    frozen_clock.advance(timedelta(days=7) - timedelta(seconds=1))
    page = await client.get(f"/confirm/{token}")
    assert page.status_code == 200
    frozen_clock.advance(timedelta(seconds=1))
    expired = await client.post(f"/confirm/{token}", data={"csrf_token": csrf_token(page)})
    assert expired.status_code == 410
    assert "verlopen" in expired.text
    assert (await Attendee.get()).status is AttendeeStatus.PENDING


@pytest.mark.parametrize(
    "mangle",
    [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[:20], lambda t: t + "x"],
)
async def test_a_tampered_confirmation_link_is_refused(
    client: httpx.AsyncClient, mangle: object
) -> None:
    await an_event()
    await submit(client, signup_data())
    token = await confirmation_token("anouk.devries@example.org")
    tampered = mangle(token)  # type: ignore[operator]
    assert (await client.get(f"/confirm/{tampered}")).status_code == 404
    page = await client.get("/join/omei-utrecht")
    response = await client.post(f"/confirm/{tampered}", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 404
    assert "Deze link werkt niet" in response.text


async def test_new_details_for_a_known_address_apply_only_once_confirmed(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    await submit(client, signup_data())
    first = await confirmation_token("anouk.devries@example.org")
    page = await client.get(f"/confirm/{first}")
    await client.post(f"/confirm/{first}", data={"csrf_token": csrf_token(page)})

    second_page = await submit(
        client, signup_data(region="rotterdam", organisation="Gemeente Rotterdam")
    )
    assert "Kijk in je mailbox" in second_page.text
    assert (await Attendee.get()).region == "midden_nederland"
    second = await confirmation_token("anouk.devries@example.org")
    assert second != first
    page = await client.get(f"/confirm/{second}")
    await client.post(f"/confirm/{second}", data={"csrf_token": csrf_token(page)})
    attendee = await Attendee.get()
    assert (attendee.region, attendee.organisation) == ("rotterdam", "Gemeente Rotterdam")
    assert await Attendee.all().count() == 1
    assert await Consent.filter(attendee=attendee).count() == 2
