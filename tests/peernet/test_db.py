"""The database set-up: SQLite in WAL mode with a busy timeout and BEGIN IMMEDIATE, so that
several processes writing at once wait for each other instead of failing (issue 12)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from tortoise import connections
from tortoise.backends.base.config_generator import expand_db_url

from peernet.attendees import service
from peernet.attendees.models import Attendee, Signup
from peernet.attendees.schemas import parse_signup
from peernet.settings import Settings
from peernet.sqlite_engine import PeernetSqliteClient
from tests.peernet.factories import an_event, signup_data

pytestmark = pytest.mark.usefixtures("frozen_clock")

SIGNUPS = 20


def is_sqlite(settings: Settings) -> bool:
    return settings.database_url.startswith("sqlite")


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(
    settings: Settings, empty_db: None
) -> None:
    if not is_sqlite(settings):
        pytest.skip("SQLite's journal settings")
    conn = connections.get("default")
    assert isinstance(conn, PeernetSqliteClient)
    assert (await conn.execute_query_dict("PRAGMA journal_mode"))[0]["journal_mode"] == "wal"
    assert (await conn.execute_query_dict("PRAGMA busy_timeout"))[0]["timeout"] == 5000


@pytest.fixture
async def own_connections(settings: Settings, empty_db: None) -> AsyncIterator[list[object]]:
    """On SQLite: one connection per writer, as separate processes would have."""
    made: list[PeernetSqliteClient] = []
    if is_sqlite(settings):
        path = expand_db_url(settings.database_url)["credentials"]["file_path"]
        made = [PeernetSqliteClient(path, connection_name="default") for _ in range(SIGNUPS)]
    yield list(made)
    for client in made:
        await client.close()


async def test_20_concurrent_signups_from_separate_connections_all_succeed(
    settings: Settings, own_connections: list[PeernetSqliteClient]
) -> None:
    await an_event()

    async def sign_up(number: int) -> None:
        if own_connections:
            # This task (and only this task: a context variable) writes through its own
            # connection to the same database file.
            connections.set("default", own_connections[number])
        data = parse_signup(signup_data(email=f"person{number}@example.org"))
        await service.sign_up(settings, "omei-utrecht", data, channel="api")

    results = await asyncio.gather(*(sign_up(n) for n in range(SIGNUPS)), return_exceptions=True)
    assert [r for r in results if r is not None] == []
    assert await Attendee.all().count() == SIGNUPS
    assert await Signup.all().count() == SIGNUPS


async def test_20_concurrent_signups_over_http_all_succeed(client: httpx.AsyncClient) -> None:
    await an_event()
    answers = await asyncio.gather(
        *(
            client.post(
                "/api/v1/events/omei-utrecht/signups",
                json=signup_data(email=f"person{n}@example.org"),
            )
            for n in range(SIGNUPS)
        )
    )
    assert [a.status_code for a in answers] == [202] * SIGNUPS
