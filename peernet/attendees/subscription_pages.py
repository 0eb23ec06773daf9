"""Pause and unsubscribe links from every email.

``POST /unsubscribe/{token}`` is RFC 8058 one-click: a mail client posts
``List-Unsubscribe=One-Click`` with no cookies, so the signed token is the only credential
and there is no CSRF token to ask for. A GET only shows the button.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from peernet.attendees import subscription
from peernet.errors import FieldErrors
from peernet.links import read_subscription
from peernet.web.dates import local_date
from peernet.web.rendering import message_page, render, request_locale, settings_of


def _attendee_id(request: Request, action: str) -> int:
    return read_subscription(settings_of(request), action, request.path_params["token"])


async def pause_form(request: Request) -> Response:
    _attendee_id(request, "pause")
    return render(request, "pause.html", {"errors": {}})


async def pause_submit(request: Request) -> Response:
    attendee_id = _attendee_id(request, "pause")
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
    _attendee_id(request, "unsubscribe")
    return render(request, "unsubscribe.html")


async def unsubscribe_submit(request: Request) -> Response:
    await subscription.unsubscribe(_attendee_id(request, "unsubscribe"))
    return message_page(request, "unsubscribe.done.title", "unsubscribe.done.body", 200)
