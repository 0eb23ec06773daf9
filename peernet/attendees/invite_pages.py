"""The public invitation page: the join form, prefilled from the registration list."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from peernet.attendees.invitations import accept_invitation, find_invitation
from peernet.attendees.pages import _form_input
from peernet.attendees.schemas import parse_signup
from peernet.errors import FieldErrors
from peernet.web import csrf
from peernet.web.rendering import message_page, render, request_locale, settings_of


async def _invite_page(
    request: Request, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response:
    signup, event = await find_invitation(request.path_params["token"])
    settings = settings_of(request)
    cookie, token = csrf.issue_token(request, settings)
    # The invited address is fixed: the form shows it, whatever is posted.
    values = {**values, "email": signup.details.get("email", "")}
    response = render(
        request,
        "join.html",
        {"event": event, "values": values, "errors": errors, "csrf_token": token},
        status_code=status_code,
    )
    csrf.set_cookie(response, cookie, settings)
    return response


async def invite_form(request: Request) -> Response:
    signup, _ = await find_invitation(request.path_params["token"])
    values: dict[str, Any] = {"languages": ["nl"], **signup.details}
    return await _invite_page(request, values, {})


async def invite_submit(request: Request) -> Response:
    signup, _ = await find_invitation(request.path_params["token"])
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings_of(request))
    values = _form_input(form, request_locale(request))
    values["email"] = signup.details.get("email", "")
    try:
        data = parse_signup(values)
    except FieldErrors as exc:
        return await _invite_page(request, values, exc.errors, status_code=422)
    attendee = await accept_invitation(request.path_params["token"], data)
    return message_page(request, "confirmed.title", "confirmed.body", 200, name=attendee.name)
