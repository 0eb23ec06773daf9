"""The event form suggests the themes with the largest gap nearby, and co-hosts who agreed."""

from __future__ import annotations

import httpx

from peernet.attendees.consents import COHOST, STATISTICS, give_optional_consent
from peernet.attendees.models import Attendee
from peernet.themes.suggestions import suggestions_for
from tests.peernet.conftest import Clock
from tests.peernet.events.sessions import a_session
from tests.peernet.factories import an_attendee


async def _consent(person: Attendee, *purposes: str) -> Attendee:
    for purpose in purposes:
        await give_optional_consent(person, purpose, locale="nl", channel="test")
    return person


async def test_gaps_nearby_and_only_willing_cohosts(
    coordinator_client: httpx.AsyncClient, frozen_clock: Clock
) -> None:
    for i in range(3):  # Rotterdam and Den Haag (neighbours) want conversation skills
        unit = "rotterdam" if i else "den_haag"
        await _consent(
            await an_attendee(f"Vrager {i}", region=unit, gaps=["conversation_skills"]),
            STATISTICS,
        )
    # Limburg is not nearby: its wishes do not count.
    for i in range(5):
        await _consent(
            await an_attendee(f"Limburger {i}", region="limburg", gaps=["polarisation"]),
            STATISTICS,
        )
    # Someone without the statistics consent is not counted.
    await an_attendee("Niet geteld", region="rotterdam", gaps=["polarisation"])
    willing = await _consent(
        await an_attendee("Wil wel", region="den_haag", expertise=["conversation_skills"], gaps=[]),
        COHOST,
    )
    await an_attendee("Wil niet", region="rotterdam", expertise=["conversation_skills"], gaps=[])
    found = await suggestions_for("rotterdam")
    assert found.themes == ["conversation_skills"]
    assert [c.attendee.id for c in found.cohosts] == [willing.id]
    await a_session("rotterdam", unit="rotterdam")
    page = await coordinator_client.get("/coordinator/events/rotterdam")
    assert page.status_code == 200
    assert "Wil wel" in page.text and "Wil niet" not in page.text
    assert "Gesprekstechnieken" in page.text
