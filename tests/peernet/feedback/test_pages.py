from __future__ import annotations

import re

import httpx
import pytest

from peernet.attendees.models import new_public_id
from peernet.feedback.models import MatchFeedback, MeetingAnswer
from peernet.feedback.nudges import queue_due_nudges
from peernet.links import answer_url
from peernet.outbox.models import OutboxMessage
from peernet.rounds.models import Match
from peernet.settings import Settings
from tests.peernet.conftest import Clock
from tests.peernet.factories import a_pair, a_published_round

pytestmark = pytest.mark.usefixtures("frozen_clock")

LINK = re.compile(r"https://peernet\.test(/answer/[A-Za-z0-9_.-]+)")


async def feedback_links(settings: Settings, clock: Clock, email: str) -> list[str]:
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    match = await Match.get()
    assert match.feedback_due_at is not None
    clock.set(match.feedback_due_at)
    await queue_due_nudges(settings)
    message = await OutboxMessage.get(kind="feedback_request", recipient_email=email)
    return LINK.findall(message.text)


async def test_opening_an_answer_link_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    links = await feedback_links(settings, frozen_clock, "anouk.de.vries@example.org")
    for link in links:
        page = await client.get(link)
        assert page.status_code == 200
        assert "Bevestig mijn antwoord" in page.text
    assert await MatchFeedback.all().count() == 0


async def test_confirming_records_the_answer_and_a_rating(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    links = await feedback_links(settings, frozen_clock, "anouk.de.vries@example.org")
    pages = {link: (await client.get(link)).text for link in links}
    rematch = next(link for link, text in pages.items() if "koppel me opnieuw" in text)
    four = next(link for link, text in pages.items() if "4 van de 5" in text)
    assert (await client.post(rematch)).status_code == 200
    feedback = await MatchFeedback.get()
    assert (feedback.answer, feedback.rating) == (MeetingAnswer.REMATCH, None)
    done = await client.post(four)
    assert "Bedankt voor je antwoord" in done.text
    feedback = await MatchFeedback.get()
    assert (feedback.answer, feedback.rating) == (MeetingAnswer.MET, 4)
    assert await MatchFeedback.all().count() == 1


async def test_a_forged_or_foreign_answer_link_is_refused(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    links = await feedback_links(settings, frozen_clock, "anouk.de.vries@example.org")
    tampered = links[0][:-3] + ("aaa" if not links[0].endswith("aaa") else "bbb")
    assert (await client.post(tampered)).status_code == 404
    match = await Match.get()
    stranger = answer_url(settings, match_id=match.id, public_id=new_public_id(), answer="met")
    response = await client.post(stranger.removeprefix("https://peernet.test"))
    assert response.status_code == 404
    assert "Deze link werkt niet" in response.text
    assert await MatchFeedback.all().count() == 0
