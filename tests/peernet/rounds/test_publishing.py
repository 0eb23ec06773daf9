"""Publishing: exactly once, for the people who are still in at that moment."""

from __future__ import annotations

import asyncio
import gc
from datetime import date

import pytest

from peernet.attendees.consents import CONSENT_TEXTS, ConsentText, current_version, record_consent
from peernet.attendees.models import Attendee, AttendeeBlock, AttendeeStatus, Consent
from peernet.attendees.subscription import pause, unsubscribe
from peernet.audit.models import AuditEntry
from peernet.outbox.models import OutboxMessage
from peernet.rounds.adjustments import keep_apart
from peernet.rounds.models import (
    KeepApart,
    Match,
    MatchMember,
    Round,
    RoundExclusion,
    RoundStatus,
)
from peernet.rounds.planning import RoundPublished, create_round, propose_round
from peernet.rounds.publishing import publish_round
from peernet.settings import Settings
from tests.peernet.conftest import Clock
from tests.peernet.factories import a_coordinator, a_pair, an_attendee

pytestmark = pytest.mark.usefixtures("empty_db", "frozen_clock")


async def four() -> list[Attendee]:
    """Two pairs that could also be paired the other way round."""
    anouk, ruud = await a_pair()
    elif_ = await an_attendee(
        "Elif Yılmaz",
        email="elif@example.org",
        role="teacher",
        expertise=["conversation_skills"],
        gaps=["local_policy_network"],
    )
    bram = await an_attendee(
        "Bram Smit",
        role="youth_worker",
        expertise=["local_policy_network"],
        gaps=["conversation_skills"],
    )
    return [anouk, ruud, elif_, bram]


async def groups_of(round_id: int) -> list[set[int]]:
    out: dict[int, set[int]] = {}
    for m in await MatchMember.filter(match__round_id=round_id):
        out.setdefault(m.match_id, set()).add(m.attendee_id)
    return list(out.values())


async def introduced() -> list[str]:
    return sorted(
        m.recipient_email for m in await OutboxMessage.filter(kind="introduction").order_by("id")
    )


async def test_publishing_introduces_every_member_once_and_logs_who_did_it(
    settings: Settings,
) -> None:
    people = await four()
    carla = await a_coordinator()
    rnd, _ = await propose_round(settings, "2026-12")
    outcome = await publish_round(settings, rnd.id, coordinator=carla)
    assert outcome.introductions == 4 and outcome.groups == 2
    assert outcome.dropped == () and outcome.told_unmatched == ()
    assert await introduced() == sorted(p.email for p in people)
    published = await Round.get(id=rnd.id)
    assert published.status is RoundStatus.PUBLISHED and published.published_at is not None
    entry = await AuditEntry.get(action="round.publish")
    assert (entry.coordinator_id, entry.subject) == (carla.id, f"round:{rnd.id}")
    for match in await Match.filter(round_id=rnd.id):
        assert match.introduced_at is not None and match.nudge_met_due_at is not None


async def test_publishing_twice_is_refused_and_sends_nothing_more(settings: Settings) -> None:
    await four()
    rnd, _ = await propose_round(settings, "2026-12")
    await publish_round(settings, rnd.id)
    with pytest.raises(RoundPublished) as again:
        await publish_round(settings, rnd.id)
    assert again.value.message == "the round of 2026-12 is already published"
    assert await OutboxMessage.filter(kind="introduction").count() == 4


async def test_eight_publishers_at_once_send_one_set_of_introductions(
    settings: Settings,
) -> None:
    await four()
    rnd, _ = await propose_round(settings, "2026-12")
    results = await asyncio.gather(
        *(publish_round(settings, rnd.id) for _ in range(8)), return_exceptions=True
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1
    assert all(isinstance(r, RoundPublished) for r in lost), lost
    assert await OutboxMessage.filter(kind="introduction").count() == 4
    nudged = await Match.filter(round_id=rnd.id, nudge_met_due_at__isnull=False).count()
    assert nudged == 2


@pytest.mark.parametrize(
    "leaves", ["unsubscribe", "pause", "exclude", "withdraw_consent", "new_consent_text"]
)
async def test_whoever_dropped_out_since_the_draft_gets_nothing_and_the_partners_are_regrouped(
    settings: Settings, leaves: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await four()
    rnd, _ = await propose_round(settings, "2026-12")
    by_id = {p.id: p for p in people}
    first = sorted(await groups_of(rnd.id), key=min)[0]
    gone = by_id[min(first)]
    if leaves == "unsubscribe":
        await unsubscribe(gone.id)
    elif leaves == "pause":
        await pause(gone.id, "1")
    elif leaves == "exclude":
        await RoundExclusion.create(round_id=rnd.id, attendee_id=gone.id, created_at=rnd.created_at)
    elif leaves == "new_consent_text":
        # They agreed to the text of the time; a new one is published before the round is.
        await record_consent(
            gone,
            version=current_version(),
            locale="nl",
            channel="test",
            given_at=rnd.created_at,
            confirmed_at=rnd.created_at,
        )
        monkeypatch.setitem(
            CONSENT_TEXTS,
            "2099-01-1",
            ConsentText("2099-01-1", date(2099, 1, 1), {"nl": "Nieuw", "en": "New"}),
        )
    else:
        await Consent.create(
            attendee=gone,
            purpose="matching_and_email",
            text_version="x",
            locale="nl",
            channel="test",
            given_at=rnd.created_at,
            confirmed_at=rnd.created_at,
            withdrawn_at=rnd.created_at,
        )
    outcome = await publish_round(settings, rnd.id)
    assert outcome.dropped == (gone.id,)
    assert gone.email not in await introduced()
    # The partner left alone and the person left over after that make a new group only if
    # the rules allow; either way everyone still in is introduced or told.
    still_in = {p.id for p in people} - {gone.id}
    grouped = {a for g in await groups_of(rnd.id) for a in g}
    assert grouped | set(outcome.told_unmatched) == still_in
    assert not grouped & set(outcome.told_unmatched)
    assert gone.id not in grouped


async def test_a_partner_left_alone_is_regrouped_with_another_left_alone(
    settings: Settings,
) -> None:
    anouk, ruud, elif_, bram = await four()
    # Two pairs by hand: Anouk with Ruud, Elif with Bram; Ruud and Bram then leave.
    rnd = await create_round("2026-12", [[anouk.id, ruud.id], [elif_.id, bram.id]])
    await unsubscribe(ruud.id)
    await unsubscribe(bram.id)
    outcome = await publish_round(settings, rnd.id)
    assert set(outcome.dropped) == {ruud.id, bram.id}
    assert outcome.regrouped == ((anouk.id, elif_.id),) or outcome.regrouped == (
        (elif_.id, anouk.id),
    )
    assert await groups_of(rnd.id) == [{anouk.id, elif_.id}]
    assert await introduced() == sorted([anouk.email, elif_.email])
    new = await Match.get(round_id=rnd.id)
    assert new.explanation["links"][0]["a"] in (anouk.id, elif_.id)


async def test_a_trio_that_loses_one_member_goes_on_as_a_pair(settings: Settings) -> None:
    anouk, ruud, elif_, _ = await four()
    rnd = await create_round("2026-12", [[anouk.id, ruud.id, elif_.id]])
    await pause(elif_.id, "3")
    outcome = await publish_round(settings, rnd.id)
    assert outcome.dropped == (elif_.id,)
    match = await Match.get(round_id=rnd.id)
    assert [(x["a"], x["b"]) for x in match.explanation["links"]] == [(anouk.id, ruud.id)]
    to_anouk = await OutboxMessage.get(kind="introduction", recipient_email=anouk.email)
    assert "Elif" not in to_anouk.text
    assert "Ruud van 't Hoff" in to_anouk.text


async def test_someone_who_left_and_paused_is_not_introduced_even_if_the_attendee_row_is_gone(
    settings: Settings, frozen_clock: Clock
) -> None:
    anouk, ruud, elif_, bram = await four()
    rnd = await create_round("2026-12", [[anouk.id, ruud.id], [elif_.id, bram.id]])
    await Attendee.filter(id=ruud.id).delete()  # erased between draft and publish
    outcome = await publish_round(settings, rnd.id)
    assert ruud.email not in await introduced()
    assert anouk.id in {a for g in await groups_of(rnd.id) for a in g} | set(outcome.told_unmatched)
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ACTIVE


async def test_whoever_the_plan_leaves_out_is_told_why_and_what_would_help(
    settings: Settings,
) -> None:
    await four()
    shanti = await an_attendee(
        "Shanti Martina",
        email="shanti@example.org",
        role="social_worker",
        region="limburg",
        languages=["pap"],
        meeting_preference="in_person",
    )
    rnd, _ = await propose_round(settings, "2026-12")
    assert [e["person"] for e in rnd.stats["unmatched_people"]] == [shanti.id]
    assert rnd.stats["unmatched_people"][0]["main_rule"] == "no_shared_language"
    outcome = await publish_round(settings, rnd.id)
    assert outcome.told_unmatched == (shanti.id,)
    note = await OutboxMessage.get(kind="unmatched", recipient_email=shanti.email)
    text = " ".join(note.text.split())
    assert "december 2026" in text
    assert "spreken geen taal die jij ook spreekt (Papiaments)" in text
    assert "Kun je ook online afspreken?" in text
    assert "Volgende maand krijg je voorrang." in text
    # Publishing is once: the note too.
    with pytest.raises(RoundPublished):
        await publish_round(settings, rnd.id)
    assert await OutboxMessage.filter(kind="unmatched").count() == 1


async def test_someone_taken_out_of_the_round_gets_no_note(settings: Settings) -> None:
    people = await four()
    rnd, _ = await propose_round(settings, "2026-12")
    await RoundExclusion.create(
        round_id=rnd.id, attendee_id=people[0].id, created_at=rnd.created_at
    )
    rnd, _ = await propose_round(settings, "2026-12")
    assert [e["reason"] for e in rnd.stats["unmatched_people"]] == ["excluded"]
    outcome = await publish_round(settings, rnd.id)
    assert people[0].id not in outcome.told_unmatched
    assert not await OutboxMessage.filter(recipient_email=people[0].email).exists()


async def test_a_partner_left_alone_may_be_grouped_with_someone_the_plan_left_out(
    settings: Settings,
) -> None:
    anouk, ruud = await a_pair()
    # Elif is police too, like Ruud: never with him, so no trio; one of the two is left out.
    elif_ = await an_attendee("Elif Yılmaz", email="elif@example.org", role="youth_police_officer")
    rnd, _ = await propose_round(settings, "2026-12")
    (pair,) = await groups_of(rnd.id)
    assert anouk.id in pair
    left_out = ({ruud.id, elif_.id} - pair).pop()
    gone = (pair - {anouk.id}).pop()
    await unsubscribe(gone)
    outcome = await publish_round(settings, rnd.id)
    assert outcome.dropped == (gone,)
    assert sorted(outcome.regrouped[0]) == sorted((anouk.id, left_out))
    assert outcome.told_unmatched == ()
    assert await introduced() == sorted(
        a.email for a in (anouk, ruud, elif_) if a.id in (anouk.id, left_out)
    )


async def test_only_the_introduced_are_marked_active_and_only_their_groups_get_due_dates(
    settings: Settings, frozen_clock: Clock
) -> None:
    anouk, ruud, elif_, bram = await four()
    other = await create_round("2027-01", [[elif_.id, bram.id]])  # another draft
    rnd = await create_round("2026-12", [[anouk.id, ruud.id], [elif_.id, bram.id]])
    await pause(bram.id, "1")
    outcome = await publish_round(settings, rnd.id)
    introduced_ids = {a for g in await groups_of(rnd.id) for a in g}
    assert bram.id in outcome.dropped and bram.id not in introduced_ids
    for person in await Attendee.filter(id__in=[anouk.id, ruud.id, elif_.id, bram.id]):
        expected = frozen_clock() if person.id in introduced_ids else None
        assert person.last_active_at == expected, person.name
    published = await Match.filter(round_id=rnd.id)
    assert published and all(m.nudge_met_due_at and m.feedback_due_at for m in published)
    draft = await Match.filter(round_id=other.id)
    assert draft and all(m.introduced_at is None and m.nudge_met_due_at is None for m in draft)


@pytest.mark.parametrize("collecting", [True, False])
async def test_publishing_leaves_the_cycle_collector_as_it_found_it(
    settings: Settings, collecting: bool
) -> None:
    # It is paused while the introductions are made, on success and on failure alike.
    await four()
    rnd, _ = await propose_round(settings, "2026-12")
    was = gc.isenabled()
    try:
        gc.enable() if collecting else gc.disable()
        await publish_round(settings, rnd.id)
        assert gc.isenabled() is collecting
        with pytest.raises(RoundPublished):
            await publish_round(settings, rnd.id)
        assert gc.isenabled() is collecting
    finally:
        gc.enable() if was else gc.disable()


async def three_pairs() -> list[Attendee]:
    """Six people of six disciplines, each the other's best match in one pair only: Anouk
    with Ruud, Elif with Bram, Zeynep with Mark."""

    async def one(name: str, role: str, knows: str, asks: str) -> Attendee:
        email = f"{name.split()[0].lower()}@example.org"
        return await an_attendee(name, email=email, role=role, expertise=[knows], gaps=[asks])

    return [
        await one("Anouk de Vries", "municipal_policy_officer", "polarisation", "family_approach"),
        await one("Ruud Bakker", "community_police_officer", "family_approach", "polarisation"),
        await one("Elif Yilmaz", "teacher", "case_conference", "escalation_referral"),
        await one("Bram Smit", "youth_worker", "escalation_referral", "case_conference"),
        await one(
            "Zeynep Kaya", "youth_care_worker", "online_radicalisation", "triggers_breeding_ground"
        ),
        await one(
            "Mark Jansen",
            "community_key_figure",
            "triggers_breeding_ground",
            "online_radicalisation",
        ),
    ]


def pairs_in(groups: list[set[int]]) -> set[frozenset[int]]:
    return {frozenset((a, b)) for g in groups for a in g for b in g if a < b}


async def test_an_older_draft_published_after_a_newer_one_repeats_no_pair_and_keeps_apart(
    settings: Settings,
) -> None:
    people = await three_pairs()
    everyone = {p.id for p in people}
    # The later month is planned first; then this month is planned, adjusted and published.
    later, _ = await propose_round(settings, "2026-12")
    this, _ = await propose_round(settings, "2026-11")
    anouk_ruud = {people[0].id, people[1].id}
    assert anouk_ruud in await groups_of(later.id)
    assert anouk_ruud in await groups_of(this.id)
    await keep_apart(settings, this.id, *sorted(anouk_ruud), coordinator=None)
    await publish_round(settings, this.id)
    published = pairs_in(await groups_of(this.id))
    assert frozenset(anouk_ruud) not in published
    # The older draft still holds the pair kept apart and a pair published since.
    assert pairs_in(await groups_of(later.id)) & published

    outcome = await publish_round(settings, later.id)

    groups = await groups_of(later.id)
    assert not pairs_in(groups) & published
    assert frozenset(anouk_ruud) not in pairs_in(groups)
    grouped = {a for g in groups for a in g}
    assert grouped | set(outcome.told_unmatched) == everyone
    assert not grouped & set(outcome.told_unmatched)
    assert anouk_ruud in [set(g) for g in outcome.dissolved]
    assert len(outcome.dissolved) >= 2  # the pair kept apart and at least one repeat
    assert outcome.groups == len(groups)
    intros = await OutboxMessage.filter(kind="introduction")
    assert len(intros) == 6 + len(grouped)  # this month's six, then only the regrouped
    stats = (await Round.get(id=later.id)).stats["published"]
    assert {d["rule"] for d in stats["dissolved"]} == {"kept_apart", "repeat"}
    assert [set(d["members"]) for d in stats["dissolved"]] == [set(g) for g in outcome.dissolved]
    entry = await AuditEntry.get(action="round.publish", subject=f"round:{later.id}")
    assert len(entry.details["dissolved"]) == len(outcome.dissolved)


@pytest.mark.parametrize("by", ["coordinator", "block"])
async def test_two_people_kept_apart_after_planning_are_not_introduced_to_each_other(
    settings: Settings, by: str
) -> None:
    anouk, ruud, elif_, bram = await four()
    rnd = await create_round("2026-12", [[anouk.id, ruud.id], [elif_.id, bram.id]])
    if by == "coordinator":
        await KeepApart.create(
            attendee_a_id=anouk.id, attendee_b_id=ruud.id, created_at=rnd.created_at
        )
    else:
        await AttendeeBlock.create(
            attendee_id=ruud.id, blocked_id=anouk.id, created_at=rnd.created_at
        )
    outcome = await publish_round(settings, rnd.id)
    assert outcome.dissolved == ((anouk.id, ruud.id),)
    # Alone together, and still kept apart: both are told, in the words of a partner who
    # could not take part (a block is never shown).
    assert outcome.regrouped == ()
    assert set(outcome.told_unmatched) == {anouk.id, ruud.id}
    assert await groups_of(rnd.id) == [{elif_.id, bram.id}]
    assert await introduced() == sorted([elif_.email, bram.email])
    notes = await OutboxMessage.filter(kind="unmatched")
    assert sorted(n.recipient_email for n in notes) == sorted([anouk.email, ruud.email])


async def test_a_dissolved_group_is_regrouped_with_others_left_alone(settings: Settings) -> None:
    anouk, ruud, elif_, bram = await four()
    rnd = await create_round("2026-12", [[anouk.id, ruud.id], [elif_.id, bram.id]])
    await KeepApart.create(attendee_a_id=anouk.id, attendee_b_id=ruud.id, created_at=rnd.created_at)
    await KeepApart.create(attendee_a_id=elif_.id, attendee_b_id=bram.id, created_at=rnd.created_at)
    outcome = await publish_round(settings, rnd.id)
    assert len(outcome.dissolved) == 2
    assert outcome.told_unmatched == ()
    assert sorted(map(sorted, await groups_of(rnd.id))) in (
        sorted([sorted([anouk.id, elif_.id]), sorted([ruud.id, bram.id])]),
        sorted([sorted([anouk.id, bram.id]), sorted([ruud.id, elif_.id])]),
    )


async def test_a_fresh_draft_is_published_as_planned(settings: Settings) -> None:
    await four()
    rnd, _ = await propose_round(settings, "2026-12")
    planned = await groups_of(rnd.id)
    outcome = await publish_round(settings, rnd.id)
    assert await groups_of(rnd.id) == planned
    assert outcome.dissolved == () and outcome.regrouped == () and outcome.told_unmatched == ()
    assert (await Round.get(id=rnd.id)).stats["published"]["dissolved"] == []


async def test_a_changed_plan_is_stated_again_as_sent(settings: Settings) -> None:
    people = await four()
    rnd, _ = await propose_round(settings, "2026-12")
    planned = (await Round.get(id=rnd.id)).stats
    assert (planned["people"], planned["pairs"], planned["unmatched"]) == (4, 2, 0)
    first = sorted(await groups_of(rnd.id), key=min)[0]
    gone = min(first)
    await pause(gone, "1")
    outcome = await publish_round(settings, rnd.id)
    published = (await Round.get(id=rnd.id)).stats["published"]
    assert published["changed"] is True
    figures = published["figures"]
    grouped = {a for g in await groups_of(rnd.id) for a in g}
    # Whoever paused is out; the partner left alone is regrouped or told.
    assert figures["people"] == 3 == len(grouped) + len(outcome.told_unmatched)
    assert (figures["groups"], figures["unmatched"]) == (
        len(await groups_of(rnd.id)),
        len(outcome.told_unmatched),
    )
    assert [t["person"] for t in published["told"]] == list(outcome.told_unmatched)
    assert {t["reason"] for t in published["told"]} <= {"partner_left"}
    # The plan's own figures stay as they were (for the diff between versions).
    assert (await Round.get(id=rnd.id)).stats["people"] == 4
    assert all(0.0 <= figures[k] <= 1.0 for k in figures if k.startswith("share"))
    assert {p.id for p in people} - {gone} == grouped | set(outcome.told_unmatched)


async def test_a_plan_published_as_planned_keeps_its_figures(settings: Settings) -> None:
    await four()
    rnd, _ = await propose_round(settings, "2026-12")
    await publish_round(settings, rnd.id)
    published = (await Round.get(id=rnd.id)).stats["published"]
    assert published["changed"] is False
    assert "figures" not in published and "told" not in published


@pytest.mark.parametrize(
    ("period", "dutch", "english", "nudged_on"),
    [
        # Published on 12 November.
        ("2026-11", "je intervisiepartner deze maand", "your peer this month", date(2026, 11, 26)),
        # Ahead of its month: named, and the nudges count from 1 December.
        ("2026-12", "voor december 2026", "for December 2026", date(2026, 12, 15)),
    ],
)
async def test_a_round_published_ahead_names_its_month_and_nudges_in_it(
    settings: Settings, period: str, dutch: str, english: str, nudged_on: date
) -> None:
    anouk, ruud = await a_pair()
    rnd = await create_round(period, [[anouk.id, ruud.id]])
    await publish_round(settings, rnd.id)
    to_anouk = await OutboxMessage.get(kind="introduction", recipient_email=anouk.email)
    to_ruud = await OutboxMessage.get(kind="introduction", recipient_email=ruud.email)
    assert dutch in to_anouk.subject + " ".join(to_anouk.text.split())
    assert english in to_ruud.subject + " ".join(to_ruud.text.split())
    match = await Match.get(round_id=rnd.id)
    assert match.nudge_met_due_at is not None
    assert match.nudge_met_due_at.astimezone(settings.timezone).date() == nudged_on
