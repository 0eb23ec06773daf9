"""Fixtures for the service: a real database (SQLite or PostgreSQL, from DATABASE_URL),
migrated once per session and emptied between tests, a controllable clock, and the real
ASGI app over httpx."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from tortoise import Tortoise, connections

from peernet import clock, db
from peernet.coordinators.auth import SESSION_COOKIE, session_value
from peernet.coordinators.models import Coordinator
from peernet.coordinators.service import create_api_token
from peernet.settings import Settings, load_settings
from peernet.web.app import create_app
from tests.peernet.factories import a_coordinator

_TMP = Path(tempfile.mkdtemp(prefix="peernet-tests-"))
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite://{_TMP / 'test.sqlite3'}"


def make_settings(**overrides: str) -> Settings:
    environ = {
        "PEERNET_ENV": "test",
        "DATABASE_URL": DATABASE_URL,
        "BASE_URL": "https://peernet.test",
        "MAIL_BACKEND": "file",
        "MAIL_DIR": str(_TMP / "mail"),
        "MAIL_FROM": "peernet <peernet@peernet.test>",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "COORDINATOR_EMAILS": "coordinator@peernet.test",
    }
    environ.update(overrides)
    return load_settings(environ)


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta

    def set(self, moment: datetime) -> None:
        self.current = moment


@pytest.fixture(scope="session")
def settings() -> Settings:
    return make_settings()


@pytest.fixture(scope="session")
async def database(settings: Settings) -> AsyncIterator[None]:
    if settings.database_url.startswith(("postgres", "asyncpg")):
        await _reset_postgres(settings)
    await db.migrate_db(settings)
    await db.close_db()
    await db.init_db(settings)
    yield
    await db.close_db()


async def _reset_postgres(settings: Settings) -> None:
    # The test database is ours to empty: start every session from no tables at all,
    # so that the migrations themselves are what is tested.
    await db.init_db(settings)
    await connections.get("default").execute_script(
        "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
    )
    await db.close_db()


@pytest.fixture
async def empty_db(database: None) -> AsyncIterator[None]:
    yield
    tables = [model._meta.db_table for model in Tortoise.apps["peernet"].values()]
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE;")
    else:
        for table in tables:
            await conn.execute_script(f'DELETE FROM "{table}";')


@pytest.fixture
def frozen_clock() -> Iterator[Clock]:
    fake = Clock(datetime(2026, 11, 12, 16, 30, tzinfo=UTC))
    clock.set_clock(fake)
    yield fake
    clock.reset_clock()


@pytest.fixture
async def client(empty_db: None, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://peernet.test") as c:
        yield c


@pytest.fixture
async def coordinator(empty_db: None) -> Coordinator:
    return await a_coordinator()


@pytest.fixture
async def coordinator_client(
    client: httpx.AsyncClient, settings: Settings, coordinator: Coordinator
) -> httpx.AsyncClient:
    """The app's client with a signed-in coordinator's session cookie."""
    client.cookies.set(SESSION_COOKIE, session_value(settings, coordinator))
    return client


@pytest.fixture
async def api_client(
    empty_db: None, settings: Settings, coordinator: Coordinator
) -> AsyncIterator[httpx.AsyncClient]:
    """A separate client that sends a coordinator's bearer token (and no cookies)."""
    issued = await create_api_token(coordinator, label="tests")
    app = create_app(settings, manage_database=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="https://peernet.test",
        headers={"Authorization": f"Bearer {issued.token}"},
    ) as c:
        yield c
