from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy

import pytest

from notifications import Transport
from peernet.outbox.digest import queue_dead_letter_digest
from peernet.outbox.dispatch import dispatch_once, retry_delay
from peernet.outbox.models import OutboxMessage, OutboxStatus
from peernet.settings import Settings
from tests.notifications.smtp_server import ScriptedHandler
from tests.peernet.conftest import Clock
from tests.peernet.factories import a_pair, a_published_round

pytestmark = pytest.mark.usefixtures("empty_db")


async def test_a_published_pair_is_delivered_with_its_fixed_message_id_and_unsubscribe_headers(
    smtp_settings: Settings, transport: Transport, handler: ScriptedHandler, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(smtp_settings, [[anouk.id, ruud.id]])
    report = await dispatch_once(smtp_settings, transport)
    assert (report.claimed, report.sent) == (2, 2)
    assert sorted(rcpt for _, (rcpt,), _ in handler.received) == [anouk.email, ruud.email]
    for row in await OutboxMessage.all():
        assert row.status is OutboxStatus.SENT
        assert row.sent_at == frozen_clock.current
    _, _, raw = next(r for r in handler.received if r[1] == [anouk.email])
    message = message_from_bytes(raw, policy=policy.default)
    row = await OutboxMessage.get(recipient_email=anouk.email)
    assert message["Message-ID"] == row.message_id
    assert message["List-Unsubscribe"] == f"<{row.headers['List-Unsubscribe']}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["To"].addresses[0].addr_spec == anouk.email


async def test_451_three_times_then_250_is_delivered_once_on_the_backoff_schedule(
    smtp_settings: Settings, transport: Transport, handler: ScriptedHandler, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(smtp_settings, [[anouk.id, ruud.id]])
    await OutboxMessage.filter(recipient_email=ruud.email).delete()
    handler.data_answers = ["451 4.7.1 Try again later"] * 3
    for attempt, nominal in enumerate(
        [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)], 1
    ):
        report = await dispatch_once(smtp_settings, transport)
        assert report.retrying == 1
        row = await OutboxMessage.get()
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, attempt)
        assert "451" in row.last_error
        wait = row.next_attempt_at - frozen_clock.current
        assert nominal / 2 <= wait < nominal
        assert (await dispatch_once(smtp_settings, transport)).claimed == 0  # not due yet
        frozen_clock.set(row.next_attempt_at)
    report = await dispatch_once(smtp_settings, transport)
    assert report.sent == 1
    row = await OutboxMessage.get()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 4)
    assert len(handler.received) == 1


async def test_550_at_rcpt_fails_at_once_and_the_partner_still_gets_theirs(
    smtp_settings: Settings, transport: Transport, handler: ScriptedHandler, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    handler.refuse_rcpt = {anouk.email: "550 5.1.1 No such user"}
    await a_published_round(smtp_settings, [[anouk.id, ruud.id]])
    report = await dispatch_once(smtp_settings, transport)
    assert (report.sent, report.failed) == (1, 1)
    failed = await OutboxMessage.get(recipient_email=anouk.email)
    assert (failed.status, failed.attempts) == (OutboxStatus.FAILED, 1)
    assert "550" in failed.last_error
    assert (await OutboxMessage.get(recipient_email=ruud.email)).status is OutboxStatus.SENT
    frozen_clock.advance(timedelta(days=3))
    assert (await dispatch_once(smtp_settings, transport)).claimed == 0


async def test_retries_past_the_deadline_die_show_in_the_digest_and_stop(
    smtp_settings: Settings, transport: Transport, handler: ScriptedHandler, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(smtp_settings, [[anouk.id, ruud.id]])
    await OutboxMessage.filter(recipient_email=ruud.email).delete()
    handler.data_answers = ["421 4.3.2 System not accepting network messages"] * 1000
    start = frozen_clock.current
    while (row := await OutboxMessage.get()).status is OutboxStatus.PENDING:
        frozen_clock.set(row.next_attempt_at)
        await dispatch_once(smtp_settings, transport)
    assert row.status is OutboxStatus.DEAD
    assert frozen_clock.current - start < timedelta(hours=48)
    assert row.attempts >= 10  # 1, 2, 4, ... minutes, then every few hours
    tries = handler.datas

    assert await queue_dead_letter_digest(smtp_settings) == 1
    digest = await OutboxMessage.get(kind="dead_letter_digest")
    assert digest.recipient_email == "coordinator@peernet.test"
    assert anouk.email in digest.text
    assert await queue_dead_letter_digest(smtp_settings) == 0  # reported once

    handler.data_answers = []
    frozen_clock.advance(timedelta(days=7))
    await dispatch_once(smtp_settings, transport)  # sends the digest only
    assert handler.datas == tries + 1
    assert (await OutboxMessage.get(id=row.id)).attempts == row.attempts


def test_the_backoff_doubles_from_one_minute_with_jitter_up_to_four_hours() -> None:
    import random

    rng = random.Random(7)
    for attempt, nominal in [(1, 60), (2, 120), (3, 240), (9, 4 * 3600), (30, 4 * 3600)]:
        delays = [retry_delay(attempt, rng).total_seconds() for _ in range(200)]
        assert all(nominal / 2 <= d < nominal for d in delays)
        assert max(delays) - min(delays) > nominal / 4  # really jittered


async def test_a_message_whose_lease_ran_out_is_sent_again(
    smtp_settings: Settings, transport: Transport, handler: ScriptedHandler, frozen_clock: Clock
) -> None:
    from peernet.outbox.dispatch import claim_batch

    anouk, ruud = await a_pair()
    await a_published_round(smtp_settings, [[anouk.id, ruud.id]])
    claimed = await claim_batch(10)  # a worker that then dies
    assert len(claimed) == 2
    assert (await dispatch_once(smtp_settings, transport)).claimed == 0
    frozen_clock.advance(timedelta(seconds=smtp_settings.outbox_lease_seconds))
    report = await dispatch_once(smtp_settings, transport)
    assert report.sent == 2
    assert {r.attempts for r in await OutboxMessage.all()} == {2}
