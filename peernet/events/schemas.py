"""The agenda's API shapes (also in the OpenAPI document)."""

from __future__ import annotations

from pydantic import BaseModel


class AgendaEventOut(BaseModel):
    slug: str
    uid: str
    title: str
    date: str
    starts_at: str | None
    ends_at: str | None
    place: str
    unit: str | None
    unit_label: str | None
    organiser: str
    description: str
    capacity: int | None
    seats_left: int | None
    sequence: int
    url: str


class AgendaOut(BaseModel):
    unit: str | None
    events: list[AgendaEventOut]
