from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from peernet.attendees.models import AttendeeBlock, MagicLink
from peernet.feedback.nudges import queue_due_nudges
from peernet.links import subscription_url
from peernet.outbox.models import OutboxMessage
from peernet.rounds.models import KeepApart, Match, MatchMember
from peernet.rounds.planning import kept_apart_pairs, propose_round
from peernet.rounds.publishing import publish_round
from peernet.settings import Settings
from tests.peernet.conftest import Clock
from tests.peernet.factories import a_pair, an_attendee
from tests.peernet.helpers import csrf_token

pytestmark = pytest.mark.usefixtures("empty_db", "frozen_clock")

MANAGE = re.compile(r"https://peernet\.test(/me/link/[A-Za-z0-9_-]{43})")


async def grouped_together(a: int, b: int) -> bool:
    for match in await Match.all():
        members = set(
            await MatchMember.filter(match_id=match.id).values_list("attendee_id", flat=True)
        )
        if {a, b} <= members:
            return True
    return False


@pytest.mark.parametrize("who_blocks", ["first", "second"])
async def test_a_private_block_keeps_the_two_apart_in_the_next_round(
    settings: Settings, who_blocks: str
) -> None:
    anouk, ruud = await a_pair()
    # Without a block the planner groups these two: the test can fail.
    await propose_round(settings, "2026-12")
    assert await grouped_together(anouk.id, ruud.id)
    blocker, blocked = (anouk, ruud) if who_blocks == "first" else (ruud, anouk)
    await AttendeeBlock.create(attendee=blocker, blocked=blocked, created_at=anouk.created_at)
    rnd, plan = await propose_round(settings, "2026-12")
    assert not await grouped_together(anouk.id, ruud.id)
    assert sorted(plan.unmatched[i].person for i in range(len(plan.unmatched))) == sorted(
        [anouk.id, ruud.id]
    )
    assert rnd.version == 2


async def test_a_block_and_a_keep_apart_of_the_same_two_are_one_pair(settings: Settings) -> None:
    anouk, ruud = await a_pair()
    now = anouk.created_at
    await KeepApart.create(attendee_a_id=anouk.id, attendee_b_id=ruud.id, created_at=now)
    await AttendeeBlock.create(attendee=ruud, blocked=anouk, created_at=now)
    assert await kept_apart_pairs() == [(anouk.id, ruud.id)]


async def test_the_round_page_does_not_show_private_blocks(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    rnd, _ = await propose_round(settings, "2026-12")
    pages = [f"/coordinator/rounds/{rnd.id}"] + [
        f"/coordinator/attendees/{a.id}" for a in (anouk, ruud)
    ]
    before = [without_tokens(await coordinator_client.get(url)) for url in pages]
    await AttendeeBlock.create(attendee=anouk, blocked=ruud, created_at=anouk.created_at)
    after = [without_tokens(await coordinator_client.get(url)) for url in pages]
    assert after == before
    # The same pages do show a coordinator's keep-apart: the comparison can fail.
    await KeepApart.create(attendee_a_id=anouk.id, attendee_b_id=ruud.id, created_at=rnd.created_at)
    assert without_tokens(await coordinator_client.get(pages[0])) != before[0]


def without_tokens(page: httpx.Response) -> str:
    assert page.status_code == 200
    return re.sub(r'name="csrf_token" value="[^"]+"', "", page.text)


async def check_manage_link(client: httpx.AsyncClient, message: OutboxMessage) -> None:
    found = MANAGE.search(message.text)
    assert found, f"no manage link in the {message.kind} email"
    assert found.group(0) in message.html
    assert "https://peernet.test/privacy" in message.text
    assert "https://peernet.test/privacy" in message.html
    page = await client.get(found.group(1))
    assert page.status_code == 200
    answer = await client.post(found.group(1), data={"csrf_token": csrf_token(page)})
    assert (answer.status_code, answer.headers["location"]) == (303, "/me/profile")
    assert (await client.get("/me/profile")).status_code == 200
    client.cookies.clear()


async def test_every_email_to_an_attendee_carries_a_working_manage_link(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    shanti = await an_attendee(
        "Shanti Martina",
        email="shanti@example.org",
        role="social_worker",
        region="limburg",
        languages=["pap"],
        meeting_preference="in_person",
    )
    rnd, _ = await propose_round(settings, "2026-11")
    await publish_round(settings, rnd.id)
    match = await Match.get()
    assert match.nudge_met_due_at and match.feedback_due_at
    checked: list[tuple[str, str]] = []
    seen: set[int] = set()

    async def check_new_messages() -> None:
        for message in await OutboxMessage.exclude(id__in=list(seen)).order_by("id"):
            await check_manage_link(client, message)
            checked.append((message.kind, message.recipient_email))
            seen.add(message.id)

    await check_new_messages()
    frozen_clock.set(match.nudge_met_due_at + timedelta(minutes=1))
    assert await queue_due_nudges(settings) == 2
    assert await queue_due_nudges(settings) == 0  # queued once, one link each
    await check_new_messages()
    frozen_clock.set(match.feedback_due_at + timedelta(minutes=1))
    assert await queue_due_nudges(settings) == 2
    await check_new_messages()

    assert ("unmatched", shanti.email) in checked
    for kind in ("introduction", "nudge_met", "feedback_request"):
        assert {(kind, anouk.email), (kind, ruud.email)} <= set(checked)
    # One link per email, each used once.
    assert await MagicLink.filter(used_at__isnull=True).count() == 0
    assert await MagicLink.all().count() == len(checked) == 7


async def test_the_pause_page_from_emails_offers_six_months_and_until_resumed(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = subscription_url(settings, "pause", anouk.public_id).removeprefix("https://peernet.test")
    page = await client.get(url)
    assert 'value="6"' in page.text and 'value="until_resumed"' in page.text
    answer = await client.post(url, data={"months": "until_resumed"})
    assert answer.status_code == 200
    assert "persoonlijke pagina" in answer.text
    answer = await client.post(url, data={"months": "6"})
    assert "mei 2027" in answer.text
