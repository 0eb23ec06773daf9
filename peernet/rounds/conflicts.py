"""Groups of a draft that the rules forbid now: two people kept apart or blocked since it
was planned, a pair that a round published since already grouped, or a pair that someone's
changed profile rules out (see :mod:`matching.conflicts`). Publishing dissolves them (see
:mod:`peernet.rounds.publishing`); the round page warns of them beforehand, but for
private blocks, which a coordinator never sees."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import cast

from tortoise.expressions import Subquery

from matching import Conflict, MeetingPreference, Profile, conflicts
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.rounds.models import MatchMember, Round, RoundStatus
from peernet.rounds.planning import (
    History,
    coordinator_pairs,
    kept_apart_pairs,
    load_history,
    local_today,
    neighbours,
)
from peernet.rounds.presets import PRESETS
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy

# What the profile rules read of an attendee.
RULE_FIELDS = ("id", "role", "region", "meeting_preference", "languages")


def rule_profiles(attendees: Iterable[Attendee]) -> dict[int, Profile]:
    """What the profile rules need of each attendee (read with at least
    :data:`RULE_FIELDS`): discipline, region, way of meeting and languages."""
    taxonomy = get_taxonomy()
    return {
        a.id: Profile(
            id=a.id,
            discipline=taxonomy.discipline_of(a.role),
            region=a.region,
            meeting=cast(MeetingPreference, a.meeting_preference),
            languages=frozenset(a.languages),
        )
        for a in attendees
    }


async def conflicting_groups(
    settings: Settings,
    rnd: Round,
    groups: Mapping[int, Sequence[int]],
    *,
    history: History | None = None,
    blocks: bool = True,
    attendees: Iterable[Attendee] | None = None,
) -> dict[int, Conflict]:
    """Of ``groups`` (match id: attendee ids) of ``rnd``, those in which a pair is now kept
    apart (by a coordinator or a block) or a repeat of the published history, which is
    read unless given (without ``rnd`` itself: give it while ``rnd`` is a draft). Without
    ``blocks``, the attendees' private blocks are left out: what a coordinator is shown
    never tells that one exists. The profile rules are checked for the ``attendees`` given
    (read with :data:`RULE_FIELDS`), or else for the round's members who are active; a
    member who is not is checked on the other rules only (publishing drops them anyway)."""
    if not groups:
        return {}
    history = history if history is not None else await load_history()
    if attendees is None:
        # The round's members, by a subquery (a draft may hold ten thousand).
        members = Subquery(MatchMember.filter(match__round_id=rnd.id).values("attendee_id"))
        attendees = await Attendee.filter(id__in=members, status=AttendeeStatus.ACTIVE).only(
            *RULE_FIELDS
        )
    ids = list(groups)
    found = conflicts(
        [groups[match_id] for match_id in ids],
        past=history.past,
        today=local_today(settings),
        kept_apart=await kept_apart_pairs() if blocks else await coordinator_pairs(),
        rules=PRESETS.get(rnd.preset, PRESETS["balanced"]),
        profiles=rule_profiles(attendees),
        neighbours=neighbours(),
    )
    return {ids[c.group]: c for c in found}


async def stale_groups(settings: Settings, round_id: int) -> dict[int, Conflict]:
    """The groups of the draft ``round_id`` (match id: the rule) that break a coordinator's
    keep-apart, repeat a published pair or no longer fit a member's profile by now (none
    for a published round): what the round page warns of. Publishing dissolves those, and
    also any group an attendee's private block forbids, which this leaves out."""
    rnd = await Round.get_or_none(id=round_id)
    if rnd is None or rnd.status is not RoundStatus.DRAFT:
        return {}
    groups: dict[int, list[int]] = defaultdict(list)
    members = MatchMember.filter(match__round_id=rnd.id).order_by("match_id", "id")
    for match_id, attendee_id in await members.values_list("match_id", "attendee_id"):
        groups[int(match_id)].append(int(attendee_id))
    # Shown on the round page: a private block must not change it (publishing still
    # regroups a blocked pair, among the groups it regroups for other reasons).
    return await conflicting_groups(settings, rnd, groups, blocks=False)
