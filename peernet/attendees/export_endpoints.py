"""The exports as JSON, for coordinators' bearer tokens: the same rows as the CSV files."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse

from peernet.attendees import directory, exporting
from peernet.coordinators.auth import coordinator_api, current_coordinator


class AttendeeOut(BaseModel):
    id: int
    name: str
    email: str
    organisation: str
    role: str
    discipline: str | None
    unit: str
    status: str
    expertise: list[str]
    gaps: list[str]
    languages: list[str]
    meeting_preference: str
    locale: str
    created_at: str | None
    confirmed_at: str | None


class AttendeeListOut(BaseModel):
    attendees: list[AttendeeOut]


class GroupMemberOut(BaseModel):
    attendee_id: int
    name: str
    email: str
    organisation: str
    role: str
    unit: str


class GroupOut(BaseModel):
    group: int
    members: list[GroupMemberOut]


class GroupsOut(BaseModel):
    round: int
    period: str
    groups: list[GroupOut]


@coordinator_api
async def attendees(request: Request) -> JSONResponse:
    search = directory.parse_filter(dict(request.query_params))
    rows = await exporting.export_attendees(
        search, coordinator=current_coordinator(request), form="json"
    )
    body = AttendeeListOut(attendees=[AttendeeOut.model_validate(r) for r in rows])
    return JSONResponse(body.model_dump(mode="json"))


@coordinator_api
async def groups(request: Request) -> JSONResponse:
    rnd, rows = await exporting.export_groups(
        request.path_params["round_id"], coordinator=current_coordinator(request), form="json"
    )
    by_group: dict[int, list[GroupMemberOut]] = {}
    for row in rows:
        by_group.setdefault(row["group"], []).append(GroupMemberOut.model_validate(row))
    body = GroupsOut(
        round=rnd.id,
        period=rnd.period,
        groups=[GroupOut(group=n, members=m) for n, m in by_group.items()],
    )
    return JSONResponse(body.model_dump(mode="json"))
