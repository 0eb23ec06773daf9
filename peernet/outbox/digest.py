"""The coordinators' daily digest of email that could not be delivered."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from peernet import clock
from peernet.attendees.service import normalize_email
from peernet.coordinators.service import coordinator_recipients
from peernet.outbox.models import OutboxMessage, OutboxStatus
from peernet.outbox.service import enqueue
from peernet.settings import Settings

UNDELIVERABLE = (OutboxStatus.DEAD, OutboxStatus.FAILED)
OUTBOX_PAGE = "/coordinator/outbox"


def outbox_page_url(settings: Settings) -> str:
    return f"{settings.base_url}{OUTBOX_PAGE}"


async def queue_dead_letter_digest(settings: Settings) -> int:
    """One digest per coordinator listing what died since the last one; 0 when nothing did."""
    now = clock.now()
    day = now.astimezone(settings.timezone).date().isoformat()
    async with in_transaction():
        recipients = await coordinator_recipients(settings)
        if not recipients:
            return 0  # rows stay unreported until someone can be told
        rows = (
            await OutboxMessage.filter(status__in=UNDELIVERABLE, reported_at__isnull=True)
            .exclude(kind="dead_letter_digest")
            .exclude(last_error="unsubscribed")
            .order_by("id")
        )
        if not rows:
            return 0
        messages = [
            {
                "kind": row.kind,
                "recipient": row.recipient_email,
                "attempts": row.attempts,
                "last_error": row.last_error,
                "created_at": row.created_at.astimezone(settings.timezone),
            }
            for row in rows
        ]
        # Two workers that run the digest at once list the same rows and so write the same
        # keys: one digest each. A row that was retried and died again is reported again,
        # with more attempts, so its batch gets a new key even on the same day.
        batch = f"{rows[-1].id}.{rows[-1].attempts}"
        for recipient in recipients:
            await enqueue(
                settings,
                key=f"digest:{day}:{batch}:{normalize_email(recipient.email)}",
                kind="dead_letter_digest",
                locale=settings.default_locale,
                recipient=recipient,
                context={
                    "name": recipient.name,
                    "messages": messages,
                    "admin_url": outbox_page_url(settings),
                },
            )
        await OutboxMessage.filter(id__in=[r.id for r in rows]).update(reported_at=now)
    return len(rows)
