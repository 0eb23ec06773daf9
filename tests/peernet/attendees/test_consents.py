"""Consent kept honestly: one service writes every record, each names the text version shown,
and a changed text asks attendees to agree again before their next round."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from peernet.attendees.consents import (
    CONSENT_TEXTS,
    ConsentText,
    UnknownConsentVersion,
    consent_text,
    current_version,
    needing_renewal,
    queue_consent_renewals,
    record_consent,
)
from peernet.attendees.models import Attendee, AttendeeStatus, Consent
from peernet.attendees.subscription import resume_ended_pauses, unsubscribe
from peernet.audit.models import AuditEntry
from peernet.links import consent_renewal_url
from peernet.outbox.models import OutboxMessage
from peernet.rounds.models import MatchMember, Round
from peernet.rounds.planning import propose_round
from peernet.settings import Settings
from tests.peernet.conftest import Clock
from tests.peernet.factories import a_pair, an_attendee, an_event, signup_data
from tests.peernet.helpers import confirmation_token, csrf_token, form_fields

pytestmark = pytest.mark.usefixtures("empty_db", "frozen_clock")

FIRST = "2026-11-1"
NEW = "2027-01-1"
NEW_TEXT = {
    "nl": "Nieuwe tekst: peernet bewaart ook je antwoorden op de vragen na een gesprek.",
    "en": "New text: peernet also keeps your answers to the questions after a conversation.",
}
CONSENT_LINK = re.compile(r"https://peernet\.test(/consent/[A-Za-z0-9_.-]+)")
PEERNET = Path(__file__).resolve().parents[3] / "peernet"
# What writes a consent record: creating, bulk-creating or updating one.
CONSENT_WRITE = re.compile(
    r"Consent\.(?:create|bulk_create|get_or_create|update_or_create)\("
    r"|(?<![\w.])Consent\("
    r"|Consent\.filter\((?:[^()]|\([^()]*\))*\)\s*\.update\(",
)


@pytest.fixture
def new_version() -> Iterator[str]:
    """A newer consent text is published (the file gains a version)."""
    CONSENT_TEXTS[NEW] = ConsentText(version=NEW, published=date(2027, 1, 1), texts=NEW_TEXT)
    yield NEW
    del CONSENT_TEXTS[NEW]


async def consented(attendee: Attendee, version: str = FIRST) -> Consent:
    return await record_consent(
        attendee,
        version=version,
        locale=attendee.locale,
        channel="form:test",
        given_at=attendee.created_at,
        confirmed_at=attendee.created_at,
    )


def consent_writes(source: str) -> list[str]:
    return [
        found.group(0)
        for found in CONSENT_WRITE.finditer(source)
        if not source[: found.start()].rstrip().endswith("class")
    ]


def test_every_consent_record_is_written_by_the_consent_service() -> None:
    service = PEERNET / "attendees" / "consents.py"
    # The pattern finds the service's own writes, so it would find them elsewhere too.
    assert len(consent_writes(service.read_text(encoding="utf-8"))) >= 3
    elsewhere = {
        str(path.relative_to(PEERNET)): writes
        for path in PEERNET.rglob("*.py")
        if path != service
        and "migrations" not in path.parts
        and (writes := consent_writes(path.read_text(encoding="utf-8")))
    }
    assert elsewhere == {}


def test_the_pattern_sees_the_writes_that_used_to_be_spread_around() -> None:
    assert consent_writes("await Consent.create(attendee=a)")
    assert consent_writes("await Consent.bulk_create([Consent(attendee=a)])")
    assert consent_writes(
        "await Consent.filter(attendee=a, withdrawn_at__isnull=True).update(withdrawn_at=now)"
    )
    assert not consent_writes("class Consent(Model):")
    assert not consent_writes("await Consent.filter(attendee_id=a).values_list('id')")


def test_the_text_of_an_old_version_stays_retrievable(new_version: str) -> None:
    assert current_version() == new_version
    assert consent_text(new_version, "en") == NEW_TEXT["en"]
    assert consent_text(FIRST, "nl").startswith("peernet bewaart je naam")
    assert consent_text(FIRST, "en").startswith("peernet stores your name")
    with pytest.raises(UnknownConsentVersion):
        consent_text("1999-01-1", "nl")


async def test_a_sign_up_records_the_version_the_form_showed(
    client: httpx.AsyncClient, new_version: str
) -> None:
    await an_event()
    page = await client.get("/join/omei-utrecht")
    assert f'data-version="{new_version}"' in page.text
    assert NEW_TEXT["nl"] in page.text
    fields: list[tuple[str, str | int | float | bool | None]] = [
        ("csrf_token", csrf_token(page)),
        *form_fields(signup_data()),
    ]
    await client.post(
        "/join/omei-utrecht",
        content=str(httpx.QueryParams(fields)).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    token = await confirmation_token("anouk.devries@example.org")
    confirm = await client.get(f"/confirm/{token}")
    await client.post(f"/confirm/{token}", data={"csrf_token": csrf_token(confirm)})
    consent = await Consent.get()
    assert consent.text_version == new_version


async def test_withdrawing_is_audited_as_the_attendee_without_their_name_or_email() -> None:
    anouk = await an_attendee()
    await consented(anouk)
    await unsubscribe(anouk.id)
    assert (await Consent.get()).withdrawn_at is not None
    entry = await AuditEntry.get(action="consent.withdraw")
    assert (entry.actor, entry.subject) == ("attendee", f"attendee:{anouk.id}")
    assert "Anouk" not in str(entry.details) and "example.org" not in str(entry.details)
    # Leaving twice withdraws nothing more.
    await unsubscribe(anouk.id)
    assert await AuditEntry.filter(action="consent.withdraw").count() == 1


async def test_who_needs_to_agree_again() -> None:
    anouk, ruud = await a_pair()
    never = await an_attendee("Zonder formulier", email="zonder@example.org")
    left = await an_attendee("Vertrokken", email="weg@example.org")
    await consented(anouk)
    await consented(ruud)
    await consented(left)
    await unsubscribe(left.id)
    assert await needing_renewal() == set()
    CONSENT_TEXTS[NEW] = ConsentText(version=NEW, published=date(2027, 1, 1), texts=NEW_TEXT)
    try:
        await consented(ruud, NEW)
        assert await needing_renewal() == {anouk.id}
        assert await needing_renewal([ruud.id, never.id]) == set()
    finally:
        del CONSENT_TEXTS[NEW]


async def unmatched_reasons(rnd: Round) -> dict[int, str]:
    return {int(e["person"]): str(e["reason"]) for e in rnd.stats["unmatched_people"]}


async def grouped(rnd: Round) -> set[int]:
    return {m.attendee_id for m in await MatchMember.filter(match__round_id=rnd.id)}


async def test_after_a_new_text_an_attendee_agrees_again_before_their_next_round(
    settings: Settings,
    coordinator_client: httpx.AsyncClient,
    client: httpx.AsyncClient,
    new_version: str,
) -> None:
    anouk, ruud = await a_pair()
    await consented(anouk)  # the old text
    await consented(ruud, new_version)

    # The draft leaves Anouk out, and says why on the round page.
    rnd, _ = await propose_round(settings, "2026-12")
    assert anouk.id not in await grouped(rnd)
    assert (await unmatched_reasons(rnd))[anouk.id] == "consent_renewal"
    page = await coordinator_client.get(f"/coordinator/rounds/{rnd.id}")
    assert "Anouk moet eerst akkoord gaan met de nieuwe toestemmingstekst" in page.text

    # One email, however often the job runs.
    assert await queue_consent_renewals(settings) == 1
    assert await queue_consent_renewals(settings) == 0
    mail = await OutboxMessage.get(kind="consent_renewal")
    assert mail.recipient_email == anouk.email
    assert await OutboxMessage.all().count() == 1
    found = CONSENT_LINK.search(mail.text)
    assert found and found.group(0) in mail.html
    # Like every email to an attendee: a link to their personal page, and the privacy page.
    assert (
        "https://peernet.test/me/link/" in mail.text and "https://peernet.test/privacy" in mail.text
    )
    link = found.group(1)

    # Opening the link shows the new text and changes nothing.
    shown = await client.get(link)
    assert shown.status_code == 200
    assert NEW_TEXT["nl"] in shown.text
    assert await Consent.filter(attendee_id=anouk.id).count() == 1
    assert not await AuditEntry.filter(action="consent.renew").exists()

    # Without the form's CSRF token nothing is recorded.
    refused = await client.post(link, data={})
    assert refused.status_code == 403
    assert await Consent.filter(attendee_id=anouk.id).count() == 1

    agreed = await client.post(link, data={"csrf_token": csrf_token(shown)})
    assert agreed.status_code == 200
    renewed = await Consent.get(attendee_id=anouk.id, text_version=new_version)
    assert (renewed.channel, renewed.withdrawn_at) == ("renewal", None)
    entry = await AuditEntry.get(action="consent.renew")
    assert (entry.actor, entry.subject, entry.details) == (
        "attendee",
        f"attendee:{anouk.id}",
        {"version": new_version},
    )

    # A second click records nothing more; the page says it is done.
    again = await client.get(link)
    assert "al akkoord gegaan" in again.text
    await client.post(link, data={"csrf_token": csrf_token(shown)})
    assert await Consent.filter(attendee_id=anouk.id).count() == 2
    assert await AuditEntry.filter(action="consent.renew").count() == 1

    # Planned again, she is in.
    rnd, _ = await propose_round(settings, "2026-12")
    assert {anouk.id, ruud.id} <= await grouped(rnd)
    assert anouk.id not in await unmatched_reasons(rnd)
    assert await queue_consent_renewals(settings) == 0


async def test_paused_left_and_erased_attendees_are_not_asked_until_they_are_back(
    settings: Settings, frozen_clock: Clock, new_version: str
) -> None:
    paused = await an_attendee(
        "Op Pauze",
        status=AttendeeStatus.PAUSED,
        paused_until=frozen_clock() + timedelta(days=30),
    )
    left = await an_attendee("Vertrokken", email="weg@example.org", status=AttendeeStatus.LEFT)
    erased = await an_attendee("Gewist", email="gewist@example.org", status=AttendeeStatus.ERASED)
    for person in (paused, left, erased):
        await consented(person)
    assert await queue_consent_renewals(settings) == 0
    assert not await OutboxMessage.exists()

    # Back from the pause: now they are asked, once.
    frozen_clock.advance(timedelta(days=31))
    assert await resume_ended_pauses() == 1
    assert await queue_consent_renewals(settings) == 1
    assert await queue_consent_renewals(settings) == 0
    assert [m.recipient_email for m in await OutboxMessage.all()] == [paused.email]


async def test_a_renewal_link_of_someone_who_left_or_a_tampered_one_does_nothing(
    settings: Settings, client: httpx.AsyncClient, new_version: str
) -> None:
    anouk = await an_attendee()
    await consented(anouk)
    link = consent_renewal_url(settings, anouk.public_id, new_version)
    link = link.removeprefix(settings.base_url)
    assert (await client.get(link[:-2] + "xx")).status_code == 404
    await unsubscribe(anouk.id)
    assert (await client.get(link)).status_code == 404
    assert await Consent.filter(attendee_id=anouk.id).count() == 1
