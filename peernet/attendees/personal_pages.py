"""The attendee's personal page (``/me``): ask for a link, open it, and manage their
participation in a short session. Every page but the first two is behind the session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from peernet.attendees import consents, email_change, personal, rights
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.attendees.schemas import parse_email, parse_profile
from peernet.attendees.subscription import PAUSE_MONTHS, UNTIL_RESUMED
from peernet.coordinators.throttle import TooManyAttempts, client_address
from peernet.errors import FieldErrors
from peernet.events.registrations import my_sessions
from peernet.rounds.unmatched import period_label
from peernet.web import csrf, ratelimit
from peernet.web.rendering import message_page, render, request_locale, settings_of, speak_to

_LIST_FIELDS = ("expertise", "gaps", "languages")
_TEXT_FIELDS = ("name", "organisation", "role", "region", "meeting_preference")

Handler = Callable[[Request, Attendee], Awaitable[Response]]


def _limiter(request: Request) -> personal.LinkRequestLimiter:
    state = request.app.state
    limiter: personal.LinkRequestLimiter | None = getattr(state, "me_link_limiter", None)
    if limiter is None:
        limiter = personal.LinkRequestLimiter(state.settings.rate_limit_storage)
        state.me_link_limiter = limiter
    return limiter


def _page(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """A /me page with a CSRF token for its forms."""
    settings = settings_of(request)
    cookie, token = csrf.issue_token(request, settings)
    response = render(request, template, {"csrf_token": token, **(context or {})}, status_code)
    csrf.set_cookie(response, cookie, settings)
    return response


async def _checked_form(request: Request) -> FormData:
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings_of(request))
    return form


def _to_start() -> Response:
    return RedirectResponse("/me", status_code=303)


def signed_in(
    handler: Handler, *, allow_left: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """Run ``handler`` for the session's attendee; without a session, back to ``/me``.

    Someone who left only gets the page saying so (and sign-out)."""

    async def run(request: Request) -> Response:
        attendee = await personal.session_attendee(
            settings_of(request), request.cookies.get(personal.SESSION_COOKIE)
        )
        if attendee is None:
            return _to_start()
        speak_to(request, attendee.locale)
        if attendee.status is AttendeeStatus.LEFT and not allow_left:
            return RedirectResponse("/me/left", status_code=303)
        return await handler(request, attendee)

    return run


# -- asking for a link and opening it ------------------------------------------------------


async def request_form(request: Request) -> Response:
    return _page(request, "me/request.html", {"values": {}, "errors": {}})


async def request_submit(request: Request) -> Response:
    form = await _checked_form(request)
    raw = form.get("email")
    try:
        email = parse_email(raw)
    except FieldErrors as exc:
        typed = raw if isinstance(raw, str) else ""
        return _page(
            request, "me/request.html", {"values": {"email": typed}, "errors": exc.errors}, 422
        )
    limiter = _limiter(request)
    client = client_address(request)
    try:
        await limiter.check(email, client)
    except TooManyAttempts as exc:
        response = _page(
            request,
            "me/request.html",
            {"values": {"email": email}, "errors": {}, "wait": True},
            429,
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    await limiter.failed(email, client)  # every request counts
    # The same page for every address, answered before the lookup and the email are done
    # (in the background), so neither the page nor its timing tells who takes part.
    response = _page(request, "me/sent.html", {"email": email})
    # Beyond the address's daily share (RATE_LIMIT_ME_LINKS_PER_ADDRESS): the same page,
    # no email.
    if await ratelimit.allow_me_link_email(request, email):
        response.background = BackgroundTask(personal.request_link, settings_of(request), email)
    return response


async def link_form(request: Request) -> Response:
    try:
        attendee = await personal.check_link(request.path_params["token"])
    except personal.MagicLinkInvalid as exc:
        return _page(request, "me/link_invalid.html", {"values": {}, "errors": {}}, exc.status_code)
    speak_to(request, attendee.locale)
    return _page(request, "me/link.html")


async def link_submit(request: Request) -> Response:
    await _checked_form(request)
    try:
        attendee = await personal.use_link(request.path_params["token"])
    except personal.MagicLinkInvalid as exc:
        return _page(request, "me/link_invalid.html", {"values": {}, "errors": {}}, exc.status_code)
    settings = settings_of(request)
    response = RedirectResponse("/me/profile", status_code=303)
    response.set_cookie(
        personal.SESSION_COOKIE,
        personal.session_value(settings, attendee),
        max_age=personal.SESSION_SECONDS,
        path=personal.SESSION_PATH,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return response


async def _sign_out(request: Request, attendee: Attendee) -> Response:
    await _checked_form(request)
    response = _to_start()
    response.delete_cookie(personal.SESSION_COOKIE, path=personal.SESSION_PATH)
    return response


sign_out = signed_in(_sign_out, allow_left=True)


# -- the personal page ---------------------------------------------------------------------


def _profile_values(attendee: Attendee) -> dict[str, Any]:
    return {f: getattr(attendee, f) for f in (*_TEXT_FIELDS, *_LIST_FIELDS)}


async def _profile_page(
    request: Request,
    attendee: Attendee,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    done = request.query_params.get("done", "")
    return _page(
        request,
        "me/profile.html",
        {
            "attendee": attendee,
            "values": values if values is not None else _profile_values(attendee),
            "errors": errors or {},
            "matches": await personal.my_matches(attendee),
            "pause_months": PAUSE_MONTHS,
            "until_resumed": UNTIL_RESUMED,
            "done": done if done in _DONE else "",
            "timezone": settings_of(request).timezone,
            "month_label": lambda period: period_label(period, request_locale(request)),
            "optional_held": await consents.optional_consents_of(attendee.id),
            "sessions": await my_sessions(settings_of(request), attendee, request_locale(request)),
        },
        status_code,
    )


_DONE = ("profile", "paused", "resumed", "blocked", "unblocked", "consents")


def _back(done: str, anchor: str) -> Response:
    return RedirectResponse(f"/me/profile?done={done}#{anchor}", status_code=303)


async def _show(request: Request, attendee: Attendee) -> Response:
    return await _profile_page(request, attendee)


async def _save_profile(request: Request, attendee: Attendee) -> Response:
    form = await _checked_form(request)
    values: dict[str, Any] = {}
    for field in _TEXT_FIELDS:
        value = form.get(field)
        if isinstance(value, str) and value.strip():
            values[field] = value
    for field in _LIST_FIELDS:
        values[field] = [v for v in form.getlist(field) if isinstance(v, str)]
    try:
        profile = parse_profile(values)
    except FieldErrors as exc:
        return await _profile_page(
            request, attendee, values=values, errors=exc.errors, status_code=422
        )
    await personal.update_profile(attendee, profile)
    return _back("profile", "profile")


async def _save_consents(request: Request, attendee: Attendee) -> Response:
    """The optional consents (issue 10): ticked ones given, the others withdrawn."""
    form = await _checked_form(request)
    wanted = {p for p in consents.OPTIONAL_PURPOSES if form.get(f"consent_{p}") == "yes"}
    await consents.set_optional_consents(
        attendee.id, wanted, locale=request_locale(request), channel="personal_page"
    )
    return _back("consents", "consents")


async def _pause(request: Request, attendee: Attendee) -> Response:
    form = await _checked_form(request)
    try:
        await personal.pause(attendee, form.get("months"))
    except FieldErrors as exc:
        return await _profile_page(request, attendee, errors=exc.errors, status_code=422)
    return _back("paused", "pause")


async def _resume(request: Request, attendee: Attendee) -> Response:
    await _checked_form(request)
    await personal.resume(attendee)
    return _back("resumed", "pause")


def _partner_id(form: FormData) -> int | None:
    raw = form.get("partner")
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None


async def _block(request: Request, attendee: Attendee) -> Response:
    partner = _partner_id(await _checked_form(request))
    if partner is None:
        return await _profile_page(
            request, attendee, errors={"partner": "invalid"}, status_code=422
        )
    await personal.block(attendee, partner)
    return _back("blocked", "matches")


async def _unblock(request: Request, attendee: Attendee) -> Response:
    partner = _partner_id(await _checked_form(request))
    if partner is not None:
        await personal.unblock(attendee, partner)
    return _back("unblocked", "matches")


# -- changing the email address -------------------------------------------------------------


async def _request_email_change(request: Request, attendee: Attendee) -> Response:
    form = await _checked_form(request)
    raw = form.get("new_email")
    typed = {**_profile_values(attendee), "new_email": raw if isinstance(raw, str) else ""}
    try:
        new_email = email_change.parse_new_email(attendee, raw)
    except FieldErrors as exc:
        return await _profile_page(
            request, attendee, values=typed, errors=exc.errors, status_code=422
        )
    # Per attendee, only for addresses that would be mailed: every one is a stranger's
    # mailbox until it is confirmed.
    wait = await ratelimit.request_rate_limits(request).hit(
        email_change.REQUESTS_PER_ATTENDEE, "email-change:attendee", str(attendee.id)
    )
    if wait:
        response = await _profile_page(
            request,
            attendee,
            values=typed,
            errors={"new_email": "too_many_requests"},
            status_code=429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    # The same answer whoever has the address: the confirmation is where a taken one is
    # refused.
    await email_change.request_email_change(settings_of(request), attendee, new_email)
    return _page(request, "me/email_sent.html", {"attendee": attendee, "email": new_email})


def _email_change_refused(request: Request, exc: email_change.EmailChangeRefused) -> Response:
    if exc.locale:
        speak_to(request, exc.locale)
    return message_page(
        request,
        f"me.email.{exc.reason}.title",
        f"me.email.{exc.reason}.body",
        exc.status_code,
        contact=settings_of(request).privacy_contact,
    )


async def email_change_form(request: Request) -> Response:
    """The emailed link: a button, so that a mail scanner opening it changes nothing."""
    try:
        link = await email_change.check_email_change(
            settings_of(request), request.path_params["token"]
        )
    except email_change.EmailChangeRefused as exc:
        return _email_change_refused(request, exc)
    speak_to(request, link.attendee.locale)
    if link.done:
        return message_page(
            request,
            "me.email.done.title",
            "me.email.done.body",
            200,
            onward=("/me/profile", "me.email.sent.back"),
            email=link.new_email,
        )
    return _page(request, "me/email_confirm.html", {"email": link.new_email})


async def email_change_submit(request: Request) -> Response:
    await _checked_form(request)
    try:
        link = await email_change.confirm_email_change(
            settings_of(request), request.path_params["token"]
        )
    except email_change.EmailChangeRefused as exc:
        return _email_change_refused(request, exc)
    speak_to(request, link.attendee.locale)
    outcome = "done" if link.done else "changed"
    return message_page(
        request,
        f"me.email.{outcome}.title",
        f"me.email.{outcome}.body",
        200,
        onward=("/me/profile", "me.email.sent.back"),
        email=link.new_email,
    )


async def _leave_form(request: Request, attendee: Attendee) -> Response:
    return _page(request, "me/leave.html", {"attendee": attendee})


async def _leave(request: Request, attendee: Attendee) -> Response:
    await _checked_form(request)
    await personal.leave(attendee)
    return RedirectResponse("/me/left", status_code=303)


async def _left(request: Request, attendee: Attendee) -> Response:
    if attendee.status is not AttendeeStatus.LEFT:
        return RedirectResponse("/me/profile", status_code=303)
    return _page(request, "me/left.html", {"attendee": attendee})


async def _export(request: Request, attendee: Attendee) -> Response:
    """Everything kept about them, as a JSON download (the same as ``peernet export``)."""
    data = await rights.export_attendee(attendee.id)
    await rights.record_export(attendee.id, actor="attendee")
    speak_to(request, attendee.locale)
    filename = "peernet-mijn-gegevens" if request_locale(request) == "nl" else "peernet-my-data"
    return JSONResponse(
        data,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}.json"',
            "Cache-Control": "no-store",
        },
    )


async def _erase(request: Request, attendee: Attendee) -> Response:
    """Erase everything now: only with the box ticked; the session ends with the data."""
    form = await _checked_form(request)
    if form.get("confirm") != "yes":
        template = "me/left.html" if attendee.status is AttendeeStatus.LEFT else "me/leave.html"
        return _page(
            request,
            template,
            {"attendee": attendee, "erase_errors": {"confirm": "confirm_erase"}},
            status_code=422,
        )
    await rights.erase_attendee(settings_of(request), attendee.id, actor="attendee", reason="self")
    response = _page(request, "me/erased.html")
    response.delete_cookie(personal.SESSION_COOKIE, path=personal.SESSION_PATH)
    return response


profile = signed_in(_show)
save_profile = signed_in(_save_profile)
save_consents = signed_in(_save_consents)
request_email_change = signed_in(_request_email_change)
pause = signed_in(_pause)
resume = signed_in(_resume)
block = signed_in(_block)
unblock = signed_in(_unblock)
leave_form = signed_in(_leave_form)
leave = signed_in(_leave)
left = signed_in(_left, allow_left=True)
export = signed_in(_export, allow_left=True)
erase = signed_in(_erase, allow_left=True)
