"""Proposing a round: the service's attendees and history, turned into the engine's profiles.

Feedback flows back here: a pair that did not meet or was rated poorly is never proposed
again (see :class:`matching.RoundRules`), and someone who asked to be rematched gets the
priority of a person who waited a round.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from matching import PastPairing, Profile, RoundPlan, plan_round
from matching.profiles import MeetingPreference
from peernet import clock
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.errors import Conflict, FieldErrors
from peernet.feedback.models import MatchFeedback, MeetingAnswer
from peernet.rounds.models import Match, MatchMember, Round, RoundStatus
from peernet.rounds.service import create_round
from peernet.taxonomy.service import get_taxonomy

PERIOD = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return value


async def _history() -> tuple[dict[int, list[PastPairing]], dict[int, int], set[int], set[int]]:
    """Past partners per attendee, rounds waited, who was the third of a trio last round,
    and who asked to be rematched after the last round."""
    rounds = await Round.filter(status=RoundStatus.PUBLISHED).order_by("-published_at", "-id")
    members = await MatchMember.filter(match__round__status=RoundStatus.PUBLISHED).order_by("id")
    feedback = await MatchFeedback.all()
    matches = {m.id: m for m in await Match.filter(round__status=RoundStatus.PUBLISHED)}
    by_match: dict[int, list[int]] = defaultdict(list)
    for member in members:
        by_match[member.match_id].append(member.attendee_id)
    answers: dict[tuple[int, int], MatchFeedback] = {
        (f.match_id, f.attendee_id): f for f in feedback
    }
    published_on = {r.id: r.published_at.date() for r in rounds if r.published_at}

    past: dict[int, list[PastPairing]] = defaultdict(list)
    for match_id, group in by_match.items():
        match = matches[match_id]
        on = published_on[match.round_id]
        reports = [answers.get((match_id, a)) for a in group]
        said = {r.answer for r in reports if r is not None}
        met = (
            True if MeetingAnswer.MET in said else False if MeetingAnswer.REMATCH in said else None
        )
        for person in group:
            mine = answers.get((match_id, person))
            for partner in group:
                if partner != person:
                    past[person].append(
                        PastPairing(
                            partner=partner, on=on, met=met, rating=mine.rating if mine else None
                        )
                    )

    in_round: dict[int, set[int]] = defaultdict(set)
    for match_id, group in by_match.items():
        in_round[matches[match_id].round_id].update(group)
    waited: dict[int, int] = {}
    for person in {a.id for a in await Attendee.filter(status=AttendeeStatus.ACTIVE).only("id")}:
        count = 0
        for rnd in rounds:
            if person in in_round[rnd.id]:
                break
            count += 1
        waited[person] = count
    third: set[int] = set()
    rematch: set[int] = set()
    if rounds:
        last = rounds[0].id
        for match_id, group in by_match.items():
            if matches[match_id].round_id == last:
                if len(group) == 3:
                    third.add(group[2])
                for person in group:
                    answer = answers.get((match_id, person))
                    if answer is not None and answer.answer is MeetingAnswer.REMATCH:
                        rematch.add(person)
    return past, waited, third, rematch


async def propose_round(period: str) -> tuple[Round, RoundPlan]:
    """Plan the best groups among everyone active and store them as a draft round."""
    match_period = PERIOD.match(period)
    if not match_period:
        raise FieldErrors({"period": "use YYYY-MM, such as 2026-12"})
    if await Round.exists(period=period, status=RoundStatus.PUBLISHED):
        raise Conflict(f"the round of {period} is already published")
    taxonomy = get_taxonomy()
    attendees = await Attendee.filter(status=AttendeeStatus.ACTIVE).order_by("id")
    past, waited, third, rematch = await _history()
    profiles = [
        Profile(
            id=a.id,
            discipline=taxonomy.discipline_of(a.role),
            region=a.region,
            meeting=cast(MeetingPreference, a.meeting_preference),
            languages=frozenset(a.languages),
            expertise=frozenset(a.expertise),
            gaps=frozenset(a.gaps),
            past=tuple(past.get(a.id, ())),
            rounds_waited=waited.get(a.id, 0) + (1 if a.id in rematch else 0),
            in_trio_last_time=a.id in third,
        )
        for a in attendees
    ]
    today: date = clock.now().date()
    plan = plan_round(
        profiles,
        today=today,
        neighbours={key: region.neighbours for key, region in taxonomy.regions.items()},
    )
    rnd = await create_round(
        period,
        [list(map(int, g.members)) for g in plan.groups],
        stats={
            **_jsonable(plan.stats),
            "unmatched": _jsonable(plan.unmatched),
            "rejected_pins": _jsonable(plan.rejected_pins),
        },
        scores=[g.score for g in plan.groups],
        explanations=[{"meeting": g.meeting, "links": _jsonable(g.links)} for g in plan.groups],
    )
    return rnd, plan
