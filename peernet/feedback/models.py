from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class MeetingAnswer(StrEnum):
    MET = "met"
    NOT_YET = "not_yet"
    REMATCH = "rematch"  # "we cannot meet, please rematch me"


class MatchFeedback(Model):
    """One attendee's latest answer about one match: did we meet, and how useful was it."""

    id = fields.IntField(primary_key=True)
    match: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "peernet.Match", related_name="feedback", on_delete=fields.CASCADE
    )
    attendee: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "peernet.Attendee", related_name="feedback", on_delete=fields.CASCADE
    )
    match_id: int  # the foreign keys' columns, declared for the type checker
    attendee_id: int
    answer = fields.CharEnumField(MeetingAnswer, max_length=16, null=True)
    rating = fields.SmallIntField(null=True)  # 1-5 usefulness
    answered_at = fields.DatetimeField()

    class Meta:
        table = "match_feedback"
        unique_together = (("match", "attendee"),)
