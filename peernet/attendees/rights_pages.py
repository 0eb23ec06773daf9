"""The coordinators' side of an attendee's rights, on the person's page: download everything
kept about them (JSON), and erase them on a request that arrived by other means."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from peernet.attendees import rights
from peernet.attendees.coordinator_pages import _person_page
from peernet.coordinators.auth import coordinator_page, current_coordinator
from peernet.web import csrf
from peernet.web.rendering import settings_of


@coordinator_page
async def export_json(request: Request) -> Response:
    attendee_id: int = request.path_params["attendee_id"]
    data = await rights.export_attendee(attendee_id)
    await rights.record_export(
        attendee_id, actor="coordinator", coordinator=current_coordinator(request)
    )
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        media_type="application/json; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="peernet-attendee-{attendee_id}.json"',
            "Cache-Control": "no-store",
        },
    )


@coordinator_page
async def erase(request: Request) -> Response:
    settings = settings_of(request)
    attendee_id: int = request.path_params["attendee_id"]
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings)
    if form.get("confirm") != "yes":
        return await _person_page(
            request, attendee_id, errors={"confirm": "confirm_erase"}, status_code=422
        )
    me = current_coordinator(request)
    erased = await rights.erase_attendee(
        settings, attendee_id, actor=f"coordinator:{me.id}", coordinator_id=me.id, reason="request"
    )
    done = "erased" if erased else "already-erased"
    return RedirectResponse(f"/coordinator/attendees/{attendee_id}?done={done}", status_code=303)
