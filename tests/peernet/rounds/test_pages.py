"""The round pages, as a coordinator uses them in a browser without JavaScript."""

from __future__ import annotations

import httpx
import pytest

from peernet.outbox.models import OutboxMessage
from peernet.rounds.models import KeepApart, Round, RoundStatus
from tests.peernet.factories import a_pair, an_attendee
from tests.peernet.helpers import csrf_token

pytestmark = pytest.mark.usefixtures("frozen_clock")


async def post_form(
    client: httpx.AsyncClient, page_url: str, action: str, data: dict[str, str]
) -> httpx.Response:
    page = await client.get(page_url)
    return await client.post(action, data={"csrf_token": csrf_token(page), **data})


async def test_the_rounds_page_needs_a_signed_in_coordinator(client: httpx.AsyncClient) -> None:
    answer = await client.get("/coordinator/rounds")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/coordinator/login?next=")


async def test_a_coordinator_plans_adjusts_and_publishes_a_month_in_the_browser(
    coordinator_client: httpx.AsyncClient,
) -> None:
    client = coordinator_client
    anouk, ruud = await a_pair()
    await an_attendee(
        "Bram Smit", role="youth_worker", expertise=["conversation_skills"], gaps=["polarisation"]
    )
    listing = await client.get("/coordinator/rounds")
    assert listing.status_code == 200
    assert 'value="2026-12"' in listing.text  # next month is suggested
    planned = await post_form(
        client, "/coordinator/rounds", "/coordinator/rounds", {"period": "2026-12"}
    )
    assert planned.status_code == 303
    rnd = await Round.get(period="2026-12")
    assert planned.headers["location"] == f"/coordinator/rounds/{rnd.id}?done=planned"

    page = await client.get(planned.headers["location"])
    assert page.status_code == 200
    text = page.text
    assert "Concept, versie 1" in text
    assert "Anouk de Vries" in text and "Ruud van &#39;t Hoff" in text
    assert "Dit is aantoonbaar de best mogelijke indeling." in text
    assert "Koppelronde december 2026" in text
    assert "Gesprekstechnieken" in text or "gesprekstechnieken" in text
    # Each member's introduction, as it will be sent, in the member's own language.
    assert "Wat Anouk de Vries in de introductie leest" in text
    assert "Ruud weet veel van gesprekstechnieken: daar wil jij meer over leren." in text
    assert "Anouk knows a lot about" in text  # Ruud reads English

    url = f"/coordinator/rounds/{rnd.id}"
    kept = await post_form(
        client, url, f"{url}/keep-apart", {"attendee_a": str(anouk.id), "attendee_b": str(ruud.id)}
    )
    assert kept.status_code == 303
    assert await KeepApart.filter(attendee_a_id=anouk.id, attendee_b_id=ruud.id).exists()
    page = await client.get(kept.headers["location"])
    assert "Wat is er veranderd sinds versie 1?" in page.text
    assert "Cijfers eerst en nu" in page.text
    assert '<th scope="row">Niet gekoppeld</th>\n    <td>0</td>\n    <td>1</td>' in page.text
    assert "Nooit aan elkaar gekoppeld" in page.text
    # Three people, two of them kept apart: one is left out, and the page says why.
    assert "Niet gekoppeld (1)" in page.text
    assert "gekoppeld" in page.text.split("Niet gekoppeld (1)")[1].split("</ul>")[0]

    bad = await post_form(client, url, f"{url}/exclude", {"attendee": "999"})
    assert bad.status_code == 422
    assert "Deze persoon bestaat niet." in bad.text

    published = await post_form(client, url, f"{url}/publish", {})
    assert published.status_code == 303
    page = await client.get(published.headers["location"])
    assert "Gepubliceerd: 2 introducties verstuurd." in page.text
    assert "Gepubliceerd op 12-11-2026 17:30. De introducties zijn verstuurd." in page.text
    assert "1 persoon kreeg uitleg waarom die deze maand niet gekoppeld is." in page.text
    assert await OutboxMessage.filter(kind="unmatched").count() == 1
    assert (await Round.get(id=rnd.id)).status is RoundStatus.PUBLISHED
    sent = await OutboxMessage.filter(kind="introduction").count()
    assert sent >= 2

    # The publish button pressed again (a second tab, a double click): nothing more is sent.
    again = await client.post(f"{url}/publish", data={"csrf_token": csrf_token(page)})
    assert again.status_code == 409
    assert "Deze ronde is al gepubliceerd" in again.text
    assert await OutboxMessage.filter(kind="introduction").count() == sent
    listing = await client.get("/coordinator/rounds")
    assert "gepubliceerd" in listing.text


async def test_a_period_in_the_past_is_shown_at_the_field(
    coordinator_client: httpx.AsyncClient,
) -> None:
    answer = await post_form(
        coordinator_client, "/coordinator/rounds", "/coordinator/rounds", {"period": "2025-01"}
    )
    assert answer.status_code == 422
    assert "Kies deze maand of een latere maand." in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert await Round.all().count() == 0


async def test_a_form_without_its_csrf_token_is_refused(
    coordinator_client: httpx.AsyncClient,
) -> None:
    answer = await coordinator_client.post("/coordinator/rounds", data={"period": "2026-12"})
    assert answer.status_code == 403
    assert await Round.all().count() == 0
