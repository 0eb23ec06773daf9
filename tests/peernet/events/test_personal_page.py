"""The personal page: sessions nearby with the attendee's own registration link, and the
optional consents switched on and off (each recorded, withdrawn and logged once)."""

from __future__ import annotations

import httpx

from peernet.attendees.consents import ANNOUNCEMENTS, COHOST, optional_consents_of
from peernet.attendees.models import Consent
from peernet.events import registrations
from peernet.settings import Settings
from tests.peernet.attendees.test_personal_pages import post, sign_in
from tests.peernet.conftest import Clock
from tests.peernet.events.sessions import a_session
from tests.peernet.factories import an_attendee


async def test_sessions_nearby_and_the_consents_on_the_personal_page(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    person = await an_attendee("Ruud", region="rotterdam")
    near = await a_session("rotterdam", unit="rotterdam", title="Avond in Rotterdam")
    await a_session("limburg", unit="limburg", title="Middag in Limburg")
    await registrations.register(settings, person, near)
    await sign_in(client, settings, person)
    page = await client.get("/me/profile")
    assert "Avond in Rotterdam" in page.text and "Middag in Limburg" not in page.text
    assert "/register/" in page.text and "plaats" in page.text

    answer = await post(
        client, "/me/consents", {"consent_announcements": "yes", "consent_cohost": "yes"}
    )
    assert answer.status_code == 303
    assert await optional_consents_of(person.id) == {ANNOUNCEMENTS, COHOST}
    await post(client, "/me/consents", {"consent_announcements": "yes", "consent_cohost": "yes"})
    assert await Consent.filter(attendee_id=person.id).count() == 2  # not recorded twice
    await post(client, "/me/consents", {"consent_cohost": "yes"})
    assert await optional_consents_of(person.id) == {COHOST}
    page = await client.get("/me/profile")
    assert 'name="consent_cohost" value="yes" aria-describedby="consent-cohost-text" checked' in (
        page.text
    )


async def test_the_data_export_holds_the_registrations(
    settings: Settings, empty_db: None, frozen_clock: Clock
) -> None:
    from peernet.attendees.rights import export_attendee

    person = await an_attendee("Ruud", region="rotterdam")
    event = await a_session("rotterdam", unit="rotterdam")
    await registrations.register(settings, person, event)
    exported = await export_attendee(person.id)
    assert [(r["event"], r["status"]) for r in exported["session_registrations"]] == [
        ("rotterdam", "registered")
    ]


async def test_saved_consents_are_confirmed_once_in_words_not_as_a_key(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    person = await an_attendee("Ruud", region="rotterdam")
    await sign_in(client, settings, person)
    answer = await post(client, "/me/consents", {"consent_announcements": "yes"})
    assert answer.headers["location"] == "/me/profile?done=consents#consents"
    for lang, saved in (("nl", "Je keuzes zijn bewaard."), ("en", "Your choices have been saved.")):
        page = (await client.get(f"/me/profile?done=consents&lang={lang}")).text
        assert "me.done." not in page
        assert page.count(saved) == 1
