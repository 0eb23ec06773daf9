"""Groups with the explanation the engine gives them, stored as the planner stores it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from matching import RoundRules, plan_round
from peernet import clock
from peernet.attendees.models import Attendee
from peernet.rounds.models import Round
from peernet.rounds.profiles import profile_of
from peernet.rounds.service import create_round
from peernet.taxonomy.service import get_taxonomy


def explanation_of(group: Sequence[Attendee]) -> dict[str, Any]:
    """The engine's links between every two members (pinned together, so that the test
    decides the group), as JSON the way ``Match.explanation`` holds them."""
    taxonomy = get_taxonomy()
    neighbours = {key: region.neighbours for key, region in taxonomy.regions.items()}
    profiles = [profile_of(a, taxonomy) for a in group]
    links = []
    meetings = set()
    for s, a in enumerate(profiles):
        for b in profiles[s + 1 :]:
            plan = plan_round(
                [a, b],
                today=clock.now().date(),
                neighbours=neighbours,
                pins=[(a.id, b.id)],
                rules=RoundRules(allow_same_discipline=True),
            )
            assert len(plan.groups) == 1, plan.rejected_pins
            links.append(dataclasses.asdict(plan.groups[0].links[0]))
            meetings.add(plan.groups[0].meeting)
    meeting = "in_person" if "in_person" in meetings else "online"
    loaded: dict[str, Any] = json.loads(json.dumps({"meeting": meeting, "links": links}))
    return loaded


async def an_explained_round(period: str, groups: Sequence[Sequence[Attendee]]) -> Round:
    return await create_round(
        period,
        [[a.id for a in group] for group in groups],
        explanations=[explanation_of(group) for group in groups],
    )
