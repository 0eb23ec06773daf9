"""Small async factories for tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from peernet.events.models import Event
from peernet.events.service import create_event


async def an_event(slug: str = "omei-utrecht", *, is_open: bool = True, **fields: Any) -> Event:
    return await create_event(
        slug=slug,
        title=fields.get("title", "Terugkomdag OMEI Utrecht"),
        on=fields.get("on", date(2026, 11, 12)),
        place=fields.get("place", "Utrecht"),
        is_open=is_open,
    )


def signup_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Anouk de Vries",
        "email": "anouk.devries@example.org",
        "organisation": "Gemeente Utrecht",
        "role": "municipal_policy_officer",
        "region": "midden_nederland",
        "expertise": ["local_policy_network", "cross_domain_cooperation"],
        "gaps": ["conversation_skills", "online_radicalisation"],
        "languages": ["nl", "en"],
        "meeting_preference": "either",
        "consent": True,
    }
    data.update(overrides)
    return data
