"""The exports against the stored data: CSV parsed back, the JSON API, the audit log."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from peernet.attendees.exporting import safe_cell
from peernet.attendees.models import Attendee
from peernet.audit.models import AuditEntry
from peernet.rounds.planning import create_round
from peernet.settings import Settings
from peernet.web.openapi import build_document
from tests.peernet.factories import a_pair, a_published_round, an_attendee

pytestmark = pytest.mark.usefixtures("frozen_clock")


def parsed(answer: httpx.Response, delimiter: str = ";") -> list[dict[str, str]]:
    """A download as Dutch Excel reads it (semicolons), or another ``delimiter``."""
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith("attachment;")
    text = answer.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_cells_a_spreadsheet_would_run_are_neutralised() -> None:
    assert [safe_cell(v) for v in ("=1+1", "+31 6", "-2", "@SUM(A1)", "Anouk", None, 3)] == [
        "'=1+1",
        "'+31 6",
        "'-2",
        "'@SUM(A1)",
        "Anouk",
        "",
        "3",
    ]


async def test_the_attendees_csv_is_the_stored_attendees(
    coordinator_client: httpx.AsyncClient, coordinator: object
) -> None:
    anouk, ruud = await a_pair()
    await an_attendee(
        '=HYPERLINK("https://evil.example","klik")', email="evil@example.org", organisation="@org"
    )
    rows = parsed(await coordinator_client.get("/coordinator/attendees.csv"))
    assert list(rows[0]) == [
        "id", "name", "email", "organisation", "role", "discipline", "unit", "status",
        "expertise", "gaps", "languages", "meeting_preference", "locale", "created_at",
        "confirmed_at",
    ]  # fmt: skip
    assert [r["name"] for r in rows] == [
        '\'=HYPERLINK("https://evil.example","klik")',
        "Anouk de Vries",
        "Ruud van 't Hoff",
    ]
    assert rows[0]["organisation"] == "'@org"
    stored = await Attendee.get(id=int(rows[2]["id"]))
    assert stored.id == ruud.id
    assert rows[2] == {
        "id": str(ruud.id),
        "name": ruud.name,
        "email": ruud.email,
        "organisation": ruud.organisation,
        "role": "community_police_officer",
        "discipline": "police_enforcement",
        "unit": "midden_nederland",
        "status": "active",
        "expertise": "conversation_skills signalling_assessment",
        "gaps": "local_policy_network",
        "languages": "nl",
        "meeting_preference": "either",
        "locale": "en",
        "created_at": stored.created_at.isoformat(),
        "confirmed_at": stored.confirmed_at.isoformat() if stored.confirmed_at else "",
    }
    filtered = parsed(await coordinator_client.get("/coordinator/attendees.csv?q=ruud"))
    assert [r["id"] for r in filtered] == [str(ruud.id)]
    entries = await AuditEntry.filter(action="attendees.export").order_by("id")
    assert [e.details for e in entries] == [
        {"format": "csv", "rows": 3},
        {"format": "csv", "rows": 1},
    ]
    assert entries[0].actor.startswith("coordinator:")
    assert anouk.id in {int(r["id"]) for r in rows}
    # In English, the columns are split by commas, as English spreadsheets expect.
    english = parsed(await coordinator_client.get("/coordinator/attendees.csv?lang=en"), ",")
    assert [r["name"] for r in english] == [r["name"] for r in rows]


async def test_a_rounds_groups_csv_and_json(
    coordinator_client: httpx.AsyncClient, api_client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    bram = await an_attendee("Bram Smit", role="youth_worker")
    rnd = await a_published_round(settings, [[anouk.id, ruud.id]])
    rows = parsed(await coordinator_client.get(f"/coordinator/rounds/{rnd.id}/groups.csv"))
    assert [(r["group"], r["attendee_id"], r["name"], r["period"]) for r in rows] == [
        ("1", str(anouk.id), anouk.name, "2026-11"),
        ("1", str(ruud.id), ruud.name, "2026-11"),
    ]
    draft = await create_round("2026-12", [[anouk.id, bram.id]])
    answer = await api_client.get(f"/api/v1/rounds/{draft.id}/groups")
    assert answer.status_code == 200
    assert answer.json() == {
        "round": draft.id,
        "period": "2026-12",
        "groups": [
            {
                "group": 1,
                "members": [
                    {
                        "attendee_id": p.id,
                        "name": p.name,
                        "email": p.email,
                        "organisation": p.organisation,
                        "role": p.role,
                        "unit": p.region,
                    }
                    for p in (anouk, bram)
                ],
            }
        ],
    }
    assert (await api_client.get("/api/v1/rounds/999999/groups")).status_code == 404
    assert (
        await coordinator_client.get("/coordinator/rounds/999999/groups.csv")
    ).status_code == 404
    logged = await AuditEntry.filter(action="round.export_groups").order_by("id")
    assert [(e.subject, e.details["format"]) for e in logged] == [
        (f"round:{rnd.id}", "csv"),
        (f"round:{draft.id}", "json"),
    ]


async def test_the_attendees_api_and_its_openapi_entry(api_client: httpx.AsyncClient) -> None:
    anouk, ruud = await a_pair()
    body = (await api_client.get("/api/v1/attendees?region=midden_nederland")).json()
    assert [(a["id"], a["email"], a["discipline"]) for a in body["attendees"]] == [
        (anouk.id, anouk.email, "municipality_policy"),
        (ruud.id, ruud.email, "police_enforcement"),
    ]
    assert "notes" not in body["attendees"][0]
    bad = await api_client.get("/api/v1/attendees?status=asleep")
    assert bad.status_code == 422
    assert bad.json()["fields"] == {"status": "unknown_choice"}
    assert await AuditEntry.filter(action="attendees.export").count() == 1
    paths = build_document()["paths"]
    assert paths["/api/v1/attendees"]["get"]["security"] == [{"bearer": []}]
    assert "/api/v1/rounds/{round_id}/groups" in paths
