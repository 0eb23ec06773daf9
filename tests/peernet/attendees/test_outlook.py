from __future__ import annotations

from typing import Any

import httpx
import pytest

from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.attendees.outlook import matching_outlook, outlook_notice
from peernet.attendees.schemas import SignupIn, parse_signup
from tests.peernet.attendees.test_pages import submit
from tests.peernet.factories import an_attendee, an_event, signup_data

pytestmark = pytest.mark.usefixtures("empty_db", "frozen_clock")


async def signup_notice(signup: SignupIn, locale: str) -> str | None:
    """The notice a sign-up's answer page shows (it is stored in the sent-page cookie as
    the limiting choices, then worded by the same ``limits_notice``)."""
    return outlook_notice(await matching_outlook(signup), signup, locale)


PAPIAMENTO_IN_LIMBURG = {
    "region": "limburg",
    "meeting_preference": "in_person",
    "languages": ["pap"],
}
NOTICE_NL = (
    "Met alleen fysiek afspreken in Limburg en Papiaments als enige taal zijn er nu weinig "
    "mensen met wie we je kunnen koppelen. Je kunt dit later aanpassen door je opnieuw aan te "
    "melden met hetzelfde e-mailadres."
)


def a_signup(**overrides: Any) -> SignupIn:
    return parse_signup(signup_data(**overrides))


async def a_network(**fields: Any) -> list[Attendee]:
    """Four active colleagues from other disciplines: two in Limburg who speak only Dutch,
    two in Noord-Holland who speak Dutch and Papiaments."""
    people = []
    for n, (region, languages) in enumerate(
        [
            ("limburg", ["nl"]),
            ("limburg", ["nl"]),
            ("noord_holland", ["nl", "pap"]),
            ("noord_holland", ["nl", "pap"]),
        ]
    ):
        people.append(
            await an_attendee(
                f"Collega {n}",
                role="teacher",
                region=region,
                languages=languages,
                **fields,
            )
        )
    return people


async def test_in_person_and_one_rare_language_make_matching_unlikely() -> None:
    await a_network()
    signup = a_signup(**PAPIAMENTO_IN_LIMBURG)
    outlook = await matching_outlook(signup)
    assert outlook.possible_partners == 0
    assert outlook.limiting_choices == ("in_person", "languages")
    assert await signup_notice(signup, "nl") == NOTICE_NL
    assert await signup_notice(signup, "en") == (
        "With meeting in person only in Limburg and Papiamento as your only language, there "
        "are few people we can match you with right now. You can change this later by signing "
        "up again with the same email address."
    )


async def test_meeting_either_way_with_dutch_says_nothing() -> None:
    await a_network()
    signup = a_signup(region="limburg", languages=["nl", "pap"])
    assert (await matching_outlook(signup)).possible_partners == 4
    assert await signup_notice(signup, "nl") is None


async def test_online_only_is_named_when_it_rules_people_out() -> None:
    await a_network(meeting_preference="in_person")
    signup = a_signup(meeting_preference="online", languages=["nl", "pap"])
    assert await signup_notice(signup, "nl") == (
        "Met alleen online afspreken zijn er nu weinig mensen met wie we je kunnen koppelen. "
        "Je kunt dit later aanpassen door je opnieuw aan te melden met hetzelfde e-mailadres."
    )


async def test_a_small_network_is_not_blamed_on_the_choices() -> None:
    await an_attendee("Collega", role="teacher", region="limburg")
    signup = a_signup(**PAPIAMENTO_IN_LIMBURG, role="teacher")  # same discipline: not a choice
    assert (await matching_outlook(signup)).possible_partners == 0
    assert await signup_notice(signup, "nl") is None


async def test_only_active_attendees_count() -> None:
    for status in (AttendeeStatus.PENDING, AttendeeStatus.PAUSED, AttendeeStatus.LEFT):
        await an_attendee(f"Niet actief {status}", role="teacher", region="limburg", status=status)
    assert (await matching_outlook(a_signup(region="limburg"))).possible_partners == 0


# --- the pages ---------------------------------------------------------------------------------


async def test_the_form_warns_that_in_person_only_limits_matching(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    page = (await client.get("/join/omei-utrecht")).text
    assert 'aria-describedby="meeting_preference-hint"' in page
    assert (
        "Kies je alleen fysiek, dan kunnen we je alleen koppelen aan mensen uit je eigen "
        "politie-eenheid of een eenheid ernaast."
    ) in page


async def test_the_inbox_page_warns_and_reads_the_same_for_a_known_address(
    client: httpx.AsyncClient,
) -> None:
    await an_event()
    network = await a_network()
    # Two people these choices allow (next door, Papiaments), one is too far: fewer than three.
    network[2].region = "oost_brabant"
    await network[2].save()
    await an_attendee("Buur", role="teacher", region="oost_brabant", languages=["pap"])
    fresh = await submit(client, signup_data(**PAPIAMENTO_IN_LIMBURG))
    assert fresh.status_code == 200
    assert NOTICE_NL in fresh.text.replace("&#39;", "'")

    # The same address, now active with choices that would allow them a partner if they were
    # counted: the page must not change, or it would tell that the address is known.
    known = await Attendee.get(email_normalized="anouk.devries@example.org")
    known.status = AttendeeStatus.ACTIVE
    known.role = "teacher"
    await known.save()
    again = await submit(client, signup_data(**PAPIAMENTO_IN_LIMBURG))
    assert again.text == fresh.text


async def test_the_inbox_page_has_no_warning_for_easy_choices(client: httpx.AsyncClient) -> None:
    await an_event()
    await a_network()
    response = await submit(client, signup_data())
    assert "Kijk in je mailbox" in response.text
    assert 'class="notice warning"' not in response.text
