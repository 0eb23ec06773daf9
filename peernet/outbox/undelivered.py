"""Email that could not be delivered: the list coordinators see, and putting one back.

A retried message keeps its Message-ID, so that a server which did accept an earlier
attempt after all (and only answered too late) can recognise the duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from peernet import clock
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.audit import service as audit_log
from peernet.coordinators.models import Coordinator
from peernet.errors import Conflict, NotFound
from peernet.outbox.digest import UNDELIVERABLE
from peernet.outbox.models import OutboxMessage, OutboxStatus
from peernet.settings import Settings

PAGE_SIZE = 100
# What ``peernet.attendees.subscription.unsubscribe`` writes on the mail it cancels.
CANCELLED_BY_UNSUBSCRIBE = "unsubscribed"
DIGEST_KIND = "dead_letter_digest"


class RetryRefused(Conflict):
    """Why a message cannot be queued again; ``reason`` names it for the page."""

    code = "retry_refused"

    def __init__(self, message_id: int, reason: str) -> None:
        super().__init__(f"outbox message {message_id}: not retried ({reason})")
        self.reason = reason


@dataclass(frozen=True)
class UndeliveredMessage:
    message: OutboxMessage
    recipient_left: bool  # the attendee it was for has unsubscribed since: never retried


@dataclass(frozen=True)
class UndeliveredPage:
    messages: list[UndeliveredMessage]
    number: int  # 1-based
    pages: int
    total: int


def _undelivered() -> QuerySet[OutboxMessage]:
    return (
        OutboxMessage.filter(status__in=UNDELIVERABLE)
        .exclude(kind=DIGEST_KIND)
        .exclude(last_error=CANCELLED_BY_UNSUBSCRIBE)
    )


async def _left_addresses(emails: list[str]) -> set[str]:
    found = await Attendee.filter(
        email_normalized__in=sorted({e.strip().lower() for e in emails}),
        status=AttendeeStatus.LEFT,
    ).values_list("email_normalized", flat=True)
    return {str(e) for e in found}


async def undelivered_page(number: int = 1) -> UndeliveredPage:
    """The undelivered messages, newest first, :data:`PAGE_SIZE` a page; a page number past
    the end shows the last page."""
    total = await _undelivered().count()
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(number, 1), pages)
    rows = (
        await _undelivered()
        .order_by("-created_at", "-id")
        .offset((number - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    left = await _left_addresses([row.recipient_email for row in rows])
    messages = [
        UndeliveredMessage(row, row.recipient_email.strip().lower() in left) for row in rows
    ]
    return UndeliveredPage(messages=messages, number=number, pages=pages, total=total)


def _refusal(message: OutboxMessage) -> str | None:
    if message.status is OutboxStatus.SENT:
        return "already_sent"
    if message.status not in UNDELIVERABLE:
        return "already_queued"
    if message.last_error == CANCELLED_BY_UNSUBSCRIBE:
        return "unsubscribed"
    return None


async def retry_message(
    settings: Settings, message_id: int, *, coordinator: Coordinator
) -> OutboxMessage:
    """Put a dead or failed message back in the queue, due now, with a fresh deadline.

    The attempts so far are kept (they are history, and the backoff goes on from there).
    Safe to repeat and to race: the update only applies to a row that is still dead or
    failed, so of two coordinators clicking at once one queues it and the other is told
    it is already queued (:class:`RetryRefused`, 409), and only one audit entry is written.
    """
    now = clock.now()
    async with in_transaction():
        message = await OutboxMessage.get_or_none(id=message_id)
        if message is None:
            raise NotFound(f"outbox message {message_id}: no such message")
        reason = _refusal(message)
        if reason:
            raise RetryRefused(message_id, reason)
        if await _left_addresses([message.recipient_email]):
            raise RetryRefused(message_id, "recipient_left")
        queued = await OutboxMessage.filter(id=message_id, status__in=UNDELIVERABLE).update(
            status=OutboxStatus.PENDING,
            next_attempt_at=now,
            deadline_at=now + timedelta(hours=settings.delivery_deadline_hours),
            lease_expires_at=None,
            reported_at=None,
        )
        if not queued:  # another coordinator (or another tab) was first
            raise RetryRefused(message_id, "already_queued")
        await audit_log.record(
            "outbox.retry",
            coordinator=coordinator,
            subject=f"outbox:{message_id}",
            details={"kind": message.kind, "previous_status": message.status.value},
        )
        return await OutboxMessage.get(id=message_id)


async def undelivered_count() -> int:
    """How many messages the undelivered page lists (for the coordinators' dashboard)."""
    return await _undelivered().count()
