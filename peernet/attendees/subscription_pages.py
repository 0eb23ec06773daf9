"""Pause and unsubscribe links from every email.

``POST /unsubscribe/{token}`` is RFC 8058 one-click: a mail client posts
``List-Unsubscribe=One-Click`` with no cookies, so the signed token is the only credential
and there is no CSRF token to ask for. A GET only shows the button.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from peernet.attendees import retention, rights, subscription
from peernet.attendees.linked import attendee_of_link
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.errors import FieldErrors
from peernet.links import LinkInvalid, read_stay, read_subscription
from peernet.web.dates import local_date
from peernet.web.rendering import message_page, render, request_locale, settings_of, speak_to

_CANNOT_PAUSE = (AttendeeStatus.PENDING, AttendeeStatus.LEFT, AttendeeStatus.ERASED)


async def _attendee_id(request: Request, action: str) -> int:
    return (await _attendee(request, action)).id


async def _attendee(request: Request, action: str) -> Attendee:
    public_id = read_subscription(settings_of(request), action, request.path_params["token"])
    attendee = await attendee_of_link(public_id)
    speak_to(request, attendee.locale)
    if action == "pause" and attendee.status in _CANNOT_PAUSE:
        # Nothing to pause (not confirmed yet, left, erased): say the link does not work
        # rather than "paused", which would not be true.
        raise LinkInvalid("the pause link names no one who is being matched")
    return attendee


async def pause_form(request: Request) -> Response:
    """Opened again while paused, the page says so first (the pause can still be changed)."""
    attendee = await _attendee(request, "pause")
    paused_until = ""
    if attendee.status is AttendeeStatus.PAUSED and attendee.paused_until is not None:
        paused_until = local_date(
            attendee.paused_until.astimezone(settings_of(request).timezone).date(),
            request_locale(request),
        )
    return render(
        request,
        "pause.html",
        {
            "errors": {},
            "paused": attendee.status is AttendeeStatus.PAUSED,
            "paused_until": paused_until,
        },
    )


async def pause_submit(request: Request) -> Response:
    attendee_id = await _attendee_id(request, "pause")
    form = await request.form()
    try:
        attendee = await subscription.pause(attendee_id, form.get("months"))
    except FieldErrors as exc:
        return render(request, "pause.html", {"errors": exc.errors}, status_code=422)
    until = attendee.paused_until
    if until is None:
        return message_page(request, "pause.done.title", "pause.done.until_resumed", 200)
    shown = local_date(
        until.astimezone(settings_of(request).timezone).date(),
        request_locale(request),
    )
    return message_page(request, "pause.done.title", "pause.done.body", 200, until=shown)


async def unsubscribe_form(request: Request) -> Response:
    attendee = await _attendee(request, "unsubscribe")
    return render(request, "unsubscribe.html", {"left": attendee.status is AttendeeStatus.LEFT})


async def unsubscribe_submit(request: Request) -> Response:
    """Leaving keeps the profile 30 days for a return (the default, and what a mail client's
    one-click POST gets); ``data=erase`` erases it now."""
    attendee_id = await _attendee_id(request, "unsubscribe")
    form = await request.form()
    await subscription.unsubscribe(attendee_id)
    if form.get("data") == "erase":
        await rights.erase_attendee(
            settings_of(request), attendee_id, actor="attendee", reason="self"
        )
        return message_page(request, "unsubscribe.erased.title", "unsubscribe.erased.body", 200)
    return message_page(request, "unsubscribe.done.title", "unsubscribe.kept.body", 200)


async def stay_form(request: Request) -> Response:
    attendee = await attendee_of_link(read_stay(settings_of(request), request.path_params["token"]))
    speak_to(request, attendee.locale)
    return render(request, "stay.html")


async def stay_submit(request: Request) -> Response:
    settings = settings_of(request)
    await retention.stay(settings, read_stay(settings, request.path_params["token"]))
    return message_page(request, "stay.done.title", "stay.done.body", 200)
