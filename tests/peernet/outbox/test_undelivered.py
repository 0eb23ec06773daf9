from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest

from notifications import Address, Transport
from peernet.attendees.models import AttendeeStatus
from peernet.audit.models import AuditEntry
from peernet.coordinators.models import Coordinator
from peernet.outbox.digest import queue_dead_letter_digest
from peernet.outbox.dispatch import drain
from peernet.outbox.models import OutboxMessage, OutboxStatus
from peernet.outbox.service import enqueue
from peernet.outbox.undelivered import PAGE_SIZE, RetryRefused, retry_message, undelivered_page
from peernet.settings import Settings
from tests.notifications.smtp_server import ScriptedHandler
from tests.peernet.conftest import Clock
from tests.peernet.factories import a_coordinator, an_attendee
from tests.peernet.outbox.messages import an_outbox_message

pytestmark = pytest.mark.usefixtures("empty_db", "frozen_clock")


async def a_confirmation(settings: Settings, email: str = "anouk@example.org") -> OutboxMessage:
    return await enqueue(
        settings,
        key=f"confirm:{email}",
        kind="confirmation",
        locale="nl",
        recipient=Address(name="Anouk de Vries", email=email),
        context={
            "name": "Anouk de Vries",
            "event_title": "Terugkomdag OMEI Utrecht",
            "confirm_url": "https://peernet.test/confirm/abc",
            "expires_days": 7,
        },
    )


async def test_the_list_holds_dead_and_failed_mail_newest_first_and_nothing_else() -> None:
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    older = await an_outbox_message(created_at=start, status=OutboxStatus.DEAD)
    newer = await an_outbox_message(
        "ruud@example.org",
        created_at=start + timedelta(days=1),
        status=OutboxStatus.FAILED,
        last_error="550 5.1.1 No such user",
    )
    await an_outbox_message(status=OutboxStatus.SENT, last_error="")
    await an_outbox_message(status=OutboxStatus.PENDING)
    await an_outbox_message(status=OutboxStatus.FAILED, last_error="unsubscribed")
    await an_outbox_message("carla@example.org", kind="dead_letter_digest")
    page = await undelivered_page()
    assert [m.message.id for m in page.messages] == [newer.id, older.id]
    assert (page.number, page.pages, page.total) == (1, 1, 2)


async def test_the_list_has_pages_of_a_hundred_and_a_page_past_the_end_shows_the_last() -> None:
    start = datetime(2026, 10, 1, tzinfo=UTC)
    for minute in range(PAGE_SIZE + 1):
        await an_outbox_message(created_at=start + timedelta(minutes=minute))
    first, second, beyond = [await undelivered_page(n) for n in (1, 2, 9)]
    assert (len(first.messages), first.pages, first.total) == (PAGE_SIZE, 2, PAGE_SIZE + 1)
    assert [m.message.created_at for m in second.messages] == [start]  # the oldest
    assert beyond.number == 2


async def test_a_message_to_someone_who_left_is_listed_as_such() -> None:
    await an_attendee(email="anouk@example.org", status=AttendeeStatus.LEFT)
    await an_outbox_message("Anouk@Example.org")
    await an_outbox_message("ruud@example.org")
    page = await undelivered_page()
    left = {m.message.recipient_email: m.recipient_left for m in page.messages}
    assert left == {"Anouk@Example.org": True, "ruud@example.org": False}


async def test_a_retry_queues_the_message_now_with_a_fresh_deadline_and_an_audit_entry(
    settings: Settings, coordinator: Coordinator, frozen_clock: Clock
) -> None:
    dead = await an_outbox_message(
        attempts=12, reported_at=frozen_clock.current, lease_expires_at=frozen_clock.current
    )
    retried = await retry_message(settings, dead.id, coordinator=coordinator)
    now = frozen_clock.current
    assert retried.status is OutboxStatus.PENDING
    assert (retried.next_attempt_at, retried.deadline_at) == (now, now + timedelta(hours=48))
    assert (retried.lease_expires_at, retried.reported_at) == (None, None)
    assert (retried.attempts, retried.message_id) == (12, dead.message_id)
    entry = await AuditEntry.get()
    assert (entry.action, entry.subject, entry.coordinator_id) == (
        "outbox.retry",
        f"outbox:{dead.id}",
        coordinator.id,
    )
    assert entry.details == {"kind": "introduction", "previous_status": "dead"}


async def test_a_retried_message_is_delivered_once_by_the_worker_with_its_message_id(
    smtp_settings: Settings,
    transport: Transport,
    handler: ScriptedHandler,
    frozen_clock: Clock,
    coordinator: Coordinator,
) -> None:
    message = await a_confirmation(smtp_settings)
    handler.refuse_rcpt = {"anouk@example.org": "550 5.2.2 Mailbox full"}
    assert (await drain(smtp_settings, transport)).failed == 1
    handler.refuse_rcpt = {}  # she made room
    frozen_clock.advance(timedelta(days=3))
    await retry_message(smtp_settings, message.id, coordinator=coordinator)
    report = await drain(smtp_settings, transport)
    assert (report.claimed, report.sent) == (1, 1)
    assert len(handler.received) == 1
    _, recipients, raw = handler.received[0]
    assert recipients == ["anouk@example.org"]
    assert message_from_bytes(raw, policy=policy.default)["Message-ID"] == message.message_id
    sent = await OutboxMessage.get(id=message.id)
    assert (sent.status, sent.attempts, sent.sent_at) == (
        OutboxStatus.SENT,
        2,
        frozen_clock.current,
    )
    assert (await drain(smtp_settings, transport)).claimed == 0


async def test_a_retried_message_that_fails_again_is_in_the_next_digest(
    smtp_settings: Settings,
    transport: Transport,
    handler: ScriptedHandler,
    coordinator: Coordinator,
) -> None:
    message = await a_confirmation(smtp_settings)
    handler.refuse_rcpt = {"anouk@example.org": "550 5.1.1 No such user"}
    await drain(smtp_settings, transport)
    assert await queue_dead_letter_digest(smtp_settings) == 1
    await retry_message(smtp_settings, message.id, coordinator=coordinator)
    await drain(smtp_settings, transport)  # refused again, and the digests go out
    assert await queue_dead_letter_digest(smtp_settings) == 1  # the same day, told again
    to_carla = OutboxMessage.filter(kind="dead_letter_digest", recipient_email=coordinator.email)
    assert await to_carla.count() == 2


async def test_two_coordinators_retrying_at_once_queue_it_once(
    settings: Settings, coordinator: Coordinator
) -> None:
    other = await a_coordinator("bram@example.org", name="Bram")
    dead = await an_outbox_message()
    outcomes = await asyncio.gather(
        retry_message(settings, dead.id, coordinator=coordinator),
        retry_message(settings, dead.id, coordinator=other),
        return_exceptions=True,
    )
    queued = [o for o in outcomes if isinstance(o, OutboxMessage)]
    refused = [o for o in outcomes if isinstance(o, RetryRefused)]
    assert (len(queued), len(refused)) == (1, 1)
    assert (refused[0].reason, refused[0].status_code) == ("already_queued", 409)
    assert (await OutboxMessage.get(id=dead.id)).status is OutboxStatus.PENDING
    assert await AuditEntry.filter(action="outbox.retry").count() == 1


@pytest.mark.parametrize(
    ("status", "last_error", "reason"),
    [
        (OutboxStatus.SENT, "", "already_sent"),
        (OutboxStatus.PENDING, "451 4.7.1 Try again later", "already_queued"),
        (OutboxStatus.SENDING, "", "already_queued"),
        (OutboxStatus.FAILED, "unsubscribed", "unsubscribed"),
    ],
)
async def test_only_undelivered_mail_can_be_retried(
    settings: Settings,
    coordinator: Coordinator,
    status: OutboxStatus,
    last_error: str,
    reason: str,
) -> None:
    message = await an_outbox_message(status=status, last_error=last_error)
    with pytest.raises(RetryRefused) as refused:
        await retry_message(settings, message.id, coordinator=coordinator)
    assert refused.value.reason == reason
    assert (await OutboxMessage.get(id=message.id)).status is status
    assert await AuditEntry.all().count() == 0


async def test_mail_to_someone_who_has_left_is_never_retried(
    settings: Settings, coordinator: Coordinator
) -> None:
    await an_attendee(email="anouk@example.org", status=AttendeeStatus.LEFT)
    dead = await an_outbox_message("anouk@example.org")
    with pytest.raises(RetryRefused) as refused:
        await retry_message(settings, dead.id, coordinator=coordinator)
    assert refused.value.reason == "recipient_left"
    assert (await OutboxMessage.get(id=dead.id)).status is OutboxStatus.DEAD
