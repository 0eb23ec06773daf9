"""axe-core over every public page, on a phone (390 px) and a desktop (1280 px), in Debian's
Chromium driven by Playwright against the real server: no violation, also with errors shown."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from peernet.attendees.consents import current_consent
from peernet.links import answer_url, consent_renewal_url, stay_url, subscription_url
from peernet.outbox.models import OutboxMessage
from peernet.rounds.models import Match
from tests.peernet.conftest import make_settings
from tests.peernet.factories import a_pair, a_published_round, an_attendee, an_event
from tests.peernet.test_browser import CHROMIUM, CHROMIUM_ARGS, SECRET_KEY, live_server

__all__ = ["live_server"]  # the fixture, shared with the other browser test

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed"),
]

WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}

Visit = Callable[[object], Awaitable[None]]


def _report(url: str, width: str, violations: list[dict[str, object]]) -> str:
    lines = [f"{url} at {width}:"]
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:  # type: ignore[attr-defined]
            lines.append(f"    {node['target']}: {node['failureSummary']}")
    return "\n".join(lines)


@pytest.fixture
async def pages(live_server: str) -> AsyncIterator[dict[str, str]]:
    """Every public page a visitor can reach, by a name, as a URL on the live server."""
    settings = make_settings(BASE_URL=live_server, SECRET_KEY=SECRET_KEY)
    await an_event()
    await an_event("gesloten", is_open=False, title="Training Rotterdam")
    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    match = await Match.get()
    lone = await an_attendee("Ümit Çelik", email="umit.celik@example.org")
    yield {
        "home": f"{live_server}/",
        "join": f"{live_server}/join/omei-utrecht",
        "join closed": f"{live_server}/join/gesloten",
        "after sign-up": f"{live_server}/join/omei-utrecht/sent",
        "not found": f"{live_server}/bestaat-niet",
        "privacy": f"{live_server}/privacy",
        "agenda": f"{live_server}/agenda",
        "agenda of a unit": f"{live_server}/agenda?unit=midden_nederland",
        "themes": f"{live_server}/themes",
        "themes of a unit": f"{live_server}/themes/midden_nederland",
        "personal page request": f"{live_server}/me",
        "coordinator sign-in": f"{live_server}/coordinator/login",
        "answer": answer_url(settings, match_id=match.id, public_id=anouk.public_id, answer="met"),
        "pause": subscription_url(settings, "pause", lone.public_id),
        "unsubscribe": subscription_url(settings, "unsubscribe", lone.public_id),
        "stay": stay_url(settings, lone.public_id),
        "consent renewal": consent_renewal_url(settings, lone.public_id, current_consent().version),
        "bad link": f"{live_server}/confirm/{'x' * 43}",
        # Last: English is remembered in a cookie, and the steps below speak Dutch.
        "join (English)": f"{live_server}/join/omei-utrecht?lang=en",
    }


async def test_no_axe_violation_on_any_public_page_on_phone_or_desktop(
    live_server: str, pages: dict[str, str]
) -> None:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import Page, async_playwright

    axe = Axe()
    failures: list[str] = []

    async def check(page: Page, what: str, width: str) -> None:
        results = await axe.run(page)
        violations = results.response["violations"]
        if violations:
            failures.append(_report(f"{what} ({page.url})", width, violations))

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # axe itself is wired up: it sees an input without a label.
            probe = await browser.new_page()
            await probe.set_content('<html lang="nl"><title>t</title><main><input></main></html>')
            found = (await axe.run(probe)).response["violations"]
            assert "label" in {violation["id"] for violation in found}
            await probe.close()

            for width, (w, h) in WIDTHS.items():
                context = await browser.new_context(viewport={"width": w, "height": h})
                page = await context.new_page()
                for name, url in pages.items():
                    await page.goto(url)
                    await check(page, name, width)

                # The sign-up form with every error shown, its summary focused.
                await page.goto(pages["join"] + "?lang=nl")
                await page.get_by_role("button", name="Aanmelden").click()
                await page.wait_for_load_state()
                assert (await page.title()).startswith("Fout:")
                focused = await page.evaluate("document.activeElement.id")
                assert focused == "error-summary"
                await check(page, "join with errors", width)

                # A real sign-up, then the page after it and the confirmation page.
                await page.goto(pages["join"] + "?lang=nl")
                await page.get_by_label("Naam", exact=True).fill("Noor Bakker")
                await page.get_by_label("E-mailadres", exact=True).fill(f"noor.{width}@example.org")
                await page.get_by_label("Organisatie", exact=True).fill("ROC Utrecht")
                await page.get_by_label("Functie", exact=True).select_option("teacher")
                await page.get_by_label("Regio (politie-eenheid)").select_option("rotterdam")
                await page.locator("#expertise summary").first.click()
                await (
                    page.locator("#expertise").get_by_label("Polarisatie (ook in de klas)").check()
                )
                await page.locator("#gaps summary").nth(1).click()
                await page.locator("#gaps").get_by_label("Gesprekstechnieken").check()
                await page.get_by_label("Allebei goed").check()
                await page.get_by_label("Ik geef toestemming").check()
                await page.get_by_role("button", name="Aanmelden").click()
                await page.wait_for_load_state()
                assert page.url.endswith("/join/omei-utrecht/sent?lang=nl"), page.url
                await check(page, "after sign-up, with the address", width)
                message = await OutboxMessage.get(
                    kind="confirmation", recipient_email=f"noor.{width}@example.org"
                )
                link = re.search(re.escape(live_server) + r"/confirm/[\w-]{43}", message.text)
                assert link
                await page.goto(link.group(0))
                await check(page, "confirm", width)
                await page.get_by_role("button", name="Bevestig mijn aanmelding").click()
                await page.wait_for_load_state()
                await check(page, "confirmed", width)

                # The personal page, signed in by the emailed link, and with an error shown.
                await page.goto(pages["personal page request"] + "?lang=nl")
                await page.get_by_label("E-mailadres").fill("umit.celik@example.org")
                await page.get_by_role("button", name="Stuur me een link").click()
                await page.wait_for_load_state()
                await check(page, "personal page link sent", width)
                sent = await OutboxMessage.filter(kind="magic_link").order_by("-id").first()
                assert sent is not None
                me_link = re.search(re.escape(live_server) + r"/me/link/[\w-]+", sent.text)
                assert me_link
                await page.goto(me_link.group(0))
                await check(page, "personal page link", width)
                await page.get_by_role("button", name="Open mijn pagina").click()
                await page.wait_for_load_state()
                assert "/me/profile" in page.url, page.url
                await check(page, "personal page", width)
                await page.locator("#organisation").fill("")
                await page.get_by_role("button", name="Opslaan").first.click()
                await page.wait_for_load_state()
                assert await page.locator("#error-summary").count() == 1
                await check(page, "personal page with errors", width)
                await context.close()
        finally:
            await browser.close()
    assert not failures, "\n\n".join(failures)
