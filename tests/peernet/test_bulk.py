"""Inserting rows without model objects: the same rows, defaults and checks as the ORM's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tortoise.exceptions import ValidationError
from tortoise.transactions import in_transaction

from peernet.attendees.models import MagicLink
from peernet.bulk import insert_rows
from tests.peernet.factories import an_attendee

pytestmark = pytest.mark.usefixtures("empty_db", "frozen_clock")

WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def a_link(attendee_id: int, n: int) -> dict[str, object]:
    return {
        "attendee_id": attendee_id,
        "token_hash": f"{n:064x}",
        "created_at": WHEN,
        "expires_at": WHEN,
    }


async def test_rows_are_stored_in_batches_with_the_defaults_of_the_fields_left_out() -> None:
    person = await an_attendee()
    await insert_rows(MagicLink, [a_link(person.id, n) for n in range(7)], batch=3)
    links = await MagicLink.all().order_by("id")
    assert [link.token_hash for link in links] == [f"{n:064x}" for n in range(7)]
    assert {(link.attendee_id, link.created_at, link.used_at) for link in links} == {
        (person.id, WHEN, None)
    }


async def test_a_value_the_field_refuses_stores_nothing() -> None:
    person = await an_attendee()
    too_long = {**a_link(person.id, 1), "token_hash": "x" * 65}
    with pytest.raises(ValidationError):
        async with in_transaction():
            await insert_rows(MagicLink, [a_link(person.id, 0), too_long], batch=1)
    assert await MagicLink.all().count() == 0


async def test_no_rows_is_no_statement() -> None:
    await insert_rows(MagicLink, [])
    assert await MagicLink.all().count() == 0


async def test_a_field_without_a_default_cannot_be_left_out() -> None:
    person = await an_attendee()
    without_hash = {k: v for k, v in a_link(person.id, 0).items() if k != "token_hash"}
    with pytest.raises(ValidationError, match="token_hash"):
        await insert_rows(MagicLink, [without_hash])
    assert await MagicLink.all().count() == 0
