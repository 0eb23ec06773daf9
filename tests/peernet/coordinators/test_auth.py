"""The guards, on throw-away routes of their own: a page redirects, the API answers 401."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from peernet.coordinators.auth import (
    SESSION_COOKIE,
    coordinator_api,
    coordinator_page,
    current_coordinator,
    session_value,
)
from peernet.coordinators.models import Coordinator
from peernet.coordinators.service import create_api_token, end_sessions, revoke_api_token
from peernet.settings import Settings
from peernet.web.app import create_app
from tests.peernet.conftest import Clock

pytestmark = pytest.mark.usefixtures("frozen_clock")


@coordinator_page
async def a_page(request: Request) -> Response:
    return PlainTextResponse(f"hello {current_coordinator(request).name}")


@coordinator_api
async def an_api_route(request: Request) -> Response:
    return PlainTextResponse(str(current_coordinator(request).id))


@pytest.fixture
async def guarded(empty_db: None, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, manage_database=False)
    app.router.routes.insert(0, Route("/coordinator/probe", a_page))
    app.router.routes.insert(0, Route("/api/v1/probe", an_api_route))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://peernet.test"
    ) as c:
        yield c


async def test_a_page_sends_a_visitor_without_a_session_to_sign_in(
    guarded: httpx.AsyncClient,
) -> None:
    response = await guarded.get("/coordinator/probe?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/coordinator/login?next=%2Fcoordinator%2Fprobe%3Fx%3D1"


async def test_a_session_cookie_opens_the_page_until_it_expires_or_is_ended(
    guarded: httpx.AsyncClient, settings: Settings, coordinator: Coordinator, frozen_clock: Clock
) -> None:
    guarded.cookies.set(SESSION_COOKIE, session_value(settings, coordinator))
    assert (await guarded.get("/coordinator/probe")).text == "hello Carla Coördinator"
    await end_sessions(coordinator)
    assert (await guarded.get("/coordinator/probe")).status_code == 303
    guarded.cookies.set(SESSION_COOKIE, session_value(settings, coordinator) + "x")
    assert (await guarded.get("/coordinator/probe")).status_code == 303


async def test_an_expired_session_is_refused(
    guarded: httpx.AsyncClient, settings: Settings, coordinator: Coordinator
) -> None:
    import time_machine

    with time_machine.travel("2026-11-01 08:00 +0000", tick=False):
        old = session_value(settings, coordinator)
    guarded.cookies.set(SESSION_COOKIE, old)
    with time_machine.travel("2026-11-01 19:59 +0000", tick=False):
        assert (await guarded.get("/coordinator/probe")).status_code == 200
    with time_machine.travel("2026-11-01 20:01 +0000", tick=False):
        assert (await guarded.get("/coordinator/probe")).status_code == 303


async def test_the_api_wants_a_valid_bearer_token(
    guarded: httpx.AsyncClient, settings: Settings, coordinator: Coordinator
) -> None:
    refused = await guarded.get("/api/v1/probe")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json()["error"] == "not_authenticated"
    # A session cookie is not an API credential.
    guarded.cookies.set(SESSION_COOKIE, session_value(settings, coordinator))
    assert (await guarded.get("/api/v1/probe")).status_code == 401
    issued = await create_api_token(coordinator)
    auth = {"Authorization": f"Bearer {issued.token}"}
    assert (await guarded.get("/api/v1/probe", headers=auth)).text == str(coordinator.id)
    await revoke_api_token(issued.record.id)
    assert (await guarded.get("/api/v1/probe", headers=auth)).status_code == 401
