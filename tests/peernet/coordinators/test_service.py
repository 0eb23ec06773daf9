from __future__ import annotations

import pytest

from peernet.coordinators.models import ApiToken, Coordinator
from peernet.coordinators.service import (
    SignInFailed,
    authenticate,
    coordinator_for_token,
    create_api_token,
    create_coordinator,
    end_sessions,
    revoke_api_token,
)
from peernet.errors import Conflict, FieldErrors
from tests.peernet.factories import COORDINATOR_PASSWORD, a_coordinator

pytestmark = pytest.mark.usefixtures("empty_db", "frozen_clock")


async def test_a_password_is_stored_only_as_an_argon2_hash() -> None:
    carla = await a_coordinator()
    stored = await Coordinator.get(id=carla.id)
    assert stored.password_hash.startswith("$argon2id$")
    assert COORDINATOR_PASSWORD not in stored.password_hash


async def test_sign_in_takes_the_right_password_in_any_case_of_address() -> None:
    carla = await a_coordinator()
    signed_in = await authenticate("  Carla@EXAMPLE.org ", COORDINATOR_PASSWORD)
    assert signed_in.id == carla.id
    assert (await Coordinator.get(id=carla.id)).last_sign_in_at is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("carla@example.org", "wrong password!"),
        ("nobody@example.org", COORDINATOR_PASSWORD),
        ("carla@example.org", ""),
    ],
)
async def test_a_wrong_address_or_password_fails_alike(email: str, password: str) -> None:
    await a_coordinator()
    with pytest.raises(SignInFailed) as failed:
        await authenticate(email, password)
    assert failed.value.message == "wrong address or password"


async def test_an_inactive_coordinator_cannot_sign_in() -> None:
    carla = await a_coordinator()
    await Coordinator.filter(id=carla.id).update(is_active=False)
    with pytest.raises(SignInFailed):
        await authenticate(carla.email, COORDINATOR_PASSWORD)


async def test_accounts_are_checked_and_unique() -> None:
    with pytest.raises(FieldErrors) as short:
        await create_coordinator("a@example.org", "too short")
    assert short.value.errors == {"password": "password_too_short"}
    with pytest.raises(FieldErrors) as bad:
        await create_coordinator("not an address", COORDINATOR_PASSWORD)
    assert bad.value.errors == {"email": "invalid_email"}
    await create_coordinator("a@example.org", COORDINATOR_PASSWORD)
    with pytest.raises(Conflict):
        await create_coordinator("A@example.org", COORDINATOR_PASSWORD)
    assert await Coordinator.all().count() == 1


async def test_an_api_token_works_until_it_is_revoked_and_is_stored_only_as_a_hash() -> None:
    carla = await a_coordinator()
    issued = await create_api_token(carla, label="  planning   script ")
    assert issued.record.label == "planning script"
    stored = await ApiToken.get(id=issued.record.id)
    assert issued.token not in (stored.token_hash, stored.prefix)
    assert issued.token.startswith(stored.prefix)
    found = await coordinator_for_token(issued.token)
    assert found is not None and found.id == carla.id
    assert (await ApiToken.get(id=issued.record.id)).last_used_at is not None
    assert await coordinator_for_token(issued.token + "x") is None
    await revoke_api_token(issued.record.id)
    await revoke_api_token(issued.record.id)  # again: no change, no error
    assert await coordinator_for_token(issued.token) is None


async def test_ending_sessions_raises_the_epoch() -> None:
    carla = await a_coordinator()
    await end_sessions(carla)
    assert (await Coordinator.get(id=carla.id)).session_epoch == 1 == carla.session_epoch
