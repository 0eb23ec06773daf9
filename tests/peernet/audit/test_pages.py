"""The audit log page: who did what and when, newest first, in plain words."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from peernet.audit.service import record
from peernet.coordinators.models import Coordinator
from tests.peernet.conftest import Clock
from tests.peernet.coordinators.test_pages import WRONG, sign_in


def rows(page: httpx.Response) -> list[list[str]]:
    body = page.text.split("<tbody>")[1].split("</tbody>")[0]
    return [
        [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


async def test_entries_show_local_time_who_what_and_details_newest_first(
    coordinator_client: httpx.AsyncClient, coordinator: Coordinator, frozen_clock: Clock
) -> None:
    await record("coordinator.create", actor="cli", subject=f"coordinator:{coordinator.id}")
    frozen_clock.advance(timedelta(minutes=5))
    await record(
        "round.publish", coordinator=coordinator, subject="round:7", details={"queued": 320}
    )
    frozen_clock.advance(timedelta(minutes=1))
    await record("round.something_new", actor="worker", subject="round:7")
    page = await coordinator_client.get("/coordinator/audit")
    assert page.status_code == 200
    assert 'aria-current="page">Logboek</a>' in page.text
    # 16:30 UTC on 12 November is 17:30 in Amsterdam.
    assert rows(page) == [
        ["12 nov 2026 17:36", "worker", "round.something_new", "round:7", ""],
        ["12 nov 2026 17:35", "Carla Coördinator", "Ronde gepubliceerd", "round:7", "queued=320"],
        [
            "12 nov 2026 17:30",
            "cli",
            "Coördinatoraccount aangemaakt",
            f"coordinator:{coordinator.id}",
            "",
        ],
    ]
    english = await coordinator_client.get("/coordinator/audit?lang=en")
    assert rows(english)[1][:3] == ["12 Nov 2026, 17:35", "Carla Coördinator", "Round published"]


@pytest.mark.usefixtures("frozen_clock")
async def test_a_hundred_entries_a_page_with_a_link_to_older_ones(
    coordinator_client: httpx.AsyncClient,
) -> None:
    for n in range(101):
        await record("sign_out", actor="cli", subject=f"n:{n}")
    first = await coordinator_client.get("/coordinator/audit")
    assert len(rows(first)) == 100
    assert rows(first)[0][3] == "n:100"
    assert '<a href="/coordinator/audit?page=2" rel="next">Ouder</a>' in first.text
    second = await coordinator_client.get("/coordinator/audit?page=2")
    assert [row[3] for row in rows(second)] == ["n:0"]
    assert 'rel="next"' not in second.text
    assert '<a href="/coordinator/audit?page=1" rel="prev">Nieuwer</a>' in second.text
    assert (await coordinator_client.get("/coordinator/audit?page=0")).status_code == 404


async def test_signing_in_and_out_appears_in_the_log(
    client: httpx.AsyncClient, coordinator: Coordinator
) -> None:
    await sign_in(client, email="unknown@example.org")
    await sign_in(client, password=WRONG)
    await sign_in(client)
    page = await client.get("/coordinator/audit")
    assert [row[1:3] for row in rows(page)] == [
        ["Carla Coördinator", "Ingelogd"],
        ["Carla Coördinator", "Inloggen mislukt"],
        ["bezoeker", "Inloggen mislukt"],
    ]
    assert rows(page)[1][4] == "client=127.0.0.1"


ROOT = Path(__file__).resolve().parents[3]


def _recorded_actions() -> set[str]:
    """Every action the service records: the literal first argument of ``record(...)``, the
    ``*_ACTION`` constants, and the rounds' adjustments (``_replan(..., "round.x", ...)``)."""
    source = "\n".join(path.read_text() for path in (ROOT / "peernet").rglob("*.py"))
    found = set(re.findall(r'await record\(\s*"([a-z_.]+)"', source))
    found |= set(re.findall(r'^[A-Z_]+_ACTION = "([a-z_.]+)"', source, re.MULTILINE))
    found |= set(re.findall(r'_replan\(\s*settings, rnd, coordinator, "([a-z_.]+)"', source))
    return found


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_every_recorded_action_reads_in_words(locale: str) -> None:
    from peernet.i18n import translate

    actions = _recorded_actions()
    assert {"round.publish", "attendee.email_change_self", "round.exclude"} <= actions
    key = "audit.action.{}".format
    assert sorted(a for a in actions if translate(locale, key(a)) == key(a)) == []
