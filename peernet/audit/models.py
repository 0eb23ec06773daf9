from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    """One action of a coordinator, or of the worker on their behalf."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    coordinator: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "peernet.Coordinator", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    coordinator_id: int | None  # the foreign key's column, declared for the type checker
    # Who acted, as shown on the audit page: "coordinator:3", "worker", "cli".
    actor = fields.CharField(max_length=40)
    action = fields.CharField(max_length=40)  # e.g. "sign_in", "round.publish"
    subject = fields.CharField(max_length=80, default="")  # e.g. "round:5"
    details: fields.Field[Any] = fields.JSONField(default=dict)

    class Meta:
        table = "audit_entry"
