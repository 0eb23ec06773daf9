from __future__ import annotations

import secrets
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


def new_public_id() -> str:
    """A random, URL-safe attendee id for links (22 characters, 128 bits)."""
    return secrets.token_urlsafe(16)


class AttendeeStatus(StrEnum):
    PENDING = "pending"  # signed up, email address not yet confirmed
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"
    # Personal data erased: the row stays, anonymous, so past pairs keep their month, their
    # disciplines and their ratings for statistics ("a former participant").
    ERASED = "erased"


class Attendee(Model):
    """A professional in the peer network."""

    id = fields.IntField(primary_key=True)
    # What links in emails name instead of the sequential row id: 128 random bits, so that
    # knowing one attendee's link says nothing about anyone else's.
    public_id = fields.CharField(max_length=32, unique=True, default=new_public_id)
    name = fields.CharField(max_length=120)
    email = fields.CharField(max_length=254)
    # Lower-cased address: one attendee per mailbox, whatever case it was typed in.
    email_normalized = fields.CharField(max_length=254, unique=True)
    organisation = fields.CharField(max_length=160)
    role = fields.CharField(max_length=64)
    region = fields.CharField(max_length=64)
    expertise: fields.Field[Any] = fields.JSONField(default=list)
    gaps: fields.Field[Any] = fields.JSONField(default=list)
    languages: fields.Field[Any] = fields.JSONField(default=list)
    meeting_preference = fields.CharField(max_length=16)
    locale = fields.CharField(max_length=5, default="nl")
    status = fields.CharEnumField(AttendeeStatus, max_length=16, default=AttendeeStatus.PENDING)
    paused_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    confirmed_at = fields.DatetimeField(null=True)
    # When they left (withdrew consent); erased 30 days later unless they come back.
    left_at = fields.DatetimeField(null=True)
    erased_at = fields.DatetimeField(null=True)
    # The last sign of life: a sign-up, a round they were in, an answer, a personal-page visit.
    last_active_at = fields.DatetimeField(null=True)
    # When the retention check asked whether they want to stay (erased 30 days later if silent).
    stay_asked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "attendee"


class Attendance(Model):
    """That an attendee was at an event (and signed up through it)."""

    id = fields.IntField(primary_key=True)
    attendee: fields.ForeignKeyRelation[Attendee] = fields.ForeignKeyField(
        "peernet.Attendee", related_name="attendances", on_delete=fields.CASCADE
    )
    event: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "peernet.Event", related_name="attendances", on_delete=fields.CASCADE
    )
    attendee_id: int  # the foreign keys' columns, declared for the type checker
    event_id: int
    created_at = fields.DatetimeField()

    class Meta:
        table = "attendance"
        unique_together = (("attendee", "event"),)


class Signup(Model):
    """One submitted sign-up, applied to its attendee only once the emailed link is confirmed."""

    id = fields.IntField(primary_key=True)
    attendee: fields.ForeignKeyRelation[Attendee] = fields.ForeignKeyField(
        "peernet.Attendee", related_name="signups", on_delete=fields.CASCADE
    )
    event: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "peernet.Event", related_name="signups", on_delete=fields.CASCADE
    )
    attendee_id: int  # the foreign keys' columns, declared for the type checker
    event_id: int
    details: fields.Field[Any] = fields.JSONField()
    channel = fields.CharField(max_length=16)  # "form", "api" or "import"
    # "signup": the person filled in the form and consented; "invitation": a coordinator
    # imported them, and they consent (or not) when they open the emailed link.
    kind = fields.CharField(max_length=16, default="signup")
    consent_version = fields.CharField(max_length=32)
    locale = fields.CharField(max_length=5)
    # SHA-256 of the emailed token: the token itself is never stored.
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    confirmed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "signup"


class Consent(Model):
    """What an attendee consented to, under which text version, when and through which form."""

    id = fields.IntField(primary_key=True)
    attendee: fields.ForeignKeyRelation[Attendee] = fields.ForeignKeyField(
        "peernet.Attendee", related_name="consents", on_delete=fields.CASCADE
    )
    purpose = fields.CharField(max_length=40)
    text_version = fields.CharField(max_length=32)
    locale = fields.CharField(max_length=5)
    channel = fields.CharField(max_length=80)  # e.g. "form:/join/demo"
    signup: fields.ForeignKeyNullableRelation[Signup] = fields.ForeignKeyField(
        "peernet.Signup", related_name="consents", null=True, on_delete=fields.SET_NULL
    )
    given_at = fields.DatetimeField()
    confirmed_at = fields.DatetimeField()
    withdrawn_at = fields.DatetimeField(null=True)

    class Meta:
        table = "consent"


class ImportBatch(Model):
    """One upload of an event's registration list: what was stored and what was refused."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "peernet.Event", related_name="imports", on_delete=fields.CASCADE
    )
    coordinator: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "peernet.Coordinator", related_name="imports", null=True, on_delete=fields.SET_NULL
    )
    event_id: int  # the foreign keys' columns, declared for the type checker
    coordinator_id: int | None
    filename = fields.CharField(max_length=200, default="")
    # SHA-256 of the uploaded bytes: the same file uploaded twice is recognised.
    content_hash = fields.CharField(max_length=64)
    lines = fields.IntField(default=0)
    stored = fields.IntField(default=0)  # new invitations
    already_known = fields.IntField(default=0)
    refused = fields.IntField(default=0)
    report: fields.Field[Any] = fields.JSONField(default=list)  # per refused line: line, errors
    created_at = fields.DatetimeField()

    class Meta:
        table = "import_batch"


class MagicLink(Model):
    """A single-use link to an attendee's personal page: only the SHA-256 of its token is kept."""

    id = fields.IntField(primary_key=True)
    attendee: fields.ForeignKeyRelation[Attendee] = fields.ForeignKeyField(
        "peernet.Attendee", related_name="magic_links", on_delete=fields.CASCADE
    )
    attendee_id: int  # the foreign key's column, declared for the type checker
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "magic_link"


class AttendeeBlock(Model):
    """An attendee's private wish never to be grouped with someone they were matched with.

    Only the attendee who blocked sees it; the other never learns of it."""

    id = fields.IntField(primary_key=True)
    attendee: fields.ForeignKeyRelation[Attendee] = fields.ForeignKeyField(
        "peernet.Attendee", related_name="blocks", on_delete=fields.CASCADE
    )
    blocked: fields.ForeignKeyRelation[Attendee] = fields.ForeignKeyField(
        "peernet.Attendee", related_name="blocked_by", on_delete=fields.CASCADE
    )
    attendee_id: int  # the foreign keys' columns, declared for the type checker
    blocked_id: int
    created_at = fields.DatetimeField()

    class Meta:
        table = "attendee_block"
        unique_together = (("attendee", "blocked"),)
