"""Tortoise's SQLite backend, set up for several processes writing at once (web + worker).

- ``journal_mode=WAL``: readers do not block the writer, nor the writer the readers;
- ``busy_timeout=5000``: a writer that finds the database locked waits up to 5 s for it;
- ``BEGIN IMMEDIATE``: a transaction takes the write lock when it starts. With SQLite's
  default ``BEGIN`` (deferred) a transaction that read first and writes second cannot wait
  for the lock: if another process wrote in between, SQLite answers "database is locked" at
  once, whatever the busy timeout. Taking the lock up front turns that into a wait.

Named as the engine in :func:`peernet.db.tortoise_config` for ``sqlite://`` URLs.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError

BUSY_TIMEOUT_MS = 5000


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class PeernetSqliteClient(SqliteClient):
    def __init__(self, file_path: str, **kwargs: Any) -> None:
        kwargs.setdefault("journal_mode", "WAL")
        kwargs.setdefault("busy_timeout", BUSY_TIMEOUT_MS)
        super().__init__(file_path, **kwargs)

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = PeernetSqliteClient
