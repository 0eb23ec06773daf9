"""Who is asking: a coordinator's signed session cookie (pages) or bearer token (API).

``coordinator_page`` and ``coordinator_api`` wrap handlers; the coordinator is then
``request.state.coordinator``. Without one, a page redirects to the sign-in page and an
API route answers 401.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from itsdangerous import BadData, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from peernet.coordinators.models import Coordinator
from peernet.coordinators.service import coordinator_for_token
from peernet.errors import PeernetError
from peernet.settings import Settings

SESSION_COOKIE = "peernet_session"
LOGIN_PATH = "/coordinator/login"

Handler = Callable[[Request], Awaitable[Response]]


class NotAuthenticated(PeernetError):
    status_code = 401
    code = "not_authenticated"


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.signing_keys, salt="peernet.coordinator-session")


def session_value(settings: Settings, coordinator: Coordinator) -> str:
    return _serializer(settings).dumps({"c": coordinator.id, "e": coordinator.session_epoch})


def start_session(response: Response, settings: Settings, coordinator: Coordinator) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_value(settings, coordinator),
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def end_session(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=settings.secure_cookies, path="/"
    )


async def session_coordinator(request: Request) -> Coordinator | None:
    """The signed-in coordinator, if the session cookie is valid, unexpired and current."""
    settings: Settings = request.app.state.settings
    value = request.cookies.get(SESSION_COOKIE)
    if not value:
        return None
    try:
        data = _serializer(settings).loads(value, max_age=settings.session_hours * 3600)
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        return None
    coordinator = await Coordinator.get_or_none(id=data["c"], is_active=True)
    if coordinator is None or coordinator.session_epoch != data.get("e"):
        return None
    return coordinator


async def token_coordinator(request: Request) -> Coordinator | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return await coordinator_for_token(token.strip())


def login_url(request: Request) -> str:
    # Only a page can be returned to: after signing in the browser GETs ``next``, and a
    # form's action (POST-only) would answer 405.
    if request.method not in ("GET", "HEAD"):
        return LOGIN_PATH
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{LOGIN_PATH}?{urlencode({'next': target})}"


def coordinator_page(handler: Handler) -> Handler:
    """An HTML page for signed-in coordinators; others are sent to the sign-in page."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        coordinator = await session_coordinator(request)
        if coordinator is None:
            return RedirectResponse(login_url(request), status_code=303)
        request.state.coordinator = coordinator
        return await handler(request)

    wrapped.requires_coordinator = True  # type: ignore[attr-defined]
    return wrapped


def coordinator_api(handler: Handler) -> Handler:
    """A JSON route for coordinators' bearer tokens; others get 401."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        coordinator = await token_coordinator(request)
        if coordinator is None:
            raise NotAuthenticated("send a valid API token as 'Authorization: Bearer <token>'")
        request.state.coordinator = coordinator
        return await handler(request)

    wrapped.requires_coordinator = True  # type: ignore[attr-defined]
    return wrapped


def current_coordinator(request: Request) -> Coordinator:
    coordinator: Coordinator = request.state.coordinator
    return coordinator
