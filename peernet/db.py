"""The Tortoise ORM configuration, built from settings, and database start/stop."""

from __future__ import annotations

from typing import Any

import asyncpg  # type: ignore[import-untyped]
from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate

from peernet.settings import Settings

MODEL_MODULES = [
    "peernet.events.models",
    "peernet.attendees.models",
    "peernet.outbox.models",
    "peernet.rounds.models",
    "peernet.feedback.models",
    "peernet.coordinators.models",
    "peernet.audit.models",
]


# The database connection went away mid-request (server restart, a killed backend, the
# network): whether a write committed is unknown to the code that sent it.
CONNECTION_LOST: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    ConnectionError,
)


def _db_url(url: str) -> str:
    # Heroku-style "postgres://" and SQLAlchemy-style "postgresql://" both mean asyncpg here.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "asyncpg://" + url[len(prefix) :]
    return url


def _connection(url: str) -> str | dict[str, Any]:
    """SQLite goes through peernet.sqlite_engine: WAL, a busy timeout, BEGIN IMMEDIATE."""
    if not url.startswith("sqlite://"):
        return _db_url(url)
    expanded: dict[str, Any] = expand_db_url(url)
    expanded["engine"] = "peernet.sqlite_engine"
    return expanded


def tortoise_config(settings: Settings) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(settings.database_url)},
        "apps": {
            "peernet": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "peernet.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(settings: Settings, *, shared_across_tasks: bool = False) -> None:
    """Connect. ``shared_across_tasks`` is for the web app, whose lifespan runs in another
    task than the requests: Tortoise keeps its context in a context variable otherwise."""
    await Tortoise.init(
        config=tortoise_config(settings), _enable_global_fallback=shared_across_tasks
    )


async def close_db() -> None:
    await connections.close_all()


async def migrate_db(settings: Settings) -> None:
    """Apply every committed migration that the database has not seen yet."""
    await migrate(config=tortoise_config(settings))


async def database_is_reachable() -> bool:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # any driver error means "not reachable" for /healthz
        return False
    return True
