from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import httpx
import pytest

from peernet.attendees.models import AttendeeStatus
from peernet.audit.models import AuditEntry
from peernet.outbox.models import OutboxMessage, OutboxStatus
from tests.peernet.factories import an_attendee
from tests.peernet.helpers import csrf_token
from tests.peernet.outbox.messages import an_outbox_message

pytestmark = pytest.mark.usefixtures("frozen_clock")

ROW = re.compile(r'<tr id="message-(\d+)">')
PAGE = "/coordinator/outbox"


def listed(page: httpx.Response) -> list[int]:
    return [int(found) for found in ROW.findall(page.text)]


async def test_without_a_session_the_page_sends_you_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get(PAGE)
    assert response.status_code == 303
    assert response.headers["location"] == "/coordinator/login?next=%2Fcoordinator%2Foutbox"


async def test_without_a_session_a_retry_changes_nothing(client: httpx.AsyncClient) -> None:
    dead = await an_outbox_message()
    response = await client.post(f"{PAGE}/{dead.id}/retry", data={"csrf_token": "x"})
    assert response.status_code == 303
    assert response.headers["location"] == "/coordinator/login"
    assert (await OutboxMessage.get(id=dead.id)).status is OutboxStatus.DEAD


async def test_the_page_lists_exactly_the_undelivered_mail_with_reasons_in_local_time(
    coordinator_client: httpx.AsyncClient,
) -> None:
    dead = await an_outbox_message(
        "anouk@example.org",
        name="Anouk de Vries",
        created_at=datetime(2026, 11, 10, 8, 15, tzinfo=UTC),
        next_attempt_at=datetime(2026, 11, 12, 7, 0, tzinfo=UTC),
        last_error="421 4.3.2 System not accepting network messages",
    )
    failed = await an_outbox_message(
        "ruud@example.org",
        name="Ruud van 't Hoff",
        kind="confirmation",
        status=OutboxStatus.FAILED,
        created_at=datetime(2026, 11, 11, 12, 0, tzinfo=UTC),
        last_error="550 5.1.1 No such user",
    )
    await an_outbox_message("sent@example.org", status=OutboxStatus.SENT, last_error="")
    await an_outbox_message("queued@example.org", status=OutboxStatus.PENDING)
    await an_outbox_message(
        "gone@example.org", status=OutboxStatus.FAILED, last_error="unsubscribed"
    )
    await an_outbox_message("carla@example.org", kind="dead_letter_digest")
    page = await coordinator_client.get(PAGE)
    assert page.status_code == 200
    assert listed(page) == [failed.id, dead.id]
    for text in (
        "Kennismaking",
        "Bevestiging van aanmelding",
        "Anouk de Vries",
        "anouk@example.org",
        "Ruud van &#39;t Hoff",
        "421 4.3.2 System not accepting network messages",
        "550 5.1.1 No such user",
        "10 nov 2026 09:15",  # created, Amsterdam time
        "12 nov 2026 08:00",  # last attempt
        "12 pogingen",
        "Opgegeven na herhaalde pogingen",
        "Geweigerd door de ontvangende server",
    ):
        assert text in page.text, text
    for address in ("sent@", "queued@", "gone@", "carla@example.org</span>"):
        assert address not in page.text
    assert page.text.count("Opnieuw proberen</button>") == 2


async def test_the_page_speaks_english_on_request(coordinator_client: httpx.AsyncClient) -> None:
    await an_outbox_message(created_at=datetime(2026, 11, 10, 8, 15, tzinfo=UTC))
    page = await coordinator_client.get(PAGE, params={"lang": "en"})
    for text in ("Undelivered email", "Introduction", "10 Nov 2026, 09:15", "Retry</button>"):
        assert text in page.text, text


async def test_a_long_reason_is_cut_short(coordinator_client: httpx.AsyncClient) -> None:
    await an_outbox_message(last_error="451 " + "x" * 1990)
    page = await coordinator_client.get(PAGE)
    assert "451 xxx" in page.text
    assert "x" * 400 not in page.text


async def test_without_undelivered_mail_the_page_says_so(
    coordinator_client: httpx.AsyncClient,
) -> None:
    await an_outbox_message(status=OutboxStatus.SENT, last_error="")
    page = await coordinator_client.get(PAGE)
    assert listed(page) == []
    assert "Er zijn geen onbezorgde berichten" in page.text


async def test_the_page_has_pages(coordinator_client: httpx.AsyncClient) -> None:
    for _ in range(101):
        await an_outbox_message()
    first = await coordinator_client.get(PAGE)
    second = await coordinator_client.get(PAGE, params={"page": "2"})
    assert (len(listed(first)), len(listed(second))) == (100, 1)
    assert 'href="?page=2"' in first.text
    assert "Pagina 2 van 2" in second.text
    assert (await coordinator_client.get(PAGE, params={"page": "twee"})).status_code == 200


async def test_retry_queues_the_message_and_comes_back_with_a_notice(
    coordinator_client: httpx.AsyncClient,
) -> None:
    dead = await an_outbox_message()
    page = await coordinator_client.get(PAGE)
    response = await coordinator_client.post(
        f"{PAGE}/{dead.id}/retry", data={"csrf_token": csrf_token(page), "page": "1"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{PAGE}?queued=1"
    assert (await OutboxMessage.get(id=dead.id)).status is OutboxStatus.PENDING
    after = await coordinator_client.get(response.headers["location"])
    assert "Opnieuw in de wachtrij gezet" in after.text
    assert listed(after) == []


async def test_a_retry_without_the_csrf_token_is_refused(
    coordinator_client: httpx.AsyncClient,
) -> None:
    dead = await an_outbox_message()
    await coordinator_client.get(PAGE)
    response = await coordinator_client.post(f"{PAGE}/{dead.id}/retry", data={"page": "1"})
    assert response.status_code == 403
    assert (await OutboxMessage.get(id=dead.id)).status is OutboxStatus.DEAD


async def test_two_retries_at_once_queue_it_once_and_the_second_hears_why(
    coordinator_client: httpx.AsyncClient,
) -> None:
    dead = await an_outbox_message()
    token = csrf_token(await coordinator_client.get(PAGE))

    async def press() -> httpx.Response:
        return await coordinator_client.post(
            f"{PAGE}/{dead.id}/retry", data={"csrf_token": token, "page": "1"}
        )

    responses = await asyncio.gather(press(), press())
    assert sorted(r.status_code for r in responses) == [303, 409]
    refused = next(r for r in responses if r.status_code == 409)
    assert "staat al opnieuw in de wachtrij" in refused.text
    assert (await OutboxMessage.get(id=dead.id)).status is OutboxStatus.PENDING
    assert await AuditEntry.filter(action="outbox.retry").count() == 1


async def test_a_retry_of_a_sent_message_is_refused(coordinator_client: httpx.AsyncClient) -> None:
    sent = await an_outbox_message(status=OutboxStatus.SENT, last_error="")
    token = csrf_token(await coordinator_client.get(PAGE))
    response = await coordinator_client.post(
        f"{PAGE}/{sent.id}/retry", data={"csrf_token": token, "page": "1"}
    )
    assert response.status_code == 409
    assert "Dit bericht is al bezorgd" in response.text
    assert (await OutboxMessage.get(id=sent.id)).status is OutboxStatus.SENT


async def test_mail_to_someone_who_left_has_no_retry_button_and_a_retry_is_refused(
    coordinator_client: httpx.AsyncClient,
) -> None:
    await an_attendee(email="anouk@example.org", status=AttendeeStatus.LEFT)
    dead = await an_outbox_message("anouk@example.org")
    page = await coordinator_client.get(PAGE)
    assert "Ontvanger heeft zich afgemeld" in page.text
    assert "Opnieuw proberen</button>" not in page.text
    response = await coordinator_client.post(
        f"{PAGE}/{dead.id}/retry", data={"csrf_token": csrf_token(page), "page": "1"}
    )
    assert response.status_code == 409
    assert (await OutboxMessage.get(id=dead.id)).status is OutboxStatus.DEAD


async def test_retrying_a_message_that_does_not_exist_is_not_found(
    coordinator_client: httpx.AsyncClient,
) -> None:
    token = csrf_token(await coordinator_client.get(PAGE))
    response = await coordinator_client.post(f"{PAGE}/999/retry", data={"csrf_token": token})
    assert response.status_code == 404
