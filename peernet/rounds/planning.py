"""Proposing a round: the month's one draft, planned from everyone active, the history and
the coordinator's adjustments, and planned again after every adjustment.

Feedback flows back here: a pair that did not meet or was rated poorly is never proposed
again (see :class:`matching.RoundRules`), and someone who asked to be rematched gets the
priority of a person who waited a round.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from matching import (
    PastPairing,
    Profile,
    RoundPlan,
    explain_group,
    explain_unmatched,
    plan_round,
)
from peernet import clock
from peernet.attendees.consents import RENEWAL_REASON, needing_renewal
from peernet.attendees.models import Attendee, AttendeeBlock, AttendeeStatus
from peernet.audit.service import record
from peernet.coordinators.models import Coordinator
from peernet.errors import Conflict, FieldErrors
from peernet.feedback.models import MatchFeedback, MeetingAnswer
from peernet.rounds.models import (
    KeepApart,
    Match,
    MatchMember,
    Round,
    RoundExclusion,
    RoundPin,
    RoundStatus,
)
from peernet.rounds.presets import PRESETS
from peernet.rounds.profiles import profile_of
from peernet.rounds.service import current_groups, store_groups
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# How far ahead a round may be planned, in months.
MONTHS_AHEAD = 12
# The figures kept of a previous version, for the diff on the round page.
_SUMMARY = (
    "people",
    "groups",
    "pairs",
    "trios",
    "unmatched",
    "share_gap_covered",
    "share_cross_disciplinary",
    "share_same_region",
    "repeats",
    "certificate",
)


class RoundPublished(Conflict):
    code = "round_published"


def jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return value


def local_today(settings: Settings) -> date:
    return clock.now().astimezone(settings.timezone).date()


def check_period(period: object, today: date) -> str:
    """A period is ``YYYY-MM``: this month or one of the next ``MONTHS_AHEAD`` (a round
    planned years ahead is a typo, and its draft would only grow stale)."""
    found = PERIOD.match(period) if isinstance(period, str) else None
    if not found:
        raise FieldErrors({"period": "invalid_period"})
    months = (int(found.group(1)) - today.year) * 12 + int(found.group(2)) - today.month
    if months < 0:
        raise FieldErrors({"period": "period_in_past"})
    if months > MONTHS_AHEAD:
        raise FieldErrors({"period": "period_too_far"})
    return str(period)


@dataclasses.dataclass(frozen=True)
class History:
    past: Mapping[int, Sequence[PastPairing]]
    waited: Mapping[int, int]
    third_last_time: set[int]
    asked_rematch: set[int]


async def load_history(*, leaving_out: int | None = None) -> History:
    """Past partners per attendee, rounds waited, who was the third of a trio last round,
    and who asked to be rematched after the last round; in the published rounds but
    ``leaving_out`` (the round being published, already claimed by its publisher).

    The rounds are read first and only their groups count: a round published by someone
    else between these reads is left out rather than half read."""
    published = Round.filter(status=RoundStatus.PUBLISHED)
    if leaving_out is not None:
        published = published.exclude(id=leaving_out)
    rounds = await published.order_by("-published_at", "-id")
    counted = {r.id for r in rounds}
    members = await MatchMember.filter(match__round__status=RoundStatus.PUBLISHED).order_by("id")
    feedback = await MatchFeedback.all()
    matches = {
        m.id: m
        for m in await Match.filter(round__status=RoundStatus.PUBLISHED)
        if m.round_id in counted
    }
    by_match: dict[int, list[int]] = defaultdict(list)
    for member in members:
        if member.match_id in matches:
            by_match[member.match_id].append(member.attendee_id)
    answers: dict[tuple[int, int], MatchFeedback] = {
        (f.match_id, f.attendee_id): f for f in feedback
    }
    published_on = {r.id: r.published_at.date() for r in rounds if r.published_at}

    past: dict[int, list[PastPairing]] = defaultdict(list)
    for match_id, group in by_match.items():
        on = published_on[matches[match_id].round_id]
        said = {r.answer for a in group if (r := answers.get((match_id, a))) is not None}
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
    return History(past, waited, third, rematch)


def profiles_of(attendees: Iterable[Attendee], history: History) -> list[Profile]:
    taxonomy = get_taxonomy()
    return [
        profile_of(
            a,
            taxonomy,
            past=history.past.get(a.id, ()),
            rounds_waited=history.waited.get(a.id, 0) + (1 if a.id in history.asked_rematch else 0),
            in_trio_last_time=a.id in history.third_last_time,
        )
        for a in attendees
    ]


def neighbours() -> dict[str, Collection[str]]:
    return {key: region.neighbours for key, region in get_taxonomy().regions.items()}


async def coordinator_pairs() -> list[tuple[int, int]]:
    """The coordinators' keep-apart pairs, without the attendees' private blocks."""
    return [(k.attendee_a_id, k.attendee_b_id) for k in await KeepApart.all()]


async def kept_apart_pairs() -> list[tuple[int, int]]:
    """The coordinators' keep-apart pairs and the attendees' private blocks (either way round:
    the engine treats a pair as unordered). Blocks are only read here, never shown."""
    pairs = await coordinator_pairs()
    blocks = await AttendeeBlock.all().values_list("attendee_id", "blocked_id")
    for a, b in blocks:
        pair = (min(int(a), int(b)), max(int(a), int(b)))
        if pair not in pairs and pair[::-1] not in pairs:
            pairs.append(pair)
    return pairs


def explanation_of(group: Any) -> dict[str, Any]:
    """What is stored with a group: the introduction and the round page read it back."""
    return {"meeting": group.meeting, "pinned": group.pinned, "links": jsonable(group.links)}


def unmatched_details(
    plan: RoundPlan,
    profiles: Sequence[Profile],
    *,
    today: date,
    kept_apart: Sequence[tuple[int, int]],
    excluded: set[int],
) -> list[dict[str, Any]]:
    """Each unmatched person with the engine's reason and which hard rules left them out."""
    by_id = {p.id: p for p in profiles}
    available = [p for p in profiles if p.id not in excluded]
    out: list[dict[str, Any]] = []
    for left in plan.unmatched:
        entry: dict[str, Any] = {"person": left.person, "reason": left.reason}
        if left.reason != "excluded":
            detail = explain_unmatched(
                by_id[left.person],
                [p for p in available if p.id != left.person],
                today=today,
                neighbours=neighbours(),
                kept_apart=kept_apart,
                rules=plan.rules,
            )
            entry.update(jsonable(detail))
        out.append(entry)
    return out


async def _draft_for(period: str) -> Round:
    """The month's one round, created as an unplanned draft (version 0) if there is none."""
    for _ in range(2):
        rnd = await Round.get_or_none(period=period)
        if rnd is None:
            try:
                return await Round.create(period=period, version=0, created_at=clock.now())
            except IntegrityError:
                continue  # planned at the same moment elsewhere: take that one
        if rnd.status is RoundStatus.PUBLISHED:
            raise RoundPublished(f"the round of {period} is already published")
        return rnd
    raise Conflict(f"the round of {period} could not be created; try again")


async def propose_round(
    settings: Settings,
    period: str,
    *,
    coordinator: Coordinator | None = None,
    actor: str | None = None,
) -> tuple[Round, RoundPlan]:
    """Plan the month's draft, or plan it again: its groups are replaced and the version
    before is kept for the diff. A published month is refused."""
    period = check_period(period, local_today(settings))
    rnd = await _draft_for(period)
    today = local_today(settings)
    everyone = await Attendee.filter(status=AttendeeStatus.ACTIVE).order_by("id")
    # Whose consent is of an older text is left out until they agree to the new one.
    renewal = await needing_renewal({a.id for a in everyone})
    attendees = [a for a in everyone if a.id not in renewal]
    active_ids = {a.id for a in attendees}
    excluded = {
        e.attendee_id for e in await RoundExclusion.filter(round=rnd) if e.attendee_id in active_ids
    }
    pins = [(p.attendee_a_id, p.attendee_b_id) for p in await RoundPin.filter(round=rnd)]
    apart = await kept_apart_pairs()
    profiles = profiles_of(attendees, await load_history())
    rules = PRESETS.get(rnd.preset, PRESETS["balanced"])
    plan = plan_round(
        profiles,
        today=today,
        neighbours=neighbours(),
        kept_apart=apart,
        pins=pins,
        excluded=excluded,
        rules=rules,
    )
    stats = {
        **jsonable(plan.stats),
        "preset": rnd.preset,
        "unmatched_people": unmatched_details(
            plan, profiles, today=today, kept_apart=apart, excluded=excluded
        )
        + [{"person": person, "reason": RENEWAL_REASON} for person in sorted(renewal)],
        "rejected_pins": jsonable(plan.rejected_pins),
    }
    async with in_transaction():
        before = await current_groups(rnd.id)
        previous = (
            {
                "version": rnd.version,
                "groups": before,
                "stats": {k: rnd.stats.get(k) for k in _SUMMARY},
            }
            if rnd.version > 0
            else None
        )
        # The version is the lock: of two plans of one draft at once, one is stored.
        claimed = await Round.filter(
            id=rnd.id, status=RoundStatus.DRAFT, version=rnd.version
        ).update(version=rnd.version + 1, stats=stats, previous=previous, planned_at=clock.now())
        if claimed:
            await store_groups(
                rnd.id,
                [[int(m) for m in g.members] for g in plan.groups],
                scores=[g.score for g in plan.groups],
                explanations=[explanation_of(g) for g in plan.groups],
                replace=True,
            )
            await record(
                "round.plan",
                coordinator=coordinator,
                actor=actor,
                subject=f"round:{rnd.id}",
                details={"period": period, "version": rnd.version + 1, "groups": len(plan.groups)},
            )
    fresh = await Round.get(id=rnd.id)
    if fresh.status is RoundStatus.PUBLISHED:
        raise RoundPublished(f"the round of {period} is already published")
    return fresh, plan


async def create_round(period: str, groups: Sequence[Sequence[int]]) -> Round:
    """Store a draft round with groups chosen by hand (demo data and tests), each explained
    as the planner would; the coordinators' drafts come from :func:`propose_round`."""
    ids = {a for g in groups for a in g}
    attendees = {a.id: a for a in await Attendee.filter(id__in=list(ids))}
    history = await load_history()
    today = clock.now().date()
    explanations = [
        explanation_of(
            explain_group(
                profiles_of([attendees[a] for a in group], history),
                today=today,
                neighbours=neighbours(),
            )
        )
        for group in groups
    ]
    async with in_transaction():
        rnd = await Round.create(period=period, created_at=clock.now(), planned_at=clock.now())
        await store_groups(rnd.id, groups, explanations=explanations)
    return rnd
