"""The dashboard and the results page, as a signed-in coordinator reads them in Dutch and
English: the figures of the hand-built network, each picture an SVG with its table."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import httpx
import pytest

from peernet.dashboard.charts import SVG
from peernet.settings import Settings
from tests.peernet.dashboard.population import a_small_network

pytestmark = pytest.mark.usefixtures("frozen_clock")
INLINE_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def pictures(page: httpx.Response) -> dict[str, ET.Element]:
    """Every inline picture, parsed as XML, by its title."""
    found = {}
    for text in INLINE_SVG.findall(page.text):
        root = ET.fromstring(text)  # noqa: S314 (the app's own output)
        title = root.find(f"{{{SVG}}}title")
        assert title is not None and title.text
        found[title.text] = root
    return found


def words(root: ET.Element) -> set[str]:
    return {(e.text or "").strip() for e in root.iter()} - {""}


def table_rows(page: httpx.Response, caption: str) -> list[list[str]]:
    """The rows of the table with this caption, as the cells' text."""
    tables = re.findall(r"<table.*?</table>", page.text, re.DOTALL)
    table = next(t for t in tables if f">{caption}</caption>" in t)
    body = table.split("<tbody>", 1)[1]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    ]


async def test_the_pages_need_a_signed_in_coordinator(client: httpx.AsyncClient) -> None:
    for path in ("/coordinator/", "/coordinator/results"):
        answer = await client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/coordinator/login?next=")


async def test_the_dashboard_in_dutch(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    await a_small_network(settings)
    page = await coordinator_client.get("/coordinator/")
    assert page.status_code == 200
    text = page.text
    assert '<html lang="nl">' in text
    assert '<a href="/coordinator/" aria-current="page">Overzicht</a>' in text
    assert "<script" not in text
    for figure in (
        '<strong>4</strong> <a href="/coordinator/attendees?status=active">actief</a>',
        '<strong>1</strong> <a href="/coordinator/attendees?status=paused">gepauzeerd</a>',
        '<strong>1</strong> <a href="/coordinator/attendees?status=pending">nog niet bevestigd</a>',
        "<strong>1</strong> aanmeldingen wachten op bevestiging",
        '<strong>2</strong> <a href="/coordinator/outbox">onbezorgde e-mails</a>',
    ):
        assert figure in text
    # Each count opens the directory filtered to those people.
    paused = await coordinator_client.get("/coordinator/attendees?status=paused")
    assert "1 deelnemer gevonden" in paused.text
    found = pictures(page)
    assert set(found) == {
        "Deelnemers per politie-eenheid",
        "Deelnemers per discipline",
        "Bevestigde deelnemers per maand",
        "Koppels per twee disciplines, november 2026",
        "Vraag en aanbod per thema",
    }
    assert {"Rotterdam: 2", "Rotterdam: 1", "Amsterdam: 1", "Midden-Nederland: 2"} <= words(
        found["Deelnemers per politie-eenheid"]
    )
    assert {"sep 2026: 2", "okt 2026: 2", "nov 2026: 4", "nov 2026: 2"} <= words(
        found["Bevestigde deelnemers per maand"]
    )
    assert "Polarisatie (ook in de klas)" in words(found["Vraag en aanbod per thema"])
    grid = found["Koppels per twee disciplines, november 2026"]
    assert "De ronde van november 2026: 2 koppels, waarvan 2 over disciplines heen." in text
    cells = [(e.text or "").strip() for e in grid.iter(f"{{{SVG}}}text")]
    # Six disciplines: 21 cells, two of them with a pair across disciplines.
    assert sorted(c for c in cells if c.isdigit()) == ["0"] * 19 + ["1", "1"]
    # The same numbers as tables.
    assert ["Rotterdam", "2", "1", "0", "3"] in table_rows(page, "Deelnemers per politie-eenheid")
    assert table_rows(page, "Bevestigde deelnemers per maand") == [
        ["nov 2026", "2", "6"],
        ["okt 2026", "2", "4"],
        ["sep 2026", "2", "2"],
    ]
    themes_table = table_rows(page, "Vraag en aanbod per thema")
    assert themes_table[0] == ["Online radicalisering &amp; desinformatie", "1", "0", "1"]
    assert ["Gesprekstechnieken", "1", "2", "-1"] in themes_table
    # The latest rounds, newest first, with Dutch numbers.
    assert re.search(r"november 2026</a></th>\s*<td>2</td>\s*<td>50%</td>\s*<td>3</td>", text)
    assert re.search(r"oktober 2026</a></th>\s*<td>2</td>\s*<td>100%</td>\s*<td>4,5</td>", text)
    assert '<a href="/coordinator/results">Alle resultaten van het netwerk</a>' in text
    assert (
        '<li><span class="swatch" style="background: #b35c00"></span>Nog niet bevestigd</li>'
        in text
    )


async def test_the_dashboard_in_english(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    await a_small_network(settings)
    page = await coordinator_client.get("/coordinator/?lang=en")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    assert (
        '<strong>4</strong> <a href="/coordinator/attendees?status=active">active</a>' in page.text
    )
    found = pictures(page)
    assert "Attendees by police unit" in found
    assert {"Sept 2026: 2", "Oct 2026: 2"} <= words(found["Confirmed attendees per month"])
    assert re.search(
        r"October 2026</a></th>\s*<td>2</td>\s*<td>100%</td>\s*<td>4.5</td>", page.text
    )
    assert ["Rotterdam", "2", "1", "0", "3"] in table_rows(page, "Attendees by police unit")


async def test_an_empty_dashboard_says_what_will_appear(
    coordinator_client: httpx.AsyncClient,
) -> None:
    page = await coordinator_client.get("/coordinator/")
    assert page.status_code == 200
    assert "Er is nog geen koppelronde gepubliceerd." in page.text
    assert "Nog niemand heeft zijn aanmelding bevestigd." in page.text
    assert set(pictures(page)) == {"Deelnemers per politie-eenheid", "Deelnemers per discipline"}
    results = await coordinator_client.get("/coordinator/results")
    assert results.status_code == 200
    assert "Er is nog geen koppelronde gepubliceerd." in results.text
    assert pictures(results) == {}


async def test_the_results_in_dutch_and_english(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    await a_small_network(settings)
    page = await coordinator_client.get("/coordinator/results")
    assert page.status_code == 200
    assert "<script" not in page.text
    found = pictures(page)
    assert {"100%", "50%", "okt 2026", "nov 2026"} <= words(
        found["Aandeel koppels dat elkaar ontmoette"]
    )
    assert {"2", "3"} <= words(found["Verbindingen door ontmoetingen"])
    assert {"oktober 2026: 1", "november 2026: 1"} <= words(found["Cijfers per koppelronde"])
    assert table_rows(page, "Per koppelronde") == [
        ["november 2026", "2", "50% (1)", "2", "3", "0", "0", "1", "0", "0", "0"],
        ["oktober 2026", "2", "100% (2)", "4", "4,5", "0", "0", "0", "1", "1", "1"],
    ]
    assert table_rows(page, "Verbindingen door ontmoetingen") == [
        ["november 2026", "3", "3", "2"],
        ["oktober 2026", "2", "2", "1"],
    ]
    assert (
        "Tot nu toe: 3 mensen ontmoetten iemand uit een andere discipline; 3 organisaties zijn"
        " verbonden door 2 verbindingen." in page.text
    )
    english = await coordinator_client.get("/coordinator/results?lang=en")
    assert "Share of pairs that met" in pictures(english)
    assert ["October 2026", "2", "100% (2)", "4", "4.5", "0", "0", "0", "1", "1", "1"] in (
        table_rows(english, "By matching round")
    )
