"""A sign-up interrupted by a lost database connection is retried once, safely: the
sign-up's token is its idempotency key (issue 12)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from peernet.attendees import service
from peernet.attendees.models import Signup
from peernet.attendees.schemas import parse_signup
from peernet.outbox.models import OutboxMessage
from peernet.outbox.service import enqueue as real_enqueue
from peernet.settings import Settings
from tests.peernet.factories import an_event, signup_data

pytestmark = pytest.mark.usefixtures("frozen_clock")


async def post(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post("/api/v1/events/omei-utrecht/signups", json=signup_data())


async def test_lost_before_the_commit_the_signup_is_written_by_the_retry(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await an_event()
    calls = 0

    async def enqueue_losing_the_connection_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionResetError("connection reset by peer")
        return await real_enqueue(*args, **kwargs)

    monkeypatch.setattr(service, "enqueue", enqueue_losing_the_connection_once)
    response = await post(client)
    assert response.status_code == 202
    assert calls == 2
    assert await Signup.all().count() == 1
    assert await OutboxMessage.filter(kind="confirmation").count() == 1


async def test_lost_after_the_commit_the_retry_does_not_write_it_twice(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await an_event()
    real_store = service._store_signup
    calls = 0

    async def store_then_lose_the_connection(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        receipt = await real_store(*args, **kwargs)
        if calls == 1:
            raise ConnectionResetError("connection lost before the answer arrived")
        return receipt

    monkeypatch.setattr(service, "_store_signup", store_then_lose_the_connection)
    response = await post(client)
    assert response.status_code == 202
    assert calls == 1
    assert await Signup.all().count() == 1
    assert await OutboxMessage.filter(kind="confirmation").count() == 1


async def test_lost_twice_is_not_retried_again(
    settings: Settings, empty_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    await an_event()
    calls = 0

    async def always_lost(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        raise ConnectionResetError("the database is gone")

    monkeypatch.setattr(service, "enqueue", always_lost)
    with pytest.raises(ConnectionResetError):  # the app answers 500
        await service.sign_up(settings, "omei-utrecht", parse_signup(signup_data()), channel="api")
    assert calls == 2
    assert not await Signup.exists()
