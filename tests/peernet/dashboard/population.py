"""A small network built by hand, with every figure of the dashboard and the results page
worked out below (the clock stands at 12 November 2026, 17:30 in Amsterdam)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from peernet import clock
from peernet.attendees.models import Attendee, AttendeeStatus, Signup
from peernet.feedback.models import MatchFeedback, MeetingAnswer
from peernet.outbox.models import OutboxStatus
from peernet.rounds.models import Match, MatchMember, Round
from peernet.rounds.planning import create_round
from peernet.rounds.publishing import publish_round
from peernet.settings import Settings
from tests.peernet.factories import an_attendee, an_event
from tests.peernet.outbox.messages import an_outbox_message


@dataclass(frozen=True)
class Network:
    anouk: Attendee
    ruud: Attendee
    bram: Attendee
    gijs: Attendee
    october: Round
    november: Round


async def _confirmed(attendee: Attendee, moment: datetime | None) -> None:
    await Attendee.filter(id=attendee.id).update(confirmed_at=moment)


async def _answer(
    rnd: Round, attendee: Attendee, answer: MeetingAnswer, rating: int | None = None
) -> None:
    match_id = await MatchMember.get(
        match_id__in=await Match.filter(round_id=rnd.id).values_list("id", flat=True),
        attendee_id=attendee.id,
    ).values_list("match_id", flat=True)
    await MatchFeedback.create(
        match_id=match_id,
        attendee_id=attendee.id,
        answer=answer,
        rating=rating,
        answered_at=clock.now(),
    )


async def _signup(attendee: Attendee, number: int, *, expired: bool, confirmed: bool) -> None:
    now = clock.now()
    event = await an_event(f"event-{number}")
    await Signup.create(
        attendee=attendee,
        event=event,
        details={},
        channel="form",
        consent_version="test",
        locale="nl",
        token_hash=f"{number:064d}",
        created_at=now - timedelta(days=1),
        expires_at=now - timedelta(hours=1) if expired else now + timedelta(days=6),
        confirmed_at=now if confirmed else None,
    )


async def a_small_network(settings: Settings) -> Network:
    """Four active people in three disciplines, one paused, one pending, one who left;
    two published rounds and a draft; two undelivered emails; one sign-up waiting."""
    anouk = await an_attendee(
        organisation="Gemeente Utrecht",
        expertise=["local_policy_network"],
        gaps=["conversation_skills"],
    )
    ruud = await an_attendee(
        "Ruud van 't Hoff",
        organisation="Politie Midden-Nederland",
        role="community_police_officer",
        expertise=["conversation_skills", "signalling_assessment"],
        gaps=["local_policy_network"],
    )
    bram = await an_attendee(
        "Bram Smit",
        organisation="Jongerenwerk Rotterdam",
        role="youth_worker",
        region="rotterdam",
        expertise=["conversation_skills"],
        gaps=["polarisation", "online_radicalisation"],
    )
    # The same organisation as Bram, typed differently.
    gijs = await an_attendee(
        "Gijs Bakker",
        organisation="  jongerenwerk   ROTTERDAM ",
        role="youth_worker",
        region="rotterdam",
        expertise=[],
        gaps=[],
    )
    # Not active: counted by status, never in the themes.
    dewi = await an_attendee(
        "Dewi Jansen",
        role="teacher",
        region="rotterdam",
        status=AttendeeStatus.PAUSED,
        gaps=["polarisation"],
    )
    eva = await an_attendee(
        "Eva Visser", role="teacher", region="amsterdam", status=AttendeeStatus.PENDING
    )
    fleur = await an_attendee(
        "Fleur de Boer", role="youth_worker", region="amsterdam", status=AttendeeStatus.LEFT
    )
    await _confirmed(anouk, datetime(2026, 9, 10, 9, 0, tzinfo=UTC))
    await _confirmed(dewi, datetime(2026, 9, 20, 9, 0, tzinfo=UTC))
    # 30 September 22:30 UTC is 1 October 00:30 in Amsterdam: an October confirmation.
    await _confirmed(fleur, datetime(2026, 9, 30, 22, 30, tzinfo=UTC))
    await _confirmed(gijs, datetime(2026, 10, 15, 9, 0, tzinfo=UTC))
    await _confirmed(ruud, datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    await _confirmed(bram, datetime(2026, 11, 5, 9, 0, tzinfo=UTC))
    await _confirmed(eva, None)

    # Gijs was a teacher when October was published (publishing keeps every group across
    # disciplines); he has since moved to youth work, as Bram, whom he met then.
    await Attendee.filter(id=gijs.id).update(role="teacher")
    october = await create_round("2026-10", [[anouk.id, ruud.id], [bram.id, gijs.id]])
    await publish_round(settings, october.id)
    await Attendee.filter(id=gijs.id).update(role="youth_worker")
    november = await create_round("2026-11", [[anouk.id, bram.id], [ruud.id, gijs.id]])
    await publish_round(settings, november.id)
    draft = await create_round("2026-12", [[anouk.id, ruud.id], [bram.id, gijs.id]])
    assert draft.status == "draft"

    await _answer(october, anouk, MeetingAnswer.MET, 4)
    await _answer(october, ruud, MeetingAnswer.MET, 5)
    await _answer(october, bram, MeetingAnswer.REMATCH)
    await _answer(october, gijs, MeetingAnswer.MET)
    await _answer(november, bram, MeetingAnswer.MET, 3)
    await _answer(november, gijs, MeetingAnswer.NOT_YET)

    await an_outbox_message("a@example.org")
    await an_outbox_message("b@example.org", status=OutboxStatus.FAILED)
    await an_outbox_message("c@example.org", status=OutboxStatus.SENT)
    await an_outbox_message("d@example.org", kind="dead_letter_digest")
    await an_outbox_message("e@example.org", last_error="unsubscribed")

    await _signup(eva, 1, expired=False, confirmed=False)
    await _signup(eva, 2, expired=True, confirmed=False)
    await _signup(anouk, 3, expired=False, confirmed=True)
    return Network(anouk, ruud, bram, gijs, october, november)
