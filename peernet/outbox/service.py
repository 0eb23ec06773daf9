"""Writing email into the outbox. Sending it is :mod:`peernet.outbox.dispatch`'s job."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from notifications import Address, Attachment, make_message_id, render_email
from peernet import clock
from peernet.outbox.models import OutboxMessage
from peernet.settings import Settings


def sender_address(settings: Settings) -> Address:
    return Address(name=settings.mail_from_name, email=settings.mail_from_email)


async def enqueue(
    settings: Settings,
    *,
    key: str,
    kind: str,
    locale: str,
    recipient: Address,
    context: Mapping[str, Any],
    unsubscribe_url: str | None = None,
    send_at: datetime | None = None,
    attachments: Sequence[Attachment] = (),
    reuse_existing: bool = True,
) -> OutboxMessage:
    """Render ``kind`` for ``recipient`` and store it, once per idempotency ``key``.

    Call it inside the transaction that causes the email, so that both land or neither does.
    With ``reuse_existing=False`` a key that is taken raises :class:`IntegrityError` instead
    of returning the stored row: for callers that count what they queued.
    """
    existing = await OutboxMessage.get_or_none(idempotency_key=key) if reuse_existing else None
    if existing is not None:
        return existing
    rendered = render_email(kind, locale, context)
    now = clock.now()
    due = send_at or now
    headers = {"List-Unsubscribe": unsubscribe_url} if unsubscribe_url else {}
    return await OutboxMessage.create(
        idempotency_key=key,
        kind=kind,
        locale=locale,
        recipient_name=recipient.name,
        recipient_email=recipient.email,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        headers=headers,
        attachments=[stored_attachment(a) for a in attachments] or None,
        message_id=make_message_id(settings.mail_from_email.rpartition("@")[2]),
        next_attempt_at=due,
        deadline_at=due + timedelta(hours=settings.delivery_deadline_hours),
        created_at=now,
    )


def stored_attachment(attachment: Attachment) -> dict[str, Any]:
    attachment.check()
    return {
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "params": [list(p) for p in attachment.params],
        "data": base64.b64encode(attachment.data).decode("ascii"),
    }


def attachments_of(row: OutboxMessage) -> list[Attachment]:
    return [
        Attachment(
            filename=a["filename"],
            content_type=a["content_type"],
            params=tuple((str(k), str(v)) for k, v in a.get("params", [])),
            data=base64.b64decode(a["data"]),
        )
        for a in row.attachments or []
    ]
