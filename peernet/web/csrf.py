"""CSRF protection for server-rendered forms: a signed double-submit token.

The cookie holds a random value; the form carries that value signed with SECRET_KEY.
A cross-site page can make the browser send the cookie, but cannot read it to forge the
form field, and cannot plant a cookie whose signed twin it could produce.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from peernet.errors import Forbidden
from peernet.settings import Settings

COOKIE = "peernet_csrf"
FIELD = "csrf_token"
MAX_AGE = 24 * 3600


class TokenExpired(Forbidden):
    """A form left open longer than the token lives: ours, only too old. A page may answer
    with its form again (input kept, a fresh token) instead of refusing."""


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.signing_keys, salt="peernet.csrf")


def issue_token(request: Request, settings: Settings) -> tuple[str, str]:
    """(cookie value, form value) for a page with a form; reuses the visitor's cookie."""
    cookie = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
    return cookie, _serializer(settings).dumps(cookie)


def set_cookie(response: Response, cookie: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_origin(request: Request, settings: Settings) -> None:
    """Refuse a POST that a browser says came from another site.

    Origin is checked, or Referer when Origin is absent. Our pages send
    ``Referrer-Policy: no-referrer``, so browsers post our own forms with ``Origin: null``
    and no Referer: then nothing is known about the sender and the signed token decides.
    """
    origin = request.headers.get("origin")
    if origin is None or origin.strip().lower() == "null":
        referer = request.headers.get("referer")
        if not referer:
            return
        origin = _origin_of(referer)
        if origin is None:
            return
    if origin.strip().lower() != settings.base_origin:
        raise Forbidden("origin: a form from another site")


def check_token(request: Request, form_value: object, settings: Settings) -> None:
    check_origin(request, settings)
    cookie = request.cookies.get(COOKIE)
    if not isinstance(form_value, str) or not form_value:
        raise Forbidden("csrf_token: missing")
    try:
        signed = _serializer(settings).loads(form_value, max_age=MAX_AGE)
    except SignatureExpired:
        # The cookie, set with the same lifetime, is usually gone by now as well.
        raise TokenExpired("csrf_token: expired") from None
    except BadSignature:
        raise Forbidden("csrf_token: invalid or expired") from None
    if not cookie:
        raise Forbidden("csrf_token: no cookie")
    if not isinstance(signed, str) or not hmac.compare_digest(signed, cookie):
        raise Forbidden("csrf_token: does not match the cookie")
