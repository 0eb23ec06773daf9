from __future__ import annotations

from typing import Any

import httpx
import pytest

from peernet.attendees.models import Attendee, AttendeeStatus, Signup
from peernet.outbox.models import OutboxMessage
from tests.peernet.factories import an_event, signup_data

pytestmark = pytest.mark.usefixtures("frozen_clock")


async def post_signup(
    client: httpx.AsyncClient, data: Any, slug: str = "omei-utrecht"
) -> httpx.Response:
    return await client.post(f"/api/v1/events/{slug}/signups", json=data)


async def test_a_valid_signup_is_stored_pending_with_a_confirmation_in_the_outbox(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    response = await post_signup(client, signup_data())
    assert response.status_code == 202
    assert response.json() == {
        "status": "pending_confirmation",
        "email": "anouk.devries@example.org",
    }
    attendee = await Attendee.get(email_normalized="anouk.devries@example.org")
    assert attendee.status is AttendeeStatus.PENDING
    assert attendee.expertise == ["local_policy_network", "cross_domain_cooperation"]
    message = await OutboxMessage.get(kind="confirmation")
    assert message.recipient_email == "anouk.devries@example.org"
    assert message.locale == "nl"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": "x" * 121}, "name", "too_long"),
        ({"email": "not-an-address"}, "email", "invalid_email"),
        ({"organisation": "   "}, "organisation", "required"),
        ({"role": "astronaut"}, "role", "unknown_choice"),
        ({"region": "gotham"}, "region", "unknown_choice"),
        ({"expertise": []}, "expertise", "required"),
        ({"expertise": ["polarisation", "nonsense"]}, "expertise", "unknown_choice"),
        ({"gaps": ["a", "b", "c", "d", "e", "f"]}, "gaps", "too_many"),
        ({"gaps": ["local_policy_network"]}, "gaps", "theme_in_both"),
        ({"languages": []}, "languages", "required"),
        ({"languages": ["klingon"]}, "languages", "unknown_choice"),
        ({"meeting_preference": "by carrier pigeon"}, "meeting_preference", "unknown_choice"),
        ({"consent": False}, "consent", "consent_required"),
        ({"locale": "fr"}, "locale", "unknown_choice"),
        ({"is_admin": True}, "is_admin", "unknown_field"),
    ],
)
async def test_every_invalid_field_is_a_422_naming_it(
    client: httpx.AsyncClient, change: dict[str, Any], field: str, code: str
) -> None:
    await an_event()
    response = await post_signup(client, signup_data(**change))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert body["fields"] == {field: code}
    assert await Attendee.all().count() == 0
    assert await OutboxMessage.all().count() == 0


async def test_a_missing_field_is_named(client: httpx.AsyncClient) -> None:
    await an_event()
    data = signup_data()
    del data["email"], data["region"]
    response = await post_signup(client, data)
    assert response.status_code == 422
    assert response.json()["fields"] == {"email": "required", "region": "required"}


@pytest.mark.parametrize("field", ["name", "organisation", "email"])
@pytest.mark.parametrize(
    "evil", ["\r\nBcc: victim@example.org", "\nX-Injected: 1", "a\rb", "a\x00b", "a\u2028b"]
)
async def test_line_breaks_in_any_text_field_are_rejected(
    client: httpx.AsyncClient, field: str, evil: str
) -> None:
    await an_event()
    value = "anouk@example.org" + evil if field == "email" else "Anouk" + evil
    response = await post_signup(client, signup_data(**{field: value}))
    assert response.status_code == 422
    assert field in response.json()["fields"]
    assert await OutboxMessage.all().count() == 0


@pytest.mark.parametrize(
    "name",
    [
        "Ruud van 't Hoff",
        "Ümit Çelik",
        "Fatima Zahra El Amrani",
        "محمد الإدريسي",
        "Şükrü Yıldırım",
        "Zoë Ëlsa",
    ],
)
async def test_names_in_any_script_are_kept_exactly(client: httpx.AsyncClient, name: str) -> None:
    await an_event()
    response = await post_signup(client, signup_data(name=name, organisation="Stichting Ağaç"))
    assert response.status_code == 202
    attendee = await Attendee.get()
    assert attendee.name == name
    assert attendee.organisation == "Stichting Ağaç"


async def test_a_known_address_never_makes_a_second_attendee_and_gets_the_same_answer(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    first = await post_signup(client, signup_data())
    again = await post_signup(
        client, signup_data(email="Anouk.DeVries@Example.org", region="limburg")
    )
    assert again.status_code == first.status_code == 202
    assert again.json()["status"] == first.json()["status"]
    assert await Attendee.all().count() == 1
    assert await Signup.all().count() == 2
    attendee = await Attendee.get()
    assert attendee.region == "midden_nederland"  # not applied until confirmed


async def test_unknown_event_is_404_and_closed_event_is_410(client: httpx.AsyncClient) -> None:
    await an_event("gesloten", is_open=False)
    unknown = await post_signup(client, signup_data(), slug="nope")
    closed = await post_signup(client, signup_data(), slug="gesloten")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    assert (closed.status_code, closed.json()["error"]) == (410, "signup_closed")


@pytest.mark.parametrize(
    ("content", "content_type", "status", "field"),
    [
        (b"{not json", "application/json", 422, "body"),
        (b"[1, 2]", "application/json", 422, "body"),
        (b"name=x", "application/x-www-form-urlencoded", 415, None),
    ],
)
async def test_a_body_that_is_not_a_json_object_is_refused(
    client: httpx.AsyncClient, content: bytes, content_type: str, status: int, field: str | None
) -> None:
    await an_event()
    response = await client.post(
        "/api/v1/events/omei-utrecht/signups",
        content=content,
        headers={"content-type": content_type},
    )
    assert response.status_code == status
    if field:
        assert field in response.json()["fields"]


@pytest.mark.parametrize(
    ("email", "stored"),
    [
        ("Anouk@Example.ORG", "Anouk@example.org"),
        ("anouk@café.nl", "anouk@xn--caf-dma.nl"),
    ],
)
async def test_addresses_are_stored_as_mail_can_deliver_them(
    client: httpx.AsyncClient, email: str, stored: str
) -> None:
    await an_event()
    assert (await post_signup(client, signup_data(email=email))).status_code == 202
    assert (await Attendee.get()).email == stored


@pytest.mark.parametrize(
    "email", ["elif.yılmaz@example.org", "a@b", "anouk@localhost", "=?utf-8?q?x?=@example.org"]
)
async def test_addresses_mail_cannot_deliver_are_refused_at_the_field(
    client: httpx.AsyncClient, email: str
) -> None:
    await an_event()
    response = await post_signup(client, signup_data(email=email))
    assert response.status_code == 422
    assert response.json()["fields"] == {"email": "invalid_email"}


async def test_an_encoded_word_in_a_name_is_refused(client: httpx.AsyncClient) -> None:
    await an_event()
    response = await post_signup(client, signup_data(name="=?utf-8?q?Anouk=0ABcc:_x@y.nl?="))
    assert response.status_code == 422
    assert response.json()["fields"] == {"name": "invalid_characters"}
