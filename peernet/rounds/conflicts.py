"""Groups of a draft that the rules forbid now: two people kept apart or blocked since it
was planned, or a pair that a round published since already grouped. Publishing dissolves
them (see :mod:`peernet.rounds.publishing`); the round page warns of them beforehand, but
for private blocks, which a coordinator never sees."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from matching import Conflict, conflicts
from peernet.rounds.models import MatchMember, Round, RoundStatus
from peernet.rounds.planning import (
    History,
    coordinator_pairs,
    kept_apart_pairs,
    load_history,
    local_today,
)
from peernet.rounds.presets import PRESETS
from peernet.settings import Settings


async def conflicting_groups(
    settings: Settings,
    rnd: Round,
    groups: Mapping[int, Sequence[int]],
    *,
    history: History | None = None,
    blocks: bool = True,
) -> dict[int, Conflict]:
    """Of ``groups`` (match id: attendee ids) of ``rnd``, those in which a pair is now kept
    apart (by a coordinator or a block) or a repeat of the published history, which is
    read unless given (without ``rnd`` itself: give it while ``rnd`` is a draft). Without
    ``blocks``, the attendees' private blocks are left out: what a coordinator is shown
    never tells that one exists."""
    if not groups:
        return {}
    history = history if history is not None else await load_history()
    ids = list(groups)
    found = conflicts(
        [groups[match_id] for match_id in ids],
        past=history.past,
        today=local_today(settings),
        kept_apart=await kept_apart_pairs() if blocks else await coordinator_pairs(),
        rules=PRESETS.get(rnd.preset, PRESETS["balanced"]),
    )
    return {ids[c.group]: c for c in found}


async def stale_groups(settings: Settings, round_id: int) -> int:
    """How many groups of the draft ``round_id`` break a coordinator's keep-apart or repeat
    a published pair by now (0 for a published round, or none): what the round page warns
    of. Publishing dissolves those, and also any group an attendee's private block forbids,
    which this count leaves out."""
    rnd = await Round.get_or_none(id=round_id)
    if rnd is None or rnd.status is not RoundStatus.DRAFT:
        return 0
    groups: dict[int, list[int]] = defaultdict(list)
    members = MatchMember.filter(match__round_id=rnd.id).order_by("match_id", "id")
    for match_id, attendee_id in await members.values_list("match_id", "attendee_id"):
        groups[int(match_id)].append(int(attendee_id))
    # Shown on the round page: a private block must not change it (publishing still
    # regroups a blocked pair, among the groups it regroups for other reasons).
    return len(await conflicting_groups(settings, rnd, groups, blocks=False))
