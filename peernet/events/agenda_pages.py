"""The public agenda: the page, its iCalendar feeds (all units, or one) and the API."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from peernet.errors import FieldErrors
from peernet.events import agenda, calendar
from peernet.events.schemas import AgendaEventOut, AgendaOut
from peernet.i18n import api_locale
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy
from peernet.web.rendering import render, request_locale, settings_of

_ICS = "text/calendar; charset=utf-8"
# Calendar apps poll; a few minutes' staleness is fine and spares the database.
_FEED_CACHE = "public, max-age=300"


async def agenda_page(request: Request) -> Response:
    settings = settings_of(request)
    raw_unit = request.query_params.get("unit", "")
    errors: dict[str, str] = {}
    try:
        unit = agenda.check_unit(raw_unit)
    except FieldErrors as exc:
        errors, unit = exc.errors, None
    items = await agenda.upcoming(settings, unit)
    return render(
        request,
        "agenda.html",
        {
            "items": items,
            "unit": unit,
            "errors": errors,
            "tz": settings.timezone,
        },
        status_code=422 if errors else 200,
    )


def _feed(settings: Settings, items: list[agenda.AgendaItem], name: str, locale: str) -> Response:
    body = calendar.calendar_of(settings, (i.event for i in items), name=name, locale=locale)
    return Response(body, media_type=_ICS, headers={"Cache-Control": _FEED_CACHE})


async def agenda_ics(request: Request) -> Response:
    settings = settings_of(request)
    locale = request_locale(request)
    name = "peernet agenda"
    return _feed(settings, await agenda.upcoming(settings), name, locale)


async def unit_ics(request: Request) -> Response:
    settings = settings_of(request)
    locale = request_locale(request)
    unit = agenda.unit_or_404(request.path_params["unit"])
    name = f"peernet agenda · {get_taxonomy().regions[unit].label(locale)}"
    return _feed(settings, await agenda.upcoming(settings, unit), name, locale)


def event_out(settings: Settings, item: agenda.AgendaItem, locale: str) -> AgendaEventOut:
    event = item.event
    tz = settings.timezone
    unit = get_taxonomy().regions.get(event.region or "")
    return AgendaEventOut(
        slug=event.slug,
        uid=calendar.event_uid(event),
        title=event.title,
        date=event.date.isoformat(),
        # Local time with its offset: "2026-12-10T13:00:00+01:00".
        starts_at=event.starts_at.astimezone(tz).isoformat() if event.starts_at else None,
        ends_at=event.ends_at.astimezone(tz).isoformat() if event.ends_at else None,
        place=event.place,
        unit=event.region,
        unit_label=unit.label(locale) if unit else None,
        organiser=event.organiser,
        description=event.description,
        capacity=event.capacity,
        seats_left=item.seats_left,
        sequence=event.sequence,
        url=calendar.agenda_url(settings, event),
    )


async def events_api(request: Request) -> JSONResponse:
    """``GET /api/v1/events?unit=...``: the public agenda as JSON."""
    settings = settings_of(request)
    # The API is strict where the page's form is lenient: a given unit must be a known one
    # (an empty one too is refused), and so must a given language.
    locale = api_locale(request.query_params.get("lang"), settings.default_locale)
    requested = request.query_params.get("unit")
    if requested == "":
        raise FieldErrors({"unit": "unknown_choice"})
    unit = agenda.check_unit(requested)
    items = await agenda.upcoming(settings, unit)
    body = AgendaOut(unit=unit, events=[event_out(settings, i, locale) for i in items])
    return JSONResponse(body.model_dump(mode="json"))
