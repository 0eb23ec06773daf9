"""Writing email into the outbox. Sending it is :mod:`peernet.outbox.dispatch`'s job."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from notifications import Address, Attachment, make_message_id, render_email
from peernet import clock
from peernet.bulk import insert_rows
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
    row = OutboxMessage(
        **_rendered_row(
            settings,
            Email(
                key, kind, locale, recipient, context, unsubscribe_url, send_at, tuple(attachments)
            ),
        )
    )
    await row.save(force_create=True)
    return row


@dataclass(frozen=True)
class Email:
    """One email for :func:`enqueue_many`: the arguments of :func:`enqueue`."""

    key: str
    kind: str
    locale: str
    recipient: Address
    context: Mapping[str, Any]
    unsubscribe_url: str | None = None
    send_at: datetime | None = None
    attachments: tuple[Attachment, ...] = ()


# Keys looked up and rows inserted per statement: well under SQLite's bound on variables.
BATCH = 500
# Emails rendered between two turns of the event loop while a batch is being inserted.
YIELD_EVERY = 10


async def enqueue_many(settings: Settings, emails: Sequence[Email]) -> int:
    """:func:`enqueue` for many emails at once (a round's introductions): the keys already
    taken are looked up and the new rows inserted in batches rather than one by one. An
    email whose key is taken is left as stored, as :func:`enqueue` does; a key given twice
    is stored once. Returns how many rows were stored. Call it inside the transaction that
    causes the emails."""
    taken: set[str] = set()
    keys = [e.key for e in emails]
    for start in range(0, len(keys), BATCH):
        stored = OutboxMessage.filter(idempotency_key__in=keys[start : start + BATCH])
        taken.update(str(key) for key in await stored.values_list("idempotency_key", flat=True))
    fresh: list[Email] = []
    for email in emails:
        if email.key not in taken:
            taken.add(email.key)
            fresh.append(email)
    # Each batch is inserted while the next one renders: the database's work on one overlaps
    # with ours on the other (one insert in flight at a time, on the caller's transaction).
    # Rendering yields to the event loop every few emails, or the insert in flight could
    # send no more than the socket's buffer (a batch is megabytes) until the batch is done.
    inserting: asyncio.Future[Any] | None = None
    try:
        for start in range(0, len(fresh), BATCH):
            rows: list[dict[str, Any]] = []
            for email in fresh[start : start + BATCH]:
                rows.append(_rendered_row(settings, email))
                if inserting is not None and len(rows) % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
            if inserting is not None:
                await inserting
            inserting = asyncio.ensure_future(insert_rows(OutboxMessage, rows, batch=BATCH))
            await asyncio.sleep(0)  # let the insert go out before rendering the next batch
        if inserting is not None:
            await inserting
    except BaseException:
        if inserting is not None and not inserting.done():
            # Never leave a statement running on the transaction that is about to fail.
            with contextlib.suppress(BaseException):
                await inserting
        raise
    return len(fresh)


def _rendered_row(settings: Settings, email: Email) -> dict[str, Any]:
    """The new row's fields (the others take their defaults)."""
    rendered = render_email(email.kind, email.locale, email.context)
    now = clock.now()
    due = email.send_at or now
    headers = {"List-Unsubscribe": email.unsubscribe_url} if email.unsubscribe_url else {}
    return {
        "idempotency_key": email.key,
        "kind": email.kind,
        "locale": email.locale,
        "recipient_name": email.recipient.name,
        "recipient_email": email.recipient.email,
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        "headers": headers,
        "attachments": [stored_attachment(a) for a in email.attachments] or None,
        "message_id": make_message_id(settings.mail_from_email.rpartition("@")[2]),
        "next_attempt_at": due,
        "deadline_at": due + timedelta(hours=settings.delivery_deadline_hours),
        "created_at": now,
    }


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
