from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Coordinator(Model):
    """Someone who runs the network: plans and publishes rounds, sees who was left out."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254)
    # Lower-cased address: one account per mailbox, whatever case it was typed in.
    email_normalized = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=120)
    password_hash = fields.CharField(max_length=255)  # argon2id, never the password
    is_active = fields.BooleanField(default=True)
    # Part of every session cookie: signing out (or a new password) raises it, and every
    # cookie issued before stops working.
    session_epoch = fields.IntField(default=0)
    created_at = fields.DatetimeField()
    last_sign_in_at = fields.DatetimeField(null=True)

    class Meta:
        table = "coordinator"


class ApiToken(Model):
    """A bearer token for the JSON API, stored only as its SHA-256."""

    id = fields.IntField(primary_key=True)
    coordinator: fields.ForeignKeyRelation[Coordinator] = fields.ForeignKeyField(
        "peernet.Coordinator", related_name="api_tokens", on_delete=fields.CASCADE
    )
    coordinator_id: int  # the foreign key's column, declared for the type checker
    label = fields.CharField(max_length=80, default="")
    token_hash = fields.CharField(max_length=64, unique=True)
    # The first characters of the token, shown in lists so that a person can tell them apart.
    prefix = fields.CharField(max_length=16)
    created_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"
