"""The coordinators' start page (the network at a glance) and the results of the rounds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from peernet.coordinators.auth import coordinator_page
from peernet.dashboard import charts, service
from peernet.i18n import translate
from peernet.taxonomy.service import Term, get_taxonomy
from peernet.web.dates import half_up, month, number, percent
from peernet.web.headers import allow_inline_styles
from peernet.web.rendering import render_coordinator, request_locale, settings_of

GROWTH_MONTHS = 18  # months in the growth picture; the table shows them all


def _short(period: str, locale: str) -> str:
    return month(period, locale, short=True)


def _label(terms: dict[str, Any], key: str, locale: str) -> str:
    term: Term | None = terms.get(key)
    return term.label(locale) if term else key


def _formatters(locale: str) -> dict[str, Any]:
    def n(value: float | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        return number(value, locale, digits)

    def pct(share: float | None) -> str:
        return "–" if share is None else percent(share, locale)

    return {
        "n": n,
        "pct": pct,
        "month": lambda period: month(period, locale, short=True),
        "period": lambda period: month(period, locale),
    }


def _status_picture(
    key: str, groups: Sequence[service.StatusCounts], terms: dict[str, Any], locale: str
) -> charts.Picture:
    def t(name: str, **params: object) -> str:
        return translate(locale, name, **params)

    return charts.stacked_bars(
        key,
        t(f"dashboard.{key}.title"),
        t(f"dashboard.{key}.desc"),
        [_label(terms, g.key, locale) for g in groups],
        [
            (t("dashboard.status.active"), charts.ACTIVE, [g.active for g in groups]),
            (t("dashboard.status.paused"), charts.PAUSED, [g.paused for g in groups]),
            (t("dashboard.status.pending"), charts.PENDING, [g.pending for g in groups]),
        ],
        lambda v: number(v, locale),
        no_data=t("chart.no_data"),
    )


def dashboard_pictures(figures: service.Dashboard, locale: str) -> dict[str, charts.Picture]:
    taxonomy = get_taxonomy()

    def t(name: str, **params: object) -> str:
        return translate(locale, name, **params)

    pictures = {
        "regions": _status_picture("regions", figures.by_region, taxonomy.regions, locale),
        "disciplines": _status_picture(
            "disciplines", figures.by_discipline, taxonomy.disciplines, locale
        ),
    }
    themes = [c for c in figures.themes if c.wanting or c.knowing]
    if themes:
        pictures["themes"] = charts.paired_bars(
            "themes",
            t("dashboard.themes.title"),
            t("dashboard.themes.desc"),
            [_label(taxonomy.themes, c.key, locale) for c in themes],
            [
                (t("dashboard.themes.wanting"), charts.WANTING, [c.wanting for c in themes]),
                (t("dashboard.themes.knowing"), charts.KNOWING, [c.knowing for c in themes]),
            ],
            lambda v: number(v, locale),
        )
    shown = figures.growth[-GROWTH_MONTHS:]
    if shown:
        pictures["growth"] = charts.growth_bars(
            "growth",
            t("dashboard.growth.title"),
            t("dashboard.growth.desc", total=number(shown[-1].total, locale)),
            [_short(m.month, locale) for m in shown],
            [m.total - m.new for m in shown],
            [m.new for m in shown],
            (t("dashboard.growth.before"), t("dashboard.growth.new")),
            lambda v: number(v, locale),
            no_data=t("chart.no_data"),
        )
    grid = figures.grid
    if grid is not None and grid.total:
        keys = grid.disciplines
        pictures["grid"] = charts.heat_grid(
            "grid",
            t("dashboard.grid.title", period=month(grid.period, locale)),
            t(
                "dashboard.grid.desc",
                pairs=number(grid.total, locale),
                across=number(grid.across, locale),
            ),
            [_label(taxonomy.disciplines, k, locale) for k in keys],
            lambda i, j: grid.count(keys[i], keys[j]),
            lambda v: number(v, locale),
        )
    return pictures


def grid_intro(grid: service.DisciplineGrid, locale: str) -> str:
    """The round's groups as the round page counts them ("2 koppels en 1 trio"), and how many
    of the two-person links in them (three in a trio) were across disciplines."""

    def t(name: str, **params: object) -> str:
        return translate(locale, name, **params)

    def counted(key: str, count: int) -> str:
        return t(f"{key}_one") if count == 1 else t(key, count=number(count, locale))

    return t(
        "dashboard.grid.intro_trios" if grid.trios else "dashboard.grid.intro",
        period=month(grid.period, locale),
        pairs=counted("dashboard.grid.pairs", grid.duos),
        trios=counted("dashboard.grid.trios", grid.trios),
        links=number(grid.total, locale),
        across=number(grid.across, locale),
    )


@coordinator_page
async def dashboard(request: Request) -> Response:
    locale = request_locale(request)
    figures = await service.dashboard(settings_of(request).timezone)
    response = render_coordinator(
        request,
        "coordinator/dashboard.html",
        {
            "figures": figures,
            "pictures": dashboard_pictures(figures, locale),
            "grid_intro": grid_intro(figures.grid, locale) if figures.grid else "",
            **_formatters(locale),
        },
        section="dashboard",
    )
    # pygal colours its charts with a <style> element inside the inline SVG.
    allow_inline_styles(response)
    return response


def results_pictures(found: service.Results, locale: str) -> dict[str, charts.Picture]:
    def t(name: str, **params: object) -> str:
        return translate(locale, name, **params)

    pictures: dict[str, charts.Picture] = {}
    if found.rounds:
        labels = [_short(r.period, locale) for r in found.rounds]
        pictures["met"] = charts.over_rounds(
            "met",
            t("results.met.title"),
            t("results.met.desc"),
            labels,
            [
                (
                    t("results.met.share"),
                    charts.ACTIVE,
                    [
                        None if r.met_share is None else int(half_up(r.met_share, 2) * 100)
                        for r in found.rounds
                    ],
                )
            ],
            formatter=lambda v: percent(v / 100, locale),
            no_data=t("chart.no_data"),
            kind="bar",
            range_=(0, 100),
        )
        pictures["network"] = charts.over_rounds(
            "network",
            t("results.network.title"),
            t("results.network.desc"),
            [_short(p.period, locale) for p in found.over_time],
            [
                (
                    t("results.network.across"),
                    charts.ACTIVE,
                    [p.across_disciplines for p in found.over_time],
                ),
                (
                    t("results.network.organisations"),
                    charts.PENDING,
                    [p.organisations for p in found.over_time],
                ),
            ],
            formatter=lambda v: number(v, locale),
            no_data=t("chart.no_data"),
            counts=True,
        )
        newest_first = list(reversed(found.rounds))
        pictures["ratings"] = charts.stacked_bars(
            "ratings",
            t("results.ratings.title"),
            t("results.ratings.desc"),
            [month(r.period, locale) for r in newest_first],
            [
                (
                    t("results.rating", rating=rating),
                    colour,
                    [r.ratings[rating] for r in newest_first],
                )
                for rating, colour in zip(service.RATINGS, charts.RATING_COLOURS, strict=True)
            ],
            lambda v: number(v, locale),
            no_data=t("chart.no_data"),
        )
    return pictures


@coordinator_page
async def results(request: Request) -> Response:
    locale = request_locale(request)
    found = await service.results()
    response = render_coordinator(
        request,
        "coordinator/results.html",
        {
            "results": found,
            "latest": found.over_time[-1] if found.over_time else None,
            "ratings": service.RATINGS,
            "pictures": results_pictures(found, locale),
            **_formatters(locale),
        },
        section="results",
    )
    # pygal colours its charts with a <style> element inside the inline SVG.
    allow_inline_styles(response)
    return response
