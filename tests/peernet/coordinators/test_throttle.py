"""The sign-in limits on a shared Redis store, as several web processes would use them."""

from __future__ import annotations

import secrets

import pytest

from peernet.coordinators.throttle import SignInLimiter, TooManyAttempts

REDIS = "redis://127.0.0.1:6379/0"


async def test_two_processes_sharing_redis_count_failures_together() -> None:
    email = f"{secrets.token_hex(6)}@example.org"
    client = f"198.51.100.{secrets.randbelow(250)}"
    first, second = SignInLimiter(REDIS), SignInLimiter(REDIS)
    for limiter in (first, second, first, second, first):
        await limiter.check(email, client)
        await limiter.failed(email, client)
    with pytest.raises(TooManyAttempts) as blocked:
        await second.check(email, client)
    assert 0 < blocked.value.retry_after <= 15 * 60
    await first.succeeded(email)  # the owner signs in elsewhere: the account is free again
    await second.check(email, client)
    await first.aclose()
    await second.aclose()
