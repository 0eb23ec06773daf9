from __future__ import annotations

import pytest

from peernet.attendees.models import AttendeeStatus
from peernet.errors import Conflict, FieldErrors
from peernet.feedback.models import MatchFeedback, MeetingAnswer
from peernet.rounds.models import Match, MatchMember, RoundStatus
from peernet.rounds.planning import propose_round
from peernet.rounds.service import publish_round
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy
from tests.peernet.conftest import Clock
from tests.peernet.factories import an_attendee

pytestmark = pytest.mark.usefixtures("empty_db", "frozen_clock")

ROLES = [
    "teacher",
    "youth_worker",
    "community_police_officer",
    "social_team_worker",
    "municipal_policy_officer",
    "mental_health_professional",
    "community_key_figure",
]


async def population() -> list[int]:
    ids = []
    for n, role in enumerate(ROLES):
        person = await an_attendee(
            f"Persoon {n}",
            role=role,
            region="rotterdam" if n % 2 else "den_haag",
            expertise=["polarisation"] if n % 2 else ["family_approach"],
            gaps=["family_approach"] if n % 2 else ["polarisation"],
        )
        ids.append(person.id)
    return ids


async def groups() -> list[set[int]]:
    out: dict[int, set[int]] = {}
    for m in await MatchMember.all():
        out.setdefault(m.match_id, set()).add(m.attendee_id)
    return list(out.values())


async def test_a_proposed_round_groups_everyone_active_across_disciplines() -> None:
    ids = await population()
    await an_attendee("Op pauze", role="teacher", status=AttendeeStatus.PAUSED)
    await an_attendee("Nog niet bevestigd", role="youth_worker", status=AttendeeStatus.PENDING)
    rnd, _ = await propose_round("2026-12")
    assert rnd.status is RoundStatus.DRAFT
    found = await groups()
    assert sorted(len(g) for g in found) == [2, 2, 3]  # seven people: two pairs and a trio
    assert set().union(*found) == set(ids)
    taxonomy = get_taxonomy()
    roles = dict(zip(ids, ROLES, strict=True))
    for group in found:
        disciplines = [taxonomy.discipline_of(roles[a]) for a in group]
        assert len(set(disciplines)) == len(disciplines)
    assert rnd.stats["repeats"] == 0
    assert rnd.stats["people"] == 7
    assert 0 < rnd.stats["certificate"] <= 1
    match = await Match.all().first()
    assert match is not None and match.explanation["links"]


async def test_the_next_round_never_repeats_a_pair_and_feedback_is_kept(
    settings: Settings, frozen_clock: Clock
) -> None:
    await population()
    first, _ = await propose_round("2026-11")
    await publish_round(settings, first.id)
    before = {frozenset(g) for g in await groups()}
    a_match = await Match.all().first()
    assert a_match is not None
    member = await MatchMember.filter(match=a_match).first()
    assert member is not None
    await MatchFeedback.create(
        match=a_match,
        attendee_id=member.attendee_id,
        answer=MeetingAnswer.REMATCH,
        answered_at=frozen_clock.current,
    )
    second, plan = await propose_round("2026-12")
    after = {
        frozenset(m.attendee_id for m in await MatchMember.filter(match_id=match.id))
        for match in await Match.filter(round=second)
    }
    pairs_before = {frozenset((a, b)) for g in before for a in g for b in g if a != b}
    pairs_after = {frozenset((a, b)) for g in after for a in g for b in g if a != b}
    assert not pairs_before & pairs_after
    assert plan.stats.repeats == 0


async def test_a_period_must_be_a_month_and_a_published_one_is_not_planned_again(
    settings: Settings,
) -> None:
    with pytest.raises(FieldErrors) as bad:
        await propose_round("december")
    assert set(bad.value.errors) == {"period"}
    await population()
    rnd, _ = await propose_round("2026-12")
    await publish_round(settings, rnd.id)
    with pytest.raises(Conflict):
        await propose_round("2026-12")
