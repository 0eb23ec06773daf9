"""Signed links in emails: answers to nudges, pause and unsubscribe.

The token in the URL is the credential: it names the attendee (and match) and is signed
with SECRET_KEY, so it cannot be forged or altered. Opening one (GET) only shows a page;
what it stands for happens on POST, so mail scanners that fetch links change nothing.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer

from peernet.errors import NotFound
from peernet.settings import Settings

ANSWER_VALID_FOR_SECONDS = 180 * 24 * 3600


class LinkInvalid(NotFound):
    code = "link_invalid"


def _timed(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.signing_keys, salt=f"peernet.{purpose}")


def _lasting(settings: Settings, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(settings.signing_keys, salt=f"peernet.{purpose}")


def answer_url(settings: Settings, *, match_id: int, attendee_id: int, answer: str) -> str:
    token = _timed(settings, "answer").dumps({"m": match_id, "p": attendee_id, "a": answer})
    return f"{settings.base_url}/answer/{token}"


def read_answer(settings: Settings, token: str) -> dict[str, Any]:
    try:
        data = _timed(settings, "answer").loads(token, max_age=ANSWER_VALID_FOR_SECONDS)
    except BadData:
        raise LinkInvalid("the answer link is invalid or has expired") from None
    if not isinstance(data, dict) or not {"m", "p", "a"} <= data.keys():
        raise LinkInvalid("the answer link is invalid")
    return data


def subscription_url(settings: Settings, action: str, attendee_id: int) -> str:
    """``action`` is "pause" or "unsubscribe"; these links never expire."""
    return f"{settings.base_url}/{action}/{_lasting(settings, action).dumps(attendee_id)}"


def read_subscription(settings: Settings, action: str, token: str) -> int:
    try:
        attendee_id = _lasting(settings, action).loads(token)
    except BadData:
        raise LinkInvalid(f"the {action} link is invalid") from None
    if not isinstance(attendee_id, int):
        raise LinkInvalid(f"the {action} link is invalid")
    return attendee_id


def attendee_of_unsubscribe_url(settings: Settings, url: object) -> int | None:
    """The attendee an email's List-Unsubscribe link names, if it is one of ours."""
    prefix = f"{settings.base_url}/unsubscribe/"
    if not isinstance(url, str) or not url.startswith(prefix):
        return None
    try:
        return read_subscription(settings, "unsubscribe", url.removeprefix(prefix))
    except LinkInvalid:
        return None


STAY_VALID_FOR_SECONDS = 60 * 24 * 3600  # longer than the 30 days before erasure


def stay_url(settings: Settings, attendee_id: int) -> str:
    """The "yes, I am staying" link of the retention check."""
    return f"{settings.base_url}/stay/{_timed(settings, 'stay').dumps(attendee_id)}"


def read_stay(settings: Settings, token: str) -> int:
    try:
        attendee_id = _timed(settings, "stay").loads(token, max_age=STAY_VALID_FOR_SECONDS)
    except BadData:
        raise LinkInvalid("the stay link is invalid or has expired") from None
    if not isinstance(attendee_id, int):
        raise LinkInvalid("the stay link is invalid")
    return attendee_id


def consent_renewal_url(settings: Settings, attendee_id: int, version: str) -> str:
    """The link in a ``consent_renewal`` email: agree to text ``version``; it never expires."""
    token = _lasting(settings, "consent").dumps({"p": attendee_id, "v": version})
    return f"{settings.base_url}/consent/{token}"


def read_consent_renewal(settings: Settings, token: str) -> tuple[int, str]:
    try:
        data = _lasting(settings, "consent").loads(token)
    except BadData:
        raise LinkInvalid("the consent link is invalid") from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("p"), int)
        or not isinstance(data.get("v"), str)
    ):
        raise LinkInvalid("the consent link is invalid")
    return data["p"], data["v"]
