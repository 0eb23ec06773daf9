"""Groups with the explanation the engine gives them, stored as the planner stores it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from matching import explain_group
from peernet import clock
from peernet.attendees.models import Attendee
from peernet.rounds.models import Round
from peernet.rounds.planning import create_round, neighbours
from peernet.rounds.planning import explanation_of as stored_explanation
from peernet.rounds.profiles import profile_of
from peernet.taxonomy.service import get_taxonomy


def explanation_of(group: Sequence[Attendee]) -> dict[str, Any]:
    """The engine's links between every two members, as JSON the way ``Match.explanation``
    holds them."""
    taxonomy = get_taxonomy()
    explained = explain_group(
        [profile_of(a, taxonomy) for a in group], today=clock.now().date(), neighbours=neighbours()
    )
    loaded: dict[str, Any] = json.loads(json.dumps(stored_explanation(explained)))
    return loaded


async def an_explained_round(period: str, groups: Sequence[Sequence[Attendee]]) -> Round:
    return await create_round(period, [[a.id for a in group] for group in groups])
