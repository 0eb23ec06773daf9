"""Rate limits for what visitors can do without signing in (moving windows, `limits`).

Two kinds:

* **per client address and route family** (:class:`RateLimitMiddleware`): generous, so that
  a room of 200 people behind one municipal NAT can sign up within minutes; over it the
  client gets 429 with ``Retry-After`` and a friendly page (JSON under ``/api/``);
* **per recipient address** (:func:`allow_confirmation_email`, and the personal page's link
  requests): strict, a few emails per address per day whatever the client. Over it no
  email is queued and the visitor sees the usual "check your inbox" answer, so the limit
  tells nobody whether (or how often) that address signed up, and an attacker cannot use
  429s to probe addresses. (The personal page's older hourly limit per address still
  answers its own 429 "wait" page; this daily one is silent.)

The store is ``RATE_LIMIT_STORAGE`` (``memory://`` per process, ``redis://`` shared by all
web processes); when that store cannot be reached the limits are not applied (logged as
an error) rather than refusing every visitor. The client address is the ASGI scope's
client: behind a reverse proxy, uvicorn's ``--forwarded-allow-ips`` (``FORWARDED_ALLOW_IPS``)
decides whether ``X-Forwarded-For`` is believed. With ``'*'`` uvicorn takes the leftmost
entry, which the visitor can forge: name the proxy's address instead.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import math
import re
import time

from limits import RateLimitItem
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from peernet.settings import Settings

logger = logging.getLogger("peernet.ratelimit")

# (family, methods, path pattern): the first match decides; no match is not limited.
_ONE_SEGMENT = r"/[^/]+/?"
FAMILIES: tuple[tuple[str, frozenset[str], re.Pattern[str]], ...] = (
    ("signup", frozenset({"POST"}), re.compile(r"^/join/[^/]+/?$")),
    ("signup", frozenset({"POST"}), re.compile(r"^/api/v1/events/[^/]+/signups/?$")),
    ("me", frozenset({"POST"}), re.compile(r"^/me/?$")),
    *(
        (name, frozenset({"GET", "HEAD", "POST"}), re.compile(rf"^/{name}{_ONE_SEGMENT}$"))
        for name in ("confirm", "answer", "pause", "unsubscribe", "invite", "consent", "stay")
    ),
    (
        "me-link",
        frozenset({"GET", "HEAD", "POST"}),
        re.compile(rf"^/me/(?:link|email){_ONE_SEGMENT}$"),
    ),
)


def family_of(method: str, path: str) -> str | None:
    for name, methods, pattern in FAMILIES:
        if method in methods and pattern.match(path):
            return name
    return None


def address_key(email: str) -> str:
    """An email address as a rate-limit key (any case, any surrounding spaces): hashed, so
    that a shared store (Redis) never holds typed addresses."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:32]


class RateLimits:
    """One store and the configured windows; one per app (per Settings object)."""

    def __init__(self, settings: Settings) -> None:
        url = settings.rate_limit_storage
        url = url if url.startswith("async+") else f"async+{url}"
        self.enabled = settings.rate_limits_enabled
        self.settings = settings
        self._limiter = MovingWindowRateLimiter(storage_from_string(url))

    def per_client(self, family: str) -> RateLimitItem:
        s = self.settings
        if family == "signup":
            return s.rate_limit_signup
        if family == "me":
            return s.rate_limit_me
        return s.rate_limit_links

    async def hit(self, item: RateLimitItem, scope: str, key: str) -> int:
        """Count one; 0 when allowed, else the seconds until the window lets one through."""
        if not self.enabled:
            return 0
        try:
            if await self._limiter.hit(item, scope, key):
                return 0
            stats = await self._limiter.get_window_stats(item, scope, key)
        except Exception:  # any failure of the store (Redis down, a timeout)
            # Open, not shut: an unreachable store must not stop sign-ups (a room of people
            # at an event); the error is logged for the operator to see.
            logger.exception("rate limit store unreachable; %s not limited", scope)
            return 0
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def client_hit(self, family: str, client: str) -> int:
        return await self.hit(self.per_client(family), f"client:{family}", client)

    async def recipient_hit(self, kind: str, email: str) -> int:
        """Count one email of ``kind`` (confirmation, me_link) to ``email``."""
        if kind == "me_link":
            item = self.settings.rate_limit_me_links_per_address
        else:
            item = self.settings.rate_limit_confirmations_per_address
        return await self.hit(item, f"recipient:{kind}", address_key(email))

    async def aclose(self) -> None:
        """Close the connections to a shared store (Redis); the memory store has none."""
        bridge = getattr(self._limiter.storage, "bridge", None)
        pool = getattr(getattr(bridge, "storage", None), "connection_pool", None)
        if pool is not None:
            closing = pool.disconnect()
            if inspect.isawaitable(closing):
                await closing


def rate_limits(app: Starlette) -> RateLimits:
    """The app's limits, made on first use (one store per app, shared by its requests)."""
    limits: RateLimits | None = getattr(app.state, "rate_limits", None)
    if limits is None:
        limits = app.state.rate_limits = RateLimits(app.state.settings)
    return limits


def request_rate_limits(request: Request) -> RateLimits:
    return rate_limits(request.app)


async def close_rate_limits(app: Starlette) -> None:
    limits: RateLimits | None = getattr(app.state, "rate_limits", None)
    if limits is not None:
        app.state.rate_limits = None
        await limits.aclose()


async def allow_confirmation_email(limits: RateLimits | None, email: str) -> bool:
    """Count one confirmation email to ``email``; False once the address had its share.

    ``None`` (a command or a service test, not a visitor) is not limited."""
    return limits is None or await limits.recipient_hit("confirmation", email) == 0


async def allow_me_link_email(request: Request, email: str) -> bool:
    """Count one personal-page link email to ``email``; False once it had its daily share."""
    return await request_rate_limits(request).recipient_hit("me_link", email) == 0


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RateLimitMiddleware:
    """Counts each request of a limited route family per client address; over the limit it
    answers 429 itself, before the route reads the body or touches the database."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        family = family_of(scope["method"], scope["path"])
        if family is None:
            await self.app(scope, receive, send)
            return
        wait = await rate_limits(scope["app"]).client_hit(family, client_address(scope))
        if not wait:
            await self.app(scope, receive, send)
            return
        response = _too_many(scope, wait)
        await response(scope, receive, send)


def _too_many(scope: Scope, wait: int) -> Response:
    from peernet.web.rendering import message_page

    headers = {"Retry-After": str(wait)}
    if scope["path"].startswith("/api/"):
        body = {
            "error": "too_many_requests",
            "message": f"too many requests from this address; try again in {wait} seconds",
        }
        return Response(
            json.dumps(body),
            status_code=429,
            headers=headers,
            media_type="application/json",
        )
    # The router is not in the scope yet (middleware runs before it): the page's url_for
    # (the stylesheet) needs it.
    request = Request({**scope, "router": scope["app"].router})
    response = message_page(
        request, "ratelimit.title", "ratelimit.body", 429, minutes=max(1, math.ceil(wait / 60))
    )
    response.headers.update(headers)
    return response
