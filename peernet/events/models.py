from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Event(Model):
    """A training session or regional follow-up afternoon whose attendees can sign up."""

    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=64, unique=True)
    title = fields.CharField(max_length=200)
    date = fields.DateField()
    place = fields.CharField(max_length=200)
    organiser = fields.CharField(max_length=200, default="")
    is_open = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "event"
