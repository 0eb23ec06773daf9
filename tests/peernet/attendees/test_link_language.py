"""The links in an attendee's emails carry no language: the pages they open speak the
attendee's own (``Attendee.locale``) unless the visitor chose one (``?lang=``, the cookie)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import httpx
import pytest

from peernet.attendees.consents import current_version
from peernet.attendees.email_change import request_email_change
from peernet.attendees.models import Attendee
from peernet.attendees.personal import manage_link
from peernet.events.registration_links import announcements_off_url, registration_url
from peernet.links import answer_url, consent_renewal_url, stay_url, subscription_url
from peernet.outbox.models import OutboxMessage
from peernet.rounds.models import Match
from peernet.settings import Settings
from peernet.web.rendering import LANG_COOKIE
from tests.peernet.attendees.test_personal_pages import open_link
from tests.peernet.events.sessions import a_session
from tests.peernet.factories import a_published_round, an_attendee

pytestmark = pytest.mark.usefixtures("frozen_clock")

Link = Callable[[Settings, Attendee], Awaitable[str]]


async def _manage(settings: Settings, person: Attendee) -> str:
    return await manage_link(settings, person.id)


async def _pause(settings: Settings, person: Attendee) -> str:
    return subscription_url(settings, "pause", person.public_id)


async def _unsubscribe(settings: Settings, person: Attendee) -> str:
    return subscription_url(settings, "unsubscribe", person.public_id)


async def _stay(settings: Settings, person: Attendee) -> str:
    return stay_url(settings, person.public_id)


async def _register(settings: Settings, person: Attendee) -> str:
    event = await a_session("utrecht")
    return registration_url(settings, public_id=person.public_id, event_slug=event.slug)


async def _announcements_off(settings: Settings, person: Attendee) -> str:
    return announcements_off_url(settings, public_id=person.public_id)


async def _consent_renewal(settings: Settings, person: Attendee) -> str:
    return consent_renewal_url(settings, person.public_id, current_version())


async def _email_change(settings: Settings, person: Attendee) -> str:
    new_email = await request_email_change(settings, person, "new.address@example.net")
    message = await OutboxMessage.get(kind="email_change", recipient_email=new_email)
    found = re.search(r"https://peernet\.test/me/email/\S+", message.text)
    assert found
    return found.group(0)


async def _answer(settings: Settings, person: Attendee) -> str:
    partner = await an_attendee(
        "Ruud van 't Hoff", email="ruud@example.org", role="community_police_officer"
    )
    await a_published_round(settings, [[person.id, partner.id]])
    match = await Match.get()
    return answer_url(settings, match_id=match.id, public_id=person.public_id, answer="met")


# Each emailed link, and a sentence of its page in English and in Dutch.
LINKS = [
    pytest.param(_manage, "To your personal page", "Naar je persoonlijke pagina", id="manage"),
    pytest.param(_pause, "Pause matching", "Koppelingen pauzeren", id="pause"),
    pytest.param(_unsubscribe, "Leave peernet", "Afmelden bij peernet", id="unsubscribe"),
    pytest.param(_stay, "Are you staying in peernet?", "Blijf je meedoen aan peernet?", id="stay"),
    pytest.param(_register, "would you like to register", "wil je je aanmelden", id="register"),
    pytest.param(_announcements_off, "No more announcements", "Geen aankondigingen meer", id="off"),
    pytest.param(_consent_renewal, "New consent text", "Nieuwe toestemmingstekst", id="consent"),
    pytest.param(_answer, "Confirm your answer", "Je antwoord bevestigen", id="answer"),
    pytest.param(
        _email_change,
        "Confirm your new email address",
        "Bevestig je nieuwe e-mailadres",
        id="email_change",
    ),
]


@pytest.mark.parametrize(("link", "english", "dutch"), LINKS)
async def test_a_link_in_an_english_email_opens_an_english_page(
    client: httpx.AsyncClient, settings: Settings, link: Link, english: str, dutch: str
) -> None:
    person = await an_attendee(locale="en")
    page = await client.get((await link(settings, person)).removeprefix(settings.base_url))
    assert page.status_code == 200, page.text
    assert english in page.text and dutch not in page.text
    assert '<html lang="en">' in page.text


@pytest.mark.parametrize(("link", "english", "dutch"), LINKS)
async def test_a_dutch_attendees_link_opens_a_dutch_page(
    client: httpx.AsyncClient, settings: Settings, link: Link, english: str, dutch: str
) -> None:
    person = await an_attendee(locale="nl")
    page = await client.get((await link(settings, person)).removeprefix(settings.base_url))
    assert dutch in page.text and english not in page.text


@pytest.mark.parametrize(("link", "english", "dutch"), LINKS)
async def test_the_visitors_own_choice_of_language_wins(
    client: httpx.AsyncClient, settings: Settings, link: Link, english: str, dutch: str
) -> None:
    person = await an_attendee(locale="en")
    path = (await link(settings, person)).removeprefix(settings.base_url)
    switched = await client.get(f"{path}?lang=nl")
    assert dutch in switched.text and english not in switched.text
    client.cookies.set(LANG_COOKIE, "nl")
    remembered = await client.get(path)
    assert dutch in remembered.text and english not in remembered.text


async def test_the_personal_page_behind_an_english_link_speaks_english(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    person = await an_attendee(locale="en")
    answer = await open_link(client, await manage_link(settings, person.id))
    assert answer.headers["location"] == "/me/profile"
    page = (await client.get("/me/profile")).text
    assert "My participation" in page and "Mijn deelname" not in page
    assert "Yes, I want to leave" in (await client.get("/me/leave")).text


async def test_the_personal_page_switches_to_dutch_when_asked(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    person = await an_attendee(locale="en")
    await open_link(client, await manage_link(settings, person.id))
    assert "Mijn deelname" in (await client.get("/me/profile?lang=nl")).text
    # The choice is remembered over the attendee's own language.
    assert "Ja, meld me af" in (await client.get("/me/leave")).text


@pytest.mark.parametrize("locale", ["en", "nl"])
async def test_the_confirmation_link_opens_in_the_language_signed_up_in(
    client: httpx.AsyncClient, settings: Settings, locale: str
) -> None:
    from peernet.attendees.schemas import parse_signup
    from peernet.attendees.service import sign_up
    from tests.peernet.factories import an_event, signup_data
    from tests.peernet.helpers import confirmation_token, csrf_token

    await an_event()
    data = signup_data(locale=locale)
    await sign_up(settings, "omei-utrecht", parse_signup(data), channel="form")
    token = await confirmation_token(data["email"])
    page = await client.get(f"/confirm/{token}")
    assert page.status_code == 200
    assert ("Confirm your sign-up" in page.text) is (locale == "en")
    confirmed = await client.post(f"/confirm/{token}", data={"csrf_token": csrf_token(page)})
    assert f'<html lang="{locale}">' in confirmed.text


async def test_the_privacy_link_in_an_introduction_opens_in_its_readers_language(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    from peernet.outbox.models import OutboxMessage
    from tests.peernet.factories import a_pair

    anouk, ruud = await a_pair()  # Dutch and English
    await a_published_round(settings, [[anouk.id, ruud.id]])
    for person, privacy_page, other in [
        (anouk, "Wat we bewaren", "What we keep"),
        (ruud, "What we keep", "Wat we bewaren"),
    ]:
        mail = await OutboxMessage.get(kind="introduction", recipient_email=person.email)
        (link,) = set(re.findall(r"https://peernet\.test/privacy\S*", mail.text))
        assert link.endswith("?lang=en") is (person.locale == "en")
        assert f'href="{link}"' in mail.html
        page = await client.get(link.removeprefix(settings.base_url))
        assert privacy_page in page.text and other not in page.text
        client.cookies.clear()


@pytest.mark.usefixtures("empty_db")
async def test_the_agenda_and_privacy_links_of_a_session_email_speak_english(
    settings: Settings,
) -> None:
    from peernet.events.registrations import session_context

    person = await an_attendee(locale="en")
    context = session_context(settings, person, await a_session("utrecht"))
    assert context["agenda_url"] == "https://peernet.test/agenda?lang=en"
    assert context["privacy_url"] == "https://peernet.test/privacy?lang=en"
