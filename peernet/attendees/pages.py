"""The public HTML pages: sign up after a session, and confirm by the emailed link."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from peernet.attendees import service
from peernet.attendees.consents import OPTIONAL_PURPOSES
from peernet.attendees.outlook import signup_notice
from peernet.attendees.schemas import parse_signup
from peernet.errors import FieldErrors
from peernet.events.service import get_open_event
from peernet.web import csrf, ratelimit
from peernet.web.rendering import message_page, render, request_locale, settings_of

_LIST_FIELDS = ("expertise", "gaps", "languages")
_TEXT_FIELDS = ("name", "email", "organisation", "role", "region", "meeting_preference")


def _form_input(form: FormData, locale: str) -> dict[str, Any]:
    data: dict[str, Any] = {"locale": locale, "consent": form.get("consent") == "yes"}
    for field in _TEXT_FIELDS:
        value = form.get(field)
        if isinstance(value, str) and value.strip():
            data[field] = value
    for field in _LIST_FIELDS:
        data[field] = [v for v in form.getlist(field) if isinstance(v, str)]
    # The optional consents' checkboxes (issue 10): consent_announcements=yes, ...
    data["optional_consents"] = [p for p in OPTIONAL_PURPOSES if form.get(f"consent_{p}") == "yes"]
    return data


async def _join_page(
    request: Request, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response:
    settings = settings_of(request)
    event = await get_open_event(settings, request.path_params["slug"])
    cookie, token = csrf.issue_token(request, settings)
    response = render(
        request,
        "join.html",
        {"event": event, "values": values, "errors": errors, "csrf_token": token},
        status_code=status_code,
    )
    csrf.set_cookie(response, cookie, settings)
    return response


async def join_form(request: Request) -> Response:
    return await _join_page(request, {"languages": ["nl"]}, {})


async def join_submit(request: Request) -> Response:
    settings = settings_of(request)
    await get_open_event(settings, request.path_params["slug"])
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings)
    values = _form_input(form, request_locale(request))
    try:
        signup = parse_signup(values)
    except FieldErrors as exc:
        return await _join_page(request, values, exc.errors, status_code=422)
    receipt = await service.sign_up(
        settings,
        request.path_params["slug"],
        signup,
        channel="form",
        limits=ratelimit.request_rate_limits(request),
    )
    notice = await signup_notice(signup, request_locale(request))
    return render(request, "signup_done.html", {"email": receipt.email, "outlook": notice})


async def confirm_form(request: Request) -> Response:
    await service.find_signup(request.path_params["token"])
    settings = settings_of(request)
    cookie, token = csrf.issue_token(request, settings)
    response = render(request, "confirm.html", {"csrf_token": token})
    csrf.set_cookie(response, cookie, settings)
    return response


async def confirm_submit(request: Request) -> Response:
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings_of(request))
    attendee = await service.confirm_signup(request.path_params["token"])
    return message_page(request, "confirmed.title", "confirmed.body", 200, name=attendee.name)
