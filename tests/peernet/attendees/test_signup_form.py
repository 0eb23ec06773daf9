"""The sign-up form as a new user meets it: every error at once and in words that say what to
do, a form left open for a day that keeps its input, a thank-you page that a refresh does not
send again, themes in groups, and gentle hints about choices that make a match unlikely."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import httpx
import pytest
import time_machine

from peernet.attendees.models import Attendee
from peernet.outbox.models import OutboxMessage
from peernet.taxonomy.service import get_taxonomy
from tests.peernet.attendees.test_outlook import NOTICE_NL, PAPIAMENTO_IN_LIMBURG, a_network
from tests.peernet.attendees.test_pages import submit
from tests.peernet.factories import an_event, signup_data
from tests.peernet.helpers import confirmation_token, csrf_token, form_fields

pytestmark = pytest.mark.usefixtures("frozen_clock")

EVERY_FIELD = (
    "name",
    "email",
    "organisation",
    "role",
    "region",
    "expertise",
    "gaps",
    "languages",
    "meeting_preference",
    "consent",
)


def summary_lines(page: str) -> list[str]:
    found = re.search(r'<div class="summary".*?</div>', page, re.DOTALL)
    assert found, "no error summary"
    return [
        unescape(re.sub(r"<[^>]+>", "", line)).strip()
        for line in re.findall(r"<li>(.*?)</li>", found.group(0), re.DOTALL)
    ]


def title(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.DOTALL)
    assert found
    return unescape(found.group(1)).strip()


async def test_every_error_shows_in_one_round_the_missing_consent_too(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    empty = {field: "" for field in EVERY_FIELD} | {
        "expertise": [],
        "gaps": [],
        "languages": [],
        "consent": False,
    }
    response = await submit(client, empty)
    assert response.status_code == 422
    for field in EVERY_FIELD:
        assert f'id="{field}-error"' in response.text, field
    assert len(summary_lines(response.text)) == len(EVERY_FIELD)
    # A theme in both lists and no consent, with the rest valid: both said at once.
    both = await submit(
        client,
        signup_data(expertise=["polarisation"], gaps=["polarisation"], consent=False),
    )
    assert 'id="gaps-error"' in both.text
    assert 'id="consent-error"' in both.text
    assert await Attendee.all().count() == 0


async def test_errors_say_what_to_do_in_the_words_of_the_form(client: httpx.AsyncClient) -> None:
    await an_event()
    page = (await submit(client, signup_data(expertise=[], languages=[], consent=False))).text
    lines = summary_lines(page)
    assert "Kies minstens één thema waar je veel van weet." in lines
    assert "Kies minstens één taal waarin je een gesprek kunt voeren." in lines
    assert "Vul dit veld in." not in page
    assert not any(".:" in line for line in lines)  # a label that is a sentence, then ":"
    assert "Kies minstens één thema" in page.split('id="expertise-error"')[1].split("</p>")[0]
    both = (await submit(client, signup_data(gaps=["local_policy_network"]))).text
    # The headings the form shows, not words it does not use.
    assert "‘Waar je meer over wilt leren’" in summary_lines(both)[0]
    assert "‘Waar je veel van weet’" in summary_lines(both)[0]
    english = (await submit(client, signup_data(expertise=[]), lang="en")).text
    assert summary_lines(english) == ["Choose at least one theme you know well."]


async def test_a_form_with_errors_says_so_in_the_title_and_focuses_the_summary(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    fresh = (await client.get("/join/omei-utrecht")).text
    assert not title(fresh).startswith("Fout:")
    page = (await submit(client, signup_data(name=""))).text
    assert title(page) == "Fout: Aanmelden voor het peernetwerk · peernet"
    summary = re.search(r'<div class="summary"[^>]*>', page)
    assert summary and "autofocus" in summary.group(0) and 'tabindex="-1"' in summary.group(0)
    assert '<a href="#name">Vul je naam in.</a>' in page
    english = (await submit(client, signup_data(name=""), lang="en")).text
    assert title(english).startswith("Error: ")


async def test_a_form_left_open_too_long_comes_back_filled_in_with_a_fresh_token(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        page = await client.get("/join/omei-utrecht")
        data = signup_data(name="Ümit Çelik", email="umit@example.org")
        traveller.shift(timedelta(hours=25))  # the token and its cookie live 24 hours
        late = await client.post(
            "/join/omei-utrecht",
            data={"csrf_token": csrf_token(page), **dict(form_fields(data))},
            follow_redirects=False,
        )
        assert late.status_code == 200
        assert "stond meer dan een dag open" in late.text
        assert 'value="Ümit Çelik"' in late.text
        assert 'value="umit@example.org"' in late.text
        assert 'value="cross_domain_cooperation" checked' in late.text
        assert 'name="consent" value="yes"' in late.text and "checked>" in late.text
        assert csrf_token(late) != csrf_token(page)
        assert await Attendee.all().count() == 0  # nothing was sent yet
        again = await client.post(
            "/join/omei-utrecht",
            data={"csrf_token": csrf_token(late), **dict(form_fields(data))},
            follow_redirects=False,
        )
    assert again.status_code == 303
    assert await Attendee.filter(email="umit@example.org").count() == 1


async def test_a_forged_token_is_still_refused_outright(client: httpx.AsyncClient) -> None:
    await an_event()
    await client.get("/join/omei-utrecht")
    response = await client.post(
        "/join/omei-utrecht",
        data={"csrf_token": "bm90IG91cnM.ZX.abc", **dict(form_fields(signup_data()))},
    )
    assert response.status_code == 403
    assert "stond meer dan een dag open" not in response.text


async def test_the_thank_you_page_follows_a_redirect_so_a_refresh_sends_nothing(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    posted = await submit(client, signup_data(), follow=False)
    assert posted.status_code == 303
    location = posted.headers["location"]
    assert location == "/join/omei-utrecht/sent?lang=nl"
    assert "anouk" not in location  # the address never goes into a URL (nor its logs)
    done = await client.get(location)
    assert done.status_code == 200
    assert "Kijk in je mailbox" in done.text
    assert "anouk.devries@example.org" in done.text
    refreshed = await client.get(location)  # the browser's refresh: a GET
    assert "anouk.devries@example.org" in refreshed.text
    assert await OutboxMessage.filter(kind="confirmation").count() == 1
    assert await Attendee.all().count() == 1
    # Opened elsewhere (no cookie), the page is still helpful and names nobody.
    async with httpx.AsyncClient(transport=client._transport, base_url=client.base_url) as other:
        elsewhere = await other.get(location)
    assert elsewhere.status_code == 200
    assert "anouk" not in elsewhere.text
    assert "Als je net je aanmelding hebt verstuurd" in elsewhere.text


async def test_the_thank_you_page_keeps_the_outlook_in_the_language_it_is_read_in(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    await a_network()
    posted = await submit(client, signup_data(**PAPIAMENTO_IN_LIMBURG), follow=False)
    dutch = await client.get(posted.headers["location"])
    assert NOTICE_NL in dutch.text.replace("&#39;", "'")
    english = await client.get(posted.headers["location"].replace("lang=nl", "lang=en"))
    assert "With meeting in person only in Limburg and Papiamento as your only language" in (
        english.text
    )


async def test_themes_are_grouped_in_the_taxonomy_clusters_without_javascript(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    page = (await client.get("/join/omei-utrecht")).text
    assert "<script" not in page
    taxonomy = get_taxonomy()
    clusters = list(taxonomy.theme_clusters.values())
    assert 1 < len(clusters) < len(taxonomy.themes)
    for field in ("expertise", "gaps"):
        block = page.split(f'<div id="{field}">')[1].split("</fieldset></div>")[0]
        groups = re.findall(
            r"<details[^>]*>\s*<summary>(.*?)</summary>(.*?)</details>", block, re.S
        )
        assert [unescape(label.split("<")[0]).strip() for label, _ in groups] == [
            c.label("nl") for c in clusters
        ]
        for (_, body), cluster in zip(groups, clusters, strict=True):
            assert re.findall(r'value="([a-z_]+)"', body) == list(cluster.themes)
        assert '<details class="cluster" open>' not in block  # closed: one tab stop each
    # A cluster holding a chosen theme opens by itself, and says how many are chosen.
    again = (await submit(client, signup_data(name=""))).text
    expertise = again.split('<div id="expertise">')[1].split('<div id="gaps">')[0]
    assert expertise.count('<details class="cluster" open>') == 2  # policy, cooperation
    assert "(1 gekozen)" in expertise


async def test_the_form_gently_warns_about_choices_that_make_a_match_unlikely(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    page = (await client.get("/join/omei-utrecht")).text
    languages = page.split('<div id="languages">')[1].split("</fieldset>")[0]
    assert 'aria-describedby="languages-hint"' in languages
    assert "Papiaments" in languages.split('id="languages-hint">')[1].split("</p>")[0]
    meeting = page.split('id="meeting_preference"')[1].split("</fieldset>")[0]
    assert "kleinere eenheid" in meeting
    assert "Allebei goed" in meeting
    assert "mijn regio" not in page  # the options describe a choice, not the reader


async def test_the_intro_names_the_event_with_its_article(client: httpx.AsyncClient) -> None:
    await an_event(title="Terugkomdag OMEI Utrecht")
    page = (await client.get("/join/omei-utrecht")).text
    assert "Je was bij de Terugkomdag OMEI Utrecht." in page


async def test_the_welcome_after_confirming_uses_the_first_name(client: httpx.AsyncClient) -> None:
    await an_event()
    await submit(client, signup_data(name="Fatima Test phone"))
    token = await confirmation_token("anouk.devries@example.org")
    page = await client.get(f"/confirm/{token}")
    done = await client.post(f"/confirm/{token}", data={"csrf_token": csrf_token(page)})
    assert "Welkom in het peernetwerk, Fatima." in done.text


async def test_the_home_page_title_does_not_repeat_the_name(client: httpx.AsyncClient) -> None:
    home = (await client.get("/")).text
    assert title(home) == "Leer van collega's uit andere vakgebieden · peernet"
    assert "peernet · peernet" not in home


async def test_a_form_shown_again_warns_next_to_the_choices_that_leave_few_to_meet(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    await a_network()
    fresh = (await client.get("/join/omei-utrecht")).text
    assert 'id="outlook"' not in fresh
    again = await submit(client, signup_data(**PAPIAMENTO_IN_LIMBURG, name=""))
    assert again.status_code == 422
    meeting = again.text.split("<legend>Hoe je graag afspreekt</legend>")[1].split("</fieldset>")[0]
    assert 'id="outlook"' in meeting
    assert "Met alleen fysiek afspreken in Limburg en Papiaments als enige taal" in meeting
    assert await Attendee.filter(email="anouk.devries@example.org").count() == 0
    # Easy choices, or choices not yet made, say nothing.
    easy = await submit(client, signup_data(name=""))
    assert 'id="outlook"' not in easy.text
    unmade = await submit(client, signup_data(**PAPIAMENTO_IN_LIMBURG, role=""))
    assert 'id="outlook"' not in unmade.text


async def test_a_too_long_text_says_the_fields_limit(client: httpx.AsyncClient) -> None:
    await an_event()
    response = await submit(client, signup_data(name="x" * 121, organisation="y" * 161))
    assert response.status_code == 422
    assert "Naam: Dit is te lang: maximaal 120 tekens." in summary_lines(response.text)
    assert "Organisatie: Dit is te lang: maximaal 160 tekens." in summary_lines(response.text)
    assert (
        "Dit is te lang: maximaal 160 tekens." in response.text.split('id="organisation-error"')[1]
    )
