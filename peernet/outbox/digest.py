"""The coordinators' daily digest of email that could not be delivered."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from notifications import Address
from peernet import clock
from peernet.outbox.models import OutboxMessage, OutboxStatus
from peernet.outbox.service import enqueue
from peernet.settings import Settings

UNDELIVERABLE = (OutboxStatus.DEAD, OutboxStatus.FAILED)


async def queue_dead_letter_digest(settings: Settings) -> int:
    """One digest per coordinator listing what died since the last one; 0 when nothing did."""
    if not settings.coordinators:
        return 0
    now = clock.now()
    day = now.astimezone(settings.timezone).date().isoformat()
    async with in_transaction():
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
        for email in settings.coordinators:
            await enqueue(
                settings,
                key=f"digest:{day}:{rows[-1].id}:{email}",
                kind="dead_letter_digest",
                locale=settings.default_locale,
                recipient=Address(name="", email=email),
                context={"name": "", "messages": messages, "admin_url": settings.base_url},
            )
        await OutboxMessage.filter(id__in=[r.id for r in rows]).update(reported_at=now)
    return len(rows)
