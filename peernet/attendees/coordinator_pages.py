"""The coordinators' attendee pages: the directory, one person with the actions that apply,
the CSV import of an event's registration list, and the CSV exports. Every change is a form
POST answered with a redirect (post/redirect/get), so a reload repeats nothing."""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from peernet.attendees import actions, directory, exporting, importing
from peernet.attendees.models import AttendeeStatus, ImportBatch
from peernet.coordinators.auth import coordinator_page, current_coordinator
from peernet.errors import FieldErrors, NotFound
from peernet.events.service import get_event
from peernet.i18n import name_order
from peernet.rounds.planning import RoundPublished
from peernet.web import csrf
from peernet.web.dates import local_time
from peernet.web.rendering import render_coordinator, request_locale, settings_of

ACTIONS = ("exclude", "include", "keep-apart", "resend")


def _csv_response(text: str, filename: str) -> Response:
    # A BOM, so that spreadsheet programs read the UTF-8 names right.
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _when(request: Request) -> Any:
    timezone = settings_of(request).timezone
    locale = request_locale(request)
    return lambda moment: local_time(moment, timezone, locale)


@coordinator_page
async def index(request: Request) -> Response:
    params = dict(request.query_params)
    errors: dict[str, str] = {}
    found = None
    try:
        search = directory.parse_filter(params)
        found = await directory.search_attendees(search)
    except FieldErrors as exc:
        errors = exc.errors
    kept = {
        k: v for k, v in params.items() if k in ("q", "status", "discipline", "region", "event")
    }
    return render_coordinator(
        request,
        "coordinator/attendees.html",
        {
            "found": found,
            "values": params,
            "errors": errors,
            "statuses": [s.value for s in AttendeeStatus],
            "events": await directory.event_choices(),
            "query": urlencode(kept),
            "when": _when(request),
        },
        section="attendees",
        status_code=422 if errors else 200,
    )


@coordinator_page
async def export_csv(request: Request) -> Response:
    search = directory.parse_filter(dict(request.query_params))
    rows = await exporting.export_attendees(
        search, coordinator=current_coordinator(request), form="csv"
    )
    text = exporting.to_csv(exporting.ATTENDEE_COLUMNS, rows, locale=request_locale(request))
    return _csv_response(text, "attendees.csv")


@coordinator_page
async def groups_csv(request: Request) -> Response:
    rnd, rows = await exporting.export_groups(
        request.path_params["round_id"], coordinator=current_coordinator(request), form="csv"
    )
    text = exporting.to_csv(exporting.GROUP_COLUMNS, rows, locale=request_locale(request))
    return _csv_response(text, f"groups-{rnd.period}.csv")


async def _person_page(
    request: Request,
    attendee_id: int,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = await directory.person_view(attendee_id)
    candidates = sorted(await directory.all_attendees(), key=lambda a: (name_order(a.name), a.id))
    others = [
        a
        for a in candidates
        if a.id != attendee_id
        and a.id not in {k.id for k in view.kept_apart}
        # Nobody is paired with someone who erased their data: nothing to keep apart.
        and a.status is not AttendeeStatus.ERASED
    ]
    return render_coordinator(
        request,
        "coordinator/attendee.html",
        {
            "view": view,
            "person": view.attendee,
            "others": others,
            "errors": errors or {},
            "done": request.query_params.get("done", ""),
            "when": _when(request),
        },
        section="attendees",
        status_code=status_code,
    )


@coordinator_page
async def show(request: Request) -> Response:
    return await _person_page(request, request.path_params["attendee_id"])


@coordinator_page
async def act(request: Request) -> Response:
    settings = settings_of(request)
    attendee_id: int = request.path_params["attendee_id"]
    action: str = request.path_params["action"]
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings)
    if action not in ACTIONS:
        raise NotFound(f"no attendee action {action!r}")
    me = current_coordinator(request)
    done = action
    try:
        if action == "exclude":
            await actions.exclude_from_draft(settings, attendee_id, coordinator=me)
        elif action == "include":
            await actions.include_in_draft(settings, attendee_id, coordinator=me)
        elif action == "keep-apart":
            other = form.get("other")
            value: object = int(other) if isinstance(other, str) and other.isdigit() else other
            await actions.keep_apart_always(settings, attendee_id, value, coordinator=me)
        else:
            sent = await actions.resend_confirmation(settings, attendee_id, coordinator=me)
            done = "resend" if sent else "resend-quiet"
    except FieldErrors as exc:
        errors = {("other" if k.startswith("attendee_") else k): v for k, v in exc.errors.items()}
        return await _person_page(request, attendee_id, errors=errors, status_code=422)
    except (actions.NoDraftRound, actions.NothingToResend) as exc:
        return await _person_page(
            request, attendee_id, errors={"action": exc.code}, status_code=409
        )
    except RoundPublished:
        return await _person_page(
            request, attendee_id, errors={"action": "round_published"}, status_code=409
        )
    return RedirectResponse(f"/coordinator/attendees/{attendee_id}?done={done}", status_code=303)


async def _import_page(
    request: Request,
    *,
    preview: importing.ImportPreview | None = None,
    content: bytes = b"",
    filename: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    event = await get_event(request.path_params["slug"])
    batch = None
    batch_id = request.query_params.get("batch", "")
    if batch_id.isdigit():
        batch = await ImportBatch.get_or_none(id=int(batch_id), event_id=event.id)
    batches = await ImportBatch.filter(event_id=event.id).order_by("-id").limit(10)
    return render_coordinator(
        request,
        "coordinator/import.html",
        {
            "event": event,
            "preview": preview,
            "content": base64.b64encode(content).decode("ascii") if content else "",
            "filename": filename,
            "errors": errors or {},
            "batch": batch,
            "batches": batches,
            "max_lines": importing.MAX_LINES,
            "when": _when(request),
        },
        section="attendees",
        status_code=status_code,
    )


@coordinator_page
async def import_form(request: Request) -> Response:
    return await _import_page(request)


@coordinator_page
async def import_template(request: Request) -> Response:
    await get_event(request.path_params["slug"])
    locale = request_locale(request)
    return _csv_response(importing.template_csv(locale), f"peernet-import-{locale}.csv")


@coordinator_page
async def import_submit(request: Request) -> Response:
    """Step 1 (``step=preview``, a file): the per-line report, nothing stored. Step 2
    (``step=store``): the same bytes posted back with their hash, checked again, stored."""
    settings = settings_of(request)
    event = await get_event(request.path_params["slug"])
    async with request.form(
        max_files=1, max_fields=10, max_part_size=3 * importing.MAX_BYTES
    ) as form:
        csrf.check_token(request, form.get(csrf.FIELD), settings)
        step = form.get("step")
        if step == "store":
            encoded, expected = form.get("content"), form.get("content_hash")
            filename = str(form.get("filename") or "")
            try:
                content = base64.b64decode(str(encoded or ""), validate=True)
            except (binascii.Error, ValueError):
                content = b""
            if (
                not content
                or not isinstance(expected, str)
                or not hmac.compare_digest(importing.content_hash(content), expected)
            ):
                return await _import_page(
                    request, errors={"file": "upload_changed"}, status_code=422
                )
            batch = await importing.import_registrations(
                settings,
                event,
                content,
                filename=filename,
                locale=request_locale(request),
                coordinator=current_coordinator(request),
            )
            return RedirectResponse(
                f"/coordinator/events/{event.slug}/import?batch={batch.id}", status_code=303
            )
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return await _import_page(request, errors={"file": "required"}, status_code=422)
        content = await upload.read(importing.MAX_BYTES + 1)
        filename = (upload.filename or "")[:200]
    try:
        preview = await importing.preview_import(content)
    except FieldErrors as exc:
        return await _import_page(request, errors=exc.errors, status_code=422)
    return await _import_page(request, preview=preview, content=content, filename=filename)
