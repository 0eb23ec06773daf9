"""/themes and /themes/{unit}: pictures and tables, CSV and JSON downloads, and the API."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from peernet.attendees.exporting import to_csv
from peernet.errors import FieldErrors
from peernet.events.agenda import check_unit, unit_or_404
from peernet.i18n import translate
from peernet.taxonomy.service import get_taxonomy
from peernet.themes import charts, service
from peernet.themes.schemas import ThemesOut
from peernet.web.rendering import render, request_locale

TOP_GAPS = 5


def _labels(locale: str) -> dict[str, str]:
    return {
        "fewer_than_5": translate(locale, "themes.fewer_than_5"),
        "hidden": translate(locale, "themes.hidden"),
    }


async def overview_page(request: Request) -> Response:
    overview = await service.themes_overview()
    locale = request_locale(request)
    taxonomy = get_taxonomy()
    return render(
        request,
        "themes.html",
        {
            "overview": overview,
            "labels": _labels(locale),
            "top": {
                u: [taxonomy.themes[t].label(locale) for t, gap in f.gaps()[:3] if gap > 0]
                for u, f in overview.units.items()
            },
        },
    )


async def unit_page(request: Request) -> Response:
    unit = unit_or_404(request.path_params["unit"])
    overview = await service.themes_overview()
    figures = overview.units[unit]
    locale = request_locale(request)
    taxonomy = get_taxonomy()
    labels = _labels(locale)
    rows = [
        (taxonomy.themes[t].label(locale), figures.want[t], figures.know[t]) for t in figures.want
    ]
    picture = charts.theme_bars(
        translate(locale, "themes.picture.title", unit=taxonomy.regions[unit].label(locale)),
        translate(locale, "themes.picture.desc"),
        rows,
        labels,
    )
    top = [t for t, gap in figures.gaps()[:TOP_GAPS]]
    return render(
        request,
        "themes_unit.html",
        {
            "unit": unit,
            "figures": figures,
            "half_years": overview.half_years,
            "labels": labels,
            "picture": picture,
            "rows": rows,
            "top": top,
        },
    )


def _csv(text: str, filename: str) -> Response:
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def overview_csv(request: Request) -> Response:
    rows = service.as_rows(await service.themes_overview())
    return _csv(to_csv(service.CSV_COLUMNS, rows, locale=request_locale(request)), "themes.csv")


async def unit_csv(request: Request) -> Response:
    unit = unit_or_404(request.path_params["unit"])
    rows = service.as_rows(await service.themes_overview(), unit)
    text = to_csv(service.CSV_COLUMNS, rows, locale=request_locale(request))
    return _csv(text, f"themes-{unit}.csv")


def _document(overview: service.ThemesOverview, unit: str | None) -> dict[str, object]:
    # Through the API's model, so the download and the API are one shape.
    return ThemesOut.model_validate(service.as_json(overview, unit)).model_dump(mode="json")


async def overview_json(request: Request) -> Response:
    body = json.dumps(_document(await service.themes_overview(), None), ensure_ascii=False)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="themes.json"'},
    )


async def unit_json(request: Request) -> Response:
    unit = unit_or_404(request.path_params["unit"])
    body = json.dumps(_document(await service.themes_overview(), unit), ensure_ascii=False)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="themes-{unit}.json"'},
    )


async def themes_api(request: Request) -> JSONResponse:
    """``GET /api/v1/themes?unit=...``."""
    requested = request.query_params.get("unit")
    if requested == "":  # the API is strict: a given unit must be a known one
        raise FieldErrors({"unit": "unknown_choice"})
    unit = check_unit(requested)
    return JSONResponse(_document(await service.themes_overview(), unit))
