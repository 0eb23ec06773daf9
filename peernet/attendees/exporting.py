"""Exports of the attendees and of a round's groups, as CSV (for spreadsheets) and as
plain rows for the JSON API. Never any free text the coordinators wrote about people; every
export is written to the audit log."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from peernet.attendees.directory import AttendeeFilter, all_attendees
from peernet.attendees.models import Attendee
from peernet.audit.service import record
from peernet.coordinators.models import Coordinator
from peernet.errors import NotFound
from peernet.rounds.models import Round
from peernet.rounds.service import current_groups
from peernet.taxonomy.service import get_taxonomy

ATTENDEE_COLUMNS = (
    "id",
    "name",
    "email",
    "organisation",
    "role",
    "discipline",
    "unit",
    "status",
    "expertise",
    "gaps",
    "languages",
    "meeting_preference",
    "locale",
    "created_at",
    "confirmed_at",
)
GROUP_COLUMNS = (
    "round",
    "period",
    "group",
    "attendee_id",
    "name",
    "email",
    "organisation",
    "role",
    "unit",
)
# A cell starting with one of these is a formula to a spreadsheet: =HYPERLINK(...), +cmd ...
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell as text, neutralised with a leading apostrophe if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def attendee_row(attendee: Attendee) -> dict[str, Any]:
    roles = get_taxonomy().roles
    return {
        "id": attendee.id,
        "name": attendee.name,
        "email": attendee.email,
        "organisation": attendee.organisation,
        "role": attendee.role,
        "discipline": roles[attendee.role].discipline if attendee.role in roles else None,
        "unit": attendee.region,
        "status": str(attendee.status),
        "expertise": list(attendee.expertise),
        "gaps": list(attendee.gaps),
        "languages": list(attendee.languages),
        "meeting_preference": attendee.meeting_preference,
        "locale": attendee.locale,
        "created_at": _moment(attendee.created_at),
        "confirmed_at": _moment(attendee.confirmed_at),
    }


def csv_delimiter(locale: str) -> str:
    """What a spreadsheet in the reader's language splits columns on: Dutch Excel takes
    the comma for the decimal mark and splits on semicolons; English Excel on commas."""
    return ";" if locale == "nl" else ","


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]], *, locale: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=csv_delimiter(locale), lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            if isinstance(value, list):
                value = " ".join(str(v) for v in value)
            cells.append(safe_cell(value))
        writer.writerow(cells)
    return buffer.getvalue()


async def export_attendees(
    search: AttendeeFilter | None, *, coordinator: Coordinator | None, form: str
) -> list[dict[str, Any]]:
    rows = [attendee_row(a) for a in await all_attendees(search)]
    await record(
        "attendees.export",
        coordinator=coordinator,
        subject="attendees",
        details={"format": form, "rows": len(rows)},
    )
    return rows


async def export_groups(
    round_id: int, *, coordinator: Coordinator | None, form: str
) -> tuple[Round, list[dict[str, Any]]]:
    rnd = await Round.get_or_none(id=round_id)
    if rnd is None:
        raise NotFound(f"no round with id {round_id}")
    groups = await current_groups(rnd.id)
    people = {a.id: a for a in await Attendee.filter(id__in=[p for g in groups for p in g])}
    rows = []
    for number, group in enumerate(groups, start=1):
        for member in group:
            person = people[member]
            rows.append(
                {
                    "round": rnd.id,
                    "period": rnd.period,
                    "group": number,
                    "attendee_id": person.id,
                    "name": person.name,
                    "email": person.email,
                    "organisation": person.organisation,
                    "role": person.role,
                    "unit": person.region,
                }
            )
    await record(
        "round.export_groups",
        coordinator=coordinator,
        subject=f"round:{rnd.id}",
        details={"format": form, "groups": len(groups), "rows": len(rows)},
    )
    return rnd, rows
