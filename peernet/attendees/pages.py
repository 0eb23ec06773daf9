"""The public HTML pages: sign up after a session, and confirm by the emailed link."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from peernet.attendees import service
from peernet.attendees.consents import OPTIONAL_PURPOSES
from peernet.attendees.outlook import form_notice, limits_notice, matching_outlook
from peernet.attendees.schemas import parse_signup
from peernet.attendees.sent import SentNote
from peernet.errors import FieldErrors
from peernet.events.service import get_open_event
from peernet.web import csrf, ratelimit
from peernet.web.rendering import message_page, render, request_locale, settings_of, speak_to

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
    request: Request,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
    *,
    expired: bool = False,
    fresh: bool = False,
) -> Response:
    settings = settings_of(request)
    event = await get_open_event(settings, request.path_params["slug"])
    cookie, token = csrf.issue_token(request, settings)
    response = render(
        request,
        "join.html",
        {
            "event": event,
            "values": values,
            "errors": errors,
            "csrf_token": token,
            "expired": expired,
            # Shown again: say gently, next to the choices, if they leave few to meet.
            "outlook": None if fresh else await form_notice(values, request_locale(request)),
        },
        status_code=status_code,
    )
    csrf.set_cookie(response, cookie, settings)
    return response


async def join_form(request: Request) -> Response:
    return await _join_page(request, {"languages": ["nl"]}, {}, fresh=True)


async def join_submit(request: Request) -> Response:
    settings = settings_of(request)
    await get_open_event(settings, request.path_params["slug"])
    form = await request.form()
    values = _form_input(form, request_locale(request))
    try:
        csrf.check_token(request, form.get(csrf.FIELD), settings)
    except csrf.TokenExpired:
        # Left open for more than a day: nothing is lost, the form comes back filled in.
        return await _join_page(request, values, {}, status_code=200, expired=True)
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
    outlook = await matching_outlook(signup)
    sent = SentNote(
        email=receipt.email,
        limits=list(outlook.limiting_choices) if outlook.is_poor else [],
        region=signup.region,
        languages=list(signup.languages),
    )
    # Post/redirect/get: refreshing the page that follows does not send the form again.
    path = request.url_for("signup_sent", slug=request.path_params["slug"]).path
    response = RedirectResponse(f"{path}?lang={request_locale(request)}", status_code=303)
    sent.set_cookie(response, settings, path)
    return response


async def signup_sent(request: Request) -> Response:
    """The page after a sign-up: check your inbox. What it says about the sign-up comes
    from a short-lived signed cookie, never from the URL (no address in any log)."""
    settings = settings_of(request)
    await get_open_event(settings, request.path_params["slug"])
    sent = SentNote.read(request, settings)
    locale = request_locale(request)
    return render(
        request,
        "signup_done.html",
        {
            "email": sent.email if sent else None,
            "outlook": limits_notice(sent.limits, sent.region, sent.languages, locale)
            if sent
            else None,
        },
    )


async def confirm_form(request: Request) -> Response:
    signup = await service.find_signup(request.path_params["token"])
    # The link in an English confirmation email opens an English page.
    speak_to(request, signup.locale)
    settings = settings_of(request)
    cookie, token = csrf.issue_token(request, settings)
    response = render(request, "confirm.html", {"csrf_token": token})
    csrf.set_cookie(response, cookie, settings)
    return response


async def confirm_submit(request: Request) -> Response:
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings_of(request))
    attendee = await service.confirm_signup(request.path_params["token"])
    speak_to(request, attendee.locale)
    first_name = attendee.name.split()[0] if attendee.name.strip() else attendee.name
    return message_page(request, "confirmed.title", "confirmed.body", 200, name=first_name)
