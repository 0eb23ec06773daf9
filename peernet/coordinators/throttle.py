"""Limits on failed sign-in attempts, per account and per client address (moving windows).

Only failures count. Once a limit is reached the password is not even checked, so a
guessing script learns nothing more until the window has moved on.
"""

from __future__ import annotations

import inspect
import math
import time

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.requests import Request

from peernet.errors import PeernetError
from peernet.web.ratelimit import address_key

PER_ACCOUNT = parse("5 per 15 minutes")
PER_CLIENT = parse("20 per 15 minutes")


class TooManyAttempts(PeernetError):
    status_code = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-in attempts; try again in {retry_after} seconds")
        self.retry_after = retry_after


class SignInLimiter:
    def __init__(self, storage_url: str) -> None:
        # The settings name the store (memory://, redis://); limits' async flavour of it.
        url = storage_url if storage_url.startswith("async+") else f"async+{storage_url}"
        self._limiter = MovingWindowRateLimiter(storage_from_string(url))

    def _limits(self, email: str, client: str) -> list[tuple[RateLimitItem, str, str]]:
        return [
            (PER_ACCOUNT, "sign-in:account", address_key(email)),
            (PER_CLIENT, "sign-in:client", client),
        ]

    async def check(self, email: str, client: str) -> None:
        """Raise :class:`TooManyAttempts` if either limit has been used up."""
        waits = []
        for item, scope, key in self._limits(email, client):
            if not await self._limiter.test(item, scope, key):
                stats = await self._limiter.get_window_stats(item, scope, key)
                waits.append(max(1, math.ceil(stats.reset_time - time.time())))
        if waits:
            raise TooManyAttempts(max(waits))

    async def failed(self, email: str, client: str) -> None:
        for item, scope, key in self._limits(email, client):
            await self._limiter.hit(item, scope, key)

    async def aclose(self) -> None:
        """Close the connections to a shared store (Redis); the memory store has none."""
        bridge = getattr(self._limiter.storage, "bridge", None)
        pool = getattr(getattr(bridge, "storage", None), "connection_pool", None)
        if pool is not None:
            closing = pool.disconnect()
            if inspect.isawaitable(closing):
                await closing

    async def succeeded(self, email: str) -> None:
        # The owner proved the password: earlier typos no longer count against the account.
        await self._limiter.clear(PER_ACCOUNT, "sign-in:account", address_key(email))


def sign_in_limiter(request: Request) -> SignInLimiter:
    """The app's limiter, made on first use (one store per app, shared by its requests)."""
    state = request.app.state
    limiter: SignInLimiter | None = getattr(state, "sign_in_limiter", None)
    if limiter is None:
        limiter = SignInLimiter(state.settings.rate_limit_storage)
        state.sign_in_limiter = limiter
    return limiter


def client_address(request: Request) -> str:
    # uvicorn runs with --proxy-headers, so this is the visitor, not the proxy.
    return request.client.host if request.client else "unknown"
