"""Announcing a session (a coordinator's button), and the announcement's one-click stop:
GET shows the button, POST (also a mail client's RFC 8058 one-click POST, without cookies)
stops the announcements and nothing else."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from peernet.coordinators.auth import coordinator_page, current_coordinator
from peernet.events import announcements
from peernet.web import csrf
from peernet.web.rendering import message_page, render, settings_of, speak_to


@coordinator_page
async def announce(request: Request) -> Response:
    slug: str = request.path_params["slug"]
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings_of(request))
    queued = await announcements.announce(
        settings_of(request), slug, coordinator=current_coordinator(request)
    )
    return RedirectResponse(
        f"/coordinator/events/{slug}?done=announced&queued={queued}", status_code=303
    )


async def stop_form(request: Request) -> Response:
    attendee = await announcements.attendee_of_off_link(
        settings_of(request), request.path_params["token"]
    )
    speak_to(request, attendee.locale)
    return render(request, "announcements_off.html", {"attendee": attendee})


async def stop_submit(request: Request) -> Response:
    await announcements.stop_announcements(settings_of(request), request.path_params["token"])
    return message_page(request, "announcements.off.done.title", "announcements.off.done.body", 200)
