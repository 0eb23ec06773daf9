"""Outbox rows in a given state, written directly: the state is what a test is about."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from peernet import clock
from peernet.outbox.models import OutboxMessage, OutboxStatus

_numbers = itertools.count(1)


async def an_outbox_message(
    email: str = "anouk.de.vries@example.org",
    *,
    name: str = "Anouk de Vries",
    kind: str = "introduction",
    status: OutboxStatus = OutboxStatus.DEAD,
    last_error: str = "451 4.7.1 Try again later",
    attempts: int = 12,
    created_at: datetime | None = None,
    **fields: Any,
) -> OutboxMessage:
    number = next(_numbers)
    created = created_at or clock.now() - timedelta(days=2)
    values: dict[str, Any] = {
        "idempotency_key": f"test:{kind}:{number}",
        "kind": kind,
        "locale": "nl",
        "recipient_name": name,
        "recipient_email": email,
        "subject": f"Bericht {number}",
        "text": f"Tekst van bericht {number}",
        "html": "",
        "message_id": f"<test-{number}@peernet.test>",
        "status": status,
        "attempts": attempts,
        "next_attempt_at": created + timedelta(hours=40),
        "deadline_at": created + timedelta(hours=48),
        "last_error": last_error,
        "created_at": created,
    }
    values.update(fields)
    return await OutboxMessage.create(**values)
