"""Signed links of the agenda's emails: register for (or cancel) a session, and stop the
announcements of sessions nearby. They name the attendee by ``public_id`` (random), never by
the row id. Opening one (GET) shows a button; only the POST changes anything.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadData, URLSafeSerializer

from peernet.links import LinkInvalid
from peernet.settings import Settings


def _serializer(settings: Settings, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(settings.signing_keys, salt=f"peernet.{purpose}")


def registration_url(settings: Settings, *, public_id: str, event_slug: str) -> str:
    """Register for (or cancel) one session. No expiry of its own: the session's day ends it."""
    token = _serializer(settings, "register").dumps({"p": public_id, "e": event_slug})
    return f"{settings.base_url}/register/{token}"


def read_registration(settings: Settings, token: str) -> tuple[str, str]:
    try:
        data: Any = _serializer(settings, "register").loads(token)
    except BadData:
        raise LinkInvalid("the registration link is invalid") from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("p"), str)
        or not isinstance(data.get("e"), str)
    ):
        raise LinkInvalid("the registration link is invalid")
    return data["p"], data["e"]


def announcements_off_url(settings: Settings, *, public_id: str) -> str:
    """Stop the "a session near you" emails, and nothing else."""
    token = _serializer(settings, "announcements-off").dumps(public_id)
    return f"{settings.base_url}/announcements/off/{token}"


def read_announcements_off(settings: Settings, token: str) -> str:
    try:
        data: Any = _serializer(settings, "announcements-off").loads(token)
    except BadData:
        raise LinkInvalid("the link is invalid") from None
    if not isinstance(data, str):
        raise LinkInvalid("the link is invalid")
    return data
