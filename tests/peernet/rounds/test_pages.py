"""The round pages, as a coordinator uses them in a browser without JavaScript."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from itertools import combinations

import httpx
import pytest

from peernet.attendees.models import Attendee
from peernet.demo import load_demo_data
from peernet.feedback.nudges import queue_due_nudges
from peernet.outbox.dispatch import drain
from peernet.outbox.models import OutboxMessage
from peernet.rounds.models import KeepApart, Match, Round, RoundStatus
from peernet.rounds.planning import propose_round
from peernet.rounds.publishing import publish_round
from peernet.rounds.service import current_groups
from peernet.settings import Settings
from peernet.worker import make_transport
from tests.notifications.smtp_server import ScriptedHandler, smtp_server
from tests.peernet.conftest import Clock, make_settings
from tests.peernet.factories import a_pair, an_attendee
from tests.peernet.helpers import csrf_token
from tests.peernet.rounds.test_endpoints import allowed_pin

pytestmark = pytest.mark.usefixtures("frozen_clock")


async def post_form(
    client: httpx.AsyncClient, page_url: str, action: str, data: dict[str, str]
) -> httpx.Response:
    page = await client.get(page_url)
    return await client.post(action, data={"csrf_token": csrf_token(page), **data})


async def test_the_rounds_page_needs_a_signed_in_coordinator(client: httpx.AsyncClient) -> None:
    answer = await client.get("/coordinator/rounds")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/coordinator/login?next=")


async def test_a_coordinator_plans_adjusts_and_publishes_a_month_in_the_browser(
    coordinator_client: httpx.AsyncClient,
) -> None:
    client = coordinator_client
    anouk, ruud = await a_pair()
    await an_attendee(
        "Bram Smit", role="youth_worker", expertise=["conversation_skills"], gaps=["polarisation"]
    )
    listing = await client.get("/coordinator/rounds")
    assert listing.status_code == 200
    assert 'value="2026-12"' in listing.text  # next month is suggested
    planned = await post_form(
        client, "/coordinator/rounds", "/coordinator/rounds", {"period": "2026-12"}
    )
    assert planned.status_code == 303
    rnd = await Round.get(period="2026-12")
    assert planned.headers["location"] == f"/coordinator/rounds/{rnd.id}?done=planned"

    page = await client.get(planned.headers["location"])
    assert page.status_code == 200
    text = page.text
    assert "Concept, versie 1" in text
    assert "Anouk de Vries" in text and "Ruud van &#39;t Hoff" in text
    assert "Dit is aantoonbaar de best mogelijke indeling." in text
    assert "Koppelronde december 2026" in text
    assert "Gesprekstechnieken" in text or "gesprekstechnieken" in text
    # Each member's introduction, as it will be sent, in the member's own language.
    assert "Wat Anouk de Vries in de introductie leest" in text
    assert "Ruud weet veel van gesprekstechnieken: daar wil jij meer over leren." in text
    assert "Anouk knows a lot about" in text  # Ruud reads English

    url = f"/coordinator/rounds/{rnd.id}"
    kept = await post_form(
        client, url, f"{url}/keep-apart", {"attendee_a": str(anouk.id), "attendee_b": str(ruud.id)}
    )
    assert kept.status_code == 303
    assert await KeepApart.filter(attendee_a_id=anouk.id, attendee_b_id=ruud.id).exists()
    page = await client.get(kept.headers["location"])
    assert "Wat is er veranderd sinds versie 1?" in page.text
    assert "Cijfers eerst en nu" in page.text
    assert '<th scope="row">Niet gekoppeld</th>\n    <td>0</td><td>1</td>' in page.text
    assert "Nooit aan elkaar gekoppeld" in page.text
    # Three people, two of them kept apart: one is left out, and the page says why.
    assert "Niet gekoppeld (1)" in page.text
    assert "gekoppeld" in page.text.split("Niet gekoppeld (1)")[1].split("</ul>")[0]

    bad = await post_form(client, url, f"{url}/exclude", {"attendee": "999"})
    assert bad.status_code == 422
    assert "Deze persoon bestaat niet." in bad.text

    published = await post_form(client, url, f"{url}/publish", {})
    assert published.status_code == 303
    page = await client.get(published.headers["location"])
    assert "Gepubliceerd: 2 introducties verstuurd." in page.text
    assert "Gepubliceerd op 12 nov 2026 17:30. De introducties zijn verstuurd." in page.text
    assert "1 persoon kreeg uitleg waarom die in deze ronde niet gekoppeld is." in page.text
    assert await OutboxMessage.filter(kind="unmatched").count() == 1
    assert (await Round.get(id=rnd.id)).status is RoundStatus.PUBLISHED
    sent = await OutboxMessage.filter(kind="introduction").count()
    assert sent >= 2

    # The publish button pressed again (a second tab, a double click): nothing more is sent.
    again = await client.post(f"{url}/publish", data={"csrf_token": csrf_token(page)})
    assert again.status_code == 409
    assert "Deze ronde is al gepubliceerd" in again.text
    assert await OutboxMessage.filter(kind="introduction").count() == sent
    listing = await client.get("/coordinator/rounds")
    assert "gepubliceerd" in listing.text


async def test_a_period_in_the_past_is_shown_at_the_field(
    coordinator_client: httpx.AsyncClient,
) -> None:
    answer = await post_form(
        coordinator_client, "/coordinator/rounds", "/coordinator/rounds", {"period": "2025-01"}
    )
    assert answer.status_code == 422
    assert "Kies deze maand of een latere maand." in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert await Round.all().count() == 0


async def test_planning_a_published_month_is_refused_at_the_field_and_not_suggested(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    await a_pair()
    # The frozen clock is 12 November: next month is suggested, until it is published.
    assert 'value="2026-12"' in (await coordinator_client.get("/coordinator/rounds")).text
    rnd, _ = await propose_round(settings, "2026-12")
    await publish_round(settings, rnd.id)
    index = await coordinator_client.get("/coordinator/rounds")
    assert 'value="2027-01"' in index.text
    answer = await post_form(
        coordinator_client, "/coordinator/rounds", "/coordinator/rounds", {"period": "2026-12"}
    )
    assert answer.status_code == 409
    assert "De ronde van deze maand is al gepubliceerd" in answer.text
    assert 'aria-invalid="true"' in answer.text and "<title>Fout:" in answer.text
    assert await Round.all().count() == 1


async def test_a_form_without_its_csrf_token_is_refused(
    coordinator_client: httpx.AsyncClient,
) -> None:
    answer = await coordinator_client.post("/coordinator/rounds", data={"period": "2026-12"})
    assert answer.status_code == 403
    assert await Round.all().count() == 0


async def test_a_whole_month_of_the_demo_population_through_the_pages(
    coordinator_client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    client = coordinator_client
    await load_demo_data(320)
    planned = await post_form(
        client, "/coordinator/rounds", "/coordinator/rounds", {"period": "2026-12"}
    )
    url = planned.headers["location"].split("?")[0]
    rnd = await Round.get(period="2026-12")
    groups = await current_groups(rnd.id)
    out, (apart_a, apart_b) = groups[0][0], groups[1][:2]
    await post_form(client, url, f"{url}/exclude", {"attendee": str(out)})
    await post_form(
        client, url, f"{url}/keep-apart", {"attendee_a": str(apart_a), "attendee_b": str(apart_b)}
    )
    view = await api_view(rnd.id)
    pin_a, pin_b = await allowed_pin(view)
    pinned = await post_form(
        client, url, f"{url}/pin", {"attendee_a": str(pin_a), "attendee_b": str(pin_b)}
    )
    page = await client.get(pinned.headers["location"])
    assert "Vastgezet in deze ronde" in page.text
    recomputed = await post_form(client, url, f"{url}/recompute", {})
    page = await client.get(recomputed.headers["location"])
    assert "Concept, versie 5" in page.text
    assert "Wat is er veranderd sinds versie 4?" in page.text
    after = await current_groups(rnd.id)
    assert out not in {a for g in after for a in g}
    assert all({apart_a, apart_b} - set(g) for g in after)
    assert [pin_a, pin_b] in [sorted(g) for g in after]

    published = await post_form(client, url, f"{url}/publish", {})
    assert published.status_code == 303
    with smtp_server(handler := ScriptedHandler()) as port:
        transport = make_transport(
            make_settings(MAIL_BACKEND="smtp", SMTP_URL=f"smtp://127.0.0.1:{port}")
        )
        report = await drain(settings, transport)
        await transport.aclose()
    assert report.sent == 319
    assert out not in {
        a.id for a in await Attendee.filter(email__in=[r for _, (r,), _ in handler.received])
    }

    # December's round, published on 12 November: its nudges wait for December.
    frozen_clock.advance(timedelta(days=15))
    assert await queue_due_nudges(settings) == 0
    frozen_clock.advance(timedelta(days=19))
    assert await queue_due_nudges(settings) == 319
    frozen_clock.advance(timedelta(days=20))
    january = await post_form(
        client, "/coordinator/rounds", "/coordinator/rounds", {"period": "2027-01"}
    )
    assert january.status_code == 303
    second = await Round.get(period="2027-01")
    december = {frozenset(p) for g in after for p in combinations(g, 2)}
    assert not december & {
        frozenset(p) for g in await current_groups(second.id) for p in combinations(g, 2)
    }
    listing = await client.get("/coordinator/rounds")
    assert '<time datetime="2027-01">januari 2027</time>' in listing.text
    assert '<time datetime="2026-12">december 2026</time>' in listing.text


async def api_view(round_id: int) -> dict[str, object]:
    from peernet.rounds.views import round_view

    view = await round_view(round_id, "nl")
    return {"groups": [{"members": [{"id": m.id} for m in g.members]} for g in view.groups]}


async def _a_planned_round(client: httpx.AsyncClient) -> str:
    planned = await post_form(
        client, "/coordinator/rounds", "/coordinator/rounds", {"period": "2026-12"}
    )
    assert planned.status_code == 303
    return planned.headers["location"].split("?")[0]


async def test_someone_who_erased_their_data_reads_as_a_former_participant(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    from peernet.attendees.rights import erase_attendee

    client = coordinator_client
    anouk, _ = await a_pair()
    url = await _a_planned_round(client)
    assert await erase_attendee(settings, anouk.id, actor="cli", reason="request")
    page = (await client.get(url)).text
    group = page[page.index('<section class="group"') : page.index("</section>")]
    assert "Oud-deelnemer" in group
    assert "Anouk" not in page
    # No sentence or line with a hole where the name or the organisation was.
    lines = [line.strip() for line in re.sub(r"<[^>]+>", "\n", group).splitlines()]
    assert not [line for line in lines if "  " in line or line.endswith("·")]
    assert "· ·" not in group


async def test_a_refused_pin_is_said_at_the_top_and_not_listed_as_pinned(
    coordinator_client: httpx.AsyncClient,
) -> None:
    client = coordinator_client
    await a_pair()
    sanne = await an_attendee("Sanne de Vries", role="teacher")
    mehmet = await an_attendee("Mehmet Brouwer", role="teacher")
    url = await _a_planned_round(client)
    pinned = await post_form(
        client, url, f"{url}/pin", {"attendee_a": str(sanne.id), "attendee_b": str(mehmet.id)}
    )
    page = (await client.get(pinned.headers["location"])).text
    top = page[: page.index('id="groups"')]
    assert "Deze vastzettingen heeft de indeling niet overgenomen" in top
    assert "Sanne de Vries + Mehmet Brouwer: zelfde vakgebied" in top
    assert "Vastgezet in deze ronde" not in page
    assert page.count("Sanne de Vries + Mehmet Brouwer") == 2  # at the top and in its list
    # The refused pin can be taken away where it is listed.
    unpinned = await post_form(
        client, url, f"{url}/unpin", {"attendee_a": str(sanne.id), "attendee_b": str(mehmet.id)}
    )
    page = (await client.get(unpinned.headers["location"])).text
    assert "Sanne de Vries + Mehmet Brouwer" not in page


async def test_the_people_to_choose_are_in_dutch_name_order_with_one_id_per_field(
    coordinator_client: httpx.AsyncClient,
) -> None:
    client = coordinator_client
    for name in ("Zoë Bakker", "Ümit Aydın", "Ilse Yılmaz", "Ilse Çelik", "anna Smit"):
        await an_attendee(name, role="teacher" if name[0] in "ZI" else "youth_worker")
    page = (await client.get(await _a_planned_round(client))).text
    form = page[page.index('id="pin-attendee_a"') :]
    shown = re.findall(r'<option value="\d+">([^<]+) \(#\d+\)</option>', form.split("</select>")[0])
    assert shown == ["anna Smit", "Ilse Çelik", "Ilse Yılmaz", "Ümit Aydın", "Zoë Bakker"]
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


STALE_NL = "Dit concept is verouderd"


async def test_a_draft_with_a_pair_kept_apart_since_says_so_until_it_is_recomputed(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    client = coordinator_client
    anouk, ruud = await a_pair()
    rnd, _ = await propose_round(settings, "2026-12")
    url = f"/coordinator/rounds/{rnd.id}"
    assert STALE_NL not in (await client.get(url)).text  # a fresh draft
    await KeepApart.create(attendee_a_id=anouk.id, attendee_b_id=ruud.id, created_at=rnd.created_at)
    page = await client.get(url)
    assert "Dit concept is verouderd: 1 groep mag volgens de regels van nu niet meer" in page.text
    assert page.text.count(f'action="/coordinator/rounds/{rnd.id}/recompute"') == 2
    english = await client.get(f"{url}?lang=en")
    assert "This draft is out of date: 1 group is no longer allowed" in english.text
    recomputed = await post_form(client, url, f"{url}/recompute", {})
    assert recomputed.status_code == 303
    assert STALE_NL not in (await client.get(url)).text


async def test_an_older_draft_repeating_a_month_published_since_warns_and_is_repaired(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    client = coordinator_client
    anouk, ruud = await a_pair()
    later, _ = await propose_round(settings, "2026-12")
    this, _ = await propose_round(settings, "2026-11")
    url = f"/coordinator/rounds/{later.id}"
    assert STALE_NL not in (await client.get(url)).text
    await publish_round(settings, this.id)
    assert STALE_NL + ": 1 groep" in (await client.get(url)).text
    assert STALE_NL not in (await client.get(f"/coordinator/rounds/{this.id}")).text
    published = await post_form(client, url, f"{url}/publish", {})
    assert published.headers["location"] == f"{url}?done=published"
    page = await client.get(published.headers["location"])
    assert STALE_NL not in page.text
    assert "Groepen die volgens de regels van nu niet meer mochten: 1." in page.text
    assert await current_groups(later.id) == []
    told = await OutboxMessage.filter(kind="unmatched")
    assert sorted(m.recipient_email for m in told) == sorted([anouk.email, ruud.email])


async def test_a_round_changed_at_publishing_shows_what_was_sent(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    from peernet.attendees.subscription import pause

    client = coordinator_client
    _, ruud = await a_pair()
    url = await _a_planned_round(client)
    planned = html.unescape((await client.get(url)).text)
    assert "2 mensen: 1 paar, 0 trio's, 0 niet gekoppeld." in planned
    assert "Bij het publiceren is het plan aangepast" not in planned
    await pause(ruud.id, "1")
    draft = html.unescape((await client.get(url)).text)
    gone = draft[draft.index('id="gone-since"') :]
    assert "Sinds dit concept doen deze mensen niet meer mee" in gone
    assert "<li>Ruud van 't Hoff (gepauzeerd)</li>" in gone
    round_id = int(url.rsplit("/", 1)[1])
    await publish_round(settings, round_id)
    page = html.unescape((await client.get(url)).text)
    assert 'id="gone-since"' not in page  # published: said in the figures instead
    figures = page[page.index("<h2>In het kort") : page.index('id="groups"')]
    assert "Bij het publiceren is het plan aangepast" in figures
    # Ruud paused: Anouk alone, told she has no match this month.
    assert "1 persoon: 0 paren, 0 trio's, 1 niet gekoppeld." in figures
    assert "Het plan was" in figures and "Dit is aantoonbaar" not in figures
    unmatched = page[page.index('id="unmatched"') :]
    assert "Anouk de Vries" in unmatched and "Niet gekoppeld (1)" in unmatched
    notice = html.unescape((await client.get(f"{url}?done=published")).text)
    assert "1 persoon viel af sinds het concept; de partner is opnieuw gekoppeld" in notice
    # The list of rounds counts the same.
    from peernet.rounds.views import list_rounds

    (summary,) = await list_rounds()
    assert (summary.people, summary.groups, summary.unmatched) == (1, 0, 1)


async def test_a_profile_changed_since_the_draft_warns_and_is_repaired_at_publishing(
    coordinator_client: httpx.AsyncClient, settings: Settings
) -> None:
    client = coordinator_client
    anouk, ruud = await a_pair()
    await Attendee.filter(id=anouk.id).update(meeting_preference="in_person")
    rnd, _ = await propose_round(settings, "2026-12")
    assert await current_groups(rnd.id) == [[anouk.id, ruud.id]]
    url = f"/coordinator/rounds/{rnd.id}"
    assert STALE_NL not in (await client.get(url)).text
    # Ruud now meets online only; Anouk only in person.
    await Attendee.filter(id=ruud.id).update(meeting_preference="online")
    page = html.unescape((await client.get(url)).text)
    assert STALE_NL + ": 1 groep" in page
    # Which group, and why: in the warning (a link to it) and at the group itself.
    reason = "de een spreekt alleen fysiek af, de ander alleen online"
    (match_id,) = await Match.filter(round_id=rnd.id).values_list("id", flat=True)
    assert f'<a href="#group-{match_id}">Anouk de Vries, Ruud van \'t Hoff</a>: {reason}' in page
    assert f"Mag volgens de regels van nu niet meer: {reason}." in page
    outcome = await publish_round(settings, rnd.id)
    assert outcome.dissolved == ((anouk.id, ruud.id),)
    assert await OutboxMessage.filter(kind="introduction").count() == 0
    stats = (await Round.get(id=rnd.id)).stats["published"]
    assert stats["dissolved"] == [{"members": [anouk.id, ruud.id], "rule": "meeting_incompatible"}]
    assert set(outcome.told_unmatched) == {anouk.id, ruud.id}
