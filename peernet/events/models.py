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
    # The police unit it takes place in (a taxonomy region key); empty for older events.
    region = fields.CharField(max_length=64, null=True)
    is_open = fields.BooleanField(default=True)
    # The last day people can sign up through it (local date); after it the link is closed.
    signup_until = fields.DateField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "event"
