"""Bounded requests: body size, JSON depth and path parameter shapes (issue 12)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Message, Receive, Scope, Send

from peernet.settings import Settings, SettingsError
from peernet.web.app import create_app
from peernet.web.limits import BodyLimit, json_depth_exceeds
from tests.peernet.conftest import make_settings
from tests.peernet.factories import an_event, signup_data

pytestmark = pytest.mark.usefixtures("frozen_clock")


async def test_a_10_mb_body_is_refused_413_by_its_content_length_before_it_is_read(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    response = await client.post(
        "/api/v1/events/omei-utrecht/signups",
        content=b"{" + b" " * (10 * 1024 * 1024) + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"


async def test_a_streamed_body_is_cut_off_at_the_limit_without_reading_the_rest(
    settings: Settings,
) -> None:
    """A chunked body (no Content-Length) is counted as it arrives: the app stops
    asking for more once it passes the limit, and answers 413."""
    chunks_read = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal chunks_read
        for _ in range(10 * 1024):  # 10 MB in 1 KB chunks, if it were all read
            chunks_read += 1
            yield b" " * 1024

    app = create_app(settings, manage_database=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://peernet.test"
    ) as client:
        response = await client.post(
            "/api/v1/events/omei-utrecht/signups",
            content=chunks(),
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 413
    # httpx's ASGI transport hands the body over chunk by chunk, as the app asks for it.
    assert chunks_read <= 66


async def test_the_middleware_stops_reading_a_stream_at_the_limit() -> None:
    """Directly over ASGI: the receive callable is not called past the limit."""
    received = 0
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if not message.get("more_body"):
                break

    async def receive() -> Message:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": b"x" * 1000, "more_body": received < 10_000}

    async def send(message: Message) -> None:
        sent.append(message)

    limited = BodyLimit(app, max_body_bytes=5000, max_upload_bytes=50_000)
    await limited({"type": "http", "path": "/join/x", "headers": []}, receive, send)
    assert received == 6
    assert sent[0]["status"] == 413


async def test_the_csv_import_has_its_own_larger_limit() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("not called")

    limited = BodyLimit(app, max_body_bytes=64 * 1024, max_upload_bytes=5 * 1024 * 1024)
    assert limited.limit_for("/coordinator/events/omei-utrecht/import") == 5 * 1024 * 1024
    assert limited.limit_for("/coordinator/events/omei-utrecht") == 64 * 1024
    assert limited.limit_for("/api/v1/events/omei-utrecht/signups") == 64 * 1024


async def test_an_import_upload_above_64_kb_passes_the_body_limit(
    coordinator_client: httpx.AsyncClient,
) -> None:
    await an_event()
    response = await coordinator_client.post(
        "/coordinator/events/omei-utrecht/import",
        files={"file": ("people.csv", b"name,email\n" + b"a" * 200 * 1024, "text/csv")},
    )
    assert response.status_code != 413  # refused later (CSRF, content), never for its size
    too_big = await coordinator_client.post(
        "/coordinator/events/omei-utrecht/import",
        files={"file": ("people.csv", b"a" * 6 * 1024 * 1024, "text/csv")},
    )
    assert too_big.status_code == 413


@pytest.mark.parametrize("name", ["MAX_BODY_BYTES", "MAX_UPLOAD_BYTES", "MAX_JSON_DEPTH"])
@pytest.mark.parametrize("value", ["0", "-1", "lots", "999999999999"])
def test_the_limits_are_validated_settings(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        make_settings(**{name: value})


def test_the_limits_have_defaults() -> None:
    settings = make_settings()
    assert settings.max_body_bytes == 64 * 1024
    assert settings.max_upload_bytes == 5 * 1024 * 1024
    assert settings.max_json_depth == 20


async def test_json_nested_1000_levels_deep_is_a_422_not_a_500(client: httpx.AsyncClient) -> None:
    await an_event()
    for deep in ("[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000):
        response = await client.post(
            "/api/v1/events/omei-utrecht/signups",
            content=deep.encode(),
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 422
        assert response.json()["fields"] == {"body": "too_deep"}


async def test_json_at_the_depth_limit_is_parsed(client: httpx.AsyncClient) -> None:
    await an_event()
    data = signup_data()
    data["extra"] = json.loads("[" * 18 + "]" * 18)
    response = await client.post("/api/v1/events/omei-utrecht/signups", json=data)
    assert response.status_code == 422
    assert response.json()["fields"] == {"extra": "unknown_field"}


def test_brackets_inside_strings_do_not_count_as_depth() -> None:
    assert not json_depth_exceeds(json.dumps({"name": "[" * 100 + '\\"{' * 100}).encode(), 20)
    assert json_depth_exceeds(b"[" * 21, 20)
    assert not json_depth_exceeds(b"[" * 20, 20)


def _walk(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for route in routes:
        if isinstance(route, Mount):
            if route.path != "/static":
                found += _walk(list(route.routes), prefix + route.path)
        elif isinstance(route, Route):
            for method in sorted(route.methods or {"GET"}):
                if method != "HEAD":
                    found.append((method, prefix + route.path))
    return found


async def test_every_route_with_a_10000_character_parameter_is_no_500(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    await an_event()
    long = "a" * 10_000
    walked = _walk(create_app(settings, manage_database=False).routes)
    with_parameters = [(m, p) for m, p in walked if "{" in p]
    assert len(with_parameters) > 20
    for method, path in with_parameters:
        url = re.sub(r"{[^}]+}", long, path)
        response = await coordinator_client.request(method, url)
        assert response.status_code < 500, f"{method} {path}: {response.status_code}"
        assert response.status_code in (400, 403, 404, 405, 422), f"{method} {path}"


@pytest.mark.parametrize(
    "path",
    [
        "/confirm/" + "A" * 44,
        "/confirm/" + "a" * 600,
        "/confirm/abc%00def",
        "/confirm/" + "A" * 42 + ".",
        "/invite/" + "A" * 42,
        "/me/link/" + "A" * 44,
        "/answer/" + "x" * 600,
        "/pause/<script>",
        "/unsubscribe/" + "b" * 600,
        "/invite/" + "c" * 600,
        "/me/link/" + "d" * 600,
        "/me/email/" + "d" * 600,
        "/consent/" + "e" * 600,
        "/stay/" + "f" * 600,
        "/join/" + "a" * 65,
        "/join/Omei",
    ],
)
async def test_a_token_or_slug_of_impossible_shape_is_a_404_page(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]


async def test_a_long_slug_in_the_api_is_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/events/" + "a" * 65 + "/signups", json=signup_data())
    assert response.status_code == 404
    assert response.json()["error"] == "http_error"
