"""The audit log: which coordinator did what, and when. Call :func:`record` inside the
transaction of the action itself, so that the entry exists exactly when the action does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from peernet import clock
from peernet.audit.models import AuditEntry
from peernet.coordinators.models import Coordinator


async def record(
    action: str,
    *,
    coordinator: Coordinator | None = None,
    actor: str | None = None,
    subject: str = "",
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Log ``action`` by ``coordinator`` (or by ``actor``, e.g. "worker" or "cli")."""
    who = actor or (f"coordinator:{coordinator.id}" if coordinator else "system")
    return await AuditEntry.create(
        at=clock.now(),
        coordinator=coordinator,
        actor=who,
        action=action,
        subject=subject,
        details=dict(details or {}),
    )


async def recent(*, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    return (
        await AuditEntry.all()
        .order_by("-at", "-id")
        .offset(offset)
        .limit(limit)
        .prefetch_related("coordinator")
    )
