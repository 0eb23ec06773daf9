"""The coordinators' attendee pages: the directory, a person's page and its actions."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
import pytest

from peernet.attendees import actions
from peernet.attendees.directory import AttendeeFilter, parse_filter, search_attendees
from peernet.attendees.models import Attendance, Attendee, AttendeeStatus, Consent
from peernet.attendees.schemas import parse_signup
from peernet.attendees.service import TokenInvalid, find_signup, sign_up
from peernet.audit.models import AuditEntry
from peernet.errors import FieldErrors
from peernet.feedback.models import MatchFeedback, MeetingAnswer
from peernet.outbox.models import OutboxMessage
from peernet.rounds.models import KeepApart, Match, MatchMember, RoundExclusion
from peernet.rounds.planning import propose_round
from peernet.settings import Settings
from tests.peernet.conftest import Clock
from tests.peernet.factories import a_pair, a_published_round, an_attendee, an_event, signup_data
from tests.peernet.helpers import confirmation_token, csrf_token

pytestmark = pytest.mark.usefixtures("frozen_clock")


async def post_form(
    client: httpx.AsyncClient, page_url: str, action: str, data: dict[str, str]
) -> httpx.Response:
    page = await client.get(page_url)
    return await client.post(action, data={"csrf_token": csrf_token(page), **data})


async def population() -> dict[str, int]:
    event = await an_event()
    anouk = await an_attendee()
    ruud = await an_attendee(
        "Ruud van 't Hoff",
        email="ruud@example.org",
        organisation="Politie Rotterdam",
        role="community_police_officer",
        region="rotterdam",
    )
    fatima = await an_attendee(
        "Fatima El Amrani",
        email="fatima@example.org",
        organisation="Jong Rotterdam",
        role="youth_worker",
        region="rotterdam",
        status=AttendeeStatus.PAUSED,
    )
    bram = await an_attendee("Bram Smit", organisation="ROC Utrecht", status=AttendeeStatus.LEFT)
    await Attendance.create(attendee=fatima, event=event, created_at=fatima.created_at)
    return {"anouk": anouk.id, "ruud": ruud.id, "fatima": fatima.id, "bram": bram.id}


async def names(search: AttendeeFilter) -> list[str]:
    return [a.name for a in (await search_attendees(search)).attendees]


async def test_search_and_filters_against_stored_attendees(empty_db: None) -> None:
    await population()
    assert await names(AttendeeFilter(query="rotterdam")) == [
        "Fatima El Amrani",
        "Ruud van 't Hoff",
    ]
    assert await names(AttendeeFilter(query="RUUD@EXAMPLE")) == ["Ruud van 't Hoff"]
    assert await names(AttendeeFilter(status="left")) == ["Bram Smit"]
    assert await names(AttendeeFilter(region="rotterdam", status="paused")) == ["Fatima El Amrani"]
    assert await names(AttendeeFilter(discipline="police_enforcement")) == ["Ruud van 't Hoff"]
    assert await names(AttendeeFilter(event="omei-utrecht")) == ["Fatima El Amrani"]
    page = await search_attendees(AttendeeFilter(page=2), page_size=3)
    assert (page.total, page.pages, [a.name for a in page.attendees]) == (
        4,
        2,
        ["Ruud van 't Hoff"],
    )


async def test_the_directory_and_its_export_are_in_dutch_name_order(
    coordinator_client: httpx.AsyncClient,
) -> None:
    # A database sorts by code point: "Ümit" after "Zeynep", "de Wit" after "Zeynep".
    for n, name in enumerate(["Zeynep Kaya", "Ümit Yılmaz", "de Wit, Els", "Anouk de Vries"]):
        await an_attendee(name, email=f"person{n}@example.org")
    first = await search_attendees(AttendeeFilter(page=1), page_size=2)
    second = await search_attendees(AttendeeFilter(page=2), page_size=2)
    assert [a.name for a in first.attendees + second.attendees] == [
        "Anouk de Vries",
        "de Wit, Els",
        "Ümit Yılmaz",
        "Zeynep Kaya",
    ]
    assert (first.total, first.pages) == (4, 2)
    export = await coordinator_client.get("/coordinator/attendees.csv")
    assert export.status_code == 200, export.text
    found = [export.text.index(name) for name in ("Anouk", "de Wit", "Ümit", "Zeynep")]
    assert found == sorted(found)


def test_a_bad_filter_names_its_field() -> None:
    with pytest.raises(FieldErrors) as raised:
        parse_filter({"status": "sleeping", "region": "atlantis", "page": "0"})
    assert raised.value.errors == {
        "status": "unknown_choice",
        "region": "unknown_choice",
        "page": "invalid",
    }


async def test_the_directory_page_lists_filters_and_pages(
    coordinator_client: httpx.AsyncClient,
) -> None:
    people = await population()
    page = await coordinator_client.get("/coordinator/attendees?q=rotterdam")
    assert page.status_code == 200
    assert f'href="/coordinator/attendees/{people["ruud"]}"' in page.text
    assert "Bram Smit" not in page.text
    assert 'aria-current="page">Deelnemers</a>' in page.text
    assert "/coordinator/attendees.csv?q=rotterdam" in page.text
    assert "2 deelnemers gevonden." in page.text
    english = await coordinator_client.get("/coordinator/attendees?lang=en&event=omei-utrecht")
    assert "Fatima El Amrani" in english.text and "Ruud" not in english.text
    assert "1 attendee found." in english.text
    bad = await coordinator_client.get("/coordinator/attendees?status=sleeping&lang=nl")
    assert bad.status_code == 422
    assert "Status: " in bad.text


async def test_the_person_page_shows_profile_consents_events_and_matches(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    event = await an_event()
    await Attendance.create(attendee=anouk, event=event, created_at=anouk.created_at)
    await Consent.create(
        attendee=anouk,
        purpose="matching_and_email",
        text_version="2026-11-1",
        locale="nl",
        channel="form:1",
        given_at=anouk.created_at,
        confirmed_at=anouk.created_at,
    )
    rnd = await a_published_round(settings, [[anouk.id, ruud.id]])
    match = await Match.get(round_id=rnd.id)
    await MatchFeedback.create(
        match=match,
        attendee=anouk,
        answer=MeetingAnswer.MET,
        rating=4,
        answered_at=anouk.created_at,
    )
    page = await coordinator_client.get(f"/coordinator/attendees/{anouk.id}")
    assert page.status_code == 200
    text = page.text
    assert "anouk.de.vries@example.org" in text
    # Her themes, said of her (not "Waar je veel van weet", the sign-up's words to her).
    assert "<dt>Weet veel van</dt>" in text and "<dt>Wil meer leren over</dt>" in text
    assert "Koppelen en mail daarover, tekstversie 2026-11-1" in text
    assert "via het aanmeldformulier" in text
    assert "Terugkomdag OMEI Utrecht — 12 november 2026" in text
    assert f'<a href="/coordinator/rounds/{rnd.id}">2026-11</a></td>' in text
    assert f'<a href="/coordinator/attendees/{ruud.id}">Ruud van &#39;t Hoff</a>' in text
    assert "Gesproken (4/5)" in text
    assert (await coordinator_client.get("/coordinator/attendees/999999")).status_code == 404


async def test_exclude_and_include_in_the_draft_repeated_and_after_leaving(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    await an_attendee("Bram Smit", role="youth_worker", expertise=["conversation_skills"])
    rnd, _ = await propose_round(settings, "2026-12")
    url = f"/coordinator/attendees/{anouk.id}"
    for _ in range(2):
        answer = await post_form(coordinator_client, url, f"{url}/exclude", {})
        assert answer.status_code == 303
        assert answer.headers["location"] == f"{url}?done=exclude"
    assert await RoundExclusion.filter(round_id=rnd.id, attendee_id=anouk.id).count() == 1
    page = await coordinator_client.get(f"{url}?done=exclude")
    assert "Is uit het concept van 2026-12 gehaald." in page.text
    made_up = await coordinator_client.get(f"{url}?done=nothing-happened")
    assert "attendee.done" not in made_up.text and 'class="notice success"' not in made_up.text
    anouk.status = AttendeeStatus.LEFT
    await anouk.save()
    for _ in range(2):
        answer = await post_form(coordinator_client, url, f"{url}/include", {})
        assert answer.status_code == 303
    assert not await RoundExclusion.exists(round_id=rnd.id, attendee_id=anouk.id)
    logged = await AuditEntry.filter(
        subject=f"round:{rnd.id}", action__in=["round.exclude", "round.include"]
    ).values_list("action", flat=True)
    assert sorted(str(a) for a in logged) == ["round.exclude"] * 2 + ["round.include"] * 2


async def test_without_a_draft_exclusion_is_refused_politely(
    coordinator_client: httpx.AsyncClient,
) -> None:
    anouk = await an_attendee()
    url = f"/coordinator/attendees/{anouk.id}"
    answer = await post_form(coordinator_client, url, f"{url}/exclude", {})
    assert answer.status_code == 409
    assert "Er is geen conceptronde." in answer.text


async def test_keep_apart_always_repeated_and_raced(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    url = f"/coordinator/attendees/{anouk.id}"
    answer = await post_form(coordinator_client, url, f"{url}/keep-apart", {"other": str(ruud.id)})
    assert answer.headers["location"] == f"{url}?done=keep-apart"
    await asyncio.gather(
        *(
            actions.keep_apart_always(settings, ruud.id, anouk.id, coordinator=None)
            for _ in range(4)
        )
    )
    assert await KeepApart.filter().count() == 1
    pair = await KeepApart.get()
    assert (pair.attendee_a_id, pair.attendee_b_id) == (anouk.id, ruud.id)
    assert await AuditEntry.filter(action="attendee.keep_apart").count() == 5
    page = await coordinator_client.get(url)
    assert "Wordt nooit gekoppeld met:" in page.text
    itself = await post_form(coordinator_client, url, f"{url}/keep-apart", {"other": str(anouk.id)})
    assert itself.status_code == 422
    unknown = await post_form(coordinator_client, url, f"{url}/keep-apart", {"other": "999999"})
    assert unknown.status_code == 422
    assert "Nooit koppelen met: " in unknown.text


async def test_keep_apart_with_a_draft_plans_it_again_without_them_together(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    rnd, _ = await propose_round(settings, "2026-12")
    url = f"/coordinator/attendees/{anouk.id}"
    answer = await post_form(coordinator_client, url, f"{url}/keep-apart", {"other": str(ruud.id)})
    assert answer.status_code == 303
    assert await KeepApart.exists(attendee_a_id=anouk.id, attendee_b_id=ruud.id)
    assert await AuditEntry.exists(action="round.keep_apart", subject=f"round:{rnd.id}")
    assert not await Match.filter(round_id=rnd.id).exists()  # the only pair is forbidden now


async def test_resend_confirmation_once_per_quiet_period_also_when_raced(
    coordinator_client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    await an_event()
    await sign_up(settings, "omei-utrecht", parse_signup(signup_data()), channel="form")
    first_token = await confirmation_token("anouk.devries@example.org")
    anouk = await Attendee.get(email_normalized="anouk.devries@example.org")
    url = f"/coordinator/attendees/{anouk.id}"
    page = await coordinator_client.get(url)
    assert "Deze aanmelding wacht op bevestiging" in page.text
    answer = await post_form(coordinator_client, url, f"{url}/resend", {})
    assert answer.headers["location"] == f"{url}?done=resend"
    again = await post_form(coordinator_client, url, f"{url}/resend", {})
    assert again.headers["location"] == f"{url}?done=resend-quiet"
    assert await OutboxMessage.filter(kind="confirmation").count() == 2
    frozen_clock.advance(timedelta(minutes=20))
    raced = await asyncio.gather(
        *(actions.resend_confirmation(settings, anouk.id, coordinator=None) for _ in range(4))
    )
    assert sorted(raced) == [False, False, False, True]
    assert await OutboxMessage.filter(kind="confirmation").count() == 3
    assert await AuditEntry.filter(action="attendee.resend_confirmation").count() == 2
    # The newest link works, the first no longer does.
    with pytest.raises(TokenInvalid):
        await find_signup(first_token)
    assert (await find_signup(await confirmation_token(anouk.email))).attendee_id == anouk.id


async def test_resend_without_a_pending_sign_up_is_refused(
    coordinator_client: httpx.AsyncClient,
) -> None:
    anouk = await an_attendee()
    url = f"/coordinator/attendees/{anouk.id}"
    answer = await post_form(coordinator_client, url, f"{url}/resend", {})
    assert answer.status_code == 409
    assert "Er wacht geen aanmelding op bevestiging." in answer.text


async def test_an_unknown_action_or_missing_csrf_changes_nothing(
    coordinator_client: httpx.AsyncClient,
) -> None:
    anouk = await an_attendee()
    url = f"/coordinator/attendees/{anouk.id}"
    assert (await post_form(coordinator_client, url, f"{url}/delete", {})).status_code == 404
    assert (await coordinator_client.post(f"{url}/exclude", data={})).status_code == 403
    assert not await AuditEntry.exists()


async def test_exclusions_raced_store_one_and_leave_a_consistent_draft(
    empty_db: None, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    await an_attendee("Bram Smit", role="youth_worker", expertise=["conversation_skills"])
    rnd, _ = await propose_round(settings, "2026-12")
    await asyncio.gather(
        *(actions.exclude_from_draft(settings, anouk.id, coordinator=None) for _ in range(3))
    )
    assert await RoundExclusion.filter(round_id=rnd.id).count() == 1
    members = {m.attendee_id for m in await MatchMember.filter(match__round_id=rnd.id)}
    assert anouk.id not in members
    assert ruud.id in members


async def test_the_person_page_marks_a_draft_and_offers_nobody_erased(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    from peernet.attendees.rights import erase_attendee

    anouk, ruud = await a_pair()
    bram = await an_attendee("Bram Smit", role="youth_worker")
    draft, _ = await propose_round(settings, "2026-12")
    assert await erase_attendee(settings, bram.id, actor="cli", reason="request")
    text = (await coordinator_client.get(f"/coordinator/attendees/{anouk.id}")).text
    assert (
        f'<a href="/coordinator/rounds/{draft.id}">2026-12</a> '
        '<span class="muted">(concept, nog niet verstuurd)</span>'
    ) in text
    keep_apart = text[text.index('<select id="other"') : text.index("</select>")]
    assert f'value="{ruud.id}"' in keep_apart
    assert f'value="{bram.id}"' not in keep_apart and "()" not in keep_apart


async def test_the_people_to_keep_apart_are_in_dutch_name_order(
    coordinator_client: httpx.AsyncClient,
) -> None:
    anouk = await an_attendee()
    for name in ("Zoë Bakker", "Ümit Aydın", "Ilse Yılmaz", "Ilse Çelik", "anna Smit"):
        await an_attendee(name)
    text = (await coordinator_client.get(f"/coordinator/attendees/{anouk.id}")).text
    keep_apart = text[text.index('<select id="other"') : text.index("</select>")]
    shown = re.findall(r'<option value="\d+">([^(<]+) \(', keep_apart)
    assert shown == ["anna Smit", "Ilse Çelik", "Ilse Yılmaz", "Ümit Aydın", "Zoë Bakker"]
