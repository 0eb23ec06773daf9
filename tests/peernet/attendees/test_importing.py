"""Importing an event's registration list: a per-line report first, then invitations that
are stored once however often the list (or an edited copy) is imported, and an invitation
page where people consent before they can ever be matched."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from peernet.attendees.importing import import_registrations, preview_import, read_rows
from peernet.attendees.models import (
    Attendance,
    Attendee,
    AttendeeStatus,
    Consent,
    ImportBatch,
    Signup,
)
from peernet.audit.models import AuditEntry
from peernet.errors import FieldErrors
from peernet.outbox.models import OutboxMessage
from peernet.rounds.planning import propose_round
from peernet.rounds.service import current_groups
from peernet.settings import Settings
from tests.peernet.factories import an_attendee, an_event
from tests.peernet.helpers import csrf_token, form_fields

pytestmark = pytest.mark.usefixtures("frozen_clock")

INVITE_LINK = re.compile(r"https://peernet\.test/invite/([A-Za-z0-9_-]{43})")

# Dutch headers, semicolons, a BOM; good, bad and duplicate lines.
REGISTRATIONS = (
    "\ufeffNaam;E-mailadres;Organisatie;Rol;Eenheid\r\n"
    "Sanne Bakker;sanne@example.org;Gemeente Utrecht;Jongerenwerker;Midden-Nederland\r\n"
    "Youssef Amrani;youssef@example.org;Politie Rotterdam;community_police_officer;rotterdam\r\n"
    ";nobody@example.org;Nergens;Wijkagent;Rotterdam\r\n"
    "Kees Jansen;kees-at-example.org;ROC;Wijkagent;Rotterdam\r\n"
    "Lotte de Wit;lotte@example.org;School;Astronaut;Rotterdam\r\n"
    "Sanne B.;SANNE@example.org;Gemeente Utrecht;Jongerenwerker;Midden-Nederland\r\n"
    "Anouk de Vries;anouk.de.vries@example.org;Gemeente Utrecht;Wijkagent;Rotterdam\r\n"
    "\r\n"
    "Mira Vos;mira@example.org;Sterk Huis;Youth worker;Central Netherlands\r\n"
).encode()


async def test_the_preview_reports_every_line_and_stores_nothing(empty_db: None) -> None:
    await an_attendee()  # anouk.de.vries@example.org is already known
    preview = await preview_import(REGISTRATIONS)
    outcomes = [(r.line, r.outcome, r.errors) for r in preview.lines]
    assert outcomes == [
        (2, "good", {}),
        (3, "good", {}),
        (4, "refused", {"name": "required"}),
        (5, "refused", {"email": "invalid_email"}),
        (6, "refused", {"role": "unknown_choice"}),
        (7, "known", {"email": "repeats_line:2"}),
        (8, "known", {}),
        (10, "good", {}),
    ]
    assert preview.lines[0].details == {
        "name": "Sanne Bakker",
        "email": "sanne@example.org",
        "organisation": "Gemeente Utrecht",
        "role": "youth_worker",
        "region": "midden_nederland",
    }
    assert (preview.good, preview.known, preview.refused) == (3, 2, 3)
    assert await Attendee.all().count() == 1
    assert not await OutboxMessage.exists()


def test_comma_files_english_headers_and_file_errors() -> None:
    rows = read_rows(
        b"email,name,unit,role,organisation\na@example.org,A,rotterdam,youth_worker,X\n"
    )
    assert rows == [
        (
            2,
            {
                "email": "a@example.org",
                "name": "A",
                "unit": "rotterdam",
                "role": "youth_worker",
                "organisation": "X",
            },
        )
    ]
    for content, error in [
        (b"", "required"),
        (b"name;email;organisation\nA;a@example.org;X\n", "missing_columns:role,unit"),
        ("naam;e-mail;organisatie;rol;eenheid\nÉ;e@x.nl;X;Y;Z\n".encode("latin-1"), "not_utf8"),
        (b"name,email,organisation,role,unit\n" + b"A,a@b.nl,X,Y,Z\n" * 10_001, "too_many_lines"),
        (b"name,email,organisation,role,unit\n" + b"x" * 2_000_000, "file_too_large"),
    ]:
        with pytest.raises(FieldErrors) as raised:
            read_rows(content)
        assert raised.value.errors == {"file": error}


async def upload(client: httpx.AsyncClient, content: bytes) -> httpx.Response:
    page = await client.get("/coordinator/events/omei-utrecht/import")
    return await client.post(
        "/coordinator/events/omei-utrecht/import",
        data={"csrf_token": csrf_token(page), "step": "preview"},
        files={"file": ("aanmeldingen.csv", content, "text/csv")},
    )


def hidden(page: httpx.Response, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page.text)
    assert found, f"no hidden field {name}"
    return found.group(1)


async def store(client: httpx.AsyncClient, preview: httpx.Response) -> httpx.Response:
    fields = {n: hidden(preview, n) for n in ("csrf_token", "step", "filename", "content_hash")}
    fields["content"] = hidden(preview, "content")
    assert fields["step"] == "store"
    return await client.post(
        "/coordinator/events/omei-utrecht/import", files={k: (None, v) for k, v in fields.items()}
    )


async def test_importing_twice_and_an_edited_copy_invites_everyone_once(
    coordinator_client: httpx.AsyncClient,
) -> None:
    client = coordinator_client
    event = await an_event()
    await an_attendee()
    preview = await upload(client, REGISTRATIONS)
    assert preview.status_code == 200
    assert "kolom naam: is leeg" in preview.text
    assert "kolom rol: is geen bekende keuze" in preview.text
    assert "kolom e-mailadres: staat al op regel 2" in preview.text
    assert not await Signup.exists()
    stored = await store(client, preview)
    assert stored.status_code == 303
    batch = await ImportBatch.get()
    assert stored.headers["location"] == f"/coordinator/events/omei-utrecht/import?batch={batch.id}"
    assert (batch.lines, batch.stored, batch.already_known, batch.refused) == (8, 3, 2, 3)
    assert batch.report[0] == {"line": 4, "errors": {"name": "required"}}
    result = await client.get(stored.headers["location"])
    assert "8 regels: 3 uitgenodigd, 2 al bekend, 3 geweigerd." in result.text

    invited = await Attendee.filter(status=AttendeeStatus.PENDING).order_by("email_normalized")
    assert [a.email for a in invited] == [
        "mira@example.org",
        "sanne@example.org",
        "youssef@example.org",
    ]
    signups = await Signup.filter(kind="invitation", event_id=event.id, channel="import")
    assert len(signups) == 3
    mails = await OutboxMessage.filter(kind="invitation").order_by("recipient_email")
    assert [m.recipient_email for m in mails] == [a.email for a in invited]
    assert INVITE_LINK.search(mails[0].text)

    # The same file again, then an edited copy: one new line, one changed spelling.
    again = await store(client, await upload(client, REGISTRATIONS))
    assert again.status_code == 303
    edited = REGISTRATIONS.replace(b"Mira Vos;mira", b"Mira V.;MIRA") + (
        b"Noor Hendriks;noor@example.org;GGD;Jongerenwerker;Rotterdam\r\n"
    )
    await store(client, await upload(client, edited))
    batches = await ImportBatch.all().order_by("id")
    assert [(b.stored, b.already_known) for b in batches] == [(3, 2), (0, 5), (1, 5)]
    assert await Attendee.filter(status=AttendeeStatus.PENDING).count() == 4
    assert await Signup.filter(kind="invitation").count() == 4
    assert await OutboxMessage.filter(kind="invitation").count() == 4
    assert await AuditEntry.filter(action="attendees.import").count() == 3


async def test_people_already_in_the_network_are_recorded_at_the_event_once_and_not_mailed(
    empty_db: None, settings: Settings
) -> None:
    event = await an_event()
    anouk = await an_attendee()  # on the list, active
    left = await an_attendee(
        "Mira Vos", email="mira@example.org", status=AttendeeStatus.LEFT
    )  # on the list, but she left: untouched, not invited again
    for _ in range(2):
        await import_registrations(settings, event, REGISTRATIONS)
    assert await Attendance.filter(event_id=event.id, attendee_id=anouk.id).count() == 1
    assert not await Attendance.filter(attendee_id=left.id).exists()
    mails = await OutboxMessage.filter(kind="invitation")
    assert sorted(m.recipient_email for m in mails) == ["sanne@example.org", "youssef@example.org"]


async def test_two_imports_racing_store_each_person_once(
    empty_db: None, settings: Settings
) -> None:
    event = await an_event()
    await asyncio.gather(*(import_registrations(settings, event, REGISTRATIONS) for _ in range(3)))
    # Sanne, Youssef, Anouk and Mira: four good addresses, each stored by one import.
    assert await Attendee.all().count() == 4
    assert await Signup.all().count() == 4
    assert await OutboxMessage.filter(kind="invitation").count() == 4
    assert sorted(b.stored + b.already_known for b in await ImportBatch.all()) == [5, 5, 5]
    assert sum(b.stored for b in await ImportBatch.all()) == 4


async def test_a_tampered_upload_is_refused_and_nothing_stored(
    coordinator_client: httpx.AsyncClient,
) -> None:
    await an_event()
    preview = await upload(coordinator_client, REGISTRATIONS)
    fields = {n: hidden(preview, n) for n in ("csrf_token", "step", "filename", "content_hash")}
    fields["content"] = "U2FubmU7ZXZpbEBleGFtcGxlLm9yZw=="
    answer = await coordinator_client.post(
        "/coordinator/events/omei-utrecht/import", files={k: (None, v) for k, v in fields.items()}
    )
    assert answer.status_code == 422
    assert "is onderweg veranderd" in answer.text
    bad = await upload(coordinator_client, b"naam;email\nA;a@example.org\n")
    assert bad.status_code == 422
    assert "Bestand: mist de kolom(men) organisation,role,unit" in bad.text
    assert not await Attendee.exists() and not await ImportBatch.exists()


async def test_the_template_parses_back_in_both_languages(
    coordinator_client: httpx.AsyncClient,
) -> None:
    await an_event()
    for lang in ("nl", "en"):
        answer = await coordinator_client.get(
            f"/coordinator/events/omei-utrecht/import/template.csv?lang={lang}"
        )
        assert answer.headers["content-type"].startswith("text/csv")
        preview = await preview_import(answer.content)
        assert [r.outcome for r in preview.lines] == ["good"]


async def post_answers(
    client: httpx.AsyncClient, url: str, page: httpx.Response, answers: dict[str, object]
) -> httpx.Response:
    fields: list[tuple[str, str | int | float | bool | None]] = [
        ("csrf_token", csrf_token(page)),
        *form_fields(answers),
    ]
    return await client.post(
        url,
        content=str(httpx.QueryParams(fields)).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


async def test_the_invitation_page_needs_consent_and_only_then_are_they_matched(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    event = await an_event()
    await an_attendee(
        "Ruud van 't Hoff",
        email="ruud@example.org",
        role="community_police_officer",
        expertise=["conversation_skills"],
        gaps=["local_policy_network"],
    )
    await import_registrations(settings, event, REGISTRATIONS)
    sanne = await Attendee.get(email_normalized="sanne@example.org")
    message = await OutboxMessage.get(kind="invitation", recipient_email="sanne@example.org")
    found = INVITE_LINK.search(message.text)
    assert found and found.group(0) in message.html
    url = f"/invite/{found.group(1)}"
    # Pending: not in a round before consenting.
    rnd, _ = await propose_round(settings, "2026-12")
    assert sanne.id not in {p for g in await current_groups(rnd.id) for p in g}

    page = await client.get(url)
    assert page.status_code == 200
    assert 'value="Sanne Bakker"' in page.text and 'value="sanne@example.org"' in page.text
    answers = {
        "name": "Sanne Bakker",
        "email": "someone.else@example.org",  # ignored: the invited address stays
        "organisation": "Gemeente Utrecht",
        "role": "youth_worker",
        "region": "midden_nederland",
        "expertise": ["local_policy_network"],
        "gaps": ["conversation_skills"],
        "languages": ["nl"],
        "meeting_preference": "either",
    }
    refused = await post_answers(client, url, page, {**answers, "consent": False})
    assert refused.status_code == 422
    assert (await Attendee.get(id=sanne.id)).status is AttendeeStatus.PENDING
    accepted = await post_answers(client, url, page, {**answers, "consent": True})
    assert accepted.status_code == 200
    sanne = await Attendee.get(id=sanne.id)
    assert (sanne.status, sanne.email, sanne.expertise) == (
        AttendeeStatus.ACTIVE,
        "sanne@example.org",
        ["local_policy_network"],
    )
    consent = await Consent.get(attendee_id=sanne.id)
    assert consent.channel == f"invitation:{event.id}"
    assert (await post_answers(client, url, page, {**answers, "consent": True})).status_code == 409
    replanned, _ = await propose_round(settings, "2026-12")
    assert sanne.id in {p for g in await current_groups(replanned.id) for p in g}


async def test_a_confirmation_link_is_not_an_invitation(client: httpx.AsyncClient) -> None:
    assert (await client.get("/invite/" + "a" * 43)).status_code == 404
    assert (await client.get("/invite/short")).status_code == 404


async def test_a_coordinator_resends_an_invitation_with_a_fresh_link(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    event = await an_event()
    await import_registrations(settings, event, REGISTRATIONS)
    sanne = await Attendee.get(email_normalized="sanne@example.org")
    url = f"/coordinator/attendees/{sanne.id}"
    page = await coordinator_client.get(url)
    assert "Deze uitnodiging wacht op bevestiging" in page.text
    answer = await coordinator_client.post(f"{url}/resend", data={"csrf_token": csrf_token(page)})
    assert answer.headers["location"] == f"{url}?done=resend"
    first, second = await OutboxMessage.filter(
        kind="invitation", recipient_email="sanne@example.org"
    ).order_by("id")
    old, new = INVITE_LINK.search(first.text), INVITE_LINK.search(second.text)
    assert old and new and old.group(1) != new.group(1)
    assert (await coordinator_client.get(f"/invite/{old.group(1)}")).status_code == 404
    assert (await coordinator_client.get(f"/invite/{new.group(1)}")).status_code == 200
