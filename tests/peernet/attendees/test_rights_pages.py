"""The person page's data download and erasure, behind sign-in and CSRF."""

from __future__ import annotations

import json

import httpx
import pytest

from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.attendees.rights import erase_attendee
from peernet.audit.models import AuditEntry
from peernet.coordinators.models import Coordinator
from peernet.settings import Settings
from tests.peernet.conftest import Clock
from tests.peernet.factories import a_pair, a_published_round
from tests.peernet.helpers import csrf_token


async def test_a_coordinator_downloads_a_persons_data_and_it_is_audited(
    coordinator_client: httpx.AsyncClient, coordinator: Coordinator, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    page = await coordinator_client.get(f"/coordinator/attendees/{anouk.id}")
    assert f'href="/coordinator/attendees/{anouk.id}/export.json"' in page.text
    response = await coordinator_client.get(f"/coordinator/attendees/{anouk.id}/export.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    data = json.loads(response.text)
    assert data["profile"]["email"] == anouk.email
    assert ruud.email not in response.text
    entry = await AuditEntry.get(action="attendee.export_data")
    assert entry.coordinator_id == coordinator.id
    assert entry.subject == f"attendee:{anouk.id}"
    assert anouk.name not in json.dumps(entry.details) and anouk.email not in str(entry.details)
    assert (
        await coordinator_client.get("/coordinator/attendees/999/export.json")
    ).status_code == 404


async def test_signed_out_nothing_is_downloaded_or_erased(
    client: httpx.AsyncClient, frozen_clock: Clock
) -> None:
    anouk, _ = await a_pair()
    download = await client.get(f"/coordinator/attendees/{anouk.id}/export.json")
    assert download.status_code == 303 and "/coordinator/login" in download.headers["location"]
    erase = await client.post(f"/coordinator/attendees/{anouk.id}/erase", data={"confirm": "yes"})
    assert erase.status_code == 303 and "/coordinator/login" in erase.headers["location"]
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ACTIVE
    assert not await AuditEntry.exists()


async def test_erasing_needs_csrf_and_the_box_ticked_and_happens_once(
    coordinator_client: httpx.AsyncClient, coordinator: Coordinator, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    url = f"/coordinator/attendees/{anouk.id}/erase"
    page = await coordinator_client.get(f"/coordinator/attendees/{anouk.id}")
    token = csrf_token(page)
    assert (await coordinator_client.post(url, data={"confirm": "yes"})).status_code == 403
    unticked = await coordinator_client.post(url, data={"csrf_token": token})
    assert unticked.status_code == 422
    assert "Vink aan dat je de gegevens wilt wissen." in unticked.text
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ACTIVE

    done = await coordinator_client.post(url, data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/coordinator/attendees/{anouk.id}?done=erased"
    shown = await coordinator_client.get(done.headers["location"])
    assert "De gegevens van deze persoon zijn gewist." in shown.text
    assert anouk.name not in shown.text and anouk.email not in shown.text
    again = await coordinator_client.post(url, data={"csrf_token": token, "confirm": "yes"})
    assert again.headers["location"].endswith("?done=already-erased")

    [entry] = await AuditEntry.filter(action="attendee.erase")
    assert entry.coordinator_id == coordinator.id and entry.actor == f"coordinator:{coordinator.id}"
    assert entry.subject == f"attendee:{anouk.id}" and entry.details == {"reason": "request"}
    # His row is untouched.
    assert (await Attendee.get(id=ruud.id)).name == ruud.name


@pytest.mark.parametrize("locale", ["nl", "en"])
async def test_the_audit_page_names_the_erasure_in_words(
    coordinator_client: httpx.AsyncClient, frozen_clock: Clock, locale: str
) -> None:
    anouk, _ = await a_pair()
    page = await coordinator_client.get(f"/coordinator/attendees/{anouk.id}")
    await coordinator_client.post(
        f"/coordinator/attendees/{anouk.id}/erase",
        data={"csrf_token": csrf_token(page), "confirm": "yes"},
    )
    audit = await coordinator_client.get(f"/coordinator/audit?lang={locale}")
    words = {"nl": "Gegevens van een deelnemer gewist", "en": "Attendee's data erased"}[locale]
    assert words in audit.text.replace("&#39;", "'")
    assert anouk.name not in audit.text


async def test_the_partners_history_shows_a_former_participant(
    coordinator_client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    await erase_attendee(settings, anouk.id, actor="cli", reason="request")
    page = await coordinator_client.get(f"/coordinator/attendees/{ruud.id}")
    assert page.status_code == 200
    assert "Oud-deelnemer" in page.text and anouk.name not in page.text
    erased = await coordinator_client.get(f"/coordinator/attendees/{anouk.id}")
    assert "Gegevens gewist" in erased.text and 'action="/coordinator/attendees' not in erased.text
    listing = await coordinator_client.get("/coordinator/attendees?status=erased")
    assert listing.status_code == 200 and anouk.email not in listing.text
