"""Visitors' rate limits: per client address and route family (generous, 429 over it) and
per recipient address (strict, the usual answer and no email over it); memory and Redis."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from peernet.outbox.models import OutboxMessage
from peernet.settings import SettingsError
from peernet.web.app import create_app
from peernet.web.ratelimit import close_rate_limits, family_of
from tests.peernet.conftest import make_settings
from tests.peernet.factories import an_attendee, an_event, signup_data
from tests.peernet.helpers import csrf_token, form_fields

pytestmark = pytest.mark.usefixtures("frozen_clock", "empty_db")

REDIS = "redis://127.0.0.1:6379/0"
SIGNUPS = "/api/v1/events/omei-utrecht/signups"


@asynccontextmanager
async def a_client(
    address: str = "203.0.113.7", app: Starlette | None = None, **settings: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A visitor at ``address``; on ``app`` if given (the caller closes it), else on an app
    of its own with these settings."""
    own = app is None
    app = app or create_app(make_settings(**settings), manage_database=False)
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="https://peernet.test") as c:
        yield c
    if own:
        await close_rate_limits(app)


async def confirmations(email: str) -> int:
    return await OutboxMessage.filter(kind="confirmation", recipient_email=email).count()


async def submit_form(client: httpx.AsyncClient, data: dict[str, Any]) -> httpx.Response:
    page = await client.get("/join/omei-utrecht")
    fields: list[tuple[str, str | int | float | bool | None]] = [
        ("csrf_token", csrf_token(page)),
        *form_fields(data),
    ]
    return await client.post(
        "/join/omei-utrecht",
        content=str(httpx.QueryParams(fields)).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=True,  # as a browser: to the page after the sign-up
    )


async def test_a_burst_of_300_signups_for_one_address_sends_three_emails_and_answers_alike() -> (
    None
):
    await an_event()
    victim = signup_data(name="Click here http://evil.example", email="victim@example.org")
    app = create_app(make_settings(), manage_database=False)
    async with a_client(app=app) as client:
        answers = [await client.post(SIGNUPS, json=victim) for _ in range(300)]
        # The client has used up its generous 300 per 10 minutes as well.
        beyond = await client.post(SIGNUPS, json=victim)
    # The form from elsewhere counts against the same address: no different.
    async with a_client(address="192.0.2.99", app=app) as elsewhere:
        by_hand = await submit_form(elsewhere, victim)
    await close_rate_limits(app)
    assert {a.status_code for a in answers} == {202}
    assert {a.text for a in answers} == {answers[0].text}
    assert answers[-1].json() == {"status": "pending_confirmation", "email": "victim@example.org"}
    assert await confirmations("victim@example.org") == 3
    assert beyond.status_code == 429
    assert by_hand.status_code == 200
    assert "victim@example.org" in by_hand.text
    assert await confirmations("victim@example.org") == 3


async def test_the_address_limit_holds_whatever_the_client() -> None:
    await an_event()
    data = signup_data(email="target@example.org")
    app = create_app(make_settings(), manage_database=False)
    for number in range(6):
        async with a_client(address=f"198.51.100.{number + 1}", app=app) as client:
            assert (await client.post(SIGNUPS, json=data)).status_code == 202
    await close_rate_limits(app)
    assert await confirmations("target@example.org") == 3


async def test_a_client_over_its_limit_gets_429_with_retry_after_in_json_for_the_api() -> None:
    await an_event()
    async with a_client(RATE_LIMIT_SIGNUP="5/10minutes") as client:
        for number in range(5):
            ok = await client.post(SIGNUPS, json=signup_data(email=f"p{number}@example.org"))
            assert ok.status_code == 202
        over = await client.post(SIGNUPS, json=signup_data(email="late@example.org"))
    assert over.status_code == 429
    assert 1 <= int(over.headers["retry-after"]) <= 600
    assert over.json()["error"] == "too_many_requests"
    assert await confirmations("late@example.org") == 0
    # Another client address has its own count.
    async with a_client(address="192.0.2.44", RATE_LIMIT_SIGNUP="5/10minutes") as other:
        assert (await other.post(SIGNUPS, json=signup_data())).status_code == 202


async def test_a_client_over_its_limit_gets_a_friendly_page_in_dutch_or_english() -> None:
    await an_event()
    async with a_client(RATE_LIMIT_SIGNUP="1/10minutes") as client:
        assert (await submit_form(client, signup_data())).status_code == 200
        dutch = await submit_form(client, signup_data(email="second@example.org"))
        english = await client.post("/join/omei-utrecht?lang=en", data={"name": "x"})
    assert dutch.status_code == 429
    assert 1 <= int(dutch.headers["retry-after"]) <= 600
    assert dutch.headers["content-type"].startswith("text/html")
    assert "Even geduld" in dutch.text
    assert "Probeer het over 10 minuten opnieuw" in dutch.text
    assert english.status_code == 429
    assert "Please try again in 10 minutes" in english.text
    assert await confirmations("second@example.org") == 0


@pytest.mark.parametrize(
    "path",
    [
        "/confirm/x",
        "/answer/x",
        "/unsubscribe/x",
        "/pause/x",
        "/stay/x",
        "/me/link/x",
        "/me/email/x",
    ],
)
async def test_link_pages_are_limited_per_client_too(path: str) -> None:
    async with a_client(RATE_LIMIT_LINKS="3/minute") as client:
        first = [(await client.get(path)).status_code for _ in range(3)]
        over = await client.get(path)
    assert 429 not in first
    assert over.status_code == 429
    assert "retry-after" in over.headers


async def test_200_people_behind_one_address_all_get_through_with_the_default_limits() -> None:
    await an_event()
    async with a_client() as client:
        for number in range(200):
            answer = await client.post(SIGNUPS, json=signup_data(email=f"room{number}@example.org"))
            assert answer.status_code == 202, number
    assert await OutboxMessage.filter(kind="confirmation").count() == 200


async def test_switched_off_everything_gets_through() -> None:
    await an_event()
    data = signup_data(email="loadtest@example.org")
    async with a_client(
        RATE_LIMITS_ENABLED="0",
        RATE_LIMIT_SIGNUP="1/hour",
        RATE_LIMIT_CONFIRMATIONS_PER_ADDRESS="1/day",
    ) as client:
        answers = [(await client.post(SIGNUPS, json=data)).status_code for _ in range(10)]
    assert answers == [202] * 10
    assert await confirmations("loadtest@example.org") == 10


async def test_two_app_instances_on_redis_share_their_counts() -> None:
    await an_event()
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    email = f"{secrets.token_hex(6)}@example.org"
    settings = {"RATE_LIMIT_STORAGE": REDIS, "RATE_LIMIT_SIGNUP": "4/10minutes"}
    first = create_app(make_settings(**settings), manage_database=False)
    second = create_app(make_settings(**settings), manage_database=False)
    async with a_client(address, app=first) as one, a_client(address, app=second) as two:
        answers = [
            (await client.post(SIGNUPS, json=signup_data(email=email))).status_code
            for client in (one, two, one, two, one)
        ]
    await close_rate_limits(first)
    await close_rate_limits(second)
    # Four through (three emails: the address limit, shared too), the fifth refused.
    assert answers == [202, 202, 202, 202, 429]
    assert await confirmations(email) == 3


def test_family_of_names_the_limited_routes_only() -> None:
    limited: Callable[[str, str], str | None] = family_of
    assert limited("POST", "/join/omei-utrecht") == "signup"
    assert limited("POST", "/api/v1/events/omei-utrecht/signups") == "signup"
    assert limited("GET", "/confirm/abc") == "confirm"
    assert limited("POST", "/invite/abc") == "invite"
    assert limited("POST", "/consent/abc") == "consent"
    assert limited("POST", "/me") == "me"
    assert limited("GET", "/join/omei-utrecht") is None
    assert limited("GET", "/coordinator/") is None
    assert limited("GET", "/static/peernet.css") is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RATE_LIMIT_SIGNUP", "lots"),
        ("RATE_LIMIT_LINKS", "0/minute"),
        ("RATE_LIMIT_ME", "5/fortnight"),
        ("RATE_LIMIT_CONFIRMATIONS_PER_ADDRESS", "3"),
        ("RATE_LIMIT_ME_LINKS_PER_ADDRESS", "per day"),
        ("RATE_LIMITS_ENABLED", "maybe"),
    ],
)
def test_a_bad_limit_setting_is_refused_naming_it(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        make_settings(**{name: value})


def test_limits_cannot_be_switched_off_in_production() -> None:
    with pytest.raises(SettingsError, match="RATE_LIMITS_ENABLED"):
        make_settings(PEERNET_ENV="production", RATE_LIMITS_ENABLED="0")


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_count() -> None:
    # What `peernet serve` runs: uvicorn's proxy headers, trusted from FORWARDED_ALLOW_IPS
    # only (127.0.0.1 unless set).
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    await an_event()
    app = create_app(make_settings(RATE_LIMIT_SIGNUP="2/10minutes"), manage_database=False)
    # uvicorn's and Starlette's ASGI type names differ; the protocol is the same.
    starlette_app: Any = app
    proxied: Any = ProxyHeadersMiddleware(starlette_app, trusted_hosts="127.0.0.1")

    async def post(peer: str, forwarded_for: str, email: str) -> int:
        transport = httpx.ASGITransport(app=proxied, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="https://peernet.test") as c:
            answer = await c.post(
                SIGNUPS,
                json=signup_data(email=email),
                headers={"X-Forwarded-For": forwarded_for},
            )
        return answer.status_code

    # Through the trusted proxy: two visitors, two counts.
    assert [await post("127.0.0.1", "198.51.100.1", f"a{n}@example.org") for n in range(3)] == [
        202,
        202,
        429,
    ]
    assert await post("127.0.0.1", "198.51.100.2", "b@example.org") == 202
    # Straight from the internet: a made-up X-Forwarded-For does not buy a fresh count.
    assert await post("203.0.113.9", "192.0.2.1", "c1@example.org") == 202
    assert await post("203.0.113.9", "192.0.2.2", "c2@example.org") == 202
    assert await post("203.0.113.9", "192.0.2.3", "c3@example.org") == 429
    await close_rate_limits(app)


async def test_personal_page_links_beyond_the_daily_share_get_the_same_page_and_no_email() -> None:
    attendee = await an_attendee(email="anouk@example.org")
    async with a_client(RATE_LIMIT_ME_LINKS_PER_ADDRESS="2/day") as client:
        answers = []
        for _ in range(3):
            page = await client.get("/me")
            answers.append(
                await client.post(
                    "/me", data={"email": attendee.email, "csrf_token": csrf_token(page)}
                )
            )
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all("Kijk in je mailbox" in a.text for a in answers)
    assert await OutboxMessage.filter(kind="magic_link").count() == 2


async def test_an_unreachable_store_lets_visitors_through_and_logs_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    await an_event()
    async with a_client(RATE_LIMIT_STORAGE="redis://127.0.0.1:1/0") as client:
        answer = await client.post(SIGNUPS, json=signup_data())
    assert answer.status_code == 202
    assert await confirmations("anouk.devries@example.org") == 1
    assert "rate limit store unreachable" in caplog.text
