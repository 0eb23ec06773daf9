"""The coordinator's own pages: sign in, sign out and API tokens (the start page is the
dashboard, :mod:`peernet.dashboard.pages`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from peernet.coordinators import accounts
from peernet.coordinators.auth import (
    LOGIN_PATH,
    coordinator_page,
    current_coordinator,
    end_session,
    session_coordinator,
    start_session,
)
from peernet.coordinators.service import SignInFailed, list_api_tokens
from peernet.coordinators.throttle import TooManyAttempts, client_address, sign_in_limiter
from peernet.errors import FieldErrors
from peernet.web import csrf
from peernet.web.dates import local_time
from peernet.web.rendering import render_coordinator, request_locale, settings_of

HOME = "/coordinator/"


def safe_next(value: object) -> str:
    """Where to go after signing in: only a coordinator page of this site, never another
    site (an absolute or ``//`` URL would make the sign-in page an open redirect)."""
    if not isinstance(value, str) or not value.startswith("/coordinator/"):
        return HOME
    if "\\" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return HOME
    return value


def _login_page(
    request: Request,
    *,
    next_url: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str = "",
    retry_minutes: int = 0,
    status_code: int = 200,
) -> Response:
    locale = request_locale(request)
    other = "en" if locale == "nl" else "nl"
    query = {"next": next_url} if next_url != HOME else {}
    return render_coordinator(
        request,
        "coordinator/login.html",
        {
            "next_url": next_url,
            "values": values or {},
            "errors": errors or {},
            "problem": problem,
            "retry_minutes": retry_minutes,
            "signed_out": request.query_params.get("signed_out") == "1",
            # The language links keep the page's destination.
            "switch_url": f"{LOGIN_PATH}?{urlencode({**query, 'lang': other})}",
            "self_url": f"{LOGIN_PATH}?{urlencode({'lang': locale})}",
        },
        status_code=status_code,
    )


async def login_form(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if await session_coordinator(request) is not None:
        return RedirectResponse(next_url, status_code=303)
    return _login_page(request, next_url=next_url)


async def login_submit(request: Request) -> Response:
    settings = settings_of(request)
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings)
    next_url = safe_next(form.get("next"))
    email, password = form.get("email"), form.get("password")
    email = email.strip() if isinstance(email, str) else ""
    password = password if isinstance(password, str) else ""
    errors = {
        field: "required"
        for field, value in (("email", email), ("password", password))
        if not value
    }
    if errors:
        return _login_page(
            request, next_url=next_url, values={"email": email}, errors=errors, status_code=422
        )
    try:
        coordinator = await accounts.sign_in(
            email, password, limiter=sign_in_limiter(request), client=client_address(request)
        )
    except TooManyAttempts as exc:
        response = _login_page(
            request,
            next_url=next_url,
            values={"email": email},
            problem="too_many_attempts",
            retry_minutes=-(-exc.retry_after // 60),
            status_code=429,
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except SignInFailed:
        return _login_page(
            request,
            next_url=next_url,
            values={"email": email},
            problem="sign_in_failed",
            status_code=401,
        )
    response = RedirectResponse(next_url, status_code=303)
    start_session(response, settings, coordinator)
    return response


@coordinator_page
async def logout(request: Request) -> Response:
    form = await request.form()
    settings = settings_of(request)
    csrf.check_token(request, form.get(csrf.FIELD), settings)
    await accounts.sign_out(current_coordinator(request))
    response = RedirectResponse(f"{LOGIN_PATH}?signed_out=1", status_code=303)
    end_session(response, settings)
    return response


async def _tokens_page(
    request: Request, extra: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    tokens = await list_api_tokens(current_coordinator(request))
    timezone, locale = settings_of(request).timezone, request_locale(request)
    return render_coordinator(
        request,
        "coordinator/tokens.html",
        {
            "tokens": tokens,
            "when": lambda moment: local_time(moment, timezone, locale),
            **(extra or {}),
        },
        section="tokens",
        status_code=status_code,
    )


@coordinator_page
async def tokens(request: Request) -> Response:
    return await _tokens_page(request, {"revoked": request.query_params.get("revoked") == "1"})


@coordinator_page
async def create_token(request: Request) -> Response:
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings_of(request))
    label = form.get("label")
    try:
        issued = await accounts.issue_token(
            current_coordinator(request), label=label if isinstance(label, str) else ""
        )
    except FieldErrors as exc:
        return await _tokens_page(request, {"errors": exc.errors, "label": label}, status_code=422)
    # Shown on this response only: the token is stored as a hash and cannot be shown again.
    return await _tokens_page(request, {"issued": issued})


@coordinator_page
async def revoke_token(request: Request) -> Response:
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings_of(request))
    token_id: int = request.path_params["token_id"]
    await accounts.revoke_token(token_id, owner=current_coordinator(request))
    return RedirectResponse("/coordinator/tokens?revoked=1", status_code=303)
