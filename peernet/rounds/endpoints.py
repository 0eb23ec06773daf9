"""The rounds JSON API, for coordinators' bearer tokens: the same services as the pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from peernet.attendees.endpoints import json_body
from peernet.coordinators.auth import Handler, coordinator_api, current_coordinator
from peernet.i18n import api_locale
from peernet.rounds import adjustments
from peernet.rounds.models import Round
from peernet.rounds.planning import propose_round
from peernet.rounds.publishing import publish_round
from peernet.rounds.schemas import (
    PairIn,
    PersonIn,
    PresetIn,
    PublishOut,
    RoundIn,
    RoundListOut,
    parse,
    round_out,
    summary_out,
)
from peernet.rounds.views import list_rounds, member_texts, round_view
from peernet.web.rendering import settings_of


def _locale(request: Request) -> str:
    return api_locale(request.query_params.get("lang"), settings_of(request).default_locale)


def _rounds_api(handler: Handler) -> Handler:
    """A coordinators' route (bearer token) whose ``?lang=`` is checked before anything is
    read or changed: a refused language (422) must not follow a change already made."""

    async def checked(request: Request) -> Response:
        _locale(request)
        return await handler(request)

    checked.__doc__ = handler.__doc__
    return coordinator_api(checked)


def _round_id(request: Request) -> int:
    value: int = request.path_params["round_id"]
    return value


async def _respond(request: Request, round_id: int, status_code: int = 200) -> JSONResponse:
    locale = _locale(request)
    view = await round_view(round_id, locale)
    body = round_out(view, *await member_texts(view, locale))
    return JSONResponse(body.model_dump(mode="json"), status_code=status_code)


@_rounds_api
async def rounds_index(request: Request) -> JSONResponse:
    body = RoundListOut(rounds=[summary_out(s) for s in await list_rounds()])
    return JSONResponse(body.model_dump(mode="json"))


@_rounds_api
async def plan(request: Request) -> JSONResponse:
    data = parse(RoundIn, await json_body(request))
    rnd, _ = await propose_round(
        settings_of(request), data.period, coordinator=current_coordinator(request)
    )
    return await _respond(request, rnd.id)


@_rounds_api
async def show(request: Request) -> JSONResponse:
    return await _respond(request, _round_id(request))


@_rounds_api
async def exclude(request: Request) -> JSONResponse:
    data = parse(PersonIn, await json_body(request))
    rnd = await adjustments.exclude(
        settings_of(request),
        _round_id(request),
        data.attendee,
        coordinator=current_coordinator(request),
    )
    return await _respond(request, rnd.id)


@_rounds_api
async def include(request: Request) -> JSONResponse:
    rnd = await adjustments.include(
        settings_of(request),
        _round_id(request),
        request.path_params["attendee_id"],
        coordinator=current_coordinator(request),
    )
    return await _respond(request, rnd.id)


PairChange = Callable[..., Awaitable[Round]]


def _pair_from_body(change: PairChange) -> Handler:
    """A route that applies ``change`` to the two attendees named in the JSON body."""

    @_rounds_api
    async def handler(request: Request) -> Response:
        data = parse(PairIn, await json_body(request))
        rnd = await change(
            settings_of(request),
            _round_id(request),
            data.attendee_a,
            data.attendee_b,
            coordinator=current_coordinator(request),
        )
        return await _respond(request, rnd.id)

    return handler


def _pair_from_path(change: PairChange) -> Handler:
    """A DELETE route that undoes ``change`` for the two attendees in its path."""

    @_rounds_api
    async def handler(request: Request) -> Response:
        rnd = await change(
            settings_of(request),
            _round_id(request),
            request.path_params["attendee_a"],
            request.path_params["attendee_b"],
            coordinator=current_coordinator(request),
        )
        return await _respond(request, rnd.id)

    return handler


keep_apart = _pair_from_body(adjustments.keep_apart)
allow_together = _pair_from_path(adjustments.allow_together)
pin = _pair_from_body(adjustments.pin)
unpin = _pair_from_path(adjustments.unpin)


@_rounds_api
async def preset(request: Request) -> JSONResponse:
    data = parse(PresetIn, await json_body(request))
    rnd = await adjustments.choose_preset(
        settings_of(request),
        _round_id(request),
        data.preset,
        coordinator=current_coordinator(request),
    )
    return await _respond(request, rnd.id)


@_rounds_api
async def publish(request: Request) -> JSONResponse:
    outcome = await publish_round(
        settings_of(request), _round_id(request), coordinator=current_coordinator(request)
    )
    body = PublishOut(
        id=outcome.round_id,
        period=outcome.period,
        status="published",
        introductions=outcome.introductions,
        groups=outcome.groups,
        dropped=list(outcome.dropped),
        dissolved=[list(g) for g in outcome.dissolved],
        told_unmatched=list(outcome.told_unmatched),
    )
    return JSONResponse(body.model_dump(mode="json"))
