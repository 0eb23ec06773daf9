"""A whole month through the JSON API, as an integration would run it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import httpx
import pytest

from peernet.attendees.models import Attendee
from peernet.demo import load_demo_data
from peernet.feedback.nudges import queue_due_nudges
from peernet.outbox.dispatch import drain
from peernet.outbox.models import OutboxMessage
from peernet.rounds.models import Round
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy
from peernet.worker import make_transport
from tests.notifications.smtp_server import ScriptedHandler, smtp_server
from tests.peernet.conftest import Clock, make_settings
from tests.peernet.factories import a_pair

pytestmark = pytest.mark.usefixtures("frozen_clock")


def pairs_of(body: dict[str, object]) -> set[frozenset[int]]:
    groups = body["groups"]
    assert isinstance(groups, list)
    out: set[frozenset[int]] = set()
    for group in groups:
        ids = [m["id"] for m in group["members"]]
        out |= {frozenset((a, b)) for a in ids for b in ids if a < b}
    return out


def grouped(body: dict[str, object]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for group in body["groups"]:  # type: ignore[attr-defined]
        ids = {m["id"] for m in group["members"]}
        for person in ids:
            out[person] = ids - {person}
    return out


async def allowed_pin(body: dict[str, object]) -> tuple[int, int]:
    """Two people in different groups whom the hard rules allow to meet."""
    taxonomy = get_taxonomy()
    people = {a.id: a for a in await Attendee.all()}
    together = grouped(body)
    ids = sorted(together)
    for a in ids:
        for b in ids:
            x, y = people[a], people[b]
            if (
                a < b
                and b not in together[a]
                and taxonomy.discipline_of(x.role) != taxonomy.discipline_of(y.role)
                and set(x.languages) & set(y.languages)
                and x.meeting_preference == y.meeting_preference == "either"
            ):
                return a, b
    raise AssertionError("no allowed pin in the demo population")


async def test_a_whole_month_through_the_api(
    api_client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    await load_demo_data(320)
    draft = await api_client.post("/api/v1/rounds", json={"period": "2026-12"})
    assert draft.status_code == 200, draft.text
    body = draft.json()
    assert (body["status"], body["version"], body["period"]) == ("draft", 1, "2026-12")
    assert len(body["groups"]) == 160 and body["unmatched"] == []
    assert body["stats"]["people"] == 320
    assert any("99" in line or "100" in line for line in body["stats"]["summary"])
    first = body["groups"][0]
    assert set(first["members"][0]) >= {"id", "name", "role", "region"}
    assert first["reasons"], "every group says why"
    round_id = body["id"]

    # Take someone out, keep two apart, pin two together: each recomputes the draft.
    out = first["members"][0]["id"]
    excluded = await api_client.post(
        f"/api/v1/rounds/{round_id}/exclusions", json={"attendee": out}
    )
    assert excluded.status_code == 200, excluded.text
    body = excluded.json()
    assert out not in grouped(body)
    assert {"id": out, "reason_code": "excluded"}.items() <= body["unmatched"][0].items()
    assert body["version"] == 2 and body["changes"]
    assert body["previous_stats"]["unmatched"] == 0 and body["stats"]["unmatched"] == 1

    apart = body["groups"][1]["members"]
    kept = await api_client.post(
        f"/api/v1/rounds/{round_id}/keep-apart",
        json={"attendee_a": apart[0]["id"], "attendee_b": apart[1]["id"]},
    )
    body = kept.json()
    assert apart[1]["id"] not in grouped(body)[apart[0]["id"]]

    a, b = await allowed_pin(body)
    pinned = await api_client.post(
        f"/api/v1/rounds/{round_id}/pins", json={"attendee_a": a, "attendee_b": b}
    )
    body = pinned.json()
    assert grouped(body)[a] == {b}
    assert any(g["pinned"] for g in body["groups"])

    recomputed = await api_client.post("/api/v1/rounds", json={"period": "2026-12"})
    body = recomputed.json()
    assert body["id"] == round_id and body["version"] == 5
    assert body["changes"] == []  # nothing changed since the pin
    assert await Round.all().count() == 1

    published = await api_client.post(f"/api/v1/rounds/{round_id}/publish")
    assert published.status_code == 200, published.text
    assert published.json()["introductions"] == 319
    assert published.json()["dissolved"] == []  # a draft planned just now breaks no rule
    again = await api_client.post(f"/api/v1/rounds/{round_id}/publish")
    assert again.status_code == 409
    assert again.json()["message"] == "the round of 2026-12 is already published"
    assert await OutboxMessage.filter(kind="introduction").count() == 319

    # What the coordinator saw is what each member receives, through a real SMTP server.
    preview = body["groups"][2]["introductions"]
    with smtp_server(handler := ScriptedHandler()) as port:
        transport = make_transport(
            make_settings(MAIL_BACKEND="smtp", SMTP_URL=f"smtp://127.0.0.1:{port}")
        )
        report = await drain(settings, transport)
        await transport.aclose()
    assert report.sent == 319 and report.failed == 0
    received = {rcpt: raw for _, (rcpt,), raw in handler.received}
    for seen in preview:
        member = await Attendee.get(id=seen["to"])
        email = message_from_bytes(received[member.email], policy=policy.default)
        assert isinstance(email, EmailMessage)
        part = email.get_body(preferencelist=("plain",))
        assert part is not None
        text = " ".join(part.get_content().split())
        assert seen["reasons"], "a group has reasons"
        for sentence in [*seen["reasons"], seen["meeting_advice"]]:
            assert " ".join(sentence.split()) in text

    # Published on 12 November for December: the emails say so, and the first nudge waits
    # for 14 days into December instead of coming with November's.
    assert "oor december 2026" in text or "or December 2026" in text
    frozen_clock.advance(timedelta(days=15))
    assert await queue_due_nudges(settings) == 0
    frozen_clock.advance(timedelta(days=19))  # 16 December
    assert await queue_due_nudges(settings) == 319
    december = pairs_of(body)

    frozen_clock.advance(timedelta(days=20))
    january = await api_client.post("/api/v1/rounds", json={"period": "2027-01"})
    assert january.status_code == 200
    assert not pairs_of(january.json()) & december
    assert january.json()["stats"]["repeats"] == 0
    listed = (await api_client.get("/api/v1/rounds")).json()["rounds"]
    assert [r["period"] for r in listed] == ["2027-01", "2026-12"]


async def test_eight_concurrent_publish_requests_send_one_set_of_introductions(
    api_client: httpx.AsyncClient,
) -> None:
    await a_pair()
    round_id = (await api_client.post("/api/v1/rounds", json={"period": "2026-12"})).json()["id"]
    answers = await asyncio.gather(
        *(api_client.post(f"/api/v1/rounds/{round_id}/publish") for _ in range(8))
    )
    assert sorted(a.status_code for a in answers) == [200] + [409] * 7
    assert await OutboxMessage.filter(kind="introduction").count() == 2


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"period": "2020-01"}, {"period": "period_in_past"}),
        ({"period": "volgende maand"}, {"period": "invalid_period"}),
        ({"period": 202612}, {"period": "invalid"}),
        ({}, {"period": "required"}),
        ({"period": "2026-12", "extra": 1}, {"extra": "unknown_field"}),
    ],
)
async def test_a_bad_period_is_a_422_naming_the_field(
    api_client: httpx.AsyncClient, body: dict[str, object], fields: dict[str, str]
) -> None:
    answer = await api_client.post("/api/v1/rounds", json=body)
    assert answer.status_code == 422
    assert answer.json()["fields"] == fields
    assert await Round.all().count() == 0


async def test_adjustments_name_the_bad_field_and_refuse_a_published_round(
    api_client: httpx.AsyncClient,
) -> None:
    anouk, ruud = await a_pair()
    round_id = (await api_client.post("/api/v1/rounds", json={"period": "2026-12"})).json()["id"]
    unknown = await api_client.post(f"/api/v1/rounds/{round_id}/exclusions", json={"attendee": 999})
    assert (unknown.status_code, unknown.json()["fields"]) == (
        422,
        {"attendee": "unknown_attendee"},
    )
    same = await api_client.post(
        f"/api/v1/rounds/{round_id}/pins", json={"attendee_a": anouk.id, "attendee_b": anouk.id}
    )
    assert same.json()["fields"] == {"attendee_b": "same_attendee"}
    preset = await api_client.put(f"/api/v1/rounds/{round_id}/preset", json={"preset": "fast"})
    assert preset.json()["fields"] == {"preset": "unknown_choice"}
    assert (await api_client.get("/api/v1/rounds/12345")).status_code == 404
    await api_client.post(f"/api/v1/rounds/{round_id}/publish")
    late = await api_client.post(
        f"/api/v1/rounds/{round_id}/exclusions", json={"attendee": ruud.id}
    )
    assert late.status_code == 409
