from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class RoundStatus(StrEnum):
    DRAFT = "draft"  # proposed; the coordinator may still change it
    PUBLISHED = "published"  # introductions are on their way


class Round(Model):
    """One monthly matching round: at most one per month, a draft until it is published."""

    id = fields.IntField(primary_key=True)
    period = fields.CharField(max_length=7, unique=True)  # "2026-12"
    status = fields.CharEnumField(RoundStatus, max_length=16, default=RoundStatus.DRAFT)
    # How many times the draft was planned; each recompute raises it.
    version = fields.IntField(default=1)
    preset = fields.CharField(max_length=32, default="balanced")  # a key of rounds.presets
    stats: fields.Field[Any] = fields.JSONField(default=dict)
    # The version before the last recompute ({"version", "groups", "stats"}), for the diff.
    previous: fields.Field[Any] = fields.JSONField(null=True)
    created_at = fields.DatetimeField()
    planned_at = fields.DatetimeField(null=True)
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


class RoundExclusion(Model):
    """A person the coordinator took out of one round (on leave, ill, ...)."""

    id = fields.IntField(primary_key=True)
    round: fields.ForeignKeyRelation[Round] = fields.ForeignKeyField(
        "peernet.Round", related_name="exclusions", on_delete=fields.CASCADE
    )
    attendee: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "peernet.Attendee", related_name="round_exclusions", on_delete=fields.CASCADE
    )
    round_id: int  # the foreign keys' columns, declared for the type checker
    attendee_id: int
    created_at = fields.DatetimeField()

    class Meta:
        table = "round_exclusion"
        unique_together = (("round", "attendee"),)


class RoundPin(Model):
    """Two people the coordinator wants together in one round."""

    id = fields.IntField(primary_key=True)
    round: fields.ForeignKeyRelation[Round] = fields.ForeignKeyField(
        "peernet.Round", related_name="pins", on_delete=fields.CASCADE
    )
    attendee_a: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "peernet.Attendee", related_name="pins_as_a", on_delete=fields.CASCADE
    )
    attendee_b: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "peernet.Attendee", related_name="pins_as_b", on_delete=fields.CASCADE
    )
    round_id: int  # the foreign keys' columns, declared for the type checker
    attendee_a_id: int
    attendee_b_id: int
    created_at = fields.DatetimeField()

    class Meta:
        table = "round_pin"
        unique_together = (("round", "attendee_a", "attendee_b"),)


class KeepApart(Model):
    """Two people who are never grouped, in any round: a coordinator keeps them apart.

    Stored once per pair, the lower attendee id as ``attendee_a``.
    """

    id = fields.IntField(primary_key=True)
    attendee_a: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "peernet.Attendee", related_name="kept_apart_as_a", on_delete=fields.CASCADE
    )
    attendee_b: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "peernet.Attendee", related_name="kept_apart_as_b", on_delete=fields.CASCADE
    )
    attendee_a_id: int  # the foreign keys' columns, declared for the type checker
    attendee_b_id: int
    created_at = fields.DatetimeField()

    class Meta:
        table = "keep_apart"
        unique_together = (("attendee_a", "attendee_b"),)
