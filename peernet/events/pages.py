"""The coordinators' event pages: the list, a new event, one event to edit, close or reopen,
its printable page with the sign-up QR code; and the polite page of a closed sign-up.
Every change is a form POST answered with a redirect, so a reload repeats nothing."""

from __future__ import annotations

import io
from datetime import datetime, tzinfo
from typing import Any

import segno
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from peernet.attendees.exporting import to_csv
from peernet.audit.service import record
from peernet.coordinators.auth import coordinator_page, current_coordinator
from peernet.errors import FieldErrors
from peernet.events import registrations, service
from peernet.events.models import Event
from peernet.themes.suggestions import suggestions_for
from peernet.web import csrf
from peernet.web.rendering import render, render_coordinator, request_locale, settings_of

FIELDS = (
    "title",
    "date",
    "starts",
    "ends",
    "place",
    "region",
    "organiser",
    "signup_until",
    "description",
    "capacity",
    "published",
)
# The slug, and so the QR code's content, never changes; the base URL only with a redeploy.
_QR_CACHE = "private, max-age=86400"


def _values(event: Event, tz: tzinfo) -> dict[str, str]:
    def hhmm(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%H:%M") if moment else ""

    return {
        "title": event.title,
        "date": event.date.isoformat(),
        "place": event.place,
        "region": event.region or "",
        "organiser": event.organiser,
        "signup_until": event.signup_until.isoformat() if event.signup_until else "",
        "starts": hhmm(event.starts_at),
        "ends": hhmm(event.ends_at),
        "description": event.description,
        "capacity": str(event.capacity) if event.capacity is not None else "",
        "published": "on" if event.published else "",
    }


def _form_values(form: Any) -> dict[str, str]:
    return {f: v if isinstance(v := form.get(f), str) else "" for f in FIELDS}


@coordinator_page
async def index(request: Request) -> Response:
    return render_coordinator(
        request,
        "coordinator/events.html",
        {
            "rows": await service.list_events(settings_of(request)),
            "done": request.query_params.get("done", ""),
        },
        section="events",
    )


def _new_page(
    request: Request, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    return render_coordinator(
        request,
        "coordinator/event_form.html",
        {
            "event": None,
            "values": values,
            "errors": errors,
            "version": "",
            "text_limits": service.TEXT_LIMITS,
        },
        section="events",
        status_code=status_code,
    )


@coordinator_page
async def new_form(request: Request) -> Response:
    return _new_page(request, {}, {})


@coordinator_page
async def create(request: Request) -> Response:
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings_of(request))
    values = _form_values(form)
    try:
        details = service.check_details(
            values, region_required=True, tz=settings_of(request).timezone
        )
        event = await service.create_event(
            title=details.title,
            on=details.on,
            place=details.place,
            organiser=details.organiser,
            region=details.region,
            signup_until=details.signup_until,
            region_required=True,
            coordinator=current_coordinator(request),
            details=details,
        )
    except FieldErrors as exc:
        return _new_page(request, values, exc.errors, status_code=422)
    return RedirectResponse(f"/coordinator/events/{event.slug}?done=created", status_code=303)


async def _event_page(
    request: Request,
    event: Event,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    stale: bool = False,
    status_code: int = 200,
) -> Response:
    settings = settings_of(request)
    today = service.local_today(settings)
    return render_coordinator(
        request,
        "coordinator/event_form.html",
        {
            "event": event,
            "row": await service.event_row(settings, event),
            "values": values if values is not None else _values(event, settings.timezone),
            "stored": _values(event, settings.timezone),
            "errors": errors or {},
            "text_limits": service.TEXT_LIMITS,
            "version": service.version_of(event),
            "stale": stale,
            "signup_url": service.signup_url(settings, event),
            "signup_ended": event.signup_until is not None and today > event.signup_until,
            "done": request.query_params.get("done", ""),
            "registrations": await registrations.registration_list(event),
            "suggestions": await suggestions_for(event.region) if event.region else None,
            "announceable": event.region is not None
            and registrations.registration_open(settings, event),
        },
        section="events",
        status_code=status_code,
    )


REGISTRATION_COLUMNS = (
    "status",
    "position",
    "name",
    "email",
    "organisation",
    "role",
    "unit",
    "queued_at",
)


@coordinator_page
async def registrations_csv(request: Request) -> Response:
    """The organiser's list: seats, then the waiting list in order, then cancellations."""
    event = await service.get_event(request.path_params["slug"])
    rows = await registrations.registration_list(event)
    await record(
        "registrations.export",
        coordinator=current_coordinator(request),
        subject=f"event:{event.id}",
        details={"rows": len(rows)},
    )
    return Response(
        "\ufeff"
        + to_csv(REGISTRATION_COLUMNS, (vars(r) for r in rows), locale=request_locale(request)),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="registrations-{event.slug}.csv"',
            "Cache-Control": "no-store",
        },
    )


@coordinator_page
async def show(request: Request) -> Response:
    return await _event_page(request, await service.get_event(request.path_params["slug"]))


@coordinator_page
async def save(request: Request) -> Response:
    slug: str = request.path_params["slug"]
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings_of(request))
    values = _form_values(form)
    version = form.get("version")
    try:
        await service.update_event(
            slug,
            values,
            version=version if isinstance(version, str) else "",
            coordinator=current_coordinator(request),
            tz=settings_of(request).timezone,
        )
        # More seats than before: the waiting list moves up now (each told by email).
        await registrations.fill_from_waiting_list(
            settings_of(request), await service.get_event(slug)
        )
    except service.StaleEdit as exc:
        # Keep what they typed, next to what is stored now; saving again overwrites it.
        return await _event_page(request, exc.event, values=values, stale=True, status_code=409)
    except FieldErrors as exc:
        event = await service.get_event(slug)
        return await _event_page(request, event, values=values, errors=exc.errors, status_code=422)
    return RedirectResponse(f"/coordinator/events/{slug}?done=saved", status_code=303)


async def _set_open(request: Request, is_open: bool) -> Response:
    slug: str = request.path_params["slug"]
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings_of(request))
    await service.set_open(slug, is_open, coordinator=current_coordinator(request))
    done = "reopened" if is_open else "closed"
    return RedirectResponse(f"/coordinator/events/{slug}?done={done}", status_code=303)


@coordinator_page
async def close(request: Request) -> Response:
    return await _set_open(request, False)


@coordinator_page
async def reopen(request: Request) -> Response:
    return await _set_open(request, True)


@coordinator_page
async def print_page(request: Request) -> Response:
    event = await service.get_event(request.path_params["slug"])
    return render_coordinator(
        request,
        "coordinator/event_print.html",
        {"event": event, "signup_url": service.signup_url(settings_of(request), event)},
        section="events",
    )


async def _qr(request: Request) -> segno.QRCode:
    event = await service.get_event(request.path_params["slug"])
    # Error correction M: still readable from the back of a room with a smudge on the slide.
    return segno.make_qr(service.signup_url(settings_of(request), event), error="m")


@coordinator_page
async def qr_svg(request: Request) -> Response:
    out = io.BytesIO()
    (await _qr(request)).save(out, kind="svg", scale=10, border=4, title="QR")
    return Response(
        out.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": _QR_CACHE}
    )


@coordinator_page
async def qr_png(request: Request) -> Response:
    out = io.BytesIO()
    (await _qr(request)).save(out, kind="png", scale=12, border=4)
    return Response(out.getvalue(), media_type="image/png", headers={"Cache-Control": _QR_CACHE})


def closed_page(request: Request, exc: service.EventClosed) -> Response:
    """The sign-up page of a closed event: what happened, and where to go instead."""
    event = exc.event
    return render(
        request,
        "join_closed.html",
        {"event": event, "closed_by_date": event.is_open and event.signup_until is not None},
        status_code=exc.status_code,
    )
