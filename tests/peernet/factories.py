"""Small async factories for tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from peernet import clock
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.coordinators.models import Coordinator
from peernet.coordinators.service import create_coordinator
from peernet.events.models import Event
from peernet.events.service import create_event
from peernet.rounds.models import Round
from peernet.rounds.planning import create_round
from peernet.rounds.publishing import publish_round
from peernet.settings import Settings


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


async def an_attendee(name: str = "Anouk de Vries", **fields: Any) -> Attendee:
    now = clock.now()
    email = fields.pop("email", f"{name.lower().replace(' ', '.')}@example.org")
    defaults: dict[str, Any] = {
        "organisation": "Gemeente Utrecht",
        "role": "municipal_policy_officer",
        "region": "midden_nederland",
        "expertise": ["local_policy_network"],
        "gaps": ["conversation_skills"],
        "languages": ["nl"],
        "meeting_preference": "either",
        "locale": "nl",
        "status": AttendeeStatus.ACTIVE,
    }
    defaults.update(fields)
    return await Attendee.create(
        name=name,
        email=email,
        email_normalized=email.lower(),
        created_at=now,
        updated_at=now,
        confirmed_at=now,
        **defaults,
    )


async def a_pair() -> tuple[Attendee, Attendee]:
    anouk = await an_attendee()
    ruud = await an_attendee(
        "Ruud van 't Hoff",
        email="ruud@example.org",
        organisation="Politie Midden-Nederland",
        role="community_police_officer",
        region="midden_nederland",
        expertise=["conversation_skills", "signalling_assessment"],
        gaps=["local_policy_network"],
        locale="en",
    )
    return anouk, ruud


async def a_published_round(settings: Settings, groups: list[list[int]]) -> Round:
    rnd = await create_round("2026-11", groups)
    await publish_round(settings, rnd.id)
    return rnd


COORDINATOR_PASSWORD = "correct horse battery staple"


async def a_coordinator(
    email: str = "carla@example.org", name: str = "Carla Coördinator"
) -> Coordinator:
    return await create_coordinator(email, COORDINATOR_PASSWORD, name=name)


async def an_event_in(region: str, slug: str = "omei-utrecht", **fields: Any) -> Event:
    """An event with a police unit and, optionally, a last sign-up day."""
    return await create_event(
        slug=slug,
        title=fields.get("title", "Terugkomdag OMEI Utrecht"),
        on=fields.get("on", date(2026, 11, 12)),
        place=fields.get("place", "Utrecht"),
        organiser=fields.get("organiser", ""),
        region=region,
        signup_until=fields.get("signup_until"),
        is_open=fields.get("is_open", True),
    )
