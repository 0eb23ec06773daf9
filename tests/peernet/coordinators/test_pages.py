"""Signing in and out in the browser, the limits on failed attempts, and the API tokens page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from peernet.audit.models import AuditEntry
from peernet.coordinators.auth import SESSION_COOKIE, session_value
from peernet.coordinators.models import ApiToken, Coordinator
from peernet.coordinators.service import coordinator_for_token, create_api_token
from peernet.settings import Settings
from peernet.web.app import create_app
from tests.peernet.factories import COORDINATOR_PASSWORD, a_coordinator
from tests.peernet.helpers import csrf_token

pytestmark = pytest.mark.usefixtures("frozen_clock")

WRONG = "not the password at all"


async def sign_in(
    client: httpx.AsyncClient,
    email: str = "carla@example.org",
    password: str = COORDINATOR_PASSWORD,
    next_url: str | None = None,
) -> httpx.Response:
    client.cookies.delete(SESSION_COOKIE)  # a fresh visit: the page would skip a signed-in one
    page = await client.get("/coordinator/login")
    data = {"csrf_token": csrf_token(page), "email": email, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return await client.post("/coordinator/login", data=data)


async def actions() -> list[str]:
    return [entry.action for entry in await AuditEntry.all().order_by("id")]


async def test_the_sign_in_page_is_dutch_first_with_labelled_fields(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/coordinator/login")
    assert page.status_code == 200
    assert '<label for="email">E-mailadres</label>' in page.text
    assert '<label for="password">Wachtwoord</label>' in page.text
    assert 'autocomplete="current-password"' in page.text
    assert "<title>Fout" not in page.text
    english = await client.get("/coordinator/login?lang=en")
    assert '<label for="password">Password</label>' in english.text


async def test_signing_in_sets_a_strict_session_cookie_and_goes_to_the_start_page(
    client: httpx.AsyncClient, coordinator: Coordinator
) -> None:
    response = await sign_in(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/coordinator/"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
    )
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    # BASE_URL is https in the tests: the cookie is Secure.
    assert {"httponly", "samesite=lax", "secure", "path=/", "max-age=43200"} <= attributes
    start = await client.get("/coordinator/")
    assert start.status_code == 200
    assert "<h1>Het netwerk in één oogopslag</h1>" in start.text
    entry = await AuditEntry.get(action="sign_in")
    assert entry.coordinator_id == coordinator.id
    assert entry.subject == f"coordinator:{coordinator.id}"


async def test_signing_in_honours_a_coordinator_page_as_next(
    client: httpx.AsyncClient, coordinator: Coordinator
) -> None:
    response = await sign_in(client, next_url="/coordinator/audit?page=2")
    assert response.headers["location"] == "/coordinator/audit?page=2"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/coordinator/",
        "//evil.example/coordinator/",
        "/\\evil.example/coordinator/",
        "/coordinator/\\\\evil.example",
        "/join/demo",
        "javascript:alert(1)",
        "/coordinator/\r\nLocation: https://evil.example",
    ],
)
async def test_next_never_leads_off_the_coordinator_pages(
    client: httpx.AsyncClient, coordinator: Coordinator, next_url: str
) -> None:
    response = await sign_in(client, next_url=next_url)
    assert response.status_code == 303
    assert response.headers["location"] == "/coordinator/"


async def test_the_sign_in_form_carries_next_through(client: httpx.AsyncClient) -> None:
    page = await client.get("/coordinator/login?next=%2Fcoordinator%2Ftokens")
    assert '<input type="hidden" name="next" value="/coordinator/tokens">' in page.text
    assert "next=%2Fcoordinator%2Ftokens" in page.text  # the language link keeps it


async def test_a_signed_in_coordinator_skips_the_sign_in_page(
    coordinator_client: httpx.AsyncClient,
) -> None:
    response = await coordinator_client.get("/coordinator/login?next=/coordinator/tokens")
    assert response.status_code == 303
    assert response.headers["location"] == "/coordinator/tokens"


async def test_a_wrong_password_shows_the_error_and_is_logged_without_the_password(
    client: httpx.AsyncClient, coordinator: Coordinator
) -> None:
    response = await sign_in(client, password=WRONG)
    assert response.status_code == 401
    assert SESSION_COOKIE not in response.cookies
    assert 'class="summary" role="alert"' in response.text
    assert "Het e-mailadres of het wachtwoord klopt niet." in response.text
    assert "<title>Fout: " in response.text
    assert 'value="carla@example.org"' in response.text  # the address stays filled in
    assert WRONG not in response.text
    entry = await AuditEntry.get(action="sign_in_failed")
    assert entry.coordinator_id == coordinator.id
    assert WRONG not in str(entry.details)
    assert (await client.get("/coordinator/tokens")).status_code == 303


async def test_an_unknown_address_is_refused_the_same_way_and_not_kept(
    client: httpx.AsyncClient, coordinator: Coordinator
) -> None:
    response = await sign_in(client, email="someone.else@example.org")
    assert response.status_code == 401
    assert "Het e-mailadres of het wachtwoord klopt niet." in response.text
    entry = await AuditEntry.get(action="sign_in_failed")
    assert entry.coordinator_id is None
    assert "someone.else" not in f"{entry.actor} {entry.subject} {entry.details}"


async def test_empty_fields_are_named(client: httpx.AsyncClient) -> None:
    response = await sign_in(client, email="", password="")
    assert response.status_code == 422
    assert '<a href="#email">E-mailadres: Vul dit veld in.</a>' in response.text
    assert "<title>Fout: " in response.text
    assert 'aria-describedby="password-error" aria-invalid="true"' in response.text
    assert await actions() == []


async def test_a_sign_in_without_the_form_token_is_refused(
    client: httpx.AsyncClient, coordinator: Coordinator
) -> None:
    await client.get("/coordinator/login")
    response = await client.post(
        "/coordinator/login", data={"email": "carla@example.org", "password": COORDINATOR_PASSWORD}
    )
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies


async def test_the_sixth_wrong_attempt_is_refused_even_with_the_right_password(
    client: httpx.AsyncClient, coordinator: Coordinator
) -> None:
    for _ in range(5):
        assert (await sign_in(client, password=WRONG)).status_code == 401
    refused = await sign_in(client)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert "Te veel mislukte pogingen. Probeer het over 15 minuten opnieuw." in refused.text
    assert SESSION_COOKIE not in refused.cookies
    # The blocked attempt was not checked, so it is neither a sign-in nor a failure.
    assert await actions() == ["sign_in_failed"] * 5
    english = await client.get("/coordinator/login?lang=en")
    refused = await client.post(
        "/coordinator/login?lang=en",
        data={"csrf_token": csrf_token(english), "email": "carla@example.org", "password": "x"},
    )
    assert "Too many failed attempts. Try again in 15 minutes." in refused.text


async def test_the_account_limit_ignores_the_case_of_the_address(
    client: httpx.AsyncClient, coordinator: Coordinator
) -> None:
    for email in (
        "Carla@Example.org",
        "CARLA@EXAMPLE.ORG",
        " carla@example.org",
        "carla@EXAMPLE.org",
    ):
        await sign_in(client, email=email, password=WRONG)
    await sign_in(client, email="carla@example.ORG", password=WRONG)
    assert (await sign_in(client)).status_code == 429


async def test_another_account_from_the_same_address_works_until_the_address_limit(
    client: httpx.AsyncClient, coordinator: Coordinator
) -> None:
    await a_coordinator("dirk@example.org", "Dirk")
    for _ in range(5):
        await sign_in(client, password=WRONG)
    assert (await sign_in(client, email="dirk@example.org")).status_code == 303
    # 5 for Carla, and 15 more wrong addresses from the same client: 20 in all.
    for n in range(15):
        assert (await sign_in(client, email=f"guess{n}@example.org")).status_code == 401
    assert (await sign_in(client, email="dirk@example.org")).status_code == 429


async def test_the_address_limit_is_per_client_address(
    settings: Settings, coordinator: Coordinator
) -> None:
    app = create_app(settings, manage_database=False)  # one app: one limiter for both

    def visitor(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        return httpx.AsyncClient(transport=transport, base_url="https://peernet.test")

    async with visitor("198.51.100.4") as here, visitor("192.0.2.7") as elsewhere:
        for n in range(20):
            await sign_in(here, email=f"guess{n}@example.org")
        assert (await sign_in(here)).status_code == 429
        assert (await sign_in(elsewhere)).status_code == 303


async def test_successful_sign_ins_do_not_count(
    client: httpx.AsyncClient, coordinator: Coordinator
) -> None:
    for _ in range(4):
        await sign_in(client, password=WRONG)
    for _ in range(22):
        assert (await sign_in(client)).status_code == 303
    # The owner proved the password: the account's earlier typos are forgiven.
    for _ in range(4):
        await sign_in(client, password=WRONG)
    assert (await sign_in(client)).status_code == 303


async def test_signing_out_ends_the_session_everywhere(
    coordinator_client: httpx.AsyncClient, settings: Settings, coordinator: Coordinator
) -> None:
    other_browser = session_value(settings, coordinator)
    page = await coordinator_client.get("/coordinator/tokens")
    # "Uitloggen": "afmelden" is what an attendee does who leaves peernet.
    assert f"Uitloggen ({coordinator.name})" in page.text and "Afmelden" not in page.text
    english = await coordinator_client.get("/coordinator/tokens?lang=en")
    assert f"Sign out ({coordinator.name})" in english.text
    coordinator_client.cookies.delete("peernet_lang")
    response = await coordinator_client.post(
        "/coordinator/logout", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/coordinator/login?signed_out=1"
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]
    notice = await coordinator_client.get(response.headers["location"])
    assert "Je bent uitgelogd" in notice.text
    coordinator_client.cookies.set(SESSION_COOKIE, other_browser)
    assert (await coordinator_client.get("/coordinator/tokens")).status_code == 303
    assert await actions() == ["sign_out"]


async def test_signing_out_needs_the_form_token(
    coordinator_client: httpx.AsyncClient,
) -> None:
    await coordinator_client.get("/coordinator/tokens")
    assert (await coordinator_client.post("/coordinator/logout")).status_code == 403
    assert (await coordinator_client.get("/coordinator/tokens")).status_code == 200


async def test_a_form_posted_after_the_session_ended_goes_to_sign_in_without_next(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/coordinator/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/coordinator/login"


@pytest.fixture
async def tokens_page(coordinator_client: httpx.AsyncClient) -> AsyncIterator[httpx.Response]:
    yield await coordinator_client.get("/coordinator/tokens")


async def test_a_new_token_is_shown_once_and_works(
    coordinator_client: httpx.AsyncClient, coordinator: Coordinator, tokens_page: httpx.Response
) -> None:
    assert "Je hebt nog geen API-sleutels." in tokens_page.text
    created = await coordinator_client.post(
        "/coordinator/tokens", data={"csrf_token": csrf_token(tokens_page), "label": "rapportage"}
    )
    assert created.status_code == 200
    record = await ApiToken.get(coordinator=coordinator)
    shown = created.text.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert shown.startswith(record.prefix)
    assert "Kopieer je nieuwe sleutel nu" in created.text
    assert await coordinator_for_token(shown) == coordinator
    again = await coordinator_client.get("/coordinator/tokens")
    assert shown not in again.text
    assert "rapportage" in again.text
    assert f"{record.prefix}…" in again.text
    entry = await AuditEntry.get(action="api_token.create")
    assert (entry.coordinator_id, entry.subject) == (coordinator.id, f"api_token:{record.id}")


async def test_a_too_long_label_is_named(
    coordinator_client: httpx.AsyncClient, tokens_page: httpx.Response
) -> None:
    response = await coordinator_client.post(
        "/coordinator/tokens", data={"csrf_token": csrf_token(tokens_page), "label": "x" * 81}
    )
    assert response.status_code == 422
    assert 'id="label-error">Dit is te lang.' in response.text
    assert await ApiToken.all().count() == 0


async def test_the_page_lists_only_ones_own_tokens_and_revokes_them(
    coordinator_client: httpx.AsyncClient, coordinator: Coordinator, tokens_page: httpx.Response
) -> None:
    mine = await create_api_token(coordinator, label="mijn script")
    theirs = await create_api_token(await a_coordinator("dirk@example.org"), label="van dirk")
    page = await coordinator_client.get("/coordinator/tokens")
    assert "mijn script" in page.text
    assert "van dirk" not in page.text
    token = csrf_token(page)
    refused = await coordinator_client.post(
        f"/coordinator/tokens/{theirs.record.id}/revoke", data={"csrf_token": token}
    )
    assert refused.status_code == 404
    assert await coordinator_for_token(theirs.token) is not None
    revoked = await coordinator_client.post(
        f"/coordinator/tokens/{mine.record.id}/revoke", data={"csrf_token": token}
    )
    assert revoked.status_code == 303
    assert await coordinator_for_token(mine.token) is None
    after = await coordinator_client.get(revoked.headers["location"])
    assert "De sleutel is ingetrokken en werkt niet meer." in after.text
    assert "12 nov 2026 17:30" in after.text  # created and revoked, Amsterdam time
    assert await actions() == ["api_token.revoke"]


async def test_revoking_needs_the_form_token(
    coordinator_client: httpx.AsyncClient, coordinator: Coordinator, tokens_page: httpx.Response
) -> None:
    mine = await create_api_token(coordinator)
    response = await coordinator_client.post(f"/coordinator/tokens/{mine.record.id}/revoke")
    assert response.status_code == 403
    assert await coordinator_for_token(mine.token) == coordinator
