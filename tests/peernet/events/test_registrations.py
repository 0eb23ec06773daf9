"""Seats and the waiting list: registering (twice, or 50 at once for the last seat), the
waiting list moving up on a cancellation with an email, reminders two days before, the
signed link's pages and the organiser's list."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import timedelta

import httpx
import pytest
from tortoise import connections
from tortoise.backends.base.config_generator import expand_db_url

from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.events import registrations
from peernet.events.models import Registration, RegistrationStatus
from peernet.events.registration_links import registration_url
from peernet.outbox.models import OutboxMessage
from peernet.settings import Settings
from peernet.sqlite_engine import PeernetSqliteClient
from tests.peernet.conftest import Clock
from tests.peernet.events.sessions import a_session
from tests.peernet.factories import an_attendee


async def _people(n: int, **fields: object) -> list[Attendee]:
    return [await an_attendee(f"Deelnemer {i}", **fields) for i in range(n)]


async def _statuses(event_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in await Registration.filter(event_id=event_id):
        counts[r.status.value] = counts.get(r.status.value, 0) + 1
    return counts


async def test_registering_twice_keeps_one_seat(
    settings: Settings, empty_db: None, frozen_clock: Clock
) -> None:
    event = await a_session("utrecht", capacity=2)
    (person,) = await _people(1)
    first = await registrations.register(settings, person, event)
    again = await registrations.register(settings, person, event)
    both = await asyncio.gather(
        registrations.register(settings, person, event),
        registrations.register(settings, person, event),
    )
    assert {first.id, again.id, *(r.id for r in both)} == {first.id}
    assert await _statuses(event.id) == {"registered": 1}


@pytest.mark.parametrize("capacity", [1, 3])
async def test_fifty_racing_for_the_last_seat_never_overbook(
    settings: Settings, empty_db: None, frozen_clock: Clock, capacity: int
) -> None:
    # One seat left of ``capacity``; 50 people (on PostgreSQL over several pooled
    # connections at once) ask for it together.
    event = await a_session("utrecht", capacity=capacity)
    for person in await _people(capacity - 1):
        await registrations.register(settings, person, event)
    racers = [await an_attendee(f"Racer {i}") for i in range(50)]
    results = await asyncio.gather(*(registrations.register(settings, p, event) for p in racers))
    assert sum(r.status == RegistrationStatus.REGISTERED for r in results) == 1
    assert await _statuses(event.id) == {"registered": capacity, "waiting": 49}


async def test_a_cancellation_moves_the_first_on_the_waiting_list_up_with_an_email(
    settings: Settings, empty_db: None, frozen_clock: Clock
) -> None:
    event = await a_session("utrecht", capacity=1)
    seated, first, second = await _people(3)
    await registrations.register(settings, seated, event)
    await registrations.register(settings, first, event)
    frozen_clock.advance(timedelta(seconds=1))
    await registrations.register(settings, second, event)
    moved = await registrations.cancel(settings, seated, event)
    assert [r.attendee_id for r in moved] == [first.id]
    assert await registrations.cancel(settings, seated, event) == []  # repeated: nothing
    mail = await OutboxMessage.filter(kind="session_moved_up")
    assert [m.recipient_email for m in mail] == [first.email]
    assert "Er is een plaats vrij" in mail[0].subject
    assert registration_url(settings, public_id=first.public_id, event_slug="utrecht") in (
        mail[0].text
    )
    assert await _statuses(event.id) == {"registered": 1, "waiting": 1, "cancelled": 1}
    # Registering again after cancelling goes to the back of the queue.
    again = await registrations.register(settings, seated, event)
    assert again.status == RegistrationStatus.WAITING


async def test_reminders_go_two_days_before_once_and_only_to_seats(
    settings: Settings, empty_db: None, frozen_clock: Clock
) -> None:
    # The frozen clock stands at 12 November 2026.
    soon = await a_session("soon", on=frozen_clock().date() + timedelta(days=2), capacity=1)
    later = await a_session("later", on=frozen_clock().date() + timedelta(days=5))
    seated, waiting, gone = await _people(3)
    for person in (seated, waiting):
        await registrations.register(settings, person, soon)
    await registrations.register(settings, seated, later)
    await registrations.register(settings, gone, later)
    assert await registrations.queue_reminders(settings) == 1
    assert await registrations.queue_reminders(settings) == 0
    mail = await OutboxMessage.filter(kind="session_reminder")
    assert [m.recipient_email for m in mail] == [seated.email]
    frozen_clock.advance(timedelta(days=3))
    await Attendee.filter(id=gone.id).update(status=AttendeeStatus.LEFT)
    assert await registrations.queue_reminders(settings) == 1  # "later", only the seated one
    assert await OutboxMessage.filter(kind="session_reminder").count() == 2


async def test_the_link_shows_a_button_and_only_the_post_registers(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    event = await a_session("utrecht", capacity=1)
    person, other = await _people(2)
    url = registration_url(settings, public_id=person.public_id, event_slug=event.slug)
    path = url.removeprefix(settings.base_url)
    page = await client.get(path)
    assert page.status_code == 200 and "Aanmelden" in page.text
    assert await Registration.all().count() == 0
    done = await client.post(path, data={"action": "register"})
    assert done.status_code == 200 and "Je bent aangemeld" in done.text
    other_path = registration_url(
        settings, public_id=other.public_id, event_slug=event.slug
    ).removeprefix(settings.base_url)
    full = await client.post(other_path, data={"action": "register"})
    assert "wachtlijst" in full.text
    cancelled = await client.post(path, data={"action": "cancel"})
    assert "Je bent afgemeld" in cancelled.text
    assert await _statuses(event.id) == {"registered": 1, "cancelled": 1}
    forged = await client.get(path[:-3] + "abc")
    assert forged.status_code == 404


@pytest.mark.parametrize("status", [AttendeeStatus.LEFT, AttendeeStatus.PENDING])
async def test_someone_who_left_or_never_confirmed_cannot_register(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock, status: AttendeeStatus
) -> None:
    event = await a_session("utrecht")
    (person,) = await _people(1, status=status)
    path = registration_url(
        settings, public_id=person.public_id, event_slug=event.slug
    ).removeprefix(settings.base_url)
    assert (await client.post(path, data={"action": "register"})).status_code == 404
    assert await Registration.all().count() == 0


async def test_the_organiser_sees_and_exports_the_list(
    coordinator_client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    event = await a_session("utrecht", capacity=1)
    seated, waiting = await _people(2)
    await registrations.register(settings, seated, event)
    await registrations.register(settings, waiting, event)
    page = await coordinator_client.get("/coordinator/events/utrecht")
    assert "1 met een plaats, 1 op de wachtlijst" in page.text
    exported = await coordinator_client.get("/coordinator/events/utrecht/registrations.csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert [(r["status"], r["position"], r["email"]) for r in rows] == [
        ("registered", "1", seated.email),
        ("waiting", "1", waiting.email),
    ]


async def test_more_seats_on_the_form_move_the_waiting_list_up(
    coordinator_client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    event = await a_session("utrecht", capacity=1)
    seated, first, second = await _people(3)
    for person in (seated, first, second):
        await registrations.register(settings, person, event)
    form = await coordinator_client.get("/coordinator/events/utrecht")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    version = re.search(r'name="version" value="([^"]*)"', form.text)
    assert token and version
    saved = await coordinator_client.post(
        "/coordinator/events/utrecht",
        data={
            "csrf_token": token.group(1),
            "version": version.group(1),
            "title": event.title,
            "date": "2026-12-10",
            "starts": "13:00",
            "ends": "17:00",
            "place": event.place,
            "region": "midden_nederland",
            "capacity": "2",
            "published": "on",
        },
    )
    assert saved.status_code == 303
    assert await _statuses(event.id) == {"registered": 2, "waiting": 1}
    mail = await OutboxMessage.filter(kind="session_moved_up")
    assert [m.recipient_email for m in mail] == [first.email]


async def test_seats_of_people_who_left_go_to_the_waiting_list(
    settings: Settings, empty_db: None, frozen_clock: Clock
) -> None:
    event = await a_session("utrecht", capacity=1)
    leaving, waiting = await _people(2)
    await registrations.register(settings, leaving, event)
    await registrations.register(settings, waiting, event)
    assert await registrations.release_seats_of_leavers(settings) == 0
    await Attendee.filter(id=leaving.id).update(status=AttendeeStatus.LEFT)
    assert await registrations.release_seats_of_leavers(settings) == 1
    assert await registrations.release_seats_of_leavers(settings) == 0
    assert await _statuses(event.id) == {"registered": 1, "cancelled": 1}
    seat = await Registration.get(event_id=event.id, status=RegistrationStatus.REGISTERED)
    assert seat.attendee_id == waiting.id


async def test_on_sqlite_fifty_separate_connections_racing_never_overbook(
    settings: Settings, empty_db: None, frozen_clock: Clock
) -> None:
    """As separate web processes would: each racer writes through its own connection to the
    same file (BEGIN IMMEDIATE makes them wait for each other)."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("separate SQLite connections; PostgreSQL races over its pool above")
    path = expand_db_url(settings.database_url)["credentials"]["file_path"]
    own = [PeernetSqliteClient(path, connection_name="default") for _ in range(50)]
    try:
        event = await a_session("utrecht", capacity=2)
        await registrations.register(settings, (await _people(1))[0], event)
        racers = [await an_attendee(f"Racer {i}") for i in range(50)]

        async def race(number: int) -> Registration:
            connections.set("default", own[number])
            return await registrations.register(settings, racers[number], event)

        results = await asyncio.gather(*(race(n) for n in range(50)))
        assert sum(r.status == RegistrationStatus.REGISTERED for r in results) == 1
        assert await _statuses(event.id) == {"registered": 2, "waiting": 49}
    finally:
        for client in own:
            await client.close()
