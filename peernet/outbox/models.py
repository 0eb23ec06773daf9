from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a worker under a lease
    SENT = "sent"
    FAILED = "failed"  # refused permanently by the server; never retried
    DEAD = "dead"  # temporary failures until the deadline passed


class OutboxMessage(Model):
    """One email, written in the same transaction as the event that causes it."""

    id = fields.BigIntField(primary_key=True)
    idempotency_key = fields.CharField(max_length=200, unique=True)
    kind = fields.CharField(max_length=40)
    locale = fields.CharField(max_length=5)
    recipient_name = fields.CharField(max_length=200)
    recipient_email = fields.CharField(max_length=254)
    subject = fields.CharField(max_length=300)
    text = fields.TextField()
    html = fields.TextField()
    headers: fields.Field[Any] = fields.JSONField(default=dict)
    # Files sent with it (an .ics invitation): [{filename, content_type, params, data (base64)}].
    attachments: fields.Field[Any] = fields.JSONField(null=True)
    message_id = fields.CharField(max_length=255, unique=True)
    status = fields.CharEnumField(OutboxStatus, max_length=16, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    lease_expires_at = fields.DatetimeField(null=True)
    deadline_at = fields.DatetimeField()
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    # When a dead or failed message was listed in the coordinators' daily digest.
    reported_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
