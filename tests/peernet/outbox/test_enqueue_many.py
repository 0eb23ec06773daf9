"""Queueing many emails at once (a round's introductions): the same rows as one by one,
each key stored once however often it is queued, and nothing stored when a batch fails."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from notifications import Address
from peernet.outbox.models import OutboxMessage, OutboxStatus
from peernet.outbox.service import BATCH, Email, enqueue, enqueue_many
from peernet.settings import Settings

pytestmark = pytest.mark.usefixtures("empty_db", "frozen_clock")


def a_confirmation(n: int, *, unsubscribe_url: str | None = None) -> Email:
    email = f"deelnemer{n}@example.org"
    return Email(
        key=f"confirm:{email}",
        kind="confirmation",
        locale="nl" if n % 2 else "en",
        recipient=Address(name=f"Deelnemer {n}", email=email),
        context={
            "name": f"Deelnemer {n}",
            "event_title": "Terugkomdag OMEI Utrecht",
            "confirm_url": f"https://peernet.test/confirm/{n}",
            "expires_days": 7,
        },
        unsubscribe_url=unsubscribe_url,
    )


FIELDS = (
    "kind",
    "locale",
    "recipient_name",
    "recipient_email",
    "subject",
    "text",
    "html",
    "headers",
    "attachments",
    "status",
    "next_attempt_at",
    "deadline_at",
    "created_at",
)


async def test_the_rows_are_those_that_enqueue_stores_one_by_one(settings: Settings) -> None:
    unsubscribe = "https://peernet.test/unsubscribe/x"
    single = a_confirmation(1, unsubscribe_url=unsubscribe)
    one = await enqueue(
        settings,
        key=single.key,
        kind=single.kind,
        locale=single.locale,
        recipient=single.recipient,
        context=single.context,
        unsubscribe_url=unsubscribe,
    )
    await one.delete()
    assert await enqueue_many(settings, [single]) == 1
    many = await OutboxMessage.get(idempotency_key=single.key)
    assert [getattr(many, f) for f in FIELDS] == [getattr(one, f) for f in FIELDS]
    assert many.headers == {"List-Unsubscribe": unsubscribe}
    assert many.status is OutboxStatus.PENDING
    assert many.message_id != one.message_id


async def test_more_than_a_batch_is_stored_in_order_with_its_own_message_ids(
    settings: Settings,
) -> None:
    emails = [a_confirmation(n) for n in range(BATCH * 2 + 3)]
    assert await enqueue_many(settings, emails) == len(emails)
    rows = await OutboxMessage.all().order_by("id")
    assert [r.idempotency_key for r in rows] == [e.key for e in emails]
    assert [r.recipient_email for r in rows] == [e.recipient.email for e in emails]
    assert len({r.message_id for r in rows}) == len(emails)
    assert all(r.subject and r.text and r.html for r in rows)


async def test_a_key_already_stored_or_given_twice_is_stored_once(settings: Settings) -> None:
    first = await enqueue_many(settings, [a_confirmation(1), a_confirmation(2)])
    before = {r.idempotency_key: r.message_id for r in await OutboxMessage.all()}
    again = await enqueue_many(
        settings, [a_confirmation(2), a_confirmation(3), a_confirmation(3), a_confirmation(1)]
    )
    assert (first, again) == (2, 1)
    rows = {r.idempotency_key: r.message_id for r in await OutboxMessage.all()}
    assert sorted(rows) == sorted(a_confirmation(n).key for n in (1, 2, 3))
    assert {k: rows[k] for k in before} == before  # the stored rows are left as they were


async def test_nothing_is_stored_when_an_email_cannot_be_rendered(settings: Settings) -> None:
    emails = [a_confirmation(n) for n in range(BATCH + 1)]
    broken = replace(emails[-1], kind="no_such_kind")
    with pytest.raises(ValueError, match="unknown email kind"):
        async with in_transaction():
            await enqueue_many(settings, [*emails[:-1], broken])
    assert await OutboxMessage.all().count() == 0


async def test_nothing_to_queue_stores_nothing(settings: Settings) -> None:
    assert await enqueue_many(settings, []) == 0
    assert await OutboxMessage.all().count() == 0


async def test_on_postgresql_the_bodies_are_compressed_with_lz4(settings: Settings) -> None:
    # Migration 0008: pglz cost the server twice the CPU of a round's whole insert.
    connection = connections.get("default")
    if connection.capabilities.dialect != "postgres":
        pytest.skip("PostgreSQL's column compression")
    _, rows = await connection.execute_query(
        "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    if "lz4" not in rows[0]["enumvals"]:
        pytest.skip("this PostgreSQL has no lz4")
    async with in_transaction():
        await enqueue_many(settings, [a_confirmation(n) for n in range(3)])
    # Short bodies are stored as they are; long ones (every introduction's HTML) compressed.
    await OutboxMessage.all().update(html="<p>" + "peernet " * 2000 + "</p>")
    _, rows = await connection.execute_query(
        'SELECT DISTINCT pg_column_compression("html") AS method FROM "outbox_message"'
    )
    assert [row["method"] for row in rows] == ["lz4"]
