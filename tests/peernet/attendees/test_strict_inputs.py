"""Strict inputs (issue 12): invisible formatting characters in names and organisations,
and consent only as JSON true."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from peernet.attendees.importing import preview_import
from peernet.attendees.models import Attendee
from peernet.attendees.schemas import parse_profile
from peernet.errors import FieldErrors
from peernet.outbox.models import OutboxMessage
from tests.peernet.attendees.test_pages import submit
from tests.peernet.factories import an_event, signup_data

pytestmark = pytest.mark.usefixtures("frozen_clock")

FORMAT_CHARACTERS = {
    "right-to-left override": "Anouk \u202egnikcilc",
    "zero-width space": "Anouk\u200bde Vries",
    "zero-width joiner": "Anouk\u200d de Vries",
    "byte order mark": "\ufeffAnouk de Vries",
    "left-to-right mark": "Anouk de Vries\u200e",
    "word joiner": "Anouk\u2060de Vries",
}


@pytest.mark.parametrize("field", ["name", "organisation"])
@pytest.mark.parametrize("value", FORMAT_CHARACTERS.values(), ids=FORMAT_CHARACTERS.keys())
async def test_format_characters_in_the_api_are_a_422_naming_the_field(
    client: httpx.AsyncClient, field: str, value: str
) -> None:
    await an_event()
    response = await client.post(
        "/api/v1/events/omei-utrecht/signups", json=signup_data(**{field: value})
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {field: "format_characters"}
    assert not await Attendee.exists()
    assert not await OutboxMessage.exists()


async def test_the_form_says_which_field_has_format_characters(client: httpx.AsyncClient) -> None:
    await an_event()
    response = await submit(client, signup_data(name="Anouk \u202egnikcilc"))
    assert response.status_code == 422
    assert "onzichtbare opmaaktekens" in response.text
    english = await submit(client, signup_data(organisation="Gemeente\u200bUtrecht"), lang="en")
    assert "invisible formatting characters" in english.text
    assert not await Attendee.exists()


async def test_accents_and_other_scripts_are_still_welcome(client: httpx.AsyncClient) -> None:
    await an_event()
    response = await client.post(
        "/api/v1/events/omei-utrecht/signups",
        json=signup_data(name="Zoë Özdemir-Nguyễn يوسف", organisation="Gemeente 's-Hertogenbosch"),
    )
    assert response.status_code == 202


def test_the_personal_pages_profile_refuses_format_characters() -> None:
    data: dict[str, Any] = {
        k: v
        for k, v in signup_data(organisation="Politie\ufeff Rotterdam").items()
        if k not in ("email", "consent", "locale")
    }
    with pytest.raises(FieldErrors) as refused:
        parse_profile(data)
    assert refused.value.errors == {"organisation": "format_characters"}


async def test_an_import_line_with_format_characters_is_refused_naming_the_column(
    empty_db: None,
) -> None:
    preview = await preview_import(
        (
            "Naam;E-mailadres;Organisatie;Rol;Eenheid\r\n"
            "Sanne\u202eBakker;sanne@example.org;Gemeente Utrecht;Jongerenwerker;Rotterdam\r\n"
            "Mira Vos;mira@example.org;Sterk\u200bHuis;Jongerenwerker;Rotterdam\r\n"
        ).encode()
    )
    assert [(r.outcome, r.errors) for r in preview.lines] == [
        ("refused", {"name": "format_characters"}),
        ("refused", {"organisation": "format_characters"}),
    ]


@pytest.mark.parametrize("consent", ["yes", "on", "true", 1, "1", [True], {"v": True}, None])
async def test_consent_is_only_json_true(client: httpx.AsyncClient, consent: object) -> None:
    await an_event()
    response = await client.post(
        "/api/v1/events/omei-utrecht/signups", json=signup_data(consent=consent)
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"consent"}
    assert not await Attendee.exists()


async def test_consent_true_is_accepted_and_the_forms_checkbox_still_works(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    assert (
        await client.post("/api/v1/events/omei-utrecht/signups", json=signup_data(consent=True))
    ).status_code == 202
    form = await submit(client, signup_data(email="other@example.org"))
    assert form.status_code == 200
    assert await Attendee.all().count() == 2
