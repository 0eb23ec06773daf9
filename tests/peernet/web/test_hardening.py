"""Issue 12's hardening of the web layer: security headers, Allow on 405, same-site
language links, the Origin check on forms, and no tokens or addresses in the logs."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import httpx
import pytest
from starlette.routing import Route

from notifications import DeliveryResult, DeliveryStatus, Message, OutgoingMessage
from peernet.links import subscription_url
from peernet.outbox.dispatch import dispatch_once
from peernet.outbox.models import OutboxMessage, OutboxStatus
from peernet.settings import Settings
from peernet.web.app import create_app
from peernet.web.headers import CONTENT_SECURITY_POLICY
from peernet.web.rendering import same_site_path
from tests.peernet.conftest import make_settings
from tests.peernet.coordinators.test_pages import sign_in
from tests.peernet.factories import a_pair, a_published_round, an_event
from tests.peernet.helpers import csrf_token

pytestmark = pytest.mark.usefixtures("frozen_clock")


async def test_an_html_page_carries_every_security_header(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert csp == CONTENT_SECURITY_POLICY
    for directive in (
        "default-src 'self'",
        "script-src 'none'",
        "style-src 'self';",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    # BASE_URL is https in the tests.
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert "server" not in response.headers


async def test_the_pages_have_no_inline_script_or_style(client: httpx.AsyncClient) -> None:
    await an_event("omei-utrecht")
    for path in ("/", "/join/omei-utrecht", "/privacy", "/me", "/coordinator/login", "/nope"):
        text = (await client.get(path)).text.lower()
        assert "<script" not in text, path
        assert "<style" not in text and " style=" not in text, path


async def test_json_and_static_answers_get_nosniff_but_no_page_policy(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/healthz", "/api/v1/taxonomy"):
        response = await client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in response.headers


async def test_no_hsts_when_base_url_is_plain_http(empty_db: None) -> None:
    app = create_app(make_settings(BASE_URL="http://127.0.0.1:8000"), manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
        response = await c.get("/")
    assert "strict-transport-security" not in response.headers
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


async def test_a_405_names_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    # /join/{slug} is split over a GET route and a POST route.
    response = await client.delete("/join/omei-utrecht")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
    # Under the API's mount too.
    api = await client.put("/api/v1/events/omei-utrecht/signups")
    assert api.status_code == 405
    assert api.headers["allow"] == "POST"


async def test_the_language_link_of_a_protocol_relative_path_stays_on_the_site(
    client: httpx.AsyncClient,
) -> None:
    # A full URL: httpx would read a bare "//evil.example/x" as another host itself.
    response = await client.get("https://peernet.test//evil.example/x")
    assert response.request.url.host == "peernet.test"
    assert response.status_code == 404
    assert 'href="/evil.example/x?lang=en"' in response.text
    assert 'href="//' not in response.text
    # A backslash, which browsers read as a slash (uvicorn passes it on unencoded).
    assert same_site_path("/\\evil.example/x") == "/evil.example/x"
    assert same_site_path("///\\/evil.example") == "/evil.example"
    assert same_site_path("/join/omei-utrecht") == "/join/omei-utrecht"


async def test_a_form_posted_from_another_origin_is_refused_even_with_a_valid_token(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    page = await client.get("/coordinator/login")
    data = {"csrf_token": csrf_token(page), "email": "carla@example.org", "password": "x"}
    foreign = await client.post(
        "/coordinator/login", data=data, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    by_referer = await client.post(
        "/coordinator/login", data=data, headers={"Referer": "https://evil.example/form"}
    )
    assert by_referer.status_code == 403
    # Our own origin, and a browser's "Origin: null" under Referrer-Policy: no-referrer.
    for headers in ({"Origin": "https://peernet.test"}, {"Origin": "null"}, {}):
        response = await client.post("/coordinator/login", data=data, headers=headers)
        assert response.status_code != 403, headers


async def test_a_signed_in_coordinator_form_from_another_origin_changes_nothing(
    client: httpx.AsyncClient, coordinator: object
) -> None:
    await sign_in(client)
    page = await client.get("/coordinator/tokens")
    response = await client.post(
        "/coordinator/tokens",
        data={"csrf_token": csrf_token(page), "label": "stolen"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "stolen" not in (await client.get("/coordinator/tokens")).text


async def test_one_click_unsubscribe_still_works_without_origin_or_cookies(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = subscription_url(settings, "unsubscribe", anouk.public_id)
    client.cookies.clear()
    response = await client.post(
        url.removeprefix("https://peernet.test"),
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200


def _access_log(path: str) -> None:
    # What uvicorn's access logger writes for each request (uvicorn/protocols/http).
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "203.0.113.9:50000", "GET", path, "1.1", 200
    )


async def test_the_access_log_shows_route_templates_not_tokens(
    empty_db: None, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings, manage_database=False)
    token = "Q" * 43  # the shape of a confirmation token
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://peernet.test") as c:
            await c.get(f"/confirm/{token}")
        with caplog.at_level(logging.INFO, logger="uvicorn.access"):
            _access_log(f"/confirm/{token}")
            _access_log(f"/unsubscribe/IjEyMyI.{token}?lang=en")
            _access_log("/api/v1/rounds/12")
            _access_log("/privacy?lang=en")
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 4
    assert not any(token in line for line in lines)
    assert '"GET /confirm/{token} HTTP/1.1" 200' in lines[0]
    assert '"GET /unsubscribe/{token} HTTP/1.1" 200' in lines[1]
    assert '"GET /api/v1/rounds/{round_id} HTTP/1.1" 200' in lines[2]
    assert '"GET /privacy?lang=en HTTP/1.1" 200' in lines[3]
    # Once the app has stopped, its filter is gone.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        _access_log(f"/confirm/{token}")
    assert token in caplog.records[0].getMessage()


class RefusingTransport:
    """An SMTP server that answers 550 naming the recipient."""

    async def send(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        emails = [m.as_email() if isinstance(m, OutgoingMessage) else m for m in messages]
        return [
            DeliveryResult(
                DeliveryStatus.PERMANENT,
                f"550 5.1.1 <{m['To'].addresses[0].addr_spec}>: no such user",
            )
            for m in emails
        ]

    async def aclose(self) -> None:
        return None


async def test_a_failed_delivery_logs_the_message_id_not_the_address(
    empty_db: None, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    # INFO, as the processes log (the database driver's DEBUG lines echo query parameters).
    with caplog.at_level(logging.INFO):
        report = await dispatch_once(settings, RefusingTransport())
    assert report.errors
    failed = await OutboxMessage.filter(status=OutboxStatus.FAILED).order_by("id")
    assert failed
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "550" in text
    assert f"message {failed[0].id}" in text
    for address in (anouk.email, ruud.email):
        assert address not in text
    assert "@" not in text


async def test_the_chart_pages_allow_inline_styles_but_still_no_script(
    coordinator_client: httpx.AsyncClient,
) -> None:
    for path in ("/coordinator/", "/coordinator/results"):
        response = await coordinator_client.get(path)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "style-src 'self' 'unsafe-inline'" in csp
        assert "script-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "<script" not in response.text.lower()
    other = await coordinator_client.get("/coordinator/tokens")
    assert other.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


async def test_a_server_error_page_carries_the_headers_too(
    empty_db: None, settings: Settings
) -> None:
    async def boom(request: object) -> None:
        raise RuntimeError("broken on purpose")

    app = create_app(settings, manage_database=False)
    app.router.routes.append(Route("/boom", boom))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://peernet.test") as c:
        response = await c.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
