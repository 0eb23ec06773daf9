from __future__ import annotations

from enum import StrEnum
from typing import Any

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
    # The agenda: when it starts and ends (aware; older events have only a date), what it
    # is about, how many seats (none: no limit), and whether the public agenda shows it.
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    description = fields.TextField(default="")
    capacity = fields.IntField(null=True)
    published = fields.BooleanField(default=False)
    # iCalendar's SEQUENCE: raised on every edit, so calendar apps take the new version.
    sequence = fields.IntField(default=0)

    class Meta:
        table = "event"


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"  # has a seat
    WAITING = "waiting"  # on the waiting list, in order of queued_at then id
    CANCELLED = "cancelled"


class Registration(Model):
    """An attendee's seat (or place on the waiting list) at a session: one row per person
    and event, whose status changes; cancelling and registering again reuse it."""

    id = fields.IntField(primary_key=True)
    attendee: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "peernet.Attendee", related_name="registrations", on_delete=fields.CASCADE
    )
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "peernet.Event", related_name="registrations", on_delete=fields.CASCADE
    )
    attendee_id: int  # the foreign keys' columns, declared for the type checker
    event_id: int
    status = fields.CharEnumField(RegistrationStatus, max_length=16)
    # When they (last) asked for a seat: the waiting list's order.
    queued_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "registration"
        unique_together = (("attendee", "event"),)
