"""Signed links in emails: answers to nudges, pause and unsubscribe, stay, consent renewal.

The token in the URL is the credential: it names the attendee (and match) and is signed
with SECRET_KEY, so it cannot be forged or altered. Attendees are named by their random
``public_id``, never by the sequential row id: a token's payload is only signed, not
encrypted, and one attendee's link must say nothing about anyone else's. Opening one (GET)
only shows a page; what it stands for happens on POST, so mail scanners that fetch links
change nothing.

Pause and unsubscribe links work for :data:`SUBSCRIPTION_LINK_VALID_FOR_SECONDS` (180 days)
after the email that carries them. RFC 8058 asks that a ``List-Unsubscribe`` URI keep
working for a while after the message was sent, and bulk-sender rules (CAN-SPAM, Gmail's and
Yahoo's sender requirements) ask for at least 30 days. 180 days is six times that: someone
who digs out a months-old email can still leave or pause (a pause itself lasts up to six
months), while a link that leaks from an old mailbox or forwarded mail does not work for
ever. Every email carries fresh links, and ``/me`` sends a fresh way in at any time; an
expired link says so (410) and points there.

Timestamps come from :mod:`peernet.clock`, so tests move time instead of sleeping.
"""

from __future__ import annotations

import functools
import hmac
import re
from typing import Any

from itsdangerous import (
    BadData,
    SignatureExpired,
    Signer,
    TimestampSigner,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)
from itsdangerous.encoding import base64_encode

from peernet import clock
from peernet.errors import NotFound
from peernet.settings import Settings

DAY = 24 * 3600
ANSWER_VALID_FOR_SECONDS = 180 * DAY
# How long a pause or unsubscribe link works after it was sent: see the module's docstring.
SUBSCRIPTION_LINK_VALID_FOR_SECONDS = 180 * DAY
# secrets.token_urlsafe(16) gives 22 characters; the column allows up to 32.
_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{16,32}")


def page_url(settings: Settings, path: str, locale: str) -> str:
    """A public page (``/privacy``, ``/agenda``) as an email to a ``locale`` reader links it:
    in their language, where that is not the site's own. These links carry no token, so the
    page cannot tell whose email they came from."""
    url = f"{settings.base_url}{path}"
    return url if locale == settings.default_locale else f"{url}?lang={locale}"


class LinkInvalid(NotFound):
    code = "link_invalid"


class LinkExpired(LinkInvalid):
    """A genuine link, signed by us, that is older than its purpose allows."""

    status_code = 410
    code = "link_expired"


class ClockSigner(TimestampSigner):
    """Signs and checks ages with peernet's clock (``peernet.clock``), not the system's."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


class _PreparedSigner(ClockSigner):
    """A :class:`ClockSigner` that derives its signing key and keys its HMAC once, then
    copies that HMAC for each signature: the same signatures (and checks), at about half
    the cost of deriving and keying them again for every link."""

    _prepared: hmac.HMAC | None = None

    def get_signature(self, value: str | bytes) -> bytes:
        prepared = self._prepared
        if prepared is None:
            prepared = hmac.new(self.derive_key(), digestmod=self.digest_method)
            self._prepared = prepared
        mac = prepared.copy()
        mac.update(value.encode("utf-8") if isinstance(value, str) else value)
        return base64_encode(mac.digest())


class _TimedSerializer(URLSafeTimedSerializer):
    """Makes its (stateless) signer once rather than for every link it signs."""

    _signer: _PreparedSigner | None = None

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        if salt is not None and salt != self.salt:
            return super().make_signer(salt)
        if self._signer is None:
            self._signer = _PreparedSigner(self.secret_keys, salt=self.salt, **self.signer_kwargs)
        return self._signer


def _timed(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return _timed_with(tuple(settings.signing_keys), purpose)


@functools.lru_cache(maxsize=64)
def _timed_with(keys: tuple[str, ...], purpose: str) -> URLSafeTimedSerializer:
    # Built once per keys and purpose: a round signs two links for each of thousands of
    # people, and building the serializer (and its signer) cost about half of each one.
    return _TimedSerializer(list(keys), salt=f"peernet.{purpose}")


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
    except SignatureExpired:
        raise LinkExpired("the answer link has expired") from None
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
    """``action`` is "pause" or "unsubscribe"; the link works for 180 days
    (:data:`SUBSCRIPTION_LINK_VALID_FOR_SECONDS`)."""
    return f"{settings.base_url}/{action}/{_timed(settings, action).dumps(public_id)}"


def read_subscription(settings: Settings, action: str, token: str) -> str:
    """The public id of the attendee a pause or unsubscribe link names; :class:`LinkExpired`
    (410) for a genuine one older than 180 days, :class:`LinkInvalid` (404) for any other."""
    return _subscriber(settings, action, token, SUBSCRIPTION_LINK_VALID_FOR_SECONDS)


def _subscriber(settings: Settings, action: str, token: str, max_age: int | None) -> str:
    try:
        public_id = _public_id(_timed(settings, action).loads(token, max_age=max_age))
    except SignatureExpired:
        raise LinkExpired(f"the {action} link has expired") from None
    except BadData:
        raise LinkInvalid(f"the {action} link is invalid") from None
    if public_id is None:
        raise LinkInvalid(f"the {action} link is invalid")
    return public_id


def attendee_of_unsubscribe_url(settings: Settings, url: object) -> str | None:
    """The public id of the attendee an email's List-Unsubscribe link names, if it is ours
    (at any age: this says whom our own queued mail is for, it grants nothing)."""
    prefix = f"{settings.base_url}/unsubscribe/"
    if not isinstance(url, str) or not url.startswith(prefix):
        return None
    try:
        return _subscriber(settings, "unsubscribe", url.removeprefix(prefix), None)
    except LinkInvalid:
        return None


STAY_VALID_FOR_SECONDS = 60 * DAY  # longer than the 30 days before erasure


def stay_url(settings: Settings, public_id: str) -> str:
    """The "yes, I am staying" link of the retention check."""
    return f"{settings.base_url}/stay/{_timed(settings, 'stay').dumps(public_id)}"


def read_stay(settings: Settings, token: str) -> str:
    """The public id of the attendee a stay link names."""
    try:
        public_id = _public_id(
            _timed(settings, "stay").loads(token, max_age=STAY_VALID_FOR_SECONDS)
        )
    except SignatureExpired:
        raise LinkExpired("the stay link has expired") from None
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
