"""Signed links in emails: answers to nudges, pause and unsubscribe.

The token in the URL is the credential: it names the attendee (and match) and is signed
with SECRET_KEY, so it cannot be forged or altered. Attendees are named by their random
``public_id``, never by the sequential row id: a token's payload is only signed, not
encrypted, and one attendee's link must say nothing about anyone else's. Opening one (GET)
only shows a page; what it stands for happens on POST, so mail scanners that fetch links
change nothing.
"""

from __future__ import annotations

import re
from typing import Any

from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer

from peernet.errors import NotFound
from peernet.settings import Settings

ANSWER_VALID_FOR_SECONDS = 180 * 24 * 3600
# secrets.token_urlsafe(16) gives 22 characters; the column allows up to 32.
_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{16,32}")


class LinkInvalid(NotFound):
    code = "link_invalid"


def _timed(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.signing_keys, salt=f"peernet.{purpose}")


def _lasting(settings: Settings, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(settings.signing_keys, salt=f"peernet.{purpose}")


def _public_id(value: object) -> str | None:
    """A public id as :func:`peernet.attendees.models.new_public_id` makes them, or None."""
    if isinstance(value, str) and _PUBLIC_ID.fullmatch(value):
        return value
    return None


def answer_url(settings: Settings, *, match_id: int, public_id: str, answer: str) -> str:
    """``public_id`` is the answering attendee's."""
    token = _timed(settings, "answer").dumps({"m": match_id, "p": public_id, "a": answer})
    return f"{settings.base_url}/answer/{token}"


def read_answer(settings: Settings, token: str) -> dict[str, Any]:
    try:
        data = _timed(settings, "answer").loads(token, max_age=ANSWER_VALID_FOR_SECONDS)
    except BadData:
        raise LinkInvalid("the answer link is invalid or has expired") from None
    if (
        not isinstance(data, dict)
        or not {"m", "p", "a"} <= data.keys()
        or not isinstance(data["m"], int)
        or _public_id(data["p"]) is None
    ):
        raise LinkInvalid("the answer link is invalid")
    return data


def subscription_url(settings: Settings, action: str, public_id: str) -> str:
    """``action`` is "pause" or "unsubscribe"; these links never expire."""
    return f"{settings.base_url}/{action}/{_lasting(settings, action).dumps(public_id)}"


def read_subscription(settings: Settings, action: str, token: str) -> str:
    """The public id of the attendee a pause or unsubscribe link names."""
    try:
        public_id = _public_id(_lasting(settings, action).loads(token))
    except BadData:
        raise LinkInvalid(f"the {action} link is invalid") from None
    if public_id is None:
        raise LinkInvalid(f"the {action} link is invalid")
    return public_id


def attendee_of_unsubscribe_url(settings: Settings, url: object) -> str | None:
    """The public id of the attendee an email's List-Unsubscribe link names, if it is ours."""
    prefix = f"{settings.base_url}/unsubscribe/"
    if not isinstance(url, str) or not url.startswith(prefix):
        return None
    try:
        return read_subscription(settings, "unsubscribe", url.removeprefix(prefix))
    except LinkInvalid:
        return None


STAY_VALID_FOR_SECONDS = 60 * 24 * 3600  # longer than the 30 days before erasure


def stay_url(settings: Settings, public_id: str) -> str:
    """The "yes, I am staying" link of the retention check."""
    return f"{settings.base_url}/stay/{_timed(settings, 'stay').dumps(public_id)}"


def read_stay(settings: Settings, token: str) -> str:
    """The public id of the attendee a stay link names."""
    try:
        public_id = _public_id(
            _timed(settings, "stay").loads(token, max_age=STAY_VALID_FOR_SECONDS)
        )
    except BadData:
        raise LinkInvalid("the stay link is invalid or has expired") from None
    if public_id is None:
        raise LinkInvalid("the stay link is invalid")
    return public_id


def consent_renewal_url(settings: Settings, public_id: str, version: str) -> str:
    """The link in a ``consent_renewal`` email: agree to text ``version``; it never expires."""
    token = _lasting(settings, "consent").dumps({"p": public_id, "v": version})
    return f"{settings.base_url}/consent/{token}"


def read_consent_renewal(settings: Settings, token: str) -> tuple[str, str]:
    """The public id of the attendee a renewal link names, and the text version."""
    try:
        data = _lasting(settings, "consent").loads(token)
    except BadData:
        raise LinkInvalid("the consent link is invalid") from None
    if (
        not isinstance(data, dict)
        or _public_id(data.get("p")) is None
        or not isinstance(data.get("v"), str)
    ):
        raise LinkInvalid("the consent link is invalid")
    return data["p"], data["v"]
