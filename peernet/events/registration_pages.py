"""The registration link from an announcement (or a reminder): GET shows the session and
one button, POST registers (or cancels). The signed token is the credential, as with the
pause and unsubscribe links, so mail scanners that fetch the link change nothing."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from peernet.events import registrations
from peernet.events.registration_links import read_registration
from peernet.web.rendering import render, request_locale, settings_of, speak_to


async def _offer(request: Request) -> registrations.Offer:
    settings = settings_of(request)
    public_id, slug = read_registration(settings, request.path_params["token"])
    offer = await registrations.offer(settings, public_id, slug)
    speak_to(request, offer.attendee.locale)
    return offer


def _page(request: Request, offer: registrations.Offer, done: str = "") -> Response:
    settings = settings_of(request)
    return render(
        request,
        "register.html",
        {
            "offer": offer,
            "when": registrations.when(settings, offer.event, request_locale(request)),
            "status": offer.registration.status.value if offer.registration else "",
            "done": done,
        },
    )


async def register_form(request: Request) -> Response:
    return _page(request, await _offer(request))


async def register_submit(request: Request) -> Response:
    settings = settings_of(request)
    offer = await _offer(request)
    form = await request.form()
    if form.get("action") == "cancel":
        await registrations.cancel(settings, offer.attendee, offer.event)
        done = "cancelled"
    else:
        registration = await registrations.register(settings, offer.attendee, offer.event)
        done = registration.status.value
    return _page(request, await _offer(request), done)
