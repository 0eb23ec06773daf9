from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from peernet.attendees.models import AttendeeStatus
from peernet.audit.models import AuditEntry
from peernet.errors import FieldErrors
from peernet.feedback.models import MatchFeedback, MeetingAnswer
from peernet.rounds.models import Match, MatchMember, Round, RoundStatus
from peernet.rounds.planning import RoundPublished, check_period, load_history, propose_round
from peernet.rounds.publishing import publish_round
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


async def groups(round_id: int | None = None) -> list[set[int]]:
    out: dict[int, set[int]] = {}
    query = MatchMember.all() if round_id is None else MatchMember.filter(match__round_id=round_id)
    for m in await query:
        out.setdefault(m.match_id, set()).add(m.attendee_id)
    return list(out.values())


async def test_a_proposed_round_groups_everyone_active_across_disciplines(
    settings: Settings,
) -> None:
    ids = await population()
    await an_attendee("Op pauze", role="teacher", status=AttendeeStatus.PAUSED)
    await an_attendee("Nog niet bevestigd", role="youth_worker", status=AttendeeStatus.PENDING)
    rnd, _ = await propose_round(settings, "2026-12")
    assert (rnd.status, rnd.version) == (RoundStatus.DRAFT, 1)
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
    assert match.explanation["pinned"] is False


async def test_planning_a_month_again_recomputes_its_one_draft_and_keeps_the_diff(
    settings: Settings,
) -> None:
    await population()
    first, _ = await propose_round(settings, "2026-12")
    before = await groups(first.id)
    again, _ = await propose_round(settings, "2026-12")
    assert again.id == first.id
    assert await Round.all().count() == 1
    assert again.version == 2
    assert again.previous is not None
    assert again.previous["version"] == 1
    assert sorted(map(sorted, again.previous["groups"])) == sorted(map(sorted, before))
    assert again.previous["stats"]["people"] == 7
    assert await AuditEntry.filter(action="round.plan").count() == 2


async def test_two_plans_of_one_month_at_once_leave_one_draft_with_one_set_of_groups(
    settings: Settings,
) -> None:
    import asyncio

    await population()
    results = await asyncio.gather(
        *(propose_round(settings, "2027-01") for _ in range(4)), return_exceptions=True
    )
    assert all(not isinstance(r, BaseException) for r in results), results
    assert await Round.all().count() == 1
    found = await groups()
    people = [a for g in found for a in g]
    assert len(people) == len(set(people)) == 7  # nobody in two groups


async def test_the_next_round_never_repeats_a_pair_and_feedback_is_kept(
    settings: Settings, frozen_clock: Clock
) -> None:
    await population()
    first, _ = await propose_round(settings, "2026-11")
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
    second, plan = await propose_round(settings, "2026-12")
    after = {frozenset(g) for g in await groups(second.id)}
    pairs_before = {frozenset((a, b)) for g in before for a in g for b in g if a != b}
    pairs_after = {frozenset((a, b)) for g in after for a in g for b in g if a != b}
    assert not pairs_before & pairs_after
    assert plan.stats.repeats == 0


@pytest.mark.parametrize(
    ("period", "code"),
    [
        ("december", "invalid_period"),
        ("2026-13", "invalid_period"),
        ("2026-1", "invalid_period"),
        ("2026-10", "period_in_past"),
        ("2020-01", "period_in_past"),
        ("2030-01", "period_too_far"),
    ],
)
async def test_a_period_must_be_this_month_or_later(
    settings: Settings, period: str, code: str
) -> None:
    with pytest.raises(FieldErrors) as bad:
        await propose_round(settings, period)
    assert bad.value.errors == {"period": code}
    assert await Round.all().count() == 0


def test_a_round_may_be_planned_up_to_a_year_ahead() -> None:
    today = date(2026, 11, 15)
    assert check_period("2027-11", today) == "2027-11"
    with pytest.raises(FieldErrors) as bad:
        check_period("2027-12", today)
    assert bad.value.errors == {"period": "period_too_far"}


def test_this_month_counts_in_local_time() -> None:
    # 30 November 23:30 UTC is already December in Amsterdam.
    local = datetime(2026, 11, 30, 23, 30, tzinfo=UTC).astimezone(Settings({}).timezone)
    assert check_period("2026-12", local.date()) == "2026-12"
    with pytest.raises(FieldErrors):
        check_period("2026-11", local.date())


async def test_a_published_month_is_not_planned_again(settings: Settings) -> None:
    await population()
    rnd, _ = await propose_round(settings, "2026-12")
    await publish_round(settings, rnd.id)
    with pytest.raises(RoundPublished) as refused:
        await propose_round(settings, "2026-12")
    assert refused.value.status_code == 409
    assert await Round.all().count() == 1


async def test_the_history_reads_published_rounds_only_and_can_leave_one_out(
    settings: Settings,
) -> None:
    from tests.peernet.factories import a_pair, a_published_round

    anouk, ruud = await a_pair()
    rnd = await a_published_round(settings, [[anouk.id, ruud.id]])
    history = await load_history()
    assert [p.partner for p in history.past[anouk.id]] == [ruud.id]
    assert history.waited[anouk.id] == 0
    without = await load_history(leaving_out=rnd.id)
    assert anouk.id not in without.past and without.waited[anouk.id] == 0
    # A round whose groups are stored but which is not published yet does not count, even
    # while another transaction is about to publish it.
    await Round.filter(id=rnd.id).update(status=RoundStatus.DRAFT)
    assert anouk.id not in (await load_history()).past
