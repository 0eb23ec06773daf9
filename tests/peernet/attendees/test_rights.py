"""Export and erasure of one attendee's data, against what was stored."""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

import pytest
from tortoise import Tortoise

from notifications import DeliveryResult, DeliveryStatus, Message, OutgoingMessage
from peernet.attendees.consents import (
    ANNOUNCEMENTS,
    STATISTICS,
    consent_text,
    optional_consent,
    set_optional_consents,
)
from peernet.attendees.models import (
    Attendance,
    Attendee,
    AttendeeBlock,
    AttendeeStatus,
    Consent,
    ImportBatch,
    MagicLink,
    Signup,
)
from peernet.attendees.personal import request_link
from peernet.attendees.rights import (
    EMAIL_CHANGE_ACTION,
    FORMER_PARTICIPANT,
    cancel_queued_mail,
    erase_attendee,
    export_attendee,
)
from peernet.attendees.schemas import parse_signup
from peernet.attendees.service import confirm_signup, sign_up
from peernet.audit.models import AuditEntry
from peernet.audit.service import record
from peernet.feedback.models import MatchFeedback, MeetingAnswer
from peernet.feedback.nudges import queue_due_nudges
from peernet.outbox.digest import queue_dead_letter_digest
from peernet.outbox.dispatch import drain
from peernet.outbox.models import OutboxMessage, OutboxStatus
from peernet.outbox.undelivered import undelivered_page
from peernet.rounds.models import KeepApart, Match
from peernet.settings import Settings
from tests.peernet.conftest import Clock
from tests.peernet.factories import a_pair, a_published_round, an_attendee, an_event, signup_data
from tests.peernet.helpers import confirmation_token

pytestmark = pytest.mark.usefixtures("empty_db")


class RecordingTransport:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        self.sent.extend(m.as_email() if isinstance(m, OutgoingMessage) else m for m in messages)
        return [DeliveryResult(DeliveryStatus.SENT, "250 ok") for _ in messages]

    async def aclose(self) -> None:
        pass


@dataclass
class World:
    anouk: Attendee
    ruud: Attendee
    carla: Attendee
    match: Match


async def a_world(settings: Settings, frozen_clock: Clock) -> World:
    """Anouk signed up and confirmed, was paired with Ruud, has a pending introduction, a
    pending nudge, a dead message, feedback, a magic link, blocks, and is named in the audit
    log, an import report and a coordinators' digest."""
    event = await an_event()
    anouk, ruud = await a_pair()
    carla = await an_attendee("Carla Smit", email="carla@example.org")
    await sign_up(
        settings,
        event.slug,
        parse_signup(signup_data(name=anouk.name, email=anouk.email)),
        channel="form",
    )
    await confirm_signup(await confirmation_token(anouk.email))
    # A second sign-up, never confirmed: its details hold her profile.
    await sign_up(
        settings,
        event.slug,
        parse_signup(signup_data(name=anouk.name, email=anouk.email.upper())),
        channel="form",
    )
    await a_published_round(settings, [[anouk.id, ruud.id]])
    match = await Match.get()
    assert match.nudge_met_due_at is not None
    frozen_clock.set(match.nudge_met_due_at + timedelta(minutes=1))
    assert await queue_due_nudges(settings) == 2
    await OutboxMessage.create(
        idempotency_key=f"old:{anouk.email}",
        kind="confirmation",
        locale="nl",
        recipient_name=anouk.name,
        recipient_email=anouk.email,
        subject=f"Welkom {anouk.name}",
        text=f"Hoi {anouk.name}",
        html=f"<p>Hoi {html.escape(anouk.name)}</p>",
        message_id="<dead@peernet.test>",
        status=OutboxStatus.DEAD,
        next_attempt_at=frozen_clock.current,
        deadline_at=frozen_clock.current,
        last_error=f"452 mailbox of {anouk.email} full",
        created_at=frozen_clock.current,
    )
    assert await queue_dead_letter_digest(settings) == 1
    now = frozen_clock.current
    await MatchFeedback.create(
        match=match, attendee=anouk, answer=MeetingAnswer.MET, rating=4, answered_at=now
    )
    await MatchFeedback.create(
        match=match, attendee=ruud, answer=MeetingAnswer.MET, rating=2, answered_at=now
    )
    await MagicLink.create(
        attendee=anouk, token_hash="a" * 64, created_at=now, expires_at=now + timedelta(hours=1)
    )
    await AttendeeBlock.create(attendee=anouk, blocked=carla, created_at=now)
    await AttendeeBlock.create(attendee=ruud, blocked=anouk, created_at=now)
    await KeepApart.create(attendee_a_id=anouk.id, attendee_b_id=carla.id, created_at=now)
    await record("attendee.note", actor="cli", details={"who": anouk.name, "to": anouk.email})
    await ImportBatch.create(
        event=event,
        content_hash="b" * 64,
        report=[{"line": 2, "errors": {"email": f"{anouk.email} is known"}}],
        created_at=now,
    )
    return World(anouk, ruud, carla, match)


async def dump_everything() -> str:
    """Every row of every table, all columns, JSON included, as one lower-cased text."""
    parts: list[str] = []
    for model in Tortoise.apps["peernet"].values():
        for row in await model.all().values():
            parts.append(json.dumps(row, default=str, ensure_ascii=False))
    return "\n".join(parts).lower()


async def test_the_export_holds_the_text_of_each_optional_consent_given(
    settings: Settings, frozen_clock: Clock
) -> None:
    person = await an_attendee()
    await set_optional_consents(
        person.id, {ANNOUNCEMENTS, STATISTICS}, locale="en", channel="personal_page"
    )
    exported = await export_attendee(person.id)
    given = {c["purpose"]: c for c in exported["consents"]}
    for purpose in (ANNOUNCEMENTS, STATISTICS):
        assert given[purpose]["text_version"] == optional_consent(purpose).version
        # In the language it was given in, English here.
        assert given[purpose]["text"] == optional_consent(purpose).text("en")


async def test_the_export_holds_what_was_stored_and_nothing_of_anyone_else(
    settings: Settings, frozen_clock: Clock
) -> None:
    world = await a_world(settings, frozen_clock)
    exported = await export_attendee(world.anouk.id)
    text = json.dumps(exported)  # JSON-serialisable as it is

    assert exported["profile"]["email"] == world.anouk.email
    assert exported["profile"]["name"] == world.anouk.name
    assert exported["profile"]["last_active_at"] is not None
    consents = await Consent.filter(attendee_id=world.anouk.id)
    assert [c["text_version"] for c in exported["consents"]] == [c.text_version for c in consents]
    assert exported["consents"][0]["text"] == consent_text(consents[0].text_version, "nl")
    assert [e["event"]["title"] for e in exported["events_attended"]] == [
        "Terugkomdag OMEI Utrecht"
    ]
    assert len(exported["signups"]) == await Signup.filter(attendee_id=world.anouk.id).count() == 2
    assert [m["month"] for m in exported["matches"]] == ["2026-11"]
    assert exported["matches"][0]["partners"] == [world.ruud.name]
    assert exported["matches"][0]["reasons"]
    assert exported["feedback_given"] == [
        {
            "month": "2026-11",
            "answer": "met",
            "rating": 4,
            "answered_at": frozen_clock.current.isoformat(),
        }
    ]
    kinds = sorted(e["kind"] for e in exported["emails_sent_to_you"])
    assert kinds == ["confirmation", "confirmation", "confirmation", "introduction", "nudge_met"]
    assert exported["your_blocks"] == [
        {"blocked": world.carla.name, "created_at": frozen_clock.current.isoformat()}
    ]
    # The link made in the test, and one in each email to her (introduction, nudge).
    links = await MagicLink.filter(attendee_id=world.anouk.id)
    assert len(exported["personal_page_links"]) == len(links) == 3
    assert all(link.token_hash not in text for link in links)  # no token hash
    # Nothing of another attendee: Ruud's rating, Ruud's block of her, their addresses.
    assert '"rating": 2' not in text
    assert world.ruud.email not in text and world.carla.email not in text
    assert len(exported["your_blocks"]) == 1


async def test_erasure_leaves_no_trace_of_name_or_address_and_sends_her_nothing(
    settings: Settings, frozen_clock: Clock
) -> None:
    world = await a_world(settings, frozen_clock)
    anouk = world.anouk
    before = await dump_everything()
    assert anouk.email.lower() in before and anouk.name.lower() in before

    assert await erase_attendee(settings, anouk.id, actor="cli", reason="request") is True

    everything = await dump_everything()
    for trace in (anouk.name, anouk.email, html.escape(anouk.name), "anouk"):
        at = everything.find(trace.lower())
        assert at < 0, (trace, everything[max(0, at - 300) : at + 100])
    erased = await Attendee.get(id=anouk.id)
    assert erased.status is AttendeeStatus.ERASED
    assert erased.erased_at == frozen_clock.current
    assert erased.email == erased.email_normalized == f"erased-{anouk.id}@invalid"
    assert erased.role == "municipal_policy_officer" and erased.region == ""
    assert not await Signup.exists(attendee_id=anouk.id)
    assert not await MagicLink.exists(attendee_id=anouk.id)
    assert not await AttendeeBlock.exists()  # hers and the one about her
    assert not await KeepApart.exists()
    assert await Consent.filter(attendee_id=anouk.id, withdrawn_at__isnull=True).count() == 0
    assert await Attendance.exists(attendee_id=anouk.id)  # the event's count survives
    # The statistics: the pair's month, the two disciplines, her rating.
    feedback = await MatchFeedback.get(attendee_id=anouk.id)
    assert feedback.rating == 4

    # The worker sends nothing to her, now or when the nudges come due again.
    transport = RecordingTransport()
    frozen_clock.advance(timedelta(days=30))
    await queue_due_nudges(settings)
    await drain(settings, transport)
    recipients = {str(m["To"]) for m in transport.sent}
    assert any("ruud@example.org" in r for r in recipients)
    assert all(anouk.email not in r for r in recipients)
    assert all(anouk.name not in m.as_string() for m in transport.sent)
    # His nudge, queued before the erasure, now names her as a former participant.
    nudge = await OutboxMessage.get(kind="nudge_met", recipient_email=world.ruud.email)
    assert FORMER_PARTICIPANT in nudge.text

    # Ruud's history shows a former participant; his own feedback and data are intact.
    ruud = await export_attendee(world.ruud.id)
    assert ruud["matches"][0]["partners"] == [FORMER_PARTICIPANT]
    assert [f["rating"] for f in ruud["feedback_given"]] == [2]
    assert ruud["profile"]["email"] == world.ruud.email

    entry = await AuditEntry.get(action="attendee.erase")
    assert entry.subject == f"attendee:{anouk.id}"
    assert entry.details == {"reason": "request"} and entry.actor == "cli"


async def test_an_attendee_erased_twice_or_twice_at_once_is_erased_once(
    settings: Settings, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    results = await asyncio.gather(
        erase_attendee(settings, anouk.id, actor="cli", reason="request"),
        erase_attendee(settings, anouk.id, actor="cli", reason="request"),
    )
    assert sorted(results) == [False, True]
    assert await erase_attendee(settings, anouk.id, actor="cli", reason="request") is False
    assert await AuditEntry.filter(action="attendee.erase").count() == 1
    assert (await Attendee.get(id=ruud.id)).status is AttendeeStatus.ACTIVE


async def test_an_unknown_reason_is_refused_before_anything_changes(
    settings: Settings, frozen_clock: Clock
) -> None:
    anouk = await an_attendee()
    with pytest.raises(ValueError, match="reason"):
        await erase_attendee(settings, anouk.id, actor="cli", reason="she asked nicely")
    assert (await Attendee.get(id=anouk.id)).name == anouk.name


async def test_a_message_queued_in_a_race_with_the_erasure_is_never_sent(
    settings: Settings, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    intro = await OutboxMessage.get(recipient_email=anouk.email)
    await erase_attendee(settings, anouk.id, actor="cli", reason="request")
    # As if a job had read her row just before the erasure and written just after it.
    await OutboxMessage.create(
        idempotency_key="late",
        kind="nudge_met",
        locale="nl",
        recipient_name=anouk.name,
        recipient_email=anouk.email,
        subject="late",
        text="late",
        html="",
        headers=intro.headers,
        message_id="<late@peernet.test>",
        next_attempt_at=frozen_clock.current,
        deadline_at=frozen_clock.current + timedelta(days=1),
        created_at=frozen_clock.current,
    )
    transport = RecordingTransport()
    await drain(settings, transport)
    assert all(anouk.email not in str(m["To"]) for m in transport.sent)
    late = await OutboxMessage.get(idempotency_key__startswith="erased:")
    assert late.status is OutboxStatus.FAILED
    # Her erasure gave her a new public id: the link names nobody now, so it is scrubbed
    # without knowing whose it was.
    assert late.recipient_email.endswith("@invalid") and late.text == ""
    assert late.recipient_name == "" and late.headers == {}


async def test_cancelling_queued_mail_touches_only_hers(
    settings: Settings, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    assert await cancel_queued_mail(anouk.id, reason="unsubscribed") == 1
    assert await cancel_queued_mail(anouk.id, reason="unsubscribed") == 0
    hers = await OutboxMessage.get(recipient_email=anouk.email)
    assert hers.status is OutboxStatus.FAILED and hers.last_error == "unsubscribed"
    # Cancelled is not undelivered: the coordinators' list leaves it out.
    assert (await undelivered_page()).total == 0
    his = await OutboxMessage.get(recipient_email=ruud.email)
    assert his.status is OutboxStatus.PENDING


async def _an_address_change(attendee: Attendee, new_email: str) -> str:
    """What confirming a new address leaves behind (peernet.attendees.email_change)."""
    former = attendee.email
    await Attendee.filter(id=attendee.id).update(email=new_email, email_normalized=new_email)
    await record(
        EMAIL_CHANGE_ACTION,
        actor=f"attendee:{attendee.id}",
        subject=f"attendee:{attendee.id}",
        details={"former_email": former},
    )
    return former


async def test_unsubscribing_cancels_mail_queued_for_a_former_address_too(
    settings: Settings, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    former = await _an_address_change(anouk, "anouk@elsewhere.example")
    assert await cancel_queued_mail(anouk.id, reason="unsubscribed") == 1
    hers = await OutboxMessage.get(recipient_email=former)
    assert hers.status is OutboxStatus.FAILED and hers.last_error == "unsubscribed"


async def test_a_former_address_someone_else_signed_up_with_since_is_theirs(
    settings: Settings, frozen_clock: Clock
) -> None:
    anouk = await an_attendee()
    former = await _an_address_change(anouk, "anouk@elsewhere.example")
    carla = await an_attendee("Carla Smit", email=former)
    await request_link(settings, former)  # a link to her personal page
    assert (await export_attendee(anouk.id))["emails_sent_to_you"] == []
    assert await cancel_queued_mail(anouk.id, reason="unsubscribed") == 0
    assert await erase_attendee(settings, anouk.id, actor="cli", reason="request")
    theirs = await OutboxMessage.filter(recipient_email=former, status=OutboxStatus.PENDING)
    assert [m.recipient_name for m in theirs] == ["Carla Smit"]
    assert [m["kind"] for m in (await export_attendee(carla.id))["emails_sent_to_you"]] == [
        "magic_link"
    ]


async def test_a_nudge_queued_after_the_erasure_goes_to_the_partner_only(
    settings: Settings, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    await erase_attendee(settings, anouk.id, actor="cli", reason="request")
    match = await Match.get()
    assert match.nudge_met_due_at is not None
    frozen_clock.set(match.nudge_met_due_at)
    assert await queue_due_nudges(settings) == 1
    [nudge] = await OutboxMessage.filter(kind="nudge_met")
    assert nudge.recipient_email == ruud.email
    assert FORMER_PARTICIPANT in nudge.text and anouk.name not in nudge.text


async def test_erasure_forgets_her_themes_and_region_in_the_stored_explanations(
    settings: Settings,
) -> None:
    from peernet.rounds.models import Match
    from peernet.rounds.planning import propose_round
    from peernet.rounds.publishing import publish_round
    from tests.peernet.factories import a_pair

    anouk, ruud = await a_pair()
    rnd, _ = await propose_round(settings, "2026-12")
    await publish_round(settings, rnd.id)
    match = await Match.get(round_id=rnd.id)
    (link,) = match.explanation["links"]
    assert link["a_gaps_covered_by_b"] or link["b_gaps_covered_by_a"]
    assert "midden_nederland" in link["regions"]

    assert await erase_attendee(settings, anouk.id, actor="cli", reason="request")
    (link,) = (await Match.get(id=match.id)).explanation["links"]
    assert link["a_gaps_covered_by_b"] == link["b_gaps_covered_by_a"] == []
    mine = 0 if link["a"] == anouk.id else 1
    assert link["regions"][mine] == "" and link["regions"][1 - mine] == "midden_nederland"
    assert link["region_relation"] == "distant"  # "same" would give her region away
    assert ruud.id in (link["a"], link["b"]) and len(link["disciplines"]) == 2
