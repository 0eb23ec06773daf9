from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class RoundStatus(StrEnum):
    DRAFT = "draft"  # proposed; the coordinator may still change it
    PUBLISHED = "published"  # introductions are on their way


class Round(Model):
    """One monthly matching round."""

    id = fields.IntField(primary_key=True)
    period = fields.CharField(max_length=7)  # "2026-12"
    status = fields.CharEnumField(RoundStatus, max_length=16, default=RoundStatus.DRAFT)
    stats: fields.Field[Any] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()
    published_at = fields.DatetimeField(null=True)

    class Meta:
        table = "round"


class Match(Model):
    """A pair (or the one trio) in a round, with the due dates of its follow-up nudges."""

    id = fields.IntField(primary_key=True)
    round: fields.ForeignKeyRelation[Round] = fields.ForeignKeyField(
        "peernet.Round", related_name="matches", on_delete=fields.CASCADE
    )
    round_id: int  # the foreign key's column, declared for the type checker
    score = fields.FloatField(default=0.0)
    explanation: fields.Field[Any] = fields.JSONField(default=dict)
    introduced_at = fields.DatetimeField(null=True)
    nudge_met_due_at = fields.DatetimeField(null=True, db_index=True)
    nudge_met_done_at = fields.DatetimeField(null=True)
    feedback_due_at = fields.DatetimeField(null=True, db_index=True)
    feedback_done_at = fields.DatetimeField(null=True)

    class Meta:
        table = "match"


class MatchMember(Model):
    id = fields.IntField(primary_key=True)
    match: fields.ForeignKeyRelation[Match] = fields.ForeignKeyField(
        "peernet.Match", related_name="members", on_delete=fields.CASCADE
    )
    attendee: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "peernet.Attendee", related_name="memberships", on_delete=fields.CASCADE
    )
    match_id: int  # the foreign keys' columns, declared for the type checker
    attendee_id: int

    class Meta:
        table = "match_member"
        unique_together = (("match", "attendee"),)
