"""The public agenda, its iCalendar feeds and its API, against stored events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
from icalendar import Calendar

from peernet.events import service
from peernet.events.models import Registration, RegistrationStatus
from peernet.settings import Settings
from tests.peernet.conftest import Clock
from tests.peernet.events.sessions import AMSTERDAM, a_session
from tests.peernet.factories import an_attendee


def _vevents(body: bytes) -> dict[str, object]:
    cal = Calendar.from_ical(body)
    return {str(c["uid"]): c for c in cal.walk("VEVENT")}


async def test_the_agenda_shows_published_upcoming_sessions_with_seats_left(
    client: httpx.AsyncClient, frozen_clock: Clock
) -> None:
    utrecht = await a_session("utrecht", unit="midden_nederland", capacity=3)
    await a_session("rotterdam", unit="rotterdam", capacity=None, title="Intervisieavond")
    await a_session("hidden", unit="rotterdam", published=False, title="Nog geheim")
    await a_session("past", on=date(2026, 11, 1), title="Voorbij")
    for n in range(2):
        person = await an_attendee(f"Persoon {n}")
        await Registration.create(
            attendee=person,
            event=utrecht,
            status=RegistrationStatus.REGISTERED,
            queued_at=frozen_clock(),
            updated_at=frozen_clock(),
        )
    page = await client.get("/agenda")
    assert page.status_code == 200
    assert "Terugkomdag OMEI" in page.text and "Intervisieavond" in page.text
    assert "Nog geheim" not in page.text and "Voorbij" not in page.text
    assert "Nog 1 plaats vrij" in page.text
    assert "13:00–17:00" in page.text
    english = await client.get("/agenda?lang=en&unit=rotterdam")
    assert "Intervisieavond" in english.text and "Terugkomdag OMEI" not in english.text
    assert "No seat limit" in english.text
    bad = await client.get("/agenda?unit=atlantis")
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text


async def test_the_feeds_keep_uids_and_raise_sequence_on_edit(
    client: httpx.AsyncClient, frozen_clock: Clock
) -> None:
    event = await a_session("utrecht")
    await a_session("rotterdam", unit="rotterdam")
    whole = await client.get("/agenda.ics")
    assert whole.headers["content-type"].startswith("text/calendar")
    events = _vevents(whole.content)
    assert set(events) == {"event-utrecht@peernet", "event-rotterdam@peernet"}
    first = events["event-utrecht@peernet"]
    assert first["sequence"] == 0  # type: ignore[index]
    assert first["dtstart"].dt == datetime(2026, 12, 10, 12, 0, tzinfo=UTC)  # type: ignore[index]
    unit = await client.get("/agenda/rotterdam.ics")
    assert set(_vevents(unit.content)) == {"event-rotterdam@peernet"}
    assert (await client.get("/agenda/atlantis.ics")).status_code == 404

    frozen_clock.advance(timedelta(minutes=5))
    await service.update_event(
        "utrecht",
        {
            "title": "Terugkomdag OMEI (nieuwe zaal)",
            "date": "2026-12-10",
            "place": "Bibliotheek",
            "region": "midden_nederland",
            "starts": "14:00",
            "ends": "17:30",
            "capacity": "30",
            "published": "on",
        },
        version=service.version_of(event),
        tz=AMSTERDAM,
    )
    edited = _vevents((await client.get("/agenda.ics")).content)["event-utrecht@peernet"]
    assert edited["sequence"] == 1  # type: ignore[index]
    assert str(edited["summary"]) == "Terugkomdag OMEI (nieuwe zaal)"  # type: ignore[index]
    assert edited["dtstart"].dt == datetime(2026, 12, 10, 13, 0, tzinfo=UTC)  # type: ignore[index]


async def test_the_api_lists_the_agenda_and_names_a_bad_unit(
    client: httpx.AsyncClient, frozen_clock: Clock, settings: Settings
) -> None:
    await a_session("utrecht", capacity=30)
    await a_session("rotterdam", unit="rotterdam")
    answer = await client.get("/api/v1/events", params={"unit": "midden_nederland", "lang": "en"})
    assert answer.status_code == 200
    body = answer.json()
    assert [e["slug"] for e in body["events"]] == ["utrecht"]
    item = body["events"][0]
    assert item["seats_left"] == 30 and item["unit_label"] == "Central Netherlands"
    assert item["uid"] == "event-utrecht@peernet"
    assert item["starts_at"] == "2026-12-10T13:00:00+01:00"
    everything = (await client.get("/api/v1/events")).json()
    assert len(everything["events"]) == 2
    bad = await client.get("/api/v1/events", params={"unit": "atlantis"})
    assert bad.status_code == 422 and bad.json()["fields"] == {"unit": "unknown_choice"}
    # The API is strict where the page is lenient: an empty unit or another language is
    # refused, as the OpenAPI document says (found by schemathesis).
    empty = await client.get("/api/v1/events", params={"unit": ""})
    assert empty.status_code == 422 and empty.json()["fields"] == {"unit": "unknown_choice"}
    other = await client.get("/api/v1/events", params={"lang": "false"})
    assert other.status_code == 422 and other.json()["fields"] == {"lang": "unknown_choice"}
    assert (await client.get("/agenda", params={"unit": ""})).status_code == 200
