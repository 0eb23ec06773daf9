"""Links in emails name attendees by a random public id, never by the sequential row id."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import httpx
import pytest
from itsdangerous.encoding import base64_decode

from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.attendees.rights import erase_attendee
from peernet.feedback.nudges import queue_due_nudges
from peernet.links import answer_url, subscription_url
from peernet.outbox.dispatch import drain
from peernet.rounds.models import Match
from peernet.settings import Settings
from peernet.worker import make_transport
from tests.notifications.smtp_server import ScriptedHandler, smtp_server
from tests.peernet.conftest import Clock, make_settings
from tests.peernet.factories import a_pair, a_published_round, an_attendee, an_event, signup_data

pytestmark = pytest.mark.usefixtures("frozen_clock")

SIGNED_LINK = re.compile(
    r"https://peernet\.test/(pause|unsubscribe|answer|stay|consent)/([A-Za-z0-9_.-]+)"
)


def path(url: str) -> str:
    return url.removeprefix("https://peernet.test")


def payload(token: str) -> object:
    """What a signed link carries: itsdangerous signs its payload but does not hide it, so
    anyone who receives the email can read this."""
    return json.loads(base64_decode(token.split(".")[0]))


def everything_in(message: EmailMessage) -> str:
    parts = [str(value) for _, value in message.items()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


async def test_no_email_of_a_round_names_an_attendee_by_row_id(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    """A round's introductions, its nudges and feedback requests, and a sign-up's
    confirmation, as they arrive at a real SMTP server: every signed link names its
    recipient by public id, and no link carries a row id of anyone."""
    await an_event()
    anouk, ruud = await a_pair()
    carla = await an_attendee("Carla Smit", email="carla@example.org", role="teacher")
    await a_published_round(settings, [[anouk.id, ruud.id, carla.id]])
    match = await Match.get()
    assert match.nudge_met_due_at and match.feedback_due_at
    frozen_clock.set(match.nudge_met_due_at + timedelta(minutes=1))
    assert await queue_due_nudges(settings) == 3
    frozen_clock.set(match.feedback_due_at + timedelta(minutes=1))
    assert await queue_due_nudges(settings) == 3
    signup = await client.post(
        "/api/v1/events/omei-utrecht/signups",
        json=signup_data(name="Dirk Bos", email="dirk@example.org"),
    )
    assert signup.status_code == 202
    people = {a.email: a for a in await Attendee.all()}
    row_ids = {a.id for a in people.values()}

    with smtp_server(handler := ScriptedHandler()) as port:
        transport = make_transport(
            make_settings(MAIL_BACKEND="smtp", SMTP_URL=f"smtp://127.0.0.1:{port}")
        )
        report = await drain(settings, transport)
        await transport.aclose()
    assert report.sent == len(handler.received) == 3 * 3 + 1

    seen_kinds: set[str] = set()
    for _, (recipient,), raw in handler.received:
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        me = people[recipient]
        links = SIGNED_LINK.findall(everything_in(message))
        assert links, f"no signed link in the email to {recipient}"
        for kind, token in links:
            seen_kinds.add(kind)
            data = payload(token)
            named = data["p"] if isinstance(data, dict) else data
            assert named == me.public_id, (kind, data)
            assert isinstance(named, str) and not named.isdigit()
            # The only number a link carries is the match of an answer link.
            if isinstance(data, dict):
                assert [k for k, v in data.items() if isinstance(v, int)] in ([], ["m"])
        # No link's path has a bare number in it.
        for url in re.findall(r"https://peernet\.test/\S+", everything_in(message)):
            assert not any(part.isdigit() for part in url.split("/")), url
    assert {"pause", "unsubscribe", "answer"} <= seen_kinds
    assert all(len(a.public_id) == 22 for a in people.values())
    assert len({a.public_id for a in people.values()}) == len(row_ids)


async def test_a_link_for_one_attendee_cannot_be_made_into_one_for_another(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """Even someone who knows the signing key (the development key was public) cannot name
    another attendee by counting: links name the unguessable public id."""
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    match = await Match.get()
    for forged_id in (str(ruud.id), f"{ruud.id:022d}", f"{ruud.id}".rjust(22, "A")):
        for action in ("pause", "unsubscribe"):
            forged = await client.post(
                path(subscription_url(settings, action, forged_id)), data={"months": "1"}
            )
            assert forged.status_code == 404, (action, forged_id)
        answer = await client.post(
            path(answer_url(settings, match_id=match.id, public_id=forged_id, answer="met"))
        )
        assert answer.status_code == 404
    # Anouk's own link, with each digit of what it names changed, is not Ruud's (nor anyone's).
    # (Only the payload: the signature's last base64 character has spare bits, so changing
    # it can give the very same signature, and the very same link.)
    own = path(subscription_url(settings, "unsubscribe", anouk.public_id))
    start = len("/unsubscribe/")
    end = own.index(".")
    altered_links = [
        own[:at] + str((int(own[at]) + 1) % 10) + own[at + 1 :]
        for at in range(start, end)
        if own[at].isdigit()
    ]
    for altered in altered_links:
        assert (await client.post(altered)).status_code == 404, altered
    assert (await Attendee.get(id=ruud.id)).status is AttendeeStatus.ACTIVE
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.ACTIVE
    # The real one works.
    assert (await client.post(own)).status_code == 200
    assert (await Attendee.get(id=anouk.id)).status is AttendeeStatus.LEFT


async def test_erasure_gives_a_new_public_id_so_every_old_link_dies(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    match = await Match.get()
    old = {
        "pause": path(subscription_url(settings, "pause", anouk.public_id)),
        "unsubscribe": path(subscription_url(settings, "unsubscribe", anouk.public_id)),
        "answer": path(
            answer_url(settings, match_id=match.id, public_id=anouk.public_id, answer="met")
        ),
    }
    for url in old.values():
        assert (await client.get(url)).status_code == 200, url
    assert await erase_attendee(settings, anouk.id, actor="cli", reason="request")
    erased = await Attendee.get(id=anouk.id)
    assert erased.public_id != anouk.public_id and len(erased.public_id) == 22
    for kind, url in old.items():
        assert (await client.get(url)).status_code == 404, kind
        assert (await client.post(url, data={"months": "1"})).status_code == 404, kind
    # Ruud's links are untouched.
    assert (
        await client.get(path(subscription_url(settings, "pause", ruud.public_id)))
    ).status_code == 200
