"""The coordinators' round pages: the list of rounds, one round with its groups, reasons,
unmatched people, diff and adjustment forms, and publishing. No JavaScript: every change
is a form POST answered with a redirect (post/redirect/get), so a reload repeats nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.coordinators.auth import coordinator_page, current_coordinator
from peernet.errors import FieldErrors, NotFound
from peernet.i18n import name_order
from peernet.rounds import adjustments
from peernet.rounds.conflicts import stale_groups
from peernet.rounds.models import RoundStatus
from peernet.rounds.planning import RoundPublished, local_today, propose_round
from peernet.rounds.presets import PRESETS
from peernet.rounds.publishing import publish_round
from peernet.rounds.unmatched import next_period, period_label
from peernet.rounds.views import RoundSummary, list_rounds, member_texts, round_view
from peernet.web import csrf
from peernet.web.dates import local_time
from peernet.web.rendering import render_coordinator, request_locale, settings_of

ACTIONS = (
    "exclude",
    "include",
    "keep-apart",
    "allow",
    "pin",
    "unpin",
    "preset",
    "recompute",
    "publish",
)


def _suggested_period(today: date, rounds: list[RoundSummary]) -> str:
    """Next month, or the first month after it whose round is not yet published."""
    published = {r.period for r in rounds if r.status == RoundStatus.PUBLISHED.value}
    period = next_period(f"{today:%Y-%m}")
    while period in published:
        period = next_period(period)
    return period


async def _index_page(
    request: Request, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response:
    rounds = await list_rounds()
    if "period" not in values:
        values = {"period": _suggested_period(local_today(settings_of(request)), rounds)}
    return render_coordinator(
        request,
        "coordinator/rounds.html",
        {
            "rounds": rounds,
            "values": values,
            "errors": errors,
            "month_label": lambda period: period_label(period, request_locale(request)),
        },
        section="rounds",
        status_code=status_code,
    )


@coordinator_page
async def index(request: Request) -> Response:
    return await _index_page(request, {}, {})


@coordinator_page
async def plan(request: Request) -> Response:
    settings = settings_of(request)
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings)
    period = form.get("period")
    try:
        rnd, _ = await propose_round(
            settings, str(period or "").strip(), coordinator=current_coordinator(request)
        )
    except FieldErrors as exc:
        return await _index_page(request, {"period": period or ""}, exc.errors, status_code=422)
    except RoundPublished:
        # Said at the field: planning that month again can never work.
        errors = {"period": "round_published"}
        return await _index_page(request, {"period": period or ""}, errors, status_code=409)
    return RedirectResponse(f"/coordinator/rounds/{rnd.id}?done=planned", status_code=303)


async def _people() -> list[Attendee]:
    people = await Attendee.filter(status=AttendeeStatus.ACTIVE).only(
        "id", "name", "role", "region"
    )
    return sorted(people, key=lambda a: (name_order(a.name), a.id))


async def _round_page(
    request: Request,
    round_id: int,
    *,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    locale = request_locale(request)
    view = await round_view(round_id, locale)
    previews, reasons = await member_texts(view, locale)
    return render_coordinator(
        request,
        "coordinator/round.html",
        {
            "round": view,
            "people": await _people() if view.status == "draft" else [],
            "presets": list(PRESETS),
            "unmatched_reasons": reasons,
            "previews": previews,
            "errors": errors or {},
            "done": request.query_params.get("done", ""),
            "notice": notice,
            "published": view.stats.get("published", {}),
            # Groups an older draft still holds that the rules forbid now (see the warning).
            "stale_groups": await stale_groups(settings_of(request), round_id),
            # And the members of a draft who paused, left or were erased since.
            "gone": [m for g in view.groups for m in g.members if m.status != AttendeeStatus.ACTIVE]
            if view.status == "draft"
            else [],
            "period_label": period_label(view.period, locale),
            "published_at": local_time(view.published_at, settings_of(request).timezone, locale),
        },
        section="rounds",
        status_code=status_code,
    )


@coordinator_page
async def show(request: Request) -> Response:
    return await _round_page(request, request.path_params["round_id"])


def _int(form: Any, name: str) -> object:
    value = form.get(name)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


@coordinator_page
async def act(request: Request) -> Response:
    settings = settings_of(request)
    round_id: int = request.path_params["round_id"]
    action: str = request.path_params["action"]
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings)
    if action not in ACTIONS:
        raise NotFound(f"no round action {action!r}")
    me = current_coordinator(request)
    try:
        if action == "publish":
            await publish_round(settings, round_id, coordinator=me)
            return RedirectResponse(
                f"/coordinator/rounds/{round_id}?done=published", status_code=303
            )
        if action == "exclude":
            await adjustments.exclude(settings, round_id, _int(form, "attendee"), coordinator=me)
        elif action == "include":
            await adjustments.include(settings, round_id, _int(form, "attendee"), coordinator=me)
        elif action in ("keep-apart", "allow", "pin", "unpin"):
            change = {
                "keep-apart": adjustments.keep_apart,
                "allow": adjustments.allow_together,
                "pin": adjustments.pin,
                "unpin": adjustments.unpin,
            }[action]
            await change(
                settings,
                round_id,
                _int(form, "attendee_a"),
                _int(form, "attendee_b"),
                coordinator=me,
            )
        elif action == "preset":
            await adjustments.choose_preset(settings, round_id, form.get("preset"), coordinator=me)
        else:
            await adjustments.recompute(settings, round_id, coordinator=me)
    except FieldErrors as exc:
        return await _round_page(request, round_id, errors=exc.errors, status_code=422)
    except RoundPublished:
        return await _round_page(
            request, round_id, notice="round.already_published", status_code=409
        )
    return RedirectResponse(f"/coordinator/rounds/{round_id}?done=replanned", status_code=303)
