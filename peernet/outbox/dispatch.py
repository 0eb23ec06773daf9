"""Sending what the outbox holds: claim a batch under a lease, deliver, record each result.

Delivery is at least once. A row is claimed (status ``sending``, a lease until
``lease_expires_at``) before it is sent and marked ``sent`` only after the server accepted
it; if the worker dies in between, the lease runs out and another pass sends it again.
So duplicates are bounded by what was in flight, and nothing is lost.

On PostgreSQL, claiming uses ``SELECT ... FOR UPDATE SKIP LOCKED`` so that several workers
share the work without waiting on each other or taking the same rows. On SQLite, run one
worker.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise import connections
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from notifications import (
    Address,
    DeliveryResult,
    DeliveryStatus,
    OutgoingMessage,
    Transport,
    compose_message,
)
from peernet import clock
from peernet.links import attendee_of_unsubscribe_url
from peernet.logs import redact
from peernet.outbox.models import OutboxMessage, OutboxStatus
from peernet.outbox.service import attachments_of, sender_address
from peernet.settings import Settings

logger = logging.getLogger("peernet.outbox")

LEASE = timedelta(minutes=5)  # the default; OUTBOX_LEASE_SECONDS sets the worker's
BATCH_SIZE = 100
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=4)


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def retry_delay(attempt: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter: 1, 2, 4, ... minutes up to 4 hours, each
    scaled by a random factor in [0.5, 1.0) so that retries of a failed batch spread out."""
    # Capped before multiplying: a timedelta overflows from attempt 42 on (a long deadline).
    nominal: timedelta = FIRST_RETRY * min(2 ** max(attempt - 1, 0), LONGEST_RETRY / FIRST_RETRY)
    factor = 0.5 + (rng or random).random() / 2
    return nominal * factor


def _supports_skip_locked() -> bool:
    dialect: str = connections.get("default").capabilities.dialect
    return dialect == "postgres"


async def claim_batch(limit: int = BATCH_SIZE, *, lease: timedelta = LEASE) -> list[OutboxMessage]:
    """Take up to ``limit`` due messages (or ones whose lease ran out) for this worker."""
    now = clock.now()
    due = Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, lease_expires_at__lte=now
    )
    async with in_transaction():
        query = OutboxMessage.filter(due).order_by("next_attempt_at", "id").limit(limit)
        if _supports_skip_locked():
            query = query.select_for_update(skip_locked=True)
        rows = await query
        if not rows:
            return []
        ids = [row.id for row in rows]
        # The status condition keeps a claim exclusive on SQLite too, where the
        # transaction, not a row lock, is what serialises two passes.
        await OutboxMessage.filter(id__in=ids).update(
            status=OutboxStatus.SENDING,
            lease_expires_at=now + lease,
            attempts=F("attempts") + 1,
        )
    for row in rows:
        row.attempts += 1
    return rows


def _outgoing(row: OutboxMessage, sender: Address) -> OutgoingMessage:
    # Composed straight to its wire bytes: building an EmailMessage and flattening it
    # cost 3 ms a message, most of a pass (see benchmarks/outbox_drain.py).
    return compose_message(
        sender=sender,
        recipient=Address(name=row.recipient_name, email=row.recipient_email),
        subject=row.subject,
        text=row.text,
        html=row.html or None,
        message_id=row.message_id,
        date=row.created_at,
        list_unsubscribe_url=row.headers.get("List-Unsubscribe"),
        attachments=attachments_of(row),
    )


async def _record_failure(
    row: OutboxMessage, result: DeliveryResult, report: DispatchReport, now: datetime
) -> None:
    detail = result.detail[:2000]
    if result.status is DeliveryStatus.PERMANENT:
        await OutboxMessage.filter(id=row.id).update(
            status=OutboxStatus.FAILED, lease_expires_at=None, last_error=detail
        )
        report.failed += 1
    else:
        next_attempt = now + retry_delay(row.attempts)
        if next_attempt >= row.deadline_at:
            await OutboxMessage.filter(id=row.id).update(
                status=OutboxStatus.DEAD, lease_expires_at=None, last_error=detail
            )
            report.dead += 1
        else:
            await OutboxMessage.filter(id=row.id).update(
                status=OutboxStatus.PENDING,
                next_attempt_at=next_attempt,
                lease_expires_at=None,
                last_error=detail,
            )
            report.retrying += 1
    # The id, not the idempotency key: a digest's key holds the coordinator's address.
    report.errors.append(f"message {row.id}: {result.detail}")


async def _record(
    outcomes: list[tuple[OutboxMessage, DeliveryResult]], report: DispatchReport
) -> None:
    """Write a batch's results in one transaction: one statement for all that were sent."""
    now = clock.now()
    sent = [row.id for row, result in outcomes if result.status is DeliveryStatus.SENT]
    async with in_transaction():
        if sent:
            await OutboxMessage.filter(id__in=sent).update(
                status=OutboxStatus.SENT, sent_at=now, lease_expires_at=None, last_error=""
            )
            report.sent += len(sent)
        for row, result in outcomes:
            if result.status is not DeliveryStatus.SENT:
                await _record_failure(row, result, report, now)


async def _skip_erased(
    settings: Settings, rows: list[OutboxMessage], report: DispatchReport
) -> list[OutboxMessage]:
    """Nothing is ever sent to an erased attendee: a message queued for them in a race with
    their erasure (it names them in its unsubscribe link) is dropped here, and scrubbed.
    Erasure gives the placeholder a new public id, so a link naming a public id that no
    attendee has any more is theirs too (as is one of a deleted unconfirmed sign-up)."""
    from peernet.attendees.models import Attendee, AttendeeStatus
    from peernet.attendees.rights import is_erased_address, scrubbed_mail

    named = {
        row.id: attendee_of_unsubscribe_url(settings, row.headers.get("List-Unsubscribe"))
        for row in rows
    }
    public_ids = {p for p in named.values() if p is not None}
    living: dict[str, int] = {}
    if public_ids:
        found = await Attendee.filter(public_id__in=list(public_ids)).exclude(
            status=AttendeeStatus.ERASED
        )
        living = {a.public_id: a.id for a in found}
    keep: list[OutboxMessage] = []
    for row in rows:
        public_id = named[row.id]
        gone = public_id is not None and public_id not in living
        if gone or is_erased_address(row.recipient_email):
            await OutboxMessage.filter(id=row.id).update(
                **scrubbed_mail(0, row.id),
                status=OutboxStatus.FAILED,
                lease_expires_at=None,
                reported_at=clock.now(),
            )
            report.failed += 1
        else:
            keep.append(row)
    return keep


async def dispatch_once(
    settings: Settings, transport: Transport, *, limit: int = BATCH_SIZE
) -> DispatchReport:
    """One pass: claim a batch, hand it to the transport, record every result."""
    report = DispatchReport()
    rows = await claim_batch(limit, lease=timedelta(seconds=settings.outbox_lease_seconds))
    report.claimed = len(rows)
    if not rows:
        return report
    rows = await _skip_erased(settings, rows, report)
    sendable: list[OutboxMessage] = []
    messages: list[OutgoingMessage] = []
    unsendable: list[tuple[OutboxMessage, DeliveryResult]] = []
    sender = sender_address(settings)
    for row in rows:
        try:
            messages.append(_outgoing(row, sender))
            sendable.append(row)
        except ValueError as exc:  # includes HeaderInjectionError: never retried
            unsendable.append((row, DeliveryResult(DeliveryStatus.PERMANENT, str(exc))))
    results = await transport.send(messages) if messages else []
    await _record([*unsendable, *zip(sendable, results, strict=True)], report)
    if report.errors:
        # Ids only: a server's reply may name the recipient ("550 <ann@example.nl>: unknown").
        logger.warning(
            "outbox: %d not sent: %s",
            len(report.errors),
            "; ".join(redact(error) for error in report.errors[:5]),
        )
    return report


async def drain(
    settings: Settings, transport: Transport, *, limit: int = BATCH_SIZE
) -> DispatchReport:
    """Dispatch until nothing is due (used by the worker's job and by tests)."""
    total = DispatchReport()
    while True:
        report = await dispatch_once(settings, transport, limit=limit)
        if not report.claimed:
            return total
        for name in ("claimed", "sent", "retrying", "failed", "dead"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        total.errors.extend(report.errors)
