from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
import pytest
from starlette.routing import Route

from peernet.attendees.models import Attendee, AttendeeBlock, AttendeeStatus, MagicLink
from peernet.attendees.personal import SESSION_COOKIE, manage_link
from peernet.attendees.subscription import resume_ended_pauses
from peernet.audit.models import AuditEntry
from peernet.outbox.models import OutboxMessage
from peernet.rounds.models import Match
from peernet.settings import Settings
from peernet.web.app import create_app
from tests.peernet.conftest import Clock
from tests.peernet.factories import a_pair, a_published_round, an_attendee
from tests.peernet.helpers import csrf_token

pytestmark = pytest.mark.usefixtures("frozen_clock")

LINK = re.compile(r"https://peernet\.test(/me/link/[A-Za-z0-9_-]{43})")


def path(url: str) -> str:
    return url.removeprefix("https://peernet.test")


async def open_link(client: httpx.AsyncClient, url: str) -> httpx.Response:
    """What a person does with the link: open it, press the button."""
    page = await client.get(path(url))
    assert page.status_code == 200, page.text
    return await client.post(path(url), data={"csrf_token": csrf_token(page)})


async def sign_in(client: httpx.AsyncClient, settings: Settings, attendee: Attendee) -> None:
    answer = await open_link(client, await manage_link(settings, attendee.id))
    assert answer.status_code == 303
    assert answer.headers["location"] == "/me/profile"


async def post(client: httpx.AsyncClient, url: str, data: dict[str, object]) -> httpx.Response:
    """A form on the personal page, with the CSRF token of the page it is on."""
    page = await client.get("/me/profile")
    fields = {**data, "csrf_token": csrf_token(page)}
    return await client.post(url, data=fields)


# -- magic links ---------------------------------------------------------------------------


async def test_a_link_starts_a_short_session_on_the_personal_page(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, _ = await a_pair()
    url = await manage_link(settings, anouk.id)
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes
    link = await MagicLink.get(attendee_id=anouk.id)
    assert token not in link.token_hash and len(link.token_hash) == 64
    assert link.expires_at == frozen_clock.current + timedelta(days=30)

    answer = await open_link(client, url)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for flag in ("HttpOnly", "Secure", "SameSite=lax", "Path=/me", "Max-Age=1800"):
        assert flag in cookie
    page = await client.get("/me/profile")
    assert page.status_code == 200
    assert "Anouk de Vries" in page.text
    assert (await MagicLink.get(id=link.id)).used_at == frozen_clock.current
    assert (await Attendee.get(id=anouk.id)).last_active_at == frozen_clock.current


async def test_a_scanner_fetching_the_link_spends_nothing(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = await manage_link(settings, anouk.id)
    for _ in range(3):
        page = await client.get(path(url))
        assert page.status_code == 200
        assert "Open mijn pagina" in page.text
    assert (await MagicLink.get()).used_at is None
    assert SESSION_COOKIE not in client.cookies
    assert (await open_link(client, url)).status_code == 303


async def test_a_link_works_once(client: httpx.AsyncClient, settings: Settings) -> None:
    anouk, _ = await a_pair()
    url = await manage_link(settings, anouk.id)
    page = await client.get(path(url))
    token = csrf_token(page)
    assert (await client.post(path(url), data={"csrf_token": token})).status_code == 303
    again = await client.post(path(url), data={"csrf_token": token})
    assert again.status_code == 410
    assert "Deze link werkt niet meer" in again.text
    assert 'action="/me"' in again.text  # offers a new link
    assert (await client.get(path(url))).status_code == 410


async def test_an_expired_link_offers_a_new_one(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, _ = await a_pair()
    url = await manage_link(settings, anouk.id)
    page = await client.get(path(url))
    frozen_clock.advance(timedelta(days=30, seconds=1))
    assert (await client.get(path(url))).status_code == 410
    answer = await client.post(path(url), data={"csrf_token": csrf_token(page)})
    assert answer.status_code == 410
    assert "Deze link werkt niet meer" in answer.text
    assert (await MagicLink.get()).used_at is None
    assert SESSION_COOKIE not in client.cookies


async def test_a_tampered_link_starts_nothing(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = await manage_link(settings, anouk.id)
    page = await client.get(path(url))
    flipped = url[:-1] + ("A" if url[-1] != "A" else "B")
    assert (await client.get(path(flipped))).status_code == 410
    answer = await client.post(path(flipped), data={"csrf_token": csrf_token(page)})
    assert answer.status_code == 410
    assert (await MagicLink.get()).used_at is None
    assert (await client.get("/me/profile")).status_code == 303


async def test_of_two_posts_at_once_one_starts_a_session(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = await manage_link(settings, anouk.id)
    token = csrf_token(await client.get(path(url)))
    answers = await asyncio.gather(
        *(client.post(path(url), data={"csrf_token": token}) for _ in range(2))
    )
    assert sorted(a.status_code for a in answers) == [303, 410]


async def test_opening_a_link_needs_the_csrf_token(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = await manage_link(settings, anouk.id)
    await client.get(path(url))
    assert (await client.post(path(url), data={})).status_code == 403
    assert (await MagicLink.get()).used_at is None


async def test_an_erased_attendees_link_starts_no_session(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = await manage_link(settings, anouk.id)
    page = await client.get(path(url))
    await Attendee.filter(id=anouk.id).update(status=AttendeeStatus.ERASED)
    answer = await client.post(path(url), data={"csrf_token": csrf_token(page)})
    assert answer.status_code == 410


# -- asking for a link ---------------------------------------------------------------------


async def ask(client: httpx.AsyncClient, email: str) -> httpx.Response:
    page = await client.get("/me")
    return await client.post("/me", data={"email": email, "csrf_token": csrf_token(page)})


async def test_known_and_unknown_addresses_get_the_same_answer(
    client: httpx.AsyncClient,
) -> None:
    anouk, _ = await a_pair()
    await an_attendee("Nog Niet", email="pending@example.org", status=AttendeeStatus.PENDING)
    known = await ask(client, "Anouk.de.Vries@example.org")
    unknown = await ask(client, "nobody@example.org")
    pending = await ask(client, "pending@example.org")
    assert known.status_code == unknown.status_code == pending.status_code == 200
    shown = [
        a.text.replace(e, "ADDRESS")
        for a, e in (
            (known, "Anouk.de.Vries@example.org"),
            (unknown, "nobody@example.org"),
            (pending, "pending@example.org"),
        )
    ]
    assert shown[0] == shown[1] == shown[2]
    assert "Kijk in je mailbox" in shown[0]
    sent = await OutboxMessage.filter(kind="magic_link")
    assert [m.recipient_email for m in sent] == [anouk.email]
    found = LINK.search(sent[0].text)
    assert found and found.group(0) in sent[0].html
    assert "https://peernet.test/privacy" in sent[0].text
    # The emailed link works.
    assert (await open_link(client, found.group(0))).status_code == 303


async def test_asking_for_links_is_rate_limited_per_address(client: httpx.AsyncClient) -> None:
    await a_pair()
    for _ in range(3):
        assert (await ask(client, "anouk.de.vries@example.org")).status_code == 200
    over = await ask(client, "anouk.de.vries@example.org")
    assert over.status_code == 429
    assert int(over.headers["Retry-After"]) > 0
    assert await OutboxMessage.filter(kind="magic_link").count() == 3
    # Unknown addresses are limited just the same: the limit gives nothing away either.
    for _ in range(3):
        await ask(client, "nobody@example.org")
    assert (await ask(client, "nobody@example.org")).status_code == 429


async def test_asking_for_links_is_rate_limited_per_client(client: httpx.AsyncClient) -> None:
    for n in range(20):
        assert (await ask(client, f"person{n}@example.org")).status_code == 200
    assert (await ask(client, "one-more@example.org")).status_code == 429


async def test_a_mistyped_address_is_named(client: httpx.AsyncClient) -> None:
    answer = await ask(client, "not an address")
    assert answer.status_code == 422
    assert "Vul een geldig e-mailadres in" in answer.text
    assert 'value="not an address"' in answer.text


# -- the session ---------------------------------------------------------------------------


def personal_routes(settings: Settings) -> list[tuple[str, str]]:
    app = create_app(settings, manage_database=False)
    found: list[tuple[str, str]] = []
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith("/me/") and "{" not in route.path:
            found.extend((m, route.path) for m in sorted(route.methods or ()) if m != "HEAD")
    return found


async def test_every_personal_page_without_a_session_goes_to_the_start(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    routes = personal_routes(settings)
    assert ("GET", "/me/profile") in routes and ("POST", "/me/leave") in routes
    for method, url in routes:
        answer = await client.request(method, url)
        assert (answer.status_code, answer.headers.get("location")) == (303, "/me"), url


async def test_a_session_lasts_thirty_minutes(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    frozen_clock.advance(timedelta(minutes=29))
    assert (await client.get("/me/profile")).status_code == 200
    frozen_clock.advance(timedelta(minutes=2))
    assert (await client.get("/me/profile")).headers.get("location") == "/me"


async def test_a_forged_session_cookie_is_refused(client: httpx.AsyncClient) -> None:
    await a_pair()
    client.cookies.set(SESSION_COOKIE, "eyJhIjoxfQ.forged.signature", path="/me")
    assert (await client.get("/me/profile")).headers.get("location") == "/me"


async def test_signing_out_ends_the_session(client: httpx.AsyncClient, settings: Settings) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    answer = await post(client, "/me/signout", {})
    assert answer.headers["location"] == "/me"
    assert (await client.get("/me/profile")).headers.get("location") == "/me"


async def test_the_session_of_an_erased_attendee_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    await Attendee.filter(id=anouk.id).update(status=AttendeeStatus.ERASED)
    assert (await client.get("/me/profile")).headers.get("location") == "/me"


async def test_after_leaving_only_the_page_saying_so_is_left(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    confirm = await client.get("/me/leave")
    assert "Ja, meld me af" in confirm.text
    answer = await client.post("/me/leave", data={"csrf_token": csrf_token(confirm)})
    assert answer.headers["location"] == "/me/left"
    stored = await Attendee.get(id=anouk.id)
    assert stored.status is AttendeeStatus.LEFT and stored.left_at is not None
    assert stored.organisation == "Gemeente Utrecht"  # the profile is kept for a return
    assert "Je bent afgemeld" in (await client.get("/me/left")).text
    for url in ("/me/profile", "/me/leave"):
        assert (await client.get(url)).headers.get("location") == "/me/left"
    page = await client.get("/me/left")
    blocked = await client.post("/me/pause", data={"months": "1", "csrf_token": csrf_token(page)})
    assert blocked.headers.get("location") == "/me/left"
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.LEFT


async def test_every_post_needs_the_csrf_token(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    for url in ("/me/profile", "/me/pause", "/me/resume", "/me/block", "/me/leave", "/me/erase"):
        assert (await client.post(url, data={"months": "1"})).status_code == 403, url
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ACTIVE


# -- the profile ---------------------------------------------------------------------------


PROFILE: dict[str, object] = {
    "name": "Anouk de Vries",
    "organisation": "Gemeente Amersfoort",
    "role": "youth_worker",
    "region": "oost_nederland",
    "expertise": ["conversation_skills"],
    "gaps": ["online_radicalisation", "local_policy_network"],
    "languages": ["nl", "en"],
    "meeting_preference": "online",
}


async def test_the_profile_can_be_edited(client: httpx.AsyncClient, settings: Settings) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    answer = await post(client, "/me/profile", PROFILE)
    assert answer.status_code == 303
    stored = await Attendee.get(id=anouk.id)
    assert {f: getattr(stored, f) for f in PROFILE} == PROFILE
    assert "Je profiel is opgeslagen" in (await client.get(answer.headers["location"])).text


async def test_bad_input_keeps_the_stored_profile_and_the_typed_input(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    answer = await post(client, "/me/profile", {**PROFILE, "region": "atlantis"})
    assert answer.status_code == 422
    assert "Gemeente Amersfoort" in answer.text  # the input is kept
    assert 'href="#region"' in answer.text
    both = await post(client, "/me/profile", {**PROFILE, "gaps": ["conversation_skills"]})
    assert both.status_code == 422
    assert 'href="#gaps"' in both.text
    assert 'value="online" checked' in both.text
    stored = await Attendee.get(id=anouk.id)
    assert (stored.organisation, stored.region, stored.gaps) == (
        "Gemeente Utrecht",
        "midden_nederland",
        ["conversation_skills"],
    )


async def test_the_name_can_be_corrected_but_not_left_empty_or_too_long(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    page = await client.get("/me/profile")
    assert 'id="name" name="name"' in page.text and 'value="Anouk de Vries"' in page.text
    empty = await post(client, "/me/profile", {**PROFILE, "name": "  "})
    assert empty.status_code == 422
    assert '<a href="#name">Vul je naam in.</a>' in empty.text
    too_long = await post(client, "/me/profile", {**PROFILE, "name": "x" * 121})
    assert too_long.status_code == 422
    assert '<a href="#name">Naam: Dit is te lang: maximaal 120 tekens.</a>' in too_long.text
    assert (await Attendee.get(id=anouk.id)).name == "Anouk de Vries"

    answer = await post(client, "/me/profile", {**PROFILE, "name": " Anouk  Bakker "})
    assert answer.status_code == 303
    assert (await Attendee.get(id=anouk.id)).name == "Anouk  Bakker"
    assert "Ingelogd als Anouk  Bakker" in (await client.get("/me/profile")).text


async def test_the_email_address_is_shown_with_how_to_change_it(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    page = (await client.get("/me/profile")).text
    # Not a field of the profile: a new address is confirmed first (test_email_change.py).
    assert 'name="email"' not in page
    assert f"Je e-mailadres: {anouk.email}." in page
    assert "We sturen een bevestigingslink naar het nieuwe adres" in page


async def test_erasure_after_a_name_correction_finds_the_former_name_too(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    # Ruud's introduction names her as she was called then.
    assert await OutboxMessage.filter(
        recipient_email=ruud.email, text__contains="Anouk de Vries"
    ).exists()
    await sign_in(client, settings, anouk)
    await post(client, "/me/profile", {**PROFILE, "name": "Anouk Bakker"})
    await post(client, "/me/erase", {"confirm": "yes"})
    for message in await OutboxMessage.all():
        assert "Anouk de Vries" not in message.text + message.html + message.subject
    for entry in await AuditEntry.all():
        assert "Anouk de Vries" not in str(entry.details)


# -- pausing -------------------------------------------------------------------------------


async def test_a_pause_of_one_month_ends_on_its_own(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    answer = await post(client, "/me/pause", {"months": "1"})
    assert answer.status_code == 303
    stored = await Attendee.get(id=anouk.id)
    assert stored.status is AttendeeStatus.PAUSED
    assert "gepauzeerd tot 12 december 2026" in (await client.get("/me/profile")).text
    frozen_clock.advance(timedelta(days=29))
    assert await resume_ended_pauses() == 0
    frozen_clock.advance(timedelta(days=2))
    assert await resume_ended_pauses() == 1
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ACTIVE


async def test_a_pause_until_resumed_lasts_until_they_resume(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    await post(client, "/me/pause", {"months": "until_resumed"})
    frozen_clock.advance(timedelta(days=3 * 365))
    assert await resume_ended_pauses() == 0
    stored = await Attendee.get(id=anouk.id)
    assert (stored.status, stored.paused_until) == (AttendeeStatus.PAUSED, None)
    await sign_in(client, settings, anouk)
    assert (await post(client, "/me/resume", {})).status_code == 303
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ACTIVE


async def test_a_pause_of_six_months_and_a_wrong_length(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    assert (await post(client, "/me/pause", {"months": "2"})).status_code == 422
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ACTIVE
    await post(client, "/me/pause", {"months": "6"})
    stored = await Attendee.get(id=anouk.id)
    assert stored.paused_until is not None and stored.paused_until.month == 5


# -- matches and blocks --------------------------------------------------------------------


async def test_matches_show_partners_names_and_months_only(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    await sign_in(client, settings, anouk)
    page = (await client.get("/me/profile")).text
    assert "Ruud van 't Hoff" in page or "Ruud van &#39;t Hoff" in page
    assert "november 2026" in page
    assert ruud.email not in page
    assert "Politie Midden-Nederland" not in page


async def test_an_erased_partner_shows_as_a_former_participant(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    await Attendee.filter(id=ruud.id).update(status=AttendeeStatus.ERASED)
    await sign_in(client, settings, anouk)
    page = (await client.get("/me/profile")).text
    assert "een oud-deelnemer" in page
    assert "Ruud" not in page


async def test_a_partner_can_be_blocked_and_unblocked_privately(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    await sign_in(client, settings, anouk)
    answer = await post(client, "/me/block", {"partner": str(ruud.id)})
    assert answer.status_code == 303
    assert await AttendeeBlock.filter(attendee_id=anouk.id, blocked_id=ruud.id).count() == 1
    assert (await post(client, "/me/block", {"partner": str(ruud.id)})).status_code == 303
    assert await AttendeeBlock.all().count() == 1  # blocking twice is one block
    assert "Weer toestaan" in (await client.get("/me/profile")).text
    # Ruud sees nothing of it.
    client.cookies.clear()
    await sign_in(client, settings, ruud)
    theirs = (await client.get("/me/profile")).text
    assert "Weer toestaan" not in theirs and "Anouk de Vries" in theirs
    client.cookies.clear()
    await sign_in(client, settings, anouk)
    await post(client, "/me/unblock", {"partner": str(ruud.id)})
    assert await AttendeeBlock.all().count() == 0


async def test_only_a_past_partner_can_be_blocked(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    stranger = await an_attendee("Vreemde", role="teacher")
    await a_published_round(settings, [[anouk.id, ruud.id]])
    await sign_in(client, settings, anouk)
    for partner in (stranger.id, anouk.id, 999999):
        answer = await post(client, "/me/block", {"partner": str(partner)})
        assert answer.status_code == 404, partner
    assert await AttendeeBlock.all().count() == 0


async def test_the_personal_page_speaks_english_too(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    assert "Send me a link" in (await client.get("/me?lang=en")).text
    await sign_in(client, settings, anouk)
    page = (await client.get("/me/profile")).text
    for text in ("My participation", "My matches", "November 2026", "Not with this person again"):
        assert text in page
    assert "Koppelingen" not in page


# -- their data: download and erase ---------------------------------------------------------


async def test_the_personal_page_downloads_everything_kept_about_them(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    await sign_in(client, settings, anouk)
    page = await client.get("/me/profile")
    assert 'href="/me/export.json"' in page.text
    download = await client.get("/me/export.json")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/json"
    assert "attachment" in download.headers["content-disposition"]
    assert 'filename="peernet-mijn-gegevens.json"' in download.headers["content-disposition"]
    english = await client.get("/me/export.json?lang=en")
    assert 'filename="peernet-my-data.json"' in english.headers["content-disposition"]
    assert download.headers["cache-control"] == "no-store"
    data = download.json()
    assert data["profile"]["email"] == anouk.email
    assert [m["partners"] for m in data["matches"]] == [[ruud.name]]
    assert ruud.email not in download.text
    entry = await AuditEntry.filter(action="attendee.export_data").first()
    assert entry is not None
    assert entry.actor == "attendee" and anouk.email not in str(entry.details)


async def test_erasing_from_the_personal_page_needs_the_box_ticked_then_is_final(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    await sign_in(client, settings, anouk)
    unticked = await post(client, "/me/erase", {})
    assert unticked.status_code == 422
    assert "Vink eerst aan" in unticked.text
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ACTIVE

    erased = await post(client, "/me/erase", {"confirm": "yes"})
    assert erased.status_code == 200
    assert "Je gegevens zijn gewist" in erased.text
    assert SESSION_COOKIE in erased.headers.get("set-cookie", "")  # the session is ended
    stored = await Attendee.get(id=anouk.id)
    assert stored.status is AttendeeStatus.ERASED
    assert anouk.name not in (stored.name, stored.organisation) and stored.email != anouk.email
    assert (await client.get("/me/profile")).headers["location"] == "/me"
    # The partner is untouched.
    assert (await Attendee.get(id=ruud.id)).status is AttendeeStatus.ACTIVE


async def test_someone_who_left_can_still_download_and_erase(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    page = await client.get("/me/leave")
    await client.post("/me/leave", data={"csrf_token": csrf_token(page)})
    left = await client.get("/me/left")
    assert 'href="/me/export.json"' in left.text and 'action="/me/erase"' in left.text
    assert (await client.get("/me/export.json")).json()["profile"]["status"] == "left"
    answer = await client.post("/me/erase", data={"confirm": "yes", "csrf_token": csrf_token(left)})
    assert answer.status_code == 200
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ERASED


async def test_my_matches_say_feedback_is_asked_later_until_it_is_due(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    rnd = await a_published_round(settings, [[anouk.id, ruud.id]])
    due = (await Match.get(round_id=rnd.id)).feedback_due_at
    assert due is not None and due > frozen_clock.current
    await sign_in(client, settings, anouk)
    page = (await client.get("/me/profile")).text
    assert "We vragen je later hoe het gesprek ging." in page
    assert "Je gaf hierover geen antwoord." not in page
    frozen_clock.set(due + timedelta(days=1))
    await sign_in(client, settings, anouk)
    page = (await client.get("/me/profile")).text
    assert "Je gaf hierover geen antwoord." in page
    assert "We vragen je later" not in page
