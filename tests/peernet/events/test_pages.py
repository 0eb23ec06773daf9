"""The event pages, as a coordinator uses them in a browser without JavaScript, and what
people who scan an old QR code see."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx
import pytest

from peernet.attendees.models import Signup
from peernet.audit.models import AuditEntry
from peernet.coordinators.models import Coordinator
from peernet.events.models import Event
from tests.peernet.events.qr import decode_png, decode_svg
from tests.peernet.factories import an_attendee, an_event, an_event_in, signup_data
from tests.peernet.helpers import csrf_token, form_fields

pytestmark = pytest.mark.usefixtures("frozen_clock")

BREDA = {
    "title": "Terugkomdag OMEI Breda",
    "date": "2026-12-03",
    "place": "Breda, Chassé Theater",
    "region": "zeeland_west_brabant",
    "organiser": "Ellen de Wit",
    "signup_until": "2026-12-17",
}
SLUG = "terugkomdag-omei-breda-2026-12-03"


async def post_form(
    client: httpx.AsyncClient, page_url: str, action: str, data: dict[str, str]
) -> httpx.Response:
    page = await client.get(page_url)
    return await client.post(action, data={"csrf_token": csrf_token(page), **data})


async def create(client: httpx.AsyncClient, **changes: str) -> httpx.Response:
    return await post_form(
        client, "/coordinator/events/new", "/coordinator/events/new", {**BREDA, **changes}
    )


def version_on(page: httpx.Response) -> str:
    found = re.search(r'name="version" value="([^"]*)"', page.text)
    assert found
    return found.group(1)


async def actions() -> list[tuple[str, str]]:
    return [(e.action, e.actor) for e in await AuditEntry.all().order_by("id")]


async def test_a_coordinator_creates_an_event_and_finds_it_in_the_list(
    coordinator_client: httpx.AsyncClient, coordinator: Coordinator
) -> None:
    client = coordinator_client
    form = await client.get("/coordinator/events/new")
    assert form.status_code == 200
    assert "Politie-eenheid" in form.text and "Zeeland-West-Brabant" in form.text
    made = await create(client)
    assert made.status_code == 303
    assert made.headers["location"] == f"/coordinator/events/{SLUG}?done=created"
    event = await Event.get(slug=SLUG)
    assert (event.title, event.date, event.place, event.region, event.organiser) == (
        "Terugkomdag OMEI Breda",
        date(2026, 12, 3),
        "Breda, Chassé Theater",
        "zeeland_west_brabant",
        "Ellen de Wit",
    )
    assert event.signup_until == date(2026, 12, 17) and event.is_open
    entry = await AuditEntry.get(action="event.create")
    assert entry.coordinator_id == coordinator.id
    assert entry.subject == f"event:{event.id}"
    assert entry.details["slug"] == SLUG and entry.details["region"] == "zeeland_west_brabant"

    page = await client.get(made.headers["location"])
    assert "De bijeenkomst is aangemaakt." in page.text
    assert f"https://peernet.test/join/{SLUG}" in page.text
    assert f'href="/coordinator/events/{SLUG}/import"' in page.text
    listing = await client.get("/coordinator/events")
    assert "3 december 2026" in listing.text
    assert "Zeeland-West-Brabant" in listing.text
    english = await client.get("/coordinator/events?lang=en")
    assert "3 December 2026" in english.text and "Police unit" in english.text

    # The same title on the same day: a slug of its own, the first one untouched.
    again = await create(client)
    assert again.headers["location"] == f"/coordinator/events/{SLUG}-2?done=created"
    assert await Event.filter(slug__startswith=SLUG).count() == 2


async def test_the_navigation_lists_events_after_the_rounds(
    coordinator_client: httpx.AsyncClient,
) -> None:
    page = await coordinator_client.get("/coordinator/events")
    nav = page.text[page.text.index('class="coordinator-nav"') :]
    assert nav.index("Koppelrondes") < nav.index("Bijeenkomsten") < nav.index("Logboek")
    assert '<a href="/coordinator/events" aria-current="page">Bijeenkomsten</a>' in nav


async def test_the_qr_codes_decode_to_the_exact_sign_up_url(
    coordinator_client: httpx.AsyncClient,
) -> None:
    await create(coordinator_client)
    url = f"https://peernet.test/join/{SLUG}"
    png = await coordinator_client.get(f"/coordinator/events/{SLUG}/qr.png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert "max-age" in png.headers["cache-control"]
    assert decode_png(png.content) == [url]
    svg = await coordinator_client.get(f"/coordinator/events/{SLUG}/qr.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert decode_svg(svg.content) == [url]

    printable = await coordinator_client.get(f"/coordinator/events/{SLUG}/print")
    assert printable.status_code == 200
    assert "<h1>Terugkomdag OMEI Breda</h1>" in printable.text
    assert "donderdag 3 december 2026 · Breda, Chassé Theater" in printable.text
    assert f'<p class="url">{url}</p>' in printable.text
    assert f'src="/coordinator/events/{SLUG}/qr.svg"' in printable.text
    assert 'class="coordinator event-print"' in printable.text  # the print CSS hides the nav


async def test_an_unknown_event_is_a_404_on_every_page(
    coordinator_client: httpx.AsyncClient,
) -> None:
    for suffix in ("", "/print", "/qr.svg", "/qr.png"):
        answer = await coordinator_client.get(f"/coordinator/events/bestaat-niet{suffix}")
        assert answer.status_code == 404, suffix


async def test_an_edit_is_saved_and_logged_and_the_slug_stays(
    coordinator_client: httpx.AsyncClient,
) -> None:
    client = coordinator_client
    await create(client)
    url = f"/coordinator/events/{SLUG}"
    page = await client.get(url)
    saved = await client.post(
        url,
        data={
            "csrf_token": csrf_token(page),
            "version": version_on(page),
            **BREDA,
            "title": "Terugkomdag OMEI Breda (verplaatst)",
            "date": "2026-12-10",
            "signup_until": "",
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{url}?done=saved"
    event = await Event.get(slug=SLUG)  # the QR codes on old slides still point here
    assert event.title == "Terugkomdag OMEI Breda (verplaatst)"
    assert event.date == date(2026, 12, 10) and event.signup_until is None
    entry = await AuditEntry.get(action="event.edit")
    assert entry.details["changed"] == {
        "title": "Terugkomdag OMEI Breda (verplaatst)",
        "date": "2026-12-10",
        "signup_until": None,
    }
    assert "De wijzigingen zijn opgeslagen." in (await client.get(saved.headers["location"])).text


async def test_a_stale_edit_is_refused_with_409_and_keeps_the_other_change(
    coordinator_client: httpx.AsyncClient,
) -> None:
    client = coordinator_client
    await create(client)
    url = f"/coordinator/events/{SLUG}"
    first, second = await client.get(url), await client.get(url)  # two browser tabs
    assert version_on(first) == version_on(second)
    ok = await client.post(
        url,
        data={
            "csrf_token": csrf_token(first),
            "version": version_on(first),
            **BREDA,
            "place": "Breda, stadhuis",
        },
    )
    assert ok.status_code == 303
    stale = await client.post(
        url,
        data={
            "csrf_token": csrf_token(second),
            "version": version_on(second),
            **BREDA,
            "organiser": "Jan Jansen",
        },
    )
    assert stale.status_code == 409
    assert "iemand anders heeft deze bijeenkomst gewijzigd" in stale.text
    assert "Plaats: Breda, stadhuis" in stale.text  # what is stored now
    assert 'value="Jan Jansen"' in stale.text  # what they typed is kept
    event = await Event.get(slug=SLUG)
    assert (event.place, event.organiser) == ("Breda, stadhuis", "Ellen de Wit")
    assert [a for a, _ in await actions()] == ["event.create", "event.edit"]
    # Saving again from the refused form is a deliberate overwrite, and is accepted.
    again = await client.post(
        url,
        data={
            "csrf_token": csrf_token(stale),
            "version": version_on(stale),
            **BREDA,
            "organiser": "Jan Jansen",
        },
    )
    assert again.status_code == 303
    assert (await Event.get(slug=SLUG)).organiser == "Jan Jansen"


async def test_closing_refuses_sign_ups_by_page_and_api_and_reopening_allows_them(
    coordinator_client: httpx.AsyncClient,
) -> None:
    client = coordinator_client
    await create(client)
    url = f"/coordinator/events/{SLUG}"
    closed = await post_form(client, url, f"{url}/close", {})
    assert closed.status_code == 303 and closed.headers["location"] == f"{url}?done=closed"
    assert not (await Event.get(slug=SLUG)).is_open
    again = await post_form(client, url, f"{url}/close", {})  # a second click changes nothing
    assert again.status_code == 303
    assert [a for a, _ in await actions()] == ["event.create", "event.close"]
    listing = await client.get("/coordinator/events")
    assert "gesloten" in listing.text

    join = await client.get(f"/join/{SLUG}")
    assert join.status_code == 410
    assert "Aanmelden is gesloten" in join.text
    assert "de organisatie heeft de aanmelding gesloten" in join.text
    assert "Vraag Ellen de Wit naar een volgende bijeenkomst" in join.text
    assert '<a href="/">' in join.text
    english = await client.get(f"/join/{SLUG}?lang=en")
    assert english.status_code == 410
    assert "Ask Ellen de Wit about a next event" in english.text
    posted = await client.post(f"/join/{SLUG}", data=dict(form_fields(signup_data())))
    assert posted.status_code == 410
    api = await client.post(f"/api/v1/events/{SLUG}/signups", json=signup_data())
    assert api.status_code == 410
    assert api.json()["error"] == "signup_closed"
    assert await Signup.all().count() == 0

    reopened = await post_form(client, url, f"{url}/reopen", {})
    assert reopened.headers["location"] == f"{url}?done=reopened"
    await post_form(client, url, f"{url}/reopen", {})
    assert [a for a, _ in await actions()] == ["event.create", "event.close", "event.reopen"]
    log = await client.get("/coordinator/audit?lang=nl")
    for label in ("Bijeenkomst aangemaakt", "Aanmelden voor bijeenkomst gesloten", "heropend"):
        assert label in log.text
    assert (await client.get(f"/join/{SLUG}")).status_code == 200
    api = await client.post(f"/api/v1/events/{SLUG}/signups", json=signup_data())
    assert api.status_code == 202


async def test_after_the_last_sign_up_day_the_link_is_closed(client: httpx.AsyncClient) -> None:
    # The clock says 12 November 2026, 17:30 in Amsterdam.
    await an_event_in(
        "rotterdam",
        "voorbij",
        title="Training Rotterdam",
        on=date(2026, 11, 1),
        signup_until=date(2026, 11, 11),
    )
    await an_event_in("rotterdam", "vandaag", on=date(2026, 11, 1), signup_until=date(2026, 11, 12))
    join = await client.get("/join/voorbij")
    assert join.status_code == 410
    assert "Aanmelden via Training Rotterdam kon tot en met 11 november 2026." in join.text
    assert "Vraag de organisator" in join.text
    api = await client.post("/api/v1/events/voorbij/signups", json=signup_data())
    assert api.status_code == 410
    assert (await client.get("/join/vandaag")).status_code == 200


async def test_the_list_counts_each_events_sign_ups_and_confirmations(
    coordinator_client: httpx.AsyncClient,
) -> None:
    today = date(2026, 11, 12)
    past = await an_event("voorjaar", title="Voorjaarsdag", on=today - timedelta(days=200))
    recent = await an_event("najaar", title="Najaarsdag", on=today - timedelta(days=2))
    soon = await an_event("winter", title="Winterdag", on=today + timedelta(days=20))
    later = await an_event("lente", title="Lentedag", on=today + timedelta(days=120))
    people = [await an_attendee(f"Persoon {n}") for n in range(6)]
    stored = {past.id: (3, 1), recent.id: (2, 2), soon.id: (1, 0)}
    n = 0
    for event_id, (signups, confirmed) in stored.items():
        for i in range(signups):
            await a_signup(people[n % 6].id, event_id, n, confirmed=i < confirmed)
            n += 1
    page = await coordinator_client.get("/coordinator/events")
    rows = re.findall(
        r'<a href="/coordinator/events/([a-z-]+)">.*?class="signups">(\d+)<.*?'
        r'class="confirmed">(\d+)<',
        page.text,
        re.S,
    )
    # Upcoming soonest first, then past latest first.
    assert rows == [
        ("winter", "1", "0"),
        ("lente", "0", "0"),
        ("najaar", "2", "2"),
        ("voorjaar", "3", "1"),
    ]
    assert later.id not in stored
    assert page.text.index("Komend") < page.text.index("Winterdag")
    assert page.text.index("Lentedag") < page.text.index("Geweest") < page.text.index("Najaarsdag")
    one = await coordinator_client.get("/coordinator/events/voorjaar")
    assert "3 aanmeldingen, 1 bevestigd" in one.text


async def a_signup(attendee_id: int, event_id: int, n: int, *, confirmed: bool) -> None:
    from peernet import clock

    now = clock.now()
    await Signup.create(
        attendee_id=attendee_id,
        event_id=event_id,
        details={},
        channel="form",
        consent_version="2026-11-1",
        locale="nl",
        token_hash=f"{n:064d}",
        created_at=now,
        expires_at=now + timedelta(days=7),
        confirmed_at=now if confirmed else None,
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": " "}, "title", "Vul dit veld in."),
        ({"place": "x" * 201}, "place", "Dit is te lang: maximaal 200 tekens."),
        ({"description": "x" * 2001}, "description", "Dit is te lang: maximaal 2000 tekens."),
        ({"date": "3 december"}, "date", "Gebruik een datum als 2026-12-03."),
        ({"date": ""}, "date", "Vul dit veld in."),
        ({"region": ""}, "region", "Vul dit veld in."),
        ({"region": "atlantis"}, "region", "Kies een van de opties."),
        ({"signup_until": "2026-12-02"}, "signup_until", "Kies de dag van de bijeenkomst of later"),
        ({"signup_until": "morgen"}, "signup_until", "Gebruik een datum als 2026-12-03."),
        ({"organiser": "Ellen\nde Wit"}, "organiser", "Gebruik één regel"),
    ],
)
async def test_a_bad_input_names_its_field_and_stores_nothing(
    coordinator_client: httpx.AsyncClient, changes: dict[str, str], field: str, message: str
) -> None:
    answer = await create(coordinator_client, **changes)
    assert answer.status_code == 422
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', answer.text)
    assert error and message in error.group(1), answer.text
    assert answer.text.count('class="error"') == 1
    assert re.search(r"<title>Fout: [^<]+</title>", answer.text)  # said first by a screen reader
    assert await Event.all().count() == 0
    assert await AuditEntry.filter(action="event.create").count() == 0


async def test_a_bad_edit_names_its_field_and_changes_nothing(
    coordinator_client: httpx.AsyncClient,
) -> None:
    client = coordinator_client
    await create(client)
    url = f"/coordinator/events/{SLUG}"
    page = await client.get(url)
    answer = await client.post(
        url,
        data={
            "csrf_token": csrf_token(page),
            "version": version_on(page),
            **BREDA,
            "region": "",
            "title": "",
        },
    )
    assert answer.status_code == 422
    assert 'id="region-error"' in answer.text and 'id="title-error"' in answer.text
    event = await Event.get(slug=SLUG)
    assert (event.title, event.region) == ("Terugkomdag OMEI Breda", "zeeland_west_brabant")
    assert await AuditEntry.filter(action="event.edit").count() == 0


async def test_every_form_needs_its_csrf_token(coordinator_client: httpx.AsyncClient) -> None:
    client = coordinator_client
    await create(client)
    for action, data in [
        ("/coordinator/events/new", {**BREDA, "title": "Zonder token"}),
        (f"/coordinator/events/{SLUG}", {**BREDA, "title": "Zonder token"}),
        (f"/coordinator/events/{SLUG}/close", {}),
    ]:
        answer = await client.post(action, data=data)
        assert answer.status_code == 403, action
    event = await Event.get(slug=SLUG)
    assert event.is_open and event.title == "Terugkomdag OMEI Breda"
    assert await Event.all().count() == 1
    await post_form(client, f"/coordinator/events/{SLUG}", f"/coordinator/events/{SLUG}/close", {})
    assert (await client.post(f"/coordinator/events/{SLUG}/reopen", data={})).status_code == 403
    assert not (await Event.get(slug=SLUG)).is_open


async def test_every_event_page_needs_a_signed_in_coordinator(client: httpx.AsyncClient) -> None:
    await an_event(SLUG)
    logged = await AuditEntry.all().count()
    base = f"/coordinator/events/{SLUG}"
    for path in (
        "/coordinator/events",
        "/coordinator/events/new",
        base,
        f"{base}/print",
        f"{base}/qr.svg",
        f"{base}/qr.png",
    ):
        answer = await client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/coordinator/login?next="), path
    for path in ("/coordinator/events/new", base, f"{base}/close", f"{base}/reopen"):
        answer = await client.post(path, data={"title": "x"})
        assert answer.status_code in (303, 401, 403), path
    assert (await Event.get(slug=SLUG)).is_open
    assert await Event.all().count() == 1
    assert await AuditEntry.all().count() == logged


async def test_a_notice_only_shows_for_a_known_outcome(
    coordinator_client: httpx.AsyncClient,
) -> None:
    await create(coordinator_client)
    url = f"/coordinator/events/{SLUG}"
    known = await coordinator_client.get(f"{url}?done=saved")
    assert "De wijzigingen zijn opgeslagen." in known.text
    made_up = await coordinator_client.get(f"{url}?done=created/import")
    assert made_up.status_code == 200
    assert "events.done" not in made_up.text and 'class="notice success"' not in made_up.text


async def test_a_slug_that_could_never_exist_is_a_404_not_an_error(
    coordinator_client: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await an_event()
    for slug in ("a" * 65, "a" * 300, "Omei", "omei_utrecht", "omei--"):
        assert (await client.get(f"/join/{slug}")).status_code == 404
        api = await client.post(f"/api/v1/events/{slug}/signups", json=signup_data())
        assert api.status_code == 404
        assert (await coordinator_client.get(f"/coordinator/events/{slug}")).status_code == 404
        assert (
            await coordinator_client.get(f"/coordinator/events/{slug}/qr.png")
        ).status_code == 404
    directory = await coordinator_client.get("/coordinator/attendees", params={"event": "a" * 300})
    assert directory.status_code == 422
