from __future__ import annotations

import pytest

from peernet.coordinators.models import Coordinator
from peernet.outbox.digest import queue_dead_letter_digest
from peernet.outbox.models import OutboxMessage, OutboxStatus
from tests.peernet.conftest import make_settings
from tests.peernet.factories import a_coordinator
from tests.peernet.outbox.messages import an_outbox_message

pytestmark = pytest.mark.usefixtures("empty_db", "frozen_clock")

LINK = "https://peernet.test/coordinator/outbox"


async def digests() -> dict[str, OutboxMessage]:
    rows = await OutboxMessage.filter(kind="dead_letter_digest")
    return {row.recipient_email: row for row in rows}


async def test_every_active_account_and_every_other_configured_address_gets_one_digest(
    coordinator: Coordinator,
) -> None:
    await a_coordinator("bram@example.org", name="Bram Bakker")
    inactive = await a_coordinator("ina@example.org", name="Ina")
    inactive.is_active = False
    await inactive.save()
    configured = ["CARLA@example.org", "team@peernet.test", "Team@Peernet.test", "ina@example.org"]
    settings = make_settings(COORDINATOR_EMAILS=", ".join(configured))
    await an_outbox_message("anouk@example.org")
    assert await queue_dead_letter_digest(settings) == 1
    sent = await digests()
    assert sorted(sent) == ["bram@example.org", "carla@example.org", "team@peernet.test"]
    assert (sent["carla@example.org"].recipient_name, sent["team@peernet.test"].recipient_name) == (
        "Carla Coördinator",
        "",
    )


async def test_the_digest_greets_a_coordinator_by_name_and_an_address_without_one(
    coordinator: Coordinator,
) -> None:
    await an_outbox_message("anouk@example.org")
    await queue_dead_letter_digest(make_settings(COORDINATOR_EMAILS="team@peernet.test"))
    sent = await digests()
    assert sent["carla@example.org"].text.startswith("Hoi Carla,\n\n")
    assert sent["team@peernet.test"].text.startswith("Hallo,\n\n")
    for row in sent.values():
        assert "Hoi ," not in row.text and "Hoi ," not in row.html
        assert "anouk@example.org" in row.text


async def test_the_digest_links_to_the_undelivered_mail_page(coordinator: Coordinator) -> None:
    await an_outbox_message("anouk@example.org")
    await queue_dead_letter_digest(make_settings())
    digest = (await digests())["carla@example.org"]
    assert digest.text.count(LINK) == 2  # under the list, and in the footer
    assert digest.html.count(f'href="{LINK}"') == 2  # the button, and the footer
    assert "/admin" not in digest.text


async def test_undelivered_mail_is_reported_once(coordinator: Coordinator) -> None:
    settings = make_settings()
    first = await an_outbox_message("anouk@example.org")
    assert await queue_dead_letter_digest(settings) == 1
    assert await queue_dead_letter_digest(settings) == 0
    await an_outbox_message("ruud@example.org", status=OutboxStatus.FAILED)
    assert await queue_dead_letter_digest(settings) == 1
    latest = await OutboxMessage.filter(kind="dead_letter_digest").order_by("-id").first()
    assert latest is not None
    assert "ruud@example.org" in latest.text and first.recipient_email not in latest.text
    assert await OutboxMessage.filter(kind="dead_letter_digest").count() == 2 * 2


async def test_without_anyone_to_tell_nothing_is_marked_reported(empty_db: None) -> None:
    dead = await an_outbox_message("anouk@example.org")
    assert await queue_dead_letter_digest(make_settings(COORDINATOR_EMAILS="")) == 0
    assert (await OutboxMessage.get(id=dead.id)).reported_at is None
    assert await queue_dead_letter_digest(make_settings()) == 1
