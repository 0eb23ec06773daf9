"""The privacy page: Dutch and English, naming the controller from the settings, linked from
every page and from the sign-up form next to the consent checkbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from markupsafe import escape

from peernet.attendees.consents import current_consent
from peernet.web.app import create_app
from tests.peernet.conftest import make_settings
from tests.peernet.factories import an_event

pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
async def visitor(empty_db: None) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(
        PRIVACY_CONTROLLER="Gemeente Testdam, afdeling Veiligheid",
        PRIVACY_CONTACT="avg@testdam.example.nl",
    )
    app = create_app(settings, manage_database=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://peernet.test"
    ) as c:
        yield c


async def test_the_privacy_page_in_dutch_names_the_controller_and_the_text_in_force(
    visitor: httpx.AsyncClient,
) -> None:
    page = await visitor.get("/privacy")
    assert page.status_code == 200
    assert '<html lang="nl">' in page.text
    assert "Gemeente Testdam, afdeling Veiligheid" in page.text
    assert 'href="mailto:avg@testdam.example.nl"' in page.text
    for said in ("Wat we bewaren", "Waarom", "Hoe lang", "Wie ziet wat", "30 dagen", "24 maanden"):
        assert said in page.text
    consent = current_consent()
    assert f"versie {consent.version}" in page.text
    assert str(escape(consent.text("nl"))) in page.text
    assert 'href="/me?lang=nl"' in page.text


async def test_the_privacy_page_in_english(visitor: httpx.AsyncClient) -> None:
    page = await visitor.get("/privacy?lang=en")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    assert "Privacy: what we keep about you and why" in page.text
    assert "Gemeente Testdam, afdeling Veiligheid" in page.text
    assert "For how long" in page.text
    assert str(escape(current_consent().text("en"))) in page.text


async def test_the_home_page_the_join_form_and_an_error_page_link_to_it(
    visitor: httpx.AsyncClient,
) -> None:
    await an_event()
    home = await visitor.get("/")
    assert 'href="/privacy?lang=nl"' in home.text
    join = (await visitor.get("/join/omei-utrecht?lang=en")).text
    consent_box = join.index('name="consent"')
    link = join.index('href="/privacy?lang=en"', join.index('id="consent-text"'))
    # Next to the checkbox, inside the consent fieldset, and again in the footer.
    assert link < consent_box
    assert join.count('href="/privacy?lang=en"') == 2
    missing = await visitor.get("/nowhere")
    assert missing.status_code == 404
    assert 'href="/privacy?lang=en"' in missing.text  # the chosen language is remembered
