"""Every route of the app that is not public answers a visitor without credentials with 401
(API) or a redirect to the sign-in page (pages), walked from the app's own route table so
that a route added tomorrow is checked too."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from peernet.settings import Settings
from peernet.web.app import create_app

# Open to anyone, by design. Everything else needs a coordinator.
PUBLIC = {
    ("GET", "/"),
    ("GET", "/healthz"),
    ("GET", "/join/{slug}"),
    ("POST", "/join/{slug}"),
    ("GET", "/join/{slug}/sent"),
    ("GET", "/confirm/{token}"),
    ("POST", "/confirm/{token}"),
    ("GET", "/answer/{token}"),
    ("POST", "/answer/{token}"),
    ("GET", "/pause/{token}"),
    ("POST", "/pause/{token}"),
    ("GET", "/unsubscribe/{token}"),
    ("POST", "/unsubscribe/{token}"),
    ("GET", "/stay/{token}"),
    ("POST", "/stay/{token}"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/taxonomy"),
    ("POST", "/api/v1/events/{slug}/signups"),
    ("GET", "/coordinator/login"),
    ("POST", "/coordinator/login"),
    # An imported person's invitation: the emailed token is the credential.
    ("GET", "/invite/{token}"),
    ("POST", "/invite/{token}"),
    # The privacy statement, and agreeing to a new consent text (the signed link).
    ("GET", "/privacy"),
    ("GET", "/consent/{token}"),
    ("POST", "/consent/{token}"),
    # An attendee's personal page: behind its own session, not a coordinator's (every one
    # of these is checked in tests/peernet/attendees/test_personal_pages.py).
    ("GET", "/me"),
    ("POST", "/me"),
    ("GET", "/me/link/{token}"),
    ("POST", "/me/link/{token}"),
    ("GET", "/me/profile"),
    ("POST", "/me/profile"),
    ("POST", "/me/pause"),
    ("POST", "/me/consents"),
    ("POST", "/me/email"),
    # Confirming a new address: the signed link sent to it is the credential.
    ("GET", "/me/email/{token}"),
    ("POST", "/me/email/{token}"),
    ("POST", "/me/resume"),
    ("POST", "/me/block"),
    ("POST", "/me/unblock"),
    ("GET", "/me/leave"),
    ("POST", "/me/leave"),
    ("GET", "/me/left"),
    ("POST", "/me/signout"),
    ("GET", "/me/export.json"),
    ("POST", "/me/erase"),
    # The public agenda, its feeds and API (issue 10).
    ("GET", "/agenda"),
    ("GET", "/agenda.ics"),
    ("GET", "/agenda/{unit:str}.ics"),
    ("GET", "/api/v1/events"),
    ("GET", "/register/{token}"),
    ("POST", "/register/{token}"),
    ("GET", "/announcements/off/{token}"),
    ("GET", "/themes"),
    ("GET", "/themes.csv"),
    ("GET", "/themes.json"),
    ("GET", "/themes/{unit:str}"),
    ("GET", "/themes/{unit:str}.csv"),
    ("GET", "/themes/{unit:str}.json"),
    ("GET", "/api/v1/themes"),
    ("POST", "/announcements/off/{token}"),
}
PUBLIC_MOUNTS = {"/static"}
_PARAM = re.compile(r"{([^}:]+)(?::([^}]+))?}")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # as declared, e.g. /coordinator/tokens/{token_id:id}/revoke
    handler: Callable[..., Any]

    @property
    def url(self) -> str:
        """The path with dummy values: 1 for numbers, "x" for the rest."""
        return _PARAM.sub(lambda m: "1" if m.group(2) in ("int", "id", "float") else "x", self.path)


def endpoints(routes: list[BaseRoute], prefix: str = "") -> Iterator[Endpoint]:
    for route in routes:
        if isinstance(route, Mount):
            path = prefix + route.path
            if path in PUBLIC_MOUNTS:
                continue
            # A mounted app without a route list of its own cannot be walked: refuse it,
            # rather than letting it pass unchecked.
            assert route.routes, f"{path}: a mount whose routes cannot be walked"
            yield from endpoints(list(route.routes), path)
        elif isinstance(route, Route):
            for method in sorted(route.methods or {"GET"}):
                if method != "HEAD":
                    # {slug:slug}, {token:token}… are shapes (peernet.web.convertors),
                    # named here as plain parameters.
                    path = re.sub(
                        r"{(\w+):(?:slug|token|random_token)}", r"{\1}", prefix + route.path
                    )
                    yield Endpoint(method, path, route.endpoint)
        else:
            raise AssertionError(f"{route!r}: a kind of route this test cannot check")


def guarded(endpoint: Endpoint) -> bool:
    return (endpoint.method, endpoint.path) not in PUBLIC


def unguarded(answer: httpx.Response, endpoint: Endpoint) -> str | None:
    """Why this answer to an anonymous request gives the route away; ``None`` if it does not."""
    where = f"{endpoint.method} {endpoint.path}"
    if not getattr(endpoint.handler, "requires_coordinator", False):
        return f"{where}: the handler is not wrapped in coordinator_page or coordinator_api"
    if endpoint.path.startswith("/api/"):
        if answer.status_code != 401:
            return f"{where}: answered {answer.status_code} without a token, not 401"
        return None
    to_login = answer.status_code == 303 and answer.headers.get("location", "").startswith(
        "/coordinator/login"
    )
    if endpoint.method == "GET" and not to_login:
        return f"{where}: answered {answer.status_code} without a session, not 303 to sign-in"
    if endpoint.method != "GET" and not (to_login or answer.status_code in (401, 403)):
        return f"{where}: answered {answer.status_code} without a session"
    return None


async def problems(app: Starlette) -> list[str]:
    found = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://peernet.test"
    ) as anonymous:
        for endpoint in endpoints(app.routes):
            if not guarded(endpoint):
                continue
            answer = await anonymous.request(endpoint.method, endpoint.url)
            problem = unguarded(answer, endpoint)
            if problem:
                found.append(problem)
    return found


async def test_every_route_but_the_public_ones_needs_a_coordinator(
    settings: Settings, empty_db: None
) -> None:
    app = create_app(settings, manage_database=False)
    assert await problems(app) == []


async def test_the_walk_reaches_the_coordinator_routes(settings: Settings) -> None:
    app = create_app(settings, manage_database=False)
    walked = {(e.method, e.path) for e in endpoints(app.routes)}
    assert {
        ("GET", "/coordinator/"),
        ("GET", "/coordinator/results"),
        ("POST", "/coordinator/logout"),
        ("GET", "/coordinator/audit"),
        ("POST", "/coordinator/tokens/{token_id:id}/revoke"),
        ("POST", "/api/v1/events/{slug}/signups"),
        ("GET", "/coordinator/events"),
        ("POST", "/coordinator/events/new"),
        ("POST", "/coordinator/events/{slug}"),
        ("POST", "/coordinator/events/{slug}/close"),
        ("POST", "/coordinator/events/{slug}/reopen"),
        ("GET", "/coordinator/events/{slug}/print"),
        ("GET", "/coordinator/events/{slug}/qr.svg"),
        ("GET", "/coordinator/events/{slug}/qr.png"),
        ("GET", "/coordinator/attendees"),
        ("GET", "/coordinator/attendees.csv"),
        ("GET", "/coordinator/attendees/{attendee_id:id}"),
        ("POST", "/coordinator/attendees/{attendee_id:id}/{action:str}"),
        ("GET", "/coordinator/attendees/{attendee_id:id}/export.json"),
        ("POST", "/coordinator/attendees/{attendee_id:id}/erase"),
        ("GET", "/coordinator/events/{slug}/import"),
        ("POST", "/coordinator/events/{slug}/import"),
        ("GET", "/coordinator/events/{slug}/import/template.csv"),
        ("GET", "/coordinator/rounds/{round_id:id}/groups.csv"),
        ("GET", "/api/v1/attendees"),
        ("GET", "/api/v1/rounds/{round_id:id}/groups"),
    } <= walked
    # The allowlist names only routes that exist: a stale entry would silently open a
    # route added later under that name.
    assert walked >= PUBLIC


async def leaky_page(request: Request) -> Response:
    return PlainTextResponse("the draft round, for anyone")


async def test_the_walk_flags_a_route_added_without_a_guard(
    settings: Settings, empty_db: None
) -> None:
    app = create_app(settings, manage_database=False)
    app.router.routes.append(Route("/coordinator/leak", leaky_page))
    app.router.routes.append(
        Mount("/api/v2", routes=[Route("/rounds/{id:int}", leaky_page, methods=["POST"])])
    )
    assert await problems(app) == [
        "GET /coordinator/leak: the handler is not wrapped in coordinator_page or coordinator_api",
        "POST /api/v2/rounds/{id:int}: the handler is not wrapped in coordinator_page or"
        " coordinator_api",
    ]


async def test_a_guarded_handler_that_still_answers_is_flagged() -> None:
    # A handler marked as guarded whose route nonetheless answers 200: the answer counts.
    async def marked(request: Request) -> Response:
        return PlainTextResponse("oops")

    marked.requires_coordinator = True  # type: ignore[attr-defined]
    endpoint = Endpoint("GET", "/coordinator/marked", marked)
    answer = httpx.Response(200, text="oops")
    assert unguarded(answer, endpoint) == (
        "GET /coordinator/marked: answered 200 without a session, not 303 to sign-in"
    )
    api = Endpoint("POST", "/api/v1/rounds", marked)
    assert unguarded(httpx.Response(403), api) == (
        "POST /api/v1/rounds: answered 403 without a token, not 401"
    )
