"""Announcing a session: exactly the interested active attendees in its unit and the
neighbouring ones, once each (also announced twice or at once), with an .ics attachment and
a one-click stop that leaves the person in the network."""

from __future__ import annotations

import asyncio
import email
import email.message
import email.policy
import pathlib
import re
from datetime import date

import httpx
import pytest
from icalendar import Calendar

from notifications import FileTransport
from peernet.attendees.consents import (
    ANNOUNCEMENTS,
    CONSENT_PURPOSE,
    give_optional_consent,
    holding,
    needing_renewal,
)
from peernet.attendees.models import Attendee, AttendeeStatus, Consent
from peernet.events.announcements import NotAnnounceable, announce
from peernet.outbox.dispatch import drain
from peernet.outbox.models import OutboxMessage
from peernet.settings import Settings
from tests.peernet.conftest import Clock
from tests.peernet.events.sessions import a_session
from tests.peernet.factories import an_attendee


async def _wants(attendee: Attendee) -> Attendee:
    await give_optional_consent(attendee, ANNOUNCEMENTS, locale="nl", channel="test")
    return attendee


async def _population() -> dict[str, Attendee]:
    people = {
        # Rotterdam borders Den Haag and Zeeland-West-Brabant, not Limburg.
        "rotterdam": await _wants(await an_attendee("In Rotterdam", region="rotterdam")),
        "den_haag": await _wants(await an_attendee("In Den Haag", region="den_haag")),
        "limburg": await _wants(await an_attendee("In Limburg", region="limburg")),
        "not_asked": await an_attendee("Niet gevraagd", region="rotterdam"),
        "paused": await _wants(
            await an_attendee("Gepauzeerd", region="rotterdam", status=AttendeeStatus.PAUSED)
        ),
        "left": await _wants(
            await an_attendee("Vertrokken", region="rotterdam", status=AttendeeStatus.LEFT)
        ),
        "pending": await _wants(
            await an_attendee("Onbevestigd", region="den_haag", status=AttendeeStatus.PENDING)
        ),
    }
    return people


async def test_an_announcement_reaches_exactly_the_interested_nearby_once(
    settings: Settings, empty_db: None, frozen_clock: Clock
) -> None:
    people = await _population()
    await a_session("rotterdam", unit="rotterdam")
    assert await announce(settings, "rotterdam", actor="test") == 2
    assert await announce(settings, "rotterdam", actor="test") == 0
    raced = await asyncio.gather(*(announce(settings, "rotterdam", actor="t") for _ in range(5)))
    assert sum(raced) == 0
    sent = await OutboxMessage.filter(kind="session_announcement").order_by("id")
    assert sorted(m.recipient_email for m in sent) == sorted(
        [people["rotterdam"].email, people["den_haag"].email]
    )
    # Someone nearby who asks later gets it when announced again; nobody else twice.
    late = await _wants(await an_attendee("Later", region="zeeland_west_brabant"))
    assert await announce(settings, "rotterdam", actor="test") == 1
    assert await OutboxMessage.filter(kind="session_announcement").count() == 3
    assert await OutboxMessage.filter(recipient_email=late.email).count() == 1


async def test_racing_announcements_queue_one_each(
    settings: Settings, empty_db: None, frozen_clock: Clock
) -> None:
    people = [await _wants(await an_attendee(f"Persoon {i}", region="rotterdam")) for i in range(8)]
    await a_session("rotterdam", unit="rotterdam")
    counts = await asyncio.gather(*(announce(settings, "rotterdam", actor="t") for _ in range(6)))
    assert sum(counts) == len(people)
    assert await OutboxMessage.filter(kind="session_announcement").count() == len(people)


def _only_message(mail_dir: str) -> email.message.EmailMessage:
    (eml,) = list(pathlib.Path(mail_dir).glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


async def test_the_email_carries_the_session_as_ics_and_a_stop_link(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock, tmp_path: object
) -> None:
    person = await _wants(await an_attendee("Ruud", region="rotterdam"))
    main = await Consent.create(
        attendee=person,
        purpose=CONSENT_PURPOSE,
        text_version="2026-11-1",
        locale="nl",
        channel="test",
        given_at=frozen_clock(),
        confirmed_at=frozen_clock(),
    )
    await a_session("rotterdam", unit="rotterdam", title="Intervisieavond Rotterdam")
    await announce(settings, "rotterdam", actor="test")
    mail_dir = f"{tmp_path}/mail"
    transport = FileTransport(pathlib.Path(mail_dir))
    await drain(settings, transport)
    message = _only_message(mail_dir)
    assert message.get_content_type() == "multipart/mixed"
    (ics_part,) = [p for p in message.iter_attachments() if p.get_filename() == "rotterdam.ics"]
    assert ics_part.get_content_type() == "text/calendar"
    cal = Calendar.from_ical(ics_part.get_payload(decode=True))
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["uid"]) == "event-rotterdam@peernet"
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    register = re.search(r"https://peernet\.test(/register/\S+)", text)
    stop = re.search(r"https://peernet\.test(/announcements/off/\S+)", text)
    assert register and stop
    assert message["List-Unsubscribe"] == f"<https://peernet.test{stop.group(1)}>"

    # The registration link from the email works (GET shows, POST registers).
    assert (await client.get(register.group(1))).status_code == 200
    assert "Je bent aangemeld" in (await client.post(register.group(1))).text
    # The stop link: GET changes nothing, POST stops announcements only.
    assert (await client.get(stop.group(1))).status_code == 200
    assert await holding(ANNOUNCEMENTS) == {person.id}
    done = await client.post(stop.group(1), data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert (await client.post(stop.group(1))).status_code == 200  # repeated: still fine
    assert await holding(ANNOUNCEMENTS) == set()
    # Still in the network: active, the main consent standing.
    assert (await Attendee.get(id=person.id)).status is AttendeeStatus.ACTIVE
    assert (await Consent.get(id=main.id)).withdrawn_at is None


async def test_an_unpublished_or_past_session_is_not_announced(
    settings: Settings, empty_db: None, frozen_clock: Clock
) -> None:
    await a_session("hidden", unit="rotterdam", published=False)
    await a_session("past", unit="rotterdam", on=date(2026, 11, 1))
    for slug in ("hidden", "past"):
        with pytest.raises(NotAnnounceable):
            await announce(settings, slug, actor="test")


async def test_optional_consents_never_ask_for_the_main_text_again(
    settings: Settings, empty_db: None, frozen_clock: Clock
) -> None:
    person = await an_attendee("Anouk")
    await Consent.create(
        attendee=person,
        purpose=CONSENT_PURPOSE,
        text_version="2026-11-1",
        locale="nl",
        channel="test",
        given_at=frozen_clock(),
        confirmed_at=frozen_clock(),
    )
    await _wants(person)
    assert await needing_renewal([person.id]) == set()


async def test_the_coordinator_announces_from_the_event_page(
    coordinator_client: httpx.AsyncClient, frozen_clock: Clock
) -> None:
    person = await _wants(await an_attendee("Ruud", region="rotterdam"))
    await a_session("rotterdam", unit="rotterdam")
    page = await coordinator_client.get("/coordinator/events/rotterdam")
    assert "Kondig deze bijeenkomst aan" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    for _ in range(2):
        answer = await coordinator_client.post(
            "/coordinator/events/rotterdam/announce", data={"csrf_token": token.group(1)}
        )
        assert answer.status_code == 303
    sent = await OutboxMessage.filter(kind="session_announcement")
    assert [m.recipient_email for m in sent] == [person.email]
    refused = await coordinator_client.post(
        "/coordinator/events/rotterdam/announce", data={"csrf_token": "wrong"}
    )
    assert refused.status_code == 403
