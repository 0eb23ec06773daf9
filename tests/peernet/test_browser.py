"""End to end, as a person would: Debian's Chromium, driven by Playwright, against the real
server process, filling in the Dutch form and confirming by the emailed link."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator

import httpx
import pytest

from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.outbox.models import OutboxMessage
from peernet.rounds.models import MatchMember, Round, RoundStatus
from tests.peernet.conftest import DATABASE_URL
from tests.peernet.factories import COORDINATOR_PASSWORD, a_coordinator, an_attendee, an_event

CHROMIUM = "/usr/bin/chromium"
SECRET_KEY = "browser-test-secret-key-0123456789abcdef"  # the live server's, to sign its links

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not shutil.which(CHROMIUM) and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (make test installs it as root)",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def live_server(empty_db: None) -> AsyncIterator[str]:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PEERNET_ENV": "test",
        "DATABASE_URL": DATABASE_URL,
        "BASE_URL": base_url,
        "SECRET_KEY": SECRET_KEY,
    }
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "peernet.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    health = await client.get(f"{base_url}/healthz")
                    if health.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("the server did not start")
        yield base_url
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


async def test_a_person_signs_up_in_dutch_and_confirms_by_the_emailed_link(
    live_server: str,
) -> None:
    from playwright.async_api import async_playwright

    await an_event()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{live_server}/join/omei-utrecht")
            assert await page.locator("h1").inner_text() == "Aanmelden voor het peernetwerk"
            await page.get_by_label("Naam", exact=True).fill("Ümit Çelik")
            await page.get_by_label("E-mailadres", exact=True).fill("umit.celik@example.org")
            await page.get_by_label("Organisatie", exact=True).fill("Jongerenwerk Rotterdam-Zuid")
            await page.get_by_label("Functie", exact=True).select_option("youth_worker")
            await page.get_by_label("Regio (politie-eenheid)").select_option("rotterdam")
            # The themes are in clusters that open with a click (no JavaScript).
            await page.locator("#expertise summary", has_text="Signaleren").click()
            await page.locator("#expertise").get_by_label("Gesprekstechnieken").check()
            await page.locator("#expertise summary", has_text="Extremisme").click()
            await (
                page.locator("#expertise")
                .get_by_label("Online radicalisering & desinformatie")
                .check()
            )
            await page.locator("#gaps summary", has_text="Samenwerken").click()
            await page.locator("#gaps").get_by_label("Informatie delen, privacy & AVG").check()
            await page.get_by_label("Allebei goed").check()
            await page.locator("#languages").get_by_label("Turks").check()
            await page.get_by_label("Ik geef toestemming").check()
            await page.get_by_role("button", name="Aanmelden").click()
            await page.wait_for_load_state()
            assert await page.locator("h1").inner_text() == "Kijk in je mailbox"

            attendee = await Attendee.get(email_normalized="umit.celik@example.org")
            assert attendee.status is AttendeeStatus.PENDING
            assert attendee.languages == ["nl", "tr"]
            message = await OutboxMessage.get(
                kind="confirmation", recipient_email="umit.celik@example.org"
            )
            link = re.search(re.escape(live_server) + r"/confirm/[A-Za-z0-9_-]{43}", message.text)
            assert link

            await page.goto(link.group(0))
            await page.get_by_role("button", name="Bevestig mijn aanmelding").click()
            await page.wait_for_load_state()
            assert await page.locator("h1").inner_text() == "Je aanmelding is bevestigd"
            confirmed = await Attendee.get(id=attendee.id)
            assert confirmed.status is AttendeeStatus.ACTIVE
        finally:
            await browser.close()


async def test_a_coordinator_signs_in_keeps_two_apart_recomputes_and_publishes(
    live_server: str,
) -> None:
    from playwright.async_api import async_playwright

    carla = await a_coordinator()
    people = [
        await an_attendee(
            f"Deelnemer {n}",
            role=role,
            expertise=["polarisation"] if n % 2 else ["family_approach"],
            gaps=["family_approach"] if n % 2 else ["polarisation"],
        )
        for n, role in enumerate(
            ["teacher", "youth_worker", "community_police_officer", "social_worker"]
        )
    ]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{live_server}/coordinator/rounds")
            assert "/coordinator/login" in page.url  # not signed in yet
            await page.get_by_label("E-mailadres").fill(carla.email)
            await page.get_by_label("Wachtwoord").fill(COORDINATOR_PASSWORD)
            await page.get_by_role("button", name="Inloggen").click()
            await page.wait_for_load_state()
            assert await page.locator("h1").inner_text() == "Koppelrondes"

            await page.get_by_role("button", name="Concept maken of herberekenen").click()
            await page.wait_for_load_state()
            assert (await page.locator("h1").inner_text()).startswith("Koppelronde ")
            rnd = await Round.get()
            pairs = await _groups(rnd.id)
            first, second = sorted(pairs[0])

            form = page.locator("form", has=page.get_by_role("button", name="Nooit koppelen"))
            await form.get_by_label("Persoon").select_option(str(first))
            await form.get_by_label("Met").select_option(str(second))
            await form.get_by_role("button", name="Nooit koppelen").click()
            await page.wait_for_load_state()
            assert "Wat is er veranderd sinds versie 1?" in await page.content()
            assert all({first, second} - group for group in await _groups(rnd.id))

            await page.get_by_role("button", name="Opnieuw berekenen").click()
            await page.wait_for_load_state()
            assert (await Round.get(id=rnd.id)).version == 3

            await page.get_by_role("button", name="Publiceren en introducties versturen").click()
            await page.wait_for_load_state()
            assert "Gepubliceerd: 4 introducties verstuurd." in await page.content()
            assert (await Round.get(id=rnd.id)).status is RoundStatus.PUBLISHED
            sent = await OutboxMessage.filter(kind="introduction").count()
            assert sent == len(people)
        finally:
            await browser.close()


async def _groups(round_id: int) -> list[set[int]]:
    out: dict[int, set[int]] = {}
    for member in await MatchMember.filter(match__round_id=round_id):
        out.setdefault(member.match_id, set()).add(member.attendee_id)
    return list(out.values())


async def test_a_coordinator_imports_a_registration_list_on_a_phone(
    live_server: str, tmp_path: object
) -> None:
    from pathlib import Path

    from playwright.async_api import async_playwright

    from peernet.attendees.models import ImportBatch

    assert isinstance(tmp_path, Path)
    carla = await a_coordinator()
    await an_event()
    registrations = tmp_path / "aanmeldingen.csv"
    registrations.write_bytes(
        "\ufeffNaam;E-mailadres;Organisatie;Rol;Eenheid\r\n"
        "Sanne Bakker;sanne@example.org;Gemeente Utrecht;Jongerenwerker;Midden-Nederland\r\n"
        "Kees Jansen;kees-at-example.org;ROC;Wijkagent;Rotterdam\r\n".encode()
    )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 390, "height": 844})
            await page.goto(f"{live_server}/coordinator/events/omei-utrecht/import")
            await page.get_by_label("E-mailadres").fill(carla.email)
            await page.get_by_label("Wachtwoord").fill(COORDINATOR_PASSWORD)
            await page.get_by_role("button", name="Inloggen").click()
            await page.wait_for_load_state()
            assert page.url.endswith("/coordinator/events/omei-utrecht/import")

            await page.get_by_label("Bestand").set_input_files(str(registrations))
            await page.get_by_role("button", name="Controleren").click()
            await page.wait_for_load_state()
            assert "kolom e-mailadres: is geen geldig e-mailadres" in await page.content()
            assert not await Attendee.exists()
            await page.get_by_role("button", name="1 uitnodigingen opslaan en versturen").click()
            await page.wait_for_load_state()
            assert "2 regels: 1 uitgenodigd, 0 al bekend, 1 geweigerd." in await page.content()
            assert (await ImportBatch.get()).stored == 1
            assert await OutboxMessage.filter(kind="invitation").count() == 1

            for path in (
                "/coordinator/attendees",
                f"/coordinator/attendees/{(await Attendee.get()).id}",
            ):
                await page.goto(f"{live_server}{path}")
                width = await page.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, f"{path} is {width} px wide on a phone"
            assert "Sanne Bakker" in await page.content()
        finally:
            await browser.close()


async def test_the_themes_of_a_region_fit_a_phone(live_server: str) -> None:
    """The half-year table has a column per theme: it scrolls within itself on a phone,
    and the page does not scroll sideways."""
    from datetime import UTC, datetime

    from playwright.async_api import async_playwright

    from peernet.attendees.consents import STATISTICS, give_optional_consent

    themes = [
        "polarisation",
        "triggers_breeding_ground",
        "online_radicalisation",
        "signalling_assessment",
    ]
    for n in range(30):
        person = await an_attendee(
            f"Rotterdammer {n}",
            region="rotterdam",
            gaps=[themes[n % 4], themes[(n + 1) % 4]],
            expertise=[themes[(n + 2) % 4]],
        )
        person.confirmed_at = datetime(2025 + n % 2, 3 + 6 * (n % 3 // 2), 1, tzinfo=UTC)
        await person.save(update_fields=["confirmed_at"])
        await give_optional_consent(person, STATISTICS, locale="nl", channel="test")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 390, "height": 844})
            for path in ("/themes/rotterdam", "/themes/rotterdam?lang=en", "/themes"):
                await page.goto(f"{live_server}{path}")
                assert await page.locator("table").count() > 0
                width = await page.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, f"{path} is {width} px wide on a phone"
        finally:
            await browser.close()
