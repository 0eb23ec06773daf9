"""The outbox's claim and lease rules, and what each delivery result does to a row, at the
edges: due exactly now, a lease that runs out exactly now, a retry that would land exactly
on the deadline."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from notifications import DeliveryResult
from peernet.outbox.dispatch import (
    FIRST_RETRY,
    LEASE,
    LONGEST_RETRY,
    DispatchReport,
    _record,
    claim_batch,
    retry_delay,
)
from peernet.outbox.models import OutboxMessage, OutboxStatus
from tests.peernet.conftest import Clock
from tests.peernet.outbox.messages import an_outbox_message

pytestmark = pytest.mark.usefixtures("empty_db")

SECOND = timedelta(seconds=1)
TICK = timedelta(microseconds=1)


async def pending(clock: Clock, due_in: timedelta, **fields: Any) -> OutboxMessage:
    values: dict[str, Any] = {
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "last_error": "",
        "next_attempt_at": clock.current + due_in,
        "deadline_at": clock.current + timedelta(hours=48),
    }
    return await an_outbox_message(**{**values, **fields})


async def ids_claimed(limit: int = 100, **kw: timedelta) -> list[int]:
    return [row.id for row in await claim_batch(limit, **kw)]


async def test_a_message_is_claimed_from_the_moment_it_is_due(frozen_clock: Clock) -> None:
    now_due = await pending(frozen_clock, timedelta(0))
    overdue = await pending(frozen_clock, -timedelta(hours=3))
    await pending(frozen_clock, TICK)
    await pending(frozen_clock, timedelta(minutes=5))
    assert sorted(await ids_claimed()) == sorted([now_due.id, overdue.id])


@pytest.mark.parametrize("status", [OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.DEAD])
async def test_a_message_that_is_done_is_never_claimed(
    frozen_clock: Clock, status: OutboxStatus
) -> None:
    await pending(frozen_clock, -timedelta(days=1), status=status, lease_expires_at=None)
    await pending(
        frozen_clock, -timedelta(days=1), status=status, lease_expires_at=frozen_clock.current
    )
    assert await ids_claimed() == []


async def test_a_claim_takes_the_row_under_a_lease_and_counts_the_attempt(
    frozen_clock: Clock,
) -> None:
    row = await pending(frozen_clock, -SECOND, attempts=2)
    [claimed] = await claim_batch()
    assert claimed.id == row.id and claimed.attempts == 3
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status is OutboxStatus.SENDING
    assert stored.lease_expires_at == frozen_clock.current + LEASE
    assert stored.attempts == 3


async def test_the_lease_is_the_one_the_worker_asks_for(frozen_clock: Clock) -> None:
    row = await pending(frozen_clock, -SECOND)
    await claim_batch(lease=timedelta(seconds=42))
    stored = await OutboxMessage.get(id=row.id)
    assert stored.lease_expires_at == frozen_clock.current + timedelta(seconds=42)


async def test_a_claimed_message_is_not_claimed_again_until_its_lease_runs_out(
    frozen_clock: Clock,
) -> None:
    row = await pending(frozen_clock, -SECOND)
    assert await ids_claimed(lease=timedelta(minutes=5)) == [row.id]
    assert await ids_claimed() == []
    frozen_clock.advance(timedelta(minutes=5) - TICK)
    assert await ids_claimed() == []
    frozen_clock.advance(TICK)  # the lease runs out exactly now
    [again] = await claim_batch()
    assert (again.id, again.attempts) == (row.id, 2)


async def test_the_earliest_due_are_claimed_first_up_to_the_limit(frozen_clock: Clock) -> None:
    later = await pending(frozen_clock, -timedelta(minutes=1))
    earliest = await pending(frozen_clock, -timedelta(minutes=30))
    tie_a = await pending(frozen_clock, -timedelta(minutes=10))
    tie_b = await pending(frozen_clock, -timedelta(minutes=10))
    # Written again after tie_b: on PostgreSQL it now lies after it in the table and in the
    # index, so only the tie-break on id keeps the order in which they were queued.
    await OutboxMessage.filter(id=tie_a.id).update(subject="Bericht, opnieuw")
    assert await ids_claimed(3) == [earliest.id, tie_a.id, tie_b.id]
    assert await ids_claimed(3) == [later.id]
    assert await ids_claimed(3) == []


async def test_a_row_another_worker_holds_is_skipped_not_waited_for(
    frozen_clock: Clock,
) -> None:
    if connections.get("default").capabilities.dialect != "postgres":
        pytest.skip("SQLite has no row locks: one worker claims at a time")
    held = await pending(frozen_clock, -timedelta(minutes=2))
    free = await pending(frozen_clock, -timedelta(minutes=1))
    locked, release = asyncio.Event(), asyncio.Event()

    async def other_worker() -> None:
        async with in_transaction():
            await OutboxMessage.filter(id=held.id).select_for_update()
            locked.set()
            await release.wait()

    holder = asyncio.create_task(other_worker())
    await locked.wait()
    try:
        claimed = await asyncio.wait_for(ids_claimed(), timeout=10)
    finally:
        release.set()
        await holder
    assert claimed == [free.id]


async def test_nothing_due_changes_nothing(frozen_clock: Clock) -> None:
    row = await pending(frozen_clock, timedelta(minutes=1))
    assert await claim_batch() == []
    stored = await OutboxMessage.get(id=row.id)
    assert (stored.status, stored.attempts, stored.lease_expires_at) == (
        OutboxStatus.PENDING,
        0,
        None,
    )


async def test_two_passes_at_once_never_claim_the_same_message(frozen_clock: Clock) -> None:
    rows = [await pending(frozen_clock, -SECOND) for _ in range(12)]
    first, second = await asyncio.gather(ids_claimed(8), ids_claimed(8))
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(row.id for row in rows)
    assert {r.attempts for r in await OutboxMessage.all()} == {1}


# ---------------------------------------------------------------- recording results


async def claimed_row(clock: Clock, **fields: Any) -> OutboxMessage:
    await pending(clock, -SECOND, **{"last_error": "451 earlier", **fields})
    [row] = await claim_batch()
    return row


async def test_a_sent_message_is_done_and_its_earlier_error_cleared(frozen_clock: Clock) -> None:
    row = await claimed_row(frozen_clock)
    report = DispatchReport()
    await _record([(row, DeliveryResult.sent("250 2.0.0 Ok"))], report)
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status is OutboxStatus.SENT
    assert stored.sent_at == frozen_clock.current
    assert (stored.lease_expires_at, stored.last_error) == (None, "")
    assert (report.sent, report.failed, report.retrying, report.errors) == (1, 0, 0, [])


async def test_a_permanent_failure_is_never_retried(frozen_clock: Clock) -> None:
    row = await claimed_row(frozen_clock)
    report = DispatchReport()
    await _record([(row, DeliveryResult.permanent("550 5.1.1 unknown user"))], report)
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status is OutboxStatus.FAILED
    assert (stored.lease_expires_at, stored.last_error) == (None, "550 5.1.1 unknown user")
    assert (report.failed, report.retrying, report.dead, report.sent) == (1, 0, 0, 0)
    assert report.errors == [f"message {row.id}: 550 5.1.1 unknown user"]
    frozen_clock.advance(timedelta(days=30))
    assert await claim_batch() == []


async def test_a_temporary_failure_is_retried_after_the_backoff(frozen_clock: Clock) -> None:
    row = await claimed_row(frozen_clock)
    report = DispatchReport()
    await _record([(row, DeliveryResult.temporary("451 4.7.1 try later"))], report)
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status is OutboxStatus.PENDING
    assert (stored.lease_expires_at, stored.last_error) == (None, "451 4.7.1 try later")
    # The first retry comes after 30 to 60 seconds (one minute, jittered).
    assert stored.next_attempt_at is not None
    wait = stored.next_attempt_at - frozen_clock.current
    assert FIRST_RETRY / 2 <= wait < FIRST_RETRY
    assert (report.retrying, report.failed, report.dead, report.sent) == (1, 0, 0, 0)
    assert report.errors == [f"message {row.id}: 451 4.7.1 try later"]
    assert await claim_batch() == []
    frozen_clock.advance(wait)
    assert [r.id for r in await claim_batch()] == [row.id]


@pytest.mark.parametrize(
    ("deadline_after_retry", "status"),
    [(-TICK, OutboxStatus.DEAD), (timedelta(0), OutboxStatus.DEAD), (TICK, OutboxStatus.PENDING)],
    ids=["retry after the deadline", "retry on the deadline", "retry just before"],
)
async def test_a_retry_that_would_not_come_before_the_deadline_is_dead(
    frozen_clock: Clock, deadline_after_retry: timedelta, status: OutboxStatus
) -> None:
    row = await claimed_row(frozen_clock, attempts=4)
    random.seed(2026)
    retry_at = frozen_clock.current + retry_delay(row.attempts)
    await OutboxMessage.filter(id=row.id).update(deadline_at=retry_at + deadline_after_retry)
    row = await OutboxMessage.get(id=row.id)
    report = DispatchReport()
    random.seed(2026)
    await _record([(row, DeliveryResult.temporary("421 closing"))], report)
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status is status
    assert (stored.lease_expires_at, stored.last_error) == (None, "421 closing")
    assert (report.dead, report.retrying) == ((1, 0) if status is OutboxStatus.DEAD else (0, 1))
    if status is OutboxStatus.PENDING:
        assert stored.next_attempt_at == retry_at


async def test_a_long_error_is_stored_cut_to_2000_characters(frozen_clock: Clock) -> None:
    detail = "550 " + "x" * 2500
    for result in (DeliveryResult.permanent(detail), DeliveryResult.temporary(detail)):
        row = await claimed_row(frozen_clock)
        report = DispatchReport()
        await _record([(row, result)], report)
        assert (await OutboxMessage.get(id=row.id)).last_error == detail[:2000]
        assert report.errors == [f"message {row.id}: {detail}"]


async def test_a_batch_records_each_result_on_its_own_row(frozen_clock: Clock) -> None:
    rows = [await pending(frozen_clock, -SECOND) for _ in range(4)]
    claimed = await claim_batch()
    assert [r.id for r in claimed] == [r.id for r in rows]
    results = [
        DeliveryResult.sent("250 a"),
        DeliveryResult.permanent("550 b"),
        DeliveryResult.sent("250 c"),
        DeliveryResult.temporary("451 d"),
    ]
    report = DispatchReport()
    await _record(list(zip(claimed, results, strict=True)), report)
    statuses = [(await OutboxMessage.get(id=r.id)).status for r in rows]
    assert statuses == [
        OutboxStatus.SENT,
        OutboxStatus.FAILED,
        OutboxStatus.SENT,
        OutboxStatus.PENDING,
    ]
    assert (report.sent, report.failed, report.retrying) == (2, 1, 1)


async def test_the_results_add_to_what_the_report_already_counts(frozen_clock: Clock) -> None:
    await pending(frozen_clock, -SECOND)
    await pending(frozen_clock, -SECOND)
    for _ in range(2):
        await pending(frozen_clock, -SECOND, deadline_at=frozen_clock.current)  # no time left
    for _ in range(4):
        await pending(frozen_clock, -SECOND)
    rows = await claim_batch()
    results = [
        DeliveryResult.sent("250 a"),
        DeliveryResult.sent("250 b"),
        DeliveryResult.temporary("451 dead 1"),
        DeliveryResult.temporary("451 dead 2"),
        DeliveryResult.permanent("550 a"),
        DeliveryResult.permanent("550 b"),
        DeliveryResult.temporary("451 again 1"),
        DeliveryResult.temporary("451 again 2"),
    ]
    # As a pass leaves it after dropping mail for an erased attendee, say.
    report = DispatchReport(claimed=9, sent=1, failed=1, dead=1, retrying=1)
    await _record(list(zip(rows, results, strict=True)), report)
    assert (report.sent, report.dead, report.failed, report.retrying) == (3, 3, 3, 3)
    assert len(report.errors) == 6


# ---------------------------------------------------------------- the backoff


class Fixed(random.Random):
    """A random source that always draws ``value``: the jitter's two extremes."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize(
    ("attempt", "nominal"),
    [
        (-1, FIRST_RETRY),
        (0, FIRST_RETRY),
        (1, FIRST_RETRY),
        (2, 2 * FIRST_RETRY),
        (8, 128 * FIRST_RETRY),
        (9, LONGEST_RETRY),
        (50, LONGEST_RETRY),
    ],
)
def test_the_jittered_backoff_lies_between_half_and_all_of_the_nominal_wait(
    attempt: int, nominal: timedelta
) -> None:
    assert retry_delay(attempt, Fixed(0.0)) == nominal / 2
    assert retry_delay(attempt, Fixed(0.5)) == nominal * 0.75
    assert nominal * 0.99 < retry_delay(attempt, Fixed(0.999)) < nominal
